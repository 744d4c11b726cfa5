import { FRIEND_IDS } from '@medianest/simulators/scenario/index';
import { type PlexWorld, startPlexWorld } from '@medianest/simulators/scenario/start';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDeps, STORES } from '../actor/testing.ts';
import { AppError } from '../error/index.ts';
import { createPlexServerClient } from '../integration/client/plex-server.ts';
import { availability } from './availability.ts';
import * as Library from './browse.ts';
import { ImageSizeError, LibraryNotFoundError, LibraryUnavailableError } from './errors.ts';
import { getImage } from './image.ts';
import { FRESH_MS, forgetShares } from './sharing.ts';
import { beginSync, syncStatus } from './sync.ts';
import {
  as,
  householdOf,
  type LibraryTestDeps,
  libraryDeps,
  OWNER_TOKEN,
  type TestHousehold,
} from './testing.ts';

let world: PlexWorld;
let machine: string;
/** Section 3 ("Other Videos") is shared with Fiona (all libraries) but not with Frank (Movies, TV). */
let hidden: { ratingKey: string; title: string; tmdbId: number }[];

const failure = async (p: Promise<unknown>): Promise<AppError> => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof AppError)) throw new Error(`expected an AppError, got ${String(e)}`);
  return e;
};

beforeAll(async () => {
  world = await startPlexWorld();
  machine = world.scenario.servers[0]?.machineIdentifier as string;
  const pms = world.servers.get(machine);
  if (!pms) throw new Error('no server');
  hidden = pms
    .addItems('3', [
      // A genre no generated title has: only this section lists it.
      { title: 'Zebra Home Movie', tmdbId: 99_000_001, genres: ['Home Movies'] },
      { title: 'Zebra Birthday', tmdbId: 99_000_002, genres: ['Home Movies', 'Comedy'] },
    ])
    .map((m) => ({ ratingKey: m.ratingKey, title: m.title, tmdbId: Number(m.ratingKey) }));
  hidden = hidden.map((h, i) => ({ ...h, tmdbId: 99_000_001 + i }));
});
afterAll(() => world.close());

