/**
 * The live dashboard and the integration settings, as the API serves them
 * (packages/api/src/v1/dashboard.ts and integrations.ts). Enumerations stay open strings so a newer
 * server with a new value still renders.
 */
import * as z from 'zod/mini';
import { api } from './api.ts';

const hh = (hid: string) => `/v1/households/${encodeURIComponent(hid)}`;
const nullableString = z.nullable(z.string());
const nullableNumber = z.nullable(z.number());

export const Bar = z.object({ start: z.number(), status: z.string(), uptime: nullableNumber });
export type Bar = z.infer<typeof Bar>;

const CardFields = {
  service: z.string(),
  kind: z.string(),
  name: z.string(),
  status: z.string(),
  reason: nullableString,
  code: nullableString,
  latencyMs: nullableNumber,
  checkedAt: z.number(),
  since: z.number(),
  details: z.object({
    version: z.optional(z.string()),
    connection: z.optional(z.string()),
    activeStreams: z.optional(z.number()),
    pendingRequests: z.optional(z.number()),
    monitorStatus: z.optional(z.string()),
    group: z.optional(z.string()),
    kumaUptime24h: z.optional(nullableNumber),
    monitorCount: z.optional(z.number()),
  }),
  visible: z.boolean(),
  attachTo: nullableString,
};

/** A card as `status.changed` carries it (no bars). */
export const LiveCard = z.object(CardFields);
export type LiveCard = z.infer<typeof LiveCard>;

const Uptime = z.object({ h24: nullableNumber, d7: nullableNumber, d30: nullableNumber });

const BoardCardBase = z.object({
  ...CardFields,
  uptime: Uptime,
  hours: z.array(Bar),
  days: z.array(Bar),
});
export const BoardCard = z.object({
  ...BoardCardBase.shape,
  monitors: z.array(z.object({ ...BoardCardBase.shape, monitors: z.array(z.unknown()) })),
});
export type BoardCard = z.infer<typeof BoardCard>;

export const Dashboard = z.object({
  configured: z.object({ plex: z.boolean(), overseerr: z.boolean(), uptime_kuma: z.boolean() }),
  cards: z.array(BoardCard),
  includesHidden: z.boolean(),
});
export type Dashboard = z.infer<typeof Dashboard>;

export const StatusChanged = z.object({
  householdId: z.string(),
  cards: z.array(LiveCard),
  removed: z.array(z.string()),
});

export const getDashboard = (hid: string, signal?: AbortSignal) =>
  api.get(`${hh(hid)}/dashboard`, { schema: Dashboard, ...(signal ? { signal } : {}) });

const HistoryPoints = z.object({
  points: z.array(z.object({ at: z.number(), status: z.string(), latencyMs: nullableNumber })),
});
export type HistoryPoint = z.infer<typeof HistoryPoints>['points'][number];

export const getHistory = (hid: string, service: string, signal?: AbortSignal) =>
  api.get(`${hh(hid)}/status/${encodeURIComponent(service)}/history`, {
    schema: HistoryPoints,
    ...(signal ? { signal } : {}),
  });

const ServerRef = z.object({ machineIdentifier: z.string(), name: z.string() });
const Problem = z.object({ server: z.string(), code: z.string(), message: z.string() });
export type PlexProblem = z.infer<typeof Problem>;

export const NowPlaying = z.object({
  sessions: z.array(
    z.object({
      server: ServerRef,
      sessionKey: z.string(),
      user: z.object({ title: z.string(), thumb: nullableString }),
      title: z.string(),
      grandparentTitle: nullableString,
      type: z.string(),
      thumb: nullableString,
      player: z.object({
        title: nullableString,
        product: nullableString,
        platform: nullableString,
        state: nullableString,
        local: z.nullable(z.boolean()),
      }),
      progress: nullableNumber,
      decision: z.string(),
      videoDecision: nullableString,
      audioDecision: nullableString,
      bandwidthKbps: nullableNumber,
      location: nullableString,
    }),
  ),
  problems: z.array(Problem),
});
export type NowPlaying = z.infer<typeof NowPlaying>;

export const getNowPlaying = (hid: string, signal?: AbortSignal) =>
  api.get(`${hh(hid)}/now-playing`, { schema: NowPlaying, ...(signal ? { signal } : {}) });

export const RecentlyAdded = z.object({
  items: z.array(
    z.object({
      server: ServerRef,
      ratingKey: z.string(),
      type: z.string(),
      title: z.string(),
      parentTitle: nullableString,
      year: nullableNumber,
      addedAt: nullableNumber,
      thumb: nullableString,
    }),
  ),
  problems: z.array(Problem),
});
export type RecentlyAdded = z.infer<typeof RecentlyAdded>;
export type RecentItem = RecentlyAdded['items'][number];

export const getRecentlyAdded = (hid: string, limit: number, signal?: AbortSignal) =>
  api.get(`${hh(hid)}/recently-added?limit=${limit}`, {
    schema: RecentlyAdded,
    ...(signal ? { signal } : {}),
  });

/** A poster through the library image route (fixed sizes: 100×150 … 600×900). */
export const posterUrl = (hid: string, serverId: string, path: string, width = 200, height = 300) =>
  `/api${hh(hid)}/library/image/${encodeURIComponent(serverId)}?path=${encodeURIComponent(path)}&w=${width}&h=${height}`;

// ---------------------------------------------------------------------------------------------
// Integration settings

