import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CatalogMovie,
  type CatalogTv,
  Permission,
  type RunningOverseerr,
  startOverseerr,
} from '@medianest/simulators/overseerr/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withActor } from '../actor/context.ts';
import { STORES, type TestDeps } from '../actor/testing.ts';
import { createHttp, type OutboundHttp } from '../adapter/http/index.ts';
import { SqliteQueue } from '../adapter/queue/sqlite.ts';
import { openSqlite } from '../adapter/sqlite/db.ts';
import { AppError, statusOf } from '../error/index.ts';
import { keys as householdKeys } from '../household/keys.ts';
import { createOverseerrClient } from '../integration/client/overseerr.ts';
import * as Integration from '../integration/integration.ts';
import * as Follow from '../notification/follow.ts';
import * as Inbox from '../notification/inbox.ts';
import * as Quota from '../quota/quota.ts';
import { type AvailabilityCheck, integrationOverseerr, type RequestDeps } from './deps.ts';
import * as Discover from './discover.ts';
import { type Receiver, recordingRealtime, seedHousehold, startReceiver } from './fixtures.ts';
import { NoOverseerrAccountError } from './overseerr-user.ts';
import * as Request from './request.ts';
import {
  handleOverseerrWebhook,
  rotateWebhookSecret,
  type WebhookResult,
  webhookSettings,
} from './webhook.ts';

const KEY = 'overseerr-key-requests-0123456789';

const MEMBERS = [
  { name: 'Olivia', plexId: 101, role: 'owner' as const },
  { name: 'Alice', plexId: 102, role: 'member' as const, overrides: { request_4k: true } },
  { name: 'Bob', plexId: 103, role: 'member' as const },
  { name: 'Dave', plexId: 105, role: 'member' as const },
  { name: 'Erin', plexId: 106, role: 'member' as const },
  { name: 'Frank', plexId: 107, role: 'member' as const, token: 'frank-plex-token' },
  { name: 'Gina', plexId: 108, role: 'member' as const },
];

const OVERSEERR_USERS = [
  { id: 1, plexId: 101, email: 'olivia@example.com', plexUsername: 'olivia', permissions: Permission.ADMIN },
  {
    id: 5,
    plexId: 102,
    email: 'alice@example.com',
    plexUsername: 'alice',
    permissions: Permission.REQUEST | Permission.REQUEST_4K,
  },
  { id: 6, plexId: 103, email: 'bob@example.com', plexUsername: 'bob', permissions: Permission.REQUEST },
  { id: 8, plexId: 106, email: 'erin@example.com', plexUsername: 'erin', permissions: Permission.VOTE },
  {
    id: 9,
    plexId: 108,
    email: 'gina@example.com',
    plexUsername: 'gina',
    permissions: Permission.REQUEST,
    movieQuotaLimit: 1,
    movieQuotaDays: 7,
  },
];

