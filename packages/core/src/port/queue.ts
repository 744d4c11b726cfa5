/**
 * Queue port: at-least-once work queues with the same contract as an SQS queue consumed by a
 * Lambda event source with partial batch responses.
 *
 * - `send` enqueues a JSON body, optionally delayed and de-duplicated (a second send with the same
 *   `dedupId` within the de-duplication window — 5 minutes, as SQS FIFO — is accepted and dropped).
 * - A consumer receives batches; each message stays invisible for the visibility timeout while it is
 *   processed. The batch handler returns the ids of the messages that failed; those (and messages
 *   whose handler never returned, e.g. after a crash) become visible again after a backoff and are
 *   retried; after `maxReceives` receives a message moves to the queue's dead-letter queue.
 * - `redrive` moves dead-lettered messages back to the source queue.
 */

export type QueueName = string;

export interface SendOptions {
  delaySeconds?: number;
  dedupId?: string;
  /** Free-form attributes carried with the message (e.g. correlation id). */
  attributes?: Record<string, string>;
}

export interface QueueMessage<T = unknown> {
  id: string;
  queue: QueueName;
  body: T;
  /** 1 on the first delivery. */
  receiveCount: number;
  attributes: Record<string, string>;
  sentAt: number;
}

export interface BatchResult {
  /** Ids of the messages that failed and must be retried (SQS `batchItemFailures`). */
  batchItemFailures: { itemIdentifier: string }[];
}

export type BatchHandler = (messages: QueueMessage[]) => Promise<BatchResult>;

export interface ConsumerOptions {
  batchSize?: number;
  visibilityTimeoutSeconds?: number;
  maxReceives?: number;
}

export interface Queue {
  send<T>(queue: QueueName, body: T, options?: SendOptions): Promise<{ id: string; deduplicated: boolean }>;
  /** Messages visible or in flight (not dead-lettered). */
  depth(queue: QueueName): Promise<number>;
  deadLetterDepth(queue: QueueName): Promise<number>;
  redrive(queue: QueueName): Promise<number>;
}

/** The local runtime pulls; in AWS the event source mapping pushes to the same handler. */
export interface PullQueue extends Queue {
  /** Receives, handles and settles at most one batch; returns how many messages it handled. */
  poll(queue: QueueName, handler: BatchHandler, options?: ConsumerOptions): Promise<number>;
}
