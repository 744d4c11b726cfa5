/**
 * Query cursors: the key of the last item a page returned, base64url-encoded JSON. Both adapters
 * use the same shape (it is exactly DynamoDB's ExclusiveStartKey), and a cursor is only accepted by
 * the query it came from (same partition, same index).
 */
import { z } from 'zod';
import type { IndexName, Item, QueryInput } from '../../port/table.ts';
import { tableSchema } from './schema.ts';
import { invalid } from './semantics.ts';

const cursorSchema = z.object({
  i: z.enum(['gsi1', 'gsi2']).optional(),
  pk: z.string().min(1),
  sk: z.string().min(1),
  ipk: z.string().min(1).optional(),
  isk: z.string().min(1).optional(),
});

export type CursorKey = z.infer<typeof cursorSchema>;

export function encodeCursor(item: Item, index: IndexName | undefined): string {
  const key: CursorKey = { pk: item.pk, sk: item.sk };
  if (index) {
    key.i = index;
    key.ipk = item[tableSchema.indexes[index].pk] as string;
    key.isk = item[tableSchema.indexes[index].sk] as string;
  }
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, input: QueryInput): CursorKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('query: malformed cursor', 'table.invalid_cursor');
  }
  const r = cursorSchema.safeParse(parsed);
  if (!r.success) throw invalid('query: malformed cursor', 'table.invalid_cursor');
  const key = r.data;
  const partition = input.index ? key.ipk : key.pk;
  if (key.i !== input.index || partition !== input.pk || (input.index && key.isk === undefined)) {
    throw invalid('query: the cursor belongs to another query', 'table.invalid_cursor');
  }
  return key;
}
