/**
 * Overseerr (Seerr-compatible API v1) simulator: `await startOverseerr({ apiKey })`.
 *
 * Control routes (besides the kit's `/__control/hits` and `/__control/faults`):
 * - `GET  /__control/requests` → every request as the API renders it
 * - `GET  /__control/request-log` → which user / X-Api-User each API call carried
 * - `GET  /__control/webhooks` → webhook deliveries so far
 * - `POST /__control/users` (an OverseerrUserSeed) → the user
 * - `POST /__control/users/:id/permissions` `{permissions}` → the user
 * - `POST /__control/available` `{tmdbId, mediaType?, seasons?}` → the media
 * - `POST /__control/requests/:id/status` `{status: 'pending'|'approved'|'declined'|'failed'}`
 */
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { type RunningSimulator, startServer } from '../kit/index.ts';
import { buildOverseerrApp, type PlexAccount, type RequestLogEntry } from './app.ts';
import { type Catalog, type CatalogTitle, generateCatalog } from './catalog.ts';
import {
  MediaRequestStatus,
  type MediaType,
  OverseerrFailure,
  OverseerrState,
  type OverseerrUserSeed,
  type UserRecord,
} from './state.ts';
import { type WebhookDelivery, WebhookSender } from './webhook.ts';

export type { PlexAccount, RequestLogEntry } from './app.ts';
export type { Catalog, CatalogMovie, CatalogTitle, CatalogTv } from './catalog.ts';
export { generateCatalog, toPlexItem } from './catalog.ts';
export { hasPermission, Permission } from './permissions.ts';
export { MediaRequestStatus, MediaStatus, type OverseerrUserSeed, UserType } from './state.ts';
export {
  DEFAULT_WEBHOOK_TEMPLATE,
  decodeTemplate,
  Notification,
  type NotificationType,
  renderWebhook,
  type WebhookDelivery,
} from './webhook.ts';

export interface AvailabilityQuery {
  mediaType: MediaType;
  tmdbId: number;
  tvdbId?: number;
  imdbId?: string;
}

export interface OverseerrOptions {
  apiKey: string;
  users?: OverseerrUserSeed[];
  catalogSeed?: number;
  /** Titles added to the generated catalogue (e.g. ones a Plex simulator also serves). */
  extraTitles?: CatalogTitle[];
  port?: number;
  webhook?: {
    url: string;
    authHeader?: string;
    /** Base64 as Overseerr stores it; the default template when absent. */
    template?: string;
    /** Notification type bitmask; every media type when absent. */
    types?: number;
  };
  /** Asked for every requested, not yet available title; `true` marks it available. */
  isAvailable?: (media: AvailabilityQuery) => boolean | Promise<boolean>;
  availabilityPollMs?: number;
  /** Resolves a Plex token for `POST /auth/plex` (e.g. against the plex.tv simulator). */
  plexAuth?: (authToken: string) => Promise<PlexAccount | undefined> | PlexAccount | undefined;
  /** Overseerr's `newPlexLogin` setting. */
  newPlexLogin?: boolean;
  version?: string;
  clock?: () => number;
}

export type RequestStatusName = 'pending' | 'approved' | 'declined' | 'failed';

export interface RunningOverseerr extends RunningSimulator {
  apiKey: string;
  catalog: Catalog;
  addUser(seed: OverseerrUserSeed): Record<string, unknown>;
  setPermissions(userId: number, permissions: number): Record<string, unknown>;
  /**
   * Marks a title available (as a Plex scan would) and sends MEDIA_AVAILABLE; for a series,
   * only `seasons` when given (the show is then PARTIALLY_AVAILABLE until all are there).
   */
  markAvailable(tmdbId: number, mediaType?: MediaType, seasons?: number[]): Record<string, unknown>;
  setRequestStatus(requestId: number, status: RequestStatusName): Record<string, unknown>;
  /** Every request as `GET /api/v1/request/:id` renders it, oldest first. */
  requests(): Record<string, unknown>[];
  requestLog(): RequestLogEntry[];
  webhookDeliveries(): WebhookDelivery[];
  /** Waits for webhook POSTs in flight. */
  flushWebhooks(): Promise<void>;
  /** Runs one availability poll now (the timer does the same every availabilityPollMs). */
  pollAvailability(): Promise<void>;
}

const STATUS_BY_NAME: Record<RequestStatusName, number> = {
  pending: MediaRequestStatus.PENDING,
  approved: MediaRequestStatus.APPROVED,
  declined: MediaRequestStatus.DECLINED,
  failed: MediaRequestStatus.FAILED,
};

const UserSeedSchema = z.object({
  id: z.number().int().positive().optional(),
  plexId: z.number().int().nullable().optional(),
  username: z.string().nullable().optional(),
  plexUsername: z.string().nullable().optional(),
  email: z.string().min(1),
  displayName: z.string().optional(),
  userType: z.union([z.literal(1), z.literal(2)]).optional(),
  permissions: z.number().int().min(0).optional(),
  avatar: z.string().optional(),
  movieQuotaLimit: z.number().int().nullable().optional(),
  movieQuotaDays: z.number().int().nullable().optional(),
  tvQuotaLimit: z.number().int().nullable().optional(),
  tvQuotaDays: z.number().int().nullable().optional(),
  plexToken: z.string().optional(),
});

