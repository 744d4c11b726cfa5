import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCatalog, Permission, type RunningOverseerr, startOverseerr, toPlexItem } from './index.ts';
import { check, componentSchema, missingKeys, responseSchema } from './openapi-check.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests walk response JSON freely.
type Json = any;

const KEY = 'sim-api-key-0123456789';

let sim: RunningOverseerr;

interface CallOptions {
  key?: string | null;
  user?: number | string;
  method?: string;
  body?: unknown;
  cookie?: string;
}

async function call(
  path: string,
  opts: CallOptions = {},
): Promise<{ status: number; body: Json; res: Response }> {
  const headers: Record<string, string> = {};
  if (opts.key !== null) headers['X-Api-Key'] = opts.key ?? KEY;
  if (opts.user !== undefined) headers['X-Api-User'] = String(opts.user);
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${sim.url}/api/v1${path}`, {
    method: opts.method ?? 'GET',
    headers,
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, res };
}

/** A GET whose path goes out byte for byte (fetch would percent-encode `'` and friends). */
function rawGet(path: string, key = KEY): Promise<{ status: number; body: Json }> {
  const url = new URL(sim.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: `/api/v1${path}`, headers: { 'X-Api-Key': key } },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Strict RFC 3986 encoding, the way the query parameter must be sent. */
const enc = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

beforeAll(async () => {
  // Every reading of the clock is a second later, so timestamps never tie.
  let t = Date.parse('2026-11-26T06:00:00.000Z');
  sim = await startOverseerr({
    apiKey: KEY,
    catalogSeed: 7,
    clock: () => {
      t += 1000;
      return t;
    },
    users: [
      {
        id: 1,
        email: 'Owner@Example.com',
        plexUsername: 'owner',
        plexId: 1001,
        permissions: Permission.ADMIN,
      },
      {
        id: 2,
        email: 'friend@example.com',
        plexUsername: 'friend',
        plexId: 2002,
        permissions: Permission.REQUEST,
      },
      {
        id: 3,
        email: 'auto@example.com',
        plexUsername: 'auto',
        plexId: 2003,
        permissions: Permission.REQUEST | Permission.AUTO_APPROVE,
        plexToken: 'plex-token-auto',
      },
      {
        id: 4,
        email: 'quota@example.com',
        plexUsername: 'quota',
        plexId: 2004,
        permissions: Permission.REQUEST,
        movieQuotaLimit: 1,
        movieQuotaDays: 7,
        tvQuotaLimit: 2,
        tvQuotaDays: 7,
      },
      { id: 5, email: 'nobody@example.com', username: 'nobody', permissions: 0 },
    ],
  });
});

afterAll(async () => {
  await sim.close();
});

const movie = (i: number) => sim.catalog.movies[i]!;
const show = (i: number) => sim.catalog.tv[i]!;

describe('public endpoints and auth', () => {
  it('serves /status and /settings/public without a key', async () => {
    const status = await call('/status', { key: null });
    expect(status.status).toBe(200);
    expect(check(status.body, responseSchema('/status', 'get', '200'))).toEqual([]);
    expect(Object.keys(status.body).sort()).toEqual(
      ['commitTag', 'commitsBehind', 'restartRequired', 'updateAvailable', 'version'].sort(),
    );
    const pub = await call('/settings/public', { key: null });
    expect(pub.status).toBe(200);
    expect(check(pub.body, responseSchema('/settings/public', 'get', '200'))).toEqual([]);
    expect(pub.body.initialized).toBe(true);
  });

  it('answers 401 with the validator body when no key or cookie is sent', async () => {
    const r = await call(`/search?query=${enc('harbor')}`, { key: null });
    expect(r.status).toBe(401);
    expect(r.res.headers.get('content-type')).toMatch(/application\/json/);
    expect(r.body).toEqual({
      message: "cookie 'connect.sid' required",
      errors: [{ path: '/api/v1/search', message: "cookie 'connect.sid' required" }],
    });
  });

  it('answers 403 with isAuthenticated’s body for a wrong key', async () => {
    const r = await call(`/search?query=${enc('harbor')}`, { key: 'wrong' });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ status: 403, error: 'You do not have permission to access this endpoint' });
  });

  it('answers 403 for an X-Api-User that does not exist', async () => {
    const r = await call('/request', { user: 999 });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ status: 403, error: 'You do not have permission to access this endpoint' });
  });

  it('answers 404 for paths outside the API document', async () => {
    const r = await call('/nope', { key: null });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({
      message: 'not found',
      errors: [{ path: '/api/v1/nope', message: 'not found' }],
    });
  });
});

