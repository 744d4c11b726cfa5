/**
 * The household agent against the AWS runtime, end to end on loopback: the real `runAgent`
 * (packages/agent) dials an API-Gateway-shaped shim (a real WebSocket server that turns each
 * connection into the agent-connect / agent-default / agent-disconnect Lambda handler invocations),
 * the management API's posts (aws-sdk-client-mock of the management client) go back down the socket,
 * the local queue's messages run through the worker handler as SQS records, and a member talks to
 * the HTTP Lambda handler. The agent runs the fake yt-dlp; Plex is the Plex simulator of the
 * household's saved integration. The store is DynamoDB Local (SQLite when the run skips it).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { type RunningAgent, runAgent } from '@medianest/agent';
import { SESSION_COOKIE } from '@medianest/api';
import * as Agents from '@medianest/core/download/agents';
import type { ServerMessage } from '@medianest/core/download/protocol';
import { remoteKeys } from '@medianest/core/download/remote';
import * as Integration from '@medianest/core/integration/index';
import { seedHousehold, simulatorHttp } from '@medianest/core/integration/testing';
import * as Session from '@medianest/core/session/index';
import { listFiles, pollUntil } from '@medianest/core/testing/wait';
import { type RunningPlexServer, startPlexServer } from '@medianest/simulators/plex-server/index';
import { fakeYtDlpEnv, fakeYtDlpPath, writeCatalog } from '@medianest/simulators/yt-dlp/index';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WebSocket } from 'ws';
import { createHttpHandler } from './http.ts';
import { type AgentFixture, agentFixture } from './testing/agents.ts';
import {
  type ApiGatewayWebSocketShim,
  startApiGatewayWebSocketShim,
} from './testing/apigw-websocket-shim.ts';
import { httpApiEvent, lambdaContext } from './testing/events.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

const dynamoEndpoint = inject('dynamoEndpoint');
const SECTION = '5';
const PLEX_ROOT = '/data/youtube';

const waitFor = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 90_000) =>
  pollUntil(what, probe, timeoutMs);

const walk = (dir: string) => listFiles(dir);

describe(`the household agent through the AWS Lambda handlers (${dynamoEndpoint ? 'DynamoDB Local' : 'SQLite table'})`, () => {
  let work: string;
  let plex: RunningPlexServer;
  let f: AgentFixture;
  let shim: ApiGatewayWebSocketShim;
  let http: ReturnType<typeof createHttpHandler>;
  let agent: RunningAgent | undefined;
  let hid: string;
  let ownerCookie: string;
  let memberCookie: string;
  let catalog: string;
  const errors: unknown[] = [];
  let pump: NodeJS.Timeout | undefined;
  let scanner: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'medianest-agent-aws-'));
    plex = await startPlexServer({
      sections: [
        {
          key: SECTION,
          title: 'YouTube',
          type: 'movie',
          count: 0,
          path: PLEX_ROOT,
          agent: 'com.plexapp.agents.none',
        },
      ],
    });
    catalog = await writeCatalog(join(work, 'catalog'), {
      videos: [
        { id: 'trip1', title: 'Day One', channel: 'Trip Channel', upload_date: '20240105' },
        { id: 'trip2', title: 'Day Two', channel: 'Trip Channel', upload_date: '20240106' },
        { id: 'trip3', title: 'Day Three', channel: 'Trip Channel', upload_date: '20250107' },
      ],
      playlists: [
        { id: 'PLtrip', title: 'Summer Trip', channel: 'Trip Channel', entries: ['trip1', 'trip2', 'trip3'] },
      ],
    });
    f = await agentFixture({
      store: dynamoEndpoint ? 'dynamodb' : 'sqlite',
      dynamoEndpoint,
      // The Plex simulator is on loopback: the self-hosted mode's guard, told about its port.
      env: { MEDIANEST_MODE: 'selfhosted' },
      deliver: (connectionId, data) => shim.post(connectionId, data),
      disconnect: (connectionId) => shim.close(connectionId),
    });
    shim = await startApiGatewayWebSocketShim({
      connect: f.connect,
      message: f.message,
      disconnect: f.disconnect,
      onError: (error, route) => errors.push({ route, error: String(error) }),
    });
    http = createHttpHandler(() => f.system);

    // A household whose owner has a Plex token and saved the Plex server as an integration.
    const deps = Object.assign(Object.create(f.system), { http: simulatorHttp([plex.url]) });
    const household = await seedHousehold(deps, {
      ownerToken: plex.ownerToken,
      servers: [{ machineIdentifier: plex.machineIdentifier, name: 'Simulated Plex' }],
    });
    hid = household.householdId;
    await household.as(household.ownerId, () =>
      Integration.save(deps, { kind: 'plex', machineIdentifier: plex.machineIdentifier, url: plex.url }),
    );
    const member = await household.addMember('member');
    const sessions = {
      idleSeconds: f.system.config.identity.sessionIdleSeconds,
      absoluteSeconds: f.system.config.identity.sessionAbsoluteSeconds,
    };
    const sessionDeps = Object.assign(Object.create(deps), { sessions });
    ownerCookie = (await Session.create(sessionDeps, { userId: household.ownerId })).token;
    memberCookie = (await Session.create(sessionDeps, { userId: member })).token;

    // The SQS event source: due messages go to the worker handler (one batch at a time).
    let busy = false;
    pump = setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        await f.runQueue();
      } catch (error) {
        errors.push({ route: 'worker', error: String(error) });
      } finally {
        busy = false;
      }
    }, 100);
    // Plex's scanner, simulated: after a folder refresh the new files appear as items.
    const lib = join(work, 'library');
    const known = new Set<string>();
    let seen = 0;
    scanner = setInterval(async () => {
      if (plex.refreshes().length === seen) return;
      seen = plex.refreshes().length;
      for (const file of await walk(lib)) {
        if (!file.endsWith('.mp4') || known.has(file)) continue;
        known.add(file);
        plex.addItems(SECTION, [{ title: basename(file, '.mp4') }]);
      }
    }, 50);
  }, 120_000);

  afterAll(async () => {
    clearInterval(pump);
    clearInterval(scanner);
    await agent?.stop();
    await shim?.stop();
    await f?.close();
    await plex?.close();
    await rm(work, { recursive: true, force: true });
  });

  /** The HTTP Lambda handler, as a member or the owner of the household. */
  async function api(
    who: 'owner' | 'member',
    method: string,
    path: string,
    body?: unknown,
    requestId?: string,
  ) {
    const res = await http(
      httpApiEvent({
        method,
        ...(requestId ? { requestId } : {}),
        path: `/api/v1/households/${hid}${path}`,
        cookies: [`${SESSION_COOKIE}=${who === 'owner' ? ownerCookie : memberCookie}`],
        headers: {
          ...(method === 'GET' ? {} : { origin: f.system.config.publicUrl }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
      lambdaContext(),
    );
    // biome-ignore lint/suspicious/noExplicitAny: replies are asserted field by field
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as any) : undefined };
  }

  it('refuses an unknown token at $connect with 401, as API Gateway answers the upgrade', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(shim.url, { headers: { authorization: 'Bearer mna_not-a-real-token' } });
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('open', () => reject(new Error('the upgrade was accepted')));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(401);
  });

  it('a member’s three-video playlist completes through the Lambda handlers: files, Plex scan, collection', async () => {
    // arrange: the admin mints a token; the agent dials the shim and is welcomed
    const created = await api('owner', 'POST', '/agents', { name: 'Living-room NAS' });
    expect(created.status).toBe(201);
    const frames: ServerMessage[] = [];
    agent = await runAgent({
      serverUrl: shim.url,
      token: created.body.token,
      downloadDir: join(work, 'agent'),
      libraryRoots: { [SECTION]: join(work, 'library') },
      plexRoots: { [SECTION]: PLEX_ROOT },
      ytDlpPath: fakeYtDlpPath,
      env: fakeYtDlpEnv({ catalog }),
      concurrency: 2,
      collectionWaitMs: 20_000,
      reconnect: { minMs: 50, maxMs: 200 },
      onServerMessage: (m) => frames.push(m),
    });
    await agent.ready();
    const [connectionId] = shim.connections();
    expect(connectionId).toBeDefined();
    expect((await api('owner', 'GET', '/agents')).body.agents).toEqual([
      expect.objectContaining({ name: 'Living-room NAS', online: true, ytDlpVersion: '2023.03.04' }),
    ]);

    // act: the member queues the playlist through the HTTP Lambda while the agent is connected
    const submitted = await api(
      'member',
      'POST',
      '/downloads',
      {
        url: 'https://www.youtube.com/playlist?list=PLtrip',
        target: { sectionKey: SECTION, preset: 'tv-by-date' },
      },
      'SuBm1tPlAyL1st=',
    );
    expect(submitted.status).toBe(201);
    expect(submitted.body.download.waitingForAgent).toBe(false);
    const id = submitted.body.download.id as string;
    const done = await waitFor(`${id} to finish`, async () => {
      const d = (await api('member', 'GET', `/downloads/${id}`)).body.download;
      return ['done', 'failed', 'cancelled'].includes(d.state) ? d : undefined;
    });

    // assert: the job, the files, Plex
    expect(done).toMatchObject({
      state: 'done',
      childCount: 3,
      playlist: 'Summer Trip',
      percent: 100,
      reason: null,
    });
    const files = (await walk(join(work, 'library'))).map((p) => p.slice(join(work, 'library').length + 1));
    expect(files.filter((p) => p.endsWith('.mp4'))).toEqual([
      'Trip Channel/Season 2024/Trip Channel - 2024-01-05 - Day One [trip1].mp4',
      'Trip Channel/Season 2024/Trip Channel - 2024-01-06 - Day Two [trip2].mp4',
      'Trip Channel/Season 2025/Trip Channel - 2025-01-07 - Day Three [trip3].mp4',
    ]);
    expect(files.filter((p) => p.endsWith('.nfo') || p.endsWith('.jpg'))).toHaveLength(6);
    expect(plex.refreshes().map((r) => ({ sectionKey: r.sectionKey, path: r.path }))).toEqual(
      expect.arrayContaining([
        { sectionKey: SECTION, path: `${PLEX_ROOT}/Trip Channel/Season 2024` },
        { sectionKey: SECTION, path: `${PLEX_ROOT}/Trip Channel/Season 2025` },
      ]),
    );
    const collection = await waitFor('the collection', () =>
      plex.collections().find((c) => c.title === 'Summer Trip' && c.items.length === 3),
    );
    expect(collection.sectionKey).toBe(SECTION);

    // assert: what went down the socket came from the management API (aws-sdk-client-mock)
    const posted = f.framesTo(connectionId!);
    expect(posted).toEqual(frames);
    const offers = posted.filter((m) => m.type === 'job.offer');
    expect(offers.map((o) => (o.type === 'job.offer' ? o.kind : ''))).toEqual([
      'resolve',
      'download',
      'download',
      'download',
    ]);
    expect(offers[0]).toMatchObject({
      jobId: id,
      target: { sectionKey: SECTION, preset: 'tv-by-date', plex: { baseUrl: plex.url } },
    });
    // The submission reached the agent through the dispatch job the HTTP Lambda queued: the offer
    // was posted by the worker while it ran a job carrying the submit request's correlation id.
    expect(f.jobsRun).toContain('download.dispatch');
    const resolveOffer = f.calls.find((c) => c.frame?.type === 'job.offer' && c.frame.kind === 'resolve');
    expect(resolveOffer?.correlationId).toBe('SuBm1tPlAyL1st=');
    expect(errors).toEqual([]);

    // act: the agent stops; API Gateway delivers $disconnect
    await agent.stop();
    agent = undefined;
    await waitFor('the agent to go offline', async () =>
      (await api('owner', 'GET', '/agents')).body.agents[0].online === false ? true : undefined,
    );
    expect(await f.table.get(remoteKeys.session(connectionId!))).toBeUndefined();
    const agents = await Agents.agentItems(f.system, hid);
    expect(agents[0]).toMatchObject({ sessionId: null, onlineUntil: null });
  }, 150_000);

  it('a 1,000-video playlist reaches the Lambdas in parts that pass API Gateway’s frame limit: one job per video, the connection never cut', async () => {
    // The shim closes a connection on a frame over 32 KB (1009), as API Gateway does.
    const cut = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(shim.url, { headers: { authorization: `Bearer ${f.token}` } });
      ws.on('open', () =>
        ws.send(JSON.stringify({ type: 'heartbeat', running: [], pad: 'x'.repeat(40_000) })),
      );
      ws.on('close', (code) => resolve(code));
      ws.on('error', () => undefined);
      setTimeout(() => reject(new Error('not closed')), 20_000).unref();
    });
    expect(cut).toBe(1009);
    const ids = Array.from({ length: 1000 }, (_, i) => `huge${String(i).padStart(7, '0')}`);
    const big = await writeCatalog(join(work, 'catalog-big'), {
      videos: ids.map((id, i) => ({
        id,
        title: `Folge ${i} – Reise nach Tōkyō 🚆`,
        channel: 'Long Channel',
      })),
      playlists: [{ id: 'PLhuge', title: 'Alles über Züge', channel: 'Long Channel', entries: ids }],
    });
    expect((await api('owner', 'PUT', '/downloads/limits', { videosPerHour: 5000 })).status).toBe(200);
    const created = await api('owner', 'POST', '/agents', { name: 'Big NAS' });
    const sizes: number[] = [];
    agent = await runAgent({
      serverUrl: shim.url,
      token: created.body.token,
      downloadDir: join(work, 'agent-big'),
      libraryRoots: { [SECTION]: join(work, 'library-big') },
      ytDlpPath: fakeYtDlpPath,
      env: fakeYtDlpEnv({ catalog: big }),
      concurrency: 1,
      // No scanner for this library: the videos it finishes meanwhile are not waited for in Plex.
      collectionWaitMs: 200,
      reconnect: { minMs: 50, maxMs: 200 },
      onFrame: (_direction, text) => sizes.push(Buffer.byteLength(text)),
    });
    await agent.ready();
    const connections = shim.connections();
    const submitted = await api('member', 'POST', '/downloads', {
      url: 'https://www.youtube.com/playlist?list=PLhuge',
      target: { sectionKey: SECTION, preset: 'other-videos' },
    });
    expect(submitted.status).toBe(201);
    const id = submitted.body.download.id as string;
    const resolved = await waitFor(`${id} to be resolved`, async () => {
      const d = (await api('member', 'GET', `/downloads/${id}`)).body.download;
      return d.state === 'resolving' || d.state === 'queued' ? undefined : d;
    });
    expect(resolved).toMatchObject({ state: 'downloading', childCount: 1000, playlist: 'Alles über Züge' });
    expect(new Set(resolved.children.map((c: { id: string }) => c.id)).size).toBe(1000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(32 * 1024);
    expect(shim.connections()).toEqual(connections);
    expect(errors).toEqual([]);
    await agent.stop();
    agent = undefined;
  }, 150_000);
});
