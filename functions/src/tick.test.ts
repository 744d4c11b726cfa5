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
    // act
    const first = await handler(scheduledEvent('2026-11-26T06:00:00Z', 'e1'));
    const sameHour = await handler(scheduledEvent('2026-11-26T06:59:00Z', 'e2'));
    const nextHour = await handler(
      scheduledEvent(new Date(Date.UTC(2026, 10, 26, 6) + SWEEP_INTERVAL_MS).toISOString(), 'e3'),
    );
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
