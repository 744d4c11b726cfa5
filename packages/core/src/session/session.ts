/**
 * Sign-in sessions: a random bearer token (the cookie value) whose SHA-256 is the only thing
 * stored, so a leaked table dump cannot be replayed.
 *
 * Access patterns:
 * - validate a token:          `S#<sha256(token)>` / `SESSION` (get)
 * - list a user's sessions:    gsi1 `U#<userId>`, sk begins with `SES#` (newest first)
 * - revoke one / all:          conditional delete of `S#…` (found through the index)
 *
 * Expiry: a session lives `idleSeconds` after its last renewal and never past
 * `createdAt + absoluteSeconds`. `validate` renews it once more than half of the idle window has
 * passed (a write every few days per active session, not one per request). The table's `ttl`
 * follows `expiresAt`, so an expired session disappears from every read and is swept later;
 * `validate` also checks `expiresAt` itself, to the millisecond.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { useUser } from '../actor/context.ts';
import { fn } from '../actor/fn.ts';
import { UserId } from '../actor/id.ts';
import { AppError } from '../error/index.ts';
import type { Clock } from '../port/clock.ts';
import { ConditionFailedError, type Item, type Key, queryAll, type Table } from '../port/table.ts';

export const ENTITY_VERSION = 1;

export interface SessionOptions {
  /** Inactivity limit: a session unused this long is gone. Default 14 days. */
  idleSeconds: number;
  /** Hard limit from sign-in, whatever the activity. Default 90 days. */
  absoluteSeconds: number;
}

export const DEFAULT_SESSION_OPTIONS: SessionOptions = {
  idleSeconds: 14 * 24 * 3600,
  absoluteSeconds: 90 * 24 * 3600,
};

export interface SessionDeps {
  table: Table;
  clock: Clock;
  sessions?: Partial<SessionOptions>;
}

/** What a user may see about a session: never the token or its hash, only a short id. */
export const Info = z.object({
  id: z.string(),
  userId: UserId,
  createdAt: z.number().int(),
  lastSeenAt: z.number().int(),
  expiresAt: z.number().int(),
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
  /** Set by `listMine` on the session the request came with. */
  current: z.boolean().optional(),
});
export type Info = z.infer<typeof Info>;

export class SessionInvalidError extends AppError {
  override name = 'SessionInvalidError';
  constructor() {
    // Unknown, tampered, expired and revoked tokens get the same answer: no hint which.
    super('unauthorized', 'session.invalid', 'Your session has ended; sign in again');
  }
}

interface SessionItem extends Item {
  type: 'session';
  v: number;
  id: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  absoluteExpiresAt: number;
  userAgent: string | null;
  ip: string | null;
  ttl: number;
}

// 32 random bytes, base64url without padding.
const Token = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');
const keyOfHash = (hash: string): Key => ({ pk: `S#${hash}`, sk: 'SESSION' });
/** The short id shown in "my sessions": a prefix of the hash, too short to look a session up by. */
const shortIdOf = (hash: string) => hash.slice(0, 16);

const options = (deps: SessionDeps): SessionOptions => ({ ...DEFAULT_SESSION_OPTIONS, ...deps.sessions });
const ttlOf = (expiresAt: number) => Math.ceil(expiresAt / 1000);

function toInfo(s: SessionItem): Info {
  return {
    id: s.id,
    userId: s.userId,
    createdAt: s.createdAt,
    lastSeenAt: s.lastSeenAt,
    expiresAt: s.expiresAt,
    userAgent: s.userAgent,
    ip: s.ip,
  };
}

export const CreateInput = z.object({
  userId: UserId,
  userAgent: z.string().max(512).nullable().optional(),
  ip: z.string().max(64).nullable().optional(),
});

export interface CreatedSession {
  /** The bearer token: returned once, never stored. */
  token: string;
  session: Info;
}

/** Starts a session for a user who has just proven who they are. */
export const create = fn(CreateInput, async (deps: SessionDeps, input): Promise<CreatedSession> => {
  const o = options(deps);
  const token = randomBytes(32).toString('base64url');
  const hash = hashOf(token);
  const now = deps.clock.now();
  const absoluteExpiresAt = now + o.absoluteSeconds * 1000;
  const expiresAt = Math.min(now + o.idleSeconds * 1000, absoluteExpiresAt);
  const item: SessionItem = {
    ...keyOfHash(hash),
    type: 'session',
    v: ENTITY_VERSION,
    id: shortIdOf(hash),
    userId: input.userId,
    createdAt: now,
    lastSeenAt: now,
    expiresAt,
    absoluteExpiresAt,
    userAgent: input.userAgent ?? null,
    ip: input.ip ?? null,
    ttl: ttlOf(expiresAt),
    gsi1pk: `U#${input.userId}`,
    gsi1sk: `SES#${String(now).padStart(15, '0')}#${shortIdOf(hash)}`,
  };
  await deps.table.put(item, { attr: 'pk', exists: false });
  return { token, session: toInfo(item) };
});

