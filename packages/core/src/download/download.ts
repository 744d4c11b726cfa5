/**
 * Download jobs (issue 8, ARCHITECTURE.md §5). A member submits a link; the submission is queued
 * for the household agent, which resolves it (title, channel, playlist entries); one `video` job
 * per entry is then queued under the submission, and agents download them. A large resolution
 * comes in parts (protocol.ts: frames stay under API Gateway's limit); each part queues its videos
 * under ids derived from the submission and the position, so parts may come in any order and twice. The server keeps the
 * truth: state, leases, progress, quotas. Key design and access patterns: keys.ts.
 *
 * Every state change is a conditional write on (state, rev) and, for an agent's report, on
 * (leaseOwner, attempt): a report from an agent that lost its lease, or a cancel racing a
 * completion, loses cleanly instead of corrupting the job.
 */
import { createHash } from 'node:crypto';
import { decodeTime, encodeTime } from 'ulid';
import { z } from 'zod';
import type { DomainDeps } from '../actor/deps.ts';
import { fn } from '../actor/fn.ts';
import { newUlid } from '../actor/id.ts';
import { AppError } from '../error/index.ts';
import { type Access, requireAccess } from '../household/access.ts';
import type { MemberItem } from '../household/keys.ts';
import { JOBS_QUEUE, type JobEnvelope } from '../jobs/registry.ts';
import { metrics } from '../observability/metrics.ts';
import type { Queue } from '../port/queue.ts';
import type { Realtime, RealtimeMessage } from '../port/realtime.ts';
import {
  type Condition,
  ConditionFailedError,
  type Key,
  notExists,
  queryAll,
  type Table,
  TransactionCanceledError,
  type UpdateSpec,
} from '../port/table.ts';
import { anyAgentOnline } from './agents.ts';
import { DownloadNotFoundError, StaleDownloadError } from './errors.ts';
import {
  type DownloadItem,
  type Duplicate,
  ENTITY_VERSION,
  keys,
  type Progress,
  type ResolvePartItem,
  type ServerStartItem,
  type StoredFile,
  ulidOf,
  type VideoClaimItem,
} from './keys.ts';
import {
  JobId,
  Preset,
  Quality,
  type Reason,
  type ResolvedVideo,
  type ResolvePart,
  type ResolveResult,
} from './protocol.ts';
import {
  addStoredBytes,
  checkStorage,
  hourlyQuotaWrite,
  limitsOf,
  reserveVideos,
  videoQuotaRefusal,
} from './quota.ts';
import { assertTransition, canTransition, isTerminal, LEASED, State } from './state.ts';
import { validateUrl } from './url.ts';

/** How long an agent's claim on a job lasts without a sign of life (heartbeat or progress). */
export const LEASE_MS = 60_000;

export interface DownloadDeps extends DomainDeps {
  realtime?: Realtime;
  /** Where a large cancel or retry continues (`download.bulk`); without one it runs in the call. */
  queue?: Queue;
  /** Called after new work is queued or a running job is cancelled (the agent hub dispatches). */
  notifyAgents?: (householdId: string) => void | Promise<void>;
}

export const DownloadInfo = z.object({
  id: z.string(),
  userId: z.string(),
  kind: z.enum(['submission', 'video']),
  parentId: z.string().nullable(),
  url: z.string(),
  quality: Quality,
  target: z.object({ sectionKey: z.string(), preset: Preset }),
  state: State,
  reason: z.object({ code: z.string(), message: z.string() }).nullable(),
  title: z.string().nullable(),
  channel: z.string().nullable(),
  playlist: z.string().nullable(),
  progress: z
    .object({
      percent: z.number(),
      downloadedBytes: z.number(),
      totalBytes: z.number().nullable(),
      speed: z.number().nullable(),
      eta: z.number().nullable(),
      at: z.number(),
    })
    .nullable(),
  files: z.array(z.object({ path: z.string(), bytes: z.number(), kind: z.enum(['video', 'poster', 'nfo']) })),
  childCount: z.number(),
  duplicates: z.array(z.object({ videoId: z.string(), title: z.string(), existingId: z.string() })),
  attempt: z.number(),
  /** Queued while no agent of the household is online: the UI says "waiting for the household agent". */
  waitingForAgent: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number(),
  finishedAt: z.number().nullable(),
});
export type DownloadInfo = z.infer<typeof DownloadInfo>;

/** A resolved submission's progress from its counters: the share of its videos done, their bytes. */
function submissionProgress(item: DownloadItem): Progress | null {
  const counts = item.childCount > 0 ? countsOf(item) : undefined;
  if (!counts || counts.total === 0) return null;
  return {
    percent: Math.round((1000 * counts.byState.done) / counts.total) / 10,
    downloadedBytes: counts.bytesDone,
    totalBytes: null,
    speed: null,
    eta: null,
    at: item.updatedAt,
  };
}

export function toInfo(item: DownloadItem, agentOnline: boolean): DownloadInfo {
  return {
    id: item.id,
    userId: item.userId,
    kind: item.kind,
    parentId: item.parentId,
    url: item.url,
    quality: item.quality,
    target: item.target,
    state: item.state,
    reason: item.reason,
    title: item.title,
    channel: item.channel,
    playlist: item.playlist,
    progress: item.kind === 'submission' ? (submissionProgress(item) ?? item.progress) : item.progress,
    files: item.files,
    childCount: item.childCount,
    duplicates: item.duplicates,
    attempt: item.attempt,
    waitingForAgent: item.state === 'queued' && !agentOnline,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    finishedAt: item.finishedAt,
  };
}

// ---- realtime -----------------------------------------------------------------------------------

const adminCache = new Map<string, { at: number; ids: string[] }>();
const ADMIN_CACHE_MS = 30_000;

async function adminsOf(deps: { table: Table; clock: { now(): number } }, hh: string): Promise<string[]> {
  const now = deps.clock.now();
  const hit = adminCache.get(hh);
  if (hit && now - hit.at < ADMIN_CACHE_MS) return hit.ids;
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.table.query<MemberItem>({
      pk: `H#${hh}`,
      sk: { beginsWith: 'M#' },
      ...(cursor ? { cursor } : {}),
    });
    for (const m of page.items) if (m.status === 'active' && m.role !== 'member') ids.push(m.userId);
    cursor = page.cursor;
  } while (cursor);
  if (adminCache.size > 1000) adminCache.clear();
  adminCache.set(hh, { at: now, ids });
  return ids;
}

/** Pushes to the owner of the download and to every admin of the household (once each). */
export async function publish(
  deps: DownloadDeps,
  item: DownloadItem,
  message: RealtimeMessage,
): Promise<void> {
  if (!deps.realtime) return;
  const hh = item.householdId;
  const users = new Set([item.userId, ...(await adminsOf(deps, hh))]);
  await Promise.all(
    [...users].map((userId) =>
      deps.realtime?.publish({ householdId: hh, userId }, message).catch((error: unknown) => {
        deps.logger?.warn('download realtime publish failed', { error: String(error) });
      }),
    ),
  );
}

/** Only a queued item can be waiting for the agent, so presence is read only for those. */
const publishUpdate = async (deps: DownloadDeps, item: DownloadItem) =>
  publish(deps, item, {
    type: 'download.updated',
    data: toInfo(item, item.state !== 'queued' || (await anyAgentOnline(deps, item.householdId))),
  });

// ---- guarded writes -----------------------------------------------------------------------------

export interface LeaseGuard {
  agentId: string;
  attempt: number;
}

