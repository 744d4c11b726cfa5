/**
 * Requests over HTTP against the Overseerr simulator. Its webhook sender posts to a loopback
 * receiver that hands the exact bytes to the app's webhook route, as Overseerr would.
 * One story, step by step: each test builds on the previous one's state.
 */
import { type ReceivedCall, type Receiver, startReceiver } from '@medianest/core/request/fixtures';
import {
  type CatalogMovie,
  type CatalogTv,
  Permission,
  type RunningOverseerr,
  startOverseerr,
} from '@medianest/simulators/overseerr/index';
import { FRIEND_IDS, OWNER_ID } from '@medianest/simulators/scenario/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  DEMO_MACHINE_ID,
  PUBLIC_URL,
  signInWithPlex,
  startWorld,
  type World,
} from '../testing/world.ts';

const KEY = 'overseerr-key-api-requests-0123456789';

let world: World;
let sim: RunningOverseerr;
let hook: Receiver;
let olivia: Client;
let frank: Client;
let fiona: Client;
let hid: string;
let authorization: string;
const received: { call: ReceivedCall; status: number; body: string }[] = [];

const base = () => `/api/v1/households/${hid}`;
const movie = (i: number) => sim.catalog.movies[i] as CatalogMovie;
const show = (i: number) => sim.catalog.tv[i] as CatalogTv;

