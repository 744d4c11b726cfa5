/**
 * A service card: what the dashboard shows for one service, and what a check stores and
 * publishes. The card says why a service is not up (`reason`, `code`): the old dashboard showed a
 * fake "up" when it could not reach Kuma; here an unanswered check is never "up".
 */
import { z } from 'zod';
import { AppError } from '../error/index.ts';
import { isIntegrationError } from '../integration/client/errors.ts';
import type { KumaStatusName } from '../integration/client/uptime-kuma.ts';
import { formatSeconds, isHttpError } from '../port/http.ts';

export const CARD_STATUSES = ['up', 'degraded', 'down', 'maintenance', 'unknown'] as const;
export const CardStatus = z.enum(CARD_STATUSES);
export type CardStatus = z.infer<typeof CardStatus>;

export const CardKind = z.enum(['plex', 'overseerr', 'uptime_kuma', 'monitor']);
export type CardKind = z.infer<typeof CardKind>;

export const CardDetails = z.object({
  version: z.string().optional(),
  /** Plex: the host:port that answered. */
  connection: z.string().optional(),
  activeStreams: z.number().int().optional(),
  pendingRequests: z.number().int().optional(),
  /** Kuma monitors: as Kuma reports it. */
  monitorStatus: z.string().optional(),
  group: z.string().optional(),
  /** Kuma's own 24 h uptime ratio (0–1) for a monitor. */
  kumaUptime24h: z.number().nullable().optional(),
  monitorCount: z.number().int().optional(),
});
export type CardDetails = z.infer<typeof CardDetails>;

export const Card = z.object({
  service: z.string(),
  kind: CardKind,
  name: z.string(),
  status: CardStatus,
  /** Why the status is not `up` (or why it is slow), in words a person can act on. */
  reason: z.string().nullable(),
  /** The `http.*` / `integration.*` code behind the reason. */
  code: z.string().nullable(),
  latencyMs: z.number().nullable(),
  checkedAt: z.number().int(),
  /** When the status last changed. */
  since: z.number().int(),
  details: CardDetails,
  /** Kuma monitors: whether members see it. Always true for other cards. */
  visible: z.boolean(),
  /** Kuma monitors shown inside another card (`overseerr`, `plex:<id>`). */
  attachTo: z.string().nullable(),
});
export type Card = z.infer<typeof Card>;

/** A card before the check has compared it with the previous state. */
export type Observed = Omit<Card, 'since' | 'checkedAt'>;

/** What makes a card "changed": status, reason and the facts on it, not ping jitter. */
export function signature(
  c: Pick<Card, 'status' | 'code' | 'reason' | 'name' | 'details' | 'visible' | 'attachTo'>,
): string {
  // Keys sorted: a card read back from DynamoDB does not keep the attribute order it was written in.
  const facts = Object.entries(c.details)
    .filter(([k, v]) => k !== 'kumaUptime24h' && v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([
    c.status,
    c.code ?? null,
    c.reason ?? null,
    c.name,
    c.visible,
    c.attachTo ?? null,
    facts,
  ]);
}

/** Refused, unresolvable or unreachable: nothing is there. Anything else answered badly or late. */
const DOWN_CODES = new Set(['http.connection_refused', 'http.unreachable', 'http.dns_failure']);

export function statusOfError(error: unknown): { status: CardStatus; code: string; reason: string } {
  if (isHttpError(error) || isIntegrationError(error) || error instanceof AppError) {
    return {
      status: DOWN_CODES.has(error.code) ? 'down' : 'degraded',
      code: error.code,
      reason: error.message,
    };
  }
  return {
    status: 'degraded',
    code: 'status.check_failed',
    reason: error instanceof Error ? error.message : 'The check failed',
  };
}

export function slowReason(latencyMs: number): string {
  return `Answering slowly (${formatSeconds(latencyMs)})`;
}

export function monitorStatus(name: KumaStatusName): CardStatus {
  switch (name) {
    case 'up':
      return 'up';
    case 'down':
      return 'down';
    case 'pending':
      return 'degraded';
    case 'maintenance':
      return 'maintenance';
    default:
      return 'unknown';
  }
}
