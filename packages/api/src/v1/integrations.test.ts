/**
 * Issue 5's API against the simulators (a Plex world, Overseerr, Uptime Kuma): integration
 * settings with connection tests, and the dashboard filled by the check job the dashboard itself
 * asks for. One story: each test builds on the previous one's household and integrations.
 */
import { handleJob } from '@medianest/core/jobs/index';
import type { StatusSystem } from '@medianest/core/status/index';
import { type RunningOverseerr, startOverseerr } from '@medianest/simulators/overseerr/index';
import type { RunningPlexServer } from '@medianest/simulators/plex-server/index';
import { FRIEND_IDS, OWNER_ID } from '@medianest/simulators/scenario/index';
import { type RunningUptimeKuma, startUptimeKuma } from '@medianest/simulators/uptime-kuma/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  Client,
  DEMO_MACHINE_ID,
  type Reply,
  signInWithPlex,
  startWorld,
  type World,
} from '../testing/world.ts';

const API_KEY = 'overseerr-api-key-routes-0000wxyz';
const WRONG_KEY = 'overseerr-wrong-key-routes-9999';
const KUMA_KEY = 'uk1_routes-metrics-key-secret';

let world: World;
let plex: RunningPlexServer;
let overseerr: RunningOverseerr;
let kuma: RunningUptimeKuma;
let olivia: Client;
let frank: Client;
let hid: string;
let ownerToken: string;
// biome-ignore lint/suspicious/noExplicitAny: tests assert replies field by field; typing each one adds nothing
type Json = any;
/** Every answer any test received: none may contain a secret. */
const seen: string[] = [];

const call = async (client: Client, method: string, path: string, body?: unknown): Promise<Reply<Json>> => {
  const res = await client.request(method, `/api/v1/households/${hid}${path}`, {
    ...(body !== undefined ? { body } : {}),
  });
  seen.push(res.text);
  return res;
};

/** Runs every queued job (the local consumer's work), returning how many ran. */
async function drainJobs(): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await world.system.queue.poll('jobs', async (messages) => {
      for (const m of messages) await handleJob(world.system, m);
      return { batchItemFailures: [] };
    });
    if (n === 0) return total;
    total += n;
  }
}

const byService = (cards: Json[]): Record<string, Json> =>
  Object.fromEntries(cards.map((c) => [c.service, c]));

beforeAll(async () => {
  world = await startWorld();
  // Short timeouts so a hanging simulator costs 1.5 s, not the production 8–10 s.
  (world.system as StatusSystem).statusCheck = { checkTimeoutMs: 1500, slowMs: 1000 };
  plex = world.plex.servers.get(DEMO_MACHINE_ID) as RunningPlexServer;
  ownerToken = world.plex.scenario.accounts.find((a) => a.id === OWNER_ID)?.authToken as string;
  [overseerr, kuma] = await Promise.all([
    startOverseerr({ apiKey: API_KEY }),
    startUptimeKuma({
      monitors: [
        { id: 1, name: 'Sonarr', status: 'UP', ping: 20 },
        { id: 2, name: 'Radarr', status: 'UP', ping: 25 },
        { id: 3, name: 'Router', status: 'UP', ping: 2 },
      ],
      statusPages: [{ slug: 'home', title: 'Home', monitorIds: [1, 2, 3] }],
      apiKey: KUMA_KEY,
      beatIntervalMs: 0,
    }),
  ]);
  olivia = await signInWithPlex(world, OWNER_ID, new Client(world.app, { ip: '192.0.2.31' }));
  frank = await signInWithPlex(world, FRIEND_IDS[0], new Client(world.app, { ip: '192.0.2.32' }));
  const created = await olivia.request('POST', '/api/v1/households', {
    body: { name: 'Integrations House', servers: [DEMO_MACHINE_ID] },
  });
  hid = created.body.household.id;
  expect((await frank.request('POST', `/api/v1/households/${hid}/join`, { body: {} })).status).toBe(201);
});
afterAll(async () => {
  // The last test is the secrets check over every answer; keep it meaningful.
  await Promise.all([overseerr?.close(), kuma?.close()]);
  await world?.close();
});

