export * from './connections.ts';
export * from './errors.ts';
export * from './plex-tv-client.ts';
export * from './schema.ts';
