/**
 * Sending one notification out through one channel, as a `notification.deliver` job: the queue
 * gives retries and a dead-letter queue, so a Discord hiccup never loses a message and never slows
 * the request that caused it. Calls go through the Http port (SSRF guard, timeouts).
 *
 * Shapes:
 * - webhook: `POST <url>` JSON `{event, title, message, link, image, householdId, sentAt}`,
 *   `Authorization: <secret>` when one is set.
 * - Discord: `POST <webhook url>` JSON `{username, embeds:[{title, description, url, color,
 *   timestamp, footer, thumbnail}]}` (Discord answers 204).
 * - ntfy: `POST <topic url>` with the message as the plain-text body and `Title`, `Tags`,
 *   `Click`, `Attach` headers (RFC 2047-encoded when not ASCII), `Authorization: Bearer <token>`.
 *
 * A 429 or 5xx (or a transport failure worth retrying) fails the job so the queue retries it; any
 * other refusal is the channel's configuration, recorded on the channel for its owner to see.
 */
import { z } from 'zod';
import { createHttp } from '../adapter/http/http.ts';
import { AppError } from '../error/index.ts';
import { defineJob, JOBS_QUEUE } from '../jobs/registry.ts';
import type { Logger } from '../observability/logger.ts';
import type { Clock } from '../port/clock.ts';
import { type Http, HttpError, type HttpRequest } from '../port/http.ts';
import type { Keyring } from '../port/keyring.ts';
import { ConditionFailedError, type Table } from '../port/table.ts';
import type { System } from '../system/index.ts';
import { secretContext } from './channels.ts';
import { EVENT_STYLE, EventType } from './events.ts';
import { type ChannelItem, keys } from './keys.ts';

export const DELIVER_JOB = 'notification.deliver';

export const DeliverData = z.object({
  householdId: z.string().min(1),
  channelId: z.string().regex(/^nch_[0-9A-HJKMNP-TV-Z]{26}$/),
  event: EventType,
  title: z.string().max(500),
  body: z.string().max(4000),
  link: z.string().max(2000).optional(),
  image: z.string().max(2000).optional(),
  at: z.number().int(),
  /** A "Send test" from the channels page: receivers can tell it apart (webhook `event: "test"`). */
  test: z.boolean().optional(),
});
export type DeliverData = z.infer<typeof DeliverData>;

export interface DeliverDeps {
  table: Table;
  clock: Clock;
  keyring: Keyring;
  http: Http;
  logger?: Logger;
}

/** Per attempt (DNS, connect, answer): a channel that takes longer is reported as timed out. */
export const DELIVERY_TIMEOUT_MS = 10_000;

const TEST_STYLE = { tags: ['test_tube'], color: 0x64748b };

/** Header values must be ASCII; ntfy reads RFC 2047 encoded words for anything else. */
function headerText(s: string): string {
  const flat = s.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(flat) ? flat : `=?UTF-8?B?${Buffer.from(flat, 'utf8').toString('base64')}?=`;
}

export function buildRequest(
  kind: ChannelItem['kind'],
  url: string,
  secret: string | undefined,
  d: DeliverData,
): HttpRequest {
  const base = {
    method: 'POST' as const,
    url,
    idempotent: false,
    timeoutMs: DELIVERY_TIMEOUT_MS,
    followRedirects: false,
  };
  const style = d.test ? TEST_STYLE : EVENT_STYLE[d.event];
  if (kind === 'discord') {
    const embed: Record<string, unknown> = {
      title: d.title.slice(0, 256),
      description: d.body.slice(0, 4096),
      color: style.color,
      timestamp: new Date(d.at).toISOString(),
      footer: { text: 'MediaNest' },
    };
    if (d.link) embed.url = d.link;
    if (d.image) embed.thumbnail = { url: d.image };
    return {
      ...base,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'MediaNest', embeds: [embed] }),
    };
  }
  if (kind === 'ntfy') {
    const headers: Record<string, string> = {
      'content-type': 'text/plain; charset=utf-8',
      title: headerText(d.title),
      tags: style.tags.join(','),
    };
    if (d.link) headers.click = d.link;
    if (d.image) headers.attach = d.image;
    if (secret) headers.authorization = `Bearer ${secret}`;
    return { ...base, headers, body: d.body };
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (secret) headers.authorization = secret;
  return {
    ...base,
    headers,
    body: JSON.stringify({
      event: d.test ? 'test' : d.event,
      title: d.title,
      message: d.body,
      link: d.link ?? null,
      image: d.image ?? null,
      householdId: d.householdId,
      sentAt: new Date(d.at).toISOString(),
    }),
  };
}

