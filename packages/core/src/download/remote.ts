/**
 * Agent sessions kept in the table, for a runtime where no process outlives one frame: AWS Lambda
 * behind the agents' API Gateway WebSocket API (functions/src/agent-*.ts). The protocol is the
 * hub's (`openAgentSession`, `onAgentMessage`, `dispatchFor`, `closeAgentSession`); this module only
 * loads the `AgentSession` from the table before a frame and saves it after, and reaches the socket
 * through an `AgentTransport` (the API Gateway management API in AWS).
 *
 * - `$connect` → `openRemoteSession`: the token is checked and the session stored (TTL).
 * - `$default` → `handleRemoteFrame`: one frame under the session's lock; replies are sent before
 *   the lock is released, so frames to one agent leave in the order they were decided.
 * - `$disconnect` → `closeRemoteSession`: the session is deleted and the agent marked offline.
 * - new work or a cancel → `requestDispatch` (a de-duplicated `download.dispatch` job, only when the
 *   household has an agent connected) → `dispatchRemote` in the worker: `dispatchFor` per session.
 *
 * One session, many Lambdas: API Gateway may invoke `$default` for two frames of one connection at
 * once, and the worker may dispatch meanwhile. The in-process hub handles a session's frames one at
 * a time; here a lease lock on the session item does the same (`lockId`, `lockUntil`: a holder that
 * crashed loses it after LOCK_MS).
 *
 * Access patterns (items expire with `ttl`: API Gateway closes a WebSocket after 2 hours):
 *   1. a connection's session by connection id ($default/$disconnect know only the id)
 *        → pk `AGS#<connectionId>`, sk `AGS`
 *   2. the agent connections of a household (dispatch) → pk `H#<householdId>`, sk begins_with `AGS#`
 * Both items are written and deleted together; (2) is immutable, (1) carries the mutable state.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { DomainDeps } from '../actor/deps.ts';
import { defineJob, JOBS_QUEUE, type JobEnvelope } from '../jobs/registry.ts';
import { integrationServers } from '../library/sources.ts';
import type { Logger } from '../observability/logger.ts';
import type { Queue } from '../port/queue.ts';
import { ConditionFailedError, type Item, type Key, queryAll, type Table } from '../port/table.ts';
import {
  type AgentSession,
  closeAgentSession,
  dispatchFor,
  type HubDeps,
  onAgentMessage,
  openAgentSession,
} from './hub.ts';
import { AgentMessage, encodeFrame, type JobTarget, parseFrame, type ServerMessage } from './protocol.ts';

/** API Gateway's connection lifetime (2 h) plus a margin: a session never outlives its socket by much. */
export const SESSION_TTL_SECONDS = 2 * 60 * 60 + 5 * 60;
/** How long a frame may hold the session; a holder that crashed is overtaken after this. */
export const LOCK_MS = 5_000;
/** Waiting for the lock: attempts and the longest pause between two (about 6 s in all). */
const LOCK_ATTEMPTS = 80;
const LOCK_MAX_PAUSE_MS = 100;

export const DISPATCH_JOB = 'download.dispatch';

/** Where a connection is reached: its id and the management endpoint of the API it came through. */
export interface AgentConnection {
  connectionId: string;
  /** https://<api>.execute-api.<region>.amazonaws.com/<stage> */
  endpoint: string;
}

/** How frames reach an agent's socket (AWS: `PostToConnection` / `DeleteConnection`). */
export interface AgentTransport {
  /** Sends the frames in order; false when the connection is gone. */
  send(connection: AgentConnection, frames: ServerMessage[]): Promise<boolean>;
  /** Closes the socket (API Gateway then delivers `$disconnect`). */
  close(connection: AgentConnection): Promise<void>;
}

export type RemoteSession = AgentSession & AgentConnection;

interface SessionItem extends Item {
  type: 'agent_session';
  connectionId: string;
  endpoint: string;
  householdId: string;
  agentId: string;
  name: string;
  concurrency: number;
  /** jobId → attempt */
  running: Record<string, number>;
  ready: boolean;
  connectedAt: number;
  ttl: number;
  lockId: string | null;
  lockUntil: number;
}

interface ConnectionItem extends Item {
  type: 'agent_connection';
  connectionId: string;
  agentId: string;
  ttl: number;
}

export const remoteKeys = {
  session: (connectionId: string): Key => ({ pk: `AGS#${connectionId}`, sk: 'AGS' }),
  connection: (householdId: string, connectionId: string): Key => ({
    pk: `H#${householdId}`,
    sk: `AGS#${connectionId}`,
  }),
};

