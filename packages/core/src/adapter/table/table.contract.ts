/**
 * The one behaviour both Table adapters must show. sqlite.test.ts and dynamodb.test.ts run it;
 * anything the domain may rely on belongs here, so the two columns of the architecture cannot drift.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../error/index.ts';
import type { FakeClock } from '../../port/clock.ts';
import {
  type Condition,
  ConditionFailedError,
  exists,
  type Item,
  notExists,
  type QueryInput,
  type Table,
  TransactionCanceledError,
} from '../../port/table.ts';

export interface TableUnderTest {
  table: Table;
  clock: FakeClock;
  cleanup(): Promise<void>;
}

const byKey = (a: Item, b: Item): number => (a.pk === b.pk ? (a.sk < b.sk ? -1 : 1) : a.pk < b.pk ? -1 : 1);
const sks = (items: Item[]): string[] => items.map((i) => i.sk);

async function expectInvalid(p: Promise<unknown>, code = 'table.invalid'): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect(e).toMatchObject({ kind: 'invalid', code });
}

async function expectCanceled(p: Promise<unknown>, failed: number[]): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TransactionCanceledError);
  expect((e as TransactionCanceledError).failed).toEqual(failed);
}

/** Reads every page of a query, checking that only the last page lacks a cursor. */
async function allPages(table: Table, input: QueryInput): Promise<{ items: Item[]; pages: number }> {
  const items: Item[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await table.query({ ...input, ...(cursor ? { cursor } : {}) });
    pages++;
    if (page.cursor) expect(page.items.length).toBe(input.limit ?? 100);
    items.push(...page.items);
    cursor = page.cursor;
    if (pages > 1000) throw new Error('query never ended');
  } while (cursor);
  return { items, pages };
}

