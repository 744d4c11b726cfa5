/**
 * Table port on one DynamoDB table (layout in schema.ts). A thin translation, except for expiry:
 * DynamoDB deletes expired items only eventually (DynamoDB Local never), while the port promises
 * they are invisible at once. So reads filter them, and every condition is rewritten so an expired
 * item counts as absent; an update that lands on an expired item is replayed as a fresh put.
 */

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { AppError } from '../../error/index.ts';
import { type Clock, systemClock } from '../../port/clock.ts';
import {
  type Condition,
  ConditionFailedError,
  type Item,
  type Key,
  type QueryInput,
  type QueryPage,
  type Table,
  TransactionCanceledError,
  type TransactOp,
  type UpdateSpec,
} from '../../port/table.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { tableSchema } from './schema.ts';
import {
  applyUpdate,
  type CheckedOp,
  checkBatchWrite,
  checkCondition,
  checkKey,
  checkTransact,
  cleanItem,
  evaluate,
  isExpired,
  MAX_QUERY_LIMIT,
  type NormalizedUpdate,
  normalizeUpdate,
  queryLimit,
  uniqueKeys,
} from './semantics.ts';

export interface DynamoTableOptions {
  client: DynamoDBClient;
  tableName: string;
  clock?: Clock;
}

const BATCH_GET_MAX = 100;
const BATCH_WRITE_MAX = 25;
/** Rounds of Unprocessed* retries before giving up (backoff 50 ms doubling, capped at 2 s). */
const BATCH_ATTEMPTS = 10;
/** Replays when an item changes between a failed write and its expiry-aware retry. */
const REPLAYS = 8;
const TTL = tableSchema.ttlAttribute;

const OR = 0;
const AND = 1;
const ATOM = 2;
interface Sub {
  text: string;
  prec: typeof OR | typeof AND | typeof ATOM;
}
const atom = (text: string): Sub => ({ text, prec: ATOM });

function and(...parts: Sub[]): Sub {
  if (parts.length === 1) return parts[0] as Sub;
  return { text: parts.map((p) => (p.prec < AND ? `(${p.text})` : p.text)).join(' AND '), prec: AND };
}

function or(...parts: Sub[]): Sub {
  if (parts.length === 1) return parts[0] as Sub;
  return { text: parts.map((p) => p.text).join(' OR '), prec: OR };
}

/** Builds expressions with placeholders only, so any attribute name (reserved words, dots, spaces) works. */
class Expr {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  readonly #ids = new Map<string, string>();
  #v = 0;

  name(attr: string): string {
    let id = this.#ids.get(attr);
    if (!id) {
      id = `#n${this.#ids.size}`;
      this.#ids.set(attr, id);
      this.names[id] = attr;
    }
    return id;
  }

  value(v: unknown): string {
    const id = `:v${this.#v++}`;
    this.values[id] = v;
    return id;
  }

