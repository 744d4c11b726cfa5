/**
 * `checkHousehold`: one status check of every integration of a household, run by the
 * `status.check_household` job (watched households every interval, every household with
 * integrations in the slow sweep).
 *
 * - Plex, Overseerr and Kuma are checked in parallel, each bounded by `checkTimeoutMs` (all
 *   retries included). A failing service becomes a `degraded`/`down` card with the reason; the
 *   check itself never throws for a service's failure.
 * - Kuma unreachable: its monitors become `unknown` with the reason, never a fake "up".
 * - The latest card per service is stored (`ST#<service>`), history is recorded, and only
 *   CHANGES (status, reason or facts; not ping jitter) are published on the household topic as
 *   `status.changed`. Down/up transitions also raise `status.alert` (alerts.ts).
 */
import type { DomainDeps } from '../actor/deps.ts';
import type { HouseholdItem, MemberItem } from '../household/keys.ts';
import { keys as householdKeys } from '../household/keys.ts';
import { effectivePermissions } from '../household/permissions.ts';
import { createOverseerrClient } from '../integration/client/overseerr.ts';
import { createPlexServerClient } from '../integration/client/plex-server.ts';
import { createUptimeKumaClient } from '../integration/client/uptime-kuma.ts';
import { loadAll, secretOf } from '../integration/integration.ts';
import type { IntegrationItem } from '../integration/keys.ts';
import { hostOf, withDeadline, withoutBreaker } from '../integration/probe.ts';
import { metrics } from '../observability/metrics.ts';
import { type Http, isHttpError } from '../port/http.ts';
import type { Realtime } from '../port/realtime.ts';
import type { Key } from '../port/table.ts';
import { queryAll } from '../port/table.ts';
import * as User from '../user/user.ts';
import { alertFor, emitAlerts, type StatusAlert } from './alerts.ts';
import { type Card, monitorStatus, type Observed, signature, slowReason, statusOfError } from './card.ts';
import { recordHistory } from './history.ts';
import { keys, type LatestItem } from './keys.ts';

