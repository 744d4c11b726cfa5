import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withActor } from '../actor/context.ts';
import { handleWith, JOBS_QUEUE, JobRegistry } from '../jobs/registry.ts';
import { createLogger } from '../observability/logger.ts';
import { FakeClock } from '../port/clock.ts';
import { type Receiver, seedHousehold, startReceiver } from '../request/fixtures.ts';
import { emitAlerts } from '../status/alerts.ts';
import { createLocalSystem, type LocalSystem, loadConfig } from '../system/index.ts';
import * as Channels from './channels.ts';
import { deliverJob, httpOf } from './deliver.ts';
import * as Follow from './follow.ts';
import * as Inbox from './inbox.ts';
import { notify } from './notify.ts';
import * as Preferences from './preferences.ts';
import { attachStatusAlerts } from './status-alerts.ts';
import { sendTest } from './test-send.ts';

let dir: string;
let system: LocalSystem;
let out: Receiver;
let hh: string;
let users: Record<string, string>;
let flakyCalls = 0;
const seen: Record<string, { type: string; data: unknown }[]> = {};
const registry = new JobRegistry([deliverJob]);

const as = <T>(name: string, f: () => Promise<T>) =>
  withActor({ type: 'user', userId: users[name] as string, householdId: hh }, f);

/** Runs every visible job through the real job handler; returns how many failed. */
async function drain(): Promise<number> {
  let failed = 0;
  while (
    (await system.queue.poll(JOBS_QUEUE, async (messages) => {
      const failures: { itemIdentifier: string }[] = [];
      for (const m of messages) {
        try {
          await handleWith(registry, system, m);
        } catch {
          failures.push({ itemIdentifier: m.id });
          failed++;
        }
      }
      return { batchItemFailures: failures };
    })) > 0
  );
  return failed;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mn-notify-'));
  system = await createLocalSystem(loadConfig({ MEDIANEST_DATA_DIR: dir }), {
    clock: new FakeClock(Date.UTC(2026, 10, 26, 10)),
    logger: createLogger('medianest-test', { level: 'SILENT' }),
  });
  out = await startReceiver((call) => {
    if (call.path === '/flaky' && ++flakyCalls === 1) return { status: 503 };
    if (call.path === '/gone') return { status: 404 };
    return { status: call.path.startsWith('/discord') ? 204 : 200 };
  });
  ({ householdId: hh, users } = await seedHousehold(system, [
    { name: 'Olivia', plexId: 201, role: 'owner' },
    { name: 'Alice', plexId: 202, role: 'member' },
    { name: 'Bob', plexId: 203, role: 'member' },
  ]));
  for (const name of ['Olivia', 'Alice', 'Bob']) {
    const list: { type: string; data: unknown }[] = [];
    seen[name] = list;
    system.realtime.connect(
      { id: name, send: (d) => list.push(JSON.parse(d)) },
      { userId: users[name] as string, householdId: hh },
    );
  }
});

