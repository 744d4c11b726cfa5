/**
 * A short list read page by page with "Show more" (collections, a collection's titles): these are
 * small enough not to need the virtualised grid.
 */
import FolderOpen from 'lucide-solid/icons/folder-open';
import { createSignal, For, type JSX, Match, onMount, Show, Switch } from 'solid-js';
import { describeError } from '../../lib/api.ts';
import { showToast } from '../../lib/toast.tsx';
import { Button, EmptyState } from '../states.tsx';
import { PosterCard } from './item-card.tsx';
import type { Item, ItemsPage } from './library-api.ts';
import { LibraryError, PosterGridSkeleton } from './library-states.tsx';

export function MoreGrid(props: {
  hid: string;
  what: string;
  label: string;
  empty: string;
  emptyHint?: JSX.Element;
  pageSize?: number;
  fetchPage(offset: number, limit: number): Promise<ItemsPage>;
}) {
  const size = props.pageSize ?? 60;
  const [items, setItems] = createSignal<Item[]>([]);
  const [total, setTotal] = createSignal<number | undefined>();
  const [error, setError] = createSignal<unknown>();
  const [busy, setBusy] = createSignal(false);
  const load = async (offset: number) => {
    setBusy(true);
    try {
      const page = await props.fetchPage(offset, size);
      setItems((old) => (offset === 0 ? page.items : [...old, ...page.items]));
      setTotal(page.total);
      setError(undefined);
    } catch (err) {
      if (offset === 0) setError(err);
      else showToast({ title: 'Could not load more', description: describeError(err), tone: 'error' });
    } finally {
      setBusy(false);
    }
  };
  onMount(() => void load(0));
  return (
    <Switch>
      <Match when={error() !== undefined}>
        <LibraryError error={error()} what={props.what} onRetry={() => void load(0)} retrying={busy()} />
      </Match>
      <Match when={total() === undefined}>
        <PosterGridSkeleton />
      </Match>
      <Match when={total() === 0}>
        <EmptyState icon={<FolderOpen size={40} />} title={props.empty}>
          {props.emptyHint}
        </EmptyState>
      </Match>
      <Match when={total()}>
        <ul
          aria-label={props.label}
          class="grid grid-cols-[repeat(auto-fill,minmax(6.25rem,1fr))] gap-3 sm:gap-4 sm:grid-cols-[repeat(auto-fill,minmax(10rem,1fr))]"
        >
          <For each={items()}>
            {(it) => (
              <li>
                <PosterCard hid={props.hid} item={it} />
              </li>
            )}
          </For>
        </ul>
        <Show when={items().length < (total() ?? 0)}>
          <Button variant="secondary" disabled={busy()} onClick={() => void load(items().length)}>
            {busy() ? 'Loading…' : `Show more (${(total() ?? 0) - items().length} left)`}
          </Button>
        </Show>
      </Match>
    </Switch>
  );
}
