/**
 * Table port: the single-table store every domain module writes through.
 *
 * Shaped after DynamoDB so the AWS adapter is a thin translation, and small enough that the
 * SQLite adapter can implement every operation faithfully. One contract suite
 * (table.contract.ts) runs against both adapters.
 *
 * Conventions that every adapter honours:
 * - Every item has string `pk` and `sk`.
 * - Secondary indexes are fixed: `gsi1` over (`gsi1pk`, `gsi1sk`) and `gsi2` over (`gsi2pk`, `gsi2sk`).
 *   An item appears in an index only when it has both of that index's key attributes (sparse, like DynamoDB).
 * - `ttl` (epoch seconds) marks expiry: an item whose ttl is <= now is invisible to every read
 *   and to conditions, and is eventually swept (DynamoDB deletes it within ~48 h; SQLite sweeps).
 * - Attribute values are JSON values (string, number, boolean, null, arrays, plain objects).
 *   Binary values are not supported: encode them (base64) in the domain.
 */

export type IndexName = 'gsi1' | 'gsi2';

export interface Key {
  pk: string;
  sk: string;
}

export type Item = Key & { [attribute: string]: unknown };

/** A condition on the current item, evaluated atomically with the write it guards. */
export type Condition =
  | { attr: string; exists: boolean }
  | { attr: string; op: '=' | '<>' | '<' | '<=' | '>' | '>='; value: unknown }
  | { attr: string; beginsWith: string }
  | { and: Condition[] }
  | { or: Condition[] }
  | { not: Condition };

/** Shorthand used everywhere uniqueness matters. */
export const notExists: Condition = { attr: 'pk', exists: false };
export const exists: Condition = { attr: 'pk', exists: true };

export interface UpdateSpec {
  /** Top-level attributes to set. */
  set?: Record<string, unknown>;
  /** Top-level numeric attributes to add to (missing counts as 0), like DynamoDB ADD. */
  add?: Record<string, number>;
  /** Top-level attributes to remove. */
  remove?: string[];
  condition?: Condition;
}

export type SkCondition =
  | { beginsWith: string }
  | { between: [string, string] }
  | { gt: string }
  | { gte: string }
  | { lt: string }
  | { lte: string }
  | { eq: string };

export interface QueryInput {
  /** Partition value: `pk`, or the index's pk attribute when `index` is set. */
  pk: string;
  sk?: SkCondition;
  index?: IndexName;
  /** Ascending by sort key unless false. */
  forward?: boolean;
  /** Maximum items in this page (default 100, max 1000). */
  limit?: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface QueryPage<T extends Item = Item> {
  items: T[];
  /** Present when more items may follow. */
  cursor?: string;
}

export type TransactOp =
  | { put: Item; condition?: Condition }
  | { update: Key; spec: UpdateSpec }
  | { delete: Key; condition?: Condition }
  | { check: Key; condition: Condition };

export interface Table {
  get<T extends Item = Item>(key: Key): Promise<T | undefined>;
  /** Writes the whole item. Throws ConditionFailedError when `condition` does not hold. */
  put(item: Item, condition?: Condition): Promise<void>;
  /** Creates the item when missing (unless a condition forbids it); returns the item after the update. */
  update<T extends Item = Item>(key: Key, spec: UpdateSpec): Promise<T>;
  /** Returns the deleted item, if there was one. */
  delete<T extends Item = Item>(key: Key, condition?: Condition): Promise<T | undefined>;
  query<T extends Item = Item>(input: QueryInput): Promise<QueryPage<T>>;
  /** Up to 100 keys; missing items are left out; order is not guaranteed. */
  batchGet<T extends Item = Item>(keys: Key[]): Promise<T[]>;
  /** Up to 25 operations, unconditional; not atomic as a whole (like DynamoDB). */
  batchWrite(ops: { puts?: Item[]; deletes?: Key[] }): Promise<void>;
  /** Up to 100 operations, all-or-nothing. Throws TransactionCanceledError naming the failing ops. */
  transact(ops: TransactOp[]): Promise<void>;
  /** Deletes expired items now (SQLite); a no-op where the store expires items itself. Returns how many. */
  sweepExpired(): Promise<number>;
}

export class ConditionFailedError extends Error {
  override readonly name = 'ConditionFailedError';
  constructor(message = 'The conditional request failed') {
    super(message);
  }
}

export class TransactionCanceledError extends Error {
  override readonly name = 'TransactionCanceledError';
  /** Indexes of the operations whose condition failed. */
  readonly failed: number[];
  constructor(failed: number[], message = 'Transaction cancelled: a condition failed') {
    super(message);
    this.failed = failed;
  }
}

/** Every item a query matches, reading page after page (each page at most `input.limit`). */
export async function queryAll<T extends Item = Item>(
  table: Table,
  input: Omit<QueryInput, 'cursor'>,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await table.query<T>({ ...input, ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return out;
}
