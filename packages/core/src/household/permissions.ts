/**
 * Roles, membership states and permissions. A member's permissions are the role's defaults plus
 * per-member overrides; the owner always has every permission (an override cannot lock the owner
 * out of their own household).
 */
import { z } from 'zod';

export const ROLES = ['owner', 'admin', 'member'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const STATUSES = ['active', 'pending', 'suspended'] as const;
export const Status = z.enum(STATUSES);
export type Status = z.infer<typeof Status>;

export const PERMISSIONS = [
  'request',
  'request_4k',
  'auto_approve',
  'download',
  'manage_requests',
  'manage_members',
  'manage_integrations',
] as const;
export const Permission = z.enum(PERMISSIONS);
export type Permission = z.infer<typeof Permission>;

export const ROLE_DEFAULTS: Record<Role, readonly Permission[]> = {
  owner: PERMISSIONS,
  admin: PERMISSIONS,
  member: ['request', 'download'],
};

/** Per-member exceptions to the role's defaults: `true` grants, `false` withholds. */
export const Overrides = z.partialRecord(Permission, z.boolean());
export type Overrides = z.infer<typeof Overrides>;

export function effectivePermissions(role: Role, overrides: Overrides = {}): Permission[] {
  if (role === 'owner') return [...PERMISSIONS];
  const granted = new Set(ROLE_DEFAULTS[role]);
  for (const p of PERMISSIONS) {
    const o = overrides[p];
    if (o === true) granted.add(p);
    if (o === false) granted.delete(p);
  }
  return PERMISSIONS.filter((p) => granted.has(p));
}