interface MoveOptions {
  set?: Record<string, unknown>;
  add?: Record<string, number>;
  remove?: string[];
  lease?: LeaseGuard;
  /** Take a lease for this agent (claiming queued work). */
  takeLease?: string;
  /**
   * Not conditional on `rev` (the state and the lease guard suffice): a resolving submission,
   * whose rev moves with every video job its parts queue and that agents start meanwhile.
   */
  anyRev?: boolean;
}

// ---- a submission's counters --------------------------------------------------------------------

/**
 * A submission counts its video jobs per state (`n_<state>`) and the bytes of those done
 * (`bytesDone`): every write that creates a video job or moves one from a state to another adds
 * to them in the same transaction, so the submission's state and progress come from its own item
 * (`syncParent` reads one item, not a thousand). Each count change also bumps the submission's rev,
 * so a `syncParent` that decided on older counts loses its write and decides again.
 */
export const countAttr = (state: State): string => `n_${state.replace('-', '_')}`;

/** Submissions that keep counters (older ones are recounted from their video jobs). */
const COUNTED = 1;

export interface ChildCounts {
  total: number;
  byState: Record<State, number>;
  bytesDone: number;
}

export function countsOf(parent: DownloadItem): ChildCounts | undefined {
  if (parent.counters !== COUNTED) return undefined;
  const byState = Object.fromEntries(
    State.options.map((s) => [s, Math.max(0, Number(parent[countAttr(s)] ?? 0))]),
  ) as Record<State, number>;
  const total = Object.values(byState).reduce((a, b) => a + b, 0);
  return { total, byState, bytesDone: Number(parent.bytesDone ?? 0) };
}

/** The submission's counter update for one video job moving `from` → `to` (from undefined: created). */
function counterWrite(
  hh: string,
  parentId: string,
  from: State | undefined,
  to: State,
  bytes = 0,
): { key: Key; spec: UpdateSpec } {
  const add: Record<string, number> = { rev: 1, [countAttr(to)]: 1 };
  if (from) add[countAttr(from)] = (add[countAttr(from)] ?? 0) - 1;
  if (bytes > 0) add.bytesDone = bytes;
  return { key: keys.download(hh, parentId), spec: { add, condition: { attr: 'pk', exists: true } } };
}

/**
 * The write that moves a job from the state it was read in to `to`, guarded on that state and its
 * rev (and the lease when an agent reports). Keeps the sparse queue and lease indexes in step with
 * the state. For `move`, or a transaction that changes something else with it.
 */
export function moveWrite(
  deps: { clock: { now(): number } },
  item: DownloadItem,
  to: State,
  options: MoveOptions = {},
): { key: Key; spec: UpdateSpec; parent?: { key: Key; spec: UpdateSpec } } {
  assertTransition(item.state, to);
  const now = deps.clock.now();
  const conditions: Condition[] = [{ attr: 'state', op: '=', value: item.state }];
  if (!options.anyRev) conditions.push({ attr: 'rev', op: '=', value: item.rev });
  if (options.lease) {
    conditions.push({ attr: 'leaseOwner', op: '=', value: options.lease.agentId });
    conditions.push({ attr: 'attempt', op: '=', value: options.lease.attempt });
  }
  const set: Record<string, unknown> = { state: to, updatedAt: now, ...options.set };
  const remove: string[] = [...(options.remove ?? [])];
  const add: Record<string, number> = { rev: 1, ...options.add };
  if (to === 'queued') {
    Object.assign(set, {
      gsi1pk: keys.queueIndex(item.householdId),
      gsi1sk: item.sk.slice(3),
      leaseOwner: null,
      leaseUntil: null,
    });
    remove.push('gsi2pk', 'gsi2sk');
  } else if (LEASED.includes(to)) {
    remove.push('gsi1pk', 'gsi1sk');
    if (options.takeLease) {
      const leaseUntil = now + LEASE_MS;
      add.attempt = 1;
      Object.assign(set, {
        leaseOwner: options.takeLease,
        leaseUntil,
        gsi2pk: keys.LEASE_INDEX,
        gsi2sk: keys.leaseSk(leaseUntil, item.householdId, item.id),
      });
    }
  } else {
    remove.push('gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk');
    Object.assign(set, { leaseOwner: null, leaseUntil: null, finishedAt: now });
  }
  const files = to === 'done' ? ((options.set?.files as StoredFile[] | undefined) ?? []) : [];
  const bytes = files.reduce((n, f) => n + (f.kind === 'video' ? f.bytes : 0), 0);
  return {
    key: keys.download(item.householdId, item.id),
    spec: { set, add, remove: [...new Set(remove)], condition: { and: conditions } },
    ...(item.kind === 'video' && item.parentId
      ? { parent: counterWrite(item.householdId, item.parentId, item.state, to, bytes) }
      : {}),
  };
}

/** Applies `moveWrite`; StaleDownloadError when the job changed since it was read. */
export async function move(
  deps: { table: Table; clock: { now(): number } },
  item: DownloadItem,
  to: State,
  options: MoveOptions = {},
): Promise<DownloadItem> {
  const { key, spec, parent } = moveWrite(deps, item, to, options);
  try {
    if (!parent) return await deps.table.update<DownloadItem>(key, spec);
    // The video job and its submission's counters, together.
    await deps.table.transact([
      { update: key, spec },
      { update: parent.key, spec: parent.spec },
    ]);
  } catch (e) {
    if (e instanceof ConditionFailedError) throw new StaleDownloadError();
    if (e instanceof TransactionCanceledError && e.failed.includes(0)) throw new StaleDownloadError();
    throw e;
  }
  const next = await deps.table.get<DownloadItem>(key);
  if (!next) throw new StaleDownloadError();
  return next;
}

export async function load(
  deps: { table: Table },
  hh: string,
  id: string,
): Promise<DownloadItem | undefined> {
  if (!JobId.safeParse(id).success) return undefined;
  return deps.table.get<DownloadItem>(keys.download(hh, id));
}

// ---- submitting ---------------------------------------------------------------------------------

export const Target = z.object({
  sectionKey: z.string().regex(/^\d+$/, 'Choose a Plex library section'),
  preset: Preset.default('other-videos'),
});

export const SubmitInput = z.object({
  url: z.string().max(4096),
  quality: Quality.default('best'),
  target: Target,
});

/**
 * Queues a link for the household agent. Refuses malformed links, unsupported sites and members
 * over their quota with a clear message and no job. Returns the submission (queued; the agent
 * resolves it into video jobs).
 */
export const submit = fn(SubmitInput, async (deps: DownloadDeps, input): Promise<DownloadInfo> => {
  const access = await requireAccess(deps, { permission: 'download' });
  const { url } = validateUrl(input.url);
  const limits = await limitsOf(deps, access.householdId);
  await checkStorage(deps, access.householdId, access.userId, limits);
  // The submission itself is one video of the hour; a playlist takes the rest when it resolves.
  await reserveVideos(deps, access.householdId, access.userId, 1, limits);
  const now = deps.clock.now();
  const ulid = newUlid(now);
  const item: DownloadItem = {
    pk: `H#${access.householdId}`,
    sk: `DL#${ulid}`,
    type: 'download',
    v: ENTITY_VERSION,
    rev: 1,
    id: `dl_${ulid}`,
    householdId: access.householdId,
    userId: access.userId,
    kind: 'submission',
    parentId: null,
    url,
    quality: input.quality,
    target: input.target,
    state: 'queued',
    reason: null,
    title: null,
    channel: null,
    video: null,
    playlist: null,
    progress: null,
    files: [],
    childCount: 0,
    duplicates: [],
    attempt: 0,
    leaseOwner: null,
    leaseUntil: null,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
    childIds: [],
    tries: 0,
    counters: COUNTED,
    gsi1pk: keys.queueIndex(access.householdId),
    gsi1sk: ulid,
  };
  await deps.table.put(item, notExists);
  const online = await anyAgentOnline(deps, access.householdId);
  await publish(deps, item, { type: 'download.updated', data: toInfo(item, online) });
  await deps.notifyAgents?.(access.householdId);
  return toInfo(item, online);
});

