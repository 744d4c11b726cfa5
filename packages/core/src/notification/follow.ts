/**
 * "Notify me too": any member may follow a title someone else requested and is told once when it
 * becomes available (the follow is then spent and removed). Keys are in keys.ts.
 */
import { z } from 'zod';
import { fn } from '../actor/fn.ts';
import { requireAccess } from '../household/access.ts';
import type { Clock } from '../port/clock.ts';
import type { Table } from '../port/table.ts';
import { queryAll } from '../port/table.ts';
import { ENTITY_VERSION, type FollowItem, keys } from './keys.ts';

export const FollowInput = z.object({
  mediaType: z.enum(['movie', 'tv']),
  tmdbId: z.number().int().positive(),
  title: z.string().max(300).optional(),
});

export const follow = fn(
  FollowInput,
  async (deps: { table: Table; clock: Clock }, input): Promise<{ following: true }> => {
    const access = await requireAccess(deps);
    const item: FollowItem = {
      ...keys.follow(access.householdId, input.mediaType, input.tmdbId, access.userId),
      type: 'follow',
      v: ENTITY_VERSION,
      householdId: access.householdId,
      userId: access.userId,
      mediaType: input.mediaType,
      tmdbId: input.tmdbId,
      title: input.title ?? null,
      createdAt: deps.clock.now(),
    };
    await deps.table.put(item);
    return { following: true };
  },
);

export const UnfollowInput = FollowInput.pick({ mediaType: true, tmdbId: true });

export const unfollow = fn(
  UnfollowInput,
  async (deps: { table: Table }, input): Promise<{ following: false }> => {
    const access = await requireAccess(deps);
    await deps.table.delete(keys.follow(access.householdId, input.mediaType, input.tmdbId, access.userId));
    return { following: false };
  },
);

export const IsFollowingInput = UnfollowInput;

export const isFollowing = fn(IsFollowingInput, async (deps: { table: Table }, input): Promise<boolean> => {
  const access = await requireAccess(deps);
  return (
    (await deps.table.get(keys.follow(access.householdId, input.mediaType, input.tmdbId, access.userId))) !==
    undefined
  );
});

/** Everyone following a title in a household. */
export async function followersOf(
  deps: { table: Table },
  householdId: string,
  mediaType: 'movie' | 'tv',
  tmdbId: number,
): Promise<FollowItem[]> {
  const out = await queryAll<FollowItem>(deps.table, {
    pk: `H#${householdId}`,
    sk: { beginsWith: keys.followPrefix(mediaType, tmdbId) },
    limit: 200,
  });
  return out;
}

/** Removes the follows that were just honoured. */
export async function spend(deps: { table: Table }, follows: FollowItem[]): Promise<void> {
  for (let i = 0; i < follows.length; i += 25) {
    await deps.table.batchWrite({ deletes: follows.slice(i, i + 25).map((f) => ({ pk: f.pk, sk: f.sk })) });
  }
}
