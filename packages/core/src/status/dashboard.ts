/**
 * What the dashboard reads: the latest cards with uptime bars (any member; hidden Kuma monitors
 * only for admins), now playing (admins) and recently added (any member), from Plex with the
 * owner's token on the server side. No token, key or URL with a secret ever leaves here.
 */
import { z } from 'zod';
import type { DomainDeps } from '../actor/deps.ts';
import { fn } from '../actor/fn.ts';
import { requireAccess } from '../household/access.ts';
import { type HouseholdItem, keys as householdKeys } from '../household/keys.ts';
import { isIntegrationError } from '../integration/client/errors.ts';
import { createPlexServerClient, type PlexItem } from '../integration/client/plex-server.ts';
import { loadAll } from '../integration/integration.ts';
import type { IntegrationItem } from '../integration/keys.ts';
import { hostOf, type TestResult, type TestResultSchema, withDeadline } from '../integration/probe.ts';
import { isHttpError } from '../port/http.ts';
import * as User from '../user/user.ts';
import { Card, CardStatus } from './card.ts';
import { DEFAULT_CHECK_TIMEOUT_MS, latestCards, plexService, type StatusDeps } from './check.ts';
import { type Bar, emptyHistory, histories, points, type Uptime } from './history.ts';

export const BarSchema = z.object({
  start: z.number().int(),
  status: z.union([CardStatus, z.literal('none')]),
  uptime: z.number().nullable(),
});
export const UptimeSchema = z.object({
  h24: z.number().nullable(),
  d7: z.number().nullable(),
  d30: z.number().nullable(),
});

const DashboardCardBase = Card.extend({
  uptime: UptimeSchema,
  /** 24 hourly bars, oldest first. */
  hours: z.array(BarSchema),
  /** 30 daily bars, oldest first. */
  days: z.array(BarSchema),
});
/** The response shape (for the HTTP layer's OpenAPI); attached monitors are one level deep. */
export const DashboardCardSchema = DashboardCardBase.extend({
  monitors: z.array(DashboardCardBase.extend({ monitors: z.array(z.unknown()) })),
});

export interface DashboardCard extends Card {
  uptime: Uptime;
  /** 24 hourly bars, oldest first. */
  hours: Bar[];
  /** 30 daily bars, oldest first. */
  days: Bar[];
  /** Kuma monitors an admin attached to this card. */
  monitors: DashboardCard[];
}

export const DashboardSchema = z.object({
  configured: z.object({ plex: z.boolean(), overseerr: z.boolean(), uptime_kuma: z.boolean() }),
  cards: z.array(DashboardCardSchema),
  includesHidden: z.boolean(),
});

export interface Dashboard {
  configured: { plex: boolean; overseerr: boolean; uptime_kuma: boolean };
  cards: DashboardCard[];
  /** Whether the caller sees hidden monitors too (admins). */
  includesHidden: boolean;
}

function notChecked(item: IntegrationItem, service: string, now: number): Card {
  return {
    service,
    kind: item.kind === 'uptime_kuma' ? 'uptime_kuma' : item.kind,
    name: item.name,
    status: 'unknown',
    reason: 'Not checked yet',
    code: 'status.not_checked',
    latencyMs: null,
    checkedAt: now,
    since: now,
    details: {},
    visible: true,
    attachTo: null,
  };
}

const serviceOf = (i: IntegrationItem) => (i.kind === 'plex' ? plexService(i.id) : i.kind);

