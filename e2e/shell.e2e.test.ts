import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeBrowser,
  expectNoA11yViolations,
  type RunningPlexApp,
  type SignedIn,
  signInDirectly,
  startAppWithPlex,
  withPage,
} from './harness.ts';

interface HealthBody {
  status: string;
  version: string;
  store: string;
  queue: { depth: number; deadLetter: number };
}

let app: RunningPlexApp;
let health: HealthBody;
/** Olivia, signed in with her household: the only kind of visitor that gets a live socket. */
let olivia: SignedIn;
/** Sam, signed in but in no household yet. */
let sam: SignedIn;
const asOlivia = () => ({ storageState: olivia.storageState });

beforeAll(async () => {
  // No consumers: the seeded jobs stay queued, so the page has a known, non-zero depth to show.
  app = await startAppWithPlex({ consumers: false });
  for (let i = 0; i < 3; i++) await app.system?.queue.send('jobs', { type: 'e2e.seeded', n: i });
  const res = await fetch(`${app.url}/api/health`);
  health = (await res.json()) as HealthBody;
  olivia = await signInDirectly(app);
  sam = await signInDirectly(app, { account: 'sam', household: false });
});

afterAll(async () => {
  await closeBrowser();
  await app?.close();
});

/** Home, signed in with a household (the caller's context), once the socket is live. */
async function openHome(page: Page): Promise<void> {
  await page.goto(`${app.url}/`);
  await page.getByTestId('health').waitFor();
  await page.locator('[data-testid="ws-status"][data-status="live"]').waitFor();
}

/** Routed sockets carry `?ticket=…`, so match the path, not the end of the URL. */
const WS_ROUTE = /\/ws(\?|$)/;
const ticketOf = (url: string) => new URL(url).searchParams.get('ticket');

function themeOf(page: Page): Promise<string | null> {
  return page.locator('html').getAttribute('data-theme');
}

/** Checks the page as it is now in the dark theme, then again after switching to light. */
async function expectAccessibleInBothThemes(page: Page): Promise<void> {
  const theme = () => themeOf(page);
  const start = await theme();
  await expectNoA11yViolations(page);
  await page.getByTestId('theme-switch').filter({ visible: true }).click();
  expect(await theme()).not.toBe(start);
  await expectNoA11yViolations(page);
}

