/**
 * Invite links: a random code that lets anyone signed in join the household, with an expiry, a
 * maximum number of uses, the role it grants, and revocation.
 *
 * Redeeming is one transaction: the invite's use counter goes up only while
 * `uses < maxUses`, it is not expired and not revoked, and the membership is created in the same
 * transaction, so N people redeeming a one-use invite at once yield exactly one membership.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { useUser } from '../actor/context.ts';
import type { DomainDeps } from '../actor/deps.ts';
import { fn } from '../actor/fn.ts';
import { auditOp } from '../audit/entry.ts';
import { AppError } from '../error/index.ts';
import { notExists, queryAll, TransactionCanceledError, type TransactOp } from '../port/table.ts';
import { actorUnchanged, findMembership, PermissionDeniedError, requireAccess } from './access.ts';
import { type Invite, inviteStatus, type Member, toInvite, toMember } from './info.ts';
import { type HouseholdItem, type InviteItem, keys, memberItem } from './keys.ts';

export const MAX_INVITE_SECONDS = 30 * 24 * 3600;
/** Invites are kept this long after they expire, so the list still explains "expired". */
const KEEP_AFTER_EXPIRY_SECONDS = 30 * 24 * 3600;

// 18 random bytes → 24 base64url characters: unguessable, short enough for a link.
export const InviteCode = z.string().regex(/^[A-Za-z0-9_-]{24}$/, { error: 'not an invite code' });

export class InviteUnusableError extends AppError {
  override name = 'InviteUnusableError';
  constructor(reason: 'not_found' | 'expired' | 'used_up' | 'revoked') {
    const messages = {
      not_found: 'This invite link is not valid',
      expired: 'This invite link has expired',
      used_up: 'This invite link has been used up',
      revoked: 'This invite link was revoked',
    } as const;
    super(reason === 'not_found' ? 'not_found' : 'conflict', `invite.${reason}`, messages[reason]);
  }
}

async function findInvite(deps: DomainDeps, code: string): Promise<InviteItem | undefined> {
  if (!InviteCode.safeParse(code).success) return undefined;
  const page = await deps.table.query<InviteItem>({ index: 'gsi2', pk: `INV#${code}`, limit: 1 });
  const hit = page.items[0];
  // Re-read from the base table: the index may lag behind (DynamoDB GSIs are eventually consistent).
  return hit ? deps.table.get<InviteItem>(keys.invite(hit.householdId, code)) : undefined;
}

export const CreateInput = z.object({
  role: z.enum(['member', 'admin']).default('member'),
  maxUses: z.number().int().min(1).max(1000).default(1),
  expiresInSeconds: z
    .number()
    .int()
    .min(60)
    .max(MAX_INVITE_SECONDS)
    .default(7 * 24 * 3600),
});

/** Creates an invite to the actor's household (manage_members; admin invites by the owner only). */
export const create = fn(CreateInput, async (deps: DomainDeps, input): Promise<Invite> => {
  const access = await requireAccess(deps, { permission: 'manage_members' });
  if (input.role === 'admin' && access.membership.role !== 'owner') {
    throw new PermissionDeniedError('Only the owner can invite admins');
  }
  const now = deps.clock.now();
  const code = randomBytes(18).toString('base64url');
  const expiresAt = now + input.expiresInSeconds * 1000;
  const item: InviteItem = {
    ...keys.invite(access.householdId, code),
    type: 'invite',
    v: 1,
    householdId: access.householdId,
    code,
    role: input.role,
    maxUses: input.maxUses,
    uses: 0,
    expiresAt,
    createdBy: access.userId,
    createdAt: now,
    ttl: Math.ceil(expiresAt / 1000) + KEEP_AFTER_EXPIRY_SECONDS,
    gsi2pk: `INV#${code}`,
    gsi2sk: 'INVITE',
  };
  await deps.table.transact([
    { put: item, condition: notExists },
    actorUnchanged(access),
    auditOp(
      {
        householdId: access.householdId,
        actorId: access.userId,
        action: 'invite.created',
        target: { type: 'invite', id: code },
        after: { role: input.role, maxUses: input.maxUses, expiresAt },
      },
      now,
    ),
  ]);
  return toInvite(item, now);
});

/** The actor's household's invites, newest first (manage_members). */
export async function list(deps: DomainDeps): Promise<Invite[]> {
  const { householdId } = await requireAccess(deps, { permission: 'manage_members' });
  const items = await queryAll<InviteItem>(deps.table, {
    pk: `H#${householdId}`,
    sk: { beginsWith: 'INV#' },
    limit: 1000,
  });
  const now = deps.clock.now();
  return items.sort((a, b) => b.createdAt - a.createdAt).map((i) => toInvite(i, now));
}

