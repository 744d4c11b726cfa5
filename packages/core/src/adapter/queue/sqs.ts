/**
 * The Queue port on SQS standard queues. Consuming is not here: Lambda's event source mapping
 * pushes batches to the worker, which turns each record into a QueueMessage with
 * `fromSqsRecord` and answers with partial batch failures.
 *
 * Standard queues cannot de-duplicate, so with a `dedup` Table each dedupId is claimed by a
 * conditional put of a marker item that expires after the same 5-minute window as the local
 * queue (and SQS FIFO):
 *   pk `QDEDUP#<queue>#<dedupId>`, sk `QDEDUP`, ttl = now + 300 s, messageId once sent.
 */
import {
  GetQueueAttributesCommand,
  type QueueAttributeName,
  SendMessageCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { AppError } from '../../error/index.ts';
import { type Clock, systemClock } from '../../port/clock.ts';
import type { Queue, QueueMessage, QueueName, SendOptions } from '../../port/queue.ts';
import { ConditionFailedError, notExists, type Table } from '../../port/table.ts';

const DEDUP_WINDOW_SECONDS = 300;
/** SQS allows 10 message attributes; 256 KiB counts the body and the attributes. */
const MAX_ATTRIBUTES = 10;
const MAX_MESSAGE_BYTES = 256 * 1024;

const sendOptionsSchema = z
  .object({
    delaySeconds: z.number().int().min(0).max(900).optional(),
    dedupId: z.string().min(1).max(128).optional(),
    attributes: z
      .record(z.string().regex(/^[A-Za-z0-9_.-]{1,256}$/), z.string().min(1))
      .refine((a) => Object.keys(a).length <= MAX_ATTRIBUTES, `at most ${MAX_ATTRIBUTES} attributes`)
      .optional(),
  })
  .strict();

export interface SqsQueueOptions {
  client: SQSClient;
  queueUrl: (name: QueueName) => string;
  deadLetterUrl?: (name: QueueName) => string;
  /** Where dedupIds are remembered; without it dedupId is ignored (at-least-once anyway). */
  dedup?: Table;
  clock?: Clock;
}

const dedupKey = (queue: QueueName, dedupId: string) => ({ pk: `QDEDUP#${queue}#${dedupId}`, sk: 'QDEDUP' });

function unavailable(what: string, cause: unknown): AppError {
  return new AppError('unavailable', 'queue.unavailable', `SQS ${what} failed`, { cause });
}

export class SqsQueue implements Queue {
  readonly #client: SQSClient;
  readonly #queueUrl: (name: QueueName) => string;
  readonly #deadLetterUrl: ((name: QueueName) => string) | undefined;
  readonly #dedup: Table | undefined;
  readonly #clock: Clock;

  constructor(options: SqsQueueOptions) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
    this.#deadLetterUrl = options.deadLetterUrl;
    this.#dedup = options.dedup;
    this.#clock = options.clock ?? systemClock;
  }

  async send<T>(
    queue: QueueName,
    body: T,
    options: SendOptions = {},
  ): Promise<{ id: string; deduplicated: boolean }> {
    const parsed = sendOptionsSchema.safeParse(options);
    if (!parsed.success) {
      throw new AppError('invalid', 'queue.invalid_send_options', z.prettifyError(parsed.error), {
        cause: parsed.error,
      });
    }
    const opts = parsed.data;
    const json = JSON.stringify(body);
    if (json === undefined)
      throw new AppError('invalid', 'queue.invalid_body', 'The message body must be JSON');
    const attributes = opts.attributes ?? {};
    const bytes =
      Buffer.byteLength(json) +
      Object.entries(attributes).reduce(
        (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v) + 6,
        0,
      );
    if (bytes > MAX_MESSAGE_BYTES) {
      throw new AppError(
        'invalid',
        'queue.message_too_large',
        `The message is ${bytes} bytes; the limit is 256 KiB`,
        {
          details: { bytes, limit: MAX_MESSAGE_BYTES },
        },
      );
    }
    const url = this.#queueUrl(queue);

    const marker = this.#dedup && opts.dedupId !== undefined ? dedupKey(queue, opts.dedupId) : undefined;
    if (this.#dedup && marker) {
      try {
        await this.#dedup.put(
          { ...marker, ttl: Math.floor(this.#clock.now() / 1000) + DEDUP_WINDOW_SECONDS },
          notExists,
        );
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
        const seen = await this.#dedup.get<{ pk: string; sk: string; messageId?: string }>(marker);
        // The first send may still be in flight (no id yet): it is accepted and dropped all the same.
        return { id: seen?.messageId ?? '', deduplicated: true };
      }
    }

    let id: string;
    try {
      const out = await this.#client.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: json,
          ...(opts.delaySeconds !== undefined ? { DelaySeconds: opts.delaySeconds } : {}),
          ...(Object.keys(attributes).length > 0
            ? {
                MessageAttributes: Object.fromEntries(
                  Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
                ),
              }
            : {}),
        }),
      );
      if (!out.MessageId) throw new Error('SendMessage returned no MessageId');
      id = out.MessageId;
    } catch (error) {
      // Give the dedupId back, so the caller's retry is not silently dropped. If even that fails
      // the marker expires with its window; the SQS error below is the one worth reporting.
      if (this.#dedup && marker) await this.#dedup.delete(marker).catch(() => undefined);
      throw unavailable('SendMessage', error);
    }
    if (this.#dedup && marker) await this.#dedup.update(marker, { set: { messageId: id } });
    return { id, deduplicated: false };
  }

  async depth(queue: QueueName): Promise<number> {
    return this.#approximateCount(this.#queueUrl(queue));
  }

  async deadLetterDepth(queue: QueueName): Promise<number> {
    return this.#approximateCount(this.#requireDeadLetterUrl(queue));
  }

  /**
   * Starts an SQS message move task from the dead-letter queue back to the source queue. The
   * move is asynchronous; the count is SQS's approximate number of dead letters at the start.
   */
  async redrive(queue: QueueName): Promise<number> {
    const dlq = await this.#attributes(this.#requireDeadLetterUrl(queue), [
      'QueueArn',
      'ApproximateNumberOfMessages',
    ]);
    const count = Number(dlq.ApproximateNumberOfMessages ?? 0);
    if (count === 0) return 0;
    const source = await this.#attributes(this.#queueUrl(queue), ['QueueArn']);
    try {
      await this.#client.send(
        new StartMessageMoveTaskCommand({ SourceArn: dlq.QueueArn, DestinationArn: source.QueueArn }),
      );
    } catch (error) {
      throw unavailable('StartMessageMoveTask', error);
    }
    return count;
  }

  #requireDeadLetterUrl(queue: QueueName): string {
    if (!this.#deadLetterUrl) {
      throw new AppError(
        'invalid',
        'queue.no_dead_letter_queue',
        `No dead-letter queue is configured for "${queue}"`,
      );
    }
    return this.#deadLetterUrl(queue);
  }

  async #approximateCount(url: string): Promise<number> {
    const a = await this.#attributes(url, [
      'ApproximateNumberOfMessages',
      'ApproximateNumberOfMessagesNotVisible',
      'ApproximateNumberOfMessagesDelayed',
    ]);
    return (
      Number(a.ApproximateNumberOfMessages ?? 0) +
      Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
    );
  }

  async #attributes(
    url: string,
    names: QueueAttributeName[],
  ): Promise<Partial<Record<QueueAttributeName, string>>> {
    try {
      const out = await this.#client.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names }),
      );
      return out.Attributes ?? {};
    } catch (error) {
      throw unavailable('GetQueueAttributes', error);
    }
  }
}

/** The parts of a Lambda SQS event record that a QueueMessage needs (`SQSRecord` fits). */
export interface SqsEventRecord {
  messageId: string;
  body: string;
  attributes: { ApproximateReceiveCount: string; SentTimestamp: string };
  messageAttributes?: Record<string, { stringValue?: string | undefined; dataType: string }>;
  eventSourceARN: string;
}

/**
 * Turns an SQS event record into the QueueMessage a handler gets locally. The queue is the
 * last part of the ARN unless `queueName` maps physical names (stack prefixes) to logical ones.
 */
export function fromSqsRecord(
  record: SqsEventRecord,
  queueName: (physicalName: string) => QueueName = (n) => n,
): QueueMessage {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch (cause) {
    throw new AppError('invalid', 'queue.invalid_body', `SQS message ${record.messageId} is not JSON`, {
      cause,
    });
  }
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    if (value.stringValue !== undefined) attributes[name] = value.stringValue;
  }
  return {
    id: record.messageId,
    queue: queueName(record.eventSourceARN.split(':').at(-1) ?? ''),
    body,
    receiveCount: Number(record.attributes.ApproximateReceiveCount),
    attributes,
    sentAt: Number(record.attributes.SentTimestamp),
  };
}
