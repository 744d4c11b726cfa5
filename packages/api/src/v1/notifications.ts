/**
 * Notifications: the signed-in user's inbox (across households, under `/me`), and, inside one
 * household, the member's preferences, outbound channels and "Notify me too" follows. Preferences
 * and channels live under `/households/{hid}/…` because the domain keeps them per household (a
 * member of two households chooses separately for each); household-wide channels need
 * manage_integrations, which the domain checks per channel.
 */
import { createRoute, z } from '@hono/zod-openapi';
import {
  Channels,
  ChannelTestResult,
  EventType,
  Follow,
  Inbox,
  Preferences,
  sendTest,
} from '@medianest/core/notification/index';
import type { System } from '@medianest/core/system/index';
import { guard } from '../access.ts';
import { portsOf } from '../ports.ts';
import { createRouter } from '../router.ts';
import { errors, json, noContent } from './schemas.ts';

const Hid = z.object({ hid: z.string().openapi({ description: 'Household id (hh_…)' }) });
const HidChannel = Hid.extend({ channelId: z.string().openapi({ description: 'Channel id (nch_…)' }) });
const HidTitle = Hid.extend({
  mediaType: z.enum(['movie', 'tv']),
  tmdbId: z.coerce.number().int().positive(),
});

// Rebuilt from the shape: a core schema created before @hono/zod-openapi loaded has no `.openapi`.
const NotificationOut = z.object(Inbox.Notification.shape).openapi('Notification');
const InboxPage = z
  .object({
    notifications: z.array(NotificationOut),
    unread: z.number().int(),
    cursor: z.string().optional(),
  })
  .openapi('InboxPage');
const Unread = z.object({ unread: z.number().int() }).openapi('UnreadCount');
const PreferencesOut = z
  .object({ events: z.record(EventType, Preferences.Choice) })
  .openapi('NotificationPreferences');
const ChannelOut = z.object(Channels.Channel.shape).openapi('NotificationChannel');
const Following = z.object({ following: z.boolean() }).openapi('Following');
const TestOut = z
  .object(ChannelTestResult.shape)
  .extend({ channel: ChannelOut })
  .openapi('NotificationChannelTest');

const ReadBody = z.object({
  /** Absent: everything is marked read. */
  ids: z.array(Inbox.NotificationId).min(1).max(100).optional(),
});

