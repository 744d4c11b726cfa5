/**
 * Overseerr's webhook notification agent (`server/lib/notifications/agents/webhook.ts`):
 * the stored template is base64 of a JSON *string* holding the JSON template, every
 * `{{key}}` placeholder inside a string value is replaced (once, by `String.replace`) with the
 * payload value or `''`, so every substituted value ends up a string. The special keys
 * `{{media}}`, `{{request}}`, `{{issue}}`, `{{comment}}` become `media` … or `null`, and
 * `{{extra}}` becomes `extra: [{name, value}]`.
 */

import { postRaw } from '../uptime-kuma/http-post.ts';

/** The default `jsonPayload` from Overseerr's `server/lib/settings.ts`, byte for byte. */
export const DEFAULT_WEBHOOK_TEMPLATE =
  'IntcbiAgXCJub3RpZmljYXRpb25fdHlwZVwiOiBcInt7bm90aWZpY2F0aW9uX3R5cGV9fVwiLFxuICBcImV2ZW50XCI6IFwie3tldmVudH19XCIsXG4gIFwic3ViamVjdFwiOiBcInt7c3ViamVjdH19XCIsXG4gIFwibWVzc2FnZVwiOiBcInt7bWVzc2FnZX19XCIsXG4gIFwiaW1hZ2VcIjogXCJ7e2ltYWdlfX1cIixcbiAgXCJ7e21lZGlhfX1cIjoge1xuICAgIFwibWVkaWFfdHlwZVwiOiBcInt7bWVkaWFfdHlwZX19XCIsXG4gICAgXCJ0bWRiSWRcIjogXCJ7e21lZGlhX3RtZGJpZH19XCIsXG4gICAgXCJ0dmRiSWRcIjogXCJ7e21lZGlhX3R2ZGJpZH19XCIsXG4gICAgXCJzdGF0dXNcIjogXCJ7e21lZGlhX3N0YXR1c319XCIsXG4gICAgXCJzdGF0dXM0a1wiOiBcInt7bWVkaWFfc3RhdHVzNGt9fVwiXG4gIH0sXG4gIFwie3tyZXF1ZXN0fX1cIjoge1xuICAgIFwicmVxdWVzdF9pZFwiOiBcInt7cmVxdWVzdF9pZH19XCIsXG4gICAgXCJyZXF1ZXN0ZWRCeV9lbWFpbFwiOiBcInt7cmVxdWVzdGVkQnlfZW1haWx9fVwiLFxuICAgIFwicmVxdWVzdGVkQnlfdXNlcm5hbWVcIjogXCJ7e3JlcXVlc3RlZEJ5X3VzZXJuYW1lfX1cIixcbiAgICBcInJlcXVlc3RlZEJ5X2F2YXRhclwiOiBcInt7cmVxdWVzdGVkQnlfYXZhdGFyfX1cIixcbiAgICBcInJlcXVlc3RlZEJ5X3NldHRpbmdzX2Rpc2NvcmRJZFwiOiBcInt7cmVxdWVzdGVkQnlfc2V0dGluZ3NfZGlzY29yZElkfX1cIixcbiAgICBcInJlcXVlc3RlZEJ5X3NldHRpbmdzX3RlbGVncmFtQ2hhdElkXCI6IFwie3tyZXF1ZXN0ZWRCeV9zZXR0aW5nc190ZWxlZ3JhbUNoYXRJZH19XCJcbiAgfSxcbiAgXCJ7e2lzc3VlfX1cIjoge1xuICAgIFwiaXNzdWVfaWRcIjogXCJ7e2lzc3VlX2lkfX1cIixcbiAgICBcImlzc3VlX3R5cGVcIjogXCJ7e2lzc3VlX3R5cGV9fVwiLFxuICAgIFwiaXNzdWVfc3RhdHVzXCI6IFwie3tpc3N1ZV9zdGF0dXN9fVwiLFxuICAgIFwicmVwb3J0ZWRCeV9lbWFpbFwiOiBcInt7cmVwb3J0ZWRCeV9lbWFpbH19XCIsXG4gICAgXCJyZXBvcnRlZEJ5X3VzZXJuYW1lXCI6IFwie3tyZXBvcnRlZEJ5X3VzZXJuYW1lfX1cIixcbiAgICBcInJlcG9ydGVkQnlfYXZhdGFyXCI6IFwie3tyZXBvcnRlZEJ5X2F2YXRhcn19XCIsXG4gICAgXCJyZXBvcnRlZEJ5X3NldHRpbmdzX2Rpc2NvcmRJZFwiOiBcInt7cmVwb3J0ZWRCeV9zZXR0aW5nc19kaXNjb3JkSWR9fVwiLFxuICAgIFwicmVwb3J0ZWRCeV9zZXR0aW5nc190ZWxlZ3JhbUNoYXRJZFwiOiBcInt7cmVwb3J0ZWRCeV9zZXR0aW5nc190ZWxlZ3JhbUNoYXRJZH19XCJcbiAgfSxcbiAgXCJ7e2NvbW1lbnR9fVwiOiB7XG4gICAgXCJjb21tZW50X21lc3NhZ2VcIjogXCJ7e2NvbW1lbnRfbWVzc2FnZX19XCIsXG4gICAgXCJjb21tZW50ZWRCeV9lbWFpbFwiOiBcInt7Y29tbWVudGVkQnlfZW1haWx9fVwiLFxuICAgIFwiY29tbWVudGVkQnlfdXNlcm5hbWVcIjogXCJ7e2NvbW1lbnRlZEJ5X3VzZXJuYW1lfX1cIixcbiAgICBcImNvbW1lbnRlZEJ5X2F2YXRhclwiOiBcInt7Y29tbWVudGVkQnlfYXZhdGFyfX1cIixcbiAgICBcImNvbW1lbnRlZEJ5X3NldHRpbmdzX2Rpc2NvcmRJZFwiOiBcInt7Y29tbWVudGVkQnlfc2V0dGluZ3NfZGlzY29yZElkfX1cIixcbiAgICBcImNvbW1lbnRlZEJ5X3NldHRpbmdzX3RlbGVncmFtQ2hhdElkXCI6IFwie3tjb21tZW50ZWRCeV9zZXR0aW5nc190ZWxlZ3JhbUNoYXRJZH19XCJcbiAgfSxcbiAgXCJ7e2V4dHJhfX1cIjogW11cbn0i';

