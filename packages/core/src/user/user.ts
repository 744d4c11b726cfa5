/**
 * Users and their linked identities (a Plex account, OIDC subjects).
 *
 * Access patterns:
 * - get a user by id:                 `U#<userId>` / `PROFILE` (get)
 * - find the user of an identity:     `IDN#<provider>#<subject>` / `IDENTITY` (get; strongly consistent)
 * - list a user's identity claims:    gsi1 `U#<userId>`, sk begins with `IDN#` (repair / admin view;
 *                                     the profile's `identities` list is what the app reads)
 *
 * Invariants:
 * - An identity maps to exactly one user: its claim item is written with a `notExists`
 *   condition in the same transaction as the profile change, so two concurrent sign-ins with
 *   the same Plex account create one user, and an identity cannot be linked to two users.
 * - A user always keeps at least one identity: the profile carries a revision (`rev`) and every
 *   link/unlink is conditional on the revision it read, so two concurrent unlinks cannot both
 *   pass the "not the last one" check.
 * - The Plex token is stored encrypted (Keyring, context `{ userId }`) and never leaves through
 *   `Info`; `getPlexToken` is the only way to read it.
 */
import { z } from 'zod';
import { useUser } from '../actor/context.ts';
import type { DomainDeps } from '../actor/deps.ts';
import { fn } from '../actor/fn.ts';
import { newId, UserId } from '../actor/id.ts';
import { AppError } from '../error/index.ts';
import {
  ConditionFailedError,
  type Item,
  type Key,
  notExists,
  TransactionCanceledError,
} from '../port/table.ts';

export const ENTITY_VERSION = 1;
const MAX_RETRIES = 8;

// ---------------------------------------------------------------------------------------------
// Schemas

/** `plex`, `github`, `google`, `discord`, `oidc:<name>` for generic OIDC providers. */
export const Provider = z.string().regex(/^[a-z][a-z0-9_-]{0,31}(:[a-z0-9_-]{1,64})?$/, {
  error: 'expected a provider like "plex" or "oidc:authentik"',
});

export const IdentityRef = z.object({
  provider: Provider,
  subject: z.string().min(1).max(255),
});
export type IdentityRef = z.infer<typeof IdentityRef>;

export const Identity = IdentityRef.extend({
  /** What to show the user: a Plex username, an e-mail address. */
  label: z.string().max(200).nullable(),
  linkedAt: z.number().int(),
});
export type Identity = z.infer<typeof Identity>;

