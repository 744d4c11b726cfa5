/** A movie's or a show's details from Overseerr, reduced to what requests and badges use. */
import type { OverseerrClient, OverseerrMediaInfo } from '../integration/client/overseerr.ts';

export interface TitleInfo {
  tmdbId: number;
  mediaType: 'movie' | 'tv';
  title: string;
  year: number | null;
  overview: string | null;
  posterPath: string | null;
  tvdbId: number | null;
  mediaInfo: OverseerrMediaInfo | undefined;
  seasons: { seasonNumber: number; name: string | null; episodeCount: number | null }[];
}

export function yearOf(date: string | undefined | null): number | null {
  const y = date ? Number(date.slice(0, 4)) : Number.NaN;
  return Number.isInteger(y) && y > 0 ? y : null;
}

export async function titleInfo(
  client: OverseerrClient,
  mediaType: 'movie' | 'tv',
  tmdbId: number,
): Promise<TitleInfo> {
  if (mediaType === 'movie') {
    const m = await client.movie(tmdbId);
    return {
      tmdbId: m.id,
      mediaType,
      title: m.title,
      year: yearOf(m.releaseDate),
      overview: m.overview ?? null,
      posterPath: m.posterPath ?? null,
      tvdbId: null,
      mediaInfo: m.mediaInfo,
      seasons: [],
    };
  }
  const t = await client.tv(tmdbId);
  return {
    tmdbId: t.id,
    mediaType,
    title: t.name,
    year: yearOf(t.firstAirDate),
    overview: t.overview ?? null,
    posterPath: t.posterPath ?? null,
    tvdbId: t.externalIds?.tvdbId ?? t.mediaInfo?.tvdbId ?? null,
    mediaInfo: t.mediaInfo,
    seasons: (t.seasons ?? []).map((s) => ({
      seasonNumber: s.seasonNumber,
      name: s.name ?? null,
      episodeCount: s.episodeCount ?? null,
    })),
  };
}
