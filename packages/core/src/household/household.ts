/**
 * Households: creation with the owner's Plex server(s), the caller's households, switching, the
 * server list, and joining through Plex server access. Access patterns are listed in keys.ts.
 *
 * Invariants:
 * - A Plex server belongs to at most one household (`PMS#<machineIdentifier>` claim, written with
 *   `notExists` in the same transaction as the household change).
 * - Only a server the owner's Plex account owns can be added (checked with the owner's token).
 * - Every operation on a household finds it through the caller's membership (`requireAccess`);
 *   only joining takes a household id from the caller, and joining is itself the check.
 */
import { z } from 'zod';
import { useUser } from '../actor/context.ts';
import type { DomainDeps } from '../actor/deps.ts';
import { fn } from '../actor/fn.ts';
import { HouseholdId, newId } from '../actor/id.ts';
import { auditOp } from '../audit/entry.ts';
import { AppError } from '../error/index.ts';
import { PlexUnauthorizedError } from '../plex/errors.ts';
import type { PlexTvClient } from '../plex/plex-tv-client.ts';
import { notExists, queryAll, TransactionCanceledError, type TransactOp } from '../port/table.ts';
import * as User from '../user/user.ts';
import {
  type Access,
  actorUnchanged,
  findMembership,
  HouseholdNotFoundError,
  PermissionDeniedError,
  requireAccess,
} from './access.ts';
import { type Info, type Member, toInfo, toMember } from './info.ts';
import {
  ENTITY_VERSION,
  type HouseholdItem,
  keys,
  type MemberItem,
  memberItem,
  type ServerEntry,
} from './keys.ts';
import { PlexTokenRejectedError, withStoredToken } from './plex-errors.ts';

export interface PlexDeps extends DomainDeps {
  plexTv: PlexTvClient;
}

const MAX_SERVERS = 10;
const MachineIdentifier = z.string().min(1).max(128);
const Name = z.string().trim().min(1, { error: 'a name is required' }).max(80);

export class ServerTakenError extends AppError {
  override name = 'ServerTakenError';
  constructor() {
    super('conflict', 'household.server_taken', 'That Plex server already belongs to a household');
  }
}

export class ServerNotOwnedError extends AppError {
  override name = 'ServerNotOwnedError';
  constructor() {
    super('invalid', 'household.server_not_owned', "That server is not one of the owner's own Plex servers");
  }
}

async function loadHousehold(deps: DomainDeps, householdId: string): Promise<HouseholdItem> {
  const item = await deps.table.get<HouseholdItem>(keys.household(householdId));
  if (!item) throw new HouseholdNotFoundError();
  return item;
}

/** The servers a Plex account owns, from plex.tv (name and id). */
async function ownedServers(
  deps: PlexDeps,
  userId: string,
  whose: 'self' | 'owner',
): Promise<{ machineIdentifier: string; name: string }[]> {
  const token = await User.getPlexToken(deps, userId);
  const resources = await withStoredToken(whose, () => deps.plexTv.getResources(token));
  return resources
    .filter((r) => r.owned)
    .map((r) => ({ machineIdentifier: r.clientIdentifier, name: r.name }));
}

function serverClaim(machineIdentifier: string, householdId: string, now: number): TransactOp {
  return {
    put: { ...keys.serverClaim(machineIdentifier), type: 'server_claim', householdId, claimedAt: now },
    condition: notExists,
  };
}

// ---------------------------------------------------------------------------------------------

export const CreateInput = z.object({
  name: Name,
  /** Machine identifiers of servers the creator owns (see `availableServers`). */
  servers: z.array(MachineIdentifier).min(1, { error: 'choose at least one Plex server' }).max(MAX_SERVERS),
});

/** Creates a household owned by the signed-in user, with servers they own on plex.tv. */
export const create = fn(
  CreateInput,
  async (deps: PlexDeps, input): Promise<{ household: Info; membership: Member }> => {
    const { userId } = useUser();
    const wanted = [...new Set(input.servers)];
    const owned = await ownedServers(deps, userId, 'self');
    const now = deps.clock.now();
    const servers: ServerEntry[] = wanted.map((id) => {
      const found = owned.find((s) => s.machineIdentifier === id);
      if (!found) throw new ServerNotOwnedError();
      return { machineIdentifier: id, name: found.name, addedAt: now };
    });
    const id = newId('hh', now);
    const household: HouseholdItem = {
      ...keys.household(id),
      type: 'household',
      v: ENTITY_VERSION,
      rev: 1,
      id,
      name: input.name,
      ownerId: userId,
      servers,
      createdAt: now,
      updatedAt: now,
    };
    const owner = memberItem(id, userId, { role: 'owner', status: 'active', joinedVia: 'created' }, now);
    const claims = servers.map((s) => serverClaim(s.machineIdentifier, id, now));
    try {
      await deps.table.transact([
        { put: household, condition: notExists },
        { put: owner, condition: notExists },
        ...claims,
        auditOp(
          {
            householdId: id,
            actorId: userId,
            action: 'household.created',
            target: { type: 'household', id },
            after: { name: input.name, servers: servers.map((s) => s.machineIdentifier) },
          },
          now,
        ),
      ]);
    } catch (error) {
      if (error instanceof TransactionCanceledError) throw new ServerTakenError();
      throw error;
    }
    return { household: toInfo(household), membership: toMember(owner) };
  },
);

