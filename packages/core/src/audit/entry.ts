/**
 * Building audit entries. Admin actions put their entry in the same transaction as the change,
 * so there is never a change without its entry (nor an entry for a change that failed).
 *
 * Access pattern: `H#<hh>` / `AUD#<ulid>`; the ULID sorts by time, so a backwards query is
 * newest first.
 */
import { z } from 'zod';
import { newId } from '../actor/id.ts';
import type { Item, TransactOp } from '../port/table.ts';

export const Target = z.object({ type: z.enum(['household', 'member', 'invite', 'server']), id: z.string() });
export type Target = z.infer<typeof Target>;

export const Entry = z.object({
  id: z.string(),
  householdId: z.string(),
  /** A user id, or `system` for background work. */
  actorId: z.string(),
  /** `domain.verb_past`, e.g. `member.role_changed`. */
  action: z.string(),
  target: Target.nullable(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
  at: z.number().int(),
});
export type Entry = z.infer<typeof Entry>;

export interface EntryInput {
  householdId: string;
  actorId: string;
  action: string;
  target?: Target;
  before?: unknown;
  after?: unknown;
}

export interface EntryItem extends Item, Entry {
  type: 'audit';
}

export function entryItem(input: EntryInput, now: number): EntryItem {
  const id = newId('aud', now);
  return {
    pk: `H#${input.householdId}`,
    sk: `AUD#${id.slice(4)}`,
    type: 'audit',
    id,
    householdId: input.householdId,
    actorId: input.actorId,
    action: input.action,
    target: input.target ?? null,
    before: input.before ?? null,
    after: input.after ?? null,
    at: now,
  };
}

/** The transaction operation that records an entry (its key is fresh, so it never conflicts). */
export function auditOp(input: EntryInput, now: number): TransactOp {
  return { put: entryItem(input, now), condition: { attr: 'pk', exists: false } };
}