/** Bit values from `server/lib/notifications/index.ts`. */
export const Notification = {
  NONE: 0,
  MEDIA_PENDING: 2,
  MEDIA_APPROVED: 4,
  MEDIA_AVAILABLE: 8,
  MEDIA_FAILED: 16,
  TEST_NOTIFICATION: 32,
  MEDIA_DECLINED: 64,
  MEDIA_AUTO_APPROVED: 128,
  ISSUE_CREATED: 256,
  ISSUE_COMMENT: 512,
  ISSUE_RESOLVED: 1024,
  ISSUE_REOPENED: 2048,
  MEDIA_AUTO_REQUESTED: 4096,
} as const;
export type NotificationType = Exclude<keyof typeof Notification, 'NONE'>;

/** Every media/test type, which is what enabling the agent with all boxes ticked stores. */
export const ALL_MEDIA_NOTIFICATIONS =
  Notification.MEDIA_PENDING |
  Notification.MEDIA_APPROVED |
  Notification.MEDIA_AVAILABLE |
  Notification.MEDIA_FAILED |
  Notification.MEDIA_DECLINED |
  Notification.MEDIA_AUTO_APPROVED |
  Notification.MEDIA_AUTO_REQUESTED;

export const MEDIA_STATUS_NAMES: Record<number, string> = {
  1: 'UNKNOWN',
  2: 'PENDING',
  3: 'PROCESSING',
  4: 'PARTIALLY_AVAILABLE',
  5: 'AVAILABLE',
};

export interface WebhookUser {
  displayName: string;
  email: string;
  avatar: string;
  settings?: { discordId?: string | null; telegramChatId?: string | null } | null;
}

