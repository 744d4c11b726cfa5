/**
 * Test support for the download domain: a household with an owner and members seeded straight
 * into the table (the household module's own tests cover how memberships come to be), and a
 * recording Realtime.
 */
import { withActor } from '../actor/context.ts';
import { newId } from '../actor/id.ts';
import { memberItem } from '../household/keys.ts';
import type { Role } from '../household/permissions.ts';
import type { Realtime, RealtimeMessage, Topic } from '../port/realtime.ts';
import type { Table } from '../port/table.ts';

export interface SeededHousehold {
  hh: string;
  owner: string;
  alice: string;
  bob: string;
}

export async function seedHousehold(deps: {
  table: Table;
  clock: { now(): number };
}): Promise<SeededHousehold> {
  const now = deps.clock.now();
  const hh = newId('hh', now);
  const [owner, alice, bob] = [newId('usr', now), newId('usr', now), newId('usr', now)];
  const roles: [string, Role][] = [
    [owner, 'owner'],
    [alice, 'member'],
    [bob, 'member'],
  ];
  for (const [userId, role] of roles) {
    await deps.table.put(memberItem(hh, userId, { role, status: 'active', joinedVia: 'created' }, now));
  }
  return { hh, owner, alice, bob };
}

export const as = <T>(userId: string, householdId: string, f: () => Promise<T>): Promise<T> =>
  withActor({ type: 'user', userId, householdId }, f);

export class RecordingRealtime implements Realtime {
  readonly messages: { topic: Topic; message: RealtimeMessage }[] = [];
  async publish(topic: Topic, message: RealtimeMessage) {
    this.messages.push({ topic, message });
    return { delivered: 1 };
  }
  async watchedHouseholds() {
    return [];
  }
}
