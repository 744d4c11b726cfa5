/**
 * Moving a request record from one status to another, from wherever the news comes (the member
 * cancelling, an admin deciding, Overseerr's webhook): one conditional write on the record's rev,
 * in the same transaction as the inbox notifications it causes and, for a webhook, the replay
 * marker. A report that does not move the record (already there, or an earlier step arriving
 * late) changes nothing and notifies no one.
 */

import type { EventType } from '../notification/events.ts';
import { followersOf } from '../notification/follow.ts';
import {
  commitInChunks,
  MAX_OPS_PER_TRANSACTION,
  membersOf,
  type NotifyPlan,
  plan,
} from '../notification/notify.ts';
import type { Logger } from '../observability/logger.ts';
import type { Clock } from '../port/clock.ts';
import type { Queue } from '../port/queue.ts';
import type { Realtime } from '../port/realtime.ts';
import { type Key, type Table, TransactionCanceledError, type TransactOp } from '../port/table.ts';
import { release } from '../quota/quota.ts';
import { MAX_TIMELINE, PROGRESS, type RequestItem, type Status } from './keys.ts';

export interface TransitionDeps {
  table: Table;
  clock: Clock;
  realtime: Realtime;
  queue: Queue;
  logger?: Logger;
}

const RELEASES = new Set<Status>(['declined', 'cancelled']);

/** Whether a report of `to` should move a record that is at `from`. */
export function moves(from: Status, to: Status): boolean {
  if (from === to) return false;
  if (from === 'cancelled') return false;
  const a = PROGRESS[from];
  const b = PROGRESS[to];
  // Overseerr re-approves a declined or failed request ("retry"): that moves it again.
  if (a !== undefined && b !== undefined) return b > a;
  return true;
}

const NOTIFY: Partial<Record<Status, EventType>> = {
  approved: 'request.approved',
  declined: 'request.declined',
  failed: 'request.failed',
  available: 'request.available',
  partially_available: 'request.available',
};

function message(r: RequestItem, to: Status, note: string | null): { title: string; body: string } {
  const name = r.year ? `${r.title} (${r.year})` : r.title;
  switch (to) {
    case 'approved':
    case 'processing':
      return {
        title: `Approved: ${name}`,
        body: `Your request for ${name} was approved.${note ? ` ${note}` : ''}`,
      };
    case 'declined':
      return {
        title: `Declined: ${name}`,
        body: `Your request for ${name} was declined${note ? `: ${note}` : '.'}`,
      };
    case 'failed':
      return {
        title: `Failed: ${name}`,
        body: `Your request for ${name} could not be processed; an admin can retry it.`,
      };
    case 'partially_available':
      return { title: `Now available: ${name}`, body: `Some of ${name} is now available to watch.` };
    default:
      return { title: `Now available: ${name}`, body: `${name} is now available to watch.` };
  }
}

export interface TransitionInput {
  householdId: string;
  key: Key;
  to: Status;
  /** A MediaNest user id, `overseerr`, or null. */
  by: string | null;
  note?: string | null;
  /** Extra fields to set in the same write (reason, decidedBy). */
  set?: Record<string, unknown>;
  /** Written in the same transaction; a failure of THIS op means "already done" (webhook replay). */
  marker?: TransactOp;
  /** Used in notification links and outbound de-duplication. */
  dedupKey: string;
  image?: string | undefined;
}

export type TransitionOutcome =
  | { kind: 'changed'; request: RequestItem }
  | { kind: 'unchanged'; request: RequestItem }
  | { kind: 'duplicate' }
  | { kind: 'missing' };

const link = (r: RequestItem) => `/requests/${r.id}`;

/** Plans the notifications a move causes: the requester, and on availability everyone following the title. */
async function notificationsFor(
  deps: TransitionDeps,
  r: RequestItem,
  input: TransitionInput,
  note: string | null,
): Promise<{ plan: NotifyPlan | undefined; spentFollows: Key[] }> {
  // Overseerr moves an approved request straight to processing; a catch-up that skips "approved"
  // still owes the member that news.
  const event =
    NOTIFY[input.to] ??
    (input.to === 'processing' && r.status === 'pending' ? 'request.approved' : undefined);
  if (!event) return { plan: undefined, spentFollows: [] };
  const recipients = new Set([r.requestedBy]);
  const spentFollows: Key[] = [];
  if (event === 'request.available') {
    const follows = await followersOf(deps, input.householdId, r.mediaType, r.tmdbId);
    // Someone who left (or was suspended) since following is not told; the follow is spent anyway.
    const active = follows.length > 0 ? new Set(await membersOf(deps, input.householdId)) : new Set<string>();
    for (const f of follows) {
      if (active.has(f.userId)) recipients.add(f.userId);
      spentFollows.push({ pk: f.pk, sk: f.sk });
    }
  }
  const words = message(r, input.to, note);
  const p = await plan(deps, {
    householdId: input.householdId,
    event,
    recipients: [...recipients],
    title: words.title,
    body: words.body,
    link: link(r),
    image: input.image,
    data: { requestId: r.id, status: input.to, mediaType: r.mediaType, tmdbId: r.tmdbId },
    dedupKey: input.dedupKey,
  });
  return { plan: p, spentFollows };
}

