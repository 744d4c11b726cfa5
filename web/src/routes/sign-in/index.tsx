import { useNavigate, useSearchParams } from '@solidjs/router';
import ExternalLink from 'lucide-solid/icons/external-link';
import KeyRound from 'lucide-solid/icons/key-round';
import LoaderCircle from 'lucide-solid/icons/loader-circle';
import TimerOff from 'lucide-solid/icons/timer-off';
import { createSignal, For, Match, onMount, Show, Switch } from 'solid-js';
import { Brand } from '../../components/brand.tsx';
import { Button, ErrorState, Skeleton } from '../../components/states.tsx';
import { describeError } from '../../lib/api.ts';
import { getProviders, oidcStartUrl, type Provider, signInEndpoints } from '../../lib/identity.ts';
import { createPinFlow } from '../../lib/plex-pin.ts';
import { ensureMe, homeFor, refreshMe, safeReturnTo } from '../../lib/session.ts';
import { usePageTitle } from '../../lib/title.ts';

/** Plex's own chevron mark, so the button reads as "Plex" at a glance. */
function PlexMark() {
  return (
    <svg viewBox="0 0 24 24" class="size-5" aria-hidden="true">
      <path fill="currentColor" d="M4.5 2h5.2l6.8 10-6.8 10H4.5l6.8-10z" />
    </svg>
  );
}

