/**
 * Uptime Kuma client (PROTOCOLS.md §4, §4.1): the public status page and its heartbeats (no auth),
 * and `/metrics` (Prometheus text, Basic auth with an API key). Both 2.x and 1.23 shapes parse.
 *
 * The old MediaNest matched monitors by hard-coded names and showed "up" when Kuma was
 * unreachable; here monitors are keyed by Kuma's ids, and an unreachable Kuma is an error the
 * dashboard shows as such.
 */
import { z } from 'zod';
import { isHttpError } from '../../port/http.ts';
import { IntegrationError, isIntegrationError } from './errors.ts';
import {
  type ClientBaseOptions,
  createTransport,
  ok,
  optBool,
  optStr,
  parseJson,
  serverMessage,
  statusError,
  tolerantArray,
} from './transport.ts';

export interface UptimeKumaClientOptions extends ClientBaseOptions {
  /** The status page the household picked (used when a method is called without one). */
  slug?: string;
  /** `uk<id>_<secret>`: enables `/metrics`. Kuma ignores the Basic-auth user name then. */
  apiKey?: string;
  /** Only for Kuma without API keys, where `/metrics` takes the admin's user name and password. */
  username?: string;
}

export const KUMA_STATUS = { DOWN: 0, UP: 1, PENDING: 2, MAINTENANCE: 3 } as const;
export type KumaStatusCode = 0 | 1 | 2 | 3;
export type KumaStatusName = 'down' | 'up' | 'pending' | 'maintenance' | 'unknown';

export function kumaStatusName(status: number | undefined): KumaStatusName {
  return status === 0
    ? 'down'
    : status === 1
      ? 'up'
      : status === 2
        ? 'pending'
        : status === 3
          ? 'maintenance'
          : 'unknown';
}

/**
 * Kuma's `YYYY-MM-DD HH:mm:ss[.SSS]` strings are UTC without saying so; `Date.parse` would read
 * them as local time. ISO strings with a zone are accepted as they are.
 */
export function parseKumaTime(value: string | null | undefined): number | null {
  if (!value) return null;
  const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,3})\d*)?)?$/.exec(value.trim());
  if (m) {
    const [, y, mo, d, h, mi, s, ms] = m;
    return Date.UTC(
      Number(y),
      Number(mo) - 1,
      Number(d),
      Number(h),
      Number(mi),
      Number(s ?? 0),
      Number((ms ?? '0').padEnd(3, '0')),
    );
  }
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

// ---------- status page ----------

const KumaIncidentRaw = z.looseObject({
  id: z.number(),
  title: z.string().catch(''),
  content: z.string().nullish().catch(undefined),
  style: z.string().nullish().catch(undefined),
  pin: z.union([z.boolean(), z.number()]).optional().catch(undefined),
  active: z.union([z.boolean(), z.number()]).optional().catch(undefined),
  createdDate: z.string().nullish().catch(undefined),
  lastUpdatedDate: z.string().nullish().catch(undefined),
});

const StatusPageRaw = z.looseObject({
  config: z.looseObject({
    slug: z.string(),
    title: z.string().catch(''),
    description: z.string().nullish().catch(undefined),
    icon: optStr,
    autoRefreshInterval: z.number().optional().catch(undefined),
  }),
  // 2.x: every pinned incident; 1.23: one or null.
  incidents: tolerantArray(KumaIncidentRaw).optional(),
  incident: KumaIncidentRaw.nullish().catch(undefined),
  publicGroupList: tolerantArray(
    z.looseObject({
      id: z.number().optional().catch(undefined),
      name: z.string().catch(''),
      monitorList: tolerantArray(
        z.looseObject({ id: z.number(), name: z.string().catch(''), type: optStr, url: optStr }),
      ).catch([]),
    }),
  ).catch([]),
  maintenanceList: tolerantArray(
    z.looseObject({
      id: z.number(),
      title: z.string().catch(''),
      description: z.string().nullish().catch(undefined),
      status: optStr,
      active: optBool,
    }),
  ).optional(),
});

