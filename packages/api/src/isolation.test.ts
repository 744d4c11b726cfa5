/**
 * Tenant isolation, route by route, from the generated OpenAPI document (see testing/isolation.ts).
 */
import { createRoute, z } from '@hono/zod-openapi';
import * as User from '@medianest/core/user/index';
import { FRIEND_IDS, OWNER_ID, STRANGER_ID } from '@medianest/simulators/scenario/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guard } from './access.ts';
import { createApp } from './app.ts';
import {
  type IsolationCallers,
  type IsolationTarget,
  listRoutes,
  runIsolationSuite,
} from './testing/isolation.ts';
import {
  Client,
  DEMO_MACHINE_ID,
  SAM_MACHINE_ID,
  signInWithPlex,
  startWorld,
  type World,
} from './testing/world.ts';

let world: World;
let callers: IsolationCallers;
let target: IsolationTarget;
const HOUSEHOLD_NAME = 'Olivia Household Q7';

async function openapi(app = world.app) {
  const res = await app.request('/api/openapi.json');
  return (await res.json()) as { paths: Record<string, Record<string, Record<string, unknown>>> };
}

beforeAll(async () => {
  world = await startWorld();
  const olivia = await signInWithPlex(world, OWNER_ID, new Client(world.app, { ip: '192.0.2.10' }));
  const frank = await signInWithPlex(world, FRIEND_IDS[0], new Client(world.app, { ip: '192.0.2.11' }));
  const sam = await signInWithPlex(world, STRANGER_ID, new Client(world.app, { ip: '192.0.2.12' }));
  const created = await olivia.request('POST', '/api/v1/households', {
    body: { name: HOUSEHOLD_NAME, servers: [DEMO_MACHINE_ID] },
  });
  expect(created.status).toBe(201);
  const hid = created.body.household.id as string;
  const joined = await frank.request('POST', `/api/v1/households/${hid}/join`, { body: {} });
  expect(joined.status).toBe(201);
  expect(joined.body.membership.role).toBe('member');
  const invite = await olivia.request('POST', `/api/v1/households/${hid}/invites`, { body: { maxUses: 5 } });
  expect(invite.status).toBe(201);
  const own = await sam.request('POST', '/api/v1/households', {
    body: { name: "Sam's place", servers: [SAM_MACHINE_ID] },
  });
  expect(own.status).toBe(201);
  const oliviaId = (await olivia.request('GET', '/api/v1/me')).body.user.id as string;
  const frankId = joined.body.membership.userId as string;
  callers = { anonymous: new Client(world.app, { ip: '192.0.2.20' }), stranger: sam, member: frank };
  target = {
    hid,
    params: {
      userId: oliviaId,
      code: invite.body.invite.code,
      provider: 'plex',
      subject: String(OWNER_ID),
      id: '0123456789abcdef',
    },
    strangerHid: own.body.household.id,
    secrets: [
      hid,
      HOUSEHOLD_NAME,
      oliviaId,
      frankId,
      invite.body.invite.code,
      DEMO_MACHINE_ID,
      'Olivia Owner',
      'Frank Friend',
    ],
  };
});
afterAll(() => world.close());

describe('isolation suite', () => {
  it('covers every /api/v1 route of the OpenAPI document, each with an access declaration', async () => {
    const routes = listRoutes(await openapi());
    // The identity routes at least; more appear as features land and are covered automatically.
    expect(routes.length).toBeGreaterThanOrEqual(30);
    expect(routes.filter((r) => !r.op['x-medianest-access']).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    for (const r of routes) {
      const access = r.op['x-medianest-access'] as { auth: string };
      expect(r.op.security, `${r.method} ${r.path}`).toEqual(
        access.auth === 'public' ? [] : [{ session: [] }],
      );
    }
  });

  it('refuses anonymous, other-household and under-privileged callers on every route, leaking nothing', async () => {
    const { checked, findings } = await runIsolationSuite(await openapi(), callers, target);
    expect(findings).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(65);
  });

  it('still lets the target household in (the fixture is not refusing everyone)', async () => {
    const res = await callers.member.request('GET', `/api/v1/households/${target.hid}`);
    expect(res.status).toBe(200);
    expect(res.body.household.name).toBe(HOUSEHOLD_NAME);
  });

  it('reports a route that forgets its membership check', async () => {
    // arrange: a route that declares household access but only checks sign-in (the bug).
    const leaky = createRoute({
      method: 'get',
      path: '/api/v1/households/{hid}/leaky',
      ...guard({ auth: 'household', permission: 'manage_members' }),
      middleware: guard({ auth: 'user' }).middleware,
      request: { params: z.object({ hid: z.string() }) },
      responses: {
        200: {
          description: 'leaks',
          content: { 'application/json': { schema: z.object({ name: z.string() }) } },
        },
      },
    });
    // A second app on the same system: routes cannot be added once an app has served requests.
    const app = createApp(world.system);
    app.openapi(leaky, (c) => c.json({ name: HOUSEHOLD_NAME }, 200));
    // A correctly guarded route whose handler looks a user up by id without going through the
    // household (an IDOR): only the "own household, foreign ids" caller can catch it.
    app.openapi(
      createRoute({
        method: 'get',
        path: '/api/v1/households/{hid}/members/{userId}/profile',
        ...guard({ auth: 'household', permission: 'manage_members' }),
        request: { params: z.object({ hid: z.string(), userId: z.string() }) },
        responses: { 200: { description: 'profile' } },
      }),
      async (c) => c.json(await User.get(world.system, c.req.valid('param').userId), 200),
    );
    // And a route nobody declared access for.
    app.openapi(
      createRoute({
        method: 'get',
        path: '/api/v1/households/{hid}/undeclared',
        request: { params: z.object({ hid: z.string() }) },
        responses: { 200: { description: 'ok' } },
      }),
      (c) => c.body(null, 200),
    );
    // act
    const on = {
      anonymous: callers.anonymous.withApp(app),
      stranger: callers.stranger.withApp(app),
      member: callers.member.withApp(app),
    };
    const { findings } = await runIsolationSuite(await openapi(app), on, target, {
      only: (path) => path.endsWith('/leaky') || path.endsWith('/undeclared') || path.endsWith('/profile'),
    });
    // assert
    expect(findings).toEqual(
      expect.arrayContaining([
        {
          route: 'GET /api/v1/households/{hid}/leaky',
          caller: 'stranger',
          status: 200,
          problem: 'expected 404, got 200',
        },
        {
          route: 'GET /api/v1/households/{hid}/leaky',
          caller: 'stranger',
          status: 200,
          problem: `response contains "${HOUSEHOLD_NAME}"`,
        },
        {
          route: 'GET /api/v1/households/{hid}/leaky',
          caller: 'member',
          status: 200,
          problem: 'expected 403, got 200',
        },
        {
          route: 'GET /api/v1/households/{hid}/members/{userId}/profile',
          caller: 'stranger-own-household',
          status: 200,
          problem: 'expected a refusal (4xx), got 200',
        },
        {
          route: 'GET /api/v1/households/{hid}/members/{userId}/profile',
          caller: 'stranger-own-household',
          status: 200,
          problem: 'response contains "Olivia Owner"',
        },
        {
          route: 'GET /api/v1/households/{hid}/undeclared',
          caller: 'anonymous',
          status: 0,
          problem: 'no access declaration',
        },
      ]),
    );
  });
});
