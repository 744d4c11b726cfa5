import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, inject, it } from 'vitest';
import { FakeClock } from '../../port/clock.ts';
import type { Table } from '../../port/table.ts';
import { openSqlite } from '../sqlite/db.ts';
import { DynamoTable } from '../table/dynamodb.ts';
import { createDynamoTable } from '../table/schema.ts';
import { SqliteTable } from '../table/sqlite.ts';
import { fromSqsRecord, SqsQueue } from './sqs.ts';

const URL_BASE = 'https://sqs.eu-west-1.amazonaws.com/111122223333';
const queueUrl = (name: string) => `${URL_BASE}/medianest-${name}`;
const deadLetterUrl = (name: string) => `${URL_BASE}/medianest-${name}-dlq`;

function setup(
  options: {
    dedup?: boolean;
    deadLetter?: boolean;
    table?: (clock: FakeClock) => Table;
    start?: number;
  } = {},
) {
  const client = new SQSClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  const mock = mockClient(client);
  const clock = new FakeClock(options.start);
  const db = openSqlite(':memory:');
  const table = options.table ? options.table(clock) : new SqliteTable(db, { clock });
  let n = 0;
  mock.on(SendMessageCommand).callsFake(() => ({ MessageId: `sqs-${++n}` }));
  const queue = new SqsQueue({
    client,
    queueUrl,
    ...(options.deadLetter === false ? {} : { deadLetterUrl }),
    ...(options.dedup === false ? {} : { dedup: table }),
    clock,
  });
  return { mock, clock, table, queue, close: () => db.close() };
}

describe('SqsQueue (requests checked with aws-sdk-client-mock, no SQS emulator here)', () => {
  it('sends the JSON body with delay and string attributes to the queue URL', async () => {
    // arrange
    const s = setup();
    // act
    const out = await s.queue.send(
      'jobs',
      { type: 'scan', householdId: 'h1' },
      {
        delaySeconds: 30,
        attributes: { correlationId: 'c-1' },
      },
    );
    const plain = await s.queue.send('jobs', [1, 2]);
    // assert
    expect(out).toEqual({ id: 'sqs-1', deduplicated: false });
    expect(plain).toEqual({ id: 'sqs-2', deduplicated: false });
    expect(s.mock.commandCalls(SendMessageCommand).map((c) => c.args[0].input)).toEqual([
      {
        QueueUrl: `${URL_BASE}/medianest-jobs`,
        MessageBody: '{"type":"scan","householdId":"h1"}',
        DelaySeconds: 30,
        MessageAttributes: { correlationId: { DataType: 'String', StringValue: 'c-1' } },
      },
      { QueueUrl: `${URL_BASE}/medianest-jobs`, MessageBody: '[1,2]' },
    ]);
    s.close();
  });

  it('de-duplicates through a marker item in the table for 5 minutes', async () => {
    // arrange
    const s = setup();
    // act
    const first = await s.queue.send('jobs', 1, { dedupId: 'scan:h1' });
    s.clock.advance(299_999);
    const repeat = await s.queue.send('jobs', 2, { dedupId: 'scan:h1' });
    const otherQueue = await s.queue.send('mail', 3, { dedupId: 'scan:h1' });
    s.clock.advance(1);
    const later = await s.queue.send('jobs', 4, { dedupId: 'scan:h1' });
    // assert
    expect(repeat).toEqual({ id: first.id, deduplicated: true });
    expect(otherQueue.deduplicated).toBe(false);
    expect(later).toEqual({ id: 'sqs-3', deduplicated: false });
    expect(s.mock.commandCalls(SendMessageCommand).map((c) => c.args[0].input.MessageBody)).toEqual([
      '1',
      '3',
      '4',
    ]);
    expect(await s.table.get({ pk: 'QDEDUP#jobs#scan:h1', sk: 'QDEDUP' })).toMatchObject({
      messageId: 'sqs-3',
      ttl: Math.floor(s.clock.now() / 1000) + 300,
    });
    s.close();
  });

  it('gives the dedupId back when the send fails, so a retry goes through', async () => {
    const s = setup();
    s.mock.on(SendMessageCommand).rejectsOnce(new Error('throttled')).resolves({ MessageId: 'sqs-ok' });
    await expect(s.queue.send('jobs', 1, { dedupId: 'd' })).rejects.toMatchObject({
      name: 'AppError',
      kind: 'unavailable',
    });
    expect(await s.queue.send('jobs', 1, { dedupId: 'd' })).toEqual({ id: 'sqs-ok', deduplicated: false });
    s.close();
  });

  it('sends every message when no table is given (standard queues are at-least-once anyway)', async () => {
    const s = setup({ dedup: false });
    await s.queue.send('jobs', 1, { dedupId: 'd' });
    await s.queue.send('jobs', 1, { dedupId: 'd' });
    expect(s.mock.commandCalls(SendMessageCommand)).toHaveLength(2);
    s.close();
  });

  it('rejects what SQS would reject, before calling it', async () => {
    const s = setup();
    const invalid = { name: 'AppError', kind: 'invalid' };
    await expect(s.queue.send('jobs', 1, { delaySeconds: 901 })).rejects.toMatchObject(invalid);
    await expect(s.queue.send('jobs', 'x'.repeat(256 * 1024))).rejects.toMatchObject(invalid);
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, 'v']));
    await expect(s.queue.send('jobs', 1, { attributes: eleven })).rejects.toMatchObject(invalid);
    await expect(s.queue.send('jobs', undefined)).rejects.toMatchObject(invalid);
    expect(s.mock.commandCalls(SendMessageCommand)).toHaveLength(0);
    s.close();
  });

  it('counts visible, in-flight and delayed messages as depth, and dead letters on the DLQ', async () => {
    const s = setup();
    s.mock
      .on(GetQueueAttributesCommand, { QueueUrl: queueUrl('jobs') })
      .resolves({
        Attributes: {
          ApproximateNumberOfMessages: '4',
          ApproximateNumberOfMessagesNotVisible: '2',
          ApproximateNumberOfMessagesDelayed: '1',
        },
      })
      .on(GetQueueAttributesCommand, { QueueUrl: deadLetterUrl('jobs') })
      .resolves({ Attributes: { ApproximateNumberOfMessages: '3' } });
    expect(await s.queue.depth('jobs')).toBe(7);
    expect(await s.queue.deadLetterDepth('jobs')).toBe(3);
    expect(s.mock.commandCalls(GetQueueAttributesCommand)[0]?.args[0].input.AttributeNames).toEqual([
      'ApproximateNumberOfMessages',
      'ApproximateNumberOfMessagesNotVisible',
      'ApproximateNumberOfMessagesDelayed',
    ]);
    s.close();
  });

  it('redrives with a message move task from the DLQ back to the source queue', async () => {
    // arrange
    const s = setup();
    const arn = (name: string) => `arn:aws:sqs:eu-west-1:111122223333:${name}`;
    s.mock
      .on(GetQueueAttributesCommand, { QueueUrl: queueUrl('jobs') })
      .resolves({ Attributes: { QueueArn: arn('medianest-jobs') } })
      .on(GetQueueAttributesCommand, { QueueUrl: deadLetterUrl('jobs') })
      .resolves({ Attributes: { QueueArn: arn('medianest-jobs-dlq'), ApproximateNumberOfMessages: '5' } })
      .on(StartMessageMoveTaskCommand)
      .resolves({ TaskHandle: 'task-1' });
    // act
    const moved = await s.queue.redrive('jobs');
    // assert
    expect(moved).toBe(5);
    expect(s.mock.commandCalls(StartMessageMoveTaskCommand).map((c) => c.args[0].input)).toEqual([
      { SourceArn: arn('medianest-jobs-dlq'), DestinationArn: arn('medianest-jobs') },
    ]);
    s.close();
  });

  it('starts no move task for an empty DLQ, and needs a DLQ to be configured', async () => {
    const s = setup();
    s.mock
      .on(GetQueueAttributesCommand)
      .resolves({ Attributes: { QueueArn: 'arn', ApproximateNumberOfMessages: '0' } });
    expect(await s.queue.redrive('jobs')).toBe(0);
    expect(s.mock.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
    const bare = setup({ deadLetter: false });
    await expect(bare.queue.deadLetterDepth('jobs')).rejects.toMatchObject({
      code: 'queue.no_dead_letter_queue',
    });
    await expect(bare.queue.redrive('jobs')).rejects.toMatchObject({ code: 'queue.no_dead_letter_queue' });
    s.close();
    bare.close();
  });
});

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

