import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withActor } from '../actor/context.ts';
import { STORES, type TestDeps } from '../actor/testing.ts';
import * as Session from './session.ts';

const DAY = 24 * 3600 * 1000;
const alice = 'usr_01JD3Q7Z5V2K8M4N6P0R9S1T2W';
const bob = 'usr_01JD3Q7Z5V2K8M4N6P0R9S1T3X';

let deps: TestDeps & Session.SessionDeps;

const tamper = (token: string) => (token[0] === 'A' ? 'B' : 'A') + token.slice(1);

describe.each(STORES)('on $name', ({ open, skip }) => {
  let opened = false;
  beforeEach(async (context) => {
    if (skip) context.skip();
    deps = Object.assign(await open(), {
      sessions: { idleSeconds: 10 * 24 * 3600, absoluteSeconds: 30 * 24 * 3600 },
    });
    opened = true;
  });
  afterEach(async () => {
    if (opened) await deps.close();
    opened = false;
  });
  describe('create and validate', () => {
    it('returns a 32-byte token once and stores only its SHA-256', async () => {
      // act
      const { token, session } = await Session.create(deps, {
        userId: alice,
        userAgent: 'vitest',
        ip: '127.0.0.1',
      });
      // assert
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      const hash = createHash('sha256').update(token).digest('hex');
      const stored = await deps.table.get({ pk: `S#${hash}`, sk: 'SESSION' });
      expect(stored).toBeDefined();
      expect(JSON.stringify(stored)).not.toContain(token);
      expect(session).toMatchObject({
        userId: alice,
        id: hash.slice(0, 16),
        expiresAt: deps.clock.now() + 10 * DAY,
      });
      expect((await Session.validate(deps, token)).session.userId).toBe(alice);
    });

    it('refuses unknown, malformed and tampered tokens the same way', async () => {
      const { token } = await Session.create(deps, { userId: alice });
      for (const bad of [tamper(token), 'short', '', `${token}x`, 'A'.repeat(43)]) {
        await expect(Session.validate(deps, bad), bad).rejects.toMatchObject({
          kind: 'unauthorized',
          code: 'session.invalid',
        });
      }
    });

    it('expires after the idle window', async () => {
      const { token } = await Session.create(deps, { userId: alice });
      deps.clock.advance(10 * DAY - 1);
      await expect(Session.validate(deps, token)).resolves.toBeDefined();
      deps.clock.advance(10 * DAY);
      await expect(Session.validate(deps, token)).rejects.toBeInstanceOf(Session.SessionInvalidError);
    });

    it('slides: renews only past half of the idle window, and never past the absolute limit', async () => {
      const { token, session } = await Session.create(deps, { userId: alice });
      deps.clock.advance(4 * DAY);
      const early = await Session.validate(deps, token);
      expect(early.renewed).toBe(false);
      expect(early.session.expiresAt).toBe(session.expiresAt);

      deps.clock.advance(2 * DAY); // 6 days in: 4 days left < 5 (half of 10)
      const renewed = await Session.validate(deps, token);
      expect(renewed.renewed).toBe(true);
      expect(renewed.session.expiresAt).toBe(deps.clock.now() + 10 * DAY);

      // Keep it busy every 6 days: it still ends 30 days after sign-in.
      for (let day = 12; day < 30; day += 6) {
        deps.clock.set(session.createdAt + day * DAY);
        await Session.validate(deps, token);
      }
      deps.clock.set(session.createdAt + 30 * DAY - 1);
      const last = await Session.validate(deps, token);
      expect(last.session.expiresAt).toBe(session.createdAt + 30 * DAY);
      deps.clock.set(session.createdAt + 30 * DAY);
      await expect(Session.validate(deps, token)).rejects.toBeInstanceOf(Session.SessionInvalidError);
    });
  });

  describe('revocation and listing', () => {
    it('signs out one token; its sibling keeps working', async () => {
      const a = await Session.create(deps, { userId: alice });
      const b = await Session.create(deps, { userId: alice });
      await Session.revokeToken(deps, a.token);
      await expect(Session.validate(deps, a.token)).rejects.toBeInstanceOf(Session.SessionInvalidError);
      await expect(Session.validate(deps, b.token)).resolves.toBeDefined();
    });

    it('lists my sessions newest first with the current one marked, and no hashes or tokens', async () => {
      const first = await Session.create(deps, { userId: alice, userAgent: 'firefox' });
      deps.clock.advance(1000);
      const second = await Session.create(deps, { userId: alice, userAgent: 'chromium' });
      await Session.create(deps, { userId: bob });
      const list = await withActor({ type: 'user', userId: alice, sessionId: second.session.id }, () =>
        Session.listMine(deps),
      );
      expect(list.map((s) => [s.userAgent, s.current])).toEqual([
        ['chromium', true],
        ['firefox', false],
      ]);
      const text = JSON.stringify(list);
      expect(text).not.toContain(first.token);
      expect(text).not.toContain(createHash('sha256').update(first.token).digest('hex'));
    });

    it("revokes one of my sessions by short id, and cannot touch another user's", async () => {
      const mine = await Session.create(deps, { userId: alice });
      const theirs = await Session.create(deps, { userId: bob });
      await expect(
        withActor({ type: 'user', userId: alice }, () => Session.revokeMine(deps, { id: theirs.session.id })),
      ).rejects.toMatchObject({ kind: 'not_found' });
      await withActor({ type: 'user', userId: alice }, () =>
        Session.revokeMine(deps, { id: mine.session.id }),
      );
      await expect(Session.validate(deps, mine.token)).rejects.toBeInstanceOf(Session.SessionInvalidError);
      await expect(Session.validate(deps, theirs.token)).resolves.toBeDefined();
    });

    it('signs out everywhere (optionally keeping the current session) and leaves other users alone', async () => {
      const tokens = await Promise.all([1, 2, 3].map(() => Session.create(deps, { userId: alice })));
      const other = await Session.create(deps, { userId: bob });
      const current = tokens[0] as Session.CreatedSession;
      const removed = await withActor({ type: 'user', userId: alice, sessionId: current.session.id }, () =>
        Session.revokeAllMine(deps, { keepCurrent: true }),
      );
      expect(removed).toBe(2);
      await expect(Session.validate(deps, current.token)).resolves.toBeDefined();
      expect(await Session.revokeAllForUser(deps, alice)).toBe(1);
      for (const t of tokens)
        await expect(Session.validate(deps, t.token)).rejects.toBeInstanceOf(Session.SessionInvalidError);
      await expect(Session.validate(deps, other.token)).resolves.toBeDefined();
    });

    it('a renewal racing a revocation does not bring the session back', async () => {
      const { token } = await Session.create(deps, { userId: alice });
      deps.clock.advance(6 * DAY);
      // The renewal reads the session, then the revocation deletes it before the renewal writes.
      await Promise.allSettled([Session.validate(deps, token), Session.revokeToken(deps, token)]);
      await expect(Session.validate(deps, token)).rejects.toBeInstanceOf(Session.SessionInvalidError);
    });
  });
});
