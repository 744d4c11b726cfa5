/**
 * Overseerr / Seerr API v1 client (PROTOCOLS.md §3).
 *
 * Requests are made AS the member (`X-Api-User: <overseerr user id>`), so Overseerr applies that
 * user's permissions, quotas and auto-approve; the API key alone acts as user 1 (the admin).
 * Creating a request answers 403 (no permission or quota), 409 (duplicate) or 202 (no seasons
 * left) for reasons a member should read, so those come back as typed results, not errors.
 */
import { z } from 'zod';
import type { HttpResponse } from '../../port/http.ts';
import { IntegrationError } from './errors.ts';
import {
  type ClientBaseOptions,
  createTransport,
  ok,
  optBool,
  optNum,
  optStr,
  parseJson,
  serverMessage,
  statusError,
  tolerantArray,
} from './transport.ts';

export interface OverseerrClientOptions extends ClientBaseOptions {
  apiKey: string;
}

export const MediaRequestStatus = { PENDING: 1, APPROVED: 2, DECLINED: 3, FAILED: 4 } as const;
export const MediaStatus = {
  UNKNOWN: 1,
  PENDING: 2,
  PROCESSING: 3,
  PARTIALLY_AVAILABLE: 4,
  AVAILABLE: 5,
} as const;

export const OverseerrStatusSchema = z.looseObject({
  version: z.string(),
  commitTag: optStr,
  updateAvailable: optBool,
  commitsBehind: optNum,
  restartRequired: optBool,
});
export type OverseerrStatus = z.output<typeof OverseerrStatusSchema>;

export const OverseerrPublicSettingsSchema = z.looseObject({
  initialized: optBool,
  applicationTitle: optStr,
  applicationUrl: optStr,
  movie4kEnabled: optBool,
  series4kEnabled: optBool,
  partialRequestsEnabled: optBool,
  localLogin: optBool,
  newPlexLogin: optBool,
  locale: optStr,
});
export type OverseerrPublicSettings = z.output<typeof OverseerrPublicSettingsSchema>;

const SeasonState = z.looseObject({ id: optNum, seasonNumber: z.number(), status: z.number().catch(1) });

export const MediaInfoSchema = z.looseObject({
  id: z.number(),
  mediaType: optStr,
  tmdbId: optNum,
  tvdbId: z.number().nullish().catch(undefined),
  imdbId: z.string().nullish().catch(undefined),
  status: z.number().catch(MediaStatus.UNKNOWN),
  status4k: z.number().catch(MediaStatus.UNKNOWN),
  ratingKey: z.string().nullish().catch(undefined),
  plexUrl: optStr,
  seasons: tolerantArray(SeasonState).optional(),
  requests: z.array(z.looseObject({})).optional().catch(undefined),
});
export type OverseerrMediaInfo = z.output<typeof MediaInfoSchema>;

export const OverseerrUserSchema = z.looseObject({
  id: z.number(),
  email: optStr,
  username: z.string().nullish().catch(undefined),
  plexUsername: z.string().nullish().catch(undefined),
  plexId: z.number().nullish().catch(undefined),
  userType: optNum,
  permissions: z.number().catch(0),
  avatar: optStr,
  displayName: optStr,
  requestCount: optNum,
  movieQuotaLimit: z.number().nullish().catch(undefined),
  movieQuotaDays: z.number().nullish().catch(undefined),
  tvQuotaLimit: z.number().nullish().catch(undefined),
  tvQuotaDays: z.number().nullish().catch(undefined),
});
export type OverseerrUser = z.output<typeof OverseerrUserSchema>;

export const OverseerrRequestSchema = z.looseObject({
  id: z.number(),
  status: z.number(),
  type: z.enum(['movie', 'tv']).catch('movie'),
  is4k: z.boolean().catch(false),
  media: MediaInfoSchema.optional().catch(undefined),
  requestedBy: OverseerrUserSchema.nullish().catch(undefined),
  modifiedBy: OverseerrUserSchema.nullish().catch(undefined),
  seasons: tolerantArray(SeasonState).optional(),
  createdAt: optStr,
  updatedAt: optStr,
});
export type OverseerrRequest = z.output<typeof OverseerrRequestSchema>;

