import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningPlexServer } from '@medianest/simulators/plex-server/index';
import { defaultScenario } from '@medianest/simulators/scenario/index';
import { type PlexWorld, startPlexWorld } from '@medianest/simulators/scenario/start';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDeps } from '../actor/testing.ts';
import { SqliteQueue } from '../adapter/queue/sqlite.ts';
import { LocalRealtime } from '../adapter/realtime/local.ts';
import { openSqlite } from '../adapter/sqlite/db.ts';
import type { AppError } from '../error/index.ts';
import * as Members from '../household/members.ts';
import { handleWith, JobRegistry } from '../jobs/registry.ts';
import { createLogger } from '../observability/logger.ts';
import type { Table } from '../port/table.ts';
import type { System } from '../system/index.ts';
import { availability } from './availability.ts';
import { LibraryUnavailableError, SyncBusyError } from './errors.ts';
import { keys } from './keys.ts';
import {
  beginSync,
  type LibrarySystem,
  librarySyncJob,
  PUBLISH_EVERY_MS,
  SYNC_MESSAGE,
  SyncJobData,
  type SyncStatus,
  startSync,
  syncStatus,
  syncStep,
} from './sync.ts';
import { as, householdOf, type LibraryTestDeps, libraryDeps, type TestHousehold } from './testing.ts';

const MOVIES = 5_000;
const SHOWS = 200;

let world: PlexWorld;
let pms: RunningPlexServer;

beforeAll(async () => {
  const scenario = structuredClone(defaultScenario);
  const server = scenario.servers?.[0];
  if (!server) throw new Error('no server');
  server.sections = [
    { key: '1', title: 'Movies', type: 'movie', count: MOVIES, path: '/data/media/movies' },
    { key: '2', title: 'TV Shows', type: 'show', count: SHOWS, path: '/data/media/tv' },
    { key: '3', title: 'Home Videos', type: 'movie', count: 0, path: '/data/media/home' },
  ];
  world = await startPlexWorld(scenario);
  pms = world.servers.get(server.machineIdentifier) as RunningPlexServer;
});
afterAll(() => world.close());

const pageHits = (section: string) => pms.hits().byRoute[`GET /library/sections/${section}/all`] ?? 0;

/** A few movies straight from the simulator, with their tmdb ids. */
async function sampleTmdbIds(n: number): Promise<number[]> {
  const res = await fetch(
    `${pms.url}/library/sections/1/all?includeGuids=1&X-Plex-Container-Start=1234&X-Plex-Container-Size=${n}`,
    { headers: { accept: 'application/json', 'x-plex-token': pms.ownerToken } },
  );
  const body = (await res.json()) as { MediaContainer: { Metadata: { Guid: { id: string }[] }[] } };
  return body.MediaContainer.Metadata.map((m) =>
    Number(m.Guid.find((g) => g.id.startsWith('tmdb://'))?.id.slice('tmdb://'.length)),
  );
}

