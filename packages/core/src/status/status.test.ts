import { type RunningOverseerr, startOverseerr } from '@medianest/simulators/overseerr/index';
import { type RunningPlexServer, startPlexServer } from '@medianest/simulators/plex-server/index';
import { type RunningUptimeKuma, startUptimeKuma } from '@medianest/simulators/uptime-kuma/index';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { STORES, type TestDeps } from '../actor/testing.ts';
import type { OutboundHttp } from '../adapter/http/http.ts';
import { LocalRealtime } from '../adapter/realtime/local.ts';
import { AppError } from '../error/index.ts';
import * as Integration from '../integration/integration.ts';
import { type SeededHousehold, seedHousehold, simulatorHttp } from '../integration/testing.ts';
import { onStatusAlert, type StatusAlert } from './alerts.ts';
import type { Card } from './card.ts';
import { checkHousehold, type StatusDeps } from './check.ts';
import { DashboardSchema, dashboard, nowPlaying, recentlyAdded, serviceHistory } from './dashboard.ts';

const API_KEY = 'overseerr-api-key-status-0000abcd';
const OWNER_TOKEN = 'plex-owner-token-status-secret';
const MACHINE = 'b4f9e1c07b5d4e2f8a6c1b9d0e7f3a5c4b2d8e6f';

let plex: RunningPlexServer;
let overseerr: RunningOverseerr;
let kuma: RunningUptimeKuma;
let deps: TestDeps & StatusDeps & Integration.IntegrationDeps;
let http: OutboundHttp;
let realtime: LocalRealtime;
let hh: SeededHousehold;
let messages: { type: string; data: unknown }[];

