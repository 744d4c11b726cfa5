/**
 * Durable work queues in the embedded SQLite file (the same file as the Table), with the
 * semantics of an SQS queue consumed by a Lambda event source with partial batch responses:
 *
 * - `send`: optional delay and dedupId (a repeat within the window is accepted and dropped);
 * - `poll`: one transaction marks a batch invisible for the visibility timeout and counts the
 *   receive, so two consumers (threads, processes) never hold the same message at once;
 * - the handler reports failed ids; they come back after an exponential backoff with jitter.
 *   A thrown handler, or a failure id that is not in the batch (Lambda's rule), fails the batch;
 * - a message that is never settled (the process died) reappears when its visibility expires;
 * - a message that has been received `maxReceives` times and fails again is dead-lettered;
 *   `redrive` puts dead letters back with a fresh receive count.
 *
 * Every settle is guarded by the receipt handed out on receive, so a consumer that lost a
 * message (its visibility expired and another consumer took it) cannot delete or delay it.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { monotonicFactory } from 'ulid';
import { z } from 'zod';
import { AppError } from '../../error/index.ts';
import { type Clock, systemClock } from '../../port/clock.ts';
import type {
  BatchHandler,
  BatchResult,
  ConsumerOptions,
  PullQueue,
  QueueMessage,
  QueueName,
  SendOptions,
} from '../../port/queue.ts';

/** SQS limits, kept locally so code that works here also works in AWS. */
export const QUEUE_LIMITS = {
  maxMessageBytes: 256 * 1024,
  maxDelaySeconds: 900,
  maxVisibilityTimeoutSeconds: 12 * 60 * 60,
  maxBatchSize: 10_000,
} as const;

const DEFAULT_CONSUMER: Required<ConsumerOptions> = {
  batchSize: 10,
  visibilityTimeoutSeconds: 30,
  maxReceives: 5,
};

/** 10 s, 20 s, 40 s … capped at 15 minutes, with "equal jitter" so retries do not stampede. */
export function defaultBackoffSeconds(receiveCount: number): number {
  const base = Math.min(900, 10 * 2 ** Math.max(0, receiveCount - 1));
  return base / 2 + (randomInt(0, 1_000_001) / 1_000_000) * (base / 2);
}

const queueNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,80}$/, 'queue names are 1-80 letters, digits, "-" or "_" (as SQS)');

const sendOptionsSchema = z
  .object({
    delaySeconds: z.number().int().min(0).max(QUEUE_LIMITS.maxDelaySeconds).optional(),
    dedupId: z.string().min(1).max(128).optional(),
    attributes: z.record(z.string(), z.string()).optional(),
  })
  .strict();

const consumerOptionsSchema = z
  .object({
    batchSize: z.number().int().min(1).max(QUEUE_LIMITS.maxBatchSize).optional(),
    visibilityTimeoutSeconds: z.number().min(0).max(QUEUE_LIMITS.maxVisibilityTimeoutSeconds).optional(),
    maxReceives: z.number().int().min(1).optional(),
  })
  .strict();

export interface SqliteQueueOptions {
  clock?: Clock;
  /** How long a dedupId suppresses repeats (default 300 s, as SQS FIFO). */
  dedupWindowSeconds?: number;
  /** Delay before a failed message is visible again, given its receive count so far. */
  backoffSeconds?: (receiveCount: number) => number;
  /** Consumer options used where `poll` is given none. */
  defaults?: ConsumerOptions;
}

interface MessageRow {
  id: string;
  body: string;
  attributes: string;
  sent_at: number;
  receive_count: number;
}

/** Drops keys set to undefined, so `{ batchSize: undefined }` keeps the default. */
function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function parseInput<T>(schema: z.ZodType<T>, value: unknown, code: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new AppError('invalid', code, z.prettifyError(parsed.error), { cause: parsed.error });
  }
  return parsed.data;
}

/**
 * Which messages failed, by Lambda's rules for partial batch responses: no response, or no or
 * an empty `batchItemFailures`, is a full success; a malformed list, or an identifier that is
 * empty or not in the batch, fails the whole batch.
 */
