import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RunningPlexTv, startPlexTv } from '@medianest/simulators/plex-tv/index';
import { DEMO_MACHINE_ID, FRIEND_IDS, OWNER_ID, STRANGER_ID } from '@medianest/simulators/scenario/index';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  PlexBadResponseError,
  PlexPinExpiredError,
  PlexUnauthorizedError,
  PlexUnavailableError,
} from './errors.ts';
import { createPlexTvClient, type PlexTvClient } from './plex-tv-client.ts';

const OWNER = 'tok-olivia-owner-0001';
const FRANK = 'tok-frank-friend-0002';
const FIONA = 'tok-fiona-friend-0003';
const SAM = 'tok-sam-stranger-0004';

let now = Date.UTC(2026, 0, 1);
let sim: RunningPlexTv;
let plex: PlexTvClient;

const clientFor = (url: string, extra: Partial<Parameters<typeof createPlexTvClient>[0]> = {}) =>
  createPlexTvClient({
    baseUrl: url,
    authBaseUrl: `${url}/auth`,
    clientIdentifier: 'medianest-test-client',
    product: 'MediaNest',
    version: '0.1.0',
    ...extra,
  });

beforeAll(async () => {
  sim = await startPlexTv({ clock: () => now });
  plex = clientFor(sim.url);
});
afterAll(() => sim.close());
afterEach(() => sim.faults.clear());

describe('PIN sign-in', () => {
  it('creates a strong PIN, stays unapproved until the user approves, then yields the token', async () => {
    // arrange
    const pin = await plex.createPin({ strong: true });
    expect(pin.code.length).toBeGreaterThan(4);
    expect((await plex.checkPin(pin.id)).authToken).toBeNull();
    // act
    sim.approvePin(pin.id, FRIEND_IDS[0]);
    const approved = await plex.checkPin(pin.id);
    // assert
    expect(approved.authToken).toBe(FRANK);
    const user = await plex.getUser(approved.authToken as string);
    expect(user).toMatchObject({ id: FRIEND_IDS[0], username: 'frank', email: 'frank@example.test' });
  });

  it('creates a short link code when strong is false', async () => {
    const pin = await plex.createPin({ strong: false });
    expect(pin.code).toMatch(/^[A-Z0-9]{4}$/);
  });

  it('turns an expired PIN into PlexPinExpiredError', async () => {
    const pin = await plex.createPin();
    now += 901_000;
    try {
      await expect(plex.checkPin(pin.id)).rejects.toBeInstanceOf(PlexPinExpiredError);
    } finally {
      now -= 901_000;
    }
  });

  it('does not let another client identifier read the PIN', async () => {
    const pin = await plex.createPin();
    sim.approvePin(pin.id, OWNER_ID);
    const other = clientFor(sim.url, { clientIdentifier: 'someone-else' });
    await expect(other.checkPin(pin.id)).rejects.toBeInstanceOf(PlexPinExpiredError);
  });

  it('sends every header PROTOCOLS §1 lists', async () => {
    const seen: Record<string, string>[] = [];
    const spy = clientFor(sim.url, {
      fetch: async (input, init) => {
        seen.push(Object.fromEntries(new Headers(init?.headers).entries()));
        return fetch(input, init);
      },
    });
    await spy.getUser(OWNER);
    const h = seen[0] ?? {};
    for (const name of [
      'accept',
      'x-plex-client-identifier',
      'x-plex-product',
      'x-plex-version',
      'x-plex-platform',
      'x-plex-platform-version',
      'x-plex-provides',
      'x-plex-device',
      'x-plex-device-name',
      'x-plex-language',
      'x-plex-sync-version',
      'x-plex-features',
      'x-plex-token',
    ]) {
      expect(h[name], name).toBeTruthy();
    }
    expect(h['x-plex-token']).toBe(OWNER);
    expect(h.accept).toBe('application/json');
  });

  it('builds an auth URL the simulator auth page understands', async () => {
    const pin = await plex.createPin();
    const url = new URL(plex.authUrl({ code: pin.code, forwardUrl: 'http://127.0.0.1:1/done' }));
    expect(`${url.origin}${url.pathname}`).toBe(`${sim.url}/auth`);
    const params = new URLSearchParams(url.hash.replace(/^#!?\??/, ''));
    expect(params.get('code')).toBe(pin.code);
    expect(params.get('clientID')).toBe('medianest-test-client');
    expect(params.get('forwardUrl')).toBe('http://127.0.0.1:1/done');
    expect(params.get('context[device][product]')).toBe('MediaNest');
    // The page's own lookup accepts exactly these two parameters.
    const res = await fetch(
      `${sim.url}/auth/pin?code=${params.get('code')}&clientID=${params.get('clientID')}`,
    );
    expect(res.status).toBe(200);
  });
});

describe('accounts and servers', () => {
  it('refuses a bad token with PlexUnauthorizedError', async () => {
    await expect(plex.getUser('not-a-token')).rejects.toBeInstanceOf(PlexUnauthorizedError);
    await expect(plex.getResources('not-a-token')).rejects.toBeInstanceOf(PlexUnauthorizedError);
    await expect(plex.getServerUsers('not-a-token')).rejects.toBeInstanceOf(PlexUnauthorizedError);
  });

  it('maps 422 "Invalid token" to PlexUnauthorizedError', async () => {
    sim.faults.add({
      path: '/api/v2/user',
      status: 422,
      body: '{"errors":[{"code":1001,"message":"Invalid token","status":422}]}',
      times: 1,
    });
    await expect(plex.getUser(OWNER)).rejects.toBeInstanceOf(PlexUnauthorizedError);
  });

  it('lists servers only (owned and shared), never the player devices', async () => {
    const mine = await plex.getResources(OWNER);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ clientIdentifier: DEMO_MACHINE_ID, owned: true, provides: 'server' });
    const franks = await plex.getResources(FRANK);
    expect(franks.map((r) => [r.clientIdentifier, r.owned])).toEqual([[DEMO_MACHINE_ID, false]]);
    expect(await plex.getResources(SAM)).toEqual([]);
  });

  it("parses the owner's friend list from XML", async () => {
    const friends = await plex.getServerUsers(OWNER);
    expect(friends.map((f) => f.id).sort()).toEqual([...FRIEND_IDS].sort());
    const frank = friends.find((f) => f.id === FRIEND_IDS[0]);
    expect(frank).toMatchObject({ username: 'frank', email: 'frank@example.test' });
    expect(frank?.servers).toEqual([
      expect.objectContaining({ machineIdentifier: DEMO_MACHINE_ID, pending: false, owned: false }),
    ]);
    // A stranger owns no servers and has no friends.
    expect(await plex.getServerUsers(SAM)).toEqual([]);
  });
});

