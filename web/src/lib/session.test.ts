/**
 * `safeReturnTo` decides where the app navigates after sign-in from a query parameter an attacker
 * controls, so it must never yield a URL that leaves the app's origin, however the browser's URL
 * parser reads it (backslashes, tabs and newlines that browsers strip, encoded slashes…).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeReturnTo, signInHref } from './session.ts';

const ORIGIN = 'https://portal.example';
const resolvesInside = (path: string) => new URL(path, `${ORIGIN}/sign-in`).origin === ORIGIN;

describe('safeReturnTo', () => {
  it('keeps same-app paths with their query and hash', () => {
    for (const p of ['/', '/households/hh_1/requests?status=pending#top', '/account']) {
      expect(safeReturnTo(p)).toBe(p);
    }
  });

  it('refuses other origins, protocol-relative and slash tricks, and the sign-in pages themselves', () => {
    for (const p of [
      null,
      undefined,
      '',
      'https://evil.example/',
      'javascript:alert(1)',
      '//evil.example',
      '/\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      '\t//evil.example',
      '/\r\n/evil.example',
      '/sign-in',
      '/sign-in/done?returnTo=/x',
      'households',
    ]) {
      expect(safeReturnTo(p), JSON.stringify(p)).toBeUndefined();
    }
  });

  it('whatever it accepts stays on the app origin, for any string (property)', () => {
    const tricky = fc.constantFrom(
      '/',
      '\\',
      '\t',
      '\n',
      '\r',
      ' ',
      '%2F',
      '.',
      ':',
      '@',
      'evil.example',
      '?',
      '#',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(tricky, { maxLength: 8 }).map((a) => a.join('')),
        ),
        (s) => {
          const out = safeReturnTo(s);
          if (out !== undefined) expect(resolvesInside(out), JSON.stringify(out)).toBe(true);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('signInHref round-trips through the query string', () => {
    const target = '/households/hh 1/library?q=a&b#c';
    const href = signInHref(target);
    expect(new URL(href, ORIGIN).searchParams.get('returnTo')).toBe(target);
  });
});
