/**
 * Downloads (issue 8): members queue links for the household agent, follow them, cancel and retry;
 * admins set the household's limits and mint, name and revoke agent tokens. The domain
 * (`@medianest/core/download`) checks the `download` permission and the admin role again before
 * acting; the routes only translate HTTP.
 *
 * Download routes declare plain household access: `download` is a default member permission, so
 * the domain's check ("You need the download permission", 403) is what refuses a member an admin
 * took it from. Agent and limit routes are declared `admin` and refused before validation.
 *
 * Work queued or cancelled here must reach the connected agents at once. The agents' sockets live
 * in the runtime (the local runtime's `/agent` endpoint), not in the API, so the runtime registers
 * how to reach them with `setAgentNotifier(system, …)`; without one, agents still pick the work up
 * at their next heartbeat or the hub's next tick.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { DomainDeps } from '@medianest/core/actor/deps';
import {
  AgentId,
  AgentInfo,
  CreateAgentInput,
  cancel,
  createAgent,
  type DownloadDeps,
  DownloadInfo,
  get,
  JobId,
  Limits,
  list,
  listAgents,
  myQuota,
  RenameAgentInput,
  renameAgent,
  retry,
  revokeAgent,
  SetLimitsInput,
  STATES,
  SubmitInput,
  setLimits,
  submit,
} from '@medianest/core/download/index';
import type { System } from '@medianest/core/system/index';
import { guard } from '../access.ts';
import { portsOf } from '../ports.ts';
import { createRouter } from '../router.ts';
import { errors, json, noContent } from './schemas.ts';

// ---- reaching the agents --------------------------------------------------------------------------

export type AgentNotifier = (householdId: string) => void | Promise<void>;

const notifiers = new WeakMap<System, AgentNotifier>();

/**
 * The runtime that holds the agents' connections tells the API how to wake them (the local
 * runtime: `hub.poke`). Returns a function that removes the registration.
 */
export function setAgentNotifier(system: System, notify: AgentNotifier): () => void {
  notifiers.set(system, notify);
  return () => {
    if (notifiers.get(system) === notify) notifiers.delete(system);
  };
}

export function downloadDepsOf(system: System): DownloadDeps & DomainDeps {
  return portsOf(system, {
    notifyAgents: async (householdId: string) => {
      // Waking agents is an optimisation (they also poll): it must never fail the request.
      try {
        await notifiers.get(system)?.(householdId);
      } catch (error) {
        system.logger.warn('waking the household agents failed', { error: String(error) });
      }
    },
  });
}

// ---- schemas ----------------------------------------------------------------------------------------

const Hid = z.object({ hid: z.string().openapi({ description: 'Household id (hh_…)' }) });
const HidId = Hid.extend({ id: JobId });
const HidAgent = Hid.extend({ agentId: AgentId });

// The domain's zod instance carries no `.openapi()`: its schemas are used as they are.
const Download = DownloadInfo;
const DownloadDetail = DownloadInfo.extend({
  /** Overall percentage (the mean over a submission's videos). */
  percent: z.number(),
  children: z.array(DownloadInfo),
});

const DownloadPage = z
  .object({ downloads: z.array(Download), cursor: z.string().optional() })
  .openapi('DownloadPage');

const Quota = z
  .object({
    videosPerHour: z.number().int(),
    usedThisHour: z.number().int(),
    resetsAt: z.number().int().openapi({ description: 'Epoch ms when the hourly count restarts' }),
    storageBytesPerMember: z.number().int(),
    usedBytes: z.number().int(),
  })
  .openapi('DownloadQuota');

const LimitsOut = Limits;
const Agent = AgentInfo;

const truthy = z
  .enum(['true', 'false', '1', '0'])
  .optional()
  .openapi({ description: 'true: only my downloads (admins otherwise see everyone’s)' });

const ListQuery = z.object({
  mine: truthy,
  state: z.enum(STATES).optional(),
  kind: z.enum(['submission', 'video']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2000).optional(),
});

const body = <T extends z.ZodType>(schema: T) => ({
  content: { 'application/json': { schema } },
  required: true,
});

// ---- routes ---------------------------------------------------------------------------------------