export function failuresOf(result: unknown, ids: string[]): Set<string> {
  const all = new Set(ids);
  if (result === null || result === undefined) return new Set();
  if (typeof result !== 'object') return all;
  const list = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === null || list === undefined) return new Set();
  if (!Array.isArray(list)) return all;
  const failed = new Set<string>();
  for (const entry of list) {
    const id = (entry as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !all.has(id)) return all;
    failed.add(id);
  }
  return failed;
}

export class SqliteQueue implements PullQueue {
  readonly #db: DatabaseSync;
  /** Statements prepared once: re-preparing on every call cost ~20% of a health check. */
  readonly #statements = new Map<string, StatementSync>();
  readonly #clock: Clock;
  readonly #dedupWindowMs: number;
  readonly #backoffSeconds: (receiveCount: number) => number;
  readonly #defaults: Required<ConsumerOptions>;
  readonly #newId = monotonicFactory();
  /** Receipt of each message object handed to a handler, for `release`. */
  readonly #receipts = new WeakMap<QueueMessage, string>();
  readonly #listeners = new Map<QueueName, Set<() => void>>();

  constructor(db: DatabaseSync, options: SqliteQueueOptions = {}) {
    this.#db = db;
    this.#clock = options.clock ?? systemClock;
    this.#dedupWindowMs = (options.dedupWindowSeconds ?? 300) * 1000;
    this.#backoffSeconds = options.backoffSeconds ?? defaultBackoffSeconds;
    this.#defaults = {
      ...DEFAULT_CONSUMER,
      ...defined(parseInput(consumerOptionsSchema, options.defaults ?? {}, 'queue.invalid_options')),
    };
    db.exec(`
      CREATE TABLE IF NOT EXISTS q_message (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        queue TEXT NOT NULL,
        body TEXT NOT NULL,
        attributes TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        visible_at INTEGER NOT NULL,
        receive_count INTEGER NOT NULL DEFAULT 0,
        receipt TEXT,
        dead INTEGER NOT NULL DEFAULT 0,
        dead_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS q_message_ready ON q_message (queue, dead, visible_at, seq);
      CREATE TABLE IF NOT EXISTS q_dedup (
        queue TEXT NOT NULL,
        dedup_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (queue, dedup_id)
      );
      CREATE INDEX IF NOT EXISTS q_dedup_expiry ON q_dedup (expires_at);
    `);
  }

  async send<T>(
    queue: QueueName,
    body: T,
    options: SendOptions = {},
  ): Promise<{ id: string; deduplicated: boolean }> {
    parseInput(queueNameSchema, queue, 'queue.invalid_name');
    const opts = parseInput(sendOptionsSchema, options, 'queue.invalid_send_options');
    const json = JSON.stringify(body);
    if (json === undefined)
      throw new AppError('invalid', 'queue.invalid_body', 'The message body must be JSON');
    const attributes = JSON.stringify(opts.attributes ?? {});
    const bytes = Buffer.byteLength(json) + Buffer.byteLength(attributes);
    if (bytes > QUEUE_LIMITS.maxMessageBytes) {
      throw new AppError(
        'invalid',
        'queue.message_too_large',
        `The message is ${bytes} bytes; the limit is 256 KiB`,
        {
          details: { bytes, limit: QUEUE_LIMITS.maxMessageBytes },
        },
      );
    }
    const now = this.#clock.now();
    const result = this.#transaction(() => {
      if (opts.dedupId !== undefined) {
        const seen = this.#sql(
          'SELECT message_id FROM q_dedup WHERE queue = ? AND dedup_id = ? AND expires_at > ?',
        ).get(queue, opts.dedupId, now) as { message_id: string } | undefined;
        if (seen) return { id: seen.message_id, deduplicated: true };
      }
      const id = `msg_${this.#newId(now)}`;
      this.#sql(
        'INSERT INTO q_message (id, queue, body, attributes, sent_at, visible_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(id, queue, json, attributes, now, now + (opts.delaySeconds ?? 0) * 1000);
      if (opts.dedupId !== undefined) {
        this.#sql('DELETE FROM q_dedup WHERE expires_at <= ?').run(now);
        this.#sql(
          'INSERT OR REPLACE INTO q_dedup (queue, dedup_id, message_id, expires_at) VALUES (?, ?, ?, ?)',
        ).run(queue, opts.dedupId, id, now + this.#dedupWindowMs);
      }
      return { id, deduplicated: false };
    });
    if (!result.deduplicated) this.#notify(queue);
    return result;
  }

  async depth(queue: QueueName): Promise<number> {
    return this.#count(queue, 0);
  }

  async deadLetterDepth(queue: QueueName): Promise<number> {
    return this.#count(queue, 1);
  }

  async redrive(queue: QueueName): Promise<number> {
    const now = this.#clock.now();
    const moved = this.#sql(
      'UPDATE q_message SET dead = 0, dead_at = NULL, receive_count = 0, receipt = NULL, visible_at = ? WHERE queue = ? AND dead = 1',
    ).run(now, queue);
    const count = Number(moved.changes);
    if (count > 0) this.#notify(queue);
    return count;
  }

  async poll(queue: QueueName, handler: BatchHandler, options: ConsumerOptions = {}): Promise<number> {
    const opts = {
      ...this.#defaults,
      ...defined(parseInput(consumerOptionsSchema, options, 'queue.invalid_options')),
    };
    const batch = this.#receive(queue, opts);
    if (batch.length === 0) return 0;
    let failed: Set<string>;
    try {
      const result: BatchResult | null | undefined = await handler(batch.map((b) => b.message));
      failed = failuresOf(
        result,
        batch.map((b) => b.message.id),
      );
    } catch {
      // A handler that throws has failed the whole batch, as a Lambda invocation error does;
      // the messages come back after the backoff, which is how the failure is reported.
      failed = new Set(batch.map((b) => b.message.id));
    }
    this.#settle(batch, failed, opts.maxReceives);
    return batch.length;
  }

  /**
   * Makes messages handed to a handler visible again at once, without the failure backoff, for
   * a consumer that is shutting down before its handler finished (the receive still counts
   * toward maxReceives, so a message that hangs every worker still ends in the dead letters). Returns how many were released
   * (a message whose visibility already expired and was received again is left alone).
   */
  async release(messages: QueueMessage[]): Promise<number> {
    const now = this.#clock.now();
    let released = 0;
    this.#transaction(() => {
      const stmt = this.#sql(
        'UPDATE q_message SET visible_at = ?, receipt = NULL WHERE id = ? AND receipt = ? AND dead = 0',
      );
      for (const m of messages) {
        const receipt = this.#receipts.get(m);
        if (receipt !== undefined) released += Number(stmt.run(now, m.id, receipt).changes);
      }
    });
    for (const q of new Set(messages.map((m) => m.queue))) this.#notify(q);
    return released;
  }

  /** Calls `listener` after each send or redrive to `queue` in this process (wakes idle consumers). */
  subscribe(queue: QueueName, listener: () => void): () => void {
    let set = this.#listeners.get(queue);
    if (!set) {
      set = new Set();
      this.#listeners.set(queue, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Epoch ms when the next not-yet-visible message of `queue` becomes visible, if any. */
  async nextVisibleAt(queue: QueueName): Promise<number | undefined> {
    const row = this.#sql(
      'SELECT MIN(visible_at) AS at FROM q_message WHERE queue = ? AND dead = 0 AND visible_at > ?',
    ).get(queue, this.#clock.now()) as { at: number | null } | undefined;
    return row?.at ?? undefined;
  }

  #receive(
    queue: QueueName,
    opts: Required<ConsumerOptions>,
  ): { message: QueueMessage; receipt: string; receiveCount: number }[] {
    const now = this.#clock.now();
    // At least 1 ms, so a row taken in this transaction cannot match the next select again.
    const invisibleUntil = now + Math.max(1, Math.round(opts.visibilityTimeoutSeconds * 1000));
    return this.#transaction(() => {
      const out: { message: QueueMessage; receipt: string; receiveCount: number }[] = [];
      const select = this.#sql(
        'SELECT id, body, attributes, sent_at, receive_count FROM q_message WHERE queue = ? AND dead = 0 AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?',
      );
      const kill = this.#sql('UPDATE q_message SET dead = 1, dead_at = ?, receipt = NULL WHERE id = ?');
      const take = this.#sql(
        'UPDATE q_message SET receive_count = receive_count + 1, visible_at = ?, receipt = ? WHERE id = ?',
      );
      // Dead-lettering happens here too, for messages whose last receive ended in a crash.
      while (out.length < opts.batchSize) {
        const rows = select.all(queue, now, opts.batchSize - out.length) as unknown as MessageRow[];
        if (rows.length === 0) break;
        for (const row of rows) {
          if (row.receive_count >= opts.maxReceives) {
            kill.run(now, row.id);
            continue;
          }
          const receipt = randomBytes(12).toString('base64url');
          take.run(invisibleUntil, receipt, row.id);
          const message: QueueMessage = {
            id: row.id,
            queue,
            body: JSON.parse(row.body),
            receiveCount: row.receive_count + 1,
            attributes: JSON.parse(row.attributes),
            sentAt: row.sent_at,
          };
          this.#receipts.set(message, receipt);
          out.push({ message, receipt, receiveCount: row.receive_count + 1 });
        }
      }
      return out;
    });
  }

  #settle(
    batch: { message: QueueMessage; receipt: string; receiveCount: number }[],
    failed: Set<string>,
    maxReceives: number,
  ): void {
    const now = this.#clock.now();
    this.#transaction(() => {
      const remove = this.#sql('DELETE FROM q_message WHERE id = ? AND receipt = ?');
      const retry = this.#sql(
        'UPDATE q_message SET visible_at = ?, receipt = NULL WHERE id = ? AND receipt = ?',
      );
      const kill = this.#sql(
        'UPDATE q_message SET dead = 1, dead_at = ?, receipt = NULL WHERE id = ? AND receipt = ?',
      );
      for (const { message, receipt, receiveCount } of batch) {
        if (!failed.has(message.id)) remove.run(message.id, receipt);
        else if (receiveCount >= maxReceives) kill.run(now, message.id, receipt);
        else {
          const delayMs = Math.max(0, Math.round(this.#backoffSeconds(receiveCount) * 1000));
          retry.run(now + delayMs, message.id, receipt);
        }
      }
    });
  }

  #sql(text: string): StatementSync {
    let stmt = this.#statements.get(text);
    if (!stmt) {
      stmt = this.#db.prepare(text);
      this.#statements.set(text, stmt);
    }
    return stmt;
  }

  #count(queue: QueueName, dead: 0 | 1): number {
    const row = this.#sql('SELECT COUNT(*) AS n FROM q_message WHERE queue = ? AND dead = ?').get(
      queue,
      dead,
    ) as { n: number } | undefined;
    return Number(row?.n ?? 0);
  }

  #notify(queue: QueueName): void {
    for (const listener of this.#listeners.get(queue) ?? []) listener();
  }

  /**
   * Runs `fn` in one write transaction. BEGIN IMMEDIATE takes the write lock up front, so a
   * second process waits (busy_timeout) instead of reading the same ready rows. Inside someone
   * else's open transaction (same connection) a savepoint nests instead.
   */
  #transaction<T>(fn: () => T): T {
    const nested = this.#db.isTransaction;
    this.#db.exec(nested ? 'SAVEPOINT q_tx' : 'BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.#db.exec(nested ? 'RELEASE q_tx' : 'COMMIT');
      return result;
    } catch (error) {
      this.#db.exec(nested ? 'ROLLBACK TO q_tx; RELEASE q_tx' : 'ROLLBACK');
      throw error;
    }
  }
}
