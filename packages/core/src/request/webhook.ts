/**
 * Overseerr's webhook, one endpoint per household (`/api/v1/webhooks/overseerr/<householdId>`).
 *
 * - Authenticated by the Authorization value MediaNest generated for the household (shown by
 *   `webhookSettings`, pasted into Overseerr's webhook agent). Compared in constant time over
 *   SHA-256 digests, so neither the value nor its length leaks through timing. Wrong, missing,
 *   or a household without a webhook: 401, and nothing is read or written beyond the settings.
 * - Parses Overseerr's DEFAULT template: every value is a string (ids too), `{{media}}` and
 *   `{{request}}` arrive renamed to `media` / `request` or as null, `{{extra}}` as `extra`.
 * - Idempotent: a marker keyed by SHA-256 of the notification type and the body is written (with
 *   a TTL) in the same transaction as the change it causes, so a replay changes nothing and
 *   notifies no one.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { HouseholdId } from '../actor/id.ts';
import { AppError } from '../error/index.ts';
import { requireAccess } from '../household/access.ts';
import { followersOf } from '../notification/follow.ts';
import { commitInChunks, MAX_OPS_PER_TRANSACTION, membersOf, plan } from '../notification/notify.ts';
import type { Logger } from '../observability/logger.ts';
import type { Clock } from '../port/clock.ts';
import type { Keyring } from '../port/keyring.ts';
import type { Queue } from '../port/queue.ts';
import type { Realtime } from '../port/realtime.ts';
import {
  ConditionFailedError,
  type Table,
  TransactionCanceledError,
  type TransactOp,
} from '../port/table.ts';
import { keys, type PointerItem, type RequestItem, type Status, type WebhookItem } from './keys.ts';
import { transition } from './transition.ts';

export interface WebhookDeps {
  table: Table;
  clock: Clock;
  keyring: Keyring;
  realtime: Realtime;
  queue: Queue;
  logger?: Logger;
}

const REPLAY_TTL_MS = 2 * 24 * 60 * 60 * 1000;
const STAMP_EVERY_MS = 60 * 1000;
const secretContext = (householdId: string) => ({ householdId, purpose: 'overseerr-webhook' });
const PREFIX = 'Bearer mnwh_';

export class WebhookUnauthorizedError extends AppError {
  override name = 'WebhookUnauthorizedError';
  constructor() {
    super('unauthorized', 'webhook.unauthorized', 'Wrong or missing Authorization header');
  }
}

// ---------------------------------------------------------------------------------------------
// The payload

/** Template values are strings; a customised template may send numbers. Empty means absent. */
const Id = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => {
    const n = typeof v === 'number' ? v : v ? Number(v) : Number.NaN;
    return Number.isInteger(n) && n > 0 ? n : undefined;
  });
const Text = z.string().nullish().catch(undefined);

export const WebhookPayload = z.looseObject({
  notification_type: z.string().min(1),
  event: Text,
  subject: Text,
  message: Text,
  image: Text,
  media: z
    .looseObject({ media_type: Text, tmdbId: Id, tvdbId: Id, status: Text, status4k: Text })
    .nullish()
    .catch(undefined),
  request: z.looseObject({ request_id: Id, requestedBy_username: Text }).nullish().catch(undefined),
  extra: z
    .array(z.looseObject({ name: z.string(), value: z.string() }))
    .nullish()
    .catch(undefined),
});
export type WebhookPayload = z.infer<typeof WebhookPayload>;

const TO_STATUS: Record<string, Status | 'available'> = {
  MEDIA_PENDING: 'pending',
  MEDIA_APPROVED: 'approved',
  MEDIA_AUTO_APPROVED: 'approved',
  MEDIA_DECLINED: 'declined',
  MEDIA_FAILED: 'failed',
  MEDIA_AVAILABLE: 'available',
};

export interface WebhookInput {
  authorization: string | null | undefined;
  /** The raw body as received (preferred: the replay hash is over these bytes) or parsed JSON. */
  body: string | Uint8Array | Record<string, unknown>;
}

export interface WebhookResult {
  outcome: 'applied' | 'unchanged' | 'duplicate' | 'ignored' | 'test';
  notificationType: string;
  requestId?: string;
  status?: Status;
}

// ---------------------------------------------------------------------------------------------
// Verification

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

async function verify(deps: WebhookDeps, householdId: string, authorization: string | null | undefined) {
  if (!HouseholdId.safeParse(householdId).success) throw new WebhookUnauthorizedError();
  const settings = await deps.table.get<WebhookItem>(keys.webhook(householdId));
  if (!settings) throw new WebhookUnauthorizedError();
  const expected = await deps.keyring.decrypt(settings.secret, secretContext(householdId));
  // Equal-length digests: timingSafeEqual needs equal lengths, and comparing digests hides the length.
  const ok = timingSafeEqual(digest(authorization ?? ''), digest(expected));
  if (!ok || !authorization) throw new WebhookUnauthorizedError();
  return settings;
}

