export { createApp, MAX_BODY_BYTES } from './app.ts';
export type { AppEnv } from './env.ts';
export { ErrorBody, errorResponse, fieldIssues, validationError } from './errors.ts';
export { createRouter } from './router.ts';
export { HealthBody } from './routes/health.ts';
