/**
 * The status jobs and the tick step that schedules them.
 *
 * - `status.check_household` (one message per household): runs `checkHousehold`.
 * - `status.sweep`: one page of households with integrations (the sparse index), each enqueued
 *   as a `sweep` check; the next page travels as the next sweep message, so a sweep of 100,000
 *   households is many small jobs rather than one long one.
 * - `scheduleStatusChecks` (called by the tick): for households in `realtime.watchedHouseholds()`
 *   only, one check per interval bucket (dedupId `<hh>#<bucket>`), with SQS-style delays when
 *   the interval is shorter than the tick (a 60 s tick can drive 15 s checks); plus the sweep
 *   at most once per sweep interval (a conditional put decides which tick starts it).
 *
 * The job handlers receive a `System`, which has no Http port yet: `httpOf(system)` uses
 * `system.http` when the composition root provides it, else builds one per system from its mode
 * and `allowPrivateUrls` (so breakers are shared by all checks of a process).
 */
import { z } from 'zod';
import { HouseholdId } from '../actor/id.ts';
import { createHttp } from '../adapter/http/http.ts';
import { listIntegratedHouseholds } from '../integration/integration.ts';
import { keys as integrationKeys, SWEEP_INDEX_PK } from '../integration/keys.ts';
import { defineJob, type EnqueueOptions, JOBS_QUEUE } from '../jobs/registry.ts';
import type { Http } from '../port/http.ts';
import { ConditionFailedError, notExists } from '../port/table.ts';
import type { System } from '../system/index.ts';
import { checkHousehold, type StatusDeps } from './check.ts';

export const CHECK_JOB = 'status.check_household';
const INTEGRATION_PREFIX = integrationKeys.prefix;
export const SWEEP_JOB = 'status.sweep';

/** Watched households are checked this often unless configured (MEDIANEST_STATUS_INTERVAL_SECONDS). */
export const DEFAULT_WATCHED_INTERVAL_MS = 30_000;
export const DEFAULT_SWEEP_INTERVAL_MS = 15 * 60_000;
/** How often the tick runs (EventBridge's minimum; the local timer matches it). */
export const DEFAULT_TICK_PERIOD_MS = 60_000;

export type StatusSystem = System & {
  http?: Http;
  statusCheck?: Pick<StatusDeps, 'checkTimeoutMs' | 'slowMs'>;
};

const built = new WeakMap<object, Http>();

export function httpOf(system: StatusSystem): Http {
  if (system.http) return system.http;
  let http = built.get(system);
  if (!http) {
    http = createHttp({
      mode: system.mode,
      ...(system.mode === 'selfhosted' && system.config.allowPrivateUrls ? { allowPrivate: true } : {}),
    });
    built.set(system, http);
  }
  return http;
}

export function statusDeps(system: StatusSystem): StatusDeps {
  return {
    table: system.table,
    clock: system.clock,
    keyring: system.keyring,
    logger: system.logger,
    realtime: system.realtime,
    http: httpOf(system),
    ...system.statusCheck,
  };
}

export const CheckData = z.object({
  householdId: HouseholdId,
  reason: z.enum(['watched', 'sweep']),
});

export const checkHouseholdJob = defineJob({
  type: CHECK_JOB,
  queue: JOBS_QUEUE,
  schema: CheckData,
  async handle(system, data, context) {
    // No "is it still watched?" look-up here: in AWS `watchedHouseholds()` reads every live
    // connection, and doing that per message would cost O(watched²) per tick. A viewer who left
    // costs at most the checks already enqueued for the current tick period.
    const result = await checkHousehold(statusDeps(system as StatusSystem), data.householdId);
    if (result.changed.length > 0) {
      context.logger.debug('Status changed', {
        householdId: data.householdId,
        changed: result.changed.map((c) => `${c.service}=${c.status}`),
      });
    }
  },
});

