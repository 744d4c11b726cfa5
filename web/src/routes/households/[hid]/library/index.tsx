import { A } from '@solidjs/router';
import Library from 'lucide-solid/icons/library';
import Lock from 'lucide-solid/icons/lock';
import { createEffect, For, Match, on, Show, Switch } from 'solid-js';
import { links, type Section } from '../../../../components/library/library-api.ts';
import { LibraryError, UnavailableNotice } from '../../../../components/library/library-states.tsx';
import { TypeIcon } from '../../../../components/library/poster.tsx';
import { RecentlyAdded } from '../../../../components/library/recently-added.tsx';
import { createSections } from '../../../../components/library/sections.ts';
import { SyncCard } from '../../../../components/library/sync-card.tsx';
import { EmptyState, Skeleton } from '../../../../components/states.tsx';
import { useHousehold } from '../../../../lib/household-context.ts';
import { usePageTitle } from '../../../../lib/title.ts';

const typeLabel: Record<string, string> = {
  movie: 'Movies',
  show: 'TV shows',
  artist: 'Music',
  photo: 'Photos',
};

function SectionCard(props: { hid: string; section: Section }) {
  return (
    <li>
      <A
        href={links.section(props.hid, props.section.serverId, props.section.key)}
        class="flex items-center gap-4 rounded-2xl border border-line bg-surface p-4 transition-colors hover:bg-raised"
        data-testid="library-section"
      >
        <span class="flex size-12 shrink-0 items-center justify-center rounded-xl bg-accent-soft text-accent">
          <TypeIcon type={props.section.type} size={24} />
        </span>
        <span class="min-w-0">
          <span class="block truncate font-semibold text-fg">{props.section.title}</span>
          <span class="block truncate text-sm text-muted">
            {typeLabel[props.section.type] ?? props.section.type} · {props.section.serverName}
          </span>
        </span>
      </A>
    </li>
  );
}

export default function LibraryHome() {
  const hh = useHousehold();
  usePageTitle(() => 'Library');
  const sections = createSections(() => hh.hid());
  createEffect(
    on(
      () => hh.hid(),
      () => void sections.load(),
    ),
  );
  const isAdmin = () => {
    const role = hh.detail().membership.role;
    return role === 'owner' || role === 'admin';
  };
  const ready = () => {
    const s = sections.state();
    return s.state === 'ready' ? s : undefined;
  };
  const failed = () => {
    const s = sections.state();
    return s.state === 'error' ? s : undefined;
  };

  return (
    <div class="space-y-6">
      <div>
        <p class="text-sm font-medium text-muted">{hh.detail().household.name}</p>
        <h1 class="text-2xl font-bold tracking-tight text-fg sm:text-3xl">Library</h1>
      </div>
      <Switch>
        <Match when={sections.state().state === 'loading'}>
          <div aria-busy="true" data-testid="library-loading">
            <span class="sr-only" role="status">
              Loading the libraries…
            </span>
            <div class="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
              <Skeleton class="h-20 rounded-2xl" />
              <Skeleton class="h-20 rounded-2xl" />
              <Skeleton class="h-20 rounded-2xl" />
            </div>
          </div>
        </Match>
        <Match when={failed()}>
          {(f) => <LibraryError error={f().error} what="library" onRetry={() => void sections.load(true)} />}
        </Match>
        <Match when={ready()}>
          {(r) => (
            <>
              <UnavailableNotice unavailable={r().unavailable} onRetry={() => void sections.load(true)} />
              <Show
                when={r().sections.length > 0}
                fallback={
                  <Show when={r().unavailable.length === 0}>
                    <EmptyState icon={<Lock size={40} />} title="No libraries are shared with you">
                      <p data-testid="library-none-visible">
                        The household's Plex server does not share any library with your Plex account. Ask the
                        owner to share one with you in Plex.
                      </p>
                    </EmptyState>
                  </Show>
                }
              >
                <section aria-labelledby="sections-title" class="space-y-3">
                  <h2 id="sections-title" class="text-xl font-semibold tracking-tight text-fg">
                    <Library size={20} class="mr-2 inline text-accent" aria-hidden="true" />
                    Sections
                  </h2>
                  <ul class="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
                    <For each={r().sections}>{(s) => <SectionCard hid={hh.hid()} section={s} />}</For>
                  </ul>
                </section>
                <RecentlyAdded hid={hh.hid()} />
              </Show>
            </>
          )}
        </Match>
      </Switch>
      <Show when={isAdmin() && sections.state().state === 'ready'}>
        <SyncCard hid={hh.hid()} canStart={hh.can('manage_integrations')} />
      </Show>
    </div>
  );
}