describe('browsing as a member (SQLite)', () => {
  let deps: LibraryTestDeps;
  let h: TestHousehold;
  beforeEach(async () => {
    deps = libraryDeps(createTestDeps(), world);
    h = await householdOf(deps, world);
  });
  afterEach(async () => {
    world.servers.get(machine)?.faults.clear();
    await deps.close();
  });
  const owner = <T>(f: () => Promise<T>) => as(h.owner, h.hh, f);
  const frank = <T>(f: () => Promise<T>) => as(h.frank, h.hh, f);
  const fiona = <T>(f: () => Promise<T>) => as(h.fiona, h.hh, f);

  it('shows the owner every section and a friend only the shared ones', async () => {
    const keysOf = async (run: typeof owner) =>
      (await run(() => Library.sections(deps, {}))).sections.map((s) => s.key);
    expect(await keysOf(owner)).toEqual(['1', '2', '3']);
    expect(await keysOf(frank)).toEqual(['1', '2']);
    expect(await keysOf(fiona)).toEqual(['1', '2', '3']);
    // A section Frank may not see does not exist for him.
    expect(await failure(frank(() => Library.items(deps, { sectionKey: '3' })))).toBeInstanceOf(
      LibraryNotFoundError,
    );
  });

  it('maps sort, order, filters and cursor onto Plex parameters', () => {
    const q = Library.plexQuery(
      Library.ItemsInput.parse({
        sectionKey: '1',
        sort: 'year',
        genre: 'Drama',
        year: '1999',
        unwatched: 'true',
        type: 'movie',
        cursor: '120',
        limit: '40',
      }),
    );
    expect(q).toEqual({
      sort: 'year:desc,titleSort',
      filters: [
        { field: 'genre', value: 'Drama' },
        { field: 'year', value: 1999 },
        { field: 'unwatched', value: 1 },
      ],
      type: 'movie',
      start: 120,
      size: 40,
    });
    expect(Library.plexQuery(Library.ItemsInput.parse({ sectionKey: '1' })).sort).toBe('titleSort:asc');
    expect(
      Library.plexQuery(Library.ItemsInput.parse({ sectionKey: '1', sort: 'rating', order: 'asc' })).sort,
    ).toBe('audienceRating:asc,titleSort');
  });

  it('pages a section with a cursor, in the order Plex sorts', async () => {
    const first = await owner(() => Library.items(deps, { sectionKey: '1', limit: 50 }));
    expect(first.total).toBe(240);
    expect(first.items).toHaveLength(50);
    expect(first.nextCursor).toBe('50');
    const second = await owner(() => Library.items(deps, { sectionKey: '1', limit: 50, cursor: '50' }));
    const keys = new Set([...first.items, ...second.items].map((i) => i.ratingKey));
    expect(keys.size).toBe(100);
    const last = await owner(() => Library.items(deps, { sectionKey: '1', limit: 50, cursor: '200' }));
    expect(last.items).toHaveLength(40);
    expect(last.nextCursor).toBeNull();
    // The same page straight from Plex, to prove the mapping rather than restate it.
    const direct = await createPlexServerClient({
      baseUrl: world.servers.get(machine)?.url as string,
      token: OWNER_TOKEN,
      http: deps.http,
      integrationKey: 't',
    }).sectionItems('1', { sort: 'year:desc,titleSort', start: 0, size: 30 });
    const byYear = await owner(() => Library.items(deps, { sectionKey: '1', sort: 'year', limit: 30 }));
    expect(byYear.items.map((i) => i.ratingKey)).toEqual(direct.items.map((i) => i.ratingKey));
    const years = byYear.items.map((i) => i.year ?? 0);
    expect(years).toEqual([...years].sort((a, b) => b - a));
    const added = (await owner(() => Library.items(deps, { sectionKey: '1', sort: 'added' }))).items.map(
      (i) => i.addedAt ?? 0,
    );
    expect(added).toEqual([...added].sort((a, b) => b - a));
    await expect(owner(() => Library.items(deps, { sectionKey: '1', limit: 500 }))).rejects.toMatchObject({
      kind: 'invalid',
    });
    await expect(owner(() => Library.items(deps, { sectionKey: '1', cursor: '-1' }))).rejects.toMatchObject({
      kind: 'invalid',
    });
  });

  it('filters by genre, year and watched state', async () => {
    const sample = (await owner(() => Library.items(deps, { sectionKey: '1', limit: 1 }))).items[0];
    const detail = await owner(() => Library.item(deps, { ratingKey: sample?.ratingKey as string }));
    const genre = detail.genres[0] as string;
    const byGenre = await owner(() => Library.items(deps, { sectionKey: '1', genre, limit: 100 }));
    expect(byGenre.total).toBeGreaterThan(0);
    expect(byGenre.total).toBeLessThan(240);
    for (const i of byGenre.items.slice(0, 3)) {
      expect((await owner(() => Library.item(deps, { ratingKey: i.ratingKey }))).genres).toContain(genre);
    }
    const year = detail.year as number;
    const byYear = await owner(() => Library.items(deps, { sectionKey: '1', year, limit: 100 }));
    expect(byYear.items.length).toBeGreaterThan(0);
    expect(byYear.items.every((i) => i.year === year)).toBe(true);
    const unwatched = await owner(() =>
      Library.items(deps, { sectionKey: '1', unwatched: true, limit: 100 }),
    );
    const watched = await owner(() => Library.items(deps, { sectionKey: '1', unwatched: false, limit: 100 }));
    expect(unwatched.total + watched.total).toBe(240);
    expect(unwatched.items.every((i) => !i.watched)).toBe(true);
    expect(watched.items.every((i) => i.watched)).toBe(true);
  });

  it("lists a section's genres and years from Plex, filterable by key, within what the member may see", async () => {
    Library.clearFiltersCache();
    const pms = world.servers.get(machine);
    if (!pms) throw new Error('no server');
    const direct = createPlexServerClient({
      baseUrl: pms.url,
      token: OWNER_TOKEN,
      http: deps.http,
      integrationKey: 't',
    });
    const movies = await owner(() => Library.sectionFilters(deps, { sectionKey: '1' }));
    const plexGenres = await direct.filterChoices('1', 'genre');
    expect(movies.genres.map((g) => g.title)).toEqual(
      plexGenres.map((g) => g.title).sort((a, b) => a.localeCompare(b, 'en')),
    );
    expect(movies.genres.length).toBeGreaterThan(5);
    expect(movies.genres.map((g) => g.title)).not.toContain('Home Movies');
    // A choice's key is what `items` filters by.
    const drama = movies.genres.find((g) => g.title === 'Drama');
    expect(drama).toBeDefined();
    const byKey = await owner(() => Library.items(deps, { sectionKey: '1', genre: drama?.key, limit: 1 }));
    const byName = await owner(() => Library.items(deps, { sectionKey: '1', genre: 'Drama', limit: 1 }));
    expect(byKey.total).toBeGreaterThan(0);
    expect(byKey.total).toBe(byName.total);
    const newest = (await owner(() => Library.items(deps, { sectionKey: '1', sort: 'year', limit: 1 })))
      .items[0];
    expect(movies.years[0]).toBe(newest?.year);
    expect(movies.years).toEqual([...movies.years].sort((a, b) => b - a));

    // "Home Videos" has its own genres; Frank, who was not given it, gets "no such section".
    const home = await fiona(() => Library.sectionFilters(deps, { sectionKey: '3' }));
    expect(home.genres.map((g) => g.title)).toEqual(expect.arrayContaining(['Comedy', 'Home Movies']));
    expect(await failure(frank(() => Library.sectionFilters(deps, { sectionKey: '3' })))).toBeInstanceOf(
      LibraryNotFoundError,
    );
    await expect(owner(() => Library.sectionFilters(deps, { sectionKey: 'x' }))).rejects.toMatchObject({
      kind: 'invalid',
    });
  });

  it('caches filter choices for a minute; a Plex failure is a clear unavailable error', async () => {
    Library.clearFiltersCache();
    const pms = world.servers.get(machine);
    if (!pms) throw new Error('no server');
    const hits = () => pms.hits().byRoute['GET /library/sections/2/genre'] ?? 0;
    const before = hits();
    const first = await owner(() => Library.sectionFilters(deps, { sectionKey: '2' }));
    expect(hits()).toBe(before + 1);
    expect(await owner(() => Library.sectionFilters(deps, { sectionKey: '2' }))).toEqual(first);
    expect(hits()).toBe(before + 1);
    deps.base.clock.advance(Library.FILTERS_CACHE_MS);
    await owner(() => Library.sectionFilters(deps, { sectionKey: '2' }));
    expect(hits()).toBe(before + 2);

    pms.faults.add({ path: '/library/sections/2/genre', status: 500 });
    deps.base.clock.advance(Library.FILTERS_CACHE_MS);
    const down = await failure(owner(() => Library.sectionFilters(deps, { sectionKey: '2' })));
    expect(down).toBeInstanceOf(LibraryUnavailableError);
    expect(down.message).toMatch(/Olivia/);
  });

  it('details a movie, a show with its seasons and a season with its episodes', async () => {
    const movie = (await owner(() => Library.items(deps, { sectionKey: '1', limit: 1 }))).items[0];
    const m = await owner(() => Library.item(deps, { ratingKey: movie?.ratingKey as string }));
    expect(m.summary).toBeTruthy();
    expect(m.cast.length).toBeGreaterThan(0);
    expect(m.media[0]).toMatchObject({ container: 'mkv' });
    expect(m.media[0]?.videoResolution).toBeTruthy();
    expect(m.guids.some((g) => g.startsWith('tmdb://'))).toBe(true);
    expect(m.openInPlexUrl).toBe(
      `https://app.plex.tv/desktop#!/server/${machine}/details?key=%2Flibrary%2Fmetadata%2F${m.ratingKey}`,
    );
    const show = (await owner(() => Library.items(deps, { sectionKey: '2', limit: 1 }))).items[0];
    const s = await owner(() => Library.item(deps, { ratingKey: show?.ratingKey as string }));
    expect(s.type).toBe('show');
    expect(s.children.length).toBeGreaterThan(0);
    expect(s.children.every((c) => c.type === 'season')).toBe(true);
    const season = await owner(() => Library.item(deps, { ratingKey: s.children[0]?.ratingKey as string }));
    expect(season.children.length).toBeGreaterThan(0);
    expect(season.children.every((c) => c.type === 'episode')).toBe(true);
    // Frank may see TV, but not an item of a section that is not shared with him.
    expect(
      await failure(frank(() => Library.item(deps, { ratingKey: hidden[0]?.ratingKey as string }))),
    ).toBeInstanceOf(LibraryNotFoundError);
    expect((await fiona(() => Library.item(deps, { ratingKey: hidden[0]?.ratingKey as string }))).title).toBe(
      'Zebra Home Movie',
    );
  });

  it('searches across servers grouped by type, within the visible sections', async () => {
    const owned = await owner(() => Library.search(deps, { query: 'zebra' }));
    expect(
      owned.groups
        .find((g) => g.type === 'movie')
        ?.items.map((i) => i.title)
        .sort(),
    ).toEqual(['Zebra Birthday', 'Zebra Home Movie']);
    expect((await frank(() => Library.search(deps, { query: 'zebra' }))).groups).toEqual([]);
    const movie = (await owner(() => Library.items(deps, { sectionKey: '1', limit: 1 }))).items[0];
    const word = String(movie?.title)
      .split(' ')
      .sort((a, b) => b.length - a.length)[0] as string;
    const found = await frank(() => Library.search(deps, { query: word }));
    expect(found.groups.flatMap((g) => g.items).some((i) => i.ratingKey === movie?.ratingKey)).toBe(true);
    expect(found.unavailable).toEqual([]);
  });

  it('lists recently added, leaving out what a friend may not see', async () => {
    const mine = await owner(() => Library.recentlyAdded(deps, { limit: 5 }));
    expect(
      mine.items
        .slice(0, 2)
        .map((i) => i.title)
        .sort(),
    ).toEqual(['Zebra Birthday', 'Zebra Home Movie']);
    const his = await frank(() => Library.recentlyAdded(deps, { limit: 5 }));
    expect(his.items).toHaveLength(5);
    expect(his.items.some((i) => i.sectionKey === '3')).toBe(false);
  });

  it('lists and opens collections', async () => {
    const pms = createPlexServerClient({
      baseUrl: world.servers.get(machine)?.url as string,
      token: OWNER_TOKEN,
      http: deps.http,
      integrationKey: 't',
    });
    const some = (await pms.sectionItems('1', { start: 0, size: 3 })).items.map((i) => i.ratingKey);
    const col = await pms.createCollection({
      sectionKey: '1',
      title: `Picks ${Date.now()}`,
      type: 'movie',
      ratingKeys: some,
    });
    const list = await frank(() => Library.collections(deps, { sectionKey: '1' }));
    expect(list.items.map((c) => c.ratingKey)).toContain(col.ratingKey);
    const opened = await frank(() => Library.collection(deps, { collectionKey: col.ratingKey }));
    expect(opened.collection.title).toBe(col.title);
    expect(opened.items.items.map((i) => i.ratingKey).sort()).toEqual([...some].sort());
  });

  it('serves posters from the Blob cache after the first fetch, with a strong ETag', async () => {
    const pms = world.servers.get(machine);
    const movie = (await owner(() => Library.items(deps, { sectionKey: '1', limit: 1 }))).items[0];
    const path = movie?.thumb as string;
    pms?.resetHits();
    const cold = await frank(() => getImage(deps, { serverId: machine, path, width: 300, height: 450 }));
    expect(cold.cached).toBe(false);
    expect(cold.contentType).toBe('image/jpeg');
    expect(await sharp(cold.body).metadata()).toMatchObject({ width: 300, height: 450, format: 'jpeg' });
    expect(pms?.hits().byRoute['GET /photo/:/transcode']).toBe(1);
    const warm = await fiona(() => getImage(deps, { serverId: machine, path, width: 300, height: 450 }));
    expect(warm.cached).toBe(true);
    expect(warm.etag).toBe(cold.etag);
    expect(warm.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(warm.cacheControl).toContain('immutable');
    expect(Buffer.from(warm.body).equals(Buffer.from(cold.body))).toBe(true);
    const revalidated = await owner(() =>
      getImage(deps, { serverId: machine, path, width: 300, height: 450, ifNoneMatch: cold.etag }),
    );
    expect(revalidated.notModified).toBe(true);
    expect(revalidated.body.byteLength).toBe(0);
    // Neither the warm nor the revalidated request reached Plex.
    expect(pms?.hits().byRoute['GET /photo/:/transcode']).toBe(1);
    expect(
      await failure(owner(() => getImage(deps, { serverId: machine, path, width: 301, height: 450 }))),
    ).toBeInstanceOf(ImageSizeError);
    // Only Plex library image paths with their timestamp: no other host, no other endpoint.
    for (const bad of [
      'http://evil.test/x.jpg',
      '/library/metadata/1/thumb',
      '/status/sessions',
      '//evil.test/x',
    ]) {
      const err = await failure(
        owner(() => getImage(deps, { serverId: machine, path: bad, width: 300, height: 450 })),
      );
      expect(err.kind, bad).toBe('invalid');
    }
    expect(pms?.hits().byRoute['GET /photo/:/transcode']).toBe(1);
  });

  it('refuses a restricted member the images of a section they may not see, cached or not', async () => {
    const secret = await owner(() => Library.item(deps, { ratingKey: hidden[0]?.ratingKey as string }));
    const path = secret.thumb as string;
    expect(path).toMatch(/^\/library\/metadata\//);
    const ask = (run: typeof owner) =>
      run(() => getImage(deps, { serverId: machine, path, width: 200, height: 300 }));
    // Frank's share leaves "Other Videos" out: no image of it, before and after it is cached.
    expect(await failure(ask(frank))).toBeInstanceOf(LibraryNotFoundError);
    expect((await ask(owner)).cached).toBe(false);
    expect((await ask(fiona)).cached).toBe(true);
    const refused = await failure(ask(frank));
    expect(refused).toBeInstanceOf(LibraryNotFoundError);
    expect(refused.message).toBe('No such image');
    // The section's own artwork path is refused as well; an item he may see is served.
    const sectionArt = await failure(
      frank(() =>
        getImage(deps, {
          serverId: machine,
          path: '/library/sections/3/thumb/1700000000',
          width: 200,
          height: 300,
        }),
      ),
    );
    expect(sectionArt).toBeInstanceOf(LibraryNotFoundError);
    const movie = (await frank(() => Library.items(deps, { sectionKey: '1', limit: 1 }))).items[0];
    const allowed = await frank(() =>
      getImage(deps, { serverId: machine, path: movie?.thumb as string, width: 200, height: 300 }),
    );
    expect(allowed.contentType).toBe('image/jpeg');
  });

  it('ends an interactive read at the deadline, retries included; the sync keeps its patience', async () => {
    const pms = world.servers.get(machine);
    if (!pms) throw new Error('no server');
    // Per attempt 5 s with retries, but 0.5 s in all: only the deadline can end this call.
    const hurried = libraryDeps(deps.base, world, { timeoutMs: 5_000 });
    hurried.deadlineMs = 500;
    try {
      pms.faults.add({ path: '/library/sections/1/all', latencyMs: 3_000 });
      pms.resetHits();
      const slow = await failure(owner(() => Library.items(hurried, { sectionKey: '1' })));
      expect(slow).toBeInstanceOf(LibraryUnavailableError);
      expect(slow.kind).toBe('unavailable');
      expect(slow.code).toBe('library.unavailable');
      expect(slow.message).toBe("Olivia's Plex did not answer in time (0.5 s)");
      // One attempt, cut short: no retry was started after the deadline.
      expect(pms.hits().byRoute['GET /library/sections/1/all']).toBe(1);
      // plex.tv's sharing answer (which a friend waits on too) has the same deadline.
      await forgetShares(deps, h.hh, machine);
      world.plexTv.faults.add({ path: `/api/servers/${machine}/shared_servers`, latencyMs: 3_000 });
      const sharing = await failure(frank(() => Library.sections(hurried, {})));
      expect(sharing).toBeInstanceOf(LibraryUnavailableError);
      expect(sharing.message).toMatch(/plex\.tv/);
      world.plexTv.faults.clear();
      // The background sync's reads are slower than the deadline here, and still complete.
      pms.faults.clear();
      pms.faults.add({ path: '/library/sections/1/all', latencyMs: 800, times: 2 });
      await beginSync(hurried, h.hh, 'full');
      const steps = await hurried.drain();
      expect(steps.length).toBeGreaterThan(0);
      const status = await owner(() => syncStatus(hurried, {}));
      expect(status).toMatchObject({ state: 'idle', error: null, progress: 1 });
    } finally {
      world.plexTv.faults.clear();
      // Not hurried.close(): the table is the test's own (closed by afterEach).
      hurried.http.close();
    }
  });

  it('follows sharing changes on plex.tv, and rides out a plex.tv outage on the cached sharing', async () => {
    const plexTv = world.plexTv;
    const keysOf = async () => (await frank(() => Library.sections(deps, {}))).sections.map((s) => s.key);
    expect(await keysOf()).toEqual(['1', '2']);
    plexTv.share(machine, FRIEND_IDS[0], ['1']);
    try {
      // Cached for a few minutes: the old answer until then, the new one after.
      expect(await keysOf()).toEqual(['1', '2']);
      deps.base.clock.advance(FRESH_MS);
      expect(await keysOf()).toEqual(['1']);
      // plex.tv down: the cached sharing (now stale) still answers.
      plexTv.faults.add({ path: `/api/servers/${machine}/shared_servers`, status: 503 });
      deps.base.clock.advance(FRESH_MS);
      expect(await keysOf()).toEqual(['1']);
      // Without any cached copy a friend gets a clear message; the owner needs no plex.tv at all.
      await forgetShares(deps, h.hh, machine);
      const err = await failure(frank(() => Library.sections(deps, {})));
      expect(err).toBeInstanceOf(LibraryUnavailableError);
      expect(err.message).toMatch(/plex\.tv/);
      expect((await owner(() => Library.sections(deps, {}))).sections).toHaveLength(3);
    } finally {
      plexTv.faults.clear();
      plexTv.share(machine, FRIEND_IDS[0], ['1', '2']);
    }
  });

  it('turns a slow or stopped Plex server into a typed unavailable error, quickly', async () => {
    const pms = world.servers.get(machine);
    if (!pms) throw new Error('no server');
    const impatient = libraryDeps(deps.base, world, { timeoutMs: 250 });
    pms.faults.add({ path: '/library/sections/1/all', hang: true });
    const slow = await failure(owner(() => Library.items(impatient, { sectionKey: '1' })));
    expect(slow).toBeInstanceOf(LibraryUnavailableError);
    expect(slow.message).toMatch(/^Olivia's Plex did not answer in time/);
    pms.faults.clear();
    pms.faults.add({ path: '/library/sections', status: 500 });
    const broken = await failure(owner(() => Library.sections(deps, {})));
    expect(broken).toBeInstanceOf(LibraryUnavailableError);
    expect(broken.message).toMatch(/Olivia's Plex failed to answer/);
    pms.faults.clear();
    await pms.stop();
    try {
      const down = await failure(frank(() => Library.item(deps, { ratingKey: '1000' })));
      expect(down).toBeInstanceOf(LibraryUnavailableError);
      expect(down.message).toMatch(/cannot be reached/);
    } finally {
      await pms.start();
    }
  });
});

describe.each(STORES)('availability respects visibility on $name', ({ open, skip }) => {
  let deps: LibraryTestDeps | undefined;
  beforeEach((context) => {
    if (skip) context.skip();
  });
  afterEach(async () => {
    await deps?.close();
    deps = undefined;
  });

  it('indexes the library and answers per member', async () => {
    // arrange
    deps = libraryDeps(await open(), world);
    const d = deps;
    const h = await householdOf(d, world);
    await beginSync(d, h.hh, 'full');
    await d.drain();
    const pms = createPlexServerClient({
      baseUrl: world.servers.get(machine)?.url as string,
      token: OWNER_TOKEN,
      http: d.http,
      integrationKey: 't',
    });
    const movie = (await pms.sectionItems('1', { start: 7, size: 1, includeGuids: true })).items[0];
    const tmdbId = Number(movie?.Guid?.find((g) => g.id.startsWith('tmdb://'))?.id.slice(7));
    const queries = [{ tmdbId }, { tmdbId: hidden[0]?.tmdbId as number }, { tmdbId: 1 }];
    // act
    const forOwner = await as(h.owner, h.hh, () => availability(d, h.hh, queries));
    const forFrank = await as(h.frank, h.hh, () => availability(d, h.hh, queries));
    // assert
    expect(forOwner.map((a) => a.status)).toEqual(['available', 'available', 'none']);
    expect(forOwner[0]?.matches[0]).toMatchObject({
      serverId: machine,
      sectionKey: '1',
      ratingKey: movie?.ratingKey,
    });
    expect(forFrank.map((a) => a.status)).toEqual(['available', 'none', 'none']);
    // A show with fewer seasons on Plex than TMDB knows is partially available.
    const show = (await pms.sectionItems('2', { start: 0, size: 1, includeGuids: true })).items[0];
    const tvdbId = Number(show?.Guid?.find((g) => g.id.startsWith('tvdb://'))?.id.slice(7));
    const seasons = show?.childCount as number;
    const [whole, part] = await as(h.fiona, h.hh, () =>
      availability(d, h.hh, [
        { tvdbId, mediaType: 'tv', seasons },
        { tvdbId, mediaType: 'tv', seasons: seasons + 1 },
      ]),
    );
    expect([whole?.status, part?.status]).toEqual(['available', 'partial']);
    expect(part?.matches[0]).toMatchObject({ type: 'show', seasons });
  });
});
