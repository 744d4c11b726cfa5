import { FRIEND_IDS, OWNER_ID } from '@medianest/simulators/scenario/index';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client, PUBLIC_URL, signInWithPlex, startWorld, type World } from '../testing/world.ts';

let world: World;

beforeEach(async () => {
  world = await startWorld({
    app: {
      signInLimits: {
        startPerIp: { limit: 3, windowSeconds: 60 },
        perAccount: { limit: 2, windowSeconds: 3600 },
      },
    },
  });
});
afterEach(() => world.close());

describe('Plex sign-in', () => {
  it('start → approve on plex.tv → poll sets the session cookie → /me', async () => {
    // arrange
    const client = new Client(world.app);
    const started = await client.request('POST', '/api/v1/auth/plex/start', {
      body: { forwardUrl: `${PUBLIC_URL}/sign-in` },
    });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({
      state: expect.stringMatching(/^[\w-]{43}$/),
      code: expect.any(String),
      expiresAt: expect.any(Number),
      pollIntervalMs: 2000,
    });
    expect(started.body.authUrl).toContain(`${world.plex.plexTv.url}/auth#?`);
    expect(started.body.authUrl).toContain(`code=${started.body.code}`);
    const pending = await client.request('POST', '/api/v1/auth/plex/poll', {
      body: { state: started.body.state },
    });
    expect(pending.body).toEqual({ status: 'pending' });
    expect(pending.headers.getSetCookie()).toEqual([]);
    // act
    world.plex.plexTv.approvePin(started.body.code, OWNER_ID);
    const done = await client.request('POST', '/api/v1/auth/plex/poll', {
      body: { state: started.body.state },
    });
    // assert
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      status: 'signed_in',
      user: { name: 'Olivia Owner', email: 'olivia@example.test' },
    });
    const cookie = done.headers.getSetCookie().find((c) => c.startsWith('mn_session='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/i);
    expect(done.text).not.toContain('tok-olivia');
    const me = await client.request('GET', '/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      user: {
        id: expect.stringMatching(/^usr_/),
        name: 'Olivia Owner',
        email: 'olivia@example.test',
        avatarUrl: expect.any(String),
      },
      identities: [{ provider: 'plex', subject: String(OWNER_ID), label: 'olivia' }],
      households: [],
    });
    expect(me.text).not.toContain('tok-olivia');
    // The state was used up by the sign-in.
    const replay = await client.request('POST', '/api/v1/auth/plex/poll', {
      body: { state: started.body.state },
    });
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('signin.invalid_state');
  });

  it('answers 410 auth.pin_expired once plex.tv forgot the PIN', async () => {
    const client = new Client(world.app);
    const started = await client.request('POST', '/api/v1/auth/plex/start', { body: {} });
    world.skewPlexTv(16 * 60 * 1000);
    const res = await client.request('POST', '/api/v1/auth/plex/poll', {
      body: { state: started.body.state },
    });
    expect(res.status).toBe(410);
    expect(res.body.error).toMatchObject({ code: 'auth.pin_expired', requestId: expect.any(String) });
  });

  it.each([
    ['/api/v1/auth/plex/start', { forwardUrl: 'javascript:alert(1)' }, 'body.forwardUrl'],
    ['/api/v1/auth/plex/start', { forwardUrl: 'https://evil.example.com/x' }, 'forwardUrl must be a page of'],
    ['/api/v1/auth/plex/poll', {}, 'body.state'],
    ['/api/v1/auth/plex/poll', { state: '12345' }, 'body.state: not a sign-in state'],
  ])('POST %s %j → 400 with a clear message', async (path, body, message) => {
    const res = await new Client(world.app).request('POST', path, { body });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(message);
  });

  it('accepts a forwardUrl on the origin the browser verifiably came from', async () => {
    const client = new Client(world.app);
    const res = await client.request('POST', '/api/v1/auth/plex/start', {
      body: { forwardUrl: 'http://127.0.0.1:3000/sign-in' },
      origin: 'http://127.0.0.1:3000',
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    expect(res.status).toBe(200);
    expect(decodeURIComponent(res.body.authUrl)).toContain('forwardUrl=http://127.0.0.1:3000/sign-in');
    // The same claim without the browser's same-origin word is refused.
    const forged = await client.request('POST', '/api/v1/auth/plex/start', {
      body: { forwardUrl: 'http://127.0.0.1:3000/sign-in' },
    });
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe('auth.forward_url');
  });

  it('rate-limits sign-in starts per client address with 429 and Retry-After', async () => {
    const a = new Client(world.app, { ip: '203.0.113.5' });
    for (let i = 0; i < 3; i++)
      expect((await a.request('POST', '/api/v1/auth/plex/start', { body: {} })).status).toBe(200);
    const limited = await a.request('POST', '/api/v1/auth/plex/start', { body: {} });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body.error.code).toBe('rate_limited');
    // Another address has its own budget.
    const b = new Client(world.app, { ip: '203.0.113.6' });
    expect((await b.request('POST', '/api/v1/auth/plex/start', { body: {} })).status).toBe(200);
  });

  it('rate-limits completed sign-ins per account, and the refused one leaves no session', async () => {
    await signInWithPlex(world, FRIEND_IDS[0], new Client(world.app, { ip: '192.0.2.1' }));
    await signInWithPlex(world, FRIEND_IDS[0], new Client(world.app, { ip: '192.0.2.2' }));
    const third = new Client(world.app, { ip: '192.0.2.3' });
    const started = await third.request('POST', '/api/v1/auth/plex/start', { body: {} });
    world.plex.plexTv.approvePin(started.body.code, FRIEND_IDS[0]);
    const res = await third.request('POST', '/api/v1/auth/plex/poll', {
      body: { state: started.body.state },
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(third.cookies.has('mn_session')).toBe(false);
  });
});

describe('providers', () => {
  it('lists Plex and the configured OAuth providers', async () => {
    await world.close();
    world = await startWorld({
      env: {
        MEDIANEST_GITHUB_CLIENT_ID: 'gh',
        MEDIANEST_GITHUB_CLIENT_SECRET: 'x',
        MEDIANEST_OIDC_AUTHENTIK_ISSUER: 'https://auth.example.com/application/o/mn/',
        MEDIANEST_OIDC_AUTHENTIK_CLIENT_ID: 'mn',
        MEDIANEST_OIDC_AUTHENTIK_CLIENT_SECRET: 'y',
        MEDIANEST_OIDC_AUTHENTIK_NAME: 'Authentik',
      },
    });
    const res = await new Client(world.app).request('GET', '/api/v1/auth/providers');
    expect(res.body).toEqual({
      providers: [
        { id: 'plex', name: 'Plex', kind: 'plex' },
        { id: 'authentik', name: 'Authentik', kind: 'oidc' },
        { id: 'github', name: 'GitHub', kind: 'github' },
      ],
    });
  });

  it('sends GitHub sign-ins to github.com with our callback and a state cookie', async () => {
    await world.close();
    world = await startWorld({
      env: { MEDIANEST_GITHUB_CLIENT_ID: 'gh-id', MEDIANEST_GITHUB_CLIENT_SECRET: 'x' },
    });
    const client = new Client(world.app);
    const res = await client.request('GET', '/api/v1/auth/oidc/github/start?returnTo=/account');
    expect(res.status).toBe(302);
    const url = new URL(res.headers.get('location') as string);
    expect(url.origin + url.pathname).toBe('https://github.com/login/oauth/authorize');
    expect(url.searchParams.get('client_id')).toBe('gh-id');
    expect(url.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/api/v1/auth/oidc/github/callback`);
    expect(url.searchParams.get('state')).toBe(client.cookies.get('mn_oauth'));
  });

  it.each([
    ['/api/v1/auth/oidc/nope/start', 404, 'No sign-in provider "nope" is configured'],
    [
      '/api/v1/auth/oidc/github/start?returnTo=//evil.example.com',
      400,
      'query.returnTo: expected a path on this site',
    ],
    ['/api/v1/auth/oidc/github/callback?code=x', 400, 'query.state'],
    ['/api/v1/auth/oidc/github/callback?code=x&state=forged', 400, 'This sign-in attempt is unknown'],
  ])('GET %s → %i with a clear message', async (path, status, message) => {
    await world.close();
    world = await startWorld({
      env: { MEDIANEST_GITHUB_CLIENT_ID: 'gh-id', MEDIANEST_GITHUB_CLIENT_SECRET: 'x' },
    });
    const res = await new Client(world.app).request('GET', path);
    expect(res.status).toBe(status);
    expect(res.body.error.message).toContain(message);
  });
});
