import { A, useSearchParams } from '@solidjs/router';
import Check from 'lucide-solid/icons/check';
import Inbox from 'lucide-solid/icons/inbox';
import LoaderCircle from 'lucide-solid/icons/loader-circle';
import Search from 'lucide-solid/icons/search';
import { createEffect, createSignal, For, Match, on, onCleanup, onMount, Show, Switch } from 'solid-js';
import { createConfirm } from '../../../../components/confirm-dialog.tsx';
import {
  cancelRequest,
  decideRequest,
  getRequest,
  listRequests,
  type MediaRequest,
  STATUSES,
  seasonsText,
  titleWithYear,
} from '../../../../components/requests/api.ts';
import { StatusBadge, statusLabel } from '../../../../components/requests/badges.tsx';
import { createDeclineDialog } from '../../../../components/requests/decline-dialog.tsx';
import { createMemberNames } from '../../../../components/requests/names.ts';
import { Poster } from '../../../../components/requests/poster.tsx';
import { Button, EmptyState, ErrorState, ListSkeleton } from '../../../../components/states.tsx';
import { ApiError, describeError } from '../../../../lib/api.ts';
import { useHousehold } from '../../../../lib/household-context.ts';
import { me } from '../../../../lib/session.ts';
import { usePageTitle } from '../../../../lib/title.ts';
import { showToast } from '../../../../lib/toast.tsx';
import { realtime } from '../../../../lib/ws.ts';

type Load =
  | { state: 'loading' }
  | { state: 'ready'; requests: MediaRequest[]; cursor: string | undefined }
  | { state: 'error'; error: unknown };

