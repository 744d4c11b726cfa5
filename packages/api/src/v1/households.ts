/**
 * Households and everything inside one: members, invites, the audit log and realtime tickets.
 * Every `/households/{hid}/…` route reaches the household only through the caller's membership
 * (`guard({ auth: 'household' })`); the domain checks the same membership again before acting.
 */
import { createRoute, z } from '@hono/zod-openapi';
import * as Audit from '@medianest/core/audit/index';
import {
  availableServers,
  create as createHousehold,
  current as currentHousehold,
  effectivePermissions,
  Invites,
  joinable,
  joinByServerAccess,
  listMine,
  Members,
  PERMISSIONS,
  type Permission as PermissionName,
  type Role as RoleName,
} from '@medianest/core/household/index';
import { issueTicket } from '@medianest/core/realtime/index';
import type { System } from '@medianest/core/system/index';
import * as User from '@medianest/core/user/index';
import { guard } from '../access.ts';
import { depsOf, plexDepsOf } from '../identity/deps.ts';
import { requireAuth } from '../middleware/session.ts';
import { createRouter } from '../router.ts';
import { invite, membership } from './present.ts';
import {
  AuditEntry,
  errors,
  HouseholdWithMembership,
  InviteOut,
  json,
  Member,
  Membership,
  noContent,
  Permission,
  Status,
} from './schemas.ts';

const Hid = z.object({ hid: z.string().openapi({ description: 'Household id (hh_…)' }) });
const HidUser = Hid.extend({ userId: z.string() });
const HidCode = Hid.extend({ code: z.string() });

const PlexServers = z
  .object({
    servers: z.array(
      z.object({
        machineIdentifier: z.string(),
        name: z.string(),
        owned: z.boolean(),
        connections: z.array(z.object({ uri: z.string(), local: z.boolean() })),
        /** The household it belongs to, when that is one of the caller's. */
        claimedBy: z.string().optional(),
        /** Part of some household already (then it cannot be chosen). */
        taken: z.boolean(),
      }),
    ),
  })
  .openapi('PlexServers');

const Joinable = z
  .object({
    households: z.array(
      z.object({
        household: z.object({ id: z.string(), name: z.string() }),
        server: z.object({ machineIdentifier: z.string(), name: z.string() }),
        status: Status.nullable(),
      }),
    ),
  })
  .openapi('JoinableHouseholds');

const MemberPatch = z
  .object({
    role: z.enum(['admin', 'member']).optional(),
    permissions: z.array(Permission).optional().openapi({
      description: "The member's full permission set (stored as overrides of the role's defaults)",
    }),
    status: z.enum(['active', 'suspended']).optional(),
  })
  .refine((p) => p.role !== undefined || p.permissions !== undefined || p.status !== undefined, {
    error: 'nothing to change: give role, permissions or status',
  });

const InviteBody = z.object({
  role: z.enum(['member', 'admin']).default('member'),
  maxUses: z.number().int().min(1).max(1000).default(1),
  expiresInHours: z
    .number()
    .int()
    .min(1)
    .max(30 * 24)
    .default(7 * 24),
});

/** Overrides that turn `role`'s defaults into exactly `wanted`. */
function overridesFor(role: RoleName, wanted: PermissionName[]): Partial<Record<PermissionName, boolean>> {
  const defaults = new Set(effectivePermissions(role, {}));
  const want = new Set(wanted);
  const out: Partial<Record<PermissionName, boolean>> = {};
  for (const p of PERMISSIONS) {
    if (want.has(p) && !defaults.has(p)) out[p] = true;
    if (!want.has(p) && defaults.has(p)) out[p] = false;
  }
  return out;
}

