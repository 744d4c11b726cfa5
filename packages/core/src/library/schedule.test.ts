import { type PlexWorld, startPlexWorld } from '@medianest/simulators/scenario/start';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDeps } from '../actor/testing.ts';
import { SWEEP_INDEX_PK } from '../integration/keys.ts';
import { handleWith, JobRegistry } from '../jobs/registry.ts';
import { createLogger } from '../observability/logger.ts';
import type { System } from '../system/index.ts';
import {
  FULL_EVERY_MS,
  INCREMENTAL_EVERY_MS,
  SYNC_SWEEP_JOB,
  scheduleLibrarySync,
  syncIfDue,
  syncSweepJob,
} from './schedule.ts';
import { integrationServers } from './sources.ts';
import { syncStatus } from './sync.ts';
import {
  as,
  householdOf,
  type LibraryTestDeps,
  libraryDeps,
  OWNER_TOKEN,
  type TestHousehold,
} from './testing.ts';

let world: PlexWorld;
beforeAll(async () => {
  world = await startPlexWorld();
});
afterAll(() => world.close());

describe('keeping the index fresh', () => {
  let deps: LibraryTestDeps;
  let h: TestHousehold;
  let machine: string;
  beforeEach(async () => {
    deps = libraryDeps(createTestDeps(), world);
    h = await householdOf(deps, world);
    machine = world.scenario.servers[0]?.machineIdentifier as string;
    // A saved Plex integration, as the integration module stores it (with its sweep index entry).
    await deps.table.put({
      pk: `H#${h.hh}`,
      sk: `INT#plex#${machine}`,
      type: 'integration',
      v: 1,
      rev: 1,
      householdId: h.hh,
      kind: 'plex',
      id: machine,
      name: "Olivia's Plex",
      url: world.servers.get(machine)?.url as string,
      lastTest: null,
      createdAt: 0,
      updatedAt: 0,
      updatedBy: h.owner,
      gsi2pk: SWEEP_INDEX_PK,
      gsi2sk: `${h.hh}#plex#${machine}`,
    });
  });
  afterEach(() => deps.close());

  it('finds the household servers from the saved Plex integration and the owner token', async () => {
    expect(await integrationServers(deps).list(h.hh)).toEqual([
      {
        machineIdentifier: machine,
        name: "Olivia's Plex",
        baseUrl: world.servers.get(machine)?.url,
        token: OWNER_TOKEN,
      },
    ]);
  });

  it('starts a full sync first, then incremental ones when due, and a full one weekly', async () => {
    expect(await syncIfDue(deps, h.hh)).toBe('full');
    expect(await syncIfDue(deps, h.hh)).toBeNull(); // running
    await deps.drain();
    expect(await syncIfDue(deps, h.hh)).toBeNull(); // fresh
    deps.base.clock.advance(INCREMENTAL_EVERY_MS);
    expect(await syncIfDue(deps, h.hh)).toBe('incremental');
    await deps.drain();
    deps.base.clock.advance(FULL_EVERY_MS);
    expect(await syncIfDue(deps, h.hh)).toBe('full');
  });

  it('enqueues one sweep per slot from the tick, and the sweep starts the due syncs', async () => {
    const sent: string[] = [];
    const enqueue = async (type: string) => {
      sent.push(type);
      return { deduplicated: false };
    };
    const now = deps.base.clock.now();
    expect(await scheduleLibrarySync(deps, now, enqueue)).toEqual([SYNC_SWEEP_JOB]);
    expect(await scheduleLibrarySync(deps, now + 1000, enqueue)).toEqual([]);
    expect(sent).toEqual([SYNC_SWEEP_JOB]);
    const system = { ...deps, logger: createLogger('test', { level: 'ERROR' }) } as unknown as System;
    await handleWith(new JobRegistry([syncSweepJob]), system, {
      id: 'm1',
      queue: 'jobs',
      body: { type: SYNC_SWEEP_JOB, data: { slot: 1 } },
      receiveCount: 1,
      attributes: {},
      sentAt: 0,
    });
    expect(deps.queue.messages.map((m) => (m.body as { type: string }).type)).toEqual(['library.sync']);
    await deps.drain();
    expect((await as(h.owner, h.hh, () => syncStatus(deps, {}))).state).toBe('idle');
  });
});
