/**
 * Plex Media Server client (PROTOCOLS.md §2), JSON API with `Accept: application/json`.
 *
 * The token travels in the `X-Plex-Token` header, never in a URL we build, so it cannot end up in
 * logs, error messages or a browser: the photo URL builder leaves it out and `fetchPhoto` adds the
 * header on the server side.
 */
import { z } from 'zod';
import { IntegrationError } from './errors.ts';
import {
  type ClientBaseOptions,
  createTransport,
  idString,
  ok,
  optBool,
  optNum,
  optNumeric,
  optStr,
  parseJson,
  statusError,
  tolerantArray,
} from './transport.ts';

export interface PlexServerClientOptions extends ClientBaseOptions {
  /** The owner's (or a member's server-specific) token. */
  token: string;
  /** `X-Plex-Client-Identifier`: shows MediaNest as one device in the server's dashboard. */
  clientIdentifier?: string;
  product?: string;
}

const Tag = z.looseObject({ tag: z.string() });

export const PlexItemSchema = z.looseObject({
  ratingKey: idString,
  key: optStr,
  guid: optStr,
  type: z.string(),
  title: z.string().catch(''),
  titleSort: optStr,
  originalTitle: optStr,
  summary: optStr,
  tagline: optStr,
  studio: optStr,
  contentRating: optStr,
  year: optNumeric,
  originallyAvailableAt: optStr,
  addedAt: optNum,
  updatedAt: optNum,
  lastViewedAt: optNum,
  duration: optNum,
  viewCount: optNum,
  viewOffset: optNum,
  index: optNumeric,
  parentIndex: optNumeric,
  leafCount: optNumeric,
  viewedLeafCount: optNumeric,
  childCount: optNumeric,
  rating: optNum,
  audienceRating: optNum,
  thumb: optStr,
  art: optStr,
  parentRatingKey: optStr,
  parentTitle: optStr,
  parentThumb: optStr,
  grandparentRatingKey: optStr,
  grandparentTitle: optStr,
  grandparentThumb: optStr,
  grandparentArt: optStr,
  librarySectionID: optNumeric,
  librarySectionTitle: optStr,
  subtype: optStr,
  smart: z.union([z.boolean(), z.string(), z.number()]).optional().catch(undefined),
  Guid: tolerantArray(z.looseObject({ id: z.string() })).optional(),
  Genre: tolerantArray(Tag).optional(),
  Director: tolerantArray(Tag).optional(),
  Writer: tolerantArray(Tag).optional(),
  Country: tolerantArray(Tag).optional(),
  Role: tolerantArray(z.looseObject({ tag: z.string(), role: optStr, thumb: optStr })).optional(),
  Media: z.array(z.looseObject({})).optional().catch(undefined),
});
export type PlexItem = z.output<typeof PlexItemSchema>;

export const PlexSectionSchema = z.looseObject({
  key: idString,
  title: z.string(),
  type: z.string(),
  agent: optStr,
  scanner: optStr,
  language: optStr,
  uuid: optStr,
  thumb: optStr,
  art: optStr,
  updatedAt: optNum,
  scannedAt: optNum,
  contentChangedAt: optNum,
  refreshing: optBool,
  hidden: z.union([z.boolean(), z.number()]).optional().catch(undefined),
  Location: tolerantArray(z.looseObject({ id: optNumeric, path: z.string() })).optional(),
});
export type PlexSection = z.output<typeof PlexSectionSchema>;

export interface PlexIdentity {
  machineIdentifier: string;
  version: string;
  claimed: boolean | undefined;
}

export interface PlexPage<T> {
  items: T[];
  /** Where this page starts. */
  offset: number;
  /** Items in the whole listing (not just this page). */
  totalSize: number;
}

export const PLEX_TYPE = {
  movie: 1,
  show: 2,
  season: 3,
  episode: 4,
  artist: 8,
  album: 9,
  track: 10,
  collection: 18,
} as const;
export type PlexTypeName = keyof typeof PLEX_TYPE;

