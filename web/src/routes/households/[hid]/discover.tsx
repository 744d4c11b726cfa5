import { A, useSearchParams } from '@solidjs/router';
import Bell from 'lucide-solid/icons/bell';
import LoaderCircle from 'lucide-solid/icons/loader-circle';
import PlugZap from 'lucide-solid/icons/plug-zap';
import Search from 'lucide-solid/icons/search';
import SearchX from 'lucide-solid/icons/search-x';
import Sparkles from 'lucide-solid/icons/sparkles';
import { createEffect, createSignal, For, Match, on, onCleanup, onMount, Show, Switch } from 'solid-js';
import {
  type DiscoverResult,
  isNotConfigured,
  type MediaRequest,
  type SearchPage,
  searchTitles,
} from '../../../components/requests/api.ts';
import { AvailabilityBadge } from '../../../components/requests/badges.tsx';
import { Poster } from '../../../components/requests/poster.tsx';
import { isFollowed, learnFollows, RequestDialog } from '../../../components/requests/request-dialog.tsx';
import { Button, EmptyState, ErrorState, Skeleton } from '../../../components/states.tsx';
import { ApiError, describeError } from '../../../lib/api.ts';
import { useHousehold } from '../../../lib/household-context.ts';
import { usePageTitle } from '../../../lib/title.ts';
import { realtime } from '../../../lib/ws.ts';

type Load =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'ready'; query: string; page: SearchPage; results: DiscoverResult[] }
  | { state: 'error'; error: unknown };

const isTyping = (el: Element | null) =>
  !!el &&
  (el.tagName === 'INPUT' ||
    el.tagName === 'TEXTAREA' ||
    el.tagName === 'SELECT' ||
    (el as HTMLElement).isContentEditable);

