import { A, useParams } from '@solidjs/router';
import { createSignal, Show } from 'solid-js';
import { type Item, libraryApi, links } from '../../../../../../components/library/library-api.ts';
import { MoreGrid } from '../../../../../../components/library/more-grid.tsx';
import { useHousehold } from '../../../../../../lib/household-context.ts';
import { usePageTitle } from '../../../../../../lib/title.ts';

export default function CollectionPage() {
  const hh = useHousehold();
  const params = useParams<{ serverId: string; collectionKey: string }>();
  const [collection, setCollection] = createSignal<Item | undefined>();
  usePageTitle(() => collection()?.title ?? 'Collection');
  return (
    <div class="space-y-5">
      <nav aria-label="Breadcrumb" class="flex flex-wrap gap-1 text-sm text-muted">
        <A href={links.library(hh.hid())} class="hover:text-fg">
          Library
        </A>
        <Show when={collection()?.sectionKey}>
          {(key) => (
            <>
              <span aria-hidden="true">/</span>
              <A href={links.sectionCollections(hh.hid(), params.serverId, key())} class="hover:text-fg">
                Collections
              </A>
            </>
          )}
        </Show>
      </nav>
      <div>
        <p class="text-sm font-medium text-muted">Collection</p>
        <h1 class="text-2xl font-bold tracking-tight text-fg sm:text-3xl">
          {collection()?.title ?? '\u00a0'}
        </h1>
        <Show when={collection()?.childCount !== null && collection()?.childCount !== undefined}>
          <p class="text-sm text-muted">{collection()?.childCount} titles</p>
        </Show>
      </div>
      <Show when={`${params.serverId}/${params.collectionKey}`} keyed>
        {(_) => (
          <MoreGrid
            hid={hh.hid()}
            what="collection"
            label="Titles in this collection"
            empty="This collection is empty"
            pageSize={100}
            fetchPage={async (offset, limit) => {
              const r = await libraryApi.collection(
                hh.hid(),
                params.serverId,
                params.collectionKey,
                offset,
                limit,
              );
              setCollection(r.collection);
              return r.items;
            }}
          />
        )}
      </Show>
    </div>
  );
}
