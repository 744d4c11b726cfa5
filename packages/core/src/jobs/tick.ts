/**
 * What the scheduled tick does (every minute: the in-process timer locally, an EventBridge rule in
 * AWS). It only enqueues; the work runs in the queue consumer, where failures are retried.
 *
 * "At most hourly" must hold however often the tick fires and however many ticks overlap (Lambda
 * may run two at once): a conditional put of a per-hour marker decides which tick enqueues, and
 * the dedupId guards the send itself against a retried tick.
 */
import { SWEEP_LEASES_JOB, scheduleLeaseSweep } from '../download/jobs.ts';
import { SYNC_SWEEP_JOB, scheduleLibrarySync } from '../library/schedule.ts';
import { ConditionFailedError, notExists } from '../port/table.ts';
import { CHECK_JOB, scheduleStatusChecks } from '../status/jobs.ts';
import type { System } from '../system/index.ts';
import { sweepExpired } from './maintenance.ts';
import { enqueueWith, type JobRegistry } from './registry.ts';

export const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

export interface TickResult {
  /** Job types enqueued by this tick. */
  enqueued: string[];
}

async function claimSlot(system: System, name: string, slot: number, intervalMs: number): Promise<boolean> {
  try {
    await system.table.put(
      {
        pk: 'SYS#SCHEDULE',
        sk: `${name}#${slot}`,
        // Kept for two intervals so a late tick from the same slot still sees the claim.
        ttl: Math.ceil(((slot + 2) * intervalMs) / 1000),
      },
      notExists,
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionFailedError) return false;
    throw err;
  }
}

export async function runTickWith(registry: JobRegistry, system: System, now: number): Promise<TickResult> {
  const enqueued: string[] = [];
  const slot = Math.floor(now / SWEEP_INTERVAL_MS);
  if (await claimSlot(system, sweepExpired.type, slot, SWEEP_INTERVAL_MS)) {
    try {
      await enqueueWith(registry, system, sweepExpired.type, {}, { dedupId: `${sweepExpired.type}#${slot}` });
    } catch (err) {
      // Give the slot back so the next tick tries again instead of skipping the hour.
      await system.table.delete({ pk: 'SYS#SCHEDULE', sk: `${sweepExpired.type}#${slot}` });
      throw err;
    }
    enqueued.push(sweepExpired.type);
  }
  // Status checks: only households someone is watching, plus the slow sweep (status/jobs.ts).
  if (registry.get(CHECK_JOB)) {
    enqueued.push(
      ...(await scheduleStatusChecks(system, now, (type, data, options) =>
        enqueueWith(registry, system, type, data, options),
      )),
    );
  }
  // Library index: one sweep per half hour starts the incremental/full syncs that are due.
  if (registry.get(SYNC_SWEEP_JOB)) {
    enqueued.push(
      ...(await scheduleLibrarySync(system, now, (type, data, options) =>
        enqueueWith(registry, system, type, data, options),
      )),
    );
  }
  // Download leases of vanished agents: a sweep every minute (download/jobs.ts).
  if (registry.get(SWEEP_LEASES_JOB)) {
    enqueued.push(
      ...(await scheduleLeaseSweep(system, now, (type, data, options) =>
        enqueueWith(registry, system, type, data, options),
      )),
    );
  }
  return { enqueued };
}
