/**
 * End-to-end harness: the real self-hosted runtime in-process (`startLocal` from @medianest/local,
 * serving the built web app, /api and /ws on one loopback port), Debian's Chromium through
 * playwright-core, a failure screenshot per page, and an axe-core accessibility check.
 *
 * Set MEDIANEST_E2E_URL to run the same tests against an instance that is already running (a dev
 * server, a deployed stack) instead of starting one.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withActor } from '@medianest/core/actor/index';
import { plexTvFor } from '@medianest/core/auth/index';
import * as Household from '@medianest/core/household/index';
import * as Session from '@medianest/core/session/index';
import * as User from '@medianest/core/user/index';
import type { AxeResults, ImpactValue } from 'axe-core';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core';

export const repoRoot = join(import.meta.dirname, '..');
/**
 * The built web app. `MEDIANEST_E2E_WEB_DIR` points at a copy instead (parallel work on one checkout:
 * each worker copies its own build, so a rebuild by another cannot swap files under a running test).
 */
export const webDir = process.env.MEDIANEST_E2E_WEB_DIR ?? join(repoRoot, 'web/.output/public');
const screenshotDir = join(repoRoot, 'test-results/screenshots');

/** Throws the instruction to build when the web app has not been built (the tests drive the build). */
export function assertWebBuilt(dir: string = webDir): void {
  if (!existsSync(join(dir, 'index.html'))) {
    throw new Error(
      `The web app is not built: ${join(dir, 'index.html')} is missing. Run \`npm run build -w web\` first (\`npm test\` does it for you).`,
    );
  }
}

export interface StartAppOptions {
  /**
   * Environment for the runtime's config. Deliberately not process.env, so a developer's shell
   * (PORT, MEDIANEST_*) cannot change what the tests see; LOG_LEVEL defaults to WARN.
   */
  env?: Record<string, string | undefined>;
  webDir?: string;
  /** Defaults to a fresh temp directory, removed again by `close()`. */
  dataDir?: string;
  /**
   * Run the queue consumers and the scheduler (default true). Off, nothing changes the queue behind
   * a test's back, so what it seeds is what the page must show.
   */
  consumers?: boolean;
}

type LocalServer = Awaited<ReturnType<typeof import('@medianest/local').startLocal>>;

export interface RunningApp {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The in-process runtime's system (table, queue, …) for seeding; absent with MEDIANEST_E2E_URL. */
  system: LocalServer['system'] | undefined;
  close(): Promise<void>;
}

export async function startApp(options: StartAppOptions = {}): Promise<RunningApp> {
  const dir = options.webDir ?? webDir;
  assertWebBuilt(dir);
  const external = process.env.MEDIANEST_E2E_URL;
  if (external) return { url: external.replace(/\/+$/, ''), system: undefined, close: async () => {} };

  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'medianest-e2e-')));
  const { startLocal } = await import('@medianest/local');
  let local: LocalServer;
  try {
    local = await startLocal({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      webDir: dir,
      env: { LOG_LEVEL: 'WARN', ...options.env },
      ...(options.consumers !== undefined ? { consumers: options.consumers } : {}),
    });
  } catch (err) {
    if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: local.url.replace(/\/+$/, ''),
    system: local.system,
    async close() {
      try {
        await local.close();
      } finally {
        if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: chromiumArgs,
  });
}

let shared: Promise<Browser> | undefined;

/** One browser per test file, launched on first use; call `closeBrowser()` in `afterAll`. */
export function sharedBrowser(): Promise<Browser> {
  shared ??= launchBrowser();
  return shared;
}

export async function closeBrowser(): Promise<void> {
  const b = shared;
  shared = undefined;
  if (b) await (await b).close();
}

export interface WithPageOptions {
  /** Context options (viewport, colorScheme, …). Defaults to a 1280×800 dark-preferring desktop. */
  context?: BrowserContextOptions;
  browser?: Browser;
  /** Fail when the page throws an uncaught exception (default true): a broken app must not pass. */
  failOnPageError?: boolean;
}

/**
 * Runs `fn` with a fresh page in its own browser context (clean storage). When `fn` throws, a
 * full-page screenshot goes to `test-results/screenshots/<name>.png` and the page's uncaught errors
 * and console errors are appended to the message.
 */