describe('integration settings', () => {
  it("lists the server's plex.tv connections to choose from", async () => {
    const res = await call(olivia, 'GET', '/integrations/plex/connections');
    expect(res.status).toBe(200);
    expect(res.body.servers).toEqual([
      expect.objectContaining({
        machineIdentifier: DEMO_MACHINE_ID,
        missing: false,
        connections: expect.arrayContaining([expect.objectContaining({ uri: plex.url })]),
      }),
    ]);
    expect((await call(olivia, 'GET', '/integrations')).body).toEqual({ integrations: [] });
    // Nothing configured: an empty dashboard, and no check is asked for.
    const board = await call(frank, 'GET', '/dashboard');
    expect(board.body).toEqual({
      configured: { plex: false, overseerr: false, uptime_kuma: false },
      cards: [],
      includesHidden: false,
    });
    expect(await world.system.queue.depth('jobs')).toBe(0);
  });

  it('tests a connection without saving, with a precise message for a wrong key and a wrong product', async () => {
    const ok = await call(olivia, 'POST', '/integrations/test', {
      kind: 'plex',
      machineIdentifier: DEMO_MACHINE_ID,
      url: plex.url,
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, code: 'ok', version: expect.any(String) });

    const wrongKey = await call(olivia, 'POST', '/integrations/test', {
      kind: 'overseerr',
      url: overseerr.url,
      apiKey: WRONG_KEY,
    });
    expect(wrongKey.status).toBe(200);
    expect(wrongKey.body).toMatchObject({ ok: false, code: 'integration.unauthorized' });
    expect(wrongKey.body.message).toBe('Overseerr did not accept the API key');
    expect(wrongKey.body.hint).toMatch(/key/);

    const wrongProduct = await call(olivia, 'POST', '/integrations/test', {
      kind: 'overseerr',
      url: kuma.url,
      apiKey: API_KEY,
    });
    expect(wrongProduct.body).toMatchObject({ ok: false, code: 'integration.wrong_product' });

    // Nothing was saved by testing.
    expect((await call(olivia, 'GET', '/integrations')).body.integrations).toEqual([]);
  });

  it('reports a timeout from a hanging service after the configured time', async () => {
    overseerr.faults.add({ hang: true });
    try {
      const res = await call(olivia, 'POST', '/integrations/test', {
        kind: 'overseerr',
        url: overseerr.url,
        apiKey: API_KEY,
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ok: false, code: 'http.timeout' });
      expect(res.body.message).toContain('1.5 s');
    } finally {
      overseerr.faults.clear();
    }
  });

  it('names DNS failures and refuses metadata addresses even with saveAnyway', async () => {
    const dns = await call(olivia, 'POST', '/integrations/test', {
      kind: 'overseerr',
      url: 'http://nowhere.invalid',
      apiKey: API_KEY,
    });
    expect(dns.body).toMatchObject({
      ok: false,
      code: 'http.dns_failure',
      hint: expect.stringMatching(/host name/),
    });
    const metadata = await call(olivia, 'PUT', '/integrations', {
      kind: 'overseerr',
      url: 'http://169.254.169.254',
      apiKey: API_KEY,
      saveAnyway: true,
    });
    expect(metadata.status).toBe(403);
    expect(metadata.body.error).toMatchObject({
      code: 'integration.url_refused',
      details: { test: { code: 'http.blocked_address' } },
    });
    expect((await call(olivia, 'GET', '/integrations')).body.integrations).toEqual([]);
  });

  it("lets only the owner type a Plex address plex.tv does not list (it receives the owner's token)", async () => {
    const fiona = await signInWithPlex(world, FRIEND_IDS[1], new Client(world.app, { ip: '192.0.2.33' }));
    const fionaId = (await fiona.request('GET', '/api/v1/me')).body.user.id;
    expect((await fiona.request('POST', `/api/v1/households/${hid}/join`, { body: {} })).status).toBe(201);
    const promoted = await olivia.request('PATCH', `/api/v1/households/${hid}/members/${fionaId}`, {
      body: { role: 'admin' },
    });
    expect(promoted.status).toBe(200);
    const typed = plex.url.replace('127.0.0.1', 'localhost');
    const refused = await call(fiona, 'PUT', '/integrations', {
      kind: 'plex',
      machineIdentifier: DEMO_MACHINE_ID,
      url: typed,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('integration.typed_url_owner_only');
    // The same admin may test it and list what there is.
    expect((await call(fiona, 'GET', '/integrations')).status).toBe(200);
  });

  it('answers bad input with 400 and field messages, never a 500', async () => {
    const empty = await call(olivia, 'PUT', '/integrations', { kind: 'overseerr', url: '', apiKey: 'short' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(
      /body\.url: an address is required.*body\.apiKey: that key is too short/,
    );
    const unknownKind = await call(olivia, 'POST', '/integrations/test', { kind: 'sonarr', url: 'http://x' });
    expect(unknownKind.status).toBe(400);
    const badMonitors = await call(olivia, 'PUT', '/integrations/uptime-kuma/monitors', {
      monitors: { abc: { visible: true } },
    });
    expect(badMonitors.status).toBe(400);
    const badKind = await call(olivia, 'DELETE', '/integrations/sonarr/main');
    expect(badKind.status).toBe(400);
    const notOurs = await call(olivia, 'PUT', '/integrations', {
      kind: 'plex',
      machineIdentifier: 'abcdef0123456789',
      url: plex.url,
    });
    expect(notOurs.status).toBe(400);
    expect(notOurs.body.error.code).toBe('integration.unknown_server');
  });

  it('refuses to save a failing connection with the test result, unless saveAnyway', async () => {
    const refused = await call(olivia, 'PUT', '/integrations', {
      kind: 'overseerr',
      url: overseerr.url,
      apiKey: WRONG_KEY,
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({
      code: 'integration.test_failed',
      message: expect.stringContaining('Connection test failed'),
      details: { test: { ok: false, code: 'integration.unauthorized', hint: expect.any(String) } },
    });
    expect((await call(olivia, 'GET', '/integrations')).body.integrations).toEqual([]);

    const anyway = await call(olivia, 'PUT', '/integrations', {
      kind: 'overseerr',
      url: overseerr.url,
      apiKey: WRONG_KEY,
      saveAnyway: true,
    });
    expect(anyway.status).toBe(200);
    expect(anyway.body.integration).toMatchObject({
      kind: 'overseerr',
      secret: { masked: `••••${WRONG_KEY.slice(-4)}` },
      lastTest: { ok: false, code: 'integration.unauthorized' },
    });
  });

  it('saves each kind after a passing test; members cannot', async () => {
    const o = await call(olivia, 'PUT', '/integrations', {
      kind: 'overseerr',
      url: overseerr.url,
      apiKey: API_KEY,
    });
    expect(o.status).toBe(200);
    expect(o.body).toMatchObject({
      integration: { kind: 'overseerr', id: 'main', secret: { masked: `••••${API_KEY.slice(-4)}` } },
      test: { ok: true, code: 'ok' },
    });
    const p = await call(olivia, 'PUT', '/integrations', {
      kind: 'plex',
      machineIdentifier: DEMO_MACHINE_ID,
      url: plex.url,
    });
    expect(p.status).toBe(200);
    expect(p.body.integration).toMatchObject({
      kind: 'plex',
      id: DEMO_MACHINE_ID,
      urlSource: 'plex_tv',
      secret: null,
    });
    const k = await call(olivia, 'PUT', '/integrations', {
      kind: 'uptime_kuma',
      url: kuma.url,
      slug: 'home',
      apiKey: KUMA_KEY,
    });
    expect(k.status).toBe(200);
    expect(k.body.test.monitors.map((m: { name: string }) => m.name).sort()).toEqual([
      'Radarr',
      'Router',
      'Sonarr',
    ]);
    expect(k.body.integration).toMatchObject({
      slug: 'home',
      secret: { masked: `••••${KUMA_KEY.slice(-4)}` },
    });

    const list = await call(olivia, 'GET', '/integrations');
    expect(list.body.integrations.map((i: { kind: string }) => i.kind).sort()).toEqual([
      'overseerr',
      'plex',
      'uptime_kuma',
    ]);
    const one = await call(olivia, 'GET', '/integrations/overseerr/main');
    expect(one.body.integration.lastTest).toMatchObject({ ok: true });

    const member = await call(frank, 'PUT', '/integrations', {
      kind: 'overseerr',
      url: overseerr.url,
      apiKey: API_KEY,
    });
    expect(member.status).toBe(403);
    expect(member.body.error.message).toContain('manage_integrations');
  });
});

describe('dashboard', () => {
  it('asks for a first check once (de-duplicated), and shows the cards after the check job runs', async () => {
    const first = await call(frank, 'GET', '/dashboard');
    expect(first.status).toBe(200);
    expect(first.body.configured).toEqual({ plex: true, overseerr: true, uptime_kuma: true });
    expect(first.body.cards.map((c: { code: string }) => c.code)).toEqual([
      'status.not_checked',
      'status.not_checked',
      'status.not_checked',
    ]);
    await call(olivia, 'GET', '/dashboard');
    expect(await world.system.queue.depth('jobs')).toBe(1);

    expect(await drainJobs()).toBe(1);
    const after = await call(frank, 'GET', '/dashboard');
    const cards = byService(after.body.cards);
    expect(cards[`plex:${DEMO_MACHINE_ID}`]).toMatchObject({ status: 'up', details: { activeStreams: 0 } });
    expect(cards.overseerr).toMatchObject({ status: 'up', details: { pendingRequests: expect.any(Number) } });
    expect(cards.uptime_kuma).toMatchObject({ status: 'up', details: { monitorCount: 3 } });
    expect(cards['monitor:2']).toMatchObject({ status: 'up', name: 'Radarr' });
    expect(after.body.includesHidden).toBe(false);
    expect(cards.overseerr.hours).toHaveLength(24);
    // Fresh cards: no new check is asked for.
    expect(await world.system.queue.depth('jobs')).toBe(0);
  });

  it('shows a Kuma flip after the next check', async () => {
    kuma.setStatus(2, 'DOWN', 'Connection refused');
    world.clock.advance(31_000);
    expect((await call(frank, 'GET', '/dashboard')).status).toBe(200);
    expect(await drainJobs()).toBe(1);
    const cards = byService((await call(frank, 'GET', '/dashboard')).body.cards);
    expect(cards['monitor:2']).toMatchObject({ status: 'down', reason: 'Uptime Kuma reports down' });
    expect(cards['monitor:1']?.status).toBe('up');
    kuma.setStatus(2, 'UP');
  });

  it("returns a service's history points", async () => {
    const res = await call(frank, 'GET', '/status/overseerr/history');
    expect(res.status).toBe(200);
    expect(res.body.points.length).toBeGreaterThanOrEqual(2);
    expect(res.body.points[0]).toEqual({
      at: expect.any(Number),
      status: 'up',
      latencyMs: expect.any(Number),
    });
    expect((await call(frank, 'GET', '/status/monitor%3A999/history')).body).toEqual({ points: [] });
  });

  it('hides a monitor from members once an admin says so', async () => {
    const set = await call(olivia, 'PUT', '/integrations/uptime-kuma/monitors', {
      monitors: { '3': { visible: false }, '1': { visible: true, label: 'TV shows', attachTo: 'overseerr' } },
    });
    expect(set.status).toBe(200);
    expect(set.body.integration.monitors).toEqual({
      '1': { visible: true, label: 'TV shows', attachTo: 'overseerr' },
      '3': { visible: false },
    });
    world.clock.advance(31_000);
    await call(frank, 'GET', '/dashboard');
    await drainJobs();
    const member = byService((await call(frank, 'GET', '/dashboard')).body.cards);
    expect(member['monitor:3']).toBeUndefined();
    expect(member.overseerr).toMatchObject({ monitors: [expect.objectContaining({ name: 'TV shows' })] });
    const admin = await call(olivia, 'GET', '/dashboard');
    expect(admin.body.includesHidden).toBe(true);
    expect(byService(admin.body.cards)['monitor:3']).toMatchObject({ visible: false });
    expect((await call(frank, 'GET', '/status/monitor%3A3/history')).body).toEqual({ points: [] });
  });

  it('lists the monitors Kuma reports now with who sees each; a Kuma that does not answer is a problem, not an error', async () => {
    const res = await call(olivia, 'GET', '/integrations/uptime-kuma/monitors');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      monitors: [
        expect.objectContaining({ id: 2, name: 'Radarr', setting: null, visible: true }),
        expect.objectContaining({ id: 3, name: 'Router', setting: { visible: false }, visible: false }),
        expect.objectContaining({
          id: 1,
          name: 'Sonarr',
          setting: { visible: true, label: 'TV shows', attachTo: 'overseerr' },
          visible: true,
        }),
      ],
      visibleByDefault: true,
      problem: null,
    });
    expect((await call(frank, 'GET', '/integrations/uptime-kuma/monitors')).status).toBe(403);
    kuma.faults.add({ status: 500, body: 'oops' });
    try {
      const down = await call(olivia, 'GET', '/integrations/uptime-kuma/monitors');
      expect(down.status).toBe(200);
      expect(down.body).toMatchObject({ monitors: [], problem: { code: 'integration.server_error' } });
      expect(down.body.problem.message).toBeTruthy();
    } finally {
      kuma.faults.clear();
    }
  });

  it('shows now playing to admins only, and recently added to every member', async () => {
    const recent = await call(frank, 'GET', '/recently-added?limit=3');
    expect(recent.status).toBe(200);
    expect(recent.body.problems).toEqual([]);
    expect(recent.body.items).toHaveLength(3);
    expect(recent.body.items[0]).toMatchObject({ server: { machineIdentifier: DEMO_MACHINE_ID } });
    expect((await call(frank, 'GET', '/recently-added?limit=0')).status).toBe(400);

    plex.setSessions([
      { ratingKey: recent.body.items[0].ratingKey, user: { id: 7, title: 'alice' }, transcode: true },
    ]);
    try {
      const playing = await call(olivia, 'GET', '/now-playing');
      expect(playing.status).toBe(200);
      expect(playing.body).toMatchObject({
        sessions: [
          { user: { title: 'alice' }, decision: 'transcode', server: { machineIdentifier: DEMO_MACHINE_ID } },
        ],
        problems: [],
      });
      const member = await call(frank, 'GET', '/now-playing');
      expect(member.status).toBe(403);
    } finally {
      plex.setSessions([]);
    }
  });

  it('never fails or hangs on faults at the services: the cards show degraded with the reason', async () => {
    plex.faults.add({ hang: true });
    overseerr.faults.add({ status: 500, body: '{"message":"boom"}' });
    kuma.faults.add({ malformed: true });
    try {
      world.clock.advance(31_000);
      const board = await call(frank, 'GET', '/dashboard');
      expect(board.status).toBe(200);
      await drainJobs();
      const cards = byService((await call(frank, 'GET', '/dashboard')).body.cards);
      expect(cards[`plex:${DEMO_MACHINE_ID}`]).toMatchObject({ status: 'degraded', code: 'http.timeout' });
      expect(cards.overseerr).toMatchObject({ status: 'degraded', code: 'integration.server_error' });
      expect(cards.uptime_kuma).toMatchObject({ status: 'degraded', code: 'integration.malformed_response' });
      expect(cards['monitor:2']).toMatchObject({ status: 'unknown' });
      for (const c of [cards[`plex:${DEMO_MACHINE_ID}`], cards.overseerr, cards.uptime_kuma])
        expect(c.reason).toBeTruthy();
      const recent = await call(frank, 'GET', '/recently-added');
      expect(recent.status).toBe(200);
      expect(recent.body).toMatchObject({ items: [], problems: [{ code: 'http.timeout' }] });
      const playing = await call(olivia, 'GET', '/now-playing');
      expect(playing.status).toBe(200);
      expect(playing.body.problems).toEqual([expect.objectContaining({ code: 'http.timeout' })]);
    } finally {
      for (const s of [plex, overseerr, kuma]) s.faults.clear();
    }
  });

  it('removes an integration; removing it again is a 404', async () => {
    expect((await call(frank, 'DELETE', '/integrations/overseerr/main')).status).toBe(403);
    expect((await call(olivia, 'DELETE', '/integrations/overseerr/main')).status).toBe(204);
    const again = await call(olivia, 'DELETE', '/integrations/overseerr/main');
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('integration.not_configured');
    expect((await call(frank, 'GET', '/dashboard')).body.configured.overseerr).toBe(false);
  });

  it('never returned a secret in any answer', () => {
    expect(seen.length).toBeGreaterThan(30);
    for (const text of seen) {
      for (const secret of [API_KEY, WRONG_KEY, KUMA_KEY, ownerToken]) expect(text).not.toContain(secret);
    }
  });
});
