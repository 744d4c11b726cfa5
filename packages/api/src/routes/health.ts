import { createRoute, z } from '@hono/zod-openapi';
import { JOB_QUEUES } from '@medianest/core/jobs/registry';
import { VERSION } from '@medianest/core/system/version';
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

/** Checks must answer quickly: a health probe that hangs is worse than one that says no. */
const CHECK_TIMEOUT_MS = 3_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export function healthRouter() {
  return createRouter().openapi(route, async (c) => {
    const { system } = c.var;
    const log = c.get('logger');
    const [store, queue] = await Promise.allSettled([
      withTimeout(system.table.get({ pk: 'SYS#HEALTH', sk: 'PROBE' }), CHECK_TIMEOUT_MS),
      withTimeout(
        Promise.all(
          JOB_QUEUES.map(
            async (q) => [await system.queue.depth(q), await system.queue.deadLetterDepth(q)] as const,
          ),
        ),
        CHECK_TIMEOUT_MS,
      ),
    ]);
    if (store.status === 'rejected') log.error('Health: store unreachable', { error: store.reason });
    if (queue.status === 'rejected') log.warn('Health: queue unreadable', { error: queue.reason });
    const counts =
      queue.status === 'fulfilled'
        ? queue.value.reduce((acc, [d, dl]) => ({ depth: acc.depth + d, deadLetter: acc.deadLetter + dl }), {
            depth: 0,
            deadLetter: 0,
          })
        : { depth: null, deadLetter: null };
    const body: HealthBody = {
      status: store.status === 'rejected' ? 'unavailable' : queue.status === 'rejected' ? 'degraded' : 'ok',
      version: VERSION,
      mode: system.mode,
      store: system.store,
      queue: counts,
    };
    return c.json(body, store.status === 'rejected' ? 503 : 200);
  });
}

export type HealthRouter = ReturnType<typeof healthRouter>;
export type { AppEnv };