export interface PlexFilter {
  /** e.g. `genre`, `year`, `unwatched`, `addedAt`. */
  field: string;
  /** Plex spells "greater" `>>=` and "less" `<<=`. */
  op?: '=' | '!=' | '>>=' | '<<=';
  value: string | number;
}

export interface Paging {
  start?: number;
  size?: number;
}

export interface SectionItemsQuery extends Paging {
  type?: PlexTypeName | number;
  /** e.g. `titleSort`, `addedAt:desc`, `year:desc,titleSort`. */
  sort?: string;
  filters?: readonly PlexFilter[];
  includeGuids?: boolean;
}

/** One value a section's items can be filtered by (`/library/sections/{key}/{field}`). */
export interface PlexFilterChoice {
  /** What the `/all` filter takes: a genre's tag id, a year. */
  key: string;
  title: string;
}

/** Fields whose choices a section lists (PA `listFilterChoices`). */
export type PlexChoiceField = 'genre' | 'year' | 'decade' | 'contentRating';

export interface PlexHub {
  title: string;
  type: string;
  hubIdentifier: string | undefined;
  size: number;
  more: boolean;
  items: PlexItem[];
}

export interface PlexNowPlaying {
  sessionKey: string;
  item: PlexItem;
  user: { id: string; title: string; thumb: string | undefined };
  player: {
    title: string | undefined;
    product: string | undefined;
    platform: string | undefined;
    state: string | undefined;
    local: boolean | undefined;
    address: string | undefined;
  };
  /** 0–1 of the item's duration, when both are known. */
  progress: number | undefined;
  bandwidthKbps: number | undefined;
  location: 'lan' | 'wan' | undefined;
  /** `transcode` when video or audio is transcoded, `copy` when the stream is remuxed, else `direct_play`. */
  decision: 'transcode' | 'copy' | 'direct_play';
  transcode:
    | {
        videoDecision: string | undefined;
        audioDecision: string | undefined;
        progress: number | undefined;
        speed: number | undefined;
        throttled: boolean | undefined;
      }
    | undefined;
}

export interface PhotoTranscode {
  /** A path on the server (`/library/metadata/58683/thumb/1703239236`), never a full URL. */
  path: string;
  width: number;
  height: number;
  format?: 'jpg' | 'png';
  quality?: number;
  /** Plex's own blur (backgrounds). */
  blur?: number;
}

export interface PlexPhoto {
  body: Uint8Array;
  contentType: string;
  etag: string | undefined;
}

export interface PlexServerClient {
  readonly baseUrl: string;
  /** No auth needed: proves the URL is a PMS and names it. */
  identity(): Promise<PlexIdentity>;
  sections(): Promise<PlexSection[]>;
  sectionItems(sectionKey: string, query?: SectionItemsQuery): Promise<PlexPage<PlexItem>>;
  /** The items (several keys in one call); missing ones are left out. */
  metadata(ratingKeys: string | readonly string[], options?: { includeGuids?: boolean }): Promise<PlexItem[]>;
  /** One item, undefined when the server has no such key. */
  item(ratingKey: string, options?: { includeGuids?: boolean }): Promise<PlexItem | undefined>;
  /** Seasons of a show, episodes of a season, items of a collection. */
  children(ratingKey: string, paging?: Paging & { includeGuids?: boolean }): Promise<PlexPage<PlexItem>>;
  recentlyAdded(
    query?: Paging & { sectionKey?: string; includeGuids?: boolean },
  ): Promise<PlexPage<PlexItem>>;
  search(
    query: string,
    options?: { limit?: number; sectionId?: string; includeCollections?: boolean },
  ): Promise<PlexHub[]>;
  /** Now playing (needs the owner's token). */
  sessions(): Promise<PlexNowPlaying[]>;
  /** The values a section's items have for a field (its genres, years, …), as `/all` filters take them. */
  filterChoices(
    sectionKey: string,
    field: PlexChoiceField,
    options?: { type?: PlexTypeName | number },
  ): Promise<PlexFilterChoice[]>;
  collections(sectionKey: string, paging?: Paging): Promise<PlexPage<PlexItem>>;
  collectionItems(collectionKey: string, paging?: Paging): Promise<PlexPage<PlexItem>>;
  createCollection(input: {
    sectionKey: string;
    title: string;
    type: PlexTypeName | number;
    ratingKeys: readonly string[];
  }): Promise<PlexItem>;
  addToCollection(collectionKey: string, ratingKeys: readonly string[]): Promise<void>;
  /** Starts a scan of a section (or `all`), optionally of one folder. */
  refreshSection(sectionKey: string, options?: { path?: string; force?: boolean }): Promise<void>;
  /** The transcoder URL for an image, WITHOUT the token (fetch it with `fetchPhoto`). */
  photoTranscodeUrl(input: PhotoTranscode): string;
  fetchPhoto(input: PhotoTranscode & { maxBytes?: number }): Promise<PlexPhoto>;
}

