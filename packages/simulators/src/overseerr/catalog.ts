/**
 * A deterministic stand-in for the TMDB catalogue Overseerr proxies: movies, series with seasons
 * and a few people, all derived from a seed so two runs (and two simulators) agree on every id.
 * Other simulators and the demo can call `generateCatalog(seed)` to seed a Plex library with the
 * very same tmdb/tvdb/imdb ids, which is what makes MEDIA_AVAILABLE line up end to end.
 */

export interface CatalogGenre {
  id: number;
  name: string;
}

interface CatalogBase {
  tmdbId: number;
  imdbId: string;
  overview: string;
  posterPath: string;
  backdropPath: string;
  popularity: number;
  voteAverage: number;
  voteCount: number;
  genres: CatalogGenre[];
  originalLanguage: string;
}

export interface CatalogMovie extends CatalogBase {
  mediaType: 'movie';
  title: string;
  originalTitle: string;
  /** `YYYY-MM-DD`. */
  releaseDate: string;
  runtime: number;
  tagline: string;
}

export interface CatalogSeason {
  id: number;
  seasonNumber: number;
  episodeCount: number;
  airDate: string | null;
  name: string;
  overview: string;
  posterPath: string;
}

export interface CatalogTv extends CatalogBase {
  mediaType: 'tv';
  tvdbId: number;
  name: string;
  originalName: string;
  firstAirDate: string;
  lastAirDate: string;
  originCountry: string[];
  status: 'Returning Series' | 'Ended';
  seasons: CatalogSeason[];
}

export interface CatalogPerson {
  mediaType: 'person';
  id: number;
  name: string;
  popularity: number;
  profilePath: string;
  knownFor: number[];
}

export type CatalogTitle = CatalogMovie | CatalogTv;

export interface Catalog {
  movies: CatalogMovie[];
  tv: CatalogTv[];
  people: CatalogPerson[];
}

export interface CatalogOptions {
  movies?: number;
  tv?: number;
}

const GENRES: CatalogGenre[] = [
  { id: 28, name: 'Action' },
  { id: 12, name: 'Adventure' },
  { id: 16, name: 'Animation' },
  { id: 35, name: 'Comedy' },
  { id: 80, name: 'Crime' },
  { id: 99, name: 'Documentary' },
  { id: 18, name: 'Drama' },
  { id: 10751, name: 'Family' },
  { id: 14, name: 'Fantasy' },
  { id: 27, name: 'Horror' },
  { id: 9648, name: 'Mystery' },
  { id: 10749, name: 'Romance' },
  { id: 878, name: 'Science Fiction' },
  { id: 53, name: 'Thriller' },
];

const ADJECTIVES = [
  'Silent',
  'Crimson',
  'Hidden',
  'Last',
  'Broken',
  'Golden',
  'Frozen',
  'Midnight',
  'Distant',
  'Burning',
  'Electric',
  'Paper',
  'Iron',
  'Velvet',
  'Hollow',
  'Wild',
  'Lucky',
  'Endless',
  'Quiet',
  'Northern',
];
const NOUNS = [
  'Harbor',
  'Orchard',
  'Signal',
  'Kingdom',
  'Lighthouse',
  'Garden',
  'Frontier',
  'Machine',
  'River',
  'Empire',
  'Island',
  'Station',
  'Mountain',
  'Letter',
  'Circus',
  'Tide',
  'Forest',
  'Compass',
  'Mirror',
  'Comet',
];
const SUFFIXES = [
  '',
  '',
  '',
  ': Reckoning',
  ' II',
  ': Origins',
  ' Returns',
  ' & Co.',
  "'s Promise",
  ' (Redux)',
];
const FIRST = [
  'Ada',
  'Ben',
  'Chloe',
  'Dev',
  'Elena',
  'Farid',
  'Greta',
  'Hiro',
  'Ines',
  'Jonas',
  'Kofi',
  'Lena',
];
const LAST = ['Marlow', 'Okafor', 'Petrov', 'Quinn', 'Rossi', 'Sato', 'Tanaka', 'Ulrich', 'Varga', 'Weiss'];

