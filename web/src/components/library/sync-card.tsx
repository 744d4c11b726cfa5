/**
 * For admins: the availability index (what request search uses to say "Available") — the last
 * sync, the running one with its progress, and "Sync now". Live: the server pushes `library.sync`
 * messages (the status itself, at most about once a second while a run moves, and at its end) to
 * the household's admins; the card applies them and re-reads on every (re)connection. Only while a
 * run is on and the socket is not live does it poll, slowly, as a fallback.
 */
import RefreshCw from 'lucide-solid/icons/refresh-cw';
import { createEffect, createSignal, on, onCleanup, onMount, Show } from 'solid-js';
import * as z from 'zod/mini';
import { ApiError, describeError } from '../../lib/api.ts';
import { showToast } from '../../lib/toast.tsx';
import { realtime } from '../../lib/ws.ts';
import { Button, Skeleton } from '../states.tsx';
import { libraryApi, SyncStatus } from './library-api.ts';

const when = (ms: number | null) => (ms === null ? 'never' : new Date(ms).toLocaleString());

/** While a run is on and no socket is live, the status is read this often. */
export const FALLBACK_POLL_MS = 15_000;

const SyncMessage = z.object({
  householdId: z.string(),
  event: z.string(),
  status: SyncStatus,
});

export function SyncCard(props: { hid: string; canStart: boolean }) {
  const [status, setStatus] = createSignal<SyncStatus | undefined>();
  const [error, setError] = createSignal<unknown>();
  const [starting, setStarting] = createSignal(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  /** Bumped by every pushed status: a read that started before one must not overwrite it. */
  let pushed = 0;

  const schedule = () => {
    clearTimeout(timer);
    if (stopped || status()?.state !== 'running' || realtime.status() === 'live') return;
    timer = setTimeout(() => void read(), FALLBACK_POLL_MS);
  };

  const read = async () => {
    clearTimeout(timer);
    const before = pushed;
    try {
      const s = await libraryApi.syncStatus(props.hid);
      if (stopped || before !== pushed) return;
      setStatus(s);
      setError(undefined);
    } catch (err) {
      if (!stopped && before === pushed) setError(err);
    }
    schedule();
  };

  onMount(() => {
    void read();
    const offs = [
      realtime.subscribe<{ type: string; data?: unknown }>('library.sync', (m) => {
        const parsed = SyncMessage.safeParse(m.data);
        // Another household's run (the socket follows the current household, the page its own).
        if (parsed.success && parsed.data.householdId !== props.hid) return;
        if (!parsed.success) {
          // A shape this build does not know: the message still says "this changed".
          void read();
          return;
        }
        pushed++;
        setStatus(parsed.data.status);
        setError(undefined);
        schedule();
      }),
      realtime.onOpen(() => void read()),
    ];
    onCleanup(() => {
      for (const off of offs) off();
    });
  });
  // The socket dropping mid-run starts the slow fallback; coming back stops it (onOpen re-reads).
  createEffect(on(realtime.status, () => schedule(), { defer: true }));
  onCleanup(() => {
    stopped = true;
    clearTimeout(timer);
  });

  const start = async () => {
    setStarting(true);
    try {
      const r = await libraryApi.startSync(props.hid, status()?.lastFullAt ? 'incremental' : 'full');
      pushed++;
      setStatus(r.status);
      showToast({ title: 'Library sync started', tone: 'success' });
      // From here the pushed messages carry it (or, without a live socket, the slow fallback).
      schedule();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'library.sync_running') void read();
      showToast({ title: 'Could not start the sync', description: describeError(err), tone: 'error' });
    } finally {
      setStarting(false);
    }
  };

  return (
    <section
      aria-labelledby="sync-title"
      data-testid="library-sync"
      class="rounded-2xl border border-line bg-surface p-4 sm:p-5"
    >
      <div class="flex flex-wrap items-start justify-between gap-3">
        <div class="min-w-0">
          <h2 id="sync-title" class="font-semibold text-fg">
            Availability index
          </h2>
          <p class="text-sm text-muted">
            Lets request search show what is already in Plex. It syncs by itself; admins can start it now.
          </p>
        </div>
        <Show when={props.canStart}>
          <Button
            variant="secondary"
            onClick={() => void start()}
            disabled={starting() || status()?.state === 'running'}
          >
            <RefreshCw
              size={16}
              aria-hidden="true"
              classList={{ 'animate-spin': starting() || status()?.state === 'running' }}
            />
            {status()?.state === 'running' ? 'Syncing…' : 'Sync now'}
          </Button>
        </Show>
      </div>
      <div class="mt-3 text-sm" aria-live="polite">
        <Show
          when={status()}
          fallback={
            <Show when={error()} fallback={<Skeleton class="h-4 w-64" />}>
              <p class="text-bad">
                {describeError(error())}{' '}
                <button type="button" class="font-semibold underline" onClick={() => void read()}>
                  Try again
                </button>
              </p>
            </Show>
          }
        >
          {(s) => (
            <div class="space-y-2">
              <Show when={s().state === 'running'}>
                <div
                  class="h-2 overflow-hidden rounded-full bg-raised"
                  role="progressbar"
                  aria-label="Sync progress"
                  aria-valuemin={0}
                  aria-valuemax={100}
                  aria-valuenow={Math.round(s().progress * 100)}
                >
                  <div
                    class="h-full bg-accent transition-all"
                    style={{ width: `${Math.round(s().progress * 100)}%` }}
                  />
                </div>
                <p class="text-muted">
                  {s().mode === 'full' ? 'Full sync' : 'Update'} running:{' '}
                  {s().counts.itemsRead.toLocaleString('en')} titles read.
                </p>
              </Show>
              <Show when={s().state === 'failed' || s().error}>
                <p class="text-bad">Last problem: {s().error ?? 'the sync failed'}</p>
              </Show>
              <p class="text-muted" data-testid="library-sync-last">
                Last full sync: {when(s().lastFullAt)} · last update: {when(s().lastIncrementalAt)}
              </p>
            </div>
          )}
        </Show>
      </div>
    </section>
  );
}
