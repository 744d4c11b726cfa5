/**
 * The realtime socket at /ws. A browser cannot send the session cookie's authority through a
 * WebSocket handshake reliably (and not at all to the AWS WebSocket domain), so it first asks
 * `POST /api/v1/households/:hid/realtime/ticket` for a single-use ticket and opens
 * `/ws?ticket=…`. The ticket is redeemed once, at the upgrade, and the socket joins the local
 * realtime hub with the ticket's scope (that user, in that household). A socket without a valid
 * ticket is closed with 4401 as soon as it opens. `{"type":"ping"}` is answered with `{"type":"pong"}`.
 */
import { randomUUID } from 'node:crypto';
import { upgradeWebSocket } from '@hono/node-server';
import type { LocalRealtime } from '@medianest/core/adapter/realtime/index';
import type { Logger } from '@medianest/core/observability/logger';
import { consumeTicket, type TicketDeps, type TicketScope } from '@medianest/core/realtime/index';
import type { WSContext } from 'hono/ws';

/** Close code for "authenticate first" (4000–4999 are application codes). */
export const WS_UNAUTHENTICATED = 4401;

const isPing = (data: unknown): boolean => {
  if (typeof data !== 'string' || data.length > 1024) return false;
  try {
    const parsed = JSON.parse(data) as unknown;
    return typeof parsed === 'object' && parsed !== null && (parsed as { type?: unknown }).type === 'ping';
  } catch {
    return false;
  }
};

export interface SocketHub {
  /** Open sockets, closed with 1001 on shutdown. */
  sockets: Set<WSContext>;
}

/** What the route needs from the local system: the table for tickets and the in-process hub. */
export interface SocketAuth extends TicketDeps {
  realtime: Pick<LocalRealtime, 'connect' | 'disconnect'>;
}

export interface SocketRouteOptions {
  /**
   * Called once a socket has joined its household (ticket redeemed, registered), e.g. to ask for
   * a first status check so an opened dashboard goes live at once. Must not throw.
   */
  onJoin?: (scope: TicketScope) => void;
}

/**
 * `auth` is the local system; the runtime (start-local.ts) always passes it. Without it no ticket
 * can be checked: such a socket is never registered, may only ping, and is closed with 4401 on
 * anything else (a bare route for tests of the socket mechanics alone).
 */
export function socketRoute(
  logger: Logger,
  hub: SocketHub,
  auth?: SocketAuth,
  options: SocketRouteOptions = {},
) {
  return upgradeWebSocket(async (c) => {
    const ticket = c.req.query('ticket');
    // Redeem only on a real upgrade: a plain GET must not burn a ticket.
    const upgrading = c.req.header('upgrade')?.toLowerCase() === 'websocket';
    let scope: TicketScope | undefined;
    if (upgrading && auth && ticket) {
      try {
        scope = await consumeTicket(auth, ticket);
      } catch (error) {
        logger.warn('WebSocket ticket could not be checked', { error });
      }
    }
    const id = randomUUID();
    return {
      onOpen(_event, ws) {
        hub.sockets.add(ws);
        if (!auth) return;
        if (!scope) {
          ws.close(WS_UNAUTHENTICATED, 'unauthenticated');
          return;
        }
        auth.realtime.connect(
          {
            id,
            send: (data) => ws.send(data),
            close: (code, reason) => ws.close(code, reason),
          },
          scope,
        );
        options.onJoin?.(scope);
      },
      onMessage(event, ws) {
        if (isPing(event.data)) {
          ws.send(JSON.stringify({ type: 'pong' }));
          return;
        }
        if (!scope) {
          logger.debug('WebSocket message before authentication; closing');
          ws.close(WS_UNAUTHENTICATED, 'unauthenticated');
          return;
        }
        // The socket is for pushes; clients have nothing else to say yet.
        logger.debug('Ignoring a WebSocket message', { id });
      },
      onClose(_event, ws) {
        hub.sockets.delete(ws);
        auth?.realtime.disconnect(id);
      },
      onError(event, ws) {
        hub.sockets.delete(ws);
        auth?.realtime.disconnect(id);
        logger.warn('WebSocket error', { error: (event as Event & { error?: unknown }).error ?? event.type });
      },
    };
  });
}
