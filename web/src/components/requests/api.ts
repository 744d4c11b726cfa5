/**
 * The request API (packages/api/src/v1/requests.ts, notifications.ts follows) as typed calls:
 * discover/search, requests, quota usage and settings, the Overseerr webhook settings, and
 * "Notify me too". Enumerations stay open strings so a newer server still renders.
 */
import * as z from 'zod/mini';
import { api } from '../../lib/api.ts';

const hh = (hid: string) => `/v1/households/${encodeURIComponent(hid)}`;

// ---------------------------------------------------------------------------------------------
// Discover

export const Badge = z.object({
  /** available | partially_available | requested | processing | not_available */
  kind: z.string(),
  requestedBy: z.array(z.string()),
  myRequestId: z.nullable(z.string()),
});
export type Badge = z.infer<typeof Badge>;

export const DiscoverResult = z.object({
  mediaType: z.string(),
  tmdbId: z.number(),
  title: z.string(),
  year: z.nullable(z.number()),
  overview: z.nullable(z.string()),
  posterUrl: z.nullable(z.string()),
  badge: Badge,
  /** Whether I asked to be told when it is available ("Notify me too"). */
  following: z.optional(z.boolean()),
});
export type DiscoverResult = z.infer<typeof DiscoverResult>;

export const SearchPage = z.object({
  page: z.number(),
  totalPages: z.number(),
  totalResults: z.number(),
  results: z.array(DiscoverResult),
});
export type SearchPage = z.infer<typeof SearchPage>;

export const Season = z.object({
  seasonNumber: z.number(),
  name: z.nullable(z.string()),
  episodeCount: z.nullable(z.number()),
  requestable: z.boolean(),
});
export type Season = z.infer<typeof Season>;

export const Details = z.extend(DiscoverResult, { seasons: z.array(Season) });
export type Details = z.infer<typeof Details>;

export const searchTitles = (hid: string, q: string, page: number, signal?: AbortSignal) =>
  api.get(`${hh(hid)}/discover/search?q=${encodeURIComponent(q)}&page=${page}`, {
    schema: SearchPage,
    signal,
  });

export const getDetails = (hid: string, mediaType: string, tmdbId: number, signal?: AbortSignal) =>
  api.get(`${hh(hid)}/discover/${encodeURIComponent(mediaType)}/${tmdbId}`, { schema: Details, signal });

// ---------------------------------------------------------------------------------------------
// Requests

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

