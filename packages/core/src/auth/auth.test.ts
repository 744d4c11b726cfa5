import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDeps, type TestDeps } from '../actor/testing.ts';
import { FakeClock } from '../port/clock.ts';
import { loadConfig } from '../system/config.ts';
import {
  callbackUrl,
  checkOrigin,
  createAuthProviders,
  discover,
  OAuthState,
  plexClientIdentifier,
  verifyIdToken,
} from './index.ts';

describe('checkOrigin', () => {
  const url = 'https://media.example.com';
  it.each([
    [{ origin: 'https://media.example.com' }, true],
    [{ origin: 'https://media.example.com:443' }, true],
    [{ secFetchSite: 'same-origin' }, true],
    [{ origin: 'https://evil.example.com' }, false],
    [{ origin: 'http://media.example.com' }, false],
    [{ origin: 'null' }, false],
    [{ origin: 'not a url' }, false],
    [{ secFetchSite: 'same-site' }, false],
    [{}, false],
  ])('%j → %s', (headers, ok) => {
    expect(checkOrigin(headers, url).ok).toBe(ok);
  });
});

describe('OAuth state', () => {
  let deps: TestDeps;
  beforeEach(() => {
    deps = createTestDeps();
  });
  afterEach(() => deps.close());

  it('is single use, even under concurrent callbacks', async () => {
    const begun = await OAuthState.begin(deps, { provider: 'x', returnTo: '/', linkUserId: null });
    expect(begun.codeVerifier).not.toBe(begun.nonce);
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => OAuthState.consume(deps, begun.state)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.find((o) => o.status === 'fulfilled')).toMatchObject({
      value: { provider: 'x', nonce: begun.nonce, codeVerifier: begun.codeVerifier, returnTo: '/' },
    });
    for (const o of outcomes)
      if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(OAuthState.OAuthStateError);
  });

  it('expires after ten minutes and refuses malformed states', async () => {
    const begun = await OAuthState.begin(deps, { provider: 'x', returnTo: '/', linkUserId: null });
    deps.clock.advance(OAuthState.STATE_TTL_SECONDS * 1000);
    await expect(OAuthState.consume(deps, begun.state)).rejects.toBeInstanceOf(OAuthState.OAuthStateError);
    await expect(OAuthState.consume(deps, 'short')).rejects.toMatchObject({ code: 'auth.invalid_state' });
  });
});

describe('plexClientIdentifier', () => {
  it('uses the configured id, else generates one once and keeps it', async () => {
    const deps = createTestDeps();
    try {
      expect(await plexClientIdentifier(deps.table, 'configured-id')).toBe('configured-id');
      const ids = await Promise.all([1, 2, 3].map(() => plexClientIdentifier(deps.table, undefined)));
      expect(new Set(ids).size).toBe(1);
      expect(ids[0]).toMatch(/^medianest-[0-9a-f-]{36}$/);
      expect(await plexClientIdentifier(deps.table, undefined)).toBe(ids[0]);
    } finally {
      await deps.close();
    }
  });
});

