import { FRIEND_IDS, OWNER_ID } from '@medianest/simulators/scenario/index';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client, PUBLIC_URL, signInWithPlex, startWorld, type World } from '../testing/world.ts';

let world: World;

beforeEach(async () => {
  world = await startWorld({ env: { MEDIANEST_SESSION_IDLE_DAYS: '2', MEDIANEST_SESSION_MAX_DAYS: '10' } });
});
afterEach(() => world.close());

const DAY = 24 * 3600 * 1000;

describe('session cookie', () => {
  it('is refused when tampered, unknown or malformed, and the cookie is cleared', async () => {
    const client = await signInWithPlex(world, OWNER_ID);
    const token = client.cookies.get('mn_session') as string;
    for (const bad of [
      `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`,
      'A'.repeat(43),
      'not-a-token',
    ]) {
      const other = new Client(world.app);
      other.cookies.set('mn_session', bad);
      const res = await other.request('GET', '/api/v1/me');
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('session.invalid');
      expect(res.headers.getSetCookie().some((c) => /^mn_session=;/.test(c) && /Max-Age=0/i.test(c))).toBe(
        true,
      );
    }
    const none = await new Client(world.app).request('GET', '/api/v1/me');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('auth.required');
  });

  it('is refused once expired, slides while used, and never outlives the absolute limit', async () => {
    const client = await signInWithPlex(world, OWNER_ID);
    // More than half the idle window passed: the next request renews and re-sends the cookie.
    world.clock.advance(1.5 * DAY);
    const renewed = await client.request('GET', '/api/v1/me');
    expect(renewed.status).toBe(200);
    const cookie = renewed.headers.getSetCookie().find((c) => c.startsWith('mn_session='));
    expect(cookie).toMatch(/Max-Age=172800/);
    // Still alive 3 days after sign-in thanks to the renewal.
    world.clock.advance(1.5 * DAY);
    expect((await client.request('GET', '/api/v1/me')).status).toBe(200);
    // Not renewed when fresh.
    const fresh = await client.request('GET', '/api/v1/me');
    expect(fresh.headers.getSetCookie()).toEqual([]);
    // Idle past the window: gone.
    world.clock.advance(2 * DAY + 1);
    const expired = await client.request('GET', '/api/v1/me');
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('session.invalid');
  });

  it.each([
    ['https://media.example.com', true],
    ['http://nas.local:3000', false],
  ])('with public URL %s the cookie is Secure: %s', async (publicUrl, secure) => {
    await world.close();
    world = await startWorld({ env: { MEDIANEST_PUBLIC_URL: publicUrl } });
    const client = new Client(world.app);
    const started = await client.request('POST', '/api/v1/auth/plex/start', { body: {}, origin: publicUrl });
    world.plex.plexTv.approvePin(started.body.code, OWNER_ID);
    const done = await client.request('POST', '/api/v1/auth/plex/poll', {
      body: { state: started.body.state },
      origin: publicUrl,
    });
    const cookie = done.headers.getSetCookie().find((c) => c.startsWith('mn_session='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(/; Secure/.test(cookie as string)).toBe(secure);
  });
});

describe('CSRF', () => {
  it.each([
    ['a foreign Origin', { origin: 'https://evil.example.com' }],
    ['no Origin and no Sec-Fetch-Site', { origin: null }],
    ['a cross-site Sec-Fetch-Site', { origin: null, headers: { 'sec-fetch-site': 'cross-site' } }],
    ['the right host on another port', { origin: 'http://localhost:3001' }],
  ])('refuses unsafe methods with %s', async (_, opts) => {
    const client = await signInWithPlex(world, OWNER_ID);
    const res = await client.request('POST', '/api/v1/auth/sign-out', opts);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('csrf.origin_mismatch');
    // Still signed in: the forged request did nothing.
    expect((await client.request('GET', '/api/v1/me')).status).toBe(200);
  });

  it('accepts Sec-Fetch-Site: same-origin without an Origin, and lets safe methods through', async () => {
    const client = await signInWithPlex(world, OWNER_ID);
    expect(
      (await client.request('GET', '/api/v1/me', { headers: { origin: 'https://evil.example.com' } })).status,
    ).toBe(200);
    const res = await client.request('POST', '/api/v1/auth/sign-out', {
      origin: null,
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    expect(res.status).toBe(204);
  });
});

describe('sign-out and sessions', () => {
  it('sign-out ends this session only; a revoked token is refused', async () => {
    const laptop = await signInWithPlex(world, OWNER_ID);
    const phone = await signInWithPlex(world, OWNER_ID);
    const token = laptop.cookies.get('mn_session') as string;
    const res = await laptop.request('POST', '/api/v1/auth/sign-out');
    expect(res.status).toBe(204);
    expect(laptop.cookies.has('mn_session')).toBe(false);
    const replay = new Client(world.app);
    replay.cookies.set('mn_session', token);
    expect((await replay.request('GET', '/api/v1/me')).status).toBe(401);
    expect((await phone.request('GET', '/api/v1/me')).status).toBe(200);
  });

  it('sign-out-everywhere ends every session of the user and no one else’s', async () => {
    const a = await signInWithPlex(world, OWNER_ID);
    const b = await signInWithPlex(world, OWNER_ID);
    const frank = await signInWithPlex(world, FRIEND_IDS[0]);
    expect((await a.request('POST', '/api/v1/auth/sign-out-everywhere')).status).toBe(204);
    expect((await a.request('GET', '/api/v1/me')).status).toBe(401);
    expect((await b.request('GET', '/api/v1/me')).status).toBe(401);
    expect((await frank.request('GET', '/api/v1/me')).status).toBe(200);
  });

  it('lists my sessions with the current one marked, and revokes another', async () => {
    const laptop = await signInWithPlex(world, OWNER_ID, new Client(world.app, { ip: '203.0.113.1' }));
    world.clock.advance(1000);
    const phone = await signInWithPlex(world, OWNER_ID, new Client(world.app, { ip: '203.0.113.2' }));
    const list = await laptop.request('GET', '/api/v1/me/sessions');
    expect(list.status).toBe(200);
    expect(list.body.sessions).toHaveLength(2);
    const [newest, oldest] = list.body.sessions;
    expect(newest).toMatchObject({
      current: false,
      ip: '203.0.113.2',
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(oldest).toMatchObject({ current: true, ip: '203.0.113.1' });
    expect(list.text).not.toContain(laptop.cookies.get('mn_session'));
    expect((await laptop.request('DELETE', `/api/v1/me/sessions/${newest.id}`)).status).toBe(204);
    expect((await phone.request('GET', '/api/v1/me')).status).toBe(401);
    const bad = await laptop.request('DELETE', '/api/v1/me/sessions/xyz');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('id');
    expect((await laptop.request('DELETE', '/api/v1/me/sessions/0123456789abcdef')).status).toBe(404);
  });
});

describe('identities', () => {
  it('refuses a second Plex account and never unlinks the last identity', async () => {
    const olivia = await signInWithPlex(world, OWNER_ID);
    // Link flow: start → approve as frank → poll. Frank's Plex account is free, but Olivia already has Plex.
    const started = await olivia.request('POST', '/api/v1/me/identities/plex/start', {
      body: { forwardUrl: `${PUBLIC_URL}/account` },
    });
    expect(started.status).toBe(200);
    world.plex.plexTv.approvePin(started.body.code, FRIEND_IDS[0]);
    const linked = await olivia.request('POST', '/api/v1/me/identities/plex/poll', {
      body: { state: started.body.state },
    });
    expect(linked.status).toBe(409);
    expect(linked.body.error.code).toBe('user.plex_already_linked');
    const last = await olivia.request('DELETE', `/api/v1/me/identities/plex/${OWNER_ID}`);
    expect(last.status).toBe(409);
    expect(last.body.error.code).toBe('user.last_identity');
    const unknown = await olivia.request('DELETE', '/api/v1/me/identities/github/42');
    expect(unknown.status).toBe(404);
  });

  it('re-linking the same Plex account refreshes it and answers linked', async () => {
    const olivia = await signInWithPlex(world, OWNER_ID);
    const started = await olivia.request('POST', '/api/v1/me/identities/plex/start', { body: {} });
    expect(
      (
        await olivia.request('POST', '/api/v1/me/identities/plex/poll', {
          body: { state: started.body.state },
        })
      ).body,
    ).toEqual({
      status: 'pending',
    });
    world.plex.plexTv.approvePin(started.body.code, OWNER_ID);
    const linked = await olivia.request('POST', '/api/v1/me/identities/plex/poll', {
      body: { state: started.body.state },
    });
    expect(linked.status).toBe(200);
    expect(linked.body).toMatchObject({ status: 'linked', user: { name: 'Olivia Owner' } });
  });
});

describe('bad input on the account routes', () => {
  it.each([
    ['POST', '/api/v1/me/identities/plex/start', { forwardUrl: 'ftp://x' }, 'body.forwardUrl'],
    ['POST', '/api/v1/me/identities/plex/poll', {}, 'body.state'],
    ['POST', '/api/v1/me/identities/plex/poll', { state: 'A'.repeat(43) }, 'This sign-in attempt is unknown'],
    ['DELETE', '/api/v1/me/identities/NOT%20A%20PROVIDER/x', undefined, 'expected a provider like'],
    ['DELETE', '/api/v1/me/sessions/ABC', undefined, 'param.id'],
  ])('%s %s %j → 4xx naming the problem', async (method, path, body, message) => {
    const client = await signInWithPlex(world, OWNER_ID);
    const res = await client.request(method, path, body === undefined ? {} : { body });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.error.message).toContain(message);
  });
});
