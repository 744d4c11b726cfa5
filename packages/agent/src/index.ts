export * from './agent.ts';
export { escapeXml, nfoXml } from './sidecars.ts';
export {
  classifyError,
  downloadArgs,
  PRESET_TEMPLATES,
  parseProgressLine,
  resolveArgs,
  toResolveResult,
} from './ytdlp.ts';
