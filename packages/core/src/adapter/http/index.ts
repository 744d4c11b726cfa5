export * from './breakers.ts';
export * from './guard.ts';
export * from './http.ts';
