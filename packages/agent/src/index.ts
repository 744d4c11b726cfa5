export * from './agent.ts';
export { nfoXml, escapeXml } from './sidecars.ts';
export { classifyError, downloadArgs, parseProgressLine, PRESET_TEMPLATES, resolveArgs, toResolveResult } from './ytdlp.ts';
