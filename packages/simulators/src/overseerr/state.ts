/**
 * The Overseerr simulator's in-memory database and business rules: users, media, requests,
 * quotas, auto-approval and the notifications each state change emits. The rules follow
 * sct/overseerr `server/entity/MediaRequest.ts`, `User.ts` and `routes/request.ts`; the JSON
 * shapes follow what TypeORM serialises for those entities.
 */
import { type Catalog, type CatalogTitle, displayTitle, titleYear } from './catalog.ts';
import { hasPermission, Permission } from './permissions.ts';
import type { NotificationPayload, NotificationType, WebhookSender, WebhookUser } from './webhook.ts';
import { truncateOverview } from './webhook.ts';

export const MediaRequestStatus = { PENDING: 1, APPROVED: 2, DECLINED: 3, FAILED: 4 } as const;
export const MediaStatus = {
  UNKNOWN: 1,
  PENDING: 2,
  PROCESSING: 3,
  PARTIALLY_AVAILABLE: 4,
  AVAILABLE: 5,
} as const;
export const UserType = { PLEX: 1, LOCAL: 2 } as const;

export type MediaType = 'movie' | 'tv';

/**
 * The simulator's own failure: an HTTP status plus Overseerr's `{message, errors}` body. It
 * models the simulated program's wire behaviour, which is why it is not a MediaNest AppError.
 */
export class OverseerrFailure extends Error {
  readonly status: number;
  readonly errors: unknown;
  constructor(status: number, message: string, errors?: unknown) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
}

export interface OverseerrUserSeed {
  id?: number;
  plexId?: number | null;
  /** Overseerr `username` (the local display name override). */
  username?: string | null;
  plexUsername?: string | null;
  email: string;
  /** Derived like Overseerr (`username || plexUsername || email`) when absent. */
  displayName?: string;
  userType?: 1 | 2;
  permissions?: number;
  avatar?: string;
  movieQuotaLimit?: number | null;
  movieQuotaDays?: number | null;
  tvQuotaLimit?: number | null;
  tvQuotaDays?: number | null;
  /** A Plex token that `POST /auth/plex` accepts for this user. */
  plexToken?: string;
  createdAt?: string;
}

export interface UserRecord {
  id: number;
  email: string;
  plexUsername: string | null;
  username: string | null;
  displayNameOverride: string | null;
  userType: number;
  plexId: number | null;
  plexToken: string | null;
  permissions: number;
  avatar: string;
  movieQuotaLimit: number | null;
  movieQuotaDays: number | null;
  tvQuotaLimit: number | null;
  tvQuotaDays: number | null;
  createdAt: string;
  updatedAt: string;
}

interface SeasonRecord {
  id: number;
  seasonNumber: number;
  status: number;
  status4k: number;
  createdAt: string;
  updatedAt: string;
}

export interface MediaRecord {
  id: number;
  mediaType: MediaType;
  tmdbId: number;
  tvdbId: number | null;
  imdbId: string | null;
  status: number;
  status4k: number;
  createdAt: string;
  updatedAt: string;
  lastSeasonChange: string;
  mediaAddedAt: string | null;
  ratingKey: string | null;
  seasons: SeasonRecord[];
}

interface SeasonRequestRecord {
  id: number;
  seasonNumber: number;
  status: number;
  createdAt: string;
  updatedAt: string;
}

export interface RequestRecord {
  id: number;
  status: number;
  mediaId: number;
  type: MediaType;
  requestedBy: number;
  modifiedBy: number | null;
  is4k: boolean;
  serverId: number | null;
  profileId: number | null;
  rootFolder: string | null;
  languageProfileId: number | null;
  tags: number[] | null;
  isAutoRequest: boolean;
  seasons: SeasonRequestRecord[];
  createdAt: string;
  updatedAt: string;
}

export interface RequestBody {
  mediaType: MediaType;
  mediaId: number;
  tvdbId?: number;
  seasons?: number[] | 'all';
  is4k?: boolean;
  serverId?: number;
  profileId?: number;
  rootFolder?: string;
  languageProfileId?: number;
  userId?: number | null;
  tags?: number[];
}

export interface Quota {
  days?: number;
  limit?: number;
  used: number;
  remaining?: number;
  restricted: boolean;
}

export type RequestFilter =
  | 'all'
  | 'approved'
  | 'available'
  | 'pending'
  | 'processing'
  | 'unavailable'
  | 'failed';

