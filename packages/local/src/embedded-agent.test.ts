/**
 * The built-in download agent of the self-hosted runtime (embedded-agent.ts), end to end: startLocal
 * with MEDIANEST_AGENT_LIBRARY_ROOTS and the fake yt-dlp, the Plex simulator of the household's
 * saved integration, members going through the HTTP API. No external agent is started: the first
 * download of the household brings the built-in agent up, the playlist lands in the library folder
 * with poster and .nfo, Plex is asked to scan the folder; after a restart the same agent (same
 * token, no second one minted) is back at boot; once an admin revokes it, it stays off.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { SESSION_COOKIE } from '@medianest/api';
import { ConfigError, loadConfig } from '@medianest/core/system/index';
import { listFiles, pollUntil as waitFor } from '@medianest/core/testing/wait';
import { DEMO_MACHINE_ID, defaultScenario, FRIEND_IDS } from '@medianest/simulators/scenario/index';
import { type PlexWorld, startPlexWorld } from '@medianest/simulators/scenario/start';
import { fakeYtDlpEnv, fakeYtDlpPath, writeCatalog } from '@medianest/simulators/yt-dlp/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPlexHousehold } from '../test/fixtures/household.ts';
import { runDoctor } from './doctor.ts';
import { EMBEDDED_AGENT_FILE, EMBEDDED_AGENT_NAME } from './embedded-agent.ts';
import { type LocalServer, startLocal } from './start-local.ts';

const SECTION = '3';
const PLEX_PATH = '/data/media/other';

let world: PlexWorld;
let server: LocalServer | undefined;
let work: string;
let lib: string;
let catalog: string;
let hid: string;
let stopScanner = () => {};
const cookies: Record<'olivia' | 'fiona', string> = { olivia: '', fiona: '' };

const walk = (dir: string) => listFiles(dir, { relative: true });

/** Plex's scanner, simulated: a folder refresh makes the new files' items appear (for the collection). */
function emulateScanner(): () => void {
  const pms = world.servers.get(DEMO_MACHINE_ID);
  let seen = 0;
  const known = new Set<string>();
  const timer = setInterval(async () => {
    const refreshes = pms?.refreshes() ?? [];
    if (refreshes.length === seen) return;
    seen = refreshes.length;
    for (const f of await walk(lib)) {
      if (!f.endsWith('.mp4') || known.has(f)) continue;
      known.add(f);
      pms?.addItems(SECTION, [{ title: basename(f, '.mp4') }]);
    }
  }, 50);
  return () => clearInterval(timer);
}

const boot = () =>
  startLocal({
    port: 0,
    host: '127.0.0.1',
    dataDir: join(work, 'data'),
    webDir: join(work, 'no-web'),
    consumers: false,
    env: {
      MEDIANEST_PLEX_TV_URL: world.plexTv.url,
      MEDIANEST_PLEX_AUTH_URL: `${world.plexTv.url}/auth`,
      LOG_LEVEL: 'SILENT',
      MEDIANEST_AGENT_LIBRARY_ROOTS: `${SECTION}=${lib}`,
      MEDIANEST_AGENT_PLEX_ROOTS: `${SECTION}=${PLEX_PATH}`,
      MEDIANEST_AGENT_YTDLP: fakeYtDlpPath,
      MEDIANEST_AGENT_CONCURRENCY: '3',
    },
    agentEnv: fakeYtDlpEnv({ catalog }),
  });

async function api(
  who: 'olivia' | 'fiona',
  method: string,
  path: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: replies are asserted field by field
): Promise<{ status: number; body: any }> {
  if (!server) throw new Error('no server');
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

const settled = (id: string) =>
  waitFor(
    `${id} to finish`,
    async () => {
      const d = (await api('fiona', 'GET', `/downloads/${id}`)).body.download;
      return ['done', 'failed', 'cancelled'].includes(d.state) ? d : undefined;
    },
    90_000,
  );

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'medianest-embedded-agent-'));
  lib = join(work, 'library');
  catalog = await writeCatalog(join(work, 'catalog'), {
    videos: [
      { id: 'emb1', title: 'Garden One', channel: 'Garden Channel', upload_date: '20240105' },
      { id: 'emb2', title: 'Garden Two', channel: 'Garden Channel', upload_date: '20240106' },
      { id: 'emb3', title: 'After Restart', channel: 'Garden Channel', upload_date: '20240107' },
    ],
    playlists: [
      { id: 'PLgarden', title: 'Garden Diaries', channel: 'Garden Channel', entries: ['emb1', 'emb2'] },
    ],
  });
  world = await startPlexWorld(defaultScenario);
  stopScanner = emulateScanner();
  server = await boot();
  const seeded = await seedPlexHousehold(server.system, world, {
    name: 'Built-in Agent Household',
    memberAccountId: FRIEND_IDS[1],
  });
  hid = seeded.householdId;
  cookies.olivia = seeded.ownerSession;
  cookies.fiona = seeded.memberSession;
}, 60_000);

