/**
 * The one way into a household: the signed-in user's membership of the household named by the
 * actor. A household the user is not a member of does not exist for them (404, the same answer
 * as for a household that does not exist at all), so ids cannot be probed.
 */
import { useUser } from '../actor/context.ts';
import { HouseholdId } from '../actor/id.ts';
import { AppError } from '../error/index.ts';
import type { Condition, Table, TransactOp } from '../port/table.ts';
import { keys, type MemberItem } from './keys.ts';
import { effectivePermissions, type Permission } from './permissions.ts';

export class HouseholdNotFoundError extends AppError {
  override name = 'HouseholdNotFoundError';
  constructor() {
    super('not_found', 'household.not_found', 'No such household');
  }
}

export class PermissionDeniedError extends AppError {
  override name = 'PermissionDeniedError';
  constructor(message: string, code = 'household.forbidden') {
    super('forbidden', code, message);
  }
}

export interface Access {
  householdId: string;
  userId: string;
  membership: MemberItem;
  permissions: Permission[];
}

export interface AccessRequirement {
  permission?: Permission;
  /** Owner or admin (viewing the audit log, acting on other admins needs owner: checked by the caller). */
  role?: 'owner' | 'admin';
}

/** The membership of `userId` in `householdId`, whatever its status; undefined if none. */
export async function findMembership(
  deps: { table: Table },
  householdId: string,
  userId: string,
): Promise<MemberItem | undefined> {
  if (!HouseholdId.safeParse(householdId).success) return undefined;
  return deps.table.get<MemberItem>(keys.member(householdId, userId));
}

/**
 * The caller's active membership of the actor's household, checked against a requirement.
 * Throws 401 (no user), 400 (no household chosen), 404 (not a member), 403 (inactive or lacking).
 */
export async function requireAccess(deps: { table: Table }, need: AccessRequirement = {}): Promise<Access> {
  const actor = useUser();
  if (actor.householdId === undefined) {
    throw new AppError('invalid', 'household.not_selected', 'Choose a household first');
  }
  const membership = await findMembership(deps, actor.householdId, actor.userId);
  if (!membership) throw new HouseholdNotFoundError();
  if (membership.status !== 'active') {
    throw new PermissionDeniedError(
      membership.status === 'pending'
        ? 'Your membership is waiting for approval'
        : 'Your membership of this household is suspended',
      'membership.inactive',
    );
  }
  const permissions = effectivePermissions(membership.role, membership.overrides);
  if (need.permission && !permissions.includes(need.permission)) {
    throw new PermissionDeniedError(`You need the ${need.permission} permission`);
  }
  if (need.role === 'owner' && membership.role !== 'owner') {
    throw new PermissionDeniedError('Only the owner can do this');
  }
  if (need.role === 'admin' && membership.role === 'member') {
    throw new PermissionDeniedError('Only admins can do this');
  }
  return { householdId: actor.householdId, userId: actor.userId, membership, permissions };
}

/**
 * A transaction guard: the acting membership is unchanged since it was checked, so an admin who
 * is suspended or demoted concurrently cannot complete an admin action.
 */
export function actorUnchanged(access: Access): TransactOp {
  const condition: Condition = {
    and: [
      { attr: 'rev', op: '=', value: access.membership.rev },
      { attr: 'status', op: '=', value: 'active' },
    ],
  };
  return { check: keys.member(access.householdId, access.userId), condition };
}
