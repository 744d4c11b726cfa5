/**
 * Issue 5 in the browser: an admin connects Plex, Overseerr and Uptime Kuma on the integrations
 * page (test connection, the 401 message for a wrong key), then an open dashboard follows the
 * services live — a Kuma monitor flipping, Overseerr answering garbage, the Plex server stopping —
 * without a reload. Real runtime with 2 s status checks, real simulators, headless Chromium.
 *
 * That no check runs for a household nobody watches is covered where the simulator hits can be
 * counted tick by tick: packages/core/src/status/schedule.test.ts ("with nobody watching…").
 */
import { type RunningOverseerr, startOverseerr } from '@medianest/simulators/overseerr/index';
import type { RunningPlexServer } from '@medianest/simulators/plex-server/index';
import { DEMO_MACHINE_ID } from '@medianest/simulators/scenario/index';
import { type RunningUptimeKuma, startUptimeKuma } from '@medianest/simulators/uptime-kuma/index';
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

const API_KEY = 'overseerr-e2e-api-key-0000abcd';
const WAIT = { timeout: 45_000 };

let app: RunningPlexApp;
let overseerr: RunningOverseerr;
let kuma: RunningUptimeKuma;
let plex: RunningPlexServer;
let olivia: SignedIn;
const asOlivia = () => ({ context: { storageState: olivia.storageState } });
const home = () => `${app.url}/households/${encodeURIComponent(olivia.householdId ?? '')}`;

beforeAll(async () => {
  [overseerr, kuma] = await Promise.all([
    startOverseerr({ apiKey: API_KEY }),
    startUptimeKuma({
      monitors: [
        { id: 1, name: 'Sonarr', status: 'UP', ping: 21 },
        { id: 2, name: 'Radarr', status: 'UP', ping: 24 },
        { id: 3, name: 'Router', status: 'UP', ping: 2 },
      ],
      statusPages: [{ slug: 'home', title: 'Home', monitorIds: [1, 2, 3] }],
      beatIntervalMs: 0,
    }),
  ]);
  app = await startAppWithPlex({ env: { MEDIANEST_STATUS_INTERVAL_SECONDS: '2' } });
  plex = app.world.servers.get(DEMO_MACHINE_ID) as RunningPlexServer;
  olivia = await signInDirectly(app);
});

afterAll(async () => {
  await closeBrowser();
  await app?.close();
  await Promise.all([overseerr?.close(), kuma?.close()]);
});

const card = (page: Page, service: string, status?: string) =>
  page.locator(
    `[data-testid="service-card"][data-service="${service}"]${status ? `[data-status="${status}"]` : ''}`,
  );
const monitorRow = (page: Page, service: string, status?: string) =>
  page.locator(
    `[data-testid="monitor-row"][data-service="${service}"]${status ? `[data-status="${status}"]` : ''}`,
  );

/** axe in the current theme, then again after switching to the other one. */
async function expectAccessibleInBothThemes(page: Page): Promise<void> {
  const theme = () => page.locator('html').getAttribute('data-theme');
  const start = await theme();
  await expectNoA11yViolations(page);
  await page.getByTestId('theme-switch').filter({ visible: true }).click();
  expect(await theme()).not.toBe(start);
  await expectNoA11yViolations(page);
}

/** Tests the form's settings and waits for the result box to show an answer. */
async function testConnection(page: Page, kind: string): Promise<{ ok: string | null; message: string }> {
  const box = page.getByTestId(`test-result-${kind}`);
  await page.getByTestId(`test-${kind}`).click();
  const answer = box.locator('[data-ok]');
  await answer.waitFor(WAIT);
  return {
    ok: await answer.getAttribute('data-ok'),
    message: (await box.getByTestId('test-message').textContent()) ?? '',
  };
}

async function saveAndWait(page: Page, kind: string, form: string): Promise<void> {
  await page.getByTestId(`save-${kind}`).click();
  // A saved integration shows when it was saved and that its test passed.
  await page
    .getByTestId(form)
    .getByText(/last test passed/)
    .waitFor(WAIT);
}

