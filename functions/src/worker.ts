/**
 * SQS jobs queue → `handleJob`, one record at a time, with partial batch responses: a failed
 * record is reported in `batchItemFailures` and only it is redelivered (the event source has
 * `ReportBatchItemFailures`); after maxReceiveCount failures SQS moves it to the DLQ.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { fromSqsRecord } from '@medianest/core/adapter/queue/sqs';
import { handleJob } from '@medianest/core/jobs/index';
import { notifyStatusAlert } from '@medianest/core/notification/index';
import { forSystem, onStatusAlert } from '@medianest/core/status/index';
import type { System } from '@medianest/core/system/index';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  awsSystem,
  inScope,
  invocationLogger,
  invoke,
  type SystemSource,
  withCorrelatedQueue,
  withLogger,
} from './runtime.ts';

/** The household a job is about, when its data names one (for trace annotations only). */
function householdOf(body: unknown): string | undefined {
  const data = (body as { data?: { householdId?: unknown } } | null)?.data;
  return typeof data?.householdId === 'string' ? data.householdId : undefined;
}

/**
 * The logical queue name (`jobs`) of a physical SQS queue name (`MediaNest-prod-QueuesJobs…`):
 * the queue whose configured URL ends with it.
 */
export function logicalQueueName(queueUrls: Record<string, string>): (physical: string) => string {
  return (physical) =>
    Object.entries(queueUrls).find(([, url]) => url.endsWith(`/${physical}`))?.[0] ?? physical;
}

const alerting = new WeakSet<System>();

/**
 * The status checks run here, so their service down/up alerts become notifications here: one
 * handler per container System (attached on the first invocation, kept for the container's life).
 */
function attachAlerts(system: System): void {
  if (alerting.has(system)) return;
  alerting.add(system);
  onStatusAlert(forSystem(system, (alert) => notifyStatusAlert(withCorrelatedQueue(system), alert)));
}

export function createWorkerHandler(getSystem: SystemSource) {
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    const base = await getSystem();
    attachAlerts(base);
    const system = withCorrelatedQueue(base);
    const queueName = logicalQueueName(system.config.aws.queueUrls);
    const recordHandler = async (record: SQSRecord): Promise<void> => {
      const message = fromSqsRecord(record, queueName);
      const correlationId = message.attributes.correlationId ?? record.messageId;
      const logger = invocationLogger(system, correlationId, context, { message_id: record.messageId });
      // Each record in its own scope: a job it enqueues carries this record's correlation id.
      await inScope({ correlationId, householdId: householdOf(message.body) }, async () => {
        try {
          await handleJob(withLogger(system, logger), message);
        } catch (error) {
          logger.error('Job failed', {
            error,
            receiveCount: message.receiveCount,
            type: (message.body as { type?: unknown } | null)?.type,
          });
          throw error;
        }
      });
    };
    // One processor per invocation: it holds the batch's results.
    const processor = new BatchProcessor(EventType.SQS);
    return invoke('worker', { correlationId: context?.awsRequestId ?? 'worker' }, () =>
      processPartialResponse(event, recordHandler, processor, {
        ...(context ? { context } : {}),
        // Every record failing is still a partial response (all ids), not an invocation error:
        // the outcome is the same, and the function's error metric stays about crashes.
        throwOnFullBatchFailure: false,
      }),
    );
  };
}

export const handler = createWorkerHandler(awsSystem);
