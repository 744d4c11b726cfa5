/**
 * Service down/up alerts. A check that sees a service change between "working" (up, degraded)
 * and "not working" (down) publishes `status.alert` on the household topic and calls every
 * registered handler — the hook the notification module attaches to (inbox, webhook, Discord,
 * ntfy). Handlers run after the status is stored; a failing handler is logged, never fails the
 * check (the next state change alerts again).
 */
import type { Logger } from '../observability/logger.ts';
import type { Realtime } from '../port/realtime.ts';
import type { Card, CardStatus } from './card.ts';

export interface StatusAlert {
  householdId: string;
  service: string;
  name: string;
  kind: Card['kind'];
  /** `down`: stopped working; `up`: works again. */
  event: 'down' | 'up';
  from: CardStatus;
  to: CardStatus;
  reason: string | null;
  at: number;
  /** Members see the service (hidden Kuma monitors alert admins only). */
  visible: boolean;
}

/**
 * Where an alert was raised: the realtime port of the System whose check raised it. Handlers are
 * process-wide, so a process running several Systems (tests, the e2e harness) tells them apart by
 * this and handles only its own System's alerts (`forSystem`).
 */
export interface AlertOrigin {
  realtime: Realtime;
}

export type AlertHandler = (alert: StatusAlert, origin: AlertOrigin) => Promise<void>;

const handlers = new Set<AlertHandler>();

/** Registers a handler for every alert in this process; returns the unregister function. */
export function onStatusAlert(handler: AlertHandler): () => void {
  handlers.add(handler);
  return () => {
    handlers.delete(handler);
  };
}

/** A handler that only sees the alerts raised by checks on `system` (same realtime port). */
export function forSystem(system: { realtime: Realtime }, handler: (alert: StatusAlert) => Promise<void>) {
  return async (alert: StatusAlert, origin: AlertOrigin): Promise<void> => {
    if (origin.realtime !== system.realtime) return;
    await handler(alert);
  };
}

const working = (s: CardStatus) => s === 'up' || s === 'degraded';

/** The alert a transition deserves, if any. Unknown and maintenance are not transitions. */
export function alertFor(
  householdId: string,
  previous: Card | undefined,
  next: Card,
): StatusAlert | undefined {
  if (!previous) return undefined;
  const from = previous.status;
  const to = next.status;
  let event: 'down' | 'up' | undefined;
  if (working(from) && to === 'down') event = 'down';
  if (from === 'down' && working(to)) event = 'up';
  if (!event) return undefined;
  return {
    householdId,
    service: next.service,
    name: next.name,
    kind: next.kind,
    event,
    from,
    to,
    reason: next.reason,
    at: next.checkedAt,
    visible: next.visible,
  };
}

export async function emitAlerts(
  deps: { realtime: Realtime; logger?: Logger | undefined },
  alerts: readonly StatusAlert[],
): Promise<void> {
  for (const alert of alerts) {
    if (alert.visible) {
      await deps.realtime
        .publish({ householdId: alert.householdId }, { type: 'status.alert', data: alert })
        .catch((error: unknown) => deps.logger?.warn('Could not publish a status alert', { error }));
    }
    for (const handler of handlers) {
      await handler(alert, { realtime: deps.realtime }).catch((error: unknown) =>
        deps.logger?.error('A status alert handler failed', { error, service: alert.service }),
      );
    }
  }
}
