import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RunningPlexServer, startPlexServer } from '@medianest/simulators/plex-server/index';
import { shareToken } from '@medianest/simulators/scenario/index';
import { startPlexWorld } from '@medianest/simulators/scenario/start';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttp, type OutboundHttp } from '../../adapter/http/index.ts';
import { AppError } from '../../error/index.ts';
import { createPlexServerClient, type PlexServerClient } from './plex-server.ts';

let sim: RunningPlexServer;
let net: OutboundHttp;
let plex: PlexServerClient;

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => {
      if (!(e instanceof AppError)) throw e;
      return e;
    },
  );

beforeAll(async () => {
  sim = await startPlexServer({ tokens: ['owner-token', 'friend-token'] });
  net = createHttp({
    mode: 'selfhosted',
    allowPrivate: true,
    retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 5 },
    breaker: { threshold: 10, halfOpenAfterMs: 200 },
  });
  plex = createPlexServerClient({
    baseUrl: `${sim.url}/`,
    token: 'owner-token',
    http: net,
    integrationKey: 'hh1:plex',
    timeoutMs: 2_000,
  });
});

afterAll(async () => {
  net.close();
  await sim.close();
});

afterEach(() => {
  sim.faults.clear();
});

describe('Plex Media Server client against the simulator', () => {
  it('identity names the server without needing the token', async () => {
    const anon = createPlexServerClient({ baseUrl: sim.url, token: 'wrong', http: net, integrationKey: 'x' });
    expect(await anon.identity()).toEqual({
      machineIdentifier: sim.machineIdentifier,
      version: sim.version,
      claimed: true,
    });
  });

  it('lists sections with their locations', async () => {
    const sections = await plex.sections();
    expect(sections.map((s) => [s.key, s.title, s.type])).toEqual([
      ['1', 'Movies', 'movie'],
      ['2', 'TV Shows', 'show'],
    ]);
    expect(sections[0]?.Location?.[0]?.path).toBe('/data/media/movies');
  });

  it('pages a section with totalSize, sort, filters and guids', async () => {
    const first = await plex.sectionItems('1', {
      start: 0,
      size: 10,
      sort: 'addedAt:desc',
      includeGuids: true,
    });
    expect(first.items).toHaveLength(10);
    expect(first.totalSize).toBe(50);
    expect(first.offset).toBe(0);
    const added = first.items.map((i) => i.addedAt ?? 0);
    expect(added).toEqual([...added].sort((a, b) => b - a));
    expect(first.items[0]?.Guid?.map((g) => g.id.split('://')[0])).toEqual(
      expect.arrayContaining(['imdb', 'tmdb']),
    );

    const last = await plex.sectionItems('1', { start: 45, size: 10 });
    expect(last.items).toHaveLength(5);
    expect(last.offset).toBe(45);

    const count = await plex.sectionItems('1', { size: 0 });
    expect(count.items).toEqual([]);
    expect(count.totalSize).toBe(50);

    const all = await plex.sectionItems('1', { type: 'movie' });
    const years = all.items.map((i) => i.year ?? 0).sort((a, b) => a - b);
    const pivot = years[Math.floor(years.length / 2)] as number;
    const newer = await plex.sectionItems('1', { filters: [{ field: 'year', op: '>>=', value: pivot }] });
    expect(newer.totalSize).toBeGreaterThan(0);
    expect(newer.totalSize).toBeLessThan(50);
    expect(newer.items.every((i) => (i.year ?? 0) > pivot)).toBe(true);
    const genre = all.items[0]?.Genre?.[0]?.tag as string;
    const byGenre = await plex.sectionItems('1', { filters: [{ field: 'genre', value: genre }] });
    expect(byGenre.items.every((i) => i.Genre?.some((g) => g.tag === genre))).toBe(true);

    const shows = await plex.sectionItems('2', { type: 'show', size: 3 });
    expect(shows.items.every((i) => i.type === 'show')).toBe(true);
  });

  it('refuses sort and filter spellings that could smuggle parameters', async () => {
    expect((await failure(plex.sectionItems('1', { sort: 'title&X-Plex-Token=x' }))).code).toBe(
      'integration.bad_request',
    );
    expect((await failure(plex.sectionItems('1', { filters: [{ field: 'a&b', value: 1 }] }))).code).toBe(
      'integration.bad_request',
    );
    expect((await failure(plex.sectionItems('../x'))).code).toBe('integration.bad_request');
  });

  it('reads metadata (one or many keys), children and recently added', async () => {
    const [a, b] = (await plex.sectionItems('1', { size: 2 })).items;
    const items = await plex.metadata([a?.ratingKey as string, b?.ratingKey as string], {
      includeGuids: true,
    });
    expect(items.map((i) => i.ratingKey)).toEqual([a?.ratingKey, b?.ratingKey]);
    expect(items[0]?.Guid?.length).toBeGreaterThan(0);
    expect(items[0]?.Role?.length).toBeGreaterThan(0);
    expect(await plex.item('999999999')).toBeUndefined();

    const show = (await plex.sectionItems('2', { size: 1 })).items[0];
    const seasons = await plex.children(show?.ratingKey as string);
    expect(seasons.items.length).toBe(show?.childCount);
    expect(seasons.items.every((s) => s.type === 'season')).toBe(true);
    const episodes = await plex.children(seasons.items[0]?.ratingKey as string, { size: 2 });
    expect(episodes.items.every((e) => e.type === 'episode')).toBe(true);
    expect(episodes.totalSize).toBe(seasons.items[0]?.leafCount);

    const recent = await plex.recentlyAdded({ size: 5 });
    expect(recent.items).toHaveLength(5);
    const ts = recent.items.map((i) => i.addedAt ?? 0);
    expect(ts).toEqual([...ts].sort((x, y) => y - x));
    const recentMovies = await plex.recentlyAdded({ sectionKey: '1', size: 3 });
    expect(recentMovies.items.every((i) => i.librarySectionID === 1)).toBe(true);
  });

  it('searches hubs', async () => {
    const movie = (await plex.sectionItems('1', { size: 1 })).items[0];
    const word = (movie?.title ?? '').split(' ')[0] as string;
    const hubs = await plex.search(word, { limit: 5 });
    const movies = hubs.find((h) => h.type === 'movie');
    expect(movies?.items.some((i) => i.ratingKey === movie?.ratingKey)).toBe(true);
    expect(await plex.search('   ')).toEqual([]);
  });

  it('reports now playing with user, player, progress and transcode decision', async () => {
    const [m1, m2] = (await plex.sectionItems('1', { size: 2 })).items;
    sim.setSessions([
      {
        ratingKey: m1?.ratingKey as string,
        user: { id: 7, title: 'alice' },
        viewOffset: 0,
        location: 'wan',
        transcode: true,
      },
      { ratingKey: m2?.ratingKey as string, user: { id: 8, title: 'bob' }, player: { state: 'paused' } },
    ]);
    const sessions = await plex.sessions();
    expect(sessions).toHaveLength(2);
    expect(sessions[0]).toMatchObject({
      user: { id: '7', title: 'alice' },
      decision: 'transcode',
      location: 'wan',
      progress: 0,
      transcode: { videoDecision: 'transcode' },
    });
    expect(sessions[0]?.item.ratingKey).toBe(m1?.ratingKey);
    expect(sessions[1]).toMatchObject({
      decision: 'direct_play',
      player: { state: 'paused' },
      transcode: undefined,
    });
    expect(sessions[1]?.progress).toBeCloseTo(1 / 3, 1);
    sim.setSessions([]);
    expect(await plex.sessions()).toEqual([]);
  });

  it('creates collections, adds items, lists them', async () => {
    const [a, b, c] = (await plex.sectionItems('1', { size: 3 })).items.map((i) => i.ratingKey);
    const created = await plex.createCollection({
      sectionKey: '1',
      title: 'Weekend picks',
      type: 'movie',
      ratingKeys: [a as string, b as string],
    });
    expect(created.title).toBe('Weekend picks');
    expect(created.type).toBe('collection');
    await plex.addToCollection(created.ratingKey, [c as string]);
    const inside = await plex.collectionItems(created.ratingKey);
    expect(inside.items.map((i) => i.ratingKey).sort()).toEqual([a, b, c].sort());
    const cols = await plex.collections('1');
    expect(cols.items.map((x) => x.title)).toContain('Weekend picks');
    expect(sim.collections().find((x) => x.title === 'Weekend picks')?.items).toHaveLength(3);
  });

  it('starts a scan of one folder', async () => {
    await plex.refreshSection('1', { path: '/data/media/movies/New (2026)', force: true });
    expect(sim.refreshes().at(-1)).toMatchObject({
      sectionKey: '1',
      path: '/data/media/movies/New (2026)',
      force: true,
    });
  });

  it('builds photo URLs without the token and fetches the image server-side', async () => {
    const movie = (await plex.sectionItems('1', { size: 1 })).items[0];
    const url = plex.photoTranscodeUrl({ path: movie?.thumb as string, width: 120, height: 180 });
    expect(url).not.toContain('owner-token');
    expect(url.startsWith(`${sim.url}/photo/:/transcode?url=%2Flibrary%2Fmetadata%2F`)).toBe(true);
    const photo = await plex.fetchPhoto({
      path: movie?.thumb as string,
      width: 120,
      height: 180,
      format: 'png',
    });
    expect(photo.contentType).toBe('image/png');
    expect(Buffer.from(photo.body).subarray(1, 4).toString()).toBe('PNG');
    expect(
      (await failure(plex.fetchPhoto({ path: 'http://169.254.169.254/', width: 1, height: 1 }))).code,
    ).toBe('integration.bad_request');
    expect((await failure(plex.fetchPhoto({ path: '/x', width: 0, height: 1 }))).code).toBe(
      'integration.bad_request',
    );
  });

  it('a wrong token is integration.unauthorized; a share token cannot read sessions', async () => {
    const wrong = createPlexServerClient({ baseUrl: sim.url, token: 'nope', http: net, integrationKey: 'y' });
    const e = await failure(wrong.sections());
    expect(e.code).toBe('integration.unauthorized');
    expect(e.message).toBe('Plex Media Server did not accept the token (401) for the library sections');
    expect(e.message).not.toContain('nope');
    const friend = createPlexServerClient({
      baseUrl: sim.url,
      token: 'friend-token',
      http: net,
      integrationKey: 'z',
    });
    expect((await friend.sections()).length).toBe(2);
    expect((await failure(friend.sessions())).code).toBe('integration.unauthorized');
  });
});

