/**
 * The rules of the Table port that do not depend on the store: input validation, condition
 * evaluation, update application, item size. Both adapters call these so they reject the same
 * inputs with the same AppError codes, and the SQLite adapter evaluates conditions exactly the way
 * DynamoDB does (checked against DynamoDB Local by the contract and differential suites).
 */
import { AppError } from '../../error/index.ts';
import type {
  Condition,
  Item,
  Key,
  QueryInput,
  SkCondition,
  TransactOp,
  UpdateSpec,
} from '../../port/table.ts';
import { indexNames, tableSchema } from './schema.ts';

/** DynamoDB's item size limit. */
export const MAX_ITEM_BYTES = 400 * 1024;
export const MAX_TRANSACT_OPS = 100;
export const DEFAULT_QUERY_LIMIT = 100;
export const MAX_QUERY_LIMIT = 1000;

const KEY_ATTRS: ReadonlySet<string> = new Set([tableSchema.partitionKey, tableSchema.sortKey]);
const INDEX_ATTRS: ReadonlySet<string> = new Set(
  indexNames.flatMap((i) => [tableSchema.indexes[i].pk, tableSchema.indexes[i].sk]),
);
const TTL = tableSchema.ttlAttribute;

export function invalid(message: string, code = 'table.invalid'): AppError {
  return new AppError('invalid', code, message);
}

// ---------------------------------------------------------------------------------------------
// Values

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Only values both stores keep identically: JSON values, with numbers inside DynamoDB's range and
 * integers that a JS number holds exactly (the DynamoDB codec refuses the others).
 */
/** Lists and maps nested in one another: DynamoDB's "32 levels" counts the attribute itself. */
const MAX_NESTED = 31;

/**
 * Only values both stores keep identically: JSON values, with numbers inside DynamoDB's range and
 * integers that a JS number holds exactly (the DynamoDB codec refuses the others), non-empty map
 * keys and limited nesting (DynamoDB refuses the others).
 */
export function checkValue(v: unknown, path: string, depth = 0): void {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(v)) throw invalid(`${path}: numbers must be finite`);
      if (Number.isInteger(v) && !Number.isSafeInteger(v)) throw invalid(`${path}: integer beyond 2^53`);
      if (v !== 0 && (Math.abs(v) < 1e-130 || Math.abs(v) >= 1e126))
        throw invalid(`${path}: number out of range`);
      return;
    case 'object':
      if (v === null) return;
      if (depth >= MAX_NESTED) throw invalid(`${path}: more than ${MAX_NESTED} nested lists or maps`);
      if (Array.isArray(v)) {
        v.forEach((e, i) => {
          if (e === undefined) throw invalid(`${path}[${i}]: undefined in a list`);
          checkValue(e, `${path}[${i}]`, depth + 1);
        });
        return;
      }
      if (!isPlainObject(v)) throw invalid(`${path}: only plain objects are stored`);
      for (const [k, e] of Object.entries(v)) {
        if (e === undefined) continue;
        if (k.length === 0) throw invalid(`${path}: map keys must be non-empty`);
        checkValue(e, `${path}.${k}`, depth + 1);
      }
      return;
    default:
      throw invalid(`${path}: unsupported value of type ${typeof v}`);
  }
}

function checkAttrName(name: string): void {
  if (typeof name !== 'string' || name.length === 0)
    throw invalid('attribute names must be non-empty strings');
}

export function checkKey(key: Key): void {
  if (typeof key?.pk !== 'string' || key.pk.length === 0) throw invalid('pk must be a non-empty string');
  if (typeof key.sk !== 'string' || key.sk.length === 0) throw invalid('sk must be a non-empty string');
}

/** Rules for the attributes the table's indexes and TTL read. */
function checkSpecialAttr(name: string, value: unknown): void {
  if (value === undefined) return;
  if (INDEX_ATTRS.has(name) && (typeof value !== 'string' || value.length === 0)) {
    throw invalid(`${name} is an index key and must be a non-empty string`);
  }
  if (name === TTL && typeof value !== 'number') throw invalid(`${TTL} must be a number (epoch seconds)`);
}

/** Validates an item and returns it without undefined attributes (the way it will be stored). */
export function cleanItem<T extends Item>(item: T): T {
  checkKey(item);
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    checkAttrName(name);
    checkValue(value, name);
    checkSpecialAttr(name, value);
    out[name] = value;
  }
  return out as T;
}

// ---------------------------------------------------------------------------------------------
// Conditions

export function checkCondition(c: Condition): void {
  if ('and' in c || 'or' in c) {
    const list = 'and' in c ? c.and : c.or;
    if (!Array.isArray(list) || list.length === 0) throw invalid('and/or need at least one condition');
    for (const e of list) checkCondition(e);
    return;
  }
  if ('not' in c) {
    checkCondition(c.not);
    return;
  }
  checkAttrName(c.attr);
  if ('exists' in c) return;
  if ('beginsWith' in c) {
    if (typeof c.beginsWith !== 'string') throw invalid('beginsWith needs a string');
    return;
  }
  if (c.value === undefined) throw invalid(`condition on ${c.attr}: value is undefined`);
  checkValue(c.value, c.attr);
  if (c.op !== '=' && c.op !== '<>' && typeof c.value !== 'string' && typeof c.value !== 'number') {
    throw invalid(`operator ${c.op} compares strings or numbers only`);
  }
}

