/**
 * Discover/search, requests through the household's Overseerr (sent as the member), admin
 * approvals, MediaNest's own quotas and the Overseerr webhook settings. Every route is under
 * `/households/{hid}/…` and reaches the household only through the caller's membership; the
 * domain checks permissions again (a plain member may request; approving needs manage_requests).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { LibraryDeps } from '@medianest/core/library/deps';
import { integrationServers } from '@medianest/core/library/sources';
import * as Quota from '@medianest/core/quota/index';
import {
  approve,
  cancel,
  create,
  DecideInput,
  Discover,
  decline,
  get,
  Info,
  integrationOverseerr,
  libraryAvailability,
  listAll,
  listMine,
  Person,
  people,
  type RequestDeps,
  Status as RequestStatus,
  refresh,
  rotateWebhookSecret,
  webhookSettings,
} from '@medianest/core/request/index';
import type { System } from '@medianest/core/system/index';
import { guard } from '../access.ts';
import { ErrorBody } from '../errors.ts';
import { portsOf } from '../ports.ts';
import { createRouter } from '../router.ts';
import { errors, json } from './schemas.ts';

/** Routes that call the household's Overseerr. */
const upstream = {
  ...errors,
  503: json(ErrorBody, 'Overseerr is not connected (request.overseerr_not_configured) or not answering'),
};

/** The request domain's deps: the System's ports (built on first use) plus Overseerr and availability. */
export function requestDepsOf(system: System): RequestDeps {
  const ports = portsOf(system);
  const libraryDeps = portsOf(system, { servers: integrationServers(ports) }) as unknown as LibraryDeps;
  return portsOf(system, {
    overseerr: integrationOverseerr(ports),
    availability: libraryAvailability(libraryDeps),
  }) as unknown as RequestDeps;
}

const Hid = z.object({ hid: z.string().openapi({ description: 'Household id (hh_…)' }) });
const HidId = Hid.extend({ id: z.string().openapi({ description: 'Request id (req_…)' }) });
const HidTitle = Hid.extend({
  mediaType: z.enum(['movie', 'tv']),
  tmdbId: z.coerce.number().int().positive(),
});

// Core's schemas are rebuilt from their shapes: zod 4 gives `.openapi` only to schemas created
// after @hono/zod-openapi is loaded, and core may be imported first (tests, other entry points).
const RequestOut = z.object(Info.shape).openapi('Request');
const Badge = z.object(Discover.Badge.shape).openapi('DiscoverBadge');
const Result = z.object(Discover.Result.shape).extend({ badge: Badge }).openapi('DiscoverResult');
const SearchPage = z
  .object({
    page: z.number().int(),
    totalPages: z.number().int(),
    totalResults: z.number().int(),
    results: z.array(Result),
  })
  .openapi('DiscoverPage');
const Details = Result.extend({
  seasons: z.array(
    z.object({
      seasonNumber: z.number().int(),
      name: z.string().nullable(),
      episodeCount: z.number().int().nullable(),
      requestable: z.boolean(),
    }),
  ),
}).openapi('DiscoverDetails');
const RequestPage = z
  .object({ requests: z.array(RequestOut), cursor: z.string().optional() })
  .openapi('RequestPage');
const PersonOut = z.object(Person.shape).openapi('Person');
const UsageEntry = z.object(Quota.UsageEntry.shape).openapi('QuotaUsage');
const QuotaSettings = z.object(Quota.Settings.shape).openapi('QuotaSettings');
const WebhookSettings = z
  .object({
    url: z.string().openapi({ description: 'Paste into Overseerr → Notifications → Webhook → Webhook URL' }),
    authorization: z.string().openapi({ description: 'Paste into "Authorization Header"' }),
    template: z.literal('default'),
    createdAt: z.number().int(),
    lastReceivedAt: z.number().int().nullable(),
    lastTestAt: z.number().int().nullable(),
  })
  .openapi('OverseerrWebhookSettings');

