import { z } from 'zod';
import { defineJob, JOBS_QUEUE } from './registry.ts';

/** Deletes expired items where the store does not expire them itself (SQLite; a no-op on DynamoDB). */
export const sweepExpired = defineJob({
  type: 'maintenance.sweep_expired',
  queue: JOBS_QUEUE,
  schema: z.object({}).loose(),
  async handle(system, _data, context) {
    const deleted = await system.table.sweepExpired();
    context.logger.info('Swept expired items', { deleted });
  },
});