/** What Overseerr hands its agents (`NotificationPayload`), reduced to what the template reads. */
export interface NotificationPayload {
  event?: string;
  subject: string;
  message?: string;
  image?: string;
  notifyUser?: WebhookUser;
  media?: { mediaType: string; tmdbId: number; tvdbId?: number | null; status: number; status4k: number };
  request?: { id: number; requestedBy: WebhookUser };
  extra?: { name: string; value: string }[];
}

type KeyMapValue = string | ((payload: NotificationPayload, type: NotificationType) => string);

const KeyMap: Record<string, KeyMapValue> = {
  notification_type: (_p, type) => type,
  event: 'event',
  subject: 'subject',
  message: 'message',
  image: 'image',
  notifyuser_username: 'notifyUser.displayName',
  notifyuser_email: 'notifyUser.email',
  notifyuser_avatar: 'notifyUser.avatar',
  notifyuser_settings_discordId: 'notifyUser.settings.discordId',
  notifyuser_settings_telegramChatId: 'notifyUser.settings.telegramChatId',
  media_tmdbid: 'media.tmdbId',
  media_tvdbid: 'media.tvdbId',
  media_type: 'media.mediaType',
  media_status: (p) => (p.media ? (MEDIA_STATUS_NAMES[p.media.status] ?? '') : ''),
  media_status4k: (p) => (p.media ? (MEDIA_STATUS_NAMES[p.media.status4k] ?? '') : ''),
  request_id: 'request.id',
  requestedBy_username: 'request.requestedBy.displayName',
  requestedBy_email: 'request.requestedBy.email',
  requestedBy_avatar: 'request.requestedBy.avatar',
  requestedBy_settings_discordId: 'request.requestedBy.settings.discordId',
  requestedBy_settings_telegramChatId: 'request.requestedBy.settings.telegramChatId',
  // The simulator has no issues or comments; these keys still resolve, to '' like Overseerr's.
  issue_id: 'issue.id',
  issue_type: () => '',
  issue_status: () => '',
  reportedBy_username: 'issue.createdBy.displayName',
  reportedBy_email: 'issue.createdBy.email',
  reportedBy_avatar: 'issue.createdBy.avatar',
  reportedBy_settings_discordId: 'issue.createdBy.settings.discordId',
  reportedBy_settings_telegramChatId: 'issue.createdBy.settings.telegramChatId',
  comment_message: 'comment.message',
  commentedBy_username: 'comment.user.displayName',
  commentedBy_email: 'comment.user.email',
  commentedBy_avatar: 'comment.user.avatar',
  commentedBy_settings_discordId: 'comment.user.settings.discordId',
  commentedBy_settings_telegramChatId: 'comment.user.settings.telegramChatId',
};

/** lodash `get` for dotted paths. */
function get(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

const SPECIAL: Record<string, 'media' | 'request' | 'issue' | 'comment'> = {
  '{{media}}': 'media',
  '{{request}}': 'request',
  '{{issue}}': 'issue',
  '{{comment}}': 'comment',
};

function parseKeys(
  finalPayload: Record<string, unknown>,
  payload: NotificationPayload,
  type: NotificationType,
): Record<string, unknown> {
  for (const originalKey of Object.keys(finalPayload)) {
    let key = originalKey;
    if (key === '{{extra}}') {
      finalPayload.extra = payload.extra ?? [];
      delete finalPayload[key];
      key = 'extra';
    } else if (SPECIAL[key] !== undefined) {
      const name = SPECIAL[key] as string;
      const present = (payload as unknown as Record<string, unknown>)[name] !== undefined;
      finalPayload[name] = present ? finalPayload[key] : null;
      delete finalPayload[key];
      key = name;
    }
    const value = finalPayload[key];
    if (typeof value === 'string') {
      let text = value;
      for (const [mapKey, mapValue] of Object.entries(KeyMap)) {
        const replacement =
          typeof mapValue === 'function' ? mapValue(payload, type) : (get(payload, mapValue) ?? '');
        // String.replace: first occurrence only, and `$` patterns apply — exactly like Overseerr.
        text = text.replace(`{{${mapKey}}}`, String(replacement));
      }
      finalPayload[key] = text;
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      finalPayload[key] = parseKeys(value as Record<string, unknown>, payload, type);
    }
  }
  return finalPayload;
}

/**
 * Decodes a stored template. Overseerr stores base64 of a JSON string literal and parses twice;
 * a template that is base64 of plain JSON is accepted too.
 */
export function decodeTemplate(base64: string): Record<string, unknown> {
  const text = Buffer.from(base64, 'base64').toString('utf8');
  let parsed: unknown = JSON.parse(text);
  if (typeof parsed === 'string') parsed = JSON.parse(parsed);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('webhook template must decode to a JSON object');
  }
  return parsed as Record<string, unknown>;
}