export class OverseerrState {
  readonly users = new Map<number, UserRecord>();
  readonly media = new Map<number, MediaRecord>();
  readonly requests = new Map<number, RequestRecord>();
  readonly catalog: Catalog;
  readonly #titles = new Map<string, CatalogTitle>();
  readonly #now: () => number;
  readonly #webhook: WebhookSender | undefined;
  #nextUser = 1;
  #nextMedia = 1;
  #nextRequest = 1;
  #nextSeason = 1;

  constructor(catalog: Catalog, now: () => number, webhook: WebhookSender | undefined) {
    this.catalog = catalog;
    this.#now = now;
    this.#webhook = webhook;
    for (const t of [...catalog.movies, ...catalog.tv]) this.#titles.set(`${t.mediaType}:${t.tmdbId}`, t);
  }

  iso(): string {
    return new Date(this.#now()).toISOString();
  }

  title(mediaType: MediaType, tmdbId: number): CatalogTitle | undefined {
    return this.#titles.get(`${mediaType}:${tmdbId}`);
  }

  // ---------- users ----------

  addUser(seed: OverseerrUserSeed): UserRecord {
    const id = seed.id ?? this.#nextUser;
    if (this.users.has(id)) throw new Error(`user ${id} already exists`);
    const email = seed.email.toLowerCase();
    for (const u of this.users.values()) {
      if (u.email === email) throw new Error(`a user with email ${email} already exists`);
    }
    this.#nextUser = Math.max(this.#nextUser, id + 1);
    const now = seed.createdAt ?? this.iso();
    const plexId = seed.plexId ?? null;
    const user: UserRecord = {
      id,
      email,
      plexUsername: seed.plexUsername ?? null,
      username: seed.username ?? null,
      displayNameOverride: seed.displayName ?? null,
      userType: seed.userType ?? (plexId !== null ? UserType.PLEX : UserType.LOCAL),
      plexId,
      plexToken: seed.plexToken ?? null,
      permissions: seed.permissions ?? (id === 1 ? Permission.ADMIN : Permission.REQUEST),
      avatar:
        seed.avatar ??
        (plexId !== null
          ? `https://plex.tv/users/${plexId.toString(16).padStart(16, '0')}/avatar?c=1700000000`
          : `https://www.gravatar.com/avatar/${id.toString(16).padStart(32, '0')}?default=mm&size=200`),
      movieQuotaLimit: seed.movieQuotaLimit ?? null,
      movieQuotaDays: seed.movieQuotaDays ?? null,
      tvQuotaLimit: seed.tvQuotaLimit ?? null,
      tvQuotaDays: seed.tvQuotaDays ?? null,
      createdAt: now,
      updatedAt: now,
    };
    this.users.set(id, user);
    return user;
  }

  setPermissions(userId: number, permissions: number): UserRecord {
    const user = this.users.get(userId);
    if (!user) throw new OverseerrFailure(404, 'User not found.');
    user.permissions = permissions;
    user.updatedAt = this.iso();
    return user;
  }

  displayName(user: UserRecord): string {
    return user.displayNameOverride ?? (user.username || user.plexUsername || user.email);
  }

  requestCount(userId: number): number {
    let n = 0;
    for (const r of this.requests.values()) if (r.requestedBy === userId) n++;
    return n;
  }

  /** TypeORM's JSON for a User; `email` and `plexId` dropped unless `showFiltered`. */
  userJson(user: UserRecord, showFiltered = true): Record<string, unknown> {
    const out: Record<string, unknown> = {
      permissions: user.permissions,
      id: user.id,
      email: user.email,
      plexUsername: user.plexUsername,
      username: user.username,
      recoveryLinkExpirationDate: null,
      userType: user.userType,
      plexId: user.plexId,
      avatar: user.avatar,
      movieQuotaLimit: user.movieQuotaLimit,
      movieQuotaDays: user.movieQuotaDays,
      tvQuotaLimit: user.tvQuotaLimit,
      tvQuotaDays: user.tvQuotaDays,
      createdAt: user.createdAt,
      updatedAt: user.updatedAt,
      requestCount: this.requestCount(user.id),
      displayName: this.displayName(user),
    };
    if (!showFiltered) {
      delete out.email;
      delete out.plexId;
    }
    return out;
  }

  quota(user: UserRecord): { movie: Quota; tv: Quota } {
    const canBypass = hasPermission([Permission.MANAGE_USERS], user.permissions, 'or');
    const now = this.#now();
    // Overseerr counts requests created after `now - days`; with no days set the window is
    // empty (it compares against "now"), so a limit without days never restricts. Kept as is.
    const since = (days: number | null) => (days ? now - days * 86_400_000 : now);
    const movieLimit = canBypass ? 0 : (user.movieQuotaLimit ?? undefined);
    const movieDays = user.movieQuotaDays ?? undefined;
    const movieSince = since(user.movieQuotaDays);
    let movieUsed = 0;
    if (movieLimit) {
      for (const r of this.requests.values()) {
        if (
          r.requestedBy === user.id &&
          r.type === 'movie' &&
          r.status !== MediaRequestStatus.DECLINED &&
          Date.parse(r.createdAt) > movieSince
        )
          movieUsed++;
      }
    }
    const tvLimit = canBypass ? 0 : (user.tvQuotaLimit ?? undefined);
    const tvDays = user.tvQuotaDays ?? undefined;
    const tvSince = since(user.tvQuotaDays);
    let tvUsed = 0;
    if (tvLimit) {
      for (const r of this.requests.values()) {
        if (
          r.requestedBy === user.id &&
          r.type === 'tv' &&
          r.status !== MediaRequestStatus.DECLINED &&
          Date.parse(r.createdAt) > tvSince
        )
          tvUsed += r.seasons.length;
      }
    }
    // Key order and omitted `undefined`s as in Overseerr's JSON.
    const q = (days: number | undefined, limit: number | undefined, used: number): Quota => ({
      ...(days !== undefined ? { days } : {}),
      ...(limit !== undefined ? { limit } : {}),
      used,
      ...(limit ? { remaining: Math.max(0, limit - used) } : {}),
      restricted: Boolean(limit && limit - used <= 0),
    });
    return { movie: q(movieDays, movieLimit, movieUsed), tv: q(tvDays, tvLimit, tvUsed) };
  }

  // ---------- media ----------

  findMedia(mediaType: MediaType, tmdbId: number): MediaRecord | undefined {
    for (const m of this.media.values()) if (m.mediaType === mediaType && m.tmdbId === tmdbId) return m;
    return undefined;
  }

  #createMedia(
    title: CatalogTitle,
    tvdbId: number | undefined,
    status: number,
    status4k: number,
  ): MediaRecord {
    const now = this.iso();
    const media: MediaRecord = {
      id: this.#nextMedia++,
      mediaType: title.mediaType,
      tmdbId: title.tmdbId,
      tvdbId: tvdbId ?? (title.mediaType === 'tv' ? title.tvdbId : null),
      imdbId: null,
      status,
      status4k,
      createdAt: now,
      updatedAt: now,
      lastSeasonChange: now,
      mediaAddedAt: null,
      ratingKey: null,
      seasons: [],
    };
    this.media.set(media.id, media);
    return media;
  }

