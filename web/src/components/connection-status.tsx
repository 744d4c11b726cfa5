import RefreshCw from 'lucide-solid/icons/refresh-cw';
import WifiOff from 'lucide-solid/icons/wifi-off';
import { createEffect, createSignal, Match, onCleanup, Show, Switch } from 'solid-js';
import { realtime, type WsStatus } from '../lib/ws.ts';

const labels: Record<WsStatus, string> = {
  idle: 'Not connected',
  connecting: 'Connecting',
  live: 'Live',
  reconnecting: 'Reconnecting',
  offline: 'Offline',
};

/**
 * The compact pill in the header: colour plus a word (never colour alone). Hidden while no
 * connection is wanted (signed out, or no household yet): there is nothing to be live for.
 */
export function ConnectionPill() {
  return (
    <Show when={realtime.status() !== 'idle'}>
      <span
        data-testid="ws-status"
        data-status={realtime.status()}
        title={`Live updates: ${labels[realtime.status()].toLowerCase()}`}
        class="inline-flex items-center gap-2 rounded-full border border-line bg-surface px-3 py-1 text-xs font-medium text-fg max-sm:data-[status=live]:px-2 max-sm:data-[status=live]:py-2"
      >
        <span class="relative flex size-2" aria-hidden="true">
          <Show when={realtime.status() === 'live'}>
            <span class="absolute inline-flex size-full animate-ping rounded-full bg-ok opacity-60" />
          </Show>
          <span
            classList={{
              'relative inline-flex size-2 rounded-full': true,
              'bg-ok': realtime.status() === 'live',
              'bg-warn': realtime.status() === 'connecting' || realtime.status() === 'reconnecting',
              'bg-bad': realtime.status() === 'offline',
            }}
          />
        </span>
        <span class="sr-only">Live updates: </span>
        {/* On a phone the header is tight: a healthy connection is the green dot alone. */}
        <span classList={{ 'max-sm:sr-only': realtime.status() === 'live' }}>
          {labels[realtime.status()]}
        </span>
      </span>
    </Show>
  );
}

function useSecondsUntil(at: () => number | null) {
  const [now, setNow] = createSignal(Date.now());
  const timer = setInterval(() => setNow(Date.now()), 1000);
  onCleanup(() => clearInterval(timer));
  return () => {
    const t = at();
    return t === null ? null : Math.max(0, Math.ceil((t - now()) / 1000));
  };
}

/**
 * The banner that makes a lost connection impossible to miss. It waits a moment before appearing
 * so a routine reconnect (server restart, network hand-over) does not flash it.
 */
export function ConnectionBanner() {
  const [shown, setShown] = createSignal(false);
  const seconds = useSecondsUntil(realtime.nextRetryAt);
  let delay: ReturnType<typeof setTimeout> | undefined;

  createEffect(() => {
    const s = realtime.status();
    clearTimeout(delay);
    if (s === 'live' || s === 'connecting' || s === 'idle') setShown(false);
    else if (s === 'offline') setShown(true);
    else delay = setTimeout(() => setShown(true), 1500);
  });
  onCleanup(() => clearTimeout(delay));

  return (
    <Show when={shown()}>
      <div
        role="status"
        data-testid="ws-banner"
        class="flex items-center gap-3 border-b border-line bg-warn-soft px-4 py-2 text-sm text-fg md:px-8"
      >
        <WifiOff size={16} class="shrink-0 text-warn" aria-hidden="true" />
        <span class="min-w-0 flex-1">
          <Switch>
            <Match when={realtime.status() === 'offline'}>
              You are offline. Live updates resume when the connection returns.
            </Match>
            <Match when={realtime.status() === 'reconnecting'}>
              Live updates interrupted — reconnecting
              <Show when={seconds() !== null && seconds()! > 0}> in {seconds()} s</Show>…
            </Match>
          </Switch>
        </span>
        <button
          type="button"
          onClick={() => realtime.retryNow()}
          class="inline-flex shrink-0 items-center gap-1.5 rounded-md px-2 py-1 font-medium text-fg underline-offset-4 hover:underline"
        >
          <RefreshCw size={14} aria-hidden="true" />
          Retry now
        </button>
      </div>
    </Show>
  );
}
