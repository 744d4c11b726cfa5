import { createServer, type Server } from 'node:net';
import { type RunningOverseerr, startOverseerr } from '@medianest/simulators/overseerr/index';
import { type RunningPlexServer, startPlexServer } from '@medianest/simulators/plex-server/index';
import { DEMO_MACHINE_ID, OWNER_ID } from '@medianest/simulators/scenario/index';
import { startPlexWorld } from '@medianest/simulators/scenario/start';
import { type RunningUptimeKuma, startUptimeKuma } from '@medianest/simulators/uptime-kuma/index';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDeps, STORES, type TestDeps } from '../actor/testing.ts';
import { createHttp, type OutboundHttp } from '../adapter/http/http.ts';
import * as Audit from '../audit/audit.ts';
import { AppError } from '../error/index.ts';
import { createPlexTvClient } from '../plex/plex-tv-client.ts';
import * as Integration from './integration.ts';
import { TestResultSchema } from './probe.ts';
import { type SeededHousehold, seedHousehold, simulatorHttp } from './testing.ts';

const API_KEY = 'overseerr-api-key-0123456789abcdef';
const KUMA_KEY = 'uk1_kumaSecretKeyForMetrics9876';
const OWNER_TOKEN = 'plex-owner-token-secret-42';
const MACHINE = 'a3f9e1c07b5d4e2f8a6c1b9d0e7f3a5c4b2d8e6f';

let plex: RunningPlexServer;
let overseerr: RunningOverseerr;
let kuma: RunningUptimeKuma;
let closedPort: number;
let deps: TestDeps & Integration.IntegrationDeps;
let hh: SeededHousehold;
let http: OutboundHttp;

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => {
      if (!(e instanceof AppError)) throw e;
      return e;
    },
  );

beforeAll(async () => {
  [plex, overseerr, kuma] = await Promise.all([
    startPlexServer({ machineIdentifier: MACHINE, tokens: [OWNER_TOKEN], sections: [] }),
    startOverseerr({ apiKey: API_KEY }),
    startUptimeKuma({
      apiKey: KUMA_KEY,
      monitors: [
        { id: 1, name: 'Plex', status: 'UP', ping: 12 },
        { id: 2, name: 'NAS', status: 'UP', ping: 3 },
      ],
      statusPages: [{ slug: 'home', title: 'Home', monitorIds: [1, 2] }],
      beatIntervalMs: 0,
    }),
  ]);
  // A port that was open a moment ago and is closed now: connection refused.
  const s: Server = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  closedPort = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
});
afterAll(async () => {
  await Promise.all([plex.close(), overseerr.close(), kuma.close()]);
});