export interface KumaIncident {
  id: number;
  title: string;
  content: string;
  /** `info`, `warning`, `danger`, `primary`, `light`, `dark`. */
  style: string;
  createdAt: number | null;
  updatedAt: number | null;
}

export interface KumaStatusPage {
  slug: string;
  title: string;
  description: string | null;
  incidents: KumaIncident[];
  groups: {
    id: number | undefined;
    name: string;
    monitors: { id: number; name: string; type: string | undefined }[];
  }[];
  maintenance: { id: number; title: string; description: string | null; status: string | undefined }[];
}

/** Parses `GET /api/status-page/:slug` (2.x or 1.23); throws a ZodError on a foreign shape. */
export function parseKumaStatusPage(json: unknown): KumaStatusPage {
  const raw = StatusPageRaw.parse(json);
  const incidents = raw.incidents ?? (raw.incident ? [raw.incident] : []);
  return {
    slug: raw.config.slug,
    title: raw.config.title,
    description: raw.config.description ?? null,
    incidents: incidents.map((i) => ({
      id: i.id,
      title: i.title,
      content: i.content ?? '',
      style: i.style ?? 'primary',
      createdAt: parseKumaTime(i.createdDate),
      updatedAt: parseKumaTime(i.lastUpdatedDate),
    })),
    groups: raw.publicGroupList.map((g) => ({
      id: g.id,
      name: g.name,
      monitors: g.monitorList.map((m) => ({ id: m.id, name: m.name, type: m.type })),
    })),
    maintenance: (raw.maintenanceList ?? []).map((m) => ({
      id: m.id,
      title: m.title,
      description: m.description ?? null,
      status: m.status,
    })),
  };
}

// ---------- heartbeats ----------

const HeartbeatsRaw = z.looseObject({
  heartbeatList: z.record(
    z.string(),
    tolerantArray(
      z.looseObject({
        status: z.number(),
        time: z.string(),
        ping: z.number().nullish().catch(null),
        msg: z.string().nullish().catch(undefined),
      }),
    ),
  ),
  uptimeList: z.record(z.string(), z.number().nullable().catch(null)),
});

export interface KumaBeat {
  status: number;
  /** Epoch ms (Kuma's UTC time string, parsed as UTC). */
  time: number;
  ping: number | null;
}

export interface KumaHeartbeats {
  /** Oldest first, per monitor id. */
  beats: Record<number, KumaBeat[]>;
  /** 24 h uptime ratio (0–1) per monitor id. */
  uptime24h: Record<number, number>;
}

/** Parses `GET /api/status-page/heartbeat/:slug`. */
export function parseKumaHeartbeats(json: unknown): KumaHeartbeats {
  const raw = HeartbeatsRaw.parse(json);
  const beats: Record<number, KumaBeat[]> = {};
  for (const [id, list] of Object.entries(raw.heartbeatList)) {
    if (!/^\d+$/.test(id)) continue;
    beats[Number(id)] = list.flatMap((b) => {
      const time = parseKumaTime(b.time);
      return time === null ? [] : [{ status: b.status, time, ping: b.ping ?? null }];
    });
  }
  const uptime24h: Record<number, number> = {};
  for (const [key, v] of Object.entries(raw.uptimeList)) {
    const m = /^(\d+)_24$/.exec(key);
    if (m && v !== null) uptime24h[Number(m[1])] = v;
  }
  return { beats, uptime24h };
}

// ---------- /metrics ----------

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?\s*$/;

function parseLabels(body: string): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    while (body[i] === ' ' || body[i] === ',') i++;
    if (i >= body.length) break;
    const eq = body.indexOf('=', i);
    if (eq < 0 || body[eq + 1] !== '"') return undefined;
    const key = body.slice(i, eq).trim();
    let j = eq + 2;
    let value = '';
    for (; j < body.length && body[j] !== '"'; j++) {
      if (body[j] === '\\' && j + 1 < body.length) {
        const next = body[++j];
        value += next === 'n' ? '\n' : next;
      } else value += body[j];
    }
    if (j >= body.length) return undefined;
    labels[key] = value;
    i = j + 1;
  }
  return labels;
}

