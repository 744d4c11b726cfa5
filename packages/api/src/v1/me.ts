/** The signed-in user: profile, households, sessions, linked identities (and linking Plex). */
import { createRoute, z } from '@hono/zod-openapi';
import { listMine as listMyHouseholds } from '@medianest/core/household/index';
import { PlexPinExpiredError } from '@medianest/core/plex/index';
import * as Session from '@medianest/core/session/index';
import type { System } from '@medianest/core/system/index';
import * as User from '@medianest/core/user/index';
import { guard } from '../access.ts';
import { depsOf, plexDepsOf } from '../identity/deps.ts';
import { limitAccount, limitPerIp, type SignInLimits } from '../middleware/rate-limit.ts';
import { clearSessionCookie, requireAuth } from '../middleware/session.ts';
import { createRouter } from '../router.ts';
import { gone, PlexStartBody, PlexStarted, pinExpired, StateBody, startPlex } from './auth.ts';
import { publicUser, session } from './present.ts';
import { errors, IdentityOut, json, noContent, PublicUser, Role, SessionOut, Status } from './schemas.ts';

const Me = z
  .object({
    user: PublicUser,
    identities: z.array(IdentityOut),
    households: z.array(z.object({ id: z.string(), name: z.string(), role: Role, status: Status })),
  })
  .openapi('Me');

const LinkPolled = z
  .union([
    z.object({ status: z.literal('pending') }),
    z.object({ status: z.literal('linked'), user: PublicUser }),
  ])
  .openapi('PlexLinkPoll');

export function meRoutes(system: System, limits: SignInLimits) {
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/me',
      tags: ['me'],
      summary: 'Who is signed in, with their identities and households',
      ...guard({ auth: 'user' }),
      responses: { 200: json(Me, 'The signed-in user'), ...errors },
    }),
    async (c) => {
      const deps = depsOf(system);
      const user = await User.me(deps);
      const households = await listMyHouseholds(deps);
      return c.json(
        {
          user: publicUser(user),
          identities: user.identities.map(({ provider, subject, label }) => ({ provider, subject, label })),
          households: households.map(({ household, membership }) => ({
            id: household.id,
            name: household.name,
            role: membership.role,
            status: membership.status,
          })),
        },
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/me/sessions',
      tags: ['me'],
      summary: 'My live sessions, newest first (the current one is marked)',
      ...guard({ auth: 'user' }),
      responses: { 200: json(z.object({ sessions: z.array(SessionOut) }), 'Sessions'), ...errors },
    }),
    async (c) => c.json({ sessions: (await Session.listMine(depsOf(system))).map(session) }, 200),
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/me/sessions/{id}',
      tags: ['me'],
      summary: 'End one of my sessions',
      ...guard({ auth: 'user' }),
      request: { params: Session.RevokeInput },
      responses: { 204: noContent, ...errors },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await Session.revokeMine(depsOf(system), { id });
      if (requireAuth(c).sessionId === id) clearSessionCookie(c);
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/me/identities/plex/start',
      tags: ['me'],
      summary: 'Start linking a Plex account to me (same shape as the Plex sign-in)',
      ...guard({ auth: 'user' }, [limitPerIp('start', limits.startPerIp)]),
      request: { body: { content: { 'application/json': { schema: PlexStartBody } }, required: false } },
      responses: { 200: json(PlexStarted, 'Started'), ...errors },
    }),
    async (c) => {
      const body = c.req.valid('json') ?? {};
      return c.json(await startPlex(c, body.forwardUrl), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/me/identities/plex/poll',
      tags: ['me'],
      summary: 'Check a Plex link; links the approving Plex account to me',
      ...guard({ auth: 'user' }, [limitPerIp('poll', limits.pollPerIp)]),
      request: { body: { content: { 'application/json': { schema: StateBody } }, required: true } },
      responses: {
        200: json(LinkPolled, 'Pending or linked'),
        410: gone,
        ...errors,
      },
    }),
    async (c) => {
      const { state } = c.req.valid('json');
      const deps = await plexDepsOf(system);
      const auth = requireAuth(c);
      let result: Awaited<ReturnType<typeof Session.PlexSignIn.pollLink>>;
      try {
        result = await Session.PlexSignIn.pollLink(deps, { state });
      } catch (error) {
        if (error instanceof PlexPinExpiredError) return pinExpired(c, error);
        throw error;
      }
      if (result.status === 'pending') return c.json({ status: 'pending' as const }, 200);
      await limitAccount(deps, auth.userId, limits.perAccount);
      return c.json({ status: 'linked' as const, user: publicUser(result.user) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/me/identities/{provider}/{subject}',
      tags: ['me'],
      summary: 'Unlink one of my identities (409 when it is the last)',
      ...guard({ auth: 'user' }),
      request: { params: User.IdentityRef },
      responses: { 204: noContent, ...errors },
    }),
    async (c) => {
      await User.unlinkIdentity(depsOf(system), c.req.valid('param'));
      return c.body(null, 204);
    },
  );

  return router;
}
