/**
 * The availability index: a `library.sync` job reads every section's guids from Plex into
 * `LIB#<scope>#<guid>` items (keys.ts), so request search can say "Available" without asking Plex.
 *
 * - Full sync: every section, `includeGuids=1`, pages of FULL_PAGE items sorted by `addedAt` (new
 *   items land at the end, so offsets stay valid while Plex scans), written blind with batchWrite
 *   (25 per call, WRITE_CONCURRENCY calls at a time). When a section is complete, its index items
 *   from older generations are deleted: the full listing proved them gone. Sections that vanished
 *   are dropped whole.
 * - Incremental sync: per section, `sort=updatedAt:desc` in pages of INCREMENTAL_PAGE, stopping at
 *   the first item older than the section's watermark; it deletes nothing (it cannot prove an
 *   absence). The periodic full sync is the reconcile.
 * - Resumable: the run's cursor (section, offset) and counts live in `LIBSYNC`, saved after every
 *   page with a revision check. Each job message runs at most PAGES_PER_STEP pages, then enqueues
 *   the next step; a crashed step's message is redelivered by the queue and resumes from the last
 *   saved page (index writes are idempotent puts). A duplicate delivery loses the revision race
 *   and stops.
 * - Live: admins' sockets get `library.sync` messages (`{ householdId, event: 'progress' |
 *   'finished', status }`, the status as `syncStatus` answers it)
 *   when a run starts, at most once per PUBLISH_EVERY_MS per household while it moves (the time of
 *   the last one is kept in the run's record, so the throttle holds across steps and processes),
 *   when a step fails, and when it finishes. They are hints: the admin card re-reads on reconnect.
 */
import { z } from 'zod';
import { fn } from '../actor/fn.ts';
import { newUlid } from '../actor/id.ts';
import { AppError } from '../error/index.ts';
import { requireAccess } from '../household/access.ts';
import type { MemberItem } from '../household/keys.ts';
import type { PlexItem, PlexServerClient } from '../integration/client/plex-server.ts';
import { defineJob, JOBS_QUEUE } from '../jobs/registry.ts';
import type { Logger } from '../observability/logger.ts';
import type { Http } from '../port/http.ts';
import type { Realtime } from '../port/realtime.ts';
import { type Condition, ConditionFailedError, type Item, type Key } from '../port/table.ts';
import type { System } from '../system/index.ts';
import type { LibraryDeps, LibraryServers } from './deps.ts';
import { SyncBusyError, serverFailure } from './errors.ts';
import {
  ENTITY_VERSION,
  type IndexItem,
  keys,
  type SyncCounts,
  type SyncItem,
  type SyncSection,
  scopeOf,
} from './keys.ts';
import { plexClient } from './servers.ts';
import { integrationServers } from './sources.ts';

export const FULL_PAGE = 1000;
export const INCREMENTAL_PAGE = 200;
export const PAGES_PER_STEP = 10;
/** A step stops after this long even with pages left (Lambda and visibility timeouts). */
export const STEP_BUDGET_MS = 20_000;
export const WRITE_CONCURRENCY = 4;
/** A run whose record has not moved for this long is considered crashed and may be resumed. */
export const STALE_RUN_MS = 10 * 60 * 1000;
export const SYNC_JOB = 'library.sync';
/** The realtime message type admins' sockets receive. */
export const SYNC_MESSAGE = 'library.sync';
/** At most one progress message per household this often (start, failure and finish always go out). */
export const PUBLISH_EVERY_MS = 1_000;
/** Section types whose items carry movie/TV guids. */
const INDEXED_TYPES = new Set(['movie', 'show']);

export type SyncDeps = Pick<
  LibraryDeps,
  | 'table'
  | 'clock'
  | 'http'
  | 'servers'
  | 'queue'
  | 'logger'
  | 'syncTimeoutMs'
  | 'timeoutMs'
  | 'clientIdentifier'
