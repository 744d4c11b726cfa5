/**
 * The realtime socket at /ws. Until the identity work adds ticket authentication, a client may
 * only keep the connection alive: `{"type":"ping"}` is answered with `{"type":"pong"}`, and any
 * other first message closes the socket as unauthenticated.
 */
import { upgradeWebSocket } from '@hono/node-server';
import type { Logger } from '@medianest/core/observability/logger';
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

export function socketRoute(logger: Logger, hub: SocketHub) {
  return upgradeWebSocket(() => ({
    onOpen(_event, ws) {
      hub.sockets.add(ws);
    },
    onMessage(event, ws) {
      if (isPing(event.data)) {
        ws.send(JSON.stringify({ type: 'pong' }));
        return;
      }
      logger.debug('WebSocket message before authentication; closing');
      ws.close(WS_UNAUTHENTICATED, 'unauthenticated');
    },
    onClose(_event, ws) {
      hub.sockets.delete(ws);
    },
    onError(event, ws) {
      hub.sockets.delete(ws);
      logger.warn('WebSocket error', { error: (event as Event & { error?: unknown }).error ?? event.type });
    },
  }));
}
