/** The metering decorators on a real local System (SQLite in a temp dir): AWS units per call. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notExists } from '@medianest/core/port/table';
import { createLocalSystem, type LocalSystem, loadConfig } from '@medianest/core/system/index';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dynamoItemSize, installMeters, Meter } from './meter.ts';

describe('cost meters', () => {
  let dir: string;
  let system: LocalSystem;
  let meter: Meter;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'medianest-meter-'));
    system = await createLocalSystem(loadConfig({ MEDIANEST_DATA_DIR: dir, LOG_LEVEL: 'SILENT' }));
    meter = new Meter();
    installMeters(system, meter);
  });
  afterEach(async () => {
    await system.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sizes items as DynamoDB does (names + UTF-8 strings + numbers by digits)', () => {
    expect(dynamoItemSize({ pk: 'H#1', sk: 'META' })).toBe(2 + 3 + 2 + 4);
    expect(dynamoItemSize({ n: 12345 })).toBe(1 + 4);
    expect(dynamoItemSize({ s: 'é' })).toBe(1 + 2);
    expect(dynamoItemSize({ ok: true, none: null })).toBe(2 + 1 + 4 + 1);
    expect(dynamoItemSize({ l: ['a', 'b'] })).toBe(1 + 3 + 2 + 2);
  });

  it('bills writes per started KB (the larger of old and new), reads per 4 KB, failed conditions too', async () => {
    await system.table.put({ pk: 'A', sk: 'B', blob: 'x'.repeat(3000) });
    expect(meter.usage.dynamoWriteUnits).toBe(3);
    await expect(system.table.put({ pk: 'A', sk: 'B' }, notExists)).rejects.toThrow();
    expect(meter.usage.dynamoWriteUnits).toBe(6);
    await system.table.get({ pk: 'A', sk: 'B' });
    await system.table.get({ pk: 'A', sk: 'missing' });
    expect(meter.usage.dynamoReadUnits).toBe(2);
    await system.table.put({ pk: 'A', sk: 'C', blob: 'y'.repeat(5000) });
    await system.table.query({ pk: 'A' });
    // 3 KB + 5 KB returned by one query: 2 read units of 4 KB, strongly consistent.
    expect(meter.usage.dynamoReadUnits).toBe(4);
  });

  it('bills transactions twice and counts the AWS queue adapter’s de-duplication writes', async () => {
    await system.table.transact([{ put: { pk: 'T', sk: '1' } }, { put: { pk: 'T', sk: '2' } }]);
    expect(meter.usage.dynamoWriteUnits).toBe(4);
    await system.queue.send('jobs', { type: 'x', data: 'z'.repeat(70 * 1024) });
    expect(meter.usage.sqsRequests).toBe(2);
    await system.queue.send('jobs', { type: 'x', data: {} }, { dedupId: 'd1' });
    await system.queue.send('jobs', { type: 'x', data: {} }, { dedupId: 'd1' });
    // first: marker put + id update + 1 send; second: marker put (fails) + marker read, no send
    expect(meter.usage.sqsRequests).toBe(3);
    expect(meter.usage.dynamoWriteUnits).toBe(4 + 3);
    expect(meter.usage.dynamoReadUnits).toBe(1);
  });

  it('bills an invocation per started ms at its memory, with the modelled latency of its AWS calls', async () => {
    meter.takeCalls();
    await system.table.get({ pk: 'nope', sk: 'nope' });
    await system.keyring.encrypt('secret', { householdId: 'hh_1' });
    const { billedMs, latencyMs } = meter.invocation('http', 1024, 2.2);
    expect(latencyMs).toBe(5 + 8);
    expect(billedMs).toBe(16);
    expect(meter.usage.lambdaGbSeconds).toBeCloseTo(0.016);
    expect(meter.usage.kmsRequests).toBe(1);
    expect(meter.functions.http).toEqual({ invocations: 1, gbSeconds: 0.016, billedMs: [16] });
  });
});
