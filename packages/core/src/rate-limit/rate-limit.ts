/**
 * Fixed-window rate limits kept in the table, so every Lambda instance and the self-hosted
 * process count against the same numbers.
 *
 * Access pattern: `RL#<key>` / `W#<windowSeconds>#<windowIndex>`, one item per key and window,
 * incremented with an atomic ADD (no read first, so concurrent hits never lose a count) and
 * expired by `ttl` when the window ends.
 */
import { z } from 'zod';
import { AppError } from '../error/index.ts';
import type { Clock } from '../port/clock.ts';
import type { Table } from '../port/table.ts';

export interface RateLimitDeps {
  table: Table;
  clock: Clock;
}

export const Limit = z.object({
  limit: z.number().int().positive(),
  windowSeconds: z
    .number()
    .int()
    .positive()
    .max(7 * 24 * 3600),
});
export type Limit = z.infer<typeof Limit>;

/** e.g. `signin:ip:203.0.113.9`, `signin:plex:2002`. */
export const RateKey = z.string().min(1).max(512);

export interface RateResult {
  allowed: boolean;
  /** Hits left in this window after this one. */
  remaining: number;
  /** Epoch milliseconds when the window ends and the count starts over. */
  resetAt: number;
  count: number;
}

export class RateLimitedError extends AppError {
  override name = 'RateLimitedError';
  constructor(result: RateResult, now: number) {
    const retryAfter = Math.max(1, Math.ceil((result.resetAt - now) / 1000));
    super('rate_limited', 'rate_limited', `Too many attempts; try again in ${retryAfter} s`, {
      details: { retryAfterSeconds: retryAfter, resetAt: result.resetAt },
    });
  }
}

/** Counts one hit against `key` and says whether it is within the limit. */
export async function hit(deps: RateLimitDeps, key: string, limit: Limit): Promise<RateResult> {
  const k = RateKey.parse(key);
  const { limit: max, windowSeconds } = Limit.parse(limit);
  const now = deps.clock.now();
  const windowMs = windowSeconds * 1000;
  const index = Math.floor(now / windowMs);
  const resetAt = (index + 1) * windowMs;
  const item = await deps.table.update<{ pk: string; sk: string; count: number }>(
    { pk: `RL#${k}`, sk: `W#${windowSeconds}#${index}` },
    { add: { count: 1 }, set: { ttl: Math.ceil(resetAt / 1000) } },
  );
  return { allowed: item.count <= max, remaining: Math.max(0, max - item.count), resetAt, count: item.count };
}

/** `hit`, throwing RateLimitedError (429 with retry-after details) once over the limit. */
export async function enforce(deps: RateLimitDeps, key: string, limit: Limit): Promise<RateResult> {
  const result = await hit(deps, key, limit);
  if (!result.allowed) throw new RateLimitedError(result, deps.clock.now());
  return result;
}
