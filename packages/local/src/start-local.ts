/**
 * The self-hosted runtime: ONE process on one port serving the API (/api), the realtime socket
 * (/ws) and the built web app, and running the queue consumer and the scheduler in-process —
 * the local column of the architecture, wired from the same pieces the Lambdas use.
 */
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';
import { createApp } from '@medianest/api';
import { setAgentNotifier } from '@medianest/api/v1/downloads';
import {
  type ConsumerHandle,
  type RunConsumerOptions,
  recordHandler,
  runConsumer,
} from '@medianest/core/adapter/queue/index';
import { markServerStart } from '@medianest/core/download/download';
import { handleJob, JOB_QUEUES, runTick } from '@medianest/core/jobs/index';
import { notifyStatusAlert } from '@medianest/core/notification/index';
import { createLogger, type Logger } from '@medianest/core/observability/logger';
import type { Clock } from '@medianest/core/port/clock';
import { forSystem, onStatusAlert, requestWatchedCheck } from '@medianest/core/status/index';
import { createLocalSystem, type Env, type LocalSystem, loadConfig } from '@medianest/core/system/index';
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { WebSocketServer } from 'ws';
import { agentEndpoint } from './agent-endpoint.ts';
import { type EmbeddedAgents, startEmbeddedAgents } from './embedded-agent.ts';
import { serveWeb, webBuildPresent } from './static.ts';
import { type SocketHub, socketRoute } from './ws.ts';

/** Where `npm run build -w web` puts the static build, relative to this file. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../../web/.output/public', import.meta.url));

/** A start-up failure the operator can fix from its message alone (no stack needed). */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export interface StartLocalOptions {
  /** Overrides PORT; 0 picks a free port. */
  port?: number;
  /** Overrides HOST. */
  host?: string;
  /** Overrides MEDIANEST_DATA_DIR. */
  dataDir?: string;
  /** Overrides MEDIANEST_WEB_DIR (default: web/.output/public of this checkout). */
  webDir?: string;
  /** The environment to configure from (default process.env). */
  env?: Env;
  /** Run the queue consumers and the scheduler (default true). */
  consumers?: boolean;
  /** Consumer tuning (batch size, visibility timeout, idle polling). */
  consumer?: Omit<RunConsumerOptions, 'clock' | 'logger'>;
  /** Scheduler period (default 60 s). */
  tickIntervalMs?: number;
  /** How long shutdown waits for in-flight jobs before releasing them (default 10 s). */
  shutdownGraceMs?: number;
  clock?: Clock;
  logger?: Logger;
  /**
   * Environment of the built-in agent's yt-dlp (default process.env), when
   * MEDIANEST_AGENT_LIBRARY_ROOTS turns it on. Tests pass the fake yt-dlp's catalog variables.
   */
  agentEnv?: NodeJS.ProcessEnv;
}

export interface LocalServer {
  /** Loopback URL of the server (what tests and the CLI banner use). */
  url: string;
  port: number;
  system: LocalSystem;
  /** The built-in download agents (MEDIANEST_AGENT_LIBRARY_ROOTS), when configured. */
  embeddedAgents: EmbeddedAgents | undefined;
  /** Stops accepting, stops the consumers (finishing or releasing in-flight jobs), closes the DB. */
  close(): Promise<void>;
}

