/**
 * Test support for the download domain: a household with an owner and members seeded straight
 * into the table (the household module's own tests cover how memberships come to be), and a
 * recording Realtime.
 */

import { withActor } from '../actor/context.ts';
import type { DomainDeps } from '../actor/deps.ts';
import { newId } from '../actor/id.ts';
import { memberItem } from '../household/keys.ts';
import type { Role } from '../household/permissions.ts';
import type { Realtime, RealtimeMessage, Topic } from '../port/realtime.ts';
import type { Table } from '../port/table.ts';
import { createAgent } from './agents.ts';
import { submit } from './download.ts';
import { type AgentSession, type HubDeps, onAgentMessage, openAgentSession } from './hub.ts';
import {
  AgentMessage,
  type JobOffer,
  type ResolvedVideo,
  type ResolveResult,
  resolvedFrames,
} from './protocol.ts';

export interface SeededHousehold {
  hh: string;
  owner: string;
  alice: string;
  bob: string;
}

export async function seedHousehold(deps: {
  table: Table;
  clock: { now(): number };
}): Promise<SeededHousehold> {
  const now = deps.clock.now();
  const hh = newId('hh', now);
  const [owner, alice, bob] = [newId('usr', now), newId('usr', now), newId('usr', now)];
  const roles: [string, Role][] = [
    [owner, 'owner'],
    [alice, 'member'],
    [bob, 'member'],
  ];
  for (const [userId, role] of roles) {
    await deps.table.put(memberItem(hh, userId, { role, status: 'active', joinedVia: 'created' }, now));
  }
  return { hh, owner, alice, bob };
}

export const as = <T>(userId: string, householdId: string, f: () => Promise<T>): Promise<T> =>
  withActor({ type: 'user', userId, householdId }, f);

export class RecordingRealtime implements Realtime {
  readonly messages: { topic: Topic; message: RealtimeMessage }[] = [];
  async publish(topic: Topic, message: RealtimeMessage) {
    this.messages.push({ topic, message });
    return { delivered: 1 };
  }
  async watchedHouseholds() {
    return [];
  }
}

// ---- large playlists (scale tests and bench/download-scale.bench.ts) ----------------------------

/** Table reads and writes made through `counting(table)`, by operation (batchGet: items and calls). */
export interface TableCounts {
  get: number;
  query: number;
  batchGet: number;
  batchGetItems: number;
  writes: number;
}

/** A Table that counts what passes through it (a proxy: every other property is the table's own). */
export function counting(table: Table): {
  table: Table;
  counts: TableCounts;
  reset(): void;
  reads(): number;
} {
  const counts: TableCounts = { get: 0, query: 0, batchGet: 0, batchGetItems: 0, writes: 0 };
  const proxy = new Proxy(table, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (prop === 'get') counts.get++;
        else if (prop === 'query') counts.query++;
        else if (prop === 'batchGet') {
          counts.batchGet++;
          counts.batchGetItems += (args[0] as unknown[]).length;
        } else if (['put', 'update', 'delete', 'batchWrite', 'transact'].includes(String(prop)))
          counts.writes++;
        return value.apply(target, args);
      };
    },
  });
  return {
    table: proxy,
    counts,
    reset() {
      for (const k of Object.keys(counts) as (keyof TableCounts)[]) counts[k] = 0;
    },
    /** Read requests: gets, queries and batch gets (a batch get counts once). */
    reads: () => counts.get + counts.query + counts.batchGet,
  };
}

type ScaleDeps = HubDeps & DomainDeps;

const scaleVideo = (prefix: string, i: number): ResolvedVideo => {
  const id = `${prefix}${String(i).padStart(5, '0')}`;
  return {
    videoId: id,
    extractor: 'youtube',
    url: `https://www.youtube.com/watch?v=${id}`,
    title: `Episode ${i} of a long series`,
    channel: 'Chan',
    duration: 61,
    uploadDate: '20240102',
    thumbnail: null,
  };
};

/**
 * A connected agent of `concurrency` slots (its hello's offers returned), through the hub as a
 * transport would drive it.
 */
