import { A, useParams, useSearchParams } from '@solidjs/router';
import ArrowDownUp from 'lucide-solid/icons/arrow-down-up';
import FunnelX from 'lucide-solid/icons/funnel-x';
import LayoutGrid from 'lucide-solid/icons/layout-grid';
import List from 'lucide-solid/icons/list';
import PackageOpen from 'lucide-solid/icons/package-open';
import RotateCw from 'lucide-solid/icons/rotate-cw';
import SlidersHorizontal from 'lucide-solid/icons/sliders-horizontal';
import {
  createEffect,
  createMemo,
  createSignal,
  For,
  type JSX,
  Match,
  on,
  onCleanup,
  Show,
  Switch,
} from 'solid-js';
import {
  ListRow,
  ListRowSkeleton,
  PosterCard,
  PosterCardSkeleton,
} from '../../../../../../../components/library/item-card.tsx';
import {
  type Item,
  type ItemsQuery,
  libraryApi,
  links,
  type Sort,
} from '../../../../../../../components/library/library-api.ts';
import { LibraryError, PosterGridSkeleton } from '../../../../../../../components/library/library-states.tsx';
import { createPaged } from '../../../../../../../components/library/paged.ts';
import {
  createSectionFilters,
  isGenre,
  unlistedGenre,
} from '../../../../../../../components/library/section-filters.ts';
import { SectionTabs } from '../../../../../../../components/library/section-tabs.tsx';
import { createSections } from '../../../../../../../components/library/sections.ts';
import { VirtualGrid } from '../../../../../../../components/library/virtual-grid.tsx';
import { Button, EmptyState, ErrorState } from '../../../../../../../components/states.tsx';
import { ApiError, describeError } from '../../../../../../../lib/api.ts';
import { useHousehold } from '../../../../../../../lib/household-context.ts';
import { usePageTitle } from '../../../../../../../lib/title.ts';

/** Items per request: the API's default page, about two screens of posters. */
export const PAGE_SIZE = 60;

const SORTS: { value: Sort; label: string }[] = [
  { value: 'title', label: 'Title' },
  { value: 'year', label: 'Year' },
  { value: 'added', label: 'Date added' },
  { value: 'rating', label: 'Rating' },
];
/** The server's order when none is given (packages/core/src/library/browse.ts). */
const DEFAULT_ORDER: Record<Sort, 'asc' | 'desc'> = {
  title: 'asc',
  year: 'desc',
  added: 'desc',
  rating: 'desc',
};
const SHOW_TYPES = [
  { value: 'show', label: 'Shows' },
  { value: 'season', label: 'Seasons' },
  { value: 'episode', label: 'Episodes' },
];

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

function Field(props: { label: string; id: string; children: JSX.Element }) {
  return (
    <div class="flex min-w-0 flex-col gap-1">
      <label for={props.id} class="text-xs font-medium text-muted">
        {props.label}
      </label>
      {props.children}
    </div>
  );
}

const control =
  'h-10 rounded-lg border border-line bg-surface px-3 text-sm text-fg focus-visible:outline-2 focus-visible:outline-offset-1';

