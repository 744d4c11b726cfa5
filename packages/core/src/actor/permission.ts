/**
 * `assertPermission`: the check a handler or domain function makes before acting in the actor's
 * household. It is the household module's `requireAccess`, named for call sites that only care
 * about one permission.
 */
import { type Access, requireAccess } from '../household/access.ts';
import type { Permission } from '../household/permissions.ts';
import type { Table } from '../port/table.ts';

/** The caller's active membership if it grants `permission`; 401/400/404/403 otherwise. */
export function assertPermission(deps: { table: Table }, permission: Permission): Promise<Access> {
  return requireAccess(deps, { permission });
}