/** Posts a webhook straight to the app, as raw text. */
function postWebhook(body: string, auth: string | undefined, householdId = hid) {
  return world.app.request(`/api/v1/webhooks/overseerr/${householdId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth !== undefined ? { authorization: auth } : {}) },
    body,
  });
}

beforeAll(async () => {
  world = await startWorld();
  olivia = await signInWithPlex(world, OWNER_ID, new Client(world.app, { ip: '192.0.2.31' }));
  frank = await signInWithPlex(world, FRIEND_IDS[0], new Client(world.app, { ip: '192.0.2.32' }));
  fiona = await signInWithPlex(world, FRIEND_IDS[1], new Client(world.app, { ip: '192.0.2.33' }));
  const created = await olivia.request('POST', '/api/v1/households', {
    body: { name: 'Request Street', servers: [DEMO_MACHINE_ID] },
  });
  hid = created.body.household.id;
  for (const c of [frank, fiona]) expect((await c.request('POST', `${base()}/join`)).status).toBe(201);
  const settings = await olivia.request('GET', `${base()}/webhook-settings`);
  expect(settings.status).toBe(200);
  authorization = settings.body.authorization;
  hook = await startReceiver(async (call) => {
    const res = await postWebhook(call.body, call.headers.authorization as string | undefined);
    const body = await res.text();
    received.push({ call, status: res.status, body });
    return { status: res.status, body };
  });
  sim = await startOverseerr({
    apiKey: KEY,
    users: [
      { id: 1, plexId: OWNER_ID, email: 'olivia@example.com', permissions: Permission.ADMIN },
      { id: 7, plexId: FRIEND_IDS[0], email: 'frank@example.com', permissions: Permission.REQUEST },
      { id: 8, plexId: FRIEND_IDS[1], email: 'fiona@example.com', permissions: Permission.REQUEST },
    ],
    webhook: { url: `${hook.url}/hook`, authHeader: authorization },
  });
  const saved = await olivia.request('PUT', `${base()}/integrations`, {
    body: { kind: 'overseerr', url: sim.url, apiKey: KEY },
  });
  expect(saved.status, saved.text).toBe(200);
});

afterAll(async () => {
  await sim?.close();
  await hook?.close();
  await world?.close();
});

describe('requests through Overseerr', () => {
  it('hands out the exact webhook URL and Authorization header to paste into Overseerr', async () => {
    const res = await olivia.request('GET', `${base()}/webhook-settings`);
    expect(res.body).toMatchObject({
      url: `${PUBLIC_URL}/api/v1/webhooks/overseerr/${hid}`,
      authorization: expect.stringMatching(/^Bearer mnwh_/),
      template: 'default',
    });
    const member = await frank.request('GET', `${base()}/webhook-settings`);
    expect(member.status).toBe(403);
    expect(member.text).not.toContain(authorization);
  });

  it('searches with badges; an empty query is a 400 naming the field', async () => {
    const res = await frank.request(
      'GET',
      `${base()}/discover/search?q=${encodeURIComponent(movie(0).title)}`,
    );
    expect(res.status).toBe(200);
    const hit = res.body.results.find((r: { tmdbId: number }) => r.tmdbId === movie(0).tmdbId);
    expect(hit).toMatchObject({
      mediaType: 'movie',
      title: movie(0).title,
      badge: { kind: 'not_available' },
    });
    const bad = await frank.request('GET', `${base()}/discover/search?q=%20`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/query/);
    const details = await frank.request('GET', `${base()}/discover/tv/${show(0).tmdbId}`);
    expect(details.status).toBe(200);
    expect(details.body.seasons.length).toBeGreaterThan(1);
    expect(details.body.seasons.every((s: { requestable: boolean }) => s.requestable)).toBe(true);
  });

  let movieRequest: string;
  let showRequest: string;

  it("requests a movie AS the member (the simulator records Frank's X-Api-User)", async () => {
    const bad = await frank.request('POST', `${base()}/requests`, { body: { mediaType: 'tv', tmdbId: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/body\.seasons/);
    const res = await frank.request('POST', `${base()}/requests`, {
      body: { mediaType: 'movie', tmdbId: movie(0).tmdbId },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ status: 'pending', title: movie(0).title, mediaType: 'movie' });
    movieRequest = res.body.id;
    const post = sim.requestLog().find((e) => e.method === 'POST' && e.path === '/api/v1/request');
    expect(post).toMatchObject({ apiUser: '7', userId: 7, status: 201 });
    const dup = await fiona.request('POST', `${base()}/requests`, {
      body: { mediaType: 'movie', tmdbId: movie(0).tmdbId },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'request.duplicate', details: { canFollow: true } });
  });

  it('requests a show with two chosen seasons', async () => {
    const res = await frank.request('POST', `${base()}/requests`, {
      body: { mediaType: 'tv', tmdbId: show(0).tmdbId, seasons: [1, 2] },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.seasons).toEqual([1, 2]);
    showRequest = res.body.id;
  });

  it('names the active members for any member (display name and avatar, nothing more)', async () => {
    const res = await frank.request('GET', `${base()}/people`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.people.map((p: { name: string }) => p.name)).toEqual([
      'Fiona Friend',
      'Frank Friend',
      'Olivia Owner',
    ]);
    expect(Object.keys(res.body.people[0]).sort()).toEqual(['avatarUrl', 'name', 'userId']);
    expect(res.text).not.toContain('@');
  });

  it('lists mine for members and all for admins, with filters', async () => {
    const mine = await frank.request('GET', `${base()}/requests?type=tv`);
    expect(mine.body.requests.map((r: { id: string }) => r.id)).toEqual([showRequest]);
    const all = await olivia.request('GET', `${base()}/requests?mine=false&status=pending,approved`);
    expect(all.body.requests.map((r: { id: string }) => r.id)).toEqual([showRequest, movieRequest]);
    const refused = await frank.request('GET', `${base()}/requests?mine=false`);
    expect(refused.status).toBe(403);
    const badStatus = await olivia.request('GET', `${base()}/requests?status=nope`);
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error.message).toMatch(/query\.status/);
    expect((await fiona.request('GET', `${base()}/requests/${movieRequest}`)).status).toBe(404);
    const one = await frank.request('GET', `${base()}/requests/${movieRequest}`);
    expect(one.body.timeline.map((t: { status: string }) => t.status)).toEqual(['pending']);
  });

  it('the admin approves from the portal: Overseerr approves, the webhook and the inbox follow', async () => {
    expect(
      (await frank.request('POST', `${base()}/requests/${showRequest}/approve`, { body: {} })).status,
    ).toBe(403);
    const res = await olivia.request('POST', `${base()}/requests/${showRequest}/approve`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe('approved');
    const os = sim.requests().find((r) => r.id === res.body.overseerrRequestId) as { status: number };
    expect(os.status).toBe(2);
    await sim.flushWebhooks();
    expect(received.length).toBeGreaterThan(0);
    expect(received.every((r) => r.status === 200)).toBe(true);
    const inbox = await frank.request('GET', '/api/v1/me/notifications');
    expect(inbox.body.notifications.map((n: { event: string }) => n.event)).toContain('request.approved');
    expect(inbox.body.unread).toBeGreaterThan(0);
  });

  it('declines with a reason the requester reads', async () => {
    const res = await olivia.request('POST', `${base()}/requests/${movieRequest}/decline`, {
      body: { reason: 'Already on the shelf' },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ status: 'declined', reason: 'Already on the shelf' });
    const again = await frank.request('DELETE', `${base()}/requests/${movieRequest}`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('request.not_pending');
  });

  it('refuses a webhook with a wrong or missing Authorization header and changes nothing', async () => {
    const body = JSON.stringify({
      notification_type: 'MEDIA_AVAILABLE',
      subject: show(0).name,
      media: { media_type: 'tv', tmdbId: String(show(0).tmdbId), status: 'AVAILABLE', status4k: 'UNKNOWN' },
      request: { request_id: String(sim.requests().at(-1)?.id) },
    });
    for (const auth of [undefined, 'Bearer mnwh_wrong', authorization.slice(0, -1)]) {
      const res = await postWebhook(body, auth);
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain(show(0).name);
    }
    const junk = await postWebhook(body, authorization, 'hh_00000000000000000000000000');
    expect(junk.status).toBe(401);
    const one = await frank.request('GET', `${base()}/requests/${showRequest}`);
    expect(one.body.status).toBe('approved');
    const tooLarge = await postWebhook(
      JSON.stringify({ notification_type: 'X', pad: 'x'.repeat(70_000) }),
      authorization,
    );
    expect(tooLarge.status).toBe(413);
  });

  it('a follower is told too; MEDIA_AVAILABLE delivered twice changes the state once', async () => {
    // Frank's open page: a connection on the realtime hub, scoped to him in this household.
    const frankId = (await frank.request('GET', '/api/v1/me')).body.user.id as string;
    const pushed: { type: string; data: { requestId?: string; status?: string } }[] = [];
    world.system.realtime.connect(
      { id: 'frank-page', send: (d) => pushed.push(JSON.parse(d)) },
      { userId: frankId, householdId: hid },
    );
    // olivia's "All requests" queue and fiona's discover page are open too.
    const oliviaId = (await olivia.request('GET', '/api/v1/me')).body.user.id as string;
    const fionaId = (await fiona.request('GET', '/api/v1/me')).body.user.id as string;
    const queue: typeof pushed = [];
    const fionaSaw: typeof pushed = [];
    world.system.realtime.connect(
      { id: 'olivia-queue', send: (d) => queue.push(JSON.parse(d)) },
      { userId: oliviaId, householdId: hid },
    );
    world.system.realtime.connect(
      { id: 'fiona-page', send: (d) => fionaSaw.push(JSON.parse(d)) },
      { userId: fionaId, householdId: hid },
    );
    const follow = await fiona.request('POST', `${base()}/follows/tv/${show(0).tmdbId}`, {
      body: { title: show(0).name },
    });
    expect(follow.body).toEqual({ following: true });
    // "Notify me too" is remembered: discover says so to her (and only to her) after a reload.
    const hers = await fiona.request('GET', `${base()}/discover/tv/${show(0).tmdbId}`);
    expect(hers.body).toMatchObject({ following: true, badge: { kind: 'processing' } });
    const found = await fiona.request(
      'GET',
      `${base()}/discover/search?q=${encodeURIComponent(show(0).name)}`,
    );
    expect(found.body.results.find((r: { tmdbId: number }) => r.tmdbId === show(0).tmdbId)).toMatchObject({
      following: true,
    });
    expect((await frank.request('GET', `${base()}/discover/tv/${show(0).tmdbId}`)).body.following).toBe(
      false,
    );
    const before = received.length;
    sim.markAvailable(show(0).tmdbId, 'tv');
    await sim.flushWebhooks();
    const available = received.slice(before).find((r) => r.call.body.includes('MEDIA_AVAILABLE'));
    expect(available?.status).toBe(200);
    expect(JSON.parse(available?.body ?? '{}')).toMatchObject({ outcome: 'applied', status: 'available' });
    expect(pushed).toContainEqual({
      type: 'request.updated',
      data: { requestId: showRequest, status: 'available' },
    });
    // The admin's queue hears of the change made by Overseerr (the id and the status only); a
    // plain member hears nothing of someone else's request, follower or not.
    expect(queue).toContainEqual({
      type: 'request.updated',
      data: { requestId: showRequest, status: 'available' },
    });
    expect(fionaSaw.filter((m) => m.type === 'request.updated')).toEqual([]);
    expect(fionaSaw.some((m) => m.type === 'notification.unread')).toBe(true);
    for (const id of ['frank-page', 'olivia-queue', 'fiona-page']) world.system.realtime.disconnect(id);
    // The follow was spent when she was told.
    expect((await fiona.request('GET', `${base()}/discover/tv/${show(0).tmdbId}`)).body.following).toBe(
      false,
    );
    const replay = await postWebhook(available?.call.body ?? '', authorization);
    expect(replay.status).toBe(200);
    expect(((await replay.json()) as { outcome: string }).outcome).toBe('duplicate');
    const one = await frank.request('GET', `${base()}/requests/${showRequest}`);
    expect(one.body.status).toBe('available');
    expect(one.body.timeline.filter((t: { status: string }) => t.status === 'available')).toHaveLength(1);
    const frankInbox = await frank.request('GET', '/api/v1/me/notifications');
    expect(
      frankInbox.body.notifications.filter((n: { event: string }) => n.event === 'request.available'),
    ).toHaveLength(1);
    const fionaInbox = await fiona.request('GET', '/api/v1/me/notifications');
    expect(fionaInbox.body.notifications.map((n: { event: string }) => n.event)).toContain(
      'request.available',
    );
  });

  it('quota: a refusal names the limit, usage shows it, and only admins change settings', async () => {
    expect(
      (await frank.request('PUT', `${base()}/quota/settings`, { body: { member: { week: 1 } } })).status,
    ).toBe(403);
    const bad = await olivia.request('PUT', `${base()}/quota/settings`, { body: { member: { week: -1 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/body\.member\.week/);
    const set = await olivia.request('PUT', `${base()}/quota/settings`, { body: { member: { week: 1 } } });
    expect(set.status, set.text).toBe(200);
    const first = await fiona.request('POST', `${base()}/requests`, {
      body: { mediaType: 'movie', tmdbId: movie(2).tmdbId },
    });
    expect(first.status, first.text).toBe(201);
    const second = await fiona.request('POST', `${base()}/requests`, {
      body: { mediaType: 'movie', tmdbId: movie(3).tmdbId },
    });
    expect(second.status).toBe(429);
    expect(second.body.error).toMatchObject({
      code: 'quota.exceeded',
      details: { limit: 1, window: 'week' },
    });
    expect(second.body.error.message).toMatch(/your limit of 1 request this week/);
    const usage = await fiona.request('GET', `${base()}/quota`);
    expect(usage.body.usage).toEqual([
      expect.objectContaining({ scope: 'member', window: 'week', used: 1, limit: 1, remaining: 0 }),
    ]);
    // Cancelling while pending gives it back.
    const cancelled = await fiona.request('DELETE', `${base()}/requests/${first.body.id}`);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await fiona.request('GET', `${base()}/quota`)).body.usage[0].used).toBe(0);
  });

  it('quota race: 20 concurrent requests from one member with 5 left create exactly 5', async () => {
    const set = await olivia.request('PUT', `${base()}/quota/settings`, { body: { member: { week: 5 } } });
    expect(set.status).toBe(200);
    const titles = Array.from({ length: 20 }, (_, i) => movie(10 + i).tmdbId);
    const answers = await Promise.all(
      titles.map((tmdbId) =>
        fiona.request('POST', `${base()}/requests`, { body: { mediaType: 'movie', tmdbId } }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    const mine = await fiona.request('GET', `${base()}/requests?status=pending&limit=50`);
    expect(mine.body.requests).toHaveLength(5);
    const usage = await fiona.request('GET', `${base()}/quota`);
    expect(usage.body.usage[0]).toMatchObject({ used: 5, limit: 5, remaining: 0 });
    const inOverseerr = sim
      .requests()
      .filter((r) => titles.includes((r as { media: { tmdbId: number } }).media.tmdbId));
    expect(inOverseerr).toHaveLength(5);
  });
});
