export * from './faults.ts';
export * from './server.ts';
