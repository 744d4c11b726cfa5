/**
 * Keys and stored shapes of the household entities. Only this module and its siblings read
 * them; everything outside core sees the `Info` schemas.
 *
 * Access patterns:
 * - household by id:               `H#<hh>` / `META` (servers are a short list inside it)
 * - membership of a user:          `H#<hh>` / `M#<userId>` (get)
 * - members of a household:        `H#<hh>`, sk begins with `M#`
 * - households of a user:          gsi1 `U#<userId>`, sk begins with `HH#`
 * - household owning a server:     `PMS#<machineIdentifier>` / `SERVER` (uniqueness claim, get)
 * - invites of a household:        `H#<hh>`, sk begins with `INV#`
 * - invite by code:                gsi2 `INV#<code>` (the code is all a visitor has)
 * - audit entries, newest first:   `H#<hh>`, sk begins with `AUD#`, backwards
 */
import type { Item, Key } from '../port/table.ts';
import type { Overrides, Role, Status } from './permissions.ts';

export const ENTITY_VERSION = 1;

export const keys = {
  household: (hh: string): Key => ({ pk: `H#${hh}`, sk: 'META' }),
  member: (hh: string, userId: string): Key => ({ pk: `H#${hh}`, sk: `M#${userId}` }),
  serverClaim: (machineIdentifier: string): Key => ({ pk: `PMS#${machineIdentifier}`, sk: 'SERVER' }),
  invite: (hh: string, code: string): Key => ({ pk: `H#${hh}`, sk: `INV#${code}` }),
};

export interface ServerEntry {
  machineIdentifier: string;
  name: string;
  addedAt: number;
}

export interface HouseholdItem extends Item {
  type: 'household';
  v: number;
  rev: number;
  id: string;
  name: string;
  ownerId: string;
  servers: ServerEntry[];
  createdAt: number;
  updatedAt: number;
}

export type JoinedVia = 'created' | 'server_access' | 'invite' | 'import';

export interface MemberItem extends Item {
  type: 'member';
  v: number;
  rev: number;
  householdId: string;
  userId: string;
  role: Role;
  status: Status;
  overrides: Overrides;
  joinedVia: JoinedVia;
  createdAt: number;
  updatedAt: number;
  gsi1pk: string;
  gsi1sk: string;
}

export interface InviteItem extends Item {
  type: 'invite';
  v: number;
  householdId: string;
  code: string;
  role: Exclude<Role, 'owner'>;
  maxUses: number;
  uses: number;
  expiresAt: number;
  createdBy: string;
  createdAt: number;
  revokedAt?: number;
  gsi2pk: string;
  gsi2sk: string;
}

export function memberItem(
  hh: string,
  userId: string,
  fields: { role: Role; status: Status; joinedVia: JoinedVia; overrides?: Overrides },
  now: number,
): MemberItem {
  return {
    ...keys.member(hh, userId),
    type: 'member',
    v: ENTITY_VERSION,
    rev: 1,
    householdId: hh,
    userId,
    role: fields.role,
    status: fields.status,
    overrides: fields.overrides ?? {},
    joinedVia: fields.joinedVia,
    createdAt: now,
    updatedAt: now,
    gsi1pk: `U#${userId}`,
    gsi1sk: `HH#${hh}`,
  };
}