/** The cards of the actor's household (members: visible monitors only) with uptime bars. */
export async function dashboard(deps: DomainDeps): Promise<Dashboard> {
  const access = await requireAccess(deps);
  const admin = access.permissions.includes('manage_integrations');
  const now = deps.clock.now();
  const [integrations, latest, history] = await Promise.all([
    loadAll(deps, access.householdId),
    latestCards(deps, access.householdId),
    histories(deps.table, access.householdId, now),
  ]);
  const byService = new Map(latest.map((l) => [l.service, l]));
  const base: Card[] = [];
  for (const i of integrations) {
    const service = serviceOf(i);
    const l = byService.get(service);
    base.push(l ? toCard(l) : notChecked(i, service, now));
  }
  const kuma = integrations.find((i) => i.kind === 'uptime_kuma');
  if (kuma) for (const l of latest) if (l.kind === 'monitor') base.push(toCard(l));
  const shown = base.filter((c) => admin || c.visible);
  const withHistory = (c: Card): DashboardCard => {
    const h = history.get(c.service) ?? emptyHistory(now);
    return { ...c, uptime: h.uptime, hours: h.hours, days: h.days, monitors: [] };
  };
  const cards = shown.map(withHistory);
  const top = new Map(cards.filter((c) => c.kind !== 'monitor').map((c) => [c.service, c]));
  const out: DashboardCard[] = [];
  for (const c of cards) {
    const host = c.attachTo ? top.get(c.attachTo === 'overseerr' ? 'overseerr' : c.attachTo) : undefined;
    if (c.kind === 'monitor' && host) host.monitors.push(c);
    else out.push(c);
  }
  return {
    configured: {
      plex: integrations.some((i) => i.kind === 'plex'),
      overseerr: integrations.some((i) => i.kind === 'overseerr'),
      uptime_kuma: kuma !== undefined,
    },
    cards: out,
    includesHidden: admin,
  };
}

function toCard(l: Card): Card {
  return {
    service: l.service,
    kind: l.kind,
    name: l.name,
    status: l.status,
    reason: l.reason,
    code: l.code,
    latencyMs: l.latencyMs,
    checkedAt: l.checkedAt,
    since: l.since,
    details: l.details,
    visible: l.visible,
    attachTo: l.attachTo,
  };
}

export const HistoryInput = z.object({ service: z.string().min(1).max(300) });

/** The per-check points of one service over the last 24 h (Kuma monitors have none: see Kuma's beats). */
export const serviceHistory = fn(HistoryInput, async (deps: DomainDeps, { service }) => {
  const access = await requireAccess(deps);
  const admin = access.permissions.includes('manage_integrations');
  if (!admin) {
    const l = await deps.table.get<Card & { pk: string; sk: string }>({
      pk: `H#${access.householdId}`,
      sk: `ST#${service}`,
    });
    if (!l?.visible) return [];
  }
  return points(deps.table, access.householdId, service, deps.clock.now());
});

// ---------------------------------------------------------------------------------------------
// Plex: now playing and recently added

export type PlexDashboardDeps = Pick<
  StatusDeps,
  'table' | 'keyring' | 'clock' | 'http' | 'logger' | 'checkTimeoutMs'
>;

export interface PlexProblem {
  server: string;
  code: string;
  message: string;
}

async function plexClients(deps: PlexDashboardDeps, householdId: string) {
  const household = await deps.table.get<HouseholdItem>(householdKeys.household(householdId));
  const plex = (await loadAll(deps, householdId)).filter((i) => i.kind === 'plex');
  if (!household || plex.length === 0) return [];
  const token = await User.getPlexToken(deps, household.ownerId);
  const timeoutMs = deps.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  return plex.map((item) => ({
    item,
    timeoutMs,
    client: createPlexServerClient({
      baseUrl: item.url,
      http: deps.http,
      integrationKey: `${householdId}:plex:${item.id}`,
      token,
      timeoutMs,
    }),
  }));
}

/** Runs `work` on every server; a failing server becomes a problem entry, not a failed request. */
async function perServer<T>(
  deps: PlexDashboardDeps,
  householdId: string,
  work: (c: Awaited<ReturnType<typeof plexClients>>[number]) => Promise<T[]>,
): Promise<{ items: T[]; problems: PlexProblem[] }> {
  const clients = await plexClients(deps, householdId);
  const results = await Promise.all(
    clients.map(async (c) => {
      try {
        return { items: await withDeadline(work(c), c.timeoutMs, hostOf(c.item.url)), problem: undefined };
      } catch (error) {
        if (!isHttpError(error) && !isIntegrationError(error)) throw error;
        return {
          items: [] as T[],
          problem: { server: c.item.name, code: error.code, message: error.message },
        };
      }
    }),
  );
  return {
    items: results.flatMap((r) => r.items),
    problems: results.flatMap((r) => (r.problem ? [r.problem] : [])),
  };
}

