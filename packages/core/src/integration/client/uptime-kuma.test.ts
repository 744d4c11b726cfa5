import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type RunningUptimeKuma, startUptimeKuma } from '@medianest/simulators/uptime-kuma/index';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttp, type OutboundHttp } from '../../adapter/http/index.ts';
import { AppError } from '../../error/index.ts';
import {
  createUptimeKumaClient,
  mergeKumaMonitors,
  parseKumaHeartbeats,
  parseKumaMetrics,
  parseKumaStatusPage,
  parseKumaTime,
  parsePrometheusText,
} from './uptime-kuma.ts';

const FIXTURES =
  process.env.KUMA_FIXTURES ??
  fileURLToPath(new URL('../../../../../../shared/fixtures/uptime-kuma', import.meta.url));
const fixture = (name: string) => readFileSync(`${FIXTURES}/${name}`, 'utf8');

const API_KEY = 'uk1_wfdoSBwOh_OnuwAv79PMHCWe9lY4yRJGNWzadM3l';

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => {
      if (!(e instanceof AppError)) throw e;
      return e;
    },
  );

describe('parsing what a real Uptime Kuma 2.5.3 sent (fixtures)', () => {
  it('status page', () => {
    const page = parseKumaStatusPage(JSON.parse(fixture('status-page.json')));
    expect(page).toEqual({
      slug: 'home',
      title: 'Home',
      description: 'Loopback fixture status page',
      incidents: [],
      groups: [
        {
          id: 1,
          name: 'Services',
          monitors: [
            { id: 1, name: 'Local OK', type: 'http' },
            { id: 2, name: 'Closed port', type: 'http' },
            { id: 3, name: 'Push job', type: 'push' },
          ],
        },
      ],
      maintenance: [],
    });
  });

  it('status page with an incident (no ms, null update) and a maintenance', () => {
    const page = parseKumaStatusPage(JSON.parse(fixture('status-page-extras.json')));
    expect(page.incidents).toEqual([
      {
        id: 1,
        title: 'Fixture incident',
        content: 'Investigating **slow** responses.',
        style: 'warning',
        createdAt: Date.UTC(2026, 10, 26, 6, 3, 40),
        updatedAt: null,
      },
    ]);
    expect(page.maintenance).toEqual([
      {
        id: 1,
        title: 'Fixture maintenance',
        description: 'Manual window, no monitors attached',
        status: 'under-maintenance',
      },
    ]);
  });

  it('heartbeats: UTC times, null pings, integer uptimes', () => {
    const hb = parseKumaHeartbeats(JSON.parse(fixture('heartbeat.json')));
    expect(Object.keys(hb.beats)).toEqual(['1', '2', '3']);
    expect(hb.beats[1]?.[0]).toEqual({ status: 1, time: Date.UTC(2026, 10, 26, 6, 0, 49, 47), ping: 6 });
    expect(hb.beats[2]?.every((b) => b.status === 0 && b.ping === null)).toBe(true);
    expect(hb.uptime24h).toEqual({ 1: 1, 2: 0, 3: 1 });
    expect(parseKumaHeartbeats(JSON.parse(fixture('heartbeat-nonexistent.json')))).toEqual({
      beats: {},
      uptime24h: {},
    });
  });

  it('/metrics: per monitor status, response time (-1 → null), uptime windows; push monitors have less', () => {
    const m = parseKumaMetrics(fixture('metrics.txt'));
    expect(m.appVersion).toBe('2.5.3');
    expect(m.monitors.map((x) => [x.id, x.name, x.type, x.status, x.responseTimeMs])).toEqual([
      [1, 'Local OK', 'http', 1, 3],
      [2, 'Closed port', 'http', 0, null],
      [3, 'Push job', 'push', 1, 11],
    ]);
    expect(m.monitors[0]?.uptime).toEqual({ '1d': 1, '30d': 1, '365d': 1 });
    expect(m.monitors[0]?.avgResponseSeconds['1d']).toBe(0.0038);
    expect(m.monitors[0]?.url).toBe('http://127.0.0.1:18080/');
    expect(m.monitors[2]?.uptime).toEqual({});
    expect(m.monitors[0]?.certDaysRemaining).toBeUndefined();
  });

  it('the merged view from the three captures', () => {
    const merged = mergeKumaMonitors(
      parseKumaStatusPage(JSON.parse(fixture('status-page.json'))),
      parseKumaHeartbeats(JSON.parse(fixture('heartbeat.json'))),
      parseKumaMetrics(fixture('metrics.txt')),
    );
    expect(merged.map((x) => [x.id, x.statusName, x.pingMs, x.uptime24h, x.group])).toEqual([
      [1, 'up', 3, 1, 'Services'],
      [2, 'down', null, 0, 'Services'],
      [3, 'up', 11, 1, 'Services'],
    ]);
    expect(merged[0]?.lastBeatAt).toBe(Date.UTC(2026, 10, 26, 6, 2, 9, 47));
  });
});