export default function SignIn() {
  usePageTitle(() => 'Sign in');
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const returnTo = () => safeReturnTo(typeof params.returnTo === 'string' ? params.returnTo : undefined);
  const [providers, setProviders] = createSignal<Provider[] | undefined>();
  const [providersError, setProvidersError] = createSignal<string | undefined>();

  const goOn = async () => {
    const s = await refreshMe();
    if (s.state !== 'signed_in') return;
    navigate(returnTo() ?? homeFor(s.me), { replace: true });
  };

  const flow = createPinFlow(signInEndpoints, goOn);

  const loadProviders = async () => {
    setProvidersError(undefined);
    try {
      setProviders(await getProviders());
    } catch (err) {
      setProvidersError(describeError(err));
    }
  };

  onMount(() => {
    void loadProviders();
    // Someone already signed in has nothing to do here.
    void ensureMe().then((s) => {
      if (s.state === 'signed_in') navigate(returnTo() ?? homeFor(s.me), { replace: true });
    });
  });

  // Back to this page by default: it routes a signed-in user on, exactly as after the Plex flow.
  const oidcReturn = () => returnTo() ?? '/sign-in';
  const others = () => (providers() ?? []).filter((p) => p.kind !== 'plex');
  const waiting = () => {
    const s = flow.state();
    return s.step === 'waiting' ? s : undefined;
  };
  const failed = () => {
    const s = flow.state();
    return s.step === 'error' ? s : undefined;
  };

  return (
    <div class="mx-auto flex max-w-md flex-col gap-6 py-4 sm:py-10">
      <div class="flex flex-col items-center gap-3 text-center">
        <Brand />
        <h1 class="text-2xl font-bold tracking-tight text-fg sm:text-3xl">Sign in</h1>
        <p class="text-sm text-muted">
          Use the Plex account you watch with. Your household is one click away.
        </p>
      </div>

      <section
        aria-labelledby="plex-title"
        class="rounded-2xl border border-line bg-surface p-5 shadow-sm shadow-black/5 sm:p-6"
      >
        <h2 id="plex-title" class="sr-only">
          Sign in with Plex
        </h2>
        <Switch>
          <Match when={flow.state().step === 'idle' || flow.state().step === 'starting'}>
            <Button
              class="w-full py-3 text-base"
              onClick={() => flow.start()}
              disabled={flow.state().step === 'starting'}
              data-testid="plex-sign-in"
            >
              <Show when={flow.state().step === 'starting'} fallback={<PlexMark />}>
                <LoaderCircle size={20} class="animate-spin" aria-hidden="true" />
              </Show>
              {flow.state().step === 'starting' ? 'Contacting Plex…' : 'Sign in with Plex'}
            </Button>
            <p class="mt-3 text-center text-xs text-muted">
              A Plex window opens where you approve MediaNest. We never see your Plex password.
            </p>
          </Match>
          <Match when={waiting()}>
            {(w) => (
              <div class="flex flex-col items-center gap-4 text-center" data-testid="plex-waiting">
                <p class="text-sm text-muted">Your code</p>
                <p
                  // Strong PINs (what we ask for) are long and only for matching by eye; short ones are typed.
                  classList={{
                    'font-mono font-bold text-fg break-all': true,
                    'text-4xl tracking-[0.3em] sm:text-5xl': w().code.length <= 8,
                    'text-xl tracking-wider sm:text-2xl': w().code.length > 8,
                  }}
                  data-testid="plex-code"
                >
                  {w().code}
                </p>
                <p class="sr-only">Spelled out: {w().code.split('').join(' ')}</p>
                <p class="flex items-center gap-2 text-sm text-fg" role="status">
                  <LoaderCircle size={16} class="animate-spin text-accent" aria-hidden="true" />
                  Waiting for you to approve MediaNest in Plex…
                </p>
                <Show
                  when={w().popupBlocked}
                  fallback={
                    <p class="text-xs text-muted">
                      No Plex window?{' '}
                      <a
                        href={w().authUrl}
                        target="_blank"
                        rel="noopener"
                        class="font-medium text-accent underline underline-offset-2"
                      >
                        Open it again
                      </a>
                    </p>
                  }
                >
                  <a
                    href={w().authUrl}
                    target="_blank"
                    rel="noopener"
                    data-testid="plex-auth-link"
                    class="inline-flex items-center gap-2 rounded-lg bg-accent px-4 py-2 text-sm font-semibold text-accent-fg hover:brightness-110"
                  >
                    Open Plex to approve
                    <ExternalLink size={16} aria-hidden="true" />
                  </a>
                  <p class="text-xs text-muted">
                    Your browser blocked the Plex window; the link opens it in a tab.
                  </p>
                </Show>
                <Button variant="ghost" onClick={() => flow.cancel()}>
                  Cancel
                </Button>
              </div>
            )}
          </Match>
          <Match when={flow.state().step === 'expired'}>
            <div class="flex flex-col items-center gap-3 text-center" role="alert" data-testid="plex-expired">
              <TimerOff size={32} class="text-warn" aria-hidden="true" />
              <p class="font-semibold text-fg">The code expired before it was approved</p>
              <p class="text-sm text-muted">
                Codes last a few minutes. Get a new one and approve it in Plex.
              </p>
              <Button onClick={() => flow.start()}>Get a new code</Button>
            </div>
          </Match>
          <Match when={failed()}>
            {(f) => (
              <ErrorState
                title="Signing in with Plex did not work"
                message={f().message}
                requestId={f().requestId}
                onRetry={() => flow.start()}
              />
            )}
          </Match>
          <Match when={flow.state().step === 'done'}>
            <p class="flex items-center justify-center gap-2 text-sm text-fg" role="status">
              <LoaderCircle size={16} class="animate-spin text-accent" aria-hidden="true" />
              Signed in. Taking you to your household…
            </p>
          </Match>
        </Switch>
      </section>

      <Switch>
        <Match when={providersError()}>
          <p class="text-center text-sm text-muted" data-testid="providers-error">
            Other sign-in options could not be loaded ({providersError()}).{' '}
            <button
              type="button"
              class="font-medium text-accent underline"
              onClick={() => void loadProviders()}
            >
              Try again
            </button>
          </p>
        </Match>
        <Match when={providers() === undefined}>
          <Skeleton class="h-11 w-full" />
        </Match>
        <Match when={others().length > 0}>
          <section aria-labelledby="other-title" class="flex flex-col gap-3">
            <h2 id="other-title" class="flex items-center gap-3 text-xs font-medium text-muted uppercase">
              <span class="h-px flex-1 bg-line" aria-hidden="true" />
              or continue with
              <span class="h-px flex-1 bg-line" aria-hidden="true" />
            </h2>
            <For each={others()}>
              {(p) => (
                <a
                  href={oidcStartUrl(p.id, oidcReturn())}
                  data-testid={`oidc-${p.id}`}
                  class="inline-flex items-center justify-center gap-2 rounded-lg border border-line bg-surface px-4 py-2.5 text-sm font-semibold text-fg hover:bg-raised"
                >
                  <KeyRound size={16} aria-hidden="true" />
                  Sign in with {p.name}
                </a>
              )}
            </For>
          </section>
        </Match>
      </Switch>
    </div>
  );
}
