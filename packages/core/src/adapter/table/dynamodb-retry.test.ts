/**
 * The DynamoDB adapter's recovery paths that DynamoDB Local never takes (it neither throttles nor
 * leaves batch items unprocessed), driven through a mocked document client.
 */
import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../error/index.ts';
import { FakeClock } from '../../port/clock.ts';
import { TransactionCanceledError } from '../../port/table.ts';
import { DynamoTable } from './dynamodb.ts';

const doc = mockClient(DynamoDBDocumentClient);
const client = new DynamoDBClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
});
const table = new DynamoTable({ client, tableName: 'mocked', clock: new FakeClock() });

describe('DynamoTable recovery paths (mocked client)', () => {
  beforeEach(() => doc.reset());
  afterAll(() => {
    doc.restore();
    client.destroy();
  });

  it('batchGet retries unprocessed keys and chunks by 100', async () => {
    // arrange: the first request of each chunk leaves one key unprocessed
    doc
      .on(BatchGetCommand)
      .callsFake((input: { RequestItems: Record<string, { Keys: { pk: string; sk: string }[] }> }) => {
        const keys = input.RequestItems.mocked?.Keys ?? [];
        if (keys.length > 1) {
          return {
            Responses: { mocked: keys.slice(1) },
            UnprocessedKeys: { mocked: { Keys: keys.slice(0, 1) } },
          };
        }
        return { Responses: { mocked: keys } };
      });
    const keys = Array.from({ length: 150 }, (_, i) => ({ pk: 'P', sk: String(i) }));
    // act
    const items = await table.batchGet(keys);
    // assert
    expect(items).toHaveLength(150);
    const sizes = doc
      .commandCalls(BatchGetCommand)
      .map((c) => c.args[0].input.RequestItems?.mocked?.Keys?.length);
    expect(sizes).toEqual([100, 1, 50, 1]);
  });

  it('batchWrite retries unprocessed writes and chunks by 25', async () => {
    let first = true;
    doc.on(BatchWriteCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => {
      const requests = input.RequestItems.mocked ?? [];
      if (first) {
        first = false;
        return { UnprocessedItems: { mocked: requests.slice(0, 3) } };
      }
      return {};
    });
    await table.batchWrite({ puts: Array.from({ length: 30 }, (_, i) => ({ pk: 'P', sk: String(i) })) });
    const sizes = doc
      .commandCalls(BatchWriteCommand)
      .map((c) => c.args[0].input.RequestItems?.mocked?.length);
    expect(sizes).toEqual([25, 3, 5]);
  });

  it('transact retries a transaction conflict with a new idempotency token', async () => {
    doc
      .on(TransactWriteCommand)
      .rejectsOnce(
        new TransactionCanceledException({
          message: 'Transaction cancelled',
          $metadata: {},
          CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }],
        }),
      )
      .resolves({});
    await table.transact([{ put: { pk: 'P', sk: '1' } }, { put: { pk: 'P', sk: '2' } }]);
    const tokens = doc.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.ClientRequestToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).not.toBe(tokens[1]);
  });

  it('transact names the failed operations from the cancellation reasons', async () => {
    doc.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [
          { Code: 'None' },
          { Code: 'ConditionalCheckFailed' },
          { Code: 'ConditionalCheckFailed' },
        ],
      }),
    );
    const e = await table
      .transact([
        { put: { pk: 'P', sk: '1' } },
        { delete: { pk: 'P', sk: '2' } },
        { check: { pk: 'P', sk: '3' }, condition: { attr: 'pk', exists: true } },
      ])
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(TransactionCanceledError);
    expect((e as TransactionCanceledError).failed).toEqual([1, 2]);
  });

  it('maps throttling to an unavailable AppError', async () => {
    doc
      .on(GetCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    const e = await table.get({ pk: 'P', sk: '1' }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(AppError);
    expect(e).toMatchObject({ kind: 'unavailable', code: 'table.throttled' });
  });
});
