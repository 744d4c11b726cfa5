import type { OpenAPIHono } from '@hono/zod-openapi';
import type { System } from '@medianest/core/system/index';
import type { AppEnv } from '../env.ts';
import { csrfProtection } from '../middleware/csrf.ts';
import { DEFAULT_SIGN_IN_LIMITS, type SignInLimits } from '../middleware/rate-limit.ts';
import { sessionMiddleware } from '../middleware/session.ts';
import { createRouter } from '../router.ts';
import { authRoutes } from './auth.ts';
import { downloadRoutes } from './downloads.ts';
import { householdRoutes } from './households.ts';
import { integrationRoutes } from './integrations.ts';
import { inviteRoutes } from './invites.ts';
import { libraryRoutes } from './library.ts';
import { meRoutes } from './me.ts';
import { notificationRoutes } from './notifications.ts';
import { requestRoutes } from './requests.ts';
import { webhookRoutes } from './webhooks.ts';

export interface V1Options {
  signInLimits?: Partial<SignInLimits>;
  /** Path prefixes (under /api/v1) called by servers rather than browsers: no CSRF origin check. */
  csrfExempt?: string[];
}

/**
 * The product API, mounted at /api/v1. Feature routers (built with `createRouter()`) are mounted
 * here; their OpenAPI definitions are merged into /api/openapi.json with the prefix. Every
 * request first passes the CSRF origin check (unsafe methods) and the session middleware.
 */
export function createV1(system: System, options: V1Options = {}): OpenAPIHono<AppEnv> {
  const limits = { ...DEFAULT_SIGN_IN_LIMITS, ...options.signInLimits };
  const v1 = createRouter();
  v1.use('*', csrfProtection((options.csrfExempt ?? ['/webhooks/']).map((p) => `/api/v1${p}`)));
  v1.use('*', sessionMiddleware);
  v1.route('/', authRoutes(system, limits));
  v1.route('/', meRoutes(system, limits));
  v1.route('/', householdRoutes(system));
  v1.route('/', inviteRoutes(system));
  v1.route('/', integrationRoutes(system));
  v1.route('/', downloadRoutes(system));
  v1.route('/', libraryRoutes(system));
  v1.route('/', requestRoutes(system));
  v1.route('/', notificationRoutes(system));
  v1.route('/', webhookRoutes(system));
  return v1;
}