type Deps = Pick<HubDeps, 'table' | 'clock' | 'logger'>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const errorFrame = (code: string, message: string, fatal: boolean): ServerMessage => ({
  type: 'error',
  code,
  message,
  fatal,
});

function toSession(item: SessionItem): RemoteSession {
  return {
    householdId: item.householdId,
    agentId: item.agentId,
    name: item.name,
    sessionId: item.connectionId,
    connectionId: item.connectionId,
    endpoint: item.endpoint,
    concurrency: item.concurrency,
    running: new Map(Object.entries(item.running ?? {})),
    ready: item.ready,
  };
}

/**
 * `$connect`: checks the token (AgentAuthError when unknown or revoked) and stores the session.
 * The session id the hub uses for presence is the connection id.
 */
export async function openRemoteSession(
  deps: HubDeps,
  token: string,
  connection: AgentConnection,
): Promise<RemoteSession> {
  const session = await openAgentSession(deps, token, connection.connectionId);
  const now = deps.clock.now();
  const ttl = Math.floor(now / 1000) + SESSION_TTL_SECONDS;
  const item: SessionItem = {
    ...remoteKeys.session(connection.connectionId),
    type: 'agent_session',
    connectionId: connection.connectionId,
    endpoint: connection.endpoint,
    householdId: session.householdId,
    agentId: session.agentId,
    name: session.name,
    concurrency: session.concurrency,
    running: {},
    ready: false,
    connectedAt: now,
    ttl,
    lockId: null,
    lockUntil: 0,
  };
  const index: ConnectionItem = {
    ...remoteKeys.connection(session.householdId, connection.connectionId),
    type: 'agent_connection',
    connectionId: connection.connectionId,
    agentId: session.agentId,
    ttl,
  };
  // A connection id is never reused by API Gateway; a repeated $connect (a retried invocation)
  // simply writes the same fresh session again.
  await deps.table.transact([{ put: item }, { put: index }]);
  return { ...session, ...connection };
}

