/**
 * One SQS queue + dead-letter queue per job queue the code declares (`JOB_QUEUES` in core), so
 * adding a queue in the domain cannot silently lack its infrastructure.
 */

import { JOB_QUEUES, type JobQueue } from '@medianest/core/jobs/registry';
import { deadLetterUrlVariable, queueUrlVariable } from '@medianest/core/system/config';
import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StageConfig } from './stage.ts';

/** Receives before a job is parked in the DLQ (the local queue's default maxReceives is the same). */
export const MAX_RECEIVE_COUNT = 5;
/** The worker's timeout; the queue's visibility timeout is derived from it. */
export const WORKER_TIMEOUT = Duration.seconds(60);

export interface JobQueuePair {
  name: JobQueue;
  queue: Queue;
  deadLetter: Queue;
}

const pascal = (name: string) =>
  name
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

export class JobQueues extends Construct {
  readonly pairs: JobQueuePair[];

  constructor(scope: Construct, id: string, config: StageConfig) {
    super(scope, id);
    this.pairs = JOB_QUEUES.map((name) => {
      const deadLetter = new Queue(this, `${pascal(name)}Dlq`, {
        retentionPeriod: config.dlqRetention,
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      const queue = new Queue(this, pascal(name), {
        // AWS guidance for Lambda event sources: at least six times the function timeout, so a
        // message is not redelivered while an invocation is still working on it.
        visibilityTimeout: Duration.seconds(WORKER_TIMEOUT.toSeconds() * 6),
        retentionPeriod: Duration.days(4),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        deadLetterQueue: { queue: deadLetter, maxReceiveCount: MAX_RECEIVE_COUNT },
      });
      return { name, queue, deadLetter };
    });
  }

  /** `MEDIANEST_QUEUE_URL_<NAME>` / `MEDIANEST_DLQ_URL_<NAME>` for every queue. */
  environment(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const { name, queue, deadLetter } of this.pairs) {
      env[queueUrlVariable(name)] = queue.queueUrl;
      env[deadLetterUrlVariable(name)] = deadLetter.queueUrl;
    }
    return env;
  }
}
