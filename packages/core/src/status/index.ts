export * from './alerts.ts';
export * from './card.ts';
export * from './check.ts';
export * from './dashboard.ts';
export type { Bar, ServiceHistory, Uptime } from './history.ts';
export * from './jobs.ts';
