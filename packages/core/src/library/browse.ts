/**
 * Browsing a household's Plex libraries as a member: sections, paged section items, item detail,
 * collections, search across servers and recently added. Everything goes to Plex live with the
 * member's token (see servers.ts); nothing here is stored, so a page never shows another member's
 * view. A single-server operation throws LibraryUnavailableError when that server is down or slow;
 * a cross-server one answers with what the reachable servers said plus an `unavailable` list, and
 * throws only when no server answered.
 */
import { z } from 'zod';
import { fn } from '../actor/fn.ts';
import type { PlexFilter, PlexItem } from '../integration/client/plex-server.ts';
import type { LibraryDeps } from './deps.ts';
import { LibraryNotFoundError, LibraryUnavailableError, ServerNotConnectedError } from './errors.ts';
import {
  type ItemDetail,
  type ItemSummary,
  openInPlexUrl,
  publicImage,
  type SectionInfo,
  toMedia,
  toSection,
  toSummary,
  type Unavailable,
} from './info.ts';
import { canSee, type MemberView, memberView, onServer, type ServerView, serverOf } from './servers.ts';

/** Plex answers 100 items in well under a second even on a 50,000-item section; the grid needs ~60. */
export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 60;

export const ServerId = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,128}$/, { error: 'not a Plex server id' })
  .optional();
const Key = z.string().regex(/^[0-9]{1,12}$/, { error: 'not a Plex key' });
const Cursor = z
  .string()
  .regex(/^[0-9]{1,7}$/, { error: 'invalid cursor' })
  .optional();
const Limit = z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE);
const Bool = z.preprocess(
  (v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v),
  z.boolean(),
);