function rawText(body: WebhookInput['body']): string {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  return JSON.stringify(body);
}

// ---------------------------------------------------------------------------------------------
// Handling

export async function handleOverseerrWebhook(
  deps: WebhookDeps,
  householdId: string,
  input: WebhookInput,
): Promise<WebhookResult> {
  const settings = await verify(deps, householdId, input.authorization);
  const text = rawText(input.body);
  let json: unknown;
  try {
    json =
      typeof input.body === 'object' && !(input.body instanceof Uint8Array) ? input.body : JSON.parse(text);
  } catch (cause) {
    throw new AppError('invalid', 'webhook.invalid_body', 'The webhook body is not JSON', { cause });
  }
  const parsed = WebhookPayload.safeParse(json);
  if (!parsed.success) {
    throw new AppError(
      'invalid',
      'webhook.invalid_body',
      `Unexpected webhook body: ${z.prettifyError(parsed.error)}`,
    );
  }
  const p = parsed.data;
  const type = p.notification_type;
  const now = deps.clock.now();
  const hash = createHash('sha256').update(type).update('\n').update(text).digest('hex');
  const marker: TransactOp = {
    put: {
      ...keys.replay(householdId, hash),
      type: 'webhook_replay',
      at: now,
      ttl: Math.ceil((now + REPLAY_TTL_MS) / 1000),
    },
    condition: { attr: 'pk', exists: false },
  };
  // "Last received" is for the settings page; a write per webhook in a burst would buy nothing.
  if (type === 'TEST_NOTIFICATION') {
    await stamp(deps, householdId, { lastReceivedAt: now, lastTestAt: now });
  } else if (now - (settings.lastReceivedAt ?? 0) > STAMP_EVERY_MS) {
    await stamp(deps, householdId, { lastReceivedAt: now });
  }

  const target = TO_STATUS[type];
  if (type === 'TEST_NOTIFICATION' || target === undefined) {
    const fresh = await markOnly(deps, marker);
    return {
      outcome: fresh ? (type === 'TEST_NOTIFICATION' ? 'test' : 'ignored') : 'duplicate',
      notificationType: type,
    };
  }

  const overseerrId = p.request?.request_id;
  const pointer = overseerrId
    ? await deps.table.get<PointerItem>(keys.pointer(householdId, overseerrId))
    : undefined;
  const record = pointer
    ? await deps.table.get<RequestItem>({ pk: `H#${householdId}`, sk: pointer.requestSk })
    : undefined;
  if (!record) {
    // Not requested through MediaNest; followers of the title still want to hear it is here.
    if (type === 'MEDIA_AVAILABLE') return followersOnly(deps, householdId, p, marker);
    const fresh = await markOnly(deps, marker);
    return { outcome: fresh ? 'ignored' : 'duplicate', notificationType: type };
  }
  let to: Status = target;
  if (target === 'available') {
    const mediaStatus = record.is4k ? p.media?.status4k : p.media?.status;
    to = mediaStatus === 'PARTIALLY_AVAILABLE' ? 'partially_available' : 'available';
  }
  const out = await transition(deps, {
    householdId,
    key: { pk: record.pk, sk: record.sk },
    to,
    by: 'overseerr',
    note: type === 'MEDIA_AUTO_APPROVED' ? 'Approved automatically' : null,
    marker,
    dedupKey: `overseerr:${hash}`,
    image: p.image ?? undefined,
  });
  if (out.kind === 'duplicate') return { outcome: 'duplicate', notificationType: type, requestId: record.id };
  if (out.kind === 'missing') return { outcome: 'ignored', notificationType: type };
  return {
    outcome: out.kind === 'changed' ? 'applied' : 'unchanged',
    notificationType: type,
    requestId: out.request.id,
    status: out.request.status,
  };
}

async function markOnly(deps: WebhookDeps, marker: TransactOp): Promise<boolean> {
  try {
    await deps.table.transact([marker]);
    return true;
  } catch (err) {
    if (err instanceof TransactionCanceledError) return false;
    throw err;
  }
}

async function stamp(deps: WebhookDeps, householdId: string, set: Record<string, number>): Promise<void> {
  try {
    await deps.table.update(keys.webhook(householdId), { set, condition: { attr: 'pk', exists: true } });
  } catch (err) {
    if (!(err instanceof ConditionFailedError)) throw err;
  }
}

