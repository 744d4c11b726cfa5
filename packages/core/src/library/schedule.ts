/**
 * Keeping every household's index fresh without anyone pressing a button: the tick enqueues one
 * `library.sync_sweep` per SWEEP_INTERVAL_MS (a conditional slot claim plus a dedupId, so
 * overlapping ticks enqueue it once); the sweep pages through the households that have an
 * integration and starts, for each Plex household, an incremental sync when the last one is older
 * than INCREMENTAL_EVERY_MS, or a full one (the reconcile) when the last full pass is older than
 * FULL_EVERY_MS. Starting only enqueues: the Plex work runs in `library.sync` steps.
 */
import { z } from 'zod';
import { listIntegratedHouseholds, loadAll } from '../integration/integration.ts';
import { SWEEP_INDEX_PK } from '../integration/keys.ts';
import { defineJob, type EnqueueOptions, JOBS_QUEUE } from '../jobs/registry.ts';
import { ConditionFailedError, notExists } from '../port/table.ts';
import type { System } from '../system/index.ts';
import { SyncBusyError } from './errors.ts';
import { keys, type SyncItem } from './keys.ts';
import { beginSync, STALE_RUN_MS, type SyncDeps } from './sync.ts';

export type Enqueue = (
  type: string,
  data: unknown,
  options?: EnqueueOptions,
) => Promise<{ deduplicated: boolean }>;

export const SWEEP_INTERVAL_MS = 30 * 60 * 1000;
export const INCREMENTAL_EVERY_MS = 30 * 60 * 1000;
export const FULL_EVERY_MS = 7 * 24 * 60 * 60 * 1000;
export const SYNC_SWEEP_JOB = 'library.sync_sweep';

/** Starts the sync a household is due for; returns its mode, or null when none is due (or one runs). */
export async function syncIfDue(
  deps: Pick<SyncDeps, 'table' | 'clock' | 'queue'>,
  householdId: string,
): Promise<'full' | 'incremental' | null> {
  const now = deps.clock.now();
  const p = await deps.table.get<SyncItem>(keys.sync(householdId));
  if (p?.state === 'running' && now - p.updatedAt < STALE_RUN_MS) return null;
  const mode =
    !p || p.lastFullAt === null || now - p.lastFullAt >= FULL_EVERY_MS
      ? 'full'
      : now - Math.max(p.lastFullAt, p.lastIncrementalAt ?? 0) >= INCREMENTAL_EVERY_MS
        ? 'incremental'
        : null;
  // A stalled run is resumed whatever is due: beginSync picks it up from its cursor.
  if (mode === null && p?.state !== 'running') return null;
  try {
    return (await beginSync(deps as SyncDeps, householdId, mode ?? 'incremental')).mode;
  } catch (err) {
    if (err instanceof SyncBusyError) return null;
    throw err;
  }
}

export const SweepData = z.object({ slot: z.number().int() });

export const syncSweepJob = defineJob({
  type: SYNC_SWEEP_JOB,
  queue: JOBS_QUEUE,
  schema: SweepData,
  async handle(system, _data, context) {
    let cursor: string | undefined;
    let started = 0;
    do {
      const page = await listIntegratedHouseholds(system, cursor);
      for (const householdId of page.householdIds) {
        const integrations = await loadAll(system, householdId);
        if (!integrations.some((i) => i.kind === 'plex')) continue;
        try {
          if (await syncIfDue(system, householdId)) started += 1;
        } catch (err) {
          // One household's failure must not starve the others of their syncs.
          context.logger.error('Could not start a library sync', { householdId, error: err });
        }
      }
      cursor = page.cursor;
    } while (cursor);
    context.logger.info('Library sync sweep', { started });
  },
});

async function claim(system: Pick<System, 'table'>, slot: number): Promise<boolean> {
  try {
    await system.table.put(
      {
        pk: 'SYS#SCHEDULE',
        sk: `${SYNC_SWEEP_JOB}#${slot}`,
        ttl: Math.ceil(((slot + 2) * SWEEP_INTERVAL_MS) / 1000),
      },
      notExists,
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionFailedError) return false;
    throw err;
  }
}

/** The tick's part: one sweep per slot, however many ticks overlap. */
export async function scheduleLibrarySync(
  system: Pick<System, 'table'>,
  now: number,
  enqueue: Enqueue,
): Promise<string[]> {
  const slot = Math.floor(now / SWEEP_INTERVAL_MS);
  // No integration anywhere (a fresh or idle deployment): nothing to sweep, no job at all.
  const any = await system.table.query({ index: 'gsi2', pk: SWEEP_INDEX_PK, limit: 1 });
  if (any.items.length === 0) return [];
  if (!(await claim(system, slot))) return [];
  try {
    const r = await enqueue(SYNC_SWEEP_JOB, { slot }, { dedupId: `${SYNC_SWEEP_JOB}#${slot}` });
    return r.deduplicated ? [] : [SYNC_SWEEP_JOB];
  } catch (err) {
    // Give the slot back so the next tick tries again.
    await system.table.delete({ pk: 'SYS#SCHEDULE', sk: `${SYNC_SWEEP_JOB}#${slot}` });
    throw err;
  }
}