  mediaRequests(media: MediaRecord): RequestRecord[] {
    return [...this.requests.values()].filter((r) => r.mediaId === media.id);
  }

  /** Entity `Media` as JSON; `requests` only where Overseerr loads that relation. */
  mediaJson(media: MediaRecord, withRequests = false): Record<string, unknown> {
    const out: Record<string, unknown> = {
      downloadStatus: [],
      downloadStatus4k: [],
      id: media.id,
      mediaType: media.mediaType,
      tmdbId: media.tmdbId,
      tvdbId: media.tvdbId,
      imdbId: media.imdbId,
      status: media.status,
      status4k: media.status4k,
      createdAt: media.createdAt,
      updatedAt: media.updatedAt,
      lastSeasonChange: media.lastSeasonChange,
      mediaAddedAt: media.mediaAddedAt,
      serviceId: null,
      serviceId4k: null,
      externalServiceId: null,
      externalServiceId4k: null,
      externalServiceSlug: null,
      externalServiceSlug4k: null,
      ratingKey: media.ratingKey,
      ratingKey4k: null,
      seasons: media.seasons.map((s) => ({ ...s })),
    };
    if (withRequests) {
      out.requests = this.mediaRequests(media).map((r) => this.requestJson(r, { withMedia: false }));
      out.issues = [];
    }
    if (media.ratingKey) {
      out.plexUrl = `https://app.plex.tv/desktop#!/server/simulated/details?key=%2Flibrary%2Fmetadata%2F${media.ratingKey}`;
      out.iOSPlexUrl = `plex://preplay/?metadataKey=%2Flibrary%2Fmetadata%2F${media.ratingKey}&server=simulated`;
    }
    return out;
  }