export default function DiscoverPage() {
  usePageTitle(() => 'Discover');
  const hh = useHousehold();
  const [params, setParams] = useSearchParams<{ q?: string }>();
  const [text, setText] = createSignal(params.q ?? '');
  const [load, setLoad] = createSignal<Load>({ state: 'idle' });
  const [more, setMore] = createSignal(false);
  const [open, setOpen] = createSignal<DiscoverResult | null>(null);
  let input: HTMLInputElement | undefined;
  let controller: AbortController | undefined;
  let debounce: ReturnType<typeof setTimeout> | undefined;

  const base = () => `/households/${encodeURIComponent(hh.hid())}`;
  const query = () => (params.q ?? '').trim();

  const run = async (q: string, quiet = false) => {
    controller?.abort();
    if (!q) {
      setLoad({ state: 'idle' });
      return;
    }
    const mine = new AbortController();
    controller = mine;
    if (!quiet) setLoad({ state: 'loading' });
    try {
      const page = await searchTitles(hh.hid(), q, 1, mine.signal);
      if (controller !== mine) return;
      learnFollows(page.results);
      setLoad({ state: 'ready', query: q, page, results: page.results });
    } catch (err) {
      if (controller !== mine || (err instanceof ApiError && err.code === 'aborted')) return;
      if (!quiet) setLoad({ state: 'error', error: err });
    }
  };

  const loadMore = async () => {
    const l = load();
    if (l.state !== 'ready' || more()) return;
    setMore(true);
    try {
      const page = await searchTitles(hh.hid(), l.query, l.page.page + 1);
      const now = load();
      if (now.state !== 'ready' || now.query !== l.query) return;
      learnFollows(page.results);
      const seen = new Set(now.results.map((r) => `${r.mediaType}:${r.tmdbId}`));
      setLoad({
        ...now,
        page,
        results: [...now.results, ...page.results.filter((r) => !seen.has(`${r.mediaType}:${r.tmdbId}`))],
      });
    } catch (err) {
      setLoad({ state: 'error', error: err });
    } finally {
      setMore(false);
    }
  };

  createEffect(on(query, (q) => void run(q)));

  const onInput = (value: string) => {
    setText(value);
    clearTimeout(debounce);
    debounce = setTimeout(() => setParams({ q: value.trim() || undefined }, { replace: true }), 300);
  };

  // "/" focuses this page's search box from anywhere on the page (not while typing elsewhere).
  // The rule between "/" listeners: a page's own search box wins over the shell's library quick
  // search. This listener runs first (window, capture phase) and marks the key handled with
  // preventDefault; the quick search (document, bubbling) leaves a handled key alone.
  onMount(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.defaultPrevented || e.metaKey || e.ctrlKey || e.altKey) return;
      if (isTyping(document.activeElement)) return;
      e.preventDefault();
      input?.focus();
      input?.select();
    };
    window.addEventListener('keydown', onKey, { capture: true });
    onCleanup(() => window.removeEventListener('keydown', onKey, { capture: true }));
    if (!query()) input?.focus();
  });

  // Badges follow requests live: a request by anyone in the household, or a change to mine.
  // Messages are hints: the search is simply read again (and again after a reconnect).
  let refetch: ReturnType<typeof setTimeout> | undefined;
  const refresh = () => {
    clearTimeout(refetch);
    refetch = setTimeout(() => {
      if (load().state === 'ready') void run(query(), true);
    }, 250);
  };
  onMount(() => {
    const offs = [
      realtime.subscribe('request.created', refresh),
      realtime.subscribe('request.updated', refresh),
      realtime.onOpen(refresh),
    ];
    onCleanup(() => {
      for (const off of offs) off();
      clearTimeout(refetch);
      clearTimeout(debounce);
      controller?.abort();
    });
  });

  const onRequested = (r: MediaRequest) => {
    const l = load();
    if (l.state !== 'ready') return;
    setLoad({
      ...l,
      results: l.results.map((x) =>
        x.mediaType === r.mediaType && x.tmdbId === r.tmdbId
          ? {
              ...x,
              badge: {
                kind: x.badge.kind === 'not_available' ? 'requested' : x.badge.kind,
                requestedBy: x.badge.requestedBy,
                myRequestId: r.id,
              },
            }
          : x,
      ),
    });
    refresh();
  };

  const ready = () => {
    const l = load();
    return l.state === 'ready' ? l : undefined;
  };
  const failed = () => {
    const l = load();
    return l.state === 'error' ? l : undefined;
  };
  const notConfigured = () => {
    const f = failed();
    return !!f && f.error instanceof ApiError && isNotConfigured(f.error.code);
  };
  const mayRequest = () => hh.can('request');
  const actionLabel = (r: DiscoverResult) => {
    if (r.badge.kind === 'available') return 'Details';
    if (r.badge.myRequestId) return 'Your request';
    if ((r.badge.kind === 'requested' || r.badge.kind === 'processing') && r.mediaType === 'movie')
      return isFollowed(r) ? 'Following' : 'Notify me too';
    return mayRequest() ? 'Request' : 'Details';
  };

  return (
    <div class="space-y-6">
      <div>
        <h1 class="text-2xl font-bold tracking-tight text-fg sm:text-3xl">Discover</h1>
        <p class="mt-1 text-sm text-muted">
          Find a movie or show and ask for it through Overseerr as yourself.
        </p>
      </div>

      <form
        onSubmit={(e) => {
          e.preventDefault();
          clearTimeout(debounce);
          const q = text().trim();
          if (q === query()) void run(q);
          else setParams({ q: q || undefined }, { replace: true });
        }}
        class="relative max-w-2xl"
      >
        <label for="discover-search" class="sr-only">
          Search movies and shows
        </label>
        <Search
          size={18}
          aria-hidden="true"
          class="pointer-events-none absolute top-1/2 left-3.5 -translate-y-1/2 text-muted"
        />
        <input
          id="discover-search"
          ref={input}
          type="search"
          autocomplete="off"
          enterkeyhint="search"
          placeholder="Search movies and shows"
          value={text()}
          onInput={(e) => onInput(e.currentTarget.value)}
          class="w-full rounded-xl border border-line bg-surface py-3 pr-14 pl-10 text-base text-fg placeholder:text-muted"
          aria-describedby="discover-hint"
        />
        <kbd
          id="discover-hint"
          class="pointer-events-none absolute top-1/2 right-3 hidden -translate-y-1/2 rounded border border-line px-1.5 text-xs text-muted sm:block"
          aria-label="Press slash to focus search"
        >
          /
        </kbd>
      </form>

      <Show when={!mayRequest()}>
        <p class="rounded-xl bg-raised p-3 text-sm text-muted">
          You can browse, but asking for titles needs the Request permission. Ask an admin of the household.
        </p>
      </Show>

      <Switch>
        <Match when={load().state === 'idle'}>
          <EmptyState icon={<Sparkles size={36} />} title="What would you like to watch?">
            <p>
              Type a title above (press / to jump to the search box). Results show whether it is already on
              Plex or requested.
            </p>
          </EmptyState>
        </Match>
        <Match when={load().state === 'loading'}>
          <div aria-busy="true" class="grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-4 xl:grid-cols-5">
            <span class="sr-only" role="status">
              Searching…
            </span>
            <For each={Array.from({ length: 10 })}>
              {() => (
                <div class="space-y-2">
                  <Skeleton class="aspect-[2/3] rounded-xl" />
                  <Skeleton class="h-4 w-3/4" />
                  <Skeleton class="h-3 w-1/2" />
                </div>
              )}
            </For>
          </div>
        </Match>
        <Match when={notConfigured()}>
          <EmptyState icon={<PlugZap size={36} />} title="Overseerr is not connected">
            <p data-testid="not-configured">
              Requests go through the household's Overseerr.{' '}
              <Show when={hh.can('manage_integrations')} fallback="Ask an admin to connect it.">
                <A href={`${base()}/settings/integrations`} class="font-semibold text-accent underline">
                  Connect Overseerr in the settings
                </A>
                .
              </Show>
            </p>
          </EmptyState>
        </Match>
        <Match when={failed()}>
          {(f) => (
            <ErrorState
              title="Search failed"
              message={describeError(f().error)}
              requestId={(f().error as ApiError).requestId}
              onRetry={() => void run(query())}
            />
          )}
        </Match>
        <Match when={ready() && ready()?.results.length === 0}>
          <EmptyState icon={<SearchX size={36} />} title={`Nothing found for "${ready()?.query}"`}>
            <p>Check the spelling, or try the original title.</p>
          </EmptyState>
        </Match>
        <Match when={ready()}>
          {(r) => (
            <section aria-labelledby="results-title" class="space-y-4">
              <h2 id="results-title" class="text-sm font-medium text-muted" aria-live="polite">
                {r().page.totalResults} result{r().page.totalResults === 1 ? '' : 's'} for "{r().query}"
              </h2>
              <ul
                class="grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-4 xl:grid-cols-5"
                data-testid="results"
              >
                <For each={r().results}>
                  {(item) => (
                    <li
                      class="flex flex-col overflow-hidden rounded-2xl border border-line bg-surface"
                      data-testid="result"
                      data-tmdb-id={item.tmdbId}
                    >
                      <button
                        type="button"
                        class="group text-left"
                        onClick={() => setOpen(item)}
                        aria-label={`${item.title}${item.year ? ` (${item.year})` : ''}, ${item.mediaType === 'tv' ? 'series' : 'movie'}: open`}
                      >
                        <Poster
                          url={item.posterUrl}
                          title={item.title}
                          class="rounded-none transition-opacity group-hover:opacity-90"
                        />
                      </button>
                      <div class="flex flex-1 flex-col gap-2 p-3">
                        <div>
                          <h3 class="line-clamp-2 font-semibold text-fg" data-testid="result-title">
                            {item.title}
                          </h3>
                          <p class="text-xs text-muted">
                            {item.year ?? 'Year unknown'} · {item.mediaType === 'tv' ? 'Series' : 'Movie'}
                          </p>
                        </div>
                        <AvailabilityBadge badge={item.badge} />
                        <Show when={item.overview}>
                          <p class="line-clamp-3 text-xs text-muted">{item.overview}</p>
                        </Show>
                        <div class="mt-auto pt-1">
                          <Button
                            variant={actionLabel(item) === 'Request' ? 'primary' : 'secondary'}
                            class="w-full !px-2"
                            onClick={() => setOpen(item)}
                          >
                            <Show
                              when={
                                actionLabel(item) === 'Notify me too' || actionLabel(item) === 'Following'
                              }
                            >
                              <Bell size={14} aria-hidden="true" />
                            </Show>
                            {actionLabel(item)}
                            <span class="sr-only"> {item.title}</span>
                          </Button>
                        </div>
                      </div>
                    </li>
                  )}
                </For>
              </ul>
              <Show when={r().page.page < r().page.totalPages}>
                <div class="flex justify-center">
                  <Button variant="secondary" onClick={() => void loadMore()} disabled={more()}>
                    <Show when={more()}>
                      <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
                    </Show>
                    {more() ? 'Loading…' : 'Show more'}
                  </Button>
                </div>
              </Show>
            </section>
          )}
        </Match>
      </Switch>

      <RequestDialog
        hid={hh.hid()}
        title={open()}
        canRequest4k={hh.can('request_4k')}
        onClose={() => setOpen(null)}
        onRequested={onRequested}
      />
    </div>
  );
}
