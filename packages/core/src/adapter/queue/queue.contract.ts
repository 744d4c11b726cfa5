/**
 * The Queue port's behavioural contract, for every adapter that can be pulled (the local one).
 * SQS itself is consumed by Lambda, so these rules are the SQS + event-source-mapping rules the
 * local queue has to reproduce; time is a FakeClock so visibility and backoff are exact.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../error/index.ts';
import type { FakeClock } from '../../port/clock.ts';
import type { BatchResult, PullQueue, QueueMessage } from '../../port/queue.ts';

export interface QueueFixture {
  queue: PullQueue & { release?(messages: QueueMessage[]): Promise<number> };
  clock: FakeClock;
  close(): void;
}

const ok: BatchResult = { batchItemFailures: [] };
const failAll = (ms: QueueMessage[]): BatchResult => ({
  batchItemFailures: ms.map((m) => ({ itemIdentifier: m.id })),
});

/** Collects every message of one poll without settling it until `settle` is called. */
function holdingHandler() {
  let messages: QueueMessage[] = [];
  let settle: (r: BatchResult) => void = () => {};
  let received: () => void = () => {};
  const arrived = new Promise<void>((r) => {
    received = r;
  });
  return {
    handler: (ms: QueueMessage[]) => {
      messages = ms;
      received();
      return new Promise<BatchResult>((r) => {
        settle = r;
      });
    },
    arrived,
    get messages() {
      return messages;
    },
    settle: (r: BatchResult) => settle(r),
  };
}

/** Drains a queue with a succeeding handler, returning every message seen. */
async function drain(queue: PullQueue, name: string): Promise<QueueMessage[]> {
  const seen: QueueMessage[] = [];
  while (
    (await queue.poll(
      name,
      async (ms) => {
        seen.push(...ms);
        return ok;
      },
      { batchSize: 100 },
    )) > 0
  );
  return seen;
}

