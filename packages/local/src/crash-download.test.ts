/**
 * Issue 8, "killing the server likewise": the real self-hosted runtime (`medianest start`) runs as
 * a child process and is SIGKILLed in the middle of a download, then restarted on the same data
 * directory and port.
 *
 * - External agent (`runAgent` in this process): the agent keeps downloading while the server is
 *   gone, reconnects, re-announces the job in its hello (same attempt, lease renewed) and the job
 *   ends `done` once — attempt 1, one mp4, no partial file.
 * - Built-in agent (MEDIANEST_AGENT_LIBRARY_ROOTS): server and agent die together and the yt-dlp
 *   they started is orphaned. It must not go on writing (or land a file in the library); the
 *   restarted agent ends whatever is left, removes the partial files, and the server, hearing
 *   that its agent no longer runs the job, queues it again at once: `done` with attempt 2.
 *
 * The household, members, Plex integration and sessions are written through the domain on the
 * data directory before the child starts (the child owns the SQLite file while it runs); the
 * download goes through the child's HTTP API like the web app's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { type RunningAgent, runAgent } from '@medianest/agent';
import { SESSION_COOKIE } from '@medianest/api';
import { createLocalSystem, loadConfig } from '@medianest/core/system/index';
import { freePort } from '@medianest/core/testing/free-port';
import { listFiles, pollUntil } from '@medianest/core/testing/wait';
import { type RunningMediaServer, startMediaServer } from '@medianest/simulators/media-server/index';
import { DEMO_MACHINE_ID, defaultScenario, FRIEND_IDS } from '@medianest/simulators/scenario/index';
import { type PlexWorld, startPlexWorld } from '@medianest/simulators/scenario/start';
import { fakeYtDlpEnv, fakeYtDlpPath, writeCatalog } from '@medianest/simulators/yt-dlp/index';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Child, CLI, spawnNode } from '../test/fixtures/cli.ts';
import { seedPlexHousehold } from '../test/fixtures/household.ts';

const SECTION = '3';
const PLEX_PATH = '/data/media/other';
const VIDEO = 'https://www.youtube.com/watch?v=crashbig';
const MP4 = 'Crash Channel/Through The Crash [crashbig].mp4';

let world: PlexWorld;
let media: RunningMediaServer;
let catalogDir: string;
let catalog: string;

// Per test: a data dir, a port, the household and the running child.
let dir: string;
let dataDir: string;
let lib: string;
let port: number;
let hid: string;
let cookies: { olivia: string; fiona: string };
let child: Child | undefined;
let agent: RunningAgent | undefined;

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000) =>
  pollUntil(what, probe, timeoutMs, 50);

const walk = (dir: string) => listFiles(dir, { relative: true });

const isPartial = (f: string) => f.endsWith('.part') || f.endsWith('.ytdl') || /\.f\d+\./.test(f);

/** Running (a zombie nobody reaped yet counts as gone: it can write nothing). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/s.test(stat);
  } catch {
    return false;
  }
}

/** The environment the runtime child is configured with (the same on every start). */
function runtimeEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    MEDIANEST_DATA_DIR: dataDir,
    MEDIANEST_WEB_DIR: join(dir, 'no-web'),
    MEDIANEST_PLEX_TV_URL: world.plexTv.url,
    MEDIANEST_PLEX_AUTH_URL: `${world.plexTv.url}/auth`,
    LOG_LEVEL: 'WARN',
    ...extra,
  };
}

async function startRuntime(extra: Record<string, string> = {}): Promise<Child> {
  child = spawnNode([CLI, 'start'], runtimeEnv(extra));
  await child.waitFor(new RegExp(`on http://127\\.0\\.0\\.1:${port} `), 30_000);
  return child;
}

async function killRuntime(): Promise<void> {
  const c = child;
  if (!c) return;
  c.proc.kill('SIGKILL');
  const { signal } = await c.exited;
  expect(signal).toBe('SIGKILL');
  child = undefined;
}

