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
import {
  type ConsumerHandle,
  type RunConsumerOptions,
  recordHandler,
  runConsumer,
} from '@medianest/core/adapter/queue/index';
import { handleJob, JOB_QUEUES, runTick } from '@medianest/core/jobs/index';
import { createLogger, type Logger } from '@medianest/core/observability/logger';
import type { Clock } from '@medianest/core/port/clock';
import { createLocalSystem, type Env, type LocalSystem, loadConfig } from '@medianest/core/system/index';
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { WebSocketServer } from 'ws';
import { serveWeb, webBuildPresent } from './static.ts';
import { type SocketHub, socketRoute } from './ws.ts';

/** Where `npm run build -w web` puts the static build, relative to this file. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../../web/.output/public', import.meta.url));

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
}

export interface LocalServer {
  /** Loopback URL of the server (what tests and the CLI banner use). */
  url: string;
  port: number;
  system: LocalSystem;
  /** Stops accepting, stops the consumers (finishing or releasing in-flight jobs), closes the DB. */
  close(): Promise<void>;
}

export async function startLocal(options: StartLocalOptions = {}): Promise<LocalServer> {
  const base = loadConfig(options.env ?? process.env);
  const config = {
    ...base,
    ...(options.dataDir !== undefined ? { dataDir: resolve(options.dataDir) } : {}),
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
  };
  const webDir = resolve(options.webDir ?? base.webDir ?? DEFAULT_WEB_DIR);
  const logger = options.logger ?? createLogger('medianest', { level: config.logLevel });
  const system = await createLocalSystem(config, {
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
  });

  const hub: SocketHub = { sockets: new Set() };
  const api = createApp(system);
  const root = new Hono();
  root.get('/ws', socketRoute(logger, hub));
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

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  // The default factory is node:http's createServer.
  const server = createAdaptorServer({ fetch: root.fetch, websocket: { server: wss } }) as HttpServer;
  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolveListen();
      });
    });
  } catch (err) {
    await system.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new Error(`Port ${config.port} on ${config.host} is already in use (set PORT)`);
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const loopback = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${loopback.includes(':') ? `[${loopback}]` : loopback}:${port}`;

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
    host: config.host,
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
      await Promise.all(consumers.map((c) => c.stop({ graceMs: options.shutdownGraceMs ?? 10_000 })));
      // Requests still running after the consumers drained are cut rather than left hanging.
      server.closeAllConnections();
      await stopped;
      await system.close();
      logger.info('MediaNest stopped');
    })();
    return closing;
  };

  return { url, port, system, close };
}
