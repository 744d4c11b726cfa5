/**
 * Administering the members of the actor's household: list, change role, suspend/reactivate,
 * per-member permissions, remove, transfer ownership, leave, and import the servers' Plex friends.
 *
 * Rules (enforced here and, where a race could break them, by transaction conditions):
 * - The owner cannot be removed, suspended or demoted; ownership moves only by transfer.
 * - Admins (with `manage_members`) act on members; only the owner acts on admins or makes admins.
 * - Nobody grants a permission they do not have themselves.
 * - Every change writes its audit entry in the same transaction, guarded by `actorUnchanged`.
 */
import { z } from 'zod';
import type { DomainDeps } from '../actor/deps.ts';
import { fn } from '../actor/fn.ts';
import { UserId } from '../actor/id.ts';
import { auditOp } from '../audit/entry.ts';
import { AppError } from '../error/index.ts';
import {
  type Condition,
  notExists,
  queryAll,
  TransactionCanceledError,
  type TransactOp,
} from '../port/table.ts';
import * as User from '../user/user.ts';
import { type Access, actorUnchanged, PermissionDeniedError, requireAccess } from './access.ts';
import type { PlexDeps } from './household.ts';
import { type Member, toMember } from './info.ts';
import { type HouseholdItem, keys, type MemberItem, memberItem } from './keys.ts';
import {
  effectivePermissions,
  Overrides,
  PERMISSIONS,
  type Permission,
  Role,
  Status,
} from './permissions.ts';
import { withStoredToken } from './plex-errors.ts';

export interface MemberWithUser extends Member {
  user: { name: string; avatarUrl: string | null; plexUsername: string | null } | null;
}

export class OwnerProtectedError extends AppError {
  override name = 'OwnerProtectedError';
  constructor(message = 'The owner cannot be removed, suspended or demoted; transfer ownership first') {
    super('forbidden', 'household.owner_protected', message);
  }
}

export class MemberNotFoundError extends AppError {
  override name = 'MemberNotFoundError';
  constructor() {
    super('not_found', 'member.not_found', 'No such member in this household');
  }
}

const changed = () => new AppError('conflict', 'member.changed', 'The member changed meanwhile; try again');

async function loadMember(deps: DomainDeps, householdId: string, userId: string): Promise<MemberItem> {
  const m = await deps.table.get<MemberItem>(keys.member(householdId, userId));
  if (!m) throw new MemberNotFoundError();
  return m;
}

/** Loads the target and checks the acting member may act on it at all. */
async function loadTarget(deps: DomainDeps, access: Access, userId: string): Promise<MemberItem> {
  if (userId === access.userId) {
    throw new AppError('invalid', 'member.self', 'You cannot do this to your own membership');
  }
  const target = await loadMember(deps, access.householdId, userId);
  if (target.role === 'owner') throw new OwnerProtectedError();
  if (target.role === 'admin' && access.membership.role !== 'owner') {
    throw new PermissionDeniedError('Only the owner can change an admin');
  }
  return target;
}

/** The target is still what was read, and still not the owner (a transfer may race). */
const unchanged = (m: MemberItem): Condition => ({
  and: [
    { attr: 'rev', op: '=', value: m.rev },
    { attr: 'role', op: '<>', value: 'owner' },
  ],
});

function snapshot(m: MemberItem) {
  return { role: m.role, status: m.status, overrides: m.overrides };
}

async function apply(
  deps: DomainDeps,
  access: Access,
  target: MemberItem,
  set: Partial<Pick<MemberItem, 'role' | 'status' | 'overrides'>>,
  action: string,
): Promise<Member> {
  const now = deps.clock.now();
  const after = { ...target, ...set, updatedAt: now, rev: target.rev + 1 };
  try {
    await deps.table.transact([
      {
        update: keys.member(access.householdId, target.userId),
        spec: { set: { ...set, updatedAt: now }, add: { rev: 1 }, condition: unchanged(target) },
      },
      actorUnchanged(access),
      auditOp(
        {
          householdId: access.householdId,
          actorId: access.userId,
          action,
          target: { type: 'member', id: target.userId },
          before: snapshot(target),
          after: snapshot(after),
        },
        now,
      ),
    ]);
  } catch (error) {
    if (error instanceof TransactionCanceledError) throw changed();
    throw error;
  }
  return toMember(after);
}

// ---------------------------------------------------------------------------------------------

/** The caller's own membership of the actor's household. */
export async function mine(deps: DomainDeps): Promise<Member> {
  return toMember((await requireAccess(deps)).membership);
}

