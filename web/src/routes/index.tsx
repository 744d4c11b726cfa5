import { A } from '@solidjs/router';
import Activity from 'lucide-solid/icons/activity';
import Database from 'lucide-solid/icons/database';
import Layers from 'lucide-solid/icons/layers';
import Radio from 'lucide-solid/icons/radio';
import RefreshCw from 'lucide-solid/icons/refresh-cw';
import Server from 'lucide-solid/icons/server';
import {
  createEffect,
  createSignal,
  For,
  type JSX,
  Match,
  on,
  onCleanup,
  onMount,
  Show,
  Switch,
} from 'solid-js';
import { Button, ErrorState, Skeleton } from '../components/states.tsx';
import { ApiError, describeError, getHealth, type Health } from '../lib/api.ts';
import { currentHousehold, meState } from '../lib/session.ts';
import { usePageTitle } from '../lib/title.ts';
import { showToast } from '../lib/toast.tsx';
import { realtime, subscribe, type WsStatus } from '../lib/ws.ts';

type Load =
  | { state: 'loading' }
  | { state: 'ready'; data: Health; at: number }
  | { state: 'error'; message: string; requestId: string | undefined };

const REFRESH_MS = 30_000;
const heroLink =
  'mt-5 inline-flex items-center rounded-lg bg-accent px-4 py-2 text-sm font-semibold text-accent-fg hover:brightness-110';
const numbers = new Intl.NumberFormat();

const storeLabels: Record<string, { name: string; hint: string }> = {
  sqlite: { name: 'SQLite', hint: 'Embedded database in the data folder' },
  dynamodb: { name: 'DynamoDB', hint: 'AWS single-table store' },
};
const modeLabels: Record<string, string> = { selfhosted: 'Self-hosted', saas: 'Hosted' };
const statusLabels: Record<string, { name: string; tone: 'ok' | 'warn' | 'bad' }> = {
  ok: { name: 'Healthy', tone: 'ok' },
  degraded: { name: 'Degraded', tone: 'warn' },
  unavailable: { name: 'Unavailable', tone: 'bad' },
};
const wsLabels: Record<WsStatus, { name: string; hint: string }> = {
  idle: { name: 'Not connected', hint: 'Sign in to get live updates' },
  live: { name: 'Live', hint: 'Waiting for the first heartbeat' },
  connecting: { name: 'Connecting…', hint: 'Opening the live connection' },
  reconnecting: { name: 'Reconnecting…', hint: 'Connection lost; retrying automatically' },
  offline: { name: 'Offline', hint: 'No network; will resume by itself' },
};

function StatCard(props: {
  label: string;
  icon: JSX.Element;
  value: JSX.Element;
  hint: JSX.Element;
  testId: string;
  tone?: 'ok' | 'warn' | 'bad' | undefined;
}) {
  return (
    <div
      data-testid={props.testId}
      class="relative overflow-hidden rounded-2xl border border-line bg-surface p-4 shadow-sm shadow-black/5 sm:p-5"
    >
      <div class="flex items-center justify-between text-sm font-medium text-muted">
        <span>{props.label}</span>
        <span
          aria-hidden="true"
          classList={{
            'flex size-9 items-center justify-center rounded-xl': true,
            'bg-accent-soft text-accent': !props.tone,
            'bg-ok-soft text-ok': props.tone === 'ok',
            'bg-warn-soft text-warn': props.tone === 'warn',
            'bg-bad-soft text-bad': props.tone === 'bad',
          }}
        >
          {props.icon}
        </span>
      </div>
      <div class="mt-3 text-xl font-semibold tracking-tight text-fg sm:text-2xl">{props.value}</div>
      <div class="mt-1 text-sm text-muted">{props.hint}</div>
    </div>
  );
}

/** Decoration only: a tilted wall of poster-shaped tiles fading into the hero card. */
function PosterWall() {
  const tiles = Array.from({ length: 24 }, (_, i) => i);
  return (
    <div
      aria-hidden="true"
      class="pointer-events-none absolute inset-y-0 right-0 -z-10 hidden w-[44%] lg:block"
      style={{
        'mask-image': 'linear-gradient(to left, black 35%, transparent)',
        '-webkit-mask-image': 'linear-gradient(to left, black 35%, transparent)',
      }}
    >
      <div class="absolute -top-16 -right-10 grid w-[120%] rotate-[-10deg] grid-cols-6 gap-2.5 opacity-80">
        <For each={tiles}>
          {(i) => (
            <div
              class="aspect-[2/3] rounded-lg border border-line"
              style={{
                background: `linear-gradient(${140 + i * 17}deg, var(--mn-raised), color-mix(in oklab, var(--mn-accent) ${6 + ((i * 5) % 18)}%, var(--mn-surface)))`,
                transform: `translateY(${i % 2 === 0 ? 0 : 1.25}rem)`,
              }}
            />
          )}
        </For>
      </div>
    </div>
  );
}

