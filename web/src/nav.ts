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
  /** Shown in the phone bottom bar; keep at most five of these, the rest live in the side bar only. */
  primary?: boolean;
  section?: 'main' | 'admin';
  /** `household`: the href holds `:hid`; `admins`: only for owners and admins of that household. */
  needs?: 'signed-in' | 'household' | 'admins';
}

export const navItems: readonly NavItem[] = [
  { href: '/', label: 'Home', icon: House, end: true, primary: true, section: 'main' },
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
  // Discover and Requests stay out of the phone bar (Home, Household, Library, Downloads, Account
  // fill its five places); on phones they are reached from each other and from notifications.
  {
    href: '/households/:hid/discover',
    label: 'Discover',
    icon: Compass,
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
    primary: true,
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

export const primaryNavItems = (items: readonly NavItem[] = navItems): NavItem[] =>
  items.filter((item) => item.primary).slice(0, 5);
