import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withActor } from '../actor/context.ts';
import { STORES, type TestDeps } from '../actor/testing.ts';
import { AppError } from '../error/index.ts';
import * as User from './user.ts';

let deps: TestDeps;

const frank = {
  id: 2002,
  username: 'frank',
  title: 'Frank Friend',
  email: 'frank@example.test',
  thumb: 'https://x/a.png',
};
const asUser = <T>(userId: string, f: () => Promise<T>) => withActor({ type: 'user', userId }, f);

describe.each(STORES)('on $name', ({ open, skip }) => {
  let opened = false;
  beforeEach(async (context) => {
    if (skip) context.skip();
    deps = await open();
    opened = true;
  });
  afterEach(async () => {
    if (opened) await deps.close();
    opened = false;
  });
  describe('upsertFromPlex', () => {
    it('creates a user on first sign-in and finds the same user on the next', async () => {
      // act
      const first = await User.upsertFromPlex(deps, { account: frank, token: 'tok-1' });
      const second = await User.upsertFromPlex(deps, {
        account: { ...frank, title: 'Frank F.' },
        token: 'tok-2',
      });
      // assert
      expect(first.created).toBe(true);
      expect(first.user.id).toMatch(/^usr_[0-9A-Z]{26}$/);
      expect(second).toMatchObject({ created: false, user: { id: first.user.id, name: 'Frank F.' } });
      expect(second.user.identities).toEqual([
        { provider: 'plex', subject: '2002', label: 'frank', linkedAt: deps.clock.now() },
      ]);
      expect(await User.getPlexToken(deps, first.user.id)).toBe('tok-2');
    });

    it('creates exactly one user when the same Plex account signs in concurrently', async () => {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          User.upsertFromPlex(deps, { account: frank, token: `tok-${i}` }),
        ),
      );
      const ids = new Set(results.map((r) => r.user.id));
      expect(ids.size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const [userId] = ids;
      expect(await User.listIdentityClaims(deps, userId as string)).toEqual([
        { provider: 'plex', subject: '2002' },
      ]);
    });

    it('stores the token encrypted, bound to the user, and never in Info', async () => {
      const { user } = await User.upsertFromPlex(deps, { account: frank, token: 'tok-secret-123' });
      const raw = await deps.table.get(User.keys.profile(user.id));
      expect(JSON.stringify(raw)).not.toContain('tok-secret-123');
      expect(JSON.stringify(user)).not.toContain('tok-secret-123');
      expect(user.hasPlexToken).toBe(true);
      // The ciphertext copied to another user does not decrypt (the context binds it to the user).
      const other = await User.upsertFromPlex(deps, { account: { id: 7, username: 'x' }, token: 'other' });
      await deps.table.update(User.keys.profile(other.user.id), { set: { plexToken: raw?.plexToken } });
      await expect(User.getPlexToken(deps, other.user.id)).rejects.toThrow();
    });

    it('an import without a token creates a tokenless user and never overwrites a real sign-in', async () => {
      const imported = await User.upsertFromPlex(deps, { account: frank });
      expect(imported.user.hasPlexToken).toBe(false);
      await expect(User.getPlexToken(deps, imported.user.id)).rejects.toMatchObject({
        code: 'user.plex_not_linked',
      });
      await User.upsertFromPlex(deps, { account: frank, token: 'tok-real' });
      const again = await User.upsertFromPlex(deps, { account: { ...frank, title: 'Old name' } });
      expect(again.user).toMatchObject({ id: imported.user.id, name: 'Frank Friend', hasPlexToken: true });
    });

    it('refuses bad input with an invalid error', async () => {
      const err = await User.upsertFromPlex(deps, { account: { id: -1, username: 'x' } }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ kind: 'invalid', code: 'validation' });
    });
  });

  describe('identities', () => {
    it('links an OIDC identity, finds the user by it, and refuses it for a second user', async () => {
      const a = (await User.upsertFromPlex(deps, { account: frank, token: 't' })).user;
      const b = (await User.upsertFromPlex(deps, { account: { id: 9, username: 'b' }, token: 't' })).user;
      const linked = await asUser(a.id, () =>
        User.linkIdentity(deps, { provider: 'oidc:authentik', subject: 'sub-1', label: 'frank@idp' }),
      );
      expect(linked.identities.map((i) => i.provider)).toEqual(['plex', 'oidc:authentik']);
      expect((await User.findByIdentity(deps, { provider: 'oidc:authentik', subject: 'sub-1' }))?.id).toBe(
        a.id,
      );
      await expect(
        asUser(b.id, () => User.linkIdentity(deps, { provider: 'oidc:authentik', subject: 'sub-1' })),
      ).rejects.toBeInstanceOf(User.IdentityTakenError);
    });

    it('links the same identity to one user only under a race', async () => {
      const users = await Promise.all(
        [1, 2, 3, 4].map(
          async (n) =>
            (await User.upsertFromPlex(deps, { account: { id: n, username: `u${n}` }, token: 't' })).user,
        ),
      );
      const outcomes = await Promise.allSettled(
        users.map((u) => asUser(u.id, () => User.linkIdentity(deps, { provider: 'github', subject: '42' }))),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes)
        if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(User.IdentityTakenError);
    });

    it('never unlinks the last identity, even when two unlinks race', async () => {
      const u = (await User.upsertFromPlex(deps, { account: frank, token: 't' })).user;
      await asUser(u.id, () => User.linkIdentity(deps, { provider: 'github', subject: 'gh-1' }));
      const outcomes = await Promise.allSettled([
        asUser(u.id, () => User.unlinkIdentity(deps, { provider: 'plex', subject: '2002' })),
        asUser(u.id, () => User.unlinkIdentity(deps, { provider: 'github', subject: 'gh-1' })),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toBeInstanceOf(User.LastIdentityError);
      expect((await User.get(deps, u.id)).identities).toHaveLength(1);
    });

    it('unlinking Plex drops the token and frees the account for another user', async () => {
      const u = (
        await User.upsertFromOidc(deps, { provider: 'google', subject: 'g-1', email: 'f@example.test' })
      ).user;
      expect(u).toMatchObject({ name: 'f@example.test', plexAccountId: null });
      await asUser(u.id, () => User.linkIdentity(deps, { provider: 'plex', account: frank, token: 'tok-f' }));
      expect(await User.getPlexToken(deps, u.id)).toBe('tok-f');
      const after = await asUser(u.id, () =>
        User.unlinkIdentity(deps, { provider: 'plex', subject: '2002' }),
      );
      expect(after).toMatchObject({ plexAccountId: null, hasPlexToken: false });
      const fresh = await User.upsertFromPlex(deps, { account: frank, token: 'tok-g' });
      expect(fresh.created).toBe(true);
      expect(fresh.user.id).not.toBe(u.id);
    });

    it('needs a signed-in user to link', async () => {
      await expect(User.linkIdentity(deps, { provider: 'github', subject: '1' })).rejects.toMatchObject({
        kind: 'unauthorized',
      });
    });
  });
});
