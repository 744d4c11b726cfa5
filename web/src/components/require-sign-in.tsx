import { useLocation, useNavigate } from '@solidjs/router';
import { createEffect, type JSX, Match, onMount, Switch } from 'solid-js';
import { describeError } from '../lib/api.ts';
import type { Me } from '../lib/identity.ts';
import { ensureMe, meState, refreshMe, signInHref } from '../lib/session.ts';
import { ErrorState, Skeleton } from './states.tsx';

export function PageSkeleton(props: { label?: string }) {
  return (
    <div class="space-y-6" aria-busy="true" data-testid="page-loading">
      <span class="sr-only" role="status">
        {props.label ?? 'Loading…'}
      </span>
      <Skeleton class="h-8 w-64" />
      <Skeleton class="h-4 w-96 max-w-full" />
      <div class="grid gap-3 sm:grid-cols-2">
        <Skeleton class="h-28" />
        <Skeleton class="h-28" />
      </div>
    </div>
  );
}

/**
 * Renders its children only for a signed-in user; anyone else is sent to the sign-in page with
 * `returnTo` pointing back here.
 */
export function RequireSignIn(props: { children: (me: () => Me) => JSX.Element }) {
  const location = useLocation();
  const navigate = useNavigate();
  onMount(() => void ensureMe());
  createEffect(() => {
    if (meState().state === 'anonymous') {
      navigate(signInHref(location.pathname + location.search), { replace: true });
    }
  });
  const signedIn = () => {
    const s = meState();
    return s.state === 'signed_in' ? s.me : undefined;
  };
  const failed = () => {
    const s = meState();
    return s.state === 'error' ? s : undefined;
  };
  return (
    <Switch fallback={<PageSkeleton />}>
      <Match when={failed()}>
        {(f) => (
          <ErrorState
            title="Could not check who is signed in"
            message={describeError(f().error)}
            onRetry={() => void refreshMe()}
          />
        )}
      </Match>
      <Match when={signedIn()}>{(m) => props.children(m)}</Match>
    </Switch>
  );
}