/** The actor's household. Any active member may read it. */
export async function current(deps: DomainDeps): Promise<{ household: Info; membership: Member }> {
  const access = await requireAccess(deps);
  return {
    household: toInfo(await loadHousehold(deps, access.householdId)),
    membership: toMember(access.membership),
  };
}

export const RenameInput = z.object({ name: Name });

export const rename = fn(RenameInput, async (deps: DomainDeps, { name }): Promise<Info> => {
  const access = await requireAccess(deps, { role: 'admin' });
  const before = await loadHousehold(deps, access.householdId);
  const now = deps.clock.now();
  await deps.table.transact([
    {
      update: keys.household(access.householdId),
      spec: {
        set: { name, updatedAt: now },
        add: { rev: 1 },
        condition: { attr: 'rev', op: '=', value: before.rev },
      },
    },
    actorUnchanged(access),
    auditOp(
      {
        householdId: access.householdId,
        actorId: access.userId,
        action: 'household.renamed',
        target: { type: 'household', id: access.householdId },
        before: { name: before.name },
        after: { name },
      },
      now,
    ),
  ]);
  return toInfo(await loadHousehold(deps, access.householdId));
});

export interface MyHousehold {
  household: Info;
  membership: Member;
}

/** Every household the signed-in user belongs to (any status), oldest membership first. */
export async function listMine(deps: DomainDeps): Promise<MyHousehold[]> {
  const { userId } = useUser();
  const memberships = await queryAll<MemberItem>(deps.table, {
    index: 'gsi1',
    pk: `U#${userId}`,
    sk: { beginsWith: 'HH#' },
    limit: 100,
  });
  const households = new Map<string, HouseholdItem>();
  for (let i = 0; i < memberships.length; i += 100) {
    const batch = memberships.slice(i, i + 100).map((m) => keys.household(m.householdId));
    for (const h of await deps.table.batchGet<HouseholdItem>(batch)) households.set(h.id, h);
  }
  return memberships
    .filter((m) => households.has(m.householdId))
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((m) => ({
      household: toInfo(households.get(m.householdId) as HouseholdItem),
      membership: toMember(m),
    }));
}

export const SwitchInput = z.object({ householdId: HouseholdId });

/**
 * Validates a switch to another household: the caller must be an active member. The HTTP layer
 * remembers the choice (cookie or header) and puts it in the actor of the following requests.
 */
export const switchTo = fn(SwitchInput, async (deps: DomainDeps, { householdId }): Promise<MyHousehold> => {
  const { userId } = useUser();
  const membership = await findMembership(deps, householdId, userId);
  if (!membership) throw new HouseholdNotFoundError();
  if (membership.status !== 'active') {
    throw new PermissionDeniedError('Your membership of this household is not active', 'membership.inactive');
  }
  return { household: toInfo(await loadHousehold(deps, householdId)), membership: toMember(membership) };
});

// ---------------------------------------------------------------------------------------------
// Servers

export interface AvailableServer {
  machineIdentifier: string;
  name: string;
  /** Already part of a household (this user's or anyone's): cannot be chosen. */
  taken: boolean;
}

/** The signed-in user's own Plex servers, for the creation wizard. */
export async function availableServers(deps: PlexDeps): Promise<AvailableServer[]> {
  const { userId } = useUser();
  const owned = await ownedServers(deps, userId, 'self');
  const claims = await deps.table.batchGet(owned.map((s) => keys.serverClaim(s.machineIdentifier)));
  const taken = new Set(claims.map((c) => c.pk.slice('PMS#'.length)));
  return owned.map((s) => ({ ...s, taken: taken.has(s.machineIdentifier) }));
}

export const ServerInput = z.object({ machineIdentifier: MachineIdentifier });

