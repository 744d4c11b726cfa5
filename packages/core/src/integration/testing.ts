/**
 * Test support for the integration and status suites: a household with an owner (Plex token
 * stored) and an admin/member seeded straight into the table, and an Http that may reach the
 * simulators' loopback ports (and nothing else private).
 */
import { withActor } from '../actor/context.ts';
import type { DomainDeps } from '../actor/deps.ts';
import { newId } from '../actor/id.ts';
import { createHttp, type OutboundHttp } from '../adapter/http/http.ts';
import { ENTITY_VERSION, type HouseholdItem, keys, memberItem } from '../household/keys.ts';
import type { Role } from '../household/permissions.ts';
import * as User from '../user/user.ts';

let accounts = 1000;

export async function seedUser(deps: DomainDeps, token?: string): Promise<string> {
  const id = ++accounts;
  const account = { id, username: `user${id}`, title: `User ${id}` };
  return (await User.upsertFromPlex(deps, { account, ...(token ? { token } : {}) })).user.id;
}

export interface SeededHousehold {
  householdId: string;
  ownerId: string;
  as<T>(userId: string, f: () => Promise<T>): Promise<T>;
  addMember(role: Exclude<Role, 'owner'>): Promise<string>;
}

export async function seedHousehold(
  deps: DomainDeps,
  options: { ownerToken: string; servers?: { machineIdentifier: string; name: string }[] },
): Promise<SeededHousehold> {
  const now = deps.clock.now();
  const ownerId = await seedUser(deps, options.ownerToken);
  const householdId = newId('hh', now);
  const household: HouseholdItem = {
    ...keys.household(householdId),
    type: 'household',
    v: ENTITY_VERSION,
    rev: 1,
    id: householdId,
    name: 'Test household',
    ownerId,
    servers: (options.servers ?? []).map((s) => ({ ...s, addedAt: now })),
    createdAt: now,
    updatedAt: now,
  };
  await deps.table.put(household);
  await deps.table.put(
    memberItem(householdId, ownerId, { role: 'owner', status: 'active', joinedVia: 'created' }, now),
  );
  return {
    householdId,
    ownerId,
    as: (userId, f) => withActor({ type: 'user', userId, householdId }, f),
    async addMember(role) {
      const userId = await seedUser(deps);
      await deps.table.put(
        memberItem(householdId, userId, { role, status: 'active', joinedVia: 'invite' }, now),
      );
      return userId;
    },
  };
}

/** Self-hosted mode without `allowPrivate`: only the listed simulator ports are reachable. */
export function simulatorHttp(
  urls: string[],
  extra: Parameters<typeof createHttp>[0] | object = {},
): OutboundHttp {
  return createHttp({
    mode: 'selfhosted',
    allowTargets: urls.map((u) => new URL(u).host),
    retry: { maxRetries: 1, initialDelayMs: 20, maxDelayMs: 50 },
    ...extra,
  });
}
