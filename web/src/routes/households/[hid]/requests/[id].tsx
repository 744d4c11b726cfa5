import { A, useParams } from '@solidjs/router';
import ArrowLeft from 'lucide-solid/icons/arrow-left';
import Check from 'lucide-solid/icons/check';
import LoaderCircle from 'lucide-solid/icons/loader-circle';
import RefreshCw from 'lucide-solid/icons/refresh-cw';
import SearchX from 'lucide-solid/icons/search-x';
import { createEffect, createSignal, For, Match, on, onCleanup, onMount, Show, Switch } from 'solid-js';
import { createConfirm } from '../../../../components/confirm-dialog.tsx';
import {
  cancelRequest,
  decideRequest,
  getRequest,
  type MediaRequest,
  refreshRequest,
  seasonsText,
  titleWithYear,
} from '../../../../components/requests/api.ts';
import { StatusBadge, statusLabel } from '../../../../components/requests/badges.tsx';
import { createDeclineDialog } from '../../../../components/requests/decline-dialog.tsx';
import { createMemberNames } from '../../../../components/requests/names.ts';
import { Poster } from '../../../../components/requests/poster.tsx';
import { Button, EmptyState, ErrorState, Skeleton } from '../../../../components/states.tsx';
import { ApiError, describeError } from '../../../../lib/api.ts';
import { useHousehold } from '../../../../lib/household-context.ts';
import { me } from '../../../../lib/session.ts';
import { usePageTitle } from '../../../../lib/title.ts';
import { showToast } from '../../../../lib/toast.tsx';
import { realtime } from '../../../../lib/ws.ts';