> & {
  /** Where progress is announced to the household's admins; none, no announcements. */
  realtime?: Realtime;
  /** Tests and the benchmark shrink or grow the chunking. */
  sync?: { fullPage?: number; incrementalPage?: number; pagesPerStep?: number };
};

export const SyncJobData = z.object({
  householdId: z.string().min(1),
  runId: z.string().min(1),
});
export type SyncJobData = z.infer<typeof SyncJobData>;

const emptyCounts = (): SyncCounts => ({ itemsRead: 0, written: 0, deleted: 0, requests: 0, writeCalls: 0 });

function initial(hh: string, now: number): SyncItem {
  return {
    ...keys.sync(hh),
    type: 'libsync',
    v: ENTITY_VERSION,
    rev: 0,
    state: 'idle',
    runId: null,
    mode: null,
    gen: 0,
    sections: [],
    scopes: [],
    counts: emptyCounts(),
    startedAt: null,
    finishedAt: null,
    lastFullAt: null,
    lastIncrementalAt: null,
    error: null,
    steps: 0,
    planned: false,
    updatedAt: now,
  };
}

type Progress = SyncItem;

async function load(deps: SyncDeps, hh: string): Promise<Progress | undefined> {
  return deps.table.get<Progress>(keys.sync(hh));
}

/** Saves the record if nobody else moved it since it was read; false when another step did. */
async function save(deps: SyncDeps, p: Progress): Promise<boolean> {
  const expected = p.rev;
  const next: Progress = { ...p, rev: expected + 1, updatedAt: deps.clock.now() };
  const condition: Condition =
    expected === 0 ? { attr: 'pk', exists: false } : { attr: 'rev', op: '=', value: expected };
  try {
    await deps.table.put(next, condition);
    Object.assign(p, next);
    return true;
  } catch (err) {
    if (err instanceof ConditionFailedError) return false;
    throw err;
  }
}