describe('search', () => {
  it('finds catalogue titles by (percent-encoded) title with paging fields', async () => {
    const title = movie(0).title;
    const r = await call(`/search?query=${enc(title)}&page=1&language=en`);
    expect(r.status).toBe(200);
    expect(r.res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(check(r.body, responseSchema('/search', 'get', '200'))).toEqual([]);
    expect(r.body.page).toBe(1);
    expect(typeof r.body.totalPages).toBe('number');
    expect(typeof r.body.totalResults).toBe('number');
    const hit = r.body.results.find((x: Json) => x.id === movie(0).tmdbId);
    expect(hit).toMatchObject({ mediaType: 'movie', title, posterPath: movie(0).posterPath });
    expect(hit.mediaInfo).toBeUndefined();
    expect(missingKeys(hit, componentSchema('MovieResult'))).toEqual(['mediaInfo']);
  });

  it('returns tv results with TvResult keys and pages 20 at a time', async () => {
    const r = await call(`/search?query=${enc('the')}`);
    expect(r.body.totalResults).toBeGreaterThan(20);
    expect(r.body.results).toHaveLength(20);
    expect(r.body.totalPages).toBe(Math.ceil(r.body.totalResults / 20));
    const tv = r.body.results.find((x: Json) => x.mediaType === 'tv');
    expect(tv).toBeDefined();
    expect(missingKeys(tv, componentSchema('TvResult'))).toEqual(['mediaInfo']);
    const p0 = await call(`/search?query=${enc('the')}&page=0`);
    expect(p0.status).toBe(500);
    expect(p0.body).toEqual({ message: 'Unable to retrieve search results.' });
    const p2 = await call(`/search?query=${enc('the')}&page=2`);
    expect(p2.body.page).toBe(2);
    expect(p2.body.results[0].id).not.toBe(r.body.results[0].id);
  });

  it.each([
    ['a + for a space', 'the+silent'],
    ["a raw '", "o'brien"],
    ['a raw !', 'wow!'],
    ['a raw (', 'x(1'],
    ['a raw :', 'tmdb:1'],
  ])('rejects %s with the validator’s 400', async (_label, raw) => {
    const r = await rawGet(`/search?query=${raw}`);
    expect(r.status).toBe(400);
    expect(r.body.message).toBe(
      "Parameter 'query' must be url encoded. Its value may not contain reserved characters.",
    );
    expect(r.body.errors[0].path).toBe('.query.query');
  });

  it('checks the query encoding before the key (wrong key still gets the 400)', async () => {
    const r = await rawGet('/search?query=a+b', 'wrong');
    expect(r.status).toBe(400);
  });

  it('requires the query parameter', async () => {
    const r = await call('/search');
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/required property 'query'/);
  });

  it('looks titles up by tmdb: / tvdb: prefixes', async () => {
    const r = await call(`/search?query=${enc(`tvdb:${show(0).tvdbId}`)}`);
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: Json) => x.id)).toEqual([show(0).tmdbId]);
  });
});