/** Adds another of the owner's servers to the actor's household. */
export const addServer = fn(ServerInput, async (deps: PlexDeps, { machineIdentifier }): Promise<Info> => {
  const access = await requireAccess(deps, { permission: 'manage_integrations' });
  const household = await loadHousehold(deps, access.householdId);
  if (household.servers.some((s) => s.machineIdentifier === machineIdentifier)) return toInfo(household);
  if (household.servers.length >= MAX_SERVERS) {
    throw new AppError(
      'invalid',
      'household.too_many_servers',
      `A household has at most ${MAX_SERVERS} servers`,
    );
  }
  const found = (
    await ownedServers(deps, household.ownerId, access.userId === household.ownerId ? 'self' : 'owner')
  ).find((s) => s.machineIdentifier === machineIdentifier);
  if (!found) throw new ServerNotOwnedError();
  const now = deps.clock.now();
  const entry: ServerEntry = { machineIdentifier, name: found.name, addedAt: now };
  try {
    await deps.table.transact([
      {
        update: keys.household(household.id),
        spec: {
          set: { servers: [...household.servers, entry], updatedAt: now },
          add: { rev: 1 },
          condition: { attr: 'rev', op: '=', value: household.rev },
        },
      },
      serverClaim(machineIdentifier, household.id, now),
      actorUnchanged(access),
      auditOp(
        {
          householdId: household.id,
          actorId: access.userId,
          action: 'server.added',
          target: { type: 'server', id: machineIdentifier },
          after: entry,
        },
        now,
      ),
    ]);
  } catch (error) {
    if (error instanceof TransactionCanceledError && error.failed.includes(1)) throw new ServerTakenError();
    if (error instanceof TransactionCanceledError) {
      throw new AppError('conflict', 'household.changed', 'The household changed meanwhile; try again');
    }
    throw error;
  }
  return toInfo(await loadHousehold(deps, household.id));
});

/** Removes a server from the actor's household (never the last one: joining needs a server). */
export const removeServer = fn(
  ServerInput,
  async (deps: DomainDeps, { machineIdentifier }): Promise<Info> => {
    const access = await requireAccess(deps, { permission: 'manage_integrations' });
    const household = await loadHousehold(deps, access.householdId);
    const entry = household.servers.find((s) => s.machineIdentifier === machineIdentifier);
    if (!entry)
      throw new AppError('not_found', 'household.server_not_found', 'That server is not in this household');
    if (household.servers.length === 1) {
      throw new AppError('conflict', 'household.last_server', 'A household keeps at least one Plex server');
    }
    const now = deps.clock.now();
    try {
      await deps.table.transact([
        {
          update: keys.household(household.id),
          spec: {
            set: { servers: household.servers.filter((s) => s !== entry), updatedAt: now },
            add: { rev: 1 },
            condition: { attr: 'rev', op: '=', value: household.rev },
          },
        },
        {
          delete: keys.serverClaim(machineIdentifier),
          condition: { attr: 'householdId', op: '=', value: household.id },
        },
        actorUnchanged(access),
        auditOp(
          {
            householdId: household.id,
            actorId: access.userId,
            action: 'server.removed',
            target: { type: 'server', id: machineIdentifier },
            before: entry,
          },
          now,
        ),
      ]);
    } catch (error) {
      if (error instanceof TransactionCanceledError) {
        throw new AppError('conflict', 'household.changed', 'The household changed meanwhile; try again');
      }
      throw error;
    }
    return toInfo(await loadHousehold(deps, household.id));
  },
);

// ---------------------------------------------------------------------------------------------
// Joining through Plex server access

/** The owner's Plex account and token, for the owner-side access check; undefined if unavailable. */
async function ownerPlex(
  deps: DomainDeps,
  ownerId: string,
): Promise<{ accountId: number; token: string } | undefined> {
  const owner = await User.get(deps, ownerId);
  if (owner.plexAccountId === null || !owner.hasPlexToken) return undefined;
  return { accountId: owner.plexAccountId, token: await User.getPlexToken(deps, ownerId) };
}

/**
 * PROTOCOLS §1 "Checking whether a Plex user may use a given server", both ways: the user's own
 * resource list first, then the owner's friend list (which also lets the owner in). A refused
 * owner token only loses the second check; a refused user token is reported if nothing else
 * granted access.
 */
async function hasAccess(
  deps: PlexDeps,
  household: HouseholdItem,
  accountId: number,
  userToken: string,
): Promise<boolean> {
  let userTokenRejected: unknown;
  for (const server of household.servers) {
    try {
      const r = await deps.plexTv.hasServerAccess({
        machineIdentifier: server.machineIdentifier,
        accountId,
        userToken,
      });
      if (r.allowed) return true;
    } catch (error) {
      if (!(error instanceof PlexUnauthorizedError)) throw error;
      userTokenRejected = error;
      break;
    }
  }
  const owner = await ownerPlex(deps, household.ownerId);
  if (owner) {
    for (const server of household.servers) {
      try {
        const r = await deps.plexTv.hasServerAccess({
          machineIdentifier: server.machineIdentifier,
          accountId,
          owner,
        });
        if (r.allowed) return true;
      } catch (error) {
        if (!(error instanceof PlexUnauthorizedError)) throw error;
        deps.logger?.warn("The household owner's Plex token was refused during a join check", {
          householdId: household.id,
        });
        break;
      }
    }
  }
  if (userTokenRejected) throw new PlexTokenRejectedError('self', userTokenRejected);
  return false;
}

