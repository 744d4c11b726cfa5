/**
 * The "done when" story at the core level, every step through the public operations and
 * the plex.tv simulator (approvals go through the auth page's own HTTP endpoint, as a browser's).
 */
import { type RunningPlexTv, startPlexTv } from '@medianest/simulators/plex-tv/index';
import { DEMO_MACHINE_ID, FRIEND_IDS, OWNER_ID, STRANGER_ID } from '@medianest/simulators/scenario/index';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withActor } from '../actor/context.ts';
import { createTestDeps, type TestDeps } from '../actor/testing.ts';
import { createPlexTvClient } from '../plex/plex-tv-client.ts';
import * as PlexSignIn from '../session/plex-sign-in.ts';
import * as Session from '../session/session.ts';
import * as Household from './household.ts';
import * as Invites from './invites.ts';
import * as Members from './members.ts';

let sim: RunningPlexTv;
let deps: TestDeps & PlexSignIn.PlexSignInDeps;

beforeAll(async () => {
  sim = await startPlexTv();
  const plexTv = createPlexTvClient({
    baseUrl: sim.url,
    authBaseUrl: `${sim.url}/auth`,
    clientIdentifier: 'medianest-flow-test',
    product: 'MediaNest',
    version: '0.1.0',
  });
  deps = Object.assign(createTestDeps(), { plexTv });
});
afterAll(async () => {
  await deps.close();
  await sim.close();
});

/** Signs in like the web app: start, the person approves on the auth page, poll. Returns the cookie token. */
async function signIn(accountId: number): Promise<string> {
  const started = await PlexSignIn.start(deps, { forwardUrl: 'http://127.0.0.1:1/after' });
  const params = new URLSearchParams(new URL(started.authUrl).hash.replace(/^#!?\??/, ''));
  const approved = await fetch(`${sim.url}/auth/approve`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: params.get('code'), clientID: params.get('clientID'), accountId }),
  });
  expect(approved.status).toBe(200);
  const done = await PlexSignIn.poll(deps, { state: started.state });
  if (done.status !== 'complete') throw new Error('sign-in did not complete');
  return done.token;
}

/** What the HTTP layer does per request: validate the cookie, then act as that user. */
async function asSession<T>(token: string, householdId: string | undefined, f: () => Promise<T>): Promise<T> {
  const { session } = await Session.validate(deps, token);
  return withActor(
    { type: 'user', userId: session.userId, sessionId: session.id, ...(householdId ? { householdId } : {}) },
    f,
  );
}

it('owner creates a household; a friend joins in one click; a stranger is refused, then joins by invite', async () => {
  const owner = await signIn(OWNER_ID);
  const servers = await asSession(owner, undefined, () => Household.availableServers(deps));
  const { household } = await asSession(owner, undefined, () =>
    Household.create(deps, { name: 'Family', servers: servers.map((s) => s.machineIdentifier) }),
  );
  expect(household.servers.map((s) => s.machineIdentifier)).toEqual([DEMO_MACHINE_ID]);

  const friend = await signIn(FRIEND_IDS[0]);
  const [offer] = await asSession(friend, undefined, () => Household.joinable(deps));
  expect(offer?.household.id).toBe(household.id);
  await asSession(friend, undefined, () => Household.joinByServerAccess(deps, { householdId: household.id }));

  const stranger = await signIn(STRANGER_ID);
  await expect(
    asSession(stranger, undefined, () => Household.joinByServerAccess(deps, { householdId: household.id })),
  ).rejects.toMatchObject({ kind: 'forbidden' });
  const invite = await asSession(owner, household.id, () => Invites.create(deps, { maxUses: 1 }));
  await asSession(stranger, undefined, () => Invites.redeem(deps, { code: invite.code }));

  const members = await asSession(owner, household.id, () => Members.list(deps));
  expect(members.map((m) => [m.user?.plexUsername, m.role, m.status]).sort()).toEqual([
    ['frank', 'member', 'active'],
    ['olivia', 'owner', 'active'],
    ['sam', 'member', 'active'],
  ]);
  const mine = await asSession(stranger, undefined, () => Household.listMine(deps));
  expect(mine.map((m) => m.household.name)).toEqual(['Family']);

  // Signing out ends that session only for the one token.
  await Session.revokeToken(deps, stranger);
  await expect(Session.validate(deps, stranger)).rejects.toMatchObject({ kind: 'unauthorized' });
});
