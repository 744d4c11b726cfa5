/**
 * Which Overseerr user a member is. Requests go to Overseerr AS that user (`X-Api-User`), so
 * Overseerr applies the member's own permissions, quotas and auto-approve and attributes the
 * request correctly. The link is the Plex account id; a member without an Overseerr account gets
 * one through Overseerr's Plex sign-in when Overseerr allows new Plex logins.
 *
 * The answer is cached on the membership item (`overseerr: { userId, baseUrl, at }`): it belongs to
 * this household's Overseerr, and pointing the household at another Overseerr invalidates it.
 */
import type { DomainDeps } from '../actor/deps.ts';
import { AppError } from '../error/index.ts';
import type { Access } from '../household/access.ts';
import { keys as householdKeys } from '../household/keys.ts';
import { isIntegrationError } from '../integration/client/errors.ts';
import type { OverseerrClient } from '../integration/client/overseerr.ts';
import { ConditionFailedError } from '../port/table.ts';
import * as User from '../user/user.ts';

export interface CachedOverseerrUser {
  userId: number;
  baseUrl: string;
  at: number;
}

/** How long a cached mapping is trusted before it is looked up again (accounts get deleted). */
export const MAPPING_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export class NoOverseerrAccountError extends AppError {
  override name = 'NoOverseerrAccountError';
  constructor(reason: 'no_plex' | 'not_found', detail?: string) {
    super(
      'forbidden',
      'request.no_overseerr_account',
      reason === 'no_plex'
        ? 'Requests go through Overseerr as your Plex account, and no Plex account is linked to you: link one under Account first'
        : `Your Plex account has no Overseerr account in this household and Overseerr did not create one${detail ? ` (${detail})` : ''}. Ask an admin to import you in Overseerr (Users → Import Plex Users) or to allow new Plex sign-ins there`,
      { details: { reason } },
    );
  }
}

export async function overseerrUserFor(
  deps: DomainDeps,
  client: OverseerrClient,
  access: Pick<Access, 'householdId' | 'userId' | 'membership'>,
  options: { refresh?: boolean } = {},
): Promise<number> {
  const now = deps.clock.now();
  const cached = (access.membership as { overseerr?: CachedOverseerrUser }).overseerr;
  if (!options.refresh && cached && cached.baseUrl === client.baseUrl && now - cached.at < MAPPING_TTL_MS) {
    return cached.userId;
  }
  const user = await User.get(deps, access.userId);
  if (user.plexAccountId === null) throw new NoOverseerrAccountError('no_plex');
  let found = await client.findUserByPlexId(user.plexAccountId);
  if (!found && user.hasPlexToken) {
    try {
      found = await client.plexSignIn(await User.getPlexToken(deps, access.userId));
    } catch (err) {
      if (isIntegrationError(err, 'integration.forbidden'))
        throw new NoOverseerrAccountError('not_found', err.message);
      throw err;
    }
  }
  if (!found) throw new NoOverseerrAccountError('not_found');
  const entry: CachedOverseerrUser = { userId: found.id, baseUrl: client.baseUrl, at: now };
  try {
    await deps.table.update(householdKeys.member(access.householdId, access.userId), {
      set: { overseerr: entry },
      condition: { attr: 'pk', exists: true },
    });
  } catch (err) {
    // The membership went away meanwhile: the next call fails its access check anyway.
    if (!(err instanceof ConditionFailedError)) throw err;
  }
  return found.id;
}