export interface Joinable {
  household: { id: string; name: string };
  server: { machineIdentifier: string; name: string };
  /** The caller's membership status there, if any (pending: imported, waiting for them). */
  status: Member['status'] | null;
}

/** Households the signed-in user can join through the Plex servers shared with them. */
export async function joinable(deps: PlexDeps): Promise<Joinable[]> {
  const { userId } = useUser();
  const token = await User.getPlexToken(deps, userId);
  const resources = await withStoredToken('self', () => deps.plexTv.getResources(token));
  const claims = await deps.table.batchGet<{ pk: string; sk: string; householdId: string }>(
    resources.map((r) => keys.serverClaim(r.clientIdentifier)),
  );
  const out: Joinable[] = [];
  const seen = new Set<string>();
  for (const claim of claims) {
    if (seen.has(claim.householdId)) continue;
    seen.add(claim.householdId);
    const household = await deps.table.get<HouseholdItem>(keys.household(claim.householdId));
    if (!household) continue;
    const membership = await findMembership(deps, household.id, userId);
    if (membership?.status === 'active') continue;
    const mid = claim.pk.slice('PMS#'.length);
    const server = resources.find((r) => r.clientIdentifier === mid);
    out.push({
      household: { id: household.id, name: household.name },
      server: { machineIdentifier: mid, name: server?.name ?? mid },
      status: membership?.status ?? null,
    });
  }
  return out;
}

export const JoinInput = z.object({ householdId: HouseholdId });

/**
 * Joins a household as a member because plex.tv says the caller's Plex account may use one of its
 * servers (their own resource list, or the owner's friend list). An imported (pending) member is
 * activated the same way. Anyone else gets 403 and needs an invite.
 */
export const joinByServerAccess = fn(JoinInput, async (deps: PlexDeps, { householdId }): Promise<Member> => {
  const { userId } = useUser();
  const household = await deps.table.get<HouseholdItem>(keys.household(householdId));
  if (!household) throw new HouseholdNotFoundError();
  const existing = await findMembership(deps, householdId, userId);
  if (existing?.status === 'active') return toMember(existing);
  if (existing?.status === 'suspended') {
    throw new PermissionDeniedError('Your membership of this household is suspended', 'membership.suspended');
  }
  const me = await User.get(deps, userId);
  if (me.plexAccountId === null || !me.hasPlexToken)
    throw new User.PlexNotLinkedError('Sign in with Plex to join by server access');
  const userToken = await User.getPlexToken(deps, userId);
  const allowed = await hasAccess(deps, household, me.plexAccountId, userToken);
  if (!allowed) {
    throw new PermissionDeniedError(
      "Your Plex account has no access to this household's servers; ask for an invite link",
      'household.no_server_access',
    );
  }
  const now = deps.clock.now();
  const audit = auditOp(
    {
      householdId,
      actorId: userId,
      action: existing ? 'member.activated' : 'member.joined',
      target: { type: 'member', id: userId },
      before: existing ? { status: existing.status } : null,
      after: { status: 'active', role: existing?.role ?? 'member', via: 'server_access' },
    },
    now,
  );
  try {
    if (existing) {
      await deps.table.transact([
        {
          update: keys.member(householdId, userId),
          spec: {
            set: { status: 'active', updatedAt: now },
            add: { rev: 1 },
            condition: { attr: 'status', op: '=', value: 'pending' },
          },
        },
        audit,
      ]);
    } else {
      const item = memberItem(
        householdId,
        userId,
        { role: 'member', status: 'active', joinedVia: 'server_access' },
        now,
      );
      await deps.table.transact([{ put: item, condition: notExists }, audit]);
    }
  } catch (error) {
    if (!(error instanceof TransactionCanceledError)) throw error;
    // A concurrent join (or an admin) got there first: answer with what is there now.
  }
  const after = await findMembership(deps, householdId, userId);
  if (!after) throw new HouseholdNotFoundError();
  if (after.status !== 'active') {
    throw new PermissionDeniedError('Your membership of this household is not active', 'membership.inactive');
  }
  return toMember(after);
});

export type { Access };
