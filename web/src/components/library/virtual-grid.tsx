/**
 * A virtualised poster grid (or list) over a `Paged` source, scrolled with the window: only the
 * rows on screen (plus a little overscan) exist in the DOM, and they tell the source which items
 * are in view, so it fetches exactly those pages. Columns follow the container's width.
 */
import { createWindowVirtualizer } from '@tanstack/solid-virtual';
import {
  createEffect,
  createMemo,
  createSignal,
  For,
  type JSX,
  on,
  onCleanup,
  onMount,
  Show,
} from 'solid-js';
import type { Paged } from './paged.ts';

const GAP = 16;

export function VirtualGrid<T>(props: {
  source: Paged<T>;
  view: 'grid' | 'list';
  /** Accessible name of the list, e.g. "Movies". */
  label: string;
  item: (item: T, index: number) => JSX.Element;
  placeholder: (index: number) => JSX.Element;
}) {
  let container!: HTMLDivElement;
  const [width, setWidth] = createSignal(0);
  const [margin, setMargin] = createSignal(0);
  const total = () => props.source.total() ?? 0;
  const minCard = () => (width() < 520 ? 100 : 160);
  const cols = createMemo(() =>
    props.view === 'list' ? 1 : Math.max(2, Math.floor((width() + GAP) / (minCard() + GAP))),
  );
  const cardWidth = () => (width() - GAP * (cols() - 1)) / cols();
  // Poster (2:3) plus two lines of text, plus the gap; list rows are fixed.
  const rowHeight = createMemo(() => (props.view === 'list' ? 76 : Math.round(cardWidth() * 1.5 + 52 + GAP)));
  const rows = () => Math.ceil(total() / cols());

  const measure = () => {
    if (!container) return;
    setWidth(container.clientWidth);
    setMargin(container.getBoundingClientRect().top + window.scrollY);
  };
  onMount(() => {
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(container);
    onCleanup(() => ro.disconnect());
  });

  const virtualizer = createWindowVirtualizer({
    get count() {
      return rows();
    },
    estimateSize: () => rowHeight(),
    overscan: 2,
    get scrollMargin() {
      return margin();
    },
  });
  createEffect(on([rowHeight, cols], () => virtualizer.measure(), { defer: true }));

  // The rows in view decide which items the source fetches.
  createEffect(() => {
    const vis = virtualizer.getVirtualItems();
    const c = cols();
    const first = vis[0];
    const last = vis[vis.length - 1];
    if (!first || !last) {
      props.source.setWindow(0, c * 4 - 1);
      return;
    }
    props.source.setWindow(first.index * c, (last.index + 1) * c - 1);
  });

  const cellsOf = (row: number) => {
    const c = cols();
    const start = row * c;
    return Array.from({ length: Math.max(0, Math.min(c, total() - start)) }, (_, k) => start + k);
  };

  return (
    // biome-ignore lint/a11y/useSemanticElements: virtualised rows need positioned wrappers between the list and its items
    <div ref={container} role="list" aria-label={props.label}>
      <div
        role="presentation"
        style={{ height: `${virtualizer.getTotalSize()}px`, position: 'relative', width: '100%' }}
      >
        <For each={virtualizer.getVirtualItems()}>
          {(row) => (
            <div
              role="presentation"
              data-index={row.index}
              style={{
                position: 'absolute',
                top: '0',
                left: '0',
                width: '100%',
                height: `${row.size}px`,
                transform: `translateY(${row.start - margin()}px)`,
                display: 'grid',
                'grid-template-columns': `repeat(${cols()}, minmax(0, 1fr))`,
                'column-gap': `${GAP}px`,
                'padding-bottom': props.view === 'list' ? '4px' : `${GAP}px`,
              }}
            >
              <For each={cellsOf(row.index)}>
                {(index) => (
                  // biome-ignore lint/a11y/useSemanticElements: see the list above
                  <div role="listitem" aria-setsize={total()} aria-posinset={index + 1} class="min-w-0">
                    <Show when={props.source.get(index)} fallback={props.placeholder(index)}>
                      {(it) => props.item(it(), index)}
                    </Show>
                  </div>
                )}
              </For>
            </div>
          )}
        </For>
      </div>
    </div>
  );
}