export function queueContract(adapter: string, make: () => QueueFixture): void {
  describe(`Queue contract: ${adapter}`, () => {
    let f: QueueFixture;
    beforeEach(() => {
      f = make();
    });
    afterEach(() => f.close());

    it('delivers a sent message once, with its body, attributes and first receive count', async () => {
      // arrange
      const sentAt = f.clock.now();
      const { id, deduplicated } = await f.queue.send(
        'jobs',
        { kind: 'scan', n: 1 },
        { attributes: { correlationId: 'c-1' } },
      );
      // act
      const seen: QueueMessage[] = [];
      const handled = await f.queue.poll('jobs', async (ms) => {
        seen.push(...ms);
        return ok;
      });
      // assert
      expect(deduplicated).toBe(false);
      expect(handled).toBe(1);
      expect(seen).toEqual([
        {
          id,
          queue: 'jobs',
          body: { kind: 'scan', n: 1 },
          receiveCount: 1,
          attributes: { correlationId: 'c-1' },
          sentAt,
        },
      ]);
      expect(await f.queue.depth('jobs')).toBe(0);
      expect(await f.queue.poll('jobs', async () => ok)).toBe(0);
    });

    it('keeps queues apart and does not call the handler on an empty queue', async () => {
      await f.queue.send('a', 1);
      let called = false;
      const handled = await f.queue.poll('b', async () => {
        called = true;
        return ok;
      });
      expect(handled).toBe(0);
      expect(called).toBe(false);
      expect(await f.queue.depth('a')).toBe(1);
      expect(await f.queue.depth('b')).toBe(0);
    });

    it('respects batchSize', async () => {
      for (let i = 0; i < 5; i++) await f.queue.send('jobs', i);
      const sizes: number[] = [];
      const record = async (ms: QueueMessage[]) => {
        sizes.push(ms.length);
        return ok;
      };
      while ((await f.queue.poll('jobs', record, { batchSize: 2 })) > 0);
      expect(sizes).toEqual([2, 2, 1]);
    });

    it('hides a delayed message until its delay has passed, and counts it in depth', async () => {
      await f.queue.send('jobs', 'later', { delaySeconds: 60 });
      expect(await f.queue.depth('jobs')).toBe(1);
      f.clock.advance(59_999);
      expect(await f.queue.poll('jobs', async () => ok)).toBe(0);
      f.clock.advance(1);
      expect(await f.queue.poll('jobs', async () => ok)).toBe(1);
    });

    it('drops a repeat dedupId within the window, and accepts it again after the window', async () => {
      const first = await f.queue.send('jobs', { v: 1 }, { dedupId: 'd-1' });
      f.clock.advance(299_000);
      const repeat = await f.queue.send('jobs', { v: 2 }, { dedupId: 'd-1' });
      const otherQueue = await f.queue.send('other', { v: 3 }, { dedupId: 'd-1' });
      expect(repeat).toEqual({ id: first.id, deduplicated: true });
      expect(otherQueue.deduplicated).toBe(false);
      expect(await f.queue.depth('jobs')).toBe(1);
      // the window is measured from the first send, and outlives the message itself
      await drain(f.queue, 'jobs');
      f.clock.advance(999);
      expect((await f.queue.send('jobs', { v: 4 }, { dedupId: 'd-1' })).deduplicated).toBe(true);
      f.clock.advance(1);
      const later = await f.queue.send('jobs', { v: 5 }, { dedupId: 'd-1' });
      expect(later.deduplicated).toBe(false);
      expect((await drain(f.queue, 'jobs')).map((m) => m.body)).toEqual([{ v: 5 }]);
    });

    it('keeps a received message invisible to other consumers until its visibility timeout', async () => {
      // arrange
      await f.queue.send('jobs', 'x');
      const first = holdingHandler();
      const firstPoll = f.queue.poll('jobs', first.handler, { visibilityTimeoutSeconds: 30 });
      await first.arrived;
      // act + assert: invisible while in flight, but still counted
      expect(await f.queue.poll('jobs', async () => ok)).toBe(0);
      expect(await f.queue.depth('jobs')).toBe(1);
      f.clock.advance(29_999);
      expect(await f.queue.poll('jobs', async () => ok)).toBe(0);
      // the first consumer is presumed dead: the message comes back, counted
      f.clock.advance(1);
      const second = holdingHandler();
      const secondPoll = f.queue.poll('jobs', second.handler, { visibilityTimeoutSeconds: 30 });
      await second.arrived;
      expect(second.messages.map((m) => m.receiveCount)).toEqual([2]);
      // the late first consumer can no longer settle it
      first.settle(ok);
      await firstPoll;
      expect(await f.queue.depth('jobs')).toBe(1);
      second.settle(ok);
      await secondPoll;
      expect(await f.queue.depth('jobs')).toBe(0);
    });

    it('never gives two concurrent consumers the same message', async () => {
      for (let i = 0; i < 20; i++) await f.queue.send('jobs', i);
      const a = holdingHandler();
      const b = holdingHandler();
      const pa = f.queue.poll('jobs', a.handler, { batchSize: 15 });
      const pb = f.queue.poll('jobs', b.handler, { batchSize: 15 });
      await Promise.all([a.arrived, b.arrived]);
      const ids = [...a.messages, ...b.messages].map((m) => m.id);
      expect(a.messages.length + b.messages.length).toBe(20);
      expect(new Set(ids).size).toBe(20);
      a.settle(ok);
      b.settle(ok);
      await Promise.all([pa, pb]);
      expect(await f.queue.depth('jobs')).toBe(0);
    });

    it('retries only the failed records of a batch, after the backoff', async () => {
      // arrange
      const ids = await Promise.all([1, 2, 3].map(async (n) => (await f.queue.send('jobs', n)).id));
      // act
      await f.queue.poll('jobs', async () => ({ batchItemFailures: [{ itemIdentifier: ids[1]! }] }));
      // assert: backoff for a first failure is 10 s in this fixture
      expect(await f.queue.depth('jobs')).toBe(1);
      f.clock.advance(9_999);
      expect(await f.queue.poll('jobs', async () => ok)).toBe(0);
      f.clock.advance(1);
      const again = await drain(f.queue, 'jobs');
      expect(again.map((m) => [m.id, m.receiveCount])).toEqual([[ids[1], 2]]);
    });

    it('backs off longer after each failure', async () => {
      await f.queue.send('jobs', 'flaky');
      const waits: number[] = [];
      for (let attempt = 1; attempt <= 3; attempt++) {
        expect(await f.queue.poll('jobs', async (ms) => failAll(ms), { maxReceives: 10 })).toBe(1);
        let waited = 0;
        while (
          (await f.queue.poll('jobs', async (ms) => failAll(ms), { maxReceives: 10, batchSize: 1 })) === 0
        ) {
          f.clock.advance(1_000);
          waited += 1_000;
          if (waited > 3_600_000) throw new Error('message never came back');
        }
        waits.push(waited);
        f.clock.advance(3_600_000); // let the extra failure's backoff pass too
      }
      expect(waits[0]).toBeLessThan(waits[1]!);
      expect(waits[1]).toBeLessThan(waits[2]!);
    });

    it('fails the whole batch when the handler throws', async () => {
      await f.queue.send('jobs', 1);
      await f.queue.send('jobs', 2);
      await f.queue.poll('jobs', async () => {
        throw new Error('boom');
      });
      f.clock.advance(10_000);
      const again = await drain(f.queue, 'jobs');
      expect(again.map((m) => m.receiveCount)).toEqual([2, 2]);
    });

    it('fails the whole batch when the handler names a message that is not in it (as Lambda does)', async () => {
      await f.queue.send('jobs', 1);
      await f.queue.send('jobs', 2);
      await f.queue.poll('jobs', async () => ({ batchItemFailures: [{ itemIdentifier: 'not-a-message' }] }));
      expect(await f.queue.depth('jobs')).toBe(2);
    });

    it('dead-letters a message after maxReceives failures, and redrive brings it back fresh', async () => {
      // arrange
      const { id } = await f.queue.send('jobs', 'poison');
      await f.queue.send('jobs', 'fine');
      // act: fail 'poison' three times
      for (let i = 0; i < 3; i++) {
        await f.queue.poll(
          'jobs',
          async (ms) => ({
            batchItemFailures: ms.filter((m) => m.id === id).map((m) => ({ itemIdentifier: m.id })),
          }),
          { maxReceives: 3 },
        );
        f.clock.advance(3_600_000);
      }
      // assert
      expect(await f.queue.depth('jobs')).toBe(0);
      expect(await f.queue.deadLetterDepth('jobs')).toBe(1);
      expect(await f.queue.poll('jobs', async () => ok, { maxReceives: 3 })).toBe(0);
      expect(await f.queue.redrive('jobs')).toBe(1);
      expect(await f.queue.deadLetterDepth('jobs')).toBe(0);
      const back = await drain(f.queue, 'jobs');
      expect(back.map((m) => [m.id, m.body, m.receiveCount])).toEqual([[id, 'poison', 1]]);
      expect(await f.queue.redrive('jobs')).toBe(0);
    });

    it('dead-letters a message whose consumers keep dying (never settled)', async () => {
      await f.queue.send('jobs', 'crashes the worker');
      for (let i = 0; i < 2; i++) {
        const h = holdingHandler();
        void f.queue.poll('jobs', h.handler, { maxReceives: 2, visibilityTimeoutSeconds: 5 });
        await h.arrived;
        f.clock.advance(5_000);
      }
      expect(await f.queue.poll('jobs', async () => ok, { maxReceives: 2 })).toBe(0);
      expect(await f.queue.deadLetterDepth('jobs')).toBe(1);
    });

    it('uses maxReceives 5 by default', async () => {
      await f.queue.send('jobs', 'always fails');
      let receives = 0;
      for (let i = 0; i < 8; i++) {
        await f.queue.poll('jobs', async (ms) => {
          receives += ms.length;
          return failAll(ms);
        });
        f.clock.advance(3_600_000);
      }
      expect(receives).toBe(5);
      expect(await f.queue.deadLetterDepth('jobs')).toBe(1);
    });

    it('releases in-flight messages at once without counting a failure settle', async () => {
      await f.queue.send('jobs', 'slow');
      const h = holdingHandler();
      const p = f.queue.poll('jobs', h.handler);
      await h.arrived;
      if (!f.queue.release) return expect.fail('a pull queue for the local runtime must support release');
      expect(await f.queue.release(h.messages)).toBe(1);
      // the abandoned handler finishing later must not delete the redelivered message
      h.settle(ok);
      await p;
      const again = await drain(f.queue, 'jobs');
      expect(again.map((m) => [m.body, m.receiveCount])).toEqual([['slow', 2]]);
    });

    it('rejects bad input with an "invalid" AppError', async () => {
      const invalid = { name: 'AppError', kind: 'invalid' };
      await expect(f.queue.send('jobs', 1, { delaySeconds: 901 })).rejects.toMatchObject(invalid);
      await expect(f.queue.send('jobs', 1, { delaySeconds: -1 })).rejects.toMatchObject(invalid);
      await expect(f.queue.send('no spaces', 1)).rejects.toMatchObject(invalid);
      await expect(f.queue.send('jobs', 'x'.repeat(256 * 1024))).rejects.toBeInstanceOf(AppError);
      await expect(f.queue.send('jobs', undefined)).rejects.toMatchObject(invalid);
      expect(await f.queue.depth('jobs')).toBe(0);
    });
  });
}