function parseValue(v: string): number | undefined {
  if (v === '+Inf' || v === 'Inf') return Number.POSITIVE_INFINITY;
  if (v === '-Inf') return Number.NEGATIVE_INFINITY;
  if (v === 'NaN') return Number.NaN;
  const n = Number(v);
  return v.trim() === '' || Number.isNaN(n) ? undefined : n;
}

/**
 * A small, tolerant reader of the Prometheus text format: samples only (HELP/TYPE and comments
 * skipped), label escapes honoured, lines it cannot read skipped rather than failing the rest.
 */
export function parsePrometheusText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '').trim();
    if (!line || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels = m[3] === undefined ? {} : parseLabels(m[3]);
    const value = parseValue(m[4] as string);
    if (!labels || value === undefined) continue;
    out.push({ name: m[1] as string, labels, value });
  }
  return out;
}

export interface KumaMetricMonitor {
  /** Absent in 1.23, which has no `monitor_id` label. */
  id: number | undefined;
  name: string;
  type: string | undefined;
  url: string | undefined;
  status: number | undefined;
  /** ms; null when the last check had none (Kuma writes -1). */
  responseTimeMs: number | null;
  /** 2.x: uptime ratios by window (`1d`, `30d`, `365d`). */
  uptime: Record<string, number>;
  /** 2.x: average response in seconds by window. */
  avgResponseSeconds: Record<string, number>;
  certDaysRemaining: number | undefined;
  certValid: boolean | undefined;
  /** 2.x tag labels (sanitised tag name → comma-joined values). */
  tags: Record<string, string>;
}

const MONITOR_LABELS = new Set([
  'monitor_id',
  'monitor_name',
  'monitor_type',
  'monitor_url',
  'monitor_hostname',
  'monitor_port',
  'window',
]);

const nullish = (v: string | undefined) => (v === undefined || v === 'null' || v === '' ? undefined : v);

/** Folds Kuma's `monitor_*` gauges into one record per monitor (by id in 2.x, by name in 1.23). */
export function kumaMonitorsFromMetrics(samples: readonly PromSample[]): KumaMetricMonitor[] {
  const byKey = new Map<string, KumaMetricMonitor>();
  for (const s of samples) {
    if (!s.name.startsWith('monitor_')) continue;
    const name = s.labels.monitor_name;
    if (name === undefined) continue;
    const idText = s.labels.monitor_id;
    const id = idText !== undefined && /^\d+$/.test(idText) ? Number(idText) : undefined;
    const key = id !== undefined ? `id:${id}` : `name:${name}`;
    let m = byKey.get(key);
    if (!m) {
      const tags: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.labels)) if (!MONITOR_LABELS.has(k)) tags[k] = v;
      m = {
        id,
        name,
        type: nullish(s.labels.monitor_type),
        url: nullish(s.labels.monitor_url),
        status: undefined,
        responseTimeMs: null,
        uptime: {},
        avgResponseSeconds: {},
        certDaysRemaining: undefined,
        certValid: undefined,
        tags,
      };
      byKey.set(key, m);
    }
    const window = s.labels.window;
    switch (s.name) {
      case 'monitor_status':
        m.status = s.value;
        break;
      case 'monitor_response_time':
        m.responseTimeMs = s.value < 0 || !Number.isFinite(s.value) ? null : s.value;
        break;
      case 'monitor_uptime_ratio':
        if (window) m.uptime[window] = s.value;
        break;
      case 'monitor_response_time_seconds':
        if (window) m.avgResponseSeconds[window] = s.value;
        break;
      case 'monitor_cert_days_remaining':
        m.certDaysRemaining = s.value;
        break;
      case 'monitor_cert_is_valid':
        m.certValid = s.value === 1;
        break;
    }
  }
  return [...byKey.values()];
}

export interface KumaMetrics {
  appVersion: string | undefined;
  monitors: KumaMetricMonitor[];
}

