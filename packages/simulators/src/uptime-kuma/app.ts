/**
 * Uptime Kuma's public HTTP surface: status page JSON, heartbeat list, `/metrics` behind Basic
 * auth, push, and status badges.
 *
 * The two status-page routes go through an apicache-like cache (5 min / 1 min). Like the real
 * server, a fresh answer carries `cache-control: no-cache` and Express's header spelling, and a
 * cached replay has lower-cased names and no `cache-control`. To control header spelling these
 * routes write to Node's response directly (Hono's Headers would lower-case everything).
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { type Context, Hono } from 'hono';
import { renderMetrics } from './metrics.ts';
import { DOWN, type KumaState, MAINTENANCE, type Monitor, UP } from './model.ts';

export interface KumaAppContext {
  state: KumaState;
  appVersion: string;
  apiKey?: string;
  credentials: { username: string; password: string };
  disableAuth: boolean;
  /** False while a `malformed` fault targets the path: the kit must be able to rewrite the body. */
  rawWriteAllowed: (method: string, path: string) => boolean;
}

interface CacheEntry {
  status: number;
  body: string;
  etag: string;
  expires: number;
}

export class ApiCache {
  readonly #entries = new Map<string, CacheEntry>();
  clear(): void {
    this.#entries.clear();
  }
  get(key: string, now: number): CacheEntry | undefined {
    const e = this.#entries.get(key);
    if (e && e.expires > now) return e;
    if (e) this.#entries.delete(key);
    return undefined;
  }
  set(key: string, entry: CacheEntry): void {
    this.#entries.set(key, entry);
  }
}

