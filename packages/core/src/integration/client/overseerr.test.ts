import {
  type CatalogMovie,
  generateCatalog,
  Permission,
  type RunningOverseerr,
  startOverseerr,
} from '@medianest/simulators/overseerr/index';
import { startUptimeKuma } from '@medianest/simulators/uptime-kuma/index';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttp, type OutboundHttp } from '../../adapter/http/index.ts';
import { AppError } from '../../error/index.ts';
import { createOverseerrClient, MediaRequestStatus, type OverseerrClient } from './overseerr.ts';
import { encodeStrict } from './transport.ts';

const KEY = 'overseerr-api-key-0123456789';
const ALICE = {
  id: 5,
  plexId: 5001,
  email: 'alice@example.com',
  plexUsername: 'alice',
  permissions: Permission.REQUEST,
};
const BOB = {
  id: 6,
  plexId: 5002,
  email: 'bob@example.com',
  plexUsername: 'bob',
  permissions: Permission.REQUEST,
  movieQuotaLimit: 1,
  movieQuotaDays: 7,
};
const CAROL = {
  id: 7,
  plexId: 5003,
  email: 'carol@example.com',
  plexUsername: 'carol',
  permissions: Permission.VOTE,
};

const catalog = generateCatalog(1);
const base = catalog.movies[0] as CatalogMovie;
const ODD: CatalogMovie = {
  ...base,
  tmdbId: 990_001,
  title: "Don't Panic! (Redux)*",
  originalTitle: "Don't Panic! (Redux)*",
};

let sim: RunningOverseerr;
let net: OutboundHttp;
let os: OverseerrClient;

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
  sim = await startOverseerr({
    apiKey: KEY,
    users: [ALICE, BOB, CAROL],
    extraTitles: [ODD],
    plexAuth: (token) =>
      token === 'dave-plex-token'
        ? { id: 5004, email: 'dave@example.com', username: 'dave', hasServerAccess: true }
        : token === 'stranger-plex-token'
          ? { id: 6000, email: 'x@example.com', username: 'x', hasServerAccess: false }
          : undefined,
  });
  net = createHttp({
    mode: 'selfhosted',
    allowPrivate: true,
    retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 5 },
    breaker: { threshold: 10, halfOpenAfterMs: 200 },
  });
  os = createOverseerrClient({
    baseUrl: sim.url,
    apiKey: KEY,
    http: net,
    integrationKey: 'hh1:overseerr',
    timeoutMs: 2_000,
  });
});

afterAll(async () => {
  net.close();
  await sim.close();
});

afterEach(() => sim.faults.clear());

