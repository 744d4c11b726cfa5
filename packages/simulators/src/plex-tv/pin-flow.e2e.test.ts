import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRIEND_IDS, loadScenario } from '../scenario/index.ts';
import { type RunningPlexTv, startPlexTv } from './index.ts';

const CLIENT = 'e2e-medianest-client';
const HEADERS = {
  Accept: 'application/json',
  'X-Plex-Client-Identifier': CLIENT,
  'X-Plex-Product': 'MediaNest',
};

describe('plex.tv PIN flow through the auth page (headless Chromium)', () => {
  let tv: RunningPlexTv;
  let browser: Browser;

  beforeAll(async () => {
    tv = await startPlexTv({ scenario: await loadScenario() });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await tv?.close();
  });

  const createPin = async () => {
    const res = await fetch(`${tv.url}/api/v2/pins?strong=true`, { method: 'POST', headers: HEADERS });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: number; code: string; authToken: string | null };
  };

  const poll = async (id: number): Promise<string> => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const res = await fetch(`${tv.url}/api/v2/pins/${id}`, { headers: HEADERS });
      const pin = (await res.json()) as { authToken: string | null };
      if (pin.authToken) return pin.authToken;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`pin ${id} was never approved`);
  };

  it('approves a strong pin from the #? form and the token reads the chosen user', async () => {
    // arrange
    const pin = await createPin();
    const page = await browser.newPage();
    const hash = new URLSearchParams({
      clientID: CLIENT,
      code: pin.code,
      'context[device][product]': 'MediaNest',
    });
    // act
    await page.goto(`${tv.url}/auth#?${hash}`);
    await expect.poll(() => page.getByText('MediaNest wants to access your Plex account.').count()).toBe(1);
    await page.getByLabel('Frank Friend (frank)').check();
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.getByText('You can close this window.').count()).toBe(1);
    const token = await poll(pin.id);
    // assert
    const user = await fetch(`${tv.url}/api/v2/user`, { headers: { ...HEADERS, 'X-Plex-Token': token } });
    expect(user.status).toBe(200);
    expect(await user.json()).toMatchObject({ id: FRIEND_IDS[0], username: 'frank', authToken: token });
    await page.close();
  });

  it('reads the #!? form python-plexapi builds and follows forwardUrl after approval', async () => {
    const pin = await createPin();
    const page = await browser.newPage();
    const forward = `${tv.url}/api/v2/ping?forwarded=1`;
    const hash = new URLSearchParams({
      clientID: CLIENT,
      code: pin.code,
      'context[device][product]': 'Plex Companion',
      forwardUrl: forward,
    });
    await page.goto(`${tv.url}/auth/#!?${hash}`);
    await expect
      .poll(() => page.getByText('Plex Companion wants to access your Plex account.').count())
      .toBe(1);
    await page.getByLabel('Olivia Owner (olivia)').check();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(forward);
    expect(await poll(pin.id)).toBe('tok-olivia-owner-0001');
    await page.close();
  });

  it('shows an error for a code from another client', async () => {
    const pin = await createPin();
    const page = await browser.newPage();
    const hash = new URLSearchParams({ clientID: 'not-the-creator', code: pin.code });
    await page.goto(`${tv.url}/auth#?${hash}`);
    await expect.poll(() => page.getByText('This code was not found or has expired.').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Approve' }).isVisible()).toBe(false);
    await page.close();
  });
});
