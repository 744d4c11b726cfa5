/**
 * Status history: one point per check (24 h detail) and hourly / daily rollups of seconds spent
 * per status (24 h, 7 d and 30 d uptime and bars). See keys.ts for the key design.
 *
 * Uptime counts `degraded` as up (the service answered) and leaves `maintenance` and `unknown`
 * (MediaNest could not tell) out of the ratio, as Kuma leaves maintenance out of its own.
 */
import { queryAll, type Table } from '../port/table.ts';
import type { Card, CardStatus } from './card.ts';
import {
  DAY_MS,
  DAY_TTL_MS,
  HOUR_MS,
  HOUR_TTL_MS,
  keys,
  POINT_TTL_MS,
  type PointItem,
  pad,
  type RollupItem,
} from './keys.ts';

/** A check stands for at most this long (the background sweep's interval). */
export const MAX_WEIGHT_MS = 15 * 60 * 1000;
/** The first check of a service stands for this long. */
export const FIRST_WEIGHT_MS = 60 * 1000;

const ttl = (at: number, keep: number) => Math.ceil((at + keep) / 1000);

/** The writes that record one check of one card (not atomic as a whole: history is best effort). */
export function historyWrites(
  hh: string,
  card: Card,
  previousCheckAt: number | undefined,
): {
  updates: { key: { pk: string; sk: string }; add: Record<string, number>; set: Record<string, unknown> }[];
  point: PointItem | undefined;
} {
  const at = card.checkedAt;
  const weightMs =
    previousCheckAt === undefined
      ? FIRST_WEIGHT_MS
      : Math.min(MAX_WEIGHT_MS, Math.max(1000, at - previousCheckAt));
  const seconds = Math.round(weightMs / 1000);
  const hourStart = Math.floor(at / HOUR_MS) * HOUR_MS;
  const dayStart = Math.floor(at / DAY_MS) * DAY_MS;
  const add = { [card.status]: seconds };
  const updates = [
    {
      key: keys.hour(hh, hourStart, card.service),
      add,
      set: {
        type: 'status_rollup',
        service: card.service,
        start: hourStart,
        ttl: ttl(hourStart + HOUR_MS, HOUR_TTL_MS),
      },
    },
    {
      key: keys.day(hh, dayStart, card.service),
      add,
      set: {
        type: 'status_rollup',
        service: card.service,
        start: dayStart,
        ttl: ttl(dayStart + DAY_MS, DAY_TTL_MS),
      },
    },
  ];
  const point: PointItem | undefined =
    card.kind === 'monitor'
      ? undefined
      : {
          ...keys.point(hh, card.service, at),
          type: 'status_point',
          s: card.status,
          ms: card.latencyMs,
          at,
          ttl: ttl(at, POINT_TTL_MS),
        };
  return { updates, point };
}

export async function recordHistory(
  table: Table,
  hh: string,
  cards: { card: Card; previousCheckAt: number | undefined }[],
): Promise<void> {
  const points: PointItem[] = [];
  const updates: Promise<unknown>[] = [];
  for (const { card, previousCheckAt } of cards) {
    const w = historyWrites(hh, card, previousCheckAt);
    if (w.point) points.push(w.point);
    for (const u of w.updates) updates.push(table.update(u.key, { add: u.add, set: u.set }));
  }
  for (let i = 0; i < points.length; i += 25)
    updates.push(table.batchWrite({ puts: points.slice(i, i + 25) }));
  await Promise.all(updates);
}

export interface Bar {
  start: number;
  /** The worst status seen in the bucket, `none` when there was no check. */
  status: CardStatus | 'none';
  /** Uptime ratio 0–1 within the bucket, null without data. */
  uptime: number | null;
}

export interface Uptime {
  h24: number | null;
  d7: number | null;
  d30: number | null;
}

const WORST: (CardStatus | 'none')[] = ['down', 'degraded', 'maintenance', 'unknown', 'up', 'none'];

function ratio(items: readonly RollupItem[]): number | null {
  let up = 0;
  let counted = 0;
  for (const r of items) {
    up += (r.up ?? 0) + (r.degraded ?? 0);
    counted += (r.up ?? 0) + (r.degraded ?? 0) + (r.down ?? 0);
  }
  return counted === 0 ? null : up / counted;
}

