/**
 * What "healthy" means for a deployment: the store answers, and the job queues can be counted.
 * Kept in core (not in the HTTP layer) because it touches the table, and so every runtime —
 * the API route, the CLI, a Lambda — asks the same question the same way.
 */
import { JOB_QUEUES } from '../jobs/registry.ts';
import type { Mode } from './config.ts';
import type { System } from './index.ts';
import { VERSION } from './version.ts';

export interface HealthReport {
  /** `degraded`: the store answers but the queues could not be counted; `unavailable`: the store does not answer. */
  status: 'ok' | 'degraded' | 'unavailable';
  version: string;
  mode: Mode;
  store: 'sqlite' | 'dynamodb';
  /** Summed over every job queue; null when they could not be counted. */
  queue: { depth: number | null; deadLetter: number | null };
}

/** A probe that hangs is worse than one that says no. */
export const HEALTH_TIMEOUT_MS = 3_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export async function checkHealth(
  system: System,
  options: { timeoutMs?: number } = {},
): Promise<HealthReport> {
  const timeoutMs = options.timeoutMs ?? HEALTH_TIMEOUT_MS;
  const [store, queues] = await Promise.allSettled([
    // A read of a key that never exists: proves the store answers without touching real data.
    withTimeout(system.table.get({ pk: 'SYS#HEALTH', sk: 'PROBE' }), timeoutMs),
    withTimeout(
      Promise.all(
        JOB_QUEUES.map(
          async (q) => [await system.queue.depth(q), await system.queue.deadLetterDepth(q)] as const,
        ),
      ),
      timeoutMs,
    ),
  ]);
  if (store.status === 'rejected') system.logger.error('Health: store unreachable', { error: store.reason });
  if (queues.status === 'rejected') system.logger.warn('Health: queues unreadable', { error: queues.reason });
  const queue =
    queues.status === 'fulfilled'
      ? queues.value.reduce((acc, [d, dl]) => ({ depth: acc.depth + d, deadLetter: acc.deadLetter + dl }), {
          depth: 0,
          deadLetter: 0,
        })
      : { depth: null, deadLetter: null };
  return {
    status: store.status === 'rejected' ? 'unavailable' : queues.status === 'rejected' ? 'degraded' : 'ok',
    version: VERSION,
    mode: system.mode,
    store: system.store,
    queue,
  };
}
