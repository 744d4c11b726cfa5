/**
 * OpenID Connect end to end against a real provider (npm `oidc-provider`) on loopback: discovery,
 * authorization code + PKCE + state + nonce, the provider's own login and consent pages driven
 * over HTTP, the token exchange, and the ID token checked by signature, issuer, audience, expiry
 * and nonce.
 */
import { OWNER_ID } from '@medianest/simulators/scenario/index';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loginAtIdp, startTestIdp, type TestIdp } from '../testing/oidc-idp.ts';
import { Client, PUBLIC_URL, signInWithPlex, startWorld, type World } from '../testing/world.ts';

const CALLBACK = `${PUBLIC_URL}/api/v1/auth/oidc/idp/callback`;
let idp: TestIdp;
let world: World;

beforeAll(async () => {
  idp = await startTestIdp({
    clientId: 'medianest',
    clientSecret: 'medianest-secret',
    redirectUri: CALLBACK,
  });
});
afterAll(() => idp.close());
beforeEach(async () => {
  world = await startWorld({
    env: {
      MEDIANEST_OIDC_IDP_ISSUER: idp.issuer,
      MEDIANEST_OIDC_IDP_CLIENT_ID: 'medianest',
      MEDIANEST_OIDC_IDP_CLIENT_SECRET: 'medianest-secret',
      MEDIANEST_OIDC_IDP_NAME: 'Test IdP',
    },
  });
  // The IdP checks `exp`/`iat` against the real time; MediaNest's fake clock must agree.
  world.clock.set(Date.now());
});
afterEach(async () => {
  idp.tamper = undefined;
  await world.close();
});

/** Starts at MediaNest, logs in at the IdP, and returns the callback URL the IdP sent the browser to. */
async function throughIdp(client: Client, login: string, rewrite?: (url: URL) => void): Promise<string> {
  const start = await client.request('GET', '/api/v1/auth/oidc/idp/start?returnTo=/households/new');
  expect(start.status).toBe(302);
  const authorize = new URL(start.headers.get('location') as string);
  expect(authorize.origin).toBe(idp.issuer);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
  expect(authorize.searchParams.get('nonce')).toMatch(/^[\w-]{43}$/);
  expect(authorize.searchParams.get('state')).toBe(client.cookies.get('mn_oauth'));
  rewrite?.(authorize);
  return loginAtIdp(authorize.toString(), login, CALLBACK);
}

const local = (url: string) => url.slice(PUBLIC_URL.length);