const Container = <S extends z.ZodType>(inner: S) => z.looseObject({ MediaContainer: inner });

const ListContainer = Container(
  z.looseObject({
    size: optNum,
    totalSize: optNum,
    offset: optNum,
    Metadata: tolerantArray(PlexItemSchema).optional(),
  }),
);

const IdentityContainer = Container(
  z.looseObject({
    machineIdentifier: z.string().min(1),
    version: z.string(),
    claimed: optBool,
  }),
);

const SectionsContainer = Container(
  z.looseObject({ Directory: tolerantArray(PlexSectionSchema).optional() }),
);

const ChoicesContainer = Container(
  z.looseObject({
    Directory: tolerantArray(z.looseObject({ key: idString, title: z.string() })).optional(),
  }),
);

const CHOICE_FIELDS = new Set<string>(['genre', 'year', 'decade', 'contentRating']);

const HubsContainer = Container(
  z.looseObject({
    Hub: tolerantArray(
      z.looseObject({
        title: z.string().catch(''),
        type: z.string().catch(''),
        hubIdentifier: optStr,
        size: optNum,
        more: optBool,
        Metadata: tolerantArray(PlexItemSchema).optional(),
      }),
    ).optional(),
  }),
);

const SessionSchema = PlexItemSchema.extend({
  sessionKey: idString,
  User: z
    .looseObject({ id: idString.optional().catch(undefined), title: z.string().catch(''), thumb: optStr })
    .catch({
      title: '',
    }),
  Player: z
    .looseObject({
      title: optStr,
      product: optStr,
      platform: optStr,
      state: optStr,
      local: optBool,
      address: optStr,
    })
    .catch({}),
  Session: z.looseObject({ bandwidth: optNum, location: optStr }).optional().catch(undefined),
  TranscodeSession: z
    .looseObject({
      videoDecision: optStr,
      audioDecision: optStr,
      progress: optNum,
      speed: optNum,
      throttled: optBool,
    })
    .optional()
    .catch(undefined),
});

const SessionsContainer = Container(z.looseObject({ Metadata: tolerantArray(SessionSchema).optional() }));

const SORT = /^[A-Za-z.]+(:(asc|desc))?(,[A-Za-z.]+(:(asc|desc))?)*$/;
const FIELD = /^[A-Za-z.]+$/;
const KEY = /^[A-Za-z0-9]+$/;

function checkKey(value: string, what: string): string {
  if (!KEY.test(value)) throw new IntegrationError('plex', 'integration.bad_request', `Invalid ${what}`);
  return value;
}

function typeNumber(type: PlexTypeName | number): number {
  return typeof type === 'number' ? type : PLEX_TYPE[type];
}