describe('details', () => {
  it('GET /movie/:id matches MovieDetails', async () => {
    const r = await call(`/movie/${movie(1).tmdbId}`);
    expect(r.status).toBe(200);
    expect(check(r.body, componentSchema('MovieDetails'))).toEqual([]);
    expect(r.body).toMatchObject({ id: movie(1).tmdbId, imdbId: movie(1).imdbId, title: movie(1).title });
    expect(r.body.externalIds.imdbId).toBe(movie(1).imdbId);
  });

  it('GET /tv/:id matches TvDetails with seasons', async () => {
    const r = await call(`/tv/${show(1).tmdbId}`);
    expect(r.status).toBe(200);
    expect(check(r.body, componentSchema('TvDetails'))).toEqual([]);
    expect(r.body.seasons).toHaveLength(show(1).seasons.length);
    expect(r.body.seasons[0]).toEqual(
      expect.objectContaining({ seasonNumber: 1, episodeCount: expect.any(Number), id: expect.any(Number) }),
    );
    expect(r.body.externalIds.tvdbId).toBe(show(1).tvdbId);
    expect(r.body.numberOfSeasons).toBe(show(1).seasons.length);
  });

  it('unknown ids are a 500, non-numeric ids a 400', async () => {
    expect((await call('/movie/1')).body).toEqual({ message: 'Unable to retrieve movie.' });
    expect((await call('/movie/1')).status).toBe(500);
    expect((await call('/tv/1')).body).toEqual({ message: 'Unable to retrieve series.' });
    const bad = await call('/movie/abc');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('.params.movieId');
  });
});

