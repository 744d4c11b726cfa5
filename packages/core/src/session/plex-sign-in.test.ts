import { type RunningPlexTv, startPlexTv } from '@medianest/simulators/plex-tv/index';
import { FRIEND_IDS, OWNER_ID } from '@medianest/simulators/scenario/index';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withActor } from '../actor/context.ts';
import { createTestDeps, type TestDeps } from '../actor/testing.ts';
import { PlexPinExpiredError } from '../plex/errors.ts';
import { createPlexTvClient } from '../plex/plex-tv-client.ts';
import * as User from '../user/user.ts';
import * as PlexSignIn from './plex-sign-in.ts';
import * as Session from './session.ts';

let simNow = Date.UTC(2026, 0, 1);
let sim: RunningPlexTv;
let deps: TestDeps & PlexSignIn.PlexSignInDeps;

beforeAll(async () => {
  sim = await startPlexTv({ clock: () => simNow });
});
afterAll(() => sim.close());
beforeEach(() => {
  const plexTv = createPlexTvClient({
    baseUrl: sim.url,
    authBaseUrl: `${sim.url}/auth`,
    clientIdentifier: 'medianest-signin-test',
    product: 'MediaNest',
    version: '0.1.0',
  });
  deps = Object.assign(createTestDeps(), { plexTv });
});
afterEach(() => deps.close());

describe('Plex sign-in', () => {
  it('is pending until approved, then creates the user and a session once', async () => {
    // arrange
    const started = await PlexSignIn.start(deps, { forwardUrl: 'http://127.0.0.1:1/signed-in' });
    expect(started.authUrl.startsWith(`${sim.url}/auth#?`)).toBe(true);
    expect(started.authUrl).toContain(`code=${started.code}`);
    expect(await PlexSignIn.poll(deps, { state: started.state })).toEqual({ status: 'pending' });
    // act
    sim.approvePin(started.code, OWNER_ID);
    const done = await PlexSignIn.poll(deps, { state: started.state, userAgent: 'vitest' });
    // assert
    if (done.status !== 'complete') throw new Error('expected a completed sign-in');
    expect(done.created).toBe(true);
    expect(done.user).toMatchObject({ plexAccountId: OWNER_ID, plexUsername: 'olivia', hasPlexToken: true });
    expect((await Session.validate(deps, done.token)).session.userId).toBe(done.user.id);
    expect(await User.getPlexToken(deps, done.user.id)).toBe('tok-olivia-owner-0001');
    // The state is single-use.
    await expect(PlexSignIn.poll(deps, { state: started.state })).rejects.toBeInstanceOf(
      PlexSignIn.SignInStateError,
    );
  });

  it('never takes a PIN id from the browser: an unknown state is refused', async () => {
    await expect(PlexSignIn.poll(deps, { state: 'A'.repeat(43) })).rejects.toBeInstanceOf(
      PlexSignIn.SignInStateError,
    );
    await expect(PlexSignIn.poll(deps, { state: '308667304' })).rejects.toMatchObject({ kind: 'invalid' });
  });

  it('concurrent polls after approval yield exactly one session', async () => {
    const started = await PlexSignIn.start(deps, {});
    sim.approvePin(started.code, FRIEND_IDS[0]);
    const outcomes = await Promise.allSettled(
      [1, 2, 3, 4].map(() => PlexSignIn.poll(deps, { state: started.state })),
    );
    const complete = outcomes.filter((o) => o.status === 'fulfilled' && o.value.status === 'complete');
    expect(complete).toHaveLength(1);
    for (const o of outcomes) {
      if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(PlexSignIn.SignInStateError);
    }
  });

  it('reports an expired PIN and forgets the state', async () => {
    const started = await PlexSignIn.start(deps, {});
    simNow += 901_000;
    try {
      await expect(PlexSignIn.poll(deps, { state: started.state })).rejects.toBeInstanceOf(
        PlexPinExpiredError,
      );
    } finally {
      simNow -= 901_000;
    }
    await expect(PlexSignIn.poll(deps, { state: started.state })).rejects.toBeInstanceOf(
      PlexSignIn.SignInStateError,
    );
  });

  it('expires the state with the PIN on our clock too', async () => {
    const started = await PlexSignIn.start(deps, {});
    deps.clock.advance(900_000);
    await expect(PlexSignIn.poll(deps, { state: started.state })).rejects.toBeInstanceOf(
      PlexSignIn.SignInStateError,
    );
  });

  it('links a Plex account to a signed-in OIDC user', async () => {
    const { user } = await User.upsertFromOidc(deps, {
      provider: 'oidc:authentik',
      subject: 'abc',
      email: 'f@x.test',
    });
    const started = await PlexSignIn.start(deps, {});
    sim.approvePin(started.code, FRIEND_IDS[1]);
    const linked = await withActor({ type: 'user', userId: user.id }, () =>
      PlexSignIn.pollLink(deps, { state: started.state }),
    );
    expect(linked).toMatchObject({ status: 'linked', user: { id: user.id, plexAccountId: FRIEND_IDS[1] } });
    await expect(PlexSignIn.pollLink(deps, { state: started.state })).rejects.toMatchObject({
      kind: 'unauthorized',
    });
  });
});
