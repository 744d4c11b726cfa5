/**
 * Keys and stored shapes of service status. Only the status module reads them.
 *
 * A "service" is one card's subject: `plex:<machineIdentifier>`, `overseerr`, `uptime_kuma` (the
 * Kuma instance itself) and `monitor:<kumaMonitorId>`.
 *
 * Access patterns:
 * - latest status of every service of a household: `H#<hh>`, sk begins with `ST#` (one query;
 *   the check compares against it to publish changes only, the dashboard renders it)
 * - latest of one service:                        `H#<hh>` / `ST#<service>`
 * - recent checks of one service (24 h detail):   `H#<hh>`, sk between `SP#<service>#<t0>` and
 *   `SP#<service>#<t1>` — one point per check, TTL 25 h. Not written for Kuma monitors: Kuma
 *   keeps their beats itself, and a status page of 30 monitors would cost 30 writes per check.
 * - hourly rollups of all services over a range:  `H#<hh>`, sk between `SH#<hourStart>` and
 *   `SH#<hourEnd>~` — time is first in the key so the dashboard reads 24 h of every service in
 *   one query; TTL 8 days (24 h bars, 24 h and 7 d uptime).
 * - daily rollups of all services over a range:   `H#<hh>`, sk between `SD#<day>` …, TTL 31 days
 *   (30 d bars and uptime).
 * Rollups hold seconds spent per status (ADD on every check, weighted by the time since the
 * previous check of that service, capped), so watched periods with checks every 30 s and idle
 * periods with a 15-minute sweep weigh the same per hour.
 */
import type { Item, Key } from '../port/table.ts';
import type { Card, CardStatus } from './card.ts';

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;
export const POINT_TTL_MS = 25 * HOUR_MS;
export const HOUR_TTL_MS = 8 * DAY_MS;
export const DAY_TTL_MS = 31 * DAY_MS;

/** Fixed width so sort keys order by time. */
export const pad = (t: number) => String(Math.max(0, Math.floor(t))).padStart(13, '0');

export const keys = {
  latest: (hh: string, service: string): Key => ({ pk: `H#${hh}`, sk: `ST#${service}` }),
  latestPrefix: 'ST#',
  point: (hh: string, service: string, at: number): Key => ({
    pk: `H#${hh}`,
    sk: `SP#${service}#${pad(at)}`,
  }),
  hour: (hh: string, hourStart: number, service: string): Key => ({
    pk: `H#${hh}`,
    sk: `SH#${pad(hourStart)}#${service}`,
  }),
  day: (hh: string, dayStart: number, service: string): Key => ({
    pk: `H#${hh}`,
    sk: `SD#${pad(dayStart)}#${service}`,
  }),
};

export interface LatestItem extends Item, Card {
  type: 'status';
  householdId: string;
}

export interface PointItem extends Item {
  type: 'status_point';
  s: CardStatus;
  ms: number | null;
  at: number;
  ttl: number;
}

/** Seconds per status within the bucket. */
export type Seconds = Partial<Record<CardStatus, number>>;

export interface RollupItem extends Item {
  type: 'status_rollup';
  service: string;
  start: number;
  up?: number;
  degraded?: number;
  down?: number;
  maintenance?: number;
  unknown?: number;
  ttl: number;
}
