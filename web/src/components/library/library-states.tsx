/**
 * The library's states that every page shares: Plex not configured (a link to the integration
 * settings for admins, a sentence for members), Plex down or slow (the server's message in words
 * and a retry), not found (also what a section outside my Plex share looks like), and skeletons.
 */
import { A } from '@solidjs/router';
import SearchX from 'lucide-solid/icons/search-x';
import ServerOff from 'lucide-solid/icons/server-off';
import { For, Match, Show, Switch } from 'solid-js';
import { ApiError, describeError } from '../../lib/api.ts';
import { useHousehold } from '../../lib/household-context.ts';
import { EmptyState, ErrorState, Skeleton } from '../states.tsx';
import { links, type Unavailable } from './library-api.ts';

export const isNotConfigured = (err: unknown) => err instanceof ApiError && err.code === 'library.no_server';
export const isNotFound = (err: unknown) =>
  err instanceof ApiError && err.status === 404 && err.code !== 'library.no_server';

export function NotConfigured() {
  const hh = useHousehold();
  return (
    <EmptyState icon={<ServerOff size={40} />} title="No Plex server is connected yet">
      <div data-testid="library-not-configured">
        <Show
          when={hh.can('manage_integrations')}
          fallback={<p>An admin of the household connects its Plex server; the library appears here then.</p>}
        >
          <p>Connect the household's Plex server to browse its libraries here.</p>
          <A
            href={links.integrations(hh.hid())}
            class="mt-4 inline-flex items-center rounded-lg bg-accent px-4 py-2 text-sm font-semibold text-accent-fg hover:brightness-110"
          >
            Open integration settings
          </A>
        </Show>
      </div>
    </EmptyState>
  );
}

/** Any failure of a library read, as the right state. */
export function LibraryError(props: {
  error: unknown;
  what: string;
  onRetry: () => void;
  retrying?: boolean;
}) {
  const hh = useHousehold();
  const unavailable = () => props.error instanceof ApiError && props.error.status === 503;
  return (
    <Switch
      fallback={
        <div data-testid="library-error">
          <ErrorState
            title={unavailable() ? 'Plex is not answering' : `Could not load ${props.what}`}
            message={describeError(props.error)}
            requestId={props.error instanceof ApiError ? props.error.requestId : undefined}
            onRetry={props.onRetry}
            retrying={props.retrying}
          />
        </div>
      }
    >
      <Match when={isNotConfigured(props.error)}>
        <NotConfigured />
      </Match>
      <Match when={isNotFound(props.error)}>
        <EmptyState icon={<SearchX size={40} />} title={`This ${props.what} is not in your library`}>
          <p>It may have been removed from Plex, or it is not shared with you.</p>
          <A href={links.library(hh.hid())} class="mt-3 inline-block font-semibold text-accent">
            Back to the library
          </A>
        </EmptyState>
      </Match>
    </Switch>
  );
}

/** Servers that did not answer a cross-server read (the rest still shows). */
export function UnavailableNotice(props: { unavailable: Unavailable[]; onRetry?: () => void }) {
  return (
    <Show when={props.unavailable.length > 0}>
      <div
        role="status"
        data-testid="library-partial"
        class="flex flex-col gap-2 rounded-xl border border-warn/40 bg-warn-soft px-4 py-3 text-sm text-fg sm:flex-row sm:items-center"
      >
        <ul class="flex-1 space-y-1">
          <For each={props.unavailable}>{(u) => <li>{u.message}</li>}</For>
        </ul>
        <Show when={props.onRetry}>
          <button
            type="button"
            class="self-start rounded-lg border border-line bg-surface px-3 py-1.5 font-semibold hover:bg-raised sm:self-auto"
            onClick={() => props.onRetry?.()}
          >
            Try again
          </button>
        </Show>
      </div>
    </Show>
  );
}

export function PosterGridSkeleton(props: { count?: number; label?: string }) {
  return (
    <div aria-busy="true" data-testid="library-loading">
      <span class="sr-only" role="status">
        {props.label ?? 'Loading the library…'}
      </span>
      <div class="grid grid-cols-[repeat(auto-fill,minmax(6.25rem,1fr))] gap-3 sm:gap-4 sm:grid-cols-[repeat(auto-fill,minmax(10rem,1fr))]">
        <For each={Array.from({ length: props.count ?? 12 })}>
          {() => (
            <div class="space-y-2">
              <Skeleton class="aspect-[2/3] w-full rounded-xl" />
              <Skeleton class="h-4 w-3/4" />
              <Skeleton class="h-3 w-1/3" />
            </div>
          )}
        </For>
      </div>
    </div>
  );
}
