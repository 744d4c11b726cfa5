/**
 * The genres and years one section's items have (GET …/sections/:serverId/:key/filters), for the
 * section page's filter controls. Read again when the section changes; `retry()` after a failure.
 */
import { createEffect, createSignal, on, onCleanup } from 'solid-js';
import { libraryApi, type SectionFilters } from './library-api.ts';

export type FiltersLoad =
  | { state: 'loading' }
  | { state: 'ready'; filters: SectionFilters }
  | { state: 'error'; error: unknown };

export function createSectionFilters(
  section: () => { hid: string; serverId: string; key: string } | undefined,
) {
  const [state, setState] = createSignal<FiltersLoad>({ state: 'loading' });
  let controller: AbortController | undefined;
  const load = async () => {
    const s = section();
    controller?.abort();
    if (!s) return;
    const mine = new AbortController();
    controller = mine;
    setState({ state: 'loading' });
    try {
      const filters = await libraryApi.filters(s.hid, s.serverId, s.key, mine.signal);
      if (!mine.signal.aborted) setState({ state: 'ready', filters });
    } catch (error) {
      if (!mine.signal.aborted) setState({ state: 'error', error });
    }
  };
  createEffect(
    on(
      () => {
        const s = section();
        return s ? `${s.hid}|${s.serverId}|${s.key}` : '';
      },
      () => void load(),
    ),
  );
  onCleanup(() => controller?.abort());
  return { state, retry: () => void load() };
}

/**
 * Whether a listed genre is the one a URL names: by key, or by title for an older link
 * (`genre=Drama`, which Plex also takes).
 */
export const isGenre = (g: { key: string; title: string }, value: string | undefined): boolean =>
  value !== undefined && (g.key === value || g.title.toLowerCase() === value.toLowerCase());

/** The URL's genre when the section does not list it (another section's key, a stale link). */
export function unlistedGenre(
  genres: readonly { key: string; title: string }[],
  value: string | undefined,
): string | undefined {
  return value !== undefined && !genres.some((g) => isGenre(g, value)) ? value : undefined;
}