export async function withPage<T>(
  name: string,
  fn: (page: Page) => Promise<T>,
  options: WithPageOptions = {},
): Promise<T> {
  const browser = options.browser ?? (await sharedBrowser());
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    colorScheme: 'dark',
    ...options.context,
  });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.stack ?? err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  try {
    const result = await fn(page);
    if ((options.failOnPageError ?? true) && pageErrors.length > 0) {
      throw new Error(`The page threw ${pageErrors.length} uncaught error(s)`);
    }
    return result;
  } catch (err) {
    const file = join(screenshotDir, `${name.replace(/[^a-z0-9._-]+/gi, '-')}.png`);
    let shot = `screenshot: ${file}`;
    try {
      mkdirSync(screenshotDir, { recursive: true });
      // A very tall page (a virtualised 50,000-item grid) cannot be captured whole: the viewport then.
      await page
        .screenshot({ path: file, fullPage: true })
        .catch(() => page.screenshot({ path: file, fullPage: false }));
    } catch (shotErr) {
      shot = `no screenshot (${shotErr instanceof Error ? shotErr.message : String(shotErr)})`;
    }
    const extra = [
      shot,
      ...pageErrors.map((e) => `page error: ${e}`),
      ...consoleErrors.map((e) => `console error: ${e}`),
    ].join('\n');
    if (err instanceof Error) {
      err.message = `${err.message}\n${extra}`;
      throw err;
    }
    throw new Error(`${String(err)}\n${extra}`);
  } finally {
    await context.close();
  }
}

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

export interface A11yOptions {
  /** Impacts that fail the check; default serious and critical. */
  impacts?: ImpactValue[];
  /** CSS selectors to leave out of the scan. */
  exclude?: string[];
}

/** Runs axe-core (WCAG 2.x A/AA rules and best practices) in the page and throws on any listed impact. */
export async function expectNoA11yViolations(page: Page, options: A11yOptions = {}): Promise<void> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  // The root tsconfig has no DOM types (it is for Node code), hence globalThis in page functions.
  const loaded = await page.evaluate(() => 'axe' in globalThis);
  if (!loaded) await page.addScriptTag({ content: axeSource });
  const exclude = options.exclude ?? [];
  const results = await page.evaluate((ex) => {
    const g = globalThis as unknown as {
      axe: { run(context: unknown, options: unknown): Promise<AxeResults> };
      document: unknown;
    };
    return g.axe.run({ include: [g.document], exclude: ex.map((s) => [s]) }, { resultTypes: ['violations'] });
  }, exclude);
  const impacts = options.impacts ?? ['serious', 'critical'];
  const bad = results.violations.filter((v) => v.impact && impacts.includes(v.impact));
  if (bad.length === 0) return;
  const lines = bad.map((v) => {
    const nodes = v.nodes
      .slice(0, 5)
      .map((n) => `    - ${n.target.join(' ')}: ${n.failureSummary?.replace(/\s+/g, ' ') ?? ''}`)
      .join('\n');
    return `  [${v.impact}] ${v.id}: ${v.help} (${v.nodes.length} node(s)) ${v.helpUrl}\n${nodes}`;
  });
  throw new Error(`Accessibility violations (${bad.length}):\n${lines.join('\n')}`);
}

type PlexWorld = Awaited<ReturnType<typeof import('@medianest/simulators/scenario/start').startPlexWorld>>;

export interface RunningPlexApp extends RunningApp {
  /** The simulated plex.tv and Plex Media Servers the runtime is pointed at (default scenario). */
  world: PlexWorld;
}

/**
 * The runtime wired to a simulated Plex world: `startPlexWorld()` (olivia owns a server shared
 * with frank and fiona; sam has no access), plex.tv and its auth page served by the simulator.
 * Private URLs are allowed because every simulator listens on loopback.
 */
export function startAppWithPlex(options: StartAppOptions = {}): Promise<RunningPlexApp> {
  return startAppWithPlexScenario(undefined, options);
}

type PlexScenarioInput = Parameters<typeof import('@medianest/simulators/scenario/start').startPlexWorld>[0];

/**
 * `startAppWithPlex` with a scenario of the test's own (e.g. the default one with a 50,000-item
 * section: `structuredClone(defaultScenario)` from `@medianest/simulators/scenario/index`, then
 * change `servers[0].sections`).
 */
