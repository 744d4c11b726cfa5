/** What leaves core about households, members and invites (never keys, never tokens). */
import { z } from 'zod';
import { HouseholdId, UserId } from '../actor/id.ts';
import type { HouseholdItem, InviteItem, MemberItem } from './keys.ts';
import { effectivePermissions, Overrides, Permission, Role, Status } from './permissions.ts';

export const Server = z.object({
  machineIdentifier: z.string(),
  name: z.string(),
  addedAt: z.number().int(),
});
export type Server = z.infer<typeof Server>;

export const Info = z.object({
  id: HouseholdId,
  name: z.string(),
  ownerId: UserId,
  servers: z.array(Server),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type Info = z.infer<typeof Info>;

export const Member = z.object({
  householdId: HouseholdId,
  userId: UserId,
  role: Role,
  status: Status,
  /** Effective: role defaults with the overrides applied. */
  permissions: z.array(Permission),
  overrides: Overrides,
  joinedVia: z.enum(['created', 'server_access', 'invite', 'import']),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type Member = z.infer<typeof Member>;

export const InviteStatus = z.enum(['active', 'expired', 'used_up', 'revoked']);
export type InviteStatus = z.infer<typeof InviteStatus>;

export const Invite = z.object({
  code: z.string(),
  householdId: HouseholdId,
  role: z.enum(['admin', 'member']),
  maxUses: z.number().int(),
  uses: z.number().int(),
  expiresAt: z.number().int(),
  createdBy: UserId,
  createdAt: z.number().int(),
  revokedAt: z.number().int().nullable(),
  status: InviteStatus,
});
export type Invite = z.infer<typeof Invite>;

export function toInfo(h: HouseholdItem): Info {
  return {
    id: h.id,
    name: h.name,
    ownerId: h.ownerId,
    servers: h.servers,
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
  };
}

export function toMember(m: MemberItem): Member {
  return {
    householdId: m.householdId,
    userId: m.userId,
    role: m.role,
    status: m.status,
    permissions: effectivePermissions(m.role, m.overrides),
    overrides: m.overrides,
    joinedVia: m.joinedVia,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}

export function inviteStatus(i: InviteItem, now: number): InviteStatus {
  if (i.revokedAt !== undefined) return 'revoked';
  if (i.expiresAt <= now) return 'expired';
  if (i.uses >= i.maxUses) return 'used_up';
  return 'active';
}

export function toInvite(i: InviteItem, now: number): Invite {
  return {
    code: i.code,
    householdId: i.householdId,
    role: i.role,
    maxUses: i.maxUses,
    uses: i.uses,
    expiresAt: i.expiresAt,
    createdBy: i.createdBy,
    createdAt: i.createdAt,
    revokedAt: i.revokedAt ?? null,
    status: inviteStatus(i, now),
  };
}
