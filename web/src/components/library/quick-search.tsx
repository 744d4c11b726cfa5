/**
 * The shell's quick search: `/` anywhere (outside a text field) focuses it; typing searches the
 * current household's library after a short pause and lists the first hits by type; Enter opens
 * the full search page. Hidden without a household (nothing to search). On phones it is a link to
 * the search page, where the header has no room for a field.
 */
import { A, useLocation, useNavigate } from '@solidjs/router';
import Search from 'lucide-solid/icons/search';
import { createEffect, createSignal, For, on, onCleanup, onMount, Show } from 'solid-js';
import { describeError } from '../../lib/api.ts';
import { currentHousehold, meState } from '../../lib/session.ts';
import { itemHref, libraryApi, links, type SearchResult, subtitleOf } from './library-api.ts';
import { groupLabel } from './search-results.tsx';

const DEBOUNCE_MS = 250;

const editable = (el: EventTarget | null) => {
  if (!(el instanceof HTMLElement)) return false;
  return el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
};

export function QuickSearch() {
  const navigate = useNavigate();
  const location = useLocation();
  const hid = () => (meState().state === 'signed_in' ? currentHousehold()?.id : undefined);
  const [text, setText] = createSignal('');
  const [open, setOpen] = createSignal(false);
  const [result, setResult] = createSignal<SearchResult | undefined>();
  const [error, setError] = createSignal<string | undefined>();
  const [busy, setBusy] = createSignal(false);
  let input: HTMLInputElement | undefined;
  let panel: HTMLDivElement | undefined;
  let root: HTMLDivElement | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let controller: AbortController | undefined;

  const search = (q: string) => {
    clearTimeout(timer);
    controller?.abort();
    const h = hid();
    if (!q.trim() || !h) {
      setResult(undefined);
      setError(undefined);
      setBusy(false);
      return;
    }
    setBusy(true);
    timer = setTimeout(async () => {
      const mine = new AbortController();
      controller = mine;
      try {
        const r = await libraryApi.search(h, q.trim(), 5, mine.signal);
        if (controller !== mine) return;
        setResult(r);
        setError(undefined);
      } catch (err) {
        if (controller !== mine) return;
        setResult(undefined);
        setError(describeError(err));
      } finally {
        if (controller === mine) setBusy(false);
      }
    }, DEBOUNCE_MS);
  };

  onMount(() => {
    // A page's own search box wins: a page that handles "/" itself (Discover) marks the key with
    // preventDefault before it reaches this document listener.
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || editable(e.target))
        return;
      if (!input || input.offsetParent === null) return;
      e.preventDefault();
      input.focus();
      input.select();
    };
    document.addEventListener('keydown', onKey);
    onCleanup(() => document.removeEventListener('keydown', onKey));
  });
  onCleanup(() => {
    clearTimeout(timer);
    controller?.abort();
  });
  // Leaving the page (a result was opened) closes the panel.
  createEffect(
    on(
      () => location.pathname,
      () => setOpen(false),
      { defer: true },
    ),
  );

  const count = () => result()?.groups.reduce((n, g) => n + g.items.length, 0) ?? 0;
  const links_ = () => [...(panel?.querySelectorAll<HTMLAnchorElement>('a') ?? [])];
  const move = (delta: number) => {
    const all = links_();
    if (all.length === 0) return;
    const at = all.indexOf(document.activeElement as HTMLAnchorElement);
    const next = at === -1 ? (delta > 0 ? 0 : all.length - 1) : at + delta;
    if (next < 0) input?.focus();
    else all[Math.min(next, all.length - 1)]?.focus();
  };

  return (
    <Show when={hid()}>
      {(h) => (
        <>
          <A
            href={links.search(h())}
            class="flex size-10 items-center justify-center rounded-lg text-muted hover:bg-raised hover:text-fg md:hidden"
            aria-label="Search the library"
          >
            <Search size={20} aria-hidden="true" />
          </A>
          {/* biome-ignore lint/a11y/noStaticElementInteractions: keys and focus delegated from the field and the result links inside */}
          <div
            ref={root}
            class="relative hidden md:block md:w-56 lg:w-80"
            onFocusOut={(e) => {
              if (!root?.contains(e.relatedTarget as Node | null)) setOpen(false);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                setOpen(false);
                input?.focus();
              } else if (e.key === 'ArrowDown') {
                e.preventDefault();
                setOpen(true);
                move(1);
              } else if (e.key === 'ArrowUp') {
                e.preventDefault();
                move(-1);
              }
            }}
          >
            <form
              aria-label="Library search"
              onSubmit={(e) => {
                e.preventDefault();
                const q = text().trim();
                if (!q) return;
                setOpen(false);
                navigate(links.search(h(), q));
              }}
            >
              <Search
                size={16}
                class="pointer-events-none absolute top-1/2 left-3 -translate-y-1/2 text-muted"
                aria-hidden="true"
              />
              <input
                ref={input}
                type="search"
                data-testid="quick-search"
                aria-label="Search the library"
                aria-keyshortcuts="/"
                autocomplete="off"
                maxLength={200}
                placeholder="Search the library"
                class="h-10 w-full rounded-lg border border-line bg-surface pr-10 pl-9 text-sm text-fg placeholder:text-muted focus-visible:outline-2"
                value={text()}
                onInput={(e) => {
                  setText(e.currentTarget.value);
                  setOpen(true);
                  search(e.currentTarget.value);
                }}
                onFocus={() => setOpen(true)}
              />
              <kbd class="pointer-events-none absolute top-1/2 right-3 -translate-y-1/2 rounded border border-line px-1.5 text-xs text-muted">
                /
              </kbd>
            </form>
            <Show when={open() && text().trim() !== ''}>
              <div
                ref={panel}
                id="quick-search-panel"
                data-testid="quick-search-panel"
                class="absolute inset-x-0 top-12 z-50 max-h-[70vh] overflow-y-auto rounded-xl border border-line bg-surface p-2 shadow-xl"
              >
                <p class="sr-only" role="status">
                  {busy() ? 'Searching…' : error() ? error() : `${count()} results`}
                </p>
                <Show when={error()}>
                  <p class="px-2 py-3 text-sm text-bad">{error()}</p>
                </Show>
                <Show when={busy() && !result()}>
                  <p class="px-2 py-3 text-sm text-muted">Searching…</p>
                </Show>
                <Show when={result()}>
                  {(r) => (
                    <>
                      <Show when={r().groups.length === 0 && !busy()}>
                        <p class="px-2 py-3 text-sm text-muted">Nothing in your library matches.</p>
                      </Show>
                      <For each={r().groups}>
                        {(g) => (
                          <div class="py-1">
                            <p class="px-2 pt-1 pb-1 text-xs font-semibold tracking-wide text-muted uppercase">
                              {groupLabel(g.type, g.title)}
                            </p>
                            <ul>
                              <For each={g.items}>
                                {(it) => (
                                  <li>
                                    <A
                                      href={itemHref(h(), it)}
                                      class="block rounded-lg px-2 py-1.5 text-sm hover:bg-raised focus-visible:bg-raised"
                                    >
                                      <span class="block truncate font-medium text-fg">{it.title}</span>
                                      <Show when={subtitleOf(it)}>
                                        <span class="block truncate text-xs text-muted">
                                          {subtitleOf(it)}
                                        </span>
                                      </Show>
                                    </A>
                                  </li>
                                )}
                              </For>
                            </ul>
                          </div>
                        )}
                      </For>
                    </>
                  )}
                </Show>
                <A
                  href={links.search(h(), text().trim())}
                  class="mt-1 block rounded-lg px-2 py-2 text-sm font-semibold text-accent hover:bg-raised focus-visible:bg-raised"
                >
                  All results for “{text().trim()}”
                </A>
              </div>
            </Show>
          </div>
        </>
      )}
    </Show>
  );
}