export const SweepData = z.object({ slot: z.number().int(), cursor: z.string().optional() });

export const sweepJob = defineJob({
  type: SWEEP_JOB,
  queue: JOBS_QUEUE,
  schema: SweepData,
  async handle(system, data) {
    // Straight to the queue in the job envelope: importing the registry here would be circular.
    const send = (type: string, d: unknown, dedupId: string) =>
      system.queue.send(JOBS_QUEUE, { type, data: d }, { dedupId });
    const page = await listIntegratedHouseholds(system, data.cursor);
    for (const householdId of page.householdIds) {
      await send(
        CHECK_JOB,
        { householdId, reason: 'sweep' },
        `${CHECK_JOB}#sweep#${householdId}#${data.slot}`,
      );
    }
    if (page.cursor) {
      await send(
        SWEEP_JOB,
        { slot: data.slot, cursor: page.cursor },
        `${SWEEP_JOB}#${data.slot}#${page.cursor.slice(-60)}`,
      );
    }
  },
});

export interface ScheduleOptions {
  watchedIntervalMs?: number;
  sweepIntervalMs?: number;
  tickPeriodMs?: number;
}

export type Enqueue = (
  type: string,
  data: unknown,
  options?: EnqueueOptions,
) => Promise<{ deduplicated: boolean }>;

/**
 * Reads MEDIANEST_STATUS_INTERVAL_SECONDS (2–3600) for a caller without a validated config (a
 * partial System in a test or a script); anything else falls back to the default.
 */
export function watchedIntervalFromEnv(env: Record<string, string | undefined> = process.env): number {
  const raw = env.MEDIANEST_STATUS_INTERVAL_SECONDS;
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isInteger(n) && n >= 2 && n <= 3600 ? n * 1000 : DEFAULT_WATCHED_INTERVAL_MS;
}

/** Something that may carry the validated configuration (`loadConfig`, so the same for every runtime). */
export interface MaybeConfigured {
  config?: { statusIntervalMs?: number } | undefined;
}

/**
 * How often a watched household is checked: the System's config (MEDIANEST_STATUS_INTERVAL_SECONDS,
 * validated at start-up) when it has one, else the process environment.
 */
export function watchedIntervalOf(system: MaybeConfigured): number {
  const configured = system.config?.statusIntervalMs;
  return configured !== undefined && configured > 0 ? configured : watchedIntervalFromEnv();
}

/** The de-duplication id shared by the tick, the dashboard read and a socket join for one interval. */
export const watchedCheckDedupId = (householdId: string, interval: number, bucket: number) =>
  `${CHECK_JOB}#${householdId}#${interval}#${bucket}`;

/**
 * The interval buckets starting in [now, now + tick): one when the interval is at least the tick
 * period, several (each delayed to its start) below it, so a 60 s tick can drive 2 s checks.
 */
function bucketsOf(now: number, interval: number, tick: number): { bucket: number; delayMs: number }[] {
  const first = Math.floor(now / interval);
  const last = interval >= tick ? first : Math.ceil((now + tick) / interval) - 1;
  const out: { bucket: number; delayMs: number }[] = [];
  for (let b = first; b <= last; b++) out.push({ bucket: b, delayMs: Math.max(0, b * interval - now) });
  return out;
}

const delayOf = (delayMs: number) => (delayMs >= 1000 ? { delaySeconds: Math.round(delayMs / 1000) } : {});

/**
 * Asks for checks of a household someone just started watching (a socket joined): one now, so an
 * opened dashboard goes live at once, and the rest of the current tick period's checks, delayed
 * as the tick would have sent them had the viewer been there (the next tick takes over). Each
 * shares its de-duplication id with the tick's for its interval bucket, so a join never doubles
 * the tick's work and a second viewer adds nothing. Nothing is sent for a household without
 * integrations. Best effort: a failure is logged and swallowed (the next tick checks anyway).
 * Returns how many messages were sent.
 */
