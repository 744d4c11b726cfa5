import { DeleteTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { FakeClock } from '../../port/clock.ts';
import { DynamoTable } from './dynamodb.ts';
import { createDynamoTable } from './schema.ts';
import { tableContract } from './table.contract.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

const endpoint = inject('dynamoEndpoint');
const prefix = `contract-${process.pid}-${Date.now().toString(36)}`;
let counter = 0;

function localClient(): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

if (endpoint === '') {
  describe.skip('DynamoTable: skipped, DynamoDB Local is not running (MEDIANEST_SKIP_DYNAMODB=1)', () => {
    it('needs DynamoDB Local', () => {});
  });
} else {
  const client = localClient();
  afterAll(() => client.destroy());

  // A fresh table per test: DynamoDB Local creates one in a few milliseconds.
  tableContract('DynamoTable (DynamoDB Local)', async () => {
    const tableName = `${prefix}-${++counter}`;
    await createDynamoTable(client, tableName);
    const clock = new FakeClock();
    return {
      table: new DynamoTable({ client, tableName, clock }),
      clock,
      cleanup: async () => {
        await client.send(new DeleteTableCommand({ TableName: tableName }));
      },
    };
  });

  describe('DynamoTable specifics', () => {
    it('createDynamoTable is idempotent and turns TTL on', async () => {
      const tableName = `${prefix}-idem`;
      await createDynamoTable(client, tableName);
      await createDynamoTable(client, tableName);
      const { DescribeTimeToLiveCommand, DescribeTableCommand } = await import('@aws-sdk/client-dynamodb');
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
      expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' });
      const desc = await client.send(new DescribeTableCommand({ TableName: tableName }));
      expect(desc.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(['gsi1', 'gsi2']);
      expect(desc.Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      await client.send(new DeleteTableCommand({ TableName: tableName }));
    });

    it('keeps an expired item physically (DynamoDB Local never deletes) yet reports nothing swept', async () => {
      const tableName = `${prefix}-sweep`;
      await createDynamoTable(client, tableName);
      const clock = new FakeClock();
      const table = new DynamoTable({ client, tableName, clock });
      await table.put({ pk: 'E', sk: '1', ttl: clock.now() / 1000 + 1 });
      clock.advance(1_000);
      expect(await table.sweepExpired()).toBe(0);
      expect(await table.get({ pk: 'E', sk: '1' })).toBeUndefined();
      // A clock that is behind again sees the item: it was hidden, not removed.
      clock.advance(-1_000);
      expect(await table.get({ pk: 'E', sk: '1' })).toBeDefined();
      await client.send(new DeleteTableCommand({ TableName: tableName }));
    });

    it('an update racing a revival of the expired item it replaces applies to the revived item', async () => {
      // arrange: an expired item, and a hook that revives it just before the adapter's
      // "replace the expired item" put reaches DynamoDB
      const tableName = `${prefix}-race`;
      await createDynamoTable(client, tableName);
      const clock = new FakeClock();
      const racer = localClient();
      let armed = true;
      racer.middlewareStack.add(
        (next) => async (args) => {
          const input = args.input as { ConditionExpression?: string; Item?: unknown };
          if (armed && input.Item && input.ConditionExpression?.includes('<=')) {
            armed = false;
            await client.send(
              new PutItemCommand({
                TableName: tableName,
                Item: { pk: { S: 'R' }, sk: { S: '1' }, n: { N: '100' } },
              }),
            );
          }
          return next(args);
        },
        { step: 'initialize', name: 'reviveBeforeReplace' },
      );
      const table = new DynamoTable({ client: racer, tableName, clock });
      await table.put({ pk: 'R', sk: '1', n: 5, ttl: clock.now() / 1000 - 1 });
      // act
      const r = await table.update({ pk: 'R', sk: '1' }, { add: { n: 1 } });
      // assert: not 1 (a fresh item) but 101, the revived item plus one
      expect(armed).toBe(false);
      expect(r).toEqual({ pk: 'R', sk: '1', n: 101 });
      expect(await table.get({ pk: 'R', sk: '1' })).toEqual({ pk: 'R', sk: '1', n: 101 });
      racer.destroy();
      await client.send(new DeleteTableCommand({ TableName: tableName }));
    });

    it('maps a missing table to the SDK error, not a condition failure', async () => {
      const table = new DynamoTable({ client, tableName: `${prefix}-missing` });
      await expect(table.get({ pk: 'a', sk: 'b' })).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
    });
  });
}
