/**
 * Per-member notification preferences, per event: in the inbox, and out through the member's own
 * channels. Absent means yes: a member who never opened the settings is still told.
 */
import { z } from 'zod';
import { fn } from '../actor/fn.ts';
import { requireAccess } from '../household/access.ts';
import type { Clock } from '../port/clock.ts';
import type { Table } from '../port/table.ts';
import { EVENTS, EventType } from './events.ts';
import { ENTITY_VERSION, keys, type PreferenceItem } from './keys.ts';

export const Choice = z.object({ inApp: z.boolean(), outbound: z.boolean() });
export type Choice = z.infer<typeof Choice>;

export const Preferences = z.record(EventType, Choice);
export type Preferences = z.infer<typeof Preferences>;

const DEFAULT: Choice = { inApp: true, outbound: true };

export function resolve(item: PreferenceItem | undefined): Preferences {
  const out = {} as Preferences;
  for (const e of EVENTS) out[e] = item?.events[e] ?? DEFAULT;
  return out;
}

/** Preferences of many members at once (recipients of one event). */
export async function preferencesOf(
  deps: { table: Table },
  householdId: string,
  userIds: string[],
): Promise<Map<string, Preferences>> {
  const out = new Map<string, Preferences>();
  for (let i = 0; i < userIds.length; i += 100) {
    const chunk = userIds.slice(i, i + 100);
    const items = await deps.table.batchGet<PreferenceItem>(
      chunk.map((u) => keys.preferences(householdId, u)),
    );
    const byUser = new Map(items.map((p) => [p.userId, p]));
    for (const u of chunk) out.set(u, resolve(byUser.get(u)));
  }
  return out;
}

/** The caller's preferences in the actor's household. */
export async function get(deps: { table: Table }): Promise<Preferences> {
  const access = await requireAccess(deps);
  return resolve(await deps.table.get<PreferenceItem>(keys.preferences(access.householdId, access.userId)));
}

export const UpdateInput = z.object({ events: z.partialRecord(EventType, Choice) });

/** Changes some events' choices; the others keep theirs. */
export const update = fn(
  UpdateInput,
  async (deps: { table: Table; clock: Clock }, input): Promise<Preferences> => {
    const access = await requireAccess(deps);
    const key = keys.preferences(access.householdId, access.userId);
    const current = await deps.table.get<PreferenceItem>(key);
    const item: PreferenceItem = {
      ...key,
      type: 'notification_preferences',
      v: ENTITY_VERSION,
      userId: access.userId,
      events: { ...current?.events, ...input.events },
      updatedAt: deps.clock.now(),
    };
    await deps.table.put(item);
    return resolve(item);
  },
);
