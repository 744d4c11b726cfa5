/**
 * Keys and stored shapes of the notification entities.
 *
 * Access patterns:
 * - a user's inbox, newest first:     `U#<userId>`, sk begins with `N#`, backwards
 * - one notification:                 `U#<userId>` / `N#<ulid>` (get)
 * - a user's unread count:            `U#<userId>` / `NUNREAD` (get; atomic ADD on every change)
 * - a member's preferences:           `H#<hh>` / `NPREF#<userId>` (get / batchGet for recipients)
 * - a household's outbound channels:  `H#<hh>`, sk begins with `NCH#` (household-wide and each
 *                                     member's own; a household has a handful)
 * - followers of a title:             `H#<hh>`, sk begins with `FOL#<mediaType>#<tmdbId>#`
 *                                     (one item per follower: `…#<userId>`)
 *
 * The inbox lives under the user, not the household: the unread badge in the shell counts
 * across households, and a member who leaves keeps what they were told.
 */
import type { Item, Key } from '../port/table.ts';
import type { EventType } from './events.ts';

export const ENTITY_VERSION = 1;
/** Notifications older than this disappear (TTL); the inbox is not an archive. */
export const INBOX_TTL_MS = 90 * 24 * 60 * 60 * 1000;

export const keys = {
  notification: (userId: string, ulid: string): Key => ({ pk: `U#${userId}`, sk: `N#${ulid}` }),
  unread: (userId: string): Key => ({ pk: `U#${userId}`, sk: 'NUNREAD' }),
  preferences: (hh: string, userId: string): Key => ({ pk: `H#${hh}`, sk: `NPREF#${userId}` }),
  channel: (hh: string, ulid: string): Key => ({ pk: `H#${hh}`, sk: `NCH#${ulid}` }),
  follow: (hh: string, mediaType: string, tmdbId: number, userId: string): Key => ({
    pk: `H#${hh}`,
    sk: `FOL#${mediaType}#${tmdbId}#${userId}`,
  }),
  followPrefix: (mediaType: string, tmdbId: number) => `FOL#${mediaType}#${tmdbId}#`,
};

export interface NotificationItem extends Item {
  type: 'notification';
  v: number;
  id: string;
  userId: string;
  householdId: string;
  event: EventType;
  title: string;
  body: string;
  link: string | null;
  image: string | null;
  data: Record<string, unknown> | null;
  createdAt: number;
  readAt?: number;
  ttl: number;
}

export interface UnreadItem extends Item {
  count: number;
}

export interface PreferenceItem extends Item {
  type: 'notification_preferences';
  v: number;
  userId: string;
  events: Partial<Record<EventType, { inApp: boolean; outbound: boolean }>>;
  updatedAt: number;
}

export type ChannelKind = 'webhook' | 'discord' | 'ntfy';

export interface ChannelItem extends Item {
  type: 'notification_channel';
  v: number;
  id: string;
  householdId: string;
  scope: 'household' | 'member';
  /** The member a member-scoped channel belongs to; the creating admin for household channels. */
  ownerId: string;
  kind: ChannelKind;
  name: string;
  /** Encrypted (the URL of a Discord webhook is itself a credential). */
  url: string;
  /** Host only, for lists: `discord.com`. */
  urlHost: string;
  /** Encrypted Authorization value (webhook) or access token (ntfy), when set. */
  secret?: string;
  events: EventType[];
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
  lastDelivery?: { at: number; ok: boolean; status?: number; error?: string };
}

export interface FollowItem extends Item {
  type: 'follow';
  v: number;
  householdId: string;
  userId: string;
  mediaType: 'movie' | 'tv';
  tmdbId: number;
  title: string | null;
  createdAt: number;
}
