/**
 * What the request domain needs beyond the identity ports, each as a small interface so the
 * composition root (and tests) can plug in the household's Overseerr settings and the library's
 * availability index without this module knowing how they are stored.
 */
import type { DomainDeps } from '../actor/deps.ts';
import { AppError } from '../error/index.ts';
import { createOverseerrClient, type OverseerrClient } from '../integration/client/overseerr.ts';
import { secretOf } from '../integration/integration.ts';
import { type IntegrationItem, keys as integrationKeys, MAIN } from '../integration/keys.ts';
import { availability } from '../library/availability.ts';
import type { LibraryDeps } from '../library/deps.ts';
import type { Http } from '../port/http.ts';
import type { Queue } from '../port/queue.ts';
import type { Realtime } from '../port/realtime.ts';

/** A household's Overseerr connection, decrypted, as the integration settings hold it. */
export interface OverseerrSettings {
  baseUrl: string;
  apiKey: string;
}

/** Finds a household's Overseerr settings; undefined when none are configured. */
export type OverseerrResolver = (householdId: string) => Promise<OverseerrSettings | undefined>;

export interface AvailabilityTitle {
  mediaType: 'movie' | 'tv';
  tmdbId: number;
  tvdbId?: number | undefined;
}

export type Availability = 'available' | 'partial' | 'none';

/**
 * "Is each of these titles available to this member" (a library the member cannot see does not
 * make a title available to them), answered in the order asked. The library's availability index
 * answers it: see `libraryAvailability`.
 */
export type AvailabilityCheck = (
  householdId: string,
  userId: string,
  titles: AvailabilityTitle[],
) => Promise<Availability[]>;

/** The library module's index as an AvailabilityCheck (it reads the member from the actor). */
export function libraryAvailability(deps: LibraryDeps): AvailabilityCheck {
  return async (householdId, _userId, titles) =>
    (
      await availability(
        deps,
        householdId,
        titles.map((t) => ({
          mediaType: t.mediaType,
          tmdbId: t.tmdbId,
          ...(t.tvdbId !== undefined ? { tvdbId: t.tvdbId } : {}),
        })),
      )
    ).map((a) => a.status);
}

/** The household's saved Overseerr integration (URL and decrypted API key) as an OverseerrResolver. */
export function integrationOverseerr(deps: Pick<DomainDeps, 'table' | 'keyring'>): OverseerrResolver {
  return async (householdId) => {
    const item = await deps.table.get<IntegrationItem>(
      integrationKeys.integration(householdId, 'overseerr', MAIN),
    );
    if (item?.type !== 'integration') return undefined;
    const apiKey = await secretOf(deps, item);
    return apiKey ? { baseUrl: item.url, apiKey } : undefined;
  };
}

export interface RequestDeps extends DomainDeps {
  http: Http;
  realtime: Realtime;
  queue: Queue;
  overseerr: OverseerrResolver;
  /** Optional: without it, badges rely on Overseerr's own media status. */
  availability?: AvailabilityCheck;
}

export class OverseerrNotConfiguredError extends AppError {
  override name = 'OverseerrNotConfiguredError';
  constructor() {
    super(
      'unavailable',
      'request.overseerr_not_configured',
      'This household has not connected Overseerr yet; an admin can add it under Integrations',
    );
  }
}

export async function overseerrClient(deps: RequestDeps, householdId: string): Promise<OverseerrClient> {
  const settings = await deps.overseerr(householdId);
  if (!settings) throw new OverseerrNotConfiguredError();
  return createOverseerrClient({
    baseUrl: settings.baseUrl,
    apiKey: settings.apiKey,
    http: deps.http,
    integrationKey: `${householdId}:overseerr`,
  });
}
