export * from './errors.ts';
export * from './overseerr.ts';
export * from './plex-server.ts';
export { encodeStrict, normaliseBaseUrl } from './transport.ts';
export * from './uptime-kuma.ts';
