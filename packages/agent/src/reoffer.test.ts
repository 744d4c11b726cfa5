/**
 * A lease that ran out while the agent was still downloading (the server was away longer than
 * LEASE_MS, or the agent's link stalled): the server queues the job again and, when the same agent
 * is the one with a free slot, sends it `job.revoke` for the old attempt and `job.offer` for the
 * new one, back to back. The agent must stop the old yt-dlp and run the new attempt to the end
 * without the old attempt's clean-up touching the new one (its temp folder, its crash record, its
 * place in the list of running jobs).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Download from '@medianest/core/download/download';
import { as } from '@medianest/core/download/testing';
import { listFiles, pollUntil } from '@medianest/core/testing/wait';
import { fakeYtDlpEnv, fakeYtDlpPath, writeCatalog } from '@medianest/simulators/yt-dlp/index';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type RunningAgent, runAgent } from './agent.ts';
import { type AgentTestServer, startAgentTestServer } from './test-server.ts';

const SECTION = '5';
let work: string;
let server: AgentTestServer;
let agent: RunningAgent | undefined;

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000) =>
  pollUntil(what, probe, timeoutMs, 50);

const walk = (dir: string) => listFiles(dir, { relative: true });

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'medianest-reoffer-'));
  server = await startAgentTestServer();
});

afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await server.close();
  await rm(work, { recursive: true, force: true });
});

it('revoke + re-offer of the same job to the same agent: the new attempt runs to the end, alone', async () => {
  const catalog = await writeCatalog(join(work, 'catalog'), {
    videos: [{ id: 'relong', title: 'Leased Twice', channel: 'Lease Channel', sample: 'big' }],
  });
  const downloadDir = join(work, 'work');
  const lib = join(work, 'library');
  agent = await runAgent({
    serverUrl: server.url,
    token: server.token,
    downloadDir,
    libraryRoots: { [SECTION]: lib },
    ytDlpPath: fakeYtDlpPath,
    env: fakeYtDlpEnv({ catalog, bytesPerSecond: 300_000 }),
    reconnect: { minMs: 50, maxMs: 200 },
  });
  await agent.ready();
  const { alice, hh } = server.household;
  const get = (id: string) => as(alice, hh, () => Download.get(server.deps, { id }));
  const sub = await as(alice, hh, () =>
    Download.submit(server.deps, {
      url: 'https://www.youtube.com/watch?v=relong',
      target: { sectionKey: SECTION, preset: 'other-videos' },
    }),
  );
  const first = await waitFor('attempt 1 under way', async () => {
    const c = (await get(sub.id)).children[0];
    return c && (c.progress?.downloadedBytes ?? 0) > 0 ? c : undefined;
  });
  expect(first.attempt).toBe(1);

  // The lease sweep as it runs once the lease is over (a clock past it): the job goes back to the
  // queue, and the agent, holding a free slot, is told to drop attempt 1 and offered attempt 2.
  const later = { ...server.deps, clock: { now: () => Date.now() + 5 * 60_000 } };
  expect(await Download.sweepLeases(later)).toEqual({ requeued: 1, failed: 0 });
  server.hub.poke(hh);

  const second = await waitFor('attempt 2 under way', async () => {
    const c = (await get(sub.id)).children[0];
    return c?.attempt === 2 && (c.progress?.downloadedBytes ?? 0) > 0 ? c : undefined;
  });
  // The agent lists attempt 2 as running (heartbeats keep its lease), with its crash record.
  expect(agent.running()).toEqual([second.id]);
  const record = JSON.parse(
    await readFile(join(downloadDir, '.medianest-agent', 'jobs', `${second.id}.2.json`), 'utf8'),
  ) as { attempt: number };
  expect(record.attempt).toBe(2);

  const done = await waitFor('the job to finish', async () => {
    const d = await get(sub.id);
    return ['done', 'failed', 'cancelled'].includes(d.state) ? d : undefined;
  });
  expect(done.state).toBe('done');
  expect(done.children[0]).toMatchObject({ state: 'done', attempt: 2 });
  expect((await walk(lib)).filter((f) => f.endsWith('.mp4'))).toEqual([
    'Lease Channel/Leased Twice [relong].mp4',
  ]);
  expect((await walk(downloadDir)).filter((f) => f.endsWith('.part') || /\.f\d+\./.test(f))).toEqual([]);
}, 60_000);