function StatSkeleton() {
  return (
    <div class="rounded-2xl border border-line bg-surface p-4 sm:p-5">
      <div class="flex items-center justify-between">
        <Skeleton class="h-4 w-20" />
        <Skeleton class="size-9 rounded-xl" />
      </div>
      <Skeleton class="mt-4 h-7 w-28" />
      <Skeleton class="mt-2 h-4 w-40" />
    </div>
  );
}

export default function Home() {
  usePageTitle(() => 'Home');
  const [load, setLoad] = createSignal<Load>({ state: 'loading' });
  const [refreshing, setRefreshing] = createSignal(false);
  const [lastBeat, setLastBeat] = createSignal<number | null>(null);
  const [now, setNow] = createSignal(Date.now());
  let controller: AbortController | undefined;

  // `quiet` refreshes keep the current numbers on screen instead of flashing the skeleton.
  async function fetchHealth(quiet: boolean) {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    if (!quiet) setLoad({ state: 'loading' });
    setRefreshing(true);
    try {
      const data = await getHealth(mine.signal);
      if (controller === mine) setLoad({ state: 'ready', data, at: Date.now() });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'aborted') return;
      if (controller !== mine) return;
      setLoad({
        state: 'error',
        message: describeError(err),
        requestId: err instanceof ApiError ? err.requestId : undefined,
      });
    } finally {
      if (controller === mine) setRefreshing(false);
    }
  }

  // Each pong is the server answering the client's keep-alive ping: proof the live channel works.
  onCleanup(subscribe('pong', () => setLastBeat(Date.now())));
  const realtimeHint = () => {
    const at = lastBeat();
    if (realtime.status() === 'idle' && meState().state === 'signed_in') {
      return 'Create or join a household to get live updates';
    }
    if (realtime.status() !== 'live' || at === null) return wsLabels[realtime.status()].hint;
    const seconds = Math.max(0, Math.round((now() - at) / 1000));
    return seconds < 5 ? 'Heartbeat just now' : `Heartbeat ${seconds} s ago`;
  };

  onMount(() => {
    const clock = setInterval(() => setNow(Date.now()), 5_000);
    onCleanup(() => clearInterval(clock));
    void fetchHealth(false);
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible' && load().state === 'ready') void fetchHealth(true);
    }, REFRESH_MS);
    onCleanup(() => {
      clearInterval(timer);
      controller?.abort();
    });
  });

  // Coming back live after an interruption means the server may have restarted: re-read it.
  createEffect(
    on(
      realtime.status,
      (now, before) => {
        if (now === 'live' && before && before !== 'connecting' && before !== 'live') void fetchHealth(true);
      },
      { defer: true },
    ),
  );

  const manualRefresh = async () => {
    await fetchHealth(load().state !== 'ready');
    const l = load();
    if (l.state === 'ready') showToast({ title: 'Status refreshed', tone: 'success', duration: 2500 });
  };

  const ready = () => {
    const l = load();
    return l.state === 'ready' ? l : undefined;
  };
  const failed = () => {
    const l = load();
    return l.state === 'error' ? l : undefined;
  };

  return (
    <div class="space-y-8">
      <section
        aria-labelledby="home-title"
        class="relative isolate overflow-hidden rounded-3xl border border-line bg-surface px-5 py-6 sm:px-6 sm:py-8 md:px-10 md:py-10"
      >
        <PosterWall />
        <div class="relative max-w-2xl">
          <p class="text-sm font-semibold tracking-wide text-accent uppercase">MediaNest</p>
          <h1 id="home-title" class="mt-2 text-2xl font-bold tracking-tight text-fg sm:text-3xl md:text-4xl">
            Your Plex household, in one place
          </h1>
          <p class="mt-3 text-sm text-muted sm:text-base">
            Service status, the library, requests and downloads for everyone who shares your server — live on
            the sofa and at the desk.
          </p>
          <Switch>
            <Match when={currentHousehold()}>
              {(h) => (
                <A href={`/households/${encodeURIComponent(h().id)}`} class={heroLink} data-testid="home-cta">
                  Open {h().name}
                </A>
              )}
            </Match>
            <Match when={meState().state === 'signed_in'}>
              <A href="/households/new" class={heroLink} data-testid="home-cta">
                Create or join a household
              </A>
            </Match>
            <Match when={meState().state === 'anonymous'}>
              <A href="/sign-in" class={heroLink} data-testid="home-cta">
                Sign in with Plex
              </A>
            </Match>
          </Switch>
        </div>
      </section>

      <section aria-labelledby="status-title" class="space-y-4">
        <div class="flex items-end justify-between gap-3">
          <div class="min-w-0">
            <h2 id="status-title" class="text-xl font-semibold tracking-tight text-fg">
              Portal status
            </h2>
            <p class="mt-1 text-sm text-muted">How this MediaNest server itself is doing.</p>
          </div>
          <Show when={ready()}>
            <Button
              variant="ghost"
              onClick={manualRefresh}
              disabled={refreshing()}
              aria-label="Refresh portal status"
            >
              <RefreshCw size={16} aria-hidden="true" classList={{ 'animate-spin': refreshing() }} />
              Refresh
            </Button>
          </Show>
        </div>

        <Switch>
          <Match when={failed()}>
            {(f) => (
              <ErrorState
                title="Could not load the portal status"
                message={f().message}
                requestId={f().requestId}
                onRetry={() => void fetchHealth(false)}
                retrying={refreshing()}
              />
            )}
          </Match>
          <Match when={load().state === 'loading'}>
            <div
              class="grid grid-cols-2 gap-3 sm:gap-4 xl:grid-cols-4"
              aria-busy="true"
              data-testid="health-loading"
            >
              <span class="sr-only" role="status">
                Loading portal status…
              </span>
              <For each={[1, 2, 3, 4]}>{() => <StatSkeleton />}</For>
            </div>
          </Match>
          <Match when={ready()}>
            {(r) => {
              const h = () => r().data;
              const status = () => statusLabels[h().status] ?? { name: h().status, tone: 'warn' as const };
              const depth = () => h().queue.depth;
              const dead = () => h().queue.deadLetter;
              return (
                <div class="grid grid-cols-2 gap-3 sm:gap-4 xl:grid-cols-4" data-testid="health">
                  <StatCard
                    testId="health-status"
                    label="Server"
                    icon={<Server size={18} />}
                    tone={status().tone}
                    value={
                      <span class="flex items-center gap-2">
                        <span
                          aria-hidden="true"
                          classList={{
                            'size-2.5 rounded-full': true,
                            'bg-ok': status().tone === 'ok',
                            'bg-warn': status().tone === 'warn',
                            'bg-bad': status().tone === 'bad',
                          }}
                        />
                        {status().name}
                      </span>
                    }
                    hint={
                      <>
                        {modeLabels[h().mode] ?? h().mode} · version{' '}
                        <span data-testid="health-version">{h().version}</span>
                      </>
                    }
                  />
                  <StatCard
                    testId="health-store"
                    label="Storage"
                    icon={<Database size={18} />}
                    value={storeLabels[h().store]?.name ?? h().store}
                    hint={storeLabels[h().store]?.hint ?? 'Data store'}
                  />
                  <StatCard
                    testId="health-queue"
                    label="Job queue"
                    icon={<Layers size={18} />}
                    tone={depth() === null ? 'warn' : (dead() ?? 0) > 0 ? 'warn' : undefined}
                    value={
                      <Show when={depth() !== null} fallback="Unknown">
                        {numbers.format(depth()!)}{' '}
                        <span class="text-sm font-medium text-muted sm:text-base">
                          {depth() === 1 ? 'job waiting' : 'jobs waiting'}
                        </span>
                      </Show>
                    }
                    hint={
                      depth() === null || dead() === null
                        ? 'The queue could not be read'
                        : dead()! > 0
                          ? `${numbers.format(dead()!)} failed permanently`
                          : 'No failed jobs'
                    }
                  />
                  <StatCard
                    testId="health-realtime"
                    label="Live updates"
                    icon={realtime.status() === 'live' ? <Radio size={18} /> : <Activity size={18} />}
                    tone={
                      realtime.status() === 'live'
                        ? 'ok'
                        : realtime.status() === 'offline'
                          ? 'bad'
                          : realtime.status() === 'idle'
                            ? undefined
                            : 'warn'
                    }
                    value={wsLabels[realtime.status()].name}
                    hint={realtimeHint()}
                  />
                </div>
              );
            }}
          </Match>
        </Switch>
      </section>
    </div>
  );
}