/**
 * A process that dies mid-work loses nothing: every send it had acknowledged is in the file,
 * and what it had received comes back after the visibility timeout.
 */
export function queueCrashContract(
  adapter: string,
  reopen: (path: string) => QueueFixture,
  childScript = fileURLToPath(new URL('./crash-child.ts', import.meta.url)),
): void {
  describe(`Queue crash safety: ${adapter}`, () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'mn-queue-crash-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('keeps every acknowledged message when the process is SIGKILLed mid-work', async () => {
      // arrange: the child sends, takes a batch it never settles, then keeps sending
      const path = join(dir, 'medianest.db');
      const child = spawn(process.execPath, [childScript, path], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, sig) => resolve(sig)),
      );
      const acked = new Set<string>();
      const received = new Set<string>();
      const lines = createInterface({ input: child.stdout });
      // act: kill it while it is sending, well after it received its batch
      await new Promise<void>((resolve, reject) => {
        exited.then(() => reject(new Error(`child exited early: ${stderr}`)));
        let sentAfterReceive = 0;
        lines.on('line', (line) => {
          const [what, id] = line.split(' ');
          if (what === 'sent' && id) {
            acked.add(id);
            if (received.size > 0 && ++sentAfterReceive === 25) {
              child.kill('SIGKILL');
              resolve();
            }
          }
          if (what === 'received' && id) received.add(id);
        });
      });
      expect(await exited).toBe('SIGKILL');
      // assert
      const f = reopen(path);
      try {
        f.clock.set(Date.now() + 3_600_000);
        expect(await f.queue.depth('crash')).toBeGreaterThanOrEqual(acked.size);
        const seen = await drain(f.queue, 'crash');
        const seenIds = new Set(seen.map((m) => m.id));
        expect([...acked].filter((id) => !seenIds.has(id))).toEqual([]);
        expect(received.size).toBe(10);
        for (const m of seen) expect(m.receiveCount).toBe(received.has(m.id) ? 2 : 1);
      } finally {
        f.close();
      }
    });
  });
}
