/**
 * The job registry every runtime uses: the local consumer and the Lambda SQS worker both call
 * `handleJob`, the scheduled tick (`runTick`) and the domain enqueue through `enqueueJob`.
 * Feature modules add their definitions to `jobs` below.
 */
import { bulkJob as downloadBulkJob, sweepLeasesJob as downloadSweepLeasesJob } from '../download/jobs.ts';
import { dispatchJob as downloadDispatchJob } from '../download/remote.ts';
import { syncSweepJob as librarySyncSweepJob } from '../library/schedule.ts';
import { librarySyncJob } from '../library/sync.ts';
import { deliverJob as notificationDeliverJob } from '../notification/deliver.ts';
import type { QueueMessage } from '../port/queue.ts';
import { checkHouseholdJob, sweepJob as statusSweepJob } from '../status/jobs.ts';
import type { System } from '../system/index.ts';
import { sweepExpired } from './maintenance.ts';
import { type EnqueueOptions, enqueueWith, handleWith, JobRegistry } from './registry.ts';
import { runTickWith, type TickResult } from './tick.ts';

export { sweepExpired } from './maintenance.ts';
export * from './registry.ts';
export { SWEEP_INTERVAL_MS, type TickResult } from './tick.ts';

/** The process-wide registry. */
export const jobs = new JobRegistry([
  sweepExpired,
  checkHouseholdJob,
  statusSweepJob,
  notificationDeliverJob,
  librarySyncJob,
  librarySyncSweepJob,
  downloadSweepLeasesJob,
  downloadDispatchJob,
  downloadBulkJob,
]);

export function handleJob(system: System, message: QueueMessage): Promise<void> {
  return handleWith(jobs, system, message);
}

export function enqueueJob(
  system: Pick<System, 'queue'>,
  type: string,
  data: unknown,
  options?: EnqueueOptions,
): Promise<{ id: string; deduplicated: boolean }> {
  return enqueueWith(jobs, system, type, data, options);
}

/** One scheduled tick at `now` (epoch ms): enqueues the periodic jobs that are due. */
export function runTick(system: System, now: number): Promise<TickResult> {
  return runTickWith(jobs, system, now);
}
