/**
 * The navigation model: the side bar (wide screens) and the bottom bar (phones) both render this
 * list. A feature adds its page here when the page exists — never before, so no link leads nowhere.
 *
 * Household pages are written with a `:hid` placeholder; `resolveNav` fills in the current
 * household and leaves them out when there is none (signed out, or not in a household yet).
 */
import type { LucideProps } from 'lucide-solid';
import Bell from 'lucide-solid/icons/bell';
import CircleUserRound from 'lucide-solid/icons/circle-user-round';
import ClipboardList from 'lucide-solid/icons/clipboard-list';
import Compass from 'lucide-solid/icons/compass';
import Download from 'lucide-solid/icons/download';
import House from 'lucide-solid/icons/house';
import LayoutDashboard from 'lucide-solid/icons/layout-dashboard';
import Library from 'lucide-solid/icons/library';
import Plug from 'lucide-solid/icons/plug';
import ScrollText from 'lucide-solid/icons/scroll-text';
import Server from 'lucide-solid/icons/server';
import SlidersHorizontal from 'lucide-solid/icons/sliders-horizontal';
import Ticket from 'lucide-solid/icons/ticket';
import Users from 'lucide-solid/icons/users';
import type { JSX } from 'solid-js';

export interface NavItem {
  href: string;
  label: string;
  icon: (props: LucideProps) => JSX.Element;
  /** Active only on an exact path match (the home route would otherwise match everything). */
  end?: boolean;
  /**
   * One of the four places in the phone bottom bar (the fifth is "More", which holds everything
   * else); keep at most four. When a visitor has five entries or fewer, all of them sit in the bar.
   */
  primary?: boolean;
  section?: 'main' | 'admin';
  /** `household`: the href holds `:hid`; `admins`: only for owners and admins of that household. */
  needs?: 'signed-in' | 'household' | 'admins';
}

export const navItems: readonly NavItem[] = [
  { href: '/', label: 'Home', icon: House, end: true, section: 'main' },
  {
    href: '/households/:hid',
    label: 'Household',
    icon: LayoutDashboard,
    end: true,
    primary: true,
    section: 'main',
    needs: 'household',
  },
  {
    href: '/households/:hid/library',
    label: 'Library',
    icon: Library,
    primary: true,
    section: 'main',
    needs: 'household',
  },
  {
    href: '/households/:hid/discover',
    label: 'Discover',
    icon: Compass,
    primary: true,
    section: 'main',
    needs: 'household',
  },
  {
    href: '/households/:hid/requests',
    label: 'Requests',
    icon: ClipboardList,
    section: 'main',
    needs: 'household',
  },
  {
    href: '/households/:hid/downloads',
    label: 'Downloads',
    icon: Download,
    primary: true,
    section: 'main',
    needs: 'household',
  },
  { href: '/notifications', label: 'Notifications', icon: Bell, section: 'main', needs: 'signed-in' },
  {
    href: '/households/:hid/settings/integrations',
    label: 'Integrations',
    icon: Plug,
    section: 'admin',
    needs: 'admins',
  },
  {
    href: '/households/:hid/settings/members',
    label: 'Members',
    icon: Users,
    section: 'admin',
    needs: 'admins',
  },
  {
    href: '/households/:hid/settings/invites',
    label: 'Invites',
    icon: Ticket,
    section: 'admin',
    needs: 'admins',
  },
  {
    href: '/households/:hid/settings/audit',
    label: 'Audit log',
    icon: ScrollText,
    section: 'admin',
    needs: 'admins',
  },
  {
    href: '/households/:hid/settings/requests',
    label: 'Requests settings',
    icon: SlidersHorizontal,
    section: 'admin',
    needs: 'admins',
  },
  {
    href: '/households/:hid/settings/agents',
    label: 'Download agents',
    icon: Server,
    section: 'admin',
    needs: 'admins',
  },
  {
    href: '/account',
    label: 'Account',
    icon: CircleUserRound,
    section: 'main',
    needs: 'signed-in',
  },
];

export interface NavContext {
  signedIn: boolean;
  /** The current household and my role in it. */
  household?: { id: string; role?: string | undefined } | undefined;
}

/** The entries this visitor can use, with `:hid` filled in. */
export function resolveNav(ctx: NavContext, items: readonly NavItem[] = navItems): NavItem[] {
  const out: NavItem[] = [];
  for (const item of items) {
    if (item.needs && !ctx.signedIn) continue;
    if ((item.needs === 'household' || item.needs === 'admins') && !ctx.household) continue;
    if (item.needs === 'admins' && ctx.household?.role !== 'owner' && ctx.household?.role !== 'admin')
      continue;
    const hid = ctx.household ? encodeURIComponent(ctx.household.id) : '';
    out.push({ ...item, href: item.href.replace(':hid', hid) });
  }
  return out;
}

/** Places in the phone bottom bar, "More" included. */
export const PHONE_SLOTS = 5;

/**
 * The phone bottom bar for the visitor's entries (from `resolveNav`): all of them when they fit,
 * else the primary ones (at most four) and a "More" sheet holding the rest, so every entry of the
 * side bar is reachable on a phone too.
 */
export function phoneNav(visible: readonly NavItem[]): { bar: NavItem[]; more: NavItem[] } {
  if (visible.length <= PHONE_SLOTS) return { bar: [...visible], more: [] };
  const bar = visible.filter((item) => item.primary).slice(0, PHONE_SLOTS - 1);
  return { bar, more: visible.filter((item) => !bar.includes(item)) };
}

/** The entry a path belongs to: the longest match wins (`/households/x/settings/members` is Members). */
export function activeNavItem(visible: readonly NavItem[], path: string): NavItem | undefined {
  const hits = visible.filter((item) =>
    item.end ? path === item.href : path === item.href || path.startsWith(`${item.href}/`),
  );
  hits.sort((a, b) => b.href.length - a.href.length);
  return hits[0];
}
