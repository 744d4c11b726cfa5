/**
 * The live dashboard's HTTP side: the cards (with uptime bars), one service's history, now
 * playing and recently added. Live changes arrive over the WebSocket (`status.changed`); these
 * routes give the state to start from.
 *
 * - `GET /dashboard` is any member's. It never calls a service itself (the check job does), so a
 *   slow or broken service cannot make it slow or fail. When the household's cards are missing or
 *   older than the watched interval, it enqueues one check with the same de-duplication id as the
 *   tick's, so a dashboard opened between ticks fills in without waiting for the next one and
 *   without doubling the tick's work.
 * - `GET /now-playing` names people and their players: owner and admin roles only, the domain's
 *   own rule (`requireAccess({ role: 'admin' })`), not the `manage_integrations` permission.
 * - `GET /recently-added` is any member's. Plex answers per server; a server that fails becomes a
 *   `problems` entry, never a failed request.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { DomainDeps } from '@medianest/core/actor/index';
import { enqueueJob } from '@medianest/core/jobs/index';
import {
  CHECK_JOB,
  DashboardSchema,
  dashboard,
  httpOf,
  nowPlaying,
  type PlexDashboardDeps,
  recentlyAdded,
  type StatusSystem,
  serviceHistory,
  watchedCheckDedupId,
  watchedIntervalOf,
} from '@medianest/core/status/index';
import type { System } from '@medianest/core/system/index';
import { guard } from '../access.ts';
import { createRouter } from '../router.ts';
import { errors, json } from './schemas.ts';

const Hid = z.object({ hid: z.string().openapi({ description: 'Household id (hh_…)' }) });
const HidService = Hid.extend({
  service: z
    .string()
    .min(1)
    .max(300)
    .openapi({ description: '`plex:<machineIdentifier>`, `overseerr`, `uptime_kuma` or `monitor:<id>`' }),
});

const CardStatusOut = z.enum(['up', 'degraded', 'down', 'maintenance', 'unknown']);

const HistoryOut = z
  .object({
    points: z.array(
      z.object({ at: z.number().int(), status: CardStatusOut, latencyMs: z.number().nullable() }),
    ),
  })
  .openapi('ServiceHistory');

const Problem = z
  .object({ server: z.string(), code: z.string(), message: z.string() })
  .openapi('PlexProblem');
const ServerRef = z.object({ machineIdentifier: z.string(), name: z.string() });

const NowPlayingOut = z
  .object({
    sessions: z.array(
      z.object({
        server: ServerRef,
        sessionKey: z.string(),
        user: z.object({ title: z.string(), thumb: z.string().nullable() }),
        title: z.string(),
        grandparentTitle: z.string().nullable(),
        type: z.string(),
        thumb: z.string().nullable(),
        player: z.object({
          title: z.string().nullable(),
          product: z.string().nullable(),
          platform: z.string().nullable(),
          state: z.string().nullable(),
          local: z.boolean().nullable(),
        }),
        progress: z.number().nullable().openapi({ description: '0–1' }),
        decision: z.enum(['transcode', 'copy', 'direct_play']),
        videoDecision: z.string().nullable(),
        audioDecision: z.string().nullable(),
        bandwidthKbps: z.number().nullable(),
        location: z.enum(['lan', 'wan']).nullable(),
      }),
    ),
    problems: z.array(Problem),
  })
  .openapi('NowPlaying');

const RecentlyAddedOut = z
  .object({
    items: z.array(
      z.object({
        server: ServerRef,
        ratingKey: z.string(),
        type: z.string(),
        title: z.string(),
        parentTitle: z.string().nullable(),
        year: z.number().nullable(),
        addedAt: z.number().nullable(),
        thumb: z
          .string()
          .nullable()
          .openapi({ description: 'A path on the Plex server, never a URL with a token' }),
      }),
    ),
    problems: z.array(Problem),
  })
  .openapi('RecentlyAdded');

function domainDeps(system: System): DomainDeps {
  return {
    get table() {
      return system.table;
    },
    get keyring() {
      return system.keyring;
    },
    clock: system.clock,
    logger: system.logger,
  };
}

function plexDeps(system: System): PlexDashboardDeps {
  const tuning = (system as StatusSystem).statusCheck;
  return {
    ...domainDeps(system),
    http: httpOf(system),
    ...(tuning?.checkTimeoutMs !== undefined ? { checkTimeoutMs: tuning.checkTimeoutMs } : {}),
  };
}

export interface DashboardRouteOptions {
  /**
   * How old the cards may be before a dashboard read asks for a check (default: the watched
   * interval, MEDIANEST_STATUS_INTERVAL_SECONDS through the System's config).
   */
  watchedIntervalMs?: number;
}

