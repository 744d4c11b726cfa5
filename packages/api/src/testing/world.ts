/**
 * Test support for the identity API: a local System (SQLite in a temp dir, fake clock) wired to a
 * simulated Plex world on loopback, the app, and a small cookie-keeping client that signs people
 * in through the real Plex PIN flow (start → approve on the simulator → poll).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@medianest/core/observability/logger';
import { FakeClock } from '@medianest/core/port/clock';
import { createLocalSystem, type LocalSystem, loadConfig } from '@medianest/core/system/index';
import { DEMO_MACHINE_ID, defaultScenario, STRANGER_ID } from '@medianest/simulators/scenario/index';
import { type PlexWorld, startPlexWorld } from '@medianest/simulators/scenario/start';
import { type AppOptions, createApp } from '../app.ts';

export const PUBLIC_URL = 'http://localhost:3000';
export const SAM_MACHINE_ID = '5b2d3f4e0a9c8d7b6e5f4a3b2c1d0e9f8a7b6c5d';
export { DEMO_MACHINE_ID };

/** The demo scenario plus a server owned by the stranger, so he can have a household of his own. */
export const isolationScenario = {
  ...defaultScenario,
  servers: [
    ...(defaultScenario.servers ?? []),
    { machineIdentifier: SAM_MACHINE_ID, name: "Sam's Plex", ownerId: STRANGER_ID, seed: 7, sections: [] },
  ],
};

export interface World {
  system: LocalSystem;
  app: ReturnType<typeof createApp>;
  plex: PlexWorld;
  clock: FakeClock;
  /** Moves plex.tv's clock only (it forgets PINs on its own schedule). */
  skewPlexTv(ms: number): void;
  close(): Promise<void>;
}

export async function startWorld(
  options: { env?: Record<string, string>; app?: AppOptions; scenario?: typeof isolationScenario } = {},
): Promise<World> {
  const clock = new FakeClock(Date.UTC(2035, 0, 1));
  let skew = 0;
  const plex = await startPlexWorld(options.scenario ?? isolationScenario, {
    clock: () => clock.now() + skew,
  });
  const dir = mkdtempSync(join(tmpdir(), 'mn-identity-'));
  const config = loadConfig({
    MEDIANEST_DATA_DIR: dir,
    MEDIANEST_PUBLIC_URL: PUBLIC_URL,
    MEDIANEST_PLEX_TV_URL: plex.plexTv.url,
    MEDIANEST_PLEX_AUTH_URL: `${plex.plexTv.url}/auth`,
    LOG_LEVEL: 'SILENT',
    ...options.env,
  });
  const system = await createLocalSystem(config, {
    clock,
    logger: createLogger('mn-test', { level: (process.env.MN_TEST_LOG as 'ERROR') ?? 'SILENT' }),
  });
  const app = createApp(system, options.app);
  return {
    system,
    app,
    plex,
    clock,
    skewPlexTv(ms) {
      skew += ms;
    },
    async close() {
      await system.close();
      await plex.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply<T = unknown> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

/** A browser stand-in: keeps cookies, sends our Origin on unsafe methods, parses JSON. */
export class Client {
  readonly cookies = new Map<string, string>();
  readonly ip: string;
  readonly #app: World['app'];
  constructor(app: World['app'], options: { ip?: string } = {}) {
    this.#app = app;
    this.ip = options.ip ?? '198.51.100.1';
  }

  /** The same browser (cookies, address) talking to another app instance. */
  withApp(app: World['app']): Client {
    const copy = new Client(app, { ip: this.ip });
    for (const [k, v] of this.cookies) copy.cookies.set(k, v);
    return copy;
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  // biome-ignore lint/suspicious/noExplicitAny: tests assert replies field by field; typing each one adds nothing
  async request<T = any>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; origin?: string | null } = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size > 0) headers.cookie = this.cookieHeader;
    const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(method);
    if (unsafe && options.origin !== null) headers.origin = options.origin ?? PUBLIC_URL;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.#app.request(
      path,
      {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      },
      { incoming: { socket: { remoteAddress: this.ip } } },
    );
    this.keep(res.headers);
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: body as T, text, headers: res.headers };
  }

  /** Applies Set-Cookie headers like a browser (Max-Age=0 or a past Expires deletes). */
  keep(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const maxAge = attrs.map((a) => a.trim()).find((a) => /^max-age=/i.test(a));
      if (value === '' || (maxAge && Number(maxAge.split('=')[1]) <= 0)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** Signs `accountId` in through the Plex PIN flow; returns the client holding the session cookie. */
export async function signInWithPlex(world: World, accountId: number, client = new Client(world.app)) {
  const started = await client.request<{ state: string; code: string }>('POST', '/api/v1/auth/plex/start', {
    body: {},
  });
  if (started.status !== 200) throw new Error(`start failed: ${started.status} ${started.text}`);
  world.plex.plexTv.approvePin(started.body.code, accountId);
  const polled = await client.request('POST', '/api/v1/auth/plex/poll', {
    body: { state: started.body.state },
  });
  if (polled.status !== 200 || polled.body.status !== 'signed_in') {
    throw new Error(`poll failed: ${polled.status} ${polled.text}`);
  }
  return client;
}
