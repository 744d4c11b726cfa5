import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withActor } from '../actor/context.ts';
import { STORES, type TestDeps } from '../actor/testing.ts';
import { AppError } from '../error/index.ts';
import { seedHousehold } from '../request/fixtures.ts';
import * as Quota from './quota.ts';
import { resetPhrase, spanOf } from './window.ts';

describe('quota windows', () => {
  it('starts a week on Monday 00:00 in the household time zone', () => {
    // arrange: Thursday 26 Nov 2026, 10:00 UTC
    const thursday = Date.UTC(2026, 10, 26, 10);
    // act
    const utc = spanOf('week', thursday, 'UTC');
    const auckland = spanOf('week', Date.UTC(2026, 10, 22, 12), 'Pacific/Auckland'); // Monday 01:00 NZDT
    // assert
    expect(utc).toMatchObject({
      id: 'week-2026-11-23',
      start: Date.UTC(2026, 10, 23),
      end: Date.UTC(2026, 10, 30),
    });
    expect(resetPhrase(utc)).toBe('Monday');
    // Auckland is UTC+13 in November: its Monday 00:00 is Sunday 11:00 UTC.
    expect(auckland).toMatchObject({ id: 'week-2026-11-23', start: Date.UTC(2026, 10, 22, 11) });
  });

  it('keeps local midnight across a DST change and rolls months over', () => {
    // Europe/Berlin leaves DST on Sunday 25 Oct 2026: that day has 25 hours.
    const day = spanOf('day', Date.UTC(2026, 9, 25, 12), 'Europe/Berlin');
    expect(day.end - day.start).toBe(25 * 3600 * 1000);
    const dec = spanOf('month', Date.UTC(2026, 11, 31, 23, 30), 'UTC');
    expect(dec).toMatchObject({ id: 'month-2026-12', end: Date.UTC(2027, 0, 1) });
    expect(resetPhrase(dec)).toBe('on 1 January');
    expect(() => spanOf('day', 0, 'Mars/Olympus')).toThrow(AppError);
  });
});

describe.each(STORES)('quotas on $name', ({ open, skip }) => {
  let deps: TestDeps;
  let opened = false;
  let hh: string;
  let users: Record<string, string>;

  beforeEach(async (ctx) => {
    if (skip) ctx.skip();
    deps = await open();
    opened = true;
    // Thursday 26 Nov 2026
    deps.clock.set(Date.UTC(2026, 10, 26, 10));
    ({ householdId: hh, users } = await seedHousehold(deps, [
      { name: 'Olivia', plexId: 101, role: 'owner' },
      { name: 'Alice', plexId: 102, role: 'member' },
      { name: 'Bob', plexId: 103, role: 'member' },
    ]));
  });
  afterEach(async () => {
    if (opened) await deps.close();
    opened = false;
  });

  const as = <T>(name: string, f: () => Promise<T>) =>
    withActor({ type: 'user', userId: users[name] as string, householdId: hh }, f);

  it('20 concurrent reservations with 5 left take exactly 5, and the refusal names the limit', async () => {
    // arrange
    await as('Olivia', () => Quota.setSettings(deps, { member: { week: 7 } }));
    const alice = { householdId: hh, userId: users.Alice as string };
    await Quota.reserve(deps, alice);
    await Quota.reserve(deps, alice);
    // act
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => Quota.reserve(deps, alice)));
    // assert
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(ok).toHaveLength(5);
    expect(refused).toHaveLength(15);
    for (const e of refused) expect(e).toBeInstanceOf(Quota.QuotaExceededError);
    expect((refused[0] as AppError).message).toBe(
      'You have reached your limit of 7 requests this week; it resets Monday',
    );
    expect(await as('Alice', () => Quota.usage(deps, {}))).toEqual([
      expect.objectContaining({
        scope: 'member',
        window: 'week',
        used: 7,
        limit: 7,
        remaining: 0,
        label: '7 of 7 this week, resets Monday',
      }),
    ]);
  });

  it('counts the household limit across members, releases, and resets with the window', async () => {
    // arrange
    await as('Olivia', () =>
      Quota.setSettings(deps, {
        member: { day: 2 },
        household: { week: 3 },
        overrides: { [users.Bob as string]: {} },
      }),
    );
    const alice = { householdId: hh, userId: users.Alice as string };
    const bob = { householdId: hh, userId: users.Bob as string };
    // act
    const a1 = await Quota.reserve(deps, alice);
    await Quota.reserve(deps, alice);
    const aliceDay = await Quota.reserve(deps, alice).catch((e: unknown) => e);
    await Quota.reserve(deps, bob);
    const bobHousehold = await Quota.reserve(deps, bob).catch((e: unknown) => e);
    // assert
    expect((aliceDay as AppError).message).toBe(
      'You have reached your limit of 2 requests today; it resets tomorrow',
    );
    expect((bobHousehold as AppError).message).toBe(
      "You have reached the household's limit of 3 requests this week; it resets Monday",
    );
    // a released request is available again (to anyone, within the household limit)
    await Quota.release(deps, a1);
    await Quota.reserve(deps, bob);
    // next Monday everything starts over
    deps.clock.set(Date.UTC(2026, 10, 30, 0, 0, 1));
    expect(await as('Alice', () => Quota.usage(deps, {}))).toEqual([
      expect.objectContaining({ scope: 'member', window: 'day', used: 0, limit: 2 }),
      expect.objectContaining({
        scope: 'household',
        window: 'week',
        used: 0,
        limit: 3,
        label: '0 of 3 this week, resets Monday',
      }),
    ]);
    await Quota.reserve(deps, alice);
  });

  it('only admins change settings; members may not read others’ usage', async () => {
    await expect(as('Alice', () => Quota.setSettings(deps, { member: { week: 1 } }))).rejects.toMatchObject({
      kind: 'forbidden',
    });
    await expect(as('Alice', () => Quota.usage(deps, { userId: users.Bob }))).rejects.toMatchObject({
      kind: 'forbidden',
    });
    expect(await as('Olivia', () => Quota.usage(deps, { userId: users.Bob }))).toEqual([]);
  });
});
