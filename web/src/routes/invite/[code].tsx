import { A, useNavigate, useParams } from '@solidjs/router';
import House from 'lucide-solid/icons/house';
import LoaderCircle from 'lucide-solid/icons/loader-circle';
import TicketX from 'lucide-solid/icons/ticket-x';
import { createSignal, Match, onMount, Show, Switch } from 'solid-js';
import { PageSkeleton } from '../../components/require-sign-in.tsx';
import { Button, EmptyState, ErrorState } from '../../components/states.tsx';
import { ApiError, describeError } from '../../lib/api.ts';
import { getInvitePreview, type InvitePreview, redeemInvite } from '../../lib/identity.ts';
import { chooseHousehold, ensureMe, homeFor, me, meState, refreshMe, signInHref } from '../../lib/session.ts';
import { usePageTitle } from '../../lib/title.ts';
import { showToast } from '../../lib/toast.tsx';

type Load =
  | { state: 'loading' }
  | { state: 'ready'; preview: InvitePreview }
  | { state: 'missing' }
  | { state: 'error'; error: unknown };

const reasons: Record<string, string> = {
  expired: 'This invite has expired.',
  used_up: 'This invite has been used as many times as it allows.',
  revoked: 'This invite was revoked by the household.',
  not_found: 'There is no invite with this code.',
};

/** The landing page of an invite link: preview, sign in if needed, then join in one click. */
export default function InviteLanding() {
  usePageTitle(() => 'Invitation');
  const params = useParams<{ code: string }>();
  const navigate = useNavigate();
  const [load, setLoad] = createSignal<Load>({ state: 'loading' });
  const [joining, setJoining] = createSignal(false);
  const [joinError, setJoinError] = createSignal<string | undefined>();

  const fetchPreview = async () => {
    setLoad({ state: 'loading' });
    try {
      const [preview] = await Promise.all([getInvitePreview(params.code), ensureMe()]);
      setLoad({ state: 'ready', preview });
    } catch (err) {
      // A code that is not even well-formed (400) is as unknown as one that does not exist (404).
      const unknown = err instanceof ApiError && (err.status === 404 || err.status === 400);
      setLoad(unknown ? { state: 'missing' } : { state: 'error', error: err });
    }
  };
  onMount(() => void fetchPreview());

  const ready = () => {
    const l = load();
    return l.state === 'ready' ? l.preview : undefined;
  };
  const failed = () => {
    const l = load();
    return l.state === 'error' ? l : undefined;
  };
  // The public preview does not say which household it is (only its name), so the id is matched
  // when the server gives one and the name otherwise.
  const myMembership = (p: InvitePreview) =>
    (me()?.households ?? []).find((h) =>
      p.householdId !== undefined ? h.id === p.householdId : h.name === p.householdName,
    );

  const join = async (p: InvitePreview) => {
    setJoining(true);
    setJoinError(undefined);
    try {
      const hid = (await redeemInvite(params.code)) ?? p.householdId;
      if (hid) chooseHousehold(hid);
      const s = await refreshMe();
      showToast({ title: `Welcome to ${p.householdName}`, tone: 'success' });
      navigate(
        hid ? `/households/${encodeURIComponent(hid)}` : s.state === 'signed_in' ? homeFor(s.me) : '/',
      );
    } catch (err) {
      if (err instanceof ApiError && err.code === 'membership.exists') {
        await refreshMe();
        const known = myMembership(p);
        if (known) {
          navigate(`/households/${encodeURIComponent(known.id)}`);
          return;
        }
      }
      setJoinError(describeError(err));
    } finally {
      setJoining(false);
    }
  };

  return (
    <div class="mx-auto max-w-lg py-4 sm:py-10">
      <Switch fallback={<PageSkeleton label="Opening the invitation…" />}>
        <Match when={load().state === 'missing'}>
          <h1 class="mb-6 text-2xl font-bold tracking-tight text-fg">Invitation not found</h1>
          <EmptyState icon={<TicketX size={40} />} title="This invite link does not work">
            <p>Check that the whole link was copied, or ask for a new one.</p>
          </EmptyState>
        </Match>
        <Match when={failed()}>
          {(f) => (
            <ErrorState
              title="Could not open the invitation"
              message={describeError(f().error)}
              onRetry={() => void fetchPreview()}
            />
          )}
        </Match>
        <Match when={ready()}>
          {(p) => (
            <section
              aria-labelledby="invite-title"
              class="flex flex-col items-center gap-4 rounded-3xl border border-line bg-surface p-6 text-center sm:p-8"
              data-testid="invite-preview"
            >
              <span
                class="flex size-14 items-center justify-center rounded-2xl bg-accent-soft text-accent"
                aria-hidden="true"
              >
                <House size={28} />
              </span>
              <p class="text-sm text-muted">You are invited to join</p>
              <h1 id="invite-title" class="text-2xl font-bold tracking-tight text-fg sm:text-3xl">
                {p().householdName}
              </h1>
              <p class="text-sm text-muted">
                as <span class="font-semibold text-fg capitalize">{p().role}</span>
              </p>
              <Switch>
                <Match when={!p().valid}>
                  <p
                    role="alert"
                    class="rounded-lg bg-bad-soft px-3 py-2 text-sm text-fg"
                    data-testid="invite-invalid"
                  >
                    {reasons[p().reason ?? ''] ?? p().reason ?? 'This invite can no longer be used.'} Ask the
                    household for a new link.
                  </p>
                </Match>
                <Match when={meState().state !== 'signed_in'}>
                  <A
                    href={signInHref(`/invite/${encodeURIComponent(params.code)}`)}
                    class="inline-flex items-center rounded-lg bg-accent px-5 py-2.5 text-sm font-semibold text-accent-fg hover:brightness-110"
                  >
                    Sign in to join
                  </A>
                  <p class="text-xs text-muted">You come back here after signing in.</p>
                </Match>
                <Match when={myMembership(p())}>
                  {(h) => (
                    <>
                      <p class="text-sm text-fg">You are already a member.</p>
                      <A
                        href={`/households/${encodeURIComponent(h().id)}`}
                        class="inline-flex items-center rounded-lg bg-accent px-5 py-2.5 text-sm font-semibold text-accent-fg hover:brightness-110"
                      >
                        Open {p().householdName}
                      </A>
                    </>
                  )}
                </Match>
                <Match when={true}>
                  <Button class="px-5 py-2.5" onClick={() => void join(p())} disabled={joining()}>
                    <Show when={joining()}>
                      <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
                    </Show>
                    Join {p().householdName}
                  </Button>
                  <p class="text-xs text-muted">Signed in as {me()?.user.name}.</p>
                </Match>
              </Switch>
              <Show when={joinError()}>
                <p role="alert" class="rounded-lg bg-bad-soft px-3 py-2 text-sm text-fg">
                  {joinError()}
                </p>
              </Show>
            </section>
          )}
        </Match>
      </Switch>
    </div>
  );
}
