/**
 * Replays the scenarios through the LOCAL runtime (`startLocal`, a temp data dir, the plex.tv
 * simulator for sign-in) with every port metered, turning each HTTP request, WebSocket exchange,
 * tick and queue batch into what it would be in AWS: the invocation of the function that would
 * handle it (measured duration + modelled AWS call latency, at the stack's memory) and the
 * requests it makes (counted by the metering decorators).
 *
 * Features that are not built yet (status checks, media requests, downloads, the agent) are
 * modelled by `modelled.ts` from the ports they will use; this file replays only what exists.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { withActor } from '@medianest/core/actor/context';
import { createHttp } from '@medianest/core/adapter/http/http';
import { ApiGatewayRealtime } from '@medianest/core/adapter/realtime/apigw';
import type { LocalRealtime } from '@medianest/core/adapter/realtime/local';
import * as Integration from '@medianest/core/integration/integration';
import { enqueueJob, handleJob, JOBS_QUEUE, runTick } from '@medianest/core/jobs/index';
import type { PullQueue } from '@medianest/core/port/queue';
import { consumeTicket, issueTicket } from '@medianest/core/realtime/index';
import { CHECK_JOB } from '@medianest/core/status/jobs';
import { type LocalServer, startLocal } from '@medianest/local';
import { startOverseerr } from '@medianest/simulators/overseerr/index';
import { DEMO_MACHINE_ID, defaultScenario, OWNER_ID } from '@medianest/simulators/scenario/index';
import { type PlexWorld, startPlexWorld } from '@medianest/simulators/scenario/start';
import { startUptimeKuma } from '@medianest/simulators/uptime-kuma/index';
import WebSocket from 'ws';
import { dynamoItemSize, installMeters, Meter, type Usage } from './meter.ts';
import type { StackFacts } from './stack-facts.ts';

/** The web app's keep-alive (web/src/lib/ws.ts pingIntervalMs default). */
export const WEB_PING_INTERVAL_S = 25;
/** App log bytes of one tick (its "Tick done" INFO line), an estimate. */
const TICK_LOG_BYTES = 260;

export interface ReplayWorld {
  server: LocalServer;
  meter: Meter;
  facts: StackFacts;
  raw: ReturnType<typeof installMeters>;
  plex: PlexWorld;
  close(): Promise<void>;
}

