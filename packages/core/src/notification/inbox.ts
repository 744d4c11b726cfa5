/**
 * The in-app inbox: what a user reads behind the bell in the shell. Access patterns and keys are
 * in keys.ts. Every change to a notification's read state moves the unread counter in the same
 * transaction, and the new count is pushed on the user's Realtime topic so every open tab's badge
 * follows without a reload.
 */
import { z } from 'zod';
import { useUser } from '../actor/context.ts';
import { fn } from '../actor/fn.ts';
import { newUlid } from '../actor/id.ts';
import { AppError } from '../error/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Clock } from '../port/clock.ts';
import type { Realtime } from '../port/realtime.ts';
import {
  ConditionFailedError,
  type Table,
  TransactionCanceledError,
  type TransactOp,
} from '../port/table.ts';
import { EventType } from './events.ts';
import { ENTITY_VERSION, INBOX_TTL_MS, keys, type NotificationItem, type UnreadItem } from './keys.ts';

export interface InboxDeps {
  table: Table;
  clock: Clock;
  realtime: Realtime;
  logger?: Logger;
}

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
export const NotificationId = z
  .string()
  .regex(/^ntf_[0-9A-HJKMNP-TV-Z]{26}$/, { error: 'expected a ntf_ id' });

export const Notification = z.object({
  id: NotificationId,
  householdId: z.string(),
  event: EventType,
  title: z.string(),
  body: z.string(),
  link: z.string().nullable(),
  image: z.string().nullable(),
  data: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.number().int(),
  readAt: z.number().int().nullable(),
});
export type Notification = z.infer<typeof Notification>;

export class NotificationNotFoundError extends AppError {
  override name = 'NotificationNotFoundError';
  constructor() {
    super('not_found', 'notification.not_found', 'No such notification');
  }
}

export interface InboxEntry {
  householdId: string;
  event: EventType;
  title: string;
  body: string;
  link?: string | undefined;
  image?: string | undefined;
  data?: Record<string, unknown> | undefined;
}

/** The two writes that put a notification in a user's inbox (item + unread ADD). */
export function inboxOps(userId: string, entry: InboxEntry, now: number): { id: string; ops: TransactOp[] } {
  const ulid = newUlid(now);
  const item: NotificationItem = {
    ...keys.notification(userId, ulid),
    type: 'notification',
    v: ENTITY_VERSION,
    id: `ntf_${ulid}`,
    userId,
    householdId: entry.householdId,
    event: entry.event,
    title: entry.title,
    body: entry.body,
    link: entry.link ?? null,
    image: entry.image ?? null,
    data: entry.data ?? null,
    createdAt: now,
    ttl: Math.ceil((now + INBOX_TTL_MS) / 1000),
  };
  return {
    id: item.id,
    ops: [
      { put: item, condition: { attr: 'pk', exists: false } },
      { update: keys.unread(userId), spec: { add: { count: 1 } } },
    ],
  };
}

async function countOf(deps: { table: Table }, userId: string): Promise<number> {
  const item = await deps.table.get<UnreadItem>(keys.unread(userId));
  // Notifications that expired unread are not subtracted: never show a negative badge.
  return Math.max(0, item?.count ?? 0);
}

/** Pushes a user's unread count to their open tabs. Best effort: the count is also read on load. */
export async function publishUnread(deps: InboxDeps, userId: string): Promise<void> {
  try {
    const count = await countOf(deps, userId);
    await deps.realtime.publish({ userId }, { type: 'notification.unread', data: { count } });
  } catch (error) {
    deps.logger?.warn('Could not push the unread count', { userId, error });
  }
}

function toNotification(i: NotificationItem): Notification {
  return {
    id: i.id,
    householdId: i.householdId,
    event: i.event,
    title: i.title,
    body: i.body,
    link: i.link,
    image: i.image,
    data: i.data,
    createdAt: i.createdAt,
    readAt: i.readAt ?? null,
  };
}

export const ListInput = z.object({
  limit: z.number().int().min(1).max(100).default(30),
  cursor: z.string().max(2000).optional(),
  unreadOnly: z.boolean().default(false),
});

export interface InboxPage {
  notifications: Notification[];
  unread: number;
  cursor?: string;
}

