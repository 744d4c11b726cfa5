/**
 * TMDB-derived response shapes, as Overseerr maps them (`server/models/Search.ts`, `Movie.ts`,
 * `Tv.ts`). `mediaInfo` is attached by the caller when Overseerr knows the title.
 */
import type { CatalogMovie, CatalogPerson, CatalogTv } from './catalog.ts';

export function movieResult(m: CatalogMovie, mediaInfo?: Record<string, unknown>): Record<string, unknown> {
  return {
    id: m.tmdbId,
    mediaType: 'movie',
    adult: false,
    genreIds: m.genres.map((g) => g.id),
    originalLanguage: m.originalLanguage,
    originalTitle: m.originalTitle,
    overview: m.overview,
    popularity: m.popularity,
    releaseDate: m.releaseDate,
    title: m.title,
    video: false,
    voteAverage: m.voteAverage,
    voteCount: m.voteCount,
    backdropPath: m.backdropPath,
    posterPath: m.posterPath,
    ...(mediaInfo ? { mediaInfo } : {}),
  };
}

export function tvResult(t: CatalogTv, mediaInfo?: Record<string, unknown>): Record<string, unknown> {
  return {
    id: t.tmdbId,
    firstAirDate: t.firstAirDate,
    genreIds: t.genres.map((g) => g.id),
    mediaType: 'tv',
    name: t.name,
    originCountry: t.originCountry,
    originalLanguage: t.originalLanguage,
    originalName: t.originalName,
    overview: t.overview,
    popularity: t.popularity,
    voteAverage: t.voteAverage,
    voteCount: t.voteCount,
    backdropPath: t.backdropPath,
    posterPath: t.posterPath,
    ...(mediaInfo ? { mediaInfo } : {}),
  };
}

export function personResult(p: CatalogPerson, knownFor: Record<string, unknown>[]): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    popularity: p.popularity,
    adult: false,
    mediaType: 'person',
    profilePath: p.profilePath,
    knownFor,
  };
}

function externalIds(imdbId: string | null, tvdbId: number | null): Record<string, unknown> {
  return {
    facebookId: null,
    freebaseId: null,
    freebaseMid: null,
    imdbId,
    instagramId: null,
    tvdbId,
    tvrageId: null,
    twitterId: null,
  };
}

export function movieDetails(m: CatalogMovie, mediaInfo?: Record<string, unknown>): Record<string, unknown> {
  return {
    id: m.tmdbId,
    adult: false,
    budget: 40_000_000,
    genres: m.genres,
    relatedVideos: [],
    originalLanguage: m.originalLanguage,
    originalTitle: m.originalTitle,
    popularity: m.popularity,
    productionCompanies: [],
    productionCountries: [{ iso_3166_1: 'US', name: 'United States of America' }],
    releaseDate: m.releaseDate,
    releases: { results: [] },
    revenue: 120_000_000,
    spokenLanguages: [{ english_name: 'English', iso_639_1: 'en', name: 'English' }],
    status: 'Released',
    title: m.title,
    video: false,
    voteAverage: m.voteAverage,
    voteCount: m.voteCount,
    backdropPath: m.backdropPath,
    homepage: '',
    imdbId: m.imdbId,
    overview: m.overview,
    posterPath: m.posterPath,
    runtime: m.runtime,
    tagline: m.tagline,
    credits: { cast: [], crew: [] },
    externalIds: externalIds(m.imdbId, null),
    ...(mediaInfo ? { mediaInfo } : {}),
    watchProviders: [],
    keywords: [],
  };
}

export function tvDetails(t: CatalogTv, mediaInfo?: Record<string, unknown>): Record<string, unknown> {
  const episodes = t.seasons.reduce((n, s) => n + s.episodeCount, 0);
  const last = t.seasons[t.seasons.length - 1];
  return {
    createdBy: [],
    episodeRunTime: [45],
    firstAirDate: t.firstAirDate,
    genres: t.genres,
    relatedVideos: [],
    homepage: '',
    id: t.tmdbId,
    inProduction: t.status === 'Returning Series',
    languages: [t.originalLanguage],
    lastAirDate: t.lastAirDate,
    name: t.name,
    networks: [],
    numberOfEpisodes: episodes,
    // Overseerr sends `numberOfSeasons`; its OpenAPI document says `numberOfSeason`. Both are
    // sent so a client written against either works here (and must tolerate the other).
    numberOfSeasons: t.seasons.length,
    numberOfSeason: t.seasons.length,
    originCountry: t.originCountry,
    originalLanguage: t.originalLanguage,
    originalName: t.originalName,
    tagline: '',
    overview: t.overview,
    popularity: t.popularity,
    productionCompanies: [],
    productionCountries: [],
    contentRatings: { results: [] },
    spokenLanguages: [{ englishName: 'English', iso_639_1: 'en', name: 'English' }],
    seasons: t.seasons.map((s) => ({
      airDate: s.airDate,
      episodeCount: s.episodeCount,
      id: s.id,
      name: s.name,
      overview: s.overview,
      seasonNumber: s.seasonNumber,
      posterPath: s.posterPath,
    })),
    status: t.status,
    type: 'Scripted',
    voteAverage: t.voteAverage,
    voteCount: t.voteCount,
    backdropPath: t.backdropPath,
    ...(last
      ? {
          lastEpisodeToAir: {
            id: t.tmdbId * 1000 + last.seasonNumber,
            airDate: last.airDate,
            episodeNumber: last.episodeCount,
            name: `Episode ${last.episodeCount}`,
            overview: '',
            productionCode: '',
            seasonNumber: last.seasonNumber,
            showId: t.tmdbId,
            voteAverage: 0,
            stillPath: null,
          },
        }
      : {}),
    posterPath: t.posterPath,
    credits: { cast: [], crew: [] },
    externalIds: externalIds(t.imdbId, t.tvdbId),
    keywords: [],
    ...(mediaInfo ? { mediaInfo } : {}),
    watchProviders: [],
  };
}