const PageInfo = z.looseObject({
  pages: z.number(),
  pageSize: z.number(),
  results: z.number(),
  page: z.number(),
});
export type OverseerrPageInfo = z.output<typeof PageInfo>;

export interface OverseerrPage<T> {
  pageInfo: OverseerrPageInfo;
  results: T[];
}

const SearchItem = z.looseObject({
  id: z.number(),
  mediaType: z.enum(['movie', 'tv', 'person']),
  title: optStr,
  name: optStr,
  originalTitle: optStr,
  originalName: optStr,
  releaseDate: optStr,
  firstAirDate: optStr,
  overview: optStr,
  posterPath: z.string().nullish().catch(undefined),
  backdropPath: z.string().nullish().catch(undefined),
  popularity: optNum,
  voteAverage: optNum,
  mediaInfo: MediaInfoSchema.optional().catch(undefined),
});

export interface OverseerrSearchResult {
  /** TMDB id (person id for people). */
  id: number;
  mediaType: 'movie' | 'tv' | 'person';
  /** `title` for movies, `name` for shows and people. */
  title: string;
  year: number | undefined;
  overview: string | undefined;
  posterPath: string | undefined;
  mediaInfo: OverseerrMediaInfo | undefined;
}

export interface OverseerrSearchPage {
  page: number;
  totalPages: number;
  totalResults: number;
  results: OverseerrSearchResult[];
}

export const MovieDetailsSchema = z.looseObject({
  id: z.number(),
  title: z.string(),
  originalTitle: optStr,
  releaseDate: optStr,
  runtime: optNum,
  overview: optStr,
  posterPath: z.string().nullish().catch(undefined),
  backdropPath: z.string().nullish().catch(undefined),
  imdbId: z.string().nullish().catch(undefined),
  genres: tolerantArray(z.looseObject({ id: z.number(), name: z.string() })).optional(),
  externalIds: z.looseObject({}).optional().catch(undefined),
  mediaInfo: MediaInfoSchema.optional().catch(undefined),
});
export type OverseerrMovieDetails = z.output<typeof MovieDetailsSchema>;

export const TvDetailsSchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  originalName: optStr,
  firstAirDate: optStr,
  overview: optStr,
  posterPath: z.string().nullish().catch(undefined),
  backdropPath: z.string().nullish().catch(undefined),
  // Overseerr sends numberOfSeasons; its OpenAPI document says numberOfSeason.
  numberOfSeasons: optNum,
  numberOfSeason: optNum,
  seasons: tolerantArray(
    z.looseObject({
      id: optNum,
      seasonNumber: z.number(),
      episodeCount: optNum,
      airDate: z.string().nullish().catch(undefined),
      name: optStr,
      posterPath: z.string().nullish().catch(undefined),
    }),
  ).optional(),
  externalIds: z
    .looseObject({ tvdbId: z.number().nullish().catch(undefined) })
    .optional()
    .catch(undefined),
  genres: tolerantArray(z.looseObject({ id: z.number(), name: z.string() })).optional(),
  mediaInfo: MediaInfoSchema.optional().catch(undefined),
});
export type OverseerrTvDetails = z.output<typeof TvDetailsSchema>;

export const RequestCountSchema = z.looseObject({
  total: z.number(),
  movie: optNum,
  tv: optNum,
  pending: z.number(),
  approved: optNum,
  declined: optNum,
  processing: optNum,
  available: optNum,
});
export type OverseerrRequestCount = z.output<typeof RequestCountSchema>;

export interface CreateRequestInput {
  mediaType: 'movie' | 'tv';
  /** TMDB id. */
  mediaId: number;
  tvdbId?: number;
  /** TV only: season numbers, or every season. */
  seasons?: readonly number[] | 'all';
  is4k?: boolean;
  serverId?: number;
  profileId?: number;
  rootFolder?: string;
  languageProfileId?: number;
  tags?: readonly number[];
}

export type CreateRequestRefusal = 'quota_exceeded' | 'forbidden' | 'duplicate' | 'no_seasons_left';

export type CreateRequestResult =
  | { ok: true; request: OverseerrRequest }
  | { ok: false; reason: CreateRequestRefusal; message: string };

