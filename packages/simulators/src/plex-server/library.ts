/**
 * The PMS simulator's state: sections filled by the generator, collections, scan requests and
 * now-playing sessions. Sorted/filtered listings are cached per query until the library changes,
 * so paging through 50,000 items does not re-sort on every page.
 */
import { createHash } from 'node:crypto';
import { AppError } from '@medianest/core/error/index';
import { type Section, SectionSpec } from '../scenario/schema.ts';
import {
  COLLECTION_BASE,
  childrenOf,
  EPISODE_BASE,
  type GenerateContext,
  makeTopLevel,
  type Node,
  type Overrides,
  plexGuidOf,
  SEASON_BASE,
} from './generator.ts';
import { GENRES } from './words.ts';

export interface SectionState {
  spec: Section;
  uuid: string;
  createdAt: number;
  updatedAt: number;
  scannedAt: number;
  contentChangedAt: number;
  refreshing: boolean;
  items: Node[];
}

export interface CollectionState {
  ratingKey: number;
  sectionKey: string;
  title: string;
  subtype: 'movie' | 'show' | 'season' | 'episode';
  guid: string;
  smart: boolean;
  addedAt: number;
  updatedAt: number;
  items: number[];
}

export interface Refresh {
  sectionKey: string;
  path: string | null;
  force: boolean;
  method: string;
  at: number;
  cancelled: boolean;
}

export interface PlayerSpec {
  title: string;
  address: string;
  machineIdentifier: string;
  platform: string;
  product: string;
  state: 'playing' | 'paused' | 'buffering';
  local: boolean;
  relayed: boolean;
  secure: boolean;
}

export interface TranscodeSpec {
  videoDecision?: 'transcode' | 'copy' | 'directplay';
  audioDecision?: 'transcode' | 'copy' | 'directplay';
  progress?: number;
  speed?: number;
  throttled?: boolean;
}

export interface SessionSpec {
  ratingKey: string | number;
  sessionKey?: string;
  user: { id: number; title: string; thumb?: string };
  player?: Partial<PlayerSpec>;
  /** ms */
  viewOffset?: number;
  /** kbps */
  bandwidth?: number;
  location?: 'lan' | 'wan';
  transcode?: boolean | TranscodeSpec;
}

export type FilterOp = '=' | '>>' | '<<' | '!';
export interface Filter {
  field: string;
  op: FilterOp;
  value: string;
}

export interface ListQuery {
  type?: number;
  sort?: string;
  filters: Filter[];
}

export const TYPE_NUMBER: Record<string, number> = {
  movie: 1,
  show: 2,
  season: 3,
  episode: 4,
  collection: 18,
};

const SORT_FIELDS: Record<string, (n: Node) => number | string> = {
  titleSort: (n) => n.sortKey,
  title: (n) => n.sortKey,
  addedAt: (n) => n.addedAt,
  updatedAt: (n) => n.updatedAt,
  year: (n) => n.year,
  rating: (n) => n.rating,
  audienceRating: (n) => n.audienceRating,
  originallyAvailableAt: (n) => n.originallyAvailableAt,
  lastViewedAt: (n) => n.lastViewedAt ?? 0,
  viewCount: (n) => n.viewCount,
  duration: (n) => n.duration,
  index: (n) => n.index ?? 0,
};

const NUMERIC_FILTERS: Record<string, (n: Node) => number> = {
  year: (n) => n.year,
  addedAt: (n) => n.addedAt,
  updatedAt: (n) => n.updatedAt,
  rating: (n) => n.rating,
  lastViewedAt: (n) => n.lastViewedAt ?? 0,
  viewCount: (n) => n.viewCount,
  duration: (n) => n.duration,
};

export interface LibraryOptions {
  machineIdentifier: string;
  seed: number;
  sections: SectionSpec[];
  clock: () => number;
}

export class Library {
  readonly machineIdentifier: string;
  readonly clock: () => number;
  readonly ctx: GenerateContext;
  readonly sections: SectionState[] = [];
  #top = new Map<number, Node>();
  #nextIndex = 0;
  #collections = new Map<number, CollectionState>();
  #nextCollection = 1;
  #refreshes: Refresh[] = [];
  sessions: SessionSpec[] = [];
  #cache = new Map<string, Node[]>();
  #guids: Map<string, Node> | null = null;
  #choiceCache = new Map<string, { key: string; title: string }[]>();
  /** Genre tags by id: the generator's vocabulary, plus any name an added item brings (as a scan would). */
  readonly #genres = new Map<number, string>(GENRES.map((g) => [g.id, g.tag]));

