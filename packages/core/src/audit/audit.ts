/** Reading a household's audit log (owners and admins only). */
import { z } from 'zod';
import { fn } from '../actor/fn.ts';
import { requireAccess } from '../household/access.ts';
import type { Clock } from '../port/clock.ts';
import type { Table } from '../port/table.ts';
import { Entry, type EntryInput, type EntryItem, entryItem } from './entry.ts';

export const ListInput = z.object({
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2000).optional(),
});

export interface AuditPage {
  entries: Entry[];
  cursor?: string;
}

/** The actor's household's entries, newest first, a page at a time. */
export const list = fn(ListInput, async (deps: { table: Table }, input): Promise<AuditPage> => {
  const { householdId } = await requireAccess(deps, { role: 'admin' });
  const page = await deps.table.query<EntryItem>({
    pk: `H#${householdId}`,
    sk: { beginsWith: 'AUD#' },
    forward: false,
    limit: input.limit,
    ...(input.cursor ? { cursor: input.cursor } : {}),
  });
  const entries = page.items.map(({ id, householdId: hh, actorId, action, target, before, after, at }) =>
    Entry.parse({ id, householdId: hh, actorId, action, target, before, after, at }),
  );
  return page.cursor ? { entries, cursor: page.cursor } : { entries };
});

/**
 * Records an entry on its own, for actions whose change cannot share a transaction with it (a
 * call to an outside service). Prefer `auditOp` inside the change's transaction.
 */
export async function record(deps: { table: Table; clock: Clock }, input: EntryInput): Promise<Entry> {
  const item = entryItem(input, deps.clock.now());
  await deps.table.put(item, { attr: 'pk', exists: false });
  const { id, householdId, actorId, action, target, before, after, at } = item;
  return { id, householdId, actorId, action, target, before, after, at };
}
