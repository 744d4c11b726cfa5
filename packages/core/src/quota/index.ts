export * from './quota.ts';
export * from './window.ts';
