/**
 * Discover and search through the household's Overseerr, each result with the badge a member
 * needs before requesting: Available / Partially available (the library's availability index,
 * else Overseerr's media status), Requested (by whom: MediaNest's records, else Overseerr's),
 * Processing, or Not available.
 */
import { z } from 'zod';
import { fn } from '../actor/fn.ts';
import { requireAccess } from '../household/access.ts';
import {
  MediaRequestStatus,
  MediaStatus,
  type OverseerrMediaInfo,
  type OverseerrSearchResult,
} from '../integration/client/overseerr.ts';
import { type FollowItem, keys as notificationKeys } from '../notification/keys.ts';
import * as User from '../user/user.ts';
import { type Availability, overseerrClient, type RequestDeps } from './deps.ts';
import { keys, type RequestItem } from './keys.ts';
import { titleInfo } from './title.ts';

const TMDB_IMAGE = 'https://image.tmdb.org/t/p/w342';

export const BadgeKind = z.enum([
  'available',
  'partially_available',
  'requested',
  'processing',
  'not_available',
]);
export type BadgeKind = z.infer<typeof BadgeKind>;

export const Badge = z.object({
  kind: BadgeKind,
  /** Who asked for it (names), when requested or processing. */
  requestedBy: z.array(z.string()),
  /** The caller's own request for it, if any. */
  myRequestId: z.string().nullable(),
});
export type Badge = z.infer<typeof Badge>;

export const Result = z.object({
  mediaType: z.enum(['movie', 'tv']),
  tmdbId: z.number().int(),
  title: z.string(),
  year: z.number().int().nullable(),
  overview: z.string().nullable(),
  posterUrl: z.string().nullable(),
  badge: Badge,
  /** Whether the caller asked to be told when it becomes available ("Notify me too"). */
  following: z.boolean(),
});
export type Result = z.infer<typeof Result>;

export interface SearchPage {
  page: number;
  totalPages: number;
  totalResults: number;
  results: Result[];
}

export const SearchInput = z.object({
  query: z.string().trim().min(1, { error: 'type something to search for' }).max(200),
  page: z.number().int().min(1).max(500).default(1),
});

const LIVE = new Set(['pending', 'approved', 'processing']);

interface Context {
  householdId: string;
  userId: string;
}

function overseerrNames(info: OverseerrMediaInfo | undefined): string[] {
  const names = (info?.requests ?? []).map((r) => {
    const by = (r as { requestedBy?: { displayName?: string; plexUsername?: string; username?: string } })
      .requestedBy;
    return by?.displayName ?? by?.plexUsername ?? by?.username;
  });
  return [...new Set(names.filter((n): n is string => typeof n === 'string' && n.length > 0))];
}

export function badgeFor(
  availability: Availability | undefined,
  info: OverseerrMediaInfo | undefined,
  records: RequestItem[],
  names: Map<string, string>,
  userId: string,
): Badge {
  const live = records.filter((r) => LIVE.has(r.status));
  const mine = live.find((r) => r.requestedBy === userId) ?? null;
  const requestedBy =
    live.length > 0
      ? [...new Set(live.map((r) => names.get(r.requestedBy) ?? 'a member'))]
      : overseerrNames(info);
  const base = { requestedBy, myRequestId: mine?.id ?? null };
  if (availability === 'available' || info?.status === MediaStatus.AVAILABLE) {
    return { kind: 'available', requestedBy: [], myRequestId: base.myRequestId };
  }
  if (availability === 'partial' || info?.status === MediaStatus.PARTIALLY_AVAILABLE) {
    return { kind: 'partially_available', ...base };
  }
  if (live.some((r) => r.status === 'processing') || info?.status === MediaStatus.PROCESSING) {
    return { kind: 'processing', ...base };
  }
  if (live.length > 0 || info?.status === MediaStatus.PENDING) return { kind: 'requested', ...base };
  return { kind: 'not_available', requestedBy: [], myRequestId: null };
}

async function recordsFor(
  deps: RequestDeps,
  hh: string,
  mediaType: string,
  tmdbId: number,
): Promise<RequestItem[]> {
  const page = await deps.table.query<RequestItem>({
    index: 'gsi2',
    pk: keys.byTitle(hh, mediaType, tmdbId),
    forward: false,
    limit: 20,
  });
  return page.items;
}

async function availabilityOf(
  deps: RequestDeps,
  ctx: Context,
  media: { mediaType: 'movie' | 'tv'; id: number; mediaInfo?: OverseerrMediaInfo | undefined }[],
): Promise<(Availability | undefined)[]> {
  if (!deps.availability || media.length === 0) return media.map(() => undefined);
  try {
    return await deps.availability(
      ctx.householdId,
      ctx.userId,
      media.map((r) => ({ mediaType: r.mediaType, tmdbId: r.id, tvdbId: r.mediaInfo?.tvdbId ?? undefined })),
    );
  } catch (error) {
    // The index improves on Overseerr's own status; it is never a reason to fail a search.
    deps.logger?.warn('Availability index unavailable for badges', { error });
    return media.map(() => undefined);
  }
}