/** Sets the channel's last delivery (nothing when the channel was removed meanwhile). */
export async function recordDelivery(
  deps: { table: Table },
  c: ChannelItem,
  outcome: NonNullable<ChannelItem['lastDelivery']>,
): Promise<void> {
  try {
    await deps.table.update(
      { pk: c.pk, sk: c.sk },
      { set: { lastDelivery: outcome }, condition: { attr: 'pk', exists: true } },
    );
  } catch (err) {
    // Removed meanwhile: nothing to record on.
    if (!(err instanceof ConditionFailedError)) throw err;
  }
}

export type DeliverOutcome = 'sent' | 'skipped' | 'refused';

/** What one attempt to send through a channel came to. */
export type SendResult =
  | { at: number; ok: true; status: number }
  | { at: number; ok: false; status: number }
  | { at: number; ok: false; error: HttpError };

/**
 * Sends one message through one channel once, through the Http port (SSRF guard, timeout, no
 * redirects). A service's answer, whatever its status, is a result; no answer is an HttpError
 * saying why (DNS, refused connection, timeout, blocked address). Anything else throws.
 *
 * `integrationKey` scopes the circuit breaker: queued deliveries use one per channel, a test from
 * the channels page none (it must always really try).
 */
export async function send(
  deps: Pick<DeliverDeps, 'keyring' | 'http' | 'clock'>,
  c: ChannelItem,
  d: DeliverData,
  options: { integrationKey?: string; timeoutMs?: number } = {},
): Promise<SendResult> {
  const ctx = secretContext(c.householdId, c.id);
  const url = await deps.keyring.decrypt(c.url, ctx);
  const secret = c.secret ? await deps.keyring.decrypt(c.secret, ctx) : undefined;
  const at = deps.clock.now();
  try {
    const res = await deps.http.request({
      ...buildRequest(c.kind, url, secret, d),
      ...(options.integrationKey ? { integrationKey: options.integrationKey } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
    return res.status >= 200 && res.status < 300
      ? { at, ok: true, status: res.status }
      : { at, ok: false, status: res.status };
  } catch (err) {
    if (err instanceof HttpError) return { at, ok: false, error: err };
    throw err;
  }
}

/** The channel's "last delivery" line for a result. */
export function lastDeliveryOf(r: SendResult): NonNullable<ChannelItem['lastDelivery']> {
  if (r.ok) return { at: r.at, ok: true, status: r.status };
  if ('status' in r) return { at: r.at, ok: false, status: r.status, error: `answered ${r.status}` };
  return { at: r.at, ok: false, error: r.error.message };
}

/** Sends one notification through one channel. Throws when the queue should try again. */
export async function deliver(deps: DeliverDeps, d: DeliverData): Promise<DeliverOutcome> {
  const c = await deps.table.get<ChannelItem>(keys.channel(d.householdId, d.channelId.slice(4)));
  if (c === undefined) return 'skipped';
  if (!c.enabled || !c.events.includes(d.event)) return 'skipped';
  const r = await send(deps, c, d, { integrationKey: `${c.householdId}:notify:${c.id}` });
  if (!r.ok && 'error' in r) {
    const err = r.error;
    if (!err.transient && err.code !== 'http.circuit_open') {
      await recordDelivery(deps, c, lastDeliveryOf(r));
      deps.logger?.warn('Notification channel refused by policy', { channelId: c.id, code: err.code });
      return 'refused';
    }
    throw err;
  }
  const status = r.status;
  if (r.ok) {
    await recordDelivery(deps, c, lastDeliveryOf(r));
    return 'sent';
  }
  await recordDelivery(deps, c, lastDeliveryOf(r));
  if (status === 429 || status >= 500) {
    throw new AppError(
      'unavailable',
      'notification.delivery_failed',
      `The ${c.kind} channel answered ${status}`,
    );
  }
  deps.logger?.warn('Notification channel refused the message', { channelId: c.id, status });
  return 'refused';
}

const fallbackHttp = new WeakMap<object, Http>();

/**
 * The Http port for a worker. The System has no `http` yet: until the composition root provides
 * one, build one per System from its mode (self-hosted may reach private addresses when allowed).
 */
export function httpOf(system: System): Http {
  const given = (system as System & { http?: Http }).http;
  if (given) return given;
  let http = fallbackHttp.get(system);
  if (!http) {
    const allowPrivate = system.mode === 'selfhosted' && system.config.allowPrivateUrls;
    http = createHttp({ mode: system.mode, ...(allowPrivate ? { allowPrivate: true } : {}) });
    fallbackHttp.set(system, http);
  }
  return http;
}

export const deliverJob = defineJob({
  type: DELIVER_JOB,
  queue: JOBS_QUEUE,
  schema: DeliverData,
  async handle(system, data, context) {
    await deliver({ ...system, http: httpOf(system), logger: context.logger }, data);
  },
});
