import { SWEEP_INTERVAL_MS } from '@medianest/core/jobs/index';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scheduledEvent } from './testing/events.ts';
import { type TempSystem, tempSystem } from './testing/system.ts';
import { createTickHandler } from './tick.ts';

describe('tick handler (EventBridge schedule → runTick)', () => {
  let local: TempSystem;
  let handler: ReturnType<typeof createTickHandler>;

  beforeEach(async () => {
    local = await tempSystem();
    handler = createTickHandler(() => local.system);
  });
  afterEach(() => local.cleanup());

  it('enqueues the hourly sweep once per hour, however many ticks arrive', async () => {
    // arrange: the next hour of the real clock: a slot's claim expires (TTL) two hours after the
    // slot starts, so a slot in the past would already have been forgotten.
    const hour = (Math.floor(Date.now() / SWEEP_INTERVAL_MS) + 1) * SWEEP_INTERVAL_MS;
    const at = (ms: number) => new Date(ms).toISOString();
    // act
    const first = await handler(scheduledEvent(at(hour), 'e1'));
    const sameHour = await handler(scheduledEvent(at(hour + 59 * 60_000), 'e2'));
    const nextHour = await handler(scheduledEvent(at(hour + SWEEP_INTERVAL_MS), 'e3'));
    // assert
    expect(first.enqueued).toEqual(['maintenance.sweep_expired']);
    expect(sameHour.enqueued).toEqual([]);
    expect(nextHour.enqueued).toEqual(['maintenance.sweep_expired']);
    expect(await local.system.queue.depth('jobs')).toBe(2);
  });

  it('rejects an event that is not a scheduled event', async () => {
    await expect(handler({ id: 'x' } as never)).rejects.toThrow();
    expect(await local.system.queue.depth('jobs')).toBe(0);
  });
});