function findTmdb(state: OverseerrState, tmdbId: number, mediaType?: MediaType): MediaType {
  if (mediaType) return mediaType;
  if (state.title('movie', tmdbId)) return 'movie';
  if (state.title('tv', tmdbId)) return 'tv';
  throw new OverseerrFailure(404, `No title with TMDB id ${tmdbId} in the catalog.`);
}

export async function startOverseerr(options: OverseerrOptions): Promise<RunningOverseerr> {
  const catalog = generateCatalog(options.catalogSeed ?? 1);
  for (const t of options.extraTitles ?? []) {
    if (t.mediaType === 'movie') catalog.movies.push(t);
    else catalog.tv.push(t);
  }
  const webhook = options.webhook ? new WebhookSender(options.webhook) : undefined;
  const state = new OverseerrState(catalog, options.clock ?? Date.now, webhook);
  const seeds = options.users ?? [];
  // User 1 is the administrator the API key acts as; make sure there is one.
  if (!seeds.some((s) => (s.id ?? 0) === 1) && !(seeds[0] && seeds[0].id === undefined)) {
    state.addUser({ id: 1, email: 'admin@overseerr.local', plexUsername: 'admin', permissions: 2 });
  }
  for (const seed of seeds) state.addUser(seed);

  const log: RequestLogEntry[] = [];
  const api = buildOverseerrApp({
    state,
    apiKey: options.apiKey,
    log,
    sessions: new Map(),
    newPlexLogin: options.newPlexLogin ?? true,
    version: options.version ?? '1.34.0',
    ...(options.plexAuth ? { plexAuth: options.plexAuth } : {}),
  });

  const userJson = (u: UserRecord) => state.userJson(u);
  const requests = () =>
    [...state.requests.values()].sort((a, b) => a.id - b.id).map((r) => state.requestJson(r));
  const markAvailable = (tmdbId: number, mediaType?: MediaType, seasons?: number[]) =>
    state.mediaJson(
      state.markAvailable(findTmdb(state, tmdbId, mediaType), tmdbId, seasons ? { seasons } : {}),
    );
  const setRequestStatus = (id: number, status: RequestStatusName) =>
    state.requestJson(state.setRequestStatus(id, STATUS_BY_NAME[status], null));

  let polling = false;
  const pollAvailability = async () => {
    if (!options.isAvailable || polling) return;
    polling = true;
    try {
      for (const m of state.awaitingAvailability()) {
        const title = state.title(m.mediaType, m.tmdbId);
        const query: AvailabilityQuery = { mediaType: m.mediaType, tmdbId: m.tmdbId };
        if (m.tvdbId !== null) query.tvdbId = m.tvdbId;
        if (title?.imdbId) query.imdbId = title.imdbId;
        if (await options.isAvailable(query)) state.markAvailable(m.mediaType, m.tmdbId);
      }
    } finally {
      polling = false;
    }
  };

  const control = new Hono();
  const guard = async (c: Context, fn: () => unknown | Promise<unknown>) => {
    try {
      return c.json((await fn()) as object);
    } catch (err) {
      const status = err instanceof OverseerrFailure ? err.status : 400;
      return c.json({ error: err instanceof Error ? err.message : String(err) }, status as 400);
    }
  };
  control.get('/__control/requests', (c) => c.json(requests()));
  control.get('/__control/request-log', (c) => c.json(log));
  control.get('/__control/webhooks', (c) => c.json(webhook?.deliveries() ?? []));
  control.post('/__control/users', (c) =>
    guard(c, async () => userJson(state.addUser(UserSeedSchema.parse(await c.req.json())))),
  );
  control.post('/__control/users/:id/permissions', (c) =>
    guard(c, async () => {
      const { permissions } = z.object({ permissions: z.number().int().min(0) }).parse(await c.req.json());
      return userJson(state.setPermissions(Number(c.req.param('id')), permissions));
    }),
  );
  control.post('/__control/available', (c) =>
    guard(c, async () => {
      const body = z
        .object({
          tmdbId: z.number().int(),
          mediaType: z.enum(['movie', 'tv']).optional(),
          seasons: z.array(z.number().int()).optional(),
        })
        .parse(await c.req.json());
      return markAvailable(body.tmdbId, body.mediaType, body.seasons);
    }),
  );
  control.post('/__control/requests/:id/status', (c) =>
    guard(c, async () => {
      const { status } = z
        .object({ status: z.enum(['pending', 'approved', 'declined', 'failed']) })
        .parse(await c.req.json());
      return setRequestStatus(Number(c.req.param('id')), status);
    }),
  );

  const app = new Hono();
  app.route('/', control);
  app.route('/', api as unknown as Hono);
  const sim = await startServer('overseerr', app, options.port !== undefined ? { port: options.port } : {});

  const timer = options.isAvailable
    ? setInterval(() => {
        pollAvailability().catch(() => undefined);
      }, options.availabilityPollMs ?? 2_000)
    : undefined;
  timer?.unref();

  return {
    ...sim,
    apiKey: options.apiKey,
    catalog,
    addUser: (seed) => userJson(state.addUser(seed)),
    setPermissions: (id, permissions) => userJson(state.setPermissions(id, permissions)),
    markAvailable,
    setRequestStatus,
    requests,
    requestLog: () => log.map((e) => ({ ...e })),
    webhookDeliveries: () => webhook?.deliveries() ?? [],
    flushWebhooks: async () => {
      await webhook?.flush();
    },
    pollAvailability,
    close: async () => {
      if (timer) clearInterval(timer);
      await webhook?.flush();
      await sim.close();
    },
  };
}
