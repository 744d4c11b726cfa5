/**
 * WebSocket tickets: a browser cannot set headers on a WebSocket handshake, and the session
 * cookie is not sent to the API Gateway WebSocket domain, so an authenticated HTTP call first
 * obtains a short-lived, single-use ticket and passes it as `?ticket=` on `$connect`.
 *
 * Access patterns:
 * - issue: put `WST#<sha256(ticket)>` / `TICKET` with a 60 s TTL (only the hash is stored, so a
 *   leaked table dump cannot be replayed).
 * - consume: conditional delete of that key while `expiresAt > now`; the delete is the single-use
 *   guarantee (two concurrent connects race on one item, exactly one wins).
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { scopeSchema } from '../adapter/realtime/topic.ts';
import { AppError } from '../error/index.ts';
import type { Clock } from '../port/clock.ts';
import { ConditionFailedError, type Key, type Table } from '../port/table.ts';

export const TICKET_TTL_SECONDS = 60;

/** Who the connection acts for: the user, within one household (the Realtime adapters' own rule). */
export const TicketScope = scopeSchema;
export type TicketScope = z.infer<typeof TicketScope>;

export interface IssuedTicket {
  ticket: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** The ports tickets need; any System satisfies it. */
export interface TicketDeps {
  table: Table;
  clock: Clock;
}

// 32 random bytes, base64url without padding.
const TicketString = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

const keyOf = (ticket: string): Key => ({
  pk: `WST#${createHash('sha256').update(ticket).digest('hex')}`,
  sk: 'TICKET',
});

export async function issueTicket(system: TicketDeps, scope: TicketScope): Promise<IssuedTicket> {
  const parsed = TicketScope.safeParse(scope);
  if (!parsed.success) {
    throw new AppError(
      'invalid',
      'realtime.invalid_scope',
      `Invalid ticket scope: ${z.prettifyError(parsed.error)}`,
    );
  }
  const { userId, householdId } = parsed.data;
  const ticket = randomBytes(32).toString('base64url');
  const now = system.clock.now();
  const expiresAt = now + TICKET_TTL_SECONDS * 1000;
  await system.table.put({
    ...keyOf(ticket),
    type: 'ws_ticket',
    userId,
    householdId,
    expiresAt,
    // The table hides the item once ttl passes; expiresAt is what consume checks, to the millisecond.
    ttl: Math.ceil(expiresAt / 1000),
  });
  return { ticket, expiresAt };
}

/**
 * Redeems a ticket once. Returns its scope, or undefined for a malformed, unknown, already used or
 * expired ticket (the caller answers all of them the same way: 401, no hint which).
 */
export async function consumeTicket(system: TicketDeps, ticket: string): Promise<TicketScope | undefined> {
  const parsed = TicketString.safeParse(ticket);
  if (!parsed.success) return undefined;
  try {
    const item = await system.table.delete(keyOf(parsed.data), {
      attr: 'expiresAt',
      op: '>',
      value: system.clock.now(),
    });
    const scope = TicketScope.safeParse(item);
    return scope.success ? { userId: scope.data.userId, householdId: scope.data.householdId } : undefined;
  } catch (error) {
    // Missing, consumed or expired: the condition fails on all three.
    if (error instanceof ConditionFailedError) return undefined;
    throw error;
  }
}