// ---- reading ------------------------------------------------------------------------------------

export const ListInput = z.object({
  /** Admins see everyone's downloads unless `mine`; members always see only their own. */
  mine: z.boolean().default(false),
  state: State.optional(),
  kind: z.enum(['submission', 'video']).optional(),
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2000).optional(),
});

export interface DownloadPage {
  downloads: DownloadInfo[];
  cursor?: string;
}

const canSeeAll = (access: Access) => access.membership.role !== 'member';

/** Newest first. Filters are applied to each stored page, so a page may hold fewer than `limit`. */
export const list = fn(ListInput, async (deps: DownloadDeps, input): Promise<DownloadPage> => {
  const access = await requireAccess(deps, { permission: 'download' });
  const page = await deps.table.query<DownloadItem>({
    pk: `H#${access.householdId}`,
    sk: { beginsWith: 'DL#' },
    forward: false,
    limit: input.limit,
    ...(input.cursor ? { cursor: input.cursor } : {}),
  });
  const all = canSeeAll(access) && !input.mine;
  const online = await anyAgentOnline(deps, access.householdId);
  const downloads = page.items
    .filter((i) => i.type === 'download')
    .filter((i) => all || i.userId === access.userId)
    .filter((i) => !input.state || i.state === input.state)
    .filter((i) => !input.kind || i.kind === input.kind)
    .map((i) => toInfo(i, online));
  return { downloads, ...(page.cursor ? { cursor: page.cursor } : {}) };
});

export const GetInput = z.object({ id: JobId });

async function visible(deps: DownloadDeps, id: string, access: Access): Promise<DownloadItem> {
  const item = await load(deps, access.householdId, id);
  // Another member's download does not exist for a member (same answer as a missing one).
  if (!item || (!canSeeAll(access) && item.userId !== access.userId)) throw new DownloadNotFoundError();
  return item;
}

export async function childrenOf(deps: { table: Table }, parent: DownloadItem): Promise<DownloadItem[]> {
  const ids = parent.childIds ?? [];
  const out: DownloadItem[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    out.push(
      ...(await deps.table.batchGet<DownloadItem>(
        ids.slice(i, i + 100).map((id) => keys.download(parent.householdId, id)),
      )),
    );
  }
  const order = new Map(ids.map((id, i) => [id, i]));
  return out.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
}

/** A download with its video jobs (for a submission) and the overall percentage. */
export const get = fn(
  GetInput,
  async (
    deps: DownloadDeps,
    { id },
  ): Promise<DownloadInfo & { percent: number; children: DownloadInfo[] }> => {
    const access = await requireAccess(deps, { permission: 'download' });
    const item = await visible(deps, id, access);
    const online = await anyAgentOnline(deps, access.householdId);
    const children = item.kind === 'submission' ? await childrenOf(deps, item) : [];
    const percentOf = (i: DownloadItem) => (i.state === 'done' ? 100 : (i.progress?.percent ?? 0));
    const percent =
      children.length > 0
        ? children.reduce((s, c) => s + percentOf(c), 0) / children.length
        : percentOf(item);
    return { ...toInfo(item, online), percent, children: children.map((c) => toInfo(c, online)) };
  },
);

// ---- cancel and retry ---------------------------------------------------------------------------

/** Re-reads and re-applies `f` when a concurrent write won (bounded). */
async function withRetry<T>(
  deps: { table: Table },
  hh: string,
  id: string,
  f: (item: DownloadItem) => Promise<T>,
): Promise<T> {
  for (let i = 0; ; i++) {
    const item = await load(deps, hh, id);
    if (!item) throw new DownloadNotFoundError();
    try {
      return await f(item);
    } catch (e) {
      if (!(e instanceof StaleDownloadError) || i >= 4) throw e;
    }
  }
}

const CANCELLED: Reason = { code: 'cancelled', message: 'Cancelled' };

/** Cancels one job (no-op when it has ended); `quiet`: no realtime message (a batch sends one). */
async function cancelOne(deps: DownloadDeps, hh: string, id: string, quiet = false): Promise<DownloadItem> {
  return withRetry(deps, hh, id, async (item) => {
    if (isTerminal(item.state)) return item;
    const next = await move(deps, item, 'cancelled', { set: { reason: CANCELLED } });
    if (!quiet) await publishUpdate(deps, next);
    return next;
  });
}

export const CancelInput = z.object({ id: JobId });

/**
 * The owner of the download or an admin. Cancelling a submission cancels its unfinished videos:
 * the submission is marked cancelled at once (none of its videos is offered from then on), its
 * running videos are stopped now, and the rest are cancelled in batches (`runBulk`, a queue job
 * when there is more than one batch), so a 1,000-video playlist answers at once.
 */
export const cancel = fn(CancelInput, async (deps: DownloadDeps, { id }): Promise<DownloadInfo> => {
  const access = await requireAccess(deps, { permission: 'download' });
  const hh = access.householdId;
  const item = await visible(deps, id, access);
  if (item.kind === 'submission' && item.childCount > 0) {
    const parent = await startBulk(deps, item, 'cancel');
    if (parent) {
      // Running videos first: their agents are told to stop now (notifyAgents below).
      for (const child of await childrenOf(deps, parent)) {
        if (LEASED.includes(child.state)) await cancelOne(deps, hh, child.id);
      }
      await continueBulk(deps, parent);
    }
  } else {
    await cancelOne(deps, hh, item.id);
    // Cancelled while being resolved: the videos of the parts already in go too.
    if (item.kind === 'submission') await abandonResolution(deps, hh, item.id);
    if (item.parentId) await syncParent(deps, hh, item.parentId);
  }
  await deps.notifyAgents?.(hh);
  const after = await load(deps, hh, id);
  return toInfo(after ?? item, await anyAgentOnline(deps, hh));
});

/** Puts a failed or cancelled job back in the queue; `quiet`: no realtime message. */
async function requeue(deps: DownloadDeps, hh: string, id: string, quiet = false): Promise<void> {
  await withRetry(deps, hh, id, async (item) => {
    if (item.state !== 'failed' && item.state !== 'cancelled') return;
    const next = await move(deps, item, 'queued', {
      set: { reason: null, progress: null, finishedAt: null, tries: 0 },
    });
    if (!quiet) await publishUpdate(deps, next);
  });
}

export const RetryInput = z.object({ id: JobId });

/**
 * Puts a failed or cancelled download (or a submission's failed and cancelled videos) back in the
 * queue; a submission's videos go back in batches, like a cancel's.
 */
export const retry = fn(RetryInput, async (deps: DownloadDeps, { id }): Promise<DownloadInfo> => {
  const access = await requireAccess(deps, { permission: 'download' });
  const item = await visible(deps, id, access);
  if (item.state !== 'failed' && item.state !== 'cancelled') {
    throw new AppError(
      'conflict',
      'download.not_retryable',
      'Only a failed or cancelled download can be retried',
    );
  }
  if (item.kind === 'submission' && item.childCount > 0) {
    const parent = await startBulk(deps, item, 'retry');
    if (parent) await continueBulk(deps, parent);
  } else {
    await requeue(deps, access.householdId, item.id);
    if (item.parentId) await syncParent(deps, access.householdId, item.parentId);
  }
  await deps.notifyAgents?.(access.householdId);
  const after = await load(deps, access.householdId, id);
  return toInfo(after ?? item, await anyAgentOnline(deps, access.householdId));
});

