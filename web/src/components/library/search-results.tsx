/** Search results grouped by type (movies, shows, episodes, collections …). */
import { For, Show } from 'solid-js';
import { ListRow, PosterCard } from './item-card.tsx';
import type { SearchResult } from './library-api.ts';

export const groupLabel = (type: string, title: string) =>
  ({ movie: 'Movies', show: 'TV shows', season: 'Seasons', episode: 'Episodes', collection: 'Collections' })[
    type
  ] ?? title;

export function SearchGroups(props: { hid: string; result: SearchResult }) {
  return (
    <div class="space-y-8" data-testid="search-results">
      <For each={props.result.groups}>
        {(g) => (
          <section aria-labelledby={`search-group-${g.type}`} class="space-y-3" data-testid="search-group">
            <h2 id={`search-group-${g.type}`} class="text-xl font-semibold tracking-tight text-fg">
              {groupLabel(g.type, g.title)}{' '}
              <span class="text-base font-normal text-muted">({g.items.length})</span>
            </h2>
            <Show
              when={g.type !== 'episode'}
              fallback={
                <ul class="space-y-1">
                  <For each={g.items}>
                    {(it) => (
                      <li class="h-[76px]">
                        <ListRow hid={props.hid} item={it} />
                      </li>
                    )}
                  </For>
                </ul>
              }
            >
              <ul class="grid grid-cols-[repeat(auto-fill,minmax(6.25rem,1fr))] gap-3 sm:gap-4 sm:grid-cols-[repeat(auto-fill,minmax(10rem,1fr))]">
                <For each={g.items}>
                  {(it) => (
                    <li>
                      <PosterCard hid={props.hid} item={it} />
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </section>
        )}
      </For>
    </div>
  );
}