const endpoint = inject('dynamoEndpoint');
describe.skipIf(endpoint === '')(
  'SqsQueue de-duplication on DynamoTable (DynamoDB Local; SQS mocked)',
  () => {
    it('claims a dedupId once per window with a conditional put', async () => {
      // arrange
      const dynamo = new DynamoDBClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      const tableName = `sqs-dedup-${process.pid}`;
      await createDynamoTable(dynamo, tableName);
      // real time: DynamoDB Local may sweep items whose ttl is in the real past
      const s = setup({
        table: (clock) => new DynamoTable({ client: dynamo, tableName, clock }),
        start: Date.now(),
      });
      try {
        // act: two racing sends and a late one
        const racing = await Promise.all([
          s.queue.send('jobs', 1, { dedupId: 'd' }),
          s.queue.send('jobs', 2, { dedupId: 'd' }),
        ]);
        s.clock.advance(300_000);
        const later = await s.queue.send('jobs', 3, { dedupId: 'd' });
        // assert
        expect(racing.map((r) => r.deduplicated).sort()).toEqual([false, true]);
        expect(later.deduplicated).toBe(false);
        expect(s.mock.commandCalls(SendMessageCommand)).toHaveLength(2);
      } finally {
        s.close();
        await dynamo.send(new DeleteTableCommand({ TableName: tableName }));
        dynamo.destroy();
      }
    });
  },
);

describe('fromSqsRecord', () => {
  const record = {
    messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
    body: '{"type":"scan","householdId":"h1"}',
    attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1767225600123' },
    messageAttributes: {
      correlationId: { stringValue: 'c-1', dataType: 'String' },
      blob: { binaryValue: 'AAE=', dataType: 'Binary' },
    },
    eventSourceARN: 'arn:aws:sqs:eu-west-1:111122223333:jobs',
  };

  it('turns a Lambda SQS record into the QueueMessage a local handler gets', () => {
    expect(fromSqsRecord(record)).toEqual({
      id: '059f36b4-87a3-44ab-83d2-661975830a7d',
      queue: 'jobs',
      body: { type: 'scan', householdId: 'h1' },
      receiveCount: 2,
      attributes: { correlationId: 'c-1' },
      sentAt: 1767225600123,
    });
  });

  it('maps physical queue names to logical ones when asked', () => {
    const named = { ...record, eventSourceARN: 'arn:aws:sqs:eu-west-1:111122223333:medianest-prod-jobs' };
    expect(fromSqsRecord(named, (n) => n.replace(/^medianest-prod-/, '')).queue).toBe('jobs');
  });

  it('refuses a body that is not JSON', () => {
    expect(() => fromSqsRecord({ ...record, body: 'not json' })).toThrow(
      expect.objectContaining({ kind: 'invalid', code: 'queue.invalid_body' }),
    );
  });
});
