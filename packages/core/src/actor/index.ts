export * from './context.ts';
export type { DomainDeps } from './deps.ts';
export * from './fn.ts';
export * from './id.ts';
export { assertPermission } from './permission.ts';
