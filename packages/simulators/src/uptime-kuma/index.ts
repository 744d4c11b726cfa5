/**
 * Uptime Kuma simulator (2.x shapes, `version: '1.23'` for 1.23 shapes):
 * `await startUptimeKuma({ monitors, statusPages, apiKey })`.
 *
 * Control routes (besides the kit's `/__control/hits` and `/__control/faults`):
 * - `GET  /__control/monitors` → monitors with their current status
 * - `POST /__control/monitors` (a MonitorSeed) → the monitor
 * - `POST /__control/monitors/:id/status` `{status, msg?}` → the beat
 * - `POST /__control/beat` `{monitorId?}` → beats (all active monitors when absent)
 * - `POST /__control/tick` → what the beat timer does once (push monitors may go DOWN)
 * - `POST /__control/status-pages/:slug/incident` `{title, content, style?}`
 * - `POST /__control/status-pages/:slug/maintenance` `{title, description?, monitorIds?}` → `{id}`
 * - `DELETE /__control/maintenance/:id`
 * - `GET  /__control/webhooks` → webhook deliveries so far
 * - `DELETE /__control/cache` → drops the status-page cache
 */
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { type RunningSimulator, startServer } from '../kit/index.ts';
import { ApiCache, buildKumaApp } from './app.ts';
import {
  type Beat,
  DOWN,
  KumaState,
  type KumaVersion,
  type MaintenanceSeed,
  type Monitor,
  type MonitorSeed,
  type StatusCode,
  type StatusName,
  type StatusPageSeed,
  toStatus,
  type WebhookDelivery,
} from './model.ts';
import { heartbeatJson, KumaWebhookSender, monitorJson } from './webhook.ts';

export { weakEtag } from './app.ts';
export { renderMetrics, sanitizeLabel } from './metrics.ts';
export type {
  Beat,
  MaintenanceSeed,
  Monitor,
  MonitorSeed,
  StatusName,
  StatusPageSeed,
  WebhookDelivery,
} from './model.ts';
export { DOWN, kumaTime, MAINTENANCE, PENDING, UP } from './model.ts';

export interface UptimeKumaOptions {
  version?: KumaVersion;
  monitors?: MonitorSeed[];
  statusPages?: StatusPageSeed[];
  /** `uk<id>_<secret>`; turns on API-key Basic auth for `/metrics` (username ignored). */
  apiKey?: string;
  /** Username/password for `/metrics` when no API key is set (default admin / admin123). */
  credentials?: { username: string; password: string };
  disableAuth?: boolean;
  webhook?: { url: string; contentType?: 'json' | 'form-data' };
  port?: number;
  clock?: () => number;
  /** Every active non-push monitor beats with its current status this often; 0 turns it off. */
  beatIntervalMs?: number;
}

export interface RunningUptimeKuma extends RunningSimulator {
  version: KumaVersion;
  appVersion: string;
  monitors(): Monitor[];
  addMonitor(seed: MonitorSeed): Monitor;
  /** Flips a monitor: records a beat with that status now (webhook and cache like Kuma). */
  setStatus(monitorId: number, status: StatusName | StatusCode, msg?: string): Beat;
  /** One beat per active non-push monitor (or just `monitorId`) with its current status. */
  beat(monitorId?: number): Beat[];
  /**
   * What the beat timer does: a beat for every active non-push monitor, and a DOWN beat
   * ("No heartbeat in the time window") for push monitors silent for longer than their interval.
   */
  tick(): Beat[];
  /** The notification's "Test" button: `{heartbeat: null, monitor: null, msg: "<name> Testing"}`. */
  sendTestNotification(): void;
  postIncident(slug: string, incident: { title: string; content: string; style?: string }): void;
  /** A manual maintenance on a status page; listed monitors go to MAINTENANCE. Returns its id. */
  addMaintenance(slug: string, maintenance: MaintenanceSeed): number;
  endMaintenance(id: number): void;
  webhookDeliveries(): WebhookDelivery[];
  flushWebhooks(): Promise<void>;
  clearCache(): void;
}

