import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type MonitorSeed,
  type RunningUptimeKuma,
  type StatusPageSeed,
  startUptimeKuma,
  weakEtag,
} from './index.ts';

const FIXTURES =
  process.env.KUMA_FIXTURES ??
  fileURLToPath(new URL('../../../../../shared/fixtures/uptime-kuma', import.meta.url));
const fixture = (name: string) => readFileSync(`${FIXTURES}/${name}`, 'utf8');
const fixtureJson = (name: string) => JSON.parse(fixture(name));

// biome-ignore lint/suspicious/noExplicitAny: tests walk response JSON freely.
type Json = any;

const API_KEY = 'uk1_wfdoSBwOh_OnuwAv79PMHCWe9lY4yRJGNWzadM3l';
const PUSH_TOKEN = 'c6FP16GVsv7UmygPR2KVti7Gx7GDN7KW';

/** The instance the fixtures were captured from (see the fixtures README). */
const MONITORS: MonitorSeed[] = [
  { id: 1, name: 'Local OK', type: 'http', url: 'http://127.0.0.1:18080/', ping: 4 },
  {
    id: 2,
    name: 'Closed port',
    type: 'http',
    url: 'http://127.0.0.1:18099/',
    status: 'DOWN',
    msg: 'connect ECONNREFUSED 127.0.0.1:18099',
  },
  { id: 3, name: 'Push job', type: 'push', pushToken: PUSH_TOKEN },
];
const PAGES: StatusPageSeed[] = [
  {
    slug: 'home',
    title: 'Home',
    description: 'Loopback fixture status page',
    footerText: 'fixture footer',
    monitorIds: [1, 2, 3],
  },
];

