import { createRoute, z } from '@hono/zod-openapi';
import { checkHealth } from '@medianest/core/system/health';
import type { System } from '@medianest/core/system/index';
import type { AppEnv } from '../env.ts';
import { createRouter } from '../router.ts';

export const HealthBody = z
  .object({
    status: z.enum(['ok', 'degraded', 'unavailable']).openapi({
      description:
        '`degraded`: the store answers but the queue could not be read; `unavailable`: the store is unreachable',
    }),
    version: z.string(),
    mode: z.enum(['selfhosted', 'saas']),
    store: z.enum(['sqlite', 'dynamodb']),
    queue: z.object({
      depth: z
        .number()
        .int()
        .nullable()
        .openapi({ description: 'Messages waiting or in flight; null when unknown' }),
      deadLetter: z
        .number()
        .int()
        .nullable()
        .openapi({ description: 'Dead-lettered messages; null when unknown' }),
    }),
  })
  .openapi('Health');

export type HealthBody = z.infer<typeof HealthBody>;

const route = createRoute({
  method: 'get',
  path: '/health',
  tags: ['system'],
  summary: 'Liveness and readiness: can this deployment reach its store and its queue?',
  responses: {
    200: { description: 'Healthy (or degraded)', content: { 'application/json': { schema: HealthBody } } },
    503: { description: 'The store is unreachable', content: { 'application/json': { schema: HealthBody } } },
  },
});

export function healthRouter() {
  return createRouter().openapi(route, async (c) => {
    // The route's logger, so a failing probe is logged under the request id.
    const system = Object.create(c.var.system, { logger: { value: c.var.logger } }) as System;
    const report = await checkHealth(system);
    return c.json(report satisfies HealthBody, report.status === 'unavailable' ? 503 : 200);
  });
}

export type HealthRouter = ReturnType<typeof healthRouter>;
export type { AppEnv };