export const Info = z.object({
  id: UserId,
  name: z.string(),
  email: z.string().nullable(),
  avatarUrl: z.string().nullable(),
  identities: z.array(Identity),
  plexAccountId: z.number().int().nullable(),
  plexUsername: z.string().nullable(),
  /** Whether a Plex token is on file (the token itself never leaves core). */
  hasPlexToken: z.boolean(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type Info = z.infer<typeof Info>;

/** The Plex account fields MediaNest keeps (a subset of plex.tv's user and friend shapes). */
export const PlexAccount = z.object({
  id: z.number().int().positive(),
  username: z.string().max(200),
  title: z.string().max(200).optional(),
  email: z.string().max(320).nullable().optional(),
  thumb: z.string().max(2000).nullable().optional(),
});
export type PlexAccount = z.infer<typeof PlexAccount>;

const PlexToken = z.string().min(1).max(4096);

// ---------------------------------------------------------------------------------------------
// Errors

export class UserNotFoundError extends AppError {
  override name = 'UserNotFoundError';
  constructor() {
    super('not_found', 'user.not_found', 'No such user');
  }
}

export class IdentityTakenError extends AppError {
  override name = 'IdentityTakenError';
  constructor(provider: string) {
    super(
      'conflict',
      'user.identity_taken',
      `This ${provider} identity is linked to another MediaNest account`,
    );
  }
}

export class LastIdentityError extends AppError {
  override name = 'LastIdentityError';
  constructor() {
    super('conflict', 'user.last_identity', 'Link another sign-in method before removing the last one');
  }
}

export class PlexNotLinkedError extends AppError {
  override name = 'PlexNotLinkedError';
  constructor(message = 'No Plex account with a valid sign-in is linked') {
    super('invalid', 'user.plex_not_linked', message);
  }
}

// ---------------------------------------------------------------------------------------------
// Keys and items

export const keys = {
  profile: (userId: string): Key => ({ pk: `U#${userId}`, sk: 'PROFILE' }),
  identity: (ref: IdentityRef): Key => ({ pk: `IDN#${ref.provider}#${ref.subject}`, sk: 'IDENTITY' }),
};

interface ProfileItem extends Item {
  type: 'user';
  v: number;
  rev: number;
  id: string;
  name: string;
  email: string | null;
  avatarUrl: string | null;
  identities: Identity[];
  plexAccountId?: number;
  plexUsername?: string;
  plexToken?: string;
  createdAt: number;
  updatedAt: number;
}

interface ClaimItem extends Item {
  type: 'identity';
  userId: string;
  provider: string;
  subject: string;
}

const claimItem = (userId: string, ref: IdentityRef, now: number): ClaimItem => ({
  ...keys.identity(ref),
  type: 'identity',
  v: ENTITY_VERSION,
  userId,
  provider: ref.provider,
  subject: ref.subject,
  linkedAt: now,
  gsi1pk: `U#${userId}`,
  gsi1sk: `IDN#${ref.provider}#${ref.subject}`,
});

export function toInfo(p: ProfileItem): Info {
  return {
    id: p.id,
    name: p.name,
    email: p.email,
    avatarUrl: p.avatarUrl,
    identities: p.identities,
    plexAccountId: p.plexAccountId ?? null,
    plexUsername: p.plexUsername ?? null,
    hasPlexToken: typeof p.plexToken === 'string',
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

const plexRef = (accountId: number): IdentityRef => ({ provider: 'plex', subject: String(accountId) });
const plexName = (a: PlexAccount) => a.title || a.username || `Plex user ${a.id}`;
const context = (userId: string) => ({ userId });

async function loadProfile(deps: DomainDeps, userId: string): Promise<ProfileItem> {
  const item = await deps.table.get<ProfileItem>(keys.profile(userId));
  if (!item) throw new UserNotFoundError();
  return item;
}

/** Creates a user owning `ref`, or returns undefined when another writer claimed `ref` first. */
async function tryCreate(
  deps: DomainDeps,
  ref: IdentityRef,
  fields: Pick<ProfileItem, 'name' | 'email' | 'avatarUrl'> & { label: string | null },
  plex?: { account: PlexAccount; token?: string },
): Promise<ProfileItem | undefined> {
  const now = deps.clock.now();
  const id = newId('usr', now);
  const profile: ProfileItem = {
    ...keys.profile(id),
    type: 'user',
    v: ENTITY_VERSION,
    rev: 1,
    id,
    name: fields.name,
    email: fields.email,
    avatarUrl: fields.avatarUrl,
    identities: [{ ...ref, label: fields.label, linkedAt: now }],
    createdAt: now,
    updatedAt: now,
  };
  if (plex) {
    profile.plexAccountId = plex.account.id;
    profile.plexUsername = plex.account.username;
    if (plex.token !== undefined) profile.plexToken = await deps.keyring.encrypt(plex.token, context(id));
  }
  try {
    await deps.table.transact([
      { put: claimItem(id, ref, now), condition: notExists },
      { put: profile, condition: notExists },
    ]);
    return profile;
  } catch (error) {
    if (error instanceof TransactionCanceledError) return undefined;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Operations

export async function get(deps: DomainDeps, userId: string): Promise<Info> {
  if (!UserId.safeParse(userId).success) throw new UserNotFoundError();
  return toInfo(await loadProfile(deps, userId));
}

/** Several users at once (member lists); unknown ids are left out. */
export async function getMany(deps: DomainDeps, userIds: string[]): Promise<Info[]> {
  const unique = [...new Set(userIds)];
  const out: Info[] = [];
  for (let i = 0; i < unique.length; i += 100) {
    const items = await deps.table.batchGet<ProfileItem>(unique.slice(i, i + 100).map(keys.profile));
    out.push(...items.map(toInfo));
  }
  return out;
}

/** The signed-in user. */
export async function me(deps: DomainDeps): Promise<Info> {
  return get(deps, useUser().userId);
}

export const findByIdentity = fn(IdentityRef, async (deps: DomainDeps, ref): Promise<Info | undefined> => {
  const claim = await deps.table.get<ClaimItem>(keys.identity(ref));
  if (!claim) return undefined;
  const profile = await deps.table.get<ProfileItem>(keys.profile(claim.userId));
  return profile ? toInfo(profile) : undefined;
});

export const UpsertFromPlexInput = z.object({
  account: PlexAccount,
  /** The account's own token, after a sign-in. Absent when a household imports a Plex friend. */
  token: PlexToken.optional(),
});

/**
 * The user behind a Plex account, created on first sign-in. On later sign-ins the profile and
 * the stored token are refreshed from plex.tv. Safe under concurrency: one account, one user.
 */
export const upsertFromPlex = fn(
  UpsertFromPlexInput,
  async (deps: DomainDeps, { account, token }): Promise<{ user: Info; created: boolean }> => {
    const ref = plexRef(account.id);
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const claim = await deps.table.get<ClaimItem>(keys.identity(ref));
      if (claim) {
        // An import (no token) must not overwrite what the person's own sign-in wrote.
        if (token === undefined) return { user: await get(deps, claim.userId), created: false };
        const refreshed = await refreshPlex(deps, claim.userId, account, token);
        if (refreshed) return { user: toInfo(refreshed), created: false };
        continue;
      }
      const created = await tryCreate(
        deps,
        ref,
        {
          name: plexName(account),
          email: account.email ?? null,
          avatarUrl: account.thumb ?? null,
          label: account.username,
        },
        { account, token },
      );
      if (created) return { user: toInfo(created), created: true };
    }
    throw new AppError('conflict', 'user.busy', 'The account is being changed elsewhere; try again');
  },
);

/** Updates the Plex fields of the user still linked to `account`; undefined if it was unlinked meanwhile. */
async function refreshPlex(
  deps: DomainDeps,
  userId: string,
  account: PlexAccount,
  token: string,
): Promise<ProfileItem | undefined> {
  const cipher = await deps.keyring.encrypt(token, context(userId));
  try {
    return await deps.table.update<ProfileItem>(keys.profile(userId), {
      set: {
        name: plexName(account),
        ...(account.email ? { email: account.email } : {}),
        ...(account.thumb ? { avatarUrl: account.thumb } : {}),
        plexUsername: account.username,
        plexToken: cipher,
        updatedAt: deps.clock.now(),
      },
      add: { rev: 1 },
      condition: { attr: 'plexAccountId', op: '=', value: account.id },
    });
  } catch (error) {
    if (error instanceof ConditionFailedError) return undefined;
    throw error;
  }
}

export const UpsertFromOidcInput = IdentityRef.extend({
  name: z.string().max(200).optional(),
  email: z.string().max(320).nullable().optional(),
  avatarUrl: z.string().max(2000).nullable().optional(),
});

/** The user behind an OIDC subject, created on first sign-in with it. */
export const upsertFromOidc = fn(
  UpsertFromOidcInput,
  async (deps: DomainDeps, input): Promise<{ user: Info; created: boolean }> => {
    if (input.provider === 'plex') throw new AppError('invalid', 'user.bad_provider', 'Use the Plex sign-in');
    const ref = { provider: input.provider, subject: input.subject };
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const existing = await findByIdentity(deps, ref);
      if (existing) return { user: existing, created: false };
      const created = await tryCreate(deps, ref, {
        name: input.name || input.email || `${input.provider} user`,
        email: input.email ?? null,
        avatarUrl: input.avatarUrl ?? null,
        label: input.email ?? input.name ?? null,
      });
      if (created) return { user: toInfo(created), created: true };
    }
    throw new AppError('conflict', 'user.busy', 'The account is being changed elsewhere; try again');
  },
);

export const LinkIdentityInput = z.union([
  z.object({ provider: z.literal('plex'), account: PlexAccount, token: PlexToken }),
  z.object({
    provider: Provider.refine((p) => p !== 'plex', { error: 'link Plex with its account and token' }),
    subject: z.string().min(1).max(255),
    label: z.string().max(200).nullable().optional(),
  }),
]);

/** Links another identity to the signed-in user. */
export const linkIdentity = fn(LinkIdentityInput, async (deps: DomainDeps, input): Promise<Info> => {
  const { userId } = useUser();
  const plex = 'account' in input ? input : undefined;
  const ref = plex
    ? plexRef(plex.account.id)
    : { provider: input.provider, subject: 'subject' in input ? input.subject : '' };
  for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
    const profile = await loadProfile(deps, userId);
    const claim = await deps.table.get<ClaimItem>(keys.identity(ref));
    if (claim && claim.userId !== userId) throw new IdentityTakenError(ref.provider);
    if (claim) {
      // Already mine: a Plex re-link refreshes the token, anything else is a no-op.
      if (!plex) return toInfo(profile);
      const refreshed = await refreshPlex(deps, userId, plex.account, plex.token);
      if (refreshed) return toInfo(refreshed);
      continue;
    }
    if (plex && profile.plexAccountId !== undefined) {
      throw new AppError('conflict', 'user.plex_already_linked', 'Unlink the current Plex account first');
    }
    const now = deps.clock.now();
    const label = plex ? plex.account.username : 'label' in input ? (input.label ?? null) : null;
    const set: Record<string, unknown> = {
      identities: [...profile.identities, { ...ref, label, linkedAt: now }],
      updatedAt: now,
    };
    if (plex) {
      set.plexAccountId = plex.account.id;
      set.plexUsername = plex.account.username;
      set.plexToken = await deps.keyring.encrypt(plex.token, context(userId));
    }
    try {
      await deps.table.transact([
        { put: claimItem(userId, ref, now), condition: notExists },
        {
          update: keys.profile(userId),
          spec: { set, add: { rev: 1 }, condition: { attr: 'rev', op: '=', value: profile.rev } },
        },
      ]);
      return toInfo(await loadProfile(deps, userId));
    } catch (error) {
      if (!(error instanceof TransactionCanceledError)) throw error;
    }
  }
  throw new AppError('conflict', 'user.busy', 'The account is being changed elsewhere; try again');
});

/** Removes one of the signed-in user's identities; never the last one. */
export const unlinkIdentity = fn(IdentityRef, async (deps: DomainDeps, ref): Promise<Info> => {
  const { userId } = useUser();
  for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
    const profile = await loadProfile(deps, userId);
    const rest = profile.identities.filter(
      (i) => !(i.provider === ref.provider && i.subject === ref.subject),
    );
    if (rest.length === profile.identities.length) {
      throw new AppError(
        'not_found',
        'user.identity_not_found',
        'That identity is not linked to your account',
      );
    }
    if (rest.length === 0) throw new LastIdentityError();
    const isPlex = ref.provider === 'plex';
    try {
      await deps.table.transact([
        { delete: keys.identity(ref), condition: { attr: 'userId', op: '=', value: userId } },
        {
          update: keys.profile(userId),
          spec: {
            set: { identities: rest, updatedAt: deps.clock.now() },
            add: { rev: 1 },
            ...(isPlex ? { remove: ['plexAccountId', 'plexUsername', 'plexToken'] } : {}),
            condition: { attr: 'rev', op: '=', value: profile.rev },
          },
        },
      ]);
      return toInfo(await loadProfile(deps, userId));
    } catch (error) {
      if (!(error instanceof TransactionCanceledError)) throw error;
    }
  }
  throw new AppError('conflict', 'user.busy', 'The account is being changed elsewhere; try again');
});

/** The user's Plex token, decrypted. Only core calls this, to talk to plex.tv or a server. */
export async function getPlexToken(deps: DomainDeps, userId: string): Promise<string> {
  const profile = await loadProfile(deps, userId);
  if (profile.plexToken === undefined) throw new PlexNotLinkedError();
  return deps.keyring.decrypt(profile.plexToken, context(userId));
}

/** Identity claims by user through the index (for repair tools; eventually consistent on DynamoDB). */
export async function listIdentityClaims(deps: DomainDeps, userId: string): Promise<IdentityRef[]> {
  const page = await deps.table.query<ClaimItem>({
    index: 'gsi1',
    pk: `U#${userId}`,
    sk: { beginsWith: 'IDN#' },
    limit: 100,
  });
  return page.items.map((c) => ({ provider: c.provider, subject: c.subject }));
}
