/**
 * Background jobs: one registry shared by the local consumer and the Lambda SQS worker, so a job
 * runs through exactly the same code in both runtimes.
 *
 * A message body is an envelope `{ type, data }`. Each job type declares a zod schema for `data`
 * (validated when enqueued and again when handled: a message may have been written by an older
 * or newer release) and the queue it travels on.
 */
import { z } from 'zod';
import { AppError } from '../error/index.ts';
import { type Logger, lazyWithCorrelationId } from '../observability/logger.ts';
import type { QueueMessage, SendOptions } from '../port/queue.ts';
import type { System } from '../system/index.ts';

/** Every queue the jobs use; infra creates one SQS queue (+ dead-letter queue) per name. */
export const JOB_QUEUES = ['jobs'] as const;
export type JobQueue = (typeof JOB_QUEUES)[number];
export const JOBS_QUEUE: JobQueue = 'jobs';

export const jobEnvelope = z.object({
  type: z.string().min(1),
  data: z.unknown(),
});
export type JobEnvelope = z.infer<typeof jobEnvelope>;

export interface JobContext {
  message: QueueMessage;
  /** Correlation id carried from whoever enqueued the job. */
  correlationId: string | undefined;
  /** Stamps the correlation id (or the message id), the job type and the message id on each line. */
  logger: Logger;
}

export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  /** `domain.verb`, e.g. `maintenance.sweep_expired`. */
  type: string;
  schema: S;
  queue: JobQueue;
  handle(system: System, data: z.output<S>, context: JobContext): Promise<void>;
}

export function defineJob<S extends z.ZodType>(definition: JobDefinition<S>): JobDefinition<S> {
  return definition;
}

/**
 * A job that can never succeed as sent (unknown type, invalid data). It still fails the message
 * rather than dropping it, so it ends in the dead-letter queue where it can be inspected and
 * redriven — an unknown type during a rolling deploy is handled once the new code is live.
 */
export class PermanentJobError extends AppError {
  override name = 'PermanentJobError';
  readonly permanent = true;
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super('invalid', code, message, details ? { details } : {});
  }
}

export class JobRegistry {
  readonly #jobs = new Map<string, JobDefinition>();

  constructor(definitions: JobDefinition[] = []) {
    for (const d of definitions) this.register(d);
  }

  register<S extends z.ZodType>(definition: JobDefinition<S>): void {
    if (this.#jobs.has(definition.type)) {
      throw new Error(`Job type "${definition.type}" is already registered`);
    }
    this.#jobs.set(definition.type, definition as unknown as JobDefinition);
  }

  /** Removes a registration (tests that register their own handlers clean up with it). */
  unregister(type: string): boolean {
    return this.#jobs.delete(type);
  }

  get(type: string): JobDefinition | undefined {
    return this.#jobs.get(type);
  }

  types(): string[] {
    return [...this.#jobs.keys()];
  }
}

export interface EnqueueOptions extends SendOptions {
  correlationId?: string;
}

/** Validates `data` against the job's schema and sends it on the job's queue. */
export async function enqueueWith(
  registry: JobRegistry,
  system: Pick<System, 'queue'>,
  type: string,
  data: unknown,
  options: EnqueueOptions = {},
): Promise<{ id: string; deduplicated: boolean }> {
  const job = registry.get(type);
  if (!job) throw new AppError('invalid', 'job.unknown_type', `Unknown job type "${type}"`);
  const parsed = job.schema.safeParse(data);
  if (!parsed.success) {
    throw new AppError(
      'invalid',
      'job.invalid_data',
      `Invalid data for job "${type}": ${z.prettifyError(parsed.error)}`,
    );
  }
  const { correlationId, ...send } = options;
  const attributes = { ...send.attributes, ...(correlationId ? { correlationId } : {}) };
  const body: JobEnvelope = { type, data: parsed.data };
  return system.queue.send(job.queue, body, { ...send, attributes });
}

/** Runs the handler registered for the message's type. Throws to fail (and later retry) the message. */
export async function handleWith(
  registry: JobRegistry,
  system: System,
  message: QueueMessage,
): Promise<void> {
  try {
    await dispatch(registry, system, message);
  } catch (err) {
    if (err instanceof PermanentJobError) {
      // Retrying will not help: say so loudly on every receive, so it is noticed before the DLQ.
      system.logger.error('Job can never succeed as sent', {
        messageId: message.id,
        queue: message.queue,
        receiveCount: message.receiveCount,
        code: err.code,
        error: err,
      });
    }
    throw err;
  }
}

async function dispatch(registry: JobRegistry, system: System, message: QueueMessage): Promise<void> {
  const envelope = jobEnvelope.safeParse(message.body);
  if (!envelope.success) {
    throw new PermanentJobError('job.malformed', 'Message body is not a job envelope { type, data }', {
      messageId: message.id,
    });
  }
  const { type, data } = envelope.data;
  const job = registry.get(type);
  if (!job) {
    throw new PermanentJobError('job.unknown_type', `No handler for job type "${type}"`, {
      type,
      messageId: message.id,
    });
  }
  const parsed = job.schema.safeParse(data);
  if (!parsed.success) {
    throw new PermanentJobError(
      'job.invalid_data',
      `Invalid data for job "${type}": ${z.prettifyError(parsed.error)}`,
      { type, messageId: message.id },
    );
  }
  const correlationId = message.attributes.correlationId;
  const logger = lazyWithCorrelationId(system.logger, correlationId ?? message.id, {
    jobType: type,
    messageId: message.id,
  });
  await job.handle(system, parsed.data, { message, correlationId, logger });
}
