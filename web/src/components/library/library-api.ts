/**
 * The library API (`/api/v1/households/:hid/library/…`, packages/api/src/v1/library.ts): zod/mini
 * shapes for what the pages read, and path builders. Enumerations stay open strings so a newer
 * server still renders.
 */
import * as z from 'zod/mini';
import { api } from '../../lib/api.ts';

const nstr = z.nullable(z.string());
const nnum = z.nullable(z.number());

export const Section = z.object({
  serverId: z.string(),
  serverName: z.string(),
  key: z.string(),
  title: z.string(),
  type: z.string(),
  thumb: nstr,
  art: nstr,
  updatedAt: nnum,
});
export type Section = z.infer<typeof Section>;

export const Unavailable = z.object({ serverId: z.string(), serverName: z.string(), message: z.string() });
export type Unavailable = z.infer<typeof Unavailable>;

export const Item = z.object({
  serverId: z.string(),
  ratingKey: z.string(),
  sectionKey: nstr,
  type: z.string(),
  title: z.string(),
  parentTitle: nstr,
  grandparentTitle: nstr,
  index: nnum,
  parentIndex: nnum,
  year: nnum,
  thumb: nstr,
  art: nstr,
  addedAt: nnum,
  rating: nnum,
  contentRating: nstr,
  duration: nnum,
  watched: z.boolean(),
  progress: nnum,
  childCount: nnum,
  leafCount: nnum,
  viewedLeafCount: nnum,
});
export type Item = z.infer<typeof Item>;

export const Media = z.object({
  videoResolution: nstr,
  videoCodec: nstr,
  audioCodec: nstr,
  audioChannels: nnum,
  container: nstr,
  bitrate: nnum,
  width: nnum,
  height: nnum,
  duration: nnum,
  size: nnum,
});
export type Media = z.infer<typeof Media>;

export const Detail = z.extend(Item, {
  summary: nstr,
  tagline: nstr,
  studio: nstr,
  originallyAvailableAt: nstr,
  genres: z.array(z.string()),
  directors: z.array(z.string()),
  writers: z.array(z.string()),
  countries: z.array(z.string()),
  cast: z.array(z.object({ name: z.string(), role: nstr, thumb: nstr })),
  media: z.array(Media),
  guids: z.array(z.string()),
  children: z.array(Item),
  childrenTotal: z.number(),
  openInPlexUrl: z.string(),
});
export type Detail = z.infer<typeof Detail>;

export const ItemsPage = z.object({ items: z.array(Item), total: z.number(), nextCursor: nstr });
export type ItemsPage = z.infer<typeof ItemsPage>;

const SectionsOut = z.object({ sections: z.array(Section), unavailable: z.array(Unavailable) });
const SearchOut = z.object({
  groups: z.array(z.object({ type: z.string(), title: z.string(), items: z.array(Item) })),
  unavailable: z.array(Unavailable),
});
export type SearchResult = z.infer<typeof SearchOut>;
const CollectionOut = z.object({ collection: Item, items: ItemsPage });
export type CollectionResult = z.infer<typeof CollectionOut>;

export const SyncStatus = z.object({
  state: z.string(),
  mode: z.nullable(z.string()),
  progress: z.number(),
  sections: z.array(
    z.object({ title: z.string(), total: z.number(), offset: z.number(), done: z.boolean() }),
  ),
  counts: z.object({ itemsRead: z.number(), written: z.number() }),
  startedAt: nnum,
  finishedAt: nnum,
  lastFullAt: nnum,
  lastIncrementalAt: nnum,
  error: nstr,
  stalled: z.boolean(),
});
export type SyncStatus = z.infer<typeof SyncStatus>;

export const SectionFilters = z.object({
  genres: z.array(z.object({ key: z.string(), title: z.string() })),
  years: z.array(z.number()),
});
export type SectionFilters = z.infer<typeof SectionFilters>;

const enc = encodeURIComponent;
const base = (hid: string) => `/v1/households/${enc(hid)}/library`;

export type Sort = 'title' | 'year' | 'added' | 'rating';
export interface ItemsQuery {
  sort?: Sort | undefined;
  order?: 'asc' | 'desc' | undefined;
  genre?: string | undefined;
  year?: number | undefined;
  unwatched?: boolean | undefined;
  type?: string | undefined;
}

