/** One library item as a poster card (grid) or a row (list), and their loading placeholders. */
import { A } from '@solidjs/router';
import Check from 'lucide-solid/icons/check';
import Star from 'lucide-solid/icons/star';
import { Show } from 'solid-js';
import { Skeleton } from '../states.tsx';
import { formatDuration, type Item, itemHref, subtitleOf } from './library-api.ts';
import { Poster } from './poster.tsx';

function Watched(props: { item: Item }) {
  return (
    <Show when={props.item.watched}>
      <span
        class="absolute top-2 right-2 flex size-6 items-center justify-center rounded-full bg-ok text-canvas shadow"
        title="Watched"
        aria-hidden="true"
      >
        <Check size={14} />
      </span>
      <span class="sr-only">, watched</span>
    </Show>
  );
}

function Progress(props: { item: Item }) {
  return (
    <Show when={props.item.progress !== null && !props.item.watched && (props.item.progress ?? 0) > 0}>
      <div class="absolute inset-x-0 bottom-0 h-1 bg-canvas/70" aria-hidden="true">
        <div class="h-full bg-accent" style={{ width: `${Math.round((props.item.progress ?? 0) * 100)}%` }} />
      </div>
    </Show>
  );
}

export function PosterCard(props: { hid: string; item: Item; eager?: boolean }) {
  const sub = () => subtitleOf(props.item);
  return (
    <A
      href={itemHref(props.hid, props.item)}
      class="group block rounded-xl focus-visible:outline-2 focus-visible:outline-offset-2"
      data-testid="library-card"
    >
      <div class="relative overflow-hidden rounded-xl shadow-sm ring-1 ring-line transition group-hover:ring-accent">
        <Poster
          hid={props.hid}
          serverId={props.item.serverId}
          path={props.item.thumb}
          type={props.item.type}
        />
        <Watched item={props.item} />
        <Progress item={props.item} />
      </div>
      <p class="mt-2 truncate text-sm font-semibold text-fg" title={props.item.title}>
        {props.item.title}
      </p>
      <p class="truncate text-xs text-muted">{sub() || '\u00a0'}</p>
    </A>
  );
}

export function PosterCardSkeleton() {
  return (
    <div aria-hidden="true">
      <Skeleton class="aspect-[2/3] w-full rounded-xl" />
      <Skeleton class="mt-2 h-4 w-3/4" />
      <Skeleton class="mt-1 h-3 w-1/3" />
    </div>
  );
}

export function ListRow(props: { hid: string; item: Item }) {
  const i = () => props.item;
  return (
    <A
      href={itemHref(props.hid, i())}
      class="flex h-full items-center gap-3 rounded-xl px-2 transition-colors hover:bg-raised"
      data-testid="library-row"
    >
      <div class="relative w-10 shrink-0 overflow-hidden rounded-md">
        <Poster hid={props.hid} serverId={i().serverId} path={i().thumb} type={i().type} size="small" />
      </div>
      <div class="min-w-0 flex-1">
        <p class="truncate font-semibold text-fg">{i().title}</p>
        <p class="truncate text-sm text-muted">
          {[subtitleOf(i()), i().contentRating, formatDuration(i().duration)].filter(Boolean).join(' · ')}
        </p>
      </div>
      <Show when={i().rating !== null}>
        <span class="hidden items-center gap-1 text-sm text-muted sm:flex">
          <Star size={14} aria-hidden="true" />
          <span>
            <span class="sr-only">Rating </span>
            {i().rating?.toFixed(1)}
          </span>
        </span>
      </Show>
      <Show when={i().watched}>
        <span class="rounded-full bg-ok-soft px-2 py-0.5 text-xs font-semibold text-fg">Watched</span>
      </Show>
    </A>
  );
}

export function ListRowSkeleton() {
  return (
    <div class="flex h-full items-center gap-3 px-2" aria-hidden="true">
      <Skeleton class="h-15 w-10 rounded-md" />
      <div class="flex-1 space-y-2">
        <Skeleton class="h-4 w-1/2" />
        <Skeleton class="h-3 w-1/4" />
      </div>
    </div>
  );
}
