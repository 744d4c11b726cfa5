import { A, useNavigate } from '@solidjs/router';
import House from 'lucide-solid/icons/house';
import KeyRound from 'lucide-solid/icons/key-round';
import LoaderCircle from 'lucide-solid/icons/loader-circle';
import LogOut from 'lucide-solid/icons/log-out';
import Monitor from 'lucide-solid/icons/monitor';
import { createSignal, For, Match, onCleanup, onMount, Show, Switch } from 'solid-js';
import { createConfirm } from '../components/confirm-dialog.tsx';
import { RequireSignIn } from '../components/require-sign-in.tsx';
import { Button, EmptyState, ErrorState, ListSkeleton } from '../components/states.tsx';
import { ApiError, describeError } from '../lib/api.ts';
import {
  getProviders,
  getSessions,
  linkPlexEndpoints,
  type Me,
  oidcStartUrl,
  type Provider,
  revokeSession,
  type SessionInfo,
  signOut,
  signOutEverywhere,
  toDate,
  unlinkIdentity,
} from '../lib/identity.ts';
import { createPinFlow } from '../lib/plex-pin.ts';
import { markSignedOut, refreshMe } from '../lib/session.ts';
import { usePageTitle } from '../lib/title.ts';
import { showToast } from '../lib/toast.tsx';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const providerNames: Record<string, string> = {
  plex: 'Plex',
  github: 'GitHub',
  google: 'Google',
  discord: 'Discord',
};

/** "Chrome on Linux" from a user agent, good enough to recognise one's own devices. */
function deviceName(ua: string | null | undefined): string {
  if (!ua) return 'Unknown device';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : 'Browser';
  const os = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Mac OS X/.test(ua)
        ? 'macOS'
        : /Windows/.test(ua)
          ? 'Windows'
          : /Linux/.test(ua)
            ? 'Linux'
            : '';
  return os ? `${browser} on ${os}` : browser;
}

function Identities(props: { me: Me }) {
  const confirm = createConfirm();
  const [providers, setProviders] = createSignal<Provider[]>([]);
  const linkPlex = createPinFlow(linkPlexEndpoints, async () => {
    await refreshMe();
    showToast({ title: 'Plex account linked', tone: 'success' });
    linkPlex.cancel();
  });
  onMount(() => {
    getProviders()
      .then(setProviders)
      .catch(() => setProviders([])); // Linking OIDC is optional; the page works without the list.
  });

  const last = () => props.me.identities.length <= 1;
  const hasPlex = () => props.me.identities.some((i) => i.provider === 'plex');
  const linkable = () =>
    providers().filter((p) => p.kind !== 'plex' && !props.me.identities.some((i) => i.provider === p.id));
  const name = (provider: string) =>
    providerNames[provider] ?? providers().find((p) => p.id === provider)?.name ?? provider;

  const askUnlink = (provider: string, subject: string, label: string) =>
    confirm.ask({
      title: `Unlink ${name(provider)}?`,
      body: <p>You will no longer be able to sign in with {label}.</p>,
      confirmLabel: 'Unlink',
      danger: true,
      action: async () => {
        await unlinkIdentity(provider, subject);
        await refreshMe();
        showToast({ title: `${name(provider)} unlinked`, tone: 'success' });
      },
    });

  const waiting = () => {
    const s = linkPlex.state();
    return s.step === 'waiting' ? s : undefined;
  };
  const linkFailed = () => {
    const s = linkPlex.state();
    return s.step === 'error' ? s : undefined;
  };

  return (
    <section aria-labelledby="identities-title" class="space-y-3">
      <h2 id="identities-title" class="text-xl font-semibold tracking-tight text-fg">
        Sign-in methods
      </h2>
      <ul
        class="divide-y divide-line overflow-hidden rounded-2xl border border-line bg-surface"
        data-testid="identities"
      >
        <For each={props.me.identities}>
          {(i) => (
            <li class="flex flex-wrap items-center gap-3 p-4">
              <KeyRound size={18} class="shrink-0 text-accent" aria-hidden="true" />
              <span class="min-w-0 flex-1">
                <span class="block font-semibold text-fg">{name(i.provider)}</span>
                <span class="block truncate text-sm text-muted">{i.label ?? i.subject}</span>
              </span>
              <Button
                variant="ghost"
                disabled={last()}
                title={last() ? 'Your only way to sign in cannot be unlinked' : undefined}
                onClick={() => askUnlink(i.provider, i.subject, i.label ?? name(i.provider))}
                aria-label={`Unlink ${name(i.provider)} ${i.label ?? ''}`.trim()}
              >
                Unlink
              </Button>
            </li>
          )}
        </For>
      </ul>
      <Show when={last()}>
        <p class="text-xs text-muted">Link a second method before unlinking this one.</p>
      </Show>
      <div class="flex flex-wrap gap-2">
        <Show when={!hasPlex()}>
          <Switch>
            <Match when={waiting()}>
              {(w) => (
                <div
                  class="flex w-full flex-wrap items-center gap-3 rounded-2xl border border-accent bg-accent-soft p-4"
                  role="status"
                >
                  <span class="font-mono text-2xl font-bold tracking-widest text-fg">{w().code}</span>
                  <span class="flex-1 text-sm text-fg">
                    Approve MediaNest in the Plex window to link your account.
                  </span>
                  <a
                    href={w().authUrl}
                    target="_blank"
                    rel="noopener"
                    class="text-sm font-medium text-accent underline"
                  >
                    Open Plex
                  </a>
                  <Button variant="ghost" onClick={() => linkPlex.cancel()}>
                    Cancel
                  </Button>
                </div>
              )}
            </Match>
            <Match when={true}>
              <Button
                variant="secondary"
                onClick={() => linkPlex.start()}
                disabled={linkPlex.state().step === 'starting'}
              >
                Link a Plex account
              </Button>
            </Match>
          </Switch>
        </Show>
        <For each={linkable()}>
          {(p) => (
            <a
              href={oidcStartUrl(p.id, '/account')}
              class="inline-flex items-center justify-center gap-2 rounded-lg border border-line bg-surface px-4 py-2 text-sm font-semibold text-fg hover:bg-raised"
            >
              Link your {p.name} account
            </a>
          )}
        </For>
      </div>
      <Show when={linkPlex.state().step === 'expired'}>
        <p role="alert" class="text-sm text-warn">
          The Plex code expired before it was approved. Try linking again.
        </p>
      </Show>
      <Show when={linkFailed()}>
        {(f) => (
          <p role="alert" class="text-sm text-bad">
            Linking Plex did not work: {f().message}
          </p>
        )}
      </Show>
      <confirm.Dialog />
    </section>
  );
}

