import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STORES, type TestDeps } from '../actor/testing.ts';
import * as RateLimit from './rate-limit.ts';

let deps: TestDeps;

const limit = { limit: 3, windowSeconds: 60 };

describe.each(STORES)('on $name', ({ open, skip }) => {
  let opened = false;
  beforeEach(async (context) => {
    if (skip) context.skip();
    deps = await open();
    // Start on a window boundary so the arithmetic below is exact.
    deps.clock.set(Date.UTC(2026, 0, 1, 0, 0, 0));

    opened = true;
  });
  afterEach(async () => {
    if (opened) await deps.close();
    opened = false;
  });
  describe('hit', () => {
    it('allows up to the limit in a window, then refuses until the window resets', async () => {
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await RateLimit.hit(deps, 'signin:ip:1', limit));
      expect(results.map((r) => [r.allowed, r.remaining])).toEqual([
        [true, 2],
        [true, 1],
        [true, 0],
        [false, 0],
        [false, 0],
      ]);
      expect(results[0]?.resetAt).toBe(deps.clock.now() + 60_000);
      deps.clock.advance(60_000);
      expect(await RateLimit.hit(deps, 'signin:ip:1', limit)).toMatchObject({ allowed: true, remaining: 2 });
    });

    it('counts every concurrent hit exactly once', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, () => RateLimit.hit(deps, 'k', { limit: 5, windowSeconds: 60 })),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(5);
      expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    });

    it('keeps keys apart and expires the counter with the window', async () => {
      await RateLimit.hit(deps, 'a', limit);
      expect(await RateLimit.hit(deps, 'b', limit)).toMatchObject({ count: 1 });
      const window = Math.floor(deps.clock.now() / 60_000);
      const key = { pk: 'RL#a', sk: `W#60#${window}` };
      expect(await deps.table.get(key)).toMatchObject({ count: 1 });
      deps.clock.advance(60_000);
      // Past its ttl the counter is invisible to every read (and swept or expired by the store).
      expect(await deps.table.get(key)).toBeUndefined();
    });

    it('enforce throws a rate_limited error with retry-after details', async () => {
      for (let i = 0; i < 3; i++) await RateLimit.enforce(deps, 'e', limit);
      deps.clock.advance(15_000);
      await expect(RateLimit.enforce(deps, 'e', limit)).rejects.toMatchObject({
        kind: 'rate_limited',
        details: { retryAfterSeconds: 45 },
      });
    });
  });
});