type Load =
  | { state: 'loading' }
  | { state: 'ready'; request: MediaRequest }
  | { state: 'missing' }
  | { state: 'error'; error: unknown };

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export default function RequestDetailPage() {
  const hh = useHousehold();
  const params = useParams<{ id: string }>();
  const names = createMemberNames(hh.hid, () => hh.can('manage_members'));
  const confirm = createConfirm();
  const [load, setLoad] = createSignal<Load>({ state: 'loading' });
  const [busy, setBusy] = createSignal(false);
  let controller: AbortController | undefined;

  const request = () => {
    const l = load();
    return l.state === 'ready' ? l.request : undefined;
  };
  usePageTitle(() => (request() ? titleWithYear(request() as MediaRequest) : 'Request'));
  const base = () => `/households/${encodeURIComponent(hh.hid())}`;

  const fetchOne = async (quiet = false) => {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    if (!quiet) setLoad({ state: 'loading' });
    try {
      const r = await getRequest(hh.hid(), params.id, mine.signal);
      if (controller === mine) setLoad({ state: 'ready', request: r });
    } catch (err) {
      if (controller !== mine || (err instanceof ApiError && err.code === 'aborted')) return;
      if (err instanceof ApiError && (err.status === 404 || err.status === 400))
        setLoad({ state: 'missing' });
      else if (!quiet) setLoad({ state: 'error', error: err });
    }
  };

  createEffect(
    on(
      () => params.id,
      () => void fetchOne(),
    ),
  );
  onMount(() => {
    const offs = [
      realtime.subscribe<{ type: string; data?: { requestId?: string } }>('request.updated', (m) => {
        if (m.data?.requestId === params.id) void fetchOne(true);
      }),
      realtime.onOpen(() => void fetchOne(true)),
    ];
    onCleanup(() => {
      for (const off of offs) off();
      controller?.abort();
    });
  });

  const set = (r: MediaRequest) => setLoad({ state: 'ready', request: r });
  const decline = createDeclineDialog(hh.hid, (r) => {
    set(r);
    showToast({ title: `Declined ${titleWithYear(r)}`, tone: 'success' });
  });

  const act = async (what: 'approve' | 'refresh') => {
    const r = request();
    if (!r) return;
    setBusy(true);
    try {
      set(
        what === 'approve'
          ? await decideRequest(hh.hid(), r.id, 'approve')
          : await refreshRequest(hh.hid(), r.id),
      );
      showToast({
        title: what === 'approve' ? `Approved ${titleWithYear(r)}` : 'Checked with Overseerr',
        tone: 'success',
      });
    } catch (err) {
      showToast({
        title: what === 'approve' ? 'Could not approve' : 'Could not check with Overseerr',
        description: describeError(err),
        tone: 'error',
      });
    } finally {
      setBusy(false);
    }
  };

  const askCancel = (r: MediaRequest) =>
    confirm.ask({
      title: `Cancel the request for ${titleWithYear(r)}?`,
      body: <p>It is withdrawn from Overseerr as well, and no longer counts against the quota.</p>,
      confirmLabel: 'Cancel request',
      danger: true,
      action: async () => {
        set(await cancelRequest(hh.hid(), r.id));
        showToast({ title: `Cancelled ${titleWithYear(r)}`, tone: 'success' });
      },
    });

  return (
    <div class="space-y-6">
      <A
        href={`${base()}/requests`}
        class="inline-flex items-center gap-1 text-sm font-medium text-muted hover:text-fg"
      >
        <ArrowLeft size={16} aria-hidden="true" />
        Requests
      </A>
      <Switch>
        <Match when={load().state === 'loading'}>
          <div class="flex gap-4" aria-busy="true">
            <span class="sr-only" role="status">
              Loading the request…
            </span>
            <Skeleton class="aspect-[2/3] w-28 rounded-xl" />
            <div class="flex-1 space-y-3">
              <Skeleton class="h-8 w-64 max-w-full" />
              <Skeleton class="h-4 w-40" />
              <Skeleton class="h-32" />
            </div>
          </div>
        </Match>
        <Match when={load().state === 'missing'}>
          <EmptyState icon={<SearchX size={36} />} title="This request does not exist, or is not yours">
            <p>
              Go back to{' '}
              <A href={`${base()}/requests`} class="font-semibold text-accent underline">
                your requests
              </A>
              .
            </p>
          </EmptyState>
        </Match>
        <Match when={load().state === 'error' ? (load() as { error: unknown }) : undefined}>
          {(f) => (
            <ErrorState
              title="Could not load the request"
              message={describeError(f().error)}
              onRetry={() => void fetchOne()}
            />
          )}
        </Match>
        <Match when={request()}>
          {(r) => (
            <article
              class="grid gap-6 md:grid-cols-[10rem_1fr]"
              data-testid="request-detail"
              data-status={r().status}
            >
              <Poster url={r().posterUrl} title={r().title} class="w-28 md:w-40" />
              <div class="min-w-0 space-y-5">
                <div>
                  <h1 class="text-2xl font-bold tracking-tight text-fg sm:text-3xl">{titleWithYear(r())}</h1>
                  <p class="mt-1 text-sm text-muted">
                    {r().mediaType === 'tv' ? 'Series' : 'Movie'}
                    {seasonsText(r().seasons) ? ` · ${seasonsText(r().seasons)}` : ''}
                    {r().is4k ? ' · 4K' : ''} · requested by {names.nameOf(r().requestedBy)}
                  </p>
                  <div class="mt-3">
                    <StatusBadge status={r().status} />
                  </div>
                </div>
                <Show when={r().reason}>
                  <p class="rounded-xl bg-raised p-3 text-sm text-fg">
                    <span class="font-semibold">Reason:</span> {r().reason}
                  </p>
                </Show>
                <div class="flex flex-wrap gap-2">
                  <Show when={r().status === 'pending' && hh.can('manage_requests')}>
                    <Button onClick={() => void act('approve')} disabled={busy()}>
                      <Show when={busy()} fallback={<Check size={16} aria-hidden="true" />}>
                        <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
                      </Show>
                      Approve
                    </Button>
                    <Button variant="secondary" onClick={() => decline.ask(r())} disabled={busy()}>
                      Decline
                    </Button>
                  </Show>
                  <Show
                    when={
                      r().status === 'pending' &&
                      (r().requestedBy === me()?.user.id || hh.can('manage_requests'))
                    }
                  >
                    <Button variant="ghost" onClick={() => askCancel(r())} disabled={busy()}>
                      Cancel request
                    </Button>
                  </Show>
                  <Show when={r().status !== 'cancelled' && r().status !== 'available'}>
                    <Button variant="ghost" onClick={() => void act('refresh')} disabled={busy()}>
                      <RefreshCw size={16} aria-hidden="true" />
                      Check with Overseerr
                    </Button>
                  </Show>
                </div>
                <section aria-labelledby="timeline-title">
                  <h2 id="timeline-title" class="text-lg font-semibold text-fg">
                    Timeline
                  </h2>
                  <ol class="mt-3 space-y-0 border-l border-line pl-5" data-testid="timeline">
                    <For each={r().timeline}>
                      {(t) => (
                        <li class="relative pb-4">
                          <span
                            class="absolute top-1.5 -left-[1.6rem] size-2.5 rounded-full border-2 border-surface bg-accent"
                            aria-hidden="true"
                          />
                          <p class="text-sm font-semibold text-fg">{statusLabel(t.status)}</p>
                          <p class="text-xs text-muted">
                            <time datetime={new Date(t.at).toISOString()}>{when.format(t.at)}</time>
                            {t.by
                              ? ` · ${names.nameOf(t.by, t.status === 'pending' ? 'A member' : 'An admin')}`
                              : ''}
                          </p>
                          <Show when={t.note}>
                            <p class="mt-1 text-sm text-fg/85">{t.note}</p>
                          </Show>
                        </li>
                      )}
                    </For>
                  </ol>
                </section>
              </div>
            </article>
          )}
        </Match>
      </Switch>
      <decline.View />
      <confirm.Dialog />
    </div>
  );
}