describe('app shell', () => {
  it('renders the portal status from /api/health', () =>
    withPage('shell-health', async (page) => {
      // arrange / act
      await page.goto(`${app.url}/`);
      await page.getByTestId('health').waitFor();

      // assert
      expect(await page.getByTestId('health-version').textContent()).toBe(health.version);
      const store = { sqlite: 'SQLite', dynamodb: 'DynamoDB' }[health.store] ?? health.store;
      expect(await page.getByTestId('health-store').textContent()).toContain(store);
      if (app.system) expect(health.queue.depth).toBe(3);
      expect(await page.getByTestId('health-queue').textContent()).toContain(
        `${health.queue.depth} jobs waiting`,
      );
      expect(await page.getByTestId('health-status').textContent()).toContain('Healthy');
      expect(await page.title()).toBe('Home · MediaNest');
    }));

  it('shows the live WebSocket indicator, and reconnecting when the socket drops', () =>
    withPage(
      'shell-websocket',
      async (page) => {
        // arrange: a page clock we can stop later (so only "Retry now" can reconnect, not a backoff
        // timer racing the click), and sockets passed through to the real server until cut
        await page.clock.install();
        let cut = false;
        const open: Array<{ close(): Promise<void> }> = [];
        const tickets: Array<string | null> = [];
        await page.routeWebSocket(WS_ROUTE, (ws) => {
          tickets.push(ticketOf(ws.url()));
          if (cut) {
            void ws.close({ code: 1012, reason: 'test: server restarting' });
            return;
          }
          ws.connectToServer();
          open.push(ws);
        });
        await openHome(page);
        expect(await page.getByTestId('ws-status').textContent()).toContain('Live');
        // the server's pong reached the page's subscriber
        await page.getByTestId('health-realtime').getByText('Heartbeat just now').waitFor();

        // act: the server goes away and refuses new connections
        cut = true;
        await Promise.all(open.map((ws) => ws.close()));

        // assert: the loss is visible, the banner after its grace period (retries keep being refused)
        await page.locator('[data-testid="ws-status"][data-status="reconnecting"]').waitFor();
        const banner = page.getByTestId('ws-banner');
        await banner.waitFor();
        expect(await banner.textContent()).toContain('reconnecting');
        await expectAccessibleInBothThemes(page);

        // act: stop the page's time, and wait until no attempt is under way (the banner names the
        // next retry only once one is scheduled); that retry now never comes by itself
        await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 1_000);
        await expect
          .poll(async () => /reconnecting in \d+ s/.test((await banner.textContent()) ?? ''))
          .toBe(true);
        // the server is back: "Retry now" reconnects without waiting for the backoff
        cut = false;
        await page.getByRole('button', { name: 'Retry now' }).click();
        await page.locator('[data-testid="ws-status"][data-status="live"]').waitFor();
        await page.getByTestId('ws-banner').waitFor({ state: 'detached' });
        // every attempt asked for a fresh single-use ticket (the server refuses a used one)
        expect(tickets.length).toBeGreaterThanOrEqual(3);
        expect(tickets.every((t) => t !== null && /^[A-Za-z0-9_-]{43}$/.test(t))).toBe(true);
        expect(new Set(tickets).size).toBe(tickets.length);
      },
      { context: asOlivia() },
    ));

  it('pings every 25 s and replaces a socket whose pings go unanswered', () =>
    withPage(
      'shell-websocket-ping',
      async (page) => {
        // arrange: a controllable clock, and a proxy that counts pings and can play a dead server
        // (pongs swallowed, new connections refused)
        await page.clock.install();
        let pings = 0;
        let accepted = 0;
        let dead = false;
        await page.routeWebSocket(WS_ROUTE, (ws) => {
          if (dead) {
            void ws.close({ code: 1011, reason: 'test: dead server' });
            return;
          }
          accepted += 1;
          const server = ws.connectToServer();
          ws.onMessage((message) => {
            if (typeof message === 'string' && JSON.parse(message).type === 'ping') pings += 1;
            server.send(message);
          });
          server.onMessage((message) => {
            if (!dead) ws.send(message);
          });
        });
        await openHome(page);
        const afterOpen = pings;
        expect(afterOpen).toBeGreaterThanOrEqual(1);

        // act / assert: one more ping per 25 s while healthy
        await page.clock.runFor(25_000);
        await expect.poll(() => pings).toBe(afterOpen + 1);

        // act: the server stops answering; the next ping is due within 25 s, its answer within 10 s
        dead = true;
        await page.clock.runFor(25_000 + 10_000 + 5_000);

        // assert: the client gave up on the silent socket, says so, and recovers once it can
        await page.locator('[data-testid="ws-status"][data-status="reconnecting"]').waitFor();
        dead = false;
        // A second of fake time per step: one long jump could outrun the real round trip of the
        // new socket's first ping and time it out (a third connection that is the test's own doing).
        const live = page.locator('[data-testid="ws-status"][data-status="live"]');
        for (let s = 0; s < 90 && !(await live.isVisible()); s++) await page.clock.runFor(1_000);
        await live.waitFor();
        expect(accepted).toBe(2);
      },
      { context: asOlivia() },
    ));

  it('delivers a message published for the household to the signed-in browser over its socket', () =>
    withPage(
      'shell-websocket-publish',
      async (page) => {
        // arrange: watch what the page's own socket receives
        const received: string[] = [];
        page.on('websocket', (ws) => {
          ws.on('framereceived', (frame) => {
            if (typeof frame.payload === 'string') received.push(frame.payload);
          });
        });
        await openHome(page);
        if (!app.system) throw new Error('needs the in-process runtime');

        // act
        const sent = await app.system.realtime.publish(
          { householdId: olivia.householdId! },
          { type: 'test.ping', data: { hello: 'olivia' } },
        );

        // assert
        expect(sent.delivered).toBeGreaterThanOrEqual(1);
        await expect
          .poll(() =>
            received.map((p) => JSON.parse(p) as { type: string }).filter((m) => m.type === 'test.ping'),
          )
          .toEqual([{ type: 'test.ping', data: { hello: 'olivia' } }]);
      },
      { context: asOlivia() },
    ));

  for (const [who, context, cta] of [
    ['a signed-out visitor', () => ({}), 'Sign in with Plex'],
    [
      'a member without a household',
      () => ({ storageState: sam.storageState }),
      'Create or join a household',
    ],
  ] as const) {
    it(`opens no socket for ${who} and shows a calm "not connected"`, () =>
      withPage(
        `shell-no-socket-${cta.replace(/\W+/g, '-')}`,
        async (page) => {
          // arrange: count every socket the page opens
          const sockets: string[] = [];
          page.on('websocket', (ws) => sockets.push(ws.url()));

          // act: the home page settles who is signed in (the call to action depends on it)
          await page.goto(`${app.url}/`);
          await page.getByTestId('health').waitFor();
          await page.getByTestId('home-cta').getByText(cta).waitFor();

          // assert: no socket, no indicator, no banner; the status card says why
          expect(sockets).toEqual([]);
          expect(await page.getByTestId('ws-status').count()).toBe(0);
          expect(await page.getByTestId('ws-banner').count()).toBe(0);
          const card = page.getByTestId('health-realtime');
          expect(await card.textContent()).toContain('Not connected');
          expect(await card.textContent()).not.toContain('Reconnecting');
          await expectNoA11yViolations(page);
        },
        { context: context() },
      ));
  }

  it('shows skeletons while the status loads', () =>
    withPage('shell-health-loading', async (page) => {
      // arrange: hold the health answer until the skeleton has been seen
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await page.route('**/api/health', async (route) => {
        await held;
        await route.continue();
      });

      // act
      await page.goto(`${app.url}/`);

      // assert
      await page.getByTestId('health-loading').waitFor();
      expect(await page.getByTestId('health').count()).toBe(0);
      release();
      await page.getByTestId('health').waitFor();
      expect(await page.getByTestId('health-loading').count()).toBe(0);
    }));

  it('shows an API error in words with a retry that recovers', () =>
    withPage('shell-health-error', async (page) => {
      // arrange: the first health call fails the way the API reports errors
      let failing = true;
      await page.route('**/api/health', async (route) => {
        if (!failing) return route.continue();
        await route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({
            error: { code: 'unavailable', message: 'The store is not answering', requestId: 'req_e2e_1' },
          }),
        });
      });

      // act
      await page.goto(`${app.url}/`);
      const error = page.getByTestId('error-state');
      await error.waitFor();

      // assert
      expect(await error.textContent()).toContain('The store is not answering');
      expect(await error.textContent()).toContain('req_e2e_1');
      await expectAccessibleInBothThemes(page);
      failing = false;
      await error.getByRole('button', { name: 'Try again' }).click();
      await page.getByTestId('health').waitFor();
      expect(await page.getByTestId('health-version').textContent()).toBe(health.version);
    }));

  it('switches the theme and keeps the choice after a reload', () =>
    withPage(
      'shell-theme',
      async (page) => {
        // arrange: dark is the default for a dark-preferring browser
        await openHome(page);
        const theme = () => themeOf(page);
        expect(await theme()).toBe('dark');

        // act
        await page.getByTestId('theme-switch').filter({ visible: true }).click();

        // assert
        expect(await theme()).toBe('light');
        await page.reload();
        await page.getByTestId('health').waitFor();
        expect(await theme()).toBe('light');
        expect(
          await page.getByTestId('theme-switch').filter({ visible: true }).getAttribute('aria-checked'),
        ).toBe('false');
      },
      { context: asOlivia() },
    ));

  it('follows prefers-color-scheme on a first visit', () =>
    withPage(
      'shell-theme-first-visit',
      async (page) => {
        await page.goto(`${app.url}/`);
        await page.getByTestId('health').waitFor();
        expect(await themeOf(page)).toBe('light');
      },
      { context: { colorScheme: 'light' } },
    ));

  it('uses side navigation on wide screens and a bottom bar on phones', async () => {
    await withPage(
      'shell-nav-desktop',
      async (page) => {
        await openHome(page);
        expect(await page.getByRole('navigation', { name: 'Main', exact: true }).isVisible()).toBe(true);
        expect(await page.getByTestId('bottom-nav').isVisible()).toBe(false);
      },
      { context: asOlivia() },
    );
    await withPage(
      'shell-nav-phone',
      async (page) => {
        await openHome(page);
        const bottom = page.getByTestId('bottom-nav');
        expect(await bottom.isVisible()).toBe(true);
        expect(await page.getByRole('navigation', { name: 'Main', exact: true }).isVisible()).toBe(false);
        const box = (await bottom.boundingBox())!;
        expect(box.y + box.height).toBeCloseTo(844, 0);
        // four places and "More", which holds the rest and is lit because Home is one of them
        expect(await bottom.getByRole('link').allTextContents()).toEqual([
          'Household',
          'Library',
          'Discover',
          'Downloads',
        ]);
        const more = bottom.getByRole('button', { name: 'More' });
        expect(await more.getAttribute('data-active')).toBe('');
        await more.click();
        const sheet = page.getByRole('dialog', { name: 'More' });
        await sheet.waitFor();
        expect(await sheet.getByRole('link', { name: 'Home' }).getAttribute('aria-current')).toBe('page');
        expect(await sheet.getByRole('link', { name: 'Members' }).isVisible()).toBe(true);
        await expectNoA11yViolations(page);
        // a link in the sheet navigates and closes it; a page in the bar turns "More" off
        await sheet.getByRole('link', { name: 'Account' }).click();
        await page.waitForURL(/\/account$/);
        await sheet.waitFor({ state: 'detached' });
        await bottom.getByRole('link', { name: 'Library' }).click();
        await page.waitForURL(/\/library$/);
        expect(await bottom.getByRole('link', { name: 'Library' }).getAttribute('aria-current')).toBe('page');
        expect(await more.getAttribute('data-active')).toBeNull();
      },
      { context: { ...asOlivia(), viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
    );
  });

  it('offers a skip link as the first stop for keyboard users', () =>
    withPage(
      'shell-skip-link',
      async (page) => {
        await openHome(page);
        await page.keyboard.press('Tab');
        const focused = page.locator(':focus');
        expect(await focused.textContent()).toBe('Skip to content');
        await page.keyboard.press('Enter');
        expect(await page.locator('#main:focus').count()).toBe(1);
      },
      { context: asOlivia() },
    ));

  it('shows a not-found page for unknown addresses', () =>
    withPage('shell-not-found', async (page) => {
      await page.goto(`${app.url}/no/such/page`);
      await page.getByRole('heading', { name: 'Page not found' }).waitFor();
      await page.getByRole('link', { name: 'Back to Home' }).click();
      await page.getByTestId('health').waitFor();
    }));

  for (const colorScheme of ['dark', 'light'] as const) {
    for (const [device, viewport] of [
      ['desktop', { width: 1280, height: 800 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      it(`passes axe (serious/critical) in the ${colorScheme} theme on ${device}`, () =>
        withPage(
          `shell-axe-${colorScheme}-${device}`,
          async (page) => {
            await openHome(page);
            expect(await themeOf(page)).toBe(colorScheme);
            await expectNoA11yViolations(page);
          },
          { context: { ...asOlivia(), colorScheme, viewport } },
        ));
    }
  }
});
