import { it } from 'vitest';
import { closeBrowser, startAppWithPlex, withPage } from './harness.ts';

it('dbg', async () => {
  const app = await startAppWithPlex();
  try {
    await withPage('dbg', async (page) => {
      await page.goto(`${app.url}/sign-in`);
      const popupOpened = page.context().waitForEvent('page');
      await page.getByRole('button', { name: 'Sign in with Plex' }).click();
      const popup = await popupOpened;
      await popup.waitForURL(/\/auth/);
      await popup.getByLabel('Olivia Owner (olivia)').check();
      await popup.getByRole('button', { name: 'Approve' }).click();
      await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
      await page.getByRole('button', { name: 'Create household' }).waitFor();
      console.log('HTML', await page.locator('header').innerHTML());
      await page.screenshot({ path: '/tmp/dbg/wizard.png', fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: '/tmp/dbg/wizard-phone.png', fullPage: true });
    });
  } finally {
    await closeBrowser();
    await app.close();
  }
}, 60000);
