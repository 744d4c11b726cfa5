/**
 * The AWS runtime's status wiring (issue 5): `$connect` asks for a first status check of the
 * household at once (de-duplicated), and the SQS worker turns service down/up alerts from the
 * checks it runs into notifications. Real local table and queue, the real ApiGatewayRealtime
 * adapter (only the management API is replaced), the real Uptime Kuma simulator.
 */
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { ApiGatewayRealtime } from '@medianest/core/adapter/realtime/apigw';
import * as Integration from '@medianest/core/integration/integration';
import { type SeededHousehold, seedHousehold, simulatorHttp } from '@medianest/core/integration/testing';
import { JOBS_QUEUE } from '@medianest/core/jobs/index';
import { Inbox } from '@medianest/core/notification/index';
import { FakeClock } from '@medianest/core/port/clock';
import type { QueueMessage } from '@medianest/core/port/queue';
import { issueTicket } from '@medianest/core/realtime/index';
import { CHECK_JOB } from '@medianest/core/status/index';
import type { System } from '@medianest/core/system/index';
import { type RunningUptimeKuma, startUptimeKuma } from '@medianest/simulators/uptime-kuma/index';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JOBS_QUEUE_URL,
  lambdaContext,
  REGION,
  sqsEvent,
  sqsRecord,
  wsConnectEvent,
} from './testing/events.ts';
import { type TempSystem, tempSystem } from './testing/system.ts';
import { createWorkerHandler } from './worker.ts';
import { createConnectHandler } from './ws-connect.ts';

const ENDPOINT = 'https://k8w2mn4p1q.execute-api.eu-west-1.amazonaws.com/live';
const management = mockClient(ApiGatewayManagementApiClient);

let local: TempSystem;
let system: System;
let kuma: RunningUptimeKuma;
let hh: SeededHousehold;

beforeAll(async () => {
  kuma = await startUptimeKuma({
    monitors: [{ id: 1, name: 'Radarr', status: 'UP', ping: 9 }],
    statusPages: [{ slug: 'home', title: 'Home', monitorIds: [1] }],
    beatIntervalMs: 0,
  });
  // Fixed time, one second into a 30 s interval bucket: which checks are due now is known exactly.
  local = await tempSystem(
    { MEDIANEST_WS_ENDPOINT: ENDPOINT, MEDIANEST_QUEUE_URL_JOBS: JOBS_QUEUE_URL },
    { clock: new FakeClock(Date.UTC(2026, 10, 2, 9, 0, 1)) },
  );
  management.reset();
  management.on(PostToConnectionCommand).resolves({});
  const realtime = new ApiGatewayRealtime({
    client: new ApiGatewayManagementApiClient({ endpoint: ENDPOINT, region: REGION }),
    table: local.system.table,
    clock: local.system.clock,
  });
  // The AWS System's realtime on the local store: what `createAwsSystem` wires, minus DynamoDB.
  system = { ...local.system, realtime };
  hh = await seedHousehold(system, { ownerToken: 'owner-token-functions-status' });
  const http = simulatorHttp([kuma.url]);
  try {
    await hh.as(hh.ownerId, () =>
      Integration.save({ ...system, http }, { kind: 'uptime_kuma', url: kuma.url, slug: 'home' }),
    );
  } finally {
    http.close();
  }
});
afterAll(async () => {
  management.reset();
  await local?.cleanup();
  await kuma?.close();
});

async function drain(): Promise<QueueMessage[]> {
  const out: QueueMessage[] = [];
  while (
    (await local.system.queue.poll(JOBS_QUEUE, async (ms) => {
      out.push(...ms);
      return { batchItemFailures: [] };
    })) > 0
  );
  return out;
}

describe('status wiring of the AWS handlers', () => {
  it('$connect asks for one status check of the household at once; a second viewer adds none', async () => {
    const connect = createConnectHandler(() => system);
    const scope = { userId: hh.ownerId, householdId: hh.householdId };
    await drain();
    for (const id of ['Aa1connA=', 'Bb2connB=']) {
      const { ticket } = await issueTicket(system, scope);
      expect(await connect(wsConnectEvent(id, { ticket }), lambdaContext('ws-connect'))).toEqual({
        statusCode: 200,
      });
    }
    expect((await drain()).map((m) => m.body)).toEqual([
      { type: CHECK_JOB, data: { householdId: hh.householdId, reason: 'watched' } },
    ]);
  });

  it('the worker turns a service going down, and back up, into notifications for the household', async () => {
    const worker = createWorkerHandler(() => system);
    let n = 0;
    const check = async () => {
      const id = `0c5e7a52-1f0b-4c3e-9d6a-00000000000${++n}`;
      const res = await worker(
        sqsEvent([
          sqsRecord(id, { type: CHECK_JOB, data: { householdId: hh.householdId, reason: 'watched' } }),
        ]),
        lambdaContext('worker'),
      );
      expect(res).toEqual({ batchItemFailures: [] });
    };
    await check();
    kuma.setStatus(1, 'DOWN', 'Connection refused');
    await check();
    kuma.setStatus(1, 'UP');
    await check();
    const inbox = await hh.as(hh.ownerId, () => Inbox.list(system, {}));
    expect(inbox.notifications.map((x) => x.title)).toEqual(
      expect.arrayContaining(['Radarr is down', 'Radarr is back up']),
    );
  });
});
