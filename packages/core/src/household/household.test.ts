import { type RunningPlexTv, startPlexTv } from '@medianest/simulators/plex-tv/index';
import { DEMO_MACHINE_ID, STRANGER_ID } from '@medianest/simulators/scenario/index';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withActor } from '../actor/context.ts';
import { STORES, type TestDeps } from '../actor/testing.ts';
import * as Audit from '../audit/audit.ts';
import { createPlexTvClient } from '../plex/plex-tv-client.ts';
import * as User from '../user/user.ts';
import * as Household from './household.ts';
import * as Invites from './invites.ts';
import * as Members from './members.ts';

const OWNER = 'tok-olivia-owner-0001';
const FRANK = 'tok-frank-friend-0002';
const FIONA = 'tok-fiona-friend-0003';
const SAM = 'tok-sam-stranger-0004';

let sim: RunningPlexTv;
let deps: TestDeps & Household.PlexDeps;

beforeAll(async () => {
  sim = await startPlexTv();
});
afterAll(() => sim.close());

/** Runs `f` as a user, optionally acting in a household. */
const as = <T>(userId: string, householdId: string | undefined, f: () => Promise<T>) =>
  withActor({ type: 'user', userId, ...(householdId ? { householdId } : {}) }, f);

async function signIn(token: string): Promise<string> {
  const account = await deps.plexTv.getUser(token);
  return (await User.upsertFromPlex(deps, { account, token })).user.id;
}

async function oidcUser(n: number): Promise<string> {
  return (await User.upsertFromOidc(deps, { provider: 'github', subject: `gh-${n}`, name: `User ${n}` })).user
    .id;
}

async function ownedHousehold() {
  const owner = await signIn(OWNER);
  const { household } = await as(owner, undefined, () =>
    Household.create(deps, { name: "Olivia's house", servers: [DEMO_MACHINE_ID] }),
  );
  return { owner, hh: household.id };
}

async function auditActions(owner: string, hh: string): Promise<string[]> {
  const page = await as(owner, hh, () => Audit.list(deps, { limit: 200 }));
  return page.entries.map((e) => e.action);
}

