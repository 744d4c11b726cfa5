/**
 * Integration settings of a household (Plex servers, Overseerr/Seerr, Uptime Kuma): list, the
 * plex.tv connections to choose a Plex URL from, test a connection, save (tested first), remove,
 * and which Kuma monitors members see. Every route needs `manage_integrations`; the domain
 * (`@medianest/core/integration`) checks the same membership again before acting.
 *
 * Secrets go in and never come out: answers carry `secret: { masked: '••••abcd' }` at most, and a
 * test result names the host, never a path, key or token.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { plexTvFor } from '@medianest/core/auth/index';
import {
  get as getIntegration,
  Info,
  type IntegrationDeps,
  Kind$,
  KumaMonitorsSchema,
  kumaMonitors,
  list as listIntegrations,
  plexConnections,
  remove as removeIntegration,
  save as saveIntegration,
  setMonitors,
  TestResultSchema,
  testConnection,
} from '@medianest/core/integration/index';
import type { StatusSystem } from '@medianest/core/status/index';
import type { System } from '@medianest/core/system/index';
import { guard } from '../access.ts';
import { portsOf } from '../ports.ts';
import { createRouter } from '../router.ts';
import { dashboardRoutes } from './dashboard.ts';
import { errors, json, noContent } from './schemas.ts';

const Hid = z.object({ hid: z.string().openapi({ description: 'Household id (hh_…)' }) });
const HidRef = Hid.extend({
  kind: Kind$,
  id: z.string().min(1).max(128).openapi({ description: 'The server machineIdentifier (Plex), or `main`' }),
});

// Core's schemas are built with plain zod (no `.openapi()`): used as they are, unnamed in the document.
const IntegrationOut = Info;
const TestResultOut = TestResultSchema;

const PlexConnectionChoices = z
  .object({
    servers: z.array(
      z.object({
        machineIdentifier: z.string(),
        name: z.string(),
        /** Best first: local, remote, relay; https first. */
        connections: z.array(
          z.object({ uri: z.string(), local: z.boolean(), relay: z.boolean(), protocol: z.string() }),
        ),
        /** The server is no longer in the owner's plex.tv resources. */
        missing: z.boolean(),
      }),
    ),
  })
  .openapi('PlexConnectionChoices');

/**
 * The deps of the integration domain for one request. The connection-test timeout follows the
 * System's status-check tuning when one is set (operators and tests shorten both together);
 * otherwise the domain's 10 s default applies.
 */
export async function integrationDepsOf(system: System): Promise<IntegrationDeps> {
  const tuning = (system as StatusSystem).statusCheck;
  return portsOf(system, {
    plexTv: await plexTvFor(system),
    ...(tuning?.checkTimeoutMs !== undefined ? { testTimeoutMs: tuning.checkTimeoutMs } : {}),
  });
}

const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { 'application/json': { schema } }, required: true },
});

/** The settings routes plus the dashboard's (dashboard.ts): issue 5's API, mounted with one line. */
export function integrationRoutes(system: System) {
  const router = createRouter();
  const admin = guard({ auth: 'household', permission: 'manage_integrations' });

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/integrations',
      tags: ['integrations'],
      summary: 'The household\u2019s integrations, secrets masked',
      ...admin,
      request: { params: Hid },
      responses: {
        200: json(z.object({ integrations: z.array(IntegrationOut) }), 'Integrations'),
        ...errors,
      },
    }),
    async (c) => c.json({ integrations: await listIntegrations(await integrationDepsOf(system)) }, 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/integrations/plex/connections',
      tags: ['integrations'],
      summary: "The household's Plex servers with the connections plex.tv lists (to choose the URL from)",
      ...admin,
      request: { params: Hid },
      responses: { 200: json(PlexConnectionChoices, 'Servers and connections'), ...errors },
    }),
    async (c) => c.json({ servers: await plexConnections(await integrationDepsOf(system)) }, 200),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/households/{hid}/integrations/test',
      tags: ['integrations'],
      summary:
        'Test settings without saving (the stored key is used when none is given). A failed test is a 200 with ok=false, a code, a message and a hint',
      ...admin,
      request: { params: Hid, ...body(testConnection.schema) },
      responses: { 200: json(TestResultOut, 'The test result'), ...errors },
    }),
    async (c) => c.json(await testConnection(await integrationDepsOf(system), c.req.valid('json')), 200),
  );

  router.openapi(
    createRoute({
      method: 'put',
      path: '/households/{hid}/integrations',
      tags: ['integrations'],
      summary:
        'Save one integration after testing it. A failed test is a 400 `integration.test_failed` with the result in `error.details.test`, unless `saveAnyway`; a refused address (SSRF guard) is a 403 `integration.url_refused` even then',
      ...admin,
      request: { params: Hid, ...body(saveIntegration.schema) },
      responses: {
        200: json(z.object({ integration: IntegrationOut, test: TestResultOut }), 'Saved'),
        ...errors,
      },
    }),
    async (c) => c.json(await saveIntegration(await integrationDepsOf(system), c.req.valid('json')), 200),
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/households/{hid}/integrations/{kind}/{id}',
      tags: ['integrations'],
      summary: 'Remove an integration (its cards leave the dashboard at the next check)',
      ...admin,
      request: { params: HidRef },
      responses: { 204: noContent, ...errors },
    }),
    async (c) => {
      const { kind, id } = c.req.valid('param');
      await removeIntegration(await integrationDepsOf(system), { kind, id });
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'put',
      path: '/households/{hid}/integrations/uptime-kuma/monitors',
      tags: ['integrations'],
      summary:
        'Which Uptime Kuma monitors members see, their labels and the card each is shown in (merged per monitor id)',
      ...admin,
      request: { params: Hid, ...body(setMonitors.schema) },
      responses: { 200: json(z.object({ integration: IntegrationOut }), 'The Kuma integration'), ...errors },
    }),
    async (c) =>
      c.json({ integration: await setMonitors(await integrationDepsOf(system), c.req.valid('json')) }, 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/integrations/uptime-kuma/monitors',
      tags: ['integrations'],
      summary:
        'The monitors Uptime Kuma reports now, with who sees each (to choose from). A Kuma that does not answer is a `problem`, not an error',
      ...admin,
      request: { params: Hid },
      responses: { 200: json(KumaMonitorsSchema, 'Monitors and their settings'), ...errors },
    }),
    async (c) => c.json(await kumaMonitors(await integrationDepsOf(system)), 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/integrations/{kind}/{id}',
      tags: ['integrations'],
      summary: 'One integration, secret masked',
      ...admin,
      request: { params: HidRef },
      responses: { 200: json(z.object({ integration: IntegrationOut }), 'The integration'), ...errors },
    }),
    async (c) => {
      const { kind, id } = c.req.valid('param');
      return c.json(
        { integration: await getIntegration(await integrationDepsOf(system), { kind, id }) },
        200,
      );
    },
  );

  router.route('/', dashboardRoutes(system));
  return router;
}