describe('the library.sync job (SQLite)', () => {
  let deps: LibraryTestDeps;
  let h: TestHousehold;
  beforeEach(async () => {
    deps = libraryDeps(createTestDeps(), world, { sync: { fullPage: 1000, pagesPerStep: 2 } });
    h = await householdOf(deps, world);
    pms.resetHits();
  });
  afterEach(async () => {
    pms.faults.clear();
    await deps.close();
  });

  it('indexes a 5,200-item library in large pages, chunk by chunk, and answers availability from it', async () => {
    // act
    const begun = await as(h.owner, h.hh, () => startSync(deps, { mode: 'incremental' }));
    const steps = await deps.drain();
    // assert: an incremental sync with no index yet is a full one
    expect(begun.mode).toBe('full');
    expect(steps.map((s) => s.outcome)).toEqual(['continued', 'continued', 'continued', 'finished']);
    expect(pageHits('1')).toBe(MOVIES / 1000);
    expect(pageHits('2')).toBe(1);
    const status = await as(h.owner, h.hh, () => syncStatus(deps, {}));
    expect(status).toMatchObject({ state: 'idle', mode: 'full', progress: 1, error: null });
    expect(status.counts.itemsRead).toBe(MOVIES + SHOWS);
    // movies carry imdb + tmdb, shows also tvdb
    expect(status.counts.written).toBeGreaterThan(2 * MOVIES);
    expect(status.counts.writeCalls).toBeGreaterThanOrEqual(Math.ceil(status.counts.written / 25));
    expect(status.counts.requests).toBe(1 + MOVIES / 1000 + 1 + 1);
    const ids = await sampleTmdbIds(20);
    const answers = await as(h.frank, h.hh, () =>
      availability(deps, h.hh, [...ids.map((tmdbId) => ({ tmdbId })), { tmdbId: 424_242_424 }]),
    );
    expect(answers.slice(0, 20).every((a) => a.status === 'available')).toBe(true);
    expect(answers[20]?.status).toBe('none');
  });

  it('resumes a crashed sync where it stopped instead of starting over', async () => {
    // arrange: the table starts failing after 120 batch writes (a 1,000-movie page is 80: mid-way through page 2)
    const table = deps.table;
    let writes = 0;
    let crash = true;
    deps.table = new Proxy(table, {
      get(target, prop) {
        if (prop === 'batchWrite') {
          return async (ops: Parameters<Table['batchWrite']>[0]) => {
            if (crash && ++writes > 120) throw new Error('process died');
            return target.batchWrite(ops);
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await beginSync(deps, h.hh, 'full');
    const crashed = await deps.drain().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(crashed).toBeInstanceOf(Error);
    const midway = await as(h.owner, h.hh, () => syncStatus(deps, {}));
    expect(midway.state).toBe('running');
    expect(midway.error).toBe('process died');
    expect(midway.progress).toBeGreaterThan(0);
    expect(midway.progress).toBeLessThan(1);
    const readBeforeCrash = pageHits('1');
    // act: the queue redelivers the message (drain put it back), the process is healthy again
    crash = false;
    await deps.drain();
    // assert: only the page in flight was read again
    expect(pageHits('1')).toBe(MOVIES / 1000 + 1);
    expect(readBeforeCrash).toBe(2);
    const done = await as(h.owner, h.hh, () => syncStatus(deps, {}));
    expect(done).toMatchObject({ state: 'idle', progress: 1, error: null });
    const ids = await sampleTmdbIds(10);
    const answers = await as(h.owner, h.hh, () =>
      availability(
        deps,
        h.hh,
        ids.map((tmdbId) => ({ tmdbId })),
      ),
    );
    expect(answers.every((a) => a.status === 'available')).toBe(true);
  });

  it('reads only recent pages incrementally, and a full pass removes what Plex no longer has', async () => {
    await beginSync(deps, h.hh, 'full');
    await deps.drain();
    // A stale entry, as if Plex had deleted the item since the last full pass.
    const scope = `${pms.machineIdentifier}:1`;
    await deps.table.put({
      ...keys.index(h.hh, scope, 'tmdb://777000777'),
      type: 'lib',
      v: 1,
      guid: 'tmdb://777000777',
      server: pms.machineIdentifier,
      section: '1',
      rk: ['1'],
      t: 'movie',
      gen: 0,
      at: 0,
    });
    const added = pms.addItems('1', 100);
    pms.resetHits();
    // act
    await beginSync(deps, h.hh, 'incremental');
    const steps = await deps.drain();
    // assert
    // three sections, one page each, two pages per step
    expect(steps.map((s) => s.outcome)).toEqual(['continued', 'finished']);
    expect(pageHits('1')).toBe(1);
    expect(pageHits('2')).toBe(1);
    expect(pageHits('3')).toBe(1);
    const status = await as(h.owner, h.hh, () => syncStatus(deps, {}));
    expect(status.mode).toBe('incremental');
    expect(status.counts.itemsRead).toBeLessThanOrEqual(3 * 200);
    expect(status.counts.deleted).toBe(0);
    const newIds = added.slice(0, 5).map((m) => ({
      tmdbId: Number(
        (m.Guid as { id: string }[]).find((g) => g.id.startsWith('tmdb://'))?.id.slice('tmdb://'.length),
      ),
    }));
    const stale = { tmdbId: 777_000_777 };
    const before = await as(h.owner, h.hh, () => availability(deps, h.hh, [...newIds, stale]));
    expect(before.map((a) => a.status)).toEqual([
      'available',
      'available',
      'available',
      'available',
      'available',
      'available',
    ]);
    // the full pass is the reconcile
    await beginSync(deps, h.hh, 'full');
    await deps.drain();
    const after = await as(h.owner, h.hh, () =>
      availability(deps, h.hh, [newIds[0] as { tmdbId: number }, stale]),
    );
    expect(after.map((a) => a.status)).toEqual(['available', 'none']);
    expect((await as(h.owner, h.hh, () => syncStatus(deps, {}))).counts.deleted).toBe(1);
  });

  it('lets admins start it once at a time, and members not at all', async () => {
    await as(h.owner, h.hh, () => startSync(deps, { mode: 'full' }));
    const again = await as(h.owner, h.hh, () => startSync(deps, { mode: 'full' })).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(SyncBusyError);
    const byMember = await as(h.frank, h.hh, () => startSync(deps, { mode: 'full' })).catch(
      (e: unknown) => e,
    );
    expect((byMember as AppError).kind).toBe('forbidden');
    const view = await as(h.frank, h.hh, () => syncStatus(deps, {})).catch((e: unknown) => e);
    expect((view as AppError).kind).toBe('forbidden');
    // A run that stopped moving is resumed by the next start rather than refused.
    deps.queue.messages.length = 0;
    deps.base.clock.advance(11 * 60 * 1000);
    const resumed = await as(h.owner, h.hh, () => startSync(deps, { mode: 'full' }));
    expect(resumed.resumed).toBe(true);
    await deps.drain();
    expect((await as(h.owner, h.hh, () => syncStatus(deps, {}))).state).toBe('idle');
  });

  it('reports a Plex server that is down as unavailable and records it for the admin', async () => {
    await beginSync(deps, h.hh, 'full');
    pms.faults.add({ path: '/library/sections/1/all', status: 503 });
    const err = await deps.drain().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LibraryUnavailableError);
    const status = await as(h.owner, h.hh, () => syncStatus(deps, {}));
    expect(status.error).toMatch(/Olivia's Plex failed to answer/);
  });
});

interface SyncMessage {
  type: string;
  data: { householdId: string; event: 'progress' | 'finished'; status: SyncStatus };
}

/** A socket on the local realtime hub, as the runtime's /ws connects one, recording what it gets. */
function socket(realtime: LocalRealtime, id: string, userId: string, householdId: string) {
  const got: SyncMessage[] = [];
  realtime.connect(
    { id, send: (data) => got.push(JSON.parse(data) as SyncMessage) },
    { userId, householdId },
  );
  return got;
}

describe('library.sync progress on the realtime hub (SQLite)', () => {
  let deps: LibraryTestDeps;
  let h: TestHousehold;
  let realtime: LocalRealtime;
  beforeEach(async () => {
    realtime = new LocalRealtime();
    deps = libraryDeps(createTestDeps(), world, { sync: { fullPage: 1000, pagesPerStep: 1 }, realtime });
    h = await householdOf(deps, world);
    // Fiona is made an admin; Frank stays a member.
    await as(h.owner, h.hh, () => Members.setRole(deps, { userId: h.fiona, role: 'admin' }));
  });
  afterEach(async () => {
    pms.faults.clear();
    await deps.close();
  });

  it("tells the household's admins how the run stands, at most once a second, and when it ends", async () => {
    const olivia = socket(realtime, 'ws-olivia', h.owner, h.hh);
    const fiona = socket(realtime, 'ws-fiona', h.fiona, h.hh);
    const frank = socket(realtime, 'ws-frank', h.frank, h.hh);

    // The start goes out at once.
    await as(h.owner, h.hh, () => startSync(deps, { mode: 'full' }));
    expect(olivia).toHaveLength(1);
    expect(olivia[0]).toMatchObject({
      type: SYNC_MESSAGE,
      data: {
        householdId: h.hh,
        event: 'progress',
        status: { state: 'running', mode: 'full', progress: 0 },
      },
    });

    // Within the same second a step moves the run without a word.
    await deps.drain(1);
    expect(olivia).toHaveLength(1);

    // A second later, the next step's page is announced: one message, with what it read.
    deps.base.clock.advance(PUBLISH_EVERY_MS);
    await deps.drain(1);
    expect(olivia).toHaveLength(2);
    const moving = olivia[1]?.data;
    expect(moving?.event).toBe('progress');
    expect(moving?.status.state).toBe('running');
    expect(moving?.status.counts.itemsRead).toBe(2_000);
    expect(moving?.status.progress).toBeGreaterThan(0);
    expect(moving?.status.progress).toBeLessThan(1);

    // A failed step is told at once, whatever the throttle says.
    const fault = pms.faults.add({ path: '/library/sections/1/all', status: 500 });
    await expect(deps.drain(1)).rejects.toThrow();
    expect(olivia).toHaveLength(3);
    expect(olivia[2]?.data.status.error).toMatch(/Olivia's Plex/);
    pms.faults.remove(fault);

    // The rest runs within the same second: nothing until the finish, which always goes out.
    await deps.drain();
    expect(olivia).toHaveLength(4);
    expect(olivia[3]?.data).toMatchObject({
      event: 'finished',
      status: { state: 'idle', progress: 1, error: null },
    });
    const last = olivia[3]?.data.status as SyncStatus;
    expect(last.counts.itemsRead).toBe(last.sections.reduce((n, sec) => n + sec.total, 0));
    expect(last.counts.itemsRead).toBeGreaterThanOrEqual(MOVIES + SHOWS);
    expect(olivia[3]?.data.status.lastFullAt).toBe(deps.clock.now());
    // What the admin view reads is what the last message said.
    expect(await as(h.owner, h.hh, () => syncStatus(deps, {}))).toEqual(olivia[3]?.data.status);

    // Every admin got the same messages; a member none.
    expect(fiona).toEqual(olivia);
    expect(frank).toEqual([]);
  });

  it('a duplicate delivery that loses the revision race announces nothing', async () => {
    const olivia = socket(realtime, 'ws-olivia', h.owner, h.hh);
    await beginSync(deps, h.hh, 'full');
    await deps.drain(1);
    const next = deps.queue.messages.shift();
    if (!next) throw new Error('no step queued');
    const data = SyncJobData.parse((next.body as { data: unknown }).data);
    deps.base.clock.advance(PUBLISH_EVERY_MS);
    // The queue delivers the same step twice at once: both read the page, one saves it.
    const outcomes = (await Promise.all([syncStep(deps, data), syncStep(deps, data)])).map((r) => r.outcome);
    expect(outcomes.sort()).toEqual(['continued', 'stale']);
    // The start and the winner's page: the loser said nothing.
    expect(olivia.map((m) => m.data.status.counts.itemsRead)).toEqual([0, 2_000]);
  });
});

describe('the library.sync job through the Queue port', () => {
  it('runs every step from the SQLite queue with the job registry', async () => {
    // arrange
    const dir = mkdtempSync(join(tmpdir(), 'medianest-libq-'));
    const db = openSqlite(join(dir, 'q.db'));
    const queue = new SqliteQueue(db);
    const deps = libraryDeps(createTestDeps(), world, { sync: { fullPage: 1000, pagesPerStep: 3 } });
    try {
      const h = await householdOf(deps, world);
      const realtime = new LocalRealtime();
      const olivia = socket(realtime, 'ws-olivia', h.owner, h.hh);
      const system = {
        ...deps,
        queue,
        realtime,
        logger: createLogger('test', { level: 'ERROR' }),
        http: deps.http,
        libraryServers: deps.servers,
        librarySync: { fullPage: 1000, pagesPerStep: 3 },
      } as unknown as System & LibrarySystem;
      const registry = new JobRegistry([librarySyncJob]);
      // act
      await beginSync({ ...deps, queue }, h.hh, 'full');
      let handled = 0;
      for (let i = 0; i < 20; i++) {
        const n = await queue.poll('jobs', async (messages) => {
          for (const m of messages) await handleWith(registry, system, m);
          return { batchItemFailures: [] };
        });
        handled += n;
        if (n === 0) break;
      }
      // assert
      expect(handled).toBe(3);
      const status = await as(h.owner, h.hh, () => syncStatus(deps, {}));
      expect(status).toMatchObject({ state: 'idle', progress: 1 });
      expect(status.counts.itemsRead).toBe(status.sections.reduce((n, s) => n + s.total, 0));
      expect(status.counts.itemsRead).toBeGreaterThanOrEqual(MOVIES + SHOWS);
      // The job reaches the System's realtime: the owner's socket heard the finish.
      expect(olivia.at(-1)?.data).toMatchObject({
        event: 'finished',
        status: { state: 'idle', progress: 1 },
      });
    } finally {
      await deps.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('refuses to run without the wiring it needs', async () => {
    const registry = new JobRegistry([librarySyncJob]);
    const system = { logger: createLogger('test', { level: 'ERROR' }) } as unknown as System;
    const err = await handleWith(registry, system, {
      id: 'm1',
      queue: 'jobs',
      body: { type: 'library.sync', data: { householdId: 'hh_x', runId: 'r' } },
      receiveCount: 1,
      attributes: {},
      sentAt: 0,
    }).catch((e: unknown) => e);
    expect((err as AppError).code).toBe('library.not_configured');
  });
});