  requestJson(
    r: RequestRecord,
    opts: { withMedia?: boolean; mediaWithRequests?: boolean } = {},
  ): Record<string, unknown> {
    const requestedBy = this.users.get(r.requestedBy);
    const modifiedBy = r.modifiedBy !== null ? this.users.get(r.modifiedBy) : undefined;
    const media = this.media.get(r.mediaId);
    const out: Record<string, unknown> = {
      id: r.id,
      status: r.status,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      type: r.type,
      is4k: r.is4k,
      serverId: r.serverId,
      profileId: r.profileId,
      rootFolder: r.rootFolder,
      languageProfileId: r.languageProfileId,
      tags: r.tags,
      isAutoRequest: r.isAutoRequest,
    };
    if (opts.withMedia !== false && media) out.media = this.mediaJson(media, opts.mediaWithRequests ?? false);
    out.seasons = r.seasons.map((s) => ({ ...s }));
    out.modifiedBy = modifiedBy ? this.userJson(modifiedBy) : null;
    out.requestedBy = requestedBy ? this.userJson(requestedBy) : null;
    out.seasonCount = r.seasons.length;
    return out;
  }

  // ---------- requests ----------

  /** `MediaRequest.request()`: permission, quota, duplicate and season checks, then insert. */
  createRequest(body: RequestBody, actor: UserRecord): RequestRecord {
    let requestUser = actor;
    if (body.userId) {
      if (!hasPermission([Permission.MANAGE_USERS, Permission.MANAGE_REQUESTS], actor.permissions, 'and')) {
        throw new OverseerrFailure(403, 'You do not have permission to modify the request user.');
      }
      const target = this.users.get(body.userId);
      if (!target) {
        throw new OverseerrFailure(
          500,
          `Could not find any entity of type "User" matching: {\n    "where": {\n        "id": ${body.userId}\n    }\n}`,
        );
      }
      requestUser = target;
    }
    const is4k = body.is4k ?? false;
    const kind = body.mediaType === 'movie' ? 'movie' : 'series';
    const needed =
      body.mediaType === 'movie'
        ? is4k
          ? [Permission.REQUEST_4K, Permission.REQUEST_4K_MOVIE]
          : [Permission.REQUEST, Permission.REQUEST_MOVIE]
        : is4k
          ? [Permission.REQUEST_4K, Permission.REQUEST_4K_TV]
          : [Permission.REQUEST, Permission.REQUEST_TV];
    if (!hasPermission(needed, requestUser.permissions, 'or')) {
      throw new OverseerrFailure(
        403,
        `You do not have permission to make ${is4k ? '4K ' : ''}${kind} requests.`,
      );
    }
    const quotas = this.quota(requestUser);
    if (body.mediaType === 'movie' && quotas.movie.restricted) {
      throw new OverseerrFailure(403, 'Movie Quota exceeded.');
    }
    if (body.mediaType === 'tv' && quotas.tv.restricted) {
      throw new OverseerrFailure(403, 'Series Quota exceeded.');
    }
    const title = this.title(body.mediaType, body.mediaId);
    if (!title) {
      // TMDB answers 404 and Overseerr's generic handler turns that into a 500.
      throw new OverseerrFailure(
        500,
        `[TMDB] Failed to fetch ${body.mediaType === 'movie' ? 'movie' : 'TV show'} details: Request failed with status code 404`,
      );
    }
    let media = this.findMedia(body.mediaType, body.mediaId);
    if (media) {
      if (media.status === MediaStatus.UNKNOWN && !is4k) media.status = MediaStatus.PENDING;
      if (media.status4k === MediaStatus.UNKNOWN && is4k) media.status4k = MediaStatus.PENDING;
    }
    const existing = media ? this.mediaRequests(media).filter((r) => r.is4k === is4k) : [];
    if (existing.length > 0) {
      const first = existing[0];
      if (body.mediaType === 'movie' && first && first.status !== MediaRequestStatus.DECLINED) {
        throw new OverseerrFailure(409, 'Request for this media already exists.');
      }
      if (existing.some((r) => r.requestedBy === requestUser.id && r.isAutoRequest)) {
        throw new OverseerrFailure(409, 'Auto-request for this media and user already exists.');
      }
    }
    // Auto-approval looks at the *acting* user (the API-key user or X-Api-User), like Overseerr.
    const autoApprove = hasPermission(
      body.mediaType === 'movie'
        ? [
            is4k ? Permission.AUTO_APPROVE_4K : Permission.AUTO_APPROVE,
            is4k ? Permission.AUTO_APPROVE_4K_MOVIE : Permission.AUTO_APPROVE_MOVIE,
            Permission.MANAGE_REQUESTS,
          ]
        : [
            is4k ? Permission.AUTO_APPROVE_4K : Permission.AUTO_APPROVE,
            is4k ? Permission.AUTO_APPROVE_4K_TV : Permission.AUTO_APPROVE_TV,
            Permission.MANAGE_REQUESTS,
          ],
      actor.permissions,
      'or',
    );
    let seasonNumbers: number[] = [];
    if (title.mediaType === 'tv') {
      if (body.seasons === undefined) {
        // Overseerr calls `.filter` on the missing list and its handler answers 500.
        throw new OverseerrFailure(500, "Cannot read properties of undefined (reading 'filter')");
      }
      const requested = body.seasons === 'all' ? title.seasons.map((s) => s.seasonNumber) : body.seasons;
      const taken = new Set<number>();
      if (media) {
        for (const r of this.mediaRequests(media)) {
          if (r.is4k === is4k && r.status !== MediaRequestStatus.DECLINED) {
            for (const s of r.seasons) taken.add(s.seasonNumber);
          }
        }
        for (const s of media.seasons) {
          if ((is4k ? s.status4k : s.status) !== MediaStatus.UNKNOWN) taken.add(s.seasonNumber);
        }
      }
      seasonNumbers = requested.filter((n) => !taken.has(n));
      if (seasonNumbers.length === 0) throw new OverseerrFailure(202, 'No seasons available to request');
      if (quotas.tv.limit && seasonNumbers.length > (quotas.tv.remaining ?? 0)) {
        throw new OverseerrFailure(403, 'Series Quota exceeded.');
      }
    }
    if (!media) {
      media = this.#createMedia(
        title,
        body.tvdbId,
        is4k ? MediaStatus.UNKNOWN : MediaStatus.PENDING,
        is4k ? MediaStatus.PENDING : MediaStatus.UNKNOWN,
      );
    }
    const now = this.iso();
    const status = autoApprove ? MediaRequestStatus.APPROVED : MediaRequestStatus.PENDING;
    const request: RequestRecord = {
      id: this.#nextRequest++,
      status,
      mediaId: media.id,
      type: body.mediaType,
      requestedBy: requestUser.id,
      modifiedBy: autoApprove ? actor.id : null,
      is4k,
      serverId: body.serverId ?? null,
      profileId: body.profileId ?? null,
      rootFolder: body.rootFolder ?? null,
      languageProfileId: body.mediaType === 'tv' ? (body.languageProfileId ?? null) : null,
      tags: body.tags ?? null,
      isAutoRequest: false,
      seasons: seasonNumbers.map((n) => ({
        id: this.#nextSeason++,
        seasonNumber: n,
        status,
        createdAt: now,
        updatedAt: now,
      })),
      createdAt: now,
      updatedAt: now,
    };
    this.requests.set(request.id, request);
    if (status === MediaRequestStatus.PENDING) {
      this.#notify('MEDIA_PENDING', request);
    } else {
      this.#afterStatusChange(request);
      this.#notifyApprovedOrDeclined(request, true);
    }
    return request;
  }

  /** Approve / decline / pending / failed from the API or the control handle. */
  setRequestStatus(id: number, status: number, modifiedBy: number | null): RequestRecord {
    const r = this.requests.get(id);
    if (!r) throw new OverseerrFailure(404, 'Request not found.');
    r.status = status;
    if (modifiedBy !== null) r.modifiedBy = modifiedBy;
    r.updatedAt = this.iso();
    this.#afterStatusChange(r);
    if (status === MediaRequestStatus.FAILED) {
      this.#notify('MEDIA_FAILED', r);
    } else {
      this.#notifyApprovedOrDeclined(r, false);
    }
    return r;
  }

  /** `updateParentStatus`: keep the media status in step with its requests. */
  #afterStatusChange(r: RequestRecord): void {
    const media = this.media.get(r.mediaId);
    if (!media) return;
    const key = r.is4k ? 'status4k' : 'status';
    if (
      r.status === MediaRequestStatus.APPROVED &&
      media[key] !== MediaStatus.AVAILABLE &&
      media[key] !== MediaStatus.PARTIALLY_AVAILABLE
    ) {
      media[key] = MediaStatus.PROCESSING;
      media.updatedAt = this.iso();
    }
    if (media.mediaType === 'movie' && r.status === MediaRequestStatus.DECLINED) {
      media[key] = MediaStatus.UNKNOWN;
      media.updatedAt = this.iso();
    }
    if (
      media.mediaType === 'tv' &&
      r.status === MediaRequestStatus.DECLINED &&
      this.mediaRequests(media).every((x) => x.status !== MediaRequestStatus.PENDING) &&
      media[key] === MediaStatus.PENDING
    ) {
      media[key] = MediaStatus.UNKNOWN;
      media.updatedAt = this.iso();
    }
    if (media.mediaType === 'tv' && r.status === MediaRequestStatus.APPROVED) {
      for (const s of r.seasons) {
        s.status = MediaRequestStatus.APPROVED;
        s.updatedAt = this.iso();
      }
    }
  }

  #notifyApprovedOrDeclined(r: RequestRecord, autoApproved: boolean): void {
    if (r.status !== MediaRequestStatus.APPROVED && r.status !== MediaRequestStatus.DECLINED) return;
    const media = this.media.get(r.mediaId);
    if (!media) return;
    // "Media became available before request was approved": Overseerr skips the notification.
    if ((r.is4k ? media.status4k : media.status) === MediaStatus.AVAILABLE) return;
    this.#notify(
      r.status === MediaRequestStatus.APPROVED
        ? autoApproved
          ? 'MEDIA_AUTO_APPROVED'
          : 'MEDIA_APPROVED'
        : 'MEDIA_DECLINED',
      r,
    );
  }

  deleteRequest(id: number): void {
    const r = this.requests.get(id);
    if (!r) throw new OverseerrFailure(404, 'Request not found.');
    this.requests.delete(id);
    const media = this.media.get(r.mediaId);
    if (!media) return;
    const rest = this.mediaRequests(media);
    if (!rest.some((x) => !x.is4k) && media.status !== MediaStatus.AVAILABLE)
      media.status = MediaStatus.UNKNOWN;
    if (!rest.some((x) => x.is4k) && media.status4k !== MediaStatus.AVAILABLE)
      media.status4k = MediaStatus.UNKNOWN;
    media.updatedAt = this.iso();
  }

  /**
   * The Plex scan found the title (or, for a series, `seasons` of it; all when absent): mark it
   * available and send MEDIA_AVAILABLE for the requests it satisfies, like `MediaSubscriber`.
   */
  markAvailable(
    mediaType: MediaType,
    tmdbId: number,
    opts: { seasons?: number[]; ratingKey?: string } = {},
  ): MediaRecord {
    const title = this.title(mediaType, tmdbId);
    if (!title) throw new OverseerrFailure(404, `No ${mediaType} with TMDB id ${tmdbId} in the catalog.`);
    let media = this.findMedia(mediaType, tmdbId);
    if (!media) media = this.#createMedia(title, undefined, MediaStatus.UNKNOWN, MediaStatus.UNKNOWN);
    const now = this.iso();
    const wasAvailable = media.status === MediaStatus.AVAILABLE;
    const oldAvailableSeasons = new Set(
      media.seasons.filter((s) => s.status === MediaStatus.AVAILABLE).map((s) => s.seasonNumber),
    );
    media.status = MediaStatus.AVAILABLE;
    media.mediaAddedAt ??= now;
    media.ratingKey = opts.ratingKey ?? media.ratingKey ?? String(50_000 + media.id);
    media.updatedAt = now;
    if (title.mediaType === 'tv') {
      const wanted = new Set(opts.seasons ?? title.seasons.map((s) => s.seasonNumber));
      for (const cs of title.seasons) {
        if (!wanted.has(cs.seasonNumber)) continue;
        let s = media.seasons.find((x) => x.seasonNumber === cs.seasonNumber);
        if (!s) {
          s = {
            id: this.#nextSeason++,
            seasonNumber: cs.seasonNumber,
            status: MediaStatus.UNKNOWN,
            status4k: MediaStatus.UNKNOWN,
            createdAt: now,
            updatedAt: now,
          };
          media.seasons.push(s);
        }
        s.status = MediaStatus.AVAILABLE;
        s.updatedAt = now;
      }
      media.seasons.sort((a, b) => a.seasonNumber - b.seasonNumber);
      const allThere = title.seasons.every((cs) =>
        media?.seasons.some((s) => s.seasonNumber === cs.seasonNumber && s.status === MediaStatus.AVAILABLE),
      );
      media.status = allThere ? MediaStatus.AVAILABLE : MediaStatus.PARTIALLY_AVAILABLE;
      media.lastSeasonChange = now;
    }
    const live = this.mediaRequests(media).filter((r) => !r.is4k && r.status !== MediaRequestStatus.DECLINED);
    if (title.mediaType === 'movie') {
      if (!wasAvailable) for (const r of live) this.#notify('MEDIA_AVAILABLE', r);
    } else {
      const available = new Set(
        media.seasons.filter((s) => s.status === MediaStatus.AVAILABLE).map((s) => s.seasonNumber),
      );
      const changed = [...available].filter((n) => !oldAvailableSeasons.has(n));
      const processed = new Set<number>();
      for (const n of changed) {
        if (processed.has(n)) continue;
        const r = live.find(
          (x) =>
            x.seasons.every((s) => available.has(s.seasonNumber)) &&
            x.seasons.some((s) => s.seasonNumber === n),
        );
        if (!r) continue;
        for (const s of r.seasons) processed.add(s.seasonNumber);
        this.#notify('MEDIA_AVAILABLE', r);
      }
    }
    return media;
  }

  /** Media that has live requests but is not yet available: what the availability poll checks. */
  awaitingAvailability(): MediaRecord[] {
    return [...this.media.values()].filter(
      (m) =>
        m.status !== MediaStatus.AVAILABLE &&
        this.mediaRequests(m).some((r) => !r.is4k && r.status !== MediaRequestStatus.DECLINED),
    );
  }

  // ---------- notifications ----------

  #webhookUser(user: UserRecord | undefined): WebhookUser | undefined {
    if (!user) return undefined;
    return {
      displayName: this.displayName(user),
      email: user.email,
      avatar: user.avatar,
      settings: { discordId: null, telegramChatId: null },
    };
  }

  #notify(type: NotificationType, r: RequestRecord): void {
    if (!this.#webhook) return;
    const media = this.media.get(r.mediaId);
    const title = media ? this.title(media.mediaType, media.tmdbId) : undefined;
    if (!media || !title) return;
    const kind = r.type === 'movie' ? 'Movie' : 'Series';
    const k4 = r.is4k ? '4K ' : '';
    const events: Record<NotificationType, string> = {
      MEDIA_PENDING: `New ${k4}${kind} Request`,
      MEDIA_APPROVED: `${k4}${kind} Request Approved`,
      MEDIA_DECLINED: `${k4}${kind} Request Declined`,
      MEDIA_AUTO_APPROVED: `${k4}${kind} Request Automatically Approved`,
      MEDIA_AUTO_REQUESTED: `${k4}${kind} Request Automatically Submitted`,
      MEDIA_FAILED: `${k4}${kind} Request Failed`,
      MEDIA_AVAILABLE: `${k4}${kind} Request Now Available`,
      TEST_NOTIFICATION: 'Test Notification',
      ISSUE_CREATED: '',
      ISSUE_COMMENT: '',
      ISSUE_RESOLVED: '',
      ISSUE_REOPENED: '',
    };
    const year = titleYear(title);
    const requestedBy = this.#webhookUser(this.users.get(r.requestedBy));
    const payload: NotificationPayload = {
      event: events[type],
      subject: `${displayTitle(title)}${year ? ` (${year})` : ''}`,
      message: truncateOverview(title.overview),
      image: `https://image.tmdb.org/t/p/w600_and_h900_bestv2${title.posterPath}`,
      media: {
        mediaType: media.mediaType,
        tmdbId: media.tmdbId,
        tvdbId: media.tvdbId,
        status: media.status,
        status4k: media.status4k,
      },
      request: requestedBy ? { id: r.id, requestedBy } : undefined,
    };
    if (r.type === 'tv') {
      payload.extra = [{ name: 'Requested Seasons', value: r.seasons.map((s) => s.seasonNumber).join(', ') }];
    }
    this.#webhook.send(type, payload);
  }
}