// ---- cancelling or retrying a submission's videos in batches ------------------------------------

/** The queue job that carries a submission's cancel or retry on, batch by batch. */
export const BULK_JOB = 'download.bulk';
/** Videos per batch (one batch get, one realtime message). */
export const BULK_BATCH = 100;
/** Batches per run of the job before it hands over to the next message. */
const BULK_BATCHES_PER_RUN = 5;
/** A bulk operation nobody carried on for this long is resumed by the lease sweep. */
const BULK_LEASE_MS = LEASE_MS;

export type BulkOp = 'cancel' | 'retry';

/**
 * The bulk operation's marker on the submission (`bulkOp`, `bulkAt` its id, `bulkNext` the next
 * position in `childIds`) and its lease in the lease index: if the request, the job or its
 * message is lost, the lease runs out and `sweepLeases` resumes it (`resumeBulk`).
 */
function bulkLease(deps: { clock: { now(): number } }, parent: DownloadItem) {
  const leaseUntil = deps.clock.now() + BULK_LEASE_MS;
  return {
    leaseUntil,
    gsi2pk: keys.LEASE_INDEX,
    gsi2sk: keys.leaseSk(leaseUntil, parent.householdId, parent.id),
  };
}

/**
 * Marks the submission: a cancel makes it cancelled now (`cancelRequested`: none of its videos is
 * offered any more, and it stays cancelled until a retry); a retry makes it queued (it mirrors its
 * videos again). Returns the submission, or undefined when there is nothing to do.
 */
async function startBulk(
  deps: DownloadDeps,
  item: DownloadItem,
  op: BulkOp,
): Promise<DownloadItem | undefined> {
  const hh = item.householdId;
  return withRetry(deps, hh, item.id, async (parent) => {
    const now = deps.clock.now();
    const marker = { bulkOp: op, bulkAt: now, bulkNext: 0, ...bulkLease(deps, parent) };
    let write: { key: Key; spec: UpdateSpec };
    if (op === 'cancel') {
      if (parent.state === 'done' || parent.state === 'failed') return undefined; // every video ended
      if (parent.state === 'cancelled') {
        // Cancelled before (by its videos, or a cancel that is still under way): make sure it ends.
        const key = keys.download(hh, parent.id);
        const spec: UpdateSpec = {
          set: { ...marker, cancelRequested: true, updatedAt: now },
          add: { rev: 1 },
          condition: { attr: 'rev', op: '=', value: parent.rev },
        };
        write = { key, spec };
      } else {
        write = moveWrite(deps, parent, 'cancelled', { set: { reason: CANCELLED, cancelRequested: true } });
      }
    } else {
      if (parent.state !== 'failed' && parent.state !== 'cancelled') return undefined;
      write = moveWrite(deps, parent, 'queued', {
        set: { reason: null, finishedAt: null, cancelRequested: false },
      });
      // A resolved submission is never itself work for an agent.
      const set = { ...write.spec.set };
      delete set.gsi1pk;
      delete set.gsi1sk;
      write.spec = { ...write.spec, set, remove: [...(write.spec.remove ?? []), 'gsi1pk', 'gsi1sk'] };
    }
    // The bulk's lease replaces whatever the move did to the lease attributes.
    const remove = (write.spec.remove ?? []).filter((a) => !(a in marker));
    write.spec = { ...write.spec, set: { ...write.spec.set, ...marker }, remove };
    try {
      return await deps.table.update<DownloadItem>(write.key, write.spec);
    } catch (e) {
      if (e instanceof ConditionFailedError) throw new StaleDownloadError();
      throw e;
    }
  });
}

/**
 * Carries the submission's bulk operation on: the rest in this call when one batch is left (a
 * small playlist answers with everything done), otherwise through the queue job (or here, batch
 * after batch, where the runtime gave no queue).
 */
async function continueBulk(deps: DownloadDeps, parent: DownloadItem): Promise<void> {
  const left = (parent.childIds ?? []).length - Number(parent.bulkNext ?? 0);
  if (left <= BULK_BATCH || !deps.queue) {
    await runBulk(deps, parent.householdId, parent.id, Number.POSITIVE_INFINITY);
    return;
  }
  await enqueueBulk(deps, parent);
}

async function enqueueBulk(deps: DownloadDeps, parent: DownloadItem, resumed = false): Promise<void> {
  if (!deps.queue) {
    await runBulk(deps, parent.householdId, parent.id, Number.POSITIVE_INFINITY);
    return;
  }
  const body: JobEnvelope = {
    type: BULK_JOB,
    data: { householdId: parent.householdId, parentId: parent.id },
  };
  await deps.queue.send(JOBS_QUEUE, body, {
    // A resume gets its own id: the message it replaces may still sit in the de-duplication window.
    dedupId: `${BULK_JOB}#${parent.id}#${parent.bulkAt}#${parent.bulkNext}${resumed ? `#${parent.leaseUntil}` : ''}`,
  });
}

/**
 * Up to `maxBatches` batches of the submission's bulk operation: each cancels (or requeues) the
 * next `BULK_BATCH` videos that need it, without a message each, then moves the marker on and
 * renews its lease (guarded by `bulkAt`: a newer cancel or retry takes over) and sends one
 * realtime message for the submission. Idempotent: a batch run twice finds its videos done.
 * Returns whether the operation is over.
 */
export async function runBulk(
  deps: DownloadDeps,
  hh: string,
  parentId: string,
  maxBatches = BULK_BATCHES_PER_RUN,
): Promise<{ done: boolean; batches: number }> {
  for (let batches = 0; ; batches++) {
    const parent = await load(deps, hh, parentId);
    if (!parent || parent.bulkAt === undefined || parent.bulkAt === null) return { done: true, batches };
    if (batches >= maxBatches) return { done: false, batches };
    const op = parent.bulkOp as BulkOp;
    const at = Number(parent.bulkAt);
    const next = Number(parent.bulkNext ?? 0);
    const ids = (parent.childIds ?? []).slice(next, next + BULK_BATCH);
    const guard: Condition = { attr: 'bulkAt', op: '=', value: at };
    const key = keys.download(hh, parentId);
    if (ids.length === 0) {
      try {
        await deps.table.update(key, {
          set: { leaseUntil: null },
          remove: ['bulkOp', 'bulkAt', 'bulkNext', 'gsi2pk', 'gsi2sk'],
          condition: guard,
        });
      } catch (e) {
        if (e instanceof ConditionFailedError) return { done: true, batches }; // taken over
        throw e;
      }
      await syncParent(deps, hh, parentId);
      const after = await load(deps, hh, parentId);
      if (after) await publishUpdate(deps, after);
      return { done: true, batches };
    }
    let stopped = 0;
    let requeued = 0;
    for (const child of await deps.table.batchGet<DownloadItem>(ids.map((id) => keys.download(hh, id)))) {
      if (op === 'cancel' && !isTerminal(child.state)) {
        if (LEASED.includes(child.state)) stopped++;
        await cancelOne(deps, hh, child.id, true);
      } else if (op === 'retry' && (child.state === 'failed' || child.state === 'cancelled')) {
        await requeue(deps, hh, child.id, true);
        requeued++;
      }
    }
    try {
      const moved = await deps.table.update<DownloadItem>(key, {
        set: { bulkNext: next + ids.length, ...bulkLease(deps, parent) },
        condition: guard,
      });
      // One message for the batch: the submission (its counts moved); clients re-read its videos.
      await publishUpdate(deps, moved);
    } catch (e) {
      if (e instanceof ConditionFailedError) return { done: true, batches: batches + 1 };
      throw e;
    }
    if (stopped + requeued > 0) await deps.notifyAgents?.(hh);
  }
}