async function withBadges(
  deps: RequestDeps,
  ctx: Context,
  items: OverseerrSearchResult[],
): Promise<Result[]> {
  const media = items.filter(
    (r): r is OverseerrSearchResult & { mediaType: 'movie' | 'tv' } =>
      r.mediaType === 'movie' || r.mediaType === 'tv',
  );
  const [records, availability, following] = await Promise.all([
    Promise.all(media.map((r) => recordsFor(deps, ctx.householdId, r.mediaType, r.id))),
    availabilityOf(deps, ctx, media),
    followedBy(deps, ctx, media),
  ]);
  const userIds = [...new Set(records.flat().map((r) => r.requestedBy))];
  const names = new Map((await User.getMany(deps, userIds)).map((u) => [u.id, u.name]));
  return media.map((r, i) => ({
    mediaType: r.mediaType,
    tmdbId: r.id,
    title: r.title,
    year: r.year ?? null,
    overview: r.overview ?? null,
    posterUrl: r.posterPath ? `${TMDB_IMAGE}${r.posterPath}` : null,
    badge: badgeFor(availability[i], r.mediaInfo, records[i] ?? [], names, ctx.userId),
    following: following.has(notificationKeys.follow(ctx.householdId, r.mediaType, r.id, ctx.userId).sk),
  }));
}

/** The sort keys of the caller's follows among these titles (one batch read per 100 titles). */
async function followedBy(
  deps: RequestDeps,
  ctx: Context,
  media: { mediaType: 'movie' | 'tv'; id: number }[],
): Promise<Set<string>> {
  // Unique keys: DynamoDB refuses a batch naming one item twice.
  const wanted = [
    ...new Map(
      media.map((r) => {
        const key = notificationKeys.follow(ctx.householdId, r.mediaType, r.id, ctx.userId);
        return [key.sk, key] as const;
      }),
    ).values(),
  ];
  const out = new Set<string>();
  for (let i = 0; i < wanted.length; i += 100) {
    for (const f of await deps.table.batchGet<FollowItem>(wanted.slice(i, i + 100))) out.add(f.sk);
  }
  return out;
}

/**
 * Seasons that cannot be requested again (non-4K): on Plex or in progress per Overseerr's media
 * seasons, asked for by a live Overseerr request, or by a live MediaNest record.
 */
function takenSeasons(
  info: OverseerrMediaInfo | undefined,
  records: RequestItem[],
  all: { seasonNumber: number }[],
): Set<number> {
  const taken = new Set<number>();
  for (const s of info?.seasons ?? []) if (s.status !== MediaStatus.UNKNOWN) taken.add(s.seasonNumber);
  for (const r of info?.requests ?? []) {
    const req = r as { status?: number; is4k?: boolean; seasons?: { seasonNumber?: number }[] };
    if (req.is4k || req.status === MediaRequestStatus.DECLINED) continue;
    for (const s of req.seasons ?? []) if (typeof s.seasonNumber === 'number') taken.add(s.seasonNumber);
  }
  for (const r of records) {
    if (r.is4k || !LIVE.has(r.status)) continue;
    const seasons = r.seasons === 'all' ? all.map((s) => s.seasonNumber) : (r.seasons ?? []);
    for (const n of seasons) taken.add(n);
  }
  return taken;
}

/** Movies and shows matching a query (people are left out), with badges. */
export const search = fn(SearchInput, async (deps: RequestDeps, input): Promise<SearchPage> => {
  const access = await requireAccess(deps);
  const client = await overseerrClient(deps, access.householdId);
  const page = await client.search(input.query, { page: input.page });
  return {
    page: page.page,
    totalPages: page.totalPages,
    totalResults: page.totalResults,
    results: await withBadges(deps, access, page.results),
  };
});

export const DetailsInput = z.object({
  mediaType: z.enum(['movie', 'tv']),
  tmdbId: z.number().int().positive(),
});

export interface SeasonChoice {
  seasonNumber: number;
  name: string | null;
  episodeCount: number | null;
  /** Whether it can still be requested (not already requested or available). */
  requestable: boolean;
}

export interface Details extends Result {
  seasons: SeasonChoice[];
}

/** One title with its badge and, for a show, the seasons the request dialog offers. */
export const details = fn(DetailsInput, async (deps: RequestDeps, input): Promise<Details> => {
  const access = await requireAccess(deps);
  const client = await overseerrClient(deps, access.householdId);
  const t = await titleInfo(client, input.mediaType, input.tmdbId);
  const [result] = await withBadges(deps, access, [
    {
      id: t.tmdbId,
      mediaType: input.mediaType,
      title: t.title,
      year: t.year ?? undefined,
      overview: t.overview ?? undefined,
      posterPath: t.posterPath ?? undefined,
      mediaInfo: t.mediaInfo,
    },
  ]);
  const taken = takenSeasons(
    t.mediaInfo,
    await recordsFor(deps, access.householdId, 'tv', t.tmdbId),
    t.seasons,
  );
  const seasons = t.seasons
    .filter((s) => s.seasonNumber > 0)
    .map((s) => ({ ...s, requestable: !taken.has(s.seasonNumber) }));
  return { ...(result as Result), seasons };
});
