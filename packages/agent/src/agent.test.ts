/**
 * The agent end to end over a real WebSocket: the in-process hub (test-server.ts), the fake
 * yt-dlp (and the real /usr/bin/yt-dlp), the loopback media server and the Plex simulator.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as Download from '@medianest/core/download/download';
import { as } from '@medianest/core/download/testing';
import { listFiles, pollUntil as waitFor } from '@medianest/core/testing/wait';
import { type RunningMediaServer, startMediaServer } from '@medianest/simulators/media-server/index';
import { type RunningPlexServer, startPlexServer } from '@medianest/simulators/plex-server/index';
import { fakeYtDlpEnv, fakeYtDlpPath, writeCatalog } from '@medianest/simulators/yt-dlp/index';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningAgent, runAgent } from './agent.ts';
import { type AgentTestServer, startAgentTestServer } from './test-server.ts';

const SECTION = '5';
let plex: RunningPlexServer;
let media: RunningMediaServer;
let work: string;
let catalog: string;

const walk = (dir: string) => listFiles(dir);

/** Plex's scanner, simulated: every folder refresh makes the new files' items appear. */
function emulateScanner(libDir: string): () => void {
  let seen = 0;
  const known = new Set<string>();
  const timer = setInterval(async () => {
    const refreshes = plex.refreshes();
    if (refreshes.length === seen) return;
    seen = refreshes.length;
    for (const f of await walk(libDir)) {
      if (!f.endsWith('.mp4') || known.has(f)) continue;
      known.add(f);
      plex.addItems(SECTION, [{ title: basename(f, '.mp4') }]);
    }
  }, 50);
  return () => clearInterval(timer);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'medianest-agent-test-'));
  plex = await startPlexServer({
    sections: [
      {
        key: SECTION,
        title: 'YouTube',
        type: 'movie',
        count: 0,
        path: '/data/youtube',
        agent: 'com.plexapp.agents.none',
      },
    ],
  });
  media = await startMediaServer();
  catalog = await writeCatalog(join(work, 'catalog'), {
    videos: [
      { id: 'trip1', title: 'Day One', channel: 'Trip Channel', upload_date: '20240105' },
      { id: 'trip2', title: 'Day <Two> & "more"', channel: 'Trip Channel', upload_date: '20240106' },
      { id: 'trip3', title: 'Day Three', channel: 'Trip Channel', upload_date: '20250107' },
      { id: 'slowbig', title: 'A Long One', channel: 'Slow Channel', upload_date: '20240301', sample: 'big' },
    ],
    playlists: [
      { id: 'PLtrip', title: 'Summer Trip', channel: 'Trip Channel', entries: ['trip1', 'trip2', 'trip3'] },
      { id: 'PLsolo', title: 'Solo Trip', channel: 'Trip Channel', entries: ['trip3'] },
    ],
  });
}, 120_000);

afterAll(async () => {
  await plex?.close();
  await media?.close();
  await rm(work, { recursive: true, force: true });
});