async function followersOnly(
  deps: WebhookDeps,
  householdId: string,
  p: WebhookPayload,
  marker: TransactOp,
): Promise<WebhookResult> {
  const type = p.notification_type;
  const mediaType =
    p.media?.media_type === 'tv' ? 'tv' : p.media?.media_type === 'movie' ? 'movie' : undefined;
  const tmdbId = p.media?.tmdbId;
  const follows = mediaType && tmdbId ? await followersOf(deps, householdId, mediaType, tmdbId) : [];
  const active = follows.length > 0 ? new Set(await membersOf(deps, householdId)) : new Set<string>();
  if (follows.length === 0) {
    const fresh = await markOnly(deps, marker);
    return { outcome: fresh ? 'ignored' : 'duplicate', notificationType: type };
  }
  const name = p.subject || 'A title you follow';
  const hash = (marker as { put: { sk: string } }).put.sk.slice(4);
  const notification = await plan(deps, {
    householdId,
    event: 'request.available',
    recipients: [...new Set(follows.map((f) => f.userId).filter((u) => active.has(u)))],
    title: `Now available: ${name}`,
    body: `${name} is now available to watch.`,
    image: p.image ?? undefined,
    data: { mediaType, tmdbId },
    dedupKey: `overseerr:${hash}`,
  });
  const ops: TransactOp[] = [marker, ...follows.map((f) => ({ delete: { pk: f.pk, sk: f.sk } }))];
  const room = MAX_OPS_PER_TRANSACTION - ops.length;
  const first = notification.ops.slice(0, Math.max(0, room - (room % 2)));
  try {
    await deps.table.transact([...ops.slice(0, MAX_OPS_PER_TRANSACTION), ...first]);
  } catch (err) {
    if (err instanceof TransactionCanceledError && err.failed.includes(0)) {
      return { outcome: 'duplicate', notificationType: type };
    }
    throw err;
  }
  if (notification.ops.length > first.length)
    await commitInChunks(deps.table, notification.ops.slice(first.length));
  await notification.after();
  return { outcome: 'applied', notificationType: type };
}

// ---------------------------------------------------------------------------------------------
// Settings

export interface WebhookSettingsDeps {
  table: Table;
  clock: Clock;
  keyring: Keyring;
  /** The address Overseerr reaches MediaNest at (the System's `config.publicUrl`). */
  publicUrl: string;
}

export interface WebhookSettings {
  /** Paste into Overseerr → Settings → Notifications → Webhook → Webhook URL. */
  url: string;
  /** Paste into "Authorization Header". */
  authorization: string;
  /** JSON payload: leave Overseerr's default template. */
  template: 'default';
  createdAt: number;
  lastReceivedAt: number | null;
  lastTestAt: number | null;
}

const webhookUrl = (publicUrl: string, householdId: string) =>
  `${publicUrl.replace(/\/+$/, '')}/api/v1/webhooks/overseerr/${householdId}`;

async function writeSecret(deps: WebhookSettingsDeps, householdId: string, userId: string, replace: boolean) {
  const value = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  const item: WebhookItem = {
    ...keys.webhook(householdId),
    type: 'webhook_settings',
    secret: await deps.keyring.encrypt(value, secretContext(householdId)),
    createdAt: deps.clock.now(),
    createdBy: userId,
  };
  try {
    await deps.table.put(item, replace ? undefined : { attr: 'pk', exists: false });
  } catch (err) {
    // Two admins opened the page at once: keep the first secret.
    if (!(err instanceof ConditionFailedError)) throw err;
  }
}

async function settingsOf(deps: WebhookSettingsDeps, householdId: string): Promise<WebhookSettings> {
  const item = await deps.table.get<WebhookItem>(keys.webhook(householdId));
  if (!item) throw new AppError('unavailable', 'webhook.missing', 'The webhook secret could not be stored');
  return {
    url: webhookUrl(deps.publicUrl, householdId),
    authorization: await deps.keyring.decrypt(item.secret, secretContext(householdId)),
    template: 'default',
    createdAt: item.createdAt,
    lastReceivedAt: item.lastReceivedAt ?? null,
    lastTestAt: item.lastTestAt ?? null,
  };
}

/** The exact URL and Authorization value to paste into Overseerr (created on first view). */
export async function webhookSettings(deps: WebhookSettingsDeps): Promise<WebhookSettings> {
  const access = await requireAccess(deps, { permission: 'manage_integrations' });
  if (!(await deps.table.get(keys.webhook(access.householdId)))) {
    await writeSecret(deps, access.householdId, access.userId, false);
  }
  return settingsOf(deps, access.householdId);
}

/** Replaces the Authorization value (the old one stops working at once). */
export async function rotateWebhookSecret(deps: WebhookSettingsDeps): Promise<WebhookSettings> {
  const access = await requireAccess(deps, { permission: 'manage_integrations' });
  await writeSecret(deps, access.householdId, access.userId, true);
  return settingsOf(deps, access.householdId);
}