export function notificationRoutes(system: System) {
  const router = createRouter();
  const deps = () => portsOf(system);

  // --- The inbox (the user's, whichever household a notification came from)

  router.openapi(
    createRoute({
      method: 'get',
      path: '/me/notifications',
      tags: ['notifications'],
      summary: 'My notifications, newest first, with the unread count',
      ...guard({ auth: 'user' }),
      request: {
        query: z.object({
          cursor: z.string().max(2000).optional(),
          limit: z.coerce.number().int().min(1).max(100).default(30),
          unreadOnly: z
            .enum(['true', 'false'])
            .default('false')
            .transform((v) => v === 'true'),
        }),
      },
      responses: { 200: json(InboxPage, 'Notifications'), ...errors },
    }),
    async (c) => {
      const { cursor, limit, unreadOnly } = c.req.valid('query');
      return c.json(await Inbox.list(deps(), { limit, unreadOnly, ...(cursor ? { cursor } : {}) }), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/me/notifications/read',
      tags: ['notifications'],
      summary: 'Mark some notifications (`ids`) or all of them read; returns the new unread count',
      ...guard({ auth: 'user' }),
      request: {
        body: { content: { 'application/json': { schema: ReadBody } }, required: false },
      },
      responses: { 200: json(Unread, 'Unread count after'), ...errors },
    }),
    async (c) => {
      const { ids } = (c.req.valid('json') ?? {}) as z.infer<typeof ReadBody>;
      const d = deps();
      if (!ids) return c.json(await Inbox.markAllRead(d), 200);
      let out = { unread: 0 };
      for (const id of new Set(ids)) out = await Inbox.markRead(d, { id });
      return c.json(out, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/me/notifications/unread-count',
      tags: ['notifications'],
      summary:
        'How many of my notifications are unread (the shell badge; pushed live as notification.unread)',
      ...guard({ auth: 'user' }),
      responses: { 200: json(Unread, 'Unread count'), ...errors },
    }),
    async (c) => c.json({ unread: await Inbox.unreadCount(deps()) }, 200),
  );

  // --- Per household: preferences, channels, follows

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/notifications/preferences',
      tags: ['notifications'],
      summary: 'My choices per event in this household (in-app, outbound)',
      ...guard({ auth: 'household' }),
      request: { params: Hid },
      responses: { 200: json(PreferencesOut, 'Preferences'), ...errors },
    }),
    async (c) => c.json({ events: await Preferences.get(deps()) }, 200),
  );

  router.openapi(
    createRoute({
      method: 'put',
      path: '/households/{hid}/notifications/preferences',
      tags: ['notifications'],
      summary: 'Change some events’ choices; the others keep theirs',
      ...guard({ auth: 'household' }),
      request: {
        params: Hid,
        body: { content: { 'application/json': { schema: Preferences.update.schema } }, required: true },
      },
      responses: { 200: json(PreferencesOut, 'Preferences after'), ...errors },
    }),
    async (c) => c.json({ events: await Preferences.update(deps(), c.req.valid('json')) }, 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/notifications/channels',
      tags: ['notifications'],
      summary: "The household's channels and my own (URLs never returned: the host only)",
      ...guard({ auth: 'household' }),
      request: { params: Hid },
      responses: { 200: json(z.object({ channels: z.array(ChannelOut) }), 'Channels'), ...errors },
    }),
    async (c) => c.json({ channels: await Channels.list(deps()) }, 200),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/households/{hid}/notifications/channels',
      tags: ['notifications'],
      summary: 'Add a webhook, Discord or ntfy channel (scope household: manage_integrations)',
      ...guard({ auth: 'household' }),
      request: {
        params: Hid,
        body: { content: { 'application/json': { schema: Channels.create.schema } }, required: true },
      },
      responses: { 201: json(z.object({ channel: ChannelOut }), 'Created'), ...errors },
    }),
    async (c) => c.json({ channel: await Channels.create(deps(), c.req.valid('json')) }, 201),
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/households/{hid}/notifications/channels/{channelId}',
      tags: ['notifications'],
      summary: 'Change a channel (secret: null removes it)',
      ...guard({ auth: 'household' }),
      request: {
        params: HidChannel,
        body: {
          content: { 'application/json': { schema: Channels.UpdateInput.omit({ id: true }) } },
          required: true,
        },
      },
      responses: { 200: json(z.object({ channel: ChannelOut }), 'The channel after'), ...errors },
    }),
    async (c) => {
      const { channelId } = c.req.valid('param');
      const channel = await Channels.update(deps(), { ...c.req.valid('json'), id: channelId });
      return c.json({ channel }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/households/{hid}/notifications/channels/{channelId}',
      tags: ['notifications'],
      summary: 'Remove a channel',
      ...guard({ auth: 'household' }),
      request: { params: HidChannel },
      responses: { 204: noContent, ...errors },
    }),
    async (c) => {
      await Channels.remove(deps(), { id: c.req.valid('param').channelId });
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/households/{hid}/notifications/channels/{channelId}/test',
      tags: ['notifications'],
      summary:
        'Send a test message through a channel now; 200 with ok:false and the reason (HTTP status, DNS, timeout, blocked address) when it did not arrive',
      ...guard({ auth: 'household' }),
      request: { params: HidChannel },
      responses: { 200: json(TestOut, 'What happened'), ...errors },
    }),
    async (c) => c.json(await sendTest(deps(), { id: c.req.valid('param').channelId }), 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/households/{hid}/follows/{mediaType}/{tmdbId}',
      tags: ['notifications'],
      summary:
        'Whether I follow this title ("Notify me too"); discover results carry the same as `following`',
      ...guard({ auth: 'household' }),
      request: { params: HidTitle },
      responses: { 200: json(Following, 'Following or not'), ...errors },
    }),
    async (c) => {
      const { mediaType, tmdbId } = c.req.valid('param');
      return c.json({ following: await Follow.isFollowing(deps(), { mediaType, tmdbId }) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/households/{hid}/follows/{mediaType}/{tmdbId}',
      tags: ['notifications'],
      summary: '"Notify me too": tell me once when this title becomes available',
      ...guard({ auth: 'household' }),
      request: {
        params: HidTitle,
        body: {
          content: { 'application/json': { schema: Follow.FollowInput.pick({ title: true }) } },
          required: false,
        },
      },
      responses: { 200: json(Following, 'Following'), ...errors },
    }),
    async (c) => {
      const { mediaType, tmdbId } = c.req.valid('param');
      const { title } = (c.req.valid('json') ?? {}) as { title?: string };
      return c.json(
        await Follow.follow(deps(), { mediaType, tmdbId, ...(title !== undefined ? { title } : {}) }),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/households/{hid}/follows/{mediaType}/{tmdbId}',
      tags: ['notifications'],
      summary: 'Stop following a title',
      ...guard({ auth: 'household' }),
      request: { params: HidTitle },
      responses: { 200: json(Following, 'Not following'), ...errors },
    }),
    async (c) => {
      const { mediaType, tmdbId } = c.req.valid('param');
      return c.json(await Follow.unfollow(deps(), { mediaType, tmdbId }), 200);
    },
  );

  return router;
}