export function createPlexServerClient(options: PlexServerClientOptions): PlexServerClient {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'x-plex-token': options.token,
    'x-plex-product': options.product ?? 'MediaNest',
  };
  if (options.clientIdentifier) headers['x-plex-client-identifier'] = options.clientIdentifier;
  const t = createTransport('plex', options, headers);
  let machineIdentifier: string | undefined;

  async function get<S extends z.ZodType>(
    path: string,
    schema: S,
    what: string,
    init: {
      query?: Record<string, string | number | boolean | undefined>;
      rawQuery?: string[];
      identity?: boolean;
    } = {},
  ): Promise<z.output<S>> {
    const res = await t.call({ path, query: init.query, rawQuery: init.rawQuery });
    if (init.identity && res.status >= 400 && res.status < 500 && res.status !== 401) {
      // Every PMS answers /identity without a token; a 404 there means something else is listening.
      throw new IntegrationError(
        'plex',
        'integration.wrong_product',
        `The Plex Media Server URL answered ${what} with ${res.status}; is it the address of a Plex Media Server (usually port 32400)?`,
        { status: res.status },
      );
    }
    if (!ok(res)) throw plexStatusError(res.status, what);
    return parseJson('plex', res, schema, what, { identity: init.identity ?? false });
  }

  function plexStatusError(status: number, what: string): IntegrationError {
    if (status === 401) {
      return new IntegrationError(
        'plex',
        'integration.unauthorized',
        `Plex Media Server did not accept the token (401) for ${what}`,
        { status },
      );
    }
    return statusError('plex', status, what);
  }

  const paging = (p: Paging | undefined) => ({
    'X-Plex-Container-Start': p?.start ?? 0,
    'X-Plex-Container-Size': p?.size,
  });

  async function page(
    path: string,
    what: string,
    query: Record<string, string | number | boolean | undefined>,
    rawQuery: string[] = [],
  ): Promise<PlexPage<PlexItem>> {
    const res = await t.call({ path, query, rawQuery });
    if (!ok(res)) throw plexStatusError(res.status, what);
    const mc = parseJson('plex', res, ListContainer, what).MediaContainer;
    const items = mc.Metadata ?? [];
    const headerTotal = Number(res.headers['x-plex-container-total-size']);
    return {
      items,
      offset: mc.offset ?? Number(query['X-Plex-Container-Start'] ?? 0),
      totalSize: mc.totalSize ?? (Number.isFinite(headerTotal) ? headerTotal : items.length),
    };
  }

  function photoQuery(input: PhotoTranscode): Record<string, string | number | undefined> {
    // Plex's transcoder fetches whatever `url` names, including other hosts: only server paths.
    if (!input.path.startsWith('/') || input.path.startsWith('//')) {
      throw new IntegrationError(
        'plex',
        'integration.bad_request',
        'The image path must be a path on the Plex server',
      );
    }
    const side = (n: number, what: string) => {
      if (!Number.isInteger(n) || n < 1 || n > 4096) {
        throw new IntegrationError(
          'plex',
          'integration.bad_request',
          `The image ${what} must be 1–4096 pixels`,
        );
      }
      return n;
    };
    return {
      url: input.path,
      width: side(input.width, 'width'),
      height: side(input.height, 'height'),
      minSize: 1,
      upscale: 1,
      format: input.format,
      quality: input.quality,
      blur: input.blur,
    };
  }

  const client: PlexServerClient = {
    baseUrl: t.baseUrl,

    async identity() {
      const mc = (await get('/identity', IdentityContainer, 'the server identity', { identity: true }))
        .MediaContainer;
      machineIdentifier = mc.machineIdentifier;
      return { machineIdentifier: mc.machineIdentifier, version: mc.version, claimed: mc.claimed };
    },

    async sections() {
      return (
        (await get('/library/sections', SectionsContainer, 'the library sections')).MediaContainer
          .Directory ?? []
      );
    },

    async sectionItems(sectionKey, q = {}) {
      checkKey(sectionKey, 'section key');
      if (q.sort !== undefined && !SORT.test(q.sort)) {
        throw new IntegrationError('plex', 'integration.bad_request', `Invalid sort "${q.sort}"`);
      }
      const raw = (q.filters ?? []).map((f) => {
        if (!FIELD.test(f.field))
          throw new IntegrationError('plex', 'integration.bad_request', `Invalid filter field "${f.field}"`);
        // Plex reads the operator as part of the key: `year>>=2000`, so it is not percent-encoded.
        const op = f.op ?? '=';
        return `${f.field}${op}${encodeURIComponent(String(f.value))}`;
      });
      return page(
        `/library/sections/${sectionKey}/all`,
        `the items of section ${sectionKey}`,
        {
          type: q.type === undefined ? undefined : typeNumber(q.type),
          sort: q.sort,
          includeGuids: q.includeGuids ? 1 : undefined,
          ...paging(q),
        },
        raw,
      );
    },

    async metadata(ratingKeys, o = {}) {
      const keys = typeof ratingKeys === 'string' ? [ratingKeys] : [...ratingKeys];
      if (keys.length === 0) return [];
      for (const k of keys) checkKey(k, 'rating key');
      const res = await t.call({
        path: `/library/metadata/${keys.join(',')}`,
        query: { includeGuids: o.includeGuids ? 1 : undefined },
      });
      if (res.status === 404) return [];
      if (!ok(res)) throw plexStatusError(res.status, 'item details');
      return parseJson('plex', res, ListContainer, 'item details').MediaContainer.Metadata ?? [];
    },

    async item(ratingKey, o = {}) {
      return (await client.metadata(ratingKey, o))[0];
    },

    async children(ratingKey, p = {}) {
      checkKey(ratingKey, 'rating key');
      return page(`/library/metadata/${ratingKey}/children`, `the children of ${ratingKey}`, {
        includeGuids: p.includeGuids ? 1 : undefined,
        ...paging(p),
      });
    },

    async recentlyAdded(q = {}) {
      const path =
        q.sectionKey === undefined
          ? '/library/recentlyAdded'
          : `/library/sections/${checkKey(q.sectionKey, 'section key')}/recentlyAdded`;
      return page(path, 'recently added items', {
        includeGuids: q.includeGuids ? 1 : undefined,
        ...paging({ start: q.start ?? 0, size: q.size ?? 50 }),
      });
    },

    async search(query, o = {}) {
      if (!query.trim()) return [];
      const hubs =
        (
          await get('/hubs/search', HubsContainer, 'a search', {
            query: {
              query,
              limit: o.limit ?? 10,
              sectionId: o.sectionId,
              includeCollections: o.includeCollections === false ? undefined : 1,
              includeExternalMedia: 0,
            },
          })
        ).MediaContainer.Hub ?? [];
      return hubs.map((h) => ({
        title: h.title,
        type: h.type,
        hubIdentifier: h.hubIdentifier,
        size: h.size ?? h.Metadata?.length ?? 0,
        more: h.more ?? false,
        items: h.Metadata ?? [],
      }));
    },

    async sessions() {
      const list =
        (await get('/status/sessions', SessionsContainer, 'the playing sessions')).MediaContainer.Metadata ??
        [];
      return list.map((s): PlexNowPlaying => {
        const { sessionKey, User, Player, Session, TranscodeSession, ...item } = s;
        const tx = TranscodeSession;
        const decision =
          tx === undefined
            ? 'direct_play'
            : tx.videoDecision === 'transcode' || tx.audioDecision === 'transcode'
              ? 'transcode'
              : 'copy';
        const location =
          Session?.location === 'lan' || Session?.location === 'wan' ? Session.location : undefined;
        return {
          sessionKey,
          item: item as PlexItem,
          user: { id: User.id ?? '', title: User.title, thumb: User.thumb },
          player: {
            title: Player.title,
            product: Player.product,
            platform: Player.platform,
            state: Player.state,
            local: Player.local,
            address: Player.address,
          },
          progress:
            item.viewOffset !== undefined && item.duration
              ? Math.min(1, item.viewOffset / item.duration)
              : undefined,
          bandwidthKbps: Session?.bandwidth,
          location,
          decision,
          transcode: tx && {
            videoDecision: tx.videoDecision,
            audioDecision: tx.audioDecision,
            progress: tx.progress,
            speed: tx.speed,
            throttled: tx.throttled,
          },
        };
      });
    },

    async filterChoices(sectionKey, field, o = {}) {
      checkKey(sectionKey, 'section key');
      if (!CHOICE_FIELDS.has(field)) {
        throw new IntegrationError('plex', 'integration.bad_request', `Invalid filter field "${field}"`);
      }
      const mc = (
        await get(
          `/library/sections/${sectionKey}/${field}`,
          ChoicesContainer,
          `the ${field}s of section ${sectionKey}`,
          {
            query: { type: o.type === undefined ? undefined : typeNumber(o.type) },
          },
        )
      ).MediaContainer;
      return (mc.Directory ?? []).map((d) => ({ key: d.key, title: d.title }));
    },

    async collections(sectionKey, p = {}) {
      checkKey(sectionKey, 'section key');
      return page(
        `/library/sections/${sectionKey}/collections`,
        `the collections of section ${sectionKey}`,
        paging(p),
      );
    },

    async collectionItems(collectionKey, p = {}) {
      checkKey(collectionKey, 'collection key');
      return page(
        `/library/collections/${collectionKey}/children`,
        `the items of collection ${collectionKey}`,
        paging(p),
      );
    },

    async createCollection(input) {
      checkKey(input.sectionKey, 'section key');
      const uri = await itemsUri(input.ratingKeys);
      const res = await t.call({
        method: 'POST',
        path: '/library/collections',
        query: {
          type: typeNumber(input.type),
          title: input.title,
          smart: 0,
          sectionId: input.sectionKey,
          uri,
        },
      });
      if (!ok(res)) throw plexStatusError(res.status, 'creating a collection');
      const created = parseJson('plex', res, ListContainer, 'the new collection').MediaContainer
        .Metadata?.[0];
      if (!created) {
        throw new IntegrationError(
          'plex',
          'integration.malformed_response',
          'Plex Media Server did not return the new collection',
        );
      }
      return created;
    },

    async addToCollection(collectionKey, ratingKeys) {
      checkKey(collectionKey, 'collection key');
      const uri = await itemsUri(ratingKeys);
      const res = await t.call({
        method: 'PUT',
        path: `/library/collections/${collectionKey}/items`,
        query: { uri },
      });
      if (!ok(res)) throw plexStatusError(res.status, `adding to collection ${collectionKey}`);
    },

    async refreshSection(sectionKey, o = {}) {
      checkKey(sectionKey, 'section key');
      // PA scans with GET (SPEC says POST; PMS takes both). Starting a scan twice is harmless.
      const res = await t.call({
        path: `/library/sections/${sectionKey}/refresh`,
        query: { path: o.path, force: o.force ? 1 : undefined },
      });
      if (!ok(res)) throw plexStatusError(res.status, `a scan of section ${sectionKey}`);
    },

    photoTranscodeUrl(input) {
      return t.url('/photo/:/transcode', photoQuery(input));
    },

    async fetchPhoto(input) {
      const res = await t.call({
        path: '/photo/:/transcode',
        query: photoQuery(input),
        headers: { accept: 'image/*' },
        maxResponseBytes: input.maxBytes ?? 10 * 1024 * 1024,
      });
      if (res.status === 404) {
        throw new IntegrationError('plex', 'integration.not_found', 'Plex Media Server has no such image', {
          status: 404,
        });
      }
      if (!ok(res)) throw plexStatusError(res.status, 'an image');
      const contentType = res.headers['content-type'] ?? '';
      if (!contentType.startsWith('image/')) {
        throw new IntegrationError(
          'plex',
          'integration.malformed_response',
          `Plex Media Server answered an image request with ${contentType || 'no content type'}`,
        );
      }
      return { body: res.body, contentType, etag: res.headers.etag };
    },
  };

  async function itemsUri(ratingKeys: readonly string[]): Promise<string> {
    if (ratingKeys.length === 0)
      throw new IntegrationError('plex', 'integration.bad_request', 'No items given');
    for (const k of ratingKeys) checkKey(k, 'rating key');
    const machine = machineIdentifier ?? (await client.identity()).machineIdentifier;
    return `server://${machine}/com.plexapp.plugins.library/library/metadata/${ratingKeys.join(',')}`;
  }

  return client;
}
