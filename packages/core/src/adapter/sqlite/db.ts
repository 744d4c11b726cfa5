/**
 * Opens the embedded database: one SQLite file (node:sqlite, no native module) shared by the
 * Table and Queue adapters, in WAL mode so readers never block the writer and an acknowledged
 * write survives a crash of the process.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export type { DatabaseSync };

export function openSqlite(path: string): DatabaseSync {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL');
  // FULL: every committed transaction is on disk before the call returns (the crash-safety promise).
  db.exec('PRAGMA synchronous = FULL');
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA foreign_keys = ON');
  return db;
}
