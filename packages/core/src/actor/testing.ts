/**
 * Test support for the identity and household modules: a real SqliteTable in a temp file, a real
 * AES keyring with a random key and a FakeClock, wired like a System.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AesKeyring } from '../adapter/keyring/aes.ts';
import { openSqlite } from '../adapter/sqlite/db.ts';
import { SqliteTable } from '../adapter/table/sqlite.ts';
import { FakeClock } from '../port/clock.ts';
import type { DomainDeps } from './deps.ts';

export interface TestDeps extends DomainDeps {
  clock: FakeClock;
  close(): void;
}

export function createTestDeps(): TestDeps {
  const dir = mkdtempSync(join(tmpdir(), 'medianest-domain-'));
  const db = openSqlite(join(dir, 'medianest.db'));
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  return {
    table: new SqliteTable(db, { clock }),
    keyring: new AesKeyring(randomBytes(32)),
    clock,
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
