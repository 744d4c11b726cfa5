import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../observability/logger.ts';
import type { BatchHandler, PullQueue, QueueMessage } from '../../port/queue.ts';
import { openSqlite } from '../sqlite/db.ts';
import { type ConsumerHandle, recordHandler, runConsumer } from './consumer.ts';
import { SqliteQueue } from './sqlite.ts';
import { fromSqsRecord } from './sqs.ts';

const logger = createLogger('test', { level: 'SILENT' });

describe('runConsumer', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  function queue() {
    const db = openSqlite(':memory:');
    cleanup.push(() => db.close());
    return new SqliteQueue(db, { backoffSeconds: () => 0 });
  }
  function start(q: PullQueue, handler: BatchHandler, options = {}): ConsumerHandle {
    const consumer = runConsumer(q, 'jobs', handler, {
      idleDelayMs: 5,
      maxIdleDelayMs: 20,
      logger,
      ...options,
    });
    cleanup.push(() => consumer.stop({ graceMs: 0 }));
    return consumer;
  }

  it('handles messages sent before and after it started, and stops cleanly', async () => {
    // arrange
    const q = queue();
    await q.send('jobs', { n: 1 });
    const seen: unknown[] = [];
    // act
    const consumer = start(
      q,
      recordHandler(async (m) => {
        seen.push(m.body);
      }),
    );
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    await q.send('jobs', { n: 2 });
    await q.send('jobs', { n: 3 });
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    await consumer.stop();
    await q.send('jobs', { n: 4 });
    // assert
    expect(seen).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(await q.depth('jobs')).toBe(1);
  });

  it('retries the failed records only, until they succeed', async () => {
    const q = queue();
    for (const n of [1, 2, 3]) await q.send('jobs', { n });
    const attempts = new Map<number, number>();
    start(
      q,
      recordHandler(
        async (m) => {
          const n = (m.body as { n: number }).n;
          attempts.set(n, (attempts.get(n) ?? 0) + 1);
          if (n === 2 && m.receiveCount < 3) throw new Error('flaky');
        },
        { logger },
      ),
    );
    await vi.waitFor(async () => expect(await q.depth('jobs')).toBe(0));
    expect([...attempts].sort()).toEqual([
      [1, 1],
      [2, 3],
      [3, 1],
    ]);
  });

  it('lets the batch in flight finish within the grace period', async () => {
    const q = queue();
    await q.send('jobs', 'slow');
    let finish: () => void = () => {};
    let started = false;
    const consumer = start(q, async () => {
      started = true;
      await new Promise<void>((r) => {
        finish = r;
      });
      return { batchItemFailures: [] };
    });
    await vi.waitFor(() => expect(started).toBe(true));
    const stopped = consumer.stop({ graceMs: 60_000 });
    finish();
    await stopped;
    expect(await q.depth('jobs')).toBe(0);
  });

  it('releases the batch in flight when the grace period runs out, losing nothing', async () => {
    // arrange
    const q = queue();
    await q.send('jobs', 'hangs');
    let started = false;
    const consumer = start(q, () => {
      started = true;
      return new Promise(() => {});
    });
    await vi.waitFor(() => expect(started).toBe(true));
    // act
    await consumer.stop({ graceMs: 10 });
    // assert: visible again at once, not waiting out its visibility timeout
    const again: QueueMessage[] = [];
    await q.poll('jobs', async (ms) => {
      again.push(...ms);
      return { batchItemFailures: [] };
    });
    expect(again.map((m) => [m.body, m.receiveCount])).toEqual([['hangs', 2]]);
  });

  it('without release, fails the abandoned batch instead of dropping it', async () => {
    // arrange: the same queue seen only through the PullQueue port
    const q = queue();
    const portOnly: PullQueue = {
      send: (...a) => q.send(...a),
      depth: (n) => q.depth(n),
      deadLetterDepth: (n) => q.deadLetterDepth(n),
      redrive: (n) => q.redrive(n),
      poll: (...a) => q.poll(...a),
    };
    await q.send('jobs', 'hangs');
    let started = false;
    const consumer = start(portOnly, () => {
      started = true;
      return new Promise(() => {});
    });
    await vi.waitFor(() => expect(started).toBe(true));
    // act
    await consumer.stop({ graceMs: 10 });
    // assert
    expect(await q.depth('jobs')).toBe(1);
    expect(await q.poll('jobs', async () => ({ batchItemFailures: [] }))).toBe(1);
  });

  it('stops at once while idle, however long its idle sleep', async () => {
    const q = queue();
    let polls = 0;
    const counting = {
      send: q.send.bind(q),
      depth: q.depth.bind(q),
      deadLetterDepth: q.deadLetterDepth.bind(q),
      redrive: q.redrive.bind(q),
      release: q.release.bind(q),
      subscribe: q.subscribe.bind(q),
      nextVisibleAt: q.nextVisibleAt.bind(q),
      poll: (...a: Parameters<SqliteQueue['poll']>) => {
        polls++;
        return q.poll(...a);
      },
    };
    const consumer = start(counting, async () => ({ batchItemFailures: [] }), {
      idleDelayMs: 600_000,
      maxIdleDelayMs: 600_000,
    });
    await vi.waitFor(() => expect(polls).toBe(1));
    await new Promise((r) => setTimeout(r, 20));
    // if stop() waited for the 10-minute sleep, this test would time out
    await consumer.stop();
    expect(polls).toBe(1);
  });

  it('keeps running after a poll fails', async () => {
    const q = queue();
    await q.send('jobs', 'x');
    let failures = 0;
    const flaky: PullQueue = {
      send: (...a) => q.send(...a),
      depth: (n) => q.depth(n),
      deadLetterDepth: (n) => q.deadLetterDepth(n),
      redrive: (n) => q.redrive(n),
      poll: (...a) => (failures++ < 2 ? Promise.reject(new Error('database is locked')) : q.poll(...a)),
    };
    const handled: unknown[] = [];
    start(
      flaky,
      recordHandler(async (m) => {
        handled.push(m.body);
      }),
    );
    await vi.waitFor(() => expect(handled).toEqual(['x']));
    expect(failures).toBeGreaterThanOrEqual(2);
  });
});