/** Owners and admins: who may see the sync's progress (`syncStatus` asks for the admin role). */
async function adminsOf(deps: SyncDeps, hh: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.table.query<MemberItem>({
      pk: `H#${hh}`,
      sk: { beginsWith: 'M#' },
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    for (const m of page.items) if (m.status === 'active' && m.role !== 'member') ids.push(m.userId);
    cursor = page.cursor;
  } while (cursor);
  return ids;
}

/** Tells each admin's sockets how the run stands. Never fails the sync: a lost hint is re-read later. */
async function announce(deps: SyncDeps, hh: string, p: Progress, event: 'progress' | 'finished') {
  const realtime = deps.realtime;
  if (!realtime) return;
  try {
    const message = {
      type: SYNC_MESSAGE,
      data: { householdId: hh, event, status: toStatus(p, deps.clock.now()) },
    };
    const admins = await adminsOf(deps, hh);
    await Promise.all(
      admins.map((userId) =>
        realtime.publish({ householdId: hh, userId }, message).catch((error: unknown) => {
          deps.logger?.warn('Could not push library sync progress', {
            householdId: hh,
            error: String(error),
          });
        }),
      ),
    );
  } catch (error) {
    deps.logger?.warn('Could not push library sync progress', { householdId: hh, error: String(error) });
  }
}

/**
 * Saves the record and, when due (or `always`), announces it. The announcement's time is saved
 * with the record, so a step that loses the revision race announces nothing.
 */
async function saveAndAnnounce(
  deps: SyncDeps,
  hh: string,
  p: Progress,
  options: { always?: boolean; event?: 'progress' | 'finished' } = {},
): Promise<boolean> {
  const now = deps.clock.now();
  const due =
    deps.realtime !== undefined &&
    (options.always === true || now - (p.publishedAt ?? 0) >= PUBLISH_EVERY_MS);
  const before = p.publishedAt;
  if (due) p.publishedAt = now;
  if (!(await save(deps, p))) {
    p.publishedAt = before;
    return false;
  }
  if (due) await announce(deps, hh, p, options.event ?? 'progress');
  return true;
}

async function enqueueStep(deps: SyncDeps, data: SyncJobData, step: number): Promise<void> {
  await deps.queue.send(
    JOBS_QUEUE,
    { type: SYNC_JOB, data },
    // A retried send of the same step is dropped by the queue; the next step has its own id.
    { dedupId: `${SYNC_JOB}#${data.runId}#${step}` },
  );
}

export interface BeginResult {
  runId: string;
  mode: 'full' | 'incremental';
  /** A crashed run was picked up where it stopped rather than started over. */
  resumed: boolean;
}

/**
 * Starts a sync of the household's index (or resumes a crashed one). An incremental sync before
 * any full sync is a full sync. Throws SyncBusyError while a live run is in progress.
 */
export async function beginSync(
  deps: SyncDeps,
  hh: string,
  requested: 'full' | 'incremental',
): Promise<BeginResult> {
  const now = deps.clock.now();
  const p = (await load(deps, hh)) ?? (initial(hh, now) as Progress);
  if (p.state === 'running' && p.runId) {
    if (now - p.updatedAt < STALE_RUN_MS) throw new SyncBusyError();
    // The run stopped moving (its messages died or went to the dead-letter queue): carry on from the cursor.
    p.error = null;
    p.steps += 1;
    if (!(await saveAndAnnounce(deps, hh, p, { always: true }))) throw new SyncBusyError();
    await enqueueStep(deps, { householdId: hh, runId: p.runId }, p.steps);
    return { runId: p.runId, mode: p.mode ?? 'full', resumed: true };
  }
  const mode = requested === 'incremental' && p.lastFullAt === null ? 'full' : requested;
  const runId = newUlid(now);
  Object.assign(p, {
    state: 'running',
    runId,
    mode,
    counts: emptyCounts(),
    startedAt: now,
    finishedAt: null,
    error: null,
    steps: 0,
    planned: false,
    gen: mode === 'full' ? p.gen + 1 : p.gen,
  });
  if (!(await saveAndAnnounce(deps, hh, p, { always: true }))) throw new SyncBusyError();
  await enqueueStep(deps, { householdId: hh, runId }, 0);
  return { runId, mode, resumed: false };
}

/** Lists what this run will read: every movie and show section of every household server. */
async function plan(deps: SyncDeps, p: Progress, hh: string): Promise<void> {
  const previous = new Map(p.sections.map((s) => [scopeOf(s.server, s.key), s]));
  const sections: SyncSection[] = [];
  for (const conn of await deps.servers.list(hh)) {
    const client = plexClient(deps as LibraryDeps, hh, conn, conn.token, 'sync');
    let listed: Awaited<ReturnType<PlexServerClient['sections']>>;
    try {
      listed = await client.sections();
    } catch (err) {
      throw serverFailure(err, conn.name, conn.machineIdentifier);
    }
    p.counts.requests += 1;
    for (const s of listed) {
      if (!INDEXED_TYPES.has(s.type)) continue;
      const before = previous.get(scopeOf(conn.machineIdentifier, s.key));
      sections.push({
        server: conn.machineIdentifier,
        serverName: conn.name,
        key: s.key,
        title: s.title,
        type: s.type,
        total: before?.total ?? 0,
        offset: 0,
        done: false,
        // A new section has no watermark: an incremental pass reads it whole.
        watermark: before?.watermark ?? 0,
      });
    }
  }
  p.sections = sections;
  p.planned = true;
}

/** The index items a page becomes: one per external guid, rating keys merged within the page. */
export function indexItemsOf(
  hh: string,
  section: SyncSection,
  items: PlexItem[],
  gen: number,
  now: number,
): IndexItem[] {
  const scope = scopeOf(section.server, section.key);
  const out = new Map<string, IndexItem>();
  for (const i of items) {
    for (const g of i.Guid ?? []) {
      if (!/^(tmdb|imdb|tvdb):\/\/[A-Za-z0-9]+$/.test(g.id)) continue;
      const existing = out.get(g.id);
      if (existing) {
        if (!existing.rk.includes(i.ratingKey)) existing.rk.push(i.ratingKey);
        continue;
      }
      out.set(g.id, {
        ...keys.index(hh, scope, g.id),
        type: 'lib',
        v: ENTITY_VERSION,
        guid: g.id,
        server: section.server,
        section: section.key,
        rk: [i.ratingKey],
        t: i.type,
        ...(i.type === 'show' ? { seasons: i.childCount ?? 0, episodes: i.leafCount ?? 0 } : {}),
        gen,
        at: now,
      });
    }
  }
  return [...out.values()];
}

/** batchWrite in chunks of 25, a few calls at a time. Returns the number of calls. */
async function writeAll(deps: SyncDeps, ops: { puts?: Item[]; deletes?: Key[] }): Promise<number> {
  const chunks: { puts?: Item[]; deletes?: Key[] }[] = [];
  for (let i = 0; i < (ops.puts?.length ?? 0); i += 25) chunks.push({ puts: ops.puts?.slice(i, i + 25) });
  for (let i = 0; i < (ops.deletes?.length ?? 0); i += 25)
    chunks.push({ deletes: ops.deletes?.slice(i, i + 25) });
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++] as { puts?: Item[]; deletes?: Key[] };
      await deps.table.batchWrite(chunk);
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, chunks.length) }, worker));
  return chunks.length;
}