describe('OIDC sign-in', () => {
  it('signs a new user in, then finds the same user on the next sign-in', async () => {
    // arrange
    const browser = new Client(world.app);
    // act
    const callback = await throughIdp(browser, 'alice');
    const done = await browser.request('GET', local(callback));
    // assert
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/households/new');
    expect(browser.cookies.has('mn_session')).toBe(true);
    expect(browser.cookies.has('mn_oauth')).toBe(false);
    const me = await browser.request('GET', '/api/v1/me');
    expect(me.body).toMatchObject({
      user: { name: 'Alice from the IdP', email: 'alice@idp.example.test' },
      identities: [{ provider: 'oidc:idp', subject: 'alice', label: 'alice@idp.example.test' }],
    });
    const again = new Client(world.app);
    await again.request('GET', local(await throughIdp(again, 'alice')));
    expect((await again.request('GET', '/api/v1/me')).body.user.id).toBe(me.body.user.id);
  });

  it('links the identity when the browser is already signed in (with Plex)', async () => {
    const olivia = await signInWithPlex(world, OWNER_ID);
    const done = await olivia.request('GET', local(await throughIdp(olivia, 'olivia')));
    expect(done.status).toBe(302);
    const me = await olivia.request('GET', '/api/v1/me');
    expect(me.body.identities).toEqual([
      { provider: 'plex', subject: String(OWNER_ID), label: 'olivia' },
      { provider: 'oidc:idp', subject: 'olivia', label: 'olivia@idp.example.test' },
    ]);
    // Now the OIDC identity alone signs Olivia in.
    const other = new Client(world.app);
    await other.request('GET', local(await throughIdp(other, 'olivia')));
    expect((await other.request('GET', '/api/v1/me')).body.user.id).toBe(me.body.user.id);
    // And it can be unlinked again, leaving Plex.
    expect((await olivia.request('DELETE', '/api/v1/me/identities/oidc:idp/olivia')).status).toBe(204);
  });

  it('links only when the flow started signed in', async () => {
    // Started anonymous, signed in with Plex in another tab meanwhile: the callback signs in as
    // the OIDC user (replacing the Plex session), it does not attach the identity to Olivia.
    const browser = new Client(world.app);
    const callback = await throughIdp(browser, 'grace');
    await signInWithPlex(world, OWNER_ID, browser);
    const plexToken = browser.cookies.get('mn_session');
    expect((await browser.request('GET', local(callback))).status).toBe(302);
    const me = await browser.request('GET', '/api/v1/me');
    expect(me.body.identities).toEqual([
      { provider: 'oidc:idp', subject: 'grace', label: 'grace@idp.example.test' },
    ]);
    const old = new Client(world.app);
    old.cookies.set('mn_session', plexToken as string);
    expect((await old.request('GET', '/api/v1/me')).status).toBe(401);
    // Started signed in, signed out before the callback: nothing is linked.
    const olivia = await signInWithPlex(world, OWNER_ID);
    const linkCallback = await throughIdp(olivia, 'heidi');
    await olivia.request('POST', '/api/v1/auth/sign-out');
    const res = await olivia.request('GET', local(linkCallback));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('auth.link_session_changed');
  });

  it('refuses a replayed state', async () => {
    const browser = new Client(world.app);
    const callback = await throughIdp(browser, 'bob');
    const state = new URL(callback).searchParams.get('state') as string;
    expect((await browser.request('GET', local(callback))).status).toBe(302);
    // The same callback again, even with the state cookie put back.
    const replay = new Client(world.app);
    replay.cookies.set('mn_oauth', state);
    const res = await replay.request('GET', local(callback));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('auth.invalid_state');
    expect(replay.cookies.has('mn_session')).toBe(false);
  });

  it('refuses a callback that was started by another browser (login CSRF)', async () => {
    const attacker = new Client(world.app);
    const callback = await throughIdp(attacker, 'mallory');
    const victim = new Client(world.app);
    const res = await victim.request('GET', local(callback));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('auth.invalid_state');
    expect(victim.cookies.has('mn_session')).toBe(false);
  });

  it('refuses an ID token issued for another nonce', async () => {
    const browser = new Client(world.app);
    const callback = await throughIdp(browser, 'carol', (url) =>
      url.searchParams.set('nonce', 'x'.repeat(43)),
    );
    const res = await browser.request('GET', local(callback));
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({
      code: 'auth.id_token_invalid',
      message: expect.stringContaining('nonce'),
    });
    expect(browser.cookies.has('mn_session')).toBe(false);
  });

  it('refuses a tampered ID token', async () => {
    // Changes the claims but keeps the signature: the signature no longer matches.
    idp.tamper = (token) => {
      const [header, payload, signature] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString());
      claims.sub = 'sub-admin';
      return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
    };
    const browser = new Client(world.app);
    const res = await browser.request('GET', local(await throughIdp(browser, 'dave')));
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({
      code: 'auth.id_token_invalid',
      message: expect.stringContaining('ERR_JWS_SIGNATURE_VERIFICATION_FAILED'),
    });
    expect(browser.cookies.has('mn_session')).toBe(false);
  });

  it('refuses a callback whose state expired', async () => {
    const browser = new Client(world.app);
    const callback = await throughIdp(browser, 'erin');
    world.clock.advance(11 * 60 * 1000);
    const res = await browser.request('GET', local(callback));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('auth.invalid_state');
  });

  it('passes the provider’s refusal on as a clear 400', async () => {
    const browser = new Client(world.app);
    const start = await browser.request('GET', '/api/v1/auth/oidc/idp/start');
    const state = new URL(start.headers.get('location') as string).searchParams.get('state');
    const res = await browser.request(
      'GET',
      `/api/v1/auth/oidc/idp/callback?error=access_denied&error_description=End-User+aborted&state=${state}`,
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'auth.provider_error',
      message: 'Test IdP did not sign you in (access_denied: End-User aborted)',
    });
  });

  it('rate-limits callbacks per client address and sign-ins per account', async () => {
    await world.close();
    world = await startWorld({
      env: {
        MEDIANEST_OIDC_IDP_ISSUER: idp.issuer,
        MEDIANEST_OIDC_IDP_CLIENT_ID: 'medianest',
        MEDIANEST_OIDC_IDP_CLIENT_SECRET: 'medianest-secret',
      },
      app: {
        signInLimits: {
          callbackPerIp: { limit: 2, windowSeconds: 600 },
          perAccount: { limit: 1, windowSeconds: 3600 },
        },
      },
    });
    world.clock.set(Date.now());
    // Per account: the second sign-in of frank within the hour is refused, from another address.
    const first = new Client(world.app, { ip: '198.51.100.7' });
    expect((await first.request('GET', local(await throughIdp(first, 'frank')))).status).toBe(302);
    const second = new Client(world.app, { ip: '198.51.100.8' });
    const limited = await second.request('GET', local(await throughIdp(second, 'frank')));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(second.cookies.has('mn_session')).toBe(false);
    // Per address: the third callback from 198.51.100.8 is refused before anything is checked.
    const third = await second.request('GET', '/api/v1/auth/oidc/idp/callback?code=x&state=y');
    expect(third.status).toBe(400);
    const fourth = await second.request('GET', '/api/v1/auth/oidc/idp/callback?code=x&state=y');
    expect(fourth.status).toBe(429);
  });
});
