export {
  ACCESS_EXTENSION,
  guard,
  type Need,
  type RouteAccess,
  requireHousehold,
  requireUser,
} from './access.ts';
export { type AppOptions, createApp, MAX_BODY_BYTES } from './app.ts';
export type { AppEnv } from './env.ts';
export { ErrorBody, errorResponse, fieldIssues, validationError } from './errors.ts';
export type { SignInLimits } from './middleware/rate-limit.ts';
export { SESSION_COOKIE } from './middleware/session.ts';
export { createRouter } from './router.ts';
export { HealthBody } from './routes/health.ts';
