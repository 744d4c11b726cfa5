import { A, useParams } from '@solidjs/router';
import Hourglass from 'lucide-solid/icons/hourglass';
import SearchX from 'lucide-solid/icons/search-x';
import { createEffect, createSignal, Match, on, onCleanup, type ParentProps, Switch } from 'solid-js';
import { PageSkeleton } from '../../components/require-sign-in.tsx';
import { Button, EmptyState, ErrorState } from '../../components/states.tsx';
import { ApiError, describeError } from '../../lib/api.ts';
import { HouseholdContext } from '../../lib/household-context.ts';
import { getHousehold, type HouseholdDetail } from '../../lib/identity.ts';
import { chooseHousehold } from '../../lib/session.ts';

type Load =
  | { state: 'loading' }
  | { state: 'ready'; detail: HouseholdDetail }
  | { state: 'missing' }
  /** A member, but pending approval or suspended: the server refuses everything else. */
  | { state: 'inactive'; message: string }
  | { state: 'error'; error: unknown };

/** Loads the household and my membership once for every page under /households/:hid. */
export default function HouseholdLayout(props: ParentProps) {
  const params = useParams<{ hid: string }>();
  const [load, setLoad] = createSignal<Load>({ state: 'loading' });
  let controller: AbortController | undefined;

  const fetchDetail = async (quiet: boolean) => {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    if (!quiet) setLoad({ state: 'loading' });
    try {
      const detail = await getHousehold(params.hid, mine.signal);
      if (controller !== mine) return;
      setLoad({ state: 'ready', detail });
      chooseHousehold(detail.household.id);
    } catch (err) {
      if (controller !== mine || (err instanceof ApiError && err.code === 'aborted')) return;
      // Another household's id answers 404 (or 403) by design: it is "not yours", not an error.
      if (err instanceof ApiError && err.code === 'membership.inactive') {
        setLoad({ state: 'inactive', message: err.message });
      } else if (err instanceof ApiError && (err.status === 404 || err.status === 403)) {
        setLoad({ state: 'missing' });
      } else setLoad({ state: 'error', error: err });
    }
  };

  createEffect(
    on(
      () => params.hid,
      () => void fetchDetail(false),
    ),
  );
  onCleanup(() => controller?.abort());

  const ready = () => {
    const l = load();
    return l.state === 'ready' ? l : undefined;
  };
  const inactive = () => {
    const l = load();
    return l.state === 'inactive' ? l : undefined;
  };
  const failed = () => {
    const l = load();
    return l.state === 'error' ? l : undefined;
  };

  return (
    <Switch fallback={<PageSkeleton label="Loading the household…" />}>
      <Match when={load().state === 'missing'}>
        <div class="space-y-6">
          <h1 class="text-2xl font-bold tracking-tight text-fg">Household not found</h1>
          <EmptyState
            icon={<SearchX size={40} />}
            title="This household does not exist, or you are not a member"
          >
            <p>Ask one of its admins for an invite link, or pick one of your households.</p>
            <A
              href="/households/new"
              class="mt-4 inline-flex items-center rounded-lg bg-accent px-4 py-2 text-sm font-semibold text-accent-fg hover:brightness-110"
            >
              Create or join a household
            </A>
          </EmptyState>
        </div>
      </Match>
      <Match when={inactive()}>
        {(i) => (
          <div class="space-y-6">
            <h1 class="text-2xl font-bold tracking-tight text-fg">Not active here yet</h1>
            <EmptyState icon={<Hourglass size={40} />} title="Your membership is not active">
              <p data-testid="membership-inactive">
                {i().message} An admin of the household can approve or reactivate you; this page works as soon
                as they do.
              </p>
              <Button variant="secondary" class="mt-4" onClick={() => void fetchDetail(false)}>
                Check again
              </Button>
            </EmptyState>
          </div>
        )}
      </Match>
      <Match when={failed()}>
        {(f) => (
          <ErrorState
            title="Could not load the household"
            message={describeError(f().error)}
            requestId={f().error instanceof ApiError ? (f().error as ApiError).requestId : undefined}
            onRetry={() => void fetchDetail(false)}
          />
        )}
      </Match>
      <Match when={ready()}>
        {(r) => (
          <HouseholdContext.Provider
            value={{
              hid: () => params.hid,
              detail: () => r().detail,
              reload: () => fetchDetail(true),
              can: (permission) => {
                const m = r().detail.membership;
                return m.role === 'owner' || (m.permissions ?? []).includes(permission);
              },
            }}
          >
            {props.children}
          </HouseholdContext.Provider>
        )}
      </Match>
    </Switch>
  );
}