export async function requestWatchedCheck(
  system: Pick<System, 'queue' | 'table' | 'logger'> & MaybeConfigured,
  householdId: string,
  now: number,
  options: { tickPeriodMs?: number } = {},
): Promise<number> {
  if (!HouseholdId.safeParse(householdId).success) return 0;
  try {
    const any = await system.table.query({
      pk: `H#${householdId}`,
      sk: { beginsWith: INTEGRATION_PREFIX },
      limit: 1,
    });
    if (any.items.length === 0) return 0;
    const interval = watchedIntervalOf(system);
    let sent = 0;
    for (const { bucket, delayMs } of bucketsOf(
      now,
      interval,
      options.tickPeriodMs ?? DEFAULT_TICK_PERIOD_MS,
    )) {
      // Straight to the queue in the job envelope: importing the registry here would be circular.
      const r = await system.queue.send(
        JOBS_QUEUE,
        { type: CHECK_JOB, data: { householdId, reason: 'watched' } },
        { dedupId: watchedCheckDedupId(householdId, interval, bucket), ...delayOf(delayMs) },
      );
      if (!r.deduplicated) sent += 1;
    }
    return sent;
  } catch (error) {
    system.logger.warn('Could not enqueue a status check for a new viewer', { error, householdId });
    return 0;
  }
}

async function claim(
  system: Pick<System, 'table'>,
  name: string,
  slot: number,
  intervalMs: number,
): Promise<boolean> {
  try {
    await system.table.put(
      { pk: 'SYS#SCHEDULE', sk: `${name}#${slot}`, ttl: Math.ceil(((slot + 2) * intervalMs) / 1000) },
      notExists,
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionFailedError) return false;
    throw err;
  }
}

/**
 * The tick's status step: checks for watched households only, and the sweep when it is due.
 * Returns the job types it enqueued (one entry per message actually sent).
 */
export async function scheduleStatusChecks(
  system: Pick<System, 'table' | 'realtime'> & MaybeConfigured,
  now: number,
  enqueue: Enqueue,
  options: ScheduleOptions = {},
): Promise<string[]> {
  const interval = options.watchedIntervalMs ?? watchedIntervalOf(system);
  const tick = options.tickPeriodMs ?? DEFAULT_TICK_PERIOD_MS;
  const sweepInterval = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  const enqueued: string[] = [];
  const watched = (await system.realtime.watchedHouseholds()).filter((h) => HouseholdId.safeParse(h).success);
  const buckets = bucketsOf(now, interval, tick);
  // In slices: ten thousand watched households must not mean ten thousand sends in flight.
  for (let i = 0; i < watched.length; i += 50) {
    await Promise.all(
      watched.slice(i, i + 50).map(async (householdId) => {
        for (const { bucket, delayMs } of buckets) {
          const r = await enqueue(
            CHECK_JOB,
            { householdId, reason: 'watched' },
            { dedupId: watchedCheckDedupId(householdId, interval, bucket), ...delayOf(delayMs) },
          );
          if (!r.deduplicated) enqueued.push(CHECK_JOB);
        }
      }),
    );
  }
  const slot = Math.floor(now / sweepInterval);
  // No integration anywhere (a fresh deployment): no sweep at all.
  const any = await system.table.query({ index: 'gsi2', pk: SWEEP_INDEX_PK, limit: 1 });
  if (any.items.length > 0 && (await claim(system, SWEEP_JOB, slot, sweepInterval))) {
    try {
      const r = await enqueue(SWEEP_JOB, { slot }, { dedupId: `${SWEEP_JOB}#${slot}` });
      if (!r.deduplicated) enqueued.push(SWEEP_JOB);
    } catch (err) {
      await system.table.delete({ pk: 'SYS#SCHEDULE', sk: `${SWEEP_JOB}#${slot}` });
      throw err;
    }
  }
  return enqueued;
}
