/**
 * Outbound channels: a generic webhook (JSON), a Discord webhook (embed) or an ntfy topic,
 * configured for the whole household (admins with manage_integrations) or by a member for
 * themselves. URLs and secrets are stored encrypted, bound to the household and channel id, and
 * never returned: lists show the host only.
 */
import { z } from 'zod';
import { fn } from '../actor/fn.ts';
import { newUlid } from '../actor/id.ts';
import { AppError } from '../error/index.ts';
import { type Access, requireAccess } from '../household/access.ts';
import type { Clock } from '../port/clock.ts';
import type { Keyring } from '../port/keyring.ts';
import type { Table } from '../port/table.ts';
import { queryAll } from '../port/table.ts';
import { EVENTS, EventType } from './events.ts';
import { type ChannelItem, ENTITY_VERSION, keys } from './keys.ts';

export interface ChannelDeps {
  table: Table;
  clock: Clock;
  keyring: Keyring;
}

export const ChannelKind = z.enum(['webhook', 'discord', 'ntfy']);
export const ChannelId = z.string().regex(/^nch_[0-9A-HJKMNP-TV-Z]{26}$/, { error: 'expected a nch_ id' });

const HttpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).max(2000);

export const Channel = z.object({
  id: ChannelId,
  scope: z.enum(['household', 'member']),
  ownerId: z.string(),
  kind: ChannelKind,
  name: z.string(),
  urlHost: z.string(),
  hasSecret: z.boolean(),
  events: z.array(EventType),
  enabled: z.boolean(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  lastDelivery: z
    .object({
      at: z.number().int(),
      ok: z.boolean(),
      status: z.number().int().optional(),
      error: z.string().optional(),
    })
    .nullable(),
});
export type Channel = z.infer<typeof Channel>;

export class ChannelNotFoundError extends AppError {
  override name = 'ChannelNotFoundError';
  constructor() {
    super('not_found', 'notification.channel_not_found', 'No such notification channel');
  }
}

export const secretContext = (householdId: string, channelId: string) => ({
  householdId,
  purpose: 'notification-channel',
  channelId,
});

export function toChannel(c: ChannelItem): Channel {
  return {
    id: c.id,
    scope: c.scope,
    ownerId: c.ownerId,
    kind: c.kind,
    name: c.name,
    urlHost: c.urlHost,
    hasSecret: c.secret !== undefined,
    events: c.events,
    enabled: c.enabled,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    lastDelivery: c.lastDelivery ?? null,
  };
}

/** Every channel of a household (a handful; one partition read). */
export async function channelsOf(deps: { table: Table }, householdId: string): Promise<ChannelItem[]> {
  const out = await queryAll<ChannelItem>(deps.table, {
    pk: `H#${householdId}`,
    sk: { beginsWith: 'NCH#' },
    limit: 200,
  });
  return out;
}

const mayManage = (access: Access, c: Pick<ChannelItem, 'scope' | 'ownerId'>) =>
  c.scope === 'household' ? access.permissions.includes('manage_integrations') : c.ownerId === access.userId;

export const CreateInput = z.object({
  scope: z.enum(['household', 'member']).default('member'),
  kind: ChannelKind,
  name: z.string().trim().min(1).max(80),
  url: HttpUrl,
  /** Webhook: the Authorization header value to send. ntfy: an access token (sent as Bearer). */
  secret: z.string().min(1).max(1000).optional(),
  events: z
    .array(EventType)
    .min(1)
    .default([...EVENTS]),
  enabled: z.boolean().default(true),
});

export const create = fn(CreateInput, async (deps: ChannelDeps, input): Promise<Channel> => {
  const access = await requireAccess(
    deps,
    input.scope === 'household' ? { permission: 'manage_integrations' } : {},
  );
  const now = deps.clock.now();
  const ulid = newUlid(now);
  const id = `nch_${ulid}`;
  const ctx = secretContext(access.householdId, id);
  const item: ChannelItem = {
    ...keys.channel(access.householdId, ulid),
    type: 'notification_channel',
    v: ENTITY_VERSION,
    id,
    householdId: access.householdId,
    scope: input.scope,
    ownerId: access.userId,
    kind: input.kind,
    name: input.name,
    url: await deps.keyring.encrypt(input.url, ctx),
    urlHost: new URL(input.url).host,
    ...(input.secret ? { secret: await deps.keyring.encrypt(input.secret, ctx) } : {}),
    events: [...new Set(input.events)],
    enabled: input.enabled,
    createdAt: now,
    updatedAt: now,
  };
  await deps.table.put(item, { attr: 'pk', exists: false });
  return toChannel(item);
});

/** The household's channels and the caller's own (other members' channels are theirs alone). */
export async function list(deps: { table: Table }): Promise<Channel[]> {
  const access = await requireAccess(deps);
  return (await channelsOf(deps, access.householdId))
    .filter((c) => c.scope === 'household' || c.ownerId === access.userId)
    .map(toChannel);
}

/** A channel the caller may change (their own, or a household one with manage_integrations). */
export async function loadManaged(
  deps: { table: Table },
  id: string,
): Promise<{ access: Access; item: ChannelItem }> {
  const access = await requireAccess(deps);
  const item = await deps.table.get<ChannelItem>(keys.channel(access.householdId, id.slice(4)));
  if (!item || (item.scope === 'member' && item.ownerId !== access.userId)) throw new ChannelNotFoundError();
  if (!mayManage(access, item)) {
    throw new AppError('forbidden', 'household.forbidden', 'You need the manage_integrations permission');
  }
  return { access, item };
}

export const UpdateInput = z.object({
  id: ChannelId,
  name: z.string().trim().min(1).max(80).optional(),
  url: HttpUrl.optional(),
  /** null removes the secret. */
  secret: z.string().min(1).max(1000).nullable().optional(),
  events: z.array(EventType).min(1).optional(),
  enabled: z.boolean().optional(),
});

export const update = fn(UpdateInput, async (deps: ChannelDeps, input): Promise<Channel> => {
  const { access, item } = await loadManaged(deps, input.id);
  const ctx = secretContext(access.householdId, item.id);
  const next: ChannelItem = { ...item, updatedAt: deps.clock.now() };
  if (input.name !== undefined) next.name = input.name;
  if (input.url !== undefined) {
    next.url = await deps.keyring.encrypt(input.url, ctx);
    next.urlHost = new URL(input.url).host;
  }
  if (input.secret === null) delete next.secret;
  else if (input.secret !== undefined) next.secret = await deps.keyring.encrypt(input.secret, ctx);
  if (input.events !== undefined) next.events = [...new Set(input.events)];
  if (input.enabled !== undefined) next.enabled = input.enabled;
  await deps.table.put(next, { attr: 'updatedAt', op: '=', value: item.updatedAt });
  return toChannel(next);
});

export const RemoveInput = z.object({ id: ChannelId });

export const remove = fn(RemoveInput, async (deps: ChannelDeps, { id }): Promise<void> => {
  const { item } = await loadManaged(deps, id);
  await deps.table.delete({ pk: item.pk, sk: item.sk });
});
