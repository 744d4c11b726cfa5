/**
 * Runs a simulator's Hono app as a real HTTP server on 127.0.0.1, with fault injection, a hit
 * counter and a control API under `/__control`:
 * - `GET /__control/hits` → `{ total, byRoute: { "GET /identity": 3 } }`; `DELETE` resets.
 * - `POST /__control/faults` (a FaultRule) → `{ id }`; `GET` lists; `DELETE` clears.
 * Each simulator adds its own state routes under `/__control/...` on its app.
 */
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { FaultRule, Faults } from './faults.ts';

export interface Hits {
  total: number;
  byRoute: Record<string, number>;
}

export interface RunningSimulator {
  name: string;
  url: string;
  port: number;
  faults: Faults;
  hits(): Hits;
  resetHits(): void;
  close(): Promise<void>;
}

export interface StartOptions {
  port?: number;
  host?: string;
}

export async function startServer(
  name: string,
  app: Hono,
  options: StartOptions = {},
): Promise<RunningSimulator> {
  const faults = new Faults();
  let hits: Hits = { total: 0, byRoute: {} };
  const root = new Hono();
  root.use('*', async (c, next) => {
    const path = new URL(c.req.url).pathname;
    if (!path.startsWith('/__control')) {
      hits.total += 1;
      const route = `${c.req.method} ${path}`;
      hits.byRoute[route] = (hits.byRoute[route] ?? 0) + 1;
    }
    await next();
  });
  root.use('*', faults.middleware());
  root.get('/__control/hits', (c) => c.json(hits));
  root.delete('/__control/hits', (c) => {
    hits = { total: 0, byRoute: {} };
    return c.body(null, 204);
  });
  root.get('/__control/faults', (c) => c.json(faults.list()));
  root.post('/__control/faults', async (c) => {
    const parsed = FaultRule.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: parsed.error.issues }, 400);
    return c.json({ id: faults.add(parsed.data) }, 201);
  });
  root.delete('/__control/faults', (c) => {
    faults.clear();
    return c.body(null, 204);
  });
  root.route('/', app);

  const host = options.host ?? '127.0.0.1';
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: root.fetch, port: options.port ?? 0, hostname: host }, () => resolve(s));
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    name,
    url: `http://${host}:${port}`,
    port,
    faults,
    hits: () => hits,
    resetHits: () => {
      hits = { total: 0, byRoute: {} };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
