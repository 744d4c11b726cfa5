import { A, useSearchParams } from '@solidjs/router';
import Search from 'lucide-solid/icons/search';
import SearchX from 'lucide-solid/icons/search-x';
import { createEffect, createSignal, Match, on, onCleanup, Show, Switch } from 'solid-js';
import { libraryApi, links, type SearchResult } from '../../../../components/library/library-api.ts';
import {
  LibraryError,
  PosterGridSkeleton,
  UnavailableNotice,
} from '../../../../components/library/library-states.tsx';
import { SearchGroups } from '../../../../components/library/search-results.tsx';
import { EmptyState } from '../../../../components/states.tsx';
import { ApiError } from '../../../../lib/api.ts';
import { useHousehold } from '../../../../lib/household-context.ts';
import { usePageTitle } from '../../../../lib/title.ts';

type Load =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'ready'; result: SearchResult }
  | { state: 'error'; error: unknown };

export default function LibrarySearch() {
  const hh = useHousehold();
  const [params, setParams] = useSearchParams();
  const q = () => (Array.isArray(params.q) ? params.q[0] : params.q)?.trim() ?? '';
  usePageTitle(() => (q() ? `${q()} · Search` : 'Search'));
  const [load, setLoad] = createSignal<Load>({ state: 'idle' });
  let controller: AbortController | undefined;
  const run = async () => {
    controller?.abort();
    if (!q()) {
      setLoad({ state: 'idle' });
      return;
    }
    const mine = new AbortController();
    controller = mine;
    setLoad({ state: 'loading' });
    try {
      const result = await libraryApi.search(hh.hid(), q(), 20, mine.signal);
      if (controller === mine) setLoad({ state: 'ready', result });
    } catch (error) {
      if (controller !== mine || (error instanceof ApiError && error.code === 'aborted')) return;
      setLoad({ state: 'error', error });
    }
  };
  createEffect(on([q, () => hh.hid()], () => void run()));
  onCleanup(() => controller?.abort());
  let input!: HTMLInputElement;
  const ready = () => {
    const l = load();
    return l.state === 'ready' ? l.result : undefined;
  };
  const failed = () => {
    const l = load();
    return l.state === 'error' ? l : undefined;
  };

  return (
    <div class="space-y-6">
      <nav aria-label="Breadcrumb" class="text-sm text-muted">
        <A href={links.library(hh.hid())} class="hover:text-fg">
          Library
        </A>{' '}
        / <span class="text-fg">Search</span>
      </nav>
      <h1 class="text-2xl font-bold tracking-tight text-fg sm:text-3xl">Search the library</h1>
      <form
        aria-label="Search"
        class="flex max-w-xl gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          setParams({ q: input.value.trim() || undefined });
        }}
      >
        <label for="library-search-page" class="sr-only">
          Title, show or collection
        </label>
        <input
          ref={input}
          id="library-search-page"
          type="search"
          value={q()}
          maxLength={200}
          placeholder="Title, show or collection"
          class="h-11 min-w-0 flex-1 rounded-lg border border-line bg-surface px-3 text-fg placeholder:text-muted focus-visible:outline-2"
        />
        <button
          type="submit"
          class="inline-flex h-11 items-center gap-2 rounded-lg bg-accent px-4 text-sm font-semibold text-accent-fg hover:brightness-110"
        >
          <Search size={16} aria-hidden="true" />
          Search
        </button>
      </form>
      <Switch>
        <Match when={load().state === 'idle'}>
          <p class="text-sm text-muted">Type a title and press Enter. Press / anywhere to jump to search.</p>
        </Match>
        <Match when={load().state === 'loading'}>
          <PosterGridSkeleton count={6} label={`Searching for ${q()}…`} />
        </Match>
        <Match when={failed()}>
          {(f) => <LibraryError error={f().error} what="search" onRetry={() => void run()} />}
        </Match>
        <Match when={ready()}>
          {(r) => (
            <>
              <UnavailableNotice unavailable={r().unavailable} onRetry={() => void run()} />
              <Show
                when={r().groups.length > 0}
                fallback={
                  <EmptyState icon={<SearchX size={40} />} title={`Nothing in your library matches “${q()}”`}>
                    <p>Check the spelling, or try part of the title.</p>
                  </EmptyState>
                }
              >
                <SearchGroups hid={hh.hid()} result={r()} />
              </Show>
            </>
          )}
        </Match>
      </Switch>
    </div>
  );
}