export default function SectionPage() {
  const hh = useHousehold();
  const params = useParams<{ serverId: string; sectionKey: string }>();
  const [search, setSearch] = useSearchParams();
  const sections = createSections(() => hh.hid());
  createEffect(
    on(
      () => hh.hid(),
      () => void sections.load(),
    ),
  );

  const section = () => {
    const s = sections.state();
    return s.state === 'ready'
      ? s.sections.find((x) => x.serverId === params.serverId && x.key === params.sectionKey)
      : undefined;
  };
  usePageTitle(() => section()?.title ?? 'Library');
  // The genres and years this section's items have, for the filter controls.
  const choices = createSectionFilters(() => {
    const s = section();
    return s ? { hid: hh.hid(), serverId: s.serverId, key: s.key } : undefined;
  });
  const genres = () => {
    const c = choices.state();
    return c.state === 'ready' ? c.filters.genres : [];
  };
  const years = () => {
    const c = choices.state();
    return c.state === 'ready' ? c.filters.years : [];
  };
  const extraGenre = () => unlistedGenre(genres(), query().genre);

  const sort = (): Sort => {
    const v = one(search.sort);
    return SORTS.some((s) => s.value === v) ? (v as Sort) : 'title';
  };
  const order = (): 'asc' | 'desc' | undefined => {
    const v = one(search.order);
    return v === 'asc' || v === 'desc' ? v : undefined;
  };
  const view = (): 'grid' | 'list' => (one(search.view) === 'list' ? 'list' : 'grid');
  const query = createMemo((): ItemsQuery => {
    const year = Number(one(search.year));
    const unwatched = one(search.unwatched);
    return {
      sort: sort(),
      order: order(),
      genre: one(search.genre) || undefined,
      year: Number.isInteger(year) && year >= 1800 && year <= 2200 ? year : undefined,
      unwatched: unwatched === 'true' ? true : unwatched === 'false' ? false : undefined,
      type: SHOW_TYPES.some((t) => t.value === one(search.type)) ? one(search.type) : undefined,
    };
  });
  const filtered = () => {
    const q = query();
    return q.genre !== undefined || q.year !== undefined || q.unwatched !== undefined || q.type !== undefined;
  };
  const set = (patch: Record<string, string | undefined>) => setSearch(patch, { replace: true });
  const [filtersOpen, setFiltersOpen] = createSignal(false);

  // One source per server, section and query: a new query starts again from the top.
  const key = createMemo(() => JSON.stringify([hh.hid(), params.serverId, params.sectionKey, query()]));

  return (
    <div class="space-y-5">
      <nav aria-label="Breadcrumb" class="text-sm text-muted">
        <A href={links.library(hh.hid())} class="hover:text-fg">
          Library
        </A>{' '}
        / <span class="text-fg">{section()?.title ?? '…'}</span>
      </nav>
      <Switch>
        <Match when={sections.state().state === 'loading'}>
          <PosterGridSkeleton label="Loading the section…" />
        </Match>
        <Match
          when={(() => {
            const s = sections.state();
            return s.state === 'error' ? s : undefined;
          })()}
        >
          {(s) => <LibraryError error={s().error} what="section" onRetry={() => void sections.load(true)} />}
        </Match>
        <Match when={!section()}>
          <LibraryError
            error={
              new ApiError({ status: 404, code: 'library.not_found', message: 'No such library section' })
            }
            what="section"
            onRetry={() => void sections.load(true)}
          />
        </Match>
        <Match when={section()}>
          {(sec) => (
            <>
              <div class="flex flex-wrap items-end justify-between gap-3">
                <div>
                  <h1 class="text-2xl font-bold tracking-tight text-fg sm:text-3xl">{sec().title}</h1>
                  <p class="text-sm text-muted">{sec().serverName}</p>
                </div>
                <SectionTabs
                  hid={hh.hid()}
                  serverId={sec().serverId}
                  sectionKey={sec().key}
                  current="items"
                />
              </div>
              {/* Phones: the controls fold away behind one button, so the posters start on screen. */}
              <Button
                variant="secondary"
                class="sm:hidden"
                aria-expanded={filtersOpen()}
                aria-controls="lib-filters"
                onClick={() => setFiltersOpen((v) => !v)}
              >
                <SlidersHorizontal size={16} aria-hidden="true" />
                Sort and filter{filtered() ? ' (filtered)' : ''}
              </Button>
              <form
                id="lib-filters"
                class="flex-wrap items-end gap-3 sm:flex"
                classList={{ flex: filtersOpen(), hidden: !filtersOpen() }}
                aria-label="Sort and filter"
                onSubmit={(e) => e.preventDefault()}
              >
                <Field label="Sort by" id="lib-sort">
                  <div class="flex">
                    <select
                      id="lib-sort"
                      class={`${control} rounded-r-none`}
                      value={sort()}
                      onChange={(e) => set({ sort: e.currentTarget.value, order: undefined })}
                    >
                      <For each={SORTS}>{(s) => <option value={s.value}>{s.label}</option>}</For>
                    </select>
                    <button
                      type="button"
                      class={`${control} -ml-px flex items-center gap-1 rounded-l-none hover:bg-raised`}
                      title="Reverse the order"
                      onClick={() =>
                        set({ order: (order() ?? DEFAULT_ORDER[sort()]) === 'asc' ? 'desc' : 'asc' })
                      }
                    >
                      <ArrowDownUp size={16} aria-hidden="true" />
                      <span class="text-xs">
                        <span class="sr-only">Order: </span>
                        {(order() ?? DEFAULT_ORDER[sort()]) === 'asc' ? 'Ascending' : 'Descending'}
                      </span>
                    </button>
                  </div>
                </Field>
                <Field label="Genre" id="lib-genre">
                  <div class="flex items-center gap-1">
                    <select
                      id="lib-genre"
                      class={`${control} max-w-52`}
                      value={query().genre ?? ''}
                      disabled={choices.state().state !== 'ready' && query().genre === undefined}
                      aria-busy={choices.state().state === 'loading'}
                      aria-describedby={choices.state().state === 'error' ? 'lib-genre-error' : undefined}
                      onChange={(e) => set({ genre: e.currentTarget.value || undefined })}
                    >
                      <Switch>
                        <Match when={choices.state().state === 'loading' && query().genre === undefined}>
                          <option value="">Loading genres…</option>
                        </Match>
                        <Match when={choices.state().state === 'error' && query().genre === undefined}>
                          <option value="">Genres unavailable</option>
                        </Match>
                        <Match
                          when={
                            choices.state().state === 'ready' &&
                            genres().length === 0 &&
                            query().genre === undefined
                          }
                        >
                          <option value="">No genres in this library</option>
                        </Match>
                        <Match when={true}>
                          <option value="">Any genre</option>
                        </Match>
                      </Switch>
                      {/* `selected` per option: the list arrives after the select, so its value alone would not stick. */}
                      <Show when={extraGenre()}>
                        {(g) => (
                          <option value={g()} selected>
                            {choices.state().state === 'loading' ? 'Loading…' : g()}
                          </option>
                        )}
                      </Show>
                      <For each={genres()}>
                        {(g) => (
                          <option value={g.key} selected={isGenre(g, query().genre)}>
                            {g.title}
                          </option>
                        )}
                      </For>
                    </select>
                    <Show when={choices.state().state === 'error'}>
                      <span id="lib-genre-error" class="sr-only">
                        The genres of this library could not be loaded.
                      </span>
                      <button
                        type="button"
                        class={`${control} flex items-center gap-1 px-2 text-xs hover:bg-raised`}
                        title="The genres of this library could not be loaded"
                        onClick={() => choices.retry()}
                      >
                        <RotateCw size={14} aria-hidden="true" />
                        Retry
                      </button>
                    </Show>
                  </div>
                </Field>
                <Field label="Year" id="lib-year">
                  <Show
                    when={years().length > 0}
                    fallback={
                      <input
                        id="lib-year"
                        type="number"
                        inputmode="numeric"
                        min="1800"
                        max="2200"
                        placeholder="Any"
                        class={`${control} w-24`}
                        value={query().year ?? ''}
                        onChange={(e) => set({ year: e.currentTarget.value || undefined })}
                      />
                    }
                  >
                    <select
                      id="lib-year"
                      class={control}
                      value={query().year ?? ''}
                      onChange={(e) => set({ year: e.currentTarget.value || undefined })}
                    >
                      <option value="">Any year</option>
                      <Show when={query().year !== undefined && !years().includes(query().year as number)}>
                        <option value={query().year} selected>
                          {query().year}
                        </option>
                      </Show>
                      <For each={years()}>
                        {(y) => (
                          <option value={y} selected={y === query().year}>
                            {y}
                          </option>
                        )}
                      </For>
                    </select>
                  </Show>
                </Field>
                <Field label="Watched" id="lib-watched">
                  <select
                    id="lib-watched"
                    class={control}
                    value={one(search.unwatched) ?? ''}
                    onChange={(e) => set({ unwatched: e.currentTarget.value || undefined })}
                  >
                    <option value="">All</option>
                    <option value="true">Unwatched</option>
                    <option value="false">Watched</option>
                  </select>
                </Field>
                <Show when={sec().type === 'show'}>
                  <Field label="Type" id="lib-type">
                    <select
                      id="lib-type"
                      class={control}
                      value={query().type ?? ''}
                      onChange={(e) => set({ type: e.currentTarget.value || undefined })}
                    >
                      <option value="">Shows</option>
                      <For each={SHOW_TYPES.slice(1)}>
                        {(t) => <option value={t.value}>{t.label}</option>}
                      </For>
                    </select>
                  </Field>
                </Show>
                <Show when={filtered()}>
                  <Button
                    variant="ghost"
                    class="h-10"
                    onClick={() =>
                      set({ genre: undefined, year: undefined, unwatched: undefined, type: undefined })
                    }
                  >
                    <FunnelX size={16} aria-hidden="true" />
                    Clear filters
                  </Button>
                </Show>
                <fieldset class="ml-auto flex rounded-lg border border-line p-0.5">
                  <legend class="sr-only">View</legend>
                  <button
                    type="button"
                    aria-pressed={view() === 'grid'}
                    class="flex h-9 items-center gap-1.5 rounded-md px-3 text-sm text-muted aria-pressed:bg-accent-soft aria-pressed:text-fg"
                    onClick={() => set({ view: undefined })}
                  >
                    <LayoutGrid size={16} aria-hidden="true" />
                    Grid
                  </button>
                  <button
                    type="button"
                    aria-pressed={view() === 'list'}
                    class="flex h-9 items-center gap-1.5 rounded-md px-3 text-sm text-muted aria-pressed:bg-accent-soft aria-pressed:text-fg"
                    onClick={() => set({ view: 'list' })}
                  >
                    <List size={16} aria-hidden="true" />
                    List
                  </button>
                </fieldset>
              </form>
              <Show when={key()} keyed>
                {(_) => (
                  <SectionItems
                    hid={hh.hid()}
                    serverId={sec().serverId}
                    sectionKey={sec().key}
                    title={sec().title}
                    query={query()}
                    view={view()}
                    filtered={filtered()}
                    onClear={() =>
                      set({ genre: undefined, year: undefined, unwatched: undefined, type: undefined })
                    }
                  />
                )}
              </Show>
            </>
          )}
        </Match>
      </Switch>
    </div>
  );
}