describe('Prometheus text parser', () => {
  it('honours escapes, spacing, timestamps and special values; skips junk', () => {
    const text = [
      '# HELP x y',
      'a 1',
      'b{l="with \\"quote\\" and \\\\ and \\n",m="x,y"} -1.5e3 1700000000000',
      'c{ k = "v" , } +Inf',
      'd NaN',
      'e{broken="} 1',
      'f{x="1"} notanumber',
      '',
      'g_total{a="b"}   42   ',
    ].join('\r\n');
    const s = parsePrometheusText(text);
    expect(s.map((x) => x.name)).toEqual(['a', 'b', 'd', 'g_total']);
    expect(s[1]).toEqual({ name: 'b', labels: { l: 'with "quote" and \\ and \n', m: 'x,y' }, value: -1500 });
    expect(Number.isNaN(s[2]?.value)).toBe(true);
    expect(s[3]?.value).toBe(42);
  });

  it('round-trips any label value', () => {
    fc.assert(
      fc.property(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), (v, n) => {
        const esc = v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
        const [s] = parsePrometheusText(`monitor_status{monitor_name="${esc}"} ${n}`);
        expect(s?.labels.monitor_name).toBe(v);
        expect(s?.value === n).toBe(true); // -0 prints as "0"
      }),
    );
  });

  it('kuma times are UTC; ISO with a zone is kept', () => {
    expect(parseKumaTime('2025-01-01 12:00:00.123')).toBe(Date.UTC(2025, 0, 1, 12, 0, 0, 123));
    expect(parseKumaTime('2025-01-01 12:00:00')).toBe(Date.UTC(2025, 0, 1, 12));
    expect(parseKumaTime('2025-01-01T12:00:00+02:00')).toBe(Date.UTC(2025, 0, 1, 10));
    expect(parseKumaTime('soon')).toBeNull();
    expect(parseKumaTime(null)).toBeNull();
  });
});

