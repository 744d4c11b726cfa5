import { Dialog } from '@kobalte/core/dialog';
import { A, useLocation } from '@solidjs/router';
import Ellipsis from 'lucide-solid/icons/ellipsis';
import X from 'lucide-solid/icons/x';
import {
  createEffect,
  createMemo,
  createSignal,
  For,
  on,
  onCleanup,
  onMount,
  type ParentProps,
  Show,
} from 'solid-js';
import { ApiError } from '../lib/api.ts';
import { getRealtimeTicket } from '../lib/identity.ts';
import { currentHousehold, ensureMe, meState, refreshMe } from '../lib/session.ts';
import { ToastRegion } from '../lib/toast.tsx';
import { realtime } from '../lib/ws.ts';
import { activeNavItem, type NavItem, phoneNav, resolveNav } from '../nav.ts';
import { AccountMenu } from './account-menu.tsx';
import { Brand } from './brand.tsx';
import { ConnectionBanner, ConnectionPill } from './connection-status.tsx';
import { HouseholdSwitcher } from './household-switcher.tsx';
import { QuickSearch } from './library/quick-search.tsx';
import { UnreadBadge } from './notifications/unread-badge.tsx';
import { ThemeSwitch } from './theme-switch.tsx';

/** Asked before every connection attempt: a ticket works once and for 60 s only. */
async function ticketedUrl(hid: string): Promise<string> {
  let t: Awaited<ReturnType<typeof getRealtimeTicket>>;
  try {
    t = await getRealtimeTicket(hid);
  } catch (err) {
    // Refused for this household (left, removed, suspended): re-read who I am, so the household
    // choice moves on (or the socket stops) instead of retrying a ticket that never comes.
    // A 401 is handled by session.ts already.
    if (err instanceof ApiError && (err.status === 403 || err.status === 404)) void refreshMe();
    throw err;
  }
  const url = new URL(t.url, location.href);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  url.searchParams.set('ticket', t.ticket);
  return url.toString();
}

/** The navigation entries for whoever is signed in and their current household. */
const visibleNav = (): NavItem[] =>
  resolveNav({
    signedIn: meState().state === 'signed_in',
    household: currentHousehold(),
  });

function SideNavLink(props: { item: NavItem }) {
  return (
    <li>
      <A
        href={props.item.href}
        end={props.item.end}
        class="group flex items-center gap-3 rounded-lg px-3 py-2.5 text-sm font-medium text-muted transition-colors hover:bg-raised hover:text-fg"
        activeClass="!bg-accent-soft !text-fg"
      >
        <props.item.icon
          size={18}
          aria-hidden="true"
          class="shrink-0 group-aria-[current=page]:text-accent"
        />
        {props.item.label}
      </A>
    </li>
  );
}

function SideNav() {
  const main = () => visibleNav().filter((item) => item.section !== 'admin');
  const admin = () => visibleNav().filter((item) => item.section === 'admin');
  return (
    <aside class="fixed inset-y-0 left-0 z-40 hidden w-64 flex-col border-r border-line bg-surface md:flex">
      <A href="/" class="flex h-16 items-center px-5" aria-label="MediaNest home">
        <Brand />
      </A>
      <nav aria-label="Main" class="flex-1 overflow-y-auto px-3 py-4">
        <ul class="space-y-1">
          <For each={main()}>{(item) => <SideNavLink item={item} />}</For>
        </ul>
        <Show when={admin().length > 0}>
          <p class="mt-6 mb-2 px-3 text-xs font-semibold tracking-wide text-muted uppercase" id="nav-manage">
            Manage
          </p>
          <ul class="space-y-1" aria-labelledby="nav-manage">
            <For each={admin()}>{(item) => <SideNavLink item={item} />}</For>
          </ul>
        </Show>
      </nav>
      <div class="flex items-center justify-between border-t border-line px-5 py-3 text-xs text-muted">
        <span>Theme</span>
        <ThemeSwitch />
      </div>
    </aside>
  );
}