/** The signed-in user's notifications, newest first. */
export const list = fn(ListInput, async (deps: InboxDeps, input): Promise<InboxPage> => {
  const { userId } = useUser();
  const out: Notification[] = [];
  let cursor = input.cursor;
  // Unread-only pages filter after reading; a bounded number of reads keeps one call cheap.
  for (let reads = 0; reads < 10 && out.length < input.limit; reads++) {
    const page = await deps.table.query<NotificationItem>({
      pk: `U#${userId}`,
      sk: { beginsWith: 'N#' },
      forward: false,
      limit: input.limit - out.length,
      ...(cursor ? { cursor } : {}),
    });
    for (const i of page.items) if (!input.unreadOnly || i.readAt === undefined) out.push(toNotification(i));
    cursor = page.cursor;
    if (!cursor) break;
  }
  const unread = await countOf(deps, userId);
  return cursor ? { notifications: out, unread, cursor } : { notifications: out, unread };
});

export async function unreadCount(deps: { table: Table }): Promise<number> {
  const { userId } = useUser();
  return countOf(deps, userId);
}

async function markOne(deps: InboxDeps, userId: string, ulid: string): Promise<boolean> {
  try {
    await deps.table.transact([
      {
        update: keys.notification(userId, ulid),
        spec: {
          set: { readAt: deps.clock.now() },
          condition: {
            and: [
              { attr: 'pk', exists: true },
              { attr: 'readAt', exists: false },
            ],
          },
        },
      },
      { update: keys.unread(userId), spec: { add: { count: -1 } } },
    ]);
    return true;
  } catch (err) {
    if (err instanceof TransactionCanceledError) return false;
    throw err;
  }
}

export const MarkReadInput = z.object({ id: NotificationId });

/** Marks one notification read (again is a no-op); returns the new unread count. */
export const markRead = fn(MarkReadInput, async (deps: InboxDeps, { id }): Promise<{ unread: number }> => {
  const { userId } = useUser();
  const ulid = id.slice(4);
  if (!ULID.test(ulid)) throw new NotificationNotFoundError();
  const existing = await deps.table.get<NotificationItem>(keys.notification(userId, ulid));
  if (!existing) throw new NotificationNotFoundError();
  if (await markOne(deps, userId, ulid)) await publishUnread(deps, userId);
  return { unread: await countOf(deps, userId) };
});

/** Marks everything read; returns the new unread count. */
export async function markAllRead(deps: InboxDeps): Promise<{ unread: number }> {
  const { userId } = useUser();
  let cursor: string | undefined;
  let changed = 0;
  // Each one moves the counter by exactly one, so a notification arriving meanwhile stays counted.
  for (let reads = 0; reads < 20; reads++) {
    const page = await deps.table.query<NotificationItem>({
      pk: `U#${userId}`,
      sk: { beginsWith: 'N#' },
      forward: false,
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    for (const i of page.items) {
      if (i.readAt === undefined && (await markOne(deps, userId, i.sk.slice(2)))) changed++;
    }
    cursor = page.cursor;
    if (!cursor) break;
  }
  if (!cursor && (await settle(deps, userId))) changed++;
  if (changed > 0) await publishUnread(deps, userId);
  return { unread: await countOf(deps, userId) };
}

/**
 * Notifications that expire (TTL) while unread never move the counter down, so after a full
 * "mark all read" the counter is brought back to what is really unread: only the newest page
 * can hold arrivals since the scan, and the write is conditional on the counter not having moved.
 */
async function settle(deps: InboxDeps, userId: string): Promise<boolean> {
  const counter = await deps.table.get<UnreadItem>(keys.unread(userId));
  const counted = counter?.count ?? 0;
  if (counted === 0) return false;
  const newest = await deps.table.query<NotificationItem>({
    pk: `U#${userId}`,
    sk: { beginsWith: 'N#' },
    forward: false,
    limit: 100,
  });
  const unread = newest.items.filter((i) => i.readAt === undefined).length;
  if (unread === counted) return false;
  try {
    await deps.table.update(keys.unread(userId), {
      set: { count: unread },
      condition: { attr: 'count', op: '=', value: counted },
    });
    return true;
  } catch (err) {
    // A notification arrived or was read meanwhile: the next "mark all read" settles it.
    if (err instanceof ConditionFailedError) return false;
    throw err;
  }
}