export const STATUS_LABELS: Record<string, string> = {
  pending: 'Pending approval',
  approved: 'Approved',
  processing: 'Processing',
  partially_available: 'Partially available',
  available: 'Available',
  declined: 'Declined',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const TimelineEntry = z.object({
  at: z.number(),
  status: z.string(),
  by: z.nullable(z.string()),
  note: z.nullable(z.string()),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

export const MediaRequest = z.object({
  id: z.string(),
  overseerrRequestId: z.number(),
  mediaType: z.string(),
  tmdbId: z.number(),
  tvdbId: z.nullable(z.number()),
  title: z.string(),
  year: z.nullable(z.number()),
  posterUrl: z.nullable(z.string()),
  seasons: z.nullable(z.union([z.array(z.number()), z.literal('all')])),
  is4k: z.boolean(),
  status: z.string(),
  requestedBy: z.string(),
  reason: z.nullable(z.string()),
  decidedBy: z.nullable(z.string()),
  timeline: z.array(TimelineEntry),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type MediaRequest = z.infer<typeof MediaRequest>;

export const RequestPage = z.object({
  requests: z.array(MediaRequest),
  cursor: z.optional(z.string()),
});
export type RequestPage = z.infer<typeof RequestPage>;

export interface RequestFilters {
  /** false: the whole household (manage_requests). */
  mine: boolean;
  status?: string | undefined;
  type?: string | undefined;
  requestedBy?: string | undefined;
  cursor?: string | undefined;
  limit?: number;
}

export function listRequests(hid: string, f: RequestFilters, signal?: AbortSignal) {
  const q = new URLSearchParams({ mine: String(f.mine), limit: String(f.limit ?? 20) });
  if (f.status) q.set('status', f.status);
  if (f.type) q.set('type', f.type);
  if (f.requestedBy && !f.mine) q.set('requestedBy', f.requestedBy);
  if (f.cursor) q.set('cursor', f.cursor);
  return api.get(`${hh(hid)}/requests?${q}`, { schema: RequestPage, signal });
}

export const getRequest = (hid: string, id: string, signal?: AbortSignal) =>
  api.get(`${hh(hid)}/requests/${encodeURIComponent(id)}`, { schema: MediaRequest, signal });

export interface CreateRequest {
  mediaType: string;
  tmdbId: number;
  seasons?: number[] | 'all';
  is4k?: boolean;
}

export const createRequest = (hid: string, input: CreateRequest) =>
  api.post(`${hh(hid)}/requests`, input, { schema: MediaRequest });

export const cancelRequest = (hid: string, id: string) =>
  api.delete(`${hh(hid)}/requests/${encodeURIComponent(id)}`, { schema: MediaRequest });

export const decideRequest = (hid: string, id: string, verdict: 'approve' | 'decline', reason?: string) =>
  api.post(`${hh(hid)}/requests/${encodeURIComponent(id)}/${verdict}`, reason ? { reason } : {}, {
    schema: MediaRequest,
  });

export const refreshRequest = (hid: string, id: string) =>
  api.post(`${hh(hid)}/requests/${encodeURIComponent(id)}/refresh`, undefined, { schema: MediaRequest });

// ---------------------------------------------------------------------------------------------
// People (any member: the active members' names and avatars)

export const Person = z.object({ userId: z.string(), name: z.string(), avatarUrl: z.nullable(z.string()) });
export type Person = z.infer<typeof Person>;

export const getPeople = (hid: string, signal?: AbortSignal) =>
  api
    .get(`${hh(hid)}/people`, { schema: z.object({ people: z.array(Person) }), signal })
    .then((r) => r.people);

// ---------------------------------------------------------------------------------------------
// Follows ("Notify me too")

export const followTitle = (hid: string, mediaType: string, tmdbId: number, title: string) =>
  api.post(
    `${hh(hid)}/follows/${encodeURIComponent(mediaType)}/${tmdbId}`,
    { title },
    { schema: z.object({ following: z.boolean() }) },
  );

export const isFollowing = (hid: string, mediaType: string, tmdbId: number, signal?: AbortSignal) =>
  api
    .get(`${hh(hid)}/follows/${encodeURIComponent(mediaType)}/${tmdbId}`, {
      schema: z.object({ following: z.boolean() }),
      signal,
    })
    .then((r) => r.following);

export const unfollowTitle = (hid: string, mediaType: string, tmdbId: number) =>
  api.delete(`${hh(hid)}/follows/${encodeURIComponent(mediaType)}/${tmdbId}`, {
    schema: z.object({ following: z.boolean() }),
  });

// ---------------------------------------------------------------------------------------------
// Quota

export const QuotaUsage = z.object({
  scope: z.string(),
  window: z.string(),
  used: z.number(),
  limit: z.number(),
  remaining: z.number(),
  resetsAt: z.number(),
  /** "3 of 10 this week, resets Monday" */
  label: z.string(),
});
export type QuotaUsage = z.infer<typeof QuotaUsage>;

export const getQuotaUsage = (hid: string, signal?: AbortSignal) =>
  api
    .get(`${hh(hid)}/quota`, { schema: z.object({ usage: z.array(QuotaUsage) }), signal })
    .then((r) => r.usage);

const Limits = z.object({
  day: z.optional(z.number()),
  week: z.optional(z.number()),
  month: z.optional(z.number()),
});
export type Limits = z.infer<typeof Limits>;

export const QuotaSettings = z.object({
  timeZone: z.string(),
  member: Limits,
  household: Limits,
  overrides: z.record(z.string(), Limits),
});
export type QuotaSettings = z.infer<typeof QuotaSettings>;

export const getQuotaSettings = (hid: string, signal?: AbortSignal) =>
  api.get(`${hh(hid)}/quota/settings`, { schema: QuotaSettings, signal });

export const saveQuotaSettings = (hid: string, settings: QuotaSettings) =>
  api.put(`${hh(hid)}/quota/settings`, settings, { schema: QuotaSettings });

// ---------------------------------------------------------------------------------------------
// Overseerr webhook settings

export const WebhookSettings = z.object({
  url: z.string(),
  authorization: z.string(),
  template: z.string(),
  createdAt: z.number(),
  lastReceivedAt: z.nullable(z.number()),
  lastTestAt: z.nullable(z.number()),
});
export type WebhookSettings = z.infer<typeof WebhookSettings>;

export const getWebhookSettings = (hid: string, signal?: AbortSignal) =>
  api.get(`${hh(hid)}/webhook-settings`, { schema: WebhookSettings, signal });

export const rotateWebhookSecret = (hid: string) =>
  api.post(`${hh(hid)}/webhook-settings/rotate`, undefined, { schema: WebhookSettings });

// ---------------------------------------------------------------------------------------------
// Words

export const titleWithYear = (t: { title: string; year: number | null }) =>
  t.year ? `${t.title} (${t.year})` : t.title;

export function seasonsText(seasons: MediaRequest['seasons']): string | null {
  if (seasons === null) return null;
  if (seasons === 'all') return 'All seasons';
  const sorted = [...seasons].sort((a, b) => a - b);
  return sorted.length === 1 ? `Season ${sorted[0]}` : `Seasons ${sorted.join(', ')}`;
}

/** Errors whose code means "Overseerr is not connected for this household". */
export const isNotConfigured = (code: string | undefined) =>
  code === 'request.overseerr_not_configured' || code === 'integration.not_configured';