export async function connectScaleAgent(
  deps: ScaleDeps,
  h: SeededHousehold,
  concurrency: number,
): Promise<{ session: AgentSession; offers: JobOffer[] }> {
  const { token } = await as(h.owner, h.hh, () => createAgent(deps, { name: 'Scale agent' }));
  const session = await openAgentSession(deps, token);
  const frames = await onAgentMessage(
    deps,
    session,
    AgentMessage.parse({
      type: 'hello',
      protocol: 1,
      version: 'test',
      capabilities: { ytDlpVersion: '2023.03.04', ffmpeg: true, concurrency },
      running: [],
    }),
  );
  return { session, offers: frames.filter((f): f is JobOffer => f.type === 'job.offer') };
}

/**
 * Submits an `n`-video playlist as `h.alice` and resolves it through `session` in parts as the
 * agent sends them; returns the submission's id and the video offers made meanwhile.
 */
export async function resolvePlaylist(
  deps: ScaleDeps,
  h: SeededHousehold,
  session: AgentSession,
  n: number,
  prefix: string,
): Promise<{ id: string; offers: JobOffer[] }> {
  const sub = await as(h.alice, h.hh, () =>
    submit(deps, {
      url: `https://www.youtube.com/playlist?list=PL${prefix}`,
      target: { sectionKey: '1', preset: 'other-videos' },
    }),
  );
  const hb = await onAgentMessage(deps, session, AgentMessage.parse({ type: 'heartbeat', running: [] }));
  const resolve = hb.find((f): f is JobOffer => f.type === 'job.offer' && f.jobId === sub.id);
  if (!resolve) throw new Error('the agent was not offered the playlist');
  const result: ResolveResult = {
    kind: 'playlist',
    playlist: { id: `PL${prefix}`, title: `Playlist ${prefix}`, channel: 'Chan' },
    entries: Array.from({ length: n }, (_, i) => scaleVideo(prefix, i)),
  };
  const offers: JobOffer[] = hb.filter((f): f is JobOffer => f.type === 'job.offer' && f.jobId !== sub.id);
  for (const frame of resolvedFrames({ jobId: resolve.jobId, attempt: resolve.attempt }, result).frames) {
    const out = await onAgentMessage(deps, session, AgentMessage.parse(frame));
    offers.push(...out.filter((f): f is JobOffer => f.type === 'job.offer'));
  }
  return { id: sub.id, offers };
}

/**
 * Plays the agent until no more work is offered: each offered video reports progress once, then
 * done with one file of `bytes` (or failed, for `fails`). Returns how many videos it finished.
 */
export async function downloadAll(
  deps: ScaleDeps,
  session: AgentSession,
  first: JobOffer[],
  bytes = 1000,
  /** Videos (by the order they were offered, from 0) the agent reports failed instead. */
  fails: (index: number) => boolean = () => false,
): Promise<number> {
  const pending = [...first];
  let done = 0;
  const send = (m: unknown) => onAgentMessage(deps, session, AgentMessage.parse(m));
  for (;;) {
    const offer = pending.shift();
    if (!offer) {
      const more = (await send({ type: 'heartbeat', running: [] })).filter(
        (f): f is JobOffer => f.type === 'job.offer',
      );
      if (more.length === 0) return done;
      pending.push(...more);
      continue;
    }
    const { jobId, attempt } = offer;
    if (fails(done)) {
      const out = await send({
        type: 'job.failed',
        jobId,
        attempt,
        reason: { code: 'x', message: 'Broken' },
      });
      done++;
      pending.push(...out.filter((f): f is JobOffer => f.type === 'job.offer'));
      continue;
    }
    await send({
      type: 'job.progress',
      jobId,
      attempt,
      percent: 50,
      downloadedBytes: bytes / 2,
      totalBytes: bytes,
      speed: 1,
      eta: 1,
    });
    const out = await send({
      type: 'job.done',
      jobId,
      attempt,
      files: [{ path: `/lib/${jobId}.mp4`, bytes, kind: 'video' }],
      warnings: [],
    });
    done++;
    pending.push(...out.filter((f): f is JobOffer => f.type === 'job.offer'));
  }
}