describe('requests', () => {
  it('admin (API key, no X-Api-User) requests are auto-approved', async () => {
    const r = await call('/request', {
      method: 'POST',
      body: { mediaType: 'movie', mediaId: movie(2).tmdbId },
    });
    expect(r.status).toBe(201);
    expect(check(r.body, responseSchema('/request', 'post', '201'))).toEqual([]);
    expect(r.body).toMatchObject({ status: 2, type: 'movie', is4k: false, seasonCount: 0 });
    expect(r.body.requestedBy.id).toBe(1);
    expect(r.body.modifiedBy.id).toBe(1);
    expect(r.body.media).toMatchObject({ tmdbId: movie(2).tmdbId, mediaType: 'movie', status: 3 });
    expect(sim.requestLog().at(-1)).toMatchObject({
      method: 'POST',
      userId: 1,
      apiKeyValid: true,
      status: 201,
    });
    expect(sim.requestLog().at(-1)?.apiUser).toBeUndefined();
  });

  it('X-Api-User acts as that user: pending request attributed to them', async () => {
    const r = await call('/request', {
      method: 'POST',
      user: 2,
      body: { mediaType: 'movie', mediaId: movie(3).tmdbId },
    });
    expect(r.status).toBe(201);
    expect(r.body.status).toBe(1);
    expect(r.body.requestedBy.id).toBe(2);
    expect(r.body.modifiedBy).toBeNull();
    expect(r.body.media.status).toBe(2);
    const entry = sim.requestLog().at(-1);
    expect(entry).toMatchObject({ apiUser: '2', userId: 2, status: 201 });
  });

  it('a second movie request is a 409', async () => {
    const r = await call('/request', {
      method: 'POST',
      user: 3,
      body: { mediaType: 'movie', mediaId: movie(3).tmdbId },
    });
    expect(r.status).toBe(409);
    expect(r.body).toEqual({ message: 'Request for this media already exists.' });
  });

  it('AUTO_APPROVE users are approved, with themselves as modifiedBy', async () => {
    const r = await call('/request', {
      method: 'POST',
      user: 3,
      body: { mediaType: 'movie', mediaId: movie(4).tmdbId },
    });
    expect(r.status).toBe(201);
    expect(r.body.status).toBe(2);
    expect(r.body.modifiedBy.id).toBe(3);
  });

  it('tv: seasons already requested give 202, new ones are split off', async () => {
    const tv = show(2);
    const first = await call('/request', {
      method: 'POST',
      user: 2,
      body: { mediaType: 'tv', mediaId: tv.tmdbId, tvdbId: tv.tvdbId, seasons: [1] },
    });
    expect(first.status).toBe(201);
    expect(first.body.seasons.map((s: Json) => s.seasonNumber)).toEqual([1]);
    expect(first.body.media.tvdbId).toBe(tv.tvdbId);
    const again = await call('/request', {
      method: 'POST',
      user: 2,
      body: { mediaType: 'tv', mediaId: tv.tmdbId, seasons: [1] },
    });
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ message: 'No seasons available to request' });
    if (tv.seasons.length > 1) {
      const more = await call('/request', {
        method: 'POST',
        user: 2,
        body: { mediaType: 'tv', mediaId: tv.tmdbId, seasons: [1, 2] },
      });
      expect(more.status).toBe(201);
      expect(more.body.seasons.map((s: Json) => s.seasonNumber)).toEqual([2]);
    }
  });

  it('users without REQUEST get 403', async () => {
    const r = await call('/request', {
      method: 'POST',
      user: 5,
      body: { mediaType: 'movie', mediaId: movie(5).tmdbId },
    });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ message: 'You do not have permission to make movie requests.' });
  });

  it('requesting on behalf of another user needs MANAGE_USERS and MANAGE_REQUESTS', async () => {
    const r = await call('/request', {
      method: 'POST',
      user: 2,
      body: { mediaType: 'movie', mediaId: movie(5).tmdbId, userId: 3 },
    });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ message: 'You do not have permission to modify the request user.' });
    const ok = await call('/request', {
      method: 'POST',
      body: { mediaType: 'movie', mediaId: movie(5).tmdbId, userId: 2 },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.requestedBy.id).toBe(2);
    // Auto-approval follows the acting (admin) user.
    expect(ok.body.status).toBe(2);
  });

  it('enforces movie and tv quotas and reports them', async () => {
    const one = await call('/request', {
      method: 'POST',
      user: 4,
      body: { mediaType: 'movie', mediaId: movie(6).tmdbId },
    });
    expect(one.status).toBe(201);
    const two = await call('/request', {
      method: 'POST',
      user: 4,
      body: { mediaType: 'movie', mediaId: movie(7).tmdbId },
    });
    expect(two.status).toBe(403);
    expect(two.body).toEqual({ message: 'Movie Quota exceeded.' });
    const tv = sim.catalog.tv.find((t) => t.seasons.length >= 3)!;
    const tooMany = await call('/request', {
      method: 'POST',
      user: 4,
      body: { mediaType: 'tv', mediaId: tv.tmdbId, seasons: [1, 2, 3] },
    });
    expect(tooMany.status).toBe(403);
    expect(tooMany.body).toEqual({ message: 'Series Quota exceeded.' });
    const quota = await call('/user/4/quota');
    expect(quota.status).toBe(200);
    expect(check(quota.body, responseSchema('/user/{userId}/quota', 'get', '200'))).toEqual([]);
    expect(quota.body).toEqual({
      movie: { days: 7, limit: 1, used: 1, remaining: 0, restricted: true },
      tv: { days: 7, limit: 2, used: 0, remaining: 2, restricted: false },
    });
    const own = await call('/user/4/quota', { user: 4 });
    expect(own.status).toBe(200);
    const other = await call('/user/4/quota', { user: 2 });
    expect(other.status).toBe(403);
    expect(other.body).toEqual({ message: "You do not have permission to view this user's request limits." });
  });

  it('validates the body before checking permissions', async () => {
    const missing = await call('/request', { method: 'POST', key: 'wrong', body: { mediaId: 1 } });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toBe("request.body should have required property 'mediaType'");
    const badEnum = await call('/request', { method: 'POST', body: { mediaType: 'book', mediaId: 1 } });
    expect(badEnum.status).toBe(400);
    expect(badEnum.body.errors[0].path).toBe('.body.mediaType');
    const badType = await call('/request', { method: 'POST', body: { mediaType: 'movie', mediaId: '12' } });
    expect(badType.status).toBe(400);
    const noKey = await call('/request', { method: 'POST', key: null, body: { mediaId: 1 } });
    expect(noKey.status).toBe(401);
  });

  it('lists requests with paging, filter, sort and requestedBy', async () => {
    const all = await call('/request?take=2&skip=0');
    expect(all.status).toBe(200);
    expect(check(all.body, responseSchema('/request', 'get', '200'))).toEqual([]);
    const total = sim.requests().length;
    expect(all.body.pageInfo).toEqual({ pages: Math.ceil(total / 2), pageSize: 2, results: total, page: 1 });
    expect(all.body.results).toHaveLength(2);
    expect(all.body.results[0].id).toBeGreaterThan(all.body.results[1].id);
    const page2 = await call('/request?take=2&skip=2');
    expect(page2.body.pageInfo.page).toBe(2);
    const pending = await call('/request?filter=pending&take=50');
    expect(pending.body.results.every((r: Json) => r.status === 1)).toBe(true);
    const byUser = await call('/request?requestedBy=2&take=50');
    expect(byUser.body.results.every((r: Json) => r.requestedBy.id === 2)).toBe(true);
    const own = await call('/request?take=50', { user: 3 });
    expect(own.body.results.every((r: Json) => r.requestedBy.id === 3)).toBe(true);
    const others = await call('/request?requestedBy=2', { user: 3 });
    expect(others.status).toBe(403);
    expect(others.body).toEqual({ message: "You do not have permission to view this user's requests." });
    const badFilter = await call('/request?filter=nope');
    expect(badFilter.status).toBe(400);
  });

  it('GET, approve, decline and DELETE one request', async () => {
    const created = await call('/request', {
      method: 'POST',
      user: 2,
      body: { mediaType: 'movie', mediaId: movie(8).tmdbId },
    });
    const id = created.body.id as number;
    const got = await call(`/request/${id}`);
    expect(got.status).toBe(200);
    expect(check(got.body, responseSchema('/request/{requestId}', 'get', '200'))).toEqual([]);
    expect((await call(`/request/${id}`, { user: 3 })).status).toBe(403);
    expect((await call('/request/99999')).body).toEqual({ message: 'Request not found.' });
    const refused = await call(`/request/${id}/approve`, { method: 'POST', user: 2 });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      status: 403,
      error: 'You do not have permission to access this endpoint',
    });
    const approved = await call(`/request/${id}/approve`, { method: 'POST' });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe(2);
    expect(approved.body.modifiedBy.id).toBe(1);
    const declined = await call(`/request/${id}/decline`, { method: 'POST' });
    expect(declined.body.status).toBe(3);
    expect((await call('/request/99999/approve', { method: 'POST' })).status).toBe(404);
    const del = await call(`/request/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect((await call(`/request/${id}`)).status).toBe(404);
  });

  it('PUT /request/:id edits seasons and the requester, with Overseerr’s permission rules', async () => {
    const tv = sim.catalog.tv.find((t) => t.seasons.length >= 3 && t.tmdbId !== show(2).tmdbId)!;
    const created = await call('/request', {
      method: 'POST',
      user: 2,
      body: { mediaType: 'tv', mediaId: tv.tmdbId, seasons: [1] },
    });
    const id = created.body.id as number;
    const edited = await call(`/request/${id}`, {
      method: 'PUT',
      user: 2,
      body: { mediaType: 'tv', seasons: [1, 3] },
    });
    expect(edited.status).toBe(200);
    expect(check(edited.body, responseSchema('/request/{requestId}', 'put', '200'))).toEqual([]);
    expect(edited.body.seasons.map((s: Json) => s.seasonNumber)).toEqual([1, 3]);
    const stranger = await call(`/request/${id}`, {
      method: 'PUT',
      user: 3,
      body: { mediaType: 'tv', seasons: [2] },
    });
    expect(stranger.status).toBe(403);
    expect(stranger.body).toEqual({ message: 'You do not have permission to modify this request.' });
    const noSeasons = await call(`/request/${id}`, { method: 'PUT', body: { mediaType: 'tv', seasons: [] } });
    expect(noSeasons.status).toBe(500);
    const reassigned = await call(`/request/${id}`, {
      method: 'PUT',
      body: { mediaType: 'tv', seasons: [1, 3], userId: 3 },
    });
    expect(reassigned.body.requestedBy.id).toBe(3);
    const movieReq = sim.requests().find((r) => r.type === 'movie' && (r.requestedBy as Json).id === 2)!;
    const plain = await call(`/request/${movieReq.id}`, {
      method: 'PUT',
      user: 2,
      body: { mediaType: 'movie', serverId: 1 },
    });
    expect(plain.status).toBe(403);
    const admin = await call(`/request/${movieReq.id}`, {
      method: 'PUT',
      body: { mediaType: 'movie', serverId: 1, profileId: 4 },
    });
    expect(admin.status).toBe(200);
    expect(admin.body).toMatchObject({ serverId: 1, profileId: 4 });
    expect((await call('/request/99999', { method: 'PUT', body: { mediaType: 'movie' } })).status).toBe(404);
  });

  it('sorts by modification time with sort=modified', async () => {
    const oldest = sim.requests()[0]!;
    await call(`/request/${oldest.id}/approve`, { method: 'POST' });
    const r = await call('/request?sort=modified&take=1');
    expect(r.body.results[0].id).toBe(oldest.id);
  });

  it('counts requests', async () => {
    const r = await call('/request/count');
    expect(r.status).toBe(200);
    expect(check(r.body, responseSchema('/request/count', 'get', '200'))).toEqual([]);
    expect(r.body.total).toBe(sim.requests().length);
    expect(r.body.movie + r.body.tv).toBe(r.body.total);
  });

  it('search results carry mediaInfo once Overseerr knows the title', async () => {
    const r = await call(`/search?query=${enc(movie(3).title)}`);
    const hit = r.body.results.find((x: Json) => x.id === movie(3).tmdbId);
    expect(hit.mediaInfo).toMatchObject({ tmdbId: movie(3).tmdbId, status: 2 });
    expect(check(hit.mediaInfo, componentSchema('MediaInfo'))).toEqual([]);
    const details = await call(`/movie/${movie(3).tmdbId}`);
    expect(details.body.mediaInfo.requests).toHaveLength(1);
  });
});

describe('users', () => {
  it('pages users; plexId and email are visible to the API-key caller', async () => {
    const r = await call('/user?take=2&skip=0');
    expect(r.status).toBe(200);
    expect(check(r.body, responseSchema('/user', 'get', '200'))).toEqual([]);
    expect(r.body.pageInfo).toEqual({ pages: 3, pageSize: 2, results: 5, page: 1 });
    expect(r.body.results[0]).toMatchObject({
      id: 1,
      email: 'owner@example.com',
      plexId: 1001,
      displayName: 'owner',
    });
    const asFriend = await call('/user?take=10', { user: 2 });
    expect(asFriend.body.results[0].email).toBeUndefined();
    expect(asFriend.body.results[0].plexId).toBeUndefined();
  });

  it('GET /user/:id and 404', async () => {
    const r = await call('/user/2');
    expect(check(r.body, componentSchema('User'))).toEqual([]);
    expect(r.body).toMatchObject({ id: 2, plexId: 2002, userType: 1, permissions: Permission.REQUEST });
    const missing = await call('/user/42');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ message: 'User not found.' });
  });

  it('handle.addUser and setPermissions change what the API allows', async () => {
    const u = sim.addUser({ email: 'new@example.com', plexId: 7007, plexUsername: 'newbie', permissions: 0 });
    const id = u.id as number;
    const denied = await call('/request', {
      method: 'POST',
      user: id,
      body: { mediaType: 'movie', mediaId: movie(9).tmdbId },
    });
    expect(denied.status).toBe(403);
    sim.setPermissions(id, Permission.REQUEST | Permission.AUTO_APPROVE);
    const ok = await call('/request', {
      method: 'POST',
      user: id,
      body: { mediaType: 'movie', mediaId: movie(9).tmdbId },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.status).toBe(2);
  });

  it('POST /auth/plex signs a known Plex token in; the cookie then works', async () => {
    const login = await fetch(`${sim.url}/api/v1/auth/plex`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ authToken: 'plex-token-auto' }),
    });
    expect(login.status).toBe(200);
    const user = (await login.json()) as Record<string, unknown>;
    expect(user.id).toBe(3);
    expect(user.email).toBeUndefined();
    const cookie = login.headers.get('set-cookie')?.split(';')[0];
    expect(cookie).toMatch(/^connect\.sid=/);
    const me = await call('/auth/me', { key: null, cookie: cookie! });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(3);
    const bad = await fetch(`${sim.url}/api/v1/auth/plex`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ authToken: 'nope' }),
    });
    expect(bad.status).toBe(500);
    expect(await bad.json()).toEqual({ message: 'Unable to authenticate.' });
  });
});

describe('control routes and faults', () => {
  it('control API mirrors the handle', async () => {
    const made = await fetch(`${sim.url}/__control/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ctl@example.com', permissions: 32 }),
    });
    expect(made.status).toBe(200);
    const user = (await made.json()) as { id: number };
    const perms = await fetch(`${sim.url}/__control/users/${user.id}/permissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ permissions: 0 }),
    });
    expect(((await perms.json()) as { permissions: number }).permissions).toBe(0);
    const list = (await (await fetch(`${sim.url}/__control/requests`)).json()) as unknown[];
    expect(list.length).toBe(sim.requests().length);
    const log = (await (await fetch(`${sim.url}/__control/request-log`)).json()) as unknown[];
    expect(log.length).toBeGreaterThan(0);
    const movieId = sim.catalog.movies[20]!.tmdbId;
    const available = await fetch(`${sim.url}/__control/available`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tmdbId: movieId }),
    });
    expect(((await available.json()) as Json).status).toBe(5);
    const search = await call(`/search?query=${enc(`tmdb:${movieId}`)}`);
    expect(search.body.results[0].mediaInfo.status).toBe(5);
    const firstId = sim.requests()[0]!.id;
    const declined = await fetch(`${sim.url}/__control/requests/${firstId}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'declined' }),
    });
    expect(((await declined.json()) as Json).status).toBe(3);
    const bad = await fetch(`${sim.url}/__control/available`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tmdbId: 1 }),
    });
    expect(bad.status).toBe(404);
  });

  it('injects a fault on one route only', async () => {
    sim.faults.add({ path: '/api/v1/search', status: 503, body: '{"message":"down"}', times: 1 });
    const hurt = await call(`/search?query=${enc('the')}`);
    expect(hurt.status).toBe(503);
    expect(hurt.body).toEqual({ message: 'down' });
    expect((await call('/status')).status).toBe(200);
    expect((await call(`/search?query=${enc('the')}`)).status).toBe(200);
  });
});

describe('catalogue', () => {
  it('is deterministic per seed and maps onto Plex items with the same ids', () => {
    const a = generateCatalog(3);
    const b = generateCatalog(3);
    expect(b).toEqual(a);
    expect(generateCatalog(4).movies[0]!.tmdbId).not.toBe(a.movies[0]!.tmdbId);
    const ids = [...a.movies, ...a.tv].map((t) => t.tmdbId);
    expect(new Set(ids).size).toBe(ids.length);
    const tv = a.tv[0]!;
    expect(toPlexItem(tv)).toEqual({
      title: tv.name,
      year: Number(tv.firstAirDate.slice(0, 4)),
      tmdbId: tv.tmdbId,
      imdbId: tv.imdbId,
      tvdbId: tv.tvdbId,
      summary: tv.overview,
    });
  });
});