export interface StatusDeps extends DomainDeps {
  http: Http;
  realtime: Realtime;
  /** One service's check, every attempt included (default 8 s). */
  checkTimeoutMs?: number;
  /** Slower answers make a card `degraded` (default 3 s). */
  slowMs?: number;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 8_000;
export const DEFAULT_SLOW_MS = 3_000;

export interface CheckResult {
  householdId: string;
  /** Every card after the check. */
  cards: Card[];
  /** Cards whose status, reason or facts changed (published when visible). */
  changed: Card[];
  /** Services that no longer exist (integration or monitor removed). */
  removed: string[];
  alerts: StatusAlert[];
}

export const plexService = (machineIdentifier: string) => `plex:${machineIdentifier}`;
export const monitorService = (id: number | undefined, name: string) =>
  `monitor:${id ?? `name-${encodeURIComponent(name)}`}`;

/** The latest card of every service of a household. */
export async function latestCards(
  deps: Pick<DomainDeps, 'table'>,
  householdId: string,
): Promise<LatestItem[]> {
  const out = await queryAll<LatestItem>(deps.table, {
    pk: `H#${householdId}`,
    sk: { beginsWith: keys.latestPrefix },
    limit: 1000,
  });
  return out;
}

interface Ctx {
  deps: StatusDeps;
  householdId: string;
  timeoutMs: number;
  slowMs: number;
  previous: Map<string, LatestItem>;
  ownerToken: () => Promise<string>;
}

/**
 * Whether the previous card shows a failure a real call saw (so an open breaker is just that
 * failure continuing). Not the case when it was up, slow, not yet checked, or itself "paused".
 */
function knownFailure(prev: LatestItem | undefined): boolean {
  return (
    prev !== undefined &&
    prev.status !== 'up' &&
    prev.code !== 'http.circuit_open' &&
    prev.code !== 'status.slow' &&
    prev.code !== 'status.not_checked'
  );
}

/**
 * The breaker refused the call but this card never saw the failure behind it (other calls, e.g.
 * the dashboard's Plex reads, opened it): the check asks once past the breaker, so the card says
 * what is really wrong ("refused", "timed out") instead of "paused".
 */
function askPastBreaker(ctx: Ctx, service: string, error: unknown, direct: boolean): boolean {
  return !direct && isHttpError(error, 'http.circuit_open') && !knownFailure(ctx.previous.get(service));
}

function failed(
  ctx: Ctx,
  base: Omit<Observed, 'status' | 'reason' | 'code' | 'latencyMs'>,
  error: unknown,
): Observed {
  const prev = ctx.previous.get(base.service);
  if (isHttpError(error, 'http.circuit_open') && prev && prev.status !== 'up') {
    // The breaker short-circuits because the service kept failing: it is still failing the way
    // the last real call showed. Reporting "degraded: paused" instead would turn a down card into
    // a working one (and raise an "up" alert) while nothing came back.
    return { ...base, status: prev.status, code: prev.code, reason: prev.reason, latencyMs: null };
  }
  const { status, code, reason } = statusOfError(error);
  return { ...base, status, code, reason, latencyMs: null };
}

function timed<T>(ctx: Ctx, url: string, work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  return withDeadline(
    work().then((value) => ({ value, ms: Math.round(performance.now() - started) })),
    ctx.timeoutMs,
    hostOf(url),
  );
}

function judged(
  ctx: Ctx,
  base: Omit<Observed, 'status' | 'reason' | 'code' | 'latencyMs'>,
  ms: number,
): Observed {
  const slow = ms > ctx.slowMs;
  return {
    ...base,
    status: slow ? 'degraded' : 'up',
    reason: slow ? slowReason(ms) : null,
    code: slow ? 'status.slow' : null,
    latencyMs: ms,
  };
}

async function checkPlex(ctx: Ctx, item: IntegrationItem, direct = false): Promise<Observed[]> {
  const base = {
    service: plexService(item.id),
    kind: 'plex' as const,
    name: item.name,
    details: { connection: hostOf(item.url) },
    visible: true,
    attachTo: null,
  };
  try {
    const token = await ctx.ownerToken();
    const { value, ms } = await timed(ctx, item.url, async () => {
      const client = createPlexServerClient({
        baseUrl: item.url,
        http: direct ? withoutBreaker(ctx.deps.http) : ctx.deps.http,
        integrationKey: `${ctx.householdId}:plex:${item.id}`,
        token,
        timeoutMs: ctx.timeoutMs,
      });
      const identity = await client.identity();
      const sessions = await client.sessions();
      return { identity, sessions };
    });
    if (value.identity.machineIdentifier !== item.id) {
      return [
        {
          ...base,
          status: 'degraded',
          code: 'plex.wrong_server',
          reason: `${hostOf(item.url)} now answers as another Plex server`,
          latencyMs: ms,
        },
      ];
    }
    return [
      judged(
        ctx,
        {
          ...base,
          details: { ...base.details, version: value.identity.version, activeStreams: value.sessions.length },
        },
        ms,
      ),
    ];
  } catch (error) {
    if (askPastBreaker(ctx, base.service, error, direct)) return checkPlex(ctx, item, true);
    return [failed(ctx, base, error)];
  }
}

async function checkOverseerr(ctx: Ctx, item: IntegrationItem, direct = false): Promise<Observed[]> {
  const base = {
    service: 'overseerr',
    kind: 'overseerr' as const,
    name: item.name,
    details: {},
    visible: true,
    attachTo: null,
  };
  try {
    const apiKey = (await secretOf(ctx.deps, item)) ?? '';
    const { value, ms } = await timed(ctx, item.url, async () => {
      const client = createOverseerrClient({
        baseUrl: item.url,
        http: direct ? withoutBreaker(ctx.deps.http) : ctx.deps.http,
        integrationKey: `${ctx.householdId}:overseerr`,
        apiKey,
        timeoutMs: ctx.timeoutMs,
      });
      const [status, count] = await Promise.all([client.status(), client.requestCount()]);
      return { status, count };
    });
    return [
      judged(
        ctx,
        { ...base, details: { version: value.status.version, pendingRequests: value.count.pending } },
        ms,
      ),
    ];
  } catch (error) {
    if (askPastBreaker(ctx, base.service, error, direct)) return checkOverseerr(ctx, item, true);
    return [failed(ctx, base, error)];
  }
}

async function checkKuma(ctx: Ctx, item: IntegrationItem, direct = false): Promise<Observed[]> {
  const base = {
    service: 'uptime_kuma',
    kind: 'uptime_kuma' as const,
    name: item.name,
    details: {},
    visible: true,
    attachTo: null,
  };
  const setting = (id: number | undefined) => (id === undefined ? undefined : item.monitors?.[String(id)]);
  const visibleByDefault = item.monitorsVisibleByDefault ?? true;
  try {
    const apiKey = await secretOf(ctx.deps, item);
    const { value: monitors, ms } = await timed(ctx, item.url, async () => {
      const client = createUptimeKumaClient({
        baseUrl: item.url,
        http: direct ? withoutBreaker(ctx.deps.http) : ctx.deps.http,
        integrationKey: `${ctx.householdId}:uptime_kuma`,
        timeoutMs: ctx.timeoutMs,
        ...(item.slug ? { slug: item.slug } : {}),
        ...(apiKey ? { apiKey } : {}),
      });
      return client.monitors();
    });
    const cards: Observed[] = [judged(ctx, { ...base, details: { monitorCount: monitors.length } }, ms)];
    for (const m of monitors) {
      const s = setting(m.id);
      const status = monitorStatus(m.statusName);
      cards.push({
        service: monitorService(m.id, m.name),
        kind: 'monitor',
        name: s?.label ?? m.name,
        status,
        reason: status === 'up' ? null : `Uptime Kuma reports ${m.statusName}`,
        code: status === 'up' ? null : `kuma.${m.statusName}`,
        latencyMs: m.pingMs,
        details: {
          monitorStatus: m.statusName,
          kumaUptime24h: m.uptime24h,
          ...(m.group ? { group: m.group } : {}),
        },
        visible: s?.visible ?? visibleByDefault,
        attachTo: s?.attachTo ?? null,
      });
    }
    return cards;
  } catch (error) {
    if (askPastBreaker(ctx, base.service, error, direct)) return checkKuma(ctx, item, true);
    const kuma = failed(ctx, base, error);
    // Without Kuma nobody knows how the monitors are: they turn unknown, they do not stay "up".
    const monitors: Observed[] = [...ctx.previous.values()]
      .filter((p) => p.kind === 'monitor')
      .map((p) => {
        const id = /^monitor:(\d+)$/.exec(p.service)?.[1];
        const s = id === undefined ? undefined : item.monitors?.[id];
        return {
          service: p.service,
          kind: 'monitor' as const,
          name: s?.label ?? p.name,
          status: 'unknown' as const,
          reason: `Uptime Kuma did not answer: ${kuma.reason}`,
          code: kuma.code,
          latencyMs: null,
          details: p.details,
          visible: s?.visible ?? (id === undefined ? p.visible : visibleByDefault),
          attachTo: s?.attachTo ?? null,
        };
      });
    return [kuma, ...monitors];
  }
}

/** Checks every integration of the household, stores and publishes what changed. Never throws for a service. */
export async function checkHousehold(deps: StatusDeps, householdId: string): Promise<CheckResult> {
  const [integrations, previousItems] = await Promise.all([
    loadAll(deps, householdId),
    latestCards(deps, householdId),
  ]);
  const previous = new Map(previousItems.map((p) => [p.service, p]));
  let token: Promise<string> | undefined;
  const ctx: Ctx = {
    deps,
    householdId,
    timeoutMs: deps.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS,
    slowMs: deps.slowMs ?? DEFAULT_SLOW_MS,
    previous,
    ownerToken: () => {
      token ??= (async () => {
        const household = await deps.table.get<HouseholdItem>(householdKeys.household(householdId));
        if (!household) throw new Error('household gone');
        return User.getPlexToken(deps, household.ownerId);
      })();
      return token;
    },
  };
  const observed = (
    await Promise.all(
      integrations.map((item) =>
        item.kind === 'plex'
          ? checkPlex(ctx, item)
          : item.kind === 'overseerr'
            ? checkOverseerr(ctx, item)
            : checkKuma(ctx, item),
      ),
    )
  ).flat();

  const now = deps.clock.now();
  const cards: Card[] = [];
  const changed: Card[] = [];
  const alerts: StatusAlert[] = [];
  for (const o of observed) {
    const prev = previous.get(o.service);
    const card: Card = {
      ...o,
      checkedAt: now,
      since: prev && prev.status === o.status ? prev.since : now,
    };
    cards.push(card);
    metrics().check({
      service: card.service.split(':')[0] ?? card.service,
      ok: card.status === 'up',
      householdId,
    });
    if (!prev || signature(prev) !== signature(card)) changed.push(card);
    const alert = alertFor(householdId, prev, card);
    if (alert) alerts.push(alert);
  }
  const seen = new Set(cards.map((c) => c.service));
  const removed = previousItems.filter((p) => !seen.has(p.service)).map((p) => p.service);

  const latest: LatestItem[] = cards.map((c) => ({
    ...keys.latest(householdId, c.service),
    type: 'status',
    householdId,
    ...c,
  }));
  const deletes: Key[] = removed.map((s) => keys.latest(householdId, s));
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < latest.length; i += 25)
    writes.push(deps.table.batchWrite({ puts: latest.slice(i, i + 25) }));
  for (let i = 0; i < deletes.length; i += 25)
    writes.push(deps.table.batchWrite({ deletes: deletes.slice(i, i + 25) }));
  writes.push(
    recordHistory(
      deps.table,
      householdId,
      cards.map((card) => ({ card, previousCheckAt: previous.get(card.service)?.checkedAt })),
    ),
  );
  await Promise.all(writes);

