/**
 * The local runtime's queue consumer: a polling loop over a PullQueue that stands in for the
 * Lambda event source mapping. The per-record function is shared with Lambda: `recordHandler`
 * here, Powertools `BatchProcessor` + `processPartialResponse` there.
 */
import { createLogger, type Logger } from '../../observability/logger.ts';
import { type Clock, systemClock } from '../../port/clock.ts';
import type {
  BatchHandler,
  BatchResult,
  ConsumerOptions,
  PullQueue,
  QueueMessage,
  QueueName,
} from '../../port/queue.ts';

/** Optional capabilities a PullQueue may offer (SqliteQueue has all three). */
interface QueueExtras {
  /** Visible again at once, and the receipt invalidated so a late settle is a no-op. */
  release?(messages: QueueMessage[]): Promise<number>;
  subscribe?(queue: QueueName, listener: () => void): () => void;
  nextVisibleAt?(queue: QueueName): Promise<number | undefined>;
}

export interface RunConsumerOptions extends ConsumerOptions {
  /** First sleep after an empty poll; doubles on each further empty poll. Default 250 ms. */
  idleDelayMs?: number;
  /** Longest sleep between empty polls. Default 5 s. */
  maxIdleDelayMs?: number;
  clock?: Clock;
  logger?: Logger;
}

export interface ConsumerHandle {
  /**
   * Stops receiving and waits up to `graceMs` (default 10 s) for the batch in flight. If it is
   * still running then, its messages are released (visible again at once) so none is lost; the
   * handler's late outcome is ignored.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}

let defaultLogger: Logger | undefined;
const logger = (): Logger => {
  defaultLogger ??= createLogger('medianest', { level: 'WARN' });
  return defaultLogger;
};

export function runConsumer(
  queue: PullQueue,
  name: QueueName,
  handler: BatchHandler,
  options: RunConsumerOptions = {},
): ConsumerHandle {
  const {
    idleDelayMs = 250,
    maxIdleDelayMs = 5_000,
    clock = systemClock,
    logger: log,
    ...consumer
  } = options;
  const extras = queue as PullQueue & QueueExtras;
  const log_ = log ?? logger();
  let stopping = false;
  let wake: (() => void) | undefined;
  let inflight: { messages: QueueMessage[]; abandon: (result: BatchResult) => void } | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      // stop() may have run while the loop awaited nextVisibleAt: do not sleep past it.
      if (stopping) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  // The wrapper lets stop() settle the poll early: once abandoned, the real handler's outcome
  // resolves an already-settled promise and is dropped.
  const wrapped: BatchHandler = (messages) =>
    new Promise<BatchResult>((resolve, reject) => {
      inflight = { messages, abandon: resolve };
      handler(messages).then(resolve, reject);
    });

  const unsubscribe = extras.subscribe?.(name, () => wake?.());

  const loop = (async () => {
    let idle = idleDelayMs;
    while (!stopping) {
      let handled = 0;
      try {
        handled = await queue.poll(name, wrapped, consumer);
      } catch (error) {
        log_.error('queue poll failed', { queue: name, error });
      } finally {
        inflight = undefined;
      }
      if (handled > 0) {
        idle = idleDelayMs;
        continue;
      }
      if (stopping) break;
      let delay = idle;
      // Only a hint for waking early: if it fails, the plain idle delay applies.
      const next = await extras.nextVisibleAt?.(name).catch(() => undefined);
      if (next !== undefined) delay = Math.max(0, Math.min(delay, next - clock.now()));
      await sleep(delay);
      idle = Math.min(idle * 2, maxIdleDelayMs);
    }
  })();

  let stopped: Promise<void> | undefined;
  return {
    stop({ graceMs = 10_000 } = {}) {
      stopped ??= (async () => {
        stopping = true;
        wake?.();
        unsubscribe?.();
        const current = inflight;
        if (current) {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const timedOut = await Promise.race([
            loop.then(() => false),
            new Promise<boolean>((resolve) => {
              timer = setTimeout(() => resolve(true), graceMs);
            }),
          ]);
          clearTimeout(timer);
          if (timedOut && inflight === current) {
            if (extras.release) {
              await extras.release(current.messages);
              current.abandon({ batchItemFailures: [] });
            } else {
              // Without release the only safe outcome is "failed": retried after the backoff.
              current.abandon({ batchItemFailures: current.messages.map((m) => ({ itemIdentifier: m.id })) });
            }
            log_.warn('queue consumer stopped with a batch in flight; its messages were released', {
              queue: name,
              messages: current.messages.map((m) => m.id),
            });
          }
        }
        await loop;
      })();
      return stopped;
    },
  };
}

/**
 * Runs `fn` for each record in order and reports the records whose call threw, so one bad
 * record does not retry its whole batch. Lambda runs the same `fn` through Powertools.
 */
export function recordHandler(
  fn: (message: QueueMessage) => Promise<void>,
  options: { logger?: Logger } = {},
): BatchHandler {
  return async (messages) => {
    const batchItemFailures: { itemIdentifier: string }[] = [];
    for (const message of messages) {
      try {
        await fn(message);
      } catch (error) {
        (options.logger ?? logger()).warn('queue record failed', {
          queue: message.queue,
          messageId: message.id,
          receiveCount: message.receiveCount,
          error,
        });
        batchItemFailures.push({ itemIdentifier: message.id });
      }
    }
    return { batchItemFailures };
  };
}
