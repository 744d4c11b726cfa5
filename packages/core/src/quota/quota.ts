/**
 * MediaNest's own request quotas, enforced server-side with atomic counters (the old app kept
 * them in the browser, where a member could simply reset them).
 *
 * Access patterns and keys (all under `pk = H#<householdId>`):
 * - quota settings of a household:  `QCFG` (get) — limits per member and for the whole
 *                                   household, per window, plus per-member overrides and the
 *                                   household's time zone
 * - a member's counter:             `Q#<userId>#<windowId>` (get / ADD), e.g. `Q#usr_…#week-2026-11-23`
 * - the household's counter:        `Q#HH#<windowId>` (get / ADD)
 *
 * Invariants:
 * - A reservation increments every counter that has a limit in ONE transaction, each update
 *   conditional on `count < limit`: twenty concurrent requests with five left produce exactly five
 *   reservations, on SQLite and on DynamoDB alike, and a refusal names the limit that stopped it.
 * - A counter expires (TTL) a day after its window ends; the next window is a fresh key, so a
 *   reset needs no job.
 * - Releasing decrements only counters that are above zero, so a late release (the window has
 *   rolled over and the counter expired) never drives a counter negative.
 */
import { z } from 'zod';
import { fn } from '../actor/fn.ts';
import { UserId } from '../actor/id.ts';
import { auditOp } from '../audit/entry.ts';
import { AppError } from '../error/index.ts';
import { requireAccess } from '../household/access.ts';
import type { Clock } from '../port/clock.ts';
import {
  ConditionFailedError,
  type Item,
  type Key,
  type Table,
  TransactionCanceledError,
  type TransactOp,
} from '../port/table.ts';
import {
  isTimeZone,
  resetPhrase,
  spanOf,
  WINDOWS,
  type Window,
  type WindowSpan,
  windowPhrase,
} from './window.ts';

export const ENTITY_VERSION = 1;
const DAY_MS = 24 * 60 * 60 * 1000;
const CONFLICT_RETRIES = 6;

export interface QuotaDeps {
  table: Table;
  clock: Clock;
}

// ---------------------------------------------------------------------------------------------
// Schemas

const Limit = z.number().int().min(0).max(100_000);
export const Limits = z.object({ day: Limit.optional(), week: Limit.optional(), month: Limit.optional() });
export type Limits = z.infer<typeof Limits>;

export const Settings = z.object({
  /** IANA zone the windows follow (a week resets Monday 00:00 there). */
  timeZone: z.string().max(64).refine(isTimeZone, { error: 'unknown time zone' }).default('UTC'),
  /** Every member's own limit per window (absent = unlimited). */
  member: Limits.default({}),
  /** All members together. */
  household: Limits.default({}),
  /** Per-member replacements of `member` (an empty object = unlimited for that member). */
  overrides: z.record(UserId, Limits).default({}),
});
export type Settings = z.infer<typeof Settings>;

export const Scope = z.enum(['member', 'household']);
export type Scope = z.infer<typeof Scope>;

export const UsageEntry = z.object({
  scope: Scope,
  window: z.enum(WINDOWS),
  used: z.number().int(),
  limit: z.number().int(),
  remaining: z.number().int(),
  resetsAt: z.number().int(),
  /** "3 of 10 this week, resets Monday" */
  label: z.string(),
});
export type UsageEntry = z.infer<typeof UsageEntry>;

// ---------------------------------------------------------------------------------------------
// Errors

export class QuotaExceededError extends AppError {
  override name = 'QuotaExceededError';
  constructor(entry: UsageEntry, now: number) {
    const whose = entry.scope === 'member' ? 'your' : "the household's";
    super(
      'rate_limited',
      'quota.exceeded',
      `You have reached ${whose} limit of ${entry.limit} request${entry.limit === 1 ? '' : 's'} ${windowPhrase(entry.window)}; it resets ${resetWords(entry)}`,
      {
        details: {
          scope: entry.scope,
          window: entry.window,
          limit: entry.limit,
          used: entry.used,
          resetsAt: entry.resetsAt,
          retryAfterSeconds: Math.max(1, Math.ceil((entry.resetsAt - now) / 1000)),
        },
      },
    );
  }
}

const resetWords = (e: UsageEntry) => e.label.replace(/^.*resets /, '');

// ---------------------------------------------------------------------------------------------
// Keys and items

export const keys = {
  settings: (hh: string): Key => ({ pk: `H#${hh}`, sk: 'QCFG' }),
  counter: (hh: string, owner: string, windowId: string): Key => ({
    pk: `H#${hh}`,
    sk: `Q#${owner}#${windowId}`,
  }),
};

/** The owner part of a household-wide counter key (user ids always start with `usr_`). */
const HOUSEHOLD = 'HH';

interface SettingsItem extends Item, Settings {
  type: 'quota_settings';
  v: number;
  updatedAt: number;
  updatedBy: string;
}

interface CounterItem extends Item {
  type: 'quota_counter';
  count: number;
  limit: number;
  window: Window;
  windowEnd: number;
  ttl: number;
}

export async function loadSettings(deps: { table: Table }, householdId: string): Promise<Settings> {
  const item = await deps.table.get<SettingsItem>(keys.settings(householdId));
  if (!item) return Settings.parse({});
  return {
    timeZone: item.timeZone,
    member: item.member,
    household: item.household,
    overrides: item.overrides,
  };
}

interface Slot {
  scope: Scope;
  span: WindowSpan;
  limit: number;
  key: Key;
}

