import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDeps, type TestDeps } from '../actor/testing.ts';
import * as OAuthState from './oauth-state.ts';

let deps: TestDeps;
beforeEach(() => {
  deps = createTestDeps();
});
afterEach(() => deps.close());

const verifier = 'v'.repeat(43);

describe('OAuth state', () => {
  it('gives back the verifier and nonce once, and refuses a replay', async () => {
    // arrange
    const { state } = await OAuthState.create(deps, {
      provider: 'oidc:authentik',
      codeVerifier: verifier,
      nonce: 'n'.repeat(16),
      returnTo: '/households',
    });
    // act
    const stored = await OAuthState.consume(deps, { state, provider: 'oidc:authentik' });
    // assert
    expect(stored).toEqual({
      provider: 'oidc:authentik',
      codeVerifier: verifier,
      nonce: 'n'.repeat(16),
      returnTo: '/households',
      linkUserId: null,
    });
    await expect(OAuthState.consume(deps, { state, provider: 'oidc:authentik' })).rejects.toBeInstanceOf(
      OAuthState.OAuthStateError,
    );
  });

  it('lets exactly one of two simultaneous callbacks through', async () => {
    const { state } = await OAuthState.create(deps, { provider: 'github', codeVerifier: verifier });
    const outcomes = await Promise.allSettled(
      [1, 2, 3].map(() => OAuthState.consume(deps, { state, provider: 'github' })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
  });

  it('refuses an expired, unknown, malformed or cross-provider state', async () => {
    const a = await OAuthState.create(deps, { provider: 'github' });
    const b = await OAuthState.create(deps, { provider: 'github' });
    await expect(OAuthState.consume(deps, { state: b.state, provider: 'google' })).rejects.toBeInstanceOf(
      OAuthState.OAuthStateError,
    );
    await expect(OAuthState.consume(deps, { state: b.state, provider: 'github' })).rejects.toBeInstanceOf(
      OAuthState.OAuthStateError,
    );
    deps.clock.advance(OAuthState.STATE_TTL_SECONDS * 1000);
    await expect(OAuthState.consume(deps, { state: a.state, provider: 'github' })).rejects.toBeInstanceOf(
      OAuthState.OAuthStateError,
    );
    for (const bad of ['', 'x', 'A'.repeat(43)]) {
      await expect(OAuthState.consume(deps, { state: bad, provider: 'github' })).rejects.toBeInstanceOf(
        OAuthState.OAuthStateError,
      );
    }
  });

  it('stores no secret in the clear and refuses an open redirect', async () => {
    const { state } = await OAuthState.create(deps, { provider: 'github', codeVerifier: verifier });
    const dump = JSON.stringify(
      await deps.table.query({
        pk: `OAS#${createHash('sha256').update(state).digest('hex')}`,
      }),
    );
    expect(dump).not.toContain(verifier);
    expect(dump).not.toContain(state);
    for (const returnTo of ['https://evil.example/', '//evil.example', '/\\evil']) {
      await expect(OAuthState.create(deps, { provider: 'github', returnTo })).rejects.toMatchObject({
        kind: 'invalid',
      });
    }
  });
});