  constructor(options: LibraryOptions) {
    this.machineIdentifier = options.machineIdentifier;
    this.clock = options.clock;
    const anchor = this.now();
    this.ctx = { serverSeed: options.seed, anchor };
    for (const raw of options.sections) {
      const spec = SectionSpec.parse(raw);
      if (this.sections.some((s) => s.spec.key === spec.key))
        throw new AppError('conflict', 'section.duplicate', `section ${spec.key} twice`);
      const state: SectionState = {
        spec,
        uuid: uuidOf(`${options.machineIdentifier}:${spec.key}`),
        createdAt: anchor - 6 * 365 * 24 * 3600,
        updatedAt: anchor,
        scannedAt: anchor,
        contentChangedAt: anchor,
        refreshing: false,
        items: [],
      };
      this.sections.push(state);
      for (let i = 0; i < spec.count; i++) state.items.push(this.#make(state, {}));
    }
  }

  now(): number {
    return Math.floor(this.clock() / 1000);
  }

  #make(section: SectionState, overrides: Overrides): Node {
    const index = this.#nextIndex++;
    const { genres, ...rest } = overrides;
    const resolved = genres ? { ...rest, genreIds: [...new Set(genres.map((g) => this.genreId(g)))] } : rest;
    const node = makeTopLevel(this.ctx, section.spec.type, section.spec.key, index, 1000 + index, resolved);
    this.#top.set(node.ratingKey, node);
    if (this.#guids) for (const g of guidsOf(node)) this.#guids.set(g, node);
    return node;
  }

  /** The tag id of a genre name (case-insensitive); an unknown name becomes a new tag. */
  genreId(name: string): number {
    const known = this.#findGenre(name.trim());
    if (known !== undefined) return known;
    const id = Math.max(...this.#genres.keys()) + 1;
    this.#genres.set(id, name.trim());
    return id;
  }

  genreTag(id: number): string {
    return this.#genres.get(id) ?? 'Unknown';
  }

  /**
   * The filter choices of a section's field, as `/library/sections/{key}/{field}` lists them: only
   * values some top-level item has. Genres A→Z by tag, years newest first.
   */
  choices(section: SectionState, field: 'genre' | 'year'): { key: string; title: string }[] {
    const cacheKey = `choices|${section.spec.key}|${field}`;
    const hit = this.#choiceCache.get(cacheKey);
    if (hit) return hit;
    let out: { key: string; title: string }[];
    if (field === 'genre') {
      const ids = new Set<number>();
      for (const n of section.items) for (const g of n.genreIds) ids.add(g);
      out = [...ids]
        .map((id) => ({ key: String(id), title: this.genreTag(id) }))
        .sort((a, b) => a.title.localeCompare(b.title, 'en'));
    } else {
      const years = new Set<number>();
      for (const n of section.items) years.add(n.year);
      out = [...years].sort((a, b) => b - a).map((y) => ({ key: String(y), title: String(y) }));
    }
    this.#choiceCache.set(cacheKey, out);
    return out;
  }

  section(key: string): SectionState | undefined {
    return this.sections.find((s) => s.spec.key === key);
  }

  /** Any metadata item by rating key: top-level, season, episode. */
  node(ratingKey: number): Node | undefined {
    if (ratingKey >= EPISODE_BASE) {
      const rest = ratingKey - EPISODE_BASE;
      const show = this.#top.get(Math.floor(rest / 10_000));
      const seasonIndex = Math.floor((rest % 10_000) / 100);
      const season =
        show?.kind === 'show' ? childrenOf(show).find((s) => s.index === seasonIndex) : undefined;
      return season ? childrenOf(season).find((e) => e.ratingKey === ratingKey) : undefined;
    }
    if (ratingKey >= SEASON_BASE) {
      const show = this.#top.get(Math.floor((ratingKey - SEASON_BASE) / 100));
      return show?.kind === 'show' ? childrenOf(show).find((s) => s.ratingKey === ratingKey) : undefined;
    }
    return this.#top.get(ratingKey);
  }

  childrenOf(node: Node): Node[] {
    return childrenOf(node);
  }

  /** A section's rows for a query; cached until the next change to the library. */
  list(section: SectionState, query: ListQuery): Node[] {
    const key = `${section.spec.key}|${query.type ?? ''}|${query.sort ?? ''}|${query.filters.map((f) => `${f.field}${f.op}${f.value}`).join('&')}`;
    const hit = this.#cache.get(key);
    if (hit) return hit;
    const top = TYPE_NUMBER[section.spec.type] as number;
    const type = query.type ?? top;
    let rows: Node[];
    if (type === top) rows = section.items;
    else if (section.spec.type === 'show' && type === 3) rows = section.items.flatMap((s) => childrenOf(s));
    else if (section.spec.type === 'show' && type === 4)
      rows = section.items.flatMap((s) => childrenOf(s).flatMap((season) => childrenOf(season)));
    else rows = [];
    for (const f of query.filters) rows = rows.filter(predicate(f, (name) => this.#findGenre(name)));
    rows = sortRows(rows, query.sort);
    if (this.#cache.size > 32) this.#cache.clear();
    this.#cache.set(key, rows);
    return rows;
  }

  /** Adds items to a section as a scan would: new rating keys, `addedAt` now. */
  addItems(sectionKey: string, what: number | Overrides[]): Node[] {
    const section = this.section(sectionKey);
    if (!section) throw new AppError('not_found', 'section.not_found', `no section ${sectionKey}`);
    const now = this.now();
    const specs = typeof what === 'number' ? Array.from({ length: what }, () => ({})) : what;
    const added = specs.map((o) => {
      const node = this.#make(section, { addedAt: now, viewCount: 0, ...o });
      node.updatedAt = Math.max(node.addedAt, now);
      return node;
    });
    section.items.push(...added);
    section.updatedAt = now;
    section.contentChangedAt = now;
    this.#cache.clear();
    this.#choiceCache.clear();
    return added;
  }

  #findGenre(name: string): number | undefined {
    const wanted = name.toLowerCase();
    for (const [id, tag] of this.#genres) if (tag.toLowerCase() === wanted) return id;
    return undefined;
  }

  #guidIndex(): Map<string, Node> {
    if (!this.#guids) {
      this.#guids = new Map();
      for (const node of this.#top.values()) for (const g of guidsOf(node)) this.#guids.set(g, node);
    }
    return this.#guids;
  }

  /** `tmdb://603`, `imdb://tt0133093`, `tvdb://…` or the `plex://…` guid of a movie or show. */
  findByGuid(guid: string): Node | undefined {
    return this.#guidIndex().get(guid);
  }

  // collections

  collections(): CollectionState[] {
    return [...this.#collections.values()].map((c) => ({ ...c, items: [...c.items] }));
  }

  collection(ratingKey: number): CollectionState | undefined {
    return this.#collections.get(ratingKey);
  }

  collectionsOf(sectionKey: string): CollectionState[] {
    return [...this.#collections.values()].filter((c) => c.sectionKey === sectionKey);
  }

  createCollection(sectionKey: string, title: string, type: number, itemKeys: number[]): CollectionState {
    const section = this.section(sectionKey);
    if (!section) throw new AppError('invalid', 'section.not_found', `no section ${sectionKey}`);
    const subtype = Object.entries(TYPE_NUMBER).find(
      ([, n]) => n === type,
    )?.[0] as CollectionState['subtype'];
    if (!subtype || subtype === ('collection' as string))
      throw new AppError('invalid', 'collection.type', `bad type ${type}`);
    const ratingKey = COLLECTION_BASE + this.#nextCollection++;
    const now = this.now();
    const col: CollectionState = {
      ratingKey,
      sectionKey,
      title,
      subtype,
      guid: `collection://${uuidOf(`${this.machineIdentifier}:collection:${ratingKey}`)}`,
      smart: false,
      addedAt: now,
      updatedAt: now,
      items: [],
    };
    this.#collections.set(ratingKey, col);
    this.addToCollection(col, itemKeys);
    return col;
  }

  addToCollection(col: CollectionState, itemKeys: number[]): void {
    for (const key of itemKeys) {
      const node = this.node(key);
      if (!node || node.sectionKey !== col.sectionKey)
        throw new AppError('invalid', 'collection.item', `item ${key} is not in section ${col.sectionKey}`);
      if (node.kind !== col.subtype)
        throw new AppError(
          'invalid',
          'collection.mixed',
          `cannot add a ${node.kind} to a ${col.subtype} collection`,
        );
      if (!col.items.includes(key)) col.items.push(key);
    }
    col.updatedAt = this.now();
  }

  removeFromCollection(col: CollectionState, itemKey: number): boolean {
    const before = col.items.length;
    col.items = col.items.filter((k) => k !== itemKey);
    col.updatedAt = this.now();
    return col.items.length !== before;
  }

  deleteCollection(ratingKey: number): boolean {
    return this.#collections.delete(ratingKey);
  }

  // scans

  refresh(sectionKey: string, path: string | null, force: boolean, method: string): Refresh[] {
    const targets = sectionKey === 'all' ? this.sections : [this.section(sectionKey)];
    if (targets.some((t) => !t))
      throw new AppError('not_found', 'section.not_found', `no section ${sectionKey}`);
    const at = this.now();
    return (targets as SectionState[]).map((t) => {
      t.scannedAt = at;
      const r: Refresh = { sectionKey: t.spec.key, path, force, method, at, cancelled: false };
      this.#refreshes.push(r);
      return r;
    });
  }

  cancelRefresh(sectionKey: string): number {
    let n = 0;
    for (const r of this.#refreshes) {
      if (!r.cancelled && (sectionKey === 'all' || r.sectionKey === sectionKey)) {
        r.cancelled = true;
        n++;
      }
    }
    return n;
  }

  refreshes(): Refresh[] {
    return this.#refreshes.map((r) => ({ ...r }));
  }
}

export function guidsOf(node: Node): string[] {
  const out = [plexGuidOf(node), `imdb://${node.imdbId}`, `tmdb://${node.tmdbId}`];
  if (node.tvdbId !== null) out.push(`tvdb://${node.tvdbId}`);
  return out;
}

function uuidOf(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function predicate(f: Filter, genreOf: (name: string) => number | undefined): (n: Node) => boolean {
  const numeric = NUMERIC_FILTERS[f.field];
  if (numeric) {
    const v = Number(f.value);
    if (f.op === '>>') return (n) => numeric(n) > v;
    if (f.op === '<<') return (n) => numeric(n) < v;
    if (f.op === '!') return (n) => numeric(n) !== v;
    const values = f.value.split(',').map(Number);
    return (n) => values.includes(numeric(n));
  }
  if (f.field === 'genre') {
    const ids = f.value.split(',').map((v) => (/^\d+$/.test(v) ? Number(v) : genreOf(v)));
    const has = (n: Node) => n.genreIds.some((g) => ids.includes(g));
    return f.op === '!' ? (n) => !has(n) : has;
  }
  if (f.field === 'unwatched') {
    const want = f.value === '1';
    return (n) => (n.viewCount === 0) === want;
  }
  if (f.field === 'title') {
    const q = f.value.toLowerCase();
    return f.op === '!'
      ? (n) => !n.title.toLowerCase().includes(q)
      : (n) => n.title.toLowerCase().includes(q);
  }
  if (f.field === 'guid') return (n) => guidsOf(n).includes(f.value);
  // Real PMS ignores parameters it does not filter on (includeMarkers, checkFiles, …).
  return () => true;
}

function sortRows(rows: Node[], sort: string | undefined): Node[] {
  const specs = (sort ?? 'titleSort')
    .split(',')
    .filter(Boolean)
    .map((s) => {
      const [field = '', dir] = s.split(':');
      const get = SORT_FIELDS[field];
      if (!get) throw new AppError('invalid', 'sort.unknown', `unknown sort ${field}`);
      return { get, desc: dir === 'desc' };
    });
  const out = [...rows];
  out.sort((a, b) => {
    for (const { get, desc } of specs) {
      const x = get(a);
      const y = get(b);
      if (x !== y) return (x < y ? -1 : 1) * (desc ? -1 : 1);
    }
    return a.ratingKey - b.ratingKey;
  });
  return out;
}
