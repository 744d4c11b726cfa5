/**
 * The navigation model against the route files: every entry leads to a page that exists (so no
 * link leads nowhere as features add pages), the phone bar holds what it promises, and each
 * visitor sees only what they may use.
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { navItems, primaryNavItems, resolveNav } from './nav.ts';

const routesDir = join(import.meta.dirname, 'routes');

/** SolidStart file routes as regexes: `[param]` one segment, `index` the folder, `(group)` nothing. */
function routePatterns(): RegExp[] {
  const files = readdirSync(routesDir, { recursive: true, encoding: 'utf8' }).filter((f) =>
    /\.(tsx|ts|jsx)$/.test(f),
  );
  const out: RegExp[] = [];
  for (const file of files) {
    const segments = relative(routesDir, join(routesDir, file))
      .replace(/\.(tsx|ts|jsx)$/, '')
      .split(sep)
      .filter((s) => !/^\(.*\)$/.test(s));
    if (segments.some((s) => s.startsWith('[...'))) continue; // the 404 catch-all proves nothing
    if (segments.at(-1) === 'index') segments.pop();
    const body = segments.map((s) =>
      /^\[.+\]$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    );
    out.push(new RegExp(`^/${body.join('/')}$`));
  }
  return out;
}

describe('the navigation model', () => {
  const patterns = routePatterns();
  const everything = resolveNav({ signedIn: true, household: { id: 'hh_test', role: 'owner' } });

  it('every entry leads to a route file that exists', () => {
    expect(everything).toHaveLength(navItems.length);
    for (const item of everything) {
      const path = item.href.split(/[?#]/)[0] ?? '';
      expect(
        patterns.some((p) => p.test(path)),
        `${item.label} → ${item.href} has no page`,
      ).toBe(true);
    }
  });

  it('has no two entries for the same page, and no more primary entries than the phone bar shows', () => {
    const hrefs = navItems.map((i) => i.href);
    expect(new Set(hrefs).size).toBe(hrefs.length);
    expect(navItems.filter((i) => i.primary).length).toBeLessThanOrEqual(5);
    expect(primaryNavItems()).toEqual(navItems.filter((i) => i.primary));
  });

  it('anonymous visitors see only entries that need nothing; members see no admin entries', () => {
    const anon = resolveNav({ signedIn: false });
    expect(anon.every((i) => !i.needs)).toBe(true);
    const noHousehold = resolveNav({ signedIn: true });
    expect(noHousehold.every((i) => i.needs !== 'household' && i.needs !== 'admins')).toBe(true);
    const member = resolveNav({ signedIn: true, household: { id: 'hh_1', role: 'member' } });
    expect(member.some((i) => i.needs === 'admins')).toBe(false);
    expect(member.some((i) => i.needs === 'household')).toBe(navItems.some((i) => i.needs === 'household'));
    const admin = resolveNav({ signedIn: true, household: { id: 'hh_1', role: 'admin' } });
    expect(admin).toHaveLength(navItems.length);
  });

  it('fills in the household id, encoded, and leaves no placeholder behind', () => {
    const items = resolveNav({ signedIn: true, household: { id: 'a/b c', role: 'owner' } });
    for (const item of items) expect(item.href).not.toContain(':hid');
    const household = items.filter((i) => navItems.find((n) => n.label === i.label)?.href.includes(':hid'));
    expect(household.length).toBeGreaterThan(0);
    for (const item of household) expect(item.href).toContain('/households/a%2Fb%20c');
  });
});
