/**
 * The Realtime port's contract, run against both adapters. A fixture connects fake clients with
 * a scope and records what each one receives; `breakConnection` makes a client's peer vanish
 * (its next delivery fails the way that runtime reports a dead socket).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Realtime, RealtimeMessage } from '../../port/realtime.ts';

export interface RealtimeFixture {
  realtime: Realtime;
  connect(id: string, scope: { userId: string; householdId: string }): Promise<void>;
  disconnect(id: string): Promise<void>;
  received(id: string): RealtimeMessage[];
  breakConnection(id: string): void;
  close(): Promise<void>;
}

export function realtimeContract(adapter: string, make: () => Promise<RealtimeFixture>): void {
  describe(`Realtime contract: ${adapter}`, () => {
    let f: RealtimeFixture;
    beforeEach(async () => {
      f = await make();
      // alice: two tabs in h1, one in h2; bob: h1; carol: h10 (a household id that h1 prefixes)
      await f.connect('alice-h1-a', { userId: 'alice', householdId: 'h1' });
      await f.connect('alice-h1-b', { userId: 'alice', householdId: 'h1' });
      await f.connect('alice-h2', { userId: 'alice', householdId: 'h2' });
      await f.connect('bob-h1', { userId: 'bob', householdId: 'h1' });
      await f.connect('carol-h10', { userId: 'carol', householdId: 'h10' });
    });
    afterEach(() => f.close());

    const all = ['alice-h1-a', 'alice-h1-b', 'alice-h2', 'bob-h1', 'carol-h10'];
    const reached = () => all.filter((id) => f.received(id).length > 0).sort();

    it('delivers a household topic to every connection of that household only', async () => {
      const message = { type: 'status.changed', data: { service: 'plex', up: true } };
      const { delivered } = await f.realtime.publish({ householdId: 'h1' }, message);
      expect(delivered).toBe(3);
      expect(reached()).toEqual(['alice-h1-a', 'alice-h1-b', 'bob-h1']);
      expect(f.received('bob-h1')).toEqual([message]);
    });

    it('delivers a user topic to every connection of that user, in any household', async () => {
      const { delivered } = await f.realtime.publish(
        { userId: 'alice' },
        { type: 'notification.created', data: 1 },
      );
      expect(delivered).toBe(3);
      expect(reached()).toEqual(['alice-h1-a', 'alice-h1-b', 'alice-h2']);
    });

    it("delivers a household+user topic to that user's connections in that household only", async () => {
      const { delivered } = await f.realtime.publish(
        { householdId: 'h1', userId: 'alice' },
        { type: 'download.progress', data: { pct: 40 } },
      );
      expect(delivered).toBe(2);
      expect(reached()).toEqual(['alice-h1-a', 'alice-h1-b']);
    });

    it('never lets a household id reach a household it merely prefixes', async () => {
      await f.realtime.publish({ householdId: 'h10' }, { type: 't', data: null });
      await f.realtime.publish({ householdId: 'h1', userId: 'carol' }, { type: 't', data: null });
      expect(reached()).toEqual(['carol-h10']);
      expect(f.received('carol-h10')).toHaveLength(1);
    });

    it('delivers nothing, without error, to a topic nobody watches', async () => {
      expect(await f.realtime.publish({ householdId: 'h9' }, { type: 't', data: null })).toEqual({
        delivered: 0,
      });
      expect(await f.realtime.publish({ userId: 'dave' }, { type: 't', data: null })).toEqual({
        delivered: 0,
      });
      expect(reached()).toEqual([]);
    });

    it('keeps messages in order and sends {type, data} exactly', async () => {
      for (let i = 0; i < 5; i++) await f.realtime.publish({ userId: 'bob' }, { type: 'tick', data: { i } });
      await f.realtime.publish({ userId: 'bob' }, { type: 'no-data', data: undefined });
      expect(f.received('bob-h1')).toEqual([
        ...[0, 1, 2, 3, 4].map((i) => ({ type: 'tick', data: { i } })),
        { type: 'no-data', data: null },
      ]);
    });

    it('stops delivering after a disconnect, and lists only watched households', async () => {
      expect((await f.realtime.watchedHouseholds()).sort()).toEqual(['h1', 'h10', 'h2']);
      await f.disconnect('alice-h2');
      await f.disconnect('carol-h10');
      await f.disconnect('carol-h10');
      expect((await f.realtime.publish({ userId: 'alice' }, { type: 't', data: null })).delivered).toBe(2);
      expect((await f.realtime.watchedHouseholds()).sort()).toEqual(['h1']);
    });

    it('drops a connection whose delivery fails, and keeps delivering to the others', async () => {
      // arrange
      f.breakConnection('alice-h2');
      // act
      const first = await f.realtime.publish({ userId: 'alice' }, { type: 't', data: 1 });
      const second = await f.realtime.publish({ userId: 'alice' }, { type: 't', data: 2 });
      // assert
      expect(first.delivered).toBe(2);
      expect(second.delivered).toBe(2);
      expect(f.received('alice-h1-a')).toHaveLength(2);
      expect((await f.realtime.watchedHouseholds()).sort()).toEqual(['h1', 'h10']);
    });

    it('replaces a connection registered again under the same id', async () => {
      await f.connect('bob-h1', { userId: 'bob', householdId: 'h2' });
      await f.realtime.publish({ householdId: 'h1' }, { type: 't', data: null });
      expect(f.received('bob-h1')).toEqual([]);
      await f.realtime.publish({ householdId: 'h2' }, { type: 't', data: null });
      expect(f.received('bob-h1')).toHaveLength(1);
    });

    it('rejects malformed topics and messages with an "invalid" AppError', async () => {
      const invalid = { name: 'AppError', kind: 'invalid' };
      await expect(f.realtime.publish({} as never, { type: 't', data: null })).rejects.toMatchObject(invalid);
      await expect(f.realtime.publish({ householdId: '' }, { type: 't', data: null })).rejects.toMatchObject(
        invalid,
      );
      await expect(
        f.realtime.publish({ householdId: 'h1#WS#' }, { type: 't', data: null }),
      ).rejects.toMatchObject(invalid);
      await expect(f.realtime.publish({ householdId: 'h1' }, { type: '', data: null })).rejects.toMatchObject(
        invalid,
      );
      const cyclic: { self?: unknown } = {};
      cyclic.self = cyclic;
      await expect(
        f.realtime.publish({ householdId: 'h1' }, { type: 't', data: cyclic }),
      ).rejects.toMatchObject(invalid);
      expect(reached()).toEqual([]);
    });
  });
}
