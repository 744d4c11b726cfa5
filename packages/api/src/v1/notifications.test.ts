/**
 * The inbox, preferences, channels and follows over HTTP. Notifications are produced by the
 * notification domain itself (as the request flow does), then read and marked through the routes.
 */
import { createServer } from 'node:http';
import { withActor } from '@medianest/core/actor/index';
import { notify } from '@medianest/core/notification/index';
import { type Receiver, startReceiver } from '@medianest/core/request/fixtures';
import { FRIEND_IDS, OWNER_ID } from '@medianest/simulators/scenario/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, DEMO_MACHINE_ID, signInWithPlex, startWorld, type World } from '../testing/world.ts';

let world: World;
let olivia: Client;
let frank: Client;
let hid: string;
let frankId: string;
let oliviaId: string;

const base = () => `/api/v1/households/${hid}`;

async function tellFrank(n: number) {
  for (let i = 0; i < n; i++) {
    await withActor({ type: 'user', userId: oliviaId, householdId: hid }, () =>
      notify(world.system, {
        householdId: hid,
        event: 'request.approved',
        recipients: [frankId],
        title: `Approved #${i}`,
        body: 'Your request was approved.',
        dedupKey: `test:${i}:${world.clock.now()}`,
      }),
    );
    world.clock.advance(1000);
  }
}

beforeAll(async () => {
  world = await startWorld();
  olivia = await signInWithPlex(world, OWNER_ID, new Client(world.app, { ip: '192.0.2.41' }));
  frank = await signInWithPlex(world, FRIEND_IDS[0], new Client(world.app, { ip: '192.0.2.42' }));
  const created = await olivia.request('POST', '/api/v1/households', {
    body: { name: 'Inbox House', servers: [DEMO_MACHINE_ID] },
  });
  hid = created.body.household.id;
  oliviaId = created.body.household.ownerId;
  frankId = (await frank.request('POST', `${base()}/join`)).body.membership.userId;
});
afterAll(() => world?.close());

