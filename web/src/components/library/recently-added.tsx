/** The newest titles across the sections I may see, as a row of posters that scrolls sideways. */
import { createSignal, For, Match, onCleanup, onMount, Switch } from 'solid-js';
import { ApiError, describeError } from '../../lib/api.ts';
import { Skeleton } from '../states.tsx';
import { PosterCard } from './item-card.tsx';
import { type Item, libraryApi } from './library-api.ts';

export function RecentlyAdded(props: { hid: string }) {
  const [items, setItems] = createSignal<Item[] | undefined>();
  const [error, setError] = createSignal<unknown>();
  let controller: AbortController | undefined;
  const load = async () => {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    setError(undefined);
    setItems(undefined);
    try {
      const r = await libraryApi.recentlyAdded(props.hid, 20, mine.signal);
      if (controller === mine) setItems(r.items);
    } catch (err) {
      if (controller !== mine || (err instanceof ApiError && err.code === 'aborted')) return;
      setError(err);
    }
  };
  onMount(() => void load());
  onCleanup(() => controller?.abort());

  return (
    <section aria-labelledby="recent-title" class="space-y-3" data-testid="library-recent">
      <h2 id="recent-title" class="text-xl font-semibold tracking-tight text-fg">
        Recently added
      </h2>
      <Switch>
        <Match when={error() !== undefined}>
          <p class="text-sm text-muted">
            {describeError(error())}{' '}
            <button type="button" class="font-semibold text-accent underline" onClick={() => void load()}>
              Try again
            </button>
          </p>
        </Match>
        <Match when={items() === undefined}>
          <div class="flex gap-3 overflow-hidden" aria-hidden="true">
            <For each={Array.from({ length: 8 })}>
              {() => <Skeleton class="aspect-[2/3] w-28 shrink-0 rounded-xl sm:w-36" />}
            </For>
          </div>
        </Match>
        <Match when={items()?.length === 0}>
          <p class="text-sm text-muted">Nothing has been added yet.</p>
        </Match>
        <Match when={items()}>
          {(list) => (
            <ul class="-mx-1 flex snap-x gap-3 overflow-x-auto px-1 pb-2">
              <For each={list()}>
                {(it) => (
                  <li class="w-28 shrink-0 snap-start sm:w-36">
                    <PosterCard hid={props.hid} item={it} />
                  </li>
                )}
              </For>
            </ul>
          )}
        </Match>
      </Switch>
    </section>
  );
}
