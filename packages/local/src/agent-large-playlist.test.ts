/**
 * A 1,000-video playlist through the self-hosted runtime's `/agent`: the real agent (runAgent with
 * the fake yt-dlp and a catalog holding the playlist) resolves it and sends the resolution in
 * `job.resolved` parts; every frame on the socket, both ways, stays within the protocol's limit
 * (measured in UTF-8 bytes), and the server makes exactly one video job per entry. The hourly
 * quota refuses the same playlist with a reason first.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningAgent, runAgent } from '@medianest/agent';
import { downloadDepsOf } from '@medianest/api/v1/downloads';
import * as Agents from '@medianest/core/download/agents';
import * as Download from '@medianest/core/download/download';
import { byteLength, MAX_FRAME_BYTES } from '@medianest/core/download/protocol';
import { setLimits } from '@medianest/core/download/quota';
import { as, type SeededHousehold, seedHousehold } from '@medianest/core/download/testing';
import { pollUntil } from '@medianest/core/testing/wait';
import { fakeYtDlpEnv, fakeYtDlpPath, writeCatalog } from '@medianest/simulators/yt-dlp/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocal } from './start-local.ts';

const SECTION = '3';
const SIZE = 1000;

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000) =>
  pollUntil(what, probe, timeoutMs);

describe('a 1,000-video playlist through the local /agent', () => {
  let work: string;
  let server: LocalServer;
  let agent: RunningAgent | undefined;
  let h: SeededHousehold;
  let deps: ReturnType<typeof downloadDepsOf>;
  const frames: { direction: 'in' | 'out'; bytes: number; type: string; part?: unknown }[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'medianest-agent-playlist-'));
    const ids = Array.from({ length: SIZE }, (_, i) => `big${String(i).padStart(8, '0')}`);
    const catalog = await writeCatalog(join(work, 'catalog'), {
      videos: ids.map((id, i) => ({
        id,
        // Multi-byte titles: the limit is in bytes, not characters.
        title: `Folge ${i} – Reise nach Tōkyō 🚆 und zurück, mit allem was dazugehört`,
        channel: 'Long Channel',
        upload_date: '20240105',
      })),
      playlists: [{ id: 'PLhuge', title: 'Alles über Züge', channel: 'Long Channel', entries: ids }],
    });
    server = await startLocal({
      port: 0,
      host: '127.0.0.1',
      dataDir: join(work, 'data'),
      webDir: join(work, 'no-web'),
      consumers: false,
      env: { LOG_LEVEL: 'SILENT' },
    });
    deps = downloadDepsOf(server.system);
    h = await seedHousehold(server.system);
    const { token } = await as(h.owner, h.hh, () => Agents.createAgent(deps, { name: 'NAS' }));
    agent = await runAgent({
      serverUrl: `${server.url}/agent`,
      token,
      downloadDir: join(work, 'agent'),
      libraryRoots: { [SECTION]: join(work, 'library') },
      ytDlpPath: fakeYtDlpPath,
      env: fakeYtDlpEnv({ catalog }),
      reconnect: { minMs: 50, maxMs: 200 },
      onFrame: (direction, text) => {
        const { type, part } = JSON.parse(text) as { type: string; part?: unknown };
        frames.push({ direction, bytes: byteLength(text), type, part });
      },
    });
    await agent.ready();
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  const submit = () =>
    as(h.alice, h.hh, () =>
      Download.submit(deps, {
        url: 'https://www.youtube.com/playlist?list=PLhuge',
        target: { sectionKey: SECTION, preset: 'other-videos' },
      }),
    );
  const finalState = (id: string, states: string[]) =>
    waitFor(`${id} to be ${states.join(' or ')}`, async () => {
      const d = await as(h.alice, h.hh, () => Download.get(deps, { id }));
      return states.includes(d.state) ? d : undefined;
    });

  it('over the hourly quota: refused with the reason, no video job', async () => {
    const sub = await submit();
    const failed = await finalState(sub.id, ['failed', 'downloading', 'done']);
    expect(failed).toMatchObject({ state: 'failed', childCount: 0, reason: { code: 'quota' } });
    expect(failed.reason?.message).toMatch(
      /^You can download 30 videos per hour and have used 1 \(this needs 999\)/,
    );
    const videos = await as(h.alice, h.hh, () => Download.list(deps, { kind: 'video', limit: 200 }));
    expect(videos.downloads).toEqual([]);
  }, 90_000);

  it('resolved in parts, every frame within the limit: exactly one video job per entry', async () => {
    await as(h.owner, h.hh, () => setLimits(deps, { videosPerHour: 5000 }));
    const before = frames.length;
    const sub = await submit();
    const parent = await finalState(sub.id, ['downloading', 'done', 'failed']);
    expect(parent).toMatchObject({ state: 'downloading', childCount: SIZE, playlist: 'Alles über Züge' });
    const ids = new Set(parent.children.map((c) => c.id));
    expect(ids.size).toBe(SIZE);
    expect(parent.children.map((c) => c.title)).toEqual(
      Array.from(
        { length: SIZE },
        (_, i) => `Folge ${i} – Reise nach Tōkyō 🚆 und zurück, mit allem was dazugehört`,
      ),
    );
    // The resolution went up in several parts, and nothing on the socket was over the limit.
    const parts = frames.slice(before).filter((f) => f.type === 'job.resolved');
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.part !== undefined)).toBe(true);
    expect(frames.length).toBeGreaterThan(parts.length);
    const largest = Math.max(...frames.map((f) => f.bytes));
    expect(largest).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    // The old single frame would have been far over it.
    expect(parts.reduce((s, p) => s + p.bytes, 0)).toBeGreaterThan(128 * 1024);
    // Done with it: cancelling stops the videos the agent had started.
    await as(h.alice, h.hh, () => Download.cancel(deps, { id: sub.id }));
    await waitFor('the agent to stop its downloads', async () =>
      agent?.running().length === 0 ? true : undefined,
    );
    expect(Math.max(...frames.map((f) => f.bytes))).toBeLessThanOrEqual(MAX_FRAME_BYTES);
  }, 120_000);
});