export interface NowPlaying {
  server: { machineIdentifier: string; name: string };
  sessionKey: string;
  user: { title: string; thumb: string | null };
  title: string;
  /** Show / album for episodes and tracks. */
  grandparentTitle: string | null;
  type: string;
  thumb: string | null;
  player: {
    title: string | null;
    product: string | null;
    platform: string | null;
    state: string | null;
    local: boolean | null;
  };
  /** 0–1. */
  progress: number | null;
  decision: 'transcode' | 'copy' | 'direct_play';
  videoDecision: string | null;
  audioDecision: string | null;
  bandwidthKbps: number | null;
  location: 'lan' | 'wan' | null;
}

/** Who is watching what on the household's servers (admins: it names people and their players). */
export async function nowPlaying(
  deps: PlexDashboardDeps,
): Promise<{ sessions: NowPlaying[]; problems: PlexProblem[] }> {
  const access = await requireAccess(deps, { role: 'admin' });
  const { items, problems } = await perServer(deps, access.householdId, async ({ client, item }) =>
    (await client.sessions()).map(
      (s): NowPlaying => ({
        server: { machineIdentifier: item.id, name: item.name },
        sessionKey: s.sessionKey,
        user: { title: s.user.title, thumb: s.user.thumb ?? null },
        title: s.item.title,
        grandparentTitle: s.item.grandparentTitle ?? s.item.parentTitle ?? null,
        type: s.item.type,
        thumb: s.item.grandparentThumb ?? s.item.thumb ?? null,
        player: {
          title: s.player.title ?? null,
          product: s.player.product ?? null,
          platform: s.player.platform ?? null,
          state: s.player.state ?? null,
          local: s.player.local ?? null,
        },
        progress: s.progress ?? null,
        decision: s.decision,
        videoDecision: s.transcode?.videoDecision ?? null,
        audioDecision: s.transcode?.audioDecision ?? null,
        bandwidthKbps: s.bandwidthKbps ?? null,
        location: s.location ?? null,
      }),
    ),
  );
  return { sessions: items, problems };
}

export interface RecentItem {
  server: { machineIdentifier: string; name: string };
  ratingKey: string;
  type: string;
  title: string;
  /** Show title for seasons and episodes. */
  parentTitle: string | null;
  year: number | null;
  addedAt: number | null;
  /** A path on the Plex server (for the image proxy), never a URL with a token. */
  thumb: string | null;
}

export const RecentlyAddedInput = z.object({ limit: z.number().int().min(1).max(50).default(20) });

const recent = (server: IntegrationItem, i: PlexItem): RecentItem => ({
  server: { machineIdentifier: server.id, name: server.name },
  ratingKey: i.ratingKey,
  type: i.type,
  title: i.title,
  parentTitle: i.grandparentTitle ?? i.parentTitle ?? null,
  year: typeof i.year === 'number' ? i.year : null,
  addedAt: i.addedAt === undefined ? null : i.addedAt * 1000,
  thumb: i.thumb ?? i.parentThumb ?? i.grandparentThumb ?? null,
});

/** The newest items across the household's servers, newest first. Any member. */
export const recentlyAdded = fn(
  RecentlyAddedInput,
  async (deps: PlexDashboardDeps, { limit }): Promise<{ items: RecentItem[]; problems: PlexProblem[] }> => {
    const access = await requireAccess(deps);
    const { items, problems } = await perServer(deps, access.householdId, async ({ client, item }) =>
      (await client.recentlyAdded({ size: limit })).items.map((i) => recent(item, i)),
    );
    items.sort((a, b) => (b.addedAt ?? 0) - (a.addedAt ?? 0));
    return { items: items.slice(0, limit), problems };
  },
);

// The schemas describe what the functions return (checked at compile time).
const _dashboardShape: z.input<typeof DashboardSchema> = {} as Dashboard;
const _testShape: z.input<typeof TestResultSchema> = {} as TestResult;
