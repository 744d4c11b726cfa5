/**
 * "Is this title in the library?" from the index alone: no Plex call, so a request search page of
 * twenty results costs one or two batchGets. The keys are the title's guids × the sections the
 * member may see, so a friend with restricted sections never learns about the others.
 *
 * Status: `available` when any visible section has it; `partial` for a show that has fewer seasons
 * on Plex than the caller says exist (Overseerr knows the season count, Plex does not); `none`
 * otherwise.
 */
import { z } from 'zod';
import { AppError } from '../error/index.ts';
import type { LibraryDeps } from './deps.ts';
import { openInPlexUrl } from './info.ts';
import { type IndexItem, keys, type SyncItem, scopeOf } from './keys.ts';
import { canSee, memberView } from './servers.ts';

export const AvailabilityQuery = z
  .object({
    tmdbId: z.coerce.number().int().positive().optional(),
    tvdbId: z.coerce.number().int().positive().optional(),
    imdbId: z
      .string()
      .regex(/^tt[0-9]{5,10}$/)
      .optional(),
    /** `tv` lets a tmdb id match shows only (tmdb reuses numbers across movies and shows). */
    mediaType: z.enum(['movie', 'tv']).optional(),
    /** Seasons the show has (from Overseerr/TMDB): fewer on Plex is `partial`. */
    seasons: z.number().int().min(0).optional(),
  })
  .refine((q) => q.tmdbId !== undefined || q.tvdbId !== undefined || q.imdbId !== undefined, {
    error: 'give a tmdbId, tvdbId or imdbId',
  });
export type AvailabilityQuery = z.input<typeof AvailabilityQuery>;

export const AvailabilityStatus = z.enum(['available', 'partial', 'none']);
export type AvailabilityStatus = z.infer<typeof AvailabilityStatus>;

export interface AvailabilityMatch {
  serverId: string;
  sectionKey: string;
  ratingKey: string;
  type: string;
  seasons: number | null;
  openInPlexUrl: string;
}

export interface Availability {
  status: AvailabilityStatus;
  matches: AvailabilityMatch[];
}

export const MAX_QUERIES = 100;

const guidsOf = (q: z.output<typeof AvailabilityQuery>): string[] => [
  ...(q.tmdbId !== undefined ? [`tmdb://${q.tmdbId}`] : []),
  ...(q.tvdbId !== undefined ? [`tvdb://${q.tvdbId}`] : []),
  ...(q.imdbId !== undefined ? [`imdb://${q.imdbId}`] : []),
];

/**
 * Availability of each query for the calling member of `householdId` (the actor's household).
 * Answers in the order asked.
 */
export async function availability(
  deps: LibraryDeps,
  householdId: string,
  queries: readonly AvailabilityQuery[],
): Promise<Availability[]> {
  if (queries.length > MAX_QUERIES) {
    throw new AppError('invalid', 'library.too_many', `At most ${MAX_QUERIES} titles at a time`);
  }
  const parsed = queries.map((q) => {
    const r = AvailabilityQuery.safeParse(q);
    if (!r.success) throw new AppError('invalid', 'validation', z.prettifyError(r.error));
    return r.data;
  });
  if (parsed.length === 0) return [];
  const view = await memberView(deps);
  if (view.householdId !== householdId) {
    // The index is per household; asking for another one than the actor acts in is a bug upstream.
    throw new AppError(
      'forbidden',
      'library.wrong_household',
      'Availability is only known for your household',
    );
  }
  const sync = await deps.table.get<SyncItem>(keys.sync(householdId));
  const indexed = new Set(sync?.scopes ?? []);
  for (const s of sync?.sections ?? []) indexed.add(scopeOf(s.server, s.key));
  const scopes = [...indexed].filter((scope) => {
    const [server, section] = scope.split(':') as [string, string];
    const v = view.servers.find((s) => s.id === server);
    return v !== undefined && canSee(v.visible, section);
  });
  const wanted = new Map<string, { pk: string; sk: string }>();
  for (const q of parsed) {
    for (const g of guidsOf(q)) {
      for (const scope of scopes) {
        const k = keys.index(householdId, scope, g);
        wanted.set(k.sk, k);
      }
    }
  }
  const all = [...wanted.values()];
  const chunks: (typeof all)[] = [];
  for (let i = 0; i < all.length; i += 100) chunks.push(all.slice(i, i + 100));
  const found = (await Promise.all(chunks.map((c) => deps.table.batchGet<IndexItem>(c)))).flat();
  const byGuid = new Map<string, IndexItem[]>();
  for (const item of found) byGuid.set(item.guid, [...(byGuid.get(item.guid) ?? []), item]);

  return parsed.map((q) => {
    const seen = new Set<string>();
    const matches: AvailabilityMatch[] = [];
    for (const g of guidsOf(q)) {
      for (const item of byGuid.get(g) ?? []) {
        if (q.mediaType === 'tv' && item.t !== 'show') continue;
        if (q.mediaType === 'movie' && item.t !== 'movie') continue;
        for (const rk of item.rk) {
          const id = `${item.server}:${rk}`;
          if (seen.has(id)) continue;
          seen.add(id);
          matches.push({
            serverId: item.server,
            sectionKey: item.section,
            ratingKey: rk,
            type: item.t,
            seasons: item.seasons ?? null,
            openInPlexUrl: openInPlexUrl(item.server, rk),
          });
        }
      }
    }
    if (matches.length === 0) return { status: 'none', matches };
    const most = Math.max(...matches.map((m) => m.seasons ?? 0));
    const partial =
      q.seasons !== undefined && q.seasons > 0 && matches.every((m) => m.type === 'show') && most < q.seasons;
    return { status: partial ? 'partial' : 'available', matches };
  });
}
