/**
 * The server side of the agent protocol, independent of the transport: the local runtime feeds
 * it frames from a `ws` connection, the AWS runtime from API Gateway WebSocket events.
 *
 * - `openAgentSession(deps, token)`: authenticates the agent token (before any frame is read).
 * - `onAgentMessage(deps, session, msg)`: applies one agent message, returns the frames to send.
 * - `dispatchFor(deps, session)`: offers queued work up to the agent's free slots and tells it
 *   to stop jobs it no longer holds (cancelled by a member, or re-leased after expiry).
 * - `AgentHub`: the in-process registry of live sessions for one process (local runtime, tests):
 *   `poke(householdId)` after new work or a cancel, `tick()` for lease expiry.
 */
import { randomUUID } from 'node:crypto';
import {
  type AgentIdentity,
  authenticateAgent,
  markOffline,
  markOnline,
  PRESENCE_MS,
  renewPresence,
} from './agents.ts';
import {
  claimQueued,
  type DownloadDeps,
  LEASE_MS,
  load,
  move,
  renewLease,
  reportDone,
  reportFailed,
  reportProgress,
  reportResolved,
  reportState,
  sweepLeases,
  syncParent,
} from './download.ts';
import { AgentAuthError, StaleDownloadError } from './errors.ts';
import type { DownloadItem } from './keys.ts';
import {
  AgentMessage,
  byteLength,
  encodeFrame,
  type JobTarget,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  parseFrame,
  type RunningJob,
  type ServerMessage,
} from './protocol.ts';
import { LEASED } from './state.ts';

export interface HubDeps extends DownloadDeps {
  /** The household's Plex server as the agent should reach it, with a token that may scan. */
  plexFor?: (householdId: string, sectionKey: string) => Promise<JobTarget['plex'] | undefined>;
}

/** How often the agent should send a heartbeat (well inside the presence and lease windows). */
export const HEARTBEAT_MS = 20_000;

export interface AgentSession extends AgentIdentity {
  sessionId: string;
  concurrency: number;
  /** Jobs the agent runs for us: jobId → attempt. */
  running: Map<string, number>;
  ready: boolean;
}

export async function openAgentSession(
  deps: HubDeps,
  token: string,
  sessionId: string = randomUUID(),
): Promise<AgentSession> {
  const id = await authenticateAgent(deps, token);
  return { ...id, sessionId, concurrency: 1, running: new Map(), ready: false };
}

export async function closeAgentSession(deps: HubDeps, session: AgentSession): Promise<void> {
  const wasReady = session.ready;
  session.ready = false;
  await markOffline(deps, session, session.sessionId);
  if (wasReady) await publishPresence(deps, session, false);
}

/** Everyone in the household sees whether downloads will start ("waiting for the household agent"). */
async function publishPresence(deps: HubDeps, session: AgentSession, online: boolean): Promise<void> {
  await deps.realtime
    ?.publish(
      { householdId: session.householdId },
      { type: 'download.agent', data: { agentId: session.agentId, name: session.name, online } },
    )
    .catch((error: unknown) => deps.logger?.warn('agent presence publish failed', { error: String(error) }));
}

const errorFrame = (code: string, message: string, fatal: boolean): ServerMessage => ({
  type: 'error',
  code,
  message,
  fatal,
});

async function offerOf(deps: HubDeps, item: DownloadItem): Promise<ServerMessage> {
  const plex = await deps.plexFor?.(item.householdId, item.target.sectionKey);
  return {
    type: 'job.offer',
    jobId: item.id,
    attempt: item.attempt,
    kind: item.kind === 'submission' ? 'resolve' : 'download',
    url: item.url,
    quality: item.quality,
    target: { ...item.target, ...(plex ? { plex } : {}) },
    video: item.video,
    collection: item.playlist,
  };
}

/** Brings the agent's list of running jobs in line with the store; returns cancel/revoke frames. */
async function reconcile(
  deps: HubDeps,
  session: AgentSession,
  running: RunningJob[],
): Promise<ServerMessage[]> {
  const out: ServerMessage[] = [];
  const reported = new Set<string>();
  for (const r of running) {
    reported.add(r.jobId);
    const item = await load(deps, session.householdId, r.jobId);
    const holds =
      item !== undefined &&
      item.leaseOwner === session.agentId &&
      item.attempt === r.attempt &&
      LEASED.includes(item.state);
    if (
      holds &&
      (await renewLease(deps, session.householdId, r.jobId, { agentId: session.agentId, attempt: r.attempt }))
    ) {
      session.running.set(r.jobId, r.attempt);
      continue;
    }
    session.running.delete(r.jobId);
    out.push(
      item?.state === 'cancelled'
        ? {
            type: 'job.cancel',
            jobId: r.jobId,
            attempt: r.attempt,
            reason: { code: 'cancelled', message: 'Cancelled' },
          }
        : { type: 'job.revoke', jobId: r.jobId, attempt: r.attempt },
    );
  }
  // Jobs we think the agent runs but it does not report (it restarted or the offer was lost).
  for (const jobId of [...session.running.keys()]) {
    if (!reported.has(jobId)) session.running.delete(jobId);
  }
  return out;
}

