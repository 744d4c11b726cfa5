/**
 * The library slice: the availability index sync, the image route and the page function.
 *
 * 1. Full index sync of a 50,000-item simulated Plex library (49,000 movies + 1,000 shows) on
 *    SQLite through the real job steps (1,000-item pages, 10 pages per queue message): wall time,
 *    requests to Plex, table write calls and index items written.
 * 2. Incremental sync after 100 additions: time and requests.
 * 3. Image route: cold (Plex transcode + resize + Blob put) vs cached (Blob get + ETag) latency.
 * 4. Library page function (`items`, 60 per page, random offsets and sorts): p50/p99, as the owner
 *    and as a friend (share token + cached sharing data).
 * 5. Availability of 20 titles for a member (one batchGet round).
 *
 *   npx node bench/library.bench.ts   → bench/results/library.json
 *   BENCH_LIBRARY_ITEMS=50000 BENCH_PAGES=300 BENCH_IMAGES=40
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AesKeyring } from '../packages/core/src/adapter/keyring/aes.ts';
import { openSqlite } from '../packages/core/src/adapter/sqlite/db.ts';
import { SqliteTable } from '../packages/core/src/adapter/table/sqlite.ts';
import { availability } from '../packages/core/src/library/availability.ts';
import { items } from '../packages/core/src/library/browse.ts';
import { getImage } from '../packages/core/src/library/image.ts';
import { beginSync, syncStatus } from '../packages/core/src/library/sync.ts';
import { as, householdOf, libraryDeps } from '../packages/core/src/library/testing.ts';
import { FakeClock } from '../packages/core/src/port/clock.ts';
import type { Table } from '../packages/core/src/port/table.ts';
import { defaultScenario } from '../packages/simulators/src/scenario/index.ts';
import { startPlexWorld } from '../packages/simulators/src/scenario/start.ts';

const TOTAL = Number(process.env.BENCH_LIBRARY_ITEMS ?? 50_000);
const PAGES = Number(process.env.BENCH_PAGES ?? 300);
const IMAGES = Number(process.env.BENCH_IMAGES ?? 40);
const SHOWS = Math.round(TOTAL / 50);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
const r2 = (n: number) => Math.round(n * 100) / 100;
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return {
    n: s.length,
    p50Ms: r2(percentile(s, 50)),
    p99Ms: r2(percentile(s, 99)),
    meanMs: r2(s.reduce((a, b) => a + b, 0) / (s.length || 1)),
  };
};

const scenario = structuredClone(defaultScenario);
const server = scenario.servers?.[0];
if (!server) throw new Error('no server in the default scenario');
server.sections = [
  { key: '1', title: 'Movies', type: 'movie', count: TOTAL - SHOWS, path: '/data/media/movies' },
  { key: '2', title: 'TV Shows', type: 'show', count: SHOWS, path: '/data/media/tv' },
];
const world = await startPlexWorld(scenario);
const pms = world.servers.get(server.machineIdentifier);
if (!pms) throw new Error('no PMS');

const dir = mkdtempSync(join(tmpdir(), 'medianest-library-bench-'));
const db = openSqlite(join(dir, 'medianest.db'));
const clock = new FakeClock(Date.UTC(2026, 0, 1));
const raw = new SqliteTable(db, { clock });
const writes = { batchWrite: 0, put: 0, update: 0 };
const table = new Proxy(raw, {
  get(target, prop) {
    const value = Reflect.get(target, prop, target);
    if (typeof value !== 'function') return value;
    if (prop === 'batchWrite' || prop === 'put' || prop === 'update') {
      return (...args: unknown[]) => {
        writes[prop] += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    }
    return value.bind(target);
  },
}) as Table;
const base = {
  table,
  clock,
  keyring: new AesKeyring(randomBytes(32)),
  async close() {
    db.close();
  },
};
const deps = libraryDeps(base, world, { timeoutMs: 10_000, sync: { fullPage: 1000, pagesPerStep: 10 } });
deps.syncTimeoutMs = 60_000;
const h = await householdOf(deps, world);

// 1. full sync
pms.resetHits();
const w0 = { ...writes };
let t = performance.now();
await beginSync(deps, h.hh, 'full');
const fullSteps = await deps.drain();
const fullMs = performance.now() - t;
const fullStatus = await as(h.owner, h.hh, () => syncStatus(deps, {}));
const full = {
  items: fullStatus.counts.itemsRead,
  seconds: r2(fullMs / 1000),
  itemsPerSecond: Math.round(fullStatus.counts.itemsRead / (fullMs / 1000)),
  queueMessages: fullSteps.length,
  plexRequests: pms.hits().total,
  indexItemsWritten: fullStatus.counts.written,
  batchWriteCalls: writes.batchWrite - w0.batchWrite,
  otherTableWrites: writes.put - w0.put + (writes.update - w0.update),
};

// 2. incremental after 100 additions
pms.addItems('1', 100);
pms.resetHits();
const w1 = { ...writes };
t = performance.now();
await beginSync(deps, h.hh, 'incremental');
const incSteps = await deps.drain();
const incMs = performance.now() - t;
const incStatus = await as(h.owner, h.hh, () => syncStatus(deps, {}));
const incremental = {
  added: 100,
  seconds: r2(incMs / 1000),
  queueMessages: incSteps.length,
  plexRequests: pms.hits().total,
  itemsRead: incStatus.counts.itemsRead,
  indexItemsWritten: incStatus.counts.written,
  batchWriteCalls: writes.batchWrite - w1.batchWrite,
};

// 3. images
const firstPage = await as(h.owner, h.hh, () =>
  items(deps, { sectionKey: '1', limit: Math.min(IMAGES, 100) }),
);
const paths = firstPage.items.map((i) => i.thumb).filter((p): p is string => p !== null);
const cold: number[] = [];
const warm: number[] = [];
for (const path of paths) {
  const s = performance.now();
  await as(h.owner, h.hh, () =>
    getImage(deps, { serverId: server.machineIdentifier, path, width: 300, height: 450 }),
  );
  cold.push(performance.now() - s);
}
for (let round = 0; round < 3; round++) {
  for (const path of paths) {
    const s = performance.now();
    const r = await as(h.frank, h.hh, () =>
      getImage(deps, { serverId: server.machineIdentifier, path, width: 300, height: 450 }),
    );
    warm.push(performance.now() - s);
    if (!r.cached) throw new Error('expected a cached image');
  }
}

// 4. page function
const sorts = ['title', 'year', 'added', 'rating'] as const;
const pageAs = async (user: string) => {
  const lat: number[] = [];
  for (let i = 0; i < PAGES; i++) {
    const offset = Math.floor(Math.random() * (TOTAL - SHOWS - 60));
    const s = performance.now();
    await as(user, h.hh, () =>
      items(deps, { sectionKey: '1', sort: sorts[i % 4], cursor: String(offset), limit: 60 }),
    );
    lat.push(performance.now() - s);
  }
  return stats(lat);
};
const ownerPages = await pageAs(h.owner);
const friendPages = await pageAs(h.frank);

// 5. availability
const sample = await as(h.owner, h.hh, () => items(deps, { sectionKey: '1', limit: 20, cursor: '4000' }));
const details = await Promise.all(
  sample.items.map((i) =>
    fetch(`${pms.url}/library/metadata/${i.ratingKey}?includeGuids=1`, {
      headers: { accept: 'application/json', 'x-plex-token': pms.ownerToken },
    }).then((r) => r.json() as Promise<{ MediaContainer: { Metadata: { Guid: { id: string }[] }[] } }>),
  ),
);
const queries = details.map((d) => ({
  tmdbId: Number(d.MediaContainer.Metadata[0]?.Guid.find((g) => g.id.startsWith('tmdb://'))?.id.slice(7)),
}));
const avail: number[] = [];
for (let i = 0; i < 100; i++) {
  const s = performance.now();
  const res = await as(h.frank, h.hh, () => availability(deps, h.hh, queries));
  avail.push(performance.now() - s);
  if (res.some((r) => r.status !== 'available')) throw new Error('expected every sample to be available');
}

const result = {
  at: new Date().toISOString(),
  machine: { cpus: availableParallelism(), loadavg: loadavg().map(r2), node: process.version },
  library: { items: TOTAL, movies: TOTAL - SHOWS, shows: SHOWS, store: 'sqlite' },
  fullSync: full,
  incrementalSync: incremental,
  image: { size: '300x450', cold: stats(cold), cached: stats(warm) },
  pageFunction: { pageSize: 60, owner: ownerPages, friend: friendPages },
  availability20Titles: stats(avail),
};

const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'library.json');
await mkdir(dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);

process.stdout.write(
  [
    `full sync: ${full.items} items in ${full.seconds} s (${full.itemsPerSecond}/s), ${full.plexRequests} Plex requests, ${full.batchWriteCalls} batchWrites (+${full.otherTableWrites} progress writes), ${full.queueMessages} queue messages`,
    `incremental after 100 additions: ${incremental.seconds} s, ${incremental.plexRequests} Plex requests, ${incremental.itemsRead} items read`,
    `image 300x450: cold p50 ${result.image.cold.p50Ms} ms / p99 ${result.image.cold.p99Ms} ms; cached p50 ${result.image.cached.p50Ms} ms / p99 ${result.image.cached.p99Ms} ms`,
    `items page (60): owner p50 ${ownerPages.p50Ms} ms / p99 ${ownerPages.p99Ms} ms; friend p50 ${friendPages.p50Ms} ms / p99 ${friendPages.p99Ms} ms`,
    `availability of 20 titles: p50 ${result.availability20Titles.p50Ms} ms / p99 ${result.availability20Titles.p99Ms} ms`,
    `→ ${out}`,
    '',
  ].join('\n'),
);

await deps.close();
await world.close();
rmSync(dir, { recursive: true, force: true });