export type RequestFilter =
  | 'all'
  | 'approved'
  | 'available'
  | 'pending'
  | 'processing'
  | 'unavailable'
  | 'failed';

export interface ListRequestsQuery {
  take?: number;
  skip?: number;
  filter?: RequestFilter;
  sort?: 'added' | 'modified';
  requestedBy?: number;
}

/** Who the call acts as: an Overseerr user id (sent as `X-Api-User`), else the API key's admin. */
export interface AsUser {
  asUser?: number;
}

export interface OverseerrClient {
  readonly baseUrl: string;
  /** No auth needed: proves the URL is Overseerr and names its version. */
  status(): Promise<OverseerrStatus>;
  publicSettings(): Promise<OverseerrPublicSettings>;
  search(
    query: string,
    options?: { page?: number; language?: string } & AsUser,
  ): Promise<OverseerrSearchPage>;
  movie(tmdbId: number, options?: { language?: string } & AsUser): Promise<OverseerrMovieDetails>;
  tv(tmdbId: number, options?: { language?: string } & AsUser): Promise<OverseerrTvDetails>;
  users(query?: {
    take?: number;
    skip?: number;
    sort?: 'created' | 'updated' | 'requests' | 'displayname';
  }): Promise<OverseerrPage<OverseerrUser>>;
  user(id: number): Promise<OverseerrUser | undefined>;
  /** The Overseerr user linked to a Plex account id (pages through the user list). */
  findUserByPlexId(plexId: number): Promise<OverseerrUser | undefined>;
  /**
   * Signs a Plex account in to Overseerr with its Plex token (`POST /auth/plex`), which creates
   * the Overseerr user when the server allows new Plex logins: the way to give a member who has
   * none an Overseerr account. The answer leaves out `plexId` and `email` (not an admin view).
   */
  plexSignIn(plexToken: string): Promise<OverseerrUser>;
  createRequest(input: CreateRequestInput, options?: AsUser): Promise<CreateRequestResult>;
  requests(query?: ListRequestsQuery & AsUser): Promise<OverseerrPage<OverseerrRequest>>;
  request(id: number, options?: AsUser): Promise<OverseerrRequest | undefined>;
  /** Cancels a request; false when it was already gone. */
  deleteRequest(id: number, options?: AsUser): Promise<boolean>;
  approveRequest(id: number, options?: AsUser): Promise<OverseerrRequest>;
  declineRequest(id: number, options?: AsUser): Promise<OverseerrRequest>;
  requestCount(): Promise<OverseerrRequestCount>;
}

const PERMISSION_DENIED = 'You do not have permission to access this endpoint';

const yearOf = (date: string | undefined) => {
  const y = date ? Number(date.slice(0, 4)) : Number.NaN;
  return Number.isInteger(y) && y > 0 ? y : undefined;
};

const checkId = (n: number, what: string) => {
  if (!Number.isInteger(n) || n < 1) {
    throw new IntegrationError('overseerr', 'integration.bad_request', `Invalid ${what}`);
  }
  return n;
};