  await publishChanges(deps, householdId, changed, removed);
  await emitAlerts(deps, alerts);
  return { householdId, cards, changed, removed, alerts };
}

/**
 * Visible changes go to the whole household; changes of monitors hidden from members go only to
 * the members who manage integrations (their dashboards show hidden monitors too), one
 * `{householdId, userId}` topic each.
 */
async function publishChanges(deps: StatusDeps, householdId: string, changed: Card[], removed: string[]) {
  const publish = (topic: { householdId: string; userId?: string }, cards: Card[], gone: string[]) =>
    deps.realtime
      .publish(topic, { type: 'status.changed', data: { householdId, cards, removed: gone } })
      .catch((error: unknown) =>
        deps.logger?.warn('Could not publish status changes', { error, householdId }),
      );
  const visible = changed.filter((c) => c.visible);
  const hidden = changed.filter((c) => !c.visible);
  if (visible.length > 0 || removed.length > 0) await publish({ householdId }, visible, removed);
  if (hidden.length === 0) return;
  const members = await deps.table.query<MemberItem>({
    pk: `H#${householdId}`,
    sk: { beginsWith: 'M#' },
    limit: 1000,
  });
  for (const m of members.items) {
    if (m.status !== 'active' || !effectivePermissions(m.role, m.overrides).includes('manage_integrations'))
      continue;
    await publish({ householdId, userId: m.userId }, hidden, []);
  }
}
