import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../port/clock.ts';
import { openSqlite } from '../sqlite/db.ts';
import { SqliteTable } from './sqlite.ts';
import { tableContract } from './table.contract.ts';

tableContract('SqliteTable (file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'medianest-table-'));
  const db = openSqlite(join(dir, 'medianest.db'));
  const clock = new FakeClock();
  return {
    table: new SqliteTable(db, { clock }),
    clock,
    cleanup: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteTable specifics', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'medianest-table-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps data, indexes and expiry across reopening the file', async () => {
    // arrange
    const file = join(dir, 'medianest.db');
    const clock = new FakeClock();
    const ttl = clock.now() / 1000 + 60;
    let db = openSqlite(file);
    await new SqliteTable(db, { clock }).batchWrite({
      puts: [
        { pk: 'H#1', sk: 'META', name: 'home', gsi1pk: 'U#1', gsi1sk: 'H#1' },
        { pk: 'H#1', sk: 'S#1', ttl },
      ],
    });
    db.close();
    // act
    db = openSqlite(file);
    const table = new SqliteTable(db, { clock });
    // assert
    expect(await table.get({ pk: 'H#1', sk: 'META' })).toMatchObject({ name: 'home' });
    expect((await table.query({ pk: 'U#1', index: 'gsi1' })).items).toHaveLength(1);
    expect((await table.query({ pk: 'H#1' })).items).toHaveLength(2);
    clock.advance(60_000);
    expect((await table.query({ pk: 'H#1' })).items).toHaveLength(1);
    db.close();
  });

  it('sweepExpired deletes exactly the expired rows, in batches', async () => {
    const db = openSqlite(join(dir, 'medianest.db'));
    const clock = new FakeClock();
    const table = new SqliteTable(db, { clock });
    const now = clock.now() / 1000;
    const puts = Array.from({ length: 1200 }, (_, i) => ({
      pk: 'E',
      sk: String(i).padStart(5, '0'),
      ttl: now + (i < 1100 ? 1 : 100),
    }));
    await table.batchWrite({ puts: [...puts, { pk: 'E', sk: 'forever' }] });
    clock.advance(1_000);
    expect(await table.sweepExpired()).toBe(1100);
    expect(await table.sweepExpired()).toBe(0);
    const rows = db.prepare('SELECT count(*) AS n FROM tbl_items').get() as { n: number };
    expect(rows.n).toBe(101);
    db.close();
  });

  it('separate names give separate tables in one file, next to other users of the file', async () => {
    const db = openSqlite(join(dir, 'medianest.db'));
    db.exec('CREATE TABLE queue_messages (id TEXT PRIMARY KEY)');
    const a = new SqliteTable(db, { name: 'items' });
    const b = new SqliteTable(db, { name: 'other' });
    await a.put({ pk: 'P', sk: 'S', v: 'a' });
    expect(await b.get({ pk: 'P', sk: 'S' })).toBeUndefined();
    expect(() => new SqliteTable(db, { name: 'bad name; DROP' })).toThrow(/table name/);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    expect(tables.map((t) => t.name)).toEqual(['queue_messages', 'tbl_items', 'tbl_other']);
    db.close();
  });

  it('a failed write rolls back and leaves the connection usable', async () => {
    const db = openSqlite(join(dir, 'medianest.db'));
    const table = new SqliteTable(db);
    await table.put({ pk: 'P', sk: 'S', s: 'text' });
    await expect(
      table.transact([
        { put: { pk: 'P', sk: 'T' } },
        { update: { pk: 'P', sk: 'S' }, spec: { add: { s: 1 } } },
      ]),
    ).rejects.toMatchObject({
      code: 'table.invalid_operand',
    });
    expect(db.isTransaction).toBe(false);
    expect(await table.get({ pk: 'P', sk: 'T' })).toBeUndefined();
    await table.put({ pk: 'P', sk: 'T' });
    expect(await table.get({ pk: 'P', sk: 'T' })).toBeDefined();
    db.close();
  });
});
