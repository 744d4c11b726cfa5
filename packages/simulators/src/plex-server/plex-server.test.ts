import { XMLParser } from 'fast-xml-parser';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type RunningPlexServer, startPlexServer } from './index.ts';

const OWNER = 'owner-token-abc';
const FRIEND = 'friend-server-token';
const MID = 'b7e0c5a9d3f14e2a8c6b0d9e1f2a3b4c5d6e7f80';
const NOW = Date.UTC(2026, 0, 1);

const Tag = z.object({ tag: z.string() }).passthrough();
const Part = z.strictObject({
  id: z.number().int(),
  key: z.string().regex(/^\/library\/parts\/\d+\/\d+\/file\.mkv$/),
  duration: z.number().int(),
  file: z.string().startsWith('/'),
  size: z.number().int(),
  container: z.string(),
  videoProfile: z.string(),
});
const Media = z.strictObject({
  id: z.number().int(),
  duration: z.number().int(),
  bitrate: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
  aspectRatio: z.number(),
  audioChannels: z.number().int(),
  audioCodec: z.string(),
  videoCodec: z.string(),
  videoResolution: z.string(),
  container: z.string(),
  videoFrameRate: z.string(),
  videoProfile: z.string(),
  Part: z.array(Part).min(1),
});
const Movie = z.object({
  ratingKey: z.string().regex(/^\d+$/),
  key: z.string().regex(/^\/library\/metadata\/\d+$/),
  guid: z.string().startsWith('plex://movie/'),
  type: z.literal('movie'),
  title: z.string(),
  titleSort: z.string(),
  summary: z.string(),
  tagline: z.string(),
  contentRating: z.string(),
  studio: z.string(),
  year: z.number().int(),
  originallyAvailableAt: z.string().regex(/^\d{4}-\d\d-\d\d$/),
  addedAt: z.number().int(),
  updatedAt: z.number().int(),
  duration: z.number().int(),
  rating: z.number(),
  audienceRating: z.number(),
  thumb: z.string().regex(/^\/library\/metadata\/\d+\/thumb\/\d+$/),
  art: z.string(),
  librarySectionID: z.number().int(),
  librarySectionTitle: z.string(),
  Media: z.array(Media).min(1),
  Genre: z.array(Tag),
  Director: z.array(Tag),
  Writer: z.array(Tag),
  Role: z.array(Tag),
  Country: z.array(Tag),
  Guid: z.array(z.object({ id: z.string().regex(/^(imdb|tmdb|tvdb):\/\/.+/) })).optional(),
});
const Container = z.object({ MediaContainer: z.object({ size: z.number().int() }).passthrough() });
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field in the tests
const mcOf = async (res: Response): Promise<any> => Container.parse(await res.json()).MediaContainer;

