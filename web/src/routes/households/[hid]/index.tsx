import { A } from '@solidjs/router';
import Activity from 'lucide-solid/icons/activity';
import MonitorPlay from 'lucide-solid/icons/monitor-play';
import Plug from 'lucide-solid/icons/plug';
import ScrollText from 'lucide-solid/icons/scroll-text';
import Server from 'lucide-solid/icons/server';
import Ticket from 'lucide-solid/icons/ticket';
import Users from 'lucide-solid/icons/users';
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
import {
  CardSkeleton,
  MonitorRow,
  NotConfiguredCard,
  PosterRow,
  ProblemsNote,
  SectionError,
  ServiceCard,
  SessionRow,
} from '../../../components/dashboard.tsx';
import { EmptyState, Skeleton } from '../../../components/states.tsx';
import { ApiError } from '../../../lib/api.ts';
import { useHousehold } from '../../../lib/household-context.ts';
import { PERMISSIONS } from '../../../lib/identity.ts';
import {
  type BoardCard,
  type Dashboard,
  getDashboard,
  getNowPlaying,
  getRecentlyAdded,
  type LiveCard,
  type NowPlaying,
  type RecentlyAdded,
  StatusChanged,
} from '../../../lib/status.ts';
import { usePageTitle } from '../../../lib/title.ts';
import { realtime, subscribe } from '../../../lib/ws.ts';

const roleLabels: Record<string, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };

type Load<T> = { state: 'loading' } | { state: 'ready'; value: T } | { state: 'error'; error: unknown };

const RECENT_LIMIT = 12;

function AdminLink(props: { href: string; icon: JSX.Element; title: string; hint: string }) {
  return (
    <A
      href={props.href}
      class="flex items-start gap-3 rounded-2xl border border-line bg-surface p-4 transition-colors hover:bg-raised"
    >
      <span
        class="flex size-9 shrink-0 items-center justify-center rounded-xl bg-accent-soft text-accent"
        aria-hidden="true"
      >
        {props.icon}
      </span>
      <span class="min-w-0">
        <span class="block font-semibold text-fg">{props.title}</span>
        <span class="block text-sm text-muted">{props.hint}</span>
      </span>
    </A>
  );
}

/** A loader whose newest call wins; `quiet` keeps what is shown while re-reading. */
function createLoader<T>(fetcher: (signal: AbortSignal) => Promise<T>) {
  const [load, setLoad] = createSignal<Load<T>>({ state: 'loading' });
  let controller: AbortController | undefined;
  const run = async (quiet = false) => {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    if (!quiet || load().state !== 'ready') setLoad({ state: 'loading' });
    try {
      const value = await fetcher(mine.signal);
      if (controller === mine) setLoad({ state: 'ready', value });
    } catch (error) {
      if (controller !== mine || (error instanceof ApiError && error.code === 'aborted')) return;
      // A quiet re-read that fails keeps the last good answer (the next message or reconnect retries).
      if (quiet && load().state === 'ready') return;
      setLoad({ state: 'error', error });
    }
  };
  onCleanup(() => controller?.abort());
  return { load, setLoad, run };
}

/** Applies one `status.changed` card to the board; false when the card is not on it (re-read instead). */
function patchCard(board: Dashboard, live: LiveCard): { board: Dashboard; found: boolean } {
  let found = false;
  const merge = (c: BoardCard): BoardCard => {
    if (c.service === live.service) {
      found = true;
      return { ...c, ...live };
    }
    if (c.monitors.length === 0) return c;
    const monitors = c.monitors.map((m) => {
      if (m.service !== live.service) return m;
      found = true;
      return { ...m, ...live };
    });
    return { ...c, monitors };
  };
  const cards = board.cards.map(merge);
  // A monitor that moved in or out of a card, or changed visibility: the next re-read places it.
  return { board: { ...board, cards }, found };
}

function removeCards(board: Dashboard, removed: string[]): Dashboard {
  if (removed.length === 0) return board;
  const gone = new Set(removed);
  return {
    ...board,
    cards: board.cards
      .filter((c) => !gone.has(c.service))
      .map((c) => ({ ...c, monitors: c.monitors.filter((m) => !gone.has(m.service)) })),
  };
}