export const TestResult = z.object({
  ok: z.boolean(),
  code: z.string(),
  message: z.string(),
  hint: nullableString,
  version: nullableString,
  latencyMs: nullableNumber,
  server: z.optional(z.object({ machineIdentifier: z.string(), name: nullableString })),
  monitors: z.optional(
    z.array(
      z.object({
        id: z.optional(z.number()),
        name: z.string(),
        group: z.optional(z.string()),
        statusName: z.string(),
      }),
    ),
  ),
});
export type TestResult = z.infer<typeof TestResult>;

const MonitorSetting = z.object({
  visible: z.boolean(),
  label: z.optional(z.string()),
  attachTo: z.optional(z.string()),
});
export type MonitorSetting = z.infer<typeof MonitorSetting>;

export const Integration = z.object({
  kind: z.string(),
  id: z.string(),
  name: z.string(),
  url: z.string(),
  urlSource: nullableString,
  slug: nullableString,
  secret: z.nullable(z.object({ masked: z.string() })),
  monitors: z.record(z.string(), MonitorSetting),
  monitorsVisibleByDefault: z.boolean(),
  lastTest: z.nullable(
    z.object({
      ok: z.boolean(),
      at: z.number(),
      code: z.string(),
      message: z.string(),
      version: nullableString,
      latencyMs: nullableNumber,
    }),
  ),
  createdAt: z.number(),
  updatedAt: z.number(),
  updatedBy: z.string(),
});
export type Integration = z.infer<typeof Integration>;

export const getIntegrations = (hid: string, signal?: AbortSignal) =>
  api.get(`${hh(hid)}/integrations`, {
    schema: z.object({ integrations: z.array(Integration) }),
    ...(signal ? { signal } : {}),
  });

const PlexChoices = z.object({
  servers: z.array(
    z.object({
      machineIdentifier: z.string(),
      name: z.string(),
      connections: z.array(
        z.object({ uri: z.string(), local: z.boolean(), relay: z.boolean(), protocol: z.string() }),
      ),
      missing: z.boolean(),
    }),
  ),
});
export type PlexServerChoice = z.infer<typeof PlexChoices>['servers'][number];

export const getPlexConnections = (hid: string, signal?: AbortSignal) =>
  api.get(`${hh(hid)}/integrations/plex/connections`, {
    schema: PlexChoices,
    ...(signal ? { signal } : {}),
  });

export type IntegrationInput =
  | { kind: 'plex'; machineIdentifier: string; url: string }
  | { kind: 'overseerr'; url: string; apiKey?: string }
  | { kind: 'uptime_kuma'; url: string; slug?: string | null; apiKey?: string | null };

export const testIntegration = (hid: string, input: IntegrationInput) =>
  api.post(`${hh(hid)}/integrations/test`, input, { schema: TestResult });

export const saveIntegration = (hid: string, input: IntegrationInput & { saveAnyway?: boolean }) =>
  api.put(`${hh(hid)}/integrations`, input, {
    schema: z.object({ integration: Integration, test: TestResult }),
  });

export const removeIntegration = (hid: string, kind: string, id: string) =>
  api.delete(`${hh(hid)}/integrations/${encodeURIComponent(kind)}/${encodeURIComponent(id)}`);

const KumaMonitors = z.object({
  monitors: z.array(
    z.object({
      id: z.number(),
      name: z.string(),
      group: nullableString,
      statusName: z.string(),
      setting: z.nullable(MonitorSetting),
      visible: z.boolean(),
    }),
  ),
  visibleByDefault: z.boolean(),
  problem: z.nullable(z.object({ code: z.string(), message: z.string(), hint: nullableString })),
});
export type KumaMonitors = z.infer<typeof KumaMonitors>;

export const getKumaMonitors = (hid: string, signal?: AbortSignal) =>
  api.get(`${hh(hid)}/integrations/uptime-kuma/monitors`, {
    schema: KumaMonitors,
    ...(signal ? { signal } : {}),
  });

export const setKumaMonitors = (
  hid: string,
  input: { monitors: Record<string, MonitorSetting>; visibleByDefault?: boolean },
) =>
  api.put(`${hh(hid)}/integrations/uptime-kuma/monitors`, input, {
    schema: z.object({ integration: Integration }),
  });

// ---------------------------------------------------------------------------------------------
// Words for states

const NOT_THERE = new Set(['http.connection_refused', 'http.unreachable', 'http.dns_failure']);

/** The status in words, as a card shows it: a service nothing answers for is "Unreachable". */
export function statusLabel(card: Pick<LiveCard, 'status' | 'code' | 'kind'>): string {
  switch (card.status) {
    case 'up':
      return 'Up';
    case 'degraded':
      return 'Degraded';
    case 'down':
      return card.kind !== 'monitor' && (card.code === null || NOT_THERE.has(card.code))
        ? 'Unreachable'
        : 'Down';
    case 'maintenance':
      return 'Maintenance';
    default:
      return card.code === 'status.not_checked' ? 'Checking…' : 'Unknown';
  }
}

/** Semantic tone of a status (token names from app.css). */
export function statusTone(status: string): 'ok' | 'warn' | 'bad' | 'muted' {
  if (status === 'up') return 'ok';
  if (status === 'degraded' || status === 'maintenance') return 'warn';
  if (status === 'down') return 'bad';
  return 'muted';
}

export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined) return '—';
  const pct = ratio * 100;
  return `${pct >= 99.95 || pct === 0 ? pct.toFixed(0) : pct.toFixed(pct >= 99 ? 2 : 1)}%`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
