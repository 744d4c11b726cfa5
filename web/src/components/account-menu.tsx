import { DropdownMenu } from '@kobalte/core/dropdown-menu';
import { A, useLocation, useNavigate } from '@solidjs/router';
import CircleUserRound from 'lucide-solid/icons/circle-user-round';
import LogIn from 'lucide-solid/icons/log-in';
import LogOut from 'lucide-solid/icons/log-out';
import { Match, Switch } from 'solid-js';
import { describeError } from '../lib/api.ts';
import { signOut } from '../lib/identity.ts';
import { markSignedOut, me, meState, signInHref } from '../lib/session.ts';
import { showToast } from '../lib/toast.tsx';

const itemClass =
  'flex cursor-pointer items-center gap-2 rounded-lg px-3 py-2 text-sm text-fg outline-none data-[highlighted]:bg-raised';

/**
 * The menu is non-modal: a modal menu aria-hides the still-focusable page and puts focus-trap spans
 * inside role=menu, both axe violations.
 */
/** "Sign in" for visitors (not on phones, where the header has no room and pages offer it); the user's menu (account, sign out) once signed in. */
export function AccountMenu() {
  const navigate = useNavigate();
  const location = useLocation();
  const doSignOut = async () => {
    try {
      await signOut();
      markSignedOut();
      navigate('/sign-in', { replace: true });
    } catch (err) {
      showToast({ title: 'Could not sign out', description: describeError(err), tone: 'error' });
    }
  };
  return (
    <Switch>
      <Match when={meState().state === 'anonymous' && !location.pathname.startsWith('/sign-in')}>
        <A
          href={signInHref(location.pathname === '/' ? '/' : location.pathname + location.search)}
          class="hidden items-center gap-2 rounded-lg bg-accent px-3 py-1.5 text-sm font-semibold text-accent-fg hover:brightness-110 sm:inline-flex"
          data-testid="sign-in-link"
        >
          <LogIn size={16} aria-hidden="true" />
          Sign in
        </A>
      </Match>
      <Match when={me()}>
        {(m) => (
          <DropdownMenu modal={false}>
            <DropdownMenu.Trigger
              class="inline-flex size-10 items-center justify-center rounded-full text-muted hover:bg-raised hover:text-fg"
              aria-label={`Account: ${m().user.name}`}
              data-testid="account-menu"
            >
              <CircleUserRound size={22} aria-hidden="true" />
            </DropdownMenu.Trigger>
            <DropdownMenu.Portal>
              <DropdownMenu.Content class="z-50 min-w-[12rem] rounded-xl border border-line bg-surface p-1 shadow-2xl shadow-black/30">
                <p class="truncate px-3 py-1.5 text-xs font-medium text-muted">
                  Signed in as {m().user.name}
                </p>
                <DropdownMenu.Item class={itemClass} onSelect={() => navigate('/account')}>
                  <CircleUserRound size={16} aria-hidden="true" />
                  My account
                </DropdownMenu.Item>
                <DropdownMenu.Item class={itemClass} onSelect={() => void doSignOut()}>
                  <LogOut size={16} aria-hidden="true" />
                  Sign out
                </DropdownMenu.Item>
              </DropdownMenu.Content>
            </DropdownMenu.Portal>
          </DropdownMenu>
        )}
      </Match>
    </Switch>
  );
}
