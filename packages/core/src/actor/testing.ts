/**
 * Test support for the identity and household modules: a real table (a SqliteTable in a temp
 * file, or a fresh DynamoTable on DynamoDB Local), a real AES keyring with a random key and a
 * FakeClock, wired like a System. `STORES` lets a suite run once per adapter.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { AesKeyring } from '../adapter/keyring/aes.ts';
import { openSqlite } from '../adapter/sqlite/db.ts';
import { DynamoTable } from '../adapter/table/dynamodb.ts';
import { createDynamoTable } from '../adapter/table/schema.ts';
import { SqliteTable } from '../adapter/table/sqlite.ts';
import { FakeClock } from '../port/clock.ts';
import type { DomainDeps } from './deps.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

export interface TestDeps extends DomainDeps {
  clock: FakeClock;
  close(): Promise<void>;
}

// A start in the future: DynamoDB Local never expires items by itself, and the adapters hide
// items whose ttl is past on the fake clock, so time moves only when a test moves it.
const START = Date.UTC(2026, 0, 1);

export function createTestDeps(): TestDeps {
  const dir = mkdtempSync(join(tmpdir(), 'medianest-domain-'));
  const db = openSqlite(join(dir, 'medianest.db'));
  const clock = new FakeClock(START);
  return {
    table: new SqliteTable(db, { clock }),
    keyring: new AesKeyring(randomBytes(32)),
    clock,
    async close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let client: DynamoDBClient | undefined;
let tables = 0;

export async function createDynamoTestDeps(endpoint: string): Promise<TestDeps> {
  client ??= new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const c = client;
  const tableName = `domain-${process.pid}-${Date.now().toString(36)}-${++tables}`;
  await createDynamoTable(c, tableName);
  const clock = new FakeClock(START);
  return {
    table: new DynamoTable({ client: c, tableName, clock }),
    keyring: new AesKeyring(randomBytes(32)),
    clock,
    async close() {
      await c.send(new DeleteTableCommand({ TableName: tableName }));
    },
  };
}

const endpoint = inject('dynamoEndpoint');

export const STORES = [
  { name: 'SqliteTable', open: async () => createTestDeps(), skip: false },
  // Skipped only when the run opted out of DynamoDB Local (MEDIANEST_SKIP_DYNAMODB=1).
  { name: 'DynamoTable (DynamoDB Local)', open: () => createDynamoTestDeps(endpoint), skip: endpoint === '' },
] as const;