export function householdRoutes(system: System) {
  const router = createRouter();
  const deps = () => depsOf(system);

  router.openapi(
    createRoute({
      method: 'get',
      path: '/plex/servers',
      tags: ['households'],
      summary: "The signed-in user's own Plex servers (from plex.tv), for creating a household",
      ...guard({ auth: 'user' }),
      responses: { 200: json(PlexServers, 'Servers'), ...errors },
    }),
    async (c) => {
      const d = await plexDepsOf(system);
      const { userId } = requireAuth(c);
      const resources = (await d.plexTv.getResources(await User.getPlexToken(d, userId))).filter(
        (r) => r.owned,
      );
      const available = new Map((await availableServers(d)).map((s) => [s.machineIdentifier, s]));
      const mine = new Map<string, string>();
      for (const { household } of await listMine(d)) {
        for (const s of household.servers) mine.set(s.machineIdentifier, household.id);
      }
      return c.json(
        {
          servers: resources.map((r) => {
            const claimedBy = mine.get(r.clientIdentifier);
            return {
              machineIdentifier: r.clientIdentifier,
              name: r.name,
              owned: r.owned,
              connections: r.connections.map((x) => ({ uri: x.uri, local: x.local })),
              ...(claimedBy ? { claimedBy } : {}),
              taken: available.get(r.clientIdentifier)?.taken ?? claimedBy !== undefined,
            };
          }),
        },
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households',
      tags: ['households'],
      summary: 'My households (any membership status), oldest first',
      ...guard({ auth: 'user' }),
      responses: {
        200: json(z.object({ households: z.array(HouseholdWithMembership) }), 'Households'),
        ...errors,
      },
    }),
    async (c) => {
      const list = await listMine(deps());
      return c.json(
        { households: list.map((h) => ({ household: h.household, membership: membership(h.membership) })) },
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/households',
      tags: ['households'],
      summary: 'Create a household with some of my own Plex servers',
      ...guard({ auth: 'user' }),
      request: {
        body: { content: { 'application/json': { schema: createHousehold.schema } }, required: true },
      },
      responses: { 201: json(HouseholdWithMembership, 'Created'), ...errors },
    }),
    async (c) => {
      const created = await createHousehold(await plexDepsOf(system), c.req.valid('json'));
      return c.json({ household: created.household, membership: membership(created.membership) }, 201);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/joinable',
      tags: ['households'],
      summary: 'Households I can join because their Plex server is shared with me (checked on plex.tv)',
      ...guard({ auth: 'user' }),
      responses: { 200: json(Joinable, 'Joinable households'), ...errors },
    }),
    async (c) => c.json({ households: await joinable(await plexDepsOf(system)) }, 200),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/households/{hid}/join',
      tags: ['households'],
      summary: 'Join through Plex server access (403 without access: ask for an invite)',
      // The one route that takes a household id from a non-member: plex.tv access is the check.
      ...guard({ auth: 'user', capability: 'join' }),
      request: { params: Hid },
      responses: { 201: json(z.object({ membership: Membership }), 'Joined'), ...errors },
    }),
    async (c) => {
      const { hid } = c.req.valid('param');
      const m = await joinByServerAccess(await plexDepsOf(system), { householdId: hid });
      return c.json({ membership: membership(m) }, 201);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}',
      tags: ['households'],
      summary: 'A household of mine with my membership',
      ...guard({ auth: 'household' }),
      request: { params: Hid },
      responses: { 200: json(HouseholdWithMembership, 'The household'), ...errors },
    }),
    async (c) => {
      const h = await currentHousehold(deps());
      return c.json({ household: h.household, membership: membership(h.membership) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/members',
      tags: ['members'],
      summary: 'Members with their names',
      ...guard({ auth: 'household', permission: 'manage_members' }),
      request: { params: Hid },
      responses: { 200: json(z.object({ members: z.array(Member) }), 'Members'), ...errors },
    }),
    async (c) => {
      const members = await Members.list(deps());
      return c.json({ members: members.map((m) => ({ ...membership(m), user: m.user })) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/households/{hid}/members/{userId}',
      tags: ['members'],
      summary: "Change a member's role, permissions or status (suspend / reactivate)",
      ...guard({ auth: 'household', permission: 'manage_members' }),
      request: {
        params: HidUser,
        body: { content: { 'application/json': { schema: MemberPatch } }, required: true },
      },
      responses: {
        200: json(z.object({ membership: Membership }), 'The member after the change'),
        ...errors,
      },
    }),
    async (c) => {
      const { userId } = c.req.valid('param');
      const patch = c.req.valid('json');
      const d = deps();
      // Applied one after another (each with its own audit entry): role first, so permissions
      // are expressed against the new role's defaults.
      let m = patch.role ? await Members.setRole(d, { userId, role: patch.role }) : undefined;
      if (patch.permissions) {
        const role = m?.role ?? (await Members.list(d)).find((x) => x.userId === userId)?.role;
        if (role === undefined) throw new Members.MemberNotFoundError();
        m = await Members.setPermissions(d, { userId, overrides: overridesFor(role, patch.permissions) });
      }
      if (patch.status) m = await Members.setStatus(d, { userId, status: patch.status });
      if (!m) throw new Members.MemberNotFoundError();
      return c.json({ membership: membership(m) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/households/{hid}/members/{userId}',
      tags: ['members'],
      summary: 'Remove a member (never the owner)',
      ...guard({ auth: 'household', permission: 'manage_members' }),
      request: { params: HidUser },
      responses: { 204: noContent, ...errors },
    }),
    async (c) => {
      await Members.remove(deps(), { userId: c.req.valid('param').userId });
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/households/{hid}/transfer-ownership',
      tags: ['members'],
      summary: 'Make an active member the owner (the old owner becomes an admin)',
      ...guard({ auth: 'household', permission: 'owner' }),
      request: {
        params: Hid,
        body: { content: { 'application/json': { schema: Members.TransferInput } }, required: true },
      },
      responses: { 200: json(z.object({ membership: Membership }), 'The new owner'), ...errors },
    }),
    async (c) => {
      const m = await Members.transferOwnership(deps(), c.req.valid('json'));
      return c.json({ membership: membership(m) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/households/{hid}/members/import-plex-friends',
      tags: ['members'],
      summary: "Add the servers' Plex friends as pending members",
      ...guard({ auth: 'household', permission: 'manage_members' }),
      request: { params: Hid },
      responses: {
        200: json(z.object({ imported: z.number().int(), alreadyMembers: z.number().int() }), 'Imported'),
        ...errors,
      },
    }),
    async (c) => {
      const result = await Members.importPlexFriends(await plexDepsOf(system));
      return c.json({ imported: result.imported.length, alreadyMembers: result.alreadyMembers }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/invites',
      tags: ['invites'],
      summary: 'Invite links, newest first',
      ...guard({ auth: 'household', permission: 'manage_members' }),
      request: { params: Hid },
      responses: { 200: json(z.object({ invites: z.array(InviteOut) }), 'Invites'), ...errors },
    }),
    async (c) => {
      const list = await Invites.list(deps());
      return c.json({ invites: list.map((i) => invite(i, system.config.publicUrl)) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/households/{hid}/invites',
      tags: ['invites'],
      summary: 'Create an invite link (admin invites: owner only)',
      ...guard({ auth: 'household', permission: 'manage_members' }),
      request: {
        params: Hid,
        body: { content: { 'application/json': { schema: InviteBody } }, required: true },
      },
      responses: { 201: json(z.object({ invite: InviteOut }), 'Created'), ...errors },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const created = await Invites.create(deps(), {
        role: body.role,
        maxUses: body.maxUses,
        expiresInSeconds: body.expiresInHours * 3600,
      });
      return c.json({ invite: invite(created, system.config.publicUrl) }, 201);
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/households/{hid}/invites/{code}',
      tags: ['invites'],
      summary: 'Revoke an invite link',
      ...guard({ auth: 'household', permission: 'manage_members' }),
      request: { params: HidCode },
      responses: { 204: noContent, ...errors },
    }),
    async (c) => {
      await Invites.revoke(deps(), { code: c.req.valid('param').code });
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/audit',
      tags: ['audit'],
      summary: 'The audit log, newest first (owners and admins)',
      ...guard({ auth: 'household', permission: 'admin' }),
      request: {
        params: Hid,
        query: z.object({
          cursor: z.string().max(2000).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
      },
      responses: {
        200: json(z.object({ entries: z.array(AuditEntry), cursor: z.string().optional() }), 'Entries'),
        ...errors,
      },
    }),
    async (c) => {
      const { cursor, limit } = c.req.valid('query');
      const d = deps();
      const page = await Audit.list(d, { limit, ...(cursor ? { cursor } : {}) });
      const names = new Map(
        (
          await User.getMany(
            d,
            page.entries.map((e) => e.actorId).filter((id) => id.startsWith('usr_')),
          )
        ).map((u) => [u.id, u.name]),
      );
      return c.json(
        {
          entries: page.entries.map((e) => ({
            id: e.id,
            at: e.at,
            actor: { id: e.actorId, name: names.get(e.actorId) ?? null },
            action: e.action,
            target: e.target,
            before: e.before,
            after: e.after,
          })),
          ...(page.cursor ? { cursor: page.cursor } : {}),
        },
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/households/{hid}/realtime/ticket',
      tags: ['realtime'],
      summary: 'A single-use, 60-second ticket to open the WebSocket (`<url>?ticket=…`)',
      ...guard({ auth: 'household' }),
      request: { params: Hid },
      responses: {
        200: json(
          z
            .object({ ticket: z.string(), expiresAt: z.number().int(), url: z.string() })
            .openapi('RealtimeTicket'),
          'Ticket',
        ),
        ...errors,
      },
    }),
    async (c) => {
      const { userId } = requireAuth(c);
      const { hid } = c.req.valid('param');
      const issued = await issueTicket(system, { userId, householdId: hid });
      return c.json({ ...issued, url: system.config.wsUrl }, 200);
    },
  );

  return router;
}
