import { A, useParams } from '@solidjs/router';
import { createEffect, on, Show } from 'solid-js';
import { libraryApi, links } from '../../../../../../../components/library/library-api.ts';
import { LibraryError, PosterGridSkeleton } from '../../../../../../../components/library/library-states.tsx';
import { MoreGrid } from '../../../../../../../components/library/more-grid.tsx';
import { SectionTabs } from '../../../../../../../components/library/section-tabs.tsx';
import { createSections } from '../../../../../../../components/library/sections.ts';
import { ApiError } from '../../../../../../../lib/api.ts';
import { useHousehold } from '../../../../../../../lib/household-context.ts';
import { usePageTitle } from '../../../../../../../lib/title.ts';

export default function SectionCollections() {
  const hh = useHousehold();
  const params = useParams<{ serverId: string; sectionKey: string }>();
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
  usePageTitle(() => (section() ? `${section()?.title} collections` : 'Collections'));
  const failed = () => {
    const s = sections.state();
    return s.state === 'error'
      ? s.error
      : s.state === 'ready' && !section()
        ? new ApiError({ status: 404, code: 'library.not_found', message: 'No such library section' })
        : undefined;
  };
  return (
    <div class="space-y-5">
      <nav aria-label="Breadcrumb" class="text-sm text-muted">
        <A href={links.library(hh.hid())} class="hover:text-fg">
          Library
        </A>{' '}
        / <span class="text-fg">{section()?.title ?? '…'}</span>
      </nav>
      <Show
        when={!failed()}
        fallback={<LibraryError error={failed()} what="section" onRetry={() => void sections.load(true)} />}
      >
        <Show when={section()} fallback={<PosterGridSkeleton />}>
          {(sec) => (
            <>
              <div class="flex flex-wrap items-end justify-between gap-3">
                <h1 class="text-2xl font-bold tracking-tight text-fg sm:text-3xl">{sec().title}</h1>
                <SectionTabs
                  hid={hh.hid()}
                  serverId={sec().serverId}
                  sectionKey={sec().key}
                  current="collections"
                />
              </div>
              <MoreGrid
                hid={hh.hid()}
                what="collections"
                label={`Collections in ${sec().title}`}
                empty="No collections here yet"
                emptyHint={<p>Collections made in Plex for this library show up here.</p>}
                fetchPage={(offset, limit) =>
                  libraryApi.collections(hh.hid(), sec().serverId, sec().key, offset, limit)
                }
              />
            </>
          )}
        </Show>
      </Show>
    </div>
  );
}
