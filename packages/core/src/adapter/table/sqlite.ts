/**
 * Table port on the embedded SQLite file. One row per item: the item as JSON plus the columns the
 * key, the two sparse indexes and TTL need. Every conditional write reads and writes inside one
 * `BEGIN IMMEDIATE` transaction, so the condition and the write are atomic even when another
 * process shares the file.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { type Clock, systemClock } from '../../port/clock.ts';
import {
  type Condition,
  ConditionFailedError,
  type IndexName,
  type Item,
  type Key,
  type QueryInput,
  type QueryPage,
  type SkCondition,
  type Table,
  TransactionCanceledError,
  type TransactOp,
  type UpdateSpec,
} from '../../port/table.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { tableSchema } from './schema.ts';
import {
  applyUpdate,
  checkBatchWrite,
  checkCondition,
  checkItemSize,
  checkKey,
  checkTransact,
  cleanItem,
  evaluate,
  invalid,
  isExpired,
  normalizeUpdate,
  queryLimit,
  uniqueKeys,
} from './semantics.ts';

export interface SqliteTableOptions {
  clock?: Clock;
  /** Logical table name; the SQL table is `tbl_<name>` (default `tbl_items`). */
  name?: string;
}

interface Row {
  data: string;
}

const { indexes } = tableSchema;
const SWEEP_BATCH = 500;

/** The WHERE clauses (and their parameters) of a sort key condition on column `s`. */
function skFilter(s: string, sk: SkCondition): [string[], string[]] {
  if ('eq' in sk) return [[`${s} = ?`], [sk.eq]];
  if ('lt' in sk) return [[`${s} < ?`], [sk.lt]];
  if ('lte' in sk) return [[`${s} <= ?`], [sk.lte]];
  if ('gt' in sk) return [[`${s} > ?`], [sk.gt]];
  if ('gte' in sk) return [[`${s} >= ?`], [sk.gte]];
  if ('between' in sk) return [[`${s} BETWEEN ? AND ?`], [sk.between[0], sk.between[1]]];
  // The range bound lets SQLite seek; substr() (in characters) makes the prefix test exact.
  return [
    [`${s} >= ?`, `substr(${s}, 1, length(?)) = ?`],
    [sk.beginsWith, sk.beginsWith, sk.beginsWith],
  ];
}