/** `?status=pending,approved` or repeated `?status=…`: both mean "any of these". */
const StatusList = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(','))))
  .pipe(z.array(RequestStatus).min(1).optional())
  .openapi({ type: 'string', description: 'One status or several, comma-separated' });

const ListQuery = z.object({
  /** `false` lists the whole household (manage_requests). */
  mine: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  status: StatusList,
  type: z.enum(['movie', 'tv']).optional(),
  requestedBy: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2000).optional(),
});

export function requestRoutes(system: System) {
  const router = createRouter();
  const deps = () => requestDepsOf(system);

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/discover/search',
      tags: ['discover'],
      summary: "Search movies and shows through the household's Overseerr, each with its badge",
      ...guard({ auth: 'household' }),
      request: {
        params: Hid,
        query: z.object({
          q: z.string().openapi({ description: 'What to search for' }),
          page: z.coerce.number().int().min(1).max(500).default(1),
        }),
      },
      responses: { 200: json(SearchPage, 'Results'), ...upstream },
    }),
    async (c) => {
      const { q, page } = c.req.valid('query');
      return c.json(await Discover.search(deps(), { query: q, page }), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/discover/{mediaType}/{tmdbId}',
      tags: ['discover'],
      summary: 'One title with its badge and, for a show, the seasons that can still be requested',
      ...guard({ auth: 'household' }),
      request: { params: HidTitle },
      responses: { 200: json(Details, 'The title'), ...upstream },
    }),
    async (c) => {
      const { mediaType, tmdbId } = c.req.valid('param');
      return c.json(await Discover.details(deps(), { mediaType, tmdbId }), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/households/{hid}/requests',
      tags: ['requests'],
      summary:
        'Request a title in Overseerr as the member (X-Api-User); MediaNest quotas apply (429 names the limit)',
      ...guard({ auth: 'household' }),
      request: {
        params: Hid,
        body: { content: { 'application/json': { schema: create.schema } }, required: true },
      },
      responses: { 201: json(RequestOut, 'Created'), ...upstream },
    }),
    async (c) => c.json(await create(deps(), c.req.valid('json')), 201),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/requests',
      tags: ['requests'],
      summary: 'My requests (default) or, with mine=false, every request (manage_requests), newest first',
      ...guard({ auth: 'household' }),
      request: { params: Hid, query: ListQuery },
      responses: { 200: json(RequestPage, 'Requests'), ...errors },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const common = {
        limit: q.limit,
        ...(q.status ? { status: q.status } : {}),
        ...(q.type ? { mediaType: q.type } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
      };
      const page = q.mine
        ? await listMine(deps(), common)
        : await listAll(deps(), { ...common, ...(q.requestedBy ? { requestedBy: q.requestedBy } : {}) });
      return c.json(page, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/requests/{id}',
      tags: ['requests'],
      summary: 'One request with its status timeline (its requester, or manage_requests)',
      ...guard({ auth: 'household' }),
      request: { params: HidId },
      responses: { 200: json(RequestOut, 'The request'), ...errors },
    }),
    async (c) => c.json(await get(deps(), { id: c.req.valid('param').id }), 200),
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/households/{hid}/requests/{id}',
      tags: ['requests'],
      summary: 'Cancel a pending request (in Overseerr too); its quota is given back',
      ...guard({ auth: 'household' }),
      request: { params: HidId },
      responses: { 200: json(RequestOut, 'The cancelled request'), ...upstream },
    }),
    async (c) => c.json(await cancel(deps(), { id: c.req.valid('param').id }), 200),
  );

  for (const verdict of ['approve', 'decline'] as const) {
    router.openapi(
      createRoute({
        method: 'post',
        path: `/households/{hid}/requests/{id}/${verdict}`,
        tags: ['requests'],
        summary:
          verdict === 'approve'
            ? 'Approve a pending request in Overseerr; the requester is told'
            : 'Decline a pending request in Overseerr with an optional reason the requester reads',
        ...guard({ auth: 'household', permission: 'manage_requests' }),
        request: {
          params: HidId,
          body: {
            content: { 'application/json': { schema: DecideInput.pick({ reason: true }) } },
            required: false,
          },
        },
        responses: { 200: json(RequestOut, 'The decided request'), ...upstream },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const { reason } = (c.req.valid('json') ?? {}) as { reason?: string };
        const input = { id, ...(reason !== undefined ? { reason } : {}) };
        return c.json(await (verdict === 'approve' ? approve : decline)(deps(), input), 200);
      },
    );
  }

  router.openapi(
    createRoute({
      method: 'post',
      path: '/households/{hid}/requests/{id}/refresh',
      tags: ['requests'],
      summary: 'Re-read the request from Overseerr (when a webhook never arrived)',
      ...guard({ auth: 'household' }),
      request: { params: HidId },
      responses: { 200: json(RequestOut, 'The request as Overseerr has it'), ...upstream },
    }),
    async (c) => c.json(await refresh(deps(), { id: c.req.valid('param').id }), 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/people',
      tags: ['members'],
      summary:
        "Display names and avatars of the household's active members (any member: who requested, who decided); the full list with roles is GET …/members",
      ...guard({ auth: 'household' }),
      request: { params: Hid },
      responses: { 200: json(z.object({ people: z.array(PersonOut) }), 'People'), ...errors },
    }),
    async (c) => c.json({ people: await people(deps()) }, 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/quota',
      tags: ['quota'],
      summary: 'My usage of every limit that applies ("3 of 10 this week, resets Monday")',
      ...guard({ auth: 'household' }),
      request: {
        params: Hid,
        query: z.object({
          userId: z.string().optional().openapi({ description: "Another member's (manage_requests)" }),
        }),
      },
      responses: { 200: json(z.object({ usage: z.array(UsageEntry) }), 'Usage'), ...errors },
    }),
    async (c) => {
      const { userId } = c.req.valid('query');
      return c.json({ usage: await Quota.usage(deps(), userId ? { userId } : {}) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/quota/settings',
      tags: ['quota'],
      summary: "The household's request quotas (owners and admins)",
      ...guard({ auth: 'household', permission: 'admin' }),
      request: { params: Hid },
      responses: { 200: json(QuotaSettings, 'Settings'), ...errors },
    }),
    async (c) => c.json(await Quota.getSettings(deps()), 200),
  );

  router.openapi(
    createRoute({
      method: 'put',
      path: '/households/{hid}/quota/settings',
      tags: ['quota'],
      summary: "Replace the household's request quotas (owners and admins); counters already taken stay",
      ...guard({ auth: 'household', permission: 'admin' }),
      request: {
        params: Hid,
        body: { content: { 'application/json': { schema: Quota.setSettings.schema } }, required: true },
      },
      responses: { 200: json(QuotaSettings, 'Saved'), ...errors },
    }),
    async (c) => c.json(await Quota.setSettings(deps(), c.req.valid('json')), 200),
  );

  const settingsDeps = () => portsOf(system, { publicUrl: system.config.publicUrl });

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/webhook-settings',
      tags: ['requests'],
      summary: 'The exact Overseerr webhook URL and Authorization header to paste (created on first view)',
      ...guard({ auth: 'household', permission: 'manage_integrations' }),
      request: { params: Hid },
      responses: { 200: json(WebhookSettings, 'Webhook settings'), ...errors },
    }),
    async (c) => c.json(await webhookSettings(settingsDeps()), 200),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/households/{hid}/webhook-settings/rotate',
      tags: ['requests'],
      summary: 'Replace the webhook Authorization value (the old one stops working at once)',
      ...guard({ auth: 'household', permission: 'manage_integrations' }),
      request: { params: Hid },
      responses: { 200: json(WebhookSettings, 'New webhook settings'), ...errors },
    }),
    async (c) => c.json(await rotateWebhookSecret(settingsDeps()), 200),
  );

  return router;
}