describe.each(STORES)('on $name', ({ open, skip }) => {
  let opened = false;
  beforeEach(async (context) => {
    if (skip) context.skip();
    const plexTv = createPlexTvClient({
      baseUrl: sim.url,
      clientIdentifier: 'medianest-household-test',
      product: 'MediaNest',
      version: '0.1.0',
    });
    deps = Object.assign(await open(), { plexTv });
    opened = true;
  });
  afterEach(async () => {
    if (opened) await deps.close();
    opened = false;
  });
  describe('creating and switching', () => {
    it('creates a household on a server the owner owns, and lists it as theirs', async () => {
      // arrange
      const owner = await signIn(OWNER);
      const available = await as(owner, undefined, () => Household.availableServers(deps));
      expect(available).toEqual([
        { machineIdentifier: DEMO_MACHINE_ID, name: "Olivia's Plex", taken: false },
      ]);
      // act
      const { household, membership } = await as(owner, undefined, () =>
        Household.create(deps, { name: "  Olivia's house ", servers: [DEMO_MACHINE_ID] }),
      );
      // assert
      expect(household).toMatchObject({
        name: "Olivia's house",
        ownerId: owner,
        servers: [{ name: "Olivia's Plex" }],
      });
      expect(household.id).toMatch(/^hh_/);
      expect(membership).toMatchObject({
        role: 'owner',
        status: 'active',
        permissions: expect.arrayContaining(['manage_integrations']),
      });
      const mine = await as(owner, undefined, () => Household.listMine(deps));
      expect(mine.map((m) => m.household.id)).toEqual([household.id]);
      expect((await as(owner, undefined, () => Household.availableServers(deps)))[0]?.taken).toBe(true);
      expect(await auditActions(owner, household.id)).toEqual(['household.created']);
    });

    it("refuses a server the creator does not own (a friend's shared server)", async () => {
      const frank = await signIn(FRANK);
      await expect(
        as(frank, undefined, () => Household.create(deps, { name: 'Mine', servers: [DEMO_MACHINE_ID] })),
      ).rejects.toBeInstanceOf(Household.ServerNotOwnedError);
    });

    it('gives a server to exactly one household when two creations race', async () => {
      const owner = await signIn(OWNER);
      const outcomes = await Promise.allSettled(
        [1, 2, 3].map((n) =>
          as(owner, undefined, () => Household.create(deps, { name: `H${n}`, servers: [DEMO_MACHINE_ID] })),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes)
        if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(Household.ServerTakenError);
      expect(await as(owner, undefined, () => Household.listMine(deps))).toHaveLength(1);
    });

    it('switches only into a household the caller actively belongs to', async () => {
      const { owner, hh } = await ownedHousehold();
      const sam = await signIn(SAM);
      expect(
        (await as(owner, undefined, () => Household.switchTo(deps, { householdId: hh }))).household.id,
      ).toBe(hh);
      await expect(
        as(sam, undefined, () => Household.switchTo(deps, { householdId: hh })),
      ).rejects.toMatchObject({
        kind: 'not_found',
      });
      await expect(
        as(sam, undefined, () => Household.switchTo(deps, { householdId: 'nope' })),
      ).rejects.toMatchObject({
        kind: 'invalid',
      });
    });

    it('renames (admins), with before/after in the audit log', async () => {
      const { owner, hh } = await ownedHousehold();
      await as(owner, hh, () => Household.rename(deps, { name: 'The Den' }));
      const [entry] = (await as(owner, hh, () => Audit.list(deps, { limit: 1 }))).entries;
      expect(entry).toMatchObject({
        action: 'household.renamed',
        actorId: owner,
        before: { name: "Olivia's house" },
        after: { name: 'The Den' },
        at: deps.clock.now(),
      });
    });
  });

  describe('isolation', () => {
    it('answers 401 / 400 / 404 / 403 by who is asking, never with data', async () => {
      const { owner, hh } = await ownedHousehold();
      const other = await oidcUser(1);
      // anonymous
      await expect(Members.list(deps)).rejects.toMatchObject({ kind: 'unauthorized' });
      // signed in, no household chosen
      await expect(as(other, undefined, () => Members.list(deps))).rejects.toMatchObject({ kind: 'invalid' });
      // signed in, naming a household they do not belong to
      for (const call of [
        (): Promise<unknown> => Household.current(deps),
        () => Members.list(deps),
        () => Invites.list(deps),
        () => Audit.list(deps, {}),
        () => Household.rename(deps, { name: 'pwned' }),
      ]) {
        await expect(as(other, hh, call)).rejects.toMatchObject({
          kind: 'not_found',
          code: 'household.not_found',
        });
      }
      // a member without the permission
      const frank = await signIn(FRANK);
      await as(frank, undefined, () => Household.joinByServerAccess(deps, { householdId: hh }));
      await expect(as(frank, hh, () => Members.list(deps))).rejects.toMatchObject({ kind: 'forbidden' });
      await expect(as(frank, hh, () => Audit.list(deps, {}))).rejects.toMatchObject({ kind: 'forbidden' });
      await expect(as(frank, hh, () => Invites.create(deps, {}))).rejects.toMatchObject({
        kind: 'forbidden',
      });
      await expect(
        as(frank, hh, () => Household.removeServer(deps, { machineIdentifier: DEMO_MACHINE_ID })),
      ).rejects.toMatchObject({ kind: 'forbidden' });
      expect((await as(owner, hh, () => Household.current(deps))).household.name).toBe("Olivia's house");
    });
  });

  describe('joining', () => {
    it('lets a Plex friend with server access join in one click, refuses a stranger', async () => {
      const { owner, hh } = await ownedHousehold();
      const frank = await signIn(FRANK);
      const sam = await signIn(SAM);
      // act
      expect(await as(frank, undefined, () => Household.joinable(deps))).toEqual([
        {
          household: { id: hh, name: "Olivia's house" },
          server: { machineIdentifier: DEMO_MACHINE_ID, name: "Olivia's Plex" },
          status: null,
        },
      ]);
      const member = await as(frank, undefined, () =>
        Household.joinByServerAccess(deps, { householdId: hh }),
      );
      // assert
      expect(member).toMatchObject({
        role: 'member',
        status: 'active',
        joinedVia: 'server_access',
        permissions: ['request', 'download'],
      });
      expect(await as(sam, undefined, () => Household.joinable(deps))).toEqual([]);
      await expect(
        as(sam, undefined, () => Household.joinByServerAccess(deps, { householdId: hh })),
      ).rejects.toMatchObject({
        kind: 'forbidden',
        code: 'household.no_server_access',
      });
      // Joining twice is harmless; the audit log has one join.
      await as(frank, undefined, () => Household.joinByServerAccess(deps, { householdId: hh }));
      expect(await auditActions(owner, hh)).toEqual(['member.joined', 'household.created']);
    });

    it('lets a stranger in once the owner shares the server on plex.tv', async () => {
      const { hh } = await ownedHousehold();
      const sam = await signIn(SAM);
      sim.share(DEMO_MACHINE_ID, STRANGER_ID);
      try {
        const m = await as(sam, undefined, () => Household.joinByServerAccess(deps, { householdId: hh }));
        expect(m.status).toBe('active');
      } finally {
        sim.unshare(DEMO_MACHINE_ID, STRANGER_ID);
      }
    });

    it("falls back to the owner's friend list when the user's own Plex token is refused", async () => {
      const { owner, hh } = await ownedHousehold();
      const frank = await signIn(FRANK);
      const sam = await signIn(SAM);
      // Both stored tokens go stale (revoked on plex.tv).
      for (const [id, username] of [
        [2002, 'frank'],
        [STRANGER_ID, 'sam'],
      ] as const) {
        await User.upsertFromPlex(deps, { account: { id, username }, token: `revoked-${username}` });
      }
      const m = await as(frank, undefined, () => Household.joinByServerAccess(deps, { householdId: hh }));
      expect(m.status).toBe('active');
      // Sam has no access either way: he is told to renew his Plex sign-in, not signed out (401).
      await expect(
        as(sam, undefined, () => Household.joinByServerAccess(deps, { householdId: hh })),
      ).rejects.toMatchObject({
        kind: 'forbidden',
        code: 'user.plex_token_rejected',
      });
      // A refused owner token: admins importing friends learn that the owner must sign in again.
      const invite = await as(owner, hh, () => Invites.create(deps, { role: 'admin' }));
      await as(sam, undefined, () => Invites.redeem(deps, { code: invite.code }));
      await User.upsertFromPlex(deps, { account: { id: 1001, username: 'olivia' }, token: 'revoked-olivia' });
      await expect(as(sam, hh, () => Members.importPlexFriends(deps))).rejects.toMatchObject({
        kind: 'conflict',
        code: 'household.owner_plex_token_rejected',
      });
    });

    it('imports Plex friends as pending members who activate by joining', async () => {
      const { owner, hh } = await ownedHousehold();
      // act
      const result = await as(owner, hh, () => Members.importPlexFriends(deps));
      // assert
      expect(result.imported).toHaveLength(2);
      expect(result.imported.every((m) => m.status === 'pending' && m.joinedVia === 'import')).toBe(true);
      expect((await as(owner, hh, () => Members.importPlexFriends(deps))).alreadyMembers).toBe(2);
      const listed = await as(owner, hh, () => Members.list(deps));
      expect(listed.map((m) => m.user?.plexUsername).sort()).toEqual(['fiona', 'frank', 'olivia']);
      // Fiona signs in later: same user, pending membership, activated by joining.
      const fiona = await signIn(FIONA);
      expect(result.imported.map((m) => m.userId)).toContain(fiona);
      await expect(as(fiona, hh, () => Household.current(deps))).rejects.toMatchObject({
        code: 'membership.inactive',
      });
      expect((await as(fiona, undefined, () => Household.listMine(deps)))[0]?.membership.status).toBe(
        'pending',
      );
      await as(fiona, undefined, () => Household.joinByServerAccess(deps, { householdId: hh }));
      expect((await as(fiona, hh, () => Household.current(deps))).membership.status).toBe('active');
      expect(await auditActions(owner, hh)).toEqual([
        'member.activated',
        'member.imported',
        'member.imported',
        'household.created',
      ]);
    });
  });

  describe('invites', () => {
    it('N concurrent redeems of a one-use invite make exactly one membership', async () => {
      const { owner, hh } = await ownedHousehold();
      const invite = await as(owner, hh, () => Invites.create(deps, { maxUses: 1 }));
      const users = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(oidcUser));
      // act
      const outcomes = await Promise.allSettled(
        users.map((u) => as(u, undefined, () => Invites.redeem(deps, { code: invite.code }))),
      );
      // assert
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes)
        if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'invite.used_up' });
      const members = await as(owner, hh, () => Members.list(deps));
      expect(members).toHaveLength(2);
      expect((await as(owner, hh, () => Invites.list(deps)))[0]).toMatchObject({
        uses: 1,
        status: 'used_up',
      });
    });

    it('refuses expired and revoked invites, and previews a valid one', async () => {
      const { owner, hh } = await ownedHousehold();
      const sam = await signIn(SAM);
      const short = await as(owner, hh, () => Invites.create(deps, { expiresInSeconds: 60, maxUses: 5 }));
      const revoked = await as(owner, hh, () => Invites.create(deps, { maxUses: 5 }));
      expect(await Invites.preview(deps, { code: short.code })).toEqual({
        householdName: "Olivia's house",
        role: 'member',
        expiresAt: short.expiresAt,
      });
      await as(owner, hh, () => Invites.revoke(deps, { code: revoked.code }));
      deps.clock.advance(61_000);
      await expect(
        as(sam, undefined, () => Invites.redeem(deps, { code: short.code })),
      ).rejects.toMatchObject({
        code: 'invite.expired',
      });
      await expect(
        as(sam, undefined, () => Invites.redeem(deps, { code: revoked.code })),
      ).rejects.toMatchObject({
        code: 'invite.revoked',
      });
      await expect(
        as(sam, undefined, () => Invites.redeem(deps, { code: 'x'.repeat(24) })),
      ).rejects.toMatchObject({
        kind: 'not_found',
      });
      await expect(Invites.preview(deps, { code: 'bad' })).rejects.toMatchObject({ kind: 'invalid' });
      expect(await auditActions(owner, hh)).toEqual([
        'invite.revoked',
        'invite.created',
        'invite.created',
        'household.created',
      ]);
    });

    it('grants the invite role; only the owner invites admins', async () => {
      const { owner, hh } = await ownedHousehold();
      const sam = await signIn(SAM);
      const adminInvite = await as(owner, hh, () => Invites.create(deps, { role: 'admin' }));
      const m = await as(sam, undefined, () => Invites.redeem(deps, { code: adminInvite.code }));
      expect(m).toMatchObject({ role: 'admin', joinedVia: 'invite' });
      await expect(as(sam, hh, () => Invites.create(deps, { role: 'admin' }))).rejects.toMatchObject({
        kind: 'forbidden',
      });
      await expect(
        as(sam, undefined, () => Invites.redeem(deps, { code: adminInvite.code })),
      ).rejects.toMatchObject({
        kind: 'conflict',
      });
    });
  });

  describe('member administration', () => {
    async function withAdminAndMember() {
      const { owner, hh } = await ownedHousehold();
      const admin = await signIn(SAM);
      const member = await signIn(FRANK);
      const invite = await as(owner, hh, () => Invites.create(deps, { role: 'admin' }));
      await as(admin, undefined, () => Invites.redeem(deps, { code: invite.code }));
      await as(member, undefined, () => Household.joinByServerAccess(deps, { householdId: hh }));
      return { owner, hh, admin, member };
    }

    it('protects the owner from removal, suspension and demotion', async () => {
      const { owner, hh, admin } = await withAdminAndMember();
      for (const call of [
        (): Promise<unknown> => Members.remove(deps, { userId: owner }),
        () => Members.setStatus(deps, { userId: owner, status: 'suspended' }),
        () => Members.setRole(deps, { userId: owner, role: 'member' }),
      ]) {
        await expect(as(admin, hh, call)).rejects.toBeInstanceOf(Members.OwnerProtectedError);
      }
      await expect(as(owner, hh, () => Members.remove(deps, { userId: owner }))).rejects.toMatchObject({
        code: 'member.self',
      });
      await expect(as(owner, hh, () => Members.leave(deps))).rejects.toBeInstanceOf(
        Members.OwnerProtectedError,
      );
      expect((await as(owner, hh, () => Members.mine(deps))).role).toBe('owner');
    });

    it('admins manage members but not other admins; the owner manages both', async () => {
      const { owner, hh, admin, member } = await withAdminAndMember();
      await expect(
        as(admin, hh, () => Members.setRole(deps, { userId: member, role: 'admin' })),
      ).rejects.toMatchObject({
        kind: 'forbidden',
      });
      const suspended = await as(admin, hh, () =>
        Members.setStatus(deps, { userId: member, status: 'suspended' }),
      );
      expect(suspended.status).toBe('suspended');
      await expect(as(member, hh, () => Household.current(deps))).rejects.toMatchObject({
        code: 'membership.inactive',
      });
      await expect(
        as(member, undefined, () => Household.joinByServerAccess(deps, { householdId: hh })),
      ).rejects.toMatchObject({
        code: 'membership.suspended',
      });
      await as(owner, hh, () => Members.setRole(deps, { userId: admin, role: 'member' }));
      await expect(as(admin, hh, () => Members.remove(deps, { userId: member }))).rejects.toMatchObject({
        kind: 'forbidden',
      });
      await as(owner, hh, () => Members.remove(deps, { userId: member }));
      expect((await as(owner, hh, () => Members.list(deps))).map((m) => m.userId).sort()).toEqual(
        [owner, admin].sort(),
      );
      const entries = (await as(owner, hh, () => Audit.list(deps, { limit: 3 }))).entries;
      expect(entries.map((e) => [e.action, e.actorId])).toEqual([
        ['member.removed', owner],
        ['member.role_changed', owner],
        ['member.suspended', admin],
      ]);
      expect(entries[1]).toMatchObject({ before: { role: 'admin' }, after: { role: 'member' } });
    });

    it('applies permission overrides, and nobody grants what they lack', async () => {
      const { owner, hh, admin, member } = await withAdminAndMember();
      const updated = await as(owner, hh, () =>
        Members.setPermissions(deps, {
          userId: member,
          overrides: { request_4k: true, download: false, manage_members: true },
        }),
      );
      expect(updated.permissions).toEqual(['request', 'request_4k', 'manage_members']);
      // Frank can now manage members, but cannot hand out auto-approve, which he lacks.
      await as(owner, hh, () => Members.setRole(deps, { userId: admin, role: 'member' }));
      await expect(
        as(member, hh, () =>
          Members.setPermissions(deps, { userId: admin, overrides: { auto_approve: true } }),
        ),
      ).rejects.toMatchObject({ kind: 'forbidden' });
      const ok = await as(member, hh, () =>
        Members.setPermissions(deps, { userId: admin, overrides: { request_4k: true } }),
      );
      expect(ok.permissions).toContain('request_4k');
    });

    it('transfers ownership atomically; the old owner becomes an admin', async () => {
      const { owner, hh, member } = await withAdminAndMember();
      const newOwner = await as(owner, hh, () => Members.transferOwnership(deps, { userId: member }));
      expect(newOwner.role).toBe('owner');
      const { household, membership } = await as(owner, hh, () => Household.current(deps));
      expect(household.ownerId).toBe(member);
      expect(membership.role).toBe('admin');
      // The old owner is now an ordinary admin: they cannot transfer again or touch the new owner.
      await expect(
        as(owner, hh, () => Members.transferOwnership(deps, { userId: owner })),
      ).rejects.toMatchObject({ kind: 'forbidden' });
      await expect(as(owner, hh, () => Members.remove(deps, { userId: member }))).rejects.toBeInstanceOf(
        Members.OwnerProtectedError,
      );
      const [entry] = (await as(member, hh, () => Audit.list(deps, { limit: 1 }))).entries;
      expect(entry).toMatchObject({
        action: 'household.ownership_transferred',
        before: { ownerId: owner },
        after: { ownerId: member },
      });
    });

    it('an admin demoted mid-action cannot complete it', async () => {
      const { owner, hh, admin, member } = await withAdminAndMember();
      // The admin's permission check passes; the owner demotes them just before their write lands.
      const raw = deps.table;
      let armed = true;
      const racing = {
        ...deps,
        table: {
          get: raw.get.bind(raw),
          put: raw.put.bind(raw),
          update: raw.update.bind(raw),
          delete: raw.delete.bind(raw),
          query: raw.query.bind(raw),
          batchGet: raw.batchGet.bind(raw),
          batchWrite: raw.batchWrite.bind(raw),
          sweepExpired: raw.sweepExpired.bind(raw),
          transact: async (ops: Parameters<typeof raw.transact>[0]) => {
            if (armed) {
              armed = false;
              await as(owner, hh, () => Members.setRole(deps, { userId: admin, role: 'member' }));
            }
            return raw.transact(ops);
          },
        } satisfies typeof raw,
      };
      await expect(
        as(admin, hh, () => Members.setStatus(racing, { userId: member, status: 'suspended' })),
      ).rejects.toMatchObject({ code: 'member.changed' });
      const members = await as(owner, hh, () => Members.list(deps));
      expect(members.find((m) => m.userId === member)?.status).toBe('active');
      expect(members.find((m) => m.userId === admin)?.role).toBe('member');
    });
  });

  describe('audit paging', () => {
    it('pages newest first', async () => {
      const { owner, hh } = await ownedHousehold();
      for (let i = 0; i < 5; i++) {
        deps.clock.advance(1000);
        await as(owner, hh, () => Household.rename(deps, { name: `Name ${i}` }));
      }
      const first = await as(owner, hh, () => Audit.list(deps, { limit: 4 }));
      expect(first.entries.map((e) => (e.after as { name?: string } | null)?.name)).toEqual([
        'Name 4',
        'Name 3',
        'Name 2',
        'Name 1',
      ]);
      const second = await as(owner, hh, () => Audit.list(deps, { limit: 4, cursor: first.cursor }));
      expect(second.entries.map((e) => e.action)).toEqual(['household.renamed', 'household.created']);
      expect(second.cursor).toBeUndefined();
    });
  });
});
