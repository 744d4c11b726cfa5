/**
 * The library routes against a simulated Plex world: the household's Plex integration is saved
 * through core (connection-tested against the PMS simulator), members sign in through the real
 * Plex PIN flow, and every answer comes from the simulator through the System's outbound Http.
 */
import { withActor } from '@medianest/core/actor/index';
import { plexTvFor } from '@medianest/core/auth/index';
import { createPlexServerClient } from '@medianest/core/integration/client/plex-server';
import * as Integration from '@medianest/core/integration/index';
import { SYNC_JOB, SyncJobData, syncStep } from '@medianest/core/library/index';
import { FRIEND_IDS, OWNER_ID } from '@medianest/simulators/scenario/index';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  DEMO_MACHINE_ID,
  PUBLIC_URL,
  type Reply,
  signInWithPlex,
  startWorld,
  type World,
} from '../testing/world.ts';
import { type LibraryRouteSystem, libraryDepsOf } from './library.ts';

let world: World;
let olivia: Client;
let frank: Client;
let hid: string;
let base: string;
let tokens: string[];

/** No answer of the library may carry a Plex token, in its body or its headers. */
function tokenFree(reply: Reply) {
  const visible = `${reply.text}\n${[...reply.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}`;
  for (const t of tokens) expect(visible).not.toContain(t);
}

const ownerPms = () =>
  createPlexServerClient({
    baseUrl: world.plex.servers.get(DEMO_MACHINE_ID)?.url as string,
    token: world.plex.scenario.accounts.find((a) => a.id === OWNER_ID)?.authToken as string,
    http: world.system.http,
    integrationKey: 'library-test',
  });

/** Fetches raw bytes (the Client parses text). */
async function image(client: Client, path: string, headers: Record<string, string> = {}) {
  return world.app.request(path, { headers: { cookie: client.cookieHeader, ...headers } });
}

beforeAll(async () => {
  world = await startWorld();
  tokens = world.plex.scenario.accounts.map((a) => a.authToken);
  olivia = await signInWithPlex(world, OWNER_ID, new Client(world.app, { ip: '192.0.2.30' }));
  frank = await signInWithPlex(world, FRIEND_IDS[0], new Client(world.app, { ip: '192.0.2.31' }));
  const created = await olivia.request('POST', '/api/v1/households', {
    body: { name: 'Library house', servers: [DEMO_MACHINE_ID] },
  });
  expect(created.status).toBe(201);
  hid = created.body.household.id;
  base = `/api/v1/households/${hid}/library`;
  expect((await frank.request('POST', `/api/v1/households/${hid}/join`, { body: {} })).status).toBe(201);
});
afterAll(() => world.close());