describe('Uptime Kuma client against the simulator (2.x)', () => {
  let sim: RunningUptimeKuma;
  let net: OutboundHttp;
  beforeAll(async () => {
    sim = await startUptimeKuma({
      apiKey: API_KEY,
      beatIntervalMs: 0,
      monitors: [
        { id: 1, name: 'Plex', type: 'http', url: 'http://plex:32400', ping: 20 },
        { id: 2, name: 'Overseerr', type: 'http', url: 'http://overseerr:5055', ping: 30 },
        { id: 3, name: 'Backups', type: 'push', tags: [{ name: 'Service', value: 'nas' }] },
        { id: 4, name: 'Hidden', type: 'http', url: 'http://x' },
      ],
      statusPages: [
        {
          slug: 'home',
          title: 'Home',
          groups: [
            { name: 'Media', monitorIds: [1, 2] },
            { name: 'Jobs', monitorIds: [3] },
          ],
        },
      ],
    });
    net = createHttp({
      mode: 'selfhosted',
      allowPrivate: true,
      retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 5 },
      breaker: { threshold: 10, halfOpenAfterMs: 200 },
    });
  });
  afterAll(async () => {
    net.close();
    await sim.close();
  });
  afterEach(() => sim.faults.clear());

  const kuma = (extra: Partial<Parameters<typeof createUptimeKumaClient>[0]> = {}) =>
    createUptimeKumaClient({
      baseUrl: sim.url,
      http: net,
      integrationKey: 'hh1:kuma',
      slug: 'Home',
      apiKey: API_KEY,
      ...extra,
    });

  it('reads the status page, heartbeats and metrics', async () => {
    const c = kuma();
    const page = await c.statusPage();
    expect(page.groups.map((g) => [g.name, g.monitors.map((m) => m.id)])).toEqual([
      ['Media', [1, 2]],
      ['Jobs', [3]],
    ]);
    const hb = await c.heartbeats();
    expect(hb.beats[1]?.length).toBeGreaterThan(0);
    expect(hb.uptime24h[1]).toBe(1);
    const metrics = await c.metrics();
    expect(metrics.monitors.map((m) => m.id).sort()).toEqual([1, 2, 4]);
  });

  it('a monitor flip shows in the merged view (after the cache is dropped, as Kuma does)', async () => {
    const c = kuma();
    const before = await c.monitors();
    expect(before.map((m) => [m.name, m.statusName, m.group])).toEqual([
      ['Plex', 'up', 'Media'],
      ['Overseerr', 'up', 'Media'],
      ['Backups', 'unknown', 'Jobs'],
    ]);
    expect(before[0]?.pingMs).toBe(20);
    sim.setStatus(2, 'DOWN', 'Request failed with status code 503');
    const after = await c.monitors();
    expect(after[1]).toMatchObject({ name: 'Overseerr', statusName: 'down', status: 0, pingMs: null });
    expect(after[1]?.uptime24h).toBeLessThan(1);
    expect(after[1]?.lastBeatAt).toBeGreaterThan(before[1]?.lastBeatAt ?? 0);
    sim.setStatus(2, 'UP');
  });

  it('without a slug, /metrics is the only source; without either, a clear error', async () => {
    const c = kuma({ slug: undefined });
    const list = await c.monitors();
    expect(list.map((m) => m.name).sort()).toEqual(['Hidden', 'Overseerr', 'Plex']);
    expect(list.find((m) => m.name === 'Plex')?.uptime24h).toBe(1);
    const none = kuma({ slug: undefined, apiKey: undefined });
    expect((await failure(none.monitors())).code).toBe('integration.bad_request');
  });

  it('a wrong API key is integration.unauthorized on /metrics, and does not hide the status page', async () => {
    const c = kuma({ apiKey: 'uk1_wrong' });
    const e = await failure(c.metrics());
    expect(e.code).toBe('integration.unauthorized');
    expect(e.message).toBe('Uptime Kuma did not accept the API key for /metrics');
    expect((await c.monitors()).map((m) => m.name)).toEqual(['Plex', 'Overseerr', 'Backups']);
  });

  it('an unknown slug is not_found; a non-Kuma URL is the wrong product', async () => {
    const e = await failure(kuma().statusPage('nope'));
    expect(e.code).toBe('integration.not_found');
    expect(e.message).toBe('Uptime Kuma has no status page "nope"');
    expect((await failure(kuma().statusPage('bad slug!'))).code).toBe('integration.bad_request');
    const wrong = createUptimeKumaClient({
      baseUrl: `${sim.url}/sub`,
      http: net,
      integrationKey: 'w',
      slug: 'home',
      apiKey: API_KEY,
    });
    expect((await failure(wrong.statusPage())).code).toBe('integration.wrong_product');
    expect((await failure(wrong.metrics())).code).toBe('integration.wrong_product');
  });

  it('faults: latency → timeout, 500 → retried, persistent 503 → server_error, hang, reset, malformed', async () => {
    const quick = kuma({ timeoutMs: 400, integrationKey: 'f1' });
    const steady = kuma({ integrationKey: 'f2' });
    sim.faults.add({ path: '/api/status-page/heartbeat/home', latencyMs: 3000 });
    const t = await failure(quick.heartbeats());
    expect(t.code).toBe('http.timeout');
    expect(t.message).toBe('Timed out after 0.4 s waiting for 127.0.0.1');
    sim.faults.clear();

    sim.resetHits();
    sim.faults.add({ path: '/metrics', status: 500, times: 2 });
    expect((await steady.metrics()).monitors.length).toBe(3);
    expect(sim.hits().byRoute['GET /metrics']).toBe(3);
    sim.faults.add({
      path: '/api/status-page/home',
      status: 503,
      body: '{"status":"fail","msg":"SQLITE_BUSY"}',
    });
    const busy = await failure(steady.statusPage());
    expect(busy.code).toBe('integration.server_error');
    expect(busy.message).toBe('Uptime Kuma failed to answer status page "home" (503): SQLITE_BUSY');
    sim.faults.clear();

    sim.faults.add({ path: '/api/status-page/home', hang: true });
    expect((await failure(quick.monitors())).code).toBe('http.timeout');
    sim.faults.clear();
    sim.faults.add({ path: '/api/status-page/home', reset: true });
    expect((await failure(steady.statusPage())).code).toBe('http.reset');
    sim.faults.clear();
    sim.clearCache();
    sim.faults.add({ path: '/api/status-page/heartbeat/home', malformed: true });
    const bad = await failure(steady.heartbeats());
    expect(bad.code).toBe('integration.malformed_response');
  });

  it('the breaker opens after repeated failures and half-opens later', async () => {
    const tight = createHttp({
      mode: 'selfhosted',
      allowPrivate: true,
      retry: { maxRetries: 0 },
      breaker: { threshold: 2, halfOpenAfterMs: 150 },
    });
    const c = createUptimeKumaClient({
      baseUrl: sim.url,
      http: tight,
      integrationKey: 'hh5:kuma',
      slug: 'home',
    });
    sim.faults.add({ path: '/api/status-page/home', status: 502 });
    await failure(c.statusPage());
    await failure(c.statusPage());
    sim.resetHits();
    expect((await failure(c.statusPage())).code).toBe('http.circuit_open');
    expect(sim.hits().total).toBe(0);
    sim.faults.clear();
    await new Promise((r) => setTimeout(r, 200));
    expect((await c.statusPage()).title).toBe('Home');
    tight.close();
  });
});