describe('Overseerr client against the simulator', () => {
  it('status and public settings need no key; /api/v1 in the URL is fine too', async () => {
    const anon = createOverseerrClient({
      baseUrl: `${sim.url}/api/v1/`,
      apiKey: 'wrong',
      http: net,
      integrationKey: 'a',
    });
    expect(anon.baseUrl).toBe(`${sim.url}/api/v1`);
    expect(await anon.status()).toMatchObject({
      version: '1.34.0',
      commitTag: 'local',
      updateAvailable: false,
    });
    expect(await anon.publicSettings()).toMatchObject({ initialized: true, partialRequestsEnabled: true });
  });

  it("encodes queries the way its validator demands, including !'()* and :", async () => {
    expect(encodeStrict("Don't Panic! (Redux)*")).toBe('Don%27t%20Panic%21%20%28Redux%29%2A');
    const page = await os.search("don't panic! (redux)*");
    expect(page.results.map((r) => r.id)).toContain(ODD.tmdbId);
    const hit = page.results.find((r) => r.id === ODD.tmdbId);
    expect(hit).toMatchObject({
      mediaType: 'movie',
      title: ODD.title,
      year: Number(ODD.releaseDate.slice(0, 4)),
    });
    const byId = await os.search(`tmdb:${base.tmdbId}`);
    expect(byId.results.map((r) => r.id)).toEqual([base.tmdbId]);
    expect((await os.search('   ')).results).toEqual([]);
    const log = sim.requestLog().filter((e) => e.path === '/api/v1/search');
    expect(log.every((e) => e.status === 200)).toBe(true);
  });

  it('pages search results; shows have a name as title', async () => {
    const show = catalog.tv[0];
    const page = await os.search(show?.name ?? '');
    const tv = page.results.find((r) => r.id === show?.tmdbId);
    expect(tv).toMatchObject({ mediaType: 'tv', title: show?.name });
    expect(page.page).toBe(1);
  });

  it('movie and tv details', async () => {
    const m = await os.movie(base.tmdbId);
    expect(m).toMatchObject({ id: base.tmdbId, title: base.title, imdbId: base.imdbId });
    const show = catalog.tv[1];
    const tv = await os.tv(show?.tmdbId as number);
    expect(tv.name).toBe(show?.name);
    expect(tv.seasons?.map((s) => s.seasonNumber)).toEqual(show?.seasons.map((s) => s.seasonNumber));
  });

  it('pages users and finds one by Plex account id', async () => {
    const first = await os.users({ take: 2 });
    expect(first.pageInfo).toMatchObject({ pageSize: 2, page: 1 });
    expect(first.pageInfo.results).toBeGreaterThanOrEqual(4);
    expect(first.results).toHaveLength(2);
    expect((await os.findUserByPlexId(5003))?.id).toBe(7);
    expect(await os.findUserByPlexId(424242)).toBeUndefined();
    expect((await os.user(5))?.plexUsername).toBe('alice');
    expect(await os.user(999)).toBeUndefined();
  });

  it('signs a Plex account in, creating its Overseerr user, then finds it by Plex id', async () => {
    expect(await os.findUserByPlexId(5004)).toBeUndefined();
    const dave = await os.plexSignIn('dave-plex-token');
    expect(dave.plexUsername).toBe('dave');
    expect(dave.plexId).toBeUndefined(); // filtered for a non-admin view
    expect((await os.findUserByPlexId(5004))?.id).toBe(dave.id);
    const log = sim.requestLog().findLast((e) => e.path === '/api/v1/auth/plex');
    expect(log?.apiKeyValid).toBe(false);
    const e = await failure(os.plexSignIn('stranger-plex-token'));
    expect(e.code).toBe('integration.forbidden');
    expect(e.message).toBe('Overseerr refused the Plex sign-in: Access denied.');
    expect((await failure(os.plexSignIn('garbage'))).code).toBe('integration.server_error');
  });

  it('creates a request as the member (X-Api-User) and reports duplicates', async () => {
    const movie = catalog.movies[3] as CatalogMovie;
    const r = await os.createRequest({ mediaType: 'movie', mediaId: movie.tmdbId }, { asUser: 5 });
    if (!r.ok) throw new Error(r.message);
    expect(r.request.requestedBy?.id).toBe(5);
    expect(r.request.status).toBe(MediaRequestStatus.PENDING);
    const entry = sim.requestLog().findLast((e) => e.method === 'POST' && e.path === '/api/v1/request');
    expect(entry).toMatchObject({ apiUser: '5', userId: 5, status: 201 });

    const again = await os.createRequest({ mediaType: 'movie', mediaId: movie.tmdbId }, { asUser: 5 });
    expect(again).toEqual({
      ok: false,
      reason: 'duplicate',
      message: 'Request for this media already exists.',
    });
  });

  it('maps quota, permission and no-seasons-left answers to typed results', async () => {
    const m1 = catalog.movies[4] as CatalogMovie;
    const m2 = catalog.movies[5] as CatalogMovie;
    expect((await os.createRequest({ mediaType: 'movie', mediaId: m1.tmdbId }, { asUser: 6 })).ok).toBe(true);
    expect(await os.createRequest({ mediaType: 'movie', mediaId: m2.tmdbId }, { asUser: 6 })).toEqual({
      ok: false,
      reason: 'quota_exceeded',
      message: 'Movie Quota exceeded.',
    });
    expect(await os.createRequest({ mediaType: 'movie', mediaId: m2.tmdbId }, { asUser: 7 })).toEqual({
      ok: false,
      reason: 'forbidden',
      message: 'You do not have permission to make movie requests.',
    });
    const show = catalog.tv[2];
    const seasons = show?.seasons.map((s) => s.seasonNumber).filter((n) => n > 0) ?? [];
    const tv = await os.createRequest(
      { mediaType: 'tv', mediaId: show?.tmdbId as number, seasons },
      { asUser: 5 },
    );
    if (!tv.ok) throw new Error(tv.message);
    expect(tv.request.seasons?.map((s) => s.seasonNumber)).toEqual(seasons);
    expect(
      await os.createRequest(
        { mediaType: 'tv', mediaId: show?.tmdbId as number, seasons: 'all' },
        { asUser: 5 },
      ),
    ).toEqual({
      ok: false,
      reason: 'no_seasons_left',
      message: 'No seasons available to request',
    });
  });

  it('lists, reads, approves, declines, counts and deletes requests', async () => {
    const ids: number[] = [];
    for (const m of catalog.movies.slice(10, 13)) {
      const r = await os.createRequest({ mediaType: 'movie', mediaId: m.tmdbId }, { asUser: 5 });
      if (!r.ok) throw new Error(r.message);
      ids.push(r.request.id);
    }
    const [ia, ib, ic] = ids as [number, number, number];
    const mine = await os.requests({ take: 2, filter: 'pending', asUser: 5 });
    expect(mine.results).toHaveLength(2);
    expect(mine.results.every((r) => r.requestedBy?.id === 5)).toBe(true);
    expect(mine.pageInfo.results).toBeGreaterThanOrEqual(3);

    const approved = await os.approveRequest(ia);
    expect(approved.status).toBe(MediaRequestStatus.APPROVED);
    expect(approved.modifiedBy?.id).toBe(1);
    const declined = await os.declineRequest(ib);
    expect(declined.status).toBe(MediaRequestStatus.DECLINED);
    expect((await os.request(ia))?.status).toBe(MediaRequestStatus.APPROVED);
    expect(await os.request(999_999)).toBeUndefined();

    // A member may not approve: Overseerr's permission check answers for user 5.
    const e = await failure(os.approveRequest(ic, { asUser: 5 }));
    expect(e.code).toBe('integration.forbidden');
    expect(e.message).toMatch(/^Overseerr user 5 may not approve request/);
    expect((await failure(os.approveRequest(999_999))).code).toBe('integration.not_found');

    const count = await os.requestCount();
    expect(count.total).toBe(sim.requests().length);
    expect(count.pending).toBe(sim.requests().filter((r) => r.status === 1).length);

    expect(await os.deleteRequest(ic, { asUser: 5 })).toBe(true);
    expect(await os.deleteRequest(ic)).toBe(false);
    expect(sim.requests().some((r) => r.id === ic)).toBe(false);
  });

  it('a wrong API key is integration.unauthorized, with or without a member', async () => {
    const wrong = createOverseerrClient({ baseUrl: sim.url, apiKey: 'nope', http: net, integrationKey: 'w' });
    const e = await failure(wrong.search('a'));
    expect(e.code).toBe('integration.unauthorized');
    expect(e.message).toBe('Overseerr did not accept the API key');
    expect(e.kind).toBe('unavailable');
    expect((await failure(wrong.requests())).code).toBe('integration.unauthorized');
    const none = createOverseerrClient({ baseUrl: sim.url, apiKey: '', http: net, integrationKey: 'w' });
    expect((await failure(none.requestCount())).code).toBe('integration.unauthorized');
  });

  it('an Uptime Kuma (or any non-Overseerr) URL is the wrong product', async () => {
    const kuma = await startUptimeKuma({ beatIntervalMs: 0 });
    try {
      const c = createOverseerrClient({ baseUrl: kuma.url, apiKey: KEY, http: net, integrationKey: 'k' });
      const e = await failure(c.status());
      expect(e.code).toBe('integration.wrong_product');
      expect(e.message).toMatch(/is it the address of Overseerr/);
    } finally {
      await kuma.close();
    }
  });
});

