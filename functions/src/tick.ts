/** EventBridge scheduled rule (every minute) → one scheduler tick. */
import { runTick } from '@medianest/core/jobs/index';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { z } from 'zod';
import {
  awsSystem,
  invocationLogger,
  invoke,
  type SystemSource,
  withCorrelatedQueue,
  withLogger,
} from './runtime.ts';

const scheduledEvent = z.object({
  id: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
});

export function createTickHandler(getSystem: SystemSource) {
  return async (event: ScheduledEvent, context?: Context) => {
    const system = await getSystem();
    const { id, time } = scheduledEvent.parse(event);
    // The EventBridge event id is the correlation id of everything this tick enqueues.
    return invoke('tick', { correlationId: id }, async () => {
      const logger = invocationLogger(system, id, context);
      // The rule's scheduled time, not the clock: a tick delivered late still claims its own slot.
      const result = await runTick(withLogger(withCorrelatedQueue(system), logger), Date.parse(time));
      logger.info('Tick done', { time, enqueued: result.enqueued });
      return result;
    });
  };
}

export const handler = createTickHandler(awsSystem);
