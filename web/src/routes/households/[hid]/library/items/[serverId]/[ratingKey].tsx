import { A, useParams } from '@solidjs/router';
import ExternalLink from 'lucide-solid/icons/external-link';
import Star from 'lucide-solid/icons/star';
import { createEffect, createSignal, For, Match, on, onCleanup, Show, Switch } from 'solid-js';
import { ListRow, PosterCard } from '../../../../../../components/library/item-card.tsx';
import {
  type Detail,
  formatDuration,
  type Item,
  libraryApi,
  links,
  type Media,
} from '../../../../../../components/library/library-api.ts';
import { LibraryError } from '../../../../../../components/library/library-states.tsx';
import { Poster } from '../../../../../../components/library/poster.tsx';
import { createSections } from '../../../../../../components/library/sections.ts';
import { Button, Skeleton } from '../../../../../../components/states.tsx';
import { ApiError, describeError } from '../../../../../../lib/api.ts';
import { useHousehold } from '../../../../../../lib/household-context.ts';
import { usePageTitle } from '../../../../../../lib/title.ts';
import { showToast } from '../../../../../../lib/toast.tsx';

type Load = { state: 'loading' } | { state: 'ready'; item: Detail } | { state: 'error'; error: unknown };

const CHILD_PAGE = 100;

function formatSize(bytes: number | null): string {
  if (bytes === null) return '';
  const gb = bytes / 1024 ** 3;
  return gb >= 1 ? `${gb.toFixed(1)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`;
}

function MediaTable(props: { media: Media[] }) {
  const row = (m: Media) => [
    [
      'Resolution',
      m.videoResolution ? `${m.videoResolution}${/^\d+$/.test(m.videoResolution) ? 'p' : ''}` : '',
    ],
    ['Video', m.videoCodec?.toUpperCase() ?? ''],
    [
      'Audio',
      [m.audioCodec?.toUpperCase(), m.audioChannels ? `${m.audioChannels} ch` : '']
        .filter(Boolean)
        .join(' · '),
    ],
    ['Container', m.container?.toUpperCase() ?? ''],
    ['Bitrate', m.bitrate ? `${(m.bitrate / 1000).toFixed(1)} Mbps` : ''],
    ['Size', formatSize(m.size)],
  ];
  return (
    <For each={props.media}>
      {(m, i) => (
        <dl
          class="grid grid-cols-2 gap-x-4 gap-y-2 rounded-2xl border border-line bg-surface p-4 text-sm sm:grid-cols-3"
          aria-label={props.media.length > 1 ? `Version ${i() + 1}` : undefined}
        >
          <For each={row(m).filter(([, v]) => v)}>
            {([k, v]) => (
              <div>
                <dt class="text-muted">{k}</dt>
                <dd class="font-medium text-fg">{v}</dd>
              </div>
            )}
          </For>
        </dl>
      )}
    </For>
  );
}

function Children(props: { hid: string; item: Detail }) {
  const [extra, setExtra] = createSignal<Item[]>([]);
  const [loading, setLoading] = createSignal(false);
  const all = () => [...props.item.children, ...extra()];
  const more = async () => {
    setLoading(true);
    try {
      const page = await libraryApi.children(
        props.hid,
        props.item.serverId,
        props.item.ratingKey,
        all().length,
        CHILD_PAGE,
      );
      setExtra((e) => [...e, ...page.items]);
    } catch (err) {
      showToast({ title: 'Could not load more', description: describeError(err), tone: 'error' });
    } finally {
      setLoading(false);
    }
  };
  const heading = () => (props.item.type === 'show' ? 'Seasons' : 'Episodes');
  return (
    <Show when={props.item.childrenTotal > 0}>
      <section aria-labelledby="children-title" class="space-y-3">
        <h2 id="children-title" class="text-xl font-semibold tracking-tight text-fg">
          {heading()} <span class="text-base font-normal text-muted">({props.item.childrenTotal})</span>
        </h2>
        <Show
          when={props.item.type === 'show'}
          fallback={
            <ul class="space-y-1" data-testid="episodes">
              <For each={all()}>
                {(c) => (
                  <li class="h-[76px]">
                    <ListRow hid={props.hid} item={c} />
                  </li>
                )}
              </For>
            </ul>
          }
        >
          <ul
            class="grid grid-cols-[repeat(auto-fill,minmax(6.25rem,1fr))] gap-3 sm:gap-4 sm:grid-cols-[repeat(auto-fill,minmax(10rem,1fr))]"
            data-testid="seasons"
          >
            <For each={all()}>
              {(c) => (
                <li>
                  <PosterCard hid={props.hid} item={c} />
                </li>
              )}
            </For>
          </ul>
        </Show>
        <Show when={all().length < props.item.childrenTotal}>
          <Button variant="secondary" onClick={() => void more()} disabled={loading()}>
            {loading() ? 'Loading…' : `Show more (${props.item.childrenTotal - all().length} left)`}
          </Button>
        </Show>
      </section>
    </Show>
  );
}