export class SqliteTable implements Table {
  readonly #db: DatabaseSync;
  readonly #clock: Clock;
  readonly #t: string;
  readonly #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync, options: SqliteTableOptions = {}) {
    const name = options.name ?? 'items';
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw invalid(`table name ${name}: use [a-z][a-z0-9_]*`);
    this.#db = db;
    this.#clock = options.clock ?? systemClock;
    this.#t = `tbl_${name}`;
    const t = this.#t;
    // Index columns are only filled when both of the index's keys are present: the index is sparse
    // exactly like a DynamoDB GSI, and the partial indexes stay small.
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${t} (
        pk TEXT NOT NULL,
        sk TEXT NOT NULL,
        gsi1pk TEXT, gsi1sk TEXT,
        gsi2pk TEXT, gsi2sk TEXT,
        ttl REAL,
        data TEXT NOT NULL,
        PRIMARY KEY (pk, sk)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS ${t}_gsi1 ON ${t} (gsi1pk, gsi1sk, pk, sk) WHERE gsi1pk IS NOT NULL;
      CREATE INDEX IF NOT EXISTS ${t}_gsi2 ON ${t} (gsi2pk, gsi2sk, pk, sk) WHERE gsi2pk IS NOT NULL;
      CREATE INDEX IF NOT EXISTS ${t}_ttl ON ${t} (ttl) WHERE ttl IS NOT NULL;
    `);
  }

  async get<T extends Item = Item>(key: Key): Promise<T | undefined> {
    checkKey(key);
    return this.#live(key) as T | undefined;
  }

  async put(item: Item, condition?: Condition): Promise<void> {
    const clean = cleanItem(item);
    checkItemSize(clean);
    if (condition) checkCondition(condition);
    this.#tx(() => {
      if (condition && !evaluate(condition, this.#live(clean))) throw new ConditionFailedError();
      this.#write(clean);
    });
  }

  async update<T extends Item = Item>(key: Key, spec: UpdateSpec): Promise<T> {
    checkKey(key);
    const u = normalizeUpdate(spec);
    return this.#tx(() => {
      const old = this.#live(key);
      if (u.condition && !evaluate(u.condition, old)) throw new ConditionFailedError();
      const next = applyUpdate(key, old, u);
      checkItemSize(next);
      this.#write(next);
      return next as T;
    });
  }

  async delete<T extends Item = Item>(key: Key, condition?: Condition): Promise<T | undefined> {
    checkKey(key);
    if (condition) checkCondition(condition);
    return this.#tx(() => {
      const raw = this.#raw(key);
      const old = raw && !isExpired(raw, this.#clock.now()) ? raw : undefined;
      if (condition && !evaluate(condition, old)) throw new ConditionFailedError();
      // An expired row is absent to the caller but still physically there: remove it all the same.
      if (raw) this.#stmt(`DELETE FROM ${this.#t} WHERE pk = ? AND sk = ?`).run(key.pk, key.sk);
      return old as T | undefined;
    });
  }

  async query<T extends Item = Item>(input: QueryInput): Promise<QueryPage<T>> {
    const limit = queryLimit(input);
    const forward = input.forward !== false;
    const p = input.index ? indexes[input.index].pk : 'pk';
    const s = input.index ? indexes[input.index].sk : 'sk';
    const where = [`${p} = ?`, '(ttl IS NULL OR ttl > ?)'];
    const params: SQLInputValue[] = [input.pk, this.#clock.now() / 1000];
    if (input.sk) {
      const [clauses, values] = skFilter(s, input.sk);
      where.push(...clauses);
      params.push(...values);
    }
    const cmp = forward ? '>' : '<';
    if (input.cursor) {
      const c = decodeCursor(input.cursor, input);
      if (input.index) {
        where.push(`(${s}, pk, sk) ${cmp} (?, ?, ?)`);
        params.push(c.isk as string, c.pk, c.sk);
      } else {
        where.push(`sk ${cmp} ?`);
        params.push(c.sk);
      }
    }
    const dir = forward ? 'ASC' : 'DESC';
    const order = input.index ? `${s} ${dir}, pk ${dir}, sk ${dir}` : `sk ${dir}`;
    // One row more than the page tells whether another page follows.
    const sql = `SELECT data FROM ${this.#t} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`;
    params.push(limit + 1);
    const rows = this.#stmt(sql).all(...params) as unknown as Row[];
    const items = rows.slice(0, limit).map((r) => JSON.parse(r.data) as T);
    const last = items.at(-1);
    return rows.length > limit && last ? { items, cursor: encodeCursor(last, input.index) } : { items };
  }

  async batchGet<T extends Item = Item>(keys: Key[]): Promise<T[]> {
    const out: T[] = [];
    for (const key of uniqueKeys(keys)) {
      const item = this.#live(key);
      if (item) out.push(item as T);
    }
    return out;
  }

  async batchWrite(ops: { puts?: Item[]; deletes?: Key[] }): Promise<void> {
    const { puts, deletes } = checkBatchWrite(ops);
    for (const item of puts) checkItemSize(item);
    this.#tx(() => {
      for (const item of puts) this.#write(item);
      for (const key of deletes)
        this.#stmt(`DELETE FROM ${this.#t} WHERE pk = ? AND sk = ?`).run(key.pk, key.sk);
    });
  }

  async transact(ops: TransactOp[]): Promise<void> {
    const checked = checkTransact(ops);
    if (checked.length === 0) return;
    this.#tx(() => {
      const current = checked.map((op) => this.#live(op.key));
      // Every condition is evaluated before anything is written, so the error names all failures.
      const failed = checked.flatMap((op, i) =>
        op.condition && !evaluate(op.condition, current[i]) ? [i] : [],
      );
      if (failed.length > 0) throw new TransactionCanceledError(failed);
      const writes = checked.map((op, i) => {
        if (op.kind === 'put') return op.item;
        if (op.kind === 'update') {
          const next = applyUpdate(op.key, current[i], op.update);
          checkItemSize(next);
          return next;
        }
        return undefined;
      });
      checked.forEach((op, i) => {
        const w = writes[i];
        if (w) this.#write(w);
        else if (op.kind === 'delete') {
          this.#stmt(`DELETE FROM ${this.#t} WHERE pk = ? AND sk = ?`).run(op.key.pk, op.key.sk);
        }
      });
    });
  }

  async sweepExpired(): Promise<number> {
    const now = this.#clock.now() / 1000;
    const sql = `DELETE FROM ${this.#t} WHERE (pk, sk) IN
      (SELECT pk, sk FROM ${this.#t} WHERE ttl IS NOT NULL AND ttl <= ? LIMIT ${SWEEP_BATCH})`;
    let total = 0;
    // Short transactions, so a large sweep never holds the write lock for long.
    for (;;) {
      const n = Number(this.#tx(() => this.#stmt(sql).run(now).changes));
      total += n;
      if (n < SWEEP_BATCH) return total;
    }
  }

  #stmt(sql: string): StatementSync {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  #tx<R>(fn: () => R): R {
    this.#stmt('BEGIN IMMEDIATE').run();
    try {
      const r = fn();
      this.#stmt('COMMIT').run();
      return r;
    } catch (e) {
      // SQLite may already have rolled back on its own (e.g. disk full); only undo what is open.
      if (this.#db.isTransaction) this.#stmt('ROLLBACK').run();
      throw e;
    }
  }

  #raw(key: Key): Item | undefined {
    const row = this.#stmt(`SELECT data FROM ${this.#t} WHERE pk = ? AND sk = ?`).get(key.pk, key.sk) as
      | Row
      | undefined;
    return row ? (JSON.parse(row.data) as Item) : undefined;
  }

  #live(key: Key): Item | undefined {
    const item = this.#raw(key);
    return item && !isExpired(item, this.#clock.now()) ? item : undefined;
  }

  #write(item: Item): void {
    const ix = (i: IndexName): [string | null, string | null] => {
      const p = item[indexes[i].pk];
      const s = item[indexes[i].sk];
      return typeof p === 'string' && typeof s === 'string' ? [p, s] : [null, null];
    };
    const ttl = item[tableSchema.ttlAttribute];
    this.#stmt(
      `INSERT OR REPLACE INTO ${this.#t} (pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, ttl, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      item.pk,
      item.sk,
      ...ix('gsi1'),
      ...ix('gsi2'),
      typeof ttl === 'number' ? ttl : null,
      JSON.stringify(item),
    );
  }
}
