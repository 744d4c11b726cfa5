/**
 * The household agents' socket at `/agent` (issue 8, ARCHITECTURE.md §5). An agent dials out to
 * the runtime with `Authorization: Bearer mna_…` (the token an admin minted; the `ws` client the
 * agent uses can always set the header, so the token is never taken from the URL, where it would
 * end up in access logs). Frames go to the core `AgentHub`, which owns the protocol: presence,
 * leases, offers, progress. A bad or revoked token closes the socket with 4401 (the agent logs
 * "the server refused the agent token" and keeps retrying with backoff until an admin fixes it).
 *
 * The hub is woken when the API queues or cancels work (`setAgentNotifier`), and ticks on an
 * interval to expire leases of vanished agents and offer what went back to the queue.
 */
import { upgradeWebSocket } from '@hono/node-server';
import { downloadDepsOf, setAgentNotifier } from '@medianest/api/v1/downloads';
import { AgentAuthError } from '@medianest/core/download/errors';
import { AgentHub, type AgentSession, type HubDeps } from '@medianest/core/download/hub';
import type { JobTarget } from '@medianest/core/download/protocol';
import { integrationServers } from '@medianest/core/library/sources';
import type { Logger } from '@medianest/core/observability/logger';
import type { System } from '@medianest/core/system/index';
import type { Context, MiddlewareHandler, Next } from 'hono';
import type { WSContext } from 'hono/ws';

/** Close code for a refused agent token (the same "authenticate first" code as /ws). */
export const AGENT_UNAUTHORIZED = 4401;

/** Default period of the hub's lease sweep (leases last 60 s; a few seconds late is harmless). */
export const AGENT_TICK_MS = 5_000;

/** Frames an agent may send before its token is checked (it says hello at once); more is abuse. */
const MAX_EARLY_FRAMES = 16;

export interface AgentEndpointOptions {
  logger?: Logger;
  /** Lease sweep period (default AGENT_TICK_MS); 0 turns the timer off (tests drive `hub.tick()`). */
  tickMs?: number;
  /**
   * Where an agent's Plex server is for a job (default: the household's first Plex integration,
   * with the owner's token, which may scan and edit collections).
   */
  plexFor?: HubDeps['plexFor'];
}

export interface AgentEndpoint {
  /** Mount with `root.get('/agent', endpoint.route)`. */
  route: MiddlewareHandler;
  hub: AgentHub;
  /** Stops the timer, closes every agent socket (1001) and waits until their presence is written. */
  close(): Promise<void>;
}

const bearerOf = (header: string | undefined): string => {
  const m = /^Bearer\s+(\S+)$/i.exec(header?.trim() ?? '');
  return m?.[1] ?? '';
};

/**
 * The household's Plex server as the agent should reach it. A download target names only a
 * section key, so with several servers the first integrated one is used.
 */
export function plexFromIntegrations(system: System): NonNullable<HubDeps['plexFor']> {
  const servers = integrationServers(downloadDepsOf(system));
  return async (householdId: string): Promise<JobTarget['plex'] | undefined> => {
    const [first] = await servers.list(householdId);
    return first
      ? { baseUrl: first.baseUrl, token: first.token, machineIdentifier: first.machineIdentifier }
      : undefined;
  };
}

export function agentEndpoint(system: System, options: AgentEndpointOptions = {}): AgentEndpoint {
  const logger = options.logger ?? system.logger;
  const hub: AgentHub = new AgentHub(
    Object.defineProperties(
      {},
      {
        ...Object.getOwnPropertyDescriptors(downloadDepsOf(system)),
        // The hub is the notifier here: work a resolve queues is offered at once.
        notifyAgents: { value: (hh: string) => hub.poke(hh), enumerable: true },
        plexFor: { value: options.plexFor ?? plexFromIntegrations(system), enumerable: true },
      },
    ) as HubDeps,
  );
  const unregister = setAgentNotifier(system, (hh) => hub.poke(hh));

  const sockets = new Set<WSContext>();
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    const q: Promise<unknown> = p
      .catch((error: unknown) =>
        logger.warn('agent endpoint: a socket task failed', { error: String(error) }),
      )
      .finally(() => pending.delete(q));
    pending.add(q);
  };

  const tickMs = options.tickMs ?? AGENT_TICK_MS;
  const timer =
    tickMs > 0
      ? setInterval(() => {
          track(hub.tick());
        }, tickMs)
      : undefined;
  timer?.unref();

  const upgrade = upgradeWebSocket((c) => {
    const token = bearerOf(c.req.header('authorization'));
    let session: AgentSession | undefined;
    let refused = false;
    const early: string[] = [];
    return {
      onOpen(_event, ws) {
        sockets.add(ws);
        track(
          hub
            .connect(token, {
              send: (m) => {
                if (ws.readyState === 1) ws.send(JSON.stringify(m));
              },
              close: (code, reason) => ws.close(code, reason),
            })
            .then(
              (s) => {
                session = s;
                // Closed while the token was being checked: the hub must forget it again.
                if (!sockets.has(ws)) {
                  track(hub.disconnect(s));
                  return;
                }
                for (const text of early.splice(0)) track(hub.receive(s, text));
              },
              (error: unknown) => {
                refused = true;
                if (error instanceof AgentAuthError) {
                  logger.info('agent refused: unknown or revoked token');
                  ws.close(AGENT_UNAUTHORIZED, 'unauthorized');
                } else {
                  logger.error('agent endpoint: checking a token failed', { error: String(error) });
                  ws.close(1011, 'server error');
                }
              },
            ),
        );
      },
      onMessage(event, ws) {
        if (refused) return;
        const text = typeof event.data === 'string' ? event.data : '';
        if (session) {
          track(hub.receive(session, text));
          return;
        }
        early.push(text);
        if (early.length > MAX_EARLY_FRAMES) ws.close(1008, 'too many frames before authentication');
      },
      onClose(_event, ws) {
        sockets.delete(ws);
        if (session) track(hub.disconnect(session));
      },
      onError(event, ws) {
        logger.warn('agent socket error', {
          error: String((event as Event & { error?: unknown }).error ?? event.type),
        });
        ws.close(1011, 'socket error');
      },
    };
  });

  const route: MiddlewareHandler = async (c: Context, next: Next) => {
    // A plain GET is not an agent: say what the endpoint is instead of falling through to the web app.
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      return c.text('The household agent endpoint: connect with a WebSocket and an agent token', 426, {
        upgrade: 'websocket',
      });
    }
    return upgrade(c, next);
  };

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      if (timer) clearInterval(timer);
      unregister();
      for (const ws of sockets) ws.close(1001, 'server shutting down');
      // An agent that does not answer the close handshake is cut after a short grace.
      const cut = setTimeout(() => {
        for (const ws of sockets) (ws.raw as { terminate?: () => void } | undefined)?.terminate?.();
      }, 2_000);
      const deadline = Date.now() + 5_000;
      while ((sockets.size > 0 || pending.size > 0) && Date.now() < deadline) {
        // A timer turn each time round: close events arrive as I/O, never while we spin on microtasks.
        await new Promise((r) => setTimeout(r, 20));
        if (pending.size > 0) {
          const left = Math.max(0, deadline - Date.now());
          await Promise.race([Promise.allSettled([...pending]), new Promise((r) => setTimeout(r, left))]);
        }
      }
      clearTimeout(cut);
    })();
    return closing;
  };

  return { route, hub, close };
}