export interface Page<T> {
  items: T[];
  total: number;
  /** Pass back as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
}

function pageOf<T>(items: T[], offset: number, total: number): Page<T> {
  const next = offset + items.length;
  return { items, total, nextCursor: items.length > 0 && next < total ? String(next) : null };
}

async function visibleSection(view: MemberView, serverId: string | undefined, sectionKey: string) {
  const server = serverOf(view, serverId);
  // A section the member may not see answers exactly like one that does not exist.
  if (!canSee(server.visible, sectionKey)) throw new LibraryNotFoundError('No such library section');
  return server;
}

function failureOf(server: ServerView, err: unknown): Unavailable {
  return {
    serverId: server.id,
    serverName: server.name,
    message: err instanceof Error ? err.message : String(err),
  };
}

/** Runs `call` on every server the member can see something on; partial answers carry `unavailable`. */
async function acrossServers<T>(
  deps: LibraryDeps,
  view: MemberView,
  call: (server: ServerView) => Promise<T>,
): Promise<{ results: { server: ServerView; value: T }[]; unavailable: Unavailable[] }> {
  // No server at all is "not set up yet" (a link to the settings), not "nothing shared with you".
  if (view.servers.length === 0) throw new ServerNotConnectedError();
  const servers = view.servers.filter((s) => s.visible === 'all' || s.visible.size > 0);
  const settled = await Promise.allSettled(servers.map((s) => onServer(deps, view, s, () => call(s))));
  const results: { server: ServerView; value: T }[] = [];
  const unavailable: Unavailable[] = [];
  let firstError: unknown;
  settled.forEach((r, i) => {
    const server = servers[i] as ServerView;
    if (r.status === 'fulfilled') results.push({ server, value: r.value });
    else if (r.reason instanceof LibraryUnavailableError) {
      firstError ??= r.reason;
      unavailable.push(failureOf(server, r.reason));
    } else throw r.reason;
  });
  if (results.length === 0 && firstError) throw firstError;
  return { results, unavailable };
}

// ---------------------------------------------------------------------------------------------
// Sections

export const SectionsInput = z.object({}).default({});

export const sections = fn(
  SectionsInput,
  async (deps: LibraryDeps): Promise<{ sections: SectionInfo[]; unavailable: Unavailable[] }> => {
    const view = await memberView(deps);
    const { results, unavailable } = await acrossServers(deps, view, (s) => s.client.sections());
    return {
      sections: results.flatMap(({ server, value }) =>
        value
          .filter((sec) => canSee(server.visible, sec.key))
          .map((sec) => toSection(server.id, server.name, sec)),
      ),
      unavailable,
    };
  },
);

// ---------------------------------------------------------------------------------------------
// Items of a section

export const SORTS = {
  title: 'titleSort',
  year: 'year',
  added: 'addedAt',
  rating: 'audienceRating',
} as const;
/** What a sort means when no order is given: A→Z, newest first, best first. */
const DEFAULT_ORDER = { title: 'asc', year: 'desc', added: 'desc', rating: 'desc' } as const;

export const ItemsInput = z.object({
  serverId: ServerId,
  sectionKey: Key,
  sort: z.enum(['title', 'year', 'added', 'rating']).default('title'),
  order: z.enum(['asc', 'desc']).optional(),
  genre: z.string().trim().min(1).max(80).optional(),
  year: z.coerce.number().int().min(1800).max(2200).optional(),
  unwatched: Bool.optional(),
  type: z.enum(['movie', 'show', 'season', 'episode']).optional(),
  cursor: Cursor,
  limit: Limit,
});
export type ItemsInput = z.input<typeof ItemsInput>;

/** The Plex query an items request becomes (exported for the mapping tests). */
export function plexQuery(input: z.output<typeof ItemsInput>) {
  const order = input.order ?? DEFAULT_ORDER[input.sort];
  const field = SORTS[input.sort];
  // Ties (same year, same rating) fall back to the title so paging is stable.
  const sort = `${field}:${order}${input.sort === 'title' ? '' : ',titleSort'}`;
  const filters: PlexFilter[] = [];
  if (input.genre !== undefined) filters.push({ field: 'genre', value: input.genre });
  if (input.year !== undefined) filters.push({ field: 'year', value: input.year });
  if (input.unwatched !== undefined) filters.push({ field: 'unwatched', value: input.unwatched ? 1 : 0 });
  return {
    sort,
    filters,
    type: input.type,
    start: input.cursor === undefined ? 0 : Number(input.cursor),
    size: input.limit,
  };
}

export const items = fn(ItemsInput, async (deps: LibraryDeps, input): Promise<Page<ItemSummary>> => {
  const view = await memberView(deps);
  const server = await visibleSection(view, input.serverId, input.sectionKey);
  const q = plexQuery(input);
  const page = await onServer(deps, view, server, (c) => c.sectionItems(input.sectionKey, q));
  return pageOf(
    page.items.map((i) => toSummary(server.id, i)),
    q.start,
    page.totalSize,
  );
});

// ---------------------------------------------------------------------------------------------
// A section's filter choices

export const FiltersInput = z.object({ serverId: ServerId, sectionKey: Key });

export const FilterChoice = z.object({
  /** What `items` takes as `genre` (Plex's tag id). */
  key: z.string(),
  title: z.string(),
});
export const SectionFilters = z.object({
  /** The genres the section's items have, A→Z. */
  genres: z.array(FilterChoice),
  /** The years the section's items are from, newest first. */
  years: z.array(z.number().int()),
});
export type SectionFilters = z.infer<typeof SectionFilters>;

/** Genres change when Plex scans; a minute's staleness costs nothing and saves two calls per visit. */
export const FILTERS_CACHE_MS = 60_000;
const FILTERS_CACHE_MAX = 500;
const filtersCache = new Map<string, { at: number; value: SectionFilters }>();

/** Forgets cached filter choices (tests). */
export function clearFiltersCache(): void {
  filtersCache.clear();
}

/**
 * The genres and years of one section, read from Plex (`/library/sections/{key}/genre` and
 * `/year`) for the filter controls. Visibility is checked on every call; the answer is cached
 * briefly per household, server, section and (for a friend's own share token) member.
 */
export const sectionFilters = fn(FiltersInput, async (deps: LibraryDeps, input): Promise<SectionFilters> => {
  const view = await memberView(deps);
  const server = await visibleSection(view, input.serverId, input.sectionKey);
  const who = server.viaShare ? view.access.userId : '*';
  const cacheKey = `${view.householdId}|${server.id}|${input.sectionKey}|${who}`;
  const now = deps.clock.now();
  const hit = filtersCache.get(cacheKey);
  if (hit && now - hit.at < FILTERS_CACHE_MS) return hit.value;
  const [genres, years] = await Promise.all([
    onServer(deps, view, server, (c) => c.filterChoices(input.sectionKey, 'genre')),
    onServer(deps, view, server, (c) => c.filterChoices(input.sectionKey, 'year')),
  ]);
  const value: SectionFilters = {
    genres: genres
      .filter((g) => g.title.trim() !== '')
      .sort((a, b) => a.title.localeCompare(b.title, 'en', { sensitivity: 'base' })),
    years: [...new Set(years.map((y) => Number(y.key)).filter((y) => Number.isInteger(y) && y > 0))].sort(
      (a, b) => b - a,
    ),
  };
  if (filtersCache.size >= FILTERS_CACHE_MAX) filtersCache.clear();
  filtersCache.set(cacheKey, { at: now, value });
  return value;
});

// ---------------------------------------------------------------------------------------------
// One item

export const ItemInput = z.object({ serverId: ServerId, ratingKey: Key });

const tags = (list: { tag: string }[] | undefined) => (list ?? []).map((t) => t.tag);

export const item = fn(ItemInput, async (deps: LibraryDeps, input): Promise<ItemDetail> => {
  const view = await memberView(deps);
  const server = serverOf(view, input.serverId);
  const found = await onServer(deps, view, server, (c) => c.item(input.ratingKey, { includeGuids: true }));
  if (!found || !canSee(server.visible, found.librarySectionID)) throw new LibraryNotFoundError();
  const kids =
    found.type === 'show' || found.type === 'season'
      ? await onServer(deps, view, server, (c) => c.children(input.ratingKey, { start: 0, size: MAX_PAGE }))
      : undefined;
  return toDetail(server.id, found, kids);
});

function toDetail(
  serverId: string,
  i: PlexItem,
  kids: { items: PlexItem[]; totalSize: number } | undefined,
): ItemDetail {
  return {
    ...toSummary(serverId, i),
    summary: i.summary ?? null,
    tagline: i.tagline ?? null,
    studio: i.studio ?? null,
    originallyAvailableAt: i.originallyAvailableAt ?? null,
    genres: tags(i.Genre),
    directors: tags(i.Director),
    writers: tags(i.Writer),
    countries: tags(i.Country),
    cast: (i.Role ?? []).map((r) => ({ name: r.tag, role: r.role ?? null, thumb: publicImage(r.thumb) })),
    media: (i.Media ?? []).flatMap((m) => toMedia(m) ?? []),
    guids: (i.Guid ?? []).map((g) => g.id),
    children: (kids?.items ?? []).map((k) => toSummary(serverId, k)),
    childrenTotal: kids?.totalSize ?? 0,
    openInPlexUrl: openInPlexUrl(serverId, i.ratingKey),
  };
}

/** A season's episodes (or a show's seasons) beyond the first page of `item`. */
export const ChildrenInput = z.object({ serverId: ServerId, ratingKey: Key, cursor: Cursor, limit: Limit });

export const children = fn(ChildrenInput, async (deps: LibraryDeps, input): Promise<Page<ItemSummary>> => {
  const view = await memberView(deps);
  const server = serverOf(view, input.serverId);
  const start = Number(input.cursor ?? 0);
  const page = await onServer(deps, view, server, (c) =>
    c.children(input.ratingKey, { start, size: input.limit }),
  );
  // The children name their section; an empty page proves nothing, so check the parent then.
  const sectionKey =
    page.items[0]?.librarySectionID ??
    (await onServer(deps, view, server, (c) => c.item(input.ratingKey)))?.librarySectionID;
  if (!canSee(server.visible, sectionKey)) throw new LibraryNotFoundError();
  return pageOf(
    page.items.map((k) => toSummary(server.id, k)),
    start,
    page.totalSize,
  );
});

// ---------------------------------------------------------------------------------------------
// Collections

export const CollectionsInput = z.object({
  serverId: ServerId,
  sectionKey: Key,
  cursor: Cursor,
  limit: Limit,
});

export const collections = fn(
  CollectionsInput,
  async (deps: LibraryDeps, input): Promise<Page<ItemSummary>> => {
    const view = await memberView(deps);
    const server = await visibleSection(view, input.serverId, input.sectionKey);
    const start = Number(input.cursor ?? 0);
    const page = await onServer(deps, view, server, (c) =>
      c.collections(input.sectionKey, { start, size: input.limit }),
    );
    return pageOf(
      page.items.map((i) => toSummary(server.id, i)),
      start,
      page.totalSize,
    );
  },
);

export const CollectionInput = z.object({
  serverId: ServerId,
  collectionKey: Key,
  cursor: Cursor,
  limit: Limit,
});

export const collection = fn(
  CollectionInput,
  async (deps: LibraryDeps, input): Promise<{ collection: ItemSummary; items: Page<ItemSummary> }> => {
    const view = await memberView(deps);
    const server = serverOf(view, input.serverId);
    const start = Number(input.cursor ?? 0);
    const [col, page] = await Promise.all([
      onServer(deps, view, server, (c) => c.item(input.collectionKey)),
      onServer(deps, view, server, (c) =>
        c.collectionItems(input.collectionKey, { start, size: input.limit }),
      ),
    ]);
    if (col?.type !== 'collection' || !canSee(server.visible, col.librarySectionID)) {
      throw new LibraryNotFoundError('No such collection');
    }
    return {
      collection: toSummary(server.id, col),
      items: pageOf(
        page.items.map((i) => toSummary(server.id, i)),
        start,
        page.totalSize,
      ),
    };
  },
);

// ---------------------------------------------------------------------------------------------
// Search

export const SearchInput = z.object({
  query: z.string().trim().min(1, { error: 'type something to search for' }).max(200),
  limit: z.coerce.number().int().min(1).max(50).default(10),
});

export interface SearchGroup {
  /** movie | show | episode | collection | … */
  type: string;
  title: string;
  items: ItemSummary[];
}

const GROUP_ORDER = ['movie', 'show', 'season', 'episode', 'collection'];

export const search = fn(
  SearchInput,
  async (deps: LibraryDeps, input): Promise<{ groups: SearchGroup[]; unavailable: Unavailable[] }> => {
    const view = await memberView(deps);
    const { results, unavailable } = await acrossServers(deps, view, (s) =>
      s.client.search(input.query, { limit: input.limit, includeCollections: true }),
    );
    const groups = new Map<string, SearchGroup>();
    for (const { server, value: hubs } of results) {
      for (const hub of hubs) {
        const visible = hub.items.filter((i) => canSee(server.visible, i.librarySectionID));
        if (visible.length === 0) continue;
        const type = hub.type || visible[0]?.type || 'other';
        const group = groups.get(type) ?? { type, title: hub.title || type, items: [] };
        group.items.push(...visible.map((i) => toSummary(server.id, i)));
        groups.set(type, group);
      }
    }
    const rank = (t: string) => GROUP_ORDER.indexOf(t) + 1 || GROUP_ORDER.length + 1;
    return {
      groups: [...groups.values()]
        .map((g) => ({ ...g, items: g.items.slice(0, input.limit) }))
        .sort((a, b) => rank(a.type) - rank(b.type)),
      unavailable,
    };
  },
);

// ---------------------------------------------------------------------------------------------
// Recently added

export const RecentlyAddedInput = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

export const recentlyAdded = fn(
  RecentlyAddedInput,
  async (deps: LibraryDeps, input): Promise<{ items: ItemSummary[]; unavailable: Unavailable[] }> => {
    const view = await memberView(deps);
    const { results, unavailable } = await acrossServers(deps, view, async (s) => {
      if (s.visible === 'all') return (await s.client.recentlyAdded({ size: input.limit })).items;
      // Only the shared sections: one call each (a friend rarely has more than a handful).
      const pages = await Promise.all(
        [...s.visible].map((key) => s.client.recentlyAdded({ sectionKey: key, size: input.limit })),
      );
      return pages.flatMap((p) => p.items);
    });
    return {
      items: results
        .flatMap(({ server, value }) =>
          value.filter((i) => canSee(server.visible, i.librarySectionID)).map((i) => toSummary(server.id, i)),
        )
        .sort((a, b) => (b.addedAt ?? 0) - (a.addedAt ?? 0))
        .slice(0, input.limit),
      unavailable,
    };
  },
);