/** Runs the submission's bulk operation to its end here (tests, benchmarks). Returns the batches. */
export async function drainBulk(deps: DownloadDeps, hh: string, parentId: string): Promise<number> {
  return (await runBulk(deps, hh, parentId, Number.POSITIVE_INFINITY)).batches;
}

/** A bulk operation whose lease ran out (its request or job was lost): carried on again. */
async function resumeBulk(deps: DownloadDeps, item: DownloadItem): Promise<void> {
  try {
    const renewed = await deps.table.update<DownloadItem>(keys.download(item.householdId, item.id), {
      set: bulkLease(deps, item),
      condition: { attr: 'bulkAt', op: '=', value: item.bulkAt },
    });
    await enqueueBulk(deps, renewed, true);
  } catch (e) {
    if (!(e instanceof ConditionFailedError)) throw e;
  }
}

// ---- the submission mirrors its videos ----------------------------------------------------------

/** The submission's state from its video jobs' states. */
function aggregate(counts: ChildCounts): { state: State; reason: Reason | null } {
  const n = counts.total;
  const { done, failed, cancelled } = counts.byState;
  if (done + failed + cancelled === n) {
    if (failed > 0)
      return { state: 'failed', reason: { code: 'partial', message: `${failed} of ${n} videos failed` } };
    if (done === 0) return { state: 'cancelled', reason: CANCELLED };
    return { state: 'done', reason: null };
  }
  return LEASED.some((s) => counts.byState[s] > 0)
    ? { state: 'downloading', reason: null }
    : { state: 'queued', reason: null };
}

/** Counts of the submission's video jobs read from the jobs themselves (older submissions; repair). */
export async function recount(deps: { table: Table }, parent: DownloadItem): Promise<ChildCounts> {
  const children = await childrenOf(deps, parent);
  const byState = Object.fromEntries(State.options.map((s) => [s, 0])) as Record<State, number>;
  let bytesDone = 0;
  for (const c of children) {
    byState[c.state]++;
    if (c.state === 'done') bytesDone += c.files.reduce((n, f) => n + (f.kind === 'video' ? f.bytes : 0), 0);
  }
  return { total: children.length, byState, bytesDone };
}

/** Brings a resolved submission's state in line with its videos (never queues the submission itself). */
export async function syncParent(deps: DownloadDeps, hh: string, parentId: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const parent = await load(deps, hh, parentId);
    // A member cancelled the submission: it stays cancelled (until a retry), whatever its videos do.
    if (!parent || parent.childCount === 0 || parent.cancelRequested) return;
    const counts = countsOf(parent) ?? (await recount(deps, parent));
    if (counts.total === 0) return;
    const target = aggregate(counts);
    if (parent.state === target.state) return;
    try {
      let cur = parent;
      const path: State[] = canTransition(cur.state, target.state)
        ? [target.state]
        : ['queued', target.state];
      for (const to of path) {
        if (!canTransition(cur.state, to)) return;
        cur = await move(deps, cur, to, { set: { reason: to === target.state ? target.reason : null } });
        // A resolved submission is never itself work for an agent.
        if (to === 'queued')
          await deps.table.update(keys.download(hh, parentId), { remove: ['gsi1pk', 'gsi1sk'] });
      }
      await publishUpdate(deps, cur);
      return;
    } catch (e) {
      if (!(e instanceof StaleDownloadError)) throw e;
    }
  }
}

// ---- what agents report (called by the hub) -----------------------------------------------------

const guardOf = (agentId: string, attempt: number): LeaseGuard => ({ agentId, attempt });

/** Takes up to `max` queued jobs of the household for an agent, oldest first. */
export async function claimQueued(
  deps: DownloadDeps,
  hh: string,
  agentId: string,
  max: number,
): Promise<DownloadItem[]> {
  if (max <= 0) return [];
  const page = await deps.table.query<DownloadItem>({
    index: 'gsi1',
    pk: keys.queueIndex(hh),
    limit: Math.min(100, max * 3),
  });
  const claimed: DownloadItem[] = [];
  const parents = new Map<string, DownloadItem | undefined>();
  for (const stale of page.items) {
    if (claimed.length >= max) break;
    const item = await load(deps, hh, stale.id);
    if (item?.state !== 'queued') continue;
    if (item.parentId) {
      if (!parents.has(item.parentId)) parents.set(item.parentId, await load(deps, hh, item.parentId));
      if (parents.get(item.parentId)?.cancelRequested) {
        // Its submission was cancelled and the batches have not reached it yet: never offered.
        await cancelOne(deps, hh, item.id, true).catch(() => undefined);
        continue;
      }
    }
    const to: State = item.kind === 'submission' ? 'resolving' : 'downloading';
    try {
      const next = await move(deps, item, to, {
        takeLease: agentId,
        add: { tries: 1 },
        set: { progress: null },
      });
      claimed.push(next);
      await publishUpdate(deps, next);
      if (next.parentId) await syncParent(deps, hh, next.parentId);
    } catch (e) {
      if (!(e instanceof StaleDownloadError)) throw e;
    }
  }
  return claimed;
}

/** Extends the agent's lease; false when the agent no longer holds this attempt. */
export async function renewLease(
  deps: DownloadDeps,
  hh: string,
  id: string,
  guard: LeaseGuard,
): Promise<boolean> {
  const leaseUntil = deps.clock.now() + LEASE_MS;
  try {
    await deps.table.update(keys.download(hh, id), {
      set: { leaseUntil, gsi2pk: keys.LEASE_INDEX, gsi2sk: keys.leaseSk(leaseUntil, hh, id) },
      condition: {
        and: [
          { attr: 'leaseOwner', op: '=', value: guard.agentId },
          { attr: 'attempt', op: '=', value: guard.attempt },
        ],
      },
    });
    return true;
  } catch (e) {
    if (e instanceof ConditionFailedError) return false;
    throw e;
  }
}

/** Records progress (and renews the lease); false when the agent no longer holds the job. */
export async function reportProgress(
  deps: DownloadDeps,
  hh: string,
  id: string,
  guard: LeaseGuard,
  progress: Omit<Progress, 'at'>,
): Promise<boolean> {
  const now = deps.clock.now();
  const leaseUntil = now + LEASE_MS;
  let item: DownloadItem;
  try {
    item = await deps.table.update<DownloadItem>(keys.download(hh, id), {
      set: {
        progress: { ...progress, at: now },
        leaseUntil,
        gsi2pk: keys.LEASE_INDEX,
        gsi2sk: keys.leaseSk(leaseUntil, hh, id),
      },
      condition: {
        and: [
          { attr: 'state', op: '=', value: 'downloading' },
          { attr: 'leaseOwner', op: '=', value: guard.agentId },
          { attr: 'attempt', op: '=', value: guard.attempt },
        ],
      },
    });
  } catch (e) {
    if (e instanceof ConditionFailedError) return false;
    throw e;
  }
  await publish(deps, item, {
    type: 'download.progress',
    data: { id: item.id, parentId: item.parentId, state: item.state, progress: item.progress },
  });
  return true;
}