/** All members with their names (manage_members). */
export async function list(deps: DomainDeps): Promise<MemberWithUser[]> {
  const { householdId } = await requireAccess(deps, { permission: 'manage_members' });
  const items = await queryAll<MemberItem>(deps.table, {
    pk: `H#${householdId}`,
    sk: { beginsWith: 'M#' },
    limit: 1000,
  });
  const users = new Map(
    (
      await User.getMany(
        deps,
        items.map((m) => m.userId),
      )
    ).map((u) => [u.id, u]),
  );
  return items.map((m) => {
    const u = users.get(m.userId);
    return {
      ...toMember(m),
      user: u ? { name: u.name, avatarUrl: u.avatarUrl, plexUsername: u.plexUsername } : null,
    };
  });
}

export const SetRoleInput = z.object({ userId: UserId, role: Role.exclude(['owner']) });

/** Makes a member an admin or an admin a member (owner only for either direction). */
export const setRole = fn(SetRoleInput, async (deps: DomainDeps, { userId, role }): Promise<Member> => {
  const access = await requireAccess(deps, { permission: 'manage_members' });
  const target = await loadTarget(deps, access, userId);
  if (role === 'admin' && access.membership.role !== 'owner') {
    throw new PermissionDeniedError('Only the owner can make admins');
  }
  if (target.role === role) return toMember(target);
  return apply(deps, access, target, { role }, 'member.role_changed');
});

export const SetStatusInput = z.object({ userId: UserId, status: Status.exclude(['pending']) });

/** Suspends a member, or (re)activates a suspended or pending one. */
export const setStatus = fn(SetStatusInput, async (deps: DomainDeps, { userId, status }): Promise<Member> => {
  const access = await requireAccess(deps, { permission: 'manage_members' });
  const target = await loadTarget(deps, access, userId);
  if (target.status === status) return toMember(target);
  return apply(
    deps,
    access,
    target,
    { status },
    status === 'suspended' ? 'member.suspended' : 'member.activated',
  );
});

export const SetPermissionsInput = z.object({ userId: UserId, overrides: Overrides });

/** Replaces a member's permission overrides. */
export const setPermissions = fn(
  SetPermissionsInput,
  async (deps: DomainDeps, { userId, overrides }): Promise<Member> => {
    const access = await requireAccess(deps, { permission: 'manage_members' });
    const target = await loadTarget(deps, access, userId);
    const clean = Object.fromEntries(
      PERMISSIONS.filter((p) => overrides[p] !== undefined).map((p) => [p, overrides[p] as boolean]),
    ) as Partial<Record<Permission, boolean>>;
    const before = new Set(effectivePermissions(target.role, target.overrides));
    const gained = effectivePermissions(target.role, clean).filter((p) => !before.has(p));
    const lacking = gained.filter((p) => !access.permissions.includes(p));
    if (lacking.length > 0) {
      throw new PermissionDeniedError(`You cannot grant what you lack: ${lacking.join(', ')}`);
    }
    return apply(deps, access, target, { overrides: clean }, 'member.permissions_changed');
  },
);

export const RemoveInput = z.object({ userId: UserId });

/** Removes a member from the household (never the owner). */
export const remove = fn(RemoveInput, async (deps: DomainDeps, { userId }): Promise<void> => {
  const access = await requireAccess(deps, { permission: 'manage_members' });
  const target = await loadTarget(deps, access, userId);
  const now = deps.clock.now();
  try {
    await deps.table.transact([
      { delete: keys.member(access.householdId, userId), condition: unchanged(target) },
      actorUnchanged(access),
      auditOp(
        {
          householdId: access.householdId,
          actorId: access.userId,
          action: 'member.removed',
          target: { type: 'member', id: userId },
          before: snapshot(target),
        },
        now,
      ),
    ]);
  } catch (error) {
    if (error instanceof TransactionCanceledError) throw changed();
    throw error;
  }
});

/** Leaves the actor's household. The owner has to transfer ownership first. */
export async function leave(deps: DomainDeps): Promise<void> {
  const access = await requireAccess(deps);
  if (access.membership.role === 'owner') throw new OwnerProtectedError('Transfer ownership before leaving');
  const now = deps.clock.now();
  try {
    await deps.table.transact([
      {
        delete: keys.member(access.householdId, access.userId),
        condition: { attr: 'rev', op: '=', value: access.membership.rev },
      },
      auditOp(
        {
          householdId: access.householdId,
          actorId: access.userId,
          action: 'member.left',
          target: { type: 'member', id: access.userId },
          before: snapshot(access.membership),
        },
        now,
      ),
    ]);
  } catch (error) {
    if (error instanceof TransactionCanceledError) throw changed();
    throw error;
  }
}

export const TransferInput = z.object({ userId: UserId });

