/**
 * The physical layout of the single table, shared by both adapters and by the CDK stack so the
 * key names are declared once.
 */
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { IndexName } from '../../port/table.ts';

export const tableSchema = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'ttl',
  indexes: {
    gsi1: { pk: 'gsi1pk', sk: 'gsi1sk' },
    gsi2: { pk: 'gsi2pk', sk: 'gsi2sk' },
  },
} as const;

export const indexNames: readonly IndexName[] = ['gsi1', 'gsi2'];

/**
 * Creates the table with the layout above (on-demand, both GSIs projecting every attribute), waits
 * until it is ACTIVE and turns TTL on. Meant for DynamoDB Local, tests and benchmarks; in AWS the
 * CDK stack owns the table. Calling it for a table that already exists is harmless.
 */
export async function createDynamoTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { partitionKey, sortKey, indexes } = tableSchema;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          partitionKey,
          sortKey,
          ...indexNames.flatMap((i) => [indexes[i].pk, indexes[i].sk]),
        ].map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: indexNames.map((i) => ({
          IndexName: i,
          KeySchema: [
            { AttributeName: indexes[i].pk, KeyType: 'HASH' as const },
            { AttributeName: indexes[i].sk, KeyType: 'RANGE' as const },
          ],
          Projection: { ProjectionType: 'ALL' as const },
        })),
      }),
    );
  } catch (e) {
    if (!(e instanceof Error && e.name === 'ResourceInUseException')) throw e;
  }
  // The waiter checks once before sleeping, so a table that is already ACTIVE returns at once.
  await waitUntilTableExists(
    { client, minDelay: 1, maxDelay: 5, maxWaitTime: 300 },
    { TableName: tableName },
  );
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
  if (status === 'ENABLED' || status === 'ENABLING') return;
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: tableSchema.ttlAttribute, Enabled: true },
    }),
  );
}