describe('faults', () => {
  it('latency beyond the timeout → http.timeout; one slow answer is retried away', async () => {
    const quick = createOverseerrClient({
      baseUrl: sim.url,
      apiKey: KEY,
      http: net,
      integrationKey: 'f1',
      timeoutMs: 400,
    });
    sim.faults.add({ path: '/api/v1/status', latencyMs: 3000 });
    const e = await failure(quick.status());
    expect(e.code).toBe('http.timeout');
    expect(e.message).toBe('Timed out after 0.4 s waiting for 127.0.0.1');
    sim.faults.clear();
    sim.faults.add({ path: '/api/v1/status', latencyMs: 3000, times: 1 });
    expect((await quick.status()).version).toBe('1.34.0');
  });

  it('500s on reads are retried to success; persistent ones become integration.server_error with the message', async () => {
    sim.resetHits();
    sim.faults.add({ path: '/api/v1/request/count', status: 500, body: '{"message":"db locked"}', times: 2 });
    expect((await os.requestCount()).total).toBeGreaterThanOrEqual(0);
    expect(sim.hits().byRoute['GET /api/v1/request/count']).toBe(3);
    sim.faults.add({ path: '/api/v1/request/count', status: 500, body: '{"message":"db locked"}' });
    const e = await failure(os.requestCount());
    expect(e.code).toBe('integration.server_error');
    expect(e.message).toBe('Overseerr failed to answer the request count (500): db locked');
  });

  it('a request creation is never retried (not idempotent)', async () => {
    sim.resetHits();
    sim.faults.add({ path: '/api/v1/request', method: 'POST', status: 503 });
    const e = await failure(
      os.createRequest({ mediaType: 'movie', mediaId: (catalog.movies[20] as CatalogMovie).tmdbId }),
    );
    expect(e.code).toBe('integration.server_error');
    expect(sim.hits().byRoute['POST /api/v1/request']).toBe(1);
  });

  it('hang → timeout, reset → http.reset, malformed JSON → malformed_response', async () => {
    const quick = createOverseerrClient({
      baseUrl: sim.url,
      apiKey: KEY,
      http: net,
      integrationKey: 'f3',
      timeoutMs: 100,
    });
    sim.faults.add({ path: '/api/v1/search', hang: true });
    expect((await failure(quick.search('a'))).code).toBe('http.timeout');
    sim.faults.clear();
    sim.faults.add({ path: '/api/v1/search', reset: true });
    expect((await failure(os.search('a'))).code).toBe('http.reset');
    sim.faults.clear();
    sim.faults.add({ path: '/api/v1/search', malformed: true });
    const e = await failure(os.search('a'));
    expect(e.code).toBe('integration.malformed_response');
    expect(e.message).toBe('Overseerr sent invalid JSON for a search');
  });

  it('the breaker opens per integration and half-opens after the cool-down', async () => {
    const tight = createHttp({
      mode: 'selfhosted',
      allowPrivate: true,
      retry: { maxRetries: 0 },
      breaker: { threshold: 2, halfOpenAfterMs: 150 },
    });
    const c = createOverseerrClient({
      baseUrl: sim.url,
      apiKey: KEY,
      http: tight,
      integrationKey: 'hh7:overseerr',
    });
    sim.faults.add({ path: '/api/v1/status', status: 502 });
    expect((await failure(c.status())).code).toBe('integration.server_error');
    expect((await failure(c.status())).code).toBe('integration.server_error');
    sim.resetHits();
    expect((await failure(c.status())).code).toBe('http.circuit_open');
    expect(sim.hits().total).toBe(0);
    sim.faults.clear();
    await new Promise((r) => setTimeout(r, 200));
    expect((await c.status()).version).toBe('1.34.0');
    expect(tight.breakerState('hh7:overseerr')).toBe('closed');
    tight.close();
  });
});