describe('Plex Media Server simulator', () => {
  let pms: RunningPlexServer;

  beforeAll(async () => {
    pms = await startPlexServer({
      machineIdentifier: MID,
      name: 'Test PMS',
      tokens: [OWNER, FRIEND],
      seed: 9,
      clock: () => NOW,
      sections: [
        { key: '1', title: 'Movies', type: 'movie', count: 120, path: '/media/movies' },
        { key: '2', title: 'TV Shows', type: 'show', count: 6, path: '/media/tv' },
        {
          key: '3',
          title: 'Other Videos',
          type: 'movie',
          count: 0,
          agent: 'com.plexapp.agents.none',
          path: '/media/other',
        },
      ],
    });
  });
  afterAll(() => pms.close());

  const get = async (path: string, headers: Record<string, string> = {}, token: string | null = OWNER) => {
    const res = await fetch(`${pms.url}${path}`, {
      headers: { Accept: 'application/json', ...(token ? { 'X-Plex-Token': token } : {}), ...headers },
    });
    return res;
  };
  const json = async (path: string, headers: Record<string, string> = {}, token: string | null = OWNER) => {
    const res = await get(path, headers, token);
    expect(res.status).toBe(200);
    return mcOf(res);
  };

  it('GET /identity needs no token', async () => {
    const res = await get('/identity', {}, null);
    expect(await res.json()).toEqual({
      MediaContainer: { size: 0, claimed: true, machineIdentifier: MID, version: '1.41.3.9314-a0bfb8370' },
    });
  });

  it('401 with a text/html body without a token or with a wrong one (header or query)', async () => {
    for (const [path, token] of [
      ['/library/sections', null],
      ['/library/sections', 'nope'],
      ['/library/sections?X-Plex-Token=nope', null],
    ] as const) {
      const res = await get(path, {}, token);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text()).toContain('401 Unauthorized');
    }
    expect((await get(`/library/sections?X-Plex-Token=${FRIEND}`, {}, null)).status).toBe(200);
  });

  it('GET /library/sections lists Directory entries with documented types', async () => {
    const mc = await json('/library/sections');
    expect(mc).toMatchObject({ size: 3, allowSync: false, title1: 'Plex Library' });
    const Directory = z.object({
      key: z.string(),
      title: z.string(),
      type: z.enum(['movie', 'show', 'artist', 'photo']),
      agent: z.string(),
      scanner: z.string(),
      language: z.string(),
      uuid: z.string(),
      updatedAt: z.number().int(),
      createdAt: z.number().int(),
      scannedAt: z.number().int(),
      contentChangedAt: z.number().int(),
      refreshing: z.boolean(),
      allowSync: z.boolean(),
      filters: z.boolean(),
      hidden: z.boolean(),
      content: z.boolean(),
      directory: z.boolean(),
      thumb: z.string(),
      art: z.string(),
      composite: z.string(),
      Location: z.array(z.strictObject({ id: z.number().int(), path: z.string() })),
    });
    const dirs = z.array(Directory).parse(mc.Directory);
    expect(dirs.map((d) => [d.key, d.type, d.agent, d.scanner])).toEqual([
      ['1', 'movie', 'tv.plex.agents.movie', 'Plex Movie'],
      ['2', 'show', 'tv.plex.agents.series', 'Plex TV Series'],
      ['3', 'movie', 'com.plexapp.agents.none', 'Plex Video Files Scanner'],
    ]);
    expect(dirs[0]?.Location).toEqual([{ id: 1, path: '/media/movies' }]);
  });

  describe('/library/sections/:key/all', () => {
    it('pages by header and by query, with Start / Total-Size response headers', async () => {
      const byHeader = await get('/library/sections/1/all', {
        'X-Plex-Container-Start': '10',
        'X-Plex-Container-Size': '25',
      });
      expect(byHeader.headers.get('X-Plex-Container-Start')).toBe('10');
      expect(byHeader.headers.get('X-Plex-Container-Total-Size')).toBe('120');
      const a = await mcOf(byHeader);
      const b = await json('/library/sections/1/all?X-Plex-Container-Start=10&X-Plex-Container-Size=25');
      expect(a).toMatchObject({
        size: 25,
        totalSize: 120,
        offset: 10,
        librarySectionID: 1,
        librarySectionTitle: 'Movies',
        viewGroup: 'movie',
      });
      expect(b.Metadata.map((m: { ratingKey: string }) => m.ratingKey)).toEqual(
        a.Metadata.map((m: { ratingKey: string }) => m.ratingKey),
      );
      const all = await json('/library/sections/1/all');
      expect(all.Metadata.slice(10, 35).map((m: { ratingKey: string }) => m.ratingKey)).toEqual(
        a.Metadata.map((m: { ratingKey: string }) => m.ratingKey),
      );
      const tail = await json('/library/sections/1/all?X-Plex-Container-Start=110&X-Plex-Container-Size=100');
      expect(tail).toMatchObject({ size: 10, totalSize: 120, offset: 110 });
    });

    it('paging with PA’s loop (start += size until start > totalSize) yields every item once', async () => {
      const seen = new Set<string>();
      let start = 0;
      let total = Number.POSITIVE_INFINITY;
      while (start <= total) {
        const mc = await json('/library/sections/1/all', {
          'X-Plex-Container-Start': String(start),
          'X-Plex-Container-Size': '50',
        });
        total = mc.totalSize;
        for (const m of mc.Metadata) seen.add(m.ratingKey);
        start += 50;
      }
      expect(seen.size).toBe(120);
    });

    it('X-Plex-Container-Size=0 returns only the count', async () => {
      const mc = await json('/library/sections/1/all?X-Plex-Container-Start=0&X-Plex-Container-Size=0');
      expect(mc).toMatchObject({ size: 0, totalSize: 120 });
      expect(mc.Metadata).toBeUndefined();
    });

    it('movies carry the documented fields; Guid only with includeGuids=1', async () => {
      const plain = await json('/library/sections/1/all?X-Plex-Container-Size=5');
      for (const m of plain.Metadata) expect(Movie.parse(m).Guid).toBeUndefined();
      const guided = await json('/library/sections/1/all?X-Plex-Container-Size=5&includeGuids=1');
      for (const m of guided.Metadata) {
        const movie = Movie.parse(m);
        expect(movie.Guid?.map((g) => g.id.split('://')[0])).toEqual(['imdb', 'tmdb']);
        expect(movie.Guid?.[1]?.id.split('//')[1]).toMatch(/^\d+$/);
      }
    });

    it('sorts by every documented field, ascending and descending', async () => {
      const field: Record<string, (m: Record<string, unknown>) => number | string> = {
        titleSort: (m) => String(m.titleSort).toLowerCase(),
        addedAt: (m) => m.addedAt as number,
        year: (m) => m.year as number,
        rating: (m) => m.rating as number,
        updatedAt: (m) => m.updatedAt as number,
      };
      for (const [name, get] of Object.entries(field)) {
        for (const dir of ['', ':desc']) {
          const values = (await json(`/library/sections/1/all?sort=${name}${dir}`)).Metadata.map(get);
          const sorted = [...values].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
          expect(values, `${name}${dir}`).toEqual(dir ? sorted.reverse() : sorted);
        }
      }
      expect((await get('/library/sections/1/all?sort=bogus')).status).toBe(400);
    });

    it('filters by genre (id or name), year, unwatched and addedAt>>=', async () => {
      const all = (await json('/library/sections/1/all?includeGuids=1')).Metadata as z.infer<typeof Movie>[];
      const byName = (await json('/library/sections/1/all?genre=Drama')).Metadata as z.infer<typeof Movie>[];
      const byId = (await json('/library/sections/1/all?genre=107')).Metadata as z.infer<typeof Movie>[];
      const expected = all.filter((m) => m.Genre.some((g) => g.tag === 'Drama')).length;
      expect(expected).toBeGreaterThan(0);
      expect(byName).toHaveLength(expected);
      expect(byId).toHaveLength(expected);
      const year = all[0]?.year as number;
      const byYear = (await json(`/library/sections/1/all?year=${year}`)).Metadata as z.infer<typeof Movie>[];
      expect(byYear.every((m) => m.year === year)).toBe(true);
      expect(byYear).toHaveLength(all.filter((m) => m.year === year).length);
      const unwatched = (await json('/library/sections/1/all?unwatched=1')).Metadata as Record<
        string,
        unknown
      >[];
      expect(unwatched.length).toBeGreaterThan(0);
      expect(unwatched.length).toBeLessThan(120);
      expect(unwatched.every((m) => m.viewCount === undefined)).toBe(true);
      const cut = all.map((m) => m.addedAt).sort()[60] as number;
      const recent = (await json(`/library/sections/1/all?addedAt>>=${cut}`)).Metadata as z.infer<
        typeof Movie
      >[];
      expect(recent.every((m) => m.addedAt > cut)).toBe(true);
      expect(recent).toHaveLength(all.filter((m) => m.addedAt > cut).length);
      const ignored = await json(
        '/library/sections/1/all?includeMarkers=1&checkFiles=1&X-Plex-Container-Size=0',
      );
      expect(ignored.totalSize).toBe(all.length);
    });

    it('lists shows by default and episodes with type=4 in a show section', async () => {
      const shows = await json('/library/sections/2/all');
      expect(shows.totalSize).toBe(6);
      expect(shows.Metadata[0]).toMatchObject({ type: 'show', key: expect.stringMatching(/\/children$/) });
      expect(shows.Metadata[0].leafCount).toBeGreaterThan(0);
      const episodes = await json('/library/sections/2/all?type=4&sort=addedAt:desc');
      const leafs = shows.Metadata.reduce((n: number, s: { leafCount: number }) => n + s.leafCount, 0);
      expect(episodes.totalSize).toBe(leafs);
      expect(episodes.Metadata[0]).toMatchObject({
        type: 'episode',
        grandparentRatingKey: expect.any(String),
        parentIndex: expect.any(Number),
      });
      expect((await json('/library/sections/1/all?type=2')).totalSize).toBe(0);
      expect((await get('/library/sections/99/all')).status).toBe(404);
    });
  });

  it('GET /library/sections/:key/genre and /year list the values the section has, as /all filters take them', async () => {
    const all = (await json('/library/sections/1/all')).Metadata as z.infer<typeof Movie>[];
    const genres = await json('/library/sections/1/genre');
    expect(genres).toMatchObject({ content: 'secondary', title2: 'By Genre', viewGroup: 'secondary' });
    const Choice = z.strictObject({
      fastKey: z.string(),
      key: z.string().regex(/^\d+$/),
      title: z.string(),
      type: z.literal('genre'),
    });
    const choices = z.array(Choice).parse(genres.Directory);
    expect(genres.size).toBe(choices.length);
    expect(choices.map((g) => g.title)).toEqual(
      [...new Set(all.flatMap((m) => m.Genre.map((g) => g.tag)))].sort((a, b) => a.localeCompare(b, 'en')),
    );
    // Each key filters the section (the fastKey is that very listing).
    const drama = choices.find((g) => g.title === 'Drama') as z.infer<typeof Choice>;
    expect(drama.fastKey).toBe(`/library/sections/1/all?genre=${drama.key}`);
    const byKey = (await json(drama.fastKey)).Metadata as z.infer<typeof Movie>[];
    expect(byKey).toHaveLength(all.filter((m) => m.Genre.some((g) => g.tag === 'Drama')).length);

    const years = await json('/library/sections/1/year');
    expect(years.title2).toBe('By Year');
    expect(years.Directory.map((y: { key: string }) => Number(y.key))).toEqual(
      [...new Set(all.map((m) => m.year))].sort((a, b) => b - a),
    );
    expect(years.Directory[0]).toEqual({
      fastKey: `/library/sections/1/all?year=${years.Directory[0].key}`,
      key: years.Directory[0].key,
      title: years.Directory[0].key,
      type: 'year',
    });
    // Episodes carry no genres here; unknown sections and fields are 404, a bad type 400.
    expect((await json('/library/sections/2/genre?type=4')).size).toBe(0);
    expect((await get('/library/sections/99/genre')).status).toBe(404);
    expect((await get('/library/sections/1/mood')).status).toBe(404);
    expect((await get('/library/sections/1/genre?type=x')).status).toBe(400);
    // XML as PMS sends it without Accept: application/json.
    const xml = await (
      await fetch(`${pms.url}/library/sections/1/genre`, { headers: { 'X-Plex-Token': OWNER } })
    ).text();
    expect(xml).toContain(`<Directory fastKey="/library/sections/1/all?genre=${drama.key}"`);
  });

  it('an added item with a genre the vocabulary lacks brings a new tag, listed and filterable', async () => {
    const own = await startPlexServer({
      machineIdentifier: MID,
      name: 'Genres',
      tokens: [OWNER],
      seed: 3,
      clock: () => NOW,
      sections: [{ key: '1', title: 'Films', type: 'movie', count: 0, path: '/films' }],
    });
    try {
      const list = async () => {
        const res = await fetch(`${own.url}/library/sections/1/genre`, {
          headers: { Accept: 'application/json', 'X-Plex-Token': OWNER },
        });
        return (await mcOf(res)).Directory as { key: string; title: string }[];
      };
      expect(await list()).toEqual([]);
      const [item] = own.addItems('1', [{ title: 'Songs of the Monsoon', genres: ['Bollywood', 'drama'] }]);
      const choices = await list();
      expect(choices.map((g) => g.title)).toEqual(['Bollywood', 'Drama']);
      const bollywood = choices[0] as { key: string };
      expect(Number(bollywood.key)).toBeGreaterThan(118);
      const res = await fetch(`${own.url}/library/sections/1/all?genre=${bollywood.key}`, {
        headers: { Accept: 'application/json', 'X-Plex-Token': OWNER },
      });
      expect((await mcOf(res)).Metadata.map((m: { ratingKey: string }) => m.ratingKey)).toEqual([
        item?.ratingKey,
      ]);
    } finally {
      await own.close();
    }
  });

  it('GET /library/metadata/:keys (comma list), /children for shows and seasons, 404s', async () => {
    const movies = (await json('/library/sections/1/all?X-Plex-Container-Size=2')).Metadata;
    const keys = movies.map((m: { ratingKey: string }) => m.ratingKey).join(',');
    const both = await json(`/library/metadata/${keys}?includeGuids=1`);
    expect(both.size).toBe(2);
    expect(Movie.parse(both.Metadata[0]).Guid).toHaveLength(2);
    expect(both.Metadata[0].Genre[0]).toMatchObject({
      id: expect.any(Number),
      filter: expect.stringMatching(/^genre=/),
    });
    const show = (await json('/library/sections/2/all?X-Plex-Container-Size=1&includeGuids=1')).Metadata[0];
    expect(show.Guid.map((g: { id: string }) => g.id.split('://')[0])).toEqual(['imdb', 'tmdb', 'tvdb']);
    const seasons = await json(`/library/metadata/${show.ratingKey}/children`);
    expect(seasons.size).toBe(show.childCount);
    expect(seasons.Metadata[0]).toMatchObject({ type: 'season', index: 1, parentRatingKey: show.ratingKey });
    const episodes = await json(`${seasons.Metadata[0].key}`);
    expect(episodes.Metadata[0]).toMatchObject({
      type: 'episode',
      index: 1,
      parentIndex: 1,
      grandparentTitle: show.title,
      grandparentRatingKey: show.ratingKey,
    });
    const episode = await json(`/library/metadata/${episodes.Metadata[0].ratingKey}`);
    expect(episode.Metadata[0].Media[0].Part[0].file).toMatch(
      /^\/media\/tv\/.+\/Season 01\/.+ - s01e01 - .+\.mkv$/,
    );
    expect((await get('/library/metadata/999999')).status).toBe(404);
    expect((await get('/library/metadata/abc')).status).toBe(404);
    expect((await get(`/library/metadata/${movies[0].ratingKey}/children`)).status).toBe(404);
  });

  it('answers XML without Accept: application/json (Video for movies, Directory for shows)', async () => {
    const res = await get('/library/sections/1/all?X-Plex-Container-Size=2&includeGuids=1', {
      Accept: '*/*',
    });
    expect(res.headers.get('content-type')).toContain('xml');
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(await res.text());
    expect(doc.MediaContainer).toMatchObject({
      size: '2',
      totalSize: expect.stringMatching(/^\d+$/),
      allowSync: '1',
    });
    const video = doc.MediaContainer.Video[0];
    expect(video).toMatchObject({ type: 'movie', ratingKey: expect.stringMatching(/^\d+$/) });
    expect(video.Media.Part.file).toMatch(/^\/media\/movies\//);
    expect(video.Guid.map((g: { id: string }) => g.id.split('://')[0])).toEqual(['imdb', 'tmdb']);
    const shows = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(
      await (await get('/library/sections/2/all?X-Plex-Container-Size=1', { Accept: 'text/xml' })).text(),
    );
    expect(shows.MediaContainer.Directory).toMatchObject({ type: 'show' });
  });

  it('is deterministic: the same seed gives the same titles and guids', async () => {
    const again = await startPlexServer({
      machineIdentifier: MID,
      tokens: [OWNER],
      seed: 9,
      clock: () => NOW,
      sections: [{ key: '1', title: 'Movies', type: 'movie', count: 120 }],
    });
    try {
      const a = (await json('/library/sections/1/all?includeGuids=1&sort=addedAt')).Metadata;
      const res = await fetch(`${again.url}/library/sections/1/all?includeGuids=1&sort=addedAt`, {
        headers: { 'X-Plex-Token': OWNER, Accept: 'application/json' },
      });
      const b = (await mcOf(res)).Metadata;
      const pick = (m: Record<string, unknown>) => [m.ratingKey, m.title, m.year, m.guid, m.Guid];
      expect(b.map(pick)).toEqual(a.map(pick));
    } finally {
      await again.close();
    }
  });

  it('addItems adds new items with addedAt now: first in recentlyAdded, found by guid', async () => {
    const [item] = pms.addItems('1', [
      { title: 'The Matrix', year: 1999, tmdbId: 603, imdbId: 'tt0133093', genres: ['Action'] },
    ]);
    expect(item).toMatchObject({ title: 'The Matrix', year: 1999, addedAt: NOW / 1000 });
    expect(pms.hasGuid('tmdb://603')).toBe(true);
    expect(pms.findByGuid('imdb://tt0133093')?.ratingKey).toBe(item?.ratingKey);
    expect(pms.hasGuid('tmdb://604')).toBe(false);
    const recent = await json('/library/recentlyAdded?X-Plex-Container-Size=1');
    expect(recent.Metadata[0].ratingKey).toBe(item?.ratingKey);
    expect((await json('/library/sections/1/all?X-Plex-Container-Size=0')).totalSize).toBe(121);
    const sections = await json('/library/sections');
    expect(sections.Directory[0].contentChangedAt).toBe(NOW / 1000);
    const added = await fetch(`${pms.url}/__control/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sectionKey: '3', count: 2 }),
    });
    expect(added.status).toBe(201);
    expect(await added.json()).toHaveLength(2);
    expect((await json('/library/sections/3/all')).totalSize).toBe(2);
  });

  it('GET /hubs/search: 400 text/html without query, hubs with matches otherwise', async () => {
    const bad = await get('/hubs/search?limit=5');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('text/html');
    pms.addItems('1', [{ title: 'Zebra Crossing Unique' }]);
    const mc = await json(
      '/hubs/search?query=zebra%20crossing&limit=5&includeCollections=1&includeExternalMedia=1',
    );
    const hubs = z
      .array(
        z.object({
          title: z.string(),
          type: z.string(),
          hubIdentifier: z.string(),
          hubKey: z.string(),
          key: z.string(),
          size: z.number().int(),
          more: z.boolean(),
          Metadata: z.array(z.object({ title: z.string() }).passthrough()).optional(),
        }),
      )
      .parse(mc.Hub);
    const movies = hubs.find((h) => h.type === 'movie');
    expect(movies?.Metadata?.map((m) => m.title)).toEqual(['Zebra Crossing Unique']);
    expect(hubs.find((h) => h.type === 'show')?.size).toBe(0);
  });

  it('GET /status/sessions shows what setSessions sets (owner only)', async () => {
    expect((await json('/status/sessions')).size).toBe(0);
    const movie = (await json('/library/sections/1/all?X-Plex-Container-Size=1')).Metadata[0];
    pms.setSessions([
      {
        ratingKey: movie.ratingKey,
        user: { id: 2002, title: 'Frank Friend' },
        player: { state: 'paused' },
        location: 'wan',
        transcode: true,
      },
    ]);
    const mc = await json('/status/sessions');
    expect(mc.size).toBe(1);
    const s = mc.Metadata[0];
    expect(s).toMatchObject({
      ratingKey: movie.ratingKey,
      sessionKey: '1',
      User: { id: '2002', title: 'Frank Friend' },
    });
    expect(s.Player).toMatchObject({
      state: 'paused',
      local: false,
      userID: 2002,
      machineIdentifier: expect.any(String),
    });
    expect(Object.keys(s.Player).sort()).toEqual(
      [
        'address',
        'local',
        'machineIdentifier',
        'platform',
        'product',
        'relayed',
        'secure',
        'state',
        'title',
        'userID',
      ].sort(),
    );
    expect(s.Session).toMatchObject({
      id: expect.any(String),
      bandwidth: expect.any(Number),
      location: 'wan',
    });
    expect(s.TranscodeSession).toMatchObject({ videoDecision: 'transcode', progress: expect.any(Number) });
    expect((await get('/status/sessions', {}, FRIEND)).status).toBe(401);
    expect(() => pms.setSessions([{ ratingKey: 1, user: { id: 1, title: 'x' } }])).toThrow();
    pms.setSessions([]);
    expect((await json('/status/sessions')).size).toBe(0);
  });

  it('collections: create, add items and list them the way python-plexapi calls it', async () => {
    const movies = (await json('/library/sections/1/all?X-Plex-Container-Size=3')).Metadata;
    const keys = movies.map((m: { ratingKey: string }) => m.ratingKey);
    const uri = (ks: string[]) =>
      encodeURIComponent(`server://${MID}/com.plexapp.plugins.library/library/metadata/${ks.join(',')}`);
    const created = await fetch(
      `${pms.url}/library/collections?uri=${uri(keys.slice(0, 2))}&type=1&title=Favourites&smart=0&sectionId=1`,
      { method: 'POST', headers: { 'X-Plex-Token': OWNER, Accept: 'application/json' } },
    );
    expect(created.status).toBe(200);
    const col = (await mcOf(created)).Metadata[0];
    expect(col).toMatchObject({
      type: 'collection',
      subtype: 'movie',
      title: 'Favourites',
      childCount: '2',
      smart: '0',
      librarySectionID: 1,
    });
    expect(col.key).toBe(`/library/collections/${col.ratingKey}/children`);
    const put = await fetch(`${pms.url}/library/collections/${col.ratingKey}/items?uri=${uri([keys[2]])}`, {
      method: 'PUT',
      headers: { 'X-Plex-Token': OWNER, Accept: 'application/json' },
    });
    expect(put.status).toBe(200);
    const children = await json(col.key);
    expect(children.Metadata.map((m: { ratingKey: string }) => m.ratingKey)).toEqual(keys);
    const listed = await json('/library/sections/1/collections');
    expect(listed.Metadata.map((c: { title: string }) => c.title)).toEqual(['Favourites']);
    const viaType = await json('/library/sections/1/all?type=18');
    expect(viaType.Metadata.map((c: { ratingKey: string }) => c.ratingKey)).toEqual([col.ratingKey]);
    expect((await json('/library/sections/2/all?type=18')).totalSize).toBe(0);
    expect((await json(`/library/metadata/${col.ratingKey}`)).Metadata[0].type).toBe('collection');
    expect(pms.collections()[0]?.items.map(String)).toEqual(keys);
    // wrong server in the uri, missing title, unknown collection
    const wrong = await fetch(
      `${pms.url}/library/collections?uri=${encodeURIComponent('server://other/com.plexapp.plugins.library/library/metadata/1000')}&type=1&title=X&smart=0&sectionId=1`,
      { method: 'POST', headers: { 'X-Plex-Token': OWNER } },
    );
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get('content-type')).toContain('text/html');
    const noTitle = await fetch(
      `${pms.url}/library/collections?uri=${uri(keys)}&type=1&smart=0&sectionId=1`,
      {
        method: 'POST',
        headers: { 'X-Plex-Token': OWNER },
      },
    );
    expect(noTitle.status).toBe(400);
    const mixed = await fetch(
      `${pms.url}/library/collections/${col.ratingKey}/items?uri=${uri(['1000000'])}`,
      {
        method: 'PUT',
        headers: { 'X-Plex-Token': OWNER },
      },
    );
    expect(mixed.status).toBe(400);
    expect((await get('/library/collections/123/children')).status).toBe(404);
  });

  it('refresh: GET and POST with path= are recorded; DELETE cancels', async () => {
    const path = '/media/movies/New Film (2024)';
    const g = await fetch(
      `${pms.url}/library/sections/1/refresh?path=${encodeURIComponent(path)}&X-Plex-Token=${OWNER}`,
    );
    expect(g.status).toBe(200);
    const p = await fetch(`${pms.url}/library/sections/2/refresh?force=1`, {
      method: 'POST',
      headers: { 'X-Plex-Token': OWNER },
    });
    expect(p.status).toBe(200);
    expect(pms.refreshes()).toEqual([
      { sectionKey: '1', path, force: false, method: 'GET', at: NOW / 1000, cancelled: false },
      { sectionKey: '2', path: null, force: true, method: 'POST', at: NOW / 1000, cancelled: false },
    ]);
    const d = await fetch(`${pms.url}/library/sections/2/refresh`, {
      method: 'DELETE',
      headers: { 'X-Plex-Token': OWNER },
    });
    expect(d.status).toBe(200);
    expect(pms.refreshes().map((r) => r.cancelled)).toEqual([false, true]);
    expect(
      (await fetch(`${pms.url}/library/sections/9/refresh`, { headers: { 'X-Plex-Token': OWNER } })).status,
    ).toBe(404);
    await fetch(`${pms.url}/library/sections/all/refresh`, { headers: { 'X-Plex-Token': OWNER } });
    expect(pms.refreshes()).toHaveLength(5);
  });

  it('/photo/:/transcode returns a real image of the requested size and format; thumbs are images too', async () => {
    const movie = (await json('/library/sections/1/all?X-Plex-Container-Size=1')).Metadata[0];
    const jpg = await get(
      `/photo/:/transcode?url=${encodeURIComponent(movie.thumb)}&width=120&height=180&minSize=1&upscale=1`,
    );
    expect(jpg.headers.get('content-type')).toBe('image/jpeg');
    const meta = await sharp(Buffer.from(await jpg.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 120, 180]);
    const png = await get(
      `/photo/:/transcode?url=${encodeURIComponent(movie.thumb)}&width=64&height=64&format=png`,
      {},
      null,
    );
    expect(png.status).toBe(401);
    const png2 = await fetch(
      `${pms.url}/photo/:/transcode?url=${encodeURIComponent(movie.thumb)}&width=64&height=64&format=png&X-Plex-Token=${OWNER}`,
    );
    expect(png2.headers.get('content-type')).toBe('image/png');
    expect((await sharp(Buffer.from(await png2.arrayBuffer())).metadata()).width).toBe(64);
    const thumb = await get(movie.thumb);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    expect((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).height).toBe(450);
    expect((await get('/photo/:/transcode?width=10&height=10')).status).toBe(400);
    expect((await get('/photo/:/transcode?url=/x&width=99999&height=10')).status).toBe(400);
  });

  it('stop() takes the server down and start() brings it back on the same port with its state', async () => {
    const before = (await json('/library/sections/1/all?X-Plex-Container-Size=0')).totalSize;
    await pms.stop();
    expect(pms.running).toBe(false);
    await expect(fetch(`${pms.url}/identity`)).rejects.toThrow();
    await pms.start();
    expect(pms.running).toBe(true);
    expect((await json('/library/sections/1/all?X-Plex-Container-Size=0')).totalSize).toBe(before);
  });

  it('fault injection on a PMS route: 500 then recovery, malformed JSON', async () => {
    pms.faults.add({ path: '/library/sections/1/all', status: 500, times: 1 });
    expect((await get('/library/sections/1/all')).status).toBe(500);
    expect((await get('/library/sections/1/all?X-Plex-Container-Size=1')).status).toBe(200);
    pms.faults.add({ path: '/library/sections/1/all', malformed: true, times: 1 });
    const text = await (await get('/library/sections/1/all?X-Plex-Container-Size=3')).text();
    expect(() => JSON.parse(text)).toThrow();
  });

  it('accepts tokens added at run time and forgets removed ones, never the owner’s', async () => {
    expect((await get('/library/sections', {}, 'late-token')).status).toBe(401);
    pms.addToken('late-token');
    expect((await get('/library/sections', {}, 'late-token')).status).toBe(200);
    pms.removeToken('late-token');
    pms.removeToken(OWNER);
    expect((await get('/library/sections', {}, 'late-token')).status).toBe(401);
    expect((await get('/library/sections', {}, OWNER)).status).toBe(200);
  });
});