describe('notification routes', () => {
  it('lists my inbox newest first with paging and the unread count', async () => {
    await tellFrank(3);
    const count = await frank.request('GET', '/api/v1/me/notifications/unread-count');
    expect(count.body).toEqual({ unread: 3 });
    const first = await frank.request('GET', '/api/v1/me/notifications?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.notifications.map((n: { title: string }) => n.title)).toEqual([
      'Approved #2',
      'Approved #1',
    ]);
    expect(first.body.unread).toBe(3);
    const rest = await frank.request(
      'GET',
      `/api/v1/me/notifications?limit=2&cursor=${encodeURIComponent(first.body.cursor)}`,
    );
    expect(rest.body.notifications.map((n: { title: string }) => n.title)).toEqual(['Approved #0']);
    expect((await olivia.request('GET', '/api/v1/me/notifications')).body.notifications).toEqual([]);
    expect((await new Client(world.app).request('GET', '/api/v1/me/notifications')).status).toBe(401);
    expect((await frank.request('GET', '/api/v1/me/notifications?limit=0')).status).toBe(400);
  });

  it('marks some read by id, then all; bad ids are a 400, foreign ids a 404', async () => {
    const list = await frank.request('GET', '/api/v1/me/notifications');
    const [newest] = list.body.notifications;
    const one = await frank.request('POST', '/api/v1/me/notifications/read', { body: { ids: [newest.id] } });
    expect(one.body).toEqual({ unread: 2 });
    const bad = await frank.request('POST', '/api/v1/me/notifications/read', { body: { ids: ['nope'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/body\.ids\.0/);
    const foreign = await olivia.request('POST', '/api/v1/me/notifications/read', {
      body: { ids: [newest.id] },
    });
    expect(foreign.status).toBe(404);
    const all = await frank.request('POST', '/api/v1/me/notifications/read');
    expect(all.body).toEqual({ unread: 0 });
    expect(
      (await frank.request('GET', '/api/v1/me/notifications?unreadOnly=true')).body.notifications,
    ).toEqual([]);
  });

  it('keeps preferences per member per household', async () => {
    const put = await frank.request('PUT', `${base()}/notifications/preferences`, {
      body: { events: { 'request.approved': { inApp: false, outbound: true } } },
    });
    expect(put.status, put.text).toBe(200);
    expect(put.body.events['request.approved']).toEqual({ inApp: false, outbound: true });
    const got = await frank.request('GET', `${base()}/notifications/preferences`);
    expect(got.body.events['request.approved']).toEqual({ inApp: false, outbound: true });
    const hers = await olivia.request('GET', `${base()}/notifications/preferences`);
    expect(hers.body.events['request.approved']).not.toEqual({ inApp: false, outbound: true });
    const bad = await frank.request('PUT', `${base()}/notifications/preferences`, {
      body: { events: { 'no.such': { inApp: true, outbound: true } } },
    });
    expect(bad.status).toBe(400);
  });

  it('manages channels: members their own, household channels need manage_integrations; URLs never return', async () => {
    const refused = await frank.request('POST', `${base()}/notifications/channels`, {
      body: {
        scope: 'household',
        kind: 'discord',
        name: 'All',
        url: 'https://discord.example/api/webhooks/1/x',
      },
    });
    expect(refused.status).toBe(403);
    const mine = await frank.request('POST', `${base()}/notifications/channels`, {
      body: {
        kind: 'ntfy',
        name: 'My phone',
        url: 'https://ntfy.example/frank-secret-topic',
        secret: 'tk_1',
      },
    });
    expect(mine.status, mine.text).toBe(201);
    expect(mine.body.channel).toMatchObject({ scope: 'member', urlHost: 'ntfy.example', hasSecret: true });
    expect(mine.text).not.toContain('frank-secret-topic');
    const house = await olivia.request('POST', `${base()}/notifications/channels`, {
      body: {
        scope: 'household',
        kind: 'discord',
        name: 'All',
        url: 'https://discord.example/api/webhooks/1/x',
      },
    });
    expect(house.status).toBe(201);
    const list = await frank.request('GET', `${base()}/notifications/channels`);
    expect(list.body.channels.map((c: { name: string }) => c.name).sort()).toEqual(['All', 'My phone']);
    expect((await olivia.request('GET', `${base()}/notifications/channels`)).body.channels).toHaveLength(1);
    const patched = await frank.request('PATCH', `${base()}/notifications/channels/${mine.body.channel.id}`, {
      body: { enabled: false, secret: null },
    });
    expect(patched.body.channel).toMatchObject({ enabled: false, hasSecret: false });
    const notHis = await frank.request('PATCH', `${base()}/notifications/channels/${house.body.channel.id}`, {
      body: { enabled: false },
    });
    expect(notHis.status).toBe(403);
    const badUrl = await frank.request('POST', `${base()}/notifications/channels`, {
      body: { kind: 'webhook', name: 'x', url: 'ftp://nope' },
    });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.error.message).toMatch(/body\.url/);
    expect(
      (await frank.request('DELETE', `${base()}/notifications/channels/${mine.body.channel.id}`)).status,
    ).toBe(204);
    expect(
      (await frank.request('DELETE', `${base()}/notifications/channels/${mine.body.channel.id}`)).status,
    ).toBe(404);
  });

  it('follows, reads back and unfollows a title; a bad media type is a 400', async () => {
    expect((await frank.request('GET', `${base()}/follows/movie/603`)).body).toEqual({ following: false });
    const on = await frank.request('POST', `${base()}/follows/movie/603`, { body: { title: 'The Matrix' } });
    expect(on.body).toEqual({ following: true });
    // Remembered: a reload of the page reads it back (and only for the member who follows).
    expect((await frank.request('GET', `${base()}/follows/movie/603`)).body).toEqual({ following: true });
    expect((await olivia.request('GET', `${base()}/follows/movie/603`)).body).toEqual({ following: false });
    const off = await frank.request('DELETE', `${base()}/follows/movie/603`);
    expect(off.body).toEqual({ following: false });
    expect((await frank.request('GET', `${base()}/follows/movie/603`)).body).toEqual({ following: false });
    expect((await frank.request('POST', `${base()}/follows/book/603`)).status).toBe(400);
    expect((await frank.request('GET', `${base()}/follows/movie/0`)).status).toBe(400);
  });

  it('without Overseerr connected, following still works and discover says what is missing (503)', async () => {
    expect((await frank.request('POST', `${base()}/follows/tv/1399`)).body).toEqual({ following: true });
    const search = await frank.request('GET', `${base()}/discover/search?q=matrix`);
    expect(search.status).toBe(503);
    expect(search.body.error.code).toBe('request.overseerr_not_configured');
  });
});

describe('"Send test" on a channel (a real loopback receiver; the runtime allows private addresses as self-hosted does)', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver((call) =>
      call.path === '/broken' ? { status: 500 } : call.path === '/locked' ? { status: 401 } : { status: 204 },
    );
  });
  afterAll(() => receiver?.close());

  const addChannel = async (who: Client, body: Record<string, unknown>) => {
    const res = await who.request('POST', `${base()}/notifications/channels`, { body });
    expect(res.status, res.text).toBe(201);
    return res.body.channel.id as string;
  };
  const test = (who: Client, id: string) =>
    who.request('POST', `${base()}/notifications/channels/${id}/test`);

  it('sends a test through the channel now (even while paused) and records it as the last delivery', async () => {
    const id = await addChannel(frank, {
      kind: 'webhook',
      name: 'Home automation',
      url: `${receiver.url}/ok?key=frank-private`,
      secret: 'Bearer frank-hook-token',
      enabled: false,
    });
    const before = receiver.calls.length;
    const res = await test(frank, id);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      ok: true,
      status: 204,
      message: 'Delivered: The webhook answered HTTP 204',
      channel: { id, enabled: false, lastDelivery: { ok: true, status: 204 } },
    });
    expect(res.text).not.toContain('frank-private');
    const calls = receiver.calls.slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'POST', path: '/ok?key=frank-private' });
    expect(calls[0]?.headers.authorization).toBe('Bearer frank-hook-token');
    expect(JSON.parse(calls[0]?.body ?? '{}')).toMatchObject({
      event: 'test',
      title: 'MediaNest test notification',
      householdId: hid,
    });
    const listed = await frank.request('GET', `${base()}/notifications/channels`);
    expect(listed.body.channels.find((c: { id: string }) => c.id === id).lastDelivery).toMatchObject({
      ok: true,
      status: 204,
    });
  });

  it('reports the precise failure: the status answered, a refused connection, DNS, a blocked address', async () => {
    const broken = await addChannel(frank, {
      kind: 'discord',
      name: 'Broken',
      url: `${receiver.url}/broken`,
    });
    const answered = await test(frank, broken);
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({
      ok: false,
      status: 500,
      code: 'http.status',
      message: 'Not delivered: Discord answered HTTP 500: the service had a problem; try again later',
      channel: { lastDelivery: { ok: false, status: 500 } },
    });
    const locked = await addChannel(frank, {
      kind: 'ntfy',
      name: 'Locked topic',
      url: `${receiver.url}/locked`,
    });
    expect((await test(frank, locked)).body).toMatchObject({
      ok: false,
      status: 401,
      message: 'Not delivered: ntfy answered HTTP 401: check the token or Authorization value',
    });

    // A port nobody listens on (taken, then freed).
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const closed = await addChannel(frank, {
      kind: 'webhook',
      name: 'Closed',
      url: `http://127.0.0.1:${port}/x`,
    });
    expect((await test(frank, closed)).body).toMatchObject({
      ok: false,
      code: 'http.connection_refused',
      message: `Not delivered: 127.0.0.1:${port} refused the connection`,
    });

    const nowhere = await addChannel(frank, {
      kind: 'webhook',
      name: 'Typo',
      url: 'http://medianest-test.invalid/hook',
    });
    const dns = await test(frank, nowhere);
    expect(dns.body).toMatchObject({ ok: false, code: 'http.dns_failure' });
    expect(dns.body.message).toMatch(
      /^Not delivered: Could not resolve medianest-test\.invalid \(DNS [A-Z_]+\)$/,
    );
    expect(dns.body.channel.lastDelivery).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^Could not resolve/),
    });

    // The SSRF guard holds for tests too: the cloud metadata address is refused even self-hosted.
    const metadata = await addChannel(frank, {
      kind: 'webhook',
      name: 'Metadata',
      url: 'http://169.254.169.254/latest/meta-data',
    });
    const blocked = await test(frank, metadata);
    expect(blocked.body).toMatchObject({ ok: false, code: 'http.blocked_address' });
    expect(blocked.body.message).toMatch(
      /^Not delivered: 169\.254\.169\.254 .*MediaNest does not connect there/,
    );
  });

  it("only the channel's manager may test it; a malformed id is a 400", async () => {
    const house = await addChannel(olivia, {
      scope: 'household',
      kind: 'webhook',
      name: 'House hook',
      url: `${receiver.url}/ok`,
    });
    const before = receiver.calls.length;
    const refused = await test(frank, house);
    expect(refused.status).toBe(403);
    const frankOwn = await addChannel(frank, {
      kind: 'webhook',
      name: 'Mine only',
      url: `${receiver.url}/ok`,
    });
    expect((await test(olivia, frankOwn)).status).toBe(404);
    expect(receiver.calls.length).toBe(before);
    expect((await test(olivia, house)).body).toMatchObject({ ok: true, status: 204 });
    const bad = await test(frank, 'nch_nope');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/channelId|id/);
  });
});