export async function startReplayWorld(facts: StackFacts): Promise<ReplayWorld> {
  const plex = await startPlexWorld(defaultScenario);
  const dataDir = mkdtempSync(join(tmpdir(), 'medianest-cost-'));
  try {
    const server = await startLocal({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      consumers: false,
      env: {
        LOG_LEVEL: 'SILENT',
        MEDIANEST_DATA_DIR: dataDir,
        MEDIANEST_PLEX_TV_URL: plex.plexTv.url,
        MEDIANEST_PLEX_AUTH_URL: `${plex.plexTv.url}/auth`,
      },
    });
    const meter = new Meter();
    const raw = installMeters(server.system, meter);
    return {
      server,
      meter,
      facts,
      raw,
      plex,
      async close() {
        await server.close();
        await plex.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await plex.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Usage accumulated by `work`, taken out of the world's meter. */
export async function measure(world: ReplayWorld, work: () => Promise<void>): Promise<Usage> {
  const before = world.meter.usage;
  await work();
  const after = world.meter.usage;
  const out = { ...after };
  for (const k of Object.keys(out) as (keyof Usage)[]) out[k] = after[k] - before[k];
  return out;
}

/** A browser: cookies, our Origin on unsafe methods; every request is a CloudFront + HTTP API request and an `http` invocation. */
export class MeteredBrowser {
  readonly cookies = new Map<string, string>();
  readonly #world: ReplayWorld;
  constructor(world: ReplayWorld) {
    this.#world = world;
  }

  // biome-ignore lint/suspicious/noExplicitAny: replies are read field by field
  async request<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const { server, meter, facts } = this.#world;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (!['GET', 'HEAD'].includes(method)) headers.origin = server.url;
    if (body !== undefined) headers['content-type'] = 'application/json';
    meter.takeCalls();
    const started = performance.now();
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    const ms = performance.now() - started;
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
    meter.count({
      httpApiRequests: Math.ceil(Math.max(1, text.length) / (512 * 1024)),
      cloudFrontRequests: 1,
    });
    meter.invocation('http', facts.memoryMb.http, ms);
    if (res.status >= 400) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 200)}`);
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
}

/** Signs the demo owner in through the Plex PIN flow (plex.tv simulator) and creates the household. */
export async function signUpOwner(
  world: ReplayWorld,
): Promise<{ browser: MeteredBrowser; householdId: string }> {
  const browser = await signIn(world);
  const created = await browser.request<{ household: { id: string } }>('POST', '/api/v1/households', {
    name: "Olivia's household",
    servers: [DEMO_MACHINE_ID],
  });
  return { browser, householdId: created.body.household.id };
}

export async function signIn(world: ReplayWorld): Promise<MeteredBrowser> {
  const browser = new MeteredBrowser(world);
  const started = await browser.request<{ state: string; code: string }>(
    'POST',
    '/api/v1/auth/plex/start',
    {},
  );
  world.plex.plexTv.approvePin(started.body.code, OWNER_ID);
  const polled = await browser.request<{ status: string }>('POST', '/api/v1/auth/plex/poll', {
    state: started.body.state,
  });
  if (polled.body.status !== 'signed_in') throw new Error(`sign-in did not complete: ${polled.body.status}`);
  return browser;
}

/** The scheduler for `minutes` minutes of simulated time: every tick, and a worker batch whenever a job is waiting. */
export async function replayTicks(
  world: ReplayWorld,
  startMs: number,
  minutes: number,
): Promise<{ ticks: number; batches: number }> {
  const { server, meter, facts, raw } = world;
  const queue = raw.queue as PullQueue;
  let ticks = 0;
  let batches = 0;
  for (let minute = 0; minute < minutes; minute += facts.tickEveryMinutes) {
    meter.takeCalls();
    const started = performance.now();
    await runTick(server.system, startMs + minute * 60_000);
    meter.invocation('tick', facts.memoryMb.tick, performance.now() - started, {
      appLogBytes: TICK_LOG_BYTES,
    });
    ticks += 1;
    // The event source mapping delivers waiting messages in batches of up to 10.
    for (;;) {
      meter.takeCalls();
      const t = performance.now();
      const handled = await queue.poll(
        JOBS_QUEUE,
        async (messages) => {
          const batchItemFailures: { itemIdentifier: string }[] = [];
          for (const message of messages) {
            try {
              await handleJob(server.system, message);
            } catch {
              batchItemFailures.push({ itemIdentifier: message.id });
            }
          }
          return { batchItemFailures };
        },
        { batchSize: 10 },
      );
      if (handled === 0) break;
      // DeleteMessageBatch by the poller (its ReceiveMessage calls are in the fixed polling cost).
      meter.count({ sqsRequests: 1 }, 'sqs');
      meter.invocation('worker', facts.memoryMb.worker, performance.now() - t);
      batches += 1;
    }
  }
  return { ticks, batches };
}

/** A management API client that accepts every post (the replay counts them; nothing leaves the machine). */
const acceptingClient = { send: async () => ({}) } as unknown as ApiGatewayManagementApiClient;

export interface DashboardSession {
  pingRoundTripMs: number[];
  connectionMinutes: number;
}

/**
 * One dashboard session: the page's API calls, a ticket, `$connect` (ticket redeemed, connection
 * registered as the AWS adapter registers it), a real WebSocket to the local `/ws` exchanging
 * `pings` keep-alives, and `$disconnect`. The session's remaining pings are scaled by the caller.
 */
export async function replayDashboardSession(
  world: ReplayWorld,
  browser: MeteredBrowser,
  householdId: string,
  pings: number,
): Promise<DashboardSession> {
  const { server, meter, facts, raw } = world;
  await browser.request('GET', '/api/v1/me');
  await browser.request('GET', '/api/v1/households');
  await browser.request('GET', `/api/v1/households/${householdId}`);
  const issued = await browser.request<{ ticket: string; url: string }>(
    'POST',
    `/api/v1/households/${householdId}/realtime/ticket`,
  );
  // The static shell (revalidated: no-cache) from CloudFront; hashed assets stay in the browser cache.
  meter.count({ cloudFrontRequests: 1 });

  // $connect in AWS: the ws-connect function redeems the ticket and registers the connection.
  const realtime = new ApiGatewayRealtime({ client: acceptingClient, table: server.system.table });
  const connectionId = `cost${Date.now().toString(36)}=`;
  meter.takeCalls();
  let t = performance.now();
  const scope = await consumeTicket(server.system, issued.body.ticket);
  if (!scope) throw new Error('ticket refused');
  await realtime.registerConnection(connectionId, scope);
  meter.count({ wsMessages: 0 });
  meter.invocation('ws-connect', facts.memoryMb['ws-connect'], performance.now() - t);

  // The real socket, on the local runtime (a ticket of its own, issued outside the meter).
  const own = await issueTicket({ table: raw.table, clock: server.system.clock }, scope);
  const ws = new WebSocket(
    `${server.url.replace(/^http/, 'ws')}/ws?ticket=${encodeURIComponent(own.ticket)}`,
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const pingRoundTripMs: number[] = [];
  for (let i = 0; i < pings; i++) {
    meter.takeCalls();
    t = performance.now();
    const pong = new Promise<void>((resolve, reject) => {
      const onClose = (code: number) => reject(new Error(`socket closed ${code}`));
      ws.once('close', onClose);
      ws.once('message', (data) => {
        ws.off('close', onClose);
        if (JSON.parse(String(data)).type === 'pong') resolve();
        else reject(new Error(String(data)));
      });
    });
    ws.send(JSON.stringify({ type: 'ping' }));
    await pong;
    const ms = performance.now() - t;
    pingRoundTripMs.push(ms);
    // In AWS: the ping is a message in, ws-default answers with postToConnection (a message out).
    meter.count({ wsMessages: 2 }, 'postToConnection');
    meter.invocation('ws-default', facts.memoryMb['ws-default'], ms);
  }
  ws.close(1000);

  // $disconnect in AWS.
  meter.takeCalls();
  t = performance.now();
  await realtime.removeConnection(connectionId);
  meter.invocation('ws-disconnect', facts.memoryMb['ws-disconnect'], performance.now() - t);
  return { pingRoundTripMs, connectionMinutes: 0 };
}

/** Bytes the household keeps in the table (for storage and PITR). */
export async function householdBytes(world: ReplayWorld, householdId: string): Promise<number> {
  const page = await world.raw.table.query({ pk: `H#${householdId}`, limit: 1000 });
  return page.items.reduce((n, i) => n + dynamoItemSize(i), 0);
}

/** De-duplication ids of replayed checks, unique across calls (the queue remembers them 5 minutes). */
let checkSequence = 0;

export interface Integrations {
  /** Unmetered outbound HTTP reaching the simulators (the checks build their own from the System). */
  close(): Promise<void>;
}

/**
 * The household's three integrations against simulators on loopback: the plex world's Plex Media
 * Server, an Overseerr and an Uptime Kuma with a status page. Saved through core (connection test
 * included) as the owner, outside the meter: a one-time setup, not a monthly cost.
 */
export async function configureIntegrations(
  world: ReplayWorld,
  householdId: string,
  ownerId: string,
): Promise<Integrations> {
  const apiKey = 'cost-model-overseerr-key-0000abcd';
  const [overseerr, kuma] = await Promise.all([
    startOverseerr({ apiKey }),
    startUptimeKuma({
      monitors: [
        { id: 1, name: 'Sonarr', status: 'UP', ping: 20 },
        { id: 2, name: 'Radarr', status: 'UP', ping: 25 },
        { id: 3, name: 'Router', status: 'UP', ping: 2 },
      ],
      statusPages: [{ slug: 'home', title: 'Home', monitorIds: [1, 2, 3] }],
      beatIntervalMs: 0,
    }),
  ]);
  const pms = world.plex.servers.get(DEMO_MACHINE_ID);
  if (!pms) throw new Error('the plex world has no demo server');
  const http = createHttp({ mode: 'selfhosted', allowPrivate: true });
  const { server, raw } = world;
  const deps = { table: raw.table, clock: server.system.clock, keyring: raw.keyring, http };
  await withActor({ type: 'user', userId: ownerId, householdId }, async () => {
    await Integration.save(deps, { kind: 'plex', machineIdentifier: DEMO_MACHINE_ID, url: pms.url });
    await Integration.save(deps, { kind: 'overseerr', url: overseerr.url, apiKey });
    await Integration.save(deps, { kind: 'uptime_kuma', url: kuma.url, slug: 'home' });
  });
  return {
    async close() {
      http.close();
      await Promise.all([overseerr.close(), kuma.close()]);
    },
  };
}

/**
 * `rounds` real status checks of the household, each enqueued as the tick enqueues it and run by
 * the worker (one batch, one invocation). `viewers` local sockets watch the household meanwhile
 * (their pushes are the WebSocket messages API Gateway would carry). The simulators answer from
 * loopback in a millisecond; `outboundMs` is added to each invocation for the round trip to a
 * household's real services on the internet.
 */
export async function replayCheckRounds(
  world: ReplayWorld,
  householdId: string,
  rounds: number,
  reason: 'watched' | 'sweep',
  viewers: number,
  outboundMs: number,
): Promise<void> {
  const { server, meter, facts, raw } = world;
  const local = raw.realtime as LocalRealtime;
  const ids = Array.from({ length: viewers }, (_, i) => `cost-viewer-${i}`);
  for (const id of ids)
    local.connect({ id, send: () => undefined }, { userId: `usr_viewer${id}`, householdId });
  try {
    for (let i = 0; i < rounds; i++) {
      // The tick's share: one message per household per interval, de-duplicated by bucket.
      await enqueueJob(
        server.system,
        CHECK_JOB,
        { householdId, reason },
        { dedupId: `${householdId}#${reason}#${++checkSequence}` },
      );
      meter.takeCalls();
      const t = performance.now();
      const handled = await (raw.queue as PullQueue).poll(JOBS_QUEUE, async (messages) => {
        for (const message of messages) await handleJob(server.system, message);
        return { batchItemFailures: [] };
      });
      if (handled !== 1) throw new Error(`expected one check job, handled ${handled}`);
      meter.count({ sqsRequests: 1 }, 'sqs');
      meter.invocation('worker', facts.memoryMb.worker, performance.now() - t + outboundMs, {
        appLogBytes: 800,
      });
    }
  } finally {
    for (const id of ids) local.disconnect(id);
  }
}
