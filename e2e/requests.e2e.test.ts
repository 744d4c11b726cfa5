/**
 * Requests through Overseerr in headless Chromium, against the real runtime, the simulated Plex
 * world and the Overseerr simulator (a real HTTP server whose webhooks POST to the runtime's
 * webhook route with the Authorization value MediaNest generated). olivia owns the household and
 * Overseerr's admin; frank and fiona are members with their own Overseerr users.
 *
 * One story, in order: frank requests two seasons of a show (the simulator records his
 * X-Api-User); fiona follows it ("Notify me too"); olivia approves in the portal; Overseerr
 * reports it available; frank's open requests page and fiona's open page change without a reload.
 * Then olivia sets a weekly quota in the settings and fiona's second request is refused with the
 * limit's sentence; olivia's open queue follows a decline made in Overseerr. Last, fiona's
 * notification preferences and a "Send test" through her channels.
 */

import { type Receiver, startReceiver } from '@medianest/core/request/fixtures';
import {
  type CatalogMovie,
  type CatalogTv,
  Permission,
  type RunningOverseerr,
  startOverseerr,
} from '@medianest/simulators/overseerr/index';
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

const KEY = 'overseerr-key-e2e-requests-0123456789';
const WAIT = { timeout: 30_000 };

let app: RunningPlexApp;
let sim: RunningOverseerr;
/** Stands in for a member's webhook channel. */
let receiver: Receiver;
let hid: string;
let olivia: SignedIn;
let frank: SignedIn;
let fiona: SignedIn;
/** Set by the first scenario; the others follow on from it. */
let showRequested = false;