  /**
   * DynamoDB rejects redundant parentheses, so sub-expressions carry their precedence (OR < AND <
   * NOT and comparisons) and are parenthesised only where the operator around them binds tighter.
   */
  #cond(c: Condition): Sub {
    if ('and' in c) return and(...c.and.map((e) => this.#cond(e)));
    if ('or' in c) return or(...c.or.map((e) => this.#cond(e)));
    if ('not' in c) {
      const inner = this.#cond(c.not);
      return { text: `NOT ${inner.prec < ATOM ? `(${inner.text})` : inner.text}`, prec: ATOM };
    }
    const a = this.name(c.attr);
    if ('exists' in c) return atom(c.exists ? `attribute_exists(${a})` : `attribute_not_exists(${a})`);
    if ('beginsWith' in c) return atom(`begins_with(${a}, ${this.value(c.beginsWith)})`);
    return atom(`${a} ${c.op} ${this.value(c.value)}`);
  }

  /** True for a missing item and for a live one; false for an expired one. */
  #live(nowMs: number): Sub {
    const ttl = this.name(TTL);
    return or(atom(`attribute_not_exists(${ttl})`), atom(`${ttl} > ${this.value(nowMs / 1000)}`));
  }

  live(nowMs: number): string {
    return this.#live(nowMs).text;
  }

  /** True only for an item that exists and is expired. */
  expired(nowMs: number): string {
    return `${this.name(TTL)} <= ${this.value(nowMs / 1000)}`;
  }

  /**
   * `c` where an expired item reads as absent: what `c` says of no item is known here, so the
   * expired case is a constant folded into the expression.
   */
  guarded(c: Condition, nowMs: number): string {
    if (evaluate(c, undefined)) return or(atom(this.expired(nowMs)), this.#cond(c)).text;
    return and(this.#live(nowMs), this.#cond(c)).text;
  }

  /** For in-place updates: the item must be missing or live, and `c` must hold. */
  liveAnd(c: Condition | undefined, nowMs: number): string {
    return c ? and(this.#live(nowMs), this.#cond(c)).text : this.live(nowMs);
  }

  update(u: NormalizedUpdate): string | undefined {
    const parts: string[] = [];
    if (u.set.length)
      parts.push(`SET ${u.set.map(([n, v]) => `${this.name(n)} = ${this.value(v)}`).join(', ')}`);
    if (u.remove.length) parts.push(`REMOVE ${u.remove.map((n) => this.name(n)).join(', ')}`);
    if (u.add.length)
      parts.push(`ADD ${u.add.map(([n, v]) => `${this.name(n)} ${this.value(v)}`).join(', ')}`);
    return parts.length ? parts.join(' ') : undefined;
  }

  params(): {
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  } {
    return {
      ...(this.#ids.size ? { ExpressionAttributeNames: this.names } : {}),
      ...(this.#v ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

function errorName(e: unknown): string | undefined {
  return e instanceof Error ? e.name : undefined;
}

const isConditionFailure = (e: unknown): e is Error & { Item?: Record<string, AttributeValue> } =>
  errorName(e) === 'ConditionalCheckFailedException';

/** DynamoDB's validation messages, sorted into the codes the SQLite adapter uses too. */
function validationError(message: string, cause?: unknown): AppError {
  const code = /item size/i.test(message)
    ? 'table.item_too_large'
    : /incorrect data type/i.test(message)
      ? 'table.invalid_operand'
      : 'table.invalid';
  return new AppError('invalid', code, message, { cause });
}

/** The store's own rejections, in the port's vocabulary. */
function mapError(e: unknown): unknown {
  const name = errorName(e);
  const message = e instanceof Error ? e.message : String(e);
  if (name === 'ConditionalCheckFailedException') return new ConditionFailedError();
  if (name === 'ValidationException') return validationError(message, e);
  if (
    name === 'ProvisionedThroughputExceededException' ||
    name === 'ThrottlingException' ||
    name === 'RequestLimitExceeded'
  ) {
    return new AppError('unavailable', 'table.throttled', message, { cause: e });
  }
  return e;
}

const backoff = (attempt: number): Promise<void> =>
  sleep(Math.min(2000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2));

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

export class DynamoTable implements Table {
  readonly #doc: DynamoDBDocumentClient;
  readonly #name: string;
  readonly #clock: Clock;

  constructor(options: DynamoTableOptions) {
    this.#doc = DynamoDBDocumentClient.from(options.client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    this.#name = options.tableName;
    this.#clock = options.clock ?? systemClock;
  }

  async get<T extends Item = Item>(key: Key): Promise<T | undefined> {
    checkKey(key);
    const r = await this.#send(
      this.#doc.send(
        new GetCommand({ TableName: this.#name, Key: { pk: key.pk, sk: key.sk }, ConsistentRead: true }),
      ),
    );
    return this.#visible(r.Item as Item | undefined) as T | undefined;
  }

  async put(item: Item, condition?: Condition): Promise<void> {
    const clean = cleanItem(item);
    const x = new Expr();
    if (condition) checkCondition(condition);
    const expr = condition ? x.guarded(condition, this.#clock.now()) : undefined;
    await this.#send(
      this.#doc.send(
        new PutCommand({ TableName: this.#name, Item: clean, ConditionExpression: expr, ...x.params() }),
      ),
    );
  }

  async update<T extends Item = Item>(key: Key, spec: UpdateSpec): Promise<T> {
    checkKey(key);
    const u = normalizeUpdate(spec);
    const k = { pk: key.pk, sk: key.sk };
    for (let replay = 0; ; replay++) {
      const now = this.#clock.now();
      const x = new Expr();
      // In place only on a live or missing item: an expired one must not lend its attributes.
      const cond = x.liveAnd(u.condition, now);
      const updateExpr = x.update(u);
      try {
        const r = await this.#doc.send(
          new UpdateCommand({
            TableName: this.#name,
            Key: k,
            UpdateExpression: updateExpr,
            ConditionExpression: cond,
            ...x.params(),
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return r.Attributes as T;
      } catch (e) {
        if (!isConditionFailure(e)) throw mapError(e);
        const old = e.Item ? (unmarshall(e.Item) as Item) : undefined;
        if (!old || !isExpired(old, now)) throw new ConditionFailedError();
        if (u.condition && !evaluate(u.condition, undefined)) throw new ConditionFailedError();
      }
      // The item is expired, so the update starts from nothing: write the result over it, provided it
      // is still expired; if someone revived or removed it meanwhile, go round again.
      const fresh = applyUpdate(key, undefined, u);
      const y = new Expr();
      try {
        await this.#doc.send(
          new PutCommand({
            TableName: this.#name,
            Item: fresh,
            ConditionExpression: y.expired(now),
            ...y.params(),
          }),
        );
        return fresh as T;
      } catch (e) {
        if (!isConditionFailure(e) || replay >= REPLAYS) throw mapError(e);
      }
    }
  }

  async delete<T extends Item = Item>(key: Key, condition?: Condition): Promise<T | undefined> {
    checkKey(key);
    if (condition) checkCondition(condition);
    const now = this.#clock.now();
    const x = new Expr();
    const expr = condition ? x.guarded(condition, now) : undefined;
    const r = await this.#send(
      this.#doc.send(
        new DeleteCommand({
          TableName: this.#name,
          Key: { pk: key.pk, sk: key.sk },
          ConditionExpression: expr,
          ...x.params(),
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    const old = r.Attributes as Item | undefined;
    return old && !isExpired(old, now) ? (old as T) : undefined;
  }

  async query<T extends Item = Item>(input: QueryInput): Promise<QueryPage<T>> {
    const limit = queryLimit(input);
    const start = input.cursor ? decodeCursor(input.cursor, input) : undefined;
    const now = this.#clock.now();
    const x = new Expr();
    const names = input.index ? tableSchema.indexes[input.index] : { pk: 'pk', sk: 'sk' };
    const key = [`${x.name(names.pk)} = ${x.value(input.pk)}`];
    const sk = input.sk;
    if (sk) {
      const s = x.name(names.sk);
      if ('eq' in sk) key.push(`${s} = ${x.value(sk.eq)}`);
      else if ('lt' in sk) key.push(`${s} < ${x.value(sk.lt)}`);
      else if ('lte' in sk) key.push(`${s} <= ${x.value(sk.lte)}`);
      else if ('gt' in sk) key.push(`${s} > ${x.value(sk.gt)}`);
      else if ('gte' in sk) key.push(`${s} >= ${x.value(sk.gte)}`);
      else if ('between' in sk)
        key.push(`${s} BETWEEN ${x.value(sk.between[0])} AND ${x.value(sk.between[1])}`);
      else key.push(`begins_with(${s}, ${x.value(sk.beginsWith)})`);
    }
    const filter = x.live(now);
    let exclusiveStartKey: Record<string, string> | undefined;
    if (start) {
      exclusiveStartKey = { pk: start.pk, sk: start.sk };
      if (input.index) {
        exclusiveStartKey[names.pk] = start.ipk as string;
        exclusiveStartKey[names.sk] = start.isk as string;
      }
    }
    const items: T[] = [];
    // DynamoDB applies Limit before the expiry filter, so keep reading until the page plus one
    // look-ahead item is full: the look-ahead makes the cursor mean "more items follow".
    for (let round = 0; ; round++) {
      const r = await this.#send(
        this.#doc.send(
          new QueryCommand({
            TableName: this.#name,
            IndexName: input.index,
            KeyConditionExpression: key.join(' AND '),
            FilterExpression: filter,
            ...x.params(),
            ScanIndexForward: input.forward !== false,
            // Reading past the page is harmless (the cursor is the last item returned), so each
            // round that met expired items reads more, instead of crawling one item at a time.
            Limit: Math.min(MAX_QUERY_LIMIT, (limit + 1 - items.length) * 2 ** round),
            ExclusiveStartKey: exclusiveStartKey,
            // GSIs only offer eventually consistent reads.
            ConsistentRead: input.index ? undefined : true,
          }),
        ),
      );
      items.push(...((r.Items ?? []) as T[]));
      exclusiveStartKey = r.LastEvaluatedKey as Record<string, string> | undefined;
      if (items.length > limit) {
        const page = items.slice(0, limit);
        return { items: page, cursor: encodeCursor(page[limit - 1] as Item, input.index) };
      }
      if (!exclusiveStartKey) return { items };
    }
  }

  async batchGet<T extends Item = Item>(keys: Key[]): Promise<T[]> {
    const now = this.#clock.now();
    const out: T[] = [];
    for (const chunk of chunks(uniqueKeys(keys), BATCH_GET_MAX)) {
      let pending: Record<string, unknown>[] = chunk.map((k) => ({ pk: k.pk, sk: k.sk }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= BATCH_ATTEMPTS)
          throw new AppError('unavailable', 'table.throttled', 'batchGet: keys left unprocessed');
        if (attempt > 0) await backoff(attempt);
        const r = await this.#send(
          this.#doc.send(
            new BatchGetCommand({ RequestItems: { [this.#name]: { Keys: pending, ConsistentRead: true } } }),
          ),
        );
        for (const item of (r.Responses?.[this.#name] ?? []) as Item[]) {
          if (!isExpired(item, now)) out.push(item as T);
        }
        pending = r.UnprocessedKeys?.[this.#name]?.Keys ?? [];
      }
    }
    return out;
  }

  async batchWrite(ops: { puts?: Item[]; deletes?: Key[] }): Promise<void> {
    const { puts, deletes } = checkBatchWrite(ops);
    const requests = [
      ...puts.map((item) => ({ PutRequest: { Item: item } })),
      ...deletes.map((key) => ({ DeleteRequest: { Key: key } })),
    ];
    for (const chunk of chunks(requests, BATCH_WRITE_MAX)) {
      let pending: typeof requests = chunk;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= BATCH_ATTEMPTS) {
          throw new AppError('unavailable', 'table.throttled', 'batchWrite: writes left unprocessed');
        }
        if (attempt > 0) await backoff(attempt);
        const r = await this.#send(
          this.#doc.send(new BatchWriteCommand({ RequestItems: { [this.#name]: pending } })),
        );
        pending = (r.UnprocessedItems?.[this.#name] ?? []) as typeof requests;
      }
    }
  }

  async transact(ops: TransactOp[]): Promise<void> {
    const checked = checkTransact(ops);
    if (checked.length === 0) return;
    // Updates that land on expired items, replayed as puts of the item they create from nothing.
    const fresh = new Map<number, Item>();
    for (let attempt = 0; ; attempt++) {
      const now = this.#clock.now();
      const input: TransactWriteCommandInput = {
        TransactItems: checked.map((op, i) => this.#transactItem(op, now, fresh.get(i))),
        // The SDK retries a request whose answer was lost; the token makes that retry a no-op
        // instead of a spurious condition failure against our own write.
        ClientRequestToken: randomUUID(),
      };
      let reasons: { Code?: string; Message?: string; Item?: Record<string, AttributeValue> }[];
      try {
        await this.#doc.send(new TransactWriteCommand(input));
        return;
      } catch (e) {
        if (errorName(e) !== 'TransactionCanceledException') throw mapError(e);
        reasons = (e as { CancellationReasons?: typeof reasons }).CancellationReasons ?? [];
      }
      const failed: number[] = [];
      let retry = false;
      for (const [i, r] of reasons.entries()) {
        const op = checked[i] as CheckedOp;
        if (r.Code === 'ConditionalCheckFailed') {
          if (op.kind !== 'update') {
            failed.push(i);
          } else if (fresh.has(i)) {
            // The replay's "still expired" guard failed: the item changed, so plan afresh.
            fresh.delete(i);
            retry = true;
          } else {
            const old = r.Item ? (unmarshall(r.Item) as Item) : undefined;
            if (old && isExpired(old, now) && (!op.condition || evaluate(op.condition, undefined))) {
              fresh.set(i, applyUpdate(op.key, undefined, op.update));
              retry = true;
            } else {
              failed.push(i);
            }
          }
        } else if (r.Code === 'TransactionConflict') {
          retry = true;
        } else if (r.Code === 'ValidationError') {
          throw validationError(r.Message ?? 'transact: invalid operation');
        } else if (r.Code && r.Code !== 'None') {
          throw new AppError(
            'unavailable',
            'table.transaction_failed',
            `transact: ${r.Code} ${r.Message ?? ''}`,
          );
        }
      }
      if (failed.length > 0) throw new TransactionCanceledError(failed);
      if (!retry) {
        throw new AppError(
          'unavailable',
          'table.transaction_failed',
          'transact: cancelled without a stated reason',
        );
      }
      if (attempt >= REPLAYS) {
        throw new AppError(
          'unavailable',
          'table.transaction_conflict',
          'transact: gave up after repeated conflicts',
        );
      }
      if (reasons.some((r) => r.Code === 'TransactionConflict')) await backoff(attempt);
    }
  }

  /** DynamoDB deletes expired items itself (and they are invisible meanwhile). */
  async sweepExpired(): Promise<number> {
    return 0;
  }

  #transactItem(
    op: CheckedOp,
    now: number,
    fresh: Item | undefined,
  ): NonNullable<TransactWriteCommandInput['TransactItems']>[number] {
    const x = new Expr();
    const TableName = this.#name;
    const onFailure = { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const };
    if (fresh) {
      const expr = x.expired(now);
      return { Put: { TableName, Item: fresh, ConditionExpression: expr, ...x.params(), ...onFailure } };
    }
    switch (op.kind) {
      case 'put': {
        const expr = op.condition ? x.guarded(op.condition, now) : undefined;
        return { Put: { TableName, Item: op.item, ConditionExpression: expr, ...x.params() } };
      }
      case 'update': {
        const expr = x.liveAnd(op.condition, now);
        const updateExpr = x.update(op.update);
        return {
          Update: {
            TableName,
            Key: op.key,
            UpdateExpression: updateExpr,
            ConditionExpression: expr,
            ...x.params(),
            ...onFailure,
          },
        };
      }
      case 'delete': {
        const expr = op.condition ? x.guarded(op.condition, now) : undefined;
        return { Delete: { TableName, Key: op.key, ConditionExpression: expr, ...x.params() } };
      }
      case 'check':
        return {
          ConditionCheck: {
            TableName,
            Key: op.key,
            ConditionExpression: x.guarded(op.condition, now),
            ...x.params(),
          },
        };
    }
  }

  #visible(item: Item | undefined): Item | undefined {
    return item && !isExpired(item, this.#clock.now()) ? item : undefined;
  }

  async #send<R>(request: Promise<R>): Promise<R> {
    try {
      return await request;
    } catch (e) {
      throw mapError(e);
    }
  }
}
