/**
 * The navigation model against the route files: every entry leads to a page that exists (so no
 * link leads nowhere as features add pages), the phone bar holds what it promises, and each
 * visitor sees only what they may use.
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { activeNavItem, navItems, PHONE_SLOTS, phoneNav, resolveNav } from './nav.ts';

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

  it('has no two entries for the same page, and no more primary entries than the phone bar holds beside "More"', () => {
    const hrefs = navItems.map((i) => i.href);
    expect(new Set(hrefs).size).toBe(hrefs.length);
    expect(navItems.filter((i) => i.primary).length).toBeLessThanOrEqual(PHONE_SLOTS - 1);
  });

  it('on a phone every entry is in the bar or under "More", and the bar never overflows', () => {
    const visitors = [
      resolveNav({ signedIn: false }),
      resolveNav({ signedIn: true }),
      resolveNav({ signedIn: true, household: { id: 'hh_1', role: 'member' } }),
      resolveNav({ signedIn: true, household: { id: 'hh_1', role: 'owner' } }),
    ];
    for (const visible of visitors) {
      const { bar, more } = phoneNav(visible);
      expect([...bar, ...more].map((i) => i.href).sort()).toEqual(visible.map((i) => i.href).sort());
      expect(bar.length + (more.length > 0 ? 1 : 0)).toBeLessThanOrEqual(PHONE_SLOTS);
      if (visible.length <= PHONE_SLOTS) expect(more).toEqual([]);
      else expect(bar.every((i) => i.primary)).toBe(true);
    }
    // a member with a household: the four primary entries, the rest one tap away
    const member = phoneNav(resolveNav({ signedIn: true, household: { id: 'hh_1', role: 'member' } }));
    expect(member.bar.map((i) => i.label)).toEqual(['Household', 'Library', 'Discover', 'Downloads']);
    expect(member.more.map((i) => i.label)).toContain('Account');
  });

  it('names the page by its longest matching entry', () => {
    const visible = resolveNav({ signedIn: true, household: { id: 'hh_1', role: 'owner' } });
    expect(activeNavItem(visible, '/')?.label).toBe('Home');
    expect(activeNavItem(visible, '/households/hh_1')?.label).toBe('Household');
    expect(activeNavItem(visible, '/households/hh_1/settings/members')?.label).toBe('Members');
    expect(activeNavItem(visible, '/households/hh_1/library/s1/2')?.label).toBe('Library');
    expect(activeNavItem(visible, '/households/hh_10/library')).toBeUndefined();
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
