/**
 * Telling people: one call puts the notification in each recipient's inbox (if their preferences
 * say so), pushes their new unread count, and queues one `notification.deliver` job per outbound
 * channel that wants the event — the household's channels and each recipient's own.
 *
 * `plan` splits that into the table writes (for a caller that must commit them in its own
 * transaction, like the Overseerr webhook, so a replayed webhook can never notify twice) and the
 * side effects to run once the writes committed.
 */

import type { MemberItem } from '../household/keys.ts';
import { effectivePermissions, type Permission } from '../household/permissions.ts';
import { enqueueWith, JobRegistry } from '../jobs/registry.ts';
import type { Logger } from '../observability/logger.ts';
import type { Clock } from '../port/clock.ts';
import type { Queue } from '../port/queue.ts';
import type { Realtime } from '../port/realtime.ts';
import type { Table, TransactOp } from '../port/table.ts';
import { channelsOf } from './channels.ts';
import { DELIVER_JOB, type DeliverData, deliverJob } from './deliver.ts';
import type { EventType } from './events.ts';
import { type InboxEntry, inboxOps, publishUnread } from './inbox.ts';
import { preferencesOf } from './preferences.ts';

export interface NotifyDeps {
  table: Table;
  clock: Clock;
  realtime: Realtime;
  queue: Queue;
  logger?: Logger;
}

export type Recipients = string[] | { permission: Permission } | 'members';

export interface NotifyInput extends Omit<InboxEntry, 'event'> {
  event: EventType;
  recipients: Recipients;
  /**
   * Makes the outbound sends idempotent (queue de-duplication per channel): a caller that may run
   * twice for one happening passes the same key both times.
   */
  dedupKey?: string;
}

export interface NotifyPlan {
  /** Inbox writes, two per recipient (never the same item twice). */
  ops: TransactOp[];
  recipients: string[];
  /** Pushes unread counts and queues outbound deliveries; run after `ops` committed. */
  after(): Promise<void>;
}

const registry = new JobRegistry([deliverJob]);

/** Active members of a household, optionally only those holding a permission. */
export async function membersOf(
  deps: { table: Table },
  householdId: string,
  permission?: Permission,
): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.table.query<MemberItem>({
      pk: `H#${householdId}`,
      sk: { beginsWith: 'M#' },
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    for (const m of page.items) {
      if (m.status !== 'active') continue;
      if (permission && !effectivePermissions(m.role, m.overrides).includes(permission)) continue;
      out.push(m.userId);
    }
    cursor = page.cursor;
  } while (cursor);
  return out;
}

async function resolveRecipients(deps: NotifyDeps, householdId: string, r: Recipients): Promise<string[]> {
  if (Array.isArray(r)) return [...new Set(r)];
  return membersOf(deps, householdId, r === 'members' ? undefined : r.permission);
}

export async function plan(deps: NotifyDeps, input: NotifyInput): Promise<NotifyPlan> {
  const now = deps.clock.now();
  const recipients = await resolveRecipients(deps, input.householdId, input.recipients);
  const prefs = await preferencesOf(deps, input.householdId, recipients);
  const ops: TransactOp[] = [];
  const inApp: string[] = [];
  const outbound = new Set<string>();
  for (const userId of recipients) {
    const choice = prefs.get(userId)?.[input.event];
    if (choice?.inApp !== false) {
      ops.push(...inboxOps(userId, input, now).ops);
      inApp.push(userId);
    }
    if (choice?.outbound !== false) outbound.add(userId);
  }
  const channels = (await channelsOf(deps, input.householdId)).filter(
    (c) =>
      c.enabled &&
      c.events.includes(input.event) &&
      (c.scope === 'household' || (c.scope === 'member' && outbound.has(c.ownerId))),
  );
  return {
    ops,
    recipients,
    async after() {
      await Promise.all(inApp.map((u) => publishUnread(deps, u)));
      for (const c of channels) {
        const data: DeliverData = {
          householdId: input.householdId,
          channelId: c.id,
          event: input.event,
          title: input.title,
          body: input.body,
          at: now,
          ...(input.link ? { link: input.link } : {}),
          ...(input.image ? { image: input.image } : {}),
        };
        try {
          await enqueueWith(registry, deps, DELIVER_JOB, data, {
            ...(input.dedupKey ? { dedupId: `${input.dedupKey}:${c.id}` } : {}),
          });
        } catch (error) {
          // The inbox already has it; a lost outbound copy is logged, not fatal to the caller.
          deps.logger?.error('Could not queue a notification delivery', { channelId: c.id, error });
        }
      }
    },
  };
}

/** Transactions hold at most 100 operations; inbox writes come in pairs. */
export const MAX_OPS_PER_TRANSACTION = 100;

/** Writes `ops` in as few transactions as allowed, keeping each recipient's pair together. */
export async function commitInChunks(
  table: Table,
  ops: TransactOp[],
  room = MAX_OPS_PER_TRANSACTION,
): Promise<void> {
  const size = room - (room % 2);
  for (let i = 0; i < ops.length; i += size) await table.transact(ops.slice(i, i + size));
}

/** Notifies now (see `plan` for callers that need the writes in their own transaction). */
export async function notify(deps: NotifyDeps, input: NotifyInput): Promise<{ recipients: string[] }> {
  const p = await plan(deps, input);
  await commitInChunks(deps.table, p.ops);
  await p.after();
  return { recipients: p.recipients };
}
