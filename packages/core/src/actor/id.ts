/**
 * Prefixed ULIDs (`usr_01J…`): the prefix says what an id names in logs and URLs, and the ULID
 * sorts by creation time, which is what sort keys like `AUD#<ulid>` rely on. Monotonic within
 * a process, so ids minted in the same millisecond still sort in creation order.
 */
import { monotonicFactory } from 'ulid';
import { z } from 'zod';

export const ID_PREFIXES = ['usr', 'hh', 'aud', 'inv'] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

const next = monotonicFactory();

export function newId<P extends IdPrefix>(prefix: P, now: number): `${P}_${string}` {
  return `${prefix}_${next(now)}`;
}

/** A bare ULID (for sort keys), from the same monotonic source. */
export function newUlid(now: number): string {
  return next(now);
}

const ULID = '[0-9A-HJKMNP-TV-Z]{26}';

export const idOf = (prefix: IdPrefix) =>
  z.string().regex(new RegExp(`^${prefix}_${ULID}$`), { error: `expected a ${prefix}_ id` });

export const UserId = idOf('usr');
export const HouseholdId = idOf('hh');