describe('hasServerAccess', () => {
  const owner = { accountId: OWNER_ID, token: OWNER };

  it("agrees from the user's token and from the owner's token", async () => {
    for (const [accountId, token, allowed] of [
      [FRIEND_IDS[0], FRANK, true],
      [FRIEND_IDS[1], FIONA, true],
      [STRANGER_ID, SAM, false],
    ] as const) {
      const byUser = await plex.hasServerAccess({
        machineIdentifier: DEMO_MACHINE_ID,
        accountId,
        userToken: token,
      });
      const byOwner = await plex.hasServerAccess({ machineIdentifier: DEMO_MACHINE_ID, accountId, owner });
      expect([byUser.allowed, byOwner.allowed], String(accountId)).toEqual([allowed, allowed]);
      if (allowed) expect([byUser.via, byOwner.via]).toEqual(['resources', 'server_users']);
    }
  });

  it('lets the owner in and refuses another server id', async () => {
    expect(
      await plex.hasServerAccess({ machineIdentifier: DEMO_MACHINE_ID, accountId: OWNER_ID, owner }),
    ).toEqual({ allowed: true, via: 'owner' });
    expect(
      await plex.hasServerAccess({
        machineIdentifier: 'f'.repeat(40),
        accountId: FRIEND_IDS[0],
        userToken: FRANK,
        owner,
      }),
    ).toEqual({ allowed: false });
  });

  it('follows a share made or removed on plex.tv', async () => {
    const check = () =>
      plex.hasServerAccess({ machineIdentifier: DEMO_MACHINE_ID, accountId: STRANGER_ID, userToken: SAM });
    sim.share(DEMO_MACHINE_ID, STRANGER_ID);
    try {
      expect((await check()).allowed).toBe(true);
    } finally {
      sim.unshare(DEMO_MACHINE_ID, STRANGER_ID);
    }
    expect((await check()).allowed).toBe(false);
  });
});

describe('failures', () => {
  it('maps 5xx to PlexUnavailableError', async () => {
    sim.faults.add({ path: '/api/v2/resources', status: 503, times: 1 });
    await expect(plex.getResources(OWNER)).rejects.toBeInstanceOf(PlexUnavailableError);
  });

  it('maps a reset connection to PlexUnavailableError', async () => {
    sim.faults.add({ path: '/api/v2/user', reset: true, times: 1 });
    await expect(plex.getUser(OWNER)).rejects.toBeInstanceOf(PlexUnavailableError);
  });

  it('times out a hanging plex.tv', async () => {
    sim.faults.add({ path: '/api/v2/pins', hang: true, times: 1 });
    const impatient = clientFor(sim.url, { timeoutMs: 200 });
    const err = await impatient.createPin().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlexUnavailableError);
    expect((err as Error).message).toMatch(/within 200 ms/);
  });

  it('refuses a malformed body with PlexBadResponseError', async () => {
    sim.faults.add({ path: '/api/v2/user', malformed: true, times: 1 });
    await expect(plex.getUser(OWNER)).rejects.toBeInstanceOf(PlexBadResponseError);
  });

  it('reports an unreachable plex.tv as unavailable', async () => {
    // A port that was just closed: nothing listens there.
    const srv: Server = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const { port } = srv.address() as AddressInfo;
    await new Promise<void>((r) => srv.close(() => r()));
    await expect(clientFor(`http://127.0.0.1:${port}`).getUser(OWNER)).rejects.toBeInstanceOf(
      PlexUnavailableError,
    );
  });

  it('never puts the token in an error message', async () => {
    const err = await plex.getUser('secret-token-value').catch((e: unknown) => e);
    expect(String((err as Error).message)).not.toContain('secret-token-value');
  });
});