function slotsFor(settings: Settings, householdId: string, userId: string, now: number): Slot[] {
  const own = settings.overrides[userId] ?? settings.member;
  const out: Slot[] = [];
  for (const [scope, limits, owner] of [
    ['member', own, userId],
    ['household', settings.household, HOUSEHOLD],
  ] as const) {
    for (const w of WINDOWS) {
      const limit = limits[w];
      if (limit === undefined) continue;
      const span = spanOf(w, now, settings.timeZone);
      out.push({ scope, span, limit, key: keys.counter(householdId, owner, span.id) });
    }
  }
  return out;
}

function entryOf(slot: Slot, used: number, timeZone: string): UsageEntry {
  const remaining = Math.max(0, slot.limit - used);
  return {
    scope: slot.scope,
    window: slot.span.window,
    used,
    limit: slot.limit,
    remaining,
    resetsAt: slot.span.end,
    label: `${used} of ${slot.limit} ${windowPhrase(slot.span.window)}, resets ${resetPhrase(slot.span, timeZone)}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Reserve / release

/** What a successful reservation took; hand it back to `release` if the request fails. */
export interface Reservation {
  householdId: string;
  userId: string;
  /** The counters incremented (empty when no limit applies). */
  counters: Key[];
}

const isConflict = (e: unknown) => e instanceof AppError && e.code === 'table.transaction_conflict';

/**
 * Takes one request from every limit that applies to the member, atomically, or throws
 * QuotaExceededError naming the first limit that is used up.
 */
export async function reserve(
  deps: QuotaDeps,
  input: { householdId: string; userId: string },
): Promise<Reservation> {
  const settings = await loadSettings(deps, input.householdId);
  const now = deps.clock.now();
  const slots = slotsFor(settings, input.householdId, input.userId, now);
  const reservation: Reservation = { householdId: input.householdId, userId: input.userId, counters: [] };
  if (slots.length === 0) return reservation;
  const ops: TransactOp[] = slots.map((s) => ({
    update: s.key,
    spec: {
      add: { count: 1 },
      set: {
        type: 'quota_counter',
        limit: s.limit,
        window: s.span.window,
        windowEnd: s.span.end,
        ttl: Math.ceil((s.span.end + DAY_MS) / 1000),
      },
      condition: {
        or: [
          { attr: 'count', exists: false },
          { attr: 'count', op: '<', value: s.limit },
        ],
      },
    },
  }));
  for (let attempt = 0; ; attempt++) {
    try {
      await deps.table.transact(ops);
      return { ...reservation, counters: slots.map((s) => s.key) };
    } catch (err) {
      if (err instanceof TransactionCanceledError) {
        const slot = slots[err.failed[0] ?? 0] as Slot;
        const item = await deps.table.get<CounterItem>(slot.key);
        throw new QuotaExceededError(entryOf(slot, item?.count ?? slot.limit, settings.timeZone), now);
      }
      // Heavy contention on one counter (DynamoDB): the adapter's own replays ran out.
      if (isConflict(err) && attempt < CONFLICT_RETRIES) {
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
        continue;
      }
      throw err;
    }
  }
}

/** Gives back what `reserve` took (the request failed or was cancelled). Never throws for a spent window. */
export async function release(deps: QuotaDeps, reservation: Reservation): Promise<void> {
  for (const key of reservation.counters) {
    try {
      await deps.table.update(key, {
        add: { count: -1 },
        condition: { attr: 'count', op: '>', value: 0 },
      });
    } catch (err) {
      // Expired (window over) or already zero: nothing to give back.
      if (!(err instanceof ConditionFailedError)) throw err;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading and configuring

async function usageOf(deps: QuotaDeps, householdId: string, userId: string): Promise<UsageEntry[]> {
  const settings = await loadSettings(deps, householdId);
  const slots = slotsFor(settings, householdId, userId, deps.clock.now());
  if (slots.length === 0) return [];
  const items = await deps.table.batchGet<CounterItem>(slots.map((s) => s.key));
  const bySk = new Map(items.map((i) => [i.sk, i.count]));
  return slots.map((s) => entryOf(s, Math.max(0, bySk.get(s.key.sk) ?? 0), settings.timeZone));
}

export const UsageInput = z.object({
  /** Another member's usage (admins with manage_requests); the caller's own when absent. */
  userId: UserId.optional(),
});

/** The caller's (or, for admins, a member's) usage of every limit that applies: "3 of 10 this week, resets Monday". */
export const usage = fn(UsageInput, async (deps: QuotaDeps, input): Promise<UsageEntry[]> => {
  const access = await requireAccess(deps);
  const userId = input.userId ?? access.userId;
  if (userId !== access.userId && !access.permissions.includes('manage_requests')) {
    throw new AppError('forbidden', 'household.forbidden', 'You need the manage_requests permission');
  }
  return usageOf(deps, access.householdId, userId);
});

/** The household's quota settings (any member may read them; they shape what the UI shows). */
export async function getSettings(deps: QuotaDeps): Promise<Settings> {
  const access = await requireAccess(deps);
  return loadSettings(deps, access.householdId);
}

/** Replaces the household's quota settings (owners and admins). Counters already taken stay. */
export const setSettings = fn(Settings, async (deps: QuotaDeps, input): Promise<Settings> => {
  const access = await requireAccess(deps, { role: 'admin' });
  const now = deps.clock.now();
  const before = await loadSettings(deps, access.householdId);
  const item: SettingsItem = {
    ...keys.settings(access.householdId),
    type: 'quota_settings',
    v: ENTITY_VERSION,
    ...input,
    updatedAt: now,
    updatedBy: access.userId,
  };
  await deps.table.transact([
    { put: item },
    auditOp(
      {
        householdId: access.householdId,
        actorId: access.userId,
        action: 'quota.settings_changed',
        target: { type: 'household', id: access.householdId },
        before,
        after: input,
      },
      now,
    ),
  ]);
  return input;
});
