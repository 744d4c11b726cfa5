/**
 * The inbox, preferences, channels and follows over HTTP. Notifications are produced by the
 * notification domain itself (as the request flow does), then read and marked through the routes.
 */
import { withActor } from '@medianest/core/actor/index';
import { notify } from '@medianest/core/notification/index';
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

  it('follows and unfollows a title; a bad media type is a 400', async () => {
    const on = await frank.request('POST', `${base()}/follows/movie/603`, { body: { title: 'The Matrix' } });
    expect(on.body).toEqual({ following: true });
    const off = await frank.request('DELETE', `${base()}/follows/movie/603`);
    expect(off.body).toEqual({ following: false });
    expect((await frank.request('POST', `${base()}/follows/book/603`)).status).toBe(400);
  });

  it('without Overseerr connected, following still works and discover says what is missing (503)', async () => {
    expect((await frank.request('POST', `${base()}/follows/tv/1399`)).body).toEqual({ following: true });
    const search = await frank.request('GET', `${base()}/discover/search?q=matrix`);
    expect(search.status).toBe(503);
    expect(search.body.error.code).toBe('request.overseerr_not_configured');
  });
});
