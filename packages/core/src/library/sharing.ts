/**
 * Who may see which sections, from plex.tv's sharing data: the server owner sees every section, a
 * friend sees the sections shared with them (`/api/servers/<machineId>/shared_servers`, XML, owner
 * token), and anyone else sees nothing on that server. The same answer carries each friend's
 * server-specific token, which browsing uses so Plex itself enforces the restriction and reports
 * the member's own watched state.
 *
 * One plex.tv call per server covers every member, so it is cached per server (encrypted: it holds
 * tokens) for FRESH_MS, and served stale for up to STALE_MS when plex.tv cannot be reached.
 */
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import type { DomainDeps } from '../actor/deps.ts';
import { isAppError } from '../error/index.ts';
import { interactiveHttp } from './deadline.ts';
import { CLIENT_IDENTIFIER, type LibraryDeps, PLEX_TV } from './deps.ts';
import { LibraryUnavailableError } from './errors.ts';
import { ENTITY_VERSION, keys, type ShareCacheItem } from './keys.ts';

export const FRESH_MS = 5 * 60 * 1000;
export const STALE_MS = 24 * 60 * 60 * 1000;

export interface MemberShare {
  all: boolean;
  sections: string[];
  /** The friend's server-specific token. */
  token: string;
}

/** By Plex account id. */
export type SharedMembers = Record<string, MemberShare>;

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  isArray: (name) => name === 'SharedServer' || name === 'Section',
});

const flag = z
  .union([z.string(), z.number(), z.boolean()])
  .transform((v) => v === true || v === 1 || v === '1' || v === 'true');

const SharedServersXml = z.object({
  MediaContainer: z.object({
    SharedServer: z
      .array(
        z.looseObject({
          userID: z.coerce.string(),
          accessToken: z.string().default(''),
          allLibraries: flag.optional(),
          acceptedAt: z.coerce.number().optional(),
          Section: z.array(z.looseObject({ key: z.coerce.string(), shared: flag.optional() })).default([]),
        }),
      )
      .default([]),
  }),
});

const cryptoContext = (hh: string, machineIdentifier: string) => ({
  householdId: hh,
  purpose: 'library.shares',
  server: machineIdentifier,
});

async function fetchShares(
  deps: LibraryDeps,
  machineIdentifier: string,
  ownerToken: string,
): Promise<SharedMembers> {
  const base = (deps.plexTvUrl ?? PLEX_TV).replace(/\/+$/, '');
  // A member is waiting on this (it decides what they may see): the interactive deadline applies.
  const res = await interactiveHttp(deps).request({
    url: `${base}/api/servers/${encodeURIComponent(machineIdentifier)}/shared_servers`,
    headers: {
      accept: 'application/xml',
      'x-plex-token': ownerToken,
      'x-plex-client-identifier': deps.clientIdentifier ?? CLIENT_IDENTIFIER,
      'x-plex-product': 'MediaNest',
    },
    timeoutMs: deps.timeoutMs ?? 8_000,
    integrationKey: 'plex.tv',
  });
  if (res.status === 401) {
    throw new LibraryUnavailableError(
      "plex.tv refused the household owner's Plex token; the owner needs to sign in with Plex again",
    );
  }
  if (res.status < 200 || res.status >= 300) {
    throw new LibraryUnavailableError(
      `plex.tv answered ${res.status} when asked who the server is shared with`,
    );
  }
  let parsed: z.infer<typeof SharedServersXml>;
  try {
    parsed = SharedServersXml.parse(xml.parse(res.text()));
  } catch (cause) {
    throw new LibraryUnavailableError('plex.tv sent sharing data MediaNest cannot read', { cause });
  }
  const out: SharedMembers = {};
  for (const s of parsed.MediaContainer.SharedServer) {
    // An invitation not accepted yet is no access (the friend's own server list lacks it too).
    if (s.acceptedAt === 0) continue;
    const all = s.allLibraries === true;
    out[s.userID] = {
      all,
      sections: all ? [] : s.Section.filter((sec) => sec.shared === true).map((sec) => sec.key),
      token: s.accessToken,
    };
  }
  return out;
}

/**
 * The sharing of one server, cached. `ownerToken` is read lazily: a fresh cache needs no token
 * and no decryption of the owner's profile.
 */
export async function sharesOf(
  deps: LibraryDeps,
  hh: string,
  machineIdentifier: string,
  ownerToken: () => Promise<string>,
  options: { refresh?: boolean } = {},
): Promise<SharedMembers> {
  const now = deps.clock.now();
  const cached = await deps.table.get<ShareCacheItem>(keys.share(hh, machineIdentifier));
  const decode = async (item: ShareCacheItem) =>
    JSON.parse(await deps.keyring.decrypt(item.data, cryptoContext(hh, machineIdentifier))) as SharedMembers;
  if (cached && !options.refresh && now - cached.fetchedAt < FRESH_MS) return decode(cached);
  let fresh: SharedMembers;
  try {
    fresh = await fetchShares(deps, machineIdentifier, await ownerToken());
  } catch (err) {
    if (cached && now - cached.fetchedAt < STALE_MS && isAppError(err) && err.kind === 'unavailable') {
      deps.logger?.warn('plex.tv sharing data unavailable; using the cached copy', {
        householdId: hh,
        machineIdentifier,
        ageMs: now - cached.fetchedAt,
      });
      return decode(cached);
    }
    if (isAppError(err) && err.kind === 'unavailable' && !(err instanceof LibraryUnavailableError)) {
      throw new LibraryUnavailableError(
        'plex.tv cannot be reached to check which libraries are shared with you',
        { cause: err },
      );
    }
    throw err;
  }
  const item: ShareCacheItem = {
    ...keys.share(hh, machineIdentifier),
    type: 'libshare',
    v: ENTITY_VERSION,
    machineIdentifier,
    data: await deps.keyring.encrypt(JSON.stringify(fresh), cryptoContext(hh, machineIdentifier)),
    fetchedAt: now,
    ttl: Math.ceil((now + STALE_MS) / 1000),
  };
  await deps.table.put(item);
  return fresh;
}

/** Forgets the cached sharing of a server (a share changed, or a friend's token was refused). */
export async function forgetShares(deps: DomainDeps, hh: string, machineIdentifier: string): Promise<void> {
  await deps.table.delete(keys.share(hh, machineIdentifier));
}