export function parseKumaMetrics(text: string): KumaMetrics {
  const samples = parsePrometheusText(text);
  return {
    appVersion: samples.find((s) => s.name === 'app_version')?.labels.version,
    monitors: kumaMonitorsFromMetrics(samples),
  };
}

// ---------- merged view ----------

export interface KumaMonitorView {
  id: number | undefined;
  name: string;
  type: string | undefined;
  /** The status-page group it is shown in. */
  group: string | undefined;
  status: number | undefined;
  statusName: KumaStatusName;
  /** Latest response time in ms. */
  pingMs: number | null;
  /** 24 h uptime ratio 0–1. */
  uptime24h: number | null;
  lastBeatAt: number | null;
  /** Recent beats, oldest first (status-page monitors only), for uptime bars. */
  beats: KumaBeat[];
}

/**
 * One list of monitors with their latest status, ping and 24 h uptime: the status page's
 * monitors (with its heartbeats) when there is one, enriched or replaced by `/metrics`.
 */
export function mergeKumaMonitors(
  page: KumaStatusPage | undefined,
  heartbeats: KumaHeartbeats | undefined,
  metrics: KumaMetrics | undefined,
): KumaMonitorView[] {
  // 2.x metrics carry monitor ids; 1.23 only names.
  const metricFor = (id: number, name: string) =>
    metrics?.monitors.find((x) => (x.id !== undefined ? x.id === id : x.name === name));
  if (page) {
    const seen = new Set<number>();
    const out: KumaMonitorView[] = [];
    for (const g of page.groups) {
      for (const mon of g.monitors) {
        if (seen.has(mon.id)) continue;
        seen.add(mon.id);
        const beats = heartbeats?.beats[mon.id] ?? [];
        const last = beats.at(-1);
        const met = metricFor(mon.id, mon.name);
        const status = last?.status ?? met?.status;
        out.push({
          id: mon.id,
          name: mon.name,
          type: mon.type ?? met?.type,
          group: g.name,
          status,
          statusName: kumaStatusName(status),
          pingMs: last ? last.ping : (met?.responseTimeMs ?? null),
          uptime24h: heartbeats?.uptime24h[mon.id] ?? met?.uptime['1d'] ?? null,
          lastBeatAt: last?.time ?? null,
          beats,
        });
      }
    }
    return out;
  }
  return (metrics?.monitors ?? []).map((m) => ({
    id: m.id,
    name: m.name,
    type: m.type,
    group: undefined,
    status: m.status,
    statusName: kumaStatusName(m.status),
    pingMs: m.responseTimeMs,
    uptime24h: m.uptime['1d'] ?? null,
    lastBeatAt: null,
    beats: [],
  }));
}

// ---------- client ----------

export interface UptimeKumaClient {
  readonly baseUrl: string;
  statusPage(slug?: string): Promise<KumaStatusPage>;
  heartbeats(slug?: string): Promise<KumaHeartbeats>;
  /** Needs `apiKey`. */
  metrics(): Promise<KumaMetrics>;
  /**
   * The merged monitor list. With a slug (option or configured) it is the status page's monitors;
   * `/metrics`, when an API key is configured, fills gaps, and is the only source without a slug.
   * A failing `/metrics` does not hide a working status page.
   */
  monitors(options?: { slug?: string }): Promise<KumaMonitorView[]>;
}

const SLUG = /^[a-z0-9][a-z0-9_-]*$/i;