afterAll(async () => {
  stopScanner();
  await server?.close();
  await world?.close();
  await rm(work, { recursive: true, force: true });
});

describe('the built-in agent of the self-hosted runtime', () => {
  it('comes up with the household’s first download and lands a playlist in the library folder', async () => {
    expect(server?.embeddedAgents?.households()).toEqual([]);
    expect((await api('olivia', 'GET', '/agents')).body.agents).toEqual([]);

    const submitted = await api('fiona', 'POST', '/downloads', {
      url: 'https://www.youtube.com/playlist?list=PLgarden',
      target: { sectionKey: SECTION, preset: 'other-videos' },
    });
    expect(submitted.status).toBe(201);
    // No agent existed when the job was accepted; the queue wakes the built-in one.
    expect(submitted.body.download.waitingForAgent).toBe(true);
    const done = await settled(submitted.body.download.id);
    expect(done).toMatchObject({ state: 'done', childCount: 2, playlist: 'Garden Diaries', percent: 100 });

    expect(await walk(lib)).toEqual([
      'Garden Channel/Garden One [emb1].jpg',
      'Garden Channel/Garden One [emb1].mp4',
      'Garden Channel/Garden One [emb1].nfo',
      'Garden Channel/Garden Two [emb2].jpg',
      'Garden Channel/Garden Two [emb2].mp4',
      'Garden Channel/Garden Two [emb2].nfo',
    ]);
    const pms = world.servers.get(DEMO_MACHINE_ID);
    expect(pms?.refreshes().map((r) => ({ sectionKey: r.sectionKey, path: r.path }))).toContainEqual({
      sectionKey: SECTION,
      path: `${PLEX_PATH}/Garden Channel`,
    });
    expect(pms?.collections().find((c) => c.title === 'Garden Diaries')?.items).toHaveLength(2);

    const agents = (await api('olivia', 'GET', '/agents')).body.agents;
    expect(agents).toEqual([expect.objectContaining({ name: EMBEDDED_AGENT_NAME, online: true })]);
    expect(server?.embeddedAgents?.households()).toEqual([hid]);
    // The token is kept for restarts, readable by the server's user only.
    const file = join(work, 'data', EMBEDDED_AGENT_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(await readFile(file, 'utf8'));
    expect(stored.households[hid].agentId).toBe(agents[0].id);
    expect(stored.households[hid].token).toMatch(/^mna_/);
  }, 120_000);

  it('after a restart the same agent is back at boot: no second agent, no waiting', async () => {
    const before = (await api('olivia', 'GET', '/agents')).body.agents;
    await server?.close();
    server = await boot();
    expect(server.embeddedAgents?.households()).toEqual([hid]);
    const online = await waitFor('the built-in agent online', async () => {
      const list = (await api('olivia', 'GET', '/agents')).body.agents;
      return list[0]?.online ? list : undefined;
    });
    expect(online.map((a: { id: string }) => a.id)).toEqual(before.map((a: { id: string }) => a.id));

    const submitted = await api('fiona', 'POST', '/downloads', {
      url: 'https://www.youtube.com/watch?v=emb3',
      target: { sectionKey: SECTION, preset: 'other-videos' },
    });
    expect(submitted.body.download.waitingForAgent).toBe(false);
    expect(await settled(submitted.body.download.id)).toMatchObject({ state: 'done' });
    expect(existsSync(join(lib, 'Garden Channel', 'After Restart [emb3].mp4'))).toBe(true);
  }, 120_000);

  it('revoked by an admin, it stays off across a restart and is not minted again', async () => {
    const [agent] = (await api('olivia', 'GET', '/agents')).body.agents;
    expect((await api('olivia', 'DELETE', `/agents/${agent.id}`)).status).toBe(204);
    await server?.close();
    server = await boot();
    expect(server.embeddedAgents?.households()).toEqual([]);
    const submitted = await api('fiona', 'POST', '/downloads', {
      url: 'https://www.youtube.com/watch?v=emb9',
      target: { sectionKey: SECTION, preset: 'other-videos' },
    });
    expect(submitted.body.download.waitingForAgent).toBe(true);
    // ensure() runs after the answer; give it its turn, then nothing new may exist.
    await server.embeddedAgents?.ensure(hid);
    const agents = (await api('olivia', 'GET', '/agents')).body.agents;
    expect(agents).toEqual([expect.objectContaining({ id: agent.id, revoked: true, online: false })]);
    expect(server.embeddedAgents?.households()).toEqual([]);
  }, 60_000);
});

describe('built-in agent configuration', () => {
  const issuesOf = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (e) {
      if (e instanceof ConfigError) return e.issues;
      throw e;
    }
    return [];
  };

  it('is off without library folders and reads every variable when on', () => {
    expect(loadConfig({}).agent).toBeUndefined();
    const config = loadConfig({
      MEDIANEST_DATA_DIR: '/srv/mn',
      MEDIANEST_AGENT_LIBRARY_ROOTS: '3=/srv/media/youtube, 4 = /srv/media/tv',
      MEDIANEST_AGENT_PLEX_ROOTS: '3=/data/youtube',
      MEDIANEST_AGENT_YTDLP: '/usr/bin/yt-dlp',
      MEDIANEST_AGENT_CONCURRENCY: '4',
    });
    expect(config.agent).toEqual({
      libraryRoots: { 3: '/srv/media/youtube', 4: '/srv/media/tv' },
      plexRoots: { 3: '/data/youtube' },
      downloadDir: '/srv/mn/agent',
      ytDlpPath: '/usr/bin/yt-dlp',
      ffmpegPath: 'ffmpeg',
      concurrency: 4,
    });
  });

  it('doctor checks the library folders and the yt-dlp executable', async () => {
    const env = {
      MEDIANEST_DATA_DIR: join(work, 'doctor-data'),
      MEDIANEST_AGENT_LIBRARY_ROOTS: `3=${lib},4=${join(work, 'missing')}`,
      MEDIANEST_AGENT_YTDLP: fakeYtDlpPath,
    };
    const byName = (checks: Awaited<ReturnType<typeof runDoctor>>) =>
      Object.fromEntries(checks.map((c) => [c.name, c]));
    const bad = byName(await runDoctor(env));
    expect(bad['built-in agent: library folders writable']).toMatchObject({
      ok: false,
      detail: `section 4: ${join(work, 'missing')} does not exist`,
    });
    expect(bad['built-in agent: yt-dlp runs']).toMatchObject({
      ok: true,
      detail: `${fakeYtDlpPath} 2023.03.04`,
    });
    const missing = byName(
      await runDoctor({
        ...env,
        MEDIANEST_AGENT_LIBRARY_ROOTS: `3=${lib}`,
        MEDIANEST_AGENT_YTDLP: '/nowhere/yt-dlp',
      }),
    );
    expect(missing['built-in agent: library folders writable']?.ok).toBe(true);
    expect(missing['built-in agent: yt-dlp runs']).toMatchObject({
      ok: false,
      detail: expect.stringContaining('(set MEDIANEST_AGENT_YTDLP)'),
    });
  });

  it('names the variable and what was wrong', () => {
    expect(issuesOf({ MEDIANEST_AGENT_LIBRARY_ROOTS: 'youtube=/srv/media' })).toEqual([
      {
        variable: 'MEDIANEST_AGENT_LIBRARY_ROOTS',
        message: expect.stringMatching(/expected SECTION=FOLDER pairs .*got "youtube=\/srv\/media"/),
      },
    ]);
    expect(issuesOf({ MEDIANEST_AGENT_LIBRARY_ROOTS: '3=/a,3=/b' })[0]?.message).toBe(
      'section 3 is listed twice',
    );
    expect(issuesOf({ MEDIANEST_AGENT_LIBRARY_ROOTS: '3=/a', MEDIANEST_AGENT_CONCURRENCY: '40' })).toEqual([
      { variable: 'MEDIANEST_AGENT_CONCURRENCY', message: 'expected an integer 1–16, got "40"' },
    ]);
    expect(issuesOf({ MEDIANEST_AGENT_LIBRARY_ROOTS: '3=/a', MEDIANEST_AGENT_PLEX_ROOTS: '4=/b' })).toEqual([
      {
        variable: 'MEDIANEST_AGENT_PLEX_ROOTS',
        message: 'section 4 has no folder in MEDIANEST_AGENT_LIBRARY_ROOTS',
      },
    ]);
    expect(issuesOf({ MEDIANEST_AGENT_YTDLP: '/usr/bin/yt-dlp' })).toEqual([
      {
        variable: 'MEDIANEST_AGENT_LIBRARY_ROOTS',
        message: expect.stringContaining('MEDIANEST_AGENT_YTDLP is set, which only applies to it'),
      },
    ]);
  });
});
