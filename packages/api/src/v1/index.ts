import type { OpenAPIHono } from '@hono/zod-openapi';
import type { System } from '@medianest/core/system/index';
import type { AppEnv } from '../env.ts';
import { createRouter } from '../router.ts';

/**
 * The product API, mounted at /api/v1. Feature routers (built with `createRouter()`) are mounted
 * here, e.g. `v1.route('/households', householdRoutes(system))`; their OpenAPI definitions are
 * merged into /api/openapi.json with the prefix.
 */
export function createV1(_system: System): OpenAPIHono<AppEnv> {
  const v1 = createRouter();
  return v1;
}
