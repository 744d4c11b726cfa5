/**
 * MediaNest's request records: each mirrors one Overseerr request (its id and status) and keeps
 * what Overseerr does not — who in the household asked, the quota it took, the admin's reason,
 * and a status timeline.
 *
 * Access patterns (household items under `pk = H#<hh>`):
 * - one request:                          `H#<hh>` / `REQ#<ulid>` (get)
 * - all requests, newest first:           `H#<hh>`, sk begins with `REQ#`, backwards
 * - a member's requests, newest first:    gsi1 `H#<hh>#RU#<userId>`, sk `REQ#<ulid>`, backwards
 * - requests for a title (badges, 409s):  gsi2 `H#<hh>#RT#<mediaType>#<tmdbId>`, sk `REQ#<ulid>`
 * - the record of an Overseerr request:   `H#<hh>` / `OSR#<overseerrRequestId>` → the record's sk
 *                                         (written with the record, `notExists`; strongly consistent)
 * - webhook settings:                     `H#<hh>` / `WHK#overseerr` (encrypted secret)
 * - webhook replay markers:               `H#<hh>` / `WHD#<sha256(type, body)>` (TTL)
 *
 * Invariants:
 * - Every status change is a conditional write on the record's `rev`, in the same transaction as
 *   the inbox notifications it causes (and the webhook's replay marker), so a change is notified
 *   exactly once however many times Overseerr reports it.
 */
import { z } from 'zod';
import type { Item, Key } from '../port/table.ts';

export const ENTITY_VERSION = 1;

export const STATUSES = [
  'pending',
  'approved',
  'processing',
  'partially_available',
  'available',
  'declined',
  'failed',
  'cancelled',
] as const;
export const Status = z.enum(STATUSES);
export type Status = z.infer<typeof Status>;

/** Forward order of the happy path; a report of an earlier step never moves a record back. */
export const PROGRESS: Partial<Record<Status, number>> = {
  pending: 0,
  approved: 1,
  processing: 2,
  partially_available: 3,
  available: 4,
};

export const RequestId = z.string().regex(/^req_[0-9A-HJKMNP-TV-Z]{26}$/, { error: 'expected a req_ id' });

export const keys = {
  request: (hh: string, ulid: string): Key => ({ pk: `H#${hh}`, sk: `REQ#${ulid}` }),
  pointer: (hh: string, overseerrRequestId: number): Key => ({
    pk: `H#${hh}`,
    sk: `OSR#${overseerrRequestId}`,
  }),
  webhook: (hh: string): Key => ({ pk: `H#${hh}`, sk: 'WHK#overseerr' }),
  replay: (hh: string, hash: string): Key => ({ pk: `H#${hh}`, sk: `WHD#${hash}` }),
  byUser: (hh: string, userId: string) => `H#${hh}#RU#${userId}`,
  byTitle: (hh: string, mediaType: string, tmdbId: number) => `H#${hh}#RT#${mediaType}#${tmdbId}`,
};

export interface TimelineEntry {
  at: number;
  status: Status;
  /** A MediaNest user id, `overseerr` (a webhook or a refresh), or null. */
  by: string | null;
  note: string | null;
}

export interface Decision {
  status: 'approved' | 'declined';
  by: string;
  reason: string | null;
  at: number;
}

export interface RequestItem extends Item {
  type: 'request';
  v: number;
  rev: number;
  id: string;
  householdId: string;
  overseerrRequestId: number;
  mediaType: 'movie' | 'tv';
  tmdbId: number;
  tvdbId: number | null;
  title: string;
  year: number | null;
  posterPath: string | null;
  seasons: number[] | 'all' | null;
  is4k: boolean;
  status: Status;
  requestedBy: string;
  overseerrUserId: number;
  /** An admin's approve/decline on its way to Overseerr (the webhook may overtake the answer). */
  decision?: Decision;
  reason: string | null;
  decidedBy: string | null;
  /** Quota counters taken for it, given back on decline or cancel. */
  quota: Key[];
  timeline: TimelineEntry[];
  createdAt: number;
  updatedAt: number;
  gsi1pk: string;
  gsi1sk: string;
  gsi2pk: string;
  gsi2sk: string;
}

export interface PointerItem extends Item {
  type: 'request_pointer';
  requestSk: string;
}

export interface WebhookItem extends Item {
  type: 'webhook_settings';
  /** Encrypted with context `{ householdId, purpose: 'overseerr-webhook' }`. */
  secret: string;
  createdAt: number;
  createdBy: string;
  lastReceivedAt?: number;
  lastTestAt?: number;
}

/** Keeps the timeline bounded (a request flaps a handful of times in its life). */
export const MAX_TIMELINE = 50;