afterAll(async () => {
  await out.close();
  await system.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('outbound channels', () => {
  it('delivers to Discord (embed), ntfy (headers) and a generic webhook through the deliver job', async () => {
    // arrange
    await as('Olivia', () =>
      Channels.create(system, {
        scope: 'household',
        kind: 'discord',
        name: 'Admins',
        url: `${out.url}/discord/api/webhooks/1/abc`,
        events: ['service.down', 'request.new'],
      }),
    );
    await as('Olivia', () =>
      Channels.create(system, {
        scope: 'household',
        kind: 'ntfy',
        name: 'Phones',
        url: `${out.url}/ntfy/medianest-alerts`,
        secret: 'tk_123',
        events: ['service.down'],
      }),
    );
    await as('Alice', () =>
      Channels.create(system, {
        kind: 'webhook',
        name: 'Home Assistant',
        url: `${out.url}/hook`,
        secret: 'Bearer s3cret',
      }),
    );
    // act
    await notify(system, {
      householdId: hh,
      event: 'service.down',
      recipients: 'members',
      title: 'Plex is down',
      body: 'Plex Media Server stopped answering at 10:00.',
      link: 'https://medianest.example.com/status',
    });
    const failed = await drain();
    // assert
    expect(failed).toBe(0);
    const discord = out.calls.find((c) => c.path === '/discord/api/webhooks/1/abc');
    expect(discord?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(discord?.body ?? '{}')).toEqual({
      username: 'MediaNest',
      embeds: [
        {
          title: 'Plex is down',
          description: 'Plex Media Server stopped answering at 10:00.',
          url: 'https://medianest.example.com/status',
          color: 0xdc2626,
          timestamp: '2026-11-26T10:00:00.000Z',
          footer: { text: 'MediaNest' },
        },
      ],
    });
    const ntfy = out.calls.find((c) => c.path === '/ntfy/medianest-alerts');
    expect(ntfy?.body).toBe('Plex Media Server stopped answering at 10:00.');
    expect(ntfy?.headers).toMatchObject({
      title: 'Plex is down',
      tags: 'rotating_light',
      click: 'https://medianest.example.com/status',
      authorization: 'Bearer tk_123',
    });
    const hook = out.calls.find((c) => c.path === '/hook');
    expect(hook?.headers.authorization).toBe('Bearer s3cret');
    expect(JSON.parse(hook?.body ?? '{}')).toMatchObject({
      event: 'service.down',
      title: 'Plex is down',
      message: 'Plex Media Server stopped answering at 10:00.',
      householdId: hh,
    });
    expect(out.calls).toHaveLength(3);
    const listed = await as('Alice', () => Channels.list(system));
    expect(listed.map((c) => c.name).sort()).toEqual(['Admins', 'Home Assistant', 'Phones']);
    expect(JSON.stringify(listed)).not.toContain('s3cret');
    expect(JSON.stringify(listed)).not.toContain('/api/webhooks/1/abc');
    expect(listed.find((c) => c.name === 'Admins')?.lastDelivery).toMatchObject({ ok: true, status: 204 });
    // Bob sees the household channels but not Alice's own
    expect((await as('Bob', () => Channels.list(system))).map((c) => c.name).sort()).toEqual([
      'Admins',
      'Phones',
    ]);
  });

  it('only admins with manage_integrations create household channels', async () => {
    await expect(
      as('Bob', () =>
        Channels.create(system, { scope: 'household', kind: 'ntfy', name: 'x', url: `${out.url}/ntfy/x` }),
      ),
    ).rejects.toMatchObject({ kind: 'forbidden' });
    const [admins] = (await as('Olivia', () => Channels.list(system))).filter((c) => c.name === 'Admins');
    await expect(
      as('Bob', () => Channels.remove(system, { id: admins?.id as string })),
    ).rejects.toMatchObject({
      kind: 'forbidden',
    });
  });

  it('retries a channel that answered 503 (queue retry) and records a refusal without retrying', async () => {
    // arrange
    const flaky = await as('Bob', () =>
      Channels.create(system, {
        kind: 'webhook',
        name: 'Flaky',
        url: `${out.url}/flaky`,
        events: ['download.finished'],
      }),
    );
    await as('Bob', () =>
      Channels.create(system, {
        kind: 'webhook',
        name: 'Gone',
        url: `${out.url}/gone`,
        events: ['download.finished'],
      }),
    );
    // act
    await notify(system, {
      householdId: hh,
      event: 'download.finished',
      recipients: [users.Bob as string],
      title: 'Download finished',
      body: 'Big Buck Bunny is in your library.',
    });
    const firstRound = await drain();
    (system.clock as FakeClock).advance(10 * 60 * 1000);
    const secondRound = await drain();
    // assert
    expect(firstRound).toBe(1);
    expect(secondRound).toBe(0);
    expect(out.calls.filter((c) => c.path === '/flaky')).toHaveLength(2);
    expect(out.calls.filter((c) => c.path === '/gone')).toHaveLength(1);
    const mine = await as('Bob', () => Channels.list(system));
    expect(mine.find((c) => c.id === flaky.id)?.lastDelivery).toMatchObject({ ok: true, status: 200 });
    expect(mine.find((c) => c.name === 'Gone')?.lastDelivery).toMatchObject({ ok: false, status: 404 });
  });

  it('encodes a non-ASCII ntfy title (RFC 2047) so the header can be sent', async () => {
    await as('Alice', () =>
      Channels.create(system, {
        kind: 'ntfy',
        name: 'Mine',
        url: `${out.url}/ntfy/alice`,
        events: ['request.available'],
      }),
    );
    await notify(system, {
      householdId: hh,
      event: 'request.available',
      recipients: [users.Alice as string],
      title: 'Now available: Amélie (2001)',
      body: 'Amélie is now available to watch.',
    });
    expect(await drain()).toBe(0);
    const call = out.calls.find((c) => c.path === '/ntfy/alice');
    const title = call?.headers.title as string;
    expect(title).toMatch(/^=\?UTF-8\?B\?/);
    expect(Buffer.from(title.slice(10, -2), 'base64').toString('utf8')).toBe('Now available: Amélie (2001)');
    expect(call?.headers.tags).toBe('white_check_mark,tv');
  });
});

describe('"Send test"', () => {
  it('reports a channel that does not answer in time as a timeout, through the same send path', async () => {
    // arrange: a receiver that takes the request and never answers
    const silent = await startReceiver(() => new Promise(() => {}));
    try {
      const channel = await as('Alice', () =>
        Channels.create(system, { kind: 'ntfy', name: 'Silent', url: `${silent.url}/topic` }),
      );
      const deps = { ...system, http: httpOf(system), deliveryTimeoutMs: 300 };
      // act
      const out = await as('Alice', () => sendTest(deps, { id: channel.id }));
      // assert
      expect(silent.calls).toHaveLength(1);
      expect(silent.calls[0]?.headers.tags).toBe('test_tube');
      expect(out).toMatchObject({
        ok: false,
        code: 'http.timeout',
        message: `Not delivered: Timed out after 0.3 s waiting for 127.0.0.1`,
        channel: { lastDelivery: { ok: false, error: 'Timed out after 0.3 s waiting for 127.0.0.1' } },
      });
      // Bob may not test Alice's channel: it does not exist for him.
      await expect(as('Bob', () => sendTest(deps, { id: channel.id }))).rejects.toMatchObject({
        code: 'notification.channel_not_found',
      });
    } finally {
      await silent.close();
    }
  });
});

describe('inbox and preferences', () => {
  it('respects per-event preferences for the inbox and the member’s own channels', async () => {
    // arrange
    await as('Bob', () =>
      Preferences.update(system, { events: { 'service.up': { inApp: false, outbound: false } } }),
    );
    await as('Bob', () =>
      Channels.create(system, {
        kind: 'webhook',
        name: 'Bob up',
        url: `${out.url}/bob-up`,
        events: ['service.up'],
      }),
    );
    const bobBefore = (await as('Bob', () => Inbox.list(system, {}))).notifications.length;
    // act
    await notify(system, {
      householdId: hh,
      event: 'service.up',
      recipients: 'members',
      title: 'Plex is back',
      body: 'Plex Media Server answers again.',
    });
    await drain();
    // assert
    expect((await as('Bob', () => Inbox.list(system, {}))).notifications).toHaveLength(bobBefore);
    expect(out.calls.some((c) => c.path === '/bob-up')).toBe(false);
    expect((await as('Alice', () => Inbox.list(system, {}))).notifications[0]?.title).toBe('Plex is back');
    expect((await as('Bob', () => Preferences.get(system)))['service.up']).toEqual({
      inApp: false,
      outbound: false,
    });
    expect((await as('Bob', () => Preferences.get(system)))['service.down']).toEqual({
      inApp: true,
      outbound: true,
    });
  });

  it('keeps the unread count with every change and pushes it live', async () => {
    // arrange
    const before = await as('Alice', () => Inbox.list(system, {}));
    expect(before.unread).toBe(before.notifications.length);
    const [newest, second] = before.notifications;
    // act
    const afterOne = await as('Alice', () => Inbox.markRead(system, { id: newest?.id as string }));
    const again = await as('Alice', () => Inbox.markRead(system, { id: newest?.id as string }));
    const unreadOnly = await as('Alice', () => Inbox.list(system, { unreadOnly: true }));
    const afterAll = await as('Alice', () => Inbox.markAllRead(system));
    // assert
    expect(afterOne.unread).toBe(before.unread - 1);
    expect(again.unread).toBe(before.unread - 1);
    expect(unreadOnly.notifications.map((n) => n.id)).not.toContain(newest?.id);
    expect(unreadOnly.notifications.map((n) => n.id)).toContain(second?.id);
    expect(afterAll.unread).toBe(0);
    expect(seen.Alice?.at(-1)).toEqual({ type: 'notification.unread', data: { count: 0 } });
    await expect(as('Bob', () => Inbox.markRead(system, { id: newest?.id as string }))).rejects.toMatchObject(
      { kind: 'not_found' },
    );
  });

  it('"notify me too": follow, check and unfollow a title', async () => {
    await as('Bob', () => Follow.follow(system, { mediaType: 'movie', tmdbId: 603, title: 'The Matrix' }));
    expect(await as('Bob', () => Follow.isFollowing(system, { mediaType: 'movie', tmdbId: 603 }))).toBe(true);
    expect((await Follow.followersOf(system, hh, 'movie', 603)).map((f) => f.userId)).toEqual([users.Bob]);
    await as('Bob', () => Follow.unfollow(system, { mediaType: 'movie', tmdbId: 603 }));
    expect(await Follow.followersOf(system, hh, 'movie', 603)).toEqual([]);
  });
});

describe('service alerts', () => {
  it('turns a status alert into service.down for members, and a hidden monitor alerts admins only', async () => {
    // arrange
    const detach = attachStatusAlerts(system);
    const base = {
      householdId: hh,
      kind: 'monitor' as const,
      event: 'down' as const,
      from: 'up' as const,
      to: 'down' as const,
      reason: 'Connection refused',
      at: system.clock.now(),
    };
    try {
      // act
      await emitAlerts(system, [
        { ...base, service: 'kuma:1', name: 'Sonarr', visible: true },
        { ...base, service: 'kuma:2', name: 'Router', visible: false },
      ]);
    } finally {
      detach();
    }
    // assert
    const bob = (await as('Bob', () => Inbox.list(system, {}))).notifications.map((n) => n.title);
    const olivia = (await as('Olivia', () => Inbox.list(system, {}))).notifications.map((n) => n.title);
    expect(bob).toContain('Sonarr is down');
    expect(bob).not.toContain('Router is down');
    expect(olivia).toEqual(expect.arrayContaining(['Sonarr is down', 'Router is down']));
    expect((await as('Bob', () => Inbox.list(system, {}))).notifications[0]?.body).toBe(
      'Sonarr stopped working: Connection refused',
    );
  });
});

describe('expiry', () => {
  it('"mark all read" brings the badge back to zero when unread notifications expired', async () => {
    // arrange: an unread notification that then expires (TTL 90 days)
    await notify(system, {
      householdId: hh,
      event: 'request.failed',
      recipients: [users.Alice as string],
      title: 'Failed: Something',
      body: 'It failed.',
    });
    expect((await as('Alice', () => Inbox.list(system, {}))).unread).toBeGreaterThan(0);
    (system.clock as FakeClock).advance(91 * 24 * 60 * 60 * 1000);
    const stale = await as('Alice', () => Inbox.list(system, {}));
    // act
    const settled = await as('Alice', () => Inbox.markAllRead(system));
    // assert
    expect(stale.notifications).toHaveLength(0);
    expect(stale.unread).toBeGreaterThan(0);
    expect(settled.unread).toBe(0);
    expect(seen.Alice?.at(-1)).toEqual({ type: 'notification.unread', data: { count: 0 } });
  });
});