describe('integrations and the live dashboard', () => {
  it('an admin connects Plex, Overseerr and Uptime Kuma from the not-configured dashboard; a wrong key says so', () =>
    withPage(
      'dashboard-settings',
      async (page) => {
        // Nothing configured yet: the dashboard leads the admin to the settings.
        await page.goto(home());
        await page.getByTestId('setup-integrations').click();
        await page.getByTestId('form-overseerr').waitFor(WAIT);
        expect(new URL(page.url()).pathname).toMatch(/\/settings\/integrations$/);

        // Plex: the simulator's address is one of the plex.tv connections to choose from.
        const mid = `plex-${DEMO_MACHINE_ID}`;
        await page.locator(`#${mid}-choice`).selectOption(plex.url);
        expect(await testConnection(page, mid)).toMatchObject({ ok: 'true' });
        await saveAndWait(page, mid, `form-${mid}`);
        // The re-read after saving keeps the chosen address on screen.
        expect(await page.locator(`#${mid}-choice`).inputValue()).toBe(plex.url);

        // Overseerr: a wrong key is refused with the API's own sentence; the right one passes.
        await page.locator('#overseerr-url').fill(overseerr.url);
        await page.locator('#overseerr-key').fill('not-the-right-key-1234');
        expect(await testConnection(page, 'overseerr')).toEqual({
          ok: 'false',
          message: 'Overseerr did not accept the API key',
        });
        await page.locator('#overseerr-key').fill(API_KEY);
        expect(await testConnection(page, 'overseerr')).toMatchObject({ ok: 'true' });
        await saveAndWait(page, 'overseerr', 'form-overseerr');
        // The key is never shown again: the field is empty, the stored key named by its end only.
        expect(await page.locator('#overseerr-key').inputValue()).toBe('');
        expect(await page.content()).not.toContain(API_KEY);

        // Uptime Kuma by status page.
        await page.locator('#kuma-url').fill(kuma.url);
        await page.locator('#kuma-slug').fill('home');
        expect(await testConnection(page, 'uptime_kuma')).toMatchObject({ ok: 'true' });
        await saveAndWait(page, 'uptime_kuma', 'form-uptime_kuma');

        // Monitors: members do not see the router; Sonarr shows inside the Overseerr card.
        await page.locator('[data-testid="monitor-setting"][data-monitor="3"]').waitFor(WAIT);
        await page.getByLabel('Members see Router').uncheck();
        await page.getByLabel('Where Sonarr is shown').selectOption('overseerr');
        await page.getByLabel('Label for Sonarr').fill('TV shows');
        await page.getByTestId('save-monitors').click();
        await page.getByText('Monitor choices saved').waitFor(WAIT);

        await expectAccessibleInBothThemes(page);
      },
      asOlivia(),
    ));

  it('an open dashboard follows a Kuma flip, a broken Overseerr and a stopped Plex without reloading', () =>
    withPage(
      'dashboard-live',
      async (page) => {
        await page.goto(home());
        // The socket's join asks for a check at once: the cards fill in without waiting for a tick.
        await card(page, `plex:${DEMO_MACHINE_ID}`, 'up').waitFor(WAIT);
        await card(page, 'overseerr', 'up').waitFor(WAIT);
        await card(page, 'uptime_kuma', 'up').waitFor(WAIT);
        await monitorRow(page, 'monitor:2', 'up').waitFor(WAIT);
        // Admins see the hidden router (flagged); Sonarr sits in the Overseerr card under its label.
        expect(await monitorRow(page, 'monitor:3').textContent()).toContain('Hidden from members');
        expect(await card(page, 'overseerr').getByTestId('monitor-row').textContent()).toContain('TV shows');
        // Recently added posters come through the library image route; nobody is watching yet.
        await page.locator('[data-testid="recently-added"] img').first().waitFor(WAIT);
        await page.getByText('Nobody is watching right now.').waitFor(WAIT);
        await expectAccessibleInBothThemes(page);

        // Marks this document: a reload would lose it.
        await page.evaluate(() => {
          (globalThis as unknown as { __dashboardMarker: number }).__dashboardMarker = 1;
        });

        // A Kuma monitor goes down.
        kuma.setStatus(2, 'DOWN', 'Connection refused');
        await monitorRow(page, 'monitor:2', 'down').waitFor(WAIT);
        expect(await monitorRow(page, 'monitor:2').textContent()).toContain('Uptime Kuma reports down');

        // Someone starts watching: the Plex card's stream count changes, now playing follows.
        const recent = (await (
          await fetch(`${app.url}/api/v1/households/${olivia.householdId}/recently-added?limit=1`, {
            headers: { cookie: `mn_session=${olivia.token}` },
          })
        ).json()) as { items: { ratingKey: string }[] };
        plex.setSessions([
          { ratingKey: recent.items[0]?.ratingKey ?? '1', user: { id: 7, title: 'alice' }, transcode: true },
        ]);
        await page.getByTestId('now-playing-row').filter({ hasText: 'alice' }).waitFor(WAIT);
        expect(await page.getByTestId('now-playing-row').getByTestId('decision').textContent()).toBe(
          'Transcode',
        );
        plex.setSessions([]);

        // Overseerr answers garbage: degraded with the reason, and the page stays usable.
        overseerr.faults.add({ malformed: true });
        try {
          await card(page, 'overseerr', 'degraded').waitFor(WAIT);
          const reason = await card(page, 'overseerr').getByTestId('card-reason').textContent();
          expect(reason?.trim().length).toBeGreaterThan(5);
          await card(page, 'overseerr').getByRole('button', { name: /30 d/ }).click();
          await card(page, 'overseerr').getByRole('button', { name: 'Recent checks' }).click();
          await card(page, 'overseerr')
            .getByText(/checks in 24 h/)
            .waitFor(WAIT);
        } finally {
          overseerr.faults.clear();
        }
        await card(page, 'overseerr', 'up').waitFor(WAIT);

        // The Plex server stops: unreachable, with the reason.
        await plex.stop();
        try {
          await card(page, `plex:${DEMO_MACHINE_ID}`, 'down').waitFor(WAIT);
          const plexCard = card(page, `plex:${DEMO_MACHINE_ID}`);
          expect(await plexCard.getByTestId('status-badge').textContent()).toContain('Unreachable');
          expect(await plexCard.getByTestId('card-reason').textContent()).toMatch(/refused|reach/i);
        } finally {
          // Back up, it stays "down" until its breaker lets a call through again (30 s): not waited for.
          await plex.start();
        }

        // All of it without a reload.
        expect(
          await page.evaluate(
            () => (globalThis as unknown as { __dashboardMarker?: number }).__dashboardMarker,
          ),
        ).toBe(1);
      },
      asOlivia(),
    ));

  it('a member sees the shared services and monitors, not the hidden ones, not now playing, no settings', async () => {
    const frank = await signInDirectly(app, { account: 'frank', household: false });
    await withPage(
      'dashboard-member',
      async (page) => {
        // Frank has access to Olivia's server, so he may join her household.
        await page.goto(`${app.url}/`);
        const joined = await page.evaluate(async (hid) => {
          const res = await fetch(`/api/v1/households/${hid}/join`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          });
          return res.status;
        }, olivia.householdId ?? '');
        expect(joined).toBe(201);
        await page.goto(home());
        await card(page, 'overseerr').waitFor(WAIT);
        await monitorRow(page, 'monitor:2').waitFor(WAIT);
        expect(await monitorRow(page, 'monitor:3').count()).toBe(0);
        expect(await page.getByText('Hidden from members').count()).toBe(0);
        expect(await page.getByRole('heading', { name: 'Now playing' }).count()).toBe(0);
        expect(await page.getByTestId('not-configured').count()).toBe(0);
        await expectNoA11yViolations(page);
        // The settings page tells a member it is not theirs.
        await page.goto(`${home()}/settings/integrations`);
        await page.getByTestId('no-permission').waitFor(WAIT);
      },
      { context: { storageState: frank.storageState } },
    );
  });
});