const MonitorSeedSchema = z.object({
  id: z.number().int().positive().optional(),
  name: z.string().min(1),
  type: z.string().optional(),
  url: z.string().nullable().optional(),
  hostname: z.string().nullable().optional(),
  port: z.number().int().nullable().optional(),
  status: z
    .union([z.enum(['UP', 'DOWN', 'PENDING', 'MAINTENANCE']), z.number().int().min(0).max(3)])
    .optional(),
  ping: z.number().nullable().optional(),
  pushToken: z.string().optional(),
  tags: z
    .array(z.object({ name: z.string(), value: z.string().optional(), color: z.string().optional() }))
    .optional(),
  active: z.boolean().optional(),
  interval: z.number().int().positive().optional(),
  description: z.string().nullable().optional(),
  notify: z.boolean().optional(),
  history: z.number().int().min(0).optional(),
  msg: z.string().optional(),
});

const StatusSchema = z.union([
  z.enum(['UP', 'DOWN', 'PENDING', 'MAINTENANCE', 'up', 'down', 'pending', 'maintenance']),
  z.number().int().min(0).max(3),
]);

export async function startUptimeKuma(options: UptimeKumaOptions = {}): Promise<RunningUptimeKuma> {
  if (options.apiKey !== undefined && !/^uk\d+_.+$/.test(options.apiKey)) {
    throw new Error('apiKey must look like Kuma keys: uk<keyId>_<secret>');
  }
  const version = options.version ?? '2';
  const appVersion = version === '2' ? '2.5.3' : '1.23.17';
  const state = new KumaState(version, options.clock ?? Date.now);
  const cache = new ApiCache();
  const webhook = options.webhook ? new KumaWebhookSender(options.webhook, appVersion) : undefined;

  // An important beat (a status change) clears apicache, as `Monitor.beat` does.
  state.onImportant = () => cache.clear();
  state.onNotify = (m, beat) => {
    if (!webhook || !m.notify) return;
    const text = beat.status === 1 ? '✅ Up' : '🔴 Down';
    webhook.send({
      heartbeat: heartbeatJson(m, beat, version, state.lastDownTime(m.id)),
      monitor: monitorJson(m),
      msg: `[${m.name}] [${text}] ${beat.msg}`,
    });
  };

  for (const seed of options.monitors ?? []) state.addMonitor(seed);
  for (const page of options.statusPages ?? []) state.addStatusPage(page);

  // Paths for which the kit's fault middleware has just taken a `malformed` rule: the kit then
  // rewrites the body after the route, so that route must not write to the socket itself.
  const malformedPending = new Map<string, number>();
  const api = buildKumaApp(
    {
      state,
      appVersion,
      ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
      credentials: options.credentials ?? { username: 'admin', password: 'admin123' },
      disableAuth: options.disableAuth ?? false,
      rawWriteAllowed: (method, path) => {
        const key = `${method} ${path}`;
        const pending = malformedPending.get(key) ?? 0;
        if (pending === 0) return true;
        malformedPending.set(key, pending - 1);
        return false;
      },
    },
    cache,
  );

  const setStatus = (monitorId: number, status: StatusName | StatusCode, msg?: string) =>
    state.beat(monitorId, { status: toStatus(status), ...(msg !== undefined ? { msg } : {}) });
  const beat = (monitorId?: number) => {
    if (monitorId !== undefined) return [state.beat(monitorId)];
    return [...state.monitors.values()]
      .filter((m) => m.active && m.type !== 'push')
      .map((m) => state.beat(m.id));
  };
  const tick = () => {
    const out = beat();
    const now = state.now();
    for (const m of state.monitors.values()) {
      if (!m.active || m.type !== 'push') continue;
      const last = (state.beats.get(m.id) ?? []).at(-1);
      if (last && now - last.ms > m.interval * 1000) {
        out.push(state.beat(m.id, { status: DOWN, msg: 'No heartbeat in the time window', ping: null }));
      }
    }
    return out;
  };
  const postIncident = (slug: string, incident: { title: string; content: string; style?: string }) => {
    // Kuma's postIncident does not clear the cache: a cached page keeps the old incident list.
    state.postIncident(slug, incident);
  };

  const control = new Hono();
  const guard = async (c: Context, fn: () => unknown | Promise<unknown>) => {
    try {
      return c.json((await fn()) as object);
    } catch (err) {
      return c.json({ error: err instanceof Error ? err.message : String(err) }, 400);
    }
  };
  control.get('/__control/monitors', (c) => c.json([...state.monitors.values()]));
  control.post('/__control/monitors', (c) =>
    guard(c, async () => {
      const m = state.addMonitor(MonitorSeedSchema.parse(await c.req.json()) as MonitorSeed);
      cache.clear();
      return m;
    }),
  );
  control.post('/__control/monitors/:id/status', (c) =>
    guard(c, async () => {
      const body = z.object({ status: StatusSchema, msg: z.string().optional() }).parse(await c.req.json());
      return setStatus(Number(c.req.param('id')), body.status as StatusName | StatusCode, body.msg);
    }),
  );
  control.post('/__control/beat', (c) =>
    guard(c, async () => {
      const text = await c.req.text();
      const body = z.object({ monitorId: z.number().int().optional() }).parse(text ? JSON.parse(text) : {});
      return beat(body.monitorId);
    }),
  );
  control.post('/__control/tick', (c) => c.json(tick()));
  control.post('/__control/status-pages/:slug/incident', (c) =>
    guard(c, async () => {
      const body = z
        .object({ title: z.string(), content: z.string(), style: z.string().optional() })
        .parse(await c.req.json());
      postIncident(c.req.param('slug'), body);
      return { ok: true };
    }),
  );
  control.post('/__control/status-pages/:slug/maintenance', (c) =>
    guard(c, async () => {
      const body = z
        .object({
          title: z.string(),
          description: z.string().optional(),
          monitorIds: z.array(z.number().int()).optional(),
        })
        .parse(await c.req.json());
      return { id: state.addMaintenance(c.req.param('slug'), body).id };
    }),
  );
  control.delete('/__control/maintenance/:id', (c) =>
    guard(c, () => {
      state.endMaintenance(Number(c.req.param('id')));
      return { ok: true };
    }),
  );
  control.get('/__control/webhooks', (c) => c.json(webhook?.deliveries() ?? []));
  control.delete('/__control/cache', (c) => {
    cache.clear();
    return c.body(null, 204);
  });

  const app = new Hono();
  app.route('/', control);
  app.route('/', api);
  const sim = await startServer('uptime-kuma', app, options.port !== undefined ? { port: options.port } : {});
  const take = sim.faults.take.bind(sim.faults);
  sim.faults.take = (method: string, path: string) => {
    const rule = take(method, path);
    if (rule?.malformed)
      malformedPending.set(`${method} ${path}`, (malformedPending.get(`${method} ${path}`) ?? 0) + 1);
    return rule;
  };

  const every = options.beatIntervalMs ?? 20_000;
  const timer = every > 0 ? setInterval(() => tick(), every) : undefined;
  timer?.unref();

  const running = sim;
  return {
    ...running,
    version,
    appVersion,
    monitors: () => [...state.monitors.values()],
    addMonitor: (seed) => {
      const m = state.addMonitor(seed);
      cache.clear();
      return m;
    },
    setStatus,
    beat,
    tick,
    addMaintenance: (slug, maintenance) => state.addMaintenance(slug, maintenance).id,
    endMaintenance: (id) => state.endMaintenance(id),
    sendTestNotification: () =>
      webhook?.send({ heartbeat: null, monitor: null, msg: 'My Webhook Alert (1) Testing' }),
    postIncident,
    webhookDeliveries: () => webhook?.deliveries() ?? [],
    flushWebhooks: async () => {
      await webhook?.flush();
    },
    clearCache: () => cache.clear(),
    close: async () => {
      if (timer) clearInterval(timer);
      await webhook?.flush();
      await running.close();
    },
  };
}