/** The household (olivia owns it, fiona is a member), its Plex server and two sessions. */
async function seedHousehold(): Promise<void> {
  const system = await createLocalSystem(loadConfig(runtimeEnv({ LOG_LEVEL: 'SILENT' })));
  try {
    const seeded = await seedPlexHousehold(system, world, {
      name: 'Crash Household',
      memberAccountId: FRIEND_IDS[1],
    });
    hid = seeded.householdId;
    cookies = { olivia: seeded.ownerSession, fiona: seeded.memberSession };
  } finally {
    await system.close();
  }
}

async function api(
  who: 'olivia' | 'fiona',
  method: string,
  path: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: replies are asserted field by field
): Promise<{ status: number; body: any }> {
  const base = `http://127.0.0.1:${port}`;
  const res = await fetch(`${base}/api/v1/households/${hid}${path}`, {
    method,
    headers: {
      cookie: `${SESSION_COOKIE}=${cookies[who]}`,
      ...(method === 'GET' ? {} : { origin: base }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

// biome-ignore lint/suspicious/noExplicitAny: the download as the API returns it
const getDownload = async (id: string): Promise<any> => {
  const r = await api('fiona', 'GET', `/downloads/${id}`);
  expect(r.status).toBe(200);
  return r.body.download;
};

async function submit(url = VIDEO): Promise<string> {
  const r = await api('fiona', 'POST', '/downloads', {
    url,
    target: { sectionKey: SECTION, preset: 'other-videos' },
  });
  expect(r.status).toBe(201);
  return r.body.download.id;
}

/** The video job, once it has written some bytes (the kill must land mid-download). */
const downloading = (id: string) =>
  waitFor('the download to be under way', async () => {
    const d = await getDownload(id);
    const c = d.children?.[0];
    return c?.state === 'downloading' && (c.progress?.downloadedBytes ?? 0) > 0 ? c : undefined;
  });

const settled = (id: string) =>
  waitFor('the download to finish', async () => {
    const d = await getDownload(id);
    return ['done', 'failed', 'cancelled'].includes(d.state) ? d : undefined;
  });

beforeAll(async () => {
  catalogDir = await mkdtemp(join(tmpdir(), 'mn-crash-dl-catalog-'));
  catalog = await writeCatalog(catalogDir, {
    videos: [
      {
        id: 'crashbig',
        title: 'Through The Crash',
        channel: 'Crash Channel',
        upload_date: '20240301',
        sample: 'big',
      },
    ],
  });
  world = await startPlexWorld(defaultScenario);
  media = await startMediaServer();
}, 60_000);

afterAll(async () => {
  await world?.close();
  await media?.close();
  if (catalogDir) await rm(catalogDir, { recursive: true, force: true });
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mn-crash-dl-'));
  dataDir = join(dir, 'data');
  lib = join(dir, 'library');
  port = await freePort();
  await seedHousehold();
});

afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  if (child) {
    child.proc.kill('SIGKILL');
    await child.exited;
    child = undefined;
  }
  await rm(dir, { recursive: true, force: true });
});

describe('SIGKILL of the self-hosted runtime mid-download', () => {
  it('external agent: it keeps the job, re-announces it to the restarted server and finishes it once (attempt 1)', async () => {
    await startRuntime();
    const created = await api('olivia', 'POST', '/agents', { name: 'Plex box' });
    expect(created.status).toBe(201);
    const work = join(dir, 'agent-work');
    agent = await runAgent({
      serverUrl: `http://127.0.0.1:${port}/agent`,
      token: created.body.token,
      downloadDir: work,
      libraryRoots: { [SECTION]: lib },
      plexRoots: { [SECTION]: PLEX_PATH },
      ytDlpPath: fakeYtDlpPath,
      env: fakeYtDlpEnv({ catalog, bytesPerSecond: 200_000 }),
      reconnect: { minMs: 50, maxMs: 200 },
    });
    await agent.ready();
    const id = await submit();
    const running = await downloading(id);
    expect(running.attempt).toBe(1);

    await killRuntime();
    // The server is gone, the download is not: the agent still runs it.
    await waitFor('the agent to notice', async () => (agent?.connected ? undefined : true));
    expect(agent.running()).toEqual([running.id]);
    expect((await walk(work)).filter(isPartial)).not.toEqual([]);

    await startRuntime();
    const done = await settled(id);
    expect(done).toMatchObject({ state: 'done', childCount: 1, percent: 100 });
    // The same attempt: re-announced and kept, not requeued and downloaded a second time.
    expect(done.children[0]).toMatchObject({ state: 'done', attempt: 1 });
    expect(done.children[0].files.map((f: { kind: string }) => f.kind).sort()).toEqual([
      'nfo',
      'poster',
      'video',
    ]);
    expect((await walk(lib)).filter((f) => f.endsWith('.mp4'))).toEqual([MP4]);
    expect((await walk(lib)).filter(isPartial)).toEqual([]);
    expect((await walk(work)).filter(isPartial)).toEqual([]);
    expect(agent.running()).toEqual([]);
    const refreshed = world.servers.get(DEMO_MACHINE_ID)?.refreshes() ?? [];
    expect(refreshed.filter((r) => r.path === `${PLEX_PATH}/Crash Channel`)).toHaveLength(1);
  }, 60_000);

  interface Downloader {
    name: string;
    ytDlp: string;
    url: () => string;
    /** Environment of a runtime start whose downloads crawl (so the kill lands mid-way). */
    slow: () => Record<string, string>;
    /** What makes the rest go fast: the orphan, if still alive, would finish now. */
    fast: () => Record<string, string>;
    mp4: string;
  }
  const downloaders: Downloader[] = [
    {
      name: 'the fake yt-dlp',
      ytDlp: fakeYtDlpPath,
      url: () => VIDEO,
      slow: () => ({ FAKE_YTDLP_CATALOG: catalog, FAKE_YTDLP_BYTES_PER_SEC: '100000' }),
      fast: () => ({ FAKE_YTDLP_CATALOG: catalog, FAKE_YTDLP_BYTES_PER_SEC: '5000000' }),
      mp4: MP4,
    },
    {
      name: 'Debian’s yt-dlp against the loopback media server',
      ytDlp: '/usr/bin/yt-dlp',
      url: () => media.url('/big.mp4'),
      slow: () => {
        media.setThrottle(100_000);
        return {};
      },
      fast: () => {
        media.setThrottle(null);
        return {};
      },
      mp4: 'Unknown/big [big].mp4',
    },
  ];

  it.each(downloaders)(
    'built-in agent with $name: the orphaned yt-dlp writes nothing more, the restarted agent cleans up and the job is done once (attempt 2)',
    async (d) => {
      const agentEnv = (extra: Record<string, string>) => ({
        MEDIANEST_AGENT_LIBRARY_ROOTS: `${SECTION}=${lib}`,
        MEDIANEST_AGENT_PLEX_ROOTS: `${SECTION}=${PLEX_PATH}`,
        MEDIANEST_AGENT_YTDLP: d.ytDlp,
        ...extra,
      });
      await startRuntime(agentEnv(d.slow()));
      const id = await submit(d.url());
      const running = await downloading(id);
      expect(running.attempt).toBe(1);
      // The built-in agent's working folder for the household, and its record of the yt-dlp it runs.
      const work = join(dataDir, 'agent', hid);
      const record = JSON.parse(
        await readFile(join(work, '.medianest-agent', 'jobs', `${running.id}.1.json`), 'utf8'),
      ) as { pid: number };
      expect(alive(record.pid)).toBe(true);

      await killRuntime();
      // Server and agent are gone. Whatever yt-dlp they left could now finish at full speed and move
      // the video into the library behind everyone's back: it must be dead instead.
      const restartEnv = agentEnv(d.fast());
      await waitFor('the orphaned yt-dlp to end', async () => (alive(record.pid) ? undefined : true), 10_000);
      expect((await walk(lib)).filter((f) => f.endsWith('.mp4'))).toEqual([]);

      await startRuntime(restartEnv);
      const done = await settled(id);
      expect(done).toMatchObject({ state: 'done', childCount: 1, percent: 100 });
      // The restarted agent did not hold the job: the server queued it again at once (no lease wait).
      expect(done.children[0]).toMatchObject({ state: 'done', attempt: 2 });
      expect((await walk(lib)).filter((f) => f.endsWith('.mp4'))).toEqual([d.mp4]);
      expect((await walk(lib)).filter(isPartial)).toEqual([]);
      expect((await walk(work)).filter(isPartial)).toEqual([]);
    },
    60_000,
  );

  it('built-in agent killed while yt-dlp post-processes: the orphan never moves the video into the library', async () => {
    // After its last progress line yt-dlp writes nothing to the (now broken) pipe until the file is
    // merged and moved into the library, so the pipe cannot stop it there. Widen that window: an
    // ffmpeg that takes its time before merging the video and audio streams.
    const real = (process.env.PATH ?? '')
      .split(delimiter)
      .map((d) => join(d, 'ffmpeg'))
      .find((f) => existsSync(f));
    if (!real) throw new Error('ffmpeg is needed (the fake yt-dlp merges formats with it)');
    const shimDir = join(dir, 'slow-ffmpeg');
    await mkdir(shimDir);
    await writeFile(
      join(shimDir, 'ffmpeg'),
      `#!/bin/sh\ncase " $* " in *" -map 0:v:0 "*) sleep 4 ;; esac\nexec '${real}' "$@"\n`,
      { mode: 0o755 },
    );
    const env = (extra: Record<string, string>) => ({
      MEDIANEST_AGENT_LIBRARY_ROOTS: `${SECTION}=${lib}`,
      MEDIANEST_AGENT_PLEX_ROOTS: `${SECTION}=${PLEX_PATH}`,
      MEDIANEST_AGENT_YTDLP: fakeYtDlpPath,
      FAKE_YTDLP_CATALOG: catalog,
      FAKE_YTDLP_BYTES_PER_SEC: '2000000',
      ...extra,
    });
    await startRuntime(env({ PATH: `${shimDir}${delimiter}${process.env.PATH}` }));
    const id = await submit();
    const work = join(dataDir, 'agent', hid);
    // Both streams are down (no .part left), the merge has not produced anything yet.
    const job = await waitFor('yt-dlp to reach the merge', async () => {
      const files = await walk(join(work, '.medianest-agent', 'tmp'));
      const streams = files.filter((f) => /\.f\d+\.\w+$/.test(f));
      return streams.length === 2 && !files.some((f) => f.endsWith('.part')) ? files : undefined;
    });
    expect(job.filter((f) => f.endsWith('.mp4'))).toHaveLength(1);
    const [jobFile] = await readdir(join(work, '.medianest-agent', 'jobs'));
    const { pid } = JSON.parse(
      await readFile(join(work, '.medianest-agent', 'jobs', jobFile as string), 'utf8'),
    ) as {
      pid: number;
    };
    expect(alive(pid)).toBe(true);

    await killRuntime();
    await waitFor('the orphaned yt-dlp to end', async () => (alive(pid) ? undefined : true), 15_000);
    expect((await walk(lib)).filter((f) => f.endsWith('.mp4'))).toEqual([]);

    await startRuntime(env({}));
    const done = await settled(id);
    expect(done.children[0]).toMatchObject({ state: 'done', attempt: 2 });
    expect((await walk(lib)).filter((f) => f.endsWith('.mp4'))).toEqual([MP4]);
    expect((await walk(work)).filter(isPartial)).toEqual([]);
  }, 60_000);
});