function Sessions() {
  const navigate = useNavigate();
  const confirm = createConfirm();
  const [sessions, setSessions] = createSignal<SessionInfo[] | undefined>();
  const [error, setError] = createSignal<unknown>();
  const [busy, setBusy] = createSignal<string | null>(null);
  let controller: AbortController | undefined;

  const fetchSessions = async () => {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    setError(undefined);
    try {
      const list = await getSessions(mine.signal);
      list.sort((a, b) => Number(!!b.current) - Number(!!a.current));
      if (controller === mine) setSessions(list);
    } catch (err) {
      if (controller !== mine || (err instanceof ApiError && err.code === 'aborted')) return;
      setError(err);
    }
  };
  onMount(() => void fetchSessions());
  onCleanup(() => controller?.abort());

  const revoke = async (s: SessionInfo) => {
    setBusy(s.id);
    try {
      await revokeSession(s.id);
      showToast({ title: 'Session signed out', tone: 'success', duration: 2500 });
      await fetchSessions();
    } catch (err) {
      showToast({ title: 'Could not sign that session out', description: describeError(err), tone: 'error' });
    } finally {
      setBusy(null);
    }
  };

  const leave = () => {
    markSignedOut();
    navigate('/sign-in', { replace: true });
  };

  const doSignOut = async () => {
    setBusy('me');
    try {
      await signOut();
      leave();
    } catch (err) {
      showToast({ title: 'Could not sign out', description: describeError(err), tone: 'error' });
    } finally {
      setBusy(null);
    }
  };

  const askEverywhere = () =>
    confirm.ask({
      title: 'Sign out everywhere?',
      body: <p>Every device signed in to your account, this one included, is signed out.</p>,
      confirmLabel: 'Sign out everywhere',
      danger: true,
      action: async () => {
        await signOutEverywhere();
        leave();
      },
    });

  return (
    <section aria-labelledby="sessions-title" class="space-y-3">
      <div class="flex flex-wrap items-end justify-between gap-3">
        <h2 id="sessions-title" class="text-xl font-semibold tracking-tight text-fg">
          Where you are signed in
        </h2>
        <div class="flex flex-wrap gap-2">
          <Button variant="secondary" onClick={() => void doSignOut()} disabled={busy() === 'me'}>
            <LogOut size={16} aria-hidden="true" />
            Sign out
          </Button>
          <Button variant="ghost" class="!text-bad" onClick={askEverywhere}>
            Sign out everywhere
          </Button>
        </div>
      </div>
      <Switch>
        <Match when={error()}>
          <ErrorState
            title="Could not load your sessions"
            message={describeError(error())}
            onRetry={() => void fetchSessions()}
          />
        </Match>
        <Match when={sessions() === undefined}>
          <ListSkeleton label="Loading sessions…" rows={2} rowClass="h-16" />
        </Match>
        <Match when={sessions()}>
          {(list) => (
            <ul
              class="divide-y divide-line overflow-hidden rounded-2xl border border-line bg-surface"
              data-testid="sessions"
            >
              <For each={list()}>
                {(s) => {
                  const seen = toDate(s.lastSeenAt ?? s.createdAt);
                  return (
                    <li
                      class="flex flex-wrap items-center gap-3 p-4"
                      data-testid="session"
                      data-current={s.current ? 'true' : 'false'}
                    >
                      <Monitor size={18} class="shrink-0 text-muted" aria-hidden="true" />
                      <span class="min-w-0 flex-1">
                        <span class="flex flex-wrap items-center gap-2 font-semibold text-fg">
                          {deviceName(s.userAgent)}
                          <Show when={s.current}>
                            <span class="rounded-full bg-ok-soft px-2 py-0.5 text-xs font-medium text-ok">
                              This device
                            </span>
                          </Show>
                        </span>
                        <span class="block text-sm text-muted">
                          {s.ip ? `${s.ip} · ` : ''}last active {seen ? when.format(seen) : 'unknown'}
                        </span>
                      </span>
                      <Show when={!s.current}>
                        <Button variant="ghost" onClick={() => void revoke(s)} disabled={busy() === s.id}>
                          <Show when={busy() === s.id}>
                            <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
                          </Show>
                          Revoke
                        </Button>
                      </Show>
                    </li>
                  );
                }}
              </For>
            </ul>
          )}
        </Match>
      </Switch>
      <confirm.Dialog />
    </section>
  );
}

