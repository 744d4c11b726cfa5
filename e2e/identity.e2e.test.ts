/**
 * The whole Plex sign-in and household story in headless Chromium against the real runtime and the
 * simulated plex.tv: olivia (owns a server) signs in and creates a household, frank (the server is
 * shared with him) joins in one click, sam (no access) is refused and then joins with an invite
 * olivia creates in the UI. Each person has their own browser context (own cookies).
 */
import type { BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeBrowser,
  expectNoA11yViolations,
  type RunningApp,
  type RunningPlexApp,
  startApp,
  startAppWithPlex,
  withPage,
} from './harness.ts';

type StorageState = Exclude<BrowserContextOptions['storageState'], string | undefined>;

let app: RunningPlexApp;
/** Filled in as the story goes; each test needs the ones before it. */
const story: { hid?: string; householdName: string; olivia?: StorageState; frank?: StorageState } = {
  householdName: 'The Owner Family',
};

beforeAll(async () => {
  app = await startAppWithPlex();
});

afterAll(async () => {
  await closeBrowser();
  await app?.close();
});

/**
 * Signs in from the sign-in page as a scenario account (the simulator's radio label, e.g.
 * "Olivia Owner (olivia)"): the code is shown, the Plex auth page opens in a popup, the account is
 * picked and approved there, and the app moves on by itself.
 */
async function signInWithPlex(page: Page, account: string): Promise<void> {
  const popupOpened = page.context().waitForEvent('page');
  await page.getByRole('button', { name: 'Sign in with Plex' }).click();
  const popup = await popupOpened;
  const code = (await page.getByTestId('plex-code').textContent())?.trim() ?? '';
  expect(code).toMatch(/^[A-Za-z0-9]{4,}$/);

  await popup.waitForURL(/\/auth/);
  // The auth page is for this very code: it came from our server's PIN.
  expect(decodeURIComponent(popup.url())).toContain(`code=${code}`);
  await popup.getByText(/wants to access your Plex account/).waitFor();
  await popup.getByLabel(account).check();
  await popup.getByRole('button', { name: 'Approve' }).click();

  // The app notices the approval by polling, closes the popup and leaves the sign-in page.
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
  await expect.poll(() => popup.isClosed()).toBe(true);
  const cookies = await page.context().cookies(app.url);
  const session = cookies.find((c) => c.name === 'mn_session');
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe('Lax');
}

/** The story so far, or a clear failure when an earlier step did not get there. */
function sofar(): { hid: string; olivia: StorageState } {
  if (!story.hid || !story.olivia) throw new Error('an earlier step of the story failed (see above)');
  return { hid: story.hid, olivia: story.olivia };
}

const hidFrom = (page: Page) => new URL(page.url()).pathname.split('/')[2] ?? '';