beforeAll(async () => {
  [plex, overseerr, kuma] = await Promise.all([
    startPlexServer({
      machineIdentifier: MACHINE,
      tokens: [OWNER_TOKEN],
      sections: [{ key: '1', title: 'Movies', type: 'movie', count: 5, path: '/m' }],
    }),
    startOverseerr({ apiKey: API_KEY }),
    startUptimeKuma({
      monitors: [
        { id: 1, name: 'Sonarr', status: 'UP', ping: 20 },
        { id: 2, name: 'Radarr', status: 'UP', ping: 25 },
        { id: 3, name: 'Router', status: 'UP', ping: 2 },
      ],
      statusPages: [{ slug: 'home', title: 'Home', monitorIds: [1, 2, 3] }],
      beatIntervalMs: 0,
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([plex.close(), overseerr.close(), kuma.close()]);
});

describe.each(STORES)('on $name', ({ open, skip }) => {
  let opened = false;
  beforeEach(async (context) => {
    if (skip) context.skip();
    opened = true;
    if (!plex.running) await plex.start();
    for (const s of [plex, overseerr, kuma]) s.faults.clear();
    for (const id of [1, 2, 3])
      if (kuma.monitors().find((m) => m.id === id)?.status !== 1) kuma.setStatus(id, 'UP');
    kuma.clearCache();
    plex.setSessions([]);
    http = simulatorHttp([plex.url, overseerr.url, kuma.url], {
      // Fault tests need every check to really try: no breaker opening between them.
      breaker: { threshold: 1000 },
    });
    realtime = new LocalRealtime();
    deps = Object.assign(await open(), {
      http,
      realtime,
      checkTimeoutMs: 1500,
      slowMs: 700,
      testTimeoutMs: 1500,
    });
    hh = await seedHousehold(deps, {
      ownerToken: OWNER_TOKEN,
      servers: [{ machineIdentifier: MACHINE, name: 'Living room' }],
    });
    messages = [];
    realtime.connect(
      { id: 'viewer', send: (d) => messages.push(JSON.parse(d) as { type: string; data: unknown }) },
      { userId: hh.ownerId, householdId: hh.householdId },
    );
    await hh.as(hh.ownerId, async () => {
      await Integration.save(deps, { kind: 'plex', machineIdentifier: MACHINE, url: plex.url });
      await Integration.save(deps, { kind: 'overseerr', url: overseerr.url, apiKey: API_KEY });
      await Integration.save(deps, { kind: 'uptime_kuma', url: kuma.url, slug: 'home' });
    });
  });
  afterEach(async () => {
    if (!opened) return;
    opened = false;
    http.close();
    await deps.close();
  });

  const byService = (cards: readonly Card[]) => Object.fromEntries(cards.map((c) => [c.service, c]));
  const changedMessages = () =>
    messages
      .filter((m) => m.type === 'status.changed')
      .map((m) => m.data as { cards: Card[]; removed: string[] });

  describe('checkHousehold against the simulators', () => {
    it('reports every service up, then publishes only what changed: a Kuma flip and a stopped Plex', async () => {
      // act 1: first check
      const first = await checkHousehold(deps, hh.householdId);
      const cards = byService(first.cards);
      expect(Object.keys(cards).sort()).toEqual(
        ['monitor:1', 'monitor:2', 'monitor:3', 'overseerr', `plex:${MACHINE}`, 'uptime_kuma'].sort(),
      );
      for (const c of first.cards) expect(c.status, c.service).toBe('up');
      expect(cards[`plex:${MACHINE}`]?.details).toMatchObject({ version: plex.version, activeStreams: 0 });
      expect(cards.overseerr?.details.pendingRequests).toBe(0);
      expect(cards['monitor:1']?.details.kumaUptime24h).toBeTypeOf('number');
      expect(changedMessages()).toHaveLength(1);

      // act 2: nothing changed at the services: nothing is published
      await checkHousehold(deps, hh.householdId);
      expect(changedMessages()).toHaveLength(1);

      // act 3: a monitor goes down in Kuma
      deps.clock.advance(30_000);
      kuma.setStatus(2, 'DOWN', 'Connection refused');
      const flipped = await checkHousehold(deps, hh.householdId);
      expect(flipped.changed.map((c) => c.service)).toEqual(['monitor:2']);
      expect(changedMessages().at(-1)?.cards).toMatchObject([{ service: 'monitor:2', status: 'down' }]);
      expect(messages.filter((m) => m.type === 'status.alert').at(-1)?.data).toMatchObject({
        service: 'monitor:2',
        event: 'down',
      });

      // act 4: Plex stops
      deps.clock.advance(30_000);
      await plex.stop();
      const stopped = await checkHousehold(deps, hh.householdId);
      const plexCard = byService(stopped.cards)[`plex:${MACHINE}`];
      expect(plexCard).toMatchObject({ status: 'down', code: 'http.connection_refused' });
      expect(plexCard?.reason).toContain('refused the connection');
      expect(
        changedMessages()
          .at(-1)
          ?.cards.map((c) => c.service),
      ).toEqual([`plex:${MACHINE}`]);

      // act 5: Plex is back: up again, with an "up" alert
      await plex.start();
      deps.clock.advance(30_000);
      const back = await checkHousehold(deps, hh.householdId);
      expect(byService(back.cards)[`plex:${MACHINE}`]?.status).toBe('up');
      expect(back.alerts).toMatchObject([{ service: `plex:${MACHINE}`, event: 'up', from: 'down' }]);
    });

    it('keeps a stopped Plex down (one alert) while the circuit breaker short-circuits the checks', async () => {
      // arrange: the production breaker (5 consecutive failures) instead of the suite's lenient one
      const strict = simulatorHttp([plex.url, overseerr.url, kuma.url]);
      const d = { ...deps, http: strict };
      try {
        await checkHousehold(d, hh.householdId);
        await plex.stop();
        // act
        const results = [];
        for (let i = 0; i < 5; i++) {
          d.clock.advance(30_000);
          results.push(await checkHousehold(d, hh.householdId));
        }
        // assert: the breaker did open, and the card never left "down"
        expect(strict.breakerState(`${hh.householdId}:plex:${MACHINE}`)).toBe('open');
        const plexCards = results.map((r) => byService(r.cards)[`plex:${MACHINE}`]);
        expect(plexCards.map((c) => c?.status)).toEqual(['down', 'down', 'down', 'down', 'down']);
        expect(plexCards.every((c) => c?.code === 'http.connection_refused')).toBe(true);
        expect(results.flatMap((r) => r.alerts).map((a) => a.event)).toEqual(['down']);
      } finally {
        strict.close();
      }
    });

    it("says why a stopped Plex is down even when other calls opened the breaker first (not 'paused')", async () => {
      // arrange: the production breaker; Plex up at the last check
      const strict = simulatorHttp([plex.url, overseerr.url, kuma.url]);
      const d = { ...deps, http: strict };
      try {
        await checkHousehold(d, hh.householdId);
        await plex.stop();
        // The dashboard's Plex reads fail first and open the breaker (5 failed attempts in a row).
        for (let i = 0; i < 3; i++) await hh.as(hh.ownerId, () => recentlyAdded(d, { limit: 1 }));
        expect(strict.breakerState(`${hh.householdId}:plex:${MACHINE}`)).toBe('open');
        // act
        d.clock.advance(30_000);
        const result = await checkHousehold(d, hh.householdId);
        // assert
        expect(byService(result.cards)[`plex:${MACHINE}`]).toMatchObject({
          status: 'down',
          code: 'http.connection_refused',
        });
        expect(result.alerts.map((a) => a.event)).toEqual(['down']);
      } finally {
        strict.close();
      }
    });

    it.each([
      ['latency', { latencyMs: 900 }, 'degraded', 'status.slow'],
      ['500s', { status: 500, body: '{"message":"boom"}' }, 'degraded', 'integration.server_error'],
      ['a hang', { hang: true }, 'degraded', 'http.timeout'],
      ['malformed JSON', { malformed: true }, 'degraded', 'integration.malformed_response'],
    ] as const)(
      'turns %s at each simulator into a degraded card with the reason, within the timeout',
      async (_name, fault, status, code) => {
        // arrange
        plex.faults.add({ path: '/status/sessions', ...fault });
        overseerr.faults.add({ path: '/api/v1/request/count', ...fault });
        kuma.faults.add({ path: '/api/status-page/home', ...fault });
        // act
        const result = await checkHousehold(deps, hh.householdId);
        // assert
        const cards = byService(result.cards);
        for (const service of [`plex:${MACHINE}`, 'overseerr', 'uptime_kuma']) {
          expect(cards[service], service).toMatchObject({ status, code });
          expect(cards[service]?.reason, service).toBeTruthy();
        }
        if (code === 'http.timeout') expect(cards.overseerr?.reason).toContain('after 1.5 s');
      },
    );

    it('never shows a fake "up" when Kuma is unreachable: its monitors turn unknown with the reason', async () => {
      await checkHousehold(deps, hh.householdId);
      kuma.faults.add({ path: '/api/status-page/*', status: 502, body: 'Bad gateway' });
      const result = await checkHousehold(deps, hh.householdId);
      const cards = byService(result.cards);
      expect(cards.uptime_kuma?.status).toBe('degraded');
      for (const id of [1, 2, 3]) {
        expect(cards[`monitor:${id}`]).toMatchObject({ status: 'unknown' });
        expect(cards[`monitor:${id}`]?.reason).toContain('Uptime Kuma did not answer');
      }
    });
  });

  describe('dashboard', () => {
    it('shows members only visible monitors, attaches mapped monitors to their card, and keeps uptime history', async () => {
      // arrange
      const member = await hh.addMember('member');
      await hh.as(hh.ownerId, () =>
        Integration.setMonitors(deps, {
          monitors: {
            '3': { visible: false },
            '1': { visible: true, label: 'Sonarr (TV)', attachTo: 'overseerr' },
          },
        }),
      );
      await checkHousehold(deps, hh.householdId);
      deps.clock.advance(60_000);
      await plex.stop();
      await checkHousehold(deps, hh.householdId);
      await plex.start();
      // act
      const forMember = await hh.as(member, () => dashboard(deps));
      const forOwner = await hh.as(hh.ownerId, () => dashboard(deps));
      const points = await hh.as(member, () => serviceHistory(deps, { service: `plex:${MACHINE}` }));
      // assert
      const services = (d: typeof forMember) => d.cards.map((c) => c.service).sort();
      expect(services(forMember)).toEqual(
        ['monitor:2', 'overseerr', `plex:${MACHINE}`, 'uptime_kuma'].sort(),
      );
      expect(services(forOwner)).toContain('monitor:3');
      const overseerrCard = forMember.cards.find((c) => c.service === 'overseerr');
      expect(overseerrCard?.monitors.map((m) => m.name)).toEqual(['Sonarr (TV)']);
      const plexCard = forMember.cards.find((c) => c.service === `plex:${MACHINE}`);
      expect(plexCard?.status).toBe('down');
      // 60 s up (first check), 60 s down: half the 24 h.
      expect(plexCard?.uptime.h24).toBeCloseTo(0.5);
      expect(plexCard?.hours).toHaveLength(24);
      expect(plexCard?.hours.at(-1)?.status).toBe('down');
      expect(plexCard?.days).toHaveLength(30);
      expect(points.map((p) => p.status)).toEqual(['up', 'down']);
      expect(forMember.configured).toEqual({ plex: true, overseerr: true, uptime_kuma: true });
      // The published response schema really describes the answer.
      expect(DashboardSchema.parse(forOwner)).toEqual(forOwner);
      // A hidden monitor's change reaches the admin's dashboard only.
      const memberMessages: { type: string }[] = [];
      realtime.connect(
        { id: 'member-viewer', send: (d) => memberMessages.push(JSON.parse(d) as { type: string }) },
        { userId: member, householdId: hh.householdId },
      );
      await checkHousehold(deps, hh.householdId);
      messages.length = 0;
      memberMessages.length = 0;
      kuma.setStatus(3, 'DOWN');
      await checkHousehold(deps, hh.householdId);
      kuma.setStatus(3, 'UP');
      expect(changedMessages().flatMap((m) => m.cards.map((c) => c.service))).toEqual(['monitor:3']);
      expect(memberMessages.filter((m) => m.type === 'status.changed')).toEqual([]);
    });

    it('reports not-configured and not-checked-yet honestly', async () => {
      const fresh = await seedHousehold(deps, { ownerToken: 'another-token-000' });
      const empty = await fresh.as(fresh.ownerId, () => dashboard(deps));
      expect(empty).toEqual({
        configured: { plex: false, overseerr: false, uptime_kuma: false },
        cards: [],
        includesHidden: true,
      });
      const unchecked = await hh.as(hh.ownerId, () => dashboard(deps));
      expect(unchecked.cards.map((c) => c.code)).toEqual([
        'status.not_checked',
        'status.not_checked',
        'status.not_checked',
      ]);
    });
  });

  describe('now playing and recently added', () => {
    it('lists sessions for admins only and recent items for members, without tokens', async () => {
      const movie = (await hh.as(hh.ownerId, () => recentlyAdded(deps, { limit: 1 }))).items[0];
      plex.setSessions([
        {
          ratingKey: movie?.ratingKey ?? '',
          user: { id: 7, title: 'Frank' },
          viewOffset: 60_000,
          transcode: true,
        },
      ]);
      const member = await hh.addMember('member');
      const playing = await hh.as(hh.ownerId, () => nowPlaying(deps));
      expect(playing.problems).toEqual([]);
      expect(playing.sessions).toMatchObject([{ user: { title: 'Frank' }, decision: 'transcode' }]);
      const refused = await hh.as(member, () => nowPlaying(deps)).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AppError);
      const recent = await hh.as(member, () => recentlyAdded(deps, { limit: 3 }));
      expect(recent.items).toHaveLength(3);
      expect(recent.items[0]?.thumb ?? '').not.toContain('http');
      await plex.stop();
      const down = await hh.as(member, () => recentlyAdded(deps, {}));
      expect(down.problems).toMatchObject([{ code: 'http.connection_refused' }]);
      const everything = JSON.stringify([
        playing,
        recent,
        down,
        await checkHousehold(deps, hh.householdId),
        messages,
      ]);
      expect(everything).not.toContain(OWNER_TOKEN);
      expect(everything).not.toContain(API_KEY);
    });
  });

  describe('alert hook', () => {
    it('calls registered handlers on down/up transitions only', async () => {
      const seen: StatusAlert[] = [];
      const off = onStatusAlert(async (a) => {
        seen.push(a);
      });
      try {
        await checkHousehold(deps, hh.householdId);
        // UP → PENDING is not "important" to Kuma: its status page cache keeps the old answer.
        kuma.setStatus(1, 'PENDING');
        kuma.clearCache();
        await checkHousehold(deps, hh.householdId);
        kuma.setStatus(1, 'DOWN');
        await checkHousehold(deps, hh.householdId);
        await checkHousehold(deps, hh.householdId);
        kuma.setStatus(1, 'UP');
        await checkHousehold(deps, hh.householdId);
        expect(seen.map((a) => [a.service, a.event, a.from, a.to])).toEqual([
          ['monitor:1', 'down', 'degraded', 'down'],
          ['monitor:1', 'up', 'down', 'up'],
        ]);
      } finally {
        off();
      }
    });
  });
});