export function dashboardRoutes(system: System, options: DashboardRouteOptions = {}) {
  const router = createRouter();
  const interval = options.watchedIntervalMs ?? watchedIntervalOf(system);

  /** Best effort: a queue hiccup must not fail the read the member is waiting for. */
  async function requestCheck(householdId: string, now: number) {
    const bucket = Math.floor(now / interval);
    try {
      await enqueueJob(
        system,
        CHECK_JOB,
        { householdId, reason: 'watched' },
        { dedupId: watchedCheckDedupId(householdId, interval, bucket) },
      );
    } catch (error) {
      system.logger.warn('Could not enqueue a status check for an open dashboard', { error, householdId });
    }
  }

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/dashboard',
      tags: ['dashboard'],
      summary:
        'The service cards with uptime bars (members see visible monitors; managers of integrations see all). Stale or missing cards trigger one check',
      ...guard({ auth: 'household' }),
      request: { params: Hid },
      responses: { 200: json(DashboardSchema, 'The dashboard'), ...errors },
    }),
    async (c) => {
      const { hid } = c.req.valid('param');
      const board = await dashboard(domainDeps(system));
      const now = system.clock.now();
      const configured = board.configured.plex || board.configured.overseerr || board.configured.uptime_kuma;
      const stale = board.cards.some(
        (card) => card.code === 'status.not_checked' || now - card.checkedAt >= interval,
      );
      if (configured && (stale || board.cards.length === 0)) await requestCheck(hid, now);
      // The card type is recursive (attached monitors), which Hono's JSON typing cannot follow;
      // core checks Dashboard against DashboardSchema at compile time.
      const out: z.output<typeof DashboardSchema> = board;
      return c.json(out, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/status/{service}/history',
      tags: ['dashboard'],
      summary:
        "One service's check points over the last 24 h, oldest first (empty for a monitor hidden from the caller)",
      ...guard({ auth: 'household' }),
      request: { params: HidService },
      responses: { 200: json(HistoryOut, 'History points'), ...errors },
    }),
    async (c) => {
      const { service } = c.req.valid('param');
      return c.json({ points: await serviceHistory(domainDeps(system), { service }) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/now-playing',
      tags: ['dashboard'],
      summary: "Who is watching what on the household's Plex servers (owner and admins)",
      ...guard({ auth: 'household', permission: 'admin' }),
      request: { params: Hid },
      responses: { 200: json(NowPlayingOut, 'Sessions, and servers that did not answer'), ...errors },
    }),
    async (c) => c.json(await nowPlaying(plexDeps(system)), 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/recently-added',
      tags: ['dashboard'],
      summary: "The newest items across the household's Plex servers, newest first",
      ...guard({ auth: 'household' }),
      request: {
        params: Hid,
        query: z.object({ limit: z.coerce.number().int().min(1).max(50).default(20) }),
      },
      responses: { 200: json(RecentlyAddedOut, 'Items, and servers that did not answer'), ...errors },
    }),
    async (c) => {
      const { limit } = c.req.valid('query');
      return c.json(await recentlyAdded(plexDeps(system), { limit }), 200);
    },
  );

  return router;
}