export function createOverseerrClient(options: OverseerrClientOptions): OverseerrClient {
  // Users type either the web address or the API base; both end up at /api/v1.
  const base = options.baseUrl
    .trim()
    .replace(/\/+$/, '')
    .replace(/\/api\/v1$/, '');
  const t = createTransport(
    'overseerr',
    { ...options, baseUrl: `${base}/api/v1` },
    { accept: 'application/json', 'x-api-key': options.apiKey },
  );

  const userHeader = (o: AsUser | undefined): Record<string, string> =>
    o?.asUser === undefined ? {} : { 'x-api-user': String(checkId(o.asUser, 'Overseerr user id')) };

  function overseerrError(res: HttpResponse, what: string, o?: AsUser): IntegrationError {
    const said = serverMessage(res);
    if (res.status === 401 && o?.asUser !== undefined && said && !said.includes('connect.sid')) {
      // DELETE /request answers 401 (not 403) when the acting user may not cancel it.
      return new IntegrationError(
        'overseerr',
        'integration.forbidden',
        `Overseerr user ${o.asUser} may not ${what}: ${said}`,
        {
          status: 401,
        },
      );
    }
    if (res.status === 401) {
      return new IntegrationError(
        'overseerr',
        'integration.unauthorized',
        'Overseerr wants an API key (401)',
        {
          status: 401,
        },
      );
    }
    if (res.status === 403 && said === PERMISSION_DENIED) {
      // isAuthenticated's refusal: a wrong key, or (with X-Api-User) a user without the permission.
      return o?.asUser === undefined
        ? new IntegrationError(
            'overseerr',
            'integration.unauthorized',
            'Overseerr did not accept the API key',
            {
              status: 403,
            },
          )
        : new IntegrationError(
            'overseerr',
            'integration.forbidden',
            `Overseerr user ${o.asUser} may not ${what} (or the API key is wrong)`,
            { status: 403 },
          );
    }
    return statusError('overseerr', res.status, what, said);
  }

  async function getJson<S extends z.ZodType>(
    path: string,
    schema: S,
    what: string,
    init: { query?: Record<string, string | number | undefined>; as?: AsUser; identity?: boolean } = {},
  ): Promise<z.output<S>> {
    const res = await t.call({ path, query: init.query, headers: userHeader(init.as) });
    if (init.identity && res.status === 404) {
      throw new IntegrationError(
        'overseerr',
        'integration.wrong_product',
        `The Overseerr URL has no ${what} (404); is it the address of Overseerr (usually port 5055)?`,
        { status: 404 },
      );
    }
    if (!ok(res)) throw overseerrError(res, what, init.as);
    return parseJson('overseerr', res, schema, what, { identity: init.identity ?? false });
  }

  const pageOf = <S extends z.ZodType>(item: S) =>
    z.looseObject({ pageInfo: PageInfo, results: tolerantArray(item) });

  async function action(id: number, verb: 'approve' | 'decline', o?: AsUser): Promise<OverseerrRequest> {
    checkId(id, 'request id');
    const res = await t.call({
      method: 'POST',
      path: `/request/${id}/${verb}`,
      headers: userHeader(o),
      // Approving twice makes Overseerr send to Radarr/Sonarr and notify again: no blind retries.
      idempotent: false,
    });
    if (!ok(res)) throw overseerrError(res, `${verb} request ${id}`, o);
    return parseJson('overseerr', res, OverseerrRequestSchema, `the ${verb}d request`);
  }

  const client: OverseerrClient = {
    baseUrl: t.baseUrl,

    status: () => getJson('/status', OverseerrStatusSchema, 'the status endpoint', { identity: true }),

    publicSettings: () => getJson('/settings/public', OverseerrPublicSettingsSchema, 'the public settings'),

    async search(query, o = {}) {
      if (!query.trim()) return { page: 1, totalPages: 0, totalResults: 0, results: [] };
      const page = await getJson(
        '/search',
        z.looseObject({
          page: z.number(),
          totalPages: z.number(),
          totalResults: z.number(),
          results: tolerantArray(SearchItem),
        }),
        'a search',
        { query: { query, page: o.page ?? 1, language: o.language }, as: o },
      );
      return {
        page: page.page,
        totalPages: page.totalPages,
        totalResults: page.totalResults,
        results: page.results.map((r) => ({
          id: r.id,
          mediaType: r.mediaType,
          title: r.title ?? r.name ?? r.originalTitle ?? r.originalName ?? '',
          year: yearOf(r.releaseDate ?? r.firstAirDate),
          overview: r.overview,
          posterPath: r.posterPath ?? undefined,
          mediaInfo: r.mediaInfo,
        })),
      };
    },

    movie: (tmdbId, o = {}) =>
      getJson(`/movie/${checkId(tmdbId, 'TMDB id')}`, MovieDetailsSchema, `movie ${tmdbId}`, {
        query: { language: o.language },
        as: o,
      }),

    tv: (tmdbId, o = {}) =>
      getJson(`/tv/${checkId(tmdbId, 'TMDB id')}`, TvDetailsSchema, `series ${tmdbId}`, {
        query: { language: o.language },
        as: o,
      }),

    users: (q = {}) =>
      getJson('/user', pageOf(OverseerrUserSchema), 'the user list', {
        query: { take: q.take ?? 50, skip: q.skip ?? 0, sort: q.sort },
      }),

    async user(id) {
      const res = await t.call({ path: `/user/${checkId(id, 'Overseerr user id')}` });
      if (res.status === 404) return undefined;
      if (!ok(res)) throw overseerrError(res, `user ${id}`);
      return parseJson('overseerr', res, OverseerrUserSchema, `user ${id}`);
    },

    async findUserByPlexId(plexId) {
      const take = 100;
      // 100 pages = 10,000 users: far beyond any household, and a bound on a misbehaving server.
      for (let skip = 0, pages = 0; pages < 100; skip += take, pages++) {
        const page = await client.users({ take, skip, sort: 'created' });
        const found = page.results.find((u) => u.plexId === plexId);
        if (found) return found;
        if (page.results.length < take || skip + take >= page.pageInfo.results) return undefined;
      }
      return undefined;
    },

    async plexSignIn(plexToken) {
      const res = await t.call({
        method: 'POST',
        path: '/auth/plex',
        json: { authToken: plexToken },
        // Never acts as the admin: the Plex token is the only credential on this call.
        headers: { 'x-api-key': '' },
        idempotent: false,
      });
      if (res.status === 403) {
        throw new IntegrationError(
          'overseerr',
          'integration.forbidden',
          `Overseerr refused the Plex sign-in: ${serverMessage(res) ?? 'Access denied.'}`,
          { status: 403 },
        );
      }
      if (!ok(res)) throw overseerrError(res, 'sign in with Plex');
      return parseJson('overseerr', res, OverseerrUserSchema, 'the signed-in user');
    },

    async createRequest(input, o = {}) {
      checkId(input.mediaId, 'TMDB id');
      const body: Record<string, unknown> = { mediaType: input.mediaType, mediaId: input.mediaId };
      if (input.tvdbId !== undefined) body.tvdbId = input.tvdbId;
      if (input.mediaType === 'tv')
        body.seasons = input.seasons === 'all' ? 'all' : [...(input.seasons ?? [])];
      for (const k of ['is4k', 'serverId', 'profileId', 'rootFolder', 'languageProfileId', 'tags'] as const) {
        if (input[k] !== undefined) body[k] = input[k];
      }
      const res = await t.call({
        method: 'POST',
        path: '/request',
        json: body,
        headers: userHeader(o),
        idempotent: false,
      });
      const said = serverMessage(res) ?? '';
      if (res.status === 201 || res.status === 200) {
        return { ok: true, request: parseJson('overseerr', res, OverseerrRequestSchema, 'the new request') };
      }
      if (res.status === 202)
        return { ok: false, reason: 'no_seasons_left', message: said || 'No seasons available to request' };
      if (res.status === 409)
        return { ok: false, reason: 'duplicate', message: said || 'Request for this media already exists.' };
      if (res.status === 403 && said !== PERMISSION_DENIED) {
        return {
          ok: false,
          reason: /quota/i.test(said) ? 'quota_exceeded' : 'forbidden',
          message: said || 'Forbidden',
        };
      }
      throw overseerrError(res, 'create a request', o);
    },

    requests: (q = {}) =>
      getJson('/request', pageOf(OverseerrRequestSchema), 'the request list', {
        query: {
          take: q.take ?? 20,
          skip: q.skip ?? 0,
          filter: q.filter,
          sort: q.sort,
          requestedBy: q.requestedBy,
        },
        as: q,
      }),

    async request(id, o = {}) {
      const res = await t.call({ path: `/request/${checkId(id, 'request id')}`, headers: userHeader(o) });
      if (res.status === 404) return undefined;
      if (!ok(res)) throw overseerrError(res, `see request ${id}`, o);
      return parseJson('overseerr', res, OverseerrRequestSchema, `request ${id}`);
    },

    async deleteRequest(id, o = {}) {
      const res = await t.call({
        method: 'DELETE',
        path: `/request/${checkId(id, 'request id')}`,
        headers: userHeader(o),
      });
      if (res.status === 404) return false;
      if (!ok(res)) throw overseerrError(res, `delete request ${id}`, o);
      return true;
    },

    approveRequest: (id, o) => action(id, 'approve', o),
    declineRequest: (id, o) => action(id, 'decline', o),

    requestCount: () => getJson('/request/count', RequestCountSchema, 'the request count'),
  };
  return client;
}