/**
 * Makes an active member the owner; the old owner becomes an admin. One transaction: the
 * household's `ownerId`, both memberships and the audit entry change together or not at all.
 */
export const transferOwnership = fn(TransferInput, async (deps: DomainDeps, { userId }): Promise<Member> => {
  const access = await requireAccess(deps, { role: 'owner' });
  if (userId === access.userId)
    throw new AppError('invalid', 'member.self', 'You already own this household');
  const target = await loadMember(deps, access.householdId, userId);
  if (target.status !== 'active') {
    throw new AppError('invalid', 'member.inactive', 'Only an active member can become the owner');
  }
  const now = deps.clock.now();
  const ops: TransactOp[] = [
    {
      update: keys.household(access.householdId),
      spec: {
        set: { ownerId: userId, updatedAt: now },
        add: { rev: 1 },
        condition: { attr: 'ownerId', op: '=', value: access.userId },
      },
    },
    {
      update: keys.member(access.householdId, access.userId),
      spec: {
        set: { role: 'admin', overrides: {}, updatedAt: now },
        add: { rev: 1 },
        condition: {
          and: [
            { attr: 'role', op: '=', value: 'owner' },
            { attr: 'rev', op: '=', value: access.membership.rev },
          ],
        },
      },
    },
    {
      update: keys.member(access.householdId, userId),
      spec: {
        set: { role: 'owner', overrides: {}, updatedAt: now },
        add: { rev: 1 },
        condition: {
          and: [
            { attr: 'rev', op: '=', value: target.rev },
            { attr: 'status', op: '=', value: 'active' },
          ],
        },
      },
    },
    auditOp(
      {
        householdId: access.householdId,
        actorId: access.userId,
        action: 'household.ownership_transferred',
        target: { type: 'member', id: userId },
        before: { ownerId: access.userId },
        after: { ownerId: userId },
      },
      now,
    ),
  ];
  try {
    await deps.table.transact(ops);
  } catch (error) {
    if (error instanceof TransactionCanceledError) throw changed();
    throw error;
  }
  return toMember(await loadMember(deps, access.householdId, userId));
});

// ---------------------------------------------------------------------------------------------
// Importing Plex friends

export interface ImportResult {
  /** Newly added, pending until they join (or an admin activates them). */
  imported: Member[];
  /** Friends who were already members (any status). */
  alreadyMembers: number;
}

/**
 * Adds every Plex friend with an accepted share of one of the household's servers as a pending
 * member, creating a (token-less) MediaNest user for friends who never signed in. Reads the
 * friend list with the owner's Plex token.
 */
export async function importPlexFriends(deps: PlexDeps): Promise<ImportResult> {
  const access = await requireAccess(deps, { permission: 'manage_members' });
  const household = await deps.table.get<HouseholdItem>(keys.household(access.householdId));
  if (!household) throw new MemberNotFoundError();
  const ownerToken = await User.getPlexToken(deps, household.ownerId);
  const serverIds = new Set(household.servers.map((s) => s.machineIdentifier));
  const friends = (
    await withStoredToken(access.userId === household.ownerId ? 'self' : 'owner', () =>
      deps.plexTv.getServerUsers(ownerToken),
    )
  ).filter((f) => f.servers.some((s) => serverIds.has(s.machineIdentifier) && !s.pending));
  const imported: Member[] = [];
  let alreadyMembers = 0;
  for (const friend of friends) {
    const { user } = await User.upsertFromPlex(deps, {
      account: {
        id: friend.id,
        username: friend.username,
        title: friend.title || friend.username,
        email: friend.email ?? null,
        thumb: friend.thumb ?? null,
      },
    });
    // Also keeps the acting admin (who may be a friend too) out of the transaction below, which
    // already guards their own membership item.
    if (await deps.table.get(keys.member(access.householdId, user.id))) {
      alreadyMembers += 1;
      continue;
    }
    const now = deps.clock.now();
    const item = memberItem(
      access.householdId,
      user.id,
      { role: 'member', status: 'pending', joinedVia: 'import' },
      now,
    );
    try {
      await deps.table.transact([
        { put: item, condition: notExists },
        actorUnchanged(access),
        auditOp(
          {
            householdId: access.householdId,
            actorId: access.userId,
            action: 'member.imported',
            target: { type: 'member', id: user.id },
            after: { ...snapshot(item), plexAccountId: friend.id, plexUsername: friend.username },
          },
          now,
        ),
      ]);
      imported.push(toMember(item));
    } catch (error) {
      if (!(error instanceof TransactionCanceledError)) throw error;
      if (!error.failed.includes(0)) throw changed();
      alreadyMembers += 1;
    }
  }
  return { imported, alreadyMembers };
}