describe('Uptime Kuma 1.23 shapes from the simulator', () => {
  it('single incident, 50 beats, metrics without monitor_id (matched by name)', async () => {
    const sim = await startUptimeKuma({
      version: '1.23',
      apiKey: API_KEY,
      beatIntervalMs: 0,
      monitors: [
        { id: 1, name: 'Plex', type: 'http', url: 'http://plex:32400', ping: 20, history: 60 },
        { id: 2, name: 'NAS', type: 'ping', hostname: 'nas.lan', status: 'DOWN' },
      ],
      statusPages: [
        {
          slug: 'home',
          title: 'Home',
          monitorIds: [1, 2],
          incident: { title: 'Disk', content: 'replacing', style: 'danger' },
        },
      ],
    });
    const net = createHttp({ mode: 'selfhosted', allowPrivate: true });
    try {
      const c = createUptimeKumaClient({
        baseUrl: sim.url,
        http: net,
        integrationKey: 'k',
        slug: 'home',
        apiKey: API_KEY,
      });
      const page = await c.statusPage();
      expect(page.incidents.map((i) => [i.title, i.style])).toEqual([['Disk', 'danger']]);
      const hb = await c.heartbeats();
      expect(hb.beats[1]?.length).toBe(50);
      const metrics = await c.metrics();
      expect(metrics.monitors.map((m) => [m.id, m.name])).toEqual([
        [undefined, 'Plex'],
        [undefined, 'NAS'],
      ]);
      const merged = await c.monitors();
      expect(merged.map((m) => [m.id, m.name, m.statusName])).toEqual([
        [1, 'Plex', 'up'],
        [2, 'NAS', 'down'],
      ]);
    } finally {
      net.close();
      await sim.close();
    }
  });
});