describe('faults', () => {
  it('latency beyond the timeout is http.timeout with the seconds; a one-off delay is retried away', async () => {
    const quick = createPlexServerClient({
      baseUrl: sim.url,
      token: 'owner-token',
      http: net,
      integrationKey: 'f1',
      timeoutMs: 400,
    });
    sim.faults.add({ path: '/library/sections', latencyMs: 3000 });
    const e = await failure(quick.sections());
    expect(e.code).toBe('http.timeout');
    expect(e.message).toBe(`Timed out after 0.4 s waiting for 127.0.0.1`);
    sim.faults.clear();
    sim.faults.add({ path: '/library/sections', latencyMs: 3000, times: 1 });
    expect(await quick.sections()).toHaveLength(2);
  });

  it('500s are retried to success; persistent 500s are integration.server_error', async () => {
    const c = createPlexServerClient({
      baseUrl: sim.url,
      token: 'owner-token',
      http: net,
      integrationKey: 'f2',
    });
    sim.resetHits();
    sim.faults.add({ path: '/library/sections', status: 500, times: 2 });
    expect(await c.sections()).toHaveLength(2);
    expect(sim.hits().byRoute['GET /library/sections']).toBe(3);
    sim.faults.add({ path: '/library/sections', status: 500 });
    const e = await failure(c.sections());
    expect(e.code).toBe('integration.server_error');
    expect(e.message).toBe('Plex Media Server failed to answer the library sections (500)');
  });

  it('a hang is a timeout and a reset is http.reset, never a hang', async () => {
    const c = createPlexServerClient({
      baseUrl: sim.url,
      token: 'owner-token',
      http: net,
      integrationKey: 'f3',
      timeoutMs: 100,
    });
    sim.faults.add({ path: '/status/sessions', hang: true });
    expect((await failure(c.sessions())).code).toBe('http.timeout');
    sim.faults.clear();
    sim.faults.add({ path: '/status/sessions', reset: true });
    expect((await failure(plex.sessions())).code).toBe('http.reset');
    sim.faults.clear();
    sim.faults.add({ path: '/status/sessions', reset: true, times: 1 });
    expect(await plex.sessions()).toEqual([]);
  });

  it('malformed JSON is integration.malformed_response', async () => {
    sim.faults.add({ path: '/library/sections/1/all', malformed: true });
    const e = await failure(plex.sectionItems('1', { size: 5 }));
    expect(e.code).toBe('integration.malformed_response');
    expect(e.message).toBe('Plex Media Server sent invalid JSON for the items of section 1');
  });

  it('the breaker opens after repeated failures and half-opens later', async () => {
    const tight = createHttp({
      mode: 'selfhosted',
      allowPrivate: true,
      retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 5 },
      breaker: { threshold: 3, halfOpenAfterMs: 200 },
    });
    const c = createPlexServerClient({
      baseUrl: sim.url,
      token: 'owner-token',
      http: tight,
      integrationKey: 'hh9:plex',
    });
    sim.faults.add({ path: '/library/sections', status: 503 });
    // One call = 3 attempts (2 retries), each a failure to the breaker (threshold 3).
    expect((await failure(c.sections())).code).toBe('integration.server_error');
    sim.resetHits();
    expect((await failure(c.sections())).code).toBe('http.circuit_open');
    expect(sim.hits().total).toBe(0);
    expect(tight.breakerState('hh9:plex')).toBe('open');
    sim.faults.clear();
    await new Promise((r) => setTimeout(r, 250));
    expect(await c.sections()).toHaveLength(2);
    expect(tight.breakerState('hh9:plex')).toBe('closed');
    tight.close();
  });

  it('a stopped server is connection refused', async () => {
    const other = await startPlexServer({});
    const c = createPlexServerClient({
      baseUrl: other.url,
      token: other.ownerToken,
      http: net,
      integrationKey: 'f5',
    });
    expect(await c.identity()).toMatchObject({ machineIdentifier: other.machineIdentifier });
    await other.stop();
    expect((await failure(c.identity())).code).toBe('http.connection_refused');
    await other.close();
  });
});

