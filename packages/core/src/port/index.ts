export * from './blob.ts';
export * from './clock.ts';
export * from './http.ts';
export * from './keyring.ts';
export * from './queue.ts';
export * from './realtime.ts';
export * from './table.ts';