/** A call to the runtime's API as a signed-in user (same origin, so the CSRF check passes). */
async function http(who: SignedIn, method: string, path: string, body?: unknown) {
  const res = await fetch(`${app.url}/api/v1${path}`, {
    method,
    headers: {
      cookie: `mn_session=${who.token}`,
      origin: app.url,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const accountId = (username: string) => {
  const a = app.world.scenario.accounts.find((x) => x.username === username);
  if (!a) throw new Error(`no scenario account ${username}`);
  return a.id;
};

/** A show with at least three seasons, so "two of them" is a real choice. */
const show = () =>
  sim.catalog.tv.find((t) => t.seasons.filter((s) => s.seasonNumber > 0).length >= 3) as CatalogTv;
const movie = (i: number) => sim.catalog.movies[i] as CatalogMovie;
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(async () => {
  receiver = await startReceiver();
  app = await startAppWithPlex();
  olivia = await signInDirectly(app, { account: 'olivia', household: 'Request Street' });
  hid = olivia.householdId as string;
  frank = await signInDirectly(app, { account: 'frank', household: false });
  fiona = await signInDirectly(app, { account: 'fiona', household: false });
  // frank and fiona join through the Plex server olivia shares with them.
  for (const who of [frank, fiona]) await http(who, 'POST', `/households/${hid}/join`);
  const hook = await http(olivia, 'GET', `/households/${hid}/webhook-settings`);
  sim = await startOverseerr({
    apiKey: KEY,
    users: [
      { id: 1, plexId: accountId('olivia'), email: 'olivia@example.com', permissions: Permission.ADMIN },
      { id: 7, plexId: accountId('frank'), email: 'frank@example.com', permissions: Permission.REQUEST },
      { id: 8, plexId: accountId('fiona'), email: 'fiona@example.com', permissions: Permission.REQUEST },
    ],
    webhook: { url: `${app.url}/api/v1/webhooks/overseerr/${hid}`, authHeader: hook.authorization },
  });
  await http(olivia, 'PUT', `/households/${hid}/integrations`, {
    kind: 'overseerr',
    url: sim.url,
    apiKey: KEY,
  });
});

afterAll(async () => {
  await closeBrowser();
  await sim?.close();
  await receiver?.close();
  await app?.close();
});

/** Searches on the discover page and returns the result card for a TMDB id. */
async function search(page: Page, query: string, tmdbId: number) {
  await page.getByLabel('Search movies and shows').fill(query);
  const card = page.locator(`[data-testid="result"][data-tmdb-id="${tmdbId}"]`);
  await card.waitFor(WAIT);
  return card;
}

const unreadCount = (page: Page) => page.getByTestId('unread-count');

/** Posters are TMDB URLs; the tests stay off the internet (the placeholder shows instead). */
async function offline(page: Page): Promise<void> {
  await page.route('https://image.tmdb.org/**', (route) => route.abort('internetdisconnected'));
}

describe('requests through Overseerr, approvals and notifications', () => {
  it('frank requests two seasons as himself; olivia approves; Overseerr reports it available; frank and follower fiona see it live', () =>
    withPage(
      'requests-frank',
      async (frankPage) => {
        await offline(frankPage);
        const title = show().name;
        // --- frank searches (the "/" key focuses the search box) and opens the request dialog
        await frankPage.goto(`${app.url}/households/${hid}/discover`);
        await frankPage.getByRole('heading', { name: 'Discover', level: 1 }).waitFor(WAIT);
        await frankPage.locator('main').click({ position: { x: 5, y: 5 } });
        await frankPage.keyboard.press('/');
        await expect
          .poll(() =>
            frankPage.evaluate(
              () =>
                (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document
                  .activeElement?.id,
            ),
          )
          .toBe('discover-search');
        const card = await search(frankPage, title, show().tmdbId);
        await expect.poll(() => card.getByTestId('availability').textContent()).toBe('Not available');
        await expectNoA11yViolations(frankPage);

        await card.getByRole('button', { name: `Request ${title}` }).click();
        const dialog = frankPage.getByTestId('request-dialog');
        await dialog.getByRole('radio', { name: 'Choose seasons' }).check(WAIT);
        await dialog.getByRole('checkbox', { name: /^Season 1\b/ }).check();
        await dialog.getByRole('checkbox', { name: /^Season 2\b/ }).check();
        await expectNoA11yViolations(frankPage);
        await dialog.getByRole('button', { name: 'Request', exact: true }).click();
        await dialog.waitFor({ state: 'detached', ...WAIT });
        await expect
          .poll(() => card.getByTestId('availability').textContent(), WAIT)
          .toBe('Requested by you');

        // --- Overseerr saw the request AS frank (his Overseerr user 7), for exactly those seasons
        const post = sim.requestLog().find((e) => e.method === 'POST' && e.path === '/api/v1/request');
        expect(post).toMatchObject({ apiUser: '7', userId: 7, status: 201 });
        const inOverseerr = sim.requests().at(-1) as { seasons: { seasonNumber: number }[] };
        expect(inOverseerr.seasons.map((s) => s.seasonNumber).sort()).toEqual([1, 2]);
        showRequested = true;

        // --- frank keeps his requests page open from here on
        await frankPage.getByRole('link', { name: 'Requests', exact: true }).first().click();
        const row = frankPage.locator('[data-testid="request"]', { hasText: title });
        await row.waitFor(WAIT);
        expect(await row.getAttribute('data-status')).toBe('pending');
        expect(await row.textContent()).toContain('Seasons 1, 2');
        await expectNoA11yViolations(frankPage);

        // --- fiona finds it requested by frank and asks to be told too
        await withPage(
          'requests-fiona-follows',
          async (fionaPage) => {
            await offline(fionaPage);
            await fionaPage.goto(`${app.url}/households/${hid}/discover?q=${encodeURIComponent(title)}`);
            const hers = fionaPage.locator(`[data-testid="result"][data-tmdb-id="${show().tmdbId}"]`);
            await expect
              .poll(() => hers.getByTestId('availability').textContent(), WAIT)
              .toMatch(/^Requested by /);
            await hers.getByRole('button', { name: new RegExp(`^Request ${escapeRe(title)}$`) }).click();
            const d = fionaPage.getByTestId('request-dialog');
            await d.getByRole('button', { name: 'Notify me too' }).click(WAIT);
            await d.getByRole('button', { name: 'Stop notifying me' }).waitFor(WAIT);
            await d.getByTestId('following').waitFor(WAIT);
            // remembered by the server: after a reload the dialog still says "Following"
            await fionaPage.reload();
            await hers.getByRole('button', { name: new RegExp(`^Request ${escapeRe(title)}$`) }).click(WAIT);
            await d.getByTestId('following').waitFor(WAIT);
            expect(await d.getByRole('button', { name: 'Notify me too' }).count()).toBe(0);
            await expectNoA11yViolations(fionaPage);
          },
          { context: { storageState: fiona.storageState } },
        );

        // --- olivia approves it in the portal's queue
        await withPage(
          'requests-olivia-approves',
          async (oliviaPage) => {
            await offline(oliviaPage);
            await oliviaPage.goto(`${app.url}/households/${hid}/requests?view=all&status=pending`);
            const queued = oliviaPage.locator('[data-testid="request"]', { hasText: title });
            await queued.waitFor(WAIT);
            expect(await queued.textContent()).toContain('by Frank');
            await expectNoA11yViolations(oliviaPage);
            await queued.getByRole('button', { name: `Approve ${title}` }).click();
            await expect.poll(() => queued.getAttribute('data-status'), WAIT).toBe('approved');
          },
          { context: { storageState: olivia.storageState } },
        );
        const approved = sim.requests().at(-1) as { status: number };
        expect(approved.status).toBe(2);

        // frank's open page follows without a reload: the row and the bell
        await expect.poll(() => row.getAttribute('data-status'), WAIT).toBe('approved');
        await expect.poll(() => unreadCount(frankPage).textContent(), WAIT).toBe('1');

        // --- fiona keeps a page open; Overseerr finds the show on Plex and sends its webhook
        await withPage(
          'requests-fiona-notified',
          async (fionaPage) => {
            await offline(fionaPage);
            await fionaPage.goto(`${app.url}/households/${hid}/discover`);
            await fionaPage.getByRole('heading', { name: 'Discover', level: 1 }).waitFor(WAIT);
            await fionaPage.getByTestId('unread-badge').waitFor(WAIT);
            // a live socket first, so the push cannot overtake the page
            await expect.poll(() => fionaPage.getByTestId('ws-status').textContent(), WAIT).toContain('Live');
            expect(await unreadCount(fionaPage).count()).toBe(0);

            sim.markAvailable(show().tmdbId, 'tv');
            await sim.flushWebhooks();

            await expect.poll(() => unreadCount(fionaPage).textContent(), WAIT).toBe('1');
            await fionaPage.getByTestId('unread-badge').click();
            const note = fionaPage.locator('[data-testid="notification"][data-event="request.available"]');
            await note.waitFor(WAIT);
            expect(await note.textContent()).toContain(title);
          },
          { context: { storageState: fiona.storageState } },
        );

        // frank: Available, a second unread notification and a toast, all without a reload
        await expect.poll(() => row.getAttribute('data-status'), WAIT).toBe('available');
        await expect.poll(() => row.getByTestId('request-status').textContent()).toBe('Available');
        await expect.poll(() => unreadCount(frankPage).textContent(), WAIT).toBe('2');
        await frankPage.getByText(`Now available: ${title}`).first().waitFor(WAIT);

        // --- the inbox lists both, and "Mark all read" clears the bell
        await frankPage.getByTestId('unread-badge').click();
        await frankPage.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor(WAIT);
        const items = frankPage.getByTestId('notification');
        await expect.poll(() => items.count(), WAIT).toBe(2);
        expect(await frankPage.locator('[data-event="request.available"][data-unread="true"]').count()).toBe(
          1,
        );
        expect(await frankPage.locator('[data-event="request.approved"]').textContent()).toContain(title);
        await expectNoA11yViolations(frankPage);
        await frankPage.getByRole('button', { name: 'Mark all read' }).click();
        await unreadCount(frankPage).waitFor({ state: 'detached', ...WAIT });
        expect(await frankPage.locator('[data-unread="true"]').count()).toBe(0);
        const inbox = await http(frank, 'GET', '/me/notifications');
        expect(inbox.unread).toBe(0);

        // the request's own page tells the story
        const detail = await http(frank, 'GET', `/households/${hid}/requests?type=tv`);
        await frankPage.goto(`${app.url}/households/${hid}/requests/${detail.requests[0].id}`);
        const timeline = frankPage.getByTestId('timeline');
        await timeline.waitFor(WAIT);
        const steps = await timeline.locator('li > p:first-of-type').allTextContents();
        expect(steps[0]).toBe('Pending approval');
        expect(steps.indexOf('Approved')).toBeGreaterThan(0);
        expect(steps.at(-1)).toBe('Available');
        // a plain member reads who decided (the household's people), not "An admin"
        expect(await timeline.textContent()).toContain('Olivia Owner');
      },
      { context: { storageState: frank.storageState } },
    ));

  it('olivia sets a weekly quota in the settings; fiona sees the quota line, and her second request is refused with the limit', () =>
    withPage(
      'requests-quota',
      async (oliviaPage) => {
        await offline(oliviaPage);
        expect(showRequested, 'the first scenario must have run').toBe(true);
        await oliviaPage.goto(`${app.url}/households/${hid}/settings/requests`);
        const form = oliviaPage.getByTestId('quota-form');
        await form.waitFor(WAIT);
        // the exact webhook values to paste into Overseerr
        await expect
          .poll(() => oliviaPage.getByTestId('webhook-url').inputValue(), WAIT)
          .toMatch(new RegExp(`/api/v1/webhooks/overseerr/${hid}$`));
        expect(await oliviaPage.getByTestId('webhook-authorization').inputValue()).toMatch(/^Bearer mnwh_/);
        await expectNoA11yViolations(oliviaPage);
        await form
          .getByRole('group', { name: 'Each member' })
          .getByLabel('Per week (resets Monday)')
          .fill('1');
        await form.getByRole('button', { name: 'Save quotas' }).click();
        await oliviaPage.getByText('Quotas saved').first().waitFor(WAIT);
        const saved = await http(olivia, 'GET', `/households/${hid}/quota/settings`);
        expect(saved.member).toEqual({ week: 1 });

        await withPage(
          'requests-fiona-quota',
          async (page) => {
            await offline(page);
            await page.goto(`${app.url}/households/${hid}/discover`);
            const first = await search(page, movie(0).title, movie(0).tmdbId);
            await first.getByRole('button', { name: `Request ${movie(0).title}` }).click();
            const dialog = page.getByTestId('request-dialog');
            await expect
              .poll(() => dialog.getByTestId('quota-line').textContent(), WAIT)
              .toBe('Your requests: 0 of 1 this week, resets Monday');
            await dialog.getByRole('button', { name: 'Request', exact: true }).click();
            await dialog.waitFor({ state: 'detached', ...WAIT });

            const second = await search(page, movie(1).title, movie(1).tmdbId);
            await second.getByRole('button', { name: `Request ${movie(1).title}` }).click();
            await expect
              .poll(() => dialog.getByTestId('quota-line').textContent(), WAIT)
              .toBe('Your requests: 1 of 1 this week, resets Monday');
            await dialog.getByRole('button', { name: 'Request', exact: true }).click();
            const refusal = dialog.getByTestId('request-refusal');
            await refusal.waitFor(WAIT);
            expect(await refusal.textContent()).toContain(
              'You have reached your limit of 1 request this week; it resets Monday',
            );
            // nothing reached Overseerr for the refused one
            const titles = sim.requests().map((r) => (r as { media: { tmdbId: number } }).media.tmdbId);
            expect(titles).toContain(movie(0).tmdbId);
            expect(titles).not.toContain(movie(1).tmdbId);
          },
          { context: { storageState: fiona.storageState } },
        );

        // --- olivia's open queue follows a change made in Overseerr itself (its webhook)
        await oliviaPage.goto(`${app.url}/households/${hid}/requests?view=all&status=pending`);
        const queued = oliviaPage.locator('[data-testid="request"]', { hasText: movie(0).title });
        await queued.waitFor(WAIT);
        await expect.poll(() => oliviaPage.getByTestId('ws-status').textContent(), WAIT).toContain('Live');
        expect(await queued.textContent()).toContain('by Fiona');
        const inOverseerr = sim
          .requests()
          .find((r) => (r as { media: { tmdbId: number } }).media.tmdbId === movie(0).tmdbId) as {
          id: number;
        };
        sim.setRequestStatus(inOverseerr.id, 'declined');
        await sim.flushWebhooks();
        await expect.poll(() => queued.getAttribute('data-status'), WAIT).toBe('declined');
      },
      { context: { storageState: olivia.storageState } },
    ));

  it('notification preferences save per event; "Send test" through her channels (light theme, axe)', () =>
    withPage(
      'requests-preferences',
      async (page) => {
        await offline(page);
        await page.goto(`${app.url}/households/${hid}/notifications`);
        const available = page.getByRole('checkbox', { name: 'Request available: to my channels' });
        await available.waitFor(WAIT);
        expect(await available.isChecked()).toBe(true);
        await expectNoA11yViolations(page);
        await available.uncheck();
        await expect
          .poll(
            async () => (await http(fiona, 'GET', `/households/${hid}/notifications/preferences`)).events,
            WAIT,
          )
          .toMatchObject({ 'request.available': { inApp: true, outbound: false } });
        // a member is not offered the admins' "new request" event
        expect(await page.getByRole('checkbox', { name: /^New request/ }).count()).toBe(0);

        // "Send test" delivers through her channel now and says so; a dead end says why
        await http(fiona, 'POST', `/households/${hid}/notifications/channels`, {
          kind: 'webhook',
          name: 'Fiona hook',
          url: `${receiver.url}/hook`,
        });
        await http(fiona, 'POST', `/households/${hid}/notifications/channels`, {
          kind: 'ntfy',
          name: 'Typo topic',
          url: 'http://medianest-e2e.invalid/topic',
        });
        await page.reload();
        await page.getByRole('button', { name: 'Send test to Fiona hook' }).click(WAIT);
        await page.getByText('Test sent to Fiona hook').first().waitFor(WAIT);
        expect(JSON.parse(receiver.calls.at(-1)?.body ?? '{}')).toMatchObject({ event: 'test' });
        await page.getByRole('button', { name: 'Send test to Typo topic' }).click();
        await page.getByText('Test to Typo topic did not arrive').first().waitFor(WAIT);
        await page
          .getByText(/Could not resolve medianest-e2e\.invalid/)
          .first()
          .waitFor(WAIT);
        await expectNoA11yViolations(page);
      },
      { context: { storageState: fiona.storageState, colorScheme: 'light' } },
    ));
});
