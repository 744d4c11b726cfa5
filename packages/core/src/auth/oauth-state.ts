/**
 * The server side of an OAuth/OIDC round trip: the PKCE verifier, the nonce, where to return and
 * (when linking) who asked, stored under the SHA-256 of the `state` the browser carries. Consuming
 * is a conditional delete, so a state works exactly once: a replayed callback finds nothing.
 *
 * Access pattern: `OAS#<sha256(state)>` / `OAUTH_STATE`, TTL = expiry.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../error/index.ts';
import type { Clock } from '../port/clock.ts';
import { ConditionFailedError, type Key, notExists, type Table } from '../port/table.ts';

/** Long enough to log in at the provider (and type a password twice), short enough to be useless later. */
export const STATE_TTL_SECONDS = 10 * 60;

export interface OAuthStateDeps {
  table: Table;
  clock: Clock;
}

export const StateString = z.string().regex(/^[A-Za-z0-9_-]{43}$/, { error: 'not a sign-in state' });

export const PendingAuth = z.object({
  provider: z.string(),
  codeVerifier: z.string(),
  nonce: z.string(),
  /** A path on this site (never an absolute URL: no open redirect). */
  returnTo: z.string(),
  /** Set when a signed-in user started the flow: the callback links instead of signing in. */
  linkUserId: z.string().nullable(),
});
export type PendingAuth = z.infer<typeof PendingAuth>;

export class OAuthStateError extends AppError {
  override name = 'OAuthStateError';
  constructor() {
    super(
      'invalid',
      'auth.invalid_state',
      'This sign-in attempt is unknown, already used or expired; start again',
    );
  }
}

const keyOf = (state: string): Key => ({
  pk: `OAS#${createHash('sha256').update(state).digest('hex')}`,
  sk: 'OAUTH_STATE',
});

const random = () => randomBytes(32).toString('base64url');

/** A fresh state, PKCE verifier and nonce, remembered until used or expired. */
export async function begin(
  deps: OAuthStateDeps,
  input: Pick<PendingAuth, 'provider' | 'returnTo' | 'linkUserId'>,
): Promise<{ state: string } & PendingAuth> {
  const state = random();
  const pending: PendingAuth = { ...input, codeVerifier: random(), nonce: random() };
  const expiresAt = deps.clock.now() + STATE_TTL_SECONDS * 1000;
  await deps.table.put(
    { ...keyOf(state), type: 'oauth_state', ...pending, expiresAt, ttl: Math.ceil(expiresAt / 1000) },
    notExists,
  );
  return { state, ...pending };
}

/** Takes the state out of the store: the first caller gets it, everyone after gets OAuthStateError. */
export async function consume(deps: OAuthStateDeps, state: string): Promise<PendingAuth> {
  if (!StateString.safeParse(state).success) throw new OAuthStateError();
  try {
    const item = await deps.table.delete(keyOf(state), {
      attr: 'expiresAt',
      op: '>',
      value: deps.clock.now(),
    });
    const parsed = PendingAuth.safeParse(item);
    if (!parsed.success) throw new OAuthStateError();
    return parsed.data;
  } catch (error) {
    if (error instanceof ConditionFailedError) throw new OAuthStateError();
    throw error;
  }
}