/** mulberry32: tiny, fast and good enough for fixture data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)] as T;
}

function imagePath(rand: () => number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let s = '/';
  for (let i = 0; i < 27; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return `${s}.jpg`;
}

function date(rand: () => number, fromYear: number, toYear: number): string {
  const year = fromYear + Math.floor(rand() * (toYear - fromYear + 1));
  const month = 1 + Math.floor(rand() * 12);
  const day = 1 + Math.floor(rand() * 28);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function genresFor(rand: () => number): CatalogGenre[] {
  const count = 1 + Math.floor(rand() * 3);
  const out: CatalogGenre[] = [];
  while (out.length < count) {
    const g = pick(rand, GENRES);
    if (!out.includes(g)) out.push(g);
  }
  return out;
}

function uniqueTitle(rand: () => number, used: Set<string>): string {
  for (;;) {
    const title = `The ${pick(rand, ADJECTIVES)} ${pick(rand, NOUNS)}${pick(rand, SUFFIXES)}`;
    if (!used.has(title)) {
      used.add(title);
      return title;
    }
  }
}

export function generateCatalog(seed = 1, options: CatalogOptions = {}): Catalog {
  const rand = prng(seed);
  const used = new Set<string>();
  const movieCount = options.movies ?? 150;
  const tvCount = options.tv ?? 60;
  const movies: CatalogMovie[] = [];
  for (let i = 0; i < movieCount; i++) {
    const title = uniqueTitle(rand, used);
    const tmdbId = 10_000 + seed * 7 + i * 13;
    movies.push({
      mediaType: 'movie',
      tmdbId,
      imdbId: `tt${String(1_000_000 + tmdbId * 3).padStart(7, '0')}`,
      title,
      originalTitle: title,
      releaseDate: date(rand, 1975, 2025),
      overview: `${title} follows an unlikely crew through one long, strange week.`,
      posterPath: imagePath(rand),
      backdropPath: imagePath(rand),
      popularity: Math.round(rand() * 100_000) / 1000,
      voteAverage: Math.round(rand() * 90 + 10) / 10,
      voteCount: Math.floor(rand() * 20_000),
      genres: genresFor(rand),
      originalLanguage: rand() < 0.85 ? 'en' : pick(rand, ['fr', 'ja', 'de', 'es']),
      runtime: 80 + Math.floor(rand() * 80),
      tagline: `Every ${pick(rand, NOUNS).toLowerCase()} has a secret.`,
    });
  }
  const tv: CatalogTv[] = [];
  for (let i = 0; i < tvCount; i++) {
    const name = uniqueTitle(rand, used);
    const tmdbId = 60_000 + seed * 5 + i * 11;
    const seasonCount = 1 + Math.floor(rand() * 6);
    const firstYear = 1995 + Math.floor(rand() * 28);
    const seasons: CatalogSeason[] = [];
    for (let s = 1; s <= seasonCount; s++) {
      seasons.push({
        id: tmdbId * 100 + s,
        seasonNumber: s,
        episodeCount: 6 + Math.floor(rand() * 18),
        airDate: `${firstYear + s - 1}-0${1 + Math.floor(rand() * 9)}-1${Math.floor(rand() * 9)}`,
        name: `Season ${s}`,
        overview: '',
        posterPath: imagePath(rand),
      });
    }
    const firstAirDate = seasons[0]?.airDate ?? `${firstYear}-01-01`;
    tv.push({
      mediaType: 'tv',
      tmdbId,
      tvdbId: 300_000 + seed * 3 + i * 17,
      imdbId: `tt${String(2_000_000 + tmdbId * 3).padStart(7, '0')}`,
      name,
      originalName: name,
      firstAirDate,
      lastAirDate: seasons[seasons.length - 1]?.airDate ?? firstAirDate,
      originCountry: [rand() < 0.7 ? 'US' : pick(rand, ['GB', 'FR', 'JP', 'DE'])],
      status: rand() < 0.5 ? 'Returning Series' : 'Ended',
      overview: `${name}: a series about people who keep their promises, mostly.`,
      posterPath: imagePath(rand),
      backdropPath: imagePath(rand),
      popularity: Math.round(rand() * 100_000) / 1000,
      voteAverage: Math.round(rand() * 90 + 10) / 10,
      voteCount: Math.floor(rand() * 8_000),
      genres: genresFor(rand),
      originalLanguage: 'en',
      seasons,
    });
  }
  const people: CatalogPerson[] = [];
  for (let i = 0; i < 20; i++) {
    people.push({
      mediaType: 'person',
      id: 900_000 + seed + i,
      name: `${pick(rand, FIRST)} ${pick(rand, LAST)}`,
      popularity: Math.round(rand() * 50_000) / 1000,
      profilePath: imagePath(rand),
      knownFor: [movies[Math.floor(rand() * movies.length)]?.tmdbId ?? 0].filter((id) => id > 0),
    });
  }
  return { movies, tv, people };
}

/** Release or first-air year, used for webhook subjects (`Title (YYYY)`). */
export function titleYear(title: CatalogTitle): string {
  return (title.mediaType === 'movie' ? title.releaseDate : title.firstAirDate).slice(0, 4);
}

export function displayTitle(title: CatalogTitle): string {
  return title.mediaType === 'movie' ? title.title : title.name;
}

/**
 * The fields a Plex Media Server simulator needs to add this title to a library section
 * (`addItems(sectionKey, [toPlexItem(title)])`), so its guids match what Overseerr asks about.
 */
export function toPlexItem(title: CatalogTitle): {
  title: string;
  year: number;
  tmdbId: number;
  imdbId: string;
  tvdbId?: number;
  summary: string;
} {
  return {
    title: displayTitle(title),
    year: Number(titleYear(title)),
    tmdbId: title.tmdbId,
    imdbId: title.imdbId,
    ...(title.mediaType === 'tv' ? { tvdbId: title.tvdbId } : {}),
    summary: title.overview,
  };
}