describe.each(STORES)('integration settings on $name', ({ open, skip }) => {
  let opened = false;
  beforeEach(async (context) => {
    if (skip) context.skip();
    http = simulatorHttp([plex.url, overseerr.url, kuma.url, `http://127.0.0.1:${closedPort}`], {
      // Test names resolve here; everything else does not exist.
      lookup: async (host: string) => {
        if (host === 'plex.test') return ['127.0.0.1'];
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      },
    });
    deps = Object.assign(await open(), { http, testTimeoutMs: 1000 });
    opened = true;
    hh = await seedHousehold(deps, {
      ownerToken: OWNER_TOKEN,
      servers: [{ machineIdentifier: MACHINE, name: 'Simulated Plex' }],
    });
    plex.faults.clear();
    overseerr.faults.clear();
    kuma.faults.clear();
  });
  afterEach(async () => {
    http?.close();
    if (opened) await deps.close();
    opened = false;
  });

  it('saves each product after a passing test; secrets come back masked, never in clear', async () => {
    // act
    const saved = await hh.as(hh.ownerId, async () => [
      await Integration.save(deps, { kind: 'plex', machineIdentifier: MACHINE, url: plex.url }),
      await Integration.save(deps, { kind: 'overseerr', url: `${overseerr.url}/`, apiKey: API_KEY }),
      await Integration.save(deps, { kind: 'uptime_kuma', url: kuma.url, slug: 'home', apiKey: KUMA_KEY }),
    ]);
    const listed = await hh.as(hh.ownerId, () => Integration.list(deps));
    const audit = await hh.as(hh.ownerId, () => Audit.list(deps, { limit: 50 }));
    // assert
    expect(saved.map((s) => s.test.ok)).toEqual([true, true, true]);
    expect(saved[2]?.test.monitors?.map((m) => m.name)).toEqual(['Plex', 'NAS']);
    const overseerrInfo = listed.find((i) => i.kind === 'overseerr');
    expect(overseerrInfo).toMatchObject({
      url: overseerr.url,
      secret: { masked: '••••cdef' },
      lastTest: { ok: true, code: 'ok' },
    });
    expect(listed.find((i) => i.kind === 'plex')).toMatchObject({
      urlSource: 'typed',
      secret: null,
      id: MACHINE,
    });
    expect(listed.find((i) => i.kind === 'uptime_kuma')).toMatchObject({
      slug: 'home',
      secret: { masked: '••••9876' },
    });
    expect(audit.entries.map((e) => e.action).filter((a) => a.startsWith('integration.'))).toHaveLength(3);
    const everything = JSON.stringify([saved, listed, audit]);
    for (const secret of [API_KEY, KUMA_KEY, OWNER_TOKEN]) expect(everything).not.toContain(secret);
    // The stored item holds ciphertext only.
    const raw = JSON.stringify(
      await deps.table.query({ pk: `H#${hh.householdId}`, sk: { beginsWith: 'INT#' } }),
    );
    expect(raw).not.toContain(API_KEY);
    expect(raw).not.toContain(KUMA_KEY);
  });

  it('keeps the stored key when none is given, and a ciphertext moved to another household does not decrypt', async () => {
    // arrange
    await hh.as(hh.ownerId, () =>
      Integration.save(deps, { kind: 'overseerr', url: overseerr.url, apiKey: API_KEY }),
    );
    // act: re-test and re-save without the key
    const test = await hh.as(hh.ownerId, () =>
      Integration.testConnection(deps, { kind: 'overseerr', url: overseerr.url }),
    );
    const resaved = await hh.as(hh.ownerId, () =>
      Integration.save(deps, { kind: 'overseerr', url: overseerr.url }),
    );
    // assert
    expect(test.ok).toBe(true);
    expect(resaved.integration.secret).toEqual({ masked: '••••cdef' });
    const item = await deps.table.get<{ pk: string; sk: string; secret: string }>({
      pk: `H#${hh.householdId}`,
      sk: 'INT#overseerr#main',
    });
    await expect(
      deps.keyring.decrypt(item!.secret, { householdId: 'hh_OTHER', integration: 'overseerr#main' }),
    ).rejects.toThrow();
  });

  it('says precisely what is wrong: DNS, TLS, wrong key, timeout, wrong product, refused', async () => {
    overseerr.faults.add({ path: '/api/v1/status', hang: true });
    const cases = await hh.as(hh.ownerId, async () => ({
      dns: await Integration.testConnection(deps, {
        kind: 'overseerr',
        url: 'http://nowhere.test:5055',
        apiKey: API_KEY,
      }),
      tls: await Integration.testConnection(deps, {
        kind: 'uptime_kuma',
        url: kuma.url.replace('http:', 'https:'),
        slug: 'home',
      }),
      wrongKey: await Integration.testConnection(deps, {
        kind: 'uptime_kuma',
        url: kuma.url,
        slug: 'home',
        apiKey: 'uk1_wrongwrongwrong',
      }),
      timeout: await Integration.testConnection(deps, {
        kind: 'overseerr',
        url: overseerr.url,
        apiKey: API_KEY,
      }),
      wrongProduct: await Integration.testConnection(deps, {
        kind: 'overseerr',
        url: kuma.url,
        apiKey: API_KEY,
      }),
      refused: await Integration.testConnection(deps, {
        kind: 'plex',
        machineIdentifier: MACHINE,
        url: `http://127.0.0.1:${closedPort}`,
      }),
    }));
    overseerr.faults.clear();
    const wrongOverseerrKey = await hh.as(hh.ownerId, () =>
      Integration.testConnection(deps, {
        kind: 'overseerr',
        url: overseerr.url,
        apiKey: 'not-the-right-key',
      }),
    );
    for (const result of Object.values(cases)) expect(TestResultSchema.parse(result)).toEqual(result);
    expect(cases.dns).toMatchObject({ ok: false, code: 'http.dns_failure' });
    expect(cases.dns.message).toContain('nowhere.test');
    expect(cases.tls).toMatchObject({ ok: false, code: 'http.tls_error' });
    expect(cases.tls.hint).toContain('certificate');
    expect(cases.wrongKey).toMatchObject({ ok: false, code: 'integration.unauthorized' });
    expect(wrongOverseerrKey).toMatchObject({ ok: false, code: 'integration.unauthorized' });
    expect(cases.timeout).toMatchObject({
      ok: false,
      code: 'http.timeout',
      message: expect.stringContaining('after 1 s'),
    });
    expect(cases.wrongProduct).toMatchObject({ ok: false, code: 'integration.wrong_product' });
    expect(cases.refused).toMatchObject({ ok: false, code: 'http.connection_refused' });
    expect(cases.refused.hint).toContain('running');
  });

  it('a connection test always really tries: failing tests never open a circuit breaker', async () => {
    overseerr.faults.add({ path: '/api/v1/status', status: 500, body: '{"message":"down"}' });
    const failures = [];
    for (let i = 0; i < 6; i++) {
      failures.push(
        await hh.as(hh.ownerId, () =>
          Integration.testConnection(deps, { kind: 'overseerr', url: overseerr.url, apiKey: API_KEY }),
        ),
      );
    }
    overseerr.faults.clear();
    const after = await hh.as(hh.ownerId, () =>
      Integration.testConnection(deps, { kind: 'overseerr', url: overseerr.url, apiKey: API_KEY }),
    );
    expect(failures.map((f) => f.code)).toEqual(Array(6).fill('integration.server_error'));
    expect(after).toMatchObject({ ok: true, code: 'ok' });
  });

  it('refuses to save a failing test unless asked to, and never a URL the SSRF guard refuses', async () => {
    const refused = await failure(
      hh.as(hh.ownerId, () =>
        Integration.save(deps, { kind: 'overseerr', url: overseerr.url, apiKey: 'wrong-key-000' }),
      ),
    );
    expect(refused.code).toBe('integration.test_failed');
    const anyway = await hh.as(hh.ownerId, () =>
      Integration.save(deps, {
        kind: 'overseerr',
        url: overseerr.url,
        apiKey: 'wrong-key-000',
        saveAnyway: true,
      }),
    );
    expect(anyway.integration.lastTest).toMatchObject({ ok: false, code: 'integration.unauthorized' });
    // A SaaS deployment: loopback is off limits, saveAnyway or not.
    const saas = createHttp({ mode: 'saas' });
    const blocked = await failure(
      hh.as(hh.ownerId, () =>
        Integration.save(
          { ...deps, http: saas },
          { kind: 'uptime_kuma', url: kuma.url, slug: 'home', saveAnyway: true },
        ),
      ),
    );
    saas.close();
    expect(blocked).toMatchObject({ kind: 'forbidden', code: 'integration.url_refused' });
  });

  it('sends the owner token only to the household server, and only the owner may type a Plex URL', async () => {
    const admin = await hh.addMember('admin');
    const member = await hh.addMember('member');
    const other = await startPlexServer({ machineIdentifier: 'ffff0000', tokens: ['x'], sections: [] });
    try {
      const otherHttp = simulatorHttp([other.url]);
      const wrong = await hh.as(hh.ownerId, () =>
        Integration.testConnection(
          { ...deps, http: otherHttp },
          { kind: 'plex', machineIdentifier: MACHINE, url: other.url },
        ),
      );
      otherHttp.close();
      expect(wrong).toMatchObject({ ok: false, code: 'plex.wrong_server' });
      expect(other.hits().byRoute['GET /status/sessions']).toBeUndefined();
    } finally {
      await other.close();
    }
    const typed = await failure(
      hh.as(admin, () => Integration.save(deps, { kind: 'plex', machineIdentifier: MACHINE, url: plex.url })),
    );
    expect(typed.code).toBe('integration.typed_url_owner_only');
    const forbidden = await failure(hh.as(member, () => Integration.list(deps)));
    expect(forbidden.kind).toBe('forbidden');
  });

  it('keeps which monitors members see, their labels and card mapping; audited; removal too', async () => {
    await hh.as(hh.ownerId, () =>
      Integration.save(deps, { kind: 'uptime_kuma', url: kuma.url, slug: 'home' }),
    );
    const info = await hh.as(hh.ownerId, () =>
      Integration.setMonitors(deps, {
        monitors: {
          '2': { visible: false },
          '1': { visible: true, label: 'Plex (Kuma)', attachTo: `plex:${MACHINE}` },
        },
      }),
    );
    expect(info.monitors).toEqual({
      '1': { visible: true, label: 'Plex (Kuma)', attachTo: `plex:${MACHINE}` },
      '2': { visible: false },
    });
    await hh.as(hh.ownerId, () => Integration.remove(deps, { kind: 'uptime_kuma' }));
    const actions = (await hh.as(hh.ownerId, () => Audit.list(deps, { limit: 50 }))).entries.map(
      (e) => e.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining(['integration.added', 'integration.monitors_changed', 'integration.removed']),
    );
    expect(await hh.as(hh.ownerId, () => Integration.list(deps))).toEqual([]);
    expect((await Integration.listIntegratedHouseholds(deps)).householdIds).toEqual([]);
  });
});