export interface ValidSession {
  session: Info;
  /** True when this call extended the session: the HTTP layer re-sends the cookie. */
  renewed: boolean;
}

/** The session a token belongs to, renewed when due. Throws SessionInvalidError otherwise. */
export async function validate(deps: SessionDeps, token: string): Promise<ValidSession> {
  if (!Token.safeParse(token).success) throw new SessionInvalidError();
  const key = keyOfHash(hashOf(token));
  const item = await deps.table.get<SessionItem>(key);
  const now = deps.clock.now();
  if (!item || item.expiresAt <= now) throw new SessionInvalidError();
  const o = options(deps);
  const idleMs = o.idleSeconds * 1000;
  const renewDue = item.expiresAt - now < idleMs / 2 && item.expiresAt < item.absoluteExpiresAt;
  if (!renewDue) return { session: toInfo(item), renewed: false };
  const expiresAt = Math.min(now + idleMs, item.absoluteExpiresAt);
  try {
    // Conditional on the session still being there: a renewal must not resurrect a revoked one.
    const renewed = await deps.table.update<SessionItem>(key, {
      set: { expiresAt, lastSeenAt: now, ttl: ttlOf(expiresAt) },
      condition: { attr: 'expiresAt', op: '>', value: now },
    });
    return { session: toInfo(renewed), renewed: true };
  } catch (error) {
    if (error instanceof ConditionFailedError) throw new SessionInvalidError();
    throw error;
  }
}

/** Ends the session of this token (sign out). Unknown tokens are ignored: signing out twice is fine. */
export async function revokeToken(deps: SessionDeps, token: string): Promise<void> {
  if (!Token.safeParse(token).success) return;
  await deps.table.delete(keyOfHash(hashOf(token)));
}

async function listItems(deps: SessionDeps, userId: string): Promise<SessionItem[]> {
  const out = await queryAll<SessionItem>(deps.table, {
    index: 'gsi1',
    pk: `U#${userId}`,
    sk: { beginsWith: 'SES#' },
    forward: false,
    limit: 100,
  });
  const now = deps.clock.now();
  return out.filter((s) => s.expiresAt > now);
}

/** The signed-in user's live sessions, newest first; the one this request uses is marked. */
export async function listMine(deps: SessionDeps): Promise<Info[]> {
  const actor = useUser();
  const items = await listItems(deps, actor.userId);
  return items.map((s) => ({ ...toInfo(s), current: s.id === actor.sessionId }));
}

export const RevokeInput = z.object({ id: z.string().regex(/^[0-9a-f]{16}$/) });

/** Ends one of the signed-in user's sessions by its short id. */
export const revokeMine = fn(RevokeInput, async (deps: SessionDeps, { id }): Promise<void> => {
  const { userId } = useUser();
  const target = (await listItems(deps, userId)).find((s) => s.id === id);
  if (!target) throw new AppError('not_found', 'session.not_found', 'No such session');
  // Conditional on the owner: a short id collision can never delete someone else's session.
  await deps.table
    .delete({ pk: target.pk, sk: target.sk }, { attr: 'userId', op: '=', value: userId })
    .catch((error: unknown) => {
      if (!(error instanceof ConditionFailedError)) throw error;
    });
});

/** Ends every session of a user ("sign out everywhere", or after an account is suspended). Returns how many. */
export async function revokeAllForUser(
  deps: SessionDeps,
  userId: string,
  options: { except?: string } = {},
): Promise<number> {
  const items = (await listItems(deps, userId)).filter((s) => s.id !== options.except);
  for (let i = 0; i < items.length; i += 25) {
    await deps.table.batchWrite({ deletes: items.slice(i, i + 25).map((s) => ({ pk: s.pk, sk: s.sk })) });
  }
  return items.length;
}

/** "Sign out everywhere else": every session of the signed-in user but the current one. */
export async function revokeAllMine(
  deps: SessionDeps,
  options: { keepCurrent?: boolean } = {},
): Promise<number> {
  const actor = useUser();
  return revokeAllForUser(deps, actor.userId, options.keepCurrent ? { except: actor.sessionId } : {});
}
