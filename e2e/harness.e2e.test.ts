import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assertWebBuilt,
  closeBrowser,
  expectNoA11yViolations,
  repoRoot,
  startApp,
  withPage,
} from './harness.ts';

// The checks the shell tests rely on must be able to fail, or a green run proves nothing.
describe('e2e harness', () => {
  afterAll(() => closeBrowser());

  it('expectNoA11yViolations reports serious violations by rule', async () => {
    const failure = await withPage('harness-axe', async (page) => {
      await page.setContent(
        '<html lang="en"><body><main><p style="color:#777;background:#888">unreadable</p><button></button></main></body></html>',
      );
      return expectNoA11yViolations(page).then(
        () => undefined,
        (err: unknown) => err,
      );
    });
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain('color-contrast');
    expect((failure as Error).message).toContain('button-name');
  });

  it('withPage saves a screenshot when the body throws and rethrows', async () => {
    const file = join(repoRoot, 'test-results/screenshots/harness-failure.png');
    rmSync(file, { force: true });
    await expect(
      withPage('harness-failure', async (page) => {
        await page.setContent('<html lang="en"><body><h1>about to fail</h1></body></html>');
        throw new Error('deliberate');
      }),
    ).rejects.toThrow(/deliberate[\s\S]*harness-failure\.png/);
    expect(existsSync(file)).toBe(true);
  });

  it('withPage fails a page that throws an uncaught error', async () => {
    await expect(
      withPage('harness-page-error', async (page) => {
        await page.setContent(
          '<html lang="en"><body><script>setTimeout(() => { throw new Error("boom") })</script></body></html>',
        );
        await page.waitForFunction(() => true);
        await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
      }),
    ).rejects.toThrow(/uncaught error[\s\S]*boom/);
  });

  it('refuses to start without a web build and says how to build it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'medianest-noweb-'));
    try {
      expect(() => assertWebBuilt(empty)).toThrow('npm run build -w web');
      await expect(startApp({ webDir: empty })).rejects.toThrow('npm run build -w web');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