export function downloadRoutes(system: System) {
  const router = createRouter();
  const deps = () => downloadDepsOf(system);

  router.openapi(
    createRoute({
      method: 'post',
      path: '/households/{hid}/downloads',
      tags: ['downloads'],
      summary:
        'Queue a video, playlist or direct media link for the household agent (malformed links, unsupported sites and quota overruns are refused with no job)',
      ...guard({ auth: 'household' }),
      request: { params: Hid, body: body(SubmitInput) },
      responses: { 201: json(z.object({ download: Download }), 'Queued'), ...errors },
    }),
    async (c) => c.json({ download: await submit(deps(), c.req.valid('json')) }, 201),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/downloads',
      tags: ['downloads'],
      summary:
        'Downloads, newest first: members see their own, admins everyone’s unless `mine` (filters apply per stored page; follow `cursor`)',
      ...guard({ auth: 'household' }),
      request: { params: Hid, query: ListQuery },
      responses: { 200: json(DownloadPage, 'A page of downloads'), ...errors },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const page = await list(deps(), {
        mine: q.mine === 'true' || q.mine === '1',
        limit: q.limit,
        ...(q.state ? { state: q.state } : {}),
        ...(q.kind ? { kind: q.kind } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
      });
      return c.json(page, 200);
    },
  );

  // Declared before /downloads/{id} for readers; the id pattern (dl_…) cannot match "quota" anyway.
  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/downloads/quota',
      tags: ['downloads'],
      summary: 'My download limits and usage, with when the hourly count restarts',
      ...guard({ auth: 'household' }),
      request: { params: Hid },
      responses: { 200: json(Quota, 'Quota'), ...errors },
    }),
    async (c) => c.json(await myQuota(deps()), 200),
  );

  router.openapi(
    createRoute({
      method: 'put',
      path: '/households/{hid}/downloads/limits',
      tags: ['downloads'],
      summary: 'Set the household’s download limits (admins); omitted fields keep their value',
      ...guard({ auth: 'household', permission: 'admin' }),
      request: { params: Hid, body: body(SetLimitsInput) },
      responses: { 200: json(z.object({ limits: LimitsOut }), 'The limits now'), ...errors },
    }),
    async (c) => c.json({ limits: await setLimits(deps(), c.req.valid('json')) }, 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/downloads/{id}',
      tags: ['downloads'],
      summary: 'One download with its video jobs and overall percentage',
      ...guard({ auth: 'household' }),
      request: { params: HidId },
      responses: { 200: json(z.object({ download: DownloadDetail }), 'The download'), ...errors },
    }),
    async (c) => c.json({ download: await get(deps(), { id: c.req.valid('param').id }) }, 200),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/households/{hid}/downloads/{id}/cancel',
      tags: ['downloads'],
      summary: 'Cancel a download (a submission: its unfinished videos); its owner or an admin',
      ...guard({ auth: 'household' }),
      request: { params: HidId },
      responses: { 200: json(z.object({ download: Download }), 'The download now'), ...errors },
    }),
    async (c) => c.json({ download: await cancel(deps(), { id: c.req.valid('param').id }) }, 200),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/households/{hid}/downloads/{id}/retry',
      tags: ['downloads'],
      summary: 'Queue a failed or cancelled download again (409 otherwise)',
      ...guard({ auth: 'household' }),
      request: { params: HidId },
      responses: { 200: json(z.object({ download: Download }), 'The download now'), ...errors },
    }),
    async (c) => c.json({ download: await retry(deps(), { id: c.req.valid('param').id }) }, 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/agents',
      tags: ['agents'],
      summary: 'The household’s download agents and which are online (admins)',
      ...guard({ auth: 'household', permission: 'admin' }),
      request: { params: Hid },
      responses: { 200: json(z.object({ agents: z.array(Agent) }), 'Agents'), ...errors },
    }),
    async (c) => c.json({ agents: await listAgents(deps()) }, 200),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/households/{hid}/agents',
      tags: ['agents'],
      summary: 'Create an agent and its token (admins). The token is shown in this answer only.',
      ...guard({ auth: 'household', permission: 'admin' }),
      request: { params: Hid, body: body(CreateAgentInput) },
      responses: {
        201: json(
          z.object({
            agent: Agent,
            token: z
              .string()
              .openapi({ description: 'mna_…: give it to the agent; it is never shown again' }),
          }),
          'Created',
        ),
        ...errors,
      },
    }),
    async (c) => {
      const created = await createAgent(deps(), c.req.valid('json'));
      // The one answer that carries a secret: no cache may keep it.
      c.header('cache-control', 'no-store');
      return c.json(created, 201);
    },
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/households/{hid}/agents/{agentId}',
      tags: ['agents'],
      summary: 'Rename an agent (admins)',
      ...guard({ auth: 'household', permission: 'admin' }),
      request: { params: HidAgent, body: body(RenameAgentInput.pick({ name: true })) },
      responses: { 200: json(z.object({ agent: Agent }), 'The agent'), ...errors },
    }),
    async (c) => {
      const { agentId } = c.req.valid('param');
      const agent = await renameAgent(deps(), { agentId, name: c.req.valid('json').name });
      return c.json({ agent }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/households/{hid}/agents/{agentId}',
      tags: ['agents'],
      summary: 'Revoke an agent’s token at once (admins); a connected agent is dropped',
      ...guard({ auth: 'household', permission: 'admin' }),
      request: { params: HidAgent },
      responses: { 204: noContent, ...errors },
    }),
    async (c) => {
      await revokeAgent(deps(), { agentId: c.req.valid('param').agentId });
      return c.body(null, 204);
    },
  );

  return router;
}