function DetailSkeleton() {
  return (
    <div aria-busy="true" data-testid="library-loading" class="flex flex-col gap-6 sm:flex-row">
      <span class="sr-only" role="status">
        Loading the title…
      </span>
      <Skeleton class="aspect-[2/3] w-40 shrink-0 rounded-2xl sm:w-56" />
      <div class="flex-1 space-y-3">
        <Skeleton class="h-8 w-2/3" />
        <Skeleton class="h-4 w-1/3" />
        <Skeleton class="h-24 w-full" />
      </div>
    </div>
  );
}

export default function ItemPage() {
  const hh = useHousehold();
  const params = useParams<{ serverId: string; ratingKey: string }>();
  const [load, setLoad] = createSignal<Load>({ state: 'loading' });
  let controller: AbortController | undefined;
  const fetchItem = async () => {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    setLoad({ state: 'loading' });
    try {
      const item = await libraryApi.item(hh.hid(), params.serverId, params.ratingKey, mine.signal);
      if (controller === mine) setLoad({ state: 'ready', item });
    } catch (error) {
      if (controller !== mine || (error instanceof ApiError && error.code === 'aborted')) return;
      setLoad({ state: 'error', error });
    }
  };
  createEffect(on([() => hh.hid(), () => params.serverId, () => params.ratingKey], () => void fetchItem()));
  onCleanup(() => controller?.abort());

  const ready = () => {
    const l = load();
    return l.state === 'ready' ? l.item : undefined;
  };
  const failed = () => {
    const l = load();
    return l.state === 'error' ? l : undefined;
  };
  usePageTitle(() => ready()?.title ?? 'Library');
  // The section's name for the breadcrumb (shared, cached list; nothing is shown until it is known).
  const sections = createSections(() => hh.hid());
  createEffect(
    on(
      () => hh.hid(),
      () => void sections.load(),
    ),
  );
  const sectionOf = (key: string | null | undefined) => {
    const s = sections.state();
    return key && s.state === 'ready'
      ? s.sections.find((x) => x.serverId === params.serverId && x.key === key)
      : undefined;
  };

  return (
    <div class="space-y-6">
      <nav aria-label="Breadcrumb" class="flex flex-wrap gap-1 text-sm text-muted">
        <A href={links.library(hh.hid())} class="hover:text-fg">
          Library
        </A>
        <Show when={sectionOf(ready()?.sectionKey)}>
          {(sec) => (
            <>
              <span aria-hidden="true">/</span>
              <A href={links.section(hh.hid(), sec().serverId, sec().key)} class="hover:text-fg">
                {sec().title}
              </A>
            </>
          )}
        </Show>
        <Show when={ready()}>
          {(i) => (
            <>
              <span aria-hidden="true">/</span>
              <span class="text-fg">{i().title}</span>
            </>
          )}
        </Show>
      </nav>
      <Switch>
        <Match when={load().state === 'loading'}>
          <DetailSkeleton />
        </Match>
        <Match when={failed()}>
          {(f) => <LibraryError error={f().error} what="title" onRetry={() => void fetchItem()} />}
        </Match>
        <Match when={ready()}>{(i) => <ItemDetail hid={hh.hid()} item={i()} />}</Match>
      </Switch>
    </div>
  );
}

