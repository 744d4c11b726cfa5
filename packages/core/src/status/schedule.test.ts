import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningUptimeKuma, startUptimeKuma } from '@medianest/simulators/uptime-kuma/index';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OutboundHttp } from '../adapter/http/http.ts';
import * as Integration from '../integration/integration.ts';
import { type SeededHousehold, seedHousehold, simulatorHttp } from '../integration/testing.ts';
import { handleJob, JOBS_QUEUE, runTick } from '../jobs/index.ts';
import { createLogger } from '../observability/logger.ts';
import { FakeClock } from '../port/clock.ts';
import type { QueueMessage } from '../port/queue.ts';
import { createLocalSystem, type LocalSystem, loadConfig } from '../system/index.ts';
import {
  CHECK_JOB,
  requestWatchedCheck,
  type StatusSystem,
  SWEEP_JOB,
  scheduleStatusChecks,
} from './jobs.ts';

const HOUSEHOLDS = 100;
const slug = (i: number) => `hh${i}`;

let kuma: RunningUptimeKuma;
let dir: string;
let system: LocalSystem & StatusSystem & { http: OutboundHttp };
let http: OutboundHttp;
let clock: FakeClock;
let households: SeededHousehold[];

beforeAll(async () => {
  kuma = await startUptimeKuma({
    monitors: [{ id: 1, name: 'Plex', status: 'UP' }],
    // One status page per household, so the hits say which household was checked.
    statusPages: Array.from({ length: HOUSEHOLDS }, (_, i) => ({
      slug: slug(i),
      title: `H${i}`,
      monitorIds: [1],
    })),
    beatIntervalMs: 0,
  });
  dir = mkdtempSync(join(tmpdir(), 'mn-status-'));
  clock = new FakeClock(Date.UTC(2026, 10, 1, 10, 0, 0));
  // Checks every 60 s, the tick's own period (30 s would send two per household per tick).
  const local = await createLocalSystem(
    loadConfig({ MEDIANEST_DATA_DIR: dir, MEDIANEST_STATUS_INTERVAL_SECONDS: '60' }),
    {
      clock,
      logger: createLogger('medianest-test', { level: 'SILENT' }),
    },
  );
  http = simulatorHttp([kuma.url]);
  // A spread, not Object.assign: the System may expose `http` as a getter.
  system = { ...local, http };
  households = [];
  for (let i = 0; i < HOUSEHOLDS; i++) {
    const hh = await seedHousehold(system, { ownerToken: `owner-token-${i}` });
    await hh.as(hh.ownerId, () =>
      Integration.save(system, { kind: 'uptime_kuma', url: kuma.url, slug: slug(i) }),
    );
    households.push(hh);
  }
});
afterAll(async () => {
  http.close();
  await system.close();
  rmSync(dir, { recursive: true, force: true });
  await kuma.close();
});

const connections = new Set<string>();

beforeEach(async () => {
  // A fresh hour per test: new schedule slots, dedup windows long past, an empty queue.
  clock.advance(60 * 60_000);
  await drain();
  kuma.resetHits();
});
afterEach(() => {
  vi.unstubAllEnvs();
  for (const id of connections) system.realtime.disconnect(id);
  connections.clear();
});

async function drain(): Promise<QueueMessage[]> {
  const out: QueueMessage[] = [];
  while (
    (await system.queue.poll(JOBS_QUEUE, async (ms) => {
      out.push(...ms);
      return { batchItemFailures: [] };
    })) > 0
  );
  return out;
}

const watch = (i: number) => {
  connections.add(`conn-${i}`);
  system.realtime.connect(
    { id: `conn-${i}`, send: () => {} },
    { userId: households[i]!.ownerId, householdId: households[i]!.householdId },
  );
};

