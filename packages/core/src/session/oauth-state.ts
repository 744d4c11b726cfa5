/**
 * Server-side, single-use state for OAuth / OIDC sign-in (arctic does the protocol; this keeps
 * what it needs between the redirect out and the callback). The `state` string goes to the
 * provider and comes back on the callback; only its SHA-256 is a key, the PKCE verifier and the
 * OIDC nonce are stored encrypted, and `consume` deletes the item conditionally, so a replayed
 * callback (the same `state` twice) is refused even when both arrive at once.
 *
 * Access pattern: `OAS#<sha256(state)>` / `OAUTH_STATE`, TTL 10 minutes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { DomainDeps } from '../actor/deps.ts';
import { fn } from '../actor/fn.ts';
import { UserId } from '../actor/id.ts';
import { AppError } from '../error/index.ts';
import { ConditionFailedError, type Item, type Key } from '../port/table.ts';
import { Provider } from '../user/user.ts';

export const STATE_TTL_SECONDS = 600;

const StateString = z.string().regex(/^[A-Za-z0-9_-]{43}$/, { error: 'not a sign-in state' });
const keyOf = (state: string): Key => ({
  pk: `OAS#${createHash('sha256').update(state).digest('hex')}`,
  sk: 'OAUTH_STATE',
});
const CONTEXT = { purpose: 'oauth-state' };

export class OAuthStateError extends AppError {
  override name = 'OAuthStateError';
  constructor() {
    super(
      'unauthorized',
      'oauth.invalid_state',
      'This sign-in attempt is unknown, used or expired; start again',
    );
  }
}

export const CreateInput = z.object({
  provider: Provider,
  /** PKCE code verifier (arctic `generateCodeVerifier()`). */
  codeVerifier: z.string().min(43).max(128).optional(),
  /** OIDC nonce, checked against the ID token's `nonce` claim. */
  nonce: z.string().min(16).max(256).optional(),
  /** A path on this site to return to (never an absolute URL: no open redirect). */
  returnTo: z
    .string()
    .max(512)
    .regex(/^\/(?!\/)[^\s\\]*$/, { error: 'returnTo must be a path on this site' })
    .optional(),
  /** Set when a signed-in user is linking this provider rather than signing in. */
  linkUserId: UserId.optional(),
});

export interface StoredState {
  provider: string;
  codeVerifier: string | null;
  nonce: string | null;
  returnTo: string | null;
  linkUserId: string | null;
}

interface StateItem extends Item {
  type: 'oauth_state';
  provider: string;
  secrets: string;
  returnTo: string | null;
  linkUserId: string | null;
  expiresAt: number;
  ttl: number;
}

/** Remembers a fresh authorization request; returns the `state` to send to the provider. */
export const create = fn(
  CreateInput,
  async (deps: DomainDeps, input): Promise<{ state: string; expiresAt: number }> => {
    const state = randomBytes(32).toString('base64url');
    const now = deps.clock.now();
    const expiresAt = now + STATE_TTL_SECONDS * 1000;
    const secrets = await deps.keyring.encrypt(
      JSON.stringify({ codeVerifier: input.codeVerifier ?? null, nonce: input.nonce ?? null }),
      CONTEXT,
    );
    const item: StateItem = {
      ...keyOf(state),
      type: 'oauth_state',
      provider: input.provider,
      secrets,
      returnTo: input.returnTo ?? null,
      linkUserId: input.linkUserId ?? null,
      expiresAt,
      ttl: Math.ceil(expiresAt / 1000),
    };
    await deps.table.put(item, { attr: 'pk', exists: false });
    return { state, expiresAt };
  },
);

export const ConsumeInput = z.object({ state: z.string().max(512), provider: Provider });

/** Takes the state back exactly once, for the provider it was made for; OAuthStateError otherwise. */
export const consume = fn(ConsumeInput, async (deps: DomainDeps, input): Promise<StoredState> => {
  if (!StateString.safeParse(input.state).success) throw new OAuthStateError();
  let item: StateItem | undefined;
  try {
    item = await deps.table.delete<StateItem>(keyOf(input.state), {
      attr: 'expiresAt',
      op: '>',
      value: deps.clock.now(),
    });
  } catch (error) {
    if (error instanceof ConditionFailedError) throw new OAuthStateError();
    throw error;
  }
  // A state made for another provider is spent too: a mixed-up callback must start over.
  if (!item || item.provider !== input.provider) throw new OAuthStateError();
  const secrets = JSON.parse(await deps.keyring.decrypt(item.secrets, CONTEXT)) as {
    codeVerifier: string | null;
    nonce: string | null;
  };
  return {
    provider: item.provider,
    codeVerifier: secrets.codeVerifier,
    nonce: secrets.nonce,
    returnTo: item.returnTo,
    linkUserId: item.linkUserId,
  };
});