export const CodeInput = z.object({ code: InviteCode });

/** Revokes an invite of the actor's household; the link stops working at once. */
export const revoke = fn(CodeInput, async (deps: DomainDeps, { code }): Promise<Invite> => {
  const access = await requireAccess(deps, { permission: 'manage_members' });
  const key = keys.invite(access.householdId, code);
  const before = await deps.table.get<InviteItem>(key);
  if (!before) throw new InviteUnusableError('not_found');
  if (before.revokedAt !== undefined) return toInvite(before, deps.clock.now());
  const now = deps.clock.now();
  try {
    await deps.table.transact([
      { update: key, spec: { set: { revokedAt: now }, condition: { attr: 'revokedAt', exists: false } } },
      actorUnchanged(access),
      auditOp(
        {
          householdId: access.householdId,
          actorId: access.userId,
          action: 'invite.revoked',
          target: { type: 'invite', id: code },
          before: { uses: before.uses, maxUses: before.maxUses },
        },
        now,
      ),
    ]);
  } catch (error) {
    if (error instanceof TransactionCanceledError) {
      throw new AppError('conflict', 'invite.changed', 'The invite changed meanwhile; try again');
    }
    throw error;
  }
  return toInvite({ ...before, revokedAt: now }, now);
});

export interface InvitePreview {
  householdName: string;
  role: 'admin' | 'member';
  expiresAt: number;
}

/** What the invite page shows before sign-in. Unusable codes are 404/409 without details. */
export const preview = fn(CodeInput, async (deps: DomainDeps, { code }): Promise<InvitePreview> => {
  const invite = await findInvite(deps, code);
  if (!invite) throw new InviteUnusableError('not_found');
  const status = inviteStatus(invite, deps.clock.now());
  if (status !== 'active') throw new InviteUnusableError(status);
  const household = await deps.table.get<HouseholdItem>(keys.household(invite.householdId));
  if (!household) throw new InviteUnusableError('not_found');
  return { householdName: household.name, role: invite.role, expiresAt: invite.expiresAt };
});

/** Joins the invite's household as the signed-in user. */
export const redeem = fn(CodeInput, async (deps: DomainDeps, { code }): Promise<Member> => {
  const { userId } = useUser();
  const invite = await findInvite(deps, code);
  if (!invite) throw new InviteUnusableError('not_found');
  const now = deps.clock.now();
  const status = inviteStatus(invite, now);
  if (status !== 'active') throw new InviteUnusableError(status);
  const hh = invite.householdId;
  const existing = await findMembership(deps, hh, userId);
  if (existing?.status === 'active') {
    throw new AppError('conflict', 'membership.exists', 'You are already a member of this household');
  }
  if (existing?.status === 'suspended') {
    throw new PermissionDeniedError('Your membership of this household is suspended', 'membership.suspended');
  }
  const useInvite: TransactOp = {
    update: keys.invite(hh, code),
    spec: {
      add: { uses: 1 },
      condition: {
        and: [
          { attr: 'uses', op: '<', value: invite.maxUses },
          { attr: 'expiresAt', op: '>', value: now },
          { attr: 'revokedAt', exists: false },
        ],
      },
    },
  };
  const member = existing
    ? { ...existing, role: invite.role, status: 'active' as const, updatedAt: now, rev: existing.rev + 1 }
    : memberItem(hh, userId, { role: invite.role, status: 'active', joinedVia: 'invite' }, now);
  const writeMember: TransactOp = existing
    ? {
        update: keys.member(hh, userId),
        spec: {
          set: { role: invite.role, status: 'active', updatedAt: now },
          add: { rev: 1 },
          condition: { attr: 'status', op: '=', value: 'pending' },
        },
      }
    : { put: member, condition: notExists };
  try {
    await deps.table.transact([
      useInvite,
      writeMember,
      auditOp(
        {
          householdId: hh,
          actorId: userId,
          action: existing ? 'member.activated' : 'member.joined',
          target: { type: 'member', id: userId },
          before: existing ? { status: existing.status, role: existing.role } : null,
          after: { status: 'active', role: invite.role, via: 'invite', invite: code },
        },
        now,
      ),
    ]);
  } catch (error) {
    if (!(error instanceof TransactionCanceledError)) throw error;
    if (error.failed.includes(0)) {
      const fresh = await deps.table.get<InviteItem>(keys.invite(hh, code));
      const why = fresh ? inviteStatus(fresh, deps.clock.now()) : 'not_found';
      throw new InviteUnusableError(why === 'active' ? 'used_up' : why);
    }
    throw new AppError('conflict', 'membership.exists', 'You are already a member of this household');
  }
  return toMember(member);
});