/**
 * After a restart the agent reports fewer jobs than it held: put the forgotten ones back in the
 * queue at once instead of waiting for their leases to run out.
 */
async function releaseForgotten(deps: HubDeps, session: AgentSession, running: RunningJob[]): Promise<void> {
  const reported = new Set(running.map((r) => r.jobId));
  const page = await deps.table.query<DownloadItem>({
    pk: `H#${session.householdId}`,
    sk: { beginsWith: 'DL#' },
    forward: false,
    limit: 500,
  });
  for (const item of page.items) {
    if (item.type !== 'download' || item.leaseOwner !== session.agentId || reported.has(item.id)) continue;
    if (!LEASED.includes(item.state)) continue;
    try {
      const next = await move(deps, item, 'queued', {
        lease: { agentId: session.agentId, attempt: item.attempt },
        set: { progress: null },
      });
      if (next.parentId) await syncParent(deps, session.householdId, next.parentId);
    } catch (e) {
      if (!(e instanceof StaleDownloadError)) throw e;
    }
  }
}

const guardOf = (session: AgentSession, item: DownloadItem) => ({
  agentId: session.agentId,
  attempt: item.attempt,
});

/** Cancels for jobs the agent should stop, then offers for its free slots. */
export async function dispatchFor(deps: HubDeps, session: AgentSession): Promise<ServerMessage[]> {
  if (!session.ready) return [];
  const out: ServerMessage[] = [];
  for (const [jobId, attempt] of [...session.running]) {
    const item = await load(deps, session.householdId, jobId);
    if (
      item &&
      item.leaseOwner === session.agentId &&
      item.attempt === attempt &&
      LEASED.includes(item.state)
    )
      continue;
    session.running.delete(jobId);
    out.push(
      item?.state === 'cancelled'
        ? { type: 'job.cancel', jobId, attempt, reason: { code: 'cancelled', message: 'Cancelled' } }
        : { type: 'job.revoke', jobId, attempt },
    );
  }
  const free = session.concurrency - session.running.size;
  for (const item of await claimQueued(deps, session.householdId, session.agentId, free)) {
    const offer = await offerOf(deps, item);
    const bytes = byteLength(JSON.stringify(offer));
    if (bytes > MAX_FRAME_BYTES) {
      // Never sent (the transport would drop it and the job would wait for its lease): failed now.
      deps.logger?.error('agent hub: a job offer is over the frame limit', { jobId: item.id, bytes });
      await reportFailed(deps, session.householdId, item.id, guardOf(session, item), {
        code: 'too_large',
        message: 'The details of this download are too large to send to the household agent',
      });
      continue;
    }
    session.running.set(item.id, item.attempt);
    out.push(offer);
  }
  return out;
}

/** Applies one (already parsed) agent message; returns the frames to send back. */
export async function onAgentMessage(
  deps: HubDeps,
  session: AgentSession,
  msg: AgentMessage,
): Promise<ServerMessage[]> {
  const hh = session.householdId;
  if (msg.type !== 'hello' && !session.ready)
    return [errorFrame('agent.hello_first', 'Send hello first', true)];
  try {
    switch (msg.type) {
      case 'hello': {
        if (msg.agentId && msg.agentId !== session.agentId) {
          return [errorFrame('agent.mismatch', 'This token belongs to another agent', true)];
        }
        await markOnline(deps, session, session.sessionId, {
          version: msg.version,
          ytDlpVersion: msg.capabilities.ytDlpVersion,
        });
        session.concurrency = msg.capabilities.concurrency;
        session.ready = true;
        await publishPresence(deps, session, true);
        const welcome: ServerMessage = {
          type: 'welcome',
          protocol: PROTOCOL_VERSION,
          agentId: session.agentId,
          householdId: hh,
          heartbeatMs: HEARTBEAT_MS,
          leaseMs: LEASE_MS,
          maxFrameBytes: MAX_FRAME_BYTES,
        };
        const fixes = await reconcile(deps, session, msg.running);
        await releaseForgotten(deps, session, msg.running);
        return [welcome, ...fixes, ...(await dispatchFor(deps, session))];
      }
      case 'heartbeat': {
        await renewPresence(deps, session, session.sessionId);
        const fixes = await reconcile(deps, session, msg.running);
        return [
          { type: 'heartbeat.ack', leaseUntil: deps.clock.now() + LEASE_MS },
          ...fixes,
          ...(await dispatchFor(deps, session)),
        ];
      }
      case 'job.accept': {
        const ok = await renewLease(deps, hh, msg.jobId, { agentId: session.agentId, attempt: msg.attempt });
        return ok ? [] : [{ type: 'job.revoke', jobId: msg.jobId, attempt: msg.attempt }];
      }
      case 'job.reject': {
        session.running.delete(msg.jobId);
        await reportState(deps, hh, msg.jobId, { agentId: session.agentId, attempt: msg.attempt }, 'queued', {
          progress: null,
        });
        return [];
      }
      case 'job.resolved': {
        session.running.delete(msg.jobId);
        await reportResolved(
          deps,
          hh,
          msg.jobId,
          { agentId: session.agentId, attempt: msg.attempt },
          msg.result,
          msg.part,
        );
        return dispatchFor(deps, session);
      }
      case 'job.progress': {
        const { type: _t, jobId, attempt, ...progress } = msg;
        const ok = await reportProgress(deps, hh, jobId, { agentId: session.agentId, attempt }, progress);
        if (ok) return [];
        return dispatchFor(deps, session);
      }
      case 'job.state': {
        await reportState(deps, hh, msg.jobId, { agentId: session.agentId, attempt: msg.attempt }, msg.state);
        return [];
      }
      case 'job.done': {
        session.running.delete(msg.jobId);
        await reportDone(deps, hh, msg.jobId, { agentId: session.agentId, attempt: msg.attempt }, msg.files);
        return dispatchFor(deps, session);
      }
      case 'job.failed': {
        session.running.delete(msg.jobId);
        await reportFailed(
          deps,
          hh,
          msg.jobId,
          { agentId: session.agentId, attempt: msg.attempt },
          msg.reason,
        );
        return dispatchFor(deps, session);
      }
      case 'job.cancelled': {
        session.running.delete(msg.jobId);
        return dispatchFor(deps, session);
      }
    }
  } catch (e) {
    if (e instanceof AgentAuthError) return [errorFrame(e.code, e.message, true)];
    throw e;
  }
}