export async function startLocal(options: StartLocalOptions = {}): Promise<LocalServer> {
  const env = options.env ?? process.env;
  const base = loadConfig(env);
  const host = options.host ?? base.host;
  const webDir = resolve(options.webDir ?? base.webDir ?? DEFAULT_WEB_DIR);
  const logger = options.logger ?? createLogger('medianest', { level: base.logLevel });

  // Listen before building the system: with port 0 the real port is only known now, and the
  // default public URL (signed blob links) must carry it. Requests arriving in between are told
  // to retry.
  let ready: (request: Request, env: unknown) => Response | Promise<Response> = () =>
    new Response('Starting', { status: 503, headers: { 'retry-after': '1' } });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  // The default factory is node:http's createServer.
  const server = createAdaptorServer({
    fetch: (request, bindings) => ready(request, bindings),
    websocket: { server: wss },
  }) as HttpServer;
  const wanted = options.port ?? base.port;
  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(wanted, host, () => {
        server.off('error', reject);
        resolveListen();
      });
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new StartupError(
        `Port ${wanted} on ${host} is already in use: stop the other server or set PORT`,
      );
    }
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const wildcard = host === '0.0.0.0' || host === '::';
  const bracket = (h: string) => (h.includes(':') ? `[${h}]` : h);
  const url = `http://${bracket(wildcard ? '127.0.0.1' : host)}:${port}`;
  const publicUrl = env.MEDIANEST_PUBLIC_URL?.trim()
    ? base.publicUrl
    : `http://${wildcard ? 'localhost' : bracket(host)}:${port}`;
  const config = {
    ...base,
    host,
    port,
    ...(options.dataDir !== undefined ? { dataDir: resolve(options.dataDir) } : {}),
    publicUrl,
    // The ticket answer hands this to browsers: it must name the port really listened on, like
    // the public URL (loadConfig only knew the configured one).
    wsUrl: env.MEDIANEST_WS_URL?.trim() ? base.wsUrl : `${publicUrl.replace(/^http/, 'ws')}/ws`,
  };

  let system: LocalSystem;
  try {
    system = await createLocalSystem(config, {
      logger,
      ...(options.clock ? { clock: options.clock } : {}),
    });
  } catch (err) {
    await new Promise<void>((done) => server.close(() => done()));
    throw err;
  }

  // Service down/up alerts raised by this process's status checks become notifications.
  const detachAlerts = onStatusAlert(forSystem(system, (alert) => notifyStatusAlert(system, alert)));
  const hub: SocketHub = { sockets: new Set() };
  const api = createApp(system);
  const root = new Hono();
  // Every socket must bring a ticket issued to a signed-in member (the same rule as AWS $connect).
  // A socket joining a household asks for a first status check (de-duplicated with the tick's),
  // so an opened dashboard goes live now instead of at the next tick.
  root.get(
    '/ws',
    socketRoute(logger, hub, system, {
      onJoin: (scope) =>
        void requestWatchedCheck(system, scope.householdId, system.clock.now(), {
          tickPeriodMs: options.tickIntervalMs ?? 60_000,
        }),
    }),
  );
  // Household download agents (Bearer agent token), wired to the in-process agent hub. Leases
  // held before this start are not expired until the agents have had time to reconnect.
  await markServerStart(system);
  const agents = agentEndpoint(system, { logger });
  root.get('/agent', agents.route);
  root.all('/api', (c) => api.fetch(c.req.raw, c.env));
  root.all('/api/*', (c) => api.fetch(c.req.raw, c.env));
  root.use('*', secureHeaders());
  if (!webBuildPresent(webDir)) {
    logger.warn('Web build not found: serving the API only. Build it with `npm run build -w web`.', {
      webDir,
    });
  }
  root.use('*', serveWeb({ dir: webDir }));
  root.notFound((c) => c.text('Not found', 404));
  ready = (request, bindings) => root.fetch(request, bindings);

  // The built-in agent dials this process's own /agent over loopback (see embedded-agent.ts); a
  // household gets its agent at boot (known ones) or when work is first queued there.
  let embeddedAgents: EmbeddedAgents | undefined;
  let unregisterEmbedded = () => {};
  if (config.agent) {
    embeddedAgents = await startEmbeddedAgents(system, {
      config: config.agent,
      serverUrl: url,
      dataDir: config.dataDir,
      logger,
      ...(options.agentEnv ? { env: options.agentEnv } : {}),
    });
    const embedded = embeddedAgents;
    // Replaces the endpoint's notifier with one that also starts a missing built-in agent (not
    // awaited: the member's request does not wait for an agent to boot).
    unregisterEmbedded = setAgentNotifier(system, (hh) => {
      agents.hub.poke(hh);
      void embedded.ensure(hh);
    });
  }

  const consumers: ConsumerHandle[] = [];
  let tickTimer: ReturnType<typeof setInterval> | undefined;
  let ticking: Promise<unknown> = Promise.resolve();
  if (options.consumers !== false) {
    const handler = recordHandler((message) => handleJob(system, message), { logger });
    for (const queue of JOB_QUEUES) {
      consumers.push(
        runConsumer(system.queue, queue, handler, {
          visibilityTimeoutSeconds: 60,
          ...options.consumer,
          clock: system.clock,
          logger,
        }),
      );
    }
    const tick = () => {
      ticking = runTick(system, system.clock.now()).catch((error: unknown) =>
        logger.error('Scheduled tick failed', { error }),
      );
    };
    tick();
    tickTimer = setInterval(tick, options.tickIntervalMs ?? 60_000);
    tickTimer.unref();
  }

  logger.info('MediaNest is listening', {
    url,
    publicUrl: config.publicUrl,
    host,
    port,
    dataDir: config.dataDir,
    mode: config.mode,
  });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(tickTimer);
      const stopped = new Promise<void>((done) => server.close(() => done()));
      server.closeIdleConnections();
      for (const ws of hub.sockets) ws.close(1001, 'server shutting down');
      await ticking;
      // The built-in agents first: they stop their jobs while the endpoint can still hear them.
      unregisterEmbedded();
      await embeddedAgents?.close();
      await agents.close();
      await Promise.all(consumers.map((c) => c.stop({ graceMs: options.shutdownGraceMs ?? 10_000 })));
      // Requests still running after the consumers drained are cut rather than left hanging.
      server.closeAllConnections();
      await stopped;
      detachAlerts();
      await system.close();
      logger.info('MediaNest stopped');
    })();
    return closing;
  };

  return { url, port, system, embeddedAgents, close };
}