const OPEN = 'pending,approved,processing,partially_available';
const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export default function RequestsPage() {
  const hh = useHousehold();
  const [params, setParams] = useSearchParams<{
    view?: string;
    status?: string;
    type?: string;
    by?: string;
  }>();
  const isAdmin = () => hh.can('manage_requests');
  const allView = () => isAdmin() && params.view === 'all';
  usePageTitle(() => (allView() ? 'All requests' : 'My requests'));
  const names = createMemberNames(hh.hid, () => hh.can('manage_members'));
  const confirm = createConfirm();
  const [load, setLoad] = createSignal<Load>({ state: 'loading' });
  const [more, setMore] = createSignal(false);
  const [busy, setBusy] = createSignal<string | null>(null);
  let controller: AbortController | undefined;

  const base = () => `/households/${encodeURIComponent(hh.hid())}`;
  const filters = () => ({
    mine: !allView(),
    status: params.status === 'open' ? OPEN : params.status || undefined,
    type: params.type || undefined,
    requestedBy: allView() ? params.by || undefined : undefined,
  });

  const fetchFirst = async (quiet = false) => {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    if (!quiet) setLoad({ state: 'loading' });
    try {
      const page = await listRequests(hh.hid(), filters(), mine.signal);
      if (controller !== mine) return;
      const l = load();
      // A quiet re-read keeps the pages already loaded below the first one (ids sort by time).
      const last = page.requests.at(-1)?.id;
      const keep =
        quiet && l.state === 'ready' && page.cursor && last ? l.requests.filter((r) => r.id < last) : [];
      setLoad({
        state: 'ready',
        requests: [...page.requests, ...keep],
        cursor: quiet && l.state === 'ready' && keep.length > 0 ? l.cursor : page.cursor,
      });
    } catch (err) {
      if (controller !== mine || (err instanceof ApiError && err.code === 'aborted')) return;
      if (!quiet) setLoad({ state: 'error', error: err });
    }
  };

  const loadMore = async () => {
    const l = load();
    if (l.state !== 'ready' || !l.cursor || more()) return;
    setMore(true);
    try {
      const page = await listRequests(hh.hid(), { ...filters(), cursor: l.cursor });
      const now = load();
      if (now.state !== 'ready') return;
      const seen = new Set(now.requests.map((r) => r.id));
      setLoad({
        state: 'ready',
        requests: [...now.requests, ...page.requests.filter((r) => !seen.has(r.id))],
        cursor: page.cursor,
      });
    } catch (err) {
      showToast({ title: 'Could not load more requests', description: describeError(err), tone: 'error' });
    } finally {
      setMore(false);
    }
  };

  createEffect(
    on(
      () => [allView(), params.status, params.type, params.by],
      () => void fetchFirst(),
    ),
  );

  const replace = (r: MediaRequest) => {
    const l = load();
    if (l.state !== 'ready') return;
    setLoad({ ...l, requests: l.requests.map((x) => (x.id === r.id ? r : x)) });
  };

  // Live: a change to a request arrives as request.updated (re-read that one, or the first page
  // when it is not listed: it may now match the filters). Members hear of their own requests;
  // those who manage requests of everyone's, whoever changed it (Overseerr's webhook, another
  // admin), so the "All requests" queue keeps itself current. A new request in the household
  // arrives as request.created (re-read the first page). Messages are hints only, and everything
  // is read again after a reconnect.
  onMount(() => {
    const offs = [
      realtime.subscribe<{ type: string; data?: { requestId?: string } }>('request.updated', (m) => {
        const id = m.data?.requestId;
        const l = load();
        if (!id || l.state !== 'ready' || !l.requests.some((r) => r.id === id)) {
          void fetchFirst(true);
          return;
        }
        getRequest(hh.hid(), id)
          .then(replace)
          .catch(() => void fetchFirst(true));
      }),
      realtime.subscribe('request.created', () => void fetchFirst(true)),
      realtime.onOpen(() => void fetchFirst(true)),
    ];
    onCleanup(() => {
      for (const off of offs) off();
      controller?.abort();
    });
  });

  const decline = createDeclineDialog(hh.hid, (r) => {
    replace(r);
    showToast({ title: `Declined ${titleWithYear(r)}`, tone: 'success' });
  });

  const approve = async (r: MediaRequest) => {
    setBusy(r.id);
    try {
      const out = await decideRequest(hh.hid(), r.id, 'approve');
      replace(out);
      showToast({
        title: `Approved ${titleWithYear(out)}`,
        description: 'Sent to Overseerr.',
        tone: 'success',
      });
    } catch (err) {
      showToast({ title: `Could not approve ${r.title}`, description: describeError(err), tone: 'error' });
    } finally {
      setBusy(null);
    }
  };

  const askCancel = (r: MediaRequest) =>
    confirm.ask({
      title: `Cancel the request for ${titleWithYear(r)}?`,
      body: (
        <p>It is withdrawn from Overseerr as well, and the request counts no longer against the quota.</p>
      ),
      confirmLabel: 'Cancel request',
      danger: true,
      action: async () => {
        replace(await cancelRequest(hh.hid(), r.id));
        showToast({ title: `Cancelled ${titleWithYear(r)}`, tone: 'success' });
      },
    });

  const requests = () => {
    const l = load();
    return l.state === 'ready' ? l.requests : [];
  };
  const failed = () => {
    const l = load();
    return l.state === 'error' ? l : undefined;
  };
  const filtered = () => !!(params.status || params.type || params.by);
  const tabClass =
    '-mb-px inline-block border-b-2 px-3 py-2 text-sm font-medium whitespace-nowrap hover:text-fg';

  return (
    <div class="space-y-6">
      <div class="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 class="text-2xl font-bold tracking-tight text-fg sm:text-3xl">
            {allView() ? 'All requests' : 'My requests'}
          </h1>
          <p class="mt-1 text-sm text-muted">
            {allView()
              ? 'Everything the household asked for; approve or decline what is pending.'
              : 'What you asked for, and where each request is. Changes arrive by themselves.'}
          </p>
        </div>
        <A
          href={`${base()}/discover`}
          class="inline-flex items-center gap-2 rounded-lg bg-accent px-4 py-2 text-sm font-semibold text-accent-fg hover:brightness-110"
        >
          <Search size={16} aria-hidden="true" />
          Find something to request
        </A>
      </div>

      <Show when={isAdmin()}>
        <nav aria-label="Request lists">
          <ul class="flex gap-1 border-b border-line">
            <li>
              <A
                href={`${base()}/requests`}
                class={tabClass}
                classList={{
                  'border-accent text-fg': !allView(),
                  'border-transparent text-muted': allView(),
                }}
                aria-current={!allView() ? 'page' : undefined}
                end
              >
                Mine
              </A>
            </li>
            <li>
              <A
                href={`${base()}/requests?view=all&status=pending`}
                class={tabClass}
                classList={{
                  'border-accent text-fg': allView(),
                  'border-transparent text-muted': !allView(),
                }}
                aria-current={allView() ? 'page' : undefined}
              >
                All requests
              </A>
            </li>
          </ul>
        </nav>
      </Show>

      <fieldset class="flex flex-wrap gap-3">
        <legend class="sr-only">Filters</legend>
        <label class="flex flex-col gap-1 text-xs font-medium text-muted">
          Status
          <select
            value={params.status ?? ''}
            onChange={(e) => setParams({ status: e.currentTarget.value || undefined })}
            class="rounded-lg border border-line bg-surface px-2 py-1.5 text-sm text-fg"
          >
            <option value="">Any status</option>
            <option value="open">Open (not finished)</option>
            <For each={STATUSES}>{(s) => <option value={s}>{statusLabel(s)}</option>}</For>
          </select>
        </label>
        <label class="flex flex-col gap-1 text-xs font-medium text-muted">
          Type
          <select
            value={params.type ?? ''}
            onChange={(e) => setParams({ type: e.currentTarget.value || undefined })}
            class="rounded-lg border border-line bg-surface px-2 py-1.5 text-sm text-fg"
          >
            <option value="">Movies and shows</option>
            <option value="movie">Movies</option>
            <option value="tv">Shows</option>
          </select>
        </label>
        <Show when={allView() && names.members().length > 0}>
          <label class="flex flex-col gap-1 text-xs font-medium text-muted">
            Requested by
            <select
              value={params.by ?? ''}
              onChange={(e) => setParams({ by: e.currentTarget.value || undefined })}
              class="rounded-lg border border-line bg-surface px-2 py-1.5 text-sm text-fg"
            >
              <option value="">Anyone</option>
              <For each={names.members()}>{(m) => <option value={m.id}>{m.name}</option>}</For>
            </select>
          </label>
        </Show>
        <Show when={filtered()}>
          <Button
            variant="ghost"
            class="self-end"
            onClick={() => setParams({ status: undefined, type: undefined, by: undefined })}
          >
            Clear filters
          </Button>
        </Show>
      </fieldset>

      <Switch>
        <Match when={load().state === 'loading'}>
          <ListSkeleton label="Loading requests…" rows={3} rowClass="h-24" />
        </Match>
        <Match when={failed()}>
          {(f) => (
            <ErrorState
              title="Could not load the requests"
              message={describeError(f().error)}
              requestId={(f().error as ApiError).requestId}
              onRetry={() => void fetchFirst()}
            />
          )}
        </Match>
        <Match when={requests().length === 0}>
          <EmptyState
            icon={<Inbox size={36} />}
            title={
              filtered()
                ? 'No requests match these filters'
                : allView()
                  ? 'Nobody has asked for anything yet'
                  : 'You have not requested anything yet'
            }
          >
            <Show
              when={filtered()}
              fallback={
                <p>
                  Search for a movie or show on{' '}
                  <A href={`${base()}/discover`} class="font-semibold text-accent underline">
                    Discover
                  </A>{' '}
                  and request it.
                </p>
              }
            >
              <p>Change or clear the filters to see more.</p>
            </Show>
          </EmptyState>
        </Match>
        <Match when={requests().length > 0}>
          <ul class="space-y-2" data-testid="request-list">
            <For each={requests()}>
              {(r) => {
                const mine = () => r.requestedBy === me()?.user.id;
                return (
                  <li
                    class="flex gap-3 rounded-2xl border border-line bg-surface p-3 sm:gap-4 sm:p-4"
                    data-testid="request"
                    data-request-id={r.id}
                    data-status={r.status}
                    aria-busy={busy() === r.id}
                  >
                    <Poster url={r.posterUrl} title={r.title} class="w-14 shrink-0 sm:w-16" />
                    <div class="flex min-w-0 flex-1 flex-col gap-1.5">
                      <div class="flex flex-wrap items-center gap-2">
                        <A
                          href={`${base()}/requests/${encodeURIComponent(r.id)}`}
                          class="font-semibold text-fg hover:underline"
                          data-testid="request-title"
                        >
                          {titleWithYear(r)}
                        </A>
                        <StatusBadge status={r.status} />
                      </div>
                      <p class="text-xs text-muted">
                        {r.mediaType === 'tv' ? 'Series' : 'Movie'}
                        {seasonsText(r.seasons) ? ` · ${seasonsText(r.seasons)}` : ''}
                        {r.is4k ? ' · 4K' : ''}
                        {allView() ? ` · by ${names.nameOf(r.requestedBy)}` : ''} · {when.format(r.createdAt)}
                      </p>
                      <Show when={r.reason}>
                        <p class="text-sm text-fg/85">Reason: {r.reason}</p>
                      </Show>
                      <Show when={r.status === 'pending'}>
                        <div class="mt-1 flex flex-wrap gap-2">
                          <Show when={allView()}>
                            <Button
                              onClick={() => void approve(r)}
                              disabled={busy() === r.id}
                              class="!py-1.5"
                            >
                              <Show when={busy() === r.id} fallback={<Check size={16} aria-hidden="true" />}>
                                <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
                              </Show>
                              Approve<span class="sr-only"> {r.title}</span>
                            </Button>
                            <Button variant="secondary" onClick={() => decline.ask(r)} class="!py-1.5">
                              Decline<span class="sr-only"> {r.title}</span>
                            </Button>
                          </Show>
                          <Show when={mine() || isAdmin()}>
                            <Button variant="ghost" onClick={() => askCancel(r)} class="!py-1.5">
                              Cancel request<span class="sr-only"> for {r.title}</span>
                            </Button>
                          </Show>
                        </div>
                      </Show>
                    </div>
                  </li>
                );
              }}
            </For>
          </ul>
          <Show when={load().state === 'ready' && (load() as { cursor?: string }).cursor}>
            <div class="flex justify-center">
              <Button variant="secondary" onClick={() => void loadMore()} disabled={more()}>
                <Show when={more()}>
                  <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
                </Show>
                {more() ? 'Loading…' : 'Show more'}
              </Button>
            </div>
          </Show>
        </Match>
      </Switch>
      <decline.View />
      <confirm.Dialog />
    </div>
  );
}