describe('identity: Plex sign-in, households, joining and invites', () => {
  it('olivia is sent to sign in, signs in with Plex and creates a household with her server', () =>
    withPage('identity-olivia-creates', async (page) => {
      // arrange: an app page while signed out
      await page.goto(`${app.url}/households/new`);
      await page.waitForURL(/\/sign-in\?returnTo=%2Fhouseholds%2Fnew$/);
      await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      await expectNoA11yViolations(page);
      // signed out there is no socket to be live for: no indicator
      expect(await page.getByTestId('ws-status').count()).toBe(0);

      // act: sign in, then create the household in the wizard she was returned to
      await signInWithPlex(page, 'Olivia Owner (olivia)');
      await page.waitForURL(/\/households\/new$/);
      const server = page.getByRole('checkbox', { name: "Olivia's Plex" });
      await server.waitFor();
      await expectNoA11yViolations(page);
      await page.getByLabel('Name').fill(story.householdName);
      await server.check();
      await page.getByRole('button', { name: 'Create household' }).click();

      // assert
      await page.waitForURL(/\/households\/[^/]+$/);
      expect(await page.getByTestId('household-name').textContent()).toBe(story.householdName);
      expect(await page.getByTestId('my-role').textContent()).toBe('Owner');
      expect(await page.getByTestId('household-switcher').textContent()).toContain(story.householdName);
      await page.getByRole('link', { name: 'Members' }).first().waitFor();
      // her first household gives her a ticketed socket: the indicator goes live
      await page.locator('[data-testid="ws-status"][data-status="live"]').waitFor();
      await expectNoA11yViolations(page);
      story.hid = hidFrom(page);
      story.olivia = await page.context().storageState();

      // the household switcher works from the keyboard; the server is now claimed, so the wizard
      // shows it disabled, with the reason
      await page.getByTestId('household-switcher').focus();
      await page.keyboard.press('Enter');
      await page.getByRole('menuitem', { name: 'Create or join a household' }).waitFor();
      await expectNoA11yViolations(page);
      await page.keyboard.press('End');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/households\/new$/);
      const claimed = page.getByRole('checkbox', { name: "Olivia's Plex" });
      await claimed.waitFor();
      expect(await claimed.isDisabled()).toBe(true);
      await page.getByText(`Already part of your household ${story.householdName}`).waitFor();
    }));

  it('frank, who has access to the server, joins in one click', () => {
    sofar();
    return withPage('identity-frank-joins', async (page) => {
      // arrange
      await page.goto(`${app.url}/sign-in`);

      // act: no household yet, so sign-in leads to the wizard, which offers the joinable one
      await signInWithPlex(page, 'Frank Friend (frank)');
      await page.waitForURL(/\/households\/new$/);
      const join = page.getByRole('button', { name: `Join ${story.householdName}` });
      await join.waitFor();
      await expectNoA11yViolations(page);
      await join.click();

      // assert
      await page.waitForURL(`${app.url}/households/${story.hid}`);
      expect(await page.getByTestId('household-name').textContent()).toBe(story.householdName);
      expect(await page.getByTestId('my-role').textContent()).toBe('Member');
      await page.locator('[data-testid="ws-status"][data-status="live"]').waitFor();
      // members see no admin entries, and the settings say so instead of failing
      expect(await page.getByRole('link', { name: 'Invites' }).count()).toBe(0);
      await page.goto(`${app.url}/households/${story.hid}/settings/members`);
      await page.getByTestId('no-permission').waitFor();
      story.frank = await page.context().storageState();
    });
  });

  it('sam, without access, is refused joining and then joins with an invite link olivia creates', async () => {
    const { olivia } = sofar();
    await withPage('identity-sam', async (sam) => {
      // arrange: sam signs in; nothing is joinable for him and he owns no server
      await sam.goto(`${app.url}/sign-in`);
      await signInWithPlex(sam, 'Sam Stranger (sam)');
      await sam.waitForURL(/\/households\/new$/);
      await sam.getByTestId('join-empty').waitFor();
      await sam.getByTestId('no-servers').waitFor();

      // act / assert: asking to join anyway is refused by the server
      const refused = await sam.evaluate(async (hid) => {
        const res = await fetch(`/api/v1/households/${hid}/join`, { method: 'POST' });
        return { status: res.status, body: await res.text() };
      }, story.hid!);
      expect(refused.status).toBe(403);
      expect(refused.body).not.toContain(story.householdName);

      // act: olivia creates an invite in the settings
      const link = await withPage(
        'identity-olivia-invites',
        async (olivia) => {
          await olivia.goto(`${app.url}/households/${story.hid}/settings/invites`);
          await olivia.getByText('No invite links yet').waitFor();
          await expectNoA11yViolations(olivia);
          await olivia.getByLabel('Uses').fill('2');
          await olivia.getByRole('button', { name: 'Create link' }).click();
          const input = olivia.getByTestId('invite-link');
          await input.waitFor();
          await olivia.locator('[data-testid="invite"][data-state="active"]').waitFor();
          expect(await olivia.getByTestId('invite').textContent()).toContain('used 0 of 2');
          return input.inputValue();
        },
        { context: { storageState: olivia } },
      );
      expect(link).toMatch(/\/invite\/[^/]+$/);

      // act: sam opens the link on his phone, where he is not signed in yet: preview, sign in, join
      await withPage(
        'identity-sam-phone',
        async (phone) => {
          await phone.goto(link);
          await phone.getByTestId('invite-preview').waitFor();
          expect(await phone.getByRole('heading', { level: 1 }).textContent()).toBe(story.householdName);
          await expectNoA11yViolations(phone);
          await phone.getByRole('link', { name: 'Sign in to join' }).click();
          await phone.waitForURL(/\/sign-in\?returnTo=%2Finvite%2F/);
          await signInWithPlex(phone, 'Sam Stranger (sam)');
          await phone.waitForURL(link);
          await phone.getByRole('button', { name: `Join ${story.householdName}` }).click();

          // assert
          await phone.waitForURL(`${app.url}/households/${story.hid}`);
          expect(await phone.getByTestId('my-role').textContent()).toBe('Member');
          await expectNoA11yViolations(phone);
        },
        { context: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
      );

      // assert: the first device learns about the new household too
      await sam.goto(`${app.url}/households/${story.hid}`);
      expect(await sam.getByTestId('my-role').textContent()).toBe('Member');
    });

    // assert: olivia sees all three members, the used invite and the audit trail
    await withPage(
      'identity-olivia-members',
      async (olivia) => {
        await olivia.goto(`${app.url}/households/${story.hid}/settings/members`);
        await olivia.getByTestId('member-list').waitFor();
        const names = await olivia.getByTestId('member-name').allTextContents();
        expect(names).toHaveLength(3);
        expect(names.join(' ')).toMatch(/Olivia/);
        expect(names.join(' ')).toMatch(/Frank/);
        expect(names.join(' ')).toMatch(/Sam/);
        await expectNoA11yViolations(olivia);
        await olivia.getByTestId('theme-switch').filter({ visible: true }).click();
        expect(await olivia.locator('html').getAttribute('data-theme')).toBe('light');
        await expectNoA11yViolations(olivia);

        await olivia.getByRole('link', { name: 'Invites' }).first().click();
        await olivia.getByTestId('invite-list').waitFor();
        expect(await olivia.getByTestId('invite').textContent()).toContain('used 1 of 2');

        // a second link, revoked after confirming: listed as revoked, and its landing page says so
        await olivia.getByRole('button', { name: 'Create link' }).click();
        await expect.poll(() => olivia.getByTestId('invite').count()).toBe(2);
        const fresh = await olivia.getByTestId('invite-link').inputValue();
        const code = fresh.split('/').pop() ?? '';
        await olivia.getByRole('button', { name: `Revoke ${code}` }).click();
        await olivia.getByTestId('confirm-dialog').getByRole('button', { name: 'Revoke' }).click();
        await olivia.locator('[data-testid="invite"][data-state="revoked"]').waitFor();
        await olivia.goto(fresh);
        await olivia.getByTestId('invite-invalid').waitFor();
        expect(await olivia.getByTestId('invite-invalid').textContent()).toContain('revoked');
        await olivia.goto(`${app.url}/households/${story.hid}/settings/invites`);
        await olivia.getByTestId('invite-list').waitFor();

        await olivia.getByRole('link', { name: 'Audit log' }).first().click();
        await olivia.getByTestId('audit-list').waitFor();
        expect(await olivia.getByTestId('audit-entry').count()).toBeGreaterThan(0);
        await expectNoA11yViolations(olivia);
      },
      { context: { storageState: olivia } },
    );
  });

  it('olivia imports the server’s Plex friends as pending members and approves one', () =>
    withPage(
      'identity-import-friends',
      async (page) => {
        // arrange: fiona has server access but never joined
        await page.goto(`${app.url}/households/${sofar().hid}/settings/members`);
        await page.getByTestId('member-list').waitFor();

        // act
        await page.getByRole('button', { name: 'Import Plex friends' }).click();

        // assert: fiona arrives pending; approving makes her active
        await page.getByText(/^Imported \d+ Plex friends?$/).waitFor();
        const fiona = page.getByTestId('member').filter({ hasText: 'Fiona' });
        await expect.poll(() => fiona.getByTestId('member-status').textContent()).toBe('pending');
        await fiona.getByRole('button', { name: 'Approve' }).click();
        await expect.poll(() => fiona.getByTestId('member-status').textContent()).toBe('active');
        await page.getByRole('link', { name: 'Audit log' }).first().click();
        // the newest entry is the approval: who, whom (by name, not id) and what changed
        const approval = page.getByTestId('audit-entry').first();
        await expect.poll(() => approval.textContent()).toContain('member Fiona Friend');
        expect(await approval.textContent()).toContain('status: pending → active');
        expect(await approval.textContent()).toContain('by Olivia Owner');

        // and removes her again, so she stays the outsider the later steps need
        await page.getByRole('link', { name: 'Members' }).first().click();
        await fiona.getByRole('button', { name: 'Remove' }).click();
        await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Remove' }).click();
        await fiona.waitFor({ state: 'detached' });
      },
      { context: { storageState: sofar().olivia } },
    ));

  it('olivia manages members: permission, suspension, confirmed removal and ownership transfer', () =>
    withPage(
      'identity-olivia-manages',
      async (page) => {
        // arrange
        await page.goto(`${app.url}/households/${story.hid}/settings/members`);
        const frank = page.getByTestId('member').filter({ hasText: 'Frank' });
        await frank.waitFor();

        // act / assert: grant a permission beyond the member defaults
        await frank.locator('summary').click();
        const fourK = frank.getByRole('checkbox', { name: /Request 4K/ });
        expect(await fourK.isChecked()).toBe(false);
        await fourK.check();
        await page.getByText('Request 4K granted to').waitFor();
        await page.reload();
        await frank.locator('summary').click();
        expect(await frank.getByRole('checkbox', { name: /Request 4K/ }).isChecked()).toBe(true);

        // suspend, then remove after confirming
        await frank.getByRole('button', { name: 'Suspend' }).click();
        await expect.poll(() => frank.getByTestId('member-status').textContent()).toBe('suspended');
        // frank, on his own browser, is told his membership is not active instead of seeing the household
        await withPage(
          'identity-frank-suspended',
          async (frankPage) => {
            await frankPage.goto(`${app.url}/households/${story.hid}`);
            await frankPage.getByTestId('membership-inactive').waitFor();
            expect(await frankPage.getByTestId('household-name').count()).toBe(0);
          },
          { context: story.frank ? { storageState: story.frank } : {} },
        );
        await frank.getByRole('button', { name: 'Remove' }).click();
        const dialog = page.getByTestId('confirm-dialog');
        await dialog.waitFor();
        await expectNoA11yViolations(page);
        await dialog.getByRole('button', { name: 'Remove' }).click();
        await dialog.waitFor({ state: 'detached' });
        await expect.poll(() => page.getByTestId('member-name').allTextContents()).toHaveLength(2);

        // transfer ownership to sam, confirmed in a dialog: she stays on as an admin
        const sam = page.getByTestId('member').filter({ hasText: 'Sam' });
        await sam.getByRole('button', { name: 'Make owner' }).click();
        await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Transfer ownership' }).click();
        await page.getByTestId('confirm-dialog').waitFor({ state: 'detached' });
        await sam.getByLabel('Owner').waitFor();
        await page.getByRole('link', { name: 'Household', exact: true }).first().click();
        await expect.poll(() => page.getByTestId('my-role').textContent()).toBe('Admin');
      },
      { context: { storageState: sofar().olivia } },
    ));

  it('sign-in: a blocked popup becomes a link, and an expired code offers a new one', () =>
    withPage('identity-sign-in-expired', async (page) => {
      // arrange: the browser blocks popups; plex.tv has forgotten the PIN by the first poll
      await page.addInitScript(() => {
        (globalThis as unknown as { open: () => null }).open = () => null;
      });
      await page.route('**/api/v1/auth/plex/poll', (route) =>
        route.fulfill({
          status: 410,
          contentType: 'application/json',
          body: JSON.stringify({
            error: { code: 'auth.pin_expired', message: 'The PIN expired', requestId: 'r1' },
          }),
        }),
      );
      await page.goto(`${app.url}/sign-in`);

      // act
      await page.getByRole('button', { name: 'Sign in with Plex' }).click();

      // assert: the auth page is offered as a link while waiting, then the expiry is explained
      const link = page.getByTestId('plex-auth-link');
      await link.waitFor();
      expect(await link.getAttribute('href')).toMatch(/\/auth#\?.*code=/);
      await page.getByTestId('plex-expired').waitFor();
      expect(await page.getByTestId('plex-expired').textContent()).toContain('expired');
      await expectNoA11yViolations(page);
      await page.getByRole('button', { name: 'Get a new code' }).click();
      await page.getByTestId('plex-code').waitFor();
    }));

  it('fiona: not-a-member, a failing server list with retry, an unknown invite and a session ended elsewhere (light theme)', () =>
    withPage(
      'identity-states',
      async (page) => {
        // arrange: fiona has server access but is no member; plex.tv fails the first server list
        const { hid } = sofar();
        let failServers = true;
        await page.route('**/api/v1/plex/servers', async (route) => {
          if (!failServers) return route.continue();
          failServers = false;
          await route.fulfill({
            status: 503,
            contentType: 'application/json',
            body: JSON.stringify({
              error: { code: 'plex.unavailable', message: 'plex.tv is not answering', requestId: 'r2' },
            }),
          });
        });
        await page.goto(`${app.url}/sign-in`);
        await signInWithPlex(page, 'Fiona Friend (fiona)');
        await page.waitForURL(/\/households\/new$/);

        // assert: the error in words, with a retry that recovers to the empty state
        const error = page.getByTestId('error-state');
        await error.waitFor();
        expect(await error.textContent()).toContain('plex.tv is not answering');
        await page.getByRole('button', { name: `Join ${story.householdName}` }).waitFor();
        await expectNoA11yViolations(page);
        await error.getByRole('button', { name: 'Try again' }).click();
        await page.getByTestId('no-servers').waitFor();

        // another household's page is "not found" for a non-member, not an error
        await page.goto(`${app.url}/households/${hid}`);
        await page.getByRole('heading', { name: 'Household not found' }).waitFor();
        await expectNoA11yViolations(page);

        // an unknown invite code
        await page.goto(`${app.url}/invite/no-such-code`);
        await page.getByRole('heading', { name: 'Invitation not found' }).waitFor();

        // the session ends behind the app's back: the next API answer (401) sends her to sign in
        const status = await page.evaluate(
          async () => (await fetch('/api/v1/auth/sign-out', { method: 'POST' })).status,
        );
        expect(status).toBe(204);
        await page.getByRole('link', { name: 'Account' }).first().click();
        await page.waitForURL(/\/sign-in\?returnTo=%2Faccount$/);
        await page.getByRole('button', { name: 'Sign in with Plex' }).waitFor();
      },
      { context: { colorScheme: 'light' } },
    ));

  it('olivia on her phone: back to her account after signing in, revokes her other session, signs out everywhere', () => {
    sofar();
    return withPage(
      'identity-account-phone',
      async (page) => {
        // arrange: a second device; the account page sends her to sign in and back
        await page.goto(`${app.url}/account`);
        await page.waitForURL(/\/sign-in\?returnTo=%2Faccount$/);
        await signInWithPlex(page, 'Olivia Owner (olivia)');
        await page.waitForURL(/\/account$/);
        await page.getByTestId('account-name').waitFor();
        expect(await page.getByTestId('identities').textContent()).toContain('Plex');
        // her only identity cannot be unlinked
        expect(await page.getByRole('button', { name: /^Unlink Plex/ }).isDisabled()).toBe(true);
        // on a phone the account page sits under "More", which is lit for it
        const more = page.getByTestId('bottom-nav').getByRole('button', { name: 'More' });
        expect(await more.getAttribute('data-active')).toBe('');
        await more.click();
        const sheet = page.getByRole('dialog', { name: 'More' });
        await sheet.waitFor();
        expect(await sheet.getByRole('link', { name: 'Account' }).getAttribute('aria-current')).toBe('page');
        await page.keyboard.press('Escape');
        await sheet.waitFor({ state: 'detached' });
        // nothing sticks out sideways on a phone (the header holds switcher, status, theme and menu)
        expect(
          await page.evaluate(
            () =>
              (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
                .documentElement.scrollWidth,
          ),
        ).toBeLessThanOrEqual(390);

        // act / assert: this device is marked; the laptop's session is revoked from here
        await page.locator('[data-testid="session"][data-current="true"]').waitFor();
        const others = page.locator('[data-testid="session"][data-current="false"]');
        await expect.poll(() => others.count()).toBeGreaterThanOrEqual(1);
        await expectNoA11yViolations(page);
        const before = await others.count();
        await others.first().getByRole('button', { name: 'Revoke' }).click();
        await expect.poll(() => others.count()).toBe(before - 1);

        // sign out everywhere, confirmed: this device too, and app pages send her back to sign in;
        // her live socket is closed and its indicator goes away
        await page.locator('[data-testid="ws-status"][data-status="live"]').waitFor();
        await page.getByRole('button', { name: 'Sign out everywhere' }).click();
        await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Sign out everywhere' }).click();
        await page.waitForURL(/\/sign-in$/);
        await page.getByTestId('ws-status').waitFor({ state: 'detached' });
        await page.goto(`${app.url}/account`);
        await page.waitForURL(/\/sign-in\?returnTo=%2Faccount$/);
      },
      { context: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
    );
  });
});

describe('identity: configured OAuth / OIDC sign-in buttons', () => {
  let oidcApp: RunningApp;

  beforeAll(async () => {
    oidcApp = await startApp({
      env: {
        MEDIANEST_GITHUB_CLIENT_ID: 'e2e-github-client',
        MEDIANEST_GITHUB_CLIENT_SECRET: 'e2e-github-secret',
      },
    });
  });

  afterAll(async () => {
    await oidcApp?.close();
  });

  it('shows a button per configured provider whose link starts that provider’s flow', () =>
    withPage('identity-oauth-buttons', async (page) => {
      // arrange / act
      await page.goto(`${oidcApp.url}/sign-in?returnTo=%2Faccount`);
      const github = page.getByRole('link', { name: 'Sign in with GitHub' });
      await github.waitFor();
      await expectNoA11yViolations(page);

      // assert: the link goes through our server, which redirects to GitHub with our client id
      const href = (await github.getAttribute('href')) ?? '';
      expect(href).toBe('/api/v1/auth/oidc/github/start?returnTo=%2Faccount');
      const res = await page.request.get(`${oidcApp.url}${href}`, { maxRedirects: 0 });
      expect(res.status()).toBe(302);
      const location = new URL(res.headers().location ?? '');
      expect(location.origin + location.pathname).toBe('https://github.com/login/oauth/authorize');
      expect(location.searchParams.get('client_id')).toBe('e2e-github-client');
    }));
});
