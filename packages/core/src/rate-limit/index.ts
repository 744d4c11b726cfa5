export * from './rate-limit.ts';