export async function startAppWithPlexScenario(
  scenario: PlexScenarioInput | undefined,
  options: StartAppOptions = {},
): Promise<RunningPlexApp> {
  const { startPlexWorld } = await import('@medianest/simulators/scenario/start');
  const world = await startPlexWorld(scenario);
  let app: RunningApp;
  try {
    app = await startApp({
      ...options,
      env: {
        MEDIANEST_PLEX_TV_URL: world.plexTv.url,
        MEDIANEST_PLEX_AUTH_URL: `${world.plexTv.url}/auth`,
        MEDIANEST_ALLOW_PRIVATE_URLS: 'true',
        ...options.env,
      },
    });
  } catch (err) {
    await world.close();
    throw err;
  }
  return {
    ...app,
    world,
    async close() {
      try {
        await app.close();
      } finally {
        await world.close();
      }
    },
  };
}

/** A browser context's saved state (`withPage(…, { context: { storageState } })`). */
export type StorageState = Exclude<BrowserContextOptions['storageState'], string | undefined>;

export interface SignInOptions {
  /** The scenario account's Plex username (default `olivia`, who owns the demo server). */
  account?: string;
  /**
   * The household to create, owned by the account with all of its own servers; `false` for a
   * signed-in user without a household. Default `'The Owner Family'`.
   */
  household?: string | false;
}

export interface SignedIn {
  userId: string;
  /** The household created for the user, unless `household: false`. */
  householdId: string | undefined;
  /** The `mn_session` cookie's value. */
  token: string;
  /** The session cookie for the app's origin, ready for a browser context. */
  storageState: StorageState;
}

/**
 * A signed-in user without going through the sign-in pages (those have their own tests): the user,
 * a household and a session are made directly through the domain functions on the in-process
 * runtime's system, as the HTTP layer would after a Plex sign-in. Needs `startAppWithPlex` (the
 * household's servers are checked against the simulated plex.tv) and the in-process runtime.
 */
export async function signInDirectly(app: RunningPlexApp, options: SignInOptions = {}): Promise<SignedIn> {
  const system = app.system;
  if (!system) throw new Error('signInDirectly needs the in-process runtime (not MEDIANEST_E2E_URL)');
  const username = options.account ?? 'olivia';
  const account = app.world.scenario.accounts.find((a) => a.username === username);
  if (!account) throw new Error(`No scenario account named ${username}`);
  const deps = {
    table: system.table,
    keyring: system.keyring,
    clock: system.clock,
    logger: system.logger,
    sessions: {
      idleSeconds: system.config.identity.sessionIdleSeconds,
      absoluteSeconds: system.config.identity.sessionAbsoluteSeconds,
    },
    plexTv: await plexTvFor(system),
  };
  const { user } = await User.upsertFromPlex(deps, {
    account: {
      id: account.id,
      username: account.username,
      title: account.title,
      email: account.email ?? null,
      thumb: account.thumb ?? null,
    },
    token: account.authToken,
  });
  let householdId: string | undefined;
  const name = options.household ?? 'The Owner Family';
  if (name !== false) {
    const servers = app.world.scenario.servers
      .filter((sv) => sv.ownerId === account.id)
      .map((sv) => sv.machineIdentifier);
    const created = await withActor({ type: 'user', userId: user.id }, () =>
      Household.create(deps, { name, servers }),
    );
    householdId = created.household.id;
  }
  const { token } = await Session.create(deps, { userId: user.id, userAgent: 'e2e harness' });
  const cookie = {
    name: 'mn_session',
    value: token,
    domain: new URL(app.url).hostname,
    path: '/',
    expires: -1,
    httpOnly: true,
    secure: false,
    sameSite: 'Lax' as const,
  };
  return { userId: user.id, householdId, token, storageState: { cookies: [cookie], origins: [] } };
}

/** Puts a session from `signInDirectly` on an existing browser context. */
export async function addSessionCookie(
  context: BrowserContext,
  app: RunningApp,
  token: string,
): Promise<void> {
  await context.addCookies([
    { name: 'mn_session', value: token, url: app.url, httpOnly: true, sameSite: 'Lax' },
  ]);
}
