/**
 * The download domain through its public operations and the transport-independent hub, with a
 * scripted agent (the real agent over a real socket is tested in packages/agent).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STORES, type TestDeps } from '../actor/testing.ts';
import * as Audit from '../audit/audit.ts';
import { queryAll } from '../port/table.ts';
import * as Agents from './agents.ts';
import * as Download from './download.ts';
import { type AgentSession, closeAgentSession, onAgentMessage, openAgentSession } from './hub.ts';
import { bulkJob, scheduleLeaseSweep } from './jobs.ts';
import type { DownloadItem } from './keys.ts';
import type { AgentMessageInput, JobOffer, ResolvedVideo, ResolveResult, ServerMessage } from './protocol.ts';
import { AgentMessage, encodeFrame, MAX_FRAME_BYTES, resolvedFrames } from './protocol.ts';
import { myQuota, setLimits } from './quota.ts';
import {
  as,
  connectScaleAgent,
  counting,
  downloadAll,
  RecordingRealtime,
  resolvePlaylist,
  type SeededHousehold,
  seedHousehold,
} from './testing.ts';

const target = { sectionKey: '1', preset: 'other-videos' as const };

const video = (id: string, title = `Video ${id}`): ResolvedVideo => ({
  videoId: id,
  extractor: 'youtube',
  url: `https://www.youtube.com/watch?v=${id}`,
  title,
  channel: 'Chan',
  duration: 61,
  uploadDate: '20240102',
  thumbnail: null,
});

describe.each(STORES)('on $name', ({ open, skip }) => {
  let deps: TestDeps & Download.DownloadDeps & { realtime: RecordingRealtime };
  let h: SeededHousehold;
  let opened = false;
  let pokes: string[];

  beforeEach(async (context) => {
    if (skip) context.skip();
    pokes = [];
    deps = Object.assign(await open(), {
      realtime: new RecordingRealtime(),
      notifyAgents: (hh: string) => {
        pokes.push(hh);
      },
    });
    opened = true;
    h = await seedHousehold(deps);
  });
  afterEach(async () => {
    if (opened) await deps.close();
    opened = false;
  });

  /** One agent frame; every frame the server answers with must fit the transport. */
  const send = async (session: AgentSession, msg: AgentMessageInput): Promise<ServerMessage[]> => {
    const out = await onAgentMessage(deps, session, AgentMessage.parse(msg));
    for (const f of out) encodeFrame(f);
    return out;
  };

  async function connectAgent(concurrency = 2, running: AgentMessageInput extends never ? never : [] = []) {
    const { token, agent } = await as(h.owner, h.hh, () => Agents.createAgent(deps, { name: 'NAS' }));
    const session = await openAgentSession(deps, token);
    const frames = await send(session, {
      type: 'hello',
      protocol: 1,
      version: 'test',
      capabilities: { ytDlpVersion: '2023.03.04', ffmpeg: true, concurrency },
      running,
    });
    return { token, agent, session, frames };
  }

  const offers = (frames: ServerMessage[]) => frames.filter((f): f is JobOffer => f.type === 'job.offer');

  it('agent tokens: shown once, stored hashed, revocable; only admins manage them', async () => {
    const { token, agent } = await as(h.owner, h.hh, () =>
      Agents.createAgent(deps, { name: ' Basement NAS ' }),
    );
    expect(agent).toMatchObject({ name: 'Basement NAS', online: false, revoked: false });
    expect(token).toMatch(/^mna_/);
    expect(await Agents.authenticateAgent(deps, token)).toEqual({
      householdId: h.hh,
      agentId: agent.id,
      name: 'Basement NAS',
    });
    const stored = JSON.stringify(await deps.table.get({ pk: `H#${h.hh}`, sk: `AGT#${agent.id}` }));
    expect(stored).not.toContain(token);
    await expect(as(h.alice, h.hh, () => Agents.createAgent(deps, { name: 'x' }))).rejects.toMatchObject({
      kind: 'forbidden',
    });
    await as(h.owner, h.hh, () => Agents.revokeAgent(deps, { agentId: agent.id }));
    await expect(Agents.authenticateAgent(deps, token)).rejects.toMatchObject({ code: 'agent.unauthorized' });
    await expect(Agents.authenticateAgent(deps, 'mna_garbage')).rejects.toMatchObject({
      code: 'agent.unauthorized',
    });
    const actions = (await as(h.owner, h.hh, () => Audit.list(deps, { limit: 10 }))).entries.map(
      (e) => e.action,
    );
    expect(actions).toEqual(['agent.revoked', 'agent.created']);
    const [listed] = await as(h.owner, h.hh, () => Agents.listAgents(deps));
    expect(listed).toMatchObject({ id: agent.id, revoked: true, online: false });
  });

  it('refuses a malformed URL, an unsupported site and a quota overrun with a clear error and no job', async () => {
    await expect(
      as(h.alice, h.hh, () => Download.submit(deps, { url: 'htp:/nonsense', target })),
    ).rejects.toMatchObject({ kind: 'invalid', code: 'download.invalid_url' });
    await expect(
      as(h.alice, h.hh, () => Download.submit(deps, { url: 'https://example.com/watch/123', target })),
    ).rejects.toMatchObject({
      kind: 'invalid',
      code: 'download.unsupported_site',
      message: expect.stringContaining('example.com'),
    });
    await as(h.owner, h.hh, () => setLimits(deps, { videosPerHour: 2 }));
    await as(h.alice, h.hh, () => Download.submit(deps, { url: 'https://youtu.be/aaaaaaaaaaa', target }));
    await as(h.alice, h.hh, () => Download.submit(deps, { url: 'https://youtu.be/bbbbbbbbbbb', target }));
    const over = as(h.alice, h.hh, () =>
      Download.submit(deps, { url: 'https://youtu.be/ccccccccccc', target }),
    );
    await expect(over).rejects.toMatchObject({ kind: 'rate_limited', code: 'download.quota_exceeded' });
    await expect(over).rejects.toThrow(/2 videos per hour and have used 2; try again in \d+ min/);
    const mine = await as(h.alice, h.hh, () => Download.list(deps, {}));
    expect(mine.downloads.map((d) => d.url)).toEqual([
      'https://youtu.be/bbbbbbbbbbb',
      'https://youtu.be/aaaaaaaaaaa',
    ]);
    // Bob's allowance is his own; the hour rolls over.
    await as(h.bob, h.hh, () => Download.submit(deps, { url: 'https://youtu.be/ddddddddddd', target }));
    deps.clock.advance(3_600_000);
    await as(h.alice, h.hh, () => Download.submit(deps, { url: 'https://youtu.be/ccccccccccc', target }));
  });

  it('a playlist: queued while no agent is online, resolved into one job per video, downloaded, done; duplicates reported', async () => {
    const sub = await as(h.alice, h.hh, () =>
      Download.submit(deps, { url: 'https://www.youtube.com/playlist?list=PLx', quality: '720p', target }),
    );
    expect(sub).toMatchObject({ state: 'queued', waitingForAgent: true, kind: 'submission' });
    expect(pokes).toEqual([h.hh]);

    const { session, frames, agent } = await connectAgent(2);
    expect(frames[0]).toMatchObject({ type: 'welcome', householdId: h.hh });
    expect(deps.realtime.messages).toContainEqual({
      topic: { householdId: h.hh },
      message: { type: 'download.agent', data: { agentId: agent.id, name: 'NAS', online: true } },
    });
    const [resolve] = offers(frames);
    expect(resolve).toMatchObject({
      jobId: sub.id,
      kind: 'resolve',
      attempt: 1,
      url: sub.url,
      quality: '720p',
    });
    expect((await as(h.alice, h.hh, () => Download.get(deps, { id: sub.id }))).state).toBe('resolving');

    const after = await send(session, {
      type: 'job.resolved',
      jobId: sub.id,
      attempt: 1,
      result: {
        kind: 'playlist',
        playlist: { id: 'PLx', title: 'Trip <2024>', channel: 'Chan' },
        entries: [video('v1'), video('v2'), video('v3')],
      },
    });
    const downloads = offers(after);
    expect(downloads.map((o) => o.video?.videoId)).toEqual(['v1', 'v2']);
    expect(downloads.every((o) => o.kind === 'download' && o.collection === 'Trip <2024>')).toBe(true);
    const parent = await as(h.alice, h.hh, () => Download.get(deps, { id: sub.id }));
    expect(parent).toMatchObject({ state: 'downloading', childCount: 3, playlist: 'Trip <2024>' });
    expect(parent.children.map((c) => c.state)).toEqual(['downloading', 'downloading', 'queued']);

    const [a, b] = downloads as [JobOffer, JobOffer];
    await send(session, {
      type: 'job.progress',
      jobId: a.jobId,
      attempt: a.attempt,
      percent: 42.5,
      downloadedBytes: 425,
      totalBytes: 1000,
      speed: 100,
      eta: 6,
    });
    const progress = deps.realtime.messages.filter((m) => m.message.type === 'download.progress');
    // To the member and to the owner (admin), each on their own topic in this household.
    expect(progress.map((m) => m.topic)).toEqual(
      expect.arrayContaining([
        { householdId: h.hh, userId: h.alice },
        { householdId: h.hh, userId: h.owner },
      ]),
    );
    expect(progress.some((m) => m.topic && 'userId' in m.topic && m.topic.userId === h.bob)).toBe(false);
    await send(session, { type: 'job.state', jobId: a.jobId, attempt: a.attempt, state: 'post-processing' });
    await send(session, { type: 'job.state', jobId: a.jobId, attempt: a.attempt, state: 'importing' });
    const next = await send(session, {
      type: 'job.done',
      jobId: a.jobId,
      attempt: a.attempt,
      files: [{ path: '/lib/Chan/Video v1 [v1].mp4', bytes: 5000, kind: 'video' }],
    });
    const third = offers(next)[0] as JobOffer;
    expect(third.video?.videoId).toBe('v3');
    await send(session, { type: 'job.done', jobId: b.jobId, attempt: b.attempt, files: [] });
    await send(session, { type: 'job.done', jobId: third.jobId, attempt: third.attempt, files: [] });
    const done = await as(h.alice, h.hh, () => Download.get(deps, { id: sub.id }));
    expect(done).toMatchObject({ state: 'done', percent: 100 });
    expect(done.children.every((c) => c.state === 'done')).toBe(true);
    const quota = await as(h.alice, h.hh, () => import('./quota.ts').then((q) => q.myQuota(deps)));
    expect(quota).toMatchObject({ usedThisHour: 3, usedBytes: 5000 });

    // The same video again (by Bob): reported as a duplicate, no job.
    const again = await as(h.bob, h.hh, () => Download.submit(deps, { url: 'https://youtu.be/v2', target }));
    const [offer] = offers(await send(session, { type: 'heartbeat', running: [] }));
    expect(offer?.jobId).toBe(again.id);
    await send(session, {
      type: 'job.resolved',
      jobId: again.id,
      attempt: 1,
      result: { kind: 'video', playlist: null, entries: [video('v2', 'Video v2')] },
    });
    const dup = await as(h.bob, h.hh, () => Download.get(deps, { id: again.id }));
    expect(dup).toMatchObject({ state: 'failed', childCount: 0, reason: { code: 'duplicate' } });
    expect(dup.reason?.message).toMatch(/Already downloaded or queued in this household: Video v2/);
    expect(dup.duplicates).toEqual([{ videoId: 'v2', title: 'Video v2', existingId: downloads[1]?.jobId }]);
  });

  it('a private video fails the submission with the reason and creates no video job', async () => {
    const sub = await as(h.alice, h.hh, () =>
      Download.submit(deps, { url: 'https://youtu.be/privateAAAA', target }),
    );
    const { session, frames } = await connectAgent();
    const [offer] = offers(frames);
    await send(session, {
      type: 'job.failed',
      jobId: sub.id,
      attempt: (offer as JobOffer).attempt,
      reason: { code: 'private_video', message: 'This video is private' },
    });
    const got = await as(h.alice, h.hh, () => Download.get(deps, { id: sub.id }));
    expect(got).toMatchObject({
      state: 'failed',
      childCount: 0,
      reason: { code: 'private_video', message: 'This video is private' },
    });
    expect(got.children).toEqual([]);
    // Members cannot see each other's downloads; the owner can.
    await expect(as(h.bob, h.hh, () => Download.get(deps, { id: sub.id }))).rejects.toMatchObject({
      kind: 'not_found',
    });
    expect((await as(h.owner, h.hh, () => Download.list(deps, {}))).downloads).toHaveLength(1);
    expect((await as(h.bob, h.hh, () => Download.list(deps, {}))).downloads).toHaveLength(0);
  });

  it('a vanished agent: the lease expires, the job is re-queued, then failed with a reason after maxAttempts', async () => {
    await as(h.owner, h.hh, () => setLimits(deps, { maxAttempts: 2 }));
    const sub = await as(h.alice, h.hh, () =>
      Download.submit(deps, { url: 'https://youtu.be/zzzzzzzzzzz', target }),
    );
    const { session } = await connectAgent(1);
    const enqueued: string[] = [];
    const enqueue = async (type: string) => {
      enqueued.push(type);
      return { id: 'x', deduplicated: false };
    };
    const system = deps as unknown as Parameters<typeof scheduleLeaseSweep>[0];
    expect(await scheduleLeaseSweep(system, deps.clock.now(), enqueue)).toEqual([]);
    // Reports from a stale attempt are ignored after the lease moved on. The agent stays silent
    // past its presence window too (longer than the lease), so it is offline when the sweep runs.
    expect(Agents.PRESENCE_MS).toBeGreaterThan(Download.LEASE_MS);
    deps.clock.advance(Agents.PRESENCE_MS + 1);
    expect(await scheduleLeaseSweep(system, deps.clock.now(), enqueue)).toEqual(['download.sweep_leases']);
    expect(await Download.sweepLeases(deps)).toEqual({ requeued: 1, failed: 0 });
    expect((await as(h.alice, h.hh, () => Download.get(deps, { id: sub.id }))).state).toBe('queued');
    // The live message says so too: the silent agent is offline by now, so the job waits for one.
    const requeued = deps.realtime.messages
      .filter((m) => m.message.type === 'download.updated')
      .map((m) => m.message.data as { id: string; state: string; waitingForAgent: boolean })
      .filter((d) => d.id === sub.id)
      .at(-1);
    expect(requeued).toMatchObject({ state: 'queued', waitingForAgent: true });
    const [retryOffer] = offers(await send(session, { type: 'heartbeat', running: [] }));
    expect(retryOffer).toMatchObject({ jobId: sub.id, attempt: 2 });
    await send(session, {
      type: 'job.resolved',
      jobId: sub.id,
      attempt: 1,
      result: { kind: 'video', playlist: null, entries: [video('zz')] },
    });
    expect((await as(h.alice, h.hh, () => Download.get(deps, { id: sub.id }))).state).toBe('resolving');
    deps.clock.advance(Download.LEASE_MS + 1);
    expect(await Download.sweepLeases(deps)).toEqual({ requeued: 0, failed: 1 });
    const failed = await as(h.alice, h.hh, () => Download.get(deps, { id: sub.id }));
    expect(failed).toMatchObject({ state: 'failed', reason: { code: 'agent_lost' } });
    // Retry puts it back in the queue.
    const retried = await as(h.alice, h.hh, () => Download.retry(deps, { id: sub.id }));
    expect(retried).toMatchObject({ state: 'queued', reason: null });
  });

  it('a reconnecting agent keeps its running jobs; a restarted one gives its forgotten jobs back at once', async () => {
    const sub = await as(h.alice, h.hh, () =>
      Download.submit(deps, { url: 'https://youtu.be/rrrrrrrrrrr', target }),
    );
    const { token, session } = await connectAgent(1);
    const s2 = await openAgentSession(deps, token);
    const resumed = await send(s2, {
      type: 'hello',
      protocol: 1,
      version: 'test',
      capabilities: { ytDlpVersion: null, ffmpeg: false, concurrency: 1 },
      running: [{ jobId: sub.id, attempt: 1, state: 'resolving' }],
    });
    expect(offers(resumed)).toEqual([]);
    expect(resumed.filter((f) => f.type === 'job.revoke' || f.type === 'job.cancel')).toEqual([]);
    expect((await as(h.alice, h.hh, () => Download.get(deps, { id: sub.id }))).attempt).toBe(1);
    // The old connection is superseded: its heartbeat is refused.
    const old = await send(session, { type: 'heartbeat', running: [] });
    expect(old[0]).toMatchObject({ type: 'error', fatal: true });
    // A restart: hello without the job → it is offered again as a new attempt.
    const s3 = await openAgentSession(deps, token);
    const restarted = await send(s3, {
      type: 'hello',
      protocol: 1,
      version: 'test',
      capabilities: { ytDlpVersion: null, ffmpeg: false, concurrency: 1 },
      running: [],
    });
    expect(offers(restarted)).toMatchObject([{ jobId: sub.id, attempt: 2 }]);
  });

  it('a server down longer than a lease: after its restart agents get a lease window to re-announce (the download keeps its attempt); a lease nobody re-announces expires after it', async () => {
    const a = await as(h.alice, h.hh, () =>
      Download.submit(deps, { url: 'https://youtu.be/graceAAAAAA', target }),
    );
    const first = await connectAgent(1);
    expect(offers(first.frames)).toMatchObject([{ jobId: a.id, attempt: 1 }]);
    const b = await as(h.alice, h.hh, () =>
      Download.submit(deps, { url: 'https://youtu.be/graceBBBBBB', target }),
    );
    const second = await connectAgent(1);
    expect(offers(second.frames)).toMatchObject([{ jobId: b.id, attempt: 1 }]);
    // The server is down for longer than a lease and the agents' presence, then starts again.
    deps.clock.advance(Agents.PRESENCE_MS + Download.LEASE_MS);
    await Download.markServerStart(deps);
    // Its first sweeps expire nothing: the agents have not had their chance to reconnect.
    expect(await Download.sweepLeases(deps)).toEqual({ requeued: 0, failed: 0 });
    deps.clock.advance(30_000);
    expect(await Download.sweepLeases(deps)).toEqual({ requeued: 0, failed: 0 });
    // The first agent is back and re-announces its job: it keeps it, as the same attempt.
    const back = await openAgentSession(deps, first.token);
    const resumed = await send(back, {
      type: 'hello',
      protocol: 1,
      version: 'test',
      capabilities: { ytDlpVersion: null, ffmpeg: false, concurrency: 1 },
      running: [{ jobId: a.id, attempt: 1, state: 'resolving' }],
    });
    expect(resumed.filter((f) => f.type === 'job.revoke' || f.type === 'job.cancel')).toEqual([]);
    // The second agent never comes back: once the grace is over its lease expires as usual.
    deps.clock.advance(Download.LEASE_GRACE_MS - 30_000 + 1);
    expect(await Download.sweepLeases(deps)).toEqual({ requeued: 1, failed: 0 });
    const [ra, rb] = await Promise.all(
      [a.id, b.id].map((id) => as(h.alice, h.hh, () => Download.get(deps, { id }))),
    );
    expect(ra).toMatchObject({ state: 'resolving', attempt: 1 });
    expect(rb).toMatchObject({ state: 'queued', attempt: 1 });
  });

  it('cancel: a running job is cancelled and the agent is told to stop; presence drives waitingForAgent', async () => {
    const { session } = await connectAgent(1);
    const sub = await as(h.alice, h.hh, () =>
      Download.submit(deps, { url: 'https://youtu.be/ccccccccccc', target }),
    );
    expect(sub.waitingForAgent).toBe(false);
    const [offer] = offers(await send(session, { type: 'heartbeat', running: [] }));
    expect(offer?.jobId).toBe(sub.id);
    await as(h.alice, h.hh, () => Download.cancel(deps, { id: sub.id }));
    const frames = await send(session, {
      type: 'heartbeat',
      running: [{ jobId: sub.id, attempt: 1, state: 'resolving' }],
    });
    expect(frames).toContainEqual(expect.objectContaining({ type: 'job.cancel', jobId: sub.id }));
    // A late report from the cancelled attempt changes nothing.
    await send(session, {
      type: 'job.failed',
      jobId: sub.id,
      attempt: 1,
      reason: { code: 'x', message: 'late' },
    });
    expect((await as(h.alice, h.hh, () => Download.get(deps, { id: sub.id }))).state).toBe('cancelled');
    await expect(
      as(h.alice, h.hh, () => Download.cancel(deps, { id: 'dl_01JAAAAAAAAAAAAAAAAAAAAAAA' })),
    ).rejects.toMatchObject({
      kind: 'not_found',
    });
    deps.clock.advance(Agents.PRESENCE_MS + 1);
    const later = await as(h.alice, h.hh, () =>
      Download.submit(deps, { url: 'https://youtu.be/eeeeeeeeeee', target }),
    );
    expect(later.waitingForAgent).toBe(true);
    // Back online by a heartbeat; offline (and announced) when the connection closes.
    await send(session, { type: 'heartbeat', running: [] });
    expect((await as(h.alice, h.hh, () => Download.list(deps, { state: 'queued' }))).downloads).toEqual([]);
    await closeAgentSession(deps, session);
    expect(deps.realtime.messages.at(-1)).toMatchObject({
      topic: { householdId: h.hh },
      message: { type: 'download.agent', data: { online: false } },
    });
    expect(await Agents.anyAgentOnline(deps, h.hh)).toBe(false);
  });

  describe('a large resolution in parts', () => {
    const playlistOf = (n: number, prefix = 'p'): ResolveResult => ({
      kind: 'playlist',
      playlist: { id: 'PLbig', title: 'Everything', channel: 'Chan' },
      entries: Array.from({ length: n }, (_, i) =>
        video(`${prefix}${String(i).padStart(4, '0')}`, `Episode ${i} of a long series`),
      ),
    });
    const videoJobs = async () =>
      (await queryAll<DownloadItem>(deps.table, { pk: `H#${h.hh}`, sk: { beginsWith: 'DL#' } })).filter(
        (i) => i.type === 'download' && i.kind === 'video',
      );
    const submitPlaylist = () =>
      as(h.alice, h.hh, () =>
        Download.submit(deps, { url: 'https://www.youtube.com/playlist?list=PLbig', target }),
      );
    /** The resolution as the agent sends it, split to fit the server's frames. */
    const partsOf = (offer: JobOffer, result: ResolveResult) => {
      const { frames } = resolvedFrames({ jobId: offer.jobId, attempt: offer.attempt }, result);
      expect(frames.length).toBeGreaterThan(1);
      return frames;
    };

    it('1,000 videos, parts out of order and one twice: exactly 1,000 video jobs, once each; quota once per video', async () => {
      await as(h.owner, h.hh, () => setLimits(deps, { videosPerHour: 2000 }));
      const sub = await submitPlaylist();
      const { session, frames } = await connectAgent(2);
      const [resolve] = offers(frames) as [JobOffer];
      const result = playlistOf(1000);
      const parts = partsOf(resolve, result);
      // Last first, then the rest backwards, the second part a second time in the middle.
      const order = [...parts].reverse();
      order.splice(3, 0, parts[1] as (typeof parts)[number]);
      const offered: JobOffer[] = [];
      for (const [i, part] of order.entries()) {
        offered.push(...offers(await send(session, part)));
        if (i < order.length - 1) {
          // Still resolving: the videos of the parts in are queued (and offered) already.
          const mid = await as(h.alice, h.hh, () => Download.get(deps, { id: sub.id }));
          expect(mid).toMatchObject({ state: 'resolving', childCount: 0 });
        }
      }
      const parent = await as(h.alice, h.hh, () => Download.get(deps, { id: sub.id }));
      expect(parent).toMatchObject({ state: 'downloading', childCount: 1000, playlist: 'Everything' });
      expect(parent.children.map((c) => c.title)).toEqual(result.entries.map((e) => e.title));
      const jobs = await videoJobs();
      expect(jobs).toHaveLength(1000);
      expect(new Set(jobs.map((j) => j.video?.videoId)).size).toBe(1000);
      expect(jobs.every((j) => j.parentId === sub.id)).toBe(true);
      // Offered while the parts arrived, two at a time (the agent's slots), never twice.
      expect(offered.length).toBe(2);
      expect(new Set(offered.map((o) => o.jobId)).size).toBe(2);
      // The submission's own video plus 999 more, once; a part delivered again changes nothing.
      expect(await as(h.alice, h.hh, () => myQuota(deps))).toMatchObject({ usedThisHour: 1000 });
      await send(session, parts[0] as (typeof parts)[number]);
      expect(await videoJobs()).toHaveLength(1000);
      expect(await as(h.alice, h.hh, () => myQuota(deps))).toMatchObject({ usedThisHour: 1000 });
      // Storage is counted once per finished video, whatever the agent repeats.
      const [a] = offered as [JobOffer];
      const done = {
        type: 'job.done' as const,
        jobId: a.jobId,
        attempt: a.attempt,
        files: [{ path: '/lib/a.mp4', bytes: 7000, kind: 'video' as const }],
      };
      await send(session, done);
      await send(session, done);
      expect(await as(h.alice, h.hh, () => myQuota(deps))).toMatchObject({ usedBytes: 7000 });
      // Nothing of the resolution is left behind but the jobs.
      const receipts = await queryAll(deps.table, { pk: `H#${h.hh}`, sk: { beginsWith: 'DLR#' } });
      expect(receipts).toEqual([]);
    }, 120_000);

    it('a playlist runs on its own counters: table reads per video stay constant (no re-read of every video per change); state and progress come right', async () => {
      // DynamoDB Local is slow at transactions: the same per-video bound, on fewer videos there.
      const n = deps.table.constructor.name === 'DynamoTable' ? 250 : 1000;
      const c = counting(deps.table);
      const cdeps = Object.assign(Object.create(deps) as typeof deps, { table: c.table });
      await as(h.owner, h.hh, () => setLimits(cdeps, { videosPerHour: 10_000 }));
      const { session } = await connectScaleAgent(cdeps, h, 8);
      const { id, offers: first } = await resolvePlaylist(cdeps, h, session, n, 'c');
      c.reset();
      // One video in a hundred fails; the rest are done with 1,000 bytes each.
      const finished = await downloadAll(cdeps, session, first, 1000, (i) => i % 100 === 7);
      expect(finished).toBe(n);
      const failed = Math.ceil((n - 7) / 100);
      // Before the counters: every change re-read all n videos (n/100 batch gets of 100 each).
      expect(c.counts.batchGetItems).toBe(0);
      expect(c.reads() / n).toBeLessThan(30);
      const parent = await as(h.alice, h.hh, () => Download.get(deps, { id }));
      expect(parent).toMatchObject({
        state: 'failed',
        reason: { code: 'partial', message: `${failed} of ${n} videos failed` },
        childCount: n,
      });
      expect(parent.progress).toMatchObject({
        percent: Math.round((1000 * (n - failed)) / n) / 10,
        downloadedBytes: (n - failed) * 1000,
      });
      // What the counters say is what the videos say.
      const item = (await deps.table.get<DownloadItem>({
        pk: `H#${h.hh}`,
        sk: `DL#${id.slice(3)}`,
      })) as DownloadItem;
      expect(Download.countsOf(item)).toEqual(await Download.recount(deps, item));
      // Retry puts the failed ones back; done once they are.
      await as(h.alice, h.hh, () => Download.retry(deps, { id }));
      expect((await as(h.alice, h.hh, () => Download.get(deps, { id }))).state).toBe('queued');
      expect(await downloadAll(cdeps, session, [])).toBe(failed);
      const after = await as(h.alice, h.hh, () => Download.get(deps, { id }));
      expect(after).toMatchObject({
        state: 'done',
        percent: 100,
        progress: { percent: 100, downloadedBytes: n * 1000 },
      });
    }, 240_000);

    it('cancelling a big playlist answers at once: marked cancelled, running videos stopped, the rest in batches by a queue job (one message each), resumed by the sweep when its job is lost; retry likewise', async () => {
      const n = deps.table.constructor.name === 'DynamoTable' ? 250 : 1000;
      const sent: { body: { type: string; data: { householdId: string; parentId: string } } }[] = [];
      const queue = {
        async send(_q: string, body: unknown) {
          sent.push({ body: body as (typeof sent)[number]['body'] });
          return { id: String(sent.length), deduplicated: false };
        },
        depth: async () => sent.length,
        deadLetterDepth: async () => 0,
        redrive: async () => 0,
      };
      const c = counting(deps.table);
      const qdeps = Object.assign(Object.create(deps) as typeof deps, { table: c.table, queue });
      await as(h.owner, h.hh, () => setLimits(qdeps, { videosPerHour: 10_000 }));
      const { session } = await connectScaleAgent(qdeps, h, 8);
      const { id, offers: running } = await resolvePlaylist(qdeps, h, session, n, 'k');
      expect(running).toHaveLength(8);
      const get = () => as(h.alice, h.hh, () => Download.get(deps, { id }));
      const before = deps.realtime.messages.length;
      c.reset();
      const answer = await as(h.alice, h.hh, () => Download.cancel(qdeps, { id }));
      expect(answer.state).toBe('cancelled');
      // The request: the running videos and the marker, a batch read of the videos, no per-video work.
      expect(c.counts.writes).toBeLessThan(30);
      expect(deps.realtime.messages.length - before).toBeLessThanOrEqual(2 * (8 + 1));
      expect(sent.map((m) => m.body)).toEqual([
        { type: Download.BULK_JOB, data: { householdId: h.hh, parentId: id } },
      ]);
      const mid = await get();
      const runningIds = new Set(running.map((o) => o.jobId));
      expect(mid.children.filter((x) => runningIds.has(x.id)).every((x) => x.state === 'cancelled')).toBe(
        true,
      );
      expect(mid.children.filter((x) => x.state === 'queued').length).toBeGreaterThan(n / 2);
      // The agent is told to stop its videos, and offered none of the queued ones.
      const frames = await onAgentMessage(
        qdeps,
        session,
        AgentMessage.parse({
          type: 'heartbeat',
          running: running.map((o) => ({ jobId: o.jobId, attempt: o.attempt, state: 'downloading' })),
        }),
      );
      expect(frames.filter((f) => f.type === 'job.cancel')).toHaveLength(8);
      expect(offers(frames)).toEqual([]);
      // The job's message is lost: once its lease runs out the sweep hands it to the queue again.
      deps.clock.advance(Download.LEASE_MS + 1);
      expect(await Download.sweepLeases(qdeps)).toEqual({ requeued: 0, failed: 0 });
      expect(sent).toHaveLength(2);
      const beforeJob = deps.realtime.messages.length;
      const logger = { debug() {}, info() {}, warn() {}, error() {} };
      const system = qdeps as unknown as Parameters<typeof bulkJob.handle>[0];
      const context = { logger } as unknown as Parameters<typeof bulkJob.handle>[2];
      // Each run does a few batches, then hands over to a next message.
      for (let i = 2; i < sent.length + 1 && i < 50; i++) {
        await bulkJob.handle(system, (sent[i - 1] as (typeof sent)[number]).body.data, context);
      }
      const batches = Math.ceil(n / Download.BULK_BATCH);
      const after = await get();
      expect(after.state).toBe('cancelled');
      expect(after.children.filter((x) => x.state !== 'cancelled')).toEqual([]);
      // One message per batch (to the member and the admin), not one per video.
      const parentMessages = deps.realtime.messages.slice(beforeJob);
      expect(parentMessages.length).toBeLessThanOrEqual(2 * (batches + 1));
      expect(parentMessages.every((m) => (m.message.data as { id: string }).id === id)).toBe(true);
      const item = (await deps.table.get<DownloadItem>({
        pk: `H#${h.hh}`,
        sk: `DL#${id.slice(3)}`,
      })) as DownloadItem;
      expect(Download.countsOf(item)?.byState.cancelled).toBe(n);
      expect(item.bulkAt).toBeUndefined();
      expect(await Download.sweepLeases(qdeps)).toEqual({ requeued: 0, failed: 0 });
      // Retry: queued again in batches, then every video is done.
      sent.length = 0;
      expect((await as(h.alice, h.hh, () => Download.retry(qdeps, { id }))).state).toBe('queued');
      expect(sent).toHaveLength(1);
      expect(await Download.drainBulk(qdeps, h.hh, id)).toBe(batches);
      expect(await downloadAll(qdeps, session, [])).toBe(n);
      expect(await get()).toMatchObject({ state: 'done', percent: 100 });
    }, 240_000);

    it('over the hourly quota: the first part in refuses the whole playlist with the reason, and no video job', async () => {
      const sub = await submitPlaylist();
      const { session, frames } = await connectAgent(2);
      const [resolve] = offers(frames) as [JobOffer];
      const parts = partsOf(resolve, playlistOf(200));
      for (const part of [...parts].reverse()) await send(session, part);
      const failed = await as(h.alice, h.hh, () => Download.get(deps, { id: sub.id }));
      expect(failed).toMatchObject({ state: 'failed', childCount: 0, reason: { code: 'quota' } });
      expect(failed.reason?.message).toMatch(
        /^You can download 30 videos per hour and have used 1 \(this needs 199\); try again in \d+ min$/,
      );
      expect(await videoJobs()).toEqual([]);
      expect(await as(h.alice, h.hh, () => myQuota(deps))).toMatchObject({ usedThisHour: 1 });
    });

    it('duplicates in a later part are reported and given back to the quota', async () => {
      await as(h.owner, h.hh, () => setLimits(deps, { videosPerHour: 1000 }));
      const result = playlistOf(300);
      const { session } = await connectAgent(8);
      // Bob already has five of the playlist's videos.
      const bobs = await as(h.bob, h.hh, () =>
        Download.submit(deps, { url: 'https://www.youtube.com/playlist?list=PLfive', target }),
      );
      const [bobsOffer] = offers(await send(session, { type: 'heartbeat', running: [] })) as [JobOffer];
      expect(bobsOffer.jobId).toBe(bobs.id);
      const running = offers(
        await send(session, {
          type: 'job.resolved',
          jobId: bobs.id,
          attempt: bobsOffer.attempt,
          result: { ...result, entries: result.entries.slice(250, 255) },
        }),
      ).map((o) => ({ jobId: o.jobId, attempt: o.attempt, state: 'downloading' as const }));
      expect(running).toHaveLength(5);
      const sub = await submitPlaylist();
      const [resolve] = offers(await send(session, { type: 'heartbeat', running })) as [JobOffer];
      expect(resolve.jobId).toBe(sub.id);
      for (const part of partsOf(resolve, result)) await send(session, part);
      const parent = await as(h.alice, h.hh, () => Download.get(deps, { id: sub.id }));
      expect(parent).toMatchObject({ state: 'downloading', childCount: 295 });
      expect(parent.duplicates.map((d) => d.videoId)).toEqual(
        result.entries.slice(250, 255).map((e) => e.videoId),
      );
      expect(await as(h.alice, h.hh, () => myQuota(deps))).toMatchObject({ usedThisHour: 295 });
    }, 60_000);

    it('cancelled while its parts arrive: the videos already queued are cancelled, later parts make none', async () => {
      await as(h.owner, h.hh, () => setLimits(deps, { videosPerHour: 1000 }));
      const sub = await submitPlaylist();
      const { session, frames } = await connectAgent(1);
      const [resolve] = offers(frames) as [JobOffer];
      const [first, ...rest] = partsOf(resolve, playlistOf(250));
      await send(session, first as NonNullable<typeof first>);
      expect((await videoJobs()).length).toBe(first?.result.entries.length);
      await as(h.alice, h.hh, () => Download.cancel(deps, { id: sub.id }));
      for (const part of rest) await send(session, part);
      const jobs = await videoJobs();
      expect(jobs.length).toBe(first?.result.entries.length);
      expect(jobs.every((j) => j.state === 'cancelled')).toBe(true);
      expect((await as(h.alice, h.hh, () => Download.get(deps, { id: sub.id }))).state).toBe('cancelled');
    }, 60_000);

    it('the agent vanishes halfway: the next attempt takes over the videos already queued, none twice; stale parts are ignored', async () => {
      await as(h.owner, h.hh, () => setLimits(deps, { videosPerHour: 1000 }));
      const sub = await submitPlaylist();
      const { session, frames } = await connectAgent(1);
      const [resolve] = offers(frames) as [JobOffer];
      const result = playlistOf(250);
      const [first, ...rest] = partsOf(resolve, result);
      await send(session, first as NonNullable<typeof first>);
      const before = (await videoJobs()).map((j) => j.id).sort();
      deps.clock.advance(Agents.PRESENCE_MS + 1);
      // The submission and the video the agent had started go back to the queue.
      expect(await Download.sweepLeases(deps)).toEqual({ requeued: 2, failed: 0 });
      const retry = offers(await send(session, { type: 'heartbeat', running: [] })).find(
        (o) => o.jobId === sub.id,
      );
      expect(retry).toMatchObject({ attempt: 2 });
      // The first attempt's remaining parts arrive late: ignored.
      for (const part of rest) await send(session, part);
      expect((await videoJobs()).length).toBe(before.length);
      for (const part of partsOf(retry as JobOffer, result).reverse()) await send(session, part);
      const parent = await as(h.alice, h.hh, () => Download.get(deps, { id: sub.id }));
      expect(parent).toMatchObject({ state: 'downloading', childCount: 250 });
      const jobs = await videoJobs();
      expect(jobs).toHaveLength(250);
      expect(
        jobs
          .map((j) => j.id)
          .filter((id) => before.includes(id))
          .sort(),
      ).toEqual(before);
      expect(await as(h.alice, h.hh, () => myQuota(deps))).toMatchObject({ usedThisHour: 250 });
    }, 60_000);

    it('a job offer over the frame limit is never sent: the download fails with a reason', async () => {
      Object.assign(deps, {
        plexFor: async () => ({ baseUrl: 'http://plex.local:32400', token: 't'.repeat(MAX_FRAME_BYTES) }),
      });
      const sub = await as(h.alice, h.hh, () =>
        Download.submit(deps, { url: 'https://youtu.be/bigbigbigbi', target }),
      );
      const { frames } = await connectAgent(1);
      expect(offers(frames)).toEqual([]);
      const failed = await as(h.alice, h.hh, () => Download.get(deps, { id: sub.id }));
      expect(failed).toMatchObject({ state: 'failed', reason: { code: 'too_large' } });
    });
  });
});