export default function HouseholdHome() {
  const hh = useHousehold();
  const household = () => hh.detail().household;
  const membership = () => hh.detail().membership;
  usePageTitle(() => household().name);
  const base = () => `/households/${encodeURIComponent(hh.hid())}`;
  const integrationsHref = () => `${base()}/settings/integrations`;
  const myPermissions = () =>
    PERMISSIONS.filter(
      (p) => membership().role === 'owner' || (membership().permissions ?? []).includes(p.id),
    );
  const isAdmin = () => membership().role === 'owner' || membership().role === 'admin';
  const managesIntegrations = () => hh.can('manage_integrations');

  const board = createLoader((signal) => getDashboard(hh.hid(), signal));
  const recent = createLoader((signal) => getRecentlyAdded(hh.hid(), RECENT_LIMIT, signal));
  const playing = createLoader((signal) => getNowPlaying(hh.hid(), signal));

  const boardValue = () => {
    const l = board.load();
    return l.state === 'ready' ? l.value : undefined;
  };
  const plexConfigured = () => boardValue()?.configured.plex === true;

  const loadPlexSections = (quiet = false) => {
    if (!plexConfigured()) return;
    void recent.run(quiet);
    if (isAdmin()) void playing.run(quiet);
  };

  let refetchTimer: ReturnType<typeof setTimeout> | undefined;
  /** Messages are hints: after patching, re-read soon for the bars and anything that moved. */
  const refetchSoon = () => {
    clearTimeout(refetchTimer);
    refetchTimer = setTimeout(() => void board.run(true), 600);
  };

  onMount(() => void board.run());
  // Plex's sections load once Plex is known to be configured (first read, or configured later).
  createEffect(
    on(plexConfigured, (configured) => {
      if (configured) loadPlexSections();
    }),
  );

  const offChanged = subscribe('status.changed', (message) => {
    const parsed = StatusChanged.safeParse(message.data);
    if (!parsed.success || parsed.data.householdId !== hh.hid()) return;
    const current = boardValue();
    if (!current) {
      refetchSoon();
      return;
    }
    let next = removeCards(current, parsed.data.removed);
    let missing = false;
    let plexChanged = false;
    for (const live of parsed.data.cards) {
      const before = [...next.cards, ...next.cards.flatMap((c) => c.monitors)].find(
        (c) => c.service === live.service,
      );
      if (
        live.kind === 'plex' &&
        (before?.status !== live.status || before?.details.activeStreams !== live.details.activeStreams)
      )
        plexChanged = true;
      const r = patchCard(next, live);
      next = r.board;
      if (!r.found && (live.visible || next.includesHidden)) missing = true;
    }
    board.setLoad({ state: 'ready', value: next });
    refetchSoon();
    if (missing) void board.run(true);
    if (plexChanged) loadPlexSections(true);
  });
  // After a (re)connection anything may have been missed: read it all again.
  const offOpen = realtime.onOpen(() => {
    void board.run(true).then(() => loadPlexSections(true));
  });
  onCleanup(() => {
    offChanged();
    offOpen();
    clearTimeout(refetchTimer);
  });

  const serviceCards = () => (boardValue()?.cards ?? []).filter((c) => c.kind !== 'monitor');
  const monitorCards = () => (boardValue()?.cards ?? []).filter((c) => c.kind === 'monitor');
  const nothingConfigured = () => {
    const b = boardValue();
    return b !== undefined && !b.configured.plex && !b.configured.overseerr && !b.configured.uptime_kuma;
  };
  const missingKinds = () => {
    const b = boardValue();
    if (!b || !managesIntegrations()) return [];
    return (['plex', 'overseerr', 'uptime_kuma'] as const).filter((k) => !b.configured[k]);
  };
  const liveText = () => {
    const s = realtime.status();
    if (s === 'live') return 'Live';
    if (s === 'connecting') return 'Connecting…';
    if (s === 'reconnecting') return 'Reconnecting: updates paused';
    if (s === 'offline') return 'Offline: updates paused';
    return 'Not connected';
  };

  return (
    <div class="space-y-8">
      <section class="rounded-3xl border border-line bg-surface px-5 py-6 sm:px-8 sm:py-8">
        <p class="text-sm font-semibold tracking-wide text-accent uppercase">Household</p>
        <h1 class="mt-2 text-2xl font-bold tracking-tight text-fg sm:text-3xl" data-testid="household-name">
          {household().name}
        </h1>
        <p class="mt-2 text-sm text-muted">
          You are{' '}
          <span class="font-semibold text-fg" data-testid="my-role">
            {roleLabels[membership().role] ?? membership().role}
          </span>
          <Show when={membership().status && membership().status !== 'active'}>
            {' '}
            · <span class="font-semibold text-warn">{membership().status}</span>
          </Show>
        </p>
      </section>

      <section
        aria-labelledby="services-title"
        class="space-y-3"
        aria-busy={board.load().state === 'loading'}
      >
        <div class="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="services-title" class="text-xl font-semibold tracking-tight text-fg">
            Services
          </h2>
          <p class="flex items-center gap-1.5 text-xs text-muted" data-testid="live-state">
            <span
              class="size-2 rounded-full"
              classList={{ 'bg-ok': realtime.status() === 'live', 'bg-muted': realtime.status() !== 'live' }}
              aria-hidden="true"
            />
            {liveText()}
          </p>
        </div>
        <Switch>
          <Match when={board.load().state === 'loading'}>
            <div class="grid gap-4 md:grid-cols-2 xl:grid-cols-3" data-testid="dashboard-loading">
              <CardSkeleton />
              <CardSkeleton />
              <CardSkeleton />
            </div>
          </Match>
          <Match when={board.load().state === 'error' && (board.load() as { error: unknown })}>
            {(l) => <SectionError what="the services" error={l().error} onRetry={() => void board.run()} />}
          </Match>
          <Match when={nothingConfigured()}>
            <EmptyState icon={<Plug size={36} />} title="No services connected yet">
              <Show
                when={managesIntegrations()}
                fallback={
                  <p data-testid="not-configured-member">
                    An admin of the household can connect Plex, Overseerr and Uptime Kuma; their status will
                    show here.
                  </p>
                }
              >
                <p>Connect Plex, Overseerr and Uptime Kuma to see whether everything is up, live.</p>
                <A
                  href={integrationsHref()}
                  data-testid="setup-integrations"
                  class="mt-4 inline-flex items-center justify-center gap-2 rounded-lg bg-accent px-4 py-2 text-sm font-semibold text-accent-fg hover:brightness-110"
                >
                  <Plug size={16} aria-hidden="true" />
                  Connect services
                </A>
              </Show>
            </EmptyState>
          </Match>
          <Match when={boardValue()}>
            <div class="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
              <For each={serviceCards()}>
                {(card) => <ServiceCard card={card} hid={hh.hid()} admin={managesIntegrations()} />}
              </For>
              <For each={missingKinds()}>
                {(kind) => <NotConfiguredCard kind={kind} href={integrationsHref()} />}
              </For>
            </div>
          </Match>
        </Switch>
      </section>

      <Show when={boardValue()?.configured.uptime_kuma}>
        <section aria-labelledby="monitors-title" class="space-y-3">
          <h2 id="monitors-title" class="text-xl font-semibold tracking-tight text-fg">
            Monitors
          </h2>
          <Show
            when={monitorCards().length > 0}
            fallback={
              <EmptyState icon={<Activity size={32} />} title="No monitors to show">
                <p>
                  <Show when={managesIntegrations()} fallback="Monitors the admins share appear here.">
                    Uptime Kuma reported no monitors yet, or each one is shown inside a service card.{' '}
                    <A href={integrationsHref()} class="font-semibold text-accent underline">
                      Choose monitors
                    </A>
                  </Show>
                </p>
              </EmptyState>
            }
          >
            <ul
              class="divide-y divide-line rounded-2xl border border-line bg-surface"
              data-testid="monitor-list"
            >
              <For each={monitorCards()}>
                {(card) => <MonitorRow card={card} admin={managesIntegrations()} />}
              </For>
            </ul>
          </Show>
        </section>
      </Show>

      <Show when={plexConfigured() && isAdmin()}>
        <section aria-labelledby="playing-title" class="space-y-3">
          <h2 id="playing-title" class="text-xl font-semibold tracking-tight text-fg">
            Now playing
          </h2>
          <Switch>
            <Match when={playing.load().state === 'loading'}>
              <Skeleton class="h-20 w-full rounded-2xl" />
            </Match>
            <Match when={playing.load().state === 'error' && (playing.load() as { error: unknown })}>
              {(l) => (
                <SectionError what="now playing" error={l().error} onRetry={() => void playing.run()} />
              )}
            </Match>
            <Match when={playing.load().state === 'ready' && (playing.load() as { value: NowPlaying }).value}>
              {(np) => (
                <div class="space-y-2">
                  <ProblemsNote problems={np().problems} />
                  <Show
                    when={np().sessions.length > 0}
                    fallback={
                      <p class="rounded-2xl border border-dashed border-line px-4 py-5 text-sm text-muted">
                        <MonitorPlay size={16} class="mr-1.5 inline align-[-3px]" aria-hidden="true" />
                        Nobody is watching right now.
                      </p>
                    }
                  >
                    <ul
                      class="divide-y divide-line rounded-2xl border border-line bg-surface"
                      data-testid="now-playing"
                    >
                      <For each={np().sessions}>{(s) => <SessionRow hid={hh.hid()} session={s} />}</For>
                    </ul>
                  </Show>
                </div>
              )}
            </Match>
          </Switch>
        </section>
      </Show>

      <Show when={plexConfigured()}>
        <section aria-labelledby="recent-title" class="space-y-3">
          <h2 id="recent-title" class="text-xl font-semibold tracking-tight text-fg">
            Recently added
          </h2>
          <Switch>
            <Match when={recent.load().state === 'loading'}>
              <div class="flex gap-3 overflow-hidden" aria-hidden="true">
                <For each={[1, 2, 3, 4, 5, 6]}>
                  {() => <Skeleton class="aspect-[2/3] w-28 shrink-0 rounded-xl sm:w-36" />}
                </For>
              </div>
            </Match>
            <Match when={recent.load().state === 'error' && (recent.load() as { error: unknown })}>
              {(l) => (
                <SectionError what="recently added" error={l().error} onRetry={() => void recent.run()} />
              )}
            </Match>
            <Match
              when={recent.load().state === 'ready' && (recent.load() as { value: RecentlyAdded }).value}
            >
              {(r) => (
                <div class="space-y-2">
                  <ProblemsNote problems={r().problems} />
                  <Show
                    when={r().items.length > 0}
                    fallback={
                      <Show when={r().problems.length === 0}>
                        <p class="text-sm text-muted">Nothing was added to Plex recently.</p>
                      </Show>
                    }
                  >
                    <PosterRow hid={hh.hid()} items={r().items} />
                  </Show>
                </div>
              )}
            </Match>
          </Switch>
        </section>
      </Show>

      <section aria-labelledby="servers-title" class="space-y-3">
        <h2 id="servers-title" class="text-xl font-semibold tracking-tight text-fg">
          Plex servers
        </h2>
        <Show
          when={(household().servers ?? []).length > 0}
          fallback={
            <EmptyState icon={<Server size={36} />} title="No Plex server yet">
              <p>The owner adds servers when creating the household.</p>
            </EmptyState>
          }
        >
          <ul class="grid gap-3 sm:grid-cols-2">
            <For each={household().servers}>
              {(s) => (
                <li class="flex items-center gap-3 rounded-2xl border border-line bg-surface p-4">
                  <Server size={20} class="shrink-0 text-accent" aria-hidden="true" />
                  <span class="min-w-0">
                    <span class="block truncate font-semibold text-fg">{s.name ?? s.machineIdentifier}</span>
                    <span class="block truncate font-mono text-xs text-muted">{s.machineIdentifier}</span>
                  </span>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </section>

      <section aria-labelledby="perm-title" class="space-y-3">
        <h2 id="perm-title" class="text-xl font-semibold tracking-tight text-fg">
          What you can do here
        </h2>
        <Show
          when={myPermissions().length > 0}
          fallback={<p class="text-sm text-muted">Nothing yet: an admin can grant you permissions.</p>}
        >
          <ul class="flex flex-wrap gap-2">
            <For each={myPermissions()}>
              {(p) => (
                <li
                  class="rounded-full border border-line bg-surface px-3 py-1 text-sm text-fg"
                  title={p.hint}
                >
                  {p.label}
                </li>
              )}
            </For>
          </ul>
        </Show>
      </section>

      <Show when={hh.can('manage_members') || managesIntegrations()}>
        <section aria-labelledby="admin-title" class="space-y-3">
          <h2 id="admin-title" class="text-xl font-semibold tracking-tight text-fg">
            Manage
          </h2>
          <div class="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
            <Show when={managesIntegrations()}>
              <AdminLink
                href={integrationsHref()}
                icon={<Plug size={18} />}
                title="Integrations"
                hint="Plex, Overseerr, Uptime Kuma"
              />
            </Show>
            <Show when={hh.can('manage_members')}>
              <AdminLink
                href={`${base()}/settings/members`}
                icon={<Users size={18} />}
                title="Members"
                hint="Roles, permissions, Plex friends"
              />
              <AdminLink
                href={`${base()}/settings/invites`}
                icon={<Ticket size={18} />}
                title="Invites"
                hint="Links for people without server access"
              />
              <AdminLink
                href={`${base()}/settings/audit`}
                icon={<ScrollText size={18} />}
                title="Audit log"
                hint="Who changed what, and when"
              />
            </Show>
          </div>
        </section>
      </Show>
    </div>
  );
}
