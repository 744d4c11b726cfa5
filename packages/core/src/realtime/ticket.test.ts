import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { openSqlite } from '../adapter/sqlite/db.ts';
import { DynamoTable } from '../adapter/table/dynamodb.ts';
import { createDynamoTable } from '../adapter/table/schema.ts';
import { SqliteTable } from '../adapter/table/sqlite.ts';
import { AppError } from '../error/index.ts';
import { FakeClock } from '../port/clock.ts';
import type { Table } from '../port/table.ts';
import { consumeTicket, issueTicket, TICKET_TTL_SECONDS } from './ticket.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

const scope = { userId: 'usr_01JD3Q7Z5V2K8M4N6P0R9S1T2W', householdId: 'hh_01JD3Q8A1B2C3D4E5F6G7H8J9K' };

interface Store {
  table: Table;
  /** The stored items, raw, as the store keeps them. */
  dump(): Promise<unknown[]>;
  close(): Promise<void>;
}

async function sqliteStore(clock: FakeClock): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'medianest-ticket-'));
  const db = openSqlite(join(dir, 'medianest.db'));
  return {
    table: new SqliteTable(db, { clock }),
    dump: async () => db.prepare('SELECT * FROM tbl_items').all(),
    async close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const endpoint = inject('dynamoEndpoint');
const client = new DynamoDBClient({
  endpoint: endpoint || 'http://127.0.0.1:9',
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
afterAll(() => client.destroy());
let tables = 0;

async function dynamoStore(clock: FakeClock): Promise<Store> {
  const tableName = `tickets-${process.pid}-${Date.now().toString(36)}-${++tables}`;
  await createDynamoTable(client, tableName);
  return {
    table: new DynamoTable({ client, tableName, clock }),
    dump: async () => (await client.send(new ScanCommand({ TableName: tableName }))).Items ?? [],
    close: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
    },
  };
}

describe.each([
  { name: 'SqliteTable', open: sqliteStore, skip: false },
  // Skipped only when the run opted out of DynamoDB Local (MEDIANEST_SKIP_DYNAMODB=1).
  { name: 'DynamoTable (DynamoDB Local)', open: dynamoStore, skip: endpoint === '' },
])('WebSocket tickets on $name', ({ open, skip }) => {
  let store: Store;
  let clock: FakeClock;
  let system: { table: Table; clock: FakeClock };

  beforeEach(async (context) => {
    if (skip) context.skip();
    // The default start lies in the future: DynamoDB Local never sweeps these items as expired.
    clock = new FakeClock();
    store = await open(clock);
    system = { table: store.table, clock };
  });
  afterEach(async () => {
    await store?.close();
  });

  it('issues a ticket that redeems once for its scope', async () => {
    // arrange
    const issued = await issueTicket(system, scope);
    // act
    const first = await consumeTicket(system, issued.ticket);
    const second = await consumeTicket(system, issued.ticket);
    // assert
    expect(issued.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued.expiresAt).toBe(clock.now() + TICKET_TTL_SECONDS * 1000);
    expect(first).toEqual(scope);
    expect(second).toBeUndefined();
  });

  it('stores only a hash of the ticket, with a TTL', async () => {
    const issued = await issueTicket(system, scope);
    const rows = await store.dump();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(issued.ticket);
    const [pk] = JSON.stringify(rows).match(/WST#[0-9a-f]{64}/) ?? [];
    expect(pk).toBeDefined();
    expect(await store.table.get({ pk: pk!, sk: 'TICKET' })).toMatchObject({
      ...scope,
      expiresAt: issued.expiresAt,
      ttl: Math.ceil(issued.expiresAt / 1000),
    });
  });

  it('accepts a ticket until its 60 s are up and refuses it after', async () => {
    const early = await issueTicket(system, scope);
    const late = await issueTicket(system, scope);
    clock.advance(TICKET_TTL_SECONDS * 1000 - 1);
    expect(await consumeTicket(system, early.ticket)).toEqual(scope);
    clock.advance(1);
    expect(await consumeTicket(system, late.ticket)).toBeUndefined();
  });

  it('lets exactly one of several concurrent connects win', async () => {
    const issued = await issueTicket(system, scope);
    const results = await Promise.all(Array.from({ length: 8 }, () => consumeTicket(system, issued.ticket)));
    expect(results.filter((r) => r !== undefined)).toEqual([scope]);
  });

  it('refuses unknown and malformed tickets alike', async () => {
    await issueTicket(system, scope);
    for (const bad of ['', 'x', 'A'.repeat(43), `${'A'.repeat(42)}=`, 'A'.repeat(44), '../../etc/passwd']) {
      expect(await consumeTicket(system, bad)).toBeUndefined();
    }
  });

  it('rejects a scope the realtime adapters could not key (empty, "#")', async () => {
    for (const bad of [
      { userId: '', householdId: 'h1' },
      { userId: 'u1', householdId: 'h1#x' },
    ]) {
      await expect(issueTicket(system, bad)).rejects.toSatisfy(
        (e) => e instanceof AppError && e.kind === 'invalid' && e.code === 'realtime.invalid_scope',
      );
    }
  });
});