describe('verifyIdToken', () => {
  const clock = new FakeClock(Date.UTC(2035, 0, 1));
  const now = () => Math.floor(clock.now() / 1000);
  let sign: (claims: Record<string, unknown>, key?: CryptoKey) => Promise<string>;
  let other: CryptoKey;
  let jwks: ReturnType<typeof createLocalJWKSet>;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    other = (await generateKeyPair('RS256')).privateKey;
    jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' }] });
    sign = (claims, key = privateKey) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(key);
  });

  const base = () => ({
    iss: 'https://idp.test',
    aud: 'mn',
    sub: 'u1',
    nonce: 'n1',
    iat: now(),
    exp: now() + 300,
  });
  const verify = (idToken: string) =>
    verifyIdToken({ idToken, issuer: 'https://idp.test', audience: 'mn', nonce: 'n1', jwks, clock });

  it('accepts a good token and returns its claims', async () => {
    expect(await verify(await sign(base()))).toMatchObject({ sub: 'u1' });
  });

  it.each([
    ['another issuer', { iss: 'https://evil.test' }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['another audience', { aud: 'someone-else' }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['an expired token', { exp: now() - 3600, iat: now() - 7200 }, 'ERR_JWT_EXPIRED'],
    ['another nonce', { nonce: 'n2' }, 'nonce mismatch'],
    ['no nonce', { nonce: undefined }, 'nonce mismatch'],
    ['several audiences without azp = us', { aud: ['mn', 'other'] }, 'another client'],
  ])('refuses %s', async (_, change, message) => {
    const token = await sign({ ...base(), ...change });
    await expect(verify(token)).rejects.toMatchObject({
      code: 'auth.id_token_invalid',
      message: expect.stringContaining(message),
    });
  });

  it('refuses a token signed by another key, and a token with edited claims', async () => {
    await expect(verify(await sign(base(), other))).rejects.toMatchObject({ code: 'auth.id_token_invalid' });
    const [h, , s] = (await sign(base())).split('.');
    const forged = [
      h,
      Buffer.from(JSON.stringify({ ...base(), sub: 'admin' })).toString('base64url'),
      s,
    ].join('.');
    await expect(verify(forged)).rejects.toMatchObject({
      message: expect.stringContaining('ERR_JWS_SIGNATURE_VERIFICATION_FAILED'),
    });
  });
});

describe('discover', () => {
  let server: Server;
  let base: string;
  let document: Record<string, unknown>;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/.well-known/openid-configuration')
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document));
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  const endpoints = () => ({
    authorization_endpoint: `${base}/auth`,
    token_endpoint: `${base}/token`,
    jwks_uri: `${base}/jwks`,
  });

  it('reads the endpoints; a trailing slash on the issuer is fine', async () => {
    document = { issuer: `${base}/`, ...endpoints() };
    expect(await discover(base)).toMatchObject({ token_endpoint: `${base}/token` });
  });

  it('refuses a document naming another issuer, or missing endpoints', async () => {
    document = { issuer: 'https://evil.test', ...endpoints() };
    await expect(discover(base)).rejects.toMatchObject({
      code: 'auth.provider_unavailable',
      message: expect.stringContaining('names issuer'),
    });
    document = { issuer: base };
    await expect(discover(base)).rejects.toMatchObject({
      message: expect.stringContaining('token_endpoint'),
    });
    await expect(discover(`${base}/nothing`)).rejects.toMatchObject({ code: 'auth.provider_unavailable' });
  });
});

describe('createAuthProviders', () => {
  it('builds the configured providers with our callback URLs; Google and Discord use PKCE', async () => {
    const config = loadConfig({
      MEDIANEST_GOOGLE_CLIENT_ID: 'g',
      MEDIANEST_GOOGLE_CLIENT_SECRET: 's',
      MEDIANEST_DISCORD_CLIENT_ID: 'd',
      MEDIANEST_DISCORD_CLIENT_SECRET: 's',
    });
    const providers = createAuthProviders(config.identity, {
      publicUrl: 'https://m.example.com',
      clock: new FakeClock(),
    });
    expect(providers.map((p) => [p.id, p.kind])).toEqual([
      ['google', 'google'],
      ['discord', 'discord'],
    ]);
    const input = { state: 's'.repeat(43), codeVerifier: 'v'.repeat(43), nonce: 'n'.repeat(43) };
    const google = await providers[0]!.authorizationUrl(input);
    expect(google.origin).toBe('https://accounts.google.com');
    expect(google.searchParams.get('redirect_uri')).toBe(callbackUrl('https://m.example.com', 'google'));
    expect(google.searchParams.get('code_challenge_method')).toBe('S256');
    expect(google.searchParams.get('nonce')).toBe(input.nonce);
    const discord = await providers[1]!.authorizationUrl(input);
    expect(discord.origin).toBe('https://discord.com');
    expect(discord.searchParams.get('code_challenge_method')).toBe('S256');
    expect(discord.searchParams.get('scope')).toBe('identify email');
  });
});