function qs(params: Record<string, string | number | boolean | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export const libraryApi = {
  sections: (hid: string, signal?: AbortSignal) =>
    api.get(`${base(hid)}/sections`, { schema: SectionsOut, signal }),
  /** One page by offset: the grid asks for exactly the page it shows. */
  items: (
    hid: string,
    serverId: string,
    sectionKey: string,
    q: ItemsQuery,
    offset: number,
    limit: number,
    signal?: AbortSignal,
  ) =>
    api.get(
      `${base(hid)}/sections/${enc(serverId)}/${enc(sectionKey)}/items${qs({
        sort: q.sort,
        order: q.order,
        genre: q.genre,
        year: q.year,
        unwatched: q.unwatched,
        type: q.type,
        cursor: offset > 0 ? offset : undefined,
        limit,
      })}`,
      { schema: ItemsPage, signal },
    ),
  /** The section's genres (the key is what `items` takes as `genre`) and years, newest first. */
  filters: (hid: string, serverId: string, sectionKey: string, signal?: AbortSignal) =>
    api.get(`${base(hid)}/sections/${enc(serverId)}/${enc(sectionKey)}/filters`, {
      schema: SectionFilters,
      signal,
    }),
  item: (hid: string, serverId: string, ratingKey: string, signal?: AbortSignal) =>
    api.get(`${base(hid)}/items/${enc(serverId)}/${enc(ratingKey)}`, { schema: Detail, signal }),
  children: (hid: string, serverId: string, ratingKey: string, offset: number, limit: number) =>
    api.get(
      `${base(hid)}/items/${enc(serverId)}/${enc(ratingKey)}/children${qs({ cursor: offset || undefined, limit })}`,
      { schema: ItemsPage },
    ),
  collections: (hid: string, serverId: string, sectionKey: string, offset: number, limit: number) =>
    api.get(
      `${base(hid)}/sections/${enc(serverId)}/${enc(sectionKey)}/collections${qs({ cursor: offset || undefined, limit })}`,
      { schema: ItemsPage },
    ),
  collection: (hid: string, serverId: string, key: string, offset: number, limit: number) =>
    api.get(
      `${base(hid)}/collections/${enc(serverId)}/${enc(key)}${qs({ cursor: offset || undefined, limit })}`,
      { schema: CollectionOut },
    ),
  search: (hid: string, query: string, limit: number, signal?: AbortSignal) =>
    api.get(`${base(hid)}/search${qs({ q: query, limit })}`, { schema: SearchOut, signal }),
  recentlyAdded: (hid: string, limit: number, signal?: AbortSignal) =>
    api.get(`${base(hid)}/recently-added${qs({ limit })}`, {
      schema: z.object({ items: z.array(Item), unavailable: z.array(Unavailable) }),
      signal,
    }),
  syncStatus: (hid: string) => api.get(`${base(hid)}/sync`, { schema: SyncStatus }),
  startSync: (hid: string, mode: 'full' | 'incremental') =>
    api.post(`${base(hid)}/sync`, { mode }, { schema: z.object({ status: SyncStatus }) }),
};

/** The image route for a Plex image path at one of the fixed sizes (the server refuses others). */
export function imageUrl(hid: string, serverId: string, path: string, w: number, h: number): string {
  return `/api${base(hid)}/image/${enc(serverId)}${qs({ path, w, h })}`;
}

/** App links. */
export const links = {
  library: (hid: string) => `/households/${enc(hid)}/library`,
  section: (hid: string, serverId: string, key: string) =>
    `/households/${enc(hid)}/library/sections/${enc(serverId)}/${enc(key)}`,
  sectionCollections: (hid: string, serverId: string, key: string) =>
    `/households/${enc(hid)}/library/sections/${enc(serverId)}/${enc(key)}/collections`,
  item: (hid: string, serverId: string, ratingKey: string) =>
    `/households/${enc(hid)}/library/items/${enc(serverId)}/${enc(ratingKey)}`,
  collection: (hid: string, serverId: string, key: string) =>
    `/households/${enc(hid)}/library/collections/${enc(serverId)}/${enc(key)}`,
  search: (hid: string, q?: string) => `/households/${enc(hid)}/library/search${q ? qs({ q }) : ''}`,
  integrations: (hid: string) => `/households/${enc(hid)}/settings/integrations`,
};

/** Where an item leads: collections open as collections, everything else as an item. */
export const itemHref = (hid: string, i: Item) =>
  i.type === 'collection'
    ? links.collection(hid, i.serverId, i.ratingKey)
    : links.item(hid, i.serverId, i.ratingKey);

/** "S2 · E5" for an episode, the year for the rest. */
export function subtitleOf(i: Item): string {
  if (i.type === 'episode') {
    const se = [i.parentIndex !== null ? `S${i.parentIndex}` : '', i.index !== null ? `E${i.index}` : '']
      .filter(Boolean)
      .join(' · ');
    return [i.grandparentTitle, se].filter(Boolean).join(' — ');
  }
  if (i.type === 'season') {
    return i.leafCount !== null
      ? `${i.leafCount} episode${i.leafCount === 1 ? '' : 's'}`
      : (i.parentTitle ?? '');
  }
  if (i.type === 'show' && i.childCount !== null) {
    return [i.year, `${i.childCount} season${i.childCount === 1 ? '' : 's'}`].filter(Boolean).join(' · ');
  }
  return i.year !== null ? String(i.year) : '';
}

export function formatDuration(ms: number | null): string {
  if (ms === null || ms <= 0) return '';
  const min = Math.round(ms / 60_000);
  const h = Math.floor(min / 60);
  return h > 0 ? `${h} h ${min % 60} min` : `${min} min`;
}
