/**
 * The navigation model: the side bar (wide screens) and the bottom bar (phones) both render this
 * list. A feature adds its page here when the page exists — never before, so no link leads nowhere.
 */
import type { LucideProps } from 'lucide-solid';
import House from 'lucide-solid/icons/house';
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
}

export const navItems: readonly NavItem[] = [
  { href: '/', label: 'Home', icon: House, end: true, primary: true, section: 'main' },
];

export const primaryNavItems = (): NavItem[] => navItems.filter((item) => item.primary).slice(0, 5);
