import { defineJob, JOBS_QUEUE, jobs } from '@medianest/core/jobs/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JOBS_QUEUE_URL, lambdaContext, sqsEvent, sqsRecord } from './testing/events.ts';
import { type TempSystem, tempSystem } from './testing/system.ts';
import { createWorkerHandler } from './worker.ts';

// A job that leaves a trace in the real table, or fails when asked to.
const recordJob = defineJob({
  type: 'test.functions_worker_record',
  queue: JOBS_QUEUE,
  schema: z.object({ n: z.number().int(), fail: z.boolean().default(false) }),
  async handle(system, data, context) {
    if (data.fail) throw new Error(`job ${data.n} failed on purpose`);
    await system.table.put({
      pk: 'TEST#WORKER',
      sk: `N#${data.n}`,
      correlationId: context.correlationId ?? null,
      // What core's own log lines are stamped with while this record runs.
      loggedAs: system.logger.getPersistentLogAttributes().correlation_id ?? null,
      queue: context.message.queue,
    });
  },
});

describe('worker handler (SQS → handleJob, partial batch failures)', () => {
  let local: TempSystem;
  let handler: ReturnType<typeof createWorkerHandler>;

  beforeAll(async () => {
    jobs.register(recordJob);
    // As in Lambda: the queue URL is configured, the record names the physical queue.
    local = await tempSystem({ MEDIANEST_QUEUE_URL_JOBS: JOBS_QUEUE_URL });
    handler = createWorkerHandler(() => local.system);
  });
  afterAll(async () => {
    jobs.unregister(recordJob.type);
    await local.cleanup();
  });

  it('reports exactly the one failing record of three and runs the other two', async () => {
    // arrange
    const event = sqsEvent([
      sqsRecord(
        '059f36b4-87a3-44ab-83d2-661975830a7d',
        { type: recordJob.type, data: { n: 1 } },
        {
          attributes: { correlationId: 'req-abc' },
        },
      ),
      sqsRecord(
        '2e1424d4-f796-459a-8184-9c92662be6da',
        { type: recordJob.type, data: { n: 2, fail: true } },
        {
          receiveCount: 3,
        },
      ),
      sqsRecord('a6d4ab7e-4bf1-4d7c-9e4f-0c2b6e0e3f51', { type: recordJob.type, data: { n: 3 } }),
    ]);
    // act
    const response = await handler(event, lambdaContext('MediaNest-dev-FunctionsWorker'));
    // assert
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: '2e1424d4-f796-459a-8184-9c92662be6da' }],
    });
    const page = await local.system.table.query({ pk: 'TEST#WORKER' });
    expect(page.items.map((i) => [i.sk, i.correlationId, i.loggedAs, i.queue])).toEqual([
      ['N#1', 'req-abc', 'req-abc', 'jobs'],
      ['N#3', null, 'a6d4ab7e-4bf1-4d7c-9e4f-0c2b6e0e3f51', 'jobs'],
    ]);
  });

  it('fails records that can never succeed (not JSON, unknown type) instead of dropping them', async () => {
    const notJson = { ...sqsRecord('b1', {}), body: 'not json' };
    const event = sqsEvent([
      notJson,
      sqsRecord('b2', { type: 'no.such_job', data: {} }),
      sqsRecord('b3', { data: 1 }),
    ]);
    const response = await handler(event, lambdaContext());
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['b1', 'b2', 'b3']);
  });

  it('answers an empty failure list when the whole batch succeeds', async () => {
    const response = await handler(sqsEvent([sqsRecord('c1', { type: recordJob.type, data: { n: 10 } })]));
    expect(response).toEqual({ batchItemFailures: [] });
  });
});
