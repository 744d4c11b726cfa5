/**
 * Who is who, for the pages every member uses (request lists, timelines, badges): the display
 * name and avatar of the household's active members. That much is what a household portal shows
 * any member (discover badges already name who requested a title); roles, permissions, e-mail
 * addresses, Plex user names and suspended or pending members stay on the members page
 * (manage_members).
 */
import { z } from 'zod';
import type { DomainDeps } from '../actor/deps.ts';
import { UserId } from '../actor/id.ts';
import { requireAccess } from '../household/access.ts';
import { membersOf } from '../notification/notify.ts';
import * as User from '../user/user.ts';

export const Person = z.object({
  userId: UserId,
  name: z.string(),
  avatarUrl: z.string().nullable(),
});
export type Person = z.infer<typeof Person>;

/** The household's active members, by name (any active member may read it). */
export async function people(deps: DomainDeps): Promise<Person[]> {
  const access = await requireAccess(deps);
  const users = await User.getMany(deps, await membersOf(deps, access.householdId));
  return users
    .map((u) => ({ userId: u.id, name: u.name, avatarUrl: u.avatarUrl }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
