import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEMO_MACHINE_ID, FRIEND_IDS, loadScenario, OWNER_ID, STRANGER_ID } from '../scenario/index.ts';
import { type RunningPlexTv, startPlexTv } from './index.ts';

const OWNER = 'tok-olivia-owner-0001';
const FRANK = 'tok-frank-friend-0002';
const SAM = 'tok-sam-stranger-0004';
const CLIENT = 'medianest-test-client';
const JSON_HEADERS = {
  Accept: 'application/json',
  'X-Plex-Client-Identifier': CLIENT,
  'X-Plex-Product': 'MediaNest',
};

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });

const PinSchema = z.strictObject({
  id: z.number().int(),
  code: z.string(),
  product: z.string(),
  trusted: z.boolean(),
  qr: z.string().url(),
  clientIdentifier: z.string(),
  location: z.object({ code: z.string(), country: z.string(), city: z.string() }).passthrough(),
  expiresIn: z.number().int(),
  createdAt: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
  expiresAt: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
  authToken: z.string().nullable(),
  newRegistration: z.null(),
});

const Connection = z.strictObject({
  protocol: z.enum(['http', 'https']),
  address: z.string(),
  port: z.number().int(),
  uri: z.string().url(),
  local: z.boolean(),
  relay: z.boolean(),
  IPv6: z.boolean(),
});

