/**
 * Differential property test: random sequences of operations over a small key space must give the
 * same observable results (items, pages, cursors, errors) on SqliteTable and DynamoTable. It finds
 * the semantic corners the hand-written contract cases did not think of.
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { AppError } from '../../error/index.ts';
import { FakeClock } from '../../port/clock.ts';
import {
  type Condition,
  ConditionFailedError,
  type Item,
  type Key,
  type QueryInput,
  type Table,
  TransactionCanceledError,
  type TransactOp,
  type UpdateSpec,
} from '../../port/table.ts';
import { openSqlite } from '../sqlite/db.ts';
import { DynamoTable } from './dynamodb.ts';
import { createDynamoTable } from './schema.ts';
import { SqliteTable } from './sqlite.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

const endpoint = inject('dynamoEndpoint');

// ---------------------------------------------------------------------------------------------
// Generators. Values are relative (ttl offsets, keys by index) and made concrete at run time.

const pkArb = fc.constantFrom('A', 'B');
const skArb = fc.constantFrom('1', '2', '3', '4');
const keyArb = fc.record({ pk: pkArb, sk: skArb });
const strArb = fc.constantFrom('x', 'xy', 'y', '', 'é', '😀', '\uff5e');
const numArb = fc.integer({ min: -3, max: 3 });
const ttlArb = fc.option(fc.constantFrom(-1, 0, 5, 20), { nil: undefined });

const leafArb: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({ attr: fc.constantFrom('pk', 'n', 's', 'f', 'ttl', 'zz'), exists: fc.boolean() }),
  fc.record({
    attr: fc.constantFrom('n', 's'),
    op: fc.constantFrom('=', '<>', '<', '<=', '>', '>='),
    value: numArb,
  }),
  fc.record({
    attr: fc.constantFrom('n', 's'),
    op: fc.constantFrom('=', '<>', '<', '<=', '>', '>='),
    value: strArb,
  }),
  fc.record({
    attr: fc.constantFrom('f', 'n'),
    op: fc.constantFrom('=', '<>'),
    value: fc.constantFrom(true, null, 1),
  }),
  fc.record({ attr: fc.constantFrom('s', 'n'), beginsWith: strArb }),
) as fc.Arbitrary<Condition>;

const conditionArb: fc.Arbitrary<Condition> = fc.letrec<{ c: Condition }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.record({ and: fc.array(tie('c'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ or: fc.array(tie('c'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('c') }),
  ),
})).c;
const maybeCondition = fc.option(conditionArb, { nil: undefined, freq: 2 });

interface PutShape {
  key: Key;
  n?: number;
  s?: string;
  f?: boolean;
  indexed: boolean;
  ttl?: number;
}
const putShapeArb: fc.Arbitrary<PutShape> = fc.record(
  { key: keyArb, n: numArb, s: strArb, f: fc.boolean(), indexed: fc.boolean(), ttl: ttlArb },
  { requiredKeys: ['key', 'indexed'] },
);

interface UpdateShape {
  key: Key;
  set: { s?: string; f?: boolean; ttl?: number; indexed?: boolean };
  add: { n?: number };
  remove: ('s' | 'f' | 'ttl' | 'gsi1pk')[];
  condition?: Condition;
}
const updateShapeArb: fc.Arbitrary<UpdateShape> = fc.record(
  {
    key: keyArb,
    set: fc.record(
      { s: strArb, f: fc.boolean(), ttl: ttlArb, indexed: fc.constant(true) },
      { requiredKeys: [] },
    ),
    add: fc.record({ n: numArb }, { requiredKeys: [] }),
    remove: fc.uniqueArray(fc.constantFrom('s' as const, 'f' as const, 'ttl' as const, 'gsi1pk' as const), {
      maxLength: 2,
    }),
    condition: maybeCondition,
  },
  { requiredKeys: ['key', 'set', 'add', 'remove'] },
);

function skCondition(bound: fc.Arbitrary<string>, prefixes: string[]): fc.Arbitrary<QueryInput['sk']> {
  return fc.option(
    fc.oneof(
      fc.record({ eq: bound }),
      fc.record({ lt: bound }),
      fc.record({ lte: bound }),
      fc.record({ gt: bound }),
      fc.record({ gte: bound }),
      fc.record({ beginsWith: fc.constantFrom(...prefixes) }),
      fc.tuple(bound, bound).map(([a, b]) => ({ between: (a <= b ? [a, b] : [b, a]) as [string, string] })),
    ),
    { nil: undefined },
  );
}
const skCondArb = skCondition(skArb, ['1', '2', 'A']);
// Index sort keys are `${pk}${sk}` (see concretePut).
const indexSkCondArb = skCondition(fc.constantFrom('A1', 'A3', 'B', 'B2', 'B4'), ['A', 'B2', 'C']);

type Op =
  | { op: 'put'; shape: PutShape; condition?: Condition }
  | { op: 'update'; shape: UpdateShape }
  | { op: 'delete'; key: Key; condition?: Condition }
  | { op: 'get'; key: Key }
  | {
      op: 'query';
      index: boolean;
      pk: string;
      sk: QueryInput['sk'];
      isk: QueryInput['sk'];
      forward: boolean;
      limit: number;
    }
  | { op: 'batchGet'; keys: Key[] }
  | { op: 'batchWrite'; puts: PutShape[]; deletes: Key[] }
  | {
      op: 'transact';
      parts: (
        | { kind: 'put'; shape: PutShape; condition?: Condition }
        | { kind: 'update'; shape: UpdateShape }
        | { kind: 'delete'; key: Key; condition?: Condition }
        | { kind: 'check'; key: Key; condition: Condition }
      )[];
    }
  | { op: 'advance'; seconds: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record(
      { op: fc.constant('put' as const), shape: putShapeArb, condition: maybeCondition },
      { requiredKeys: ['op', 'shape'] },
    ),
    weight: 4,
  },
  { arbitrary: fc.record({ op: fc.constant('update' as const), shape: updateShapeArb }), weight: 4 },
  {
    arbitrary: fc.record(
      { op: fc.constant('delete' as const), key: keyArb, condition: maybeCondition },
      { requiredKeys: ['op', 'key'] },
    ),
    weight: 2,
  },
  { arbitrary: fc.record({ op: fc.constant('get' as const), key: keyArb }), weight: 2 },
  {
    arbitrary: fc.record({
      op: fc.constant('query' as const),
      index: fc.boolean(),
      pk: pkArb,
      sk: skCondArb,
      isk: indexSkCondArb,
      forward: fc.boolean(),
      limit: fc.integer({ min: 1, max: 5 }),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({ op: fc.constant('batchGet' as const), keys: fc.array(keyArb, { maxLength: 5 }) }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('batchWrite' as const),
      puts: fc.array(putShapeArb, { maxLength: 3 }),
      deletes: fc.array(keyArb, { maxLength: 2 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('transact' as const),
      parts: fc.array(
        fc.oneof(
          fc.record(
            { kind: fc.constant('put' as const), shape: putShapeArb, condition: maybeCondition },
            { requiredKeys: ['kind', 'shape'] },
          ),
          fc.record({ kind: fc.constant('update' as const), shape: updateShapeArb }),
          fc.record(
            { kind: fc.constant('delete' as const), key: keyArb, condition: maybeCondition },
            { requiredKeys: ['kind', 'key'] },
          ),
          fc.record({ kind: fc.constant('check' as const), key: keyArb, condition: conditionArb }),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ op: fc.constant('advance' as const), seconds: fc.constantFrom(1, 5, 30) }),
    weight: 2,
  },
);

// ---------------------------------------------------------------------------------------------
// Making the shapes concrete, and running them

function concretePut(s: PutShape, nowSec: number): Item {
  const item: Item = { pk: s.key.pk, sk: s.key.sk };
  if (s.n !== undefined) item.n = s.n;
  if (s.s !== undefined) item.s = s.s;
  if (s.f !== undefined) item.f = s.f;
  // The index sort key is unique per item: DynamoDB does not define the order of equal index keys.
  if (s.indexed) Object.assign(item, { gsi1pk: 'G', gsi1sk: `${s.key.pk}${s.key.sk}` });
  if (s.ttl !== undefined) item.ttl = Math.floor(nowSec) + s.ttl;
  return item;
}

function concreteUpdate(s: UpdateShape, nowSec: number): UpdateSpec {
  const set: Record<string, unknown> = {};
  if (s.set.s !== undefined) set.s = s.set.s;
  if (s.set.f !== undefined) set.f = s.set.f;
  if (s.set.ttl !== undefined) set.ttl = Math.floor(nowSec) + s.set.ttl;
  if (s.set.indexed) Object.assign(set, { gsi1pk: 'G', gsi1sk: `${s.key.pk}${s.key.sk}` });
  const remove = s.remove.filter((r) => !(r in set));
  const spec: UpdateSpec = { set, add: { ...s.add }, remove };
  if (s.condition) spec.condition = s.condition;
  return spec;
}

function outcome(e: unknown): unknown {
  if (e instanceof ConditionFailedError) return { error: 'condition' };
  if (e instanceof TransactionCanceledError) return { error: 'canceled', failed: e.failed };
  if (e instanceof AppError) return { error: `${e.kind}:${e.code}` };
  throw e;
}

const sortKeys = (items: Item[]): Item[] =>
  [...items].sort((a, b) => (a.pk + a.sk < b.pk + b.sk ? -1 : a.pk + a.sk > b.pk + b.sk ? 1 : 0));

async function run(table: Table, clock: FakeClock, op: Op): Promise<unknown> {
  const now = clock.now() / 1000;
  try {
    switch (op.op) {
      case 'put':
        return await table.put(concretePut(op.shape, now), op.condition);
      case 'update':
        return await table.update(op.shape.key, concreteUpdate(op.shape, now));
      case 'delete':
        return await table.delete(op.key, op.condition);
      case 'get':
        return await table.get(op.key);
      case 'query': {
        const pages: unknown[] = [];
        let cursor: string | undefined;
        do {
          const input: QueryInput = { pk: op.index ? 'G' : op.pk, forward: op.forward, limit: op.limit };
          if (op.index) input.index = 'gsi1';
          const sk = op.index ? op.isk : op.sk;
          if (sk) input.sk = sk;
          if (cursor) input.cursor = cursor;
          const page = await table.query(input);
          pages.push(page);
          cursor = page.cursor;
        } while (cursor && pages.length < 20);
        return pages;
      }
      case 'batchGet':
        return sortKeys(await table.batchGet(op.keys));
      case 'batchWrite':
        return await table.batchWrite({ puts: op.puts.map((p) => concretePut(p, now)), deletes: op.deletes });
      case 'transact': {
        const ops: TransactOp[] = op.parts.map((p) => {
          if (p.kind === 'put')
            return p.condition
              ? { put: concretePut(p.shape, now), condition: p.condition }
              : { put: concretePut(p.shape, now) };
          if (p.kind === 'update') return { update: p.shape.key, spec: concreteUpdate(p.shape, now) };
          if (p.kind === 'delete')
            return p.condition ? { delete: p.key, condition: p.condition } : { delete: p.key };
          return { check: p.key, condition: p.condition };
        });
        return await table.transact(ops);
      }
      case 'advance':
        clock.advance(op.seconds * 1000);
        return undefined;
    }
  } catch (e) {
    return outcome(e);
  }
}

if (endpoint === '') {
  describe.skip('Table differential: skipped, DynamoDB Local is not running (MEDIANEST_SKIP_DYNAMODB=1)', () => {
    it('needs DynamoDB Local', () => {});
  });
} else {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  afterAll(() => client.destroy());
  // MEDIANEST_DIFF_RUNS raises the count for a deeper local hunt; the default keeps CI quick.
  const runs = Number(process.env.MEDIANEST_DIFF_RUNS ?? 40);
  let counter = 0;
  const prefix = `diff-${process.pid}-${Date.now().toString(36)}`;

  describe('Table differential: SqliteTable vs DynamoTable', () => {
    it(
      'random operation sequences give the same results on both adapters',
      async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
            const tableName = `${prefix}-${++counter}`;
            await createDynamoTable(client, tableName);
            const db = openSqlite(':memory:');
            const sqliteClock = new FakeClock();
            const dynamoClock = new FakeClock();
            const sqlite = new SqliteTable(db, { clock: sqliteClock });
            const dynamo = new DynamoTable({ client, tableName, clock: dynamoClock });
            try {
              for (const [i, op] of ops.entries()) {
                const a = await run(sqlite, sqliteClock, op);
                const b = await run(dynamo, dynamoClock, op);
                expect({ step: i, result: b }).toEqual({ step: i, result: a });
              }
              // Finally every item must read the same.
              const keys = ['A', 'B'].flatMap((pk) => ['1', '2', '3', '4'].map((sk) => ({ pk, sk })));
              expect(sortKeys(await dynamo.batchGet(keys))).toEqual(sortKeys(await sqlite.batchGet(keys)));
            } finally {
              db.close();
              await client.send(new DeleteTableCommand({ TableName: tableName }));
            }
          }),
          { numRuns: runs },
        );
      },
      60_000 + runs * 500,
    );
  });
}
