import {
  ApiGatewayManagementApiClient,
  ForbiddenException,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { FakeClock } from '../../port/clock.ts';
import type { RealtimeMessage } from '../../port/realtime.ts';
import type { Table } from '../../port/table.ts';
import { openSqlite } from '../sqlite/db.ts';
import { DynamoTable } from '../table/dynamodb.ts';
import { createDynamoTable } from '../table/schema.ts';
import { SqliteTable } from '../table/sqlite.ts';
import { ApiGatewayRealtime } from './apigw.ts';
import { realtimeContract } from './realtime.contract.ts';

/** PostToConnection's Data as text (the adapter sends bytes; the SDK type also allows strings). */
const text = (data: unknown) =>
  typeof data === 'string' ? data : new TextDecoder().decode(data as Uint8Array);

/**
 * The management API is aws-sdk-client-mock standing in for API Gateway: it records each post
 * into the target's inbox and answers GoneException for a connection whose peer has left.
 */
function setup(makeTable?: (clock: FakeClock) => Table, start?: number) {
  const db = openSqlite(':memory:');
  const clock = new FakeClock(start);
  const table = makeTable ? makeTable(clock) : new SqliteTable(db, { clock });
  const client = new ApiGatewayManagementApiClient({
    endpoint: 'https://example.execute-api.eu-west-1.amazonaws.com/prod',
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  const mock = mockClient(client);
  const inboxes = new Map<string, RealtimeMessage[]>();
  const broken = new Set<string>();
  mock.on(PostToConnectionCommand).callsFake((input) => {
    const id = input.ConnectionId as string;
    if (broken.has(id) || !inboxes.has(id)) {
      throw new GoneException({ message: 'Gone', $metadata: { httpStatusCode: 410 } });
    }
    inboxes.get(id)?.push(JSON.parse(text(input.Data)));
    return {};
  });
  const realtime = new ApiGatewayRealtime({ client, table, clock });
  return { db, clock, table, mock, inboxes, broken, realtime };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

function fixture(s: ReturnType<typeof setup>, cleanup: () => Promise<void> = async () => {}) {
  return {
    realtime: s.realtime,
    async connect(id: string, scope: { userId: string; householdId: string }) {
      s.inboxes.set(id, []);
      await s.realtime.registerConnection(id, scope);
    },
    async disconnect(id: string) {
      await s.realtime.removeConnection(id);
    },
    received: (id: string) => s.inboxes.get(id) ?? [],
    breakConnection: (id: string) => {
      s.broken.add(id);
    },
    async close() {
      s.db.close();
      await cleanup();
    },
  };
}

realtimeContract(
  'ApiGatewayRealtime (SqliteTable; management API mocked with aws-sdk-client-mock)',
  async () => fixture(setup()),
);

const endpoint = inject('dynamoEndpoint');
if (endpoint === '') {
  describe.skip('ApiGatewayRealtime on DynamoTable: skipped, DynamoDB Local is not running', () => {
    it('needs DynamoDB Local', () => {});
  });
} else {
  const dynamo = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  afterAll(() => dynamo.destroy());
  let n = 0;
  realtimeContract(
    'ApiGatewayRealtime (DynamoTable on DynamoDB Local; management API mocked with aws-sdk-client-mock)',
    async () => {
      const tableName = `realtime-${process.pid}-${++n}`;
      await createDynamoTable(dynamo, tableName);
      return fixture(
        // Real time: DynamoDB Local's TTL sweeper deletes items whose ttl is in the real past.
        setup((clock) => new DynamoTable({ client: dynamo, tableName, clock }), Date.now()),
        async () => {
          await dynamo.send(new DeleteTableCommand({ TableName: tableName }));
        },
      );
    },
  );
}

describe('ApiGatewayRealtime specifics (management API mocked with aws-sdk-client-mock)', () => {
  it('stores a connection under its household, with a TTL, and a pointer by connection id', async () => {
    // arrange
    const s = setup();
    // act
    await s.realtime.registerConnection('L0SM9cOFvHcCIhw=', { userId: 'u1', householdId: 'h1' });
    // assert
    const item = await s.table.get({ pk: 'H#h1', sk: 'WS#L0SM9cOFvHcCIhw=' });
    expect(item).toMatchObject({
      connectionId: 'L0SM9cOFvHcCIhw=',
      userId: 'u1',
      householdId: 'h1',
      ttl: Math.floor(s.clock.now() / 1000) + 7200,
    });
    expect(await s.table.get({ pk: 'WS#L0SM9cOFvHcCIhw=', sk: 'WS' })).toMatchObject({ householdId: 'h1' });
    expect(await s.realtime.removeConnection('L0SM9cOFvHcCIhw=')).toBe(true);
    expect(await s.table.get({ pk: 'H#h1', sk: 'WS#L0SM9cOFvHcCIhw=' })).toBeUndefined();
    expect(await s.realtime.removeConnection('L0SM9cOFvHcCIhw=')).toBe(false);
    s.db.close();
  });

  it('posts the JSON message to each connection id', async () => {
    const s = setup();
    s.inboxes.set('c1', []);
    await s.realtime.registerConnection('c1', { userId: 'u1', householdId: 'h1' });
    await s.realtime.publish({ householdId: 'h1' }, { type: 'status.changed', data: { up: true } });
    const calls = s.mock.commandCalls(PostToConnectionCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.ConnectionId, text(c.Data)])).toEqual([
      ['c1', '{"type":"status.changed","data":{"up":true}}'],
    ]);
    s.db.close();
  });

  it('forgets connections whose TTL has passed (no $disconnect arrived)', async () => {
    const s = setup();
    s.inboxes.set('c1', []);
    await s.realtime.registerConnection('c1', { userId: 'u1', householdId: 'h1' });
    s.clock.advance(7200 * 1000);
    expect(await s.realtime.publish({ householdId: 'h1' }, { type: 't', data: null })).toEqual({
      delivered: 0,
    });
    expect(await s.realtime.watchedHouseholds()).toEqual([]);
    s.db.close();
  });

  it('keeps a connection when a post fails for another reason than Gone', async () => {
    const s = setup();
    await s.realtime.registerConnection('c1', { userId: 'u1', householdId: 'h1' });
    s.mock.on(PostToConnectionCommand).rejects(new ForbiddenException({ message: 'no', $metadata: {} }));
    expect(await s.realtime.publish({ householdId: 'h1' }, { type: 't', data: null })).toEqual({
      delivered: 0,
    });
    expect(await s.realtime.connections('h1')).toEqual([
      { connectionId: 'c1', householdId: 'h1', userId: 'u1' },
    ]);
    s.db.close();
  });

  it('pages through households with many connections', async () => {
    const s = setup();
    for (let i = 0; i < 1_050; i++) {
      s.inboxes.set(`c${i}`, []);
      await s.realtime.registerConnection(`c${i}`, { userId: `u${i % 7}`, householdId: 'big' });
    }
    expect((await s.realtime.publish({ householdId: 'big' }, { type: 't', data: null })).delivered).toBe(
      1_050,
    );
    expect(await s.realtime.watchedHouseholds()).toEqual(['big']);
    s.db.close();
  });
});