export function renderWebhook(
  template: string,
  type: NotificationType,
  payload: NotificationPayload,
): Record<string, unknown> {
  return parseKeys(decodeTemplate(template), payload, type);
}

/** lodash `truncate(text, {length: 500, separator: /\s/, omission: '…'})`. */
export function truncateOverview(text: string, length = 500): string {
  if (text.length <= length) return text;
  const omission = '…';
  let cut = text.slice(0, length - omission.length);
  const lastSpace = cut.search(/\s\S*$/);
  if (lastSpace > 0) cut = cut.slice(0, lastSpace);
  return cut + omission;
}

export interface WebhookDelivery {
  notificationType: NotificationType;
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  /** HTTP status of the receiver, or undefined when the POST failed. */
  status?: number;
  error?: string;
  sentAt: string;
}

export interface WebhookConfig {
  url: string;
  authHeader?: string;
  template?: string;
  /** Notification type bitmask (Overseerr's `types`); every media type when absent. */
  types?: number;
}

/** Sends notifications in the background like Overseerr (the API answer never waits for them). */
export class WebhookSender {
  readonly #config: WebhookConfig;
  readonly #deliveries: WebhookDelivery[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #tail: Promise<void> = Promise.resolve();

  constructor(config: WebhookConfig) {
    this.#config = config;
    // Fail at start-up, not at the first notification, when the template is unusable.
    decodeTemplate(config.template ?? DEFAULT_WEBHOOK_TEMPLATE);
  }

  send(type: NotificationType, payload: NotificationPayload): void {
    const types = this.#config.types ?? ALL_MEDIA_NOTIFICATIONS;
    // `hasNotificationType`: TEST_NOTIFICATION is always allowed.
    if (((types | Notification.TEST_NOTIFICATION) & Notification[type]) === 0) return;
    const body = renderWebhook(this.#config.template ?? DEFAULT_WEBHOOK_TEMPLATE, type, payload);
    // axios's spelling and order, as Overseerr's agent sends them.
    const headers: [string, string][] = [
      ['Accept', 'application/json, text/plain, */*'],
      ['Content-Type', 'application/json'],
    ];
    if (this.#config.authHeader) headers.push(['Authorization', this.#config.authHeader]);
    headers.push(['User-Agent', 'axios/1.6.1'], ['Accept-Encoding', 'gzip, compress, deflate, br']);
    const delivery: WebhookDelivery = {
      notificationType: type,
      url: this.#config.url,
      headers: Object.fromEntries(headers),
      body,
      sentAt: new Date().toISOString(),
    };
    this.#deliveries.push(delivery);
    // One at a time, in event order: real events are seconds apart, so receivers see them in order.
    const p = this.#tail
      .then(() => postRaw(this.#config.url, headers, JSON.stringify(body)))
      .then((res) => {
        delivery.status = res.status;
      })
      .catch((err: unknown) => {
        delivery.error = err instanceof Error ? err.message : String(err);
      })
      .finally(() => {
        this.#inFlight.delete(p);
      });
    this.#tail = p;
    this.#inFlight.add(p);
  }

  deliveries(): WebhookDelivery[] {
    return [...this.#deliveries];
  }

  /** Resolves once every POST started so far has been answered or has failed. */
  async flush(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }
}