export default function Account() {
  usePageTitle(() => 'My account');
  // plex.tv avatars can be unreachable (offline, blocked): fall back to the initial.
  const [avatarBroken, setAvatarBroken] = createSignal(false);
  return (
    <RequireSignIn>
      {(me) => (
        <div class="mx-auto max-w-3xl space-y-10">
          <div class="flex items-center gap-4">
            <Show
              when={me().user.avatarUrl && !avatarBroken()}
              fallback={
                <span
                  class="flex size-14 items-center justify-center rounded-full bg-accent-soft text-xl font-bold text-accent"
                  aria-hidden="true"
                >
                  {me().user.name.slice(0, 1).toUpperCase()}
                </span>
              }
            >
              <img
                src={me().user.avatarUrl!}
                alt=""
                class="size-14 rounded-full object-cover"
                onError={() => setAvatarBroken(true)}
              />
            </Show>
            <div class="min-w-0">
              <h1 class="text-2xl font-bold tracking-tight text-fg sm:text-3xl" data-testid="account-name">
                {me().user.name}
              </h1>
              <Show when={me().user.email}>
                <p class="truncate text-sm text-muted">{me().user.email}</p>
              </Show>
            </div>
          </div>

          <Identities me={me()} />
          <Sessions />

          <section aria-labelledby="households-title" class="space-y-3">
            <h2 id="households-title" class="text-xl font-semibold tracking-tight text-fg">
              Households
            </h2>
            <Show
              when={me().households.length > 0}
              fallback={
                <EmptyState icon={<House size={36} />} title="You are not in a household yet">
                  <A href="/households/new" class="font-medium text-accent underline">
                    Create or join one
                  </A>
                </EmptyState>
              }
            >
              <ul class="divide-y divide-line overflow-hidden rounded-2xl border border-line bg-surface">
                <For each={me().households}>
                  {(h) => (
                    <li>
                      <A
                        href={`/households/${encodeURIComponent(h.id)}`}
                        class="flex items-center gap-3 p-4 hover:bg-raised"
                      >
                        <House size={18} class="shrink-0 text-accent" aria-hidden="true" />
                        <span class="flex-1 font-semibold text-fg">{h.name}</span>
                        <span class="text-sm text-muted capitalize">
                          {h.role}
                          {h.status && h.status !== 'active' ? ` · ${h.status}` : ''}
                        </span>
                      </A>
                    </li>
                  )}
                </For>
              </ul>
              <A href="/households/new" class="inline-block text-sm font-medium text-accent underline">
                Create or join another household
              </A>
            </Show>
          </section>
        </div>
      )}
    </RequireSignIn>
  );
}