describe('library routes', () => {
  it('answers 404 library.no_server before a Plex integration is saved, then browses once it is', async () => {
    const none = await olivia.request('GET', `${base}/sections/${DEMO_MACHINE_ID}/1/items`);
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('library.no_server');
    // The cross-server reads say the same (not an empty list, which would read "nothing shared").
    for (const path of ['sections', 'search?q=matrix', 'recently-added']) {
      const empty = await olivia.request('GET', `${base}/${path}`);
      expect(empty.status, path).toBe(404);
      expect(empty.body.error.code, path).toBe('library.no_server');
    }
    // Saved the way the settings page saves it: tested against the server first.
    const me = (await olivia.request('GET', '/api/v1/me')).body.user.id as string;
    await withActor({ type: 'user', userId: me, householdId: hid }, async () =>
      Integration.save(
        {
          table: world.system.table,
          keyring: world.system.keyring,
          clock: world.system.clock,
          http: world.system.http,
          plexTv: await plexTvFor(world.system),
        },
        {
          kind: 'plex',
          machineIdentifier: DEMO_MACHINE_ID,
          url: world.plex.servers.get(DEMO_MACHINE_ID)?.url as string,
        },
      ),
    );
    const mine = await olivia.request('GET', `${base}/sections`);
    expect(mine.status).toBe(200);
    expect(mine.body.sections.map((s: { key: string }) => s.key)).toEqual(['1', '2', '3']);
    expect(mine.body.sections[0]).toMatchObject({ serverId: DEMO_MACHINE_ID, serverName: "Olivia's Plex" });
    expect(mine.body.unavailable).toEqual([]);
    tokenFree(mine);
    // Frank's Plex share covers Movies and TV only.
    const his = await frank.request('GET', `${base}/sections`);
    expect(his.body.sections.map((s: { key: string }) => s.key)).toEqual(['1', '2']);
    const hidden = await frank.request('GET', `${base}/sections/${DEMO_MACHINE_ID}/3/items`);
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.code).toBe('library.not_found');
  });

  it('pages a section with a cursor, sorted and filtered as asked', async () => {
    const first = await frank.request('GET', `${base}/sections/${DEMO_MACHINE_ID}/1/items?limit=50`);
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(240);
    expect(first.body.items).toHaveLength(50);
    expect(first.body.nextCursor).toBe('50');
    tokenFree(first);
    const second = await frank.request(
      'GET',
      `${base}/sections/${DEMO_MACHINE_ID}/1/items?limit=50&cursor=${first.body.nextCursor}`,
    );
    const keys = new Set(
      [...first.body.items, ...second.body.items].map((i: { ratingKey: string }) => i.ratingKey),
    );
    expect(keys.size).toBe(100);
    // The same page straight from Plex: the route's order is Plex's order.
    const direct = await ownerPms().sectionItems('1', { sort: 'year:desc,titleSort', start: 0, size: 30 });
    const byYear = await frank.request(
      'GET',
      `${base}/sections/${DEMO_MACHINE_ID}/1/items?sort=year&limit=30`,
    );
    expect(byYear.body.items.map((i: { ratingKey: string }) => i.ratingKey)).toEqual(
      direct.items.map((i) => i.ratingKey),
    );
    const year = byYear.body.items[0].year as number;
    const inYear = await frank.request(
      'GET',
      `${base}/sections/${DEMO_MACHINE_ID}/1/items?year=${year}&unwatched=false&limit=100`,
    );
    expect(inYear.status).toBe(200);
    expect(
      inYear.body.items.every((i: { year: number; watched: boolean }) => i.year === year && i.watched),
    ).toBe(true);
    const unwatched = await frank.request(
      'GET',
      `${base}/sections/${DEMO_MACHINE_ID}/1/items?unwatched=1&limit=1`,
    );
    const watched = await frank.request(
      'GET',
      `${base}/sections/${DEMO_MACHINE_ID}/1/items?unwatched=0&limit=1`,
    );
    expect(unwatched.body.total + watched.body.total).toBe(240);
  });

  it("lists a section's genres and years for its filters, briefly cacheable, only where the member may look", async () => {
    const filters = await frank.request('GET', `${base}/sections/${DEMO_MACHINE_ID}/1/filters`);
    expect(filters.status).toBe(200);
    expect(filters.headers.get('cache-control')).toBe('private, max-age=60');
    tokenFree(filters);
    const genres = filters.body.genres as { key: string; title: string }[];
    // Exactly what Plex lists for the section, A→Z.
    const direct = await ownerPms().filterChoices('1', 'genre');
    expect(genres.map((g) => g.title)).toEqual(direct.map((g) => g.title).sort((a, b) => a.localeCompare(b)));
    const pick = genres[0] as { key: string; title: string };
    const byKey = await frank.request(
      'GET',
      `${base}/sections/${DEMO_MACHINE_ID}/1/items?genre=${pick.key}&limit=1`,
    );
    expect(byKey.body.total).toBeGreaterThan(0);
    expect(byKey.body.total).toBeLessThan(240);
    const years = filters.body.years as number[];
    expect(years.length).toBeGreaterThan(1);
    expect(years).toEqual([...years].sort((a, b) => b - a));
    const inYear = await frank.request(
      'GET',
      `${base}/sections/${DEMO_MACHINE_ID}/1/items?year=${years.at(-1)}&limit=1`,
    );
    expect(inYear.body.total).toBeGreaterThan(0);
    // A section frank's share leaves out does not exist for him; olivia reads it.
    const hidden = await frank.request('GET', `${base}/sections/${DEMO_MACHINE_ID}/3/filters`);
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.code).toBe('library.not_found');
    expect((await olivia.request('GET', `${base}/sections/${DEMO_MACHINE_ID}/3/filters`)).status).toBe(200);
  });

  it('refuses bad input with 400 and the offending fields, never a 500', async () => {
    const cases: [string, string][] = [
      [`${base}/sections/${DEMO_MACHINE_ID}/1/items?limit=500`, 'query.limit'],
      [`${base}/sections/${DEMO_MACHINE_ID}/1/items?sort=size`, 'query.sort'],
      [`${base}/sections/${DEMO_MACHINE_ID}/1/items?cursor=-1`, 'query.cursor'],
      [`${base}/sections/${DEMO_MACHINE_ID}/1/items?unwatched=maybe`, 'query.unwatched'],
      [`${base}/sections/${DEMO_MACHINE_ID}/1/items?year=99`, 'query.year'],
      [`${base}/sections/${DEMO_MACHINE_ID}/movies/items`, 'param.sectionKey'],
      [`${base}/sections/${DEMO_MACHINE_ID}/movies/filters`, 'param.sectionKey'],
      [`${base}/sections/not_a*server/1/items`, 'param.serverId'],
      [`${base}/items/${DEMO_MACHINE_ID}/abc`, 'param.ratingKey'],
      [`${base}/search`, 'query.q'],
      [`${base}/search?q=%20%20`, 'query.q'],
      [`${base}/recently-added?limit=0`, 'query.limit'],
      [`${base}/sections/${DEMO_MACHINE_ID}/1/items?genre=`, 'query.genre'],
      [`${base}/sections/${DEMO_MACHINE_ID}/1/items?limit=abc`, 'query.limit'],
      [`${base}/sections/${DEMO_MACHINE_ID}/1/collections?cursor=123456789`, 'query.cursor'],
      [`${base}/collections/${DEMO_MACHINE_ID}/x1`, 'param.collectionKey'],
      [`${base}/search?q=${'a'.repeat(201)}`, 'query.q'],
      [`${base}/image/${DEMO_MACHINE_ID}?w=300&h=450`, 'query.path'],
      [`${base}/image/${DEMO_MACHINE_ID}?path=/status/sessions&w=300&h=450`, 'query.path'],
      [`${base}/image/${DEMO_MACHINE_ID}?path=/library/metadata/1/thumb/1&w=big&h=450`, 'query.w'],
    ];
    for (const [path, field] of cases) {
      const r = await frank.request('GET', path);
      expect(r.status, path).toBe(400);
      expect(
        r.body.error.details.issues.map((i: { path: string }) => i.path),
        path,
      ).toContain(field);
    }
    const badMode = await olivia.request('POST', `${base}/sync`, { body: { mode: 'everything' } });
    expect(badMode.status).toBe(400);
    expect(badMode.body.error.details.issues[0].path).toBe('body.mode');
    const notJson = await world.app.request(`${base}/sync`, {
      method: 'POST',
      headers: { cookie: olivia.cookieHeader, origin: PUBLIC_URL, 'content-type': 'application/json' },
      body: '{mode:',
    });
    expect(notJson.status).toBe(400);
    const other = await frank.request('GET', `${base}/items/some-other-server/1`);
    expect(other.status).toBe(404);
  });

  it('details a movie and a show, and pages a show beyond its first children', async () => {
    const movie = (await frank.request('GET', `${base}/sections/${DEMO_MACHINE_ID}/1/items?limit=1`)).body
      .items[0];
    const m = await frank.request('GET', `${base}/items/${DEMO_MACHINE_ID}/${movie.ratingKey}`);
    expect(m.status).toBe(200);
    expect(m.body.summary).toBeTruthy();
    expect(m.body.cast.length).toBeGreaterThan(0);
    expect(m.body.media[0].container).toBe('mkv');
    expect(m.body.guids.some((g: string) => g.startsWith('tmdb://'))).toBe(true);
    expect(m.body.openInPlexUrl).toContain(`/server/${DEMO_MACHINE_ID}/details`);
    tokenFree(m);
    const show = (await frank.request('GET', `${base}/sections/${DEMO_MACHINE_ID}/2/items?limit=1`)).body
      .items[0];
    const s = await frank.request('GET', `${base}/items/${DEMO_MACHINE_ID}/${show.ratingKey}`);
    expect(s.body.type).toBe('show');
    expect(s.body.children.every((c: { type: string }) => c.type === 'season')).toBe(true);
    expect(s.body.childrenTotal).toBe(s.body.children.length);
    const paged = await frank.request(
      'GET',
      `${base}/items/${DEMO_MACHINE_ID}/${show.ratingKey}/children?limit=1`,
    );
    expect(paged.status).toBe(200);
    expect(paged.body.items.map((i: { ratingKey: string }) => i.ratingKey)).toEqual([
      s.body.children[0].ratingKey,
    ]);
    expect(paged.body.total).toBe(s.body.childrenTotal);
    const season = s.body.children[0].ratingKey as string;
    const episodes = await frank.request('GET', `${base}/items/${DEMO_MACHINE_ID}/${season}/children`);
    expect(episodes.body.items.length).toBeGreaterThan(0);
    expect(episodes.body.items.every((e: { type: string }) => e.type === 'episode')).toBe(true);
    const missing = await frank.request('GET', `${base}/items/${DEMO_MACHINE_ID}/999999999`);
    expect(missing.status).toBe(404);
  });

  it('lists and opens collections', async () => {
    const pms = ownerPms();
    const some = (await pms.sectionItems('1', { start: 0, size: 3 })).items.map((i) => i.ratingKey);
    const col = await pms.createCollection({
      sectionKey: '1',
      title: 'Route picks',
      type: 'movie',
      ratingKeys: some,
    });
    const list = await frank.request('GET', `${base}/sections/${DEMO_MACHINE_ID}/1/collections`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: { ratingKey: string }) => c.ratingKey)).toContain(col.ratingKey);
    const opened = await frank.request(
      'GET',
      `${base}/collections/${DEMO_MACHINE_ID}/${col.ratingKey}?limit=2`,
    );
    expect(opened.status).toBe(200);
    expect(opened.body.collection.title).toBe('Route picks');
    expect(opened.body.items.total).toBe(3);
    expect(opened.body.items.items).toHaveLength(2);
    expect(opened.body.items.nextCursor).toBe('2');
    // A movie is not a collection.
    const notOne = await frank.request('GET', `${base}/collections/${DEMO_MACHINE_ID}/${some[0]}`);
    expect(notOne.status).toBe(404);
  });

  it('searches grouped by type and lists recently added, newest first', async () => {
    const movie = (await frank.request('GET', `${base}/sections/${DEMO_MACHINE_ID}/1/items?limit=1`)).body
      .items[0];
    const word = String(movie.title)
      .split(' ')
      .sort((a, b) => b.length - a.length)[0] as string;
    const found = await frank.request('GET', `${base}/search?q=${encodeURIComponent(word)}&limit=20`);
    expect(found.status).toBe(200);
    const movies = found.body.groups.find((g: { type: string }) => g.type === 'movie');
    expect(movies.items.map((i: { ratingKey: string }) => i.ratingKey)).toContain(movie.ratingKey);
    expect(found.body.unavailable).toEqual([]);
    tokenFree(found);
    const recent = await frank.request('GET', `${base}/recently-added?limit=5`);
    expect(recent.status).toBe(200);
    expect(recent.body.items).toHaveLength(5);
    const added = recent.body.items.map((i: { addedAt: number }) => i.addedAt);
    expect(added).toEqual([...added].sort((a, b) => b - a));
    expect(recent.body.items.some((i: { sectionKey: string }) => i.sectionKey === '3')).toBe(false);
  });

  it('serves posters at exactly the asked size, cached, with a strong ETag and 304 revalidation', async () => {
    const pms = world.plex.servers.get(DEMO_MACHINE_ID);
    const movie = (await frank.request('GET', `${base}/sections/${DEMO_MACHINE_ID}/1/items?limit=1&cursor=3`))
      .body.items[0];
    const url = `${base}/image/${DEMO_MACHINE_ID}?path=${encodeURIComponent(movie.thumb)}&w=300&h=450`;
    pms?.resetHits();
    const cold = await image(frank, url);
    expect(cold.status).toBe(200);
    expect(cold.headers.get('content-type')).toBe('image/jpeg');
    expect(cold.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    const etag = cold.headers.get('etag') as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const bytes = Buffer.from(await cold.arrayBuffer());
    expect(await sharp(bytes).metadata()).toMatchObject({ width: 300, height: 450, format: 'jpeg' });
    const headerText = [...cold.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
    for (const t of tokens) expect(headerText).not.toContain(t);
    const warm = await image(olivia, url);
    expect(warm.status).toBe(200);
    expect(warm.headers.get('etag')).toBe(etag);
    expect(Buffer.from(await warm.arrayBuffer()).equals(bytes)).toBe(true);
    const revalidated = await image(frank, url, { 'if-none-match': etag });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get('etag')).toBe(etag);
    expect((await revalidated.arrayBuffer()).byteLength).toBe(0);
    // Only the cold request reached Plex's transcoder.
    expect(pms?.hits().byRoute['GET /photo/:/transcode']).toBe(1);
    const odd = await frank.request('GET', url.replace('w=300', 'w=301'));
    expect(odd.status).toBe(400);
    expect(odd.body.error.code).toBe('library.image_size');
    // An oversized If-None-Match is ignored, not refused.
    expect((await image(frank, url, { 'if-none-match': `"${'x'.repeat(300)}"` })).status).toBe(200);
  });

  it("answers 404 for the images of a section a member's share leaves out, even once cached", async () => {
    const pms = world.plex.servers.get(DEMO_MACHINE_ID);
    if (!pms) throw new Error('no server');
    const [secret] = pms.addItems('3', [{ title: 'Private Birthday Video' }]);
    const detail = await olivia.request('GET', `${base}/items/${DEMO_MACHINE_ID}/${secret?.ratingKey}`);
    expect(detail.status).toBe(200);
    const url = `${base}/image/${DEMO_MACHINE_ID}?path=${encodeURIComponent(detail.body.thumb)}&w=200&h=300`;
    const before = await frank.request('GET', url);
    expect(before.status).toBe(404);
    expect(before.body.error.code).toBe('library.not_found');
    expect((await image(olivia, url)).status).toBe(200);
    const after = await frank.request('GET', url);
    expect(after.status).toBe(404);
    expect(after.body.error.message).toBe('No such image');
  });

  it('starts the index sync (manage_integrations), refuses a second, and shows progress to admins', async () => {
    const refused = await frank.request('POST', `${base}/sync`, { body: { mode: 'full' } });
    expect(refused.status).toBe(403);
    expect((await frank.request('GET', `${base}/sync`)).status).toBe(403);
    const idle = await olivia.request('GET', `${base}/sync`);
    expect(idle.body).toMatchObject({ state: 'idle', lastFullAt: null });
    const started = await olivia.request('POST', `${base}/sync`, { body: { mode: 'full' } });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ mode: 'full', resumed: false, status: { state: 'running' } });
    const again = await olivia.request('POST', `${base}/sync`, { body: {} });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('library.sync_running');
    // Run the queued steps as the worker would.
    const deps = await libraryDepsOf(world.system as LibraryRouteSystem);
    let ran = 0;
    for (let handled = 1; handled > 0 && ran < 100; ) {
      handled = await world.system.queue.poll('jobs', async (messages) => {
        for (const m of messages) {
          const body = m.body as { type: string; data: unknown };
          if (body.type === SYNC_JOB) {
            await syncStep(deps, SyncJobData.parse(body.data));
            ran++;
          }
        }
        return { batchItemFailures: [] };
      });
    }
    expect(ran).toBeGreaterThan(0);
    const done = await olivia.request('GET', `${base}/sync`);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ state: 'idle', mode: 'full', progress: 1, error: null });
    expect(done.body.lastFullAt).toEqual(expect.any(Number));
    expect(done.body.counts.written).toBeGreaterThan(0);
    // Every movie and TV section of the server, whatever any one member may see.
    const indexed = (await olivia.request('GET', `${base}/sections`)).body.sections
      .filter((s: { type: string }) => s.type === 'movie' || s.type === 'show')
      .map((s: { key: string }) => s.key);
    expect(done.body.sections.map((s: { key: string }) => s.key)).toEqual(indexed);
    expect(done.body.counts.itemsRead).toBe(
      done.body.sections.reduce((n: number, s: { total: number }) => n + s.total, 0),
    );
    tokenFree(done);
  });

  it('documents every route in the OpenAPI document, the image as JPEG bytes', async () => {
    const doc = (await (await world.app.request('/api/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: object }> }>>;
    };
    const p = '/api/v1/households/{hid}/library';
    const mine = Object.keys(doc.paths)
      .filter((k) => k.startsWith(p))
      .flatMap((k) => Object.keys(doc.paths[k] ?? {}).map((m) => `${m.toUpperCase()} ${k.slice(p.length)}`))
      .sort();
    expect(mine).toEqual(
      [
        'GET /collections/{serverId}/{collectionKey}',
        'GET /image/{serverId}',
        'GET /items/{serverId}/{ratingKey}',
        'GET /items/{serverId}/{ratingKey}/children',
        'GET /recently-added',
        'GET /search',
        'GET /sections',
        'GET /sections/{serverId}/{sectionKey}/collections',
        'GET /sections/{serverId}/{sectionKey}/filters',
        'GET /sections/{serverId}/{sectionKey}/items',
        'GET /sync',
        'POST /sync',
      ].sort(),
    );
    const img = doc.paths[`${p}/image/{serverId}`]?.get?.responses;
    expect(Object.keys(img?.['200']?.content ?? {})).toEqual(['image/jpeg']);
    expect(img?.['304']).toBeDefined();
    expect(doc.paths[`${p}/sections`]?.get?.responses['503']).toBeDefined();
  });

  it('answers 503 with a clear message when the Plex server is down or slow, quickly', async () => {
    const pms = world.plex.servers.get(DEMO_MACHINE_ID);
    if (!pms) throw new Error('no server');
    const system = world.system as LibraryRouteSystem;
    const ok = async () =>
      expect((await frank.request('GET', `${base}/sections/${DEMO_MACHINE_ID}/1/items?limit=1`)).status).toBe(
        200,
      );
    // Stopped: connection refused.
    await pms.stop();
    try {
      const down = await frank.request('GET', `${base}/items/${DEMO_MACHINE_ID}/1000`);
      expect(down.status).toBe(503);
      expect(down.body.error.code).toBe('library.unavailable');
      expect(down.body.error.message).toMatch(/^Olivia's Plex cannot be reached/);
      tokenFree(down);
    } finally {
      await pms.start();
    }
    // A success between the faults resets the breaker (it opens after 5 failures in a row), so
    // each message is the fault's own.
    await ok();
    system.library = { timeoutMs: 300 };
    pms.faults.add({ path: '/library/sections/1/all', hang: true });
    try {
      const slow = await frank.request('GET', `${base}/sections/${DEMO_MACHINE_ID}/1/items`);
      expect(slow.status).toBe(503);
      expect(slow.body.error.message).toMatch(/^Olivia's Plex did not answer in time \(0\.3 s\)/);
    } finally {
      pms.faults.clear();
      delete system.library;
    }
    await ok();
    // Per attempt 5 s (with retries), 0.4 s in all: the deadline ends the wait, retries included.
    system.library = { timeoutMs: 5_000, deadlineMs: 400 };
    pms.faults.add({ path: '/library/sections/1/all', latencyMs: 3_000 });
    try {
      const late = await frank.request('GET', `${base}/sections/${DEMO_MACHINE_ID}/1/items`);
      expect(late.status).toBe(503);
      expect(late.body.error.code).toBe('library.unavailable');
      expect(late.body.error.message).toBe("Olivia's Plex did not answer in time (0.4 s)");
    } finally {
      pms.faults.clear();
      delete system.library;
    }
    await ok();
    pms.faults.add({ path: '/library/sections', status: 500 });
    try {
      const broken = await olivia.request('GET', `${base}/sections`);
      expect(broken.status).toBe(503);
      expect(broken.body.error.message).toMatch(/^Olivia's Plex failed to answer/);
    } finally {
      pms.faults.clear();
    }
  });
});
