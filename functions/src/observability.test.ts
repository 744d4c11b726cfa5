/**
 * The per-invocation envelope on real handlers and a real local System: the correlation id goes
 * HTTP → queue message attribute → worker logs (and on to the jobs a job enqueues), and the
 * business metrics an invocation records are written as one EMF line when it ends.
 */
import { defineJob, enqueueJob, JOBS_QUEUE, jobs } from '@medianest/core/jobs/index';
import {
  createMetrics,
  type MetricsRecorder,
  metrics,
  setMetrics,
} from '@medianest/core/observability/metrics';
import type { QueueMessage } from '@medianest/core/port/queue';
import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHttpHandler } from './http.ts';
import { httpApiEvent, JOBS_QUEUE_URL, lambdaContext, sqsEvent, sqsRecord } from './testing/events.ts';
import { type TempSystem, tempSystem } from './testing/system.ts';
import { createWorkerHandler } from './worker.ts';

const parentJob = defineJob({
  type: 'test.observability_parent',
  queue: JOBS_QUEUE,
  schema: z.object({ householdId: z.string() }),
  async handle(system, data, context) {
    // Enqueued without naming a correlation id: the worker's scope supplies it.
    await enqueueJob(system, childJob.type, { from: data.householdId });
    await system.table.put({
      pk: 'TEST#OBS',
      sk: 'PARENT',
      loggedAs: system.logger.getPersistentLogAttributes().correlation_id ?? null,
      correlationId: context.correlationId ?? null,
    });
  },
});
const childJob = defineJob({
  type: 'test.observability_child',
  queue: JOBS_QUEUE,
  schema: z.object({ from: z.string() }),
  async handle() {},
});

/** Takes every message waiting on the local jobs queue (and settles them). */
async function drain(local: TempSystem): Promise<QueueMessage[]> {
  const seen: QueueMessage[] = [];
  while (
    (await local.system.queue.poll(JOBS_QUEUE, async (batch) => {
      seen.push(...batch);
      return { batchItemFailures: [] };
    })) > 0
  );
  return seen;
}

describe('observability across functions', () => {
  let local: TempSystem;
  let lines: string[];
  let previous: MetricsRecorder;

  beforeAll(async () => {
    jobs.register(parentJob);
    jobs.register(childJob);
    local = await tempSystem({ MEDIANEST_QUEUE_URL_JOBS: JOBS_QUEUE_URL });
    previous = metrics();
  });
  afterAll(async () => {
    jobs.unregister(parentJob.type);
    jobs.unregister(childJob.type);
    setMetrics(previous);
    await local.cleanup();
  });
  beforeEach(() => {
    lines = [];
    setMetrics(createMetrics({ mode: 'emf', stage: 'dev', write: (l) => lines.push(l) }));
  });

  it('carries the request id from HTTP to the job message, the worker logs and the jobs it enqueues', async () => {
    // arrange: an app whose route enqueues like a feature route would, without naming an id
    const http = createHttpHandler(
      () => local.system,
      (system) =>
        new Hono().post('/api/v1/thing', async (c) => {
          await enqueueJob(system, parentJob.type, { householdId: 'hh_obs' });
          metrics().mediaRequest({ action: 'created', householdId: 'hh_obs' });
          return c.json({ ok: true }, 202);
        }),
    );
    const worker = createWorkerHandler(() => local.system);
    // act 1: the request
    const res = await http(
      httpApiEvent({ method: 'POST', path: '/api/v1/thing', body: '{}', requestId: 'Req0bsErv4bLe=' }),
      lambdaContext(),
    );
    const [sent] = await drain(local);
    // act 2: the worker receives that message as SQS would deliver it
    const out = await worker(
      sqsEvent([sqsRecord('m-parent', sent!.body, { attributes: sent!.attributes })]),
      lambdaContext('MediaNest-dev-FunctionsWorker'),
    );
    const [child] = await drain(local);
    // assert
    expect(res.statusCode).toBe(202);
    expect(sent!.attributes).toEqual({ correlationId: 'Req0bsErv4bLe=' });
    expect(out).toEqual({ batchItemFailures: [] });
    expect(await local.system.table.get({ pk: 'TEST#OBS', sk: 'PARENT' })).toMatchObject({
      loggedAs: 'Req0bsErv4bLe=',
      correlationId: 'Req0bsErv4bLe=',
    });
    expect(child!.body).toEqual({ type: childJob.type, data: { from: 'hh_obs' } });
    expect(child!.attributes).toEqual({ correlationId: 'Req0bsErv4bLe=' });
    // One EMF line for the one invocation that recorded something (the worker recorded nothing).
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ MediaRequest: 1, householdId: 'hh_obs', service: 'medianest', stage: 'dev' }),
    ]);
  });

  it('keeps a correlation id the enqueuer set itself, and leaves calls outside an invocation alone', async () => {
    const http = createHttpHandler(
      () => local.system,
      (system) =>
        new Hono().post('/api/v1/own', async (c) => {
          await enqueueJob(system, childJob.type, { from: 'x' }, { correlationId: 'chosen-by-route' });
          return c.body(null, 204);
        }),
    );
    await http(httpApiEvent({ method: 'POST', path: '/api/v1/own', body: '{}' }), lambdaContext());
    await enqueueJob(local.system, childJob.type, { from: 'outside' });
    const messages = await drain(local);
    expect(messages.map((m) => m.attributes)).toEqual([{ correlationId: 'chosen-by-route' }, {}]);
  });

  it('flushes the metrics of an invocation that fails', async () => {
    const http = createHttpHandler(
      () => local.system,
      () =>
        new Hono()
          .get('/api/v1/fail', () => {
            metrics().signIn({ method: 'plex', ok: false });
            throw new Error('boom');
          })
          .onError((_error, c) => c.json({ error: 'internal' }, 500)),
    );
    const res = await http(httpApiEvent({ method: 'GET', path: '/api/v1/fail' }), lambdaContext());
    expect(res.statusCode).toBe(500);
    expect(lines.map((l) => JSON.parse(l).SignInFailed)).toEqual([1]);
  });
});