describe('wrong product', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url?.startsWith('/router/identity')) {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><title>Router login</title>');
      } else if (req.url?.startsWith('/identity')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"version":"1.34.0","commitTag":"local"}');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('Not found');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('a web page, JSON without MediaContainer, or no /identity at all', async () => {
    const json = createPlexServerClient({ baseUrl: base, token: 't', http: net, integrationKey: 'w' });
    const e1 = await failure(json.identity());
    expect(e1.code).toBe('integration.wrong_product');
    expect(e1.message).toMatch(/is it the address of Plex Media Server\?/);
    const html = createPlexServerClient({
      baseUrl: `${base}/router`,
      token: 't',
      http: net,
      integrationKey: 'w',
    });
    const e2 = await failure(html.identity());
    expect(e2.code).toBe('integration.wrong_product');
    expect(e2.message).toMatch(/with a web page/);
    const none = createPlexServerClient({
      baseUrl: `${base}/elsewhere`,
      token: 't',
      http: net,
      integrationKey: 'w',
    });
    expect((await failure(none.identity())).code).toBe('integration.wrong_product');
  });
});

describe('the demo world (startPlexWorld)', () => {
  it('the owner token and a friend share token both browse; only the owner sees sessions', async () => {
    const world = await startPlexWorld();
    try {
      const sv = world.scenario.servers[0];
      const pms = world.servers.get(sv?.machineIdentifier as string) as RunningPlexServer;
      const owner = world.scenario.accounts.find((a) => a.id === sv?.ownerId);
      const share = world.scenario.sharing.find((s) => s.serverId === sv?.machineIdentifier);
      const asOwner = createPlexServerClient({
        baseUrl: pms.url,
        token: owner?.authToken as string,
        http: net,
        integrationKey: 'demo',
      });
      expect((await asOwner.identity()).machineIdentifier).toBe(sv?.machineIdentifier);
      const sections = await asOwner.sections();
      expect(sections.map((s) => s.title)).toEqual(sv?.sections.map((s) => s.title));
      expect(await asOwner.sessions()).toEqual([]);
      const asFriend = createPlexServerClient({
        baseUrl: pms.url,
        token: shareToken(share as Parameters<typeof shareToken>[0]),
        http: net,
        integrationKey: 'demo-friend',
      });
      expect((await asFriend.sections()).length).toBe(sections.length);
      expect((await failure(asFriend.sessions())).code).toBe('integration.unauthorized');
    } finally {
      await world.close();
    }
  });
});
