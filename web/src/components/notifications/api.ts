/**
 * The notification API (packages/api/src/v1/notifications.ts) as typed calls: the inbox (the
 * user's, across households), per-household preferences and outbound channels.
 */
import * as z from 'zod/mini';
import { api } from '../../lib/api.ts';

const hh = (hid: string) => `/v1/households/${encodeURIComponent(hid)}`;

export const Notification = z.object({
  id: z.string(),
  householdId: z.string(),
  event: z.string(),
  title: z.string(),
  body: z.string(),
  link: z.nullable(z.string()),
  image: z.nullable(z.string()),
  data: z.nullable(z.record(z.string(), z.unknown())),
  createdAt: z.number(),
  readAt: z.nullable(z.number()),
});
export type Notification = z.infer<typeof Notification>;

export const InboxPage = z.object({
  notifications: z.array(Notification),
  unread: z.number(),
  cursor: z.optional(z.string()),
});
export type InboxPage = z.infer<typeof InboxPage>;

const Unread = z.object({ unread: z.number() });

export function getInbox(
  opts: { cursor?: string | undefined; limit?: number; unreadOnly?: boolean } = {},
  signal?: AbortSignal,
) {
  const q = new URLSearchParams({ limit: String(opts.limit ?? 30) });
  if (opts.cursor) q.set('cursor', opts.cursor);
  if (opts.unreadOnly) q.set('unreadOnly', 'true');
  return api.get(`/v1/me/notifications?${q}`, { schema: InboxPage, signal });
}

export const getUnreadCount = (signal?: AbortSignal) =>
  api.get('/v1/me/notifications/unread-count', { schema: Unread, signal }).then((r) => r.unread);

/** Marks some (ids) or all notifications read; returns the new unread count. */
export const markRead = (ids?: string[]) =>
  api.post('/v1/me/notifications/read', ids ? { ids } : {}, { schema: Unread }).then((r) => r.unread);

// ---------------------------------------------------------------------------------------------
// Preferences

export const EVENTS = [
  { id: 'request.approved', label: 'Request approved' },
  { id: 'request.declined', label: 'Request declined' },
  { id: 'request.available', label: 'Request available' },
  { id: 'request.failed', label: 'Request failed' },
  { id: 'request.new', label: 'New request (admins)' },
  { id: 'service.down', label: 'Service down' },
  { id: 'service.up', label: 'Service back up' },
  { id: 'download.finished', label: 'Download finished' },
  { id: 'download.failed', label: 'Download failed' },
] as const;

export const Choice = z.object({ inApp: z.boolean(), outbound: z.boolean() });
export type Choice = z.infer<typeof Choice>;
const Preferences = z.object({ events: z.record(z.string(), Choice) });

export const getPreferences = (hid: string, signal?: AbortSignal) =>
  api.get(`${hh(hid)}/notifications/preferences`, { schema: Preferences, signal }).then((r) => r.events);

export const updatePreferences = (hid: string, events: Record<string, Choice>) =>
  api.put(`${hh(hid)}/notifications/preferences`, { events }, { schema: Preferences }).then((r) => r.events);

// ---------------------------------------------------------------------------------------------
// Channels

export const CHANNEL_KINDS = [
  { id: 'webhook', label: 'Webhook (JSON)', hint: 'POSTs a JSON body to your URL' },
  { id: 'discord', label: 'Discord', hint: 'A Discord channel webhook URL' },
  { id: 'ntfy', label: 'ntfy', hint: 'A topic URL such as https://ntfy.sh/my-topic' },
] as const;

export const Channel = z.object({
  id: z.string(),
  scope: z.string(),
  ownerId: z.string(),
  kind: z.string(),
  name: z.string(),
  urlHost: z.string(),
  hasSecret: z.boolean(),
  events: z.array(z.string()),
  enabled: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number(),
  lastDelivery: z.nullable(
    z.object({
      at: z.number(),
      ok: z.boolean(),
      status: z.optional(z.number()),
      error: z.optional(z.string()),
    }),
  ),
});
export type Channel = z.infer<typeof Channel>;

export const getChannels = (hid: string, signal?: AbortSignal) =>
  api
    .get(`${hh(hid)}/notifications/channels`, { schema: z.object({ channels: z.array(Channel) }), signal })
    .then((r) => r.channels);

export interface NewChannel {
  scope: 'household' | 'member';
  kind: string;
  name: string;
  url: string;
  secret?: string;
  events: string[];
}

export const createChannel = (hid: string, input: NewChannel) =>
  api
    .post(`${hh(hid)}/notifications/channels`, input, { schema: z.object({ channel: Channel }) })
    .then((r) => r.channel);

export const updateChannel = (
  hid: string,
  id: string,
  patch: { enabled?: boolean; events?: string[]; name?: string },
) =>
  api
    .patch(`${hh(hid)}/notifications/channels/${encodeURIComponent(id)}`, patch, {
      schema: z.object({ channel: Channel }),
    })
    .then((r) => r.channel);

export const removeChannel = (hid: string, id: string) =>
  api.delete(`${hh(hid)}/notifications/channels/${encodeURIComponent(id)}`);

export const ChannelTest = z.object({
  ok: z.boolean(),
  status: z.optional(z.number()),
  /** http.dns_failure, http.timeout, http.connection_refused, http.blocked_address, http.status, … */
  code: z.optional(z.string()),
  message: z.string(),
  channel: Channel,
});
export type ChannelTest = z.infer<typeof ChannelTest>;

/** Sends a test message through the channel now; a message that did not arrive is `ok: false`, not an error. */
export const testChannel = (hid: string, id: string) =>
  api.post(`${hh(hid)}/notifications/channels/${encodeURIComponent(id)}/test`, undefined, {
    schema: ChannelTest,
  });

/**
 * Where a notification leads in the app. Request notifications carry `/requests/<id>`, relative to
 * the household they came from.
 */
export function appLink(n: Pick<Notification, 'link' | 'householdId'>): string | null {
  if (!n.link) return null;
  if (n.link.startsWith('/households/')) return n.link;
  if (n.link.startsWith('/')) return `/households/${encodeURIComponent(n.householdId)}${n.link}`;
  return null;
}