function ItemDetail(props: { hid: string; item: Detail }) {
  const i = () => props.item;
  const facts = () =>
    [
      i().type === 'episode' && i().grandparentTitle
        ? `${i().grandparentTitle} · S${i().parentIndex ?? '?'} E${i().index ?? '?'}`
        : '',
      i().type === 'season' ? (i().parentTitle ?? '') : '',
      i().year !== null ? String(i().year) : '',
      i().contentRating ?? '',
      formatDuration(i().duration),
      i().studio ?? '',
    ].filter(Boolean);
  const credits = () =>
    [
      ['Genres', i().genres],
      ['Directed by', i().directors],
      ['Written by', i().writers],
      ['Country', i().countries],
    ].filter(([, v]) => (v as string[]).length > 0) as [string, string[]][];

  return (
    <article class="space-y-8" data-testid="library-detail">
      <div class="relative overflow-hidden rounded-3xl border border-line bg-surface">
        <Show when={i().art}>
          <div class="absolute inset-0 opacity-25" aria-hidden="true">
            <Poster
              hid={props.hid}
              serverId={i().serverId}
              path={i().art}
              type={i().type}
              size="backdrop"
              fill
              eager
            />
          </div>
          <div
            class="absolute inset-0 bg-gradient-to-t from-surface via-surface/80 to-surface/40"
            aria-hidden="true"
          />
        </Show>
        <div class="relative flex flex-col gap-6 p-5 sm:flex-row sm:p-8">
          <div class="w-40 shrink-0 overflow-hidden rounded-2xl shadow-lg ring-1 ring-line sm:w-56">
            <Poster
              hid={props.hid}
              serverId={i().serverId}
              path={i().thumb}
              type={i().type}
              size="large"
              eager
            />
          </div>
          <div class="min-w-0 flex-1 space-y-3">
            <h1 class="text-2xl font-bold tracking-tight text-fg sm:text-4xl">{i().title}</h1>
            <p class="text-sm text-muted">{facts().join(' · ')}</p>
            <div class="flex flex-wrap items-center gap-2">
              <Show when={i().rating !== null}>
                <span class="inline-flex items-center gap-1 rounded-full bg-raised px-3 py-1 text-sm font-semibold text-fg">
                  <Star size={14} aria-hidden="true" class="text-warn" />
                  <span class="sr-only">Rating</span>
                  {i().rating?.toFixed(1)}
                </span>
              </Show>
              <Show when={i().watched}>
                <span class="rounded-full bg-ok-soft px-3 py-1 text-sm font-semibold text-fg">Watched</span>
              </Show>
              <Show when={i().type === 'show' && i().leafCount !== null}>
                <span class="rounded-full bg-raised px-3 py-1 text-sm text-fg">
                  {i().viewedLeafCount ?? 0} of {i().leafCount} episodes watched
                </span>
              </Show>
            </div>
            <Show when={i().tagline}>
              <p class="text-lg text-fg/90 italic">{i().tagline}</p>
            </Show>
            <Show when={i().summary}>
              <p class="max-w-3xl leading-relaxed text-fg/90" data-testid="library-summary">
                {i().summary}
              </p>
            </Show>
            <dl class="grid gap-2 text-sm sm:grid-cols-2">
              <For each={credits()}>
                {([k, v]) => (
                  <div>
                    <dt class="text-muted">{k}</dt>
                    <dd class="text-fg">{v.join(', ')}</dd>
                  </div>
                )}
              </For>
            </dl>
            <a
              href={i().openInPlexUrl}
              target="_blank"
              rel="noopener noreferrer"
              class="inline-flex items-center gap-2 rounded-lg bg-accent px-4 py-2 text-sm font-semibold text-accent-fg hover:brightness-110"
            >
              <ExternalLink size={16} aria-hidden="true" />
              Open in Plex
              <span class="sr-only">(opens in a new tab)</span>
            </a>
          </div>
        </div>
      </div>

      <Children hid={props.hid} item={i()} />

      <Show when={i().cast.length > 0}>
        <section aria-labelledby="cast-title" class="space-y-3">
          <h2 id="cast-title" class="text-xl font-semibold tracking-tight text-fg">
            Cast
          </h2>
          <ul class="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-4" data-testid="cast">
            <For each={i().cast.slice(0, 24)}>
              {(c) => (
                <li class="flex items-center gap-3 rounded-xl border border-line bg-surface p-2">
                  <Show
                    when={c.thumb}
                    fallback={
                      <span
                        class="flex size-10 shrink-0 items-center justify-center rounded-full bg-raised text-sm font-semibold text-muted"
                        aria-hidden="true"
                      >
                        {c.name.slice(0, 1)}
                      </span>
                    }
                  >
                    {(src) => (
                      <img
                        src={src()}
                        alt=""
                        loading="lazy"
                        class="size-10 shrink-0 rounded-full object-cover"
                      />
                    )}
                  </Show>
                  <span class="min-w-0">
                    <span class="block truncate text-sm font-semibold text-fg">{c.name}</span>
                    <Show when={c.role}>
                      <span class="block truncate text-xs text-muted">{c.role}</span>
                    </Show>
                  </span>
                </li>
              )}
            </For>
          </ul>
        </section>
      </Show>

      <Show when={i().media.length > 0}>
        <section aria-labelledby="media-title" class="space-y-3">
          <h2 id="media-title" class="text-xl font-semibold tracking-tight text-fg">
            Media info
          </h2>
          <MediaTable media={i().media} />
        </section>
      </Show>
    </article>
  );
}