/** Express's weak ETag (`etag` package): `W/"<length hex>-<sha1 base64, 27 chars>"`. */
export function weakEtag(body: string): string {
  const len = Buffer.byteLength(body, 'utf8');
  const hash = createHash('sha1').update(body, 'utf8').digest('base64').substring(0, 27);
  return `W/"${len.toString(16)}-${hash}"`;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** A rolling 60-per-minute budget like Kuma's `apiRateLimiter` for API-key checks. */
class RateLimiter {
  readonly #stamps: number[] = [];
  readonly #limit: number;
  constructor(limit: number) {
    this.#limit = limit;
  }
  pass(now: number): boolean {
    while (this.#stamps.length > 0 && (this.#stamps[0] ?? 0) <= now - 60_000) this.#stamps.shift();
    return this.#stamps.length < this.#limit;
  }
  take(now: number): void {
    this.#stamps.push(now);
  }
}

export function buildKumaApp(ctx: KumaAppContext, cache: ApiCache): Hono {
  const { state } = ctx;
  const app = new Hono();
  const limiter = new RateLimiter(60);

  // helmet's frameguard: every Kuma answer carries it.
  app.use('*', async (c, next) => {
    await next();
    if (!c.res.headers.get('x-hono-already-sent')) c.res.headers.set('X-Frame-Options', 'SAMEORIGIN');
  });

  /** Answers from the cache, or computes, stores and answers fresh. */
  const cached = (c: Context, ttlMs: number, compute: () => { status: number; body: unknown }) => {
    const url = new URL(c.req.url);
    const key = url.pathname + url.search;
    const now = state.now();
    const hit = cache.get(key, now);
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    const raw = outgoing !== undefined && ctx.rawWriteAllowed(c.req.method, url.pathname);
    if (hit) {
      const headers: [string, string][] = [
        ['x-frame-options', 'SAMEORIGIN'],
        ['content-type', JSON_TYPE],
        ['content-length', String(Buffer.byteLength(hit.body))],
        ['etag', hit.etag],
      ];
      return send(c, outgoing, raw, hit.status, headers, hit.body);
    }
    const fresh = compute();
    const body = JSON.stringify(fresh.body);
    const etag = weakEtag(body);
    cache.set(key, { status: fresh.status, body, etag, expires: now + ttlMs });
    const headers: [string, string][] = [
      ['X-Frame-Options', 'SAMEORIGIN'],
      ['cache-control', 'no-cache'],
      ['Content-Type', JSON_TYPE],
      ['Content-Length', String(Buffer.byteLength(body))],
      ['ETag', etag],
    ];
    return send(c, outgoing, raw, fresh.status, headers, body);
  };

  app.get('/api/status-page/heartbeat/:slug', (c) =>
    cached(c, 60_000, () => {
      const page = state.pages.get(c.req.param('slug').toLowerCase());
      const heartbeatList: Record<string, unknown[]> = {};
      const uptimeList: Record<string, number> = {};
      for (const g of page?.groups ?? []) {
        for (const id of g.monitorIds) {
          const list = (state.beats.get(id) ?? []).slice(-state.listLimit);
          heartbeatList[String(id)] = list.map((b) => ({
            status: b.status,
            time: b.time,
            msg: '',
            ping: b.ping,
          }));
          uptimeList[`${id}_24`] = state.uptime(id);
        }
      }
      return { status: 200, body: { heartbeatList, uptimeList } };
    }),
  );

  app.get('/api/status-page/:slug', (c) =>
    cached(c, 5 * 60_000, () => {
      const page = state.pages.get(c.req.param('slug').toLowerCase());
      if (!page) return { status: 404, body: { status: 'fail', msg: 'Status Page Not Found' } };
      return { status: 200, body: statusPageJson(state, page) };
    }),
  );

  app.all('/api/push/:token', (c) => {
    const token = c.req.param('token');
    const msg = c.req.query('msg') || 'OK';
    const parsedPing = Number.parseFloat(c.req.query('ping') ?? '');
    const ping = Number.isNaN(parsedPing) || parsedPing === 0 ? null : parsedPing;
    const statusString = c.req.query('status') || 'up';
    const MAX_PING_MS = 100_000_000_000;
    if (ping !== null && (ping < 0 || ping > MAX_PING_MS)) {
      return expressJson(
        { ok: false, msg: `Invalid ping value. Must be between 0 and ${MAX_PING_MS} ms.` },
        404,
      );
    }
    const monitor = [...state.monitors.values()].find((m) => m.pushToken === token && m.active);
    if (!monitor) return expressJson({ ok: false, msg: 'Monitor not found or not active.' }, 404);
    const status = monitor.status === MAINTENANCE ? MAINTENANCE : statusString === 'up' ? UP : DOWN;
    state.beat(monitor.id, { status, msg: status === MAINTENANCE ? 'Monitor under maintenance' : msg, ping });
    return expressJson({ ok: true });
  });

  app.get('/metrics', (c) => {
    if (!ctx.disableAuth && !authorised(c.req.header('authorization'))) {
      return new Response('', {
        status: 401,
        headers: { 'WWW-Authenticate': 'Basic', 'Content-Type': 'text/html; charset=utf-8' },
      });
    }
    return new Response(renderMetrics(state, ctx.appVersion), {
      headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' },
    });
  });

  app.get('/api/badge/:id/status', (c) => {
    const m = state.monitors.get(Number(c.req.param('id')));
    const onPage =
      m !== undefined &&
      [...state.pages.values()].some((p) => p.groups.some((g) => g.monitorIds.includes(m.id)));
    const label = c.req.query('label') ?? 'Status';
    let text = 'N/A';
    let color = '#9f9f9f';
    if (m && onPage) {
      const last = (state.beats.get(m.id) ?? []).at(-1)?.status ?? m.status;
      [text, color] =
        last === UP
          ? [c.req.query('upLabel') ?? 'Up', c.req.query('upColor') ?? '#66c20a']
          : last === DOWN
            ? [c.req.query('downLabel') ?? 'Down', c.req.query('downColor') ?? '#c2290a']
            : last === MAINTENANCE
              ? [
                  c.req.query('maintenanceLabel') ?? 'Maintenance',
                  c.req.query('maintenanceColor') ?? '#1747f5',
                ]
              : [c.req.query('pendingLabel') ?? 'Pending', c.req.query('pendingColor') ?? '#f8a306'];
    }
    return new Response(badge(label, text, color), {
      headers: {
        'cache-control': 'no-cache',
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'GET, PUT, POST, DELETE, OPTIONS',
        'Access-Control-Allow-Headers': 'Origin, X-Requested-With, Content-Type, Accept',
        'Content-Type': 'image/svg+xml; charset=utf-8',
      },
    });
  });

  function authorised(header: string | undefined): boolean {
    if (!header?.startsWith('Basic ')) return false;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const username = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    if (ctx.apiKey !== undefined) {
      // With API keys on, the username is ignored; checks are rate-limited to 60 a minute.
      const now = state.now();
      if (!limiter.pass(now)) return false;
      limiter.take(now);
      return password === ctx.apiKey;
    }
    return username.trim() === ctx.credentials.username && password === ctx.credentials.password;
  }

  return app;
}

/** Express's `res.json`: charset in the type, and a weak ETag. */
function expressJson(body: unknown, status = 200): Response {
  const text = JSON.stringify(body);
  return new Response(text, { status, headers: { 'Content-Type': JSON_TYPE, ETag: weakEtag(text) } });
}

function send(
  c: Context,
  outgoing: ServerResponse | undefined,
  raw: boolean,
  status: number,
  headers: [string, string][],
  body: string,
): Response {
  if (raw && outgoing) {
    outgoing.writeHead(status, headers.flat());
    outgoing.end(body);
    return RESPONSE_ALREADY_SENT;
  }
  void c;
  // Leave Content-Length to the adapter: Hono copies old headers onto a replaced `c.res`, so an
  // explicit length would outlive the kit's `malformed` truncation and stall the client.
  return new Response(body, {
    status,
    headers: headers.filter(([k]) => k.toLowerCase() !== 'content-length'),
  });
}

/** A manual maintenance as status-page-extras.json shows it. */
function maintenanceJson(state: KumaState, id: number): Record<string, unknown> | undefined {
  const m = state.maintenances.get(id);
  if (!m) return undefined;
  return {
    id: m.id,
    title: m.title,
    description: m.description,
    strategy: 'manual',
    intervalDay: 1,
    active: true,
    dateRange: [null],
    timeRange: [
      { hours: 0, minutes: 0 },
      { hours: 0, minutes: 0 },
    ],
    weekdays: [],
    daysOfMonth: [],
    timeslotList: [],
    cron: '',
    durationMinutes: null,
    timezone: 'UTC',
    timezoneOption: 'SAME_AS_SERVER',
    timezoneOffset: '+00:00',
    status: 'under-maintenance',
  };
}

function statusPageJson(
  state: KumaState,
  page: ReturnType<KumaState['pages']['get']> & object,
): Record<string, unknown> {
  const v2 = state.version === '2';
  const config: Record<string, unknown> = v2
    ? {
        slug: page.slug,
        title: page.title,
        description: page.description,
        icon: '/icon.svg',
        autoRefreshInterval: 300,
        theme: 'auto',
        published: page.published,
        showTags: page.showTags,
        customCSS: null,
        footerText: page.footerText,
        showPoweredBy: true,
        analyticsId: null,
        analyticsScriptUrl: null,
        analyticsType: null,
        showCertificateExpiry: false,
        showOnlyLastHeartbeat: false,
        rssTitle: null,
      }
    : {
        slug: page.slug,
        title: page.title,
        description: page.description,
        icon: '/icon.svg',
        theme: 'auto',
        published: page.published,
        showTags: page.showTags,
        customCSS: null,
        footerText: page.footerText,
        showPoweredBy: true,
        googleAnalyticsId: null,
        showCertificateExpiry: false,
      };
  const publicGroupList = page.groups.map((g) => ({
    id: g.id,
    name: g.name,
    weight: g.weight,
    monitorList: g.monitorIds
      .map((id) => state.monitors.get(id))
      .filter((m): m is Monitor => m !== undefined)
      .map((m) => {
        // `sendUrl` is the integer column value, not a boolean.
        const item: Record<string, unknown> = {
          id: m.id,
          name: m.name,
          sendUrl: g.sendUrl ? 1 : 0,
          type: m.type,
        };
        if (g.sendUrl) item.url = m.url;
        if (page.showTags) {
          item.tags = m.tags.map((t, i) => ({
            id: m.id * 100 + i,
            monitor_id: m.id,
            tag_id: i + 1,
            value: t.value ?? '',
            name: t.name,
            color: t.color ?? '#2563EB',
          }));
        }
        return item;
      }),
  }));
  const pinned = page.incidents.filter((i) => i.pin && i.active);
  const maintenanceList = page.maintenanceIds
    .map((id) => maintenanceJson(state, id))
    .filter((m): m is Record<string, unknown> => m !== undefined);
  if (v2) {
    return {
      config,
      incidents: pinned.map((i) => ({
        id: i.id,
        style: i.style,
        title: i.title,
        content: i.content,
        pin: true,
        active: true,
        createdDate: i.createdDate,
        lastUpdatedDate: i.lastUpdatedDate,
        status_page_id: page.id,
      })),
      publicGroupList,
      maintenanceList,
    };
  }
  const one = pinned[pinned.length - 1];
  return {
    config,
    // 1.23 reads the raw SQLite row, so `pin` is the integer 1 there. [inferred]
    incident: one
      ? {
          id: one.id,
          style: one.style,
          title: one.title,
          content: one.content,
          pin: 1,
          createdDate: one.createdDate,
          lastUpdatedDate: one.lastUpdatedDate,
        }
      : null,
    publicGroupList,
    maintenanceList,
  };
}

/** A shields-style flat badge like badge-maker's, with approximate Verdana text widths. */
function badge(label: string, message: string, color: string): string {
  const width = (s: string) => Math.round(s.length * 6.5 + 10);
  const lw = Math.max(width(label), 20);
  const mw = Math.max(width(message), 20);
  const total = lw + mw;
  const esc = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const l = esc(label);
  const m = esc(message);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${total}" height="20" role="img" aria-label="${l}: ${m}"><title>${l}: ${m}</title>` +
    `<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>` +
    `<clipPath id="r"><rect width="${total}" height="20" rx="3" fill="#fff"/></clipPath>` +
    `<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${mw}" height="20" fill="${color}"/><rect width="${total}" height="20" fill="url(#s)"/></g>` +
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" text-rendering="geometricPrecision" font-size="110">` +
    `<text aria-hidden="true" x="${lw * 5}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="${(lw - 10) * 10}">${l}</text>` +
    `<text x="${lw * 5}" y="140" transform="scale(.1)" fill="#fff" textLength="${(lw - 10) * 10}">${l}</text>` +
    `<text aria-hidden="true" x="${lw * 10 + mw * 5}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="${(mw - 10) * 10}">${m}</text>` +
    `<text x="${lw * 10 + mw * 5}" y="140" transform="scale(.1)" fill="#fff" textLength="${(mw - 10) * 10}">${m}</text></g></svg>`
  );
}