/** Takes the session's lock, waiting for another holder; undefined when there is no such session. */
async function lock(deps: Deps, connectionId: string, lockId: string): Promise<SessionItem | undefined> {
  const key = remoteKeys.session(connectionId);
  for (let attempt = 0; ; attempt++) {
    const now = deps.clock.now();
    try {
      const item = await deps.table.update<SessionItem>(key, {
        set: { lockId, lockUntil: now + LOCK_MS },
        condition: {
          and: [
            { attr: 'pk', exists: true },
            {
              or: [
                { attr: 'lockId', op: '=', value: null },
                { attr: 'lockUntil', op: '<=', value: now },
              ],
            },
          ],
        },
      });
      return item;
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
    if (!(await deps.table.get(key))) return undefined;
    if (attempt >= LOCK_ATTEMPTS) {
      // A holder that neither finished nor let its lock run out on this clock: take over, as an
      // expired lock would be; the frame is worth more than strict ordering.
      deps.logger?.warn('agent session: lock wait gave up, taking over', { connectionId });
      const item = await deps.table
        .update<SessionItem>(key, {
          set: { lockId, lockUntil: now + LOCK_MS },
          condition: { attr: 'pk', exists: true },
        })
        .catch((err: unknown) => {
          if (err instanceof ConditionFailedError) return undefined;
          throw err;
        });
      return item;
    }
    await sleep(Math.min(LOCK_MAX_PAUSE_MS, 5 * (attempt + 1)));
  }
}

/** Saves the session's state and releases the lock (if it is still ours). */
async function save(deps: Deps, session: RemoteSession, lockId: string): Promise<void> {
  try {
    await deps.table.update(remoteKeys.session(session.connectionId), {
      set: {
        concurrency: session.concurrency,
        running: Object.fromEntries(session.running),
        ready: session.ready,
        lockId: null,
        lockUntil: 0,
      },
      condition: { attr: 'lockId', op: '=', value: lockId },
    });
  } catch (e) {
    if (!(e instanceof ConditionFailedError)) throw e;
    // Closed meanwhile ($disconnect), or our lock ran out and another frame took over: its state wins.
    deps.logger?.warn('agent session: state not saved (closed or lock lost)', {
      connectionId: session.connectionId,
    });
  }
}

/**
 * Runs `f` with the connection's session loaded and locked, then saves what `f` changed (also when
 * it throws). Undefined when the connection has no session (closed, expired or never opened).
 */
export async function withRemoteSession<T>(
  deps: Deps,
  connectionId: string,
  f: (session: RemoteSession) => Promise<T>,
): Promise<{ session: RemoteSession; result: T } | undefined> {
  const lockId = randomUUID();
  const held = await lock(deps, connectionId, lockId);
  if (!held) return undefined;
  const session = toSession(held);
  try {
    const result = await f(session);
    return { session, result };
  } finally {
    await save(deps, session, lockId);
  }
}

/** Sends frames, stopping after a fatal error; returns whether the connection must be closed. */
async function deliver(
  transport: AgentTransport,
  connection: AgentConnection,
  frames: ServerMessage[],
): Promise<{ gone: boolean; close: boolean }> {
  const fatal = frames.findIndex((f) => f.type === 'error' && f.fatal);
  const out = fatal === -1 ? frames : frames.slice(0, fatal + 1);
  if (out.length === 0) return { gone: false, close: false };
  // API Gateway would drop it or close the connection: refused loudly (FrameTooLargeError) instead.
  for (const f of out) encodeFrame(f);
  const sent = await transport.send(connection, out);
  return { gone: !sent, close: sent && fatal !== -1 };
}

export interface FrameOutcome {
  /** The frames sent back, in order. */
  frames: ServerMessage[];
  /** The socket was closed after a fatal error (or has no session). */
  closed: boolean;
  /** The connection was gone when we answered. */
  gone: boolean;
  session?: RemoteSession;
}

/**
 * `$default`: one text frame from the agent. Unreadable frames get a non-fatal error frame; a
 * connection without a session (it expired, or `$connect` never stored one) is told and closed.
 */
export async function handleRemoteFrame(
  deps: HubDeps,
  transport: AgentTransport,
  connection: AgentConnection,
  text: string,
): Promise<FrameOutcome> {
  const msg = parseFrame(AgentMessage, text);
  if (!msg) {
    const frames = [errorFrame('agent.bad_frame', 'Unreadable or unknown message', false)];
    const { gone } = await deliver(transport, connection, frames);
    return { frames, closed: false, gone };
  }
  let frames: ServerMessage[] = [];
  let outcome = { gone: false, close: false };
  const held = await withRemoteSession(deps, connection.connectionId, async (session) => {
    try {
      frames = await onAgentMessage(deps, session, msg);
    } catch (error) {
      deps.logger?.error('agent frame: handling failed', { error: String(error), type: msg.type });
      frames = [errorFrame('agent.internal', 'The server could not handle that message', false)];
    }
    // Sent while the session is held: replies to one agent leave in the order they were decided.
    outcome = await deliver(transport, session, frames);
  });
  if (!held) {
    frames = [errorFrame('agent.no_session', 'This connection has no agent session: reconnect', true)];
    outcome = await deliver(transport, connection, frames);
  }
  if (outcome.close) await transport.close(connection);
  if (outcome.gone) await closeRemoteSession(deps, connection.connectionId);
  return {
    frames,
    closed: outcome.close,
    gone: outcome.gone,
    ...(held ? { session: held.session } : {}),
  };
}

/**
 * `$disconnect` (and a connection the management API reports gone): forgets the session and marks
 * the agent offline (only if this connection still owns its presence). Returns the session closed.
 */
export async function closeRemoteSession(
  deps: HubDeps,
  connectionId: string,
): Promise<RemoteSession | undefined> {
  const lockId = randomUUID();
  const held = await lock(deps, connectionId, lockId);
  if (!held) return undefined;
  const session = toSession(held);
  await deps.table.transact([
    { delete: remoteKeys.session(connectionId) },
    { delete: remoteKeys.connection(session.householdId, connectionId) },
  ]);
  await closeAgentSession(deps, session);
  return session;
}

/** The agent connections of a household (unexpired). */
export async function remoteConnections(
  deps: { table: Table },
  householdId: string,
): Promise<{ connectionId: string; agentId: string }[]> {
  const items = await queryAll<ConnectionItem>(deps.table, {
    pk: `H#${householdId}`,
    sk: { beginsWith: 'AGS#' },
  });
  return items.map(({ connectionId, agentId }) => ({ connectionId, agentId }));
}

/**
 * Offers the household's queued work to each of its connected agents and tells them what to stop
 * (the worker's `download.dispatch` job). Gone connections are closed. Returns the frames sent.
 */
export async function dispatchRemote(
  deps: HubDeps,
  transport: AgentTransport,
  householdId: string,
): Promise<{ connectionId: string; frames: ServerMessage[] }[]> {
  const out: { connectionId: string; frames: ServerMessage[] }[] = [];
  const gone: string[] = [];
  for (const { connectionId } of await remoteConnections(deps, householdId)) {
    await withRemoteSession(deps, connectionId, async (session) => {
      const frames = await dispatchFor(deps, session);
      if (frames.length === 0) return;
      const r = await deliver(transport, session, frames);
      if (r.gone) gone.push(connectionId);
      else out.push({ connectionId, frames });
      if (r.close) await transport.close(session);
    });
  }
  for (const id of gone) await closeRemoteSession(deps, id);
  return out;
}

/**
 * New work or a cancel in a household: when an agent of it is connected here, a `download.dispatch`
 * job. De-duplicated per household and second, and delayed by one second so that it runs after the
 * second's last request: a burst (a playlist resolving into dozens of videos) costs one dispatch,
 * and no request of the burst can be swallowed by a dispatch that already ran.
 */
export async function requestDispatch(
  deps: { table: Table; queue: Queue; clock: { now(): number } },
  householdId: string,
): Promise<boolean> {
  const connected = await deps.table.query({ pk: `H#${householdId}`, sk: { beginsWith: 'AGS#' }, limit: 1 });
  if (connected.items.length === 0) return false;
  const second = Math.floor(deps.clock.now() / 1000);
  const body: JobEnvelope = { type: DISPATCH_JOB, data: { householdId } };
  const { deduplicated } = await deps.queue.send(JOBS_QUEUE, body, {
    dedupId: `${DISPATCH_JOB}#${householdId}#${second}`,
    delaySeconds: 1,
  });
  return !deduplicated;
}

// ---- wiring for a runtime ------------------------------------------------------------------------

const transports = new WeakMap<object, AgentTransport>();

/** The runtime that owns the agents' sockets says how to reach them (functions/src/runtime.ts). */
export function provideAgentTransport(system: object, transport: AgentTransport): void {
  transports.set(system, transport);
}

/** The transport provided for `system` or for the System it is a view of (prototype chain). */
export function agentTransportOf(system: object): AgentTransport | undefined {
  for (let s: object | null = system; s; s = Object.getPrototypeOf(s)) {
    const t = transports.get(s);
    if (t) return t;
  }
  return undefined;
}

/** The household's first Plex integration, with the owner's token (may scan and edit collections). */
export function plexFromIntegrations(deps: DomainDeps): NonNullable<HubDeps['plexFor']> {
  const servers = integrationServers(deps);
  return async (householdId: string): Promise<JobTarget['plex'] | undefined> => {
    const [first] = await servers.list(householdId);
    return first
      ? { baseUrl: first.baseUrl, token: first.token, machineIdentifier: first.machineIdentifier }
      : undefined;
  };
}

/**
 * Hub dependencies from a System-like object (a prototype view: its ports stay lazy): new work
 * reaching agents goes through `requestDispatch`, Plex comes from the household's integrations.
 */
export function remoteHubDeps<S extends HubDeps & { queue: Queue }>(
  system: S,
  options: { logger?: Logger; plexFor?: HubDeps['plexFor'] } = {},
): S {
  return Object.create(system, {
    notifyAgents: { value: (hh: string) => requestDispatch(system, hh), enumerable: true },
    plexFor: { value: options.plexFor ?? plexFromIntegrations(system), enumerable: true },
    ...(options.logger ? { logger: { value: options.logger, enumerable: true } } : {}),
  }) as S;
}

export const dispatchJob = defineJob({
  type: DISPATCH_JOB,
  queue: JOBS_QUEUE,
  schema: z.object({ householdId: z.string().min(1).max(64) }),
  async handle(system, { householdId }, context) {
    const transport = agentTransportOf(system);
    if (!transport) {
      // The local runtime's agents live in its in-process hub, which the API pokes directly.
      context.logger.debug('download.dispatch: no agent transport in this runtime');
      return;
    }
    const sent = await dispatchRemote(
      remoteHubDeps(system, { logger: context.logger }),
      transport,
      householdId,
    );
    if (sent.length > 0) {
      context.logger.info('Dispatched to household agents', {
        householdId,
        frames: sent.map((s) => ({ connectionId: s.connectionId, types: s.frames.map((f) => f.type) })),
      });
    }
  },
});
