/**
 * The `/agent` endpoint of the self-hosted runtime, end to end: startLocal, a real household agent
 * (runAgent with the fake yt-dlp) dialling in with a token an admin minted through the API, the
 * loopback media server and the Plex simulator of the household's saved integration. A member
 * queues a direct media link through the API; the job reaches `done`, the file is in the library
 * folder and Plex was asked to scan it.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningAgent, runAgent } from '@medianest/agent';
import { SESSION_COOKIE } from '@medianest/api';
import { pollUntil as waitFor } from '@medianest/core/testing/wait';
import { type RunningMediaServer, startMediaServer } from '@medianest/simulators/media-server/index';
import { DEMO_MACHINE_ID, defaultScenario, FRIEND_IDS } from '@medianest/simulators/scenario/index';
import { type PlexWorld, startPlexWorld } from '@medianest/simulators/scenario/start';
import { fakeYtDlpEnv, fakeYtDlpPath } from '@medianest/simulators/yt-dlp/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { seedPlexHousehold } from '../test/fixtures/household.ts';
import { AGENT_UNAUTHORIZED } from './agent-endpoint.ts';
import { type LocalServer, startLocal } from './start-local.ts';

const SECTION = '3';
const PLEX_PATH = '/data/media/other';

let world: PlexWorld;
let media: RunningMediaServer;
let server: LocalServer;
let work: string;
let hid: string;
const cookies: Record<'olivia' | 'frank', string> = { olivia: '', frank: '' };

async function api(
  who: 'olivia' | 'frank',
  method: string,
  path: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: replies are asserted field by field
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}/api/v1/households/${hid}${path}`, {
    method,
    headers: {
      cookie: `${SESSION_COOKIE}=${cookies[who]}`,
      ...(method === 'GET' ? {} : { origin: server.system.config.publicUrl }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Opens /agent with the given headers; resolves with the close code. */
function closeCodeOf(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/agent`, { headers });
    ws.on('open', () =>
      ws.send(
        JSON.stringify({
          type: 'hello',
          protocol: 1,
          version: 'test',
          capabilities: { ytDlpVersion: null, ffmpeg: false, concurrency: 1 },
          running: [],
        }),
      ),
    );
    ws.on('close', (code) => resolve(code));
    ws.on('error', reject);
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'medianest-agent-endpoint-'));
  world = await startPlexWorld(defaultScenario);
  media = await startMediaServer();
  server = await startLocal({
    port: 0,
    host: '127.0.0.1',
    dataDir: join(work, 'data'),
    webDir: join(work, 'no-web'),
    consumers: false,
    env: {
      MEDIANEST_PLEX_TV_URL: world.plexTv.url,
      MEDIANEST_PLEX_AUTH_URL: `${world.plexTv.url}/auth`,
      LOG_LEVEL: 'SILENT',
    },
  });
  const seeded = await seedPlexHousehold(server.system, world, {
    name: 'Agent Household',
    memberAccountId: FRIEND_IDS[0],
  });
  hid = seeded.householdId;
  cookies.olivia = seeded.ownerSession;
  cookies.frank = seeded.memberSession;
}, 60_000);

afterAll(async () => {
  await server?.close();
  await media?.close();
  await world?.close();
  await rm(work, { recursive: true, force: true });
});

describe('/agent in the local runtime', () => {
  let agent: RunningAgent | undefined;
  let token: string;

  afterAll(async () => {
    await agent?.stop();
  });

  it('refuses a bad, a missing and a non-Bearer token with 4401; a plain GET is told to upgrade', async () => {
    expect(await closeCodeOf({ authorization: 'Bearer mna_not-a-real-token' })).toBe(AGENT_UNAUTHORIZED);
    expect(await closeCodeOf({})).toBe(AGENT_UNAUTHORIZED);
    expect(await closeCodeOf({ authorization: 'Basic dXNlcjpwYXNz' })).toBe(AGENT_UNAUTHORIZED);
    const plain = await fetch(`${server.url}/agent`);
    expect(plain.status).toBe(426);
  });

  it('an agent with an admin-minted token comes online, runs a member’s download to done, Plex scans it', async () => {
    const created = await api('olivia', 'POST', '/agents', { name: 'Living-room NAS' });
    expect(created.status).toBe(201);
    token = created.body.token;
    const lib = join(work, 'library');
    agent = await runAgent({
      serverUrl: `${server.url}/agent`,
      token,
      downloadDir: join(work, 'agent'),
      libraryRoots: { [SECTION]: lib },
      plexRoots: { [SECTION]: PLEX_PATH },
      ytDlpPath: fakeYtDlpPath,
      env: fakeYtDlpEnv(),
      reconnect: { minMs: 50, maxMs: 200 },
    });
    await agent.ready();
    const agents = await api('olivia', 'GET', '/agents');
    expect(agents.body.agents).toEqual([expect.objectContaining({ name: 'Living-room NAS', online: true })]);

    const submitted = await api('frank', 'POST', '/downloads', {
      url: media.url('/clip-one.mp4'),
      target: { sectionKey: SECTION, preset: 'other-videos' },
    });
    expect(submitted.status).toBe(201);
    expect(submitted.body.download.waitingForAgent).toBe(false);
    const id = submitted.body.download.id as string;
    const done = await waitFor(`${id} to finish`, async () => {
      const d = (await api('frank', 'GET', `/downloads/${id}`)).body.download;
      return ['done', 'failed', 'cancelled'].includes(d.state) ? d : undefined;
    });
    expect(done).toMatchObject({ state: 'done', childCount: 1, percent: 100, reason: null });
    expect(done.children[0].files.map((f: { kind: string }) => f.kind).sort()).toEqual([
      'nfo',
      'poster',
      'video',
    ]);
    expect(existsSync(join(lib, 'Unknown', 'clip-one [clip-one].mp4'))).toBe(true);
    const pms = world.servers.get(DEMO_MACHINE_ID);
    expect(pms?.refreshes().map((r) => ({ sectionKey: r.sectionKey, path: r.path }))).toContainEqual({
      sectionKey: SECTION,
      path: `${PLEX_PATH}/Unknown`,
    });
  }, 90_000);

  it('revoking the token drops the agent: its next connection is refused with 4401', async () => {
    const { id: agentId } = (await api('olivia', 'GET', '/agents')).body.agents[0];
    expect((await api('olivia', 'DELETE', `/agents/${agentId}`)).status).toBe(204);
    expect(await closeCodeOf({ authorization: `Bearer ${token}` })).toBe(AGENT_UNAUTHORIZED);
  });
});