describe('Plex URL from the plex.tv connections', () => {
  it('lists the household server connections, and lets an admin save a listed one (not a typed one)', async () => {
    // arrange: a plex.tv world whose server connections point at a PMS simulator
    const world = await startPlexWorld();
    const pms = world.servers.get(DEMO_MACHINE_ID)!;
    const ownerToken = world.scenario.accounts.find((a) => a.id === OWNER_ID)!.authToken;
    const worldHttp = simulatorHttp([pms.url]);
    const base = createTestDeps();
    const d = Object.assign(base, {
      http: worldHttp,
      plexTv: createPlexTvClient({
        baseUrl: world.plexTv.url,
        clientIdentifier: 'medianest-integration-test',
        product: 'MediaNest',
        version: '0.1.0',
      }),
    });
    try {
      const house = await seedHousehold(d, {
        ownerToken,
        servers: [{ machineIdentifier: DEMO_MACHINE_ID, name: "Olivia's Plex" }],
      });
      const admin = await house.addMember('admin');
      // act
      const choices = await house.as(admin, () => Integration.plexConnections(d));
      const uri = choices[0]?.connections[0]?.uri ?? '';
      const saved = await house.as(admin, () =>
        Integration.save(d, { kind: 'plex', machineIdentifier: DEMO_MACHINE_ID, url: uri }),
      );
      // assert
      expect(choices).toMatchObject([{ machineIdentifier: DEMO_MACHINE_ID, missing: false }]);
      expect(uri).toBe(pms.url);
      expect(saved.integration).toMatchObject({ urlSource: 'plex_tv', url: pms.url, lastTest: { ok: true } });
      expect(JSON.stringify([choices, saved])).not.toContain(ownerToken);
    } finally {
      worldHttp.close();
      await base.close();
      await world.close();
    }
  });
});