/** Households whose status page the simulator served. */
const checkedSlugs = () =>
  Object.keys(kuma.hits().byRoute)
    .map((r) => /^GET \/api\/status-page\/(hh\d+)$/.exec(r)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();

describe('checking only what is watched', () => {
  it('with 100 households and 3 watched, one tick enqueues exactly 3 checks and only those 3 are called', async () => {
    // arrange: checks every 60 s (the config's MEDIANEST_STATUS_INTERVAL_SECONDS), the tick's period
    for (const i of [4, 42, 97]) watch(i);
    // act
    const tick = await runTick(system, clock.now());
    const queued = await drain();
    for (const m of queued) if ((m.body as { type: string }).type === CHECK_JOB) await handleJob(system, m);
    // assert
    expect(tick.enqueued.filter((t) => t === CHECK_JOB)).toHaveLength(3);
    const checks = queued.filter((m) => (m.body as { type: string }).type === CHECK_JOB);
    expect(checks.map((m) => (m.body as { data: { householdId: string } }).data.householdId).sort()).toEqual(
      [4, 42, 97].map((i) => households[i]!.householdId).sort(),
    );
    expect(checkedSlugs()).toEqual(['hh4', 'hh42', 'hh97'].sort());
  });

  it('with nobody watching, a tick enqueues no check and the simulator sees no call', async () => {
    const tick = await runTick(system, clock.now());
    const queued = await drain();
    for (const m of queued) if ((m.body as { type: string }).type === CHECK_JOB) await handleJob(system, m);
    expect(tick.enqueued.filter((t) => t === CHECK_JOB)).toEqual([]);
    expect(queued.filter((m) => (m.body as { type: string }).type === CHECK_JOB)).toEqual([]);
    expect(kuma.hits().total).toBe(0);
  });

  it('stops checking a household once its last viewer leaves', async () => {
    watch(7);
    const first = await runTick(system, clock.now());
    for (const m of await drain())
      if ((m.body as { type: string }).type === CHECK_JOB) await handleJob(system, m);
    expect(first.enqueued.filter((t) => t === CHECK_JOB)).toHaveLength(1);
    expect(checkedSlugs()).toEqual(['hh7']);
    system.realtime.disconnect('conn-7');
    kuma.resetHits();
    const next = await runTick(system, clock.now() + 60_000);
    expect(next.enqueued.filter((t) => t === CHECK_JOB)).toEqual([]);
    expect(kuma.hits().total).toBe(0);
  });

  it('a second tick in the same interval does not enqueue again; a shorter interval spreads delayed checks', async () => {
    watch(1);
    const enqueue = (type: string, data: unknown, options?: { dedupId?: string; delaySeconds?: number }) =>
      system.queue.send(JOBS_QUEUE, { type, data }, options);
    const now = clock.now();
    expect(await scheduleStatusChecks(system, now, enqueue, { watchedIntervalMs: 60_000 })).toContain(
      CHECK_JOB,
    );
    expect(await scheduleStatusChecks(system, now + 20_000, enqueue, { watchedIntervalMs: 60_000 })).toEqual(
      [],
    );
    // 15 s checks from a 60 s tick: four messages, 0/15/30/45 s apart.
    const spread = await scheduleStatusChecks(system, now + 60_000, enqueue, { watchedIntervalMs: 15_000 });
    expect(spread.filter((t) => t === CHECK_JOB)).toHaveLength(4);
  });

  it('the slow sweep runs at most once per 15 minutes and checks every household with integrations', async () => {
    // act
    const ticks = [];
    for (let m = 0; m < 15; m += 3) ticks.push(await runTick(system, clock.now() + m * 60_000));
    const sweeps = ticks.flatMap((t) => t.enqueued).filter((t) => t === SWEEP_JOB);
    const queued = await drain();
    for (const m of queued) if ((m.body as { type: string }).type === SWEEP_JOB) await handleJob(system, m);
    const checks = (await drain()).filter((m) => (m.body as { type: string }).type === CHECK_JOB);
    // assert
    expect(sweeps).toHaveLength(1);
    expect(
      new Set(checks.map((m) => (m.body as { data: { householdId: string } }).data.householdId)).size,
    ).toBe(HOUSEHOLDS);
    expect(checks.every((m) => (m.body as { data: { reason: string } }).data.reason === 'sweep')).toBe(true);
  });

  it('takes the interval from MEDIANEST_STATUS_INTERVAL_SECONDS through the config (2 s: 30 spread checks per 60 s tick), even when the process environment says otherwise', async () => {
    // arrange
    watch(3);
    vi.stubEnv('MEDIANEST_STATUS_INTERVAL_SECONDS', '600');
    const fast = {
      ...system,
      config: loadConfig({ MEDIANEST_DATA_DIR: dir, MEDIANEST_STATUS_INTERVAL_SECONDS: '2' }),
    };
    // act
    const tick = await runTick(fast, clock.now());
    const isCheck = (m: QueueMessage) => (m.body as { type: string }).type === CHECK_JOB;
    const dueNow = (await drain()).filter(isCheck);
    clock.advance(60_000);
    const later = (await drain()).filter(isCheck);
    // assert
    expect(fast.config.statusIntervalMs).toBe(2000);
    expect(tick.enqueued.filter((t) => t === CHECK_JOB)).toHaveLength(30);
    // One due now, the other 29 delayed 2 s apart over the tick period.
    expect(dueNow).toHaveLength(1);
    expect(later).toHaveLength(29);
  });

  it('refuses an interval below 2 s or a non-number at start-up, naming the variable', () => {
    for (const bad of ['1', '0', 'fast', '3601']) {
      expect(() => loadConfig({ MEDIANEST_STATUS_INTERVAL_SECONDS: bad })).toThrow(
        /MEDIANEST_STATUS_INTERVAL_SECONDS: expected an integer 2–3600/,
      );
    }
    expect(loadConfig({}).statusIntervalMs).toBe(30_000);
  });
});

describe('a new viewer', () => {
  it('asks for one check at once, de-duplicated with the tick of the same interval; none without integrations', async () => {
    // arrange
    const hh = households[11]!;
    const bare = await seedHousehold(system, { ownerToken: 'owner-token-bare' });
    // act
    const first = await requestWatchedCheck(system, hh.householdId, clock.now());
    const again = await requestWatchedCheck(system, hh.householdId, clock.now() + 1000);
    const none = await requestWatchedCheck(system, bare.householdId, clock.now());
    watch(11);
    const tick = await runTick(system, clock.now() + 2000);
    const queued = await drain();
    for (const m of queued) if ((m.body as { type: string }).type === CHECK_JOB) await handleJob(system, m);
    // assert
    expect([first, again, none]).toEqual([1, 0, 0]);
    expect(tick.enqueued.filter((t) => t === CHECK_JOB)).toEqual([]);
    expect(queued.filter((m) => (m.body as { type: string }).type === CHECK_JOB)).toHaveLength(1);
    expect(checkedSlugs()).toEqual(['hh11']);
  });

  it('with an interval below the tick period, also sends the rest of the period (delayed), as the tick would have', async () => {
    // arrange: 2 s checks, a viewer arriving between two 60 s ticks
    const fast = {
      ...system,
      config: loadConfig({ MEDIANEST_DATA_DIR: dir, MEDIANEST_STATUS_INTERVAL_SECONDS: '2' }),
    };
    const hh = households[12]!;
    const isCheck = (m: QueueMessage) => (m.body as { type: string }).type === CHECK_JOB;
    // act
    const sent = await requestWatchedCheck(fast, hh.householdId, clock.now());
    const dueNow = (await drain()).filter(isCheck);
    const second = await requestWatchedCheck(fast, hh.householdId, clock.now());
    clock.advance(60_000);
    const later = (await drain()).filter(isCheck);
    // assert
    expect(sent).toBe(30);
    expect(dueNow).toHaveLength(1);
    expect(second).toBe(0);
    expect(later).toHaveLength(29);
  });
});
