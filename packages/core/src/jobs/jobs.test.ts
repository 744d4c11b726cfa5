import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { AppError } from '../error/index.ts';
import { createLogger } from '../observability/logger.ts';
import { FakeClock } from '../port/clock.ts';
import type { QueueMessage } from '../port/queue.ts';
import { createLocalSystem, type LocalSystem, loadConfig } from '../system/index.ts';
import {
  defineJob,
  enqueueJob,
  handleJob,
  JOBS_QUEUE,
  JobRegistry,
  jobs,
  PermanentJobError,
  runTick,
  SWEEP_INTERVAL_MS,
} from './index.ts';
import { enqueueWith, handleWith } from './registry.ts';

let dir: string;
let system: LocalSystem;
let clock: FakeClock;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mn-jobs-'));
  clock = new FakeClock(Date.UTC(2026, 10, 1, 10, 0, 0));
  system = await createLocalSystem(loadConfig({ MEDIANEST_DATA_DIR: dir }), {
    clock,
    logger: createLogger('medianest-test', { level: 'SILENT' }),
  });
});

afterEach(async () => {
  await system.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Everything currently visible on the jobs queue, received and acknowledged. */
async function drain(): Promise<QueueMessage[]> {
  const out: QueueMessage[] = [];
  while (
    (await system.queue.poll(JOBS_QUEUE, async (ms) => {
      out.push(...ms);
      return { batchItemFailures: [] };
    })) > 0
  );
  return out;
}

const message = (body: unknown): QueueMessage => ({
  id: 'm1',
  queue: JOBS_QUEUE,
  body,
  receiveCount: 1,
  attributes: {},
  sentAt: clock.now(),
});

describe('job registry', () => {
  const seen: unknown[] = [];
  const registry = new JobRegistry([
    defineJob({
      type: 'test.greet',
      queue: JOBS_QUEUE,
      schema: z.object({ name: z.string() }),
      async handle(_system, data, context) {
        seen.push({ data, correlationId: context.correlationId });
      },
    }),
  ]);

  beforeEach(() => {
    seen.length = 0;
  });

  it('enqueues a validated envelope and dispatches it to its handler', async () => {
    await enqueueWith(registry, system, 'test.greet', { name: 'Ann' }, { correlationId: 'c-1' });
    const [received] = await drain();
    expect(received?.body).toEqual({ type: 'test.greet', data: { name: 'Ann' } });
    await handleWith(registry, system, received!);
    expect(seen).toEqual([{ data: { name: 'Ann' }, correlationId: 'c-1' }]);
  });

  it('refuses to enqueue unknown types or invalid data', async () => {
    await expect(enqueueWith(registry, system, 'test.nope', {})).rejects.toMatchObject({
      code: 'job.unknown_type',
    });
    await expect(enqueueWith(registry, system, 'test.greet', { name: 3 })).rejects.toMatchObject({
      kind: 'invalid',
      code: 'job.invalid_data',
    });
    expect(await system.queue.depth(JOBS_QUEUE)).toBe(0);
  });

  it.each([
    ['an unknown type', { type: 'test.nope', data: {} }, 'job.unknown_type'],
    ['invalid data', { type: 'test.greet', data: { name: 1 } }, 'job.invalid_data'],
    ['a body that is no envelope', 'hello', 'job.malformed'],
  ])('treats %s as a permanent error', async (_, body, code) => {
    const err = await handleWith(registry, system, message(body)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentJobError);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code, permanent: true });
    expect(seen).toEqual([]);
  });

  it('lets a handler failure through, so the message is retried', async () => {
    const failing = new JobRegistry([
      defineJob({
        type: 'test.flaky',
        queue: JOBS_QUEUE,
        schema: z.object({}),
        async handle() {
          throw new Error('upstream down');
        },
      }),
    ]);
    await expect(handleWith(failing, system, message({ type: 'test.flaky', data: {} }))).rejects.toThrow(
      'upstream down',
    );
  });

  it('refuses a second registration of the same type', () => {
    expect(() =>
      registry.register(
        defineJob({ type: 'test.greet', queue: JOBS_QUEUE, schema: z.object({}), handle: async () => {} }),
      ),
    ).toThrow(/already registered/);
  });

  it('the process registry ships the maintenance sweep', () => {
    expect(jobs.types()).toContain('maintenance.sweep_expired');
  });
});

describe('maintenance.sweep_expired', () => {
  it('deletes expired items through the table', async () => {
    const nowSeconds = Math.floor(clock.now() / 1000);
    await system.table.put({ pk: 'T#1', sk: 'old', ttl: nowSeconds + 10 });
    await system.table.put({ pk: 'T#1', sk: 'live', ttl: nowSeconds + 3600 });
    clock.advance(60_000);
    await enqueueJob(system, 'maintenance.sweep_expired', {});
    const [received] = await drain();
    await handleJob(system, received!);
    const left = system.db.prepare("SELECT COUNT(*) AS n FROM tbl_items WHERE pk = 'T#1'").get() as {
      n: number;
    };
    expect(left.n).toBe(1);
    expect(await system.table.get({ pk: 'T#1', sk: 'live' })).toBeDefined();
  });
});

describe('runTick', () => {
  it('enqueues the sweep at most once per hour', async () => {
    const start = clock.now();
    expect((await runTick(system, start)).enqueued).toEqual(['maintenance.sweep_expired']);
    // Every minute for the rest of the hour: nothing more, even after the 5-minute dedup window.
    for (let m = 1; m < 60; m += 7) expect((await runTick(system, start + m * 60_000)).enqueued).toEqual([]);
    expect(await drain()).toHaveLength(1);
    // The next hour enqueues again.
    expect((await runTick(system, start + SWEEP_INTERVAL_MS)).enqueued).toEqual([
      'maintenance.sweep_expired',
    ]);
    const next = await drain();
    expect(next.map((m) => m.body)).toEqual([{ type: 'maintenance.sweep_expired', data: {} }]);
  });

  it('overlapping ticks for the same hour enqueue once', async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() => runTick(system, clock.now())));
    expect(results.flatMap((r) => r.enqueued)).toEqual(['maintenance.sweep_expired']);
    expect(await system.queue.depth(JOBS_QUEUE)).toBe(1);
  });
});

describe('job logging', () => {
  function capture() {
    const lines: string[] = [];
    const write = (chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    };
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(write);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(write);
    return {
      restore() {
        out.mockRestore();
        err.mockRestore();
      },
      records: () =>
        lines
          .join('')
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>),
    };
  }

  it('gives handlers a logger carrying the correlation id, and logs permanent errors', async () => {
    const registry = new JobRegistry([
      defineJob({
        type: 'test.logs',
        queue: JOBS_QUEUE,
        schema: z.object({}),
        async handle(_system, _data, context) {
          context.logger.info('working');
        },
      }),
    ]);
    const loud = { ...system, logger: createLogger('medianest-test', { level: 'INFO' }) };
    const logs = capture();
    try {
      await handleWith(registry, loud, {
        ...message({ type: 'test.logs', data: {} }),
        attributes: { correlationId: 'req-9' },
      });
      await handleWith(registry, loud, message({ type: 'test.unknown', data: {} })).catch(() => undefined);
    } finally {
      logs.restore();
    }
    const records = logs.records();
    expect(records.find((r) => r.message === 'working')).toMatchObject({
      correlation_id: 'req-9',
      jobType: 'test.logs',
      messageId: 'm1',
    });
    expect(records.find((r) => r.level === 'ERROR')).toMatchObject({
      message: 'Job can never succeed as sent',
      code: 'job.unknown_type',
      messageId: 'm1',
    });
  });
});
