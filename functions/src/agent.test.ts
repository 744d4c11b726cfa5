/**
 * The household agents' WebSocket handlers (agent-connect / agent-default / agent-disconnect), the
 * dispatch job in the worker and the lease sweep from the tick, on a real table — SQLite, and
 * DynamoDB Local — with API Gateway WebSocket event fixtures. Only the API Gateway management API
 * is replaced, by aws-sdk-client-mock; every frame it was asked to post is asserted.
 */
import { GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import * as Agents from '@medianest/core/download/agents';
import * as Download from '@medianest/core/download/download';
import { LEASE_MS } from '@medianest/core/download/download';
import {
  byteLength,
  MAX_FRAME_BYTES,
  type ResolveResult,
  resolvedFrames,
} from '@medianest/core/download/protocol';
import { setLimits } from '@medianest/core/download/quota';
import { LOCK_MS, remoteHubDeps, remoteKeys } from '@medianest/core/download/remote';
import { as } from '@medianest/core/download/testing';
import { FakeClock } from '@medianest/core/port/clock';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { MAX_AGENT_FRAME_BYTES } from './agent-default.ts';
import { type AgentFixture, agentFixture } from './testing/agents.ts';
import {
  AGENT_ENDPOINT,
  agentConnectEvent,
  agentDisconnectEvent,
  agentMessageEvent,
  lambdaContext,
  scheduledEvent,
} from './testing/events.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

const dynamoEndpoint = inject('dynamoEndpoint');

const hello = (concurrency = 1, running: { jobId: string; attempt: number; state: string }[] = []) =>
  JSON.stringify({
    type: 'hello',
    protocol: 1,
    version: '0.1.0',
    capabilities: { ytDlpVersion: '2023.03.04', ffmpeg: true, concurrency },
    running,
  });
const heartbeat = (running: { jobId: string; attempt: number; state: string }[] = []) =>
  JSON.stringify({ type: 'heartbeat', running });

const STORES = [
  { name: 'SQLite table', store: 'sqlite' as const, skip: false },
  // Skipped only when the run opted out of DynamoDB Local (MEDIANEST_SKIP_DYNAMODB=1).
  { name: 'DynamoDB Local', store: 'dynamodb' as const, skip: dynamoEndpoint === '' },
];

describe.each(STORES)('agent WebSocket handlers on the $name', ({ store, skip }) => {
  let f: AgentFixture;
  let clock: FakeClock;

  beforeEach(async (ctx) => {
    if (skip) ctx.skip();
    // The real time as the start: DynamoDB Local deletes items whose ttl is in the real past.
    clock = new FakeClock(Date.now());
    f = await agentFixture({ store, dynamoEndpoint, clock });
  });
  afterEach(async () => {
    await f?.close();
  });

  const bearer = () => ({ Authorization: `Bearer ${f.token}` });
  const submit = (url = 'https://www.youtube.com/watch?v=dQw4w9WgXcQ') =>
    as(f.household.alice, f.household.hh, () =>
      Download.submit(remoteHubDeps(f.system), { url, target: { sectionKey: '3', preset: 'other-videos' } }),
    );
  const agentItem = () =>
    f.table.get({
      pk: `H#${f.household.hh}`,
      sk: `AGT#${f.agentId}`,
    });
  const types = (connectionId: string) => f.framesTo(connectionId).map((m) => m.type);

  describe('$connect', () => {
    it('stores the session of a valid Bearer token under the connection id, with a TTL', async () => {
      // act
      const res = await f.connect(agentConnectEvent('AgC0nn1=', bearer()), lambdaContext('agent-connect'));
      // assert
      expect(res).toEqual({ statusCode: 200 });
      const session = await f.table.get(remoteKeys.session('AgC0nn1='));
      expect(session).toMatchObject({
        householdId: f.household.hh,
        agentId: f.agentId,
        endpoint: AGENT_ENDPOINT,
        ready: false,
        running: {},
        ttl: Math.floor(clock.now() / 1000) + 2 * 60 * 60 + 5 * 60,
      });
      expect(await f.table.get(remoteKeys.connection(f.household.hh, 'AgC0nn1='))).toMatchObject({
        connectionId: 'AgC0nn1=',
      });
      // Nothing is posted before the agent speaks; presence waits for its hello.
      expect(f.calls).toEqual([]);
      expect((await agentItem())?.onlineUntil).toBeNull();
    });

    it('refuses a missing, unknown, non-Bearer or revoked token with 401 and stores nothing', async () => {
      const refused = async (id: string, headers: Record<string, string>) =>
        (await f.connect(agentConnectEvent(id, headers))).statusCode;
      expect(await refused('none=', {})).toBe(401);
      expect(await refused('unknown=', { Authorization: 'Bearer mna_not-a-real-token' })).toBe(401);
      expect(await refused('basic=', { Authorization: 'Basic dXNlcjpwYXNz' })).toBe(401);
      // A lower-case header name (what the agent's `ws` client sends) is the same header.
      expect(await refused('lower=', { authorization: `Bearer ${f.token}` })).toBe(200);
      await as(f.household.owner, f.household.hh, () => Agents.revokeAgent(f.system, { agentId: f.agentId }));
      expect(await refused('revoked=', bearer())).toBe(401);
      for (const id of ['none=', 'unknown=', 'basic=', 'revoked=']) {
        expect(await f.table.get(remoteKeys.session(id))).toBeUndefined();
      }
    });
  });

  describe('$default', () => {
    it('hello: welcome and the queued work, through the management API of the agents’ API', async () => {
      // arrange
      const queued = await submit();
      await f.connect(agentConnectEvent('hello=', bearer()));
      // act
      const res = await f.message(agentMessageEvent('hello=', hello()), lambdaContext('agent-default'));
      // assert
      expect(res).toEqual({ statusCode: 200 });
      const frames = f.framesTo('hello=');
      expect(frames).toEqual([
        {
          type: 'welcome',
          protocol: 1,
          agentId: f.agentId,
          householdId: f.household.hh,
          heartbeatMs: 20_000,
          leaseMs: LEASE_MS,
          maxFrameBytes: MAX_FRAME_BYTES,
        },
        expect.objectContaining({ type: 'job.offer', jobId: queued.id, attempt: 1, kind: 'resolve' }),
      ]);
      expect(f.calls.filter((c) => c.connectionId === 'hello=').map((c) => c.endpoint)).toEqual([
        AGENT_ENDPOINT,
        AGENT_ENDPOINT,
      ]);
      expect(await agentItem()).toMatchObject({ sessionId: 'hello=', onlineUntil: expect.any(Number) });
      expect(await f.table.get(remoteKeys.session('hello='))).toMatchObject({
        ready: true,
        running: { [queued.id]: 1 },
        lockId: null,
      });
      const detail = await as(f.household.alice, f.household.hh, () =>
        Download.get(f.system, { id: queued.id }),
      );
      expect(detail).toMatchObject({ state: 'resolving', waitingForAgent: false });
    });

    it('two frames of one connection at once are handled one after the other (one offer for one free slot)', async () => {
      // arrange: an agent with one slot running nothing, two queued jobs, nothing offered yet
      await f.connect(agentConnectEvent('race=', bearer()));
      await f.message(agentMessageEvent('race=', hello(1)));
      const [a, b] = [
        await submit('https://youtu.be/aaaaaaaaaaa'),
        await submit('https://youtu.be/bbbbbbbbbbb'),
      ];
      // act: two frames that each free a slot (stopped jobs the server no longer knows) land in two
      // Lambdas at the same moment; handled side by side, each would fill the one free slot
      const stopped = (id: string) =>
        f.message(
          agentMessageEvent('race=', JSON.stringify({ type: 'job.cancelled', jobId: id, attempt: 1 })),
        );
      await Promise.all([stopped('dl_01JD0000000000000000000001'), stopped('dl_01JD0000000000000000000002')]);
      // assert
      const offers = f.framesTo('race=').filter((m) => m.type === 'job.offer');
      expect(offers).toHaveLength(1);
      const offered = offers[0]?.type === 'job.offer' ? offers[0].jobId : '';
      expect([a.id, b.id]).toContain(offered);
      const session = await f.table.get(remoteKeys.session('race='));
      expect(session?.running).toEqual({ [offered]: 1 });
    });

    it('a session lock left behind by a crashed invocation is taken over once it has run out', async () => {
      await f.connect(agentConnectEvent('crash=', bearer()));
      await f.message(agentMessageEvent('crash=', hello()));
      // An invocation took the lock and died (Lambda timeout) without releasing it.
      await f.table.update(remoteKeys.session('crash='), {
        set: { lockId: 'dead-invocation', lockUntil: clock.now() + LOCK_MS },
      });
      clock.advance(LOCK_MS);
      await f.message(agentMessageEvent('crash=', heartbeat()));
      expect(types('crash=')).toEqual(['welcome', 'heartbeat.ack']);
      expect(await f.table.get(remoteKeys.session('crash='))).toMatchObject({ lockId: null });
    });

    it('resolved → the video is offered in the same reply; progress and done move it to done', async () => {
      await f.connect(agentConnectEvent('work=', bearer()));
      await f.message(agentMessageEvent('work=', hello(1)));
      const sub = await submit('https://media.example.org/clip.mp4');
      await f.message(agentMessageEvent('work=', heartbeat()));
      expect(f.framesTo('work=').at(-1)).toMatchObject({ type: 'job.offer', jobId: sub.id, kind: 'resolve' });
      const send = (msg: Record<string, unknown>) =>
        f.message(agentMessageEvent('work=', JSON.stringify(msg)));
      await send({ type: 'job.accept', jobId: sub.id, attempt: 1 });
      await send({
        type: 'job.resolved',
        jobId: sub.id,
        attempt: 1,
        result: {
          kind: 'video',
          playlist: null,
          entries: [
            {
              videoId: 'clip',
              extractor: 'generic',
              url: 'https://media.example.org/clip.mp4',
              title: 'clip',
              channel: null,
              duration: 3,
              uploadDate: null,
              thumbnail: null,
            },
          ],
        },
      });
      const video = f.framesTo('work=').at(-1);
      expect(video).toMatchObject({
        type: 'job.offer',
        kind: 'download',
        attempt: 1,
        video: { videoId: 'clip' },
      });
      if (video?.type !== 'job.offer') throw new Error('no video offer');
      await send({ type: 'job.accept', jobId: video.jobId, attempt: 1 });
      await send({
        type: 'job.progress',
        jobId: video.jobId,
        attempt: 1,
        percent: 50,
        downloadedBytes: 500,
        totalBytes: 1000,
        speed: 100,
        eta: 5,
      });
      const mid = await as(f.household.alice, f.household.hh, () => Download.get(f.system, { id: sub.id }));
      expect(mid.children[0]).toMatchObject({
        state: 'downloading',
        progress: { percent: 50, downloadedBytes: 500 },
      });
      await send({ type: 'job.state', jobId: video.jobId, attempt: 1, state: 'importing' });
      await send({
        type: 'job.done',
        jobId: video.jobId,
        attempt: 1,
        files: [{ path: '/srv/media/Unknown/clip [clip].mp4', bytes: 1000, kind: 'video' }],
      });
      const done = await as(f.household.alice, f.household.hh, () => Download.get(f.system, { id: sub.id }));
      expect(done).toMatchObject({ state: 'done', percent: 100 });
      // accept/progress/state/done need no answer.
      expect(types('work=')).toEqual(['welcome', 'heartbeat.ack', 'job.offer', 'job.offer']);
      const session = await f.table.get(remoteKeys.session('work='));
      expect(session?.running).toEqual({});
    });

    it('answers an unreadable frame with a non-fatal error and keeps the connection', async () => {
      await f.connect(agentConnectEvent('noise=', bearer()));
      for (const body of ['not json', '{"type":"launch"}', '']) {
        expect(await f.message(agentMessageEvent('noise=', body))).toEqual({ statusCode: 200 });
      }
      await f.message(agentMessageEvent('noise=', Buffer.from(hello()).toString('base64'), { binary: true }));
      await f.message(
        agentMessageEvent('noise=', `{"type":"heartbeat","pad":"${'x'.repeat(MAX_AGENT_FRAME_BYTES)}"}`),
      );
      expect(f.framesTo('noise=')).toEqual(
        Array.from({ length: 5 }, () => ({
          type: 'error',
          code: 'agent.bad_frame',
          message: 'Unreadable or unknown message',
          fatal: false,
        })),
      );
      expect(f.calls.filter((c) => c.op === 'delete')).toEqual([]);
    });

    it('a frame before hello, and a frame of a revoked agent, get a fatal error and the socket is closed', async () => {
      await f.connect(agentConnectEvent('early=', bearer()));
      await f.message(agentMessageEvent('early=', heartbeat()));
      expect(f.framesTo('early=')).toEqual([
        { type: 'error', code: 'agent.hello_first', message: 'Send hello first', fatal: true },
      ]);
      expect(f.calls.at(-1)).toEqual({ op: 'delete', endpoint: AGENT_ENDPOINT, connectionId: 'early=' });

      await f.connect(agentConnectEvent('revoked=', bearer()));
      await f.message(agentMessageEvent('revoked=', hello()));
      await as(f.household.owner, f.household.hh, () => Agents.revokeAgent(f.system, { agentId: f.agentId }));
      await f.message(agentMessageEvent('revoked=', heartbeat()));
      expect(f.framesTo('revoked=').at(-1)).toMatchObject({ type: 'error', fatal: true });
      expect(f.calls.at(-1)).toEqual({ op: 'delete', endpoint: AGENT_ENDPOINT, connectionId: 'revoked=' });
    });

    it('a frame on a connection without a session (expired, or never stored) is told to reconnect', async () => {
      await f.message(agentMessageEvent('stranger=', hello()));
      expect(f.framesTo('stranger=')).toEqual([
        {
          type: 'error',
          code: 'agent.no_session',
          message: 'This connection has no agent session: reconnect',
          fatal: true,
        },
      ]);
      expect(f.calls.at(-1)).toMatchObject({ op: 'delete', connectionId: 'stranger=' });
    });
    it('a 1,000-video playlist resolved in parts (out of order, one twice, two at once): 1,000 video jobs, every posted frame within the limit', async () => {
      await as(f.household.owner, f.household.hh, () => setLimits(f.system, { videosPerHour: 5000 }));
      await f.connect(agentConnectEvent('big=', bearer()));
      await f.message(agentMessageEvent('big=', hello(2)));
      const sub = await submit('https://www.youtube.com/playlist?list=PLhuge');
      await f.message(agentMessageEvent('big=', heartbeat()));
      const resolve = f.framesTo('big=').at(-1);
      expect(resolve).toMatchObject({ type: 'job.offer', jobId: sub.id, kind: 'resolve' });
      const result: ResolveResult = {
        kind: 'playlist',
        playlist: { id: 'PLhuge', title: 'Alles über Züge', channel: 'Long Channel' },
        entries: Array.from({ length: 1000 }, (_, i) => {
          const id = `big${String(i).padStart(8, '0')}`;
          return {
            videoId: id,
            extractor: 'youtube',
            url: `https://www.youtube.com/watch?v=${id}`,
            title: `Folge ${i} – Reise nach Tōkyō 🚆 und zurück`,
            channel: 'Long Channel',
            duration: 600,
            uploadDate: '20240105',
            thumbnail: `https://i.ytimg.com/vi/${id}/hqdefault.jpg`,
          };
        }),
      };
      // What the agent sends (it learnt the limit from the welcome), in an order API Gateway may
      // deliver: backwards, the first part again, and two parts invoked at the same moment.
      const welcome = f.framesTo('big=')[0];
      expect(welcome).toMatchObject({ type: 'welcome', maxFrameBytes: MAX_FRAME_BYTES });
      const { frames } = resolvedFrames({ jobId: sub.id, attempt: 1 }, result, MAX_FRAME_BYTES);
      const bodies = frames.map((m) => JSON.stringify(m));
      expect(bodies.length).toBeGreaterThan(3);
      expect(Math.max(...bodies.map(byteLength))).toBeLessThanOrEqual(MAX_FRAME_BYTES);
      const [first, second, ...rest] = [...bodies].reverse();
      await Promise.all([first, second].map((b) => f.message(agentMessageEvent('big=', b as string))));
      for (const b of [...rest, bodies[0] as string]) await f.message(agentMessageEvent('big=', b));
      const detail = await as(f.household.alice, f.household.hh, () =>
        Download.get(f.system, { id: sub.id }),
      );
      expect(detail).toMatchObject({ state: 'downloading', childCount: 1000 });
      expect(new Set(detail.children.map((c) => c.id)).size).toBe(1000);
      expect(detail.children.map((c) => c.title)).toEqual(result.entries.map((e) => e.title));
      // Every frame posted to the agent fits API Gateway's frame limit.
      const posted = f.calls.filter((c) => c.op === 'post' && c.connectionId === 'big=');
      for (const c of posted)
        expect(byteLength(JSON.stringify(c.frame))).toBeLessThanOrEqual(MAX_FRAME_BYTES);
      // Its two slots got two videos, each once; the session says so.
      const offers = f.framesTo('big=').filter((m) => m.type === 'job.offer' && m.kind === 'download');
      expect(offers).toHaveLength(2);
      const session = await f.table.get(remoteKeys.session('big='));
      expect(Object.keys(session?.running ?? {}).sort()).toEqual(
        offers.map((o) => (o.type === 'job.offer' ? o.jobId : '')).sort(),
      );
      expect(session).toMatchObject({ lockId: null });
    }, 120_000);

    it('a frame over API Gateway’s message limit (in bytes, not characters) is not read', async () => {
      await f.connect(agentConnectEvent('wide=', bearer()));
      // Under 128 K characters, over 128 KB.
      const body = `{"type":"heartbeat","running":[],"pad":"${'€'.repeat(50_000)}"}`;
      expect(body.length).toBeLessThan(MAX_AGENT_FRAME_BYTES);
      await f.message(agentMessageEvent('wide=', body));
      expect(f.framesTo('wide=')).toEqual([
        { type: 'error', code: 'agent.bad_frame', message: 'Unreadable or unknown message', fatal: false },
      ]);
    });
  });

  describe('$disconnect', () => {
    it('deletes the session and marks the agent offline; a late disconnect of an older connection does not', async () => {
      // arrange: the agent reconnects (new connection) before the old one's $disconnect arrives
      await f.connect(agentConnectEvent('old=', bearer()));
      await f.message(agentMessageEvent('old=', hello()));
      await f.connect(agentConnectEvent('new=', bearer()));
      await f.message(agentMessageEvent('new=', hello()));
      // act
      const late = await f.disconnect(agentDisconnectEvent('old=', 1006), lambdaContext('agent-disconnect'));
      // assert
      expect(late).toEqual({ statusCode: 200 });
      expect(await f.table.get(remoteKeys.session('old='))).toBeUndefined();
      expect(await agentItem()).toMatchObject({ sessionId: 'new=', onlineUntil: expect.any(Number) });
      await f.disconnect(agentDisconnectEvent('new=', 1000, 'agent stopping'));
      expect(await agentItem()).toMatchObject({ sessionId: null, onlineUntil: null });
      expect(await f.table.get(remoteKeys.connection(f.household.hh, 'new='))).toBeUndefined();
      expect(await f.disconnect(agentDisconnectEvent('never-connected='))).toEqual({ statusCode: 200 });
    });
  });

  describe('dispatch (worker) and lease sweep (tick)', () => {
    it('a member’s submit and cancel reach the connected agent through one de-duplicated dispatch job', async () => {
      // arrange
      await f.connect(agentConnectEvent('disp=', bearer()));
      await f.message(agentMessageEvent('disp=', hello(2)));
      const before = f.framesTo('disp=').length;
      // act: two submissions in the same second
      const a = await submit('https://youtu.be/aaaaaaaaaaa');
      const b = await submit('https://youtu.be/bbbbbbbbbbb');
      // assert: one job, due after a second
      expect(await f.local.system.queue.depth('jobs')).toBe(1);
      expect(await f.runQueue()).toBe(0);
      clock.advance(1_000);
      expect(await f.runQueue()).toBe(1);
      const offered = f.framesTo('disp=').slice(before);
      expect(offered.map((m) => (m.type === 'job.offer' ? m.jobId : m.type))).toEqual([a.id, b.id]);

      // act: a member cancels a job the agent runs
      clock.advance(1_000);
      await as(f.household.alice, f.household.hh, () =>
        Download.cancel(remoteHubDeps(f.system), { id: a.id }),
      );
      clock.advance(1_000);
      expect(await f.runQueue()).toBe(1);
      // assert
      expect(f.framesTo('disp=').at(-1)).toEqual({
        type: 'job.cancel',
        jobId: a.id,
        attempt: 1,
        reason: { code: 'cancelled', message: 'Cancelled' },
      });
      const session = await f.table.get(remoteKeys.session('disp='));
      expect(session?.running).toEqual({ [b.id]: 1 });
    });

    it('no dispatch job while no agent of the household is connected', async () => {
      await submit();
      expect(await f.local.system.queue.depth('jobs')).toBe(0);
    });

    it('a connection the management API reports gone is closed during dispatch: the agent goes offline', async () => {
      await f.connect(agentConnectEvent('vanished=', bearer()));
      await f.message(agentMessageEvent('vanished=', hello()));
      f.management
        .on(PostToConnectionCommand)
        .rejects(new GoneException({ message: 'Gone', $metadata: { httpStatusCode: 410 } }));
      await submit();
      clock.advance(1_000);
      expect(await f.runQueue()).toBe(1);
      expect(await f.table.get(remoteKeys.session('vanished='))).toBeUndefined();
      expect(await agentItem()).toMatchObject({ onlineUntil: null });
    });

    it('the tick sweeps the expired lease of an agent that vanished; the job is offered to the one still connected', async () => {
      // arrange: agent A takes the job and its connection drops; agent B (another token) is connected
      const other = await as(f.household.owner, f.household.hh, () =>
        Agents.createAgent(f.system, { name: 'Spare laptop' }),
      );
      await f.connect(agentConnectEvent('lost=', bearer()));
      await f.message(agentMessageEvent('lost=', hello(1)));
      const job = await submit();
      clock.advance(1_000);
      await f.runQueue();
      expect(f.framesTo('lost=').at(-1)).toMatchObject({ type: 'job.offer', jobId: job.id, attempt: 1 });
      await f.disconnect(agentDisconnectEvent('lost=', 1006));
      await f.connect(agentConnectEvent('spare=', { Authorization: `Bearer ${other.token}` }));
      await f.message(agentMessageEvent('spare=', hello(1)));
      // Still leased to A: nothing for B yet.
      expect(types('spare=')).toEqual(['welcome']);
      // act: the lease runs out; the tick enqueues the sweep, which requeues and asks for a dispatch
      clock.advance(LEASE_MS + 1_000);
      const tick = await f.tick(scheduledEvent(new Date(clock.now()).toISOString(), 'tick-1'));
      expect(tick.enqueued).toContain('download.sweep_leases');
      for (let i = 0; i < 5; i++) {
        await f.runQueue();
        clock.advance(1_000);
      }
      // assert
      expect(f.framesTo('spare=').at(-1)).toMatchObject({ type: 'job.offer', jobId: job.id, attempt: 2 });
    });
  });
});