/** Deletes a scope's index items older than `gen` (all of them when gen is Infinity). */
async function reconcile(deps: SyncDeps, hh: string, scope: string, gen: number, counts: SyncCounts) {
  let cursor: string | undefined;
  do {
    const page = await deps.table.query<IndexItem>({
      pk: `H#${hh}`,
      sk: { beginsWith: keys.indexPrefix(scope) },
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    const stale = page.items.filter((i) => i.gen < gen).map((i) => ({ pk: i.pk, sk: i.sk }));
    if (stale.length) {
      counts.writeCalls += await writeAll(deps, { deletes: stale });
      counts.deleted += stale.length;
    }
    cursor = page.cursor;
  } while (cursor);
}

export interface StepResult {
  /** What the step did: `continued` enqueued another step, `finished` completed the run. */
  outcome: 'continued' | 'finished' | 'stale';
  pages: number;
}

/** One job message: up to PAGES_PER_STEP pages of the run, then the next step or the finish. */
export async function syncStep(deps: SyncDeps, data: SyncJobData): Promise<StepResult> {
  const hh = data.householdId;
  const p = await load(deps, hh);
  // A message of a finished, replaced or unknown run: nothing to do.
  if (p?.state !== 'running' || p.runId !== data.runId) return { outcome: 'stale', pages: 0 };
  const fullPage = deps.sync?.fullPage ?? FULL_PAGE;
  const incrementalPage = deps.sync?.incrementalPage ?? INCREMENTAL_PAGE;
  const maxPages = deps.sync?.pagesPerStep ?? PAGES_PER_STEP;
  const started = performance.now();
  let pages = 0;
  try {
    if (!p.planned) {
      await plan(deps, p, hh);
      if (!(await saveAndAnnounce(deps, hh, p))) return { outcome: 'stale', pages };
    }
    const conns = new Map((await deps.servers.list(hh)).map((c) => [c.machineIdentifier, c]));
    while (pages < maxPages && performance.now() - started < STEP_BUDGET_MS) {
      const section = p.sections.find((s) => !s.done);
      if (!section) break;
      const conn = conns.get(section.server);
      if (!conn) {
        // The server left the household mid-run; the finish drops its scopes.
        section.done = true;
        continue;
      }
      const client = plexClient(deps as LibraryDeps, hh, conn, conn.token, 'sync');
      const full = p.mode === 'full';
      let page: Awaited<ReturnType<PlexServerClient['sectionItems']>>;
      try {
        page = await client.sectionItems(section.key, {
          sort: full ? 'addedAt:asc' : 'updatedAt:desc',
          includeGuids: true,
          start: section.offset,
          size: full ? fullPage : incrementalPage,
        });
      } catch (err) {
        throw serverFailure(err, conn.name, conn.machineIdentifier);
      }
      pages += 1;
      p.counts.requests += 1;
      p.counts.itemsRead += page.items.length;
      const now = deps.clock.now();
      // Strictly newer: items at the watermark's second were read by the pass that set it (an edit
      // landing within that very second after the read is left to the next full reconcile).
      const fresh = full ? page.items : page.items.filter((i) => (i.updatedAt ?? 0) > section.watermark);
      const puts = indexItemsOf(hh, section, fresh, p.gen, now);
      p.counts.writeCalls += await writeAll(deps, { puts });
      p.counts.written += puts.length;
      const maxUpdated = page.items.reduce((m, i) => Math.max(m, i.updatedAt ?? 0), 0);
      section.pendingWatermark = Math.max(section.pendingWatermark ?? 0, maxUpdated);
      section.total = page.totalSize;
      section.offset += page.items.length;
      const reachedEnd = page.items.length === 0 || section.offset >= page.totalSize;
      // Sorted newest-updated first: one item older than the watermark means the rest are too.
      const reachedOld = !full && fresh.length < page.items.length;
      if (reachedEnd || reachedOld) {
        if (full) await reconcile(deps, hh, scopeOf(section.server, section.key), p.gen, p.counts);
        section.watermark = Math.max(section.watermark, section.pendingWatermark ?? 0);
        delete section.pendingWatermark;
        section.done = true;
      }
      if (!(await saveAndAnnounce(deps, hh, p))) return { outcome: 'stale', pages };
    }
    if (p.sections.some((s) => !s.done)) {
      p.steps += 1;
      if (!(await saveAndAnnounce(deps, hh, p))) return { outcome: 'stale', pages };
      await enqueueStep(deps, data, p.steps);
      return { outcome: 'continued', pages };
    }
    await finish(deps, p, hh);
    return { outcome: 'finished', pages };
  } catch (err) {
    // Recorded for the admin view; the queue retries the message, and the next attempt resumes.
    const fresh = await load(deps, hh);
    if (fresh && fresh.runId === data.runId) {
      fresh.error = err instanceof Error ? err.message : String(err);
      await saveAndAnnounce(deps, hh, fresh, { always: true });
    }
    throw err;
  }
}

async function finish(deps: SyncDeps, p: Progress, hh: string): Promise<void> {
  const now = deps.clock.now();
  const scopes = p.sections.map((s) => scopeOf(s.server, s.key));
  if (p.mode === 'full') {
    for (const gone of p.scopes.filter((s) => !scopes.includes(s))) {
      await reconcile(deps, hh, gone, Number.POSITIVE_INFINITY, p.counts);
    }
    p.scopes = scopes;
    p.lastFullAt = now;
  } else {
    // Keep every scope a full pass indexed; add ones an incremental pass met first.
    p.scopes = [...new Set([...p.scopes, ...scopes])];
    p.lastIncrementalAt = now;
  }
  for (const s of p.sections) s.offset = s.total;
  Object.assign(p, { state: 'idle', finishedAt: now, error: null, planned: false });
  await saveAndAnnounce(deps, hh, p, { always: true, event: 'finished' });
  deps.logger?.info('Library index synced', { householdId: hh, runId: p.runId, mode: p.mode, ...p.counts });
}

// ---------------------------------------------------------------------------------------------
// Admin: start a sync, see its progress

export const SyncStatus = z.object({
  state: z.enum(['idle', 'running', 'failed']),
  mode: z.enum(['full', 'incremental']).nullable(),
  /** 0–1 over every section of the run (full), or sections done (incremental). */
  progress: z.number(),
  sections: z.array(
    z.object({
      serverId: z.string(),
      serverName: z.string(),
      key: z.string(),
      title: z.string(),
      total: z.number(),
      offset: z.number(),
      done: z.boolean(),
    }),
  ),
  counts: z.object({
    itemsRead: z.number(),
    written: z.number(),
    deleted: z.number(),
    requests: z.number(),
    writeCalls: z.number(),
  }),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  lastFullAt: z.number().nullable(),
  lastIncrementalAt: z.number().nullable(),
  /** The last failure of the current run (it is retried), or null. */
  error: z.string().nullable(),
  /** A running sync whose record stopped moving: starting a sync resumes it. */
  stalled: z.boolean(),
});
export type SyncStatus = z.infer<typeof SyncStatus>;

export function toStatus(p: SyncItem | undefined, now: number): SyncStatus {
  if (!p) {
    return {
      state: 'idle',
      mode: null,
      progress: 0,
      sections: [],
      counts: emptyCounts(),
      startedAt: null,
      finishedAt: null,
      lastFullAt: null,
      lastIncrementalAt: null,
      error: null,
      stalled: false,
    };
  }
  const total = p.sections.reduce((n, s) => n + s.total, 0);
  const read = p.sections.reduce((n, s) => n + (s.done ? s.total : Math.min(s.offset, s.total)), 0);
  const running = p.state === 'running';
  const progress = !running
    ? 1
    : p.mode === 'full' && total > 0
      ? read / total
      : p.sections.length
        ? p.sections.filter((s) => s.done).length / p.sections.length
        : 0;
  return {
    state: p.state,
    mode: p.mode,
    progress,
    sections: p.sections.map((s) => ({
      serverId: s.server,
      serverName: s.serverName,
      key: s.key,
      title: s.title,
      total: s.total,
      offset: Math.min(s.offset, s.total),
      done: s.done,
    })),
    counts: p.counts,
    startedAt: p.startedAt,
    finishedAt: p.finishedAt,
    lastFullAt: p.lastFullAt,
    lastIncrementalAt: p.lastIncrementalAt,
    error: p.error,
    stalled: running && now - p.updatedAt >= STALE_RUN_MS,
  };
}

export const StartSyncInput = z.object({ mode: z.enum(['full', 'incremental']).default('incremental') });

/** Admins (manage_integrations) start a sync from the settings page. */
export const startSync = fn(
  StartSyncInput,
  async (deps: LibraryDeps, input): Promise<BeginResult & { status: SyncStatus }> => {
    const access = await requireAccess(deps, { permission: 'manage_integrations' });
    const begun = await beginSync(deps, access.householdId, input.mode);
    return { ...begun, status: toStatus(await load(deps, access.householdId), deps.clock.now()) };
  },
);

/** The admin progress view. */
export const syncStatus = fn(z.object({}).default({}), async (deps: LibraryDeps): Promise<SyncStatus> => {
  const access = await requireAccess(deps, { role: 'admin' });
  return toStatus(await load(deps, access.householdId), deps.clock.now());
});

// ---------------------------------------------------------------------------------------------
// The job

/** What the composition root adds to the System for the library's jobs. */
export interface LibrarySystem {
  http: Http;
  libraryServers: LibraryServers;
  /** Chunking overrides (tests, benchmarks). */
  librarySync?: SyncDeps['sync'];
}

export function syncDepsOf(system: System & Partial<LibrarySystem>, logger?: Logger): SyncDeps {
  if (!system.http) {
    throw new AppError(
      'unavailable',
      'library.not_configured',
      'The library sync needs the System to provide `http`',
    );
  }
  return {
    table: system.table,
    clock: system.clock,
    queue: system.queue,
    http: system.http,
    realtime: system.realtime,
    // The household's saved Plex integrations, unless a test or runtime supplies its own source.
    servers: system.libraryServers ?? integrationServers(system),
    logger: logger ?? system.logger,
    ...(system.librarySync ? { sync: system.librarySync } : {}),
  };
}

export const librarySyncJob = defineJob({
  type: SYNC_JOB,
  queue: JOBS_QUEUE,
  schema: SyncJobData,
  async handle(system, data, context) {
    await syncStep(syncDepsOf(system as System & Partial<LibrarySystem>, context.logger), data);
  },
});
