/**
 * A deterministic library generator. A top-level item is a compact record (what sorting and
 * filtering need); everything else (summary, cast, media, seasons, episodes) is derived on demand
 * from the same seed, so 50,000 items cost a few tens of milliseconds and the same seed always
 * gives the same titles, guids and rating keys.
 */
import {
  ADJECTIVES,
  COUNTRIES,
  FIRST_NAMES,
  GENRES,
  LAST_NAMES,
  MOVIE_RATINGS,
  NOUNS,
  PLACES,
  PLOT_CLOSERS,
  PLOT_OPENERS,
  STUDIOS,
  TAGLINES,
  TV_RATINGS,
} from './words.ts';

export type NodeKind = 'movie' | 'show' | 'season' | 'episode';

export interface Node {
  kind: NodeKind;
  ratingKey: number;
  sectionKey: string;
  /** Seed of the per-item random stream. */
  seed: number;
  title: string;
  /** Lower-cased title without a leading article: what `titleSort` sorting compares. */
  sortKey: string;
  titleSort: string;
  year: number;
  originallyAvailableAt: string;
  rating: number;
  audienceRating: number;
  contentRating: string;
  addedAt: number;
  updatedAt: number;
  lastViewedAt: number | null;
  viewCount: number;
  genreIds: number[];
  /** ms */
  duration: number;
  tmdbId: number;
  imdbId: string;
  tvdbId: number | null;
  summary: string | null;
  studio: string;
  index: number | null;
  parent: Node | null;
  /** Filled lazily for shows (seasons) and seasons (episodes). */
  children: Node[] | null;
}

/** Seasons and episodes get rating keys in their own ranges, derived from the show's key. */
export const SEASON_BASE = 1_000_000_000;
export const EPISODE_BASE = 2_000_000_000;
export const COLLECTION_BASE = 900_000_000;

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function mix(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p & 0xffff), 0x01000193);
    h = Math.imul(h ^ (p >>> 16), 0x01000193);
  }
  return h >>> 0;
}

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;

const ARTICLE = /^(the|a|an)\s+/i;
export const sortTitleOf = (title: string): string => title.replace(ARTICLE, '');