function worst(items: readonly RollupItem[]): CardStatus | 'none' {
  const seen = new Set<CardStatus | 'none'>(['none']);
  for (const r of items) {
    for (const s of ['up', 'degraded', 'down', 'maintenance', 'unknown'] as const)
      if ((r[s] ?? 0) > 0) seen.add(s);
  }
  return WORST.find((s) => seen.has(s)) ?? 'none';
}

function rollups(table: Table, pk: string, from: string, to: string): Promise<RollupItem[]> {
  return queryAll<RollupItem>(table, { pk, sk: { between: [from, to] }, limit: 1000 });
}

export interface ServiceHistory {
  uptime: Uptime;
  /** 24 bars, one per hour, oldest first (the current hour last). */
  hours: Bar[];
  /** 30 bars, one per day, oldest first (today last). */
  days: Bar[];
}

/** Uptime and bars for every service of a household, from two range queries. */
export async function histories(table: Table, hh: string, now: number): Promise<Map<string, ServiceHistory>> {
  const hour0 = Math.floor(now / HOUR_MS) * HOUR_MS - 23 * HOUR_MS;
  const day0 = Math.floor(now / DAY_MS) * DAY_MS - 29 * DAY_MS;
  const pk = `H#${hh}`;
  const [hours, days] = await Promise.all([
    rollups(table, pk, `SH#${pad(hour0)}`, `SH#${pad(now)}~`),
    rollups(table, pk, `SD#${pad(day0)}`, `SD#${pad(now)}~`),
  ]);
  const byService = new Map<string, { hours: RollupItem[]; days: RollupItem[] }>();
  const slot = (s: string) => {
    let e = byService.get(s);
    if (!e) {
      e = { hours: [], days: [] };
      byService.set(s, e);
    }
    return e;
  };
  for (const h of hours) slot(h.service).hours.push(h);
  for (const d of days) slot(d.service).days.push(d);
  const week0 = Math.floor(now / DAY_MS) * DAY_MS - 6 * DAY_MS;
  const out = new Map<string, ServiceHistory>();
  for (const [service, e] of byService) {
    const hourBars: Bar[] = Array.from({ length: 24 }, (_, i) => {
      const start = hour0 + i * HOUR_MS;
      const inside = e.hours.filter((r) => r.start === start);
      return { start, status: worst(inside), uptime: ratio(inside) };
    });
    const dayBars: Bar[] = Array.from({ length: 30 }, (_, i) => {
      const start = day0 + i * DAY_MS;
      const inside = e.days.filter((r) => r.start === start);
      return { start, status: worst(inside), uptime: ratio(inside) };
    });
    out.set(service, {
      uptime: {
        h24: ratio(e.hours),
        d7: ratio(e.days.filter((d) => d.start >= week0)),
        d30: ratio(e.days),
      },
      hours: hourBars,
      days: dayBars,
    });
  }
  return out;
}

export const emptyHistory = (now: number): ServiceHistory => {
  const hour0 = Math.floor(now / HOUR_MS) * HOUR_MS - 23 * HOUR_MS;
  const day0 = Math.floor(now / DAY_MS) * DAY_MS - 29 * DAY_MS;
  return {
    uptime: { h24: null, d7: null, d30: null },
    hours: Array.from({ length: 24 }, (_, i) => ({
      start: hour0 + i * HOUR_MS,
      status: 'none',
      uptime: null,
    })),
    days: Array.from({ length: 30 }, (_, i) => ({ start: day0 + i * DAY_MS, status: 'none', uptime: null })),
  };
};

/** The per-check points of one service in the last 24 h, oldest first (at most 1000). */
export async function points(
  table: Table,
  hh: string,
  service: string,
  now: number,
): Promise<{ at: number; status: CardStatus; latencyMs: number | null }[]> {
  const page = await table.query<PointItem>({
    pk: `H#${hh}`,
    sk: { between: [keys.point(hh, service, now - 24 * HOUR_MS).sk, keys.point(hh, service, now).sk] },
    forward: false,
    limit: 1000,
  });
  return page.items.reverse().map((p) => ({ at: p.at, status: p.s, latencyMs: p.ms }));
}
