/**
 * Sign in with Plex (PIN flow v2, PROTOCOLS.md §1), from "show me a code" to a session.
 *
 * plex.tv ties a PIN to our client identifier, which is the same for every visitor, and PIN ids
 * are sequential: whoever can poll a PIN id through us gets the token of whoever approved it. So
 * the PIN id never leaves the server. The browser gets an unguessable `state` instead (kept in a
 * cookie by the HTTP layer); only its SHA-256 is stored, with the PIN id, and the first poll that
 * finds the PIN approved consumes it with a conditional delete, so one approval makes one session.
 *
 * Access pattern: `PSI#<sha256(state)>` / `PLEX_SIGNIN`, TTL = the PIN's expiry.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { useUser } from '../actor/context.ts';
import type { DomainDeps } from '../actor/deps.ts';
import { fn } from '../actor/fn.ts';
import { AppError } from '../error/index.ts';
import { PlexPinExpiredError } from '../plex/errors.ts';
import type { PlexTvClient } from '../plex/plex-tv-client.ts';
import type { PlexUser } from '../plex/schema.ts';
import { ConditionFailedError, type Item, type Key } from '../port/table.ts';
import * as User from '../user/user.ts';
import { type CreatedSession, create as createSession, type SessionDeps } from './session.ts';

export interface PlexSignInDeps extends DomainDeps, SessionDeps {
  plexTv: PlexTvClient;
}

/** plex.tv's PIN lifetime; the state dies with it. */
const DEFAULT_PIN_SECONDS = 900;

const State = z.string().regex(/^[A-Za-z0-9_-]{43}$/, { error: 'not a sign-in state' });

interface PendingItem extends Item {
  type: 'plex_sign_in';
  pinId: number;
  code: string;
  expiresAt: number;
  ttl: number;
}

const keyOf = (state: string): Key => ({
  pk: `PSI#${createHash('sha256').update(state).digest('hex')}`,
  sk: 'PLEX_SIGNIN',
});

export class SignInStateError extends AppError {
  override name = 'SignInStateError';
  constructor() {
    super(
      'unauthorized',
      'signin.invalid_state',
      'This sign-in attempt is unknown, used or expired; start again',
    );
  }
}

export const StartInput = z.object({
  /** Where plex.tv's auth page sends the browser back (the page that polls). */
  forwardUrl: z.url({ protocol: /^https?$/ }).optional(),
});

export interface StartedSignIn {
  /** Secret: the HTTP layer keeps it in an HttpOnly cookie and passes it back to `poll…`. */
  state: string;
  /** The code plex.tv shows (and plex.tv/link accepts). */
  code: string;
  /** Where to send the browser (a popup or a redirect). */
  authUrl: string;
  expiresAt: number;
}

/** Creates a PIN and remembers it under a fresh state. */
export const start = fn(StartInput, async (deps: PlexSignInDeps, input): Promise<StartedSignIn> => {
  const pin = await deps.plexTv.createPin({ strong: true });
  const state = randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  const expiresAt = now + (pin.expiresIn ?? DEFAULT_PIN_SECONDS) * 1000;
  const item: PendingItem = {
    ...keyOf(state),
    type: 'plex_sign_in',
    pinId: pin.id,
    code: pin.code,
    expiresAt,
    ttl: Math.ceil(expiresAt / 1000),
  };
  await deps.table.put(item, { attr: 'pk', exists: false });
  return {
    state,
    code: pin.code,
    authUrl: deps.plexTv.authUrl({
      code: pin.code,
      ...(input.forwardUrl ? { forwardUrl: input.forwardUrl } : {}),
    }),
    expiresAt,
  };
});

type Approved = { status: 'approved'; account: PlexUser; token: string };

/** Checks the PIN behind `state`; once approved, consumes the state (exactly one caller wins). */
async function check(deps: PlexSignInDeps, state: string): Promise<{ status: 'pending' } | Approved> {
  const key = keyOf(State.parse(state));
  const pending = await deps.table.get<PendingItem>(key);
  if (!pending || pending.expiresAt <= deps.clock.now()) throw new SignInStateError();
  let pin: Awaited<ReturnType<PlexTvClient['checkPin']>>;
  try {
    pin = await deps.plexTv.checkPin(pending.pinId);
  } catch (error) {
    if (error instanceof PlexPinExpiredError) await deps.table.delete(key);
    throw error;
  }
  if (!pin.authToken) return { status: 'pending' };
  const token = pin.authToken;
  const account = await deps.plexTv.getUser(token);
  try {
    await deps.table.delete(key, { attr: 'pk', exists: true });
  } catch (error) {
    if (error instanceof ConditionFailedError) throw new SignInStateError();
    throw error;
  }
  return { status: 'approved', account, token };
}

export const PollInput = z.object({
  state: State,
  userAgent: z.string().max(512).nullable().optional(),
  ip: z.string().max(64).nullable().optional(),
});

export type SignInResult =
  | { status: 'pending' }
  | ({ status: 'complete'; user: User.Info; created: boolean } & CreatedSession);

/**
 * One poll of a sign-in: `pending` until the person approves on plex.tv, then the MediaNest user
 * (created on first sign-in, Plex token stored encrypted) and a new session.
 */
export const poll = fn(PollInput, async (deps: PlexSignInDeps, input): Promise<SignInResult> => {
  const result = await check(deps, input.state);
  if (result.status === 'pending') return result;
  const { user, created } = await User.upsertFromPlex(deps, { account: result.account, token: result.token });
  const session = await createSession(deps, {
    userId: user.id,
    userAgent: input.userAgent ?? null,
    ip: input.ip ?? null,
  });
  return { status: 'complete', user, created, ...session };
});

export const PollLinkInput = z.object({ state: State });

/** Like `poll`, but links the approving Plex account to the signed-in user instead of signing in. */
export const pollLink = fn(
  PollLinkInput,
  async (
    deps: PlexSignInDeps,
    input,
  ): Promise<{ status: 'pending' } | { status: 'linked'; user: User.Info }> => {
    useUser();
    const result = await check(deps, input.state);
    if (result.status === 'pending') return result;
    const user = await User.linkIdentity(deps, {
      provider: 'plex',
      account: result.account,
      token: result.token,
    });
    return { status: 'linked', user };
  },
);