const barLink = 'group flex flex-col items-center gap-1 px-2 pt-2.5 pb-2 text-[11px] font-medium text-muted';
const barPill =
  'flex h-7 w-14 items-center justify-center rounded-full transition-colors group-aria-[current=page]:bg-accent-soft';

function BottomNav() {
  const location = useLocation();
  const [moreOpen, setMoreOpen] = createSignal(false);
  const layout = () => phoneNav(visibleNav());
  const moreMain = () => layout().more.filter((item) => item.section !== 'admin');
  const moreAdmin = () => layout().more.filter((item) => item.section === 'admin');
  // "More" is lit when the page shown is one of the entries it holds.
  const moreActive = () => {
    const active = activeNavItem(visibleNav(), location.pathname);
    return active !== undefined && layout().more.some((item) => item.href === active.href);
  };
  createEffect(
    on(
      () => location.pathname,
      () => setMoreOpen(false),
      { defer: true },
    ),
  );

  const sheetLink = (item: NavItem) => (
    <li>
      <A
        href={item.href}
        end={item.end}
        onClick={() => setMoreOpen(false)}
        class="group flex items-center gap-3 rounded-lg px-3 py-3 text-sm font-medium text-muted hover:bg-raised hover:text-fg"
        activeClass="!bg-accent-soft !text-fg"
      >
        <item.icon size={20} aria-hidden="true" class="shrink-0 group-aria-[current=page]:text-accent" />
        {item.label}
      </A>
    </li>
  );

  return (
    <nav
      aria-label="Main (phone)"
      data-testid="bottom-nav"
      class="fixed inset-x-0 bottom-0 z-40 border-t border-line bg-surface/95 pb-[env(safe-area-inset-bottom)] backdrop-blur md:hidden"
    >
      <ul class="mx-auto flex max-w-md justify-around">
        <For each={layout().bar}>
          {(item) => (
            <li class="flex-1">
              <A href={item.href} end={item.end} class={barLink} activeClass="!text-fg">
                <span class={barPill}>
                  <item.icon size={20} aria-hidden="true" class="group-aria-[current=page]:text-accent" />
                </span>
                {item.label}
              </A>
            </li>
          )}
        </For>
        <Show when={layout().more.length > 0}>
          <li class="flex-1">
            <Dialog open={moreOpen()} onOpenChange={setMoreOpen}>
              <Dialog.Trigger
                class={`${barLink} w-full`}
                classList={{ '!text-fg': moreActive() }}
                data-active={moreActive() ? '' : undefined}
              >
                <span class={barPill} classList={{ 'bg-accent-soft': moreActive() }}>
                  <Ellipsis size={20} aria-hidden="true" classList={{ 'text-accent': moreActive() }} />
                </span>
                More
              </Dialog.Trigger>
              <Dialog.Portal>
                <Dialog.Overlay class="fixed inset-0 z-50 bg-black/60 backdrop-blur-sm md:hidden" />
                {/* An explicit role: Kobalte leaves the alertdialog role of a page's confirm dialog on this one. */}
                <Dialog.Content
                  role="dialog"
                  class="fixed inset-x-0 bottom-0 z-50 max-h-[80dvh] overflow-y-auto rounded-t-2xl border-t border-line bg-surface px-3 pt-3 pb-[calc(env(safe-area-inset-bottom)+1rem)] shadow-2xl outline-none md:hidden"
                >
                  <div class="flex items-center justify-between px-3 pb-2">
                    <Dialog.Title class="text-base font-semibold">More</Dialog.Title>
                    <Dialog.CloseButton
                      class="rounded-lg p-2 text-muted hover:bg-raised hover:text-fg"
                      aria-label="Close"
                    >
                      <X size={18} aria-hidden="true" />
                    </Dialog.CloseButton>
                  </div>
                  <nav aria-label="More">
                    <ul class="space-y-1">
                      <For each={moreMain()}>{sheetLink}</For>
                    </ul>
                    <Show when={moreAdmin().length > 0}>
                      <p
                        class="mt-4 mb-1 px-3 text-xs font-semibold tracking-wide text-muted uppercase"
                        id="more-manage"
                      >
                        Manage
                      </p>
                      <ul class="space-y-1" aria-labelledby="more-manage">
                        <For each={moreAdmin()}>{sheetLink}</For>
                      </ul>
                    </Show>
                  </nav>
                </Dialog.Content>
              </Dialog.Portal>
            </Dialog>
          </li>
        </Show>
      </ul>
    </nav>
  );
}