/**
 * Applies a status report. Retries when the record changed between read and write; reports
 * `duplicate` when the marker already existed (nothing was written).
 */
export async function transition(deps: TransitionDeps, input: TransitionInput): Promise<TransitionOutcome> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const r = await deps.table.get<RequestItem>(input.key);
    if (!r) return { kind: 'missing' };
    if (!moves(r.status, input.to)) {
      if (input.marker) {
        try {
          await deps.table.transact([input.marker]);
        } catch (err) {
          if (err instanceof TransactionCanceledError) return { kind: 'duplicate' };
          throw err;
        }
      }
      return { kind: 'unchanged', request: r };
    }
    const now = deps.clock.now();
    // An admin's decision on its way to Overseerr supplies who decided and why.
    const decision = r.decision && r.decision.status === input.to ? r.decision : undefined;
    const by = decision?.by ?? input.by;
    const note = input.note ?? decision?.reason ?? null;
    const timeline = [...r.timeline, { at: now, status: input.to, by, note }].slice(-MAX_TIMELINE);
    const set: Record<string, unknown> = { status: input.to, timeline, updatedAt: now, ...input.set };
    if (decision) {
      set.reason = decision.reason;
      set.decidedBy = decision.by;
    }
    // Declined or cancelled: the member gets the quota back (once: the record forgets it).
    const refund = RELEASES.has(input.to) ? r.quota : [];
    if (refund.length > 0) set.quota = [];
    const { plan: p, spentFollows } = await notificationsFor(deps, r, input, note);
    const head: TransactOp[] = [];
    if (input.marker) head.push(input.marker);
    head.push({
      update: input.key,
      spec: {
        set,
        add: { rev: 1 },
        ...(decision ? { remove: ['decision'] } : {}),
        condition: { attr: 'rev', op: '=', value: r.rev },
      },
    });
    const follows: TransactOp[] = spentFollows.map((k) => ({ delete: k }));
    const rest = [...follows, ...(p?.ops ?? [])];
    // Keep recipients' op pairs together: follows first, then inbox pairs.
    const room = MAX_OPS_PER_TRANSACTION - head.length;
    const firstFollows = follows.slice(0, room);
    const inboxRoom = room - firstFollows.length;
    const firstInbox = (p?.ops ?? []).slice(0, inboxRoom - (inboxRoom % 2));
    try {
      await deps.table.transact([...head, ...firstFollows, ...firstInbox]);
    } catch (err) {
      if (err instanceof TransactionCanceledError) {
        if (input.marker && err.failed.includes(0)) return { kind: 'duplicate' };
        continue;
      }
      throw err;
    }
    // Very large follower lists spill over into further transactions after the change committed.
    const spill = rest.filter((op) => !firstFollows.includes(op) && !firstInbox.includes(op));
    if (spill.length > 0) await commitInChunks(deps.table, spill);
    const updated = { ...r, ...set, rev: r.rev + 1 } as RequestItem;
    if (decision) delete updated.decision;
    await afterChange(deps, updated, p, refund);
    return { kind: 'changed', request: updated };
  }
  throw new Error('transition: the request kept changing underneath');
}

async function afterChange(
  deps: TransitionDeps,
  r: RequestItem,
  p: NotifyPlan | undefined,
  refund: Key[],
): Promise<void> {
  if (refund.length > 0) {
    await release(deps, { householdId: r.householdId, userId: r.requestedBy, counters: refund });
  }
  await publishUpdate(deps, r);
  await p?.after();
}

/**
 * `request.updated` to whoever has the request open: its requester, and each member who manages
 * requests (their "All requests" queue and the request's page). The Realtime port addresses a
 * member, not a role, so admins are told one by one; plain members hear nothing of other members'
 * requests (discover re-reads its badges on `request.created` and after a reconnect). The message
 * is a hint: the id and the new status, nothing a reader could not fetch.
 */
export async function publishUpdate(
  deps: Pick<TransitionDeps, 'table' | 'realtime' | 'logger'>,
  r: Pick<RequestItem, 'id' | 'householdId' | 'requestedBy' | 'status'>,
): Promise<void> {
  const message = { type: 'request.updated', data: { requestId: r.id, status: r.status } };
  const to = new Set([r.requestedBy]);
  try {
    for (const admin of await membersOf(deps, r.householdId, 'manage_requests')) to.add(admin);
  } catch (error) {
    deps.logger?.warn('Could not read who manages requests', { requestId: r.id, error });
  }
  await Promise.all(
    [...to].map(async (userId) => {
      try {
        await deps.realtime.publish({ householdId: r.householdId, userId }, message);
      } catch (error) {
        deps.logger?.warn('Could not push a request update', { requestId: r.id, error });
      }
    }),
  );
}
