/**
 * The paged source behind the library grid: one request at a time, only the pages of the window
 * the user sees (a jump skips everything in between), a bounded cache, and no retry loop.
 */
import { createRoot } from 'solid-js';
import { describe, expect, it } from 'vitest';
import { createPaged, type PageAnswer } from './paged.ts';

const TOTAL = 50_000;
const SIZE = 60;

/** A source whose answers the test releases by hand, recording what was asked and the overlap. */
function source(options: { failAt?: number } = {}) {
  const asked: number[] = [];
  let open = 0;
  let maxOpen = 0;
  const pending: (() => void)[] = [];
  const fetchPage = (offset: number, limit: number): Promise<PageAnswer<number>> => {
    asked.push(offset);
    open++;
    maxOpen = Math.max(maxOpen, open);
    return new Promise((resolve, reject) => {
      pending.push(() => {
        open--;
        if (offset === options.failAt) reject(new Error('Plex did not answer'));
        else
          resolve({
            items: Array.from({ length: Math.min(limit, TOTAL - offset) }, (_, k) => offset + k),
            total: TOTAL,
          });
      });
    });
  };
  /** Answers every pending request (and those they trigger) until none is left. */
  const settle = async () => {
    for (let guard = 0; guard < 1000; guard++) {
      const next = pending.shift();
      if (!next) {
        await new Promise((r) => setTimeout(r, 0));
        if (pending.length === 0) return;
        continue;
      }
      next();
      await new Promise((r) => setTimeout(r, 0));
    }
  };
  return { asked, fetchPage, settle, maxOpen: () => maxOpen };
}

describe('paged source', () => {
  it('fetches only the window, one page at a time, skipping what a fast scroll flew past', async () => {
    const s = source();
    await createRoot(async (dispose) => {
      const paged = createPaged<number>({ pageSize: SIZE, maxPages: 6, fetchPage: s.fetchPage });
      paged.setWindow(0, 40);
      paged.setWindow(0, 100); // while page 0 is in flight: page 1 waits its turn
      expect(s.asked).toEqual([0]);
      await s.settle();
      expect(s.asked).toEqual([0, 60]);
      expect(paged.total()).toBe(TOTAL);
      expect(paged.get(75)).toBe(75);
      // A jump to item 40,000: the pages of that window only, nothing in between.
      paged.setWindow(40_000, 40_100);
      paged.setWindow(40_010, 40_110);
      await s.settle();
      expect(s.asked.slice(2)).toEqual([39_960, 40_020, 40_080]);
      expect(paged.get(40_050)).toBe(40_050);
      expect(paged.get(3_000)).toBeUndefined();
      // The end of the list: no page past the total.
      paged.setWindow(49_990, 50_100);
      await s.settle();
      expect(s.asked.at(-1)).toBe(49_980);
      expect(paged.get(49_999)).toBe(49_999);
      expect(s.maxOpen()).toBe(1);
      // Bounded: pages outside the window went first.
      expect(paged.loadedPages().length).toBeLessThanOrEqual(6);
      expect(paged.loadedPages()).toContain(Math.floor(49_990 / SIZE));
      dispose();
    });
  });

  it('stops on a failed page until retried, and asks nothing after dispose', async () => {
    const s = source({ failAt: 0 });
    await createRoot(async (dispose) => {
      const paged = createPaged<number>({ pageSize: SIZE, fetchPage: s.fetchPage });
      paged.setWindow(0, 10);
      await s.settle();
      expect((paged.error() as Error).message).toBe('Plex did not answer');
      paged.setWindow(0, 20);
      await s.settle();
      expect(s.asked).toEqual([0]);
      paged.retry();
      expect(paged.error()).toBeUndefined();
      expect(s.asked).toEqual([0, 0]);
      await s.settle();
      paged.dispose();
      paged.setWindow(5_000, 5_010);
      expect(s.asked).toEqual([0, 0]);
      dispose();
    });
  });
});