describe('recordHandler', () => {
  const message = (id: string, body: unknown): QueueMessage => ({
    id,
    queue: 'jobs',
    body,
    receiveCount: 1,
    attributes: {},
    sentAt: 0,
  });

  it('reports exactly the records whose function threw, in order, after running all of them', async () => {
    const ran: string[] = [];
    const handler = recordHandler(
      async (m) => {
        ran.push(m.id);
        if (m.body === 'bad') throw new Error('bad record');
      },
      { logger },
    );
    const result = await handler([
      message('a', 'ok'),
      message('b', 'bad'),
      message('c', 'ok'),
      message('d', 'bad'),
    ]);
    expect(ran).toEqual(['a', 'b', 'c', 'd']);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'b' }, { itemIdentifier: 'd' }] });
  });

  it('gives the same answer as Powertools BatchProcessor in Lambda for the same record function', async () => {
    // arrange: one record function, two runners
    const fn = async (m: QueueMessage) => {
      if ((m.body as { fail?: boolean }).fail) throw new Error('fails');
    };
    const record = (id: string, body: unknown, receiveCount = 1): SQSRecord => ({
      messageId: id,
      receiptHandle: `rh-${id}`,
      body: JSON.stringify(body),
      attributes: {
        ApproximateReceiveCount: String(receiveCount),
        SentTimestamp: '1767225600000',
        SenderId: 'AIDA',
        ApproximateFirstReceiveTimestamp: '1767225600001',
      },
      messageAttributes: { correlationId: { stringValue: 'c-1', dataType: 'String' } },
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:111122223333:jobs',
      awsRegion: 'eu-west-1',
    });
    const event: SQSEvent = {
      Records: [
        record('m1', { fail: false }),
        record('m2', { fail: true }, 3),
        record('m3', { fail: false }),
      ],
    };
    // act
    const lambda = await processPartialResponse(
      event,
      (r: SQSRecord) => fn(fromSqsRecord(r)),
      new BatchProcessor(EventType.SQS),
    );
    const local = await recordHandler(fn, { logger })(event.Records.map((r) => fromSqsRecord(r)));
    // assert
    expect(local).toEqual(lambda);
    expect(local).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
  });
});
