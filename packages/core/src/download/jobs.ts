/**
 * Periodic work of the download domain: expired agent leases go back to the queue (or fail with
 * a reason). The in-process AgentHub also sweeps on its own timer; this job covers runtimes where
 * no hub lives in the process (the AWS worker) and agents that vanished with their connection.
 */
import { z } from 'zod';
import type { EnqueueOptions } from '../jobs/registry.ts';
import { defineJob, JOBS_QUEUE } from '../jobs/registry.ts';
import type { System } from '../system/index.ts';
import { BULK_JOB, runBulk, sweepLeases } from './download.ts';
import { type DownloadItem, keys } from './keys.ts';
import { remoteHubDeps } from './remote.ts';

export const SWEEP_LEASES_JOB = 'download.sweep_leases';
/** Leases last a minute; sweeping every minute bounds how long a dead agent holds a job to ~2 min. */
export const LEASE_SWEEP_INTERVAL_MS = 60_000;

export const sweepLeasesJob = defineJob({
  type: SWEEP_LEASES_JOB,
  queue: JOBS_QUEUE,
  schema: z.object({}).loose(),
  async handle(system, _data, context) {
    let total = { requeued: 0, failed: 0 };
    // What goes back to the queue is offered to agents connected through the table (AWS) at once.
    const deps = remoteHubDeps(system, { logger: context.logger });
    // Bounded: a backlog larger than this is left for the next minute.
    for (let i = 0; i < 10; i++) {
      const r = await sweepLeases(deps, { limit: 100 });
      total = { requeued: total.requeued + r.requeued, failed: total.failed + r.failed };
      if (r.requeued + r.failed < 100) break;
    }
    if (total.requeued + total.failed > 0) context.logger.info('Expired download leases', total);
  },
});

/**
 * Called by the tick: when some lease has run out, one sweep per minute slot (the dedupId keeps
 * overlapping ticks to one). With no expired lease nothing is enqueued, so idle costs one query.
 */
export async function scheduleLeaseSweep(
  system: System,
  now: number,
  enqueue: (
    type: string,
    data: unknown,
    options?: EnqueueOptions,
  ) => Promise<{ id: string; deduplicated: boolean }>,
): Promise<string[]> {
  const expired = await system.table.query({
    index: 'gsi2',
    pk: keys.LEASE_INDEX,
    sk: { lt: `${String(now).padStart(13, '0')}#` },
    limit: 1,
  });
  if (expired.items.length === 0) return [];
  const slot = Math.floor(now / LEASE_SWEEP_INTERVAL_MS);
  const { deduplicated } = await enqueue(SWEEP_LEASES_JOB, {}, { dedupId: `${SWEEP_LEASES_JOB}#${slot}` });
  return deduplicated ? [] : [SWEEP_LEASES_JOB];
}

/**
 * A submission's cancel or retry, carried on a few batches per message (`runBulk`); while more is
 * left, the next message carries on from where this one stopped. A lost message is resumed by the
 * lease sweep (the bulk holds a lease on the submission).
 */
export const bulkJob = defineJob({
  type: BULK_JOB,
  queue: JOBS_QUEUE,
  schema: z.object({ householdId: z.string().min(1).max(64), parentId: z.string().min(1).max(64) }),
  async handle(system, { householdId, parentId }, context) {
    const deps = remoteHubDeps(system, { logger: context.logger });
    const r = await runBulk(deps, householdId, parentId);
    if (r.done) return;
    const parent = await deps.table.get<DownloadItem>(keys.download(householdId, parentId));
    if (!parent || parent.bulkAt === undefined) return;
    await system.queue.send(
      JOBS_QUEUE,
      { type: BULK_JOB, data: { householdId, parentId } },
      { dedupId: `${BULK_JOB}#${parentId}#${parent.bulkAt}#${parent.bulkNext}` },
    );
  },
});