export function createUptimeKumaClient(options: UptimeKumaClientOptions): UptimeKumaClient {
  const t = createTransport('uptime_kuma', options, { accept: 'application/json' });

  const slugOf = (slug: string | undefined) => {
    const s = slug ?? options.slug;
    if (!s || !SLUG.test(s)) {
      throw new IntegrationError(
        'uptime_kuma',
        'integration.bad_request',
        'A valid status page slug is needed',
      );
    }
    // Kuma lower-cases slugs itself; doing it here keeps the cache key and the URL the same.
    return s.toLowerCase();
  };

  async function getJson<T>(
    path: string,
    what: string,
    parse: (json: unknown) => T,
    notFound?: string,
  ): Promise<T> {
    const res = await t.call({ path });
    if (res.status === 404) {
      const said = serverMessage(res);
      if (notFound && said) {
        throw new IntegrationError('uptime_kuma', 'integration.not_found', notFound, { status: 404 });
      }
      throw new IntegrationError(
        'uptime_kuma',
        'integration.wrong_product',
        `The Uptime Kuma URL has no ${what} (404); is it the address of Uptime Kuma (usually port 3001)?`,
        { status: 404 },
      );
    }
    if (!ok(res)) throw statusError('uptime_kuma', res.status, what, serverMessage(res));
    const json = parseJson('uptime_kuma', res, z.unknown(), what);
    try {
      return parse(json);
    } catch (cause) {
      throw new IntegrationError(
        'uptime_kuma',
        'integration.wrong_product',
        `The Uptime Kuma URL answered ${what}, but not as Uptime Kuma does; is it the address of Uptime Kuma?`,
        { cause, status: res.status },
      );
    }
  }

  const client: UptimeKumaClient = {
    baseUrl: t.baseUrl,

    async statusPage(slug) {
      const s = slugOf(slug);
      return getJson(
        `/api/status-page/${s}`,
        `status page "${s}"`,
        parseKumaStatusPage,
        `Uptime Kuma has no status page "${s}"`,
      );
    },

    async heartbeats(slug) {
      const s = slugOf(slug);
      return getJson(`/api/status-page/heartbeat/${s}`, `heartbeats for "${s}"`, parseKumaHeartbeats);
    },

    async metrics() {
      if (options.apiKey === undefined) {
        throw new IntegrationError(
          'uptime_kuma',
          'integration.bad_request',
          'An Uptime Kuma API key is needed for /metrics',
        );
      }
      const auth = Buffer.from(`${options.username ?? ''}:${options.apiKey}`, 'utf8').toString('base64');
      const res = await t.call({
        path: '/metrics',
        headers: { authorization: `Basic ${auth}`, accept: 'text/plain' },
      });
      if (res.status === 401) {
        throw new IntegrationError(
          'uptime_kuma',
          'integration.unauthorized',
          'Uptime Kuma did not accept the API key for /metrics',
          {
            status: 401,
          },
        );
      }
      if (res.status === 404) {
        throw new IntegrationError(
          'uptime_kuma',
          'integration.wrong_product',
          'The Uptime Kuma URL has no /metrics (404); is it the address of Uptime Kuma?',
          { status: 404 },
        );
      }
      if (!ok(res)) throw statusError('uptime_kuma', res.status, '/metrics', serverMessage(res));
      const text = res.text();
      // Kuma always writes the monitor_status family header, even with no monitors.
      if (!text.includes('monitor_status')) {
        throw new IntegrationError(
          'uptime_kuma',
          'integration.wrong_product',
          /^\s*</.test(text)
            ? 'The Uptime Kuma URL answered /metrics with a web page; is it the address of Uptime Kuma?'
            : 'The /metrics answer has no Uptime Kuma monitor gauges; is it the address of Uptime Kuma?',
          { status: res.status },
        );
      }
      return parseKumaMetrics(text);
    },

    async monitors(o = {}) {
      const slug = o.slug ?? options.slug;
      const metricsCall =
        options.apiKey === undefined
          ? undefined
          : client.metrics().catch((e: unknown) => {
              // With a status page to fall back on, /metrics is a nice-to-have.
              if (slug !== undefined && (isHttpError(e) || isIntegrationError(e))) return undefined;
              throw e;
            });
      if (slug === undefined) {
        if (!metricsCall) {
          throw new IntegrationError(
            'uptime_kuma',
            'integration.bad_request',
            'A status page slug or an API key is needed',
          );
        }
        return mergeKumaMonitors(undefined, undefined, await metricsCall);
      }
      const [page, beats, metrics] = await Promise.all([
        client.statusPage(slug),
        client.heartbeats(slug),
        metricsCall ?? Promise.resolve(undefined),
      ]);
      return mergeKumaMonitors(page, beats, metrics);
    },
  };
  return client;
}