/** An agent-reported move (post-processing, importing, done, failed, or back to queued). */
export async function reportState(
  deps: DownloadDeps,
  hh: string,
  id: string,
  guard: LeaseGuard,
  to: State,
  set: Record<string, unknown> = {},
): Promise<DownloadItem | undefined> {
  const item = await load(deps, hh, id);
  if (!item || item.leaseOwner !== guard.agentId || item.attempt !== guard.attempt) return undefined;
  if (item.state === to) return item;
  if (!canTransition(item.state, to)) return undefined;
  try {
    const next = await move(deps, item, to, { lease: guard, set });
    await publishUpdate(deps, next);
    if (next.parentId) await syncParent(deps, hh, next.parentId);
    return next;
  } catch (e) {
    if (e instanceof StaleDownloadError) return undefined;
    throw e;
  }
}

export async function reportDone(
  deps: DownloadDeps,
  hh: string,
  id: string,
  guard: LeaseGuard,
  files: StoredFile[],
): Promise<DownloadItem | undefined> {
  const bytes = files.reduce((s, f) => s + f.bytes, 0);
  const item = await load(deps, hh, id);
  const percent = {
    percent: 100,
    downloadedBytes: item?.progress?.downloadedBytes ?? bytes,
    totalBytes: item?.progress?.totalBytes ?? null,
    speed: null,
    eta: null,
    at: deps.clock.now(),
  };
  const next = await reportState(deps, hh, id, guard, 'done', { files, progress: percent, reason: null });
  if (next && next.state === 'done' && item?.state !== 'done') {
    await addStoredBytes(deps, hh, next.userId, bytes);
    metrics().download({ ok: true, bytes, householdId: hh });
  }
  return next;
}

/** Failures the agent reports, or a lease that ran out: retried until maxAttempts, then failed. */
export async function reportFailed(
  deps: DownloadDeps,
  hh: string,
  id: string,
  guard: LeaseGuard,
  reason: Reason,
): Promise<DownloadItem | undefined> {
  const next = await reportState(deps, hh, id, guard, 'failed', { reason });
  if (next?.state === 'failed') {
    metrics().download({ ok: false, householdId: hh });
    if (next.kind === 'submission' && next.childCount === 0) await abandonResolution(deps, hh, id);
  }
  return next;
}

// ---- resolution ---------------------------------------------------------------------------------

/** Receipts of a resolution's parts outlive it by this much at most (they are deleted when it ends). */
const PART_TTL_SECONDS = 2 * 24 * 3600;
/** Duplicates named on a submission (the item stays far below DynamoDB's 400 KB). */
export const MAX_LISTED_DUPLICATES = 50;
/** Video jobs of one part written at once. */
const PART_CONCURRENCY = 8;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The video job for slot `slot` of a submission: the same id every time the same part (or the same
 * playlist position in a later attempt) is applied, so applying a part twice makes no second job.
 * A ULID one millisecond after the submission's (children sort right after it), then 12 characters
 * from a hash of the submission's id and the slot in 4 (playlist order within the submission).
 */
export function childIdOf(parentId: string, slot: number): string {
  const time = encodeTime(decodeTime(ulidOf(parentId)) + 1, 10);
  const hash = createHash('sha256').update(parentId).digest();
  let tail = '';
  for (let i = 0; i < 12; i++) tail += CROCKFORD[(hash[i] ?? 0) & 31];
  for (let shift = 15; shift >= 0; shift -= 5) tail += CROCKFORD[(slot >> shift) & 31];
  return `dl_${time}${tail}`;
}

/** Slots past the first thousand: a position whose video changed between two attempts. */
const altSlot = (attempt: number, index: number) => ((attempt % 1000) + 1) * 1000 + index;

const videoKey = (v: { extractor: string; videoId: string }) => `${v.extractor.toLowerCase()}:${v.videoId}`;
const sameVideo = (item: DownloadItem, v: ResolvedVideo) =>
  !!item.video && videoKey(item.video) === videoKey(v);