/** Layout for every page: skip link, side or bottom navigation, header, connection banner, toasts. */
export function Shell(props: ParentProps) {
  const location = useLocation();
  let main: HTMLElement | undefined;
  // The longest matching entry wins, so /households/x/settings/members is "Members", not "Household".
  const currentLabel = () => activeNavItem(visibleNav(), location.pathname)?.label ?? '';

  onMount(() => void ensureMe());

  // A memo, so settling who is signed in without changing the household does not reconnect.
  const realtimeHousehold = createMemo(() =>
    meState().state === 'signed_in' ? (currentHousehold()?.id ?? null) : null,
  );
  // Every socket needs a ticket, and a ticket is issued to a member of one household: signed in
  // with a household, the socket runs with a fresh ticket per attempt (a reconnect asks again);
  // signed out, or without a household, no socket is opened at all (the client stays `idle`).
  createEffect(
    on(realtimeHousehold, (hid) => {
      if (!hid) {
        realtime.stop();
        return;
      }
      realtime.setUrl(() => ticketedUrl(hid));
      realtime.start();
    }),
  );
  onCleanup(() => realtime.stop());

  // After a client-side navigation, move focus to the new page so keyboard and screen reader users
  // start at its top instead of on the link they left behind.
  createEffect(
    on(
      () => location.pathname,
      () => main?.focus({ preventScroll: true }),
      { defer: true },
    ),
  );

  return (
    <>
      {/* The router handles #main itself and only scrolls; focus has to move as well. */}
      {/* biome-ignore lint/a11y/useValidAnchor: a real in-page link; the handler only adds the focus move */}
      <a
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          main?.focus();
          main?.scrollIntoView();
        }}
        class="sr-only focus:not-sr-only focus:fixed focus:top-3 focus:left-3 focus:z-50 focus:rounded-lg focus:bg-accent focus:px-4 focus:py-2 focus:text-sm focus:font-semibold focus:text-accent-fg"
      >
        Skip to content
      </a>
      <SideNav />
      <div class="flex min-h-dvh flex-col md:pl-64">
        <header class="sticky top-0 z-30 flex h-16 items-center gap-3 border-b border-line bg-canvas/85 px-4 backdrop-blur md:px-8">
          {/* On phones a signed-in header needs the room for the household switcher. */}
          <A
            href="/"
            classList={{ 'md:hidden': true, hidden: meState().state === 'signed_in' }}
            aria-label="MediaNest home"
          >
            <Brand />
          </A>
          <p class="hidden text-sm font-medium text-muted md:block" data-testid="page-label">
            {currentLabel()}
          </p>
          <HouseholdSwitcher />
          <div class="ml-auto flex shrink-0 items-center gap-2">
            <QuickSearch />
            <UnreadBadge />
            <ConnectionPill />
            <ThemeSwitch class="md:hidden" />
            <AccountMenu />
          </div>
        </header>
        <ConnectionBanner />
        <main
          id="main"
          ref={main}
          tabindex="-1"
          class="mx-auto w-full max-w-7xl flex-1 px-4 pt-6 pb-28 outline-none md:px-8 md:pt-8 md:pb-12"
        >
          {props.children}
        </main>
      </div>
      <BottomNav />
      <ToastRegion />
    </>
  );
}
