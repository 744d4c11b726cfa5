import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './env.ts';
import { validationError } from './errors.ts';

/**
 * Every router (the app, /api/v1, each feature) is built here so a failed request validation
 * always goes through the one error mapper instead of zod-openapi's default response.
 */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target);
    },
  });
}