async function mapLimit<T, R>(
  items: T[],
  limit: number,
  f: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Claims a video for a download, or names the download that already has it. */
async function claimVideo(
  deps: DownloadDeps,
  hh: string,
  video: { extractor: string; videoId: string; title: string },
  downloadId: string,
  userId: string,
): Promise<Duplicate | undefined> {
  const key = keys.videoClaim(hh, video.extractor, video.videoId);
  const claim: VideoClaimItem = {
    ...key,
    type: 'download_video',
    downloadId,
    userId,
    title: video.title,
    createdAt: deps.clock.now(),
  };
  for (let i = 0; i < 3; i++) {
    const existing = await deps.table.get<VideoClaimItem>(key);
    // Ours already: the same part applied again, or a later attempt of the same submission.
    if (existing?.downloadId === downloadId) return undefined;
    if (existing) {
      const holder = await load(deps, hh, existing.downloadId);
      // A failed or cancelled download does not block downloading the video again.
      if (holder && holder.state !== 'failed' && holder.state !== 'cancelled') {
        return { videoId: video.videoId, title: video.title, existingId: existing.downloadId };
      }
    }
    try {
      await deps.table.put(
        claim,
        existing ? { attr: 'downloadId', op: '=', value: existing.downloadId } : notExists,
      );
      return undefined;
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
  }
  return { videoId: video.videoId, title: video.title, existingId: 'unknown' };
}

interface Header {
  title: string | null;
  channel: string | null;
  playlist: string | null;
}

const headerOf = (result: ResolveResult): Header => {
  const first = result.entries[0];
  return {
    title: result.playlist?.title ?? first?.title ?? null,
    channel: result.playlist?.channel ?? first?.channel ?? null,
    playlist: result.kind === 'playlist' ? (result.playlist?.title ?? null) : null,
  };
};

const holdsResolution = (item: DownloadItem | undefined, guard: LeaseGuard): boolean =>
  item?.kind === 'submission' &&
  item.state === 'resolving' &&
  item.leaseOwner === guard.agentId &&
  item.attempt === guard.attempt;

/**
 * Takes the playlist's videos beyond the first (the submission took that one) from the member's
 * hourly quota, all or nothing, once per submission: whichever part of the first resolution comes
 * first does it, atomically with marking the submission. Duplicates are given back at the end.
 */
async function reserveOnce(
  deps: DownloadDeps,
  parent: DownloadItem,
  guard: LeaseGuard,
  total: number,
): Promise<{ ok: true } | { ok: false; refusal?: AppError }> {
  const n = total - 1;
  // Nothing beyond the submission's own video (it took that one at submit time).
  if (parent.reservedVideos !== undefined || n <= 0) return { ok: true };
  const limits = await limitsOf(deps, parent.householdId);
  const refuse = async () => ({
    ok: false as const,
    refusal: await videoQuotaRefusal(deps, parent.householdId, parent.userId, n, limits),
  });
  if (n > limits.videosPerHour) return refuse();
  const now = deps.clock.now();
  const mark: UpdateSpec = {
    set: { reservedVideos: n, reservedAt: now },
    condition: {
      and: [
        { attr: 'state', op: '=', value: 'resolving' },
        { attr: 'leaseOwner', op: '=', value: guard.agentId },
        { attr: 'attempt', op: '=', value: guard.attempt },
        { attr: 'reservedVideos', exists: false },
      ],
    },
  };
  const key = keys.download(parent.householdId, parent.id);
  try {
    const quota = hourlyQuotaWrite(parent.householdId, parent.userId, n, now, limits);
    await deps.table.transact([
      { update: key, spec: mark },
      { update: quota.key, spec: quota.spec },
    ]);
    return { ok: true };
  } catch (e) {
    if (e instanceof TransactionCanceledError && e.failed.includes(0)) {
      // Another part reserved first (fine), or the submission moved on (this part is stale).
      const now = await load(deps, parent.householdId, parent.id);
      return now && holdsResolution(now, guard) && now.reservedVideos !== undefined
        ? { ok: true }
        : { ok: false };
    }
    if (e instanceof TransactionCanceledError) return refuse();
    throw e;
  }
}

interface AppliedPart {
  offset: number;
  count: number;
  childIds: string[];
  duplicates: Duplicate[];
}

/**
 * Queues the video jobs of one part's entries (ids from the submission and the position, so a
 * part applied twice, or again by a later attempt, makes no second job) and reports duplicates.
 * A job of a previous attempt that failed or was cancelled is queued again.
 */
async function applyPart(
  deps: DownloadDeps,
  parent: DownloadItem,
  attempt: number,
  entries: ResolvedVideo[],
  offset: number,
  header: Header,
): Promise<AppliedPart> {
  const hh = parent.householdId;
  const now = deps.clock.now();
  const firstIds = entries.map((_, i) => childIdOf(parent.id, offset + i));
  const existing = new Map<string, DownloadItem>();
  for (let i = 0; i < firstIds.length; i += 100) {
    for (const item of await deps.table.batchGet<DownloadItem>(
      firstIds.slice(i, i + 100).map((id) => keys.download(hh, id)),
    ))
      existing.set(item.id, item);
  }
  // The same video twice in the part: the first one counts, the others are duplicates of it.
  const firstOf = new Map<string, number>();
  entries.forEach((v, i) => {
    if (!firstOf.has(videoKey(v))) firstOf.set(videoKey(v), i);
  });
  const results = await mapLimit(entries, PART_CONCURRENCY, async (video, i) => {
    const index = offset + i;
    const first = firstOf.get(videoKey(video)) ?? i;
    if (first !== i) {
      return {
        duplicate: { videoId: video.videoId, title: video.title, existingId: firstIds[first] as string },
      };
    }
    let childId = firstIds[i] as string;
    let held: DownloadItem | undefined = existing.get(childId);
    if (held && !sameVideo(held, video)) {
      // The playlist changed between two attempts: this position holds another video now.
      childId = childIdOf(parent.id, altSlot(attempt, index));
      held = await load(deps, hh, childId);
      if (held && !sameVideo(held, video)) {
        return { duplicate: { videoId: video.videoId, title: video.title, existingId: childId } };
      }
    }
    const dup = await claimVideo(deps, hh, video, childId, parent.userId);
    if (dup) return { duplicate: dup };
    if (held) {
      if (held.state === 'failed' || held.state === 'cancelled') await requeue(deps, hh, held.id);
      return { childId };
    }
    const ulid = ulidOf(childId);
    const child: DownloadItem = {
      pk: `H#${hh}`,
      sk: `DL#${ulid}`,
      type: 'download',
      v: ENTITY_VERSION,
      rev: 1,
      id: childId,
      householdId: hh,
      userId: parent.userId,
      kind: 'video',
      parentId: parent.id,
      url: video.url,
      quality: parent.quality,
      target: parent.target,
      state: 'queued',
      reason: null,
      title: video.title,
      channel: video.channel,
      video,
      playlist: header.playlist,
      progress: null,
      files: [],
      childCount: 0,
      childIds: [],
      duplicates: [],
      attempt: 0,
      leaseOwner: null,
      leaseUntil: null,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
      tries: 0,
      gsi1pk: keys.queueIndex(hh),
      gsi1sk: ulid,
    };
    try {
      // Counted on the submission in the same write (a part applied twice counts each job once).
      const count = counterWrite(hh, parent.id, undefined, 'queued');
      await deps.table.transact([
        { put: child, condition: notExists },
        { update: count.key, spec: count.spec },
      ]);
      await publishUpdate(deps, child);
    } catch (e) {
      // The same part applied at the same moment by another invocation: its job is this one.
      if (!(e instanceof TransactionCanceledError && e.failed.includes(0))) throw e;
    }
    return { childId };
  });
  const childIds: string[] = [];
  const duplicates: Duplicate[] = [];
  for (const r of results) {
    if ('childId' in r && r.childId) childIds.push(r.childId);
    if ('duplicate' in r && r.duplicate) duplicates.push(r.duplicate);
  }
  return { offset, count: entries.length, childIds, duplicates };
}

/** Whether the parts' entries cover positions 0 … total - 1. */
function covers(parts: AppliedPart[], total: number): boolean {
  let end = 0;
  for (const p of [...parts].sort((a, b) => a.offset - b.offset)) {
    if (p.offset > end) return false;
    end = Math.max(end, p.offset + p.count);
  }
  return end >= total;
}

async function receiptsOf(deps: DownloadDeps, hh: string, parentId: string, attempt?: number) {
  return queryAll<ResolvePartItem>(deps.table, {
    pk: `H#${hh}`,
    sk: { beginsWith: keys.resolvePartsPrefix(parentId, attempt) },
  });
}

async function dropReceipts(deps: DownloadDeps, hh: string, parentId: string): Promise<void> {
  const receipts = await receiptsOf(deps, hh, parentId);
  for (let i = 0; i < receipts.length; i += 25) {
    await deps.table.batchWrite({ deletes: receipts.slice(i, i + 25).map(({ pk, sk }) => ({ pk, sk })) });
  }
}

/**
 * A submission that ended while it was being resolved (cancelled, failed, given up): the video
 * jobs its parts already queued are cancelled, and the receipts deleted.
 */
export async function abandonResolution(
  deps: DownloadDeps,
  hh: string,
  parentId: string,
  childIds: string[] = [],
): Promise<void> {
  const receipts = await receiptsOf(deps, hh, parentId);
  const ids = new Set([...childIds, ...receipts.flatMap((r) => r.childIds)]);
  for (const id of ids) {
    const child = await load(deps, hh, id);
    if (child && !isTerminal(child.state)) await cancelOne(deps, hh, id).catch(() => undefined);
  }
  await dropReceipts(deps, hh, parentId);
}

/**
 * The agent resolved a submission, in one `job.resolved` or in parts (`part`: this slice's place
 * among `total` entries; any order, any part more than once). Each part queues its videos as jobs
 * at once (downloads start while later parts travel) and reports duplicates; the playlist's videos
 * are taken from the member's hourly quota once, all or nothing, when the first part arrives
 * (duplicates are given back at the end). When every part is in, the submission moves on.
 */
export async function reportResolved(
  deps: DownloadDeps,
  hh: string,
  id: string,
  guard: LeaseGuard,
  result: ResolveResult,
  part?: ResolvePart,
): Promise<DownloadItem | undefined> {
  const parent = await load(deps, hh, id);
  if (!parent || !holdsResolution(parent, guard)) return undefined;
  const header = headerOf(result);
  const slice = part ?? { offset: 0, total: result.entries.length };
  if (slice.total === 0) {
    return reportState(deps, hh, id, guard, 'failed', {
      ...header,
      reason: { code: 'empty', message: 'There is nothing to download at that link' },
    });
  }
  // A part is a sign of life: the resolution's lease runs on while parts arrive.
  if (!(await renewLease(deps, hh, id, guard))) return undefined;
  const reserved = await reserveOnce(deps, parent, guard, slice.total);
  if (!reserved.ok) {
    if (!reserved.refusal) return undefined;
    return reportState(deps, hh, id, guard, 'failed', {
      ...header,
      reason: { code: 'quota', message: reserved.refusal.message },
    });
  }
  const applied = await applyPart(deps, parent, guard.attempt, result.entries, slice.offset, header);
  if (applied.childIds.length > 0) await deps.notifyAgents?.(hh);
  let parts: AppliedPart[] = [applied];
  if (!(slice.offset === 0 && result.entries.length >= slice.total)) {
    const receipt: ResolvePartItem = {
      ...keys.resolvePart(hh, id, guard.attempt, slice.offset),
      type: 'download_part',
      parentId: id,
      attempt: guard.attempt,
      offset: slice.offset,
      count: applied.count,
      total: slice.total,
      childIds: applied.childIds,
      duplicates: applied.duplicates,
      ttl: Math.floor(deps.clock.now() / 1000) + PART_TTL_SECONDS,
    };
    await deps.table.put(receipt);
    parts = (await receiptsOf(deps, hh, id, guard.attempt)).filter((r) => r.total === slice.total);
    if (!covers(parts, slice.total)) {
      // Written before reading: a cancel that missed this receipt is seen here (and vice versa).
      const now = await load(deps, hh, id);
      if (now && isTerminal(now.state) && now.childCount === 0) await abandonResolution(deps, hh, id);
      return now;
    }
  }
  return finishResolution(deps, hh, id, guard, parts, header);
}

/** Every part is in: the submission mirrors its videos from now on (or fails when all were duplicates). */
async function finishResolution(
  deps: DownloadDeps,
  hh: string,
  id: string,
  guard: LeaseGuard,
  parts: AppliedPart[],
  header: Header,
): Promise<DownloadItem | undefined> {
  const sorted = [...parts].sort((a, b) => a.offset - b.offset);
  const childIds = [...new Set(sorted.flatMap((p) => p.childIds))];
  const allDuplicates = sorted.flatMap((p) => p.duplicates);
  const duplicates = allDuplicates.slice(0, MAX_LISTED_DUPLICATES);
  const parent = await load(deps, hh, id);
  if (!parent || !holdsResolution(parent, guard)) {
    if (parent && isTerminal(parent.state) && parent.childCount === 0)
      await abandonResolution(deps, hh, id, childIds);
    return undefined;
  }
  // What the quota was charged beyond the submission's own video, against what it should be.
  const reserved = parent.reservedVideos ?? 0;
  const refund = reserved - Math.max(0, childIds.length - 1);
  const write =
    childIds.length === 0
      ? moveWrite(deps, parent, 'failed', {
          lease: guard,
          anyRev: true,
          set: {
            ...header,
            duplicates,
            reason: {
              code: 'duplicate',
              message: `Already downloaded or queued in this household: ${duplicates
                .slice(0, 3)
                .map((d) => d.title)
                .join(', ')}${allDuplicates.length > 3 ? ` and ${allDuplicates.length - 3} more` : ''}`,
            },
          },
        })
      : moveWrite(deps, parent, 'downloading', {
          lease: guard,
          anyRev: true,
          set: {
            ...header,
            duplicates,
            childCount: childIds.length,
            childIds,
            leaseOwner: null,
            leaseUntil: null,
          },
          remove: ['gsi2pk', 'gsi2sk'],
        });
  try {
    if (refund !== 0 && parent.reservedAt !== undefined) {
      const quota = hourlyQuotaWrite(hh, parent.userId, -refund, parent.reservedAt, null);
      await deps.table.transact([
        { update: write.key, spec: write.spec },
        { update: quota.key, spec: quota.spec },
      ]);
    } else {
      await deps.table.update(write.key, write.spec);
    }
  } catch (e) {
    if (!(e instanceof ConditionFailedError || e instanceof TransactionCanceledError)) throw e;
    // Cancelled meanwhile, or another invocation finished it: only a cancel leaves work to undo.
    const now = await load(deps, hh, id);
    if (now && isTerminal(now.state) && now.childCount === 0) await abandonResolution(deps, hh, id, childIds);
    return undefined;
  }
  const next = await load(deps, hh, id);
  if (!next) return undefined;
  await publishUpdate(deps, next);
  await dropReceipts(deps, hh, id);
  // Videos may have started (or finished) while the parts arrived.
  if (next.childCount > 0) await syncParent(deps, hh, id);
  await deps.notifyAgents?.(hh);
  return (await load(deps, hh, id)) ?? next;
}

// ---- leases that ran out ------------------------------------------------------------------------

export const AGENT_LOST: Reason = {
  code: 'agent_lost',
  message: 'The household agent stopped responding and the download was given up',
};

/**
 * After the server starts, agents get one lease window to reconnect and re-announce what they run
 * (their hello renews those leases, so a download keeps its attempt) before any lease is expired.
 * Agents reconnect with a backoff of at most ~36 s (30 s ± 20 %), well inside it.
 */
export const LEASE_GRACE_MS = LEASE_MS;

/**
 * Records that the server (re)started now. A server that was down longer than a lease would
 * otherwise expire, at its first sweep, every lease its agents still hold and restart their
 * downloads from zero; with this, sweeps skip expiry until `LEASE_GRACE_MS` after the start. One
 * item for the whole store; the runtime that owns the agents' sockets calls it at boot (the
 * self-hosted one; on AWS the agents' connections do not go down with a process).
 */
export async function markServerStart(deps: { table: Table; clock: { now(): number } }): Promise<void> {
  const now = deps.clock.now();
  const item: ServerStartItem = {
    ...keys.serverStart,
    type: 'download_server_start',
    startedAt: now,
    graceUntil: now + LEASE_GRACE_MS,
  };
  await deps.table.put(item);
}

/**
 * Jobs whose agent vanished: back to the queue (another agent, or the same one after a restart,
 * picks them up) until the household's maxAttempts, then failed with a reason. Run from the tick.
 */
export async function sweepLeases(
  deps: DownloadDeps,
  options: { limit?: number } = {},
): Promise<{ requeued: number; failed: number }> {
  const now = deps.clock.now();
  // Just (re)started: the agents have not had their chance to re-announce yet.
  const start = await deps.table.get<ServerStartItem>(keys.serverStart);
  if (start && now < start.graceUntil) return { requeued: 0, failed: 0 };
  const page = await deps.table.query<DownloadItem>({
    index: 'gsi2',
    pk: keys.LEASE_INDEX,
    sk: { lt: `${String(now).padStart(13, '0')}#` },
    limit: options.limit ?? 100,
  });
  let requeued = 0;
  let failed = 0;
  for (const stale of page.items) {
    const item = await load(deps, stale.householdId, stale.id);
    if (
      item?.bulkAt !== undefined &&
      item.bulkAt !== null &&
      item.leaseUntil !== null &&
      item.leaseUntil <= now
    ) {
      await resumeBulk(deps, item);
      continue;
    }
    if (!item || !LEASED.includes(item.state) || item.leaseUntil === null || item.leaseUntil > now) continue;
    const limits = await limitsOf(deps, item.householdId);
    const guard = guardOf(item.leaseOwner ?? '', item.attempt);
    const giveUp = Number(item.tries ?? item.attempt) >= limits.maxAttempts;
    try {
      const next = await move(deps, item, giveUp ? 'failed' : 'queued', {
        lease: guard,
        set: giveUp ? { reason: AGENT_LOST } : { progress: null },
      });
      if (giveUp) failed++;
      else requeued++;
      if (giveUp && next.kind === 'submission' && next.childCount === 0)
        await abandonResolution(deps, next.householdId, next.id);
      await publishUpdate(deps, next);
      if (next.parentId) await syncParent(deps, next.householdId, next.parentId);
      await deps.notifyAgents?.(next.householdId);
    } catch (e) {
      if (!(e instanceof StaleDownloadError)) throw e;
    }
  }
  return { requeued, failed };
}
