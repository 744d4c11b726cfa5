/**
 * Download limits: videos per member per hour and bytes stored per member. Both are atomic
 * counters (ADD guarded by a condition), so two submissions racing for the last slot cannot
 * both get it. Limits live in the household's `DLCFG` item (defaults below).
 */
import { z } from 'zod';
import type { DomainDeps } from '../actor/deps.ts';
import { fn } from '../actor/fn.ts';
import { requireAccess } from '../household/access.ts';
import type { Clock } from '../port/clock.ts';
import { ConditionFailedError, type Key, type Table, type UpdateSpec } from '../port/table.ts';
import { formatBytes, QuotaExceededError, StorageQuotaExceededError } from './errors.ts';
import { type ConfigItem, keys } from './keys.ts';

export const DEFAULT_LIMITS = {
  videosPerHour: 30,
  storageBytesPerMember: 100 * 1024 ** 3,
  maxAttempts: 3,
} as const;

export const Limits = z.object({
  videosPerHour: z.number().int().min(0).max(10_000),
  storageBytesPerMember: z.number().int().min(0),
  maxAttempts: z.number().int().min(1).max(10),
});
export type Limits = z.infer<typeof Limits>;

const HOUR = 3_600_000;

export function hourWindow(now: number): { window: string; resetsAt: number } {
  const start = Math.floor(now / HOUR) * HOUR;
  const d = new Date(start);
  const window = d.toISOString().slice(0, 13).replace(/[-T]/g, '');
  return { window, resetsAt: start + HOUR };
}

export async function limitsOf(deps: { table: Table }, householdId: string): Promise<Limits> {
  const cfg = await deps.table.get<ConfigItem>(keys.config(householdId));
  return cfg
    ? {
        videosPerHour: cfg.videosPerHour,
        storageBytesPerMember: cfg.storageBytesPerMember,
        maxAttempts: cfg.maxAttempts,
      }
    : { ...DEFAULT_LIMITS };
}

export const SetLimitsInput = Limits.partial();

/** Admins only. */
export const setLimits = fn(SetLimitsInput, async (deps: DomainDeps, input): Promise<Limits> => {
  const access = await requireAccess(deps, { role: 'admin' });
  const next = { ...(await limitsOf(deps, access.householdId)), ...input };
  const item: ConfigItem = {
    ...keys.config(access.householdId),
    type: 'download_config',
    ...next,
    updatedAt: deps.clock.now(),
  };
  await deps.table.put(item);
  return next;
});

export interface QuotaStatus {
  videosPerHour: number;
  usedThisHour: number;
  /** Epoch ms when the hourly count starts again from zero. */
  resetsAt: number;
  storageBytesPerMember: number;
  usedBytes: number;
}

export async function quotaOf(
  deps: { table: Table; clock: Clock },
  householdId: string,
  userId: string,
): Promise<QuotaStatus> {
  const limits = await limitsOf(deps, householdId);
  const { window, resetsAt } = hourWindow(deps.clock.now());
  const [hour, bytes] = await Promise.all([
    deps.table.get(keys.hourlyQuota(householdId, userId, window)),
    deps.table.get(keys.storageQuota(householdId, userId)),
  ]);
  return {
    videosPerHour: limits.videosPerHour,
    usedThisHour: Number(hour?.count ?? 0),
    resetsAt,
    storageBytesPerMember: limits.storageBytesPerMember,
    usedBytes: Number(bytes?.bytes ?? 0),
  };
}

/** The caller's limits and usage, for the downloads page. */
export async function myQuota(deps: DomainDeps): Promise<QuotaStatus> {
  const access = await requireAccess(deps, { permission: 'download' });
  return quotaOf(deps, access.householdId, access.userId);
}

/** Why `n` more videos are refused this hour (the message the member reads). */
export async function videoQuotaRefusal(
  deps: { table: Table; clock: Clock },
  householdId: string,
  userId: string,
  n: number,
  limits: Limits,
): Promise<QuotaExceededError> {
  const now = deps.clock.now();
  const { window, resetsAt } = hourWindow(now);
  const used = Number((await deps.table.get(keys.hourlyQuota(householdId, userId, window)))?.count ?? 0);
  const minutes = Math.max(1, Math.ceil((resetsAt - now) / 60_000));
  return new QuotaExceededError(
    `You can download ${limits.videosPerHour} videos per hour${used > 0 ? ` and have used ${used}` : ''}` +
      `${n > 1 ? ` (this needs ${n})` : ''}; try again in ${minutes} min`,
    { limit: limits.videosPerHour, used, needed: n, resetsAt },
  );
}

/**
 * The write that takes `n` videos (n > 0) from the allowance of the hour `at` falls in, guarded
 * so the count stays within the limit; or, with `limits` null, an unguarded adjustment by `n`
 * (negative to give videos back). For `update` or a transaction.
 */
export function hourlyQuotaWrite(
  householdId: string,
  userId: string,
  n: number,
  at: number,
  limits: Limits | null,
): { key: Key; spec: UpdateSpec } {
  const { window, resetsAt } = hourWindow(at);
  return {
    key: keys.hourlyQuota(householdId, userId, window),
    spec: {
      add: { count: n },
      set: { type: 'quota', ttl: Math.ceil(resetsAt / 1000) + 3600 },
      ...(limits
        ? {
            condition: {
              or: [
                { attr: 'count', exists: false },
                { attr: 'count', op: '<=', value: limits.videosPerHour - n },
              ],
            },
          }
        : {}),
    },
  };
}

/** Takes `n` videos from this hour's allowance, or throws QuotaExceededError taking none. */
export async function reserveVideos(
  deps: { table: Table; clock: Clock },
  householdId: string,
  userId: string,
  n: number,
  limits: Limits,
): Promise<void> {
  if (n <= 0) return;
  if (n > limits.videosPerHour) throw await videoQuotaRefusal(deps, householdId, userId, n, limits);
  const { key, spec } = hourlyQuotaWrite(householdId, userId, n, deps.clock.now(), limits);
  try {
    await deps.table.update(key, spec);
  } catch (e) {
    if (e instanceof ConditionFailedError)
      throw await videoQuotaRefusal(deps, householdId, userId, n, limits);
    throw e;
  }
}

/** Refuses when the member's stored bytes already reach the limit. */
export async function checkStorage(
  deps: { table: Table },
  householdId: string,
  userId: string,
  limits: Limits,
): Promise<void> {
  const used = Number((await deps.table.get(keys.storageQuota(householdId, userId)))?.bytes ?? 0);
  if (used >= limits.storageBytesPerMember)
    throw new StorageQuotaExceededError(used, limits.storageBytesPerMember);
}

export async function addStoredBytes(
  deps: { table: Table },
  householdId: string,
  userId: string,
  bytes: number,
): Promise<void> {
  if (bytes <= 0) return;
  await deps.table.update(keys.storageQuota(householdId, userId), { add: { bytes }, set: { type: 'quota' } });
}

export { formatBytes };
