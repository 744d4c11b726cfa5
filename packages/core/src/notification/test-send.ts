/**
 * "Send test" on the channels page: one message through a channel now, through the same code as
 * a queued delivery (`send`: the Http port with its SSRF guard and timeout), and the outcome in
 * words the owner can act on: the status the service answered, or why there was no answer
 * (DNS, refused connection, timeout, a blocked address). The outcome is recorded as the channel's
 * last delivery. A paused channel can be tested too (that is how one checks it before turning it
 * back on); no queue, no retry, no circuit breaker: a test always really tries, once.
 */
import { z } from 'zod';
import { fn } from '../actor/fn.ts';
import type { Clock } from '../port/clock.ts';
import type { Http } from '../port/http.ts';
import type { Keyring } from '../port/keyring.ts';
import type { Table } from '../port/table.ts';
import { Channel, ChannelId, loadManaged, toChannel } from './channels.ts';
import { type DeliverData, lastDeliveryOf, recordDelivery, send } from './deliver.ts';

export interface TestSendDeps {
  table: Table;
  clock: Clock;
  keyring: Keyring;
  http: Http;
  /** Overrides the per-attempt timeout (tests); deliveries use DELIVERY_TIMEOUT_MS. */
  deliveryTimeoutMs?: number;
}

const KIND_NAME = { webhook: 'The webhook', discord: 'Discord', ntfy: 'ntfy' } as const;

export const TestInput = z.object({ id: ChannelId });

export const TestResult = z.object({
  ok: z.boolean(),
  /** The HTTP status the service answered with, when it answered. */
  status: z.number().int().optional(),
  /** Why there was no answer (`http.dns_failure`, `http.timeout`, …), or `http.status` for a refusal. */
  code: z.string().optional(),
  /** One sentence for the owner: what happened and, on failure, where to look. */
  message: z.string(),
  channel: Channel,
});
export type TestResult = z.infer<typeof TestResult>;

function hint(status: number): string {
  if (status === 401 || status === 403) return ': check the token or Authorization value';
  if (status === 404 || status === 410) return ': check the URL (the webhook or topic may have been deleted)';
  if (status === 429) return ': the service is rate-limiting; try again in a minute';
  if (status >= 500) return ': the service had a problem; try again later';
  return '';
}

export const sendTest = fn(TestInput, async (deps: TestSendDeps, { id }): Promise<TestResult> => {
  const { item } = await loadManaged(deps, id);
  const data: DeliverData = {
    householdId: item.householdId,
    channelId: item.id,
    // Only for the message's look; receivers see `test` (webhook: `"event": "test"`).
    event: item.events[0] ?? 'request.available',
    title: 'MediaNest test notification',
    body: `If you can read this, "${item.name}" works: MediaNest notifications will arrive here.`,
    at: deps.clock.now(),
    test: true,
  };
  const r = await send(deps, item, data, {
    ...(deps.deliveryTimeoutMs ? { timeoutMs: deps.deliveryTimeoutMs } : {}),
  });
  const last = lastDeliveryOf(r);
  await recordDelivery(deps, item, last);
  const channel = toChannel({ ...item, lastDelivery: last });
  const who = KIND_NAME[item.kind];
  if (r.ok) {
    return { ok: true, status: r.status, message: `Delivered: ${who} answered HTTP ${r.status}`, channel };
  }
  if ('status' in r) {
    return {
      ok: false,
      status: r.status,
      code: 'http.status',
      message: `Not delivered: ${who} answered HTTP ${r.status}${hint(r.status)}`,
      channel,
    };
  }
  return { ok: false, code: r.error.code, message: `Not delivered: ${r.error.message}`, channel };
});