const PlexDevice = z.strictObject({
  name: z.string(),
  product: z.string(),
  productVersion: z.string(),
  platform: z.string(),
  platformVersion: z.string(),
  device: z.string(),
  clientIdentifier: z.string(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  provides: z.string(),
  ownerId: z.number().int().nullable(),
  sourceTitle: z.string().nullable(),
  publicAddress: z.string(),
  accessToken: z.string(),
  owned: z.boolean(),
  home: z.boolean(),
  synced: z.boolean(),
  relay: z.boolean(),
  presence: z.boolean(),
  httpsRequired: z.boolean(),
  publicAddressMatches: z.boolean(),
  dnsRebindingProtection: z.boolean(),
  natLoopbackSupported: z.boolean(),
  connections: z.array(Connection),
});

describe('plex.tv simulator', () => {
  let tv: RunningPlexTv;
  let now = Date.UTC(2026, 0, 15, 12, 0, 0);

  beforeAll(async () => {
    tv = await startPlexTv({ scenario: await loadScenario(), clock: () => now });
    tv.setServerUrl(DEMO_MACHINE_ID, 'http://127.0.0.1:32400');
  });
  afterAll(() => tv.close());

  const post = (path: string, headers: Record<string, string> = JSON_HEADERS) =>
    fetch(`${tv.url}${path}`, { method: 'POST', headers });
  const get = (path: string, headers: Record<string, string> = JSON_HEADERS) =>
    fetch(`${tv.url}${path}`, { headers });

  describe('POST /api/v2/pins', () => {
    it('creates a strong pin: 201 with the documented fields', async () => {
      // act
      const res = await post('/api/v2/pins?strong=true');
      // assert
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toContain('application/json');
      const pin = PinSchema.parse(await res.json());
      expect(pin.code).toMatch(/^[a-z0-9]{20,}$/);
      expect(pin.expiresIn).toBe(900);
      expect(pin.authToken).toBeNull();
      expect(pin.product).toBe('MediaNest');
      expect(pin.clientIdentifier).toBe(CLIENT);
      expect(Date.parse(pin.expiresAt) - Date.parse(pin.createdAt)).toBe(900_000);
      expect(pin.createdAt).toBe('2026-01-15T12:00:00Z');
    });

    it('creates a 4-character code by default and with strong=false', async () => {
      for (const path of ['/api/v2/pins', '/api/v2/pins?strong=false']) {
        const pin = PinSchema.parse(await (await post(path)).json());
        expect(pin.code).toMatch(/^[A-Z0-9]{4}$/);
      }
    });

    it('400s without X-Plex-Client-Identifier, JSON body exactly as documented', async () => {
      const res = await post('/api/v2/pins', { Accept: 'application/json' });
      expect(res.status).toBe(400);
      expect(await res.text()).toBe(
        '{"errors":[{"code":1000,"message":"X-Plex-Client-Identifier is missing","status":400}]}',
      );
    });

    it('answers XML when Accept: application/json is absent (PA parses XML)', async () => {
      const res = await post('/api/v2/pins?strong=true', { 'X-Plex-Client-Identifier': CLIENT });
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toContain('xml');
      const doc = xml.parse(await res.text());
      expect(doc.pin.id).toMatch(/^\d+$/);
      expect(doc.pin.expiresIn).toBe('900');
      expect(doc.pin.authToken).toBe('');
      const bad = await post('/api/v2/pins', {});
      expect(bad.status).toBe(400);
      expect(xml.parse(await bad.text()).errors.error).toEqual({
        code: '1000',
        message: 'X-Plex-Client-Identifier is missing',
        status: '400',
      });
    });
  });

  describe('GET /api/v2/pins/:id', () => {
    it('keeps authToken null until approved, then returns the account token', async () => {
      // arrange
      const pin = PinSchema.parse(await (await post('/api/v2/pins?strong=true')).json());
      // act / assert
      const before = PinSchema.parse(await (await get(`/api/v2/pins/${pin.id}`)).json());
      expect(before.authToken).toBeNull();
      tv.approvePin(pin.id, FRIEND_IDS[0]);
      const after = PinSchema.parse(await (await get(`/api/v2/pins/${pin.id}`)).json());
      expect(after.authToken).toBe(FRANK);
    });

    it('404s for another client identifier, an unknown id and after expiry', async () => {
      const pin = PinSchema.parse(await (await post('/api/v2/pins')).json());
      const other = await get(`/api/v2/pins/${pin.id}`, {
        ...JSON_HEADERS,
        'X-Plex-Client-Identifier': 'someone-else',
      });
      expect(other.status).toBe(404);
      expect(await other.json()).toEqual({
        errors: [{ code: 1020, message: 'Code not found or expired', status: 404 }],
      });
      expect((await get('/api/v2/pins/1')).status).toBe(404);
      expect((await get(`/api/v2/pins/${pin.id}`, { Accept: 'application/json' })).status).toBe(400);
      now += 899_000;
      const late = PinSchema.parse(await (await get(`/api/v2/pins/${pin.id}`)).json());
      expect(late.expiresIn).toBe(1);
      now += 1_000;
      expect((await get(`/api/v2/pins/${pin.id}`)).status).toBe(404);
      expect(() => tv.approvePin(pin.code, OWNER_ID)).toThrow(/expired/);
    });

    it('approves by code over the control API', async () => {
      const pin = PinSchema.parse(await (await post('/api/v2/pins')).json());
      const res = await fetch(`${tv.url}/__control/pins/${pin.code}/approve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ accountId: OWNER_ID }),
      });
      expect(res.status).toBe(200);
      expect(PinSchema.parse(await (await get(`/api/v2/pins/${pin.id}`)).json()).authToken).toBe(OWNER);
    });
  });

  describe('accounts', () => {
    const User = z
      .object({
        id: z.number().int(),
        uuid: z.string(),
        username: z.string(),
        title: z.string(),
        email: z.string(),
        friendlyName: z.string(),
        authToken: z.string(),
        hasPassword: z.boolean(),
        twoFactorEnabled: z.boolean(),
        joinedAt: z.number().int(),
        thumb: z.string(),
        home: z.boolean(),
        homeAdmin: z.boolean(),
        guest: z.boolean(),
        restricted: z.boolean(),
        protected: z.boolean(),
        homeSize: z.number().int(),
        maxHomeSize: z.number().int(),
        subscription: z.object({
          active: z.boolean(),
          status: z.string(),
          plan: z.string().nullable(),
          features: z.array(z.string()),
        }),
        roles: z.array(z.string()),
        entitlements: z.array(z.string()),
      })
      .passthrough();

    it('GET /api/v2/user: 200 with the documented fields', async () => {
      const res = await get('/api/v2/user', { ...JSON_HEADERS, 'X-Plex-Token': OWNER });
      expect(res.status).toBe(200);
      const user = User.parse(await res.json());
      expect(user).toMatchObject({
        id: OWNER_ID,
        username: 'olivia',
        authToken: OWNER,
        home: true,
        homeAdmin: true,
        homeSize: 2,
      });
      const fiona = User.parse(
        await (
          await get('/api/v2/user', { ...JSON_HEADERS, 'X-Plex-Token': 'tok-fiona-friend-0003' })
        ).json(),
      );
      expect(fiona).toMatchObject({ hasPassword: false, home: true, homeAdmin: false });
    });

    it('GET /api/v2/user: 401 body exactly as documented, token as header or query', async () => {
      for (const path of ['/api/v2/user', '/api/v2/user?X-Plex-Token=wrong']) {
        const res = await get(path, {
          ...JSON_HEADERS,
          ...(path.includes('?') ? {} : { 'X-Plex-Token': 'wrong' }),
        });
        expect(res.status).toBe(401);
        expect(res.headers.get('content-type')).toContain('application/json');
        expect(await res.text()).toBe(
          '{"errors":[{"code":1001,"message":"User could not be authenticated","status":401}]}',
        );
      }
      expect((await get(`/api/v2/user?X-Plex-Token=${SAM}`)).status).toBe(200);
    });

    it('GET /users/account.json (legacy, OS)', async () => {
      const res = await get('/users/account.json', { 'X-Plex-Token': FRANK });
      const body = z
        .object({
          user: z.object({
            id: z.number().int(),
            uuid: z.string(),
            email: z.string(),
            joined_at: z.string(),
            username: z.string(),
            title: z.string(),
            thumb: z.string(),
            hasPassword: z.boolean(),
            authToken: z.string(),
            subscription: z.object({
              active: z.boolean(),
              status: z.string(),
              plan: z.string().nullable(),
              features: z.array(z.string()),
            }),
            roles: z.object({ roles: z.array(z.string()) }),
            entitlements: z.array(z.string()),
          }),
        })
        .parse(await res.json());
      expect(body.user.id).toBe(FRIEND_IDS[0]);
      expect((await get('/users/account.json', { 'X-Plex-Token': 'nope' })).status).toBe(401);
    });

    it('GET /api/v2/ping answers {pong:true}', async () => {
      expect(await (await get('/api/v2/ping', { ...JSON_HEADERS, 'X-Plex-Token': OWNER })).json()).toEqual({
        pong: true,
      });
    });
  });

  describe('GET /api/v2/resources', () => {
    const resources = async (token: string, query = '?includeHttps=1&includeRelay=1') => {
      const res = await get(`/api/v2/resources${query}`, { ...JSON_HEADERS, 'X-Plex-Token': token });
      expect(res.status).toBe(200);
      return z.array(PlexDevice).parse(await res.json());
    };

    it('lists the owner server as owned with the owner token', async () => {
      const list = await resources(OWNER);
      const servers = list.filter((d) => d.provides.split(',').includes('server'));
      expect(servers).toHaveLength(1);
      expect(servers[0]).toMatchObject({
        clientIdentifier: DEMO_MACHINE_ID,
        owned: true,
        ownerId: null,
        accessToken: OWNER,
        presence: true,
      });
      expect(servers[0]?.connections.map((c) => [c.local, c.relay])).toEqual([
        [true, false],
        [false, false],
        [false, true],
      ]);
      expect(list.some((d) => !d.provides.includes('server'))).toBe(true);
    });

    it('lists a shared server for a friend with a server-specific token and no relay unless asked', async () => {
      const list = await resources(FRANK, '');
      const server = list.find((d) => d.clientIdentifier === DEMO_MACHINE_ID);
      expect(server).toMatchObject({ owned: false, ownerId: OWNER_ID, sourceTitle: 'Olivia Owner' });
      expect(server?.accessToken).not.toBe(FRANK);
      expect(server?.connections.some((c) => c.relay)).toBe(false);
    });

    it('lists no server for a stranger until shared, and drops it after unshare', async () => {
      expect((await resources(SAM)).filter((d) => d.provides.includes('server'))).toHaveLength(0);
      const share = tv.share(DEMO_MACHINE_ID, STRANGER_ID, ['1']);
      const listed = (await resources(SAM)).find((d) => d.clientIdentifier === DEMO_MACHINE_ID);
      expect(listed?.accessToken).toBe(share.accessToken);
      expect(tv.unshare(DEMO_MACHINE_ID, STRANGER_ID)).toBe(true);
      expect((await resources(SAM)).filter((d) => d.provides.includes('server'))).toHaveLength(0);
    });

    it('answers 401 JSON without a valid token and XML without Accept', async () => {
      expect((await get('/api/v2/resources', JSON_HEADERS)).status).toBe(401);
      const res = await get('/api/v2/resources?includeRelay=1', { 'X-Plex-Token': OWNER });
      const doc = xml.parse(await res.text());
      const list = [doc.resources.resource].flat();
      expect(list[0]).toMatchObject({ clientIdentifier: DEMO_MACHINE_ID, owned: '1', provides: 'server' });
      expect([list[0].connections.connection].flat()).toHaveLength(3);
    });

    it('legacy /api/resources is XML Device > Connection with epoch timestamps', async () => {
      const doc = xml.parse(
        await (await get('/api/resources?includeHttps=1', { 'X-Plex-Token': OWNER })).text(),
      );
      const device = [doc.MediaContainer.Device].flat()[0];
      expect(device.clientIdentifier).toBe(DEMO_MACHINE_ID);
      expect(device.createdAt).toMatch(/^\d+$/);
      expect([device.Connection].flat()[0]).toMatchObject({ protocol: 'http', local: '1' });
    });
  });

  describe('XML account endpoints', () => {
    it('GET /api/users lists the owner’s friends with their Server (always XML)', async () => {
      const res = await get('/api/users', { ...JSON_HEADERS, 'X-Plex-Token': OWNER });
      expect(res.headers.get('content-type')).toContain('xml');
      const users = [xml.parse(await res.text()).MediaContainer.User].flat();
      expect(users.map((u) => Number(u.id)).sort()).toEqual([...FRIEND_IDS].sort());
      const frank = users.find((u) => Number(u.id) === FRIEND_IDS[0]);
      expect(frank.Server).toMatchObject({
        machineIdentifier: DEMO_MACHINE_ID,
        allLibraries: '0',
        numLibraries: '2',
        owned: '0',
        pending: '0',
      });
      expect(Object.keys(frank.Server).sort()).toEqual(
        [
          'allLibraries',
          'id',
          'lastSeenAt',
          'machineIdentifier',
          'name',
          'numLibraries',
          'owned',
          'pending',
          'serverId',
        ].sort(),
      );
      const strangerView = xml.parse(await (await get('/api/users', { 'X-Plex-Token': SAM })).text());
      expect(strangerView.MediaContainer.size).toBe('0');
      expect((await get('/api/users', { 'X-Plex-Token': 'nope' })).status).toBe(401);
    });

    it('GET /api/servers/:id/shared_servers carries userID and accessToken (owner only)', async () => {
      const res = await get(`/api/servers/${DEMO_MACHINE_ID}/shared_servers`, { 'X-Plex-Token': OWNER });
      const items = [xml.parse(await res.text()).MediaContainer.SharedServer].flat();
      const frankToken = tv.shares().find((s) => s.accountId === FRIEND_IDS[0])?.accessToken;
      expect(items.find((i) => Number(i.userID) === FRIEND_IDS[0])?.accessToken).toBe(frankToken);
      expect(
        (await get(`/api/servers/${DEMO_MACHINE_ID}/shared_servers`, { 'X-Plex-Token': FRANK })).status,
      ).toBe(401);
      expect((await get('/api/servers/unknown/shared_servers', { 'X-Plex-Token': OWNER })).status).toBe(404);
    });

    it('GET /api/home/users lists the home members', async () => {
      const doc = xml.parse(await (await get('/api/home/users', { 'X-Plex-Token': OWNER })).text());
      const users = [doc.MediaContainer.User].flat();
      expect(users.map((u) => [Number(u.id), u.admin])).toEqual([
        [OWNER_ID, '1'],
        [FRIEND_IDS[1], '0'],
      ]);
    });
  });

  describe('handle and control API', () => {
    it('adds an account that can then approve pins', async () => {
      const res = await fetch(`${tv.url}/__control/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          id: 4242,
          uuid: 'u4242',
          username: 'nina',
          title: 'Nina New',
          email: 'nina@example.test',
          authToken: 'tok-nina-0042',
        }),
      });
      expect(res.status).toBe(201);
      expect(tv.accounts().some((a) => a.id === 4242)).toBe(true);
      expect(() =>
        tv.addAccount({
          id: 4242,
          uuid: 'x',
          username: 'x',
          title: 'x',
          email: 'x@example.test',
          authToken: 'tok-other-1',
        }),
      ).toThrow(/exists/);
      const dup = await fetch(`${tv.url}/__control/accounts`, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      expect(dup.status).toBe(400);
    });

    it('shares and unshares over HTTP, validating section keys', async () => {
      const bad = await fetch(`${tv.url}/__control/shares`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ serverId: DEMO_MACHINE_ID, accountId: STRANGER_ID, sectionKeys: ['99'] }),
      });
      expect(bad.status).toBe(400);
      const ok = await fetch(`${tv.url}/__control/shares`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ serverId: DEMO_MACHINE_ID, accountId: STRANGER_ID, sectionKeys: ['2'] }),
      });
      expect(ok.status).toBe(201);
      const del = await fetch(`${tv.url}/__control/shares/${DEMO_MACHINE_ID}/${STRANGER_ID}`, {
        method: 'DELETE',
      });
      expect(del.status).toBe(204);
      expect(tv.shares().some((s) => s.accountId === STRANGER_ID)).toBe(false);
    });

    it('sets a server URL, which becomes the connection uri', async () => {
      const res = await fetch(`${tv.url}/__control/servers/${DEMO_MACHINE_ID}/url`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url: 'http://127.0.0.1:40000' }),
      });
      expect(res.status).toBe(200);
      const list = z
        .array(PlexDevice)
        .parse(await (await get('/api/v2/resources', { ...JSON_HEADERS, 'X-Plex-Token': OWNER })).json());
      expect(list[0]?.connections[0]?.uri).toBe('http://127.0.0.1:40000');
      tv.setServerUrl(DEMO_MACHINE_ID, null);
      const offline = z
        .array(PlexDevice)
        .parse(await (await get('/api/v2/resources', { ...JSON_HEADERS, 'X-Plex-Token': OWNER })).json());
      expect(offline[0]).toMatchObject({ presence: false, connections: [] });
    });
  });

  describe('fault injection', () => {
    it('adds latency, then answers normally', async () => {
      tv.faults.add({ path: '/api/v2/ping', latencyMs: 150, times: 1 });
      const started = performance.now();
      const res = await get('/api/v2/ping', JSON_HEADERS);
      // A lower bound only: a timer never fires early, so this cannot flake on a slow machine.
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
      expect(await res.json()).toEqual({ pong: true });
    });

    it('answers a configured 500 once, then recovers', async () => {
      await fetch(`${tv.url}/__control/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          method: 'POST',
          path: '/api/v2/pins',
          status: 500,
          body: '{"errors":[]}',
          times: 1,
        }),
      });
      expect((await post('/api/v2/pins')).status).toBe(500);
      expect((await post('/api/v2/pins')).status).toBe(201);
    });

    it('hangs (request accepted, never answered) and resets connections', async () => {
      tv.faults.add({ path: '/api/v2/user', hang: true, times: 1 });
      const ctrl = new AbortController();
      const hitsBefore = tv.hits().byRoute['GET /api/v2/user'] ?? 0;
      const pending = fetch(`${tv.url}/api/v2/user`, {
        headers: { ...JSON_HEADERS, 'X-Plex-Token': OWNER },
        signal: ctrl.signal,
      }).catch((e: unknown) => e);
      // The request reached the server (counted) ...
      await expect.poll(() => tv.hits().byRoute['GET /api/v2/user'] ?? 0).toBe(hitsBefore + 1);
      // ... and is still unanswered a while later.
      const raced = await Promise.race([
        pending,
        new Promise((r) => setTimeout(() => r('still pending'), 300)),
      ]);
      expect(raced).toBe('still pending');
      ctrl.abort();
      tv.faults.add({ path: '/api/v2/user', reset: true, times: 1 });
      await expect(
        fetch(`${tv.url}/api/v2/user`, { headers: { ...JSON_HEADERS, 'X-Plex-Token': OWNER } }),
      ).rejects.toThrow();
    });

    it('truncates bodies when malformed', async () => {
      tv.faults.add({ path: '/api/v2/user', malformed: true, times: 1 });
      const text = await (await get('/api/v2/user', { ...JSON_HEADERS, 'X-Plex-Token': OWNER })).text();
      expect(() => JSON.parse(text)).toThrow();
    });
  });
});