function makeTitle(r: () => number): string {
  const form = Math.floor(r() * 8);
  const adj = pick(r, ADJECTIVES);
  const noun = pick(r, NOUNS);
  switch (form) {
    case 0:
      return `The ${adj} ${noun}`;
    case 1:
      return `${noun} of ${pick(r, NOUNS)}s`;
    case 2:
      return `${adj} ${noun}: ${pick(r, PLACES)}`;
    case 3:
      return `A ${noun} in ${pick(r, PLACES)}`;
    case 4:
      return `${pick(r, FIRST_NAMES)}'s ${noun}`;
    case 5:
      return `${adj} ${noun} ${2 + Math.floor(r() * 3)}`;
    case 6:
      return `An ${adj === 'Iron' ? 'Iron' : 'Endless'} ${noun}`;
    default:
      return `${adj} ${noun}`;
  }
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const dateOf = (year: number, r: () => number) =>
  `${year}-${pad(1 + Math.floor(r() * 12), 2)}-${pad(1 + Math.floor(r() * 28), 2)}`;

const KIND_SALT: Record<NodeKind, number> = { movie: 1, show: 2, season: 3, episode: 4 };
const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** 24 hex digits like Plex's agent guids; derived on demand so generation allocates less. */
export function plexGuidOf(node: Pick<Node, 'kind' | 'seed'>): string {
  const k = KIND_SALT[node.kind];
  return `plex://${node.kind}/${hex8(mix(node.seed, k, 1))}${hex8(mix(node.seed, k, 2))}${hex8(mix(node.seed, k, 3))}`;
}

export interface Overrides {
  title?: string;
  year?: number;
  tmdbId?: number;
  imdbId?: string;
  tvdbId?: number;
  /** Genre names; the library turns them into tag ids (`genreIds`) before generating. */
  genres?: string[];
  genreIds?: number[];
  summary?: string;
  addedAt?: number;
  viewCount?: number;
}

export interface GenerateContext {
  serverSeed: number;
  /** epoch seconds the library's timeline ends at. */
  anchor: number;
}

const FIVE_YEARS = 5 * 365 * 24 * 3600;

/** One top-level item (movie or show) number `index` of a server. */
export function makeTopLevel(
  ctx: GenerateContext,
  kind: 'movie' | 'show',
  sectionKey: string,
  index: number,
  ratingKey: number,
  overrides: Overrides = {},
): Node {
  const seed = mix(ctx.serverSeed, index, kind === 'movie' ? 1 : 2);
  const r = mulberry32(seed);
  const title = overrides.title ?? makeTitle(r);
  const year = overrides.year ?? 1960 + Math.floor(r() * 66);
  const addedAt = overrides.addedAt ?? ctx.anchor - Math.floor(r() * FIVE_YEARS);
  const updatedAt = Math.min(ctx.anchor, addedAt + Math.floor(r() * 60 * 24 * 3600));
  const watched = overrides.viewCount ?? (r() < 0.3 ? 1 + Math.floor(r() * 3) : 0);
  const genreIds = overrides.genreIds
    ? overrides.genreIds
    : overrides.genres
      ? overrides.genres
          .map((g) => GENRES.find((x) => x.tag.toLowerCase() === g.toLowerCase())?.id ?? 0)
          .filter(Boolean)
      : [...new Set([pick(r, GENRES).id, pick(r, GENRES).id])];
  // Ids are spread by the server seed and kept unique per server by the item index.
  const salt = ctx.serverSeed % 1000;
  const tmdbId = overrides.tmdbId ?? 100_000 + salt * 200_000 + index * 2 + (kind === 'show' ? 1 : 0);
  const sortTitle = sortTitleOf(title);
  return {
    kind,
    ratingKey,
    sectionKey,
    seed,
    title,
    sortKey: sortTitle.toLowerCase(),
    titleSort: sortTitle,
    year,
    originallyAvailableAt: dateOf(year, r),
    rating: Math.round((3 + r() * 6.9) * 10) / 10,
    audienceRating: Math.round((3 + r() * 6.9) * 10) / 10,
    contentRating: kind === 'movie' ? pick(r, MOVIE_RATINGS) : pick(r, TV_RATINGS),
    addedAt,
    updatedAt,
    lastViewedAt: watched ? Math.min(ctx.anchor, updatedAt + Math.floor(r() * 30 * 24 * 3600)) : null,
    viewCount: watched,
    genreIds,
    duration: kind === 'movie' ? (80 + Math.floor(r() * 80)) * 60_000 : (22 + Math.floor(r() * 40)) * 60_000,
    tmdbId,
    imdbId: overrides.imdbId ?? `tt${pad(1_000_000 + salt * 30_000 + index, 7)}`,
    tvdbId: overrides.tvdbId ?? (kind === 'show' ? 70_000 + salt * 100_000 + index : null),
    summary: overrides.summary ?? null,
    studio: pick(r, STUDIOS),
    index: kind === 'show' ? 1 : null,
    parent: null,
    children: null,
  };
}

/** Seasons of a show (1–5), each with 6–13 episodes; generated the first time anyone looks. */
export function childrenOf(show: Node): Node[] {
  if (show.children) return show.children;
  if (show.kind === 'show') {
    const r = mulberry32(mix(show.seed, 7));
    const count = 1 + Math.floor(r() * 5);
    show.children = Array.from({ length: count }, (_, i) => makeSeason(show, i + 1));
  } else if (show.kind === 'season') {
    const r = mulberry32(mix(show.seed, 11));
    const count = 6 + Math.floor(r() * 8);
    show.children = Array.from({ length: count }, (_, i) => makeEpisode(show, i + 1));
  } else {
    show.children = [];
  }
  return show.children;
}

function makeSeason(show: Node, n: number): Node {
  const seed = mix(show.seed, 100 + n);
  const r = mulberry32(seed);
  const year = Math.min(2026, show.year + n - 1);
  return {
    ...show,
    kind: 'season',
    ratingKey: SEASON_BASE + show.ratingKey * 100 + n,
    seed,
    title: `Season ${n}`,
    sortKey: `season ${pad(n, 3)}`,
    titleSort: `Season ${n}`,
    year,
    originallyAvailableAt: dateOf(year, r),
    tmdbId: show.tmdbId,
    imdbId: show.imdbId,
    tvdbId: show.tvdbId === null ? null : show.tvdbId * 100 + n,
    summary: null,
    index: n,
    parent: show,
    children: null,
  };
}

function makeEpisode(season: Node, n: number): Node {
  const seed = mix(season.seed, 1000 + n);
  const r = mulberry32(seed);
  const show = season.parent as Node;
  const addedAt = Math.min(show.updatedAt, show.addedAt + (season.index ?? 1) * 3600 + n * 60);
  const title = `The ${pick(r, NOUNS)}`;
  return {
    ...season,
    kind: 'episode',
    ratingKey: EPISODE_BASE + show.ratingKey * 10_000 + (season.index ?? 0) * 100 + n,
    seed,
    title,
    sortKey: `${pad(season.index ?? 0, 3)}-${pad(n, 4)}`,
    titleSort: title,
    originallyAvailableAt: dateOf(season.year, r),
    rating: Math.round((5 + r() * 4.9) * 10) / 10,
    addedAt,
    updatedAt: Math.max(addedAt, show.updatedAt),
    viewCount: show.viewCount > 0 && r() < 0.7 ? 1 : 0,
    lastViewedAt: null,
    tvdbId: season.tvdbId === null ? null : season.tvdbId * 100 + n,
    // Episode ids live in their own tt9xxxxxxx range so they never equal a movie's or show's.
    imdbId: `tt${90_000_000 + ((show.ratingKey * 131 + (season.index ?? 0) * 17 + n) % 9_999_999)}`,
    summary: null,
    index: n,
    parent: season,
    children: null,
  };
}

/** The details only the full view needs, derived from the item's seed. */
export interface Details {
  summary: string;
  tagline: string;
  directors: string[];
  writers: string[];
  roles: { tag: string; role: string }[];
  country: string;
  media: {
    bitrate: number;
    width: number;
    height: number;
    videoResolution: string;
    audioChannels: number;
    audioCodec: string;
    videoCodec: string;
    size: number;
  };
}

export function detailsOf(node: Node): Details {
  const r = mulberry32(mix(node.seed, 3));
  const person = () => `${pick(r, FIRST_NAMES)} ${pick(r, LAST_NAMES)}`;
  const where = pick(r, PLACES);
  const summary = node.summary ?? `${pick(r, PLOT_OPENERS)} ${where}, ${pick(r, PLOT_CLOSERS)}`;
  const res = pick(r, [
    { width: 1920, height: 1080, videoResolution: '1080', bitrate: 8000 },
    { width: 3840, height: 2160, videoResolution: '4k', bitrate: 24000 },
    { width: 1280, height: 720, videoResolution: '720', bitrate: 4000 },
  ] as const);
  return {
    summary,
    tagline: pick(r, TAGLINES),
    directors: [person()],
    writers: [person(), person()],
    roles: Array.from({ length: 4 }, (_, i) => ({
      tag: person(),
      role: i === 0 ? 'Lead' : `${pick(r, NOUNS)} ${i}`,
    })),
    country: pick(r, COUNTRIES),
    media: {
      ...res,
      audioChannels: pick(r, [2, 6, 8]),
      audioCodec: pick(r, ['aac', 'ac3', 'eac3', 'dts']),
      videoCodec: pick(r, ['h264', 'hevc']),
      size: Math.round((res.bitrate * 1000 * (node.duration / 1000)) / 8),
    },
  };
}
