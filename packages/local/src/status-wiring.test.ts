/**
 * The self-hosted runtime's status wiring (issue 5): a socket joining a household asks for a first
 * status check at once, and a service going down reaches the household's notifications. Real
 * runtime (startLocal), real Uptime Kuma simulator, real socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as Integration from '@medianest/core/integration/integration';
import { type SeededHousehold, seedHousehold, simulatorHttp } from '@medianest/core/integration/testing';
import { handleJob, JOBS_QUEUE } from '@medianest/core/jobs/index';
import { Inbox } from '@medianest/core/notification/index';
import { FakeClock } from '@medianest/core/port/clock';
import type { QueueMessage } from '@medianest/core/port/queue';
import { issueTicket } from '@medianest/core/realtime/index';
import { CHECK_JOB } from '@medianest/core/status/index';
import { type RunningUptimeKuma, startUptimeKuma } from '@medianest/simulators/uptime-kuma/index';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type LocalServer, startLocal } from './start-local.ts';

let dir: string;
let kuma: RunningUptimeKuma;
let server: LocalServer;
// Fixed time, one second into a 30 s interval bucket: which checks are due now is known exactly.
const clock = new FakeClock(Date.UTC(2026, 10, 2, 9, 0, 1));
const sockets: WebSocket[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mn-local-status-'));
  kuma = await startUptimeKuma({
    monitors: [{ id: 1, name: 'Sonarr', status: 'UP', ping: 12 }],
    statusPages: [{ slug: 'home', title: 'Home', monitorIds: [1] }],
    beatIntervalMs: 0,
  });
  // No consumers and no tick: what is in the queue is what the socket join put there.
  server = await startLocal({
    port: 0,
    host: '127.0.0.1',
    dataDir: join(dir, 'data'),
    webDir: join(dir, 'web'),
    env: { LOG_LEVEL: 'SILENT' },
    consumers: false,
    clock,
  });
});
afterEach(() => {
  for (const ws of sockets.splice(0)) ws.close(1000);
});
afterAll(async () => {
  await server?.close();
  await kuma?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function withKuma(): Promise<SeededHousehold> {
  const system = server.system;
  const hh = await seedHousehold(system, { ownerToken: 'owner-token-status-wiring' });
  const http = simulatorHttp([kuma.url]);
  try {
    await hh.as(hh.ownerId, () =>
      Integration.save({ ...system, http }, { kind: 'uptime_kuma', url: kuma.url, slug: 'home' }),
    );
  } finally {
    http.close();
  }
  return hh;
}

async function join_(hh: SeededHousehold): Promise<void> {
  const { ticket } = await issueTicket(server.system, { userId: hh.ownerId, householdId: hh.householdId });
  const ws = new WebSocket(`${server.system.config.wsUrl}?ticket=${ticket}`);
  sockets.push(ws);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  // The join is registered once the socket answers (its messages are handled in order).
  const pong = new Promise((resolve) => ws.once('message', resolve));
  ws.send(JSON.stringify({ type: 'ping' }));
  await pong;
}

async function drain(): Promise<QueueMessage[]> {
  const out: QueueMessage[] = [];
  while (
    (await server.system.queue.poll(JOBS_QUEUE, async (ms) => {
      out.push(...ms);
      return { batchItemFailures: [] };
    })) > 0
  );
  return out;
}

/** The queue send after a join is not awaited by the socket: wait (generously) for it to land. */
async function queued(atLeast: number): Promise<QueueMessage[]> {
  const deadline = Date.now() + 10_000;
  while ((await server.system.queue.depth(JOBS_QUEUE)) < atLeast && Date.now() < deadline) await sleep(20);
  return drain();
}

describe('status wiring of the local runtime', () => {
  it('a socket joining a household with integrations asks for a check at once (and the rest of the tick period, delayed); a second viewer adds none', async () => {
    const hh = await withKuma();
    await drain();
    await join_(hh);
    const first = await queued(1);
    const check = { type: CHECK_JOB, data: { householdId: hh.householdId, reason: 'watched' } };
    expect(first.map((m) => m.body)).toEqual([check]);
    await join_(hh);
    // The second join's sends are de-duplicated with the first's (same interval buckets).
    await sleep(200);
    expect(await drain()).toEqual([]);
    // 30 s checks and a 60 s tick: the checks at +29 s and +59 s were sent too, delayed.
    clock.advance(60_000);
    expect((await drain()).map((m) => m.body)).toEqual([check, check]);
  });

  it('a household without integrations gets no check when someone joins', async () => {
    const hh = await seedHousehold(server.system, { ownerToken: 'owner-token-no-integrations' });
    await join_(hh);
    await sleep(300);
    expect(await drain()).toEqual([]);
  });

  it("a service going down becomes a notification in the household's inbox, and coming back another", async () => {
    const hh = await withKuma();
    const system = server.system;
    let n = 0;
    const check = () =>
      handleJob(system, {
        id: `check-${++n}`,
        queue: JOBS_QUEUE,
        body: { type: CHECK_JOB, data: { householdId: hh.householdId, reason: 'watched' } },
        attributes: {},
        receiveCount: 1,
        sentAt: system.clock.now(),
      });
    await check();
    kuma.setStatus(1, 'DOWN', 'Connection refused');
    await check();
    kuma.setStatus(1, 'UP');
    await check();
    const inbox = await hh.as(hh.ownerId, () => Inbox.list(system, {}));
    const titles = inbox.notifications.map((n) => n.title);
    expect(titles).toEqual(expect.arrayContaining(['Sonarr is down', 'Sonarr is back up']));
    expect(inbox.notifications.find((n) => n.title === 'Sonarr is down')?.body).toBe(
      'Sonarr stopped working: Uptime Kuma reports down',
    );
  });
});