describe('the household agent over a real WebSocket', () => {
  let server: AgentTestServer;
  let agent: RunningAgent | undefined;
  let dir: string;
  let lib: string;
  let stopScanner: () => void;

  beforeEach(async () => {
    server = await startAgentTestServer({
      plexFor: async () => ({
        baseUrl: plex.url,
        token: plex.ownerToken,
        machineIdentifier: plex.machineIdentifier,
      }),
      tickMs: 200,
    });
    dir = await mkdtemp(join(work, 'dl-'));
    lib = join(dir, 'library');
    stopScanner = emulateScanner(lib);
  });
  afterEach(async () => {
    stopScanner();
    await agent?.stop();
    agent = undefined;
    await server.close();
  });

  const start = (extra: Partial<Parameters<typeof runAgent>[0]> = {}) =>
    runAgent({
      serverUrl: server.url,
      token: server.token,
      downloadDir: join(dir, 'work'),
      libraryRoots: { [SECTION]: lib },
      plexRoots: { [SECTION]: '/data/youtube' },
      ytDlpPath: fakeYtDlpPath,
      env: fakeYtDlpEnv({ catalog }),
      collectionWaitMs: 20_000,
      reconnect: { minMs: 50, maxMs: 200 },
      ...extra,
    });

  const { owner, alice } = { owner: () => server.household.owner, alice: () => server.household.alice };
  const hh = () => server.household.hh;
  const submit = (url: string, preset: 'other-videos' | 'tv-by-date' = 'other-videos') =>
    as(alice(), hh(), () => Download.submit(server.deps, { url, target: { sectionKey: SECTION, preset } }));
  const get = (id: string) => as(alice(), hh(), () => Download.get(server.deps, { id }));
  const settled = (id: string, timeoutMs = 90_000) =>
    waitFor(
      `${id} to finish`,
      async () => {
        const d = await get(id);
        return d.state === 'done' || d.state === 'failed' || d.state === 'cancelled' ? d : undefined;
      },
      timeoutMs,
    );

  it('a three-video playlist lands as three mp4 files with poster and .nfo, scanned and collected in Plex', async () => {
    const sub = await submit('https://www.youtube.com/playlist?list=PLtrip', 'tv-by-date');
    expect(sub.waitingForAgent).toBe(true);
    agent = await start();
    const done = await settled(sub.id);
    expect(done).toMatchObject({ state: 'done', childCount: 3, playlist: 'Summer Trip', percent: 100 });

    const files = (await walk(lib)).map((f) => f.slice(lib.length + 1));
    const season = (y: string, date: string, title: string, id: string) =>
      `Trip Channel/Season ${y}/Trip Channel - ${date} - ${title} [${id}]`;
    const bases = [
      season('2024', '2024-01-05', 'Day One', 'trip1'),
      season('2024', '2024-01-06', 'Day ＜Two＞ & ＂more＂', 'trip2'),
      season('2025', '2025-01-07', 'Day Three', 'trip3'),
    ];
    // yt-dlp makes names filesystem-safe its own way; compare what is certain and list the rest.
    expect(files.filter((f) => f.endsWith('.mp4'))).toHaveLength(3);
    for (const b of [bases[0], bases[2]] as string[]) {
      expect(files).toEqual(expect.arrayContaining([`${b}.mp4`, `${b}.jpg`, `${b}.nfo`]));
    }
    for (const ext of ['.mp4', '.jpg', '.nfo']) {
      expect(files.filter((f) => f.startsWith('Trip Channel/Season 2024/') && f.endsWith(ext))).toHaveLength(
        2,
      );
    }
    const nfo2 = files.find((f) => f.includes('[trip2]') && f.endsWith('.nfo')) as string;
    const xml = await readFile(join(lib, nfo2), 'utf8');
    expect(xml).toContain('<title>Day &lt;Two&gt; &amp; &quot;more&quot;</title>');
    expect(xml).toContain('<showtitle>Trip Channel</showtitle>');
    expect(xml).toContain('<aired>2024-01-06</aired>');
    expect(xml).toContain('<uniqueid type="youtube" default="true">trip2</uniqueid>');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8" standalone="yes"\?>\n<episodedetails>/);

    const refreshed = plex.refreshes().map((r) => ({ sectionKey: r.sectionKey, path: r.path }));
    expect(refreshed).toEqual(
      expect.arrayContaining([
        { sectionKey: SECTION, path: '/data/youtube/Trip Channel/Season 2024' },
        { sectionKey: SECTION, path: '/data/youtube/Trip Channel/Season 2025' },
      ]),
    );
    const collections = plex.collections().filter((c) => c.title === 'Summer Trip');
    expect(collections).toHaveLength(1);
    expect(collections[0]?.items).toHaveLength(3);
    expect(collections[0]?.sectionKey).toBe(SECTION);

    // Progress went through the server to the member and the admins.
    const progress = server.deps.realtime.messages.filter((m) => m.message.type === 'download.progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.some((m) => 'userId' in m.topic && m.topic.userId === owner())).toBe(true);
    expect((await walk(join(dir, 'work'))).filter((f) => f.endsWith('.part'))).toEqual([]);
  }, 120_000);

  it('the same single download with the REAL /usr/bin/yt-dlp against the media server', async () => {
    agent = await start({ ytDlpPath: '/usr/bin/yt-dlp', env: process.env });
    await agent.ready();
    const sub = await submit(media.url('/clip-one.mp4'));
    const done = await settled(sub.id);
    expect(done).toMatchObject({ state: 'done', childCount: 1 });
    const [child] = done.children;
    expect(child?.files.map((f) => f.kind).sort()).toEqual(['nfo', 'poster', 'video']);
    const files = (await walk(lib)).map((f) => f.slice(lib.length + 1));
    expect(files).toEqual([
      'Unknown/clip-one [clip-one].jpg',
      'Unknown/clip-one [clip-one].mp4',
      'Unknown/clip-one [clip-one].nfo',
    ]);
    expect(plex.refreshes().map((r) => r.path)).toContain('/data/youtube/Unknown');
  }, 120_000);

  it('a private video and an unsupported page fail with a clear reason and no video job', async () => {
    agent = await start();
    const priv = await submit('https://www.youtube.com/watch?v=privateClip1');
    const unsupported = await submit(media.url('/about.html').replace('.html', '.mp4'));
    const p = await settled(priv.id);
    expect(p).toMatchObject({
      state: 'failed',
      childCount: 0,
      reason: { code: 'private_video', message: 'This video is private' },
    });
    const u = await settled(unsupported.id);
    expect(u).toMatchObject({ state: 'failed', childCount: 0 });
    expect(u.reason?.code).toMatch(/not_found|unsupported/);
  }, 60_000);

  it('stop() while a video waits for Plex to list it (collection step) returns at once and the video still counts as done', async () => {
    // Plex never lists the file: without the abort reaching findItem, stop() waited out collectionWaitMs.
    stopScanner();
    agent = await start({ collectionWaitMs: 600_000, concurrency: 1 });
    const sub = await submit('https://www.youtube.com/playlist?list=PLsolo');
    await waitFor('the video to reach the Plex import step', async () => {
      const c = (await get(sub.id)).children[0];
      return c?.state === 'importing' ? c : undefined;
    });
    const stopping = agent;
    agent = undefined;
    await stopping.stop();
    expect(stopping.running()).toEqual([]);
    // The file is in the library: the agent reported it done (without the collection) before leaving.
    const done = await settled(sub.id, 30_000);
    expect(done.state).toBe('done');
    expect((await walk(lib)).filter((f) => f.endsWith('.mp4'))).toHaveLength(1);
    expect(plex.collections().filter((c) => c.title === 'Solo Trip')).toEqual([]);
  }, 60_000);

  it('cancel stops yt-dlp and leaves no partial file', async () => {
    agent = await start({ env: fakeYtDlpEnv({ catalog, bytesPerSecond: 50_000 }) });
    const sub = await submit('https://www.youtube.com/watch?v=slowbig');
    const running = await waitFor('progress', async () => {
      const d = await get(sub.id);
      const c = d.children[0];
      return c && (c.progress?.downloadedBytes ?? 0) > 0 ? c : undefined;
    });
    await as(alice(), hh(), () => Download.cancel(server.deps, { id: running.id }));
    await waitFor('the agent to drop the job', () => (agent?.running().length === 0 ? true : undefined));
    const all = await walk(dir);
    expect(all.filter((f) => f.endsWith('.part') || f.includes('.f1'))).toEqual([]);
    expect(all.filter((f) => f.endsWith('.mp4'))).toEqual([]);
    expect((await get(sub.id)).state).toBe('cancelled');
  }, 60_000);
});

describe('crash safety', () => {
  it.each(['drop', 'restart'] as const)(
    'the server side goes away mid-download (%s): the agent reconnects, re-announces the job and finishes it once',
    async (how) => {
      const server = await startAgentTestServer({
        plexFor: async () => ({ baseUrl: plex.url, token: plex.ownerToken }),
        tickMs: 200,
      });
      const dir = await mkdtemp(join(work, 'drop-'));
      const agent = await runAgent({
        serverUrl: server.url,
        token: server.token,
        downloadDir: join(dir, 'work'),
        libraryRoots: { [SECTION]: join(dir, 'library') },
        ytDlpPath: fakeYtDlpPath,
        env: fakeYtDlpEnv({ catalog, bytesPerSecond: 300_000 }),
        reconnect: { minMs: 50, maxMs: 200 },
      });
      try {
        const { alice, hh } = server.household;
        const sub = await as(alice, hh, () =>
          Download.submit(server.deps, {
            url: 'https://www.youtube.com/watch?v=slowbig',
            target: { sectionKey: SECTION, preset: 'other-videos' },
          }),
        );
        await waitFor('progress', async () => {
          const d = await as(alice, hh, () => Download.get(server.deps, { id: sub.id }));
          return (d.children[0]?.progress?.downloadedBytes ?? 0) > 0 ? true : undefined;
        });
        let welcomes = 0;
        server.onFrame = (t) => {
          if (t.includes('"type":"hello"')) welcomes++;
        };
        if (how === 'drop') server.dropConnections();
        else await server.restart();
        const done = await waitFor(
          'the job to finish after the drop',
          async () => {
            const d = await as(alice, hh, () => Download.get(server.deps, { id: sub.id }));
            return d.state === 'done' || d.state === 'failed' ? d : undefined;
          },
          90_000,
        );
        expect(welcomes).toBeGreaterThanOrEqual(1);
        expect(done.state).toBe('done');
        // Same attempt: the running job was re-announced, not re-queued and downloaded twice.
        expect(done.children[0]?.attempt).toBe(1);
        expect(
          (await walk(dir)).filter((f) => f.endsWith('.mp4') || f.endsWith('.part')).map((f) => basename(f)),
        ).toEqual(['A Long One [slowbig].mp4']);
      } finally {
        await agent.stop();
        await server.close();
      }
    },
    120_000,
  );

  describe('a killed agent process', () => {
    let server: AgentTestServer;
    let child: ChildProcess | undefined;
    let dir: string;

    beforeEach(async () => {
      server = await startAgentTestServer({
        plexFor: async () => ({ baseUrl: plex.url, token: plex.ownerToken }),
        tickMs: 200,
      });
      dir = await mkdtemp(join(work, 'crash-'));
    });
    afterEach(async () => {
      if (child && child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child?.once('exit', r));
      }
      await server.close();
    });

    const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
    const spawnAgent = (bytesPerSecond: number) =>
      spawn(
        process.execPath,
        [
          cli,
          '--server',
          server.url,
          '--dir',
          join(dir, 'work'),
          '--library',
          `${SECTION}=${join(dir, 'library')}`,
          '--yt-dlp',
          fakeYtDlpPath,
          '--concurrency',
          '1',
        ],
        {
          env: { ...fakeYtDlpEnv({ catalog, bytesPerSecond }), MEDIANEST_AGENT_TOKEN: server.token },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );

    it('SIGKILL mid-download, then a restart: the job completes once, no stray .part file', async () => {
      const sub = await as(server.household.alice, server.household.hh, () =>
        Download.submit(server.deps, {
          url: 'https://www.youtube.com/watch?v=slowbig',
          target: { sectionKey: SECTION, preset: 'other-videos' },
        }),
      );
      child = spawnAgent(100_000);
      const running = await waitFor('progress before the kill', async () => {
        const d = await as(server.household.alice, server.household.hh, () =>
          Download.get(server.deps, { id: sub.id }),
        );
        const c = d.children[0];
        return c && (c.progress?.downloadedBytes ?? 0) > 0 ? c : undefined;
      });
      expect(running.attempt).toBe(1);
      child.kill('SIGKILL');
      await new Promise((r) => child?.once('exit', r));

      child = spawnAgent(2_000_000);
      const done = await waitFor(
        'the job to finish after the restart',
        async () => {
          const d = await as(server.household.alice, server.household.hh, () =>
            Download.get(server.deps, { id: sub.id }),
          );
          return d.state === 'done' || d.state === 'failed' ? d : undefined;
        },
        90_000,
      );
      expect(done.state).toBe('done');
      expect(done.children[0]?.attempt).toBe(2);
      const all = await walk(dir);
      expect(all.filter((f) => f.endsWith('.part'))).toEqual([]);
      expect(all.filter((f) => f.endsWith('.mp4')).map((f) => f.slice(dir.length + 1))).toEqual([
        'library/Slow Channel/A Long One [slowbig].mp4',
      ]);
    }, 120_000);
  });
});