export function tableContract(name: string, make: () => Promise<TableUnderTest>): void {
  describe(`Table contract: ${name}`, () => {
    let sut: TableUnderTest;
    let t: Table;
    let clock: FakeClock;
    const nowSec = (): number => clock.now() / 1000;

    beforeEach(async () => {
      sut = await make();
      t = sut.table;
      clock = sut.clock;
    });
    afterEach(async () => {
      await sut.cleanup();
    });

    describe('get / put', () => {
      it('returns undefined for a missing item', async () => {
        expect(await t.get({ pk: 'nope', sk: 'nope' })).toBeUndefined();
      });

      it('round-trips every JSON value type', async () => {
        // arrange
        const item = {
          pk: 'P',
          sk: 'S',
          str: 'héllo ✓ 😀',
          empty: '',
          int: 42,
          neg: -7,
          float: 3.25,
          zero: 0,
          yes: true,
          no: false,
          nothing: null,
          list: [1, 'two', [3], { four: 4 }, null, true],
          emptyList: [],
          map: { a: { b: { c: 'deep' } }, n: 1.5 },
          emptyMap: {},
        };
        // act
        await t.put(item);
        // assert
        expect(await t.get({ pk: 'P', sk: 'S' })).toEqual(item);
      });

      it('replaces the whole item and drops undefined attributes', async () => {
        await t.put({ pk: 'P', sk: 'S', a: 1, b: 2 });
        await t.put({ pk: 'P', sk: 'S', a: 3, c: undefined });
        expect(await t.get({ pk: 'P', sk: 'S' })).toEqual({ pk: 'P', sk: 'S', a: 3 });
      });

      it('keeps items apart by pk and sk', async () => {
        await t.put({ pk: 'A', sk: '1', v: 'a1' });
        await t.put({ pk: 'A', sk: '2', v: 'a2' });
        await t.put({ pk: 'B', sk: '1', v: 'b1' });
        expect((await t.get({ pk: 'A', sk: '2' }))?.v).toBe('a2');
        expect((await t.get({ pk: 'B', sk: '1' }))?.v).toBe('b1');
      });

      it('put with notExists enforces uniqueness and leaves the first item alone', async () => {
        await t.put({ pk: 'U', sk: 'name', owner: 'first' }, notExists);
        await expect(t.put({ pk: 'U', sk: 'name', owner: 'second' }, notExists)).rejects.toBeInstanceOf(
          ConditionFailedError,
        );
        expect((await t.get({ pk: 'U', sk: 'name' }))?.owner).toBe('first');
      });

      it('put with exists fails on a missing item and creates nothing', async () => {
        await expect(t.put({ pk: 'U', sk: 'x' }, exists)).rejects.toBeInstanceOf(ConditionFailedError);
        expect(await t.get({ pk: 'U', sk: 'x' })).toBeUndefined();
      });

      it('rejects keys and values the stores cannot hold alike', async () => {
        await expectInvalid(t.put({ pk: '', sk: 'x' }));
        await expectInvalid(t.put({ pk: 'x', sk: '' }));
        await expectInvalid(t.put({ pk: 'x', sk: 'y', n: Number.NaN }));
        await expectInvalid(t.put({ pk: 'x', sk: 'y', n: Number.POSITIVE_INFINITY }));
        await expectInvalid(t.put({ pk: 'x', sk: 'y', n: 2 ** 60 }));
        await expectInvalid(t.put({ pk: 'x', sk: 'y', d: new Date() }));
        await expectInvalid(t.put({ pk: 'x', sk: 'y', l: [1, undefined] }));
        await expectInvalid(t.put({ pk: 'x', sk: 'y', '': 1 }));
        await expectInvalid(t.put({ pk: 'x', sk: 'y', m: { '': 1 } }));
        let deep: unknown = 1;
        for (let i = 0; i < 32; i++) deep = i % 2 ? [deep] : { d: deep };
        await expectInvalid(t.put({ pk: 'x', sk: 'y', deep }));
        await t.put({ pk: 'x', sk: 'deep', deep: (deep as unknown[])[0] });
        expect((await t.get({ pk: 'x', sk: 'deep' }))?.deep).toEqual((deep as unknown[])[0]);
        await expectInvalid(t.put({ pk: 'x', sk: 'y', gsi1pk: 5, gsi1sk: 'a' }));
        await expectInvalid(t.put({ pk: 'x', sk: 'y', gsi2pk: '', gsi2sk: 'a' }));
        await expectInvalid(t.put({ pk: 'x', sk: 'y', ttl: '2026-01-01' }));
        await expectInvalid(t.put({ pk: 'x', sk: 'y' }, { and: [] }));
        await expectInvalid(t.put({ pk: 'x', sk: 'y' }, { attr: 'a', op: '<', value: true }));
        expect(await t.get({ pk: 'x', sk: 'y' })).toBeUndefined();
      });
    });

    describe('conditions', () => {
      const base = {
        pk: 'C',
        sk: '1',
        s: 'abc',
        n: 5,
        b: true,
        nul: null,
        m: { a: 1, b: [1, 2] },
        l: [1, 'a'],
        astral: '😀',
      };
      /** Whether `c` holds for `base`, seen through a conditional put that rewrites it unchanged. */
      async function holds(c: Condition): Promise<boolean> {
        try {
          await t.put(base, c);
          return true;
        } catch (e) {
          if (e instanceof ConditionFailedError) return false;
          throw e;
        }
      }
      const cases: [string, Condition, boolean][] = [
        ['exists on a present attribute', { attr: 's', exists: true }, true],
        ['exists on a null attribute', { attr: 'nul', exists: true }, true],
        ['exists on a missing attribute', { attr: 'zz', exists: true }, false],
        ['not-exists on a missing attribute', { attr: 'zz', exists: false }, true],
        ['= number', { attr: 'n', op: '=', value: 5 }, true],
        ['= number, other value', { attr: 'n', op: '=', value: 6 }, false],
        ['= number vs string of it', { attr: 'n', op: '=', value: '5' }, false],
        ['= string', { attr: 's', op: '=', value: 'abc' }, true],
        ['= boolean', { attr: 'b', op: '=', value: true }, true],
        ['= null', { attr: 'nul', op: '=', value: null }, true],
        ['= null on a missing attribute', { attr: 'zz', op: '=', value: null }, false],
        ['= map regardless of key order', { attr: 'm', op: '=', value: { b: [1, 2], a: 1 } }, true],
        ['= map, other content', { attr: 'm', op: '=', value: { a: 1 } }, false],
        ['= list', { attr: 'l', op: '=', value: [1, 'a'] }, true],
        ['= list in another order', { attr: 'l', op: '=', value: ['a', 1] }, false],
        ['<> other number', { attr: 'n', op: '<>', value: 6 }, true],
        ['<> same number', { attr: 'n', op: '<>', value: 5 }, false],
        ['<> on a missing attribute', { attr: 'zz', op: '<>', value: 1 }, true],
        ['<> another type', { attr: 'n', op: '<>', value: '5' }, true],
        ['< number', { attr: 'n', op: '<', value: 10 }, true],
        ['<= number (equal)', { attr: 'n', op: '<=', value: 5 }, true],
        ['> number (equal)', { attr: 'n', op: '>', value: 5 }, false],
        ['>= number', { attr: 'n', op: '>=', value: 5 }, true],
        ['< string', { attr: 's', op: '<', value: 'abd' }, true],
        ['> string prefix', { attr: 's', op: '>', value: 'ab' }, true],
        ['< string against a number', { attr: 's', op: '<', value: 10 }, false],
        ['> number against a string', { attr: 'n', op: '>', value: 'a' }, false],
        ['< on a missing attribute', { attr: 'zz', op: '<', value: 1 }, false],
        [
          'strings compare by code point (astral above U+FFFF)',
          { attr: 'astral', op: '>', value: '\uffff' },
          true,
        ],
        ['beginsWith', { attr: 's', beginsWith: 'ab' }, true],
        ['beginsWith, no match', { attr: 's', beginsWith: 'b' }, false],
        ['beginsWith on a number', { attr: 'n', beginsWith: '5' }, false],
        ['beginsWith on a missing attribute', { attr: 'zz', beginsWith: 'a' }, false],
        [
          'and, both true',
          {
            and: [
              { attr: 'n', op: '=', value: 5 },
              { attr: 's', exists: true },
            ],
          },
          true,
        ],
        [
          'and, one false',
          {
            and: [
              { attr: 'n', op: '=', value: 5 },
              { attr: 'zz', exists: true },
            ],
          },
          false,
        ],
        [
          'or, one true',
          {
            or: [
              { attr: 'zz', exists: true },
              { attr: 'b', op: '=', value: true },
            ],
          },
          true,
        ],
        [
          'or, none true',
          {
            or: [
              { attr: 'zz', exists: true },
              { attr: 'n', op: '>', value: 9 },
            ],
          },
          false,
        ],
        ['not', { not: { attr: 'zz', exists: true } }, true],
        ['not of a comparison with a missing attribute', { not: { attr: 'zz', op: '<', value: 1 } }, true],
        [
          'nested and/or/not',
          {
            or: [
              { and: [{ attr: 'n', op: '>', value: 1 }, { not: { attr: 's', beginsWith: 'x' } }] },
              { attr: 'zz', exists: true },
            ],
          },
          true,
        ],
      ];
      it.each(cases)('%s', async (_label, condition, expected) => {
        await t.put(base);
        expect(await holds(condition)).toBe(expected);
      });

      it('evaluates conditions against a missing item as an empty one', async () => {
        await t.put({ pk: 'C', sk: 'new1' }, { attr: 'n', op: '<>', value: 1 });
        await t.put({ pk: 'C', sk: 'new2' }, { not: { attr: 'n', op: '=', value: 1 } });
        await expect(t.put({ pk: 'C', sk: 'new3' }, { attr: 'n', op: '<', value: 1 })).rejects.toBeInstanceOf(
          ConditionFailedError,
        );
        expect(sks((await t.query({ pk: 'C' })).items)).toEqual(['new1', 'new2']);
      });
    });

    describe('update', () => {
      it('creates a missing item and returns it', async () => {
        const r = await t.update({ pk: 'U', sk: '1' }, { set: { a: 'x' }, add: { n: 2 } });
        expect(r).toEqual({ pk: 'U', sk: '1', a: 'x', n: 2 });
        expect(await t.get({ pk: 'U', sk: '1' })).toEqual(r);
      });

      it('sets, adds and removes in one step, keeping other attributes', async () => {
        await t.put({ pk: 'U', sk: '1', keep: true, a: 1, n: 10, gone: 'x' });
        const r = await t.update(
          { pk: 'U', sk: '1' },
          { set: { a: 2, b: { c: [1] } }, add: { n: -3 }, remove: ['gone'] },
        );
        expect(r).toEqual({ pk: 'U', sk: '1', keep: true, a: 2, b: { c: [1] }, n: 7 });
        expect(await t.get({ pk: 'U', sk: '1' })).toEqual(r);
      });

      it('add counts a missing attribute as 0', async () => {
        await t.put({ pk: 'U', sk: '1' });
        expect((await t.update({ pk: 'U', sk: '1' }, { add: { hits: 1 } })).hits).toBe(1);
        expect((await t.update({ pk: 'U', sk: '1' }, { add: { hits: 1, misses: -1 } })).hits).toBe(2);
        expect((await t.get({ pk: 'U', sk: '1' }))?.misses).toBe(-1);
      });

      it('remove alone on a missing item creates it with just its key', async () => {
        expect(await t.update({ pk: 'U', sk: '2' }, { remove: ['x'] })).toEqual({ pk: 'U', sk: '2' });
        expect(await t.update({ pk: 'U', sk: '3' }, {})).toEqual({ pk: 'U', sk: '3' });
      });

      it('add on a non-number is rejected and changes nothing', async () => {
        await t.put({ pk: 'U', sk: '1', s: 'text' });
        await expectInvalid(
          t.update({ pk: 'U', sk: '1' }, { add: { s: 1 }, set: { other: 1 } }),
          'table.invalid_operand',
        );
        expect(await t.get({ pk: 'U', sk: '1' })).toEqual({ pk: 'U', sk: '1', s: 'text' });
      });

      it('a failing condition leaves the item unchanged', async () => {
        await t.put({ pk: 'U', sk: '1', v: 1 });
        await expect(
          t.update({ pk: 'U', sk: '1' }, { set: { v: 2 }, condition: { attr: 'v', op: '=', value: 9 } }),
        ).rejects.toBeInstanceOf(ConditionFailedError);
        expect((await t.get({ pk: 'U', sk: '1' }))?.v).toBe(1);
      });

      it('a condition can forbid creating the item', async () => {
        await expect(
          t.update({ pk: 'U', sk: '9' }, { set: { v: 1 }, condition: exists }),
        ).rejects.toBeInstanceOf(ConditionFailedError);
        expect(await t.get({ pk: 'U', sk: '9' })).toBeUndefined();
        expect((await t.update({ pk: 'U', sk: '9' }, { set: { v: 1 }, condition: notExists })).v).toBe(1);
      });

      it('guards a quota with a condition on the counter', async () => {
        const bump = () =>
          t.update(
            { pk: 'Q', sk: 'w' },
            {
              add: { used: 1 },
              condition: {
                or: [
                  { attr: 'used', exists: false },
                  { attr: 'used', op: '<', value: 3 },
                ],
              },
            },
          );
        await bump();
        await bump();
        await bump();
        await expect(bump()).rejects.toBeInstanceOf(ConditionFailedError);
        expect((await t.get({ pk: 'Q', sk: 'w' }))?.used).toBe(3);
      });

      it('concurrent adds are atomic', async () => {
        await Promise.all(
          Array.from({ length: 20 }, () => t.update({ pk: 'U', sk: 'c' }, { add: { n: 1 } })),
        );
        expect((await t.get({ pk: 'U', sk: 'c' }))?.n).toBe(20);
      });

      it('rejects updates of key attributes and overlapping actions', async () => {
        await expectInvalid(t.update({ pk: 'U', sk: '1' }, { set: { pk: 'other' } }));
        await expectInvalid(t.update({ pk: 'U', sk: '1' }, { remove: ['sk'] }));
        await expectInvalid(t.update({ pk: 'U', sk: '1' }, { set: { a: 1 }, remove: ['a'] }));
        await expectInvalid(t.update({ pk: 'U', sk: '1' }, { set: { a: 1 }, add: { a: 1 } }));
        await expectInvalid(t.update({ pk: 'U', sk: '1' }, { add: { gsi1sk: 1 } }));
        expect(await t.get({ pk: 'U', sk: '1' })).toBeUndefined();
      });
    });

    describe('delete', () => {
      it('returns the deleted item, or undefined when there was none', async () => {
        await t.put({ pk: 'D', sk: '1', v: 'x' });
        expect(await t.delete({ pk: 'D', sk: '1' })).toEqual({ pk: 'D', sk: '1', v: 'x' });
        expect(await t.get({ pk: 'D', sk: '1' })).toBeUndefined();
        expect(await t.delete({ pk: 'D', sk: '1' })).toBeUndefined();
      });

      it('honours a condition', async () => {
        await t.put({ pk: 'D', sk: '1', owner: 'a' });
        await expect(
          t.delete({ pk: 'D', sk: '1' }, { attr: 'owner', op: '=', value: 'b' }),
        ).rejects.toBeInstanceOf(ConditionFailedError);
        expect(await t.get({ pk: 'D', sk: '1' })).toBeDefined();
        await expect(t.delete({ pk: 'D', sk: '2' }, exists)).rejects.toBeInstanceOf(ConditionFailedError);
        expect((await t.delete({ pk: 'D', sk: '1' }, { attr: 'owner', op: '=', value: 'a' }))?.owner).toBe(
          'a',
        );
      });
    });

    describe('query', () => {
      const letters = ['a', 'b', 'c'];
      beforeEach(async () => {
        const puts: Item[] = [];
        for (const l of letters) for (let i = 1; i <= 5; i++) puts.push({ pk: 'Q', sk: `${l}#${i}`, i });
        puts.push({ pk: 'Q2', sk: 'a#1' }, { pk: 'Q0', sk: 'a#1' });
        await t.batchWrite({ puts });
      });

      it('returns a partition ascending by sort key, and descending when asked', async () => {
        const up = await t.query({ pk: 'Q' });
        expect(sks(up.items)).toEqual(letters.flatMap((l) => [1, 2, 3, 4, 5].map((i) => `${l}#${i}`)));
        expect(up.cursor).toBeUndefined();
        const down = await t.query({ pk: 'Q', forward: false });
        expect(sks(down.items)).toEqual(sks(up.items).reverse());
      });

      it('returns nothing for an empty partition', async () => {
        expect(await t.query({ pk: 'none' })).toEqual({ items: [] });
      });

      const skCases: [string, QueryInput['sk'], string[]][] = [
        ['eq', { eq: 'b#3' }, ['b#3']],
        ['lt', { lt: 'a#3' }, ['a#1', 'a#2']],
        ['lte', { lte: 'a#3' }, ['a#1', 'a#2', 'a#3']],
        ['gt', { gt: 'c#3' }, ['c#4', 'c#5']],
        ['gte', { gte: 'c#4' }, ['c#4', 'c#5']],
        ['between (inclusive)', { between: ['a#4', 'b#2'] }, ['a#4', 'a#5', 'b#1', 'b#2']],
        ['beginsWith', { beginsWith: 'b#' }, ['b#1', 'b#2', 'b#3', 'b#4', 'b#5']],
        ['beginsWith, no match', { beginsWith: 'd' }, []],
      ];
      it.each(skCases)('sort key condition %s, both directions', async (_label, sk, expected) => {
        expect(sks((await t.query({ pk: 'Q', sk })).items)).toEqual(expected);
        expect(sks((await t.query({ pk: 'Q', sk, forward: false })).items)).toEqual([...expected].reverse());
      });

      it('pages with limit and cursor, forward and backward, with no cursor after the last item', async () => {
        for (const forward of [true, false]) {
          for (const limit of [1, 4, 5, 15]) {
            const { items, pages } = await allPages(t, { pk: 'Q', limit, forward });
            const all = sks((await t.query({ pk: 'Q', forward })).items);
            expect(sks(items)).toEqual(all);
            expect(pages).toBe(Math.ceil(15 / limit));
          }
        }
      });

      it('pages within a sort key condition', async () => {
        const { items } = await allPages(t, {
          pk: 'Q',
          sk: { between: ['a#3', 'c#2'] },
          limit: 2,
          forward: false,
        });
        expect(sks(items)).toEqual(['c#2', 'c#1', 'b#5', 'b#4', 'b#3', 'b#2', 'b#1', 'a#5', 'a#4', 'a#3']);
      });

      it('defaults to 100 items a page', async () => {
        const puts = Array.from({ length: 130 }, (_, i) => ({ pk: 'BIG', sk: String(i).padStart(4, '0') }));
        await t.batchWrite({ puts });
        const first = await t.query({ pk: 'BIG' });
        expect(first.items).toHaveLength(100);
        expect(first.cursor).toBeTypeOf('string');
        const second = await t.query({ pk: 'BIG', cursor: first.cursor as string });
        expect(sks(second.items)).toEqual(puts.slice(100).map((p) => p.sk));
        expect(second.cursor).toBeUndefined();
      });

      it('orders sort keys by code point, like UTF-8 bytes', async () => {
        await t.batchWrite({ puts: ['k\uffff', 'k😀', 'kz', 'k\u00e9'].map((sk) => ({ pk: 'UNI', sk })) });
        expect(sks((await t.query({ pk: 'UNI' })).items)).toEqual(['kz', 'k\u00e9', 'k\uffff', 'k😀']);
        expect(sks((await t.query({ pk: 'UNI', sk: { beginsWith: 'k😀' } })).items)).toEqual(['k😀']);
      });

      it('rejects bad limits, reversed ranges, empty bounds and foreign or forged cursors', async () => {
        await expectInvalid(t.query({ pk: 'Q', limit: 0 }));
        await expectInvalid(t.query({ pk: 'Q', limit: 1001 }));
        await expectInvalid(t.query({ pk: 'Q', limit: 1.5 }));
        await expectInvalid(t.query({ pk: '' }));
        await expectInvalid(t.query({ pk: 'Q', sk: { between: ['b', 'a'] } }));
        await expectInvalid(t.query({ pk: 'Q', sk: { beginsWith: '' } }));
        const page = await t.query({ pk: 'Q', limit: 2 });
        await expectInvalid(t.query({ pk: 'Q2', cursor: page.cursor as string }), 'table.invalid_cursor');
        await expectInvalid(
          t.query({ pk: 'Q', index: 'gsi1', cursor: page.cursor as string }),
          'table.invalid_cursor',
        );
        await expectInvalid(t.query({ pk: 'Q', cursor: 'not a cursor' }), 'table.invalid_cursor');
        await expectInvalid(
          t.query({ pk: 'Q', cursor: Buffer.from('{"x":1}').toString('base64url') }),
          'table.invalid_cursor',
        );
      });
    });

    describe('secondary indexes', () => {
      beforeEach(async () => {
        await t.batchWrite({
          puts: [
            { pk: 'H#1', sk: 'M#a', gsi1pk: 'U#a', gsi1sk: 'H#1', role: 'owner' },
            { pk: 'H#2', sk: 'M#a', gsi1pk: 'U#a', gsi1sk: 'H#2', role: 'member' },
            { pk: 'H#3', sk: 'M#a', gsi1pk: 'U#a', gsi1sk: 'H#3', gsi2pk: 'X', gsi2sk: '1' },
            { pk: 'H#1', sk: 'M#b', gsi1pk: 'U#b', gsi1sk: 'H#1' },
            { pk: 'H#1', sk: 'META' },
            { pk: 'H#4', sk: 'M#a', gsi1pk: 'U#a' },
          ],
        });
      });

      it('finds items by the index keys only when both are present (sparse)', async () => {
        const r = await t.query({ pk: 'U#a', index: 'gsi1' });
        expect(r.items.map((i) => i.pk)).toEqual(['H#1', 'H#2', 'H#3']);
        expect(r.items[0]).toEqual({ pk: 'H#1', sk: 'M#a', gsi1pk: 'U#a', gsi1sk: 'H#1', role: 'owner' });
        expect((await t.query({ pk: 'X', index: 'gsi2' })).items.map((i) => i.pk)).toEqual(['H#3']);
        expect((await t.query({ pk: 'U#a', index: 'gsi2' })).items).toEqual([]);
        expect((await t.query({ pk: 'H#1', index: 'gsi1' })).items).toEqual([]);
      });

      it('applies sort key conditions, direction and paging on the index sort key', async () => {
        const r = await t.query({ pk: 'U#a', index: 'gsi1', sk: { gte: 'H#2' }, forward: false });
        expect(r.items.map((i) => i.gsi1sk)).toEqual(['H#3', 'H#2']);
        const { items, pages } = await allPages(t, { pk: 'U#a', index: 'gsi1', limit: 1 });
        expect(items.map((i) => i.pk)).toEqual(['H#1', 'H#2', 'H#3']);
        expect(pages).toBe(3);
      });

      it('follows updates: an item leaves the index when its index key is removed', async () => {
        await t.update({ pk: 'H#2', sk: 'M#a' }, { remove: ['gsi1pk'] });
        await t.update({ pk: 'H#4', sk: 'M#a' }, { set: { gsi1sk: 'H#4' } });
        await t.update({ pk: 'H#1', sk: 'M#a' }, { set: { gsi1sk: 'H#9' } });
        const r = await t.query({ pk: 'U#a', index: 'gsi1' });
        expect(r.items.map((i) => i.gsi1sk)).toEqual(['H#3', 'H#4', 'H#9']);
        await t.delete({ pk: 'H#3', sk: 'M#a' });
        expect((await t.query({ pk: 'X', index: 'gsi2' })).items).toEqual([]);
      });
    });

    describe('batch', () => {
      it('batchGet returns the items that exist, once each', async () => {
        await t.batchWrite({
          puts: [
            { pk: 'B', sk: '1' },
            { pk: 'B', sk: '2', v: 2 },
          ],
        });
        const r = await t.batchGet([
          { pk: 'B', sk: '2' },
          { pk: 'B', sk: '1' },
          { pk: 'B', sk: 'missing' },
          { pk: 'B', sk: '2' },
        ]);
        expect(r.sort(byKey)).toEqual([
          { pk: 'B', sk: '1' },
          { pk: 'B', sk: '2', v: 2 },
        ]);
        expect(await t.batchGet([])).toEqual([]);
      });

      it('batchWrite puts and deletes, beyond one request worth of operations', async () => {
        const puts = Array.from({ length: 60 }, (_, i) => ({ pk: 'B', sk: String(i).padStart(3, '0'), i }));
        await t.batchWrite({ puts });
        await t.batchWrite({
          deletes: puts.slice(0, 30).map(({ pk, sk }) => ({ pk, sk })),
          puts: [{ pk: 'B', sk: '999', i: 999 }],
        });
        const keys = Array.from({ length: 150 }, (_, i) => ({ pk: 'B', sk: String(i).padStart(3, '0') }));
        const got = (await t.batchGet([...keys, { pk: 'B', sk: '999' }])).sort(byKey);
        expect(got.map((i) => i.i)).toEqual([...puts.slice(30).map((p) => p.i), 999]);
      });

      it('batchWrite rejects naming one item twice', async () => {
        await expectInvalid(t.batchWrite({ puts: [{ pk: 'B', sk: '1' }], deletes: [{ pk: 'B', sk: '1' }] }));
        await expectInvalid(
          t.batchWrite({
            puts: [
              { pk: 'B', sk: '1' },
              { pk: 'B', sk: '1', v: 2 },
            ],
          }),
        );
      });
    });

    describe('transact', () => {
      it('applies put, update, delete and check together', async () => {
        await t.batchWrite({
          puts: [
            { pk: 'T', sk: 'upd', n: 1 },
            { pk: 'T', sk: 'del' },
            { pk: 'T', sk: 'chk', ok: true },
          ],
        });
        await t.transact([
          { put: { pk: 'T', sk: 'new', v: 1 }, condition: notExists },
          { update: { pk: 'T', sk: 'upd' }, spec: { add: { n: 1 }, set: { s: 'x' }, condition: exists } },
          { delete: { pk: 'T', sk: 'del' }, condition: exists },
          { check: { pk: 'T', sk: 'chk' }, condition: { attr: 'ok', op: '=', value: true } },
          { update: { pk: 'T', sk: 'created' }, spec: { set: { v: 2 } } },
        ]);
        expect((await t.query({ pk: 'T' })).items).toEqual([
          { pk: 'T', sk: 'chk', ok: true },
          { pk: 'T', sk: 'created', v: 2 },
          { pk: 'T', sk: 'new', v: 1 },
          { pk: 'T', sk: 'upd', n: 2, s: 'x' },
        ]);
      });

      it('is all-or-nothing and names every failed operation', async () => {
        await t.batchWrite({
          puts: [
            { pk: 'T', sk: 'a', n: 1 },
            { pk: 'T', sk: 'b' },
          ],
        });
        await expectCanceled(
          t.transact([
            { put: { pk: 'T', sk: 'c' }, condition: notExists },
            { put: { pk: 'T', sk: 'b', v: 1 }, condition: notExists },
            { update: { pk: 'T', sk: 'a' }, spec: { add: { n: 1 } } },
            { check: { pk: 'T', sk: 'zz' }, condition: exists },
            { delete: { pk: 'T', sk: 'a2' } },
          ]),
          [1, 3],
        );
        expect((await t.query({ pk: 'T' })).items).toEqual([
          { pk: 'T', sk: 'a', n: 1 },
          { pk: 'T', sk: 'b' },
        ]);
        await expectCanceled(
          t.transact([
            {
              update: { pk: 'T', sk: 'a' },
              spec: { add: { n: 1 }, condition: { attr: 'n', op: '>', value: 5 } },
            },
          ]),
          [0],
        );
        await expectCanceled(
          t.transact([{ delete: { pk: 'T', sk: 'b' } }, { delete: { pk: 'T', sk: 'x' }, condition: exists }]),
          [1],
        );
        expect(await t.get({ pk: 'T', sk: 'b' })).toBeDefined();
      });

      it('an add on a non-number rejects the whole transaction as invalid', async () => {
        await t.put({ pk: 'T', sk: 's', s: 'text' });
        await expectInvalid(
          t.transact([
            { put: { pk: 'T', sk: 'other' } },
            { update: { pk: 'T', sk: 's' }, spec: { add: { s: 1 } } },
          ]),
          'table.invalid_operand',
        );
        expect((await t.query({ pk: 'T' })).items).toEqual([{ pk: 'T', sk: 's', s: 'text' }]);
      });

      it('only one of two racing unique claims wins', async () => {
        const claim = (who: string) =>
          t.transact([
            { put: { pk: 'NAME', sk: 'alice', owner: who }, condition: notExists },
            { put: { pk: `USER#${who}`, sk: 'PROFILE', name: 'alice' }, condition: notExists },
          ]);
        const results = await Promise.allSettled([claim('x'), claim('y')]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const winner = (await t.get({ pk: 'NAME', sk: 'alice' }))?.owner as string;
        const loser = winner === 'x' ? 'y' : 'x';
        expect(await t.get({ pk: `USER#${loser}`, sk: 'PROFILE' })).toBeUndefined();
      });

      it('rejects two operations on one item, empty updates and more than 100 operations', async () => {
        await expectInvalid(t.transact([{ put: { pk: 'T', sk: 'a' } }, { delete: { pk: 'T', sk: 'a' } }]));
        await expectInvalid(t.transact([{ update: { pk: 'T', sk: 'a' }, spec: {} }]));
        await expectInvalid(
          t.transact(Array.from({ length: 101 }, (_, i) => ({ put: { pk: 'T', sk: String(i) } }))),
        );
        expect((await t.query({ pk: 'T' })).items).toEqual([]);
        await t.transact([]);
      });

      it('accepts 100 operations', async () => {
        await t.transact(
          Array.from({ length: 100 }, (_, i) => ({ put: { pk: 'T', sk: String(i).padStart(3, '0') } })),
        );
        expect((await t.query({ pk: 'T', limit: 1000 })).items).toHaveLength(100);
      });
    });

    describe('ttl', () => {
      it('hides an item once its ttl is reached, from every read', async () => {
        // arrange
        const ttl = Math.floor(nowSec()) + 60;
        await t.batchWrite({
          puts: [
            { pk: 'E', sk: '1', ttl, gsi1pk: 'G', gsi1sk: '1' },
            { pk: 'E', sk: '2', ttl: ttl + 3600, gsi1pk: 'G', gsi1sk: '2' },
            { pk: 'E', sk: '3' },
          ],
        });
        expect(await t.get({ pk: 'E', sk: '1' })).toBeDefined();
        // act: exactly at the ttl the item counts as expired
        clock.set(ttl * 1000);
        // assert
        expect(await t.get({ pk: 'E', sk: '1' })).toBeUndefined();
        expect(sks((await t.query({ pk: 'E' })).items)).toEqual(['2', '3']);
        expect(sks((await t.query({ pk: 'G', index: 'gsi1' })).items)).toEqual(['2']);
        expect(
          sks(
            await t.batchGet([
              { pk: 'E', sk: '1' },
              { pk: 'E', sk: '2' },
            ]),
          ),
        ).toEqual(['2']);
        clock.set((ttl - 1) * 1000);
        expect(await t.get({ pk: 'E', sk: '1' })).toBeDefined();
      });

      it('treats an expired item as absent in conditions', async () => {
        await t.put({ pk: 'E', sk: 'lock', owner: 'old', ttl: Math.floor(nowSec()) + 10 });
        await expect(t.put({ pk: 'E', sk: 'lock', owner: 'new' }, notExists)).rejects.toBeInstanceOf(
          ConditionFailedError,
        );
        clock.advance(11_000);
        await expect(t.put({ pk: 'E', sk: 'x' }, exists)).rejects.toBeInstanceOf(ConditionFailedError);
        await expect(t.delete({ pk: 'E', sk: 'lock' }, exists)).rejects.toBeInstanceOf(ConditionFailedError);
        await expect(
          t.put({ pk: 'E', sk: 'lock', v: 1 }, { attr: 'owner', op: '=', value: 'old' }),
        ).rejects.toBeInstanceOf(ConditionFailedError);
        await t.put({ pk: 'E', sk: 'lock', owner: 'new' }, notExists);
        expect(await t.get({ pk: 'E', sk: 'lock' })).toEqual({ pk: 'E', sk: 'lock', owner: 'new' });
      });

      it('update of an expired item starts from nothing', async () => {
        await t.put({ pk: 'E', sk: 'c', n: 41, stale: 'x', ttl: Math.floor(nowSec()) + 10 });
        clock.advance(10_000);
        await expect(
          t.update({ pk: 'E', sk: 'c' }, { add: { n: 1 }, condition: exists }),
        ).rejects.toBeInstanceOf(ConditionFailedError);
        const r = await t.update({ pk: 'E', sk: 'c' }, { add: { n: 1 }, condition: notExists });
        expect(r).toEqual({ pk: 'E', sk: 'c', n: 1 });
        expect(await t.get({ pk: 'E', sk: 'c' })).toEqual({ pk: 'E', sk: 'c', n: 1 });
      });

      it('an expired item is absent inside transactions too', async () => {
        const ttl = Math.floor(nowSec()) + 5;
        await t.batchWrite({
          puts: [
            { pk: 'E', sk: 'u', n: 7, ttl },
            { pk: 'E', sk: 'p', ttl },
            { pk: 'E', sk: 'k', ttl },
          ],
        });
        clock.advance(5_000);
        await expectCanceled(
          t.transact([
            { check: { pk: 'E', sk: 'k' }, condition: exists },
            { update: { pk: 'E', sk: 'u' }, spec: { add: { n: 1 } } },
          ]),
          [0],
        );
        await t.transact([
          { check: { pk: 'E', sk: 'k' }, condition: notExists },
          { update: { pk: 'E', sk: 'u' }, spec: { add: { n: 1 } } },
          { put: { pk: 'E', sk: 'p', fresh: true }, condition: notExists },
        ]);
        expect((await t.query({ pk: 'E' })).items).toEqual([
          { pk: 'E', sk: 'p', fresh: true },
          { pk: 'E', sk: 'u', n: 1 },
        ]);
      });

      it('delete of an expired item returns nothing', async () => {
        await t.put({ pk: 'E', sk: 'd', ttl: Math.floor(nowSec()) + 1 });
        clock.advance(1_000);
        expect(await t.delete({ pk: 'E', sk: 'd' })).toBeUndefined();
        expect(await t.delete({ pk: 'E', sk: 'd' }, notExists)).toBeUndefined();
      });

      it('still fills a page of live items when expired ones sit in between', async () => {
        const ttl = Math.floor(nowSec()) + 1;
        const puts = Array.from({ length: 30 }, (_, i) => ({
          pk: 'E',
          sk: String(i).padStart(2, '0'),
          ...(i % 3 === 0 ? {} : { ttl }),
        }));
        await t.batchWrite({ puts });
        clock.advance(1_000);
        const live = puts.filter((p) => !('ttl' in p)).map((p) => p.sk);
        const first = await t.query({ pk: 'E', limit: 4 });
        expect(sks(first.items)).toEqual(live.slice(0, 4));
        const { items, pages } = await allPages(t, { pk: 'E', limit: 5 });
        expect(sks(items)).toEqual(live);
        expect(pages).toBe(2);
        const lastOnly = await t.query({ pk: 'E', limit: 1, forward: false });
        expect(sks(lastOnly.items)).toEqual(['27']);
        expect(lastOnly.cursor).toBeDefined();
        // A long run of expired items before the live ones.
        const run = Array.from({ length: 80 }, (_, i) => ({
          pk: 'E2',
          sk: `a${String(i).padStart(2, '0')}`,
          ttl,
        }));
        await t.batchWrite({
          puts: [...run, { pk: 'E2', sk: 'b1' }, { pk: 'E2', sk: 'b2' }, { pk: 'E2', sk: 'b3' }],
        });
        const afterRun = await t.query({ pk: 'E2', limit: 2 });
        expect(sks(afterRun.items)).toEqual(['b1', 'b2']);
        const rest = await t.query({ pk: 'E2', limit: 2, cursor: afterRun.cursor as string });
        expect(rest).toEqual({ items: [{ pk: 'E2', sk: 'b3' }] });
      });

      it('sweepExpired keeps live items and expired ones stay invisible', async () => {
        const ttl = Math.floor(nowSec()) + 1;
        await t.batchWrite({
          puts: [
            { pk: 'E', sk: 'old', ttl },
            { pk: 'E', sk: 'live', ttl: ttl + 100 },
            { pk: 'E', sk: 'keep' },
          ],
        });
        clock.advance(1_000);
        const swept = await t.sweepExpired();
        expect(swept === 0 || swept === 1).toBe(true);
        expect(sks((await t.query({ pk: 'E' })).items)).toEqual(['keep', 'live']);
        expect(await t.get({ pk: 'E', sk: 'old' })).toBeUndefined();
      });

      it('an update may set a ttl, and the item then expires', async () => {
        await t.put({ pk: 'E', sk: 's' });
        await t.update({ pk: 'E', sk: 's' }, { set: { ttl: Math.floor(nowSec()) + 30 } });
        expect(await t.get({ pk: 'E', sk: 's' })).toBeDefined();
        clock.advance(30_000);
        expect(await t.get({ pk: 'E', sk: 's' })).toBeUndefined();
      });
    });

    describe('attribute names and sizes', () => {
      const odd = [
        'a.b',
        '#x',
        ':v',
        'with space',
        'list[0]',
        'name',
        'status',
        'size',
        'ümlaut',
        '😀',
        'a-b',
        'ttl2',
      ];

      it('stores, updates and tests attributes with any name', async () => {
        const item: Item = { pk: 'O', sk: '1' };
        odd.forEach((n, i) => {
          item[n] = i;
        });
        await t.put(item);
        expect(await t.get({ pk: 'O', sk: '1' })).toEqual(item);
        const cond: Condition = { and: odd.map((n, i) => ({ attr: n, op: '=' as const, value: i })) };
        const r = await t.update(
          { pk: 'O', sk: '1' },
          { set: { 'a.b': 'set' }, add: { '#x': 10 }, remove: [':v', 'with space'], condition: cond },
        );
        expect(r['a.b']).toBe('set');
        expect(r['#x']).toBe(11);
        expect(r[':v']).toBeUndefined();
        expect(r['with space']).toBeUndefined();
        expect(r['list[0]']).toBe(4);
        await expect(t.put(item, { attr: 'a.b', op: '=', value: 0 })).rejects.toBeInstanceOf(
          ConditionFailedError,
        );
        await t.put(item, {
          and: [
            { attr: 'a.b', beginsWith: 'se' },
            { attr: ':v', exists: false },
          ],
        });
      });

      it('stores a large item and refuses one over 400 KB', async () => {
        const big = {
          pk: 'L',
          sk: '1',
          blob: 'x'.repeat(350_000),
          list: Array.from({ length: 1000 }, (_, i) => i),
        };
        await t.put(big);
        expect(await t.get({ pk: 'L', sk: '1' })).toEqual(big);
        expect((await t.query({ pk: 'L' })).items).toEqual([big]);
        await expectInvalid(t.put({ pk: 'L', sk: '2', blob: 'x'.repeat(420_000) }), 'table.item_too_large');
        await expectInvalid(
          t.update({ pk: 'L', sk: '1' }, { set: { more: 'y'.repeat(100_000) } }),
          'table.item_too_large',
        );
        expect(await t.get({ pk: 'L', sk: '1' })).toEqual(big);
        expect(await t.get({ pk: 'L', sk: '2' })).toBeUndefined();
      });
    });
  });
}