interface Received {
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  text: string;
}
let receiver: Server;
let hookUrl: string;
const received: Received[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, rawHeaders: req.rawHeaders, text });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/kuma-webhook`;
});

afterAll(async () => {
  await new Promise((r) => receiver.close(r));
});

let sim: RunningUptimeKuma | undefined;
let now = Date.parse('2026-11-26T06:00:00.000Z');
const clock = () => now;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  received.length = 0;
});

async function start(extra: Parameters<typeof startUptimeKuma>[0] = {}): Promise<RunningUptimeKuma> {
  now = Date.parse('2026-11-26T06:00:00.000Z');
  sim = await startUptimeKuma({
    monitors: MONITORS,
    statusPages: PAGES,
    apiKey: API_KEY,
    webhook: { url: hookUrl },
    clock,
    beatIntervalMs: 0,
    ...extra,
  });
  return sim;
}

/** GET over node:http so header spelling is visible (`rawHeaders`). */
function get(path: string, headers: Record<string, string> = {}) {
  const url = new URL(sim!.url);
  return new Promise<{ status: number; rawHeaders: string[]; headers: IncomingHttpHeaders; text: string }>(
    (resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path, headers }, (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, headers: res.headers, text }),
        );
      });
      req.on('error', reject);
      req.end();
    },
  );
}

const names = (raw: string[]) => raw.filter((_, i) => i % 2 === 0);
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/** Same keys (recursively) and same JSON types; values may differ. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? [] : [shape(v[0])];
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  return v === null ? 'null' : typeof v;
}

async function pushBeats() {
  for (const ping of [12, 15, 11]) {
    now += 20_000;
    const r = await fetch(`${sim!.url}/api/push/${PUSH_TOKEN}?status=up&msg=OK&ping=${ping}`);
    expect(r.status).toBe(200);
  }
}

describe('status page', () => {
  it('reproduces status-page.json byte for byte, with its ETag and headers', async () => {
    await start();
    const r = await get('/api/status-page/home');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual(fixtureJson('status-page.json'));
    const compact = JSON.stringify(fixtureJson('status-page.json'));
    expect(r.text).toBe(compact);
    expect(r.headers.etag).toBe('W/"296-TaGDWO+DTOsIJU7ZC/DIEe3r0m8"');
    expect(weakEtag(compact)).toBe('W/"296-TaGDWO+DTOsIJU7ZC/DIEe3r0m8"');
    expect(names(r.rawHeaders).slice(0, 5)).toEqual([
      'X-Frame-Options',
      'cache-control',
      'Content-Type',
      'Content-Length',
      'ETag',
    ]);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-cache');
    const again = await get('/api/status-page/home');
    expect(again.text).toBe(r.text);
    expect(names(again.rawHeaders).slice(0, 4)).toEqual([
      'x-frame-options',
      'content-type',
      'content-length',
      'etag',
    ]);
    expect(again.headers['cache-control']).toBeUndefined();
  });

  it('lower-cases the slug and answers the 404 body for unknown pages', async () => {
    await start();
    expect((await get('/api/status-page/HOME')).status).toBe(200);
    const r = await get('/api/status-page/nonexistent');
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(r.text)).toEqual(fixtureJson('status-page-404.json'));
  });

  it('shows a pinned incident with the shape of status-page-extras.json (not cleared from cache)', async () => {
    await start();
    const before = await get('/api/status-page/home');
    sim!.postIncident('home', {
      title: 'Fixture incident',
      content: 'Investigating **slow** responses.',
      style: 'warning',
    });
    expect((await get('/api/status-page/home')).text).toBe(before.text);
    sim!.clearCache();
    const body = JSON.parse((await get('/api/status-page/home')).text);
    const extras = fixtureJson('status-page-extras.json');
    expect(shape(body.incidents)).toEqual(shape(extras.incidents));
    expect(body.incidents[0]).toMatchObject({
      title: 'Fixture incident',
      style: 'warning',
      pin: true,
      status_page_id: 1,
    });
    expect(body.incidents[0].createdDate).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('lists a manual maintenance with the shape of status-page-extras.json; its monitors go MAINTENANCE', async () => {
    await start();
    const cached = (await get('/api/status-page/home')).text;
    const id = sim!.addMaintenance('home', {
      title: 'Fixture maintenance',
      description: 'Manual window',
      monitorIds: [1],
    });
    const fresh = await get('/api/status-page/home');
    expect(fresh.text).not.toBe(cached);
    const body = JSON.parse(fresh.text);
    const extras = fixtureJson('status-page-extras.json');
    expect(shape(body.maintenanceList)).toEqual(shape(extras.maintenanceList));
    expect(body.maintenanceList[0]).toMatchObject({
      title: 'Fixture maintenance',
      status: 'under-maintenance',
    });
    const hb = JSON.parse((await get('/api/status-page/heartbeat/home')).text);
    expect(hb.heartbeatList['1'].at(-1).status).toBe(3);
    const metrics = (await get('/metrics', { authorization: basic('', API_KEY) })).text;
    expect(metrics).toMatch(/monitor_status\{monitor_id="1"[^}]*\} 3\n/);
    sim!.endMaintenance(id);
    expect(JSON.parse((await get('/api/status-page/home')).text).maintenanceList).toEqual([]);
    expect(sim!.monitors().find((m) => m.id === 1)?.status).toBe(1);
  });

  it('includes url and tags when the page and group ask for them', async () => {
    await start({
      monitors: [{ id: 7, name: 'Tagged', url: 'http://plex:32400', tags: [{ name: 'env', value: 'home' }] }],
      statusPages: [
        { slug: 'tags', title: 'T', showTags: true, groups: [{ name: 'G', monitorIds: [7], sendUrl: true }] },
      ],
    });
    const body = JSON.parse((await get('/api/status-page/tags')).text);
    const item = body.publicGroupList[0].monitorList[0];
    expect(item).toMatchObject({ id: 7, sendUrl: 1, url: 'http://plex:32400' });
    expect(item.tags[0]).toMatchObject({ name: 'env', value: 'home', monitor_id: 7 });
  });
});

describe('heartbeat list', () => {
  it('matches heartbeat.json’s shape: string keys, oldest first, msg empty, null ping when down', async () => {
    await start();
    await pushBeats();
    const r = await get('/api/status-page/heartbeat/home');
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('no-cache');
    const body = JSON.parse(r.text);
    const fx = fixtureJson('heartbeat.json');
    expect(Object.keys(body.heartbeatList)).toEqual(Object.keys(fx.heartbeatList));
    expect(Object.keys(body.uptimeList)).toEqual(Object.keys(fx.uptimeList));
    expect(body.uptimeList).toEqual({ '1_24': 1, '2_24': 0, '3_24': 1 });
    for (const id of ['1', '2', '3']) {
      for (const beat of body.heartbeatList[id]) {
        expect(Object.keys(beat)).toEqual(['status', 'time', 'msg', 'ping']);
        expect(beat.time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
        expect(beat.msg).toBe('');
      }
    }
    expect(body.heartbeatList['2'].every((b: Json) => b.status === 0 && b.ping === null)).toBe(true);
    expect(body.heartbeatList['3'].map((b: Json) => b.ping)).toEqual([12, 15, 11]);
    const times = body.heartbeatList['1'].map((b: Json) => b.time);
    expect([...times].sort()).toEqual(times);
  });

  it('answers 200 with empty objects for an unknown slug', async () => {
    await start();
    const r = await get('/api/status-page/heartbeat/nonexistent');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual(fixtureJson('heartbeat-nonexistent.json'));
  });

  it('keeps the last 100 beats in 2.x', async () => {
    await start({
      monitors: [{ id: 1, name: 'Busy', history: 130 }],
      statusPages: [{ slug: 'b', title: 'B', monitorIds: [1] }],
    });
    const body = JSON.parse((await get('/api/status-page/heartbeat/b')).text);
    expect(body.heartbeatList['1']).toHaveLength(100);
  });

  it('caches for a minute, but an important beat clears the cache', async () => {
    await start();
    const first = (await get('/api/status-page/heartbeat/home')).text;
    now += 20_000;
    sim!.beat(1);
    const cached = await get('/api/status-page/heartbeat/home');
    expect(cached.text).toBe(first);
    expect(cached.headers['cache-control']).toBeUndefined();
    now += 61_000;
    const expired = await get('/api/status-page/heartbeat/home');
    expect(expired.text).not.toBe(first);
    expect(expired.headers['cache-control']).toBe('no-cache');
    sim!.setStatus(1, 'DOWN', 'Request failed with status code 503');
    const flipped = JSON.parse((await get('/api/status-page/heartbeat/home')).text);
    expect(flipped.heartbeatList['1'].at(-1)).toMatchObject({ status: 0, ping: null });
    expect(flipped.uptimeList['1_24']).toBeLessThan(1);
    expect(flipped.uptimeList['1_24']).toBeGreaterThan(0);
  });
});

describe('/metrics', () => {
  it('answers 401 like metrics-401.txt without or with a wrong key', async () => {
    await start();
    const attempts: Record<string, string>[] = [{}, { authorization: basic('', 'uk1_wrongwrongwrong') }];
    for (const headers of attempts) {
      const r = await get('/metrics', headers);
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Basic');
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.text).toBe('');
    }
    const captured = Object.fromEntries(
      fixture('metrics-401.txt')
        .split(/\r?\n/)
        .slice(1)
        .filter((l) => l.includes(': '))
        .map((l) => [l.slice(0, l.indexOf(': ')).toLowerCase(), l.slice(l.indexOf(': ') + 2)]),
    );
    const mine = await get('/metrics');
    for (const h of ['www-authenticate', 'content-type', 'content-length', 'x-frame-options']) {
      expect(mine.headers[h]).toBe(captured[h]);
    }
  });

  it('serves the same monitor series as metrics.txt; the username is ignored', async () => {
    await start();
    await pushBeats();
    const r = await get('/metrics', { authorization: basic('', API_KEY) });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const series = (text: string) =>
      text
        .split('\n')
        .filter(
          (l) =>
            l.startsWith('monitor_') || l.startsWith('# HELP monitor_') || l.startsWith('# TYPE monitor_'),
        )
        .map((l) => l.replace(/} -?[\d.e+-]+$/, '}'));
    expect(series(r.text)).toEqual(series(fixture('metrics.txt')));
    expect(r.text).toContain('app_version{version="2.5.3",major="2",minor="5",patch="3"} 1');
    const line = (name: string, id: number) =>
      r.text.split('\n').find((l) => l.startsWith(`${name}{monitor_id="${id}"`));
    expect(line('monitor_status', 1)?.endsWith(' 1')).toBe(true);
    expect(line('monitor_status', 2)?.endsWith(' 0')).toBe(true);
    expect(line('monitor_response_time', 2)?.endsWith(' -1')).toBe(true);
    expect(line('monitor_response_time', 3)?.endsWith(' 11')).toBe(true);
    const other = await get('/metrics', { authorization: basic('anything', API_KEY) });
    expect(other.status).toBe(200);
  });

  it('reflects a flip and labels tags', async () => {
    await start({
      monitors: [
        {
          id: 1,
          name: 'Plex',
          url: 'http://plex:32400',
          tags: [{ name: 'Env-1', value: 'home' }, { name: 'role' }],
        },
      ],
      statusPages: [],
    });
    const auth = { authorization: basic('', API_KEY) };
    expect((await get('/metrics', auth)).text).toContain(
      'monitor_status{Env1="home",role="",monitor_id="1",monitor_name="Plex",monitor_type="http",monitor_url="http://plex:32400",monitor_hostname="null",monitor_port="null"} 1',
    );
    sim!.setStatus(1, 'DOWN');
    const text = (await get('/metrics', auth)).text;
    expect(text).toMatch(/monitor_status\{[^}]*monitor_id="1"[^}]*\} 0\n/);
    expect(text).toMatch(/monitor_response_time\{[^}]*monitor_id="1"[^}]*\} -1\n/);
  });

  it('refuses an API key that is not in Kuma’s uk<id>_<secret> format', async () => {
    await expect(startUptimeKuma({ apiKey: 'secret', beatIntervalMs: 0 })).rejects.toThrow(
      /uk<keyId>_<secret>/,
    );
  });

  it('rate-limits API-key checks to 60 a minute', async () => {
    await start();
    const auth = { authorization: basic('', API_KEY) };
    for (let i = 0; i < 60; i++) expect((await get('/metrics', auth)).status).toBe(200);
    expect((await get('/metrics', auth)).status).toBe(401);
    now += 60_001;
    expect((await get('/metrics', auth)).status).toBe(200);
  });

  it('uses username and password without an API key, and nothing with disableAuth', async () => {
    await start({ apiKey: undefined, credentials: { username: 'admin', password: 's3cret' } });
    expect((await get('/metrics', { authorization: basic('admin', 's3cret') })).status).toBe(200);
    expect((await get('/metrics', { authorization: basic('other', 's3cret') })).status).toBe(401);
    await sim!.close();
    sim = await startUptimeKuma({ monitors: MONITORS, disableAuth: true, beatIntervalMs: 0 });
    expect((await get('/metrics')).status).toBe(200);
  });
});

describe('push', () => {
  it('answers push-ok.json and push-404.json', async () => {
    await start();
    const ok = await fetch(`${sim!.url}/api/push/${PUSH_TOKEN}?status=up&msg=OK&ping=12`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await ok.json()).toEqual(fixtureJson('push-ok.json'));
    const bad = await fetch(`${sim!.url}/api/push/badtoken123?status=up&msg=OK&ping=12`);
    expect(bad.status).toBe(404);
    expect(await bad.json()).toEqual(fixtureJson('push-404.json'));
    const down = await fetch(`${sim!.url}/api/push/${PUSH_TOKEN}?status=down&msg=boom`, { method: 'POST' });
    expect(down.status).toBe(200);
    expect(sim!.monitors().find((m) => m.id === 3)?.status).toBe(0);
  });
});

describe('webhook notifications', () => {
  it('sends DOWN then UP with the captured shapes and headers', async () => {
    await start();
    now += 20_000;
    sim!.beat(1);
    now += 20_000;
    const down = sim!.setStatus(1, 'DOWN', 'Request failed with status code 503');
    now += 20_000;
    sim!.setStatus(1, 'UP', '200 - OK');
    await sim!.flushWebhooks();
    expect(received).toHaveLength(2);
    const [d, u] = received.map((r) => ({ ...r, body: JSON.parse(r.text) }));
    const fxDown = fixtureJson('webhook-down.json');
    const fxUp = fixtureJson('webhook-up.json');
    expect(Object.keys(d!.body.heartbeat)).toEqual(Object.keys(fxDown.body.heartbeat));
    expect(Object.keys(u!.body.heartbeat)).toEqual(Object.keys(fxUp.body.heartbeat));
    expect(shape(d!.body.heartbeat)).toEqual(shape(fxDown.body.heartbeat));
    expect(shape(u!.body.heartbeat)).toEqual(shape(fxUp.body.heartbeat));
    expect(Object.keys(d!.body.monitor)).toEqual(Object.keys(fxDown.body.monitor));
    expect(shape(d!.body.monitor)).toEqual(shape(fxDown.body.monitor));
    expect(d!.body.msg).toBe('[Local OK] [🔴 Down] Request failed with status code 503');
    expect(u!.body.msg).toBe('[Local OK] [✅ Up] 200 - OK');
    expect(u!.body.heartbeat.lastDownTime).toBe(down.time);
    expect(d!.body.heartbeat).toMatchObject({
      monitorID: 1,
      status: 0,
      important: true,
      retries: 1,
      timezone: 'UTC',
    });
    const fxNames = Object.keys(fxDown.headers).filter((h) => h !== 'Host' && h !== 'Connection');
    expect(names(d!.rawHeaders).filter((h) => h !== 'Host' && h !== 'Connection')).toEqual(fxNames);
    expect(d!.headers['content-length']).toBe(String(Buffer.byteLength(d!.text)));
    expect(d!.headers['user-agent']).toBe('Uptime-Kuma/2.5.3');
    expect(d!.headers['content-type']).toBe('application/json');
    expect(d!.headers.accept).toBe('application/json, text/plain, */*');
  });

  it('does not notify a first UP beat, but does a first DOWN beat', async () => {
    await start({
      monitors: [
        { id: 1, name: 'Fresh', history: 0 },
        { id: 2, name: 'Broken', history: 0, status: 'DOWN' },
      ],
      statusPages: [],
    });
    sim!.beat(1);
    sim!.beat(1);
    await sim!.flushWebhooks();
    expect(received).toHaveLength(0);
    sim!.beat(2);
    await sim!.flushWebhooks();
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.text).msg).toMatch(/^\[Broken\] \[🔴 Down\]/);
  });

  it('the timer tick marks a silent push monitor DOWN and notifies', async () => {
    await start();
    await pushBeats();
    now += 30_000;
    expect(sim!.tick().some((b) => b.monitorId === 3)).toBe(false);
    now += 61_000;
    const beats = sim!.tick();
    expect(beats.find((b) => b.monitorId === 3)).toMatchObject({
      status: 0,
      msg: 'No heartbeat in the time window',
    });
    await sim!.flushWebhooks();
    const body = JSON.parse(received.at(-1)!.text);
    expect(body.msg).toBe('[Push job] [🔴 Down] No heartbeat in the time window');
    expect(body.heartbeat.ping).toBeNull();
  });

  it('sends the Test notification with null heartbeat and monitor', async () => {
    await start();
    sim!.sendTestNotification();
    await sim!.flushWebhooks();
    expect(JSON.parse(received[0]!.text)).toEqual({
      heartbeat: null,
      monitor: null,
      msg: 'My Webhook Alert (1) Testing',
    });
  });

  it('sends a form-data `data` field when asked', async () => {
    await start({ webhook: { url: hookUrl, contentType: 'form-data' } });
    sim!.setStatus(1, 'DOWN');
    await sim!.flushWebhooks();
    expect(received[0]!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(received[0]!.text).toContain('name="data"');
    expect(received[0]!.text).toContain('"msg":"[Local OK] [🔴 Down]');
  });
});

describe('1.23 shapes', () => {
  it('status page has `incident` and the 1.23 config; heartbeat keeps 50; metrics lack monitor_id and windows', async () => {
    await start({
      version: '1.23',
      monitors: [...MONITORS.slice(0, 2), { id: 4, name: 'Long', history: 70 }],
      statusPages: [{ ...PAGES[0]!, monitorIds: [1, 2, 4] }],
    });
    const page = JSON.parse((await get('/api/status-page/home')).text);
    expect(Object.keys(page)).toEqual(['config', 'incident', 'publicGroupList', 'maintenanceList']);
    expect(page.incident).toBeNull();
    expect(Object.keys(page.config)).toEqual([
      'slug',
      'title',
      'description',
      'icon',
      'theme',
      'published',
      'showTags',
      'customCSS',
      'footerText',
      'showPoweredBy',
      'googleAnalyticsId',
      'showCertificateExpiry',
    ]);
    sim!.postIncident('home', { title: 'Slow', content: 'x' });
    sim!.clearCache();
    expect(JSON.parse((await get('/api/status-page/home')).text).incident).toMatchObject({ title: 'Slow' });
    const hb = JSON.parse((await get('/api/status-page/heartbeat/home')).text);
    expect(hb.heartbeatList['4']).toHaveLength(50);
    const metrics = (await get('/metrics', { authorization: basic('', API_KEY) })).text;
    expect(metrics).not.toContain('monitor_id=');
    expect(metrics).not.toContain('monitor_uptime_ratio');
    expect(metrics).toContain('monitor_status{monitor_name="Local OK",monitor_type="http"');
    expect(metrics).toContain('app_version{version="1.23.17"');
    sim!.setStatus(1, 'DOWN');
    await sim!.flushWebhooks();
    const hook = JSON.parse(received[0]!.text);
    expect(hook.heartbeat.duration).toBe(0);
    expect(hook.heartbeat.retries).toBeUndefined();
    expect(received[0]!.headers['user-agent']).toBe('Uptime-Kuma/1.23.17');
  });
});

describe('control and faults', () => {
  it('control routes flip monitors and add them', async () => {
    await start();
    const flip = await fetch(`${sim!.url}/__control/monitors/1/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'down', msg: 'boom' }),
    });
    expect(flip.status).toBe(200);
    expect(((await flip.json()) as Json).status).toBe(0);
    const page = JSON.parse((await get('/api/status-page/heartbeat/home')).text);
    expect(page.heartbeatList['1'].at(-1).status).toBe(0);
    const added = await fetch(`${sim!.url}/__control/monitors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'New', type: 'http' }),
    });
    expect(((await added.json()) as Json).id).toBe(4);
    const bad = await fetch(`${sim!.url}/__control/monitors/99/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'UP' }),
    });
    expect(bad.status).toBe(400);
  });

  it('injects faults per route, including a malformed status page', async () => {
    await start();
    sim!.faults.add({ path: '/api/status-page/home', status: 503, times: 1 });
    expect((await get('/api/status-page/home')).status).toBe(503);
    expect((await get('/api/status-page/heartbeat/home')).status).toBe(200);
    expect((await get('/api/status-page/home')).status).toBe(200);
    sim!.faults.add({ path: '/api/status-page/heartbeat/home', malformed: true, times: 1 });
    sim!.clearCache();
    const broken = await get('/api/status-page/heartbeat/home');
    expect(() => JSON.parse(broken.text)).toThrow();
    const healed = (await get('/api/status-page/heartbeat/home')).text;
    expect(() => JSON.parse(healed)).not.toThrow();
  });

  it('serves a status badge', async () => {
    await start();
    const r = await get('/api/badge/1/status');
    expect(r.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(r.text).toContain('<title>Status: Up</title>');
    expect(r.text).toContain('#66c20a');
    expect((await get('/api/badge/2/status')).text).toContain('<title>Status: Down</title>');
  });
});