/** Orders strings by code point, which is DynamoDB's (UTF-8 byte) order and SQLite's BINARY order. */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 puts surrogates (astral code points) below U+E000..U+FFFF; code point order does not.
    if (x >= 0xd800) x += x <= 0xdfff ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y <= 0xdfff ? 0x2000 : -0x800;
    return x - y;
  }
  return a.length - b.length;
}

export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((e, i) => valuesEqual(e, b[i]));
  }
  const ea = Object.entries(a).filter(([, v]) => v !== undefined);
  const rb = b as Record<string, unknown>;
  const nb = Object.values(rb).filter((v) => v !== undefined).length;
  return ea.length === nb && ea.every(([k, v]) => Object.hasOwn(rb, k) && valuesEqual(v, rb[k]));
}

function ordered(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  return undefined;
}

/**
 * Evaluates a condition against the current item (undefined = no item), with DynamoDB's rules:
 * a comparison with a missing attribute or a value of another type is false, except `<>`, which
 * is then true.
 */
export function evaluate(c: Condition, item: Item | undefined): boolean {
  if ('and' in c) return c.and.every((e) => evaluate(e, item));
  if ('or' in c) return c.or.some((e) => evaluate(e, item));
  if ('not' in c) return !evaluate(c.not, item);
  const v = item === undefined || !Object.hasOwn(item, c.attr) ? undefined : item[c.attr];
  if ('exists' in c) return (v !== undefined) === c.exists;
  if ('beginsWith' in c) return typeof v === 'string' && v.startsWith(c.beginsWith);
  if (c.op === '=') return v !== undefined && valuesEqual(v, c.value);
  if (c.op === '<>') return v === undefined || !valuesEqual(v, c.value);
  const d = ordered(v, c.value);
  if (d === undefined) return false;
  switch (c.op) {
    case '<':
      return d < 0;
    case '<=':
      return d <= 0;
    case '>':
      return d > 0;
    case '>=':
      return d >= 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Updates

export interface NormalizedUpdate {
  set: [string, unknown][];
  add: [string, number][];
  remove: string[];
  condition: Condition | undefined;
}

/** Validates an update; `set` entries whose value is undefined are dropped. */
export function normalizeUpdate(spec: UpdateSpec): NormalizedUpdate {
  const seen = new Set<string>();
  const claim = (name: string): void => {
    checkAttrName(name);
    if (KEY_ATTRS.has(name)) throw invalid(`${name} is part of the key and cannot be updated`);
    if (seen.has(name)) throw invalid(`attribute ${name} appears twice in one update`);
    seen.add(name);
  };
  const set: [string, unknown][] = [];
  for (const [name, value] of Object.entries(spec.set ?? {})) {
    if (value === undefined) continue;
    claim(name);
    checkValue(value, name);
    checkSpecialAttr(name, value);
    set.push([name, value]);
  }
  const add: [string, number][] = [];
  for (const [name, n] of Object.entries(spec.add ?? {})) {
    claim(name);
    if (typeof n !== 'number') throw invalid(`add ${name}: not a number`);
    checkValue(n, name);
    if (INDEX_ATTRS.has(name)) throw invalid(`${name} is an index key (a string) and cannot be added to`);
    add.push([name, n]);
  }
  const remove: string[] = [];
  for (const name of spec.remove ?? []) {
    claim(name);
    remove.push(name);
  }
  if (spec.condition) checkCondition(spec.condition);
  return { set, add, remove, condition: spec.condition };
}

/** The item after the update; `old` undefined means the update creates the item. */
export function applyUpdate(key: Key, old: Item | undefined, u: NormalizedUpdate): Item {
  const next: Item = old ? structuredClone(old) : { pk: key.pk, sk: key.sk };
  for (const [name, value] of u.set) next[name] = structuredClone(value);
  for (const [name, n] of u.add) {
    const cur = Object.hasOwn(next, name) ? next[name] : undefined;
    if (cur !== undefined && typeof cur !== 'number') {
      throw invalid(`add ${name}: the current value is not a number`, 'table.invalid_operand');
    }
    next[name] = (cur ?? 0) + n;
  }
  for (const name of u.remove) delete next[name];
  return next;
}

// ---------------------------------------------------------------------------------------------
// Size, expiry, queries, batches

const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

/** DynamoDB's documented size formula, close enough to enforce the same 400 KB limit. */
function valueSize(v: unknown): number {
  if (typeof v === 'string') return utf8Length(v);
  if (typeof v === 'number') return Math.ceil(String(Math.abs(v)).replace(/[.e+-]/g, '').length / 2) + 1;
  if (typeof v === 'boolean' || v === null) return 1;
  if (Array.isArray(v)) return 3 + v.reduce((s: number, e) => s + 1 + valueSize(e), 0);
  return (
    3 +
    Object.entries(v as Record<string, unknown>).reduce(
      (s, [k, e]) => (e === undefined ? s : s + 1 + utf8Length(k) + valueSize(e)),
      0,
    )
  );
}

export function itemSize(item: Item): number {
  let size = 0;
  for (const [k, v] of Object.entries(item)) if (v !== undefined) size += utf8Length(k) + valueSize(v);
  return size;
}

export function checkItemSize(item: Item): void {
  if (itemSize(item) > MAX_ITEM_BYTES) {
    throw invalid('Item size has exceeded the maximum allowed size (400 KB)', 'table.item_too_large');
  }
}

/** True when the item's ttl (epoch seconds) is at or before now (epoch ms). */
export function isExpired(item: Item, nowMs: number): boolean {
  const ttl = item[TTL];
  return typeof ttl === 'number' && ttl <= nowMs / 1000;
}

export function checkSkCondition(sk: SkCondition): void {
  const between = 'between' in sk;
  const bounds: unknown[] = between ? (Array.isArray(sk.between) ? sk.between : []) : Object.values(sk);
  if (bounds.length !== (between ? 2 : 1)) throw invalid('malformed sort key condition');
  for (const v of bounds) {
    if (typeof v !== 'string' || v.length === 0) throw invalid('sort key conditions need non-empty strings');
  }
  if (between && compareStrings(sk.between[0], sk.between[1]) > 0) {
    throw invalid('between: the lower bound is above the upper bound');
  }
}

export function queryLimit(input: QueryInput): number {
  if (typeof input.pk !== 'string' || input.pk.length === 0)
    throw invalid('query: pk must be a non-empty string');
  if (input.index !== undefined && !indexNames.includes(input.index)) {
    throw invalid(`query: unknown index ${input.index}`);
  }
  if (input.sk) checkSkCondition(input.sk);
  const limit = input.limit ?? DEFAULT_QUERY_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw invalid(`query: limit must be an integer from 1 to ${MAX_QUERY_LIMIT}`);
  }
  return limit;
}

const keyId = (k: Key): string => JSON.stringify([k.pk, k.sk]);

/** Keys without duplicates (DynamoDB refuses a batch that names one item twice). */
export function uniqueKeys(keys: Key[]): Key[] {
  const seen = new Map<string, Key>();
  for (const k of keys) {
    checkKey(k);
    seen.set(keyId(k), { pk: k.pk, sk: k.sk });
  }
  return [...seen.values()];
}

export function checkBatchWrite(ops: { puts?: Item[]; deletes?: Key[] }): { puts: Item[]; deletes: Key[] } {
  const puts = (ops.puts ?? []).map((i) => cleanItem(i));
  const deletes = (ops.deletes ?? []).map((k) => {
    checkKey(k);
    return { pk: k.pk, sk: k.sk };
  });
  const seen = new Set<string>();
  for (const k of [...puts, ...deletes]) {
    const id = keyId(k);
    if (seen.has(id)) throw invalid('batchWrite: one item named twice');
    seen.add(id);
  }
  return { puts, deletes };
}

export type CheckedOp =
  | { kind: 'put'; key: Key; item: Item; condition: Condition | undefined }
  | { kind: 'update'; key: Key; update: NormalizedUpdate; condition: Condition | undefined }
  | { kind: 'delete'; key: Key; condition: Condition | undefined }
  | { kind: 'check'; key: Key; condition: Condition };

export function checkTransact(ops: TransactOp[]): CheckedOp[] {
  if (ops.length > MAX_TRANSACT_OPS) throw invalid(`transact: at most ${MAX_TRANSACT_OPS} operations`);
  const seen = new Set<string>();
  return ops.map((op) => {
    let checked: CheckedOp;
    if ('put' in op) {
      const item = cleanItem(op.put);
      if (op.condition) checkCondition(op.condition);
      checked = { kind: 'put', key: { pk: item.pk, sk: item.sk }, item, condition: op.condition };
    } else if ('update' in op) {
      checkKey(op.update);
      const update = normalizeUpdate(op.spec);
      // DynamoDB's transactional Update needs an action; an empty one is a `check` in disguise.
      if (update.set.length + update.add.length + update.remove.length === 0) {
        throw invalid('transact: an update needs set, add or remove (use check to only test a condition)');
      }
      checked = {
        kind: 'update',
        key: { pk: op.update.pk, sk: op.update.sk },
        update,
        condition: update.condition,
      };
    } else if ('delete' in op) {
      checkKey(op.delete);
      if (op.condition) checkCondition(op.condition);
      checked = { kind: 'delete', key: { pk: op.delete.pk, sk: op.delete.sk }, condition: op.condition };
    } else {
      checkKey(op.check);
      checkCondition(op.condition);
      checked = { kind: 'check', key: { pk: op.check.pk, sk: op.check.sk }, condition: op.condition };
    }
    const id = keyId(checked.key);
    if (seen.has(id)) throw invalid('transact: one item named by two operations');
    seen.add(id);
    return checked;
  });
}