export interface HubConnection {
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
}

interface Live {
  session: AgentSession;
  conn: HubConnection;
  /** Frames of one session are handled one at a time, in order. */
  chain: Promise<void>;
}

/** Live agent sessions of this process. */
export class AgentHub {
  readonly #deps: HubDeps;
  readonly #live = new Map<string, Live>();

  constructor(deps: HubDeps) {
    this.#deps = deps;
  }

  /** Authenticates and registers a connection; throws AgentAuthError for a bad token. */
  async connect(token: string, conn: HubConnection): Promise<AgentSession> {
    const session = await openAgentSession(this.#deps, token);
    this.#live.set(session.sessionId, { session, conn, chain: Promise.resolve() });
    return session;
  }

  /** One text frame from the agent. Invalid frames get an error frame, never a crash. */
  receive(session: AgentSession, text: string): Promise<void> {
    return this.#run(session.sessionId, async (live) => {
      const msg = parseFrame(AgentMessage, text);
      if (!msg) {
        live.conn.send(errorFrame('agent.bad_frame', 'Unreadable or unknown message', false));
        return;
      }
      this.#sendAll(live, await onAgentMessage(this.#deps, live.session, msg));
    });
  }

  async disconnect(session: AgentSession): Promise<void> {
    const live = this.#live.get(session.sessionId);
    this.#live.delete(session.sessionId);
    await live?.chain;
    await closeAgentSession(this.#deps, session);
  }

  /**
   * New work or a cancel in a household: let its connected agents know now. Fire and forget:
   * it is called from inside frame handling (a resolve queues videos), and each session handles
   * one thing at a time, so waiting here would wait for ourselves.
   */
  poke(householdId: string): void {
    for (const l of this.#live.values()) {
      if (l.session.householdId !== householdId) continue;
      void this.#run(l.session.sessionId, async (live) =>
        this.#sendAll(live, await dispatchFor(this.#deps, live.session)),
      );
    }
  }

  /** Periodic: expire leases, then offer whatever went back to the queue. */
  async tick(): Promise<{ requeued: number; failed: number }> {
    const swept = await sweepLeases(this.#deps);
    const households = new Set([...this.#live.values()].map((l) => l.session.householdId));
    for (const hh of households) this.poke(hh);
    return swept;
  }

  sessions(): AgentSession[] {
    return [...this.#live.values()].map((l) => l.session);
  }

  #sendAll(live: Live, frames: ServerMessage[]): void {
    // Refused loudly (FrameTooLargeError) before anything of the batch is sent.
    for (const f of frames) encodeFrame(f);
    for (const f of frames) {
      live.conn.send(f);
      if (f.type === 'error' && f.fatal) {
        live.conn.close(4401, f.code);
        return;
      }
    }
  }

  #run(sessionId: string, f: (live: Live) => Promise<void>): Promise<void> {
    const live = this.#live.get(sessionId);
    if (!live) return Promise.resolve();
    const next = live.chain
      .then(() => f(live))
      .catch((error: unknown) => {
        this.#deps.logger?.error('agent hub: handling a frame failed', { error: String(error) });
        live.conn.send(errorFrame('agent.internal', 'The server could not handle that message', false));
      });
    live.chain = next;
    return next;
  }
}

export { PRESENCE_MS };
