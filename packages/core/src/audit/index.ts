export * from './audit.ts';
export * from './entry.ts';