describe.each(STORES)('requests on $name', ({ open, skip }) => {
  let deps: TestDeps & RequestDeps;
  let sim: RunningOverseerr;
  let hook: Receiver;
  let net: OutboundHttp;
  let hh: string;
  let users: Record<string, string>;
  let authorization: string;
  let queueDir: string;
  const hooks: WebhookResult[] = [];
  const live = recordingRealtime();
  let aliceSeen: { type: string; data: unknown }[];
  let bobSeen: { type: string; data: unknown }[];
  let oliviaSeen: { type: string; data: unknown }[];
  const checkedAvailability: string[] = [];
  const availableInLibrary = new Set<number>();

  const as = <T>(name: string, f: () => Promise<T>) =>
    withActor({ type: 'user', userId: users[name] as string, householdId: hh }, f);

  beforeAll(async () => {
    if (skip) return;
    const base = await open();
    queueDir = mkdtempSync(join(tmpdir(), 'mn-req-queue-'));
    net = createHttp({
      mode: 'selfhosted',
      allowPrivate: true,
      retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 5 },
    });
    const availability: AvailabilityCheck = async (householdId, userId, titles) =>
      titles.map((q) => {
        checkedAvailability.push(`${householdId}:${userId}:${q.mediaType}:${q.tmdbId}`);
        return availableInLibrary.has(q.tmdbId) ? 'available' : 'none';
      });
    deps = Object.assign(base, {
      http: net,
      realtime: live.realtime,
      queue: new SqliteQueue(openSqlite(join(queueDir, 'q.db')), { clock: base.clock }),
      overseerr: integrationOverseerr(base),
      availability,
    });
    ({ householdId: hh, users } = await seedHousehold(deps, MEMBERS));
    authorization = (
      await as('Olivia', () => webhookSettings({ ...deps, publicUrl: 'https://medianest.example.com/' }))
    ).authorization;
    hook = await startReceiver(async (call) => {
      try {
        const out = await handleOverseerrWebhook(deps, hh, {
          authorization: call.headers.authorization as string | undefined,
          body: call.body,
        });
        hooks.push(out);
        return { status: 200, body: JSON.stringify(out) };
      } catch (err) {
        if (err instanceof AppError)
          return { status: statusOf[err.kind], body: JSON.stringify({ code: err.code }) };
        throw err;
      }
    });
    sim = await startOverseerr({
      apiKey: KEY,
      users: OVERSEERR_USERS,
      webhook: { url: `${hook.url}/api/v1/webhooks/overseerr/${hh}`, authHeader: authorization },
      plexAuth: (token) =>
        token === 'frank-plex-token'
          ? { id: 107, email: 'frank@example.com', username: 'frank', hasServerAccess: true }
          : undefined,
    });
    // The household's Overseerr comes from the integration settings, as in production.
    await as('Olivia', () => Integration.save(deps, { kind: 'overseerr', url: sim.url, apiKey: KEY }));
    aliceSeen = live.watch(users.Alice as string, hh);
    bobSeen = live.watch(users.Bob as string, hh);
    oliviaSeen = live.watch(users.Olivia as string, hh);
    await as('Olivia', () => Quota.setSettings(deps, { member: { week: 10 } }));
  });

  afterAll(async () => {
    if (skip) return;
    await sim?.close();
    await hook?.close();
    net?.close();
    await deps?.close();
    rmSync(queueDir, { recursive: true, force: true });
  });

  const movie = (i: number) => sim.catalog.movies[i] as CatalogMovie;
  const show = (i: number) => sim.catalog.tv[i] as CatalogTv;
  const inbox = (name: string) => as(name, () => Inbox.list(deps, {}));
  const mine = (name: string) => as(name, () => Request.listMine(deps, {}));
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('expected a failure');
      },
      (e: unknown) => e as AppError,
    );

  describe.skipIf(skip)('flow', () => {
    it('searches with badges from the availability index and from requests', async () => {
      // arrange
      availableInLibrary.add(movie(1).tmdbId);
      // act
      const page = await as('Alice', () => Discover.search(deps, { query: movie(1).title }));
      // assert
      const hit = page.results.find((r) => r.tmdbId === movie(1).tmdbId);
      expect(hit?.badge.kind).toBe('available');
      expect(hit?.posterUrl).toMatch(/^https:\/\/image\.tmdb\.org\/t\/p\/w342\//);
      expect(checkedAvailability).toContain(`${hh}:${users.Alice}:movie:${movie(1).tmdbId}`);
      const other = page.results.find((r) => r.tmdbId !== movie(1).tmdbId);
      if (other) expect(other.badge.kind).toBe('not_available');
    });

    it('requests a movie AS the member (X-Api-User) and tells the admins', async () => {
      // act
      const r = await as('Alice', () =>
        Request.create(deps, { mediaType: 'movie', tmdbId: movie(0).tmdbId }),
      );
      // assert
      expect(r).toMatchObject({ status: 'pending', title: movie(0).title, requestedBy: users.Alice });
      expect(r.timeline.map((t) => t.status)).toEqual(['pending']);
      const post = sim.requestLog().find((e) => e.method === 'POST' && e.path === '/api/v1/request');
      expect(post).toMatchObject({ apiUser: '5', userId: 5, status: 201 });
      const [osRequest] = sim.requests().filter((x) => x.id === r.overseerrRequestId);
      expect((osRequest as { requestedBy: { id: number } }).requestedBy.id).toBe(5);
      const membership = await deps.table.get(householdKeys.member(hh, users.Alice as string));
      expect(membership?.overseerr).toMatchObject({ userId: 5 });
      const olivia = await inbox('Olivia');
      expect(olivia.notifications.map((n) => n.event)).toEqual(['request.new']);
      expect(olivia.notifications[0]?.body).toBe(
        `Alice requested ${movie(0).title} (${movie(0).releaseDate.slice(0, 4)}).`,
      );
      const page = await as('Bob', () => Discover.search(deps, { query: movie(0).title }));
      expect(page.results.find((x) => x.tmdbId === movie(0).tmdbId)?.badge).toEqual({
        kind: 'requested',
        requestedBy: ['Alice'],
        myRequestId: null,
      });
    });

    it('explains a duplicate (409) with who requested it, and gives the quota back', async () => {
      // act
      const e = await failure(
        as('Bob', () => Request.create(deps, { mediaType: 'movie', tmdbId: movie(0).tmdbId })),
      );
      // assert
      expect(e).toBeInstanceOf(Request.DuplicateRequestError);
      expect(e.message).toContain('already requested by Alice');
      expect(e.details).toMatchObject({ requestedBy: ['Alice'], mine: false, canFollow: true });
      expect((await as('Bob', () => Quota.usage(deps, {})))[0]?.used).toBe(0);
    });

    it("surfaces Overseerr's own 403 in words and releases the quota", async () => {
      const e = await failure(
        as('Erin', () => Request.create(deps, { mediaType: 'movie', tmdbId: movie(2).tmdbId })),
      );
      expect(e).toBeInstanceOf(Request.OverseerrRefusedError);
      expect(e.kind).toBe('forbidden');
      expect(e.message).toMatch(/^Overseerr refused the request: /);
      expect((await as('Erin', () => Quota.usage(deps, {})))[0]?.used).toBe(0);
    });

    it('explains a member without an Overseerr account, and creates one through Plex sign-in when it can', async () => {
      const dave = await failure(
        as('Dave', () => Request.create(deps, { mediaType: 'movie', tmdbId: movie(3).tmdbId })),
      );
      expect(dave).toBeInstanceOf(NoOverseerrAccountError);
      expect(dave.message).toContain('Import Plex Users');
      const frank = await as('Frank', () =>
        Request.create(deps, { mediaType: 'movie', tmdbId: movie(3).tmdbId }),
      );
      expect(frank.status).toBe('pending');
      const created = sim.requestLog().find((e) => e.method === 'POST' && e.path === '/api/v1/auth/plex');
      expect(created?.status).toBe(200);
    });

    it('requests TV seasons; the same seasons again are "no seasons left" (202)', async () => {
      const r = await as('Alice', () =>
        Request.create(deps, { mediaType: 'tv', tmdbId: show(0).tmdbId, seasons: [1, 2] }),
      );
      expect(r).toMatchObject({ mediaType: 'tv', seasons: [1, 2], status: 'pending' });
      const os = sim.requests().find((x) => x.id === r.overseerrRequestId) as {
        seasons: { seasonNumber: number }[];
      };
      expect(os.seasons.map((s) => s.seasonNumber)).toEqual([1, 2]);
      const dialog = await as('Bob', () =>
        Discover.details(deps, { mediaType: 'tv', tmdbId: show(0).tmdbId }),
      );
      expect(dialog.badge).toMatchObject({ kind: 'requested', requestedBy: ['Alice'] });
      expect(dialog.seasons.length).toBe(show(0).seasons.filter((x) => x.seasonNumber > 0).length);
      expect(dialog.seasons.filter((x) => !x.requestable).map((x) => x.seasonNumber)).toEqual([1, 2]);
      const e = await failure(
        as('Bob', () => Request.create(deps, { mediaType: 'tv', tmdbId: show(0).tmdbId, seasons: [2, 1] })),
      );
      expect(e).toMatchObject({ code: 'request.overseerr_no_seasons_left', kind: 'conflict' });
      await expect(
        as('Bob', () => Request.create(deps, { mediaType: 'movie', tmdbId: movie(5).tmdbId, is4k: true })),
      ).rejects.toMatchObject({
        kind: 'forbidden',
        message: 'You need the request_4k permission to request 4K',
      });
    });

    it('approves in Overseerr; the requester is told once although the webhook reports it too', async () => {
      // arrange
      const [tv] = (await mine('Alice')).requests.filter((r) => r.mediaType === 'tv');
      const before = (await inbox('Alice')).notifications.length;
      // act
      const approved = await as('Olivia', () => Request.approve(deps, { id: tv?.id as string }));
      await sim.flushWebhooks();
      // assert
      expect(approved.status).toBe('approved');
      expect(approved.decidedBy).toBe(users.Olivia);
      expect(sim.requests().find((x) => x.id === tv?.overseerrRequestId)).toMatchObject({ status: 2 });
      // Whichever lands first (the webhook or the portal's own update) makes the change; the other finds it made.
      const reported = hooks.filter((h) => h.notificationType === 'MEDIA_APPROVED' && h.requestId === tv?.id);
      expect(reported.map((h) => h.outcome)).toEqual([expect.stringMatching(/^(applied|unchanged)$/)]);
      const after = await inbox('Alice');
      expect(after.notifications.length - before).toBe(1);
      expect(after.notifications[0]).toMatchObject({
        event: 'request.approved',
        link: `/requests/${tv?.id}`,
      });
      expect(aliceSeen).toContainEqual({
        type: 'request.updated',
        data: { requestId: tv?.id, status: 'approved' },
      });
      expect(aliceSeen.some((m) => m.type === 'notification.unread')).toBe(true);
    });

    it('tells a follower and the requester when the webhook reports the title available', async () => {
      // arrange
      const [tv] = (await mine('Alice')).requests.filter((r) => r.mediaType === 'tv');
      await as('Bob', () => Follow.follow(deps, { mediaType: 'tv', tmdbId: show(0).tmdbId }));
      // act
      sim.markAvailable(show(0).tmdbId, 'tv');
      await sim.flushWebhooks();
      // assert
      const now = await as('Alice', () => Request.get(deps, { id: tv?.id as string }));
      expect(now.status).toBe('available');
      expect(now.timeline.map((t) => t.status)).toEqual(['pending', 'approved', 'available']);
      expect((await inbox('Alice')).notifications[0]).toMatchObject({ event: 'request.available' });
      const bob = await inbox('Bob');
      expect(bob.notifications.filter((n) => n.event === 'request.available')).toHaveLength(1);
      expect(bob.unread).toBe(1);
      expect(bobSeen).toContainEqual({ type: 'notification.unread', data: { count: 1 } });
      expect(
        await as('Bob', () => Follow.isFollowing(deps, { mediaType: 'tv', tmdbId: show(0).tmdbId })),
      ).toBe(false);
      // The admin's open queue hears of the change too (the id and the status, nothing more); a
      // plain member hears nothing of someone else's request, follower or not.
      const update = { type: 'request.updated', data: { requestId: tv?.id, status: 'available' } };
      expect(oliviaSeen).toContainEqual(update);
      expect(aliceSeen).toContainEqual(update);
      expect(
        bobSeen.filter(
          (m) => m.type === 'request.updated' && (m.data as { requestId?: string }).requestId === tv?.id,
        ),
      ).toEqual([]);
    });

    it('tells followers of a title requested directly in Overseerr, but not one who left', async () => {
      // arrange: the admin requests in Overseerr itself (no MediaNest record); Bob and Erin follow it
      const direct = createOverseerrClient({
        baseUrl: sim.url,
        apiKey: KEY,
        http: net,
        integrationKey: 'direct',
      });
      const made = await direct.createRequest({ mediaType: 'movie', mediaId: movie(12).tmdbId });
      expect(made.ok).toBe(true);
      await as('Bob', () => Follow.follow(deps, { mediaType: 'movie', tmdbId: movie(12).tmdbId }));
      await as('Erin', () => Follow.follow(deps, { mediaType: 'movie', tmdbId: movie(12).tmdbId }));
      await deps.table.update(householdKeys.member(hh, users.Erin as string), {
        set: { status: 'suspended' },
      });
      const bobBefore = (await inbox('Bob')).unread;
      // act
      sim.markAvailable(movie(12).tmdbId, 'movie');
      await sim.flushWebhooks();
      // assert
      const bob = await inbox('Bob');
      expect(bob.unread).toBe(bobBefore + 1);
      expect(bob.notifications[0]?.title).toBe(
        `Now available: ${movie(12).title} (${movie(12).releaseDate.slice(0, 4)})`,
      );
      await deps.table.update(householdKeys.member(hh, users.Erin as string), { set: { status: 'active' } });
      expect((await inbox('Erin')).notifications).toHaveLength(0);
      expect(await Follow.followersOf(deps, hh, 'movie', movie(12).tmdbId)).toEqual([]);
    });

    it('the same webhook delivered twice changes the state once and notifies once', async () => {
      // arrange: replay the MEDIA_AVAILABLE delivery byte for byte
      const delivery = sim
        .webhookDeliveries()
        .findLast(
          (d) =>
            d.notificationType === 'MEDIA_AVAILABLE' &&
            (d.body.media as { tmdbId: string }).tmdbId === String(show(0).tmdbId),
        );
      const aliceBefore = await inbox('Alice');
      const bobBefore = await inbox('Bob');
      // act
      const res = await fetch(delivery?.url as string, {
        method: 'POST',
        headers: delivery?.headers as Record<string, string>,
        body: JSON.stringify(delivery?.body),
      });
      // assert
      expect(res.status).toBe(200);
      expect(((await res.json()) as WebhookResult).outcome).toBe('duplicate');
      expect((await inbox('Alice')).notifications).toHaveLength(aliceBefore.notifications.length);
      expect((await inbox('Bob')).unread).toBe(bobBefore.unread);
    });

    it('refuses a webhook with a wrong or missing Authorization (401) and changes nothing', async () => {
      // arrange: a MEDIA_DECLINED for Alice's pending movie request
      const [film] = (await mine('Alice')).requests.filter((r) => r.mediaType === 'movie');
      const template = sim.webhookDeliveries().find((d) => d.notificationType === 'MEDIA_PENDING');
      const body = {
        ...(template?.body as Record<string, unknown>),
        notification_type: 'MEDIA_DECLINED',
        request: { request_id: String(film?.overseerrRequestId) },
      };
      const url = `${hook.url}/api/v1/webhooks/overseerr/${hh}`;
      const before = await inbox('Alice');
      // act
      const wrong = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `${authorization}x` },
        body: JSON.stringify(body),
      });
      const missing = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      // assert
      expect(wrong.status).toBe(401);
      expect(missing.status).toBe(401);
      expect((await as('Alice', () => Request.get(deps, { id: film?.id as string }))).status).toBe('pending');
      expect((await inbox('Alice')).notifications).toHaveLength(before.notifications.length);
    });

    it('declines with a reason the requester reads, and gives the quota back', async () => {
      const [film] = (await mine('Alice')).requests.filter((r) => r.mediaType === 'movie');
      const used = (await as('Alice', () => Quota.usage(deps, {})))[0]?.used ?? 0;
      const declined = await as('Olivia', () =>
        Request.decline(deps, { id: film?.id as string, reason: 'We already have it in 4K' }),
      );
      await sim.flushWebhooks();
      expect(declined).toMatchObject({ status: 'declined', reason: 'We already have it in 4K' });
      const n = (await inbox('Alice')).notifications.filter((x) => x.event === 'request.declined');
      expect(n).toHaveLength(1);
      expect(n[0]?.body).toContain('declined: We already have it in 4K');
      expect((await as('Alice', () => Quota.usage(deps, {})))[0]?.used).toBe(used - 1);
      await expect(as('Bob', () => Request.approve(deps, { id: film?.id as string }))).rejects.toMatchObject({
        kind: 'forbidden',
      });
    });

    it('cancels a pending request as the requester (DELETE with X-Api-User)', async () => {
      const r = await as('Alice', () =>
        Request.create(deps, { mediaType: 'movie', tmdbId: movie(6).tmdbId }),
      );
      const cancelled = await as('Alice', () => Request.cancel(deps, { id: r.id }));
      expect(cancelled.status).toBe('cancelled');
      expect(sim.requests().some((x) => x.id === r.overseerrRequestId)).toBe(false);
      expect(sim.requestLog().find((e) => e.method === 'DELETE')).toMatchObject({
        apiUser: '5',
        status: 204,
      });
      await expect(as('Alice', () => Request.cancel(deps, { id: r.id }))).rejects.toMatchObject({
        code: 'request.not_pending',
      });
      await expect(as('Bob', () => Request.get(deps, { id: r.id }))).rejects.toMatchObject({
        kind: 'not_found',
      });
    });

    it("surfaces Overseerr's own quota refusal (403) in words", async () => {
      await as('Gina', () => Request.create(deps, { mediaType: 'movie', tmdbId: movie(8).tmdbId }));
      const e = await failure(
        as('Gina', () => Request.create(deps, { mediaType: 'movie', tmdbId: movie(9).tmdbId })),
      );
      expect(e).toMatchObject({ code: 'request.overseerr_quota_exceeded', kind: 'forbidden' });
      expect(e.message).toBe(
        'Overseerr refused: your Overseerr request limit is used up (Movie Quota exceeded.)',
      );
      expect((await as('Gina', () => Quota.usage(deps, {})))[0]?.used).toBe(1);
    });

    it('two concurrent deliveries of one webhook change the state once and notify once', async () => {
      // arrange: Frank's pending request, approved in Overseerr's words
      const [frank] = (await mine('Frank')).requests;
      const template = sim.webhookDeliveries().find((d) => d.notificationType === 'MEDIA_PENDING');
      const body = JSON.stringify({
        ...(template?.body as Record<string, unknown>),
        notification_type: 'MEDIA_APPROVED',
        request: { request_id: String(frank?.overseerrRequestId) },
      });
      // act
      const outcomes = await Promise.all(
        [1, 2].map(() => handleOverseerrWebhook(deps, hh, { authorization, body })),
      );
      // assert
      expect(outcomes.map((o) => o.outcome).sort()).toEqual(['applied', 'duplicate']);
      const n = (await inbox('Frank')).notifications.filter((x) => x.event === 'request.approved');
      expect(n).toHaveLength(1);
      expect(
        (await as('Frank', () => Request.get(deps, { id: frank?.id as string }))).timeline.map((t) => t.by),
      ).toEqual([users.Frank, 'overseerr']);
    });

    it('records a failure Overseerr reports and tells the requester', async () => {
      const [frank] = (await mine('Frank')).requests;
      sim.setRequestStatus(frank?.overseerrRequestId as number, 'failed');
      await sim.flushWebhooks();
      expect((await as('Frank', () => Request.get(deps, { id: frank?.id as string }))).status).toBe('failed');
      expect((await inbox('Frank')).notifications[0]).toMatchObject({ event: 'request.failed' });
    });

    it('gives admins the webhook URL and header; a test notification is recorded; a bad body is 400', async () => {
      const settings = await as('Olivia', () =>
        webhookSettings({ ...deps, publicUrl: 'https://medianest.example.com/' }),
      );
      expect(settings.url).toBe(`https://medianest.example.com/api/v1/webhooks/overseerr/${hh}`);
      expect(settings.authorization).toBe(authorization);
      expect(settings.authorization).toMatch(/^Bearer mnwh_[A-Za-z0-9_-]{43}$/);
      await expect(
        as('Alice', () => webhookSettings({ ...deps, publicUrl: 'https://medianest.example.com' })),
      ).rejects.toMatchObject({ kind: 'forbidden' });
      const test = await handleOverseerrWebhook(deps, hh, {
        authorization,
        body: JSON.stringify({
          notification_type: 'TEST_NOTIFICATION',
          subject: 'Test Notification',
          media: null,
          request: null,
        }),
      });
      expect(test.outcome).toBe('test');
      const after = await as('Olivia', () =>
        webhookSettings({ ...deps, publicUrl: 'https://medianest.example.com' }),
      );
      expect(after.lastTestAt).toBe(deps.clock.now());
      expect(settings.lastReceivedAt).not.toBeNull();
      await expect(
        handleOverseerrWebhook(deps, hh, { authorization, body: 'not json' }),
      ).rejects.toMatchObject({
        kind: 'invalid',
      });
      await expect(
        handleOverseerrWebhook(deps, 'hh_not-a-household', { authorization, body: '{}' }),
      ).rejects.toMatchObject({ kind: 'unauthorized' });
    });

    it('catches up by refreshing from Overseerr when webhooks stop arriving (rotated header: the old one is refused)', async () => {
      // arrange: rotating the header makes the simulator's configured one stale → its webhooks get 401
      const rotated = await as('Olivia', () =>
        rotateWebhookSecret({ ...deps, publicUrl: 'https://medianest.example.com' }),
      );
      expect(rotated.authorization).not.toBe(authorization);
      const [gina] = (await mine('Gina')).requests;
      const refused = hooks.length;
      // act
      sim.setRequestStatus(gina?.overseerrRequestId as number, 'approved');
      await sim.flushWebhooks();
      const stale = await as('Gina', () => Request.get(deps, { id: gina?.id as string }));
      const fresh = await as('Gina', () => Request.refresh(deps, { id: gina?.id as string }));
      // assert
      expect(sim.webhookDeliveries().at(-1)).toMatchObject({
        notificationType: 'MEDIA_APPROVED',
        status: 401,
      });
      expect(hooks).toHaveLength(refused);
      expect(stale.status).toBe('pending');
      expect(fresh.status).toBe('processing');
      // approved and already downloading: the member hears "approved" once
      expect((await inbox('Gina')).notifications.map((n) => n.event)).toEqual(['request.approved']);
      expect((await as('Gina', () => Request.refresh(deps, { id: gina?.id as string }))).status).toBe(
        'processing',
      );
      expect((await inbox('Gina')).notifications).toHaveLength(1);
    });

    it('lists mine and all with filters and paging', async () => {
      const all = await as('Olivia', () => Request.listAll(deps, {}));
      expect(all.requests.length).toBeGreaterThanOrEqual(4);
      const tv = await as('Olivia', () => Request.listAll(deps, { mediaType: 'tv' }));
      expect(tv.requests.map((r) => r.status)).toEqual(['available']);
      const byFrank = await as('Olivia', () => Request.listAll(deps, { requestedBy: users.Frank }));
      expect(byFrank.requests.map((r) => [r.requestedBy, r.status])).toEqual([[users.Frank, 'failed']]);
      const p1 = await as('Alice', () => Request.listMine(deps, { limit: 2 }));
      expect(p1.requests).toHaveLength(2);
      const p2 = await as('Alice', () => Request.listMine(deps, { limit: 2, cursor: p1.cursor }));
      expect([...p1.requests, ...p2.requests].map((r) => r.id)).toEqual(
        (await mine('Alice')).requests.map((r) => r.id),
      );
      const declined = await as('Alice', () => Request.listMine(deps, { status: ['declined', 'cancelled'] }));
      expect(declined.requests.map((r) => r.status).sort()).toEqual(['cancelled', 'declined']);
      await expect(as('Alice', () => Request.listAll(deps, {}))).rejects.toMatchObject({ kind: 'forbidden' });
    });

    it('quota race: 20 concurrent requests from one member with 5 left create exactly 5', async () => {
      // arrange: Bob has used none of 5
      await as('Olivia', () =>
        Quota.setSettings(deps, { member: { week: 10 }, overrides: { [users.Bob as string]: { week: 5 } } }),
      );
      const before = sim.requests().filter((x) => (x.requestedBy as { id: number }).id === 6).length;
      // act
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          as('Bob', () => Request.create(deps, { mediaType: 'movie', tmdbId: movie(20 + i).tmdbId })),
        ),
      );
      // assert
      const ok = results.filter((r) => r.status === 'fulfilled');
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
      expect(ok).toHaveLength(5);
      for (const e of refused) expect(e).toBeInstanceOf(Quota.QuotaExceededError);
      expect(sim.requests().filter((x) => (x.requestedBy as { id: number }).id === 6).length - before).toBe(
        5,
      );
      expect((await mine('Bob')).requests).toHaveLength(5);
      expect((await as('Bob', () => Quota.usage(deps, {})))[0]).toMatchObject({
        used: 5,
        limit: 5,
        remaining: 0,
      });
    });
  });
});