function SectionItems(props: {
  hid: string;
  serverId: string;
  sectionKey: string;
  title: string;
  query: ItemsQuery;
  view: 'grid' | 'list';
  filtered: boolean;
  onClear: () => void;
}) {
  // Fixed for this component's life: a new query mounts a new one (keyed above).
  const { hid, serverId, sectionKey, query } = props;
  const paged = createPaged<Item>({
    pageSize: PAGE_SIZE,
    fetchPage: (offset, limit, signal) =>
      libraryApi.items(hid, serverId, sectionKey, query, offset, limit, signal),
  });
  paged.setWindow(0, PAGE_SIZE - 1);
  onCleanup(() => paged.dispose());
  const total = () => paged.total();

  return (
    <Switch>
      <Match when={total() === undefined && paged.error() !== undefined}>
        <LibraryError error={paged.error()} what="section" onRetry={() => paged.retry()} />
      </Match>
      <Match when={total() === undefined}>
        <PosterGridSkeleton label={`Loading ${props.title}…`} />
      </Match>
      <Match when={total() === 0}>
        <Show
          when={props.filtered}
          fallback={
            <EmptyState icon={<PackageOpen size={40} />} title={`${props.title} is empty`}>
              <p>
                Nothing has been added to this library in Plex yet. New titles appear here once Plex has
                scanned them.
              </p>
            </EmptyState>
          }
        >
          <EmptyState icon={<PackageOpen size={40} />} title="Nothing matches these filters">
            <Button variant="secondary" class="mt-2" onClick={props.onClear}>
              Clear filters
            </Button>
          </EmptyState>
        </Show>
      </Match>
      <Match when={total()}>
        <p class="text-sm text-muted" data-testid="library-total" aria-live="polite">
          {total()?.toLocaleString('en')} {total() === 1 ? 'item' : 'items'}
        </p>
        <VirtualGrid
          source={paged}
          view={props.view}
          label={props.title}
          item={(it) =>
            props.view === 'list' ? <ListRow hid={hid} item={it} /> : <PosterCard hid={hid} item={it} />
          }
          placeholder={() => (props.view === 'list' ? <ListRowSkeleton /> : <PosterCardSkeleton />)}
        />
        <Show when={paged.error()}>
          <div class="fixed inset-x-4 bottom-24 z-40 md:inset-x-auto md:right-8 md:bottom-8 md:max-w-md">
            <ErrorState
              title="More titles could not be loaded"
              message={describeError(paged.error())}
              onRetry={() => paged.retry()}
            />
          </div>
        </Show>
      </Match>
    </Switch>
  );
}
