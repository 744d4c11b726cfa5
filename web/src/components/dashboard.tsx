/**
 * The pieces of the live dashboard (routes/households/[hid]/index.tsx): service cards with uptime
 * bars, the monitor list, now playing and recently added. Every state in words: a card says why a
 * service is not up, a section that could not load says so with a retry.
 */
import { A } from '@solidjs/router';
import Activity from 'lucide-solid/icons/activity';
import CircleAlert from 'lucide-solid/icons/circle-alert';
import CircleCheck from 'lucide-solid/icons/circle-check';
import CircleDashed from 'lucide-solid/icons/circle-dashed';
import CircleX from 'lucide-solid/icons/circle-x';
import Clock from 'lucide-solid/icons/clock';
import EyeOff from 'lucide-solid/icons/eye-off';
import Film from 'lucide-solid/icons/film';
import Inbox from 'lucide-solid/icons/inbox';
import Plug from 'lucide-solid/icons/plug';
import Server from 'lucide-solid/icons/server';
import Wrench from 'lucide-solid/icons/wrench';
import { createSignal, For, type JSX, Match, Show, Switch } from 'solid-js';
import { describeError } from '../lib/api.ts';
import {
  type Bar,
  type BoardCard,
  formatMs,
  formatPercent,
  getHistory,
  type HistoryPoint,
  type LiveCard,
  type NowPlaying,
  type PlexProblem,
  posterUrl,
  type RecentItem,
  statusLabel,
  statusTone,
} from '../lib/status.ts';
import { ErrorState, Skeleton } from './states.tsx';

const toneClass: Record<ReturnType<typeof statusTone>, string> = {
  ok: 'bg-ok-soft text-ok',
  warn: 'bg-warn-soft text-warn',
  bad: 'bg-bad-soft text-bad',
  muted: 'bg-raised text-muted',
};

const barClass: Record<string, string> = {
  up: 'bg-ok',
  degraded: 'bg-warn',
  maintenance: 'bg-accent',
  down: 'bg-bad',
  unknown: 'bg-muted/50',
  none: 'bg-line',
};

function StatusIcon(props: { status: string }) {
  return (
    <Switch fallback={<CircleDashed size={14} aria-hidden="true" />}>
      <Match when={props.status === 'up'}>
        <CircleCheck size={14} aria-hidden="true" />
      </Match>
      <Match when={props.status === 'degraded'}>
        <CircleAlert size={14} aria-hidden="true" />
      </Match>
      <Match when={props.status === 'maintenance'}>
        <Wrench size={14} aria-hidden="true" />
      </Match>
      <Match when={props.status === 'down'}>
        <CircleX size={14} aria-hidden="true" />
      </Match>
    </Switch>
  );
}

export function StatusBadge(props: { card: Pick<LiveCard, 'status' | 'code' | 'kind'> }) {
  return (
    <span
      data-testid="status-badge"
      class={`inline-flex shrink-0 items-center gap-1 rounded-full px-2.5 py-0.5 text-xs font-semibold ${toneClass[statusTone(props.card.status)]}`}
    >
      <StatusIcon status={props.card.status} />
      {statusLabel(props.card)}
    </span>
  );
}

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const day = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

export function sinceText(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return day.format(ms);
}

type Period = 'h24' | 'd7' | 'd30';
const periods: { id: Period; label: string; long: string }[] = [
  { id: 'h24', label: '24 h', long: 'last 24 hours' },
  { id: 'd7', label: '7 d', long: 'last 7 days' },
  { id: 'd30', label: '30 d', long: 'last 30 days' },
];

function barsFor(card: BoardCard, period: Period): Bar[] {
  if (period === 'h24') return card.hours;
  return period === 'd7' ? card.days.slice(-7) : card.days;
}

function UptimeBars(props: { card: BoardCard; idPrefix: string }) {
  const [period, setPeriod] = createSignal<Period>('h24');
  const current = () => periods.find((p) => p.id === period()) ?? periods[0]!;
  const bars = () => barsFor(props.card, period());
  const summary = () => {
    const u = props.card.uptime[period()];
    return u === null
      ? `No checks in the ${current().long}`
      : `${formatPercent(u)} up in the ${current().long}`;
  };
  const title = (b: Bar) =>
    `${period() === 'h24' ? clock.format(b.start) : day.format(b.start)}: ${
      b.status === 'none'
        ? 'no checks'
        : `${b.status}${b.uptime === null ? '' : `, ${formatPercent(b.uptime)} up`}`
    }`;
  return (
    <div class="space-y-2">
      <fieldset class="flex flex-wrap items-center gap-1">
        <legend class="sr-only">Uptime period</legend>
        <For each={periods}>
          {(p) => (
            <button
              type="button"
              aria-pressed={period() === p.id}
              onClick={() => setPeriod(p.id)}
              class="rounded-md px-2 py-1 text-xs font-medium text-muted hover:bg-raised hover:text-fg aria-pressed:bg-raised aria-pressed:text-fg"
            >
              {p.label} <span class="font-semibold">{formatPercent(props.card.uptime[p.id])}</span>
            </button>
          )}
        </For>
      </fieldset>
      <div
        role="img"
        aria-label={summary()}
        id={`${props.idPrefix}-bars`}
        class="flex h-7 items-stretch gap-px"
        data-testid="uptime-bars"
      >
        <For each={bars()}>
          {(b) => (
            <span title={title(b)} class={`min-w-0 flex-1 rounded-sm ${barClass[b.status] ?? 'bg-line'}`} />
          )}
        </For>
      </div>
    </div>
  );
}

function kindIcon(kind: string): JSX.Element {
  if (kind === 'plex') return <Server size={18} />;
  if (kind === 'overseerr') return <Inbox size={18} />;
  if (kind === 'uptime_kuma') return <Activity size={18} />;
  return <Plug size={18} />;
}

const kindLabel: Record<string, string> = {
  plex: 'Plex Media Server',
  overseerr: 'Overseerr',
  uptime_kuma: 'Uptime Kuma',
  monitor: 'Uptime Kuma monitor',
};

function facts(card: LiveCard): { label: string; value: string }[] {
  const d = card.details;
  const out: { label: string; value: string }[] = [{ label: 'Response', value: formatMs(card.latencyMs) }];
  if (d.activeStreams !== undefined) out.push({ label: 'Streams', value: String(d.activeStreams) });
  if (d.pendingRequests !== undefined)
    out.push({ label: 'Pending requests', value: String(d.pendingRequests) });
  if (d.monitorCount !== undefined) out.push({ label: 'Monitors', value: String(d.monitorCount) });
  if (d.version) out.push({ label: 'Version', value: d.version });
  return out;
}

/** The per-check points of the last 24 h (the history route), loaded when asked for. */
function RecentChecks(props: { hid: string; service: string }) {
  const [open, setOpen] = createSignal(false);
  const [state, setState] = createSignal<
    | { state: 'idle' }
    | { state: 'loading' }
    | { state: 'ready'; points: HistoryPoint[] }
    | { state: 'error'; error: unknown }
  >({ state: 'idle' });
  const load = async () => {
    setState({ state: 'loading' });
    try {
      const { points } = await getHistory(props.hid, props.service);
      setState({ state: 'ready', points });
    } catch (error) {
      setState({ state: 'error', error });
    }
  };
  const toggle = () => {
    const next = !open();
    setOpen(next);
    if (next) void load();
  };
  const panel = `checks-${props.service.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
  const stats = (points: HistoryPoint[]) => {
    const ms = points.map((p) => p.latencyMs).filter((x): x is number => x !== null);
    const failed = points.filter((p) => p.status !== 'up').length;
    return {
      count: points.length,
      failed,
      median: ms.length ? [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)]! : null,
      max: ms.length ? Math.max(...ms) : null,
    };
  };
  return (
    <div>
      <button
        type="button"
        aria-expanded={open()}
        aria-controls={panel}
        onClick={toggle}
        class="inline-flex items-center gap-1.5 rounded-md px-1 py-0.5 text-xs font-medium text-muted hover:text-fg"
      >
        <Clock size={14} aria-hidden="true" />
        {open() ? 'Hide recent checks' : 'Recent checks'}
      </button>
      <Show when={open()}>
        <div id={panel} class="mt-2 text-xs text-muted">
          <Switch>
            <Match when={state().state === 'loading' || state().state === 'idle'}>
              <Skeleton class="h-8 w-full" />
            </Match>
            <Match when={state().state === 'error'}>
              <p role="alert" class="text-fg">
                Could not load the checks: {describeError((state() as { error: unknown }).error)}{' '}
                <button type="button" class="font-semibold text-accent underline" onClick={() => void load()}>
                  Try again
                </button>
              </p>
            </Match>
            <Match when={state().state === 'ready' && (state() as { points: HistoryPoint[] }).points}>
              {(points) => {
                const s = () => stats(points());
                return (
                  <Show when={s().count > 0} fallback={<p>No checks in the last 24 hours yet.</p>}>
                    <p>
                      {s().count} checks in 24 h,{' '}
                      {s().failed === 0 ? 'none failed;' : `${s().failed} not up;`}
                      median response {formatMs(s().median)}, slowest {formatMs(s().max)}.
                    </p>
                    <div class="mt-1 flex h-4 items-end gap-px" aria-hidden="true">
                      <For each={points().slice(-60)}>
                        {(p) => (
                          <span
                            class={`min-w-0 flex-1 rounded-sm ${barClass[p.status] ?? 'bg-line'}`}
                            style={{
                              height: `${Math.max(20, Math.min(100, ((p.latencyMs ?? 0) / Math.max(1, s().max ?? 1)) * 100))}%`,
                            }}
                          />
                        )}
                      </For>
                    </div>
                  </Show>
                );
              }}
            </Match>
          </Switch>
        </div>
      </Show>
    </div>
  );
}

export function MonitorRow(props: { card: BoardCard | LiveCard; admin: boolean }) {
  const uptime = () => props.card.details.kumaUptime24h;
  return (
    <li
      data-testid="monitor-row"
      data-service={props.card.service}
      data-status={props.card.status}
      class="flex flex-wrap items-center gap-x-3 gap-y-1 px-4 py-3"
    >
      <StatusBadge card={props.card} />
      <span class="min-w-[8rem] flex-1">
        <span class="block truncate font-medium text-fg">{props.card.name}</span>
        <Show when={props.card.status !== 'up' && props.card.reason}>
          <span class="block text-sm text-muted" data-testid="monitor-reason">
            {props.card.reason}
          </span>
        </Show>
      </span>
      <span class="flex items-center gap-3 text-xs text-muted">
        <Show when={props.admin && !props.card.visible}>
          <span class="inline-flex items-center gap-1" title="Members do not see this monitor">
            <EyeOff size={14} aria-hidden="true" />
            Hidden from members
          </span>
        </Show>
        <Show when={props.card.details.group}>
          <span>{props.card.details.group}</span>
        </Show>
        <span>
          <span class="sr-only">Response time </span>
          {formatMs(props.card.latencyMs)}
        </span>
        <Show when={uptime() !== undefined && uptime() !== null}>
          <span>{formatPercent(uptime())} (24 h)</span>
        </Show>
      </span>
    </li>
  );
}

export function ServiceCard(props: { card: BoardCard; hid: string; admin: boolean }) {
  const id = () => `card-${props.card.service.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
  const checking = () => props.card.code === 'status.not_checked';
  return (
    <article
      aria-labelledby={`${id()}-title`}
      data-testid="service-card"
      data-service={props.card.service}
      data-status={props.card.status}
      class="flex flex-col gap-4 rounded-2xl border border-line bg-surface p-5"
      classList={{
        'border-bad/50': props.card.status === 'down',
        'border-warn/50': props.card.status === 'degraded',
      }}
    >
      <header class="flex items-start gap-3">
        <span
          class="flex size-9 shrink-0 items-center justify-center rounded-xl bg-accent-soft text-accent"
          aria-hidden="true"
        >
          {kindIcon(props.card.kind)}
        </span>
        <span class="min-w-0 flex-1">
          <h3 id={`${id()}-title`} class="truncate font-semibold text-fg">
            {props.card.name}
          </h3>
          <span class="block text-xs text-muted">{kindLabel[props.card.kind] ?? props.card.kind}</span>
        </span>
        <StatusBadge card={props.card} />
      </header>
      <Show when={props.card.reason && props.card.status !== 'up' ? props.card.reason : undefined}>
        {(reason) => (
          <p
            data-testid="card-reason"
            class="rounded-lg px-3 py-2 text-sm text-fg"
            classList={{
              'bg-bad-soft': props.card.status === 'down',
              'bg-warn-soft': props.card.status === 'degraded' || props.card.status === 'maintenance',
              'bg-raised': props.card.status !== 'down' && props.card.status !== 'degraded',
            }}
          >
            {checking() ? 'Checking now: the first result arrives in a moment.' : reason()}
          </p>
        )}
      </Show>
      <dl class="grid grid-cols-2 gap-x-4 gap-y-2 text-sm sm:grid-cols-3">
        <For each={facts(props.card)}>
          {(f) => (
            <div class="min-w-0">
              <dt class="text-xs text-muted">{f.label}</dt>
              <dd class="truncate font-medium text-fg">{f.value}</dd>
            </div>
          )}
        </For>
        <Show when={!checking()}>
          <div class="min-w-0">
            <dt class="text-xs text-muted">{props.card.status === 'up' ? 'Up since' : 'Since'}</dt>
            <dd class="truncate font-medium text-fg">{sinceText(props.card.since)}</dd>
          </div>
        </Show>
      </dl>
      <UptimeBars card={props.card} idPrefix={id()} />
      <Show when={props.card.monitors.length > 0}>
        <div>
          <h4 class="mb-1 text-xs font-semibold tracking-wide text-muted uppercase">Monitors</h4>
          <ul class="-mx-4 divide-y divide-line">
            <For each={props.card.monitors as BoardCard[]}>
              {(m) => <MonitorRow card={m} admin={props.admin} />}
            </For>
          </ul>
        </div>
      </Show>
      <RecentChecks hid={props.hid} service={props.card.service} />
    </article>
  );
}

export function CardSkeleton() {
  return (
    <div class="space-y-4 rounded-2xl border border-line bg-surface p-5" aria-hidden="true">
      <div class="flex items-center gap-3">
        <Skeleton class="size-9 rounded-xl" />
        <div class="flex-1 space-y-2">
          <Skeleton class="h-4 w-2/3" />
          <Skeleton class="h-3 w-1/3" />
        </div>
      </div>
      <Skeleton class="h-10 w-full" />
      <Skeleton class="h-7 w-full" />
    </div>
  );
}

/** An integration kind that is not set up: admins get the way to it, members a sentence. */
export function NotConfiguredCard(props: { kind: string; href: string }) {
  return (
    <div
      data-testid="not-configured"
      data-kind={props.kind}
      class="flex flex-col items-start gap-3 rounded-2xl border border-dashed border-line p-5"
    >
      <span class="flex items-center gap-2 font-semibold text-fg">
        <span class="text-muted" aria-hidden="true">
          {kindIcon(props.kind)}
        </span>
        {kindLabel[props.kind]} is not connected
      </span>
      <A href={props.href} class="text-sm font-semibold text-accent underline-offset-2 hover:underline">
        Connect {kindLabel[props.kind]}
      </A>
    </div>
  );
}

export function ProblemsNote(props: { problems: PlexProblem[] }) {
  return (
    <Show when={props.problems.length > 0}>
      <ul class="space-y-1" data-testid="plex-problems">
        <For each={props.problems}>
          {(p) => (
            <li class="flex items-start gap-2 rounded-lg bg-warn-soft px-3 py-2 text-sm text-fg">
              <CircleAlert size={16} class="mt-0.5 shrink-0 text-warn" aria-hidden="true" />
              <span>
                {p.server} did not answer: {p.message}
              </span>
            </li>
          )}
        </For>
      </ul>
    </Show>
  );
}

export function PosterRow(props: { hid: string; items: RecentItem[] }) {
  return (
    // Scrolls sideways: focusable so the keyboard can scroll it too.
    <section
      aria-label="Recently added posters"
      tabindex="0"
      class="overflow-x-auto pb-2 focus-visible:outline-2 focus-visible:outline-accent"
    >
      <ul class="grid auto-cols-[7rem] grid-flow-col gap-3 sm:auto-cols-[9rem]" data-testid="recently-added">
        <For each={props.items}>
          {(item) => (
            <li class="min-w-0">
              <div class="aspect-[2/3] w-full overflow-hidden rounded-xl bg-raised">
                <Show
                  when={item.thumb}
                  fallback={
                    <div class="flex size-full items-center justify-center text-muted" aria-hidden="true">
                      <Film size={28} />
                    </div>
                  }
                >
                  {(thumb) => (
                    <img
                      src={posterUrl(props.hid, item.server.machineIdentifier, thumb())}
                      alt=""
                      width="200"
                      height="300"
                      loading="lazy"
                      decoding="async"
                      class="size-full object-cover"
                    />
                  )}
                </Show>
              </div>
              <p class="mt-1.5 truncate text-sm font-medium text-fg" title={item.title}>
                {item.title}
              </p>
              <p class="truncate text-xs text-muted">
                {item.parentTitle ?? (item.year ? String(item.year) : item.type)}
              </p>
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}

const decisionLabel: Record<string, { label: string; tone: string }> = {
  transcode: { label: 'Transcode', tone: 'bg-warn-soft text-warn' },
  copy: { label: 'Direct stream', tone: 'bg-accent-soft text-accent' },
  direct_play: { label: 'Direct play', tone: 'bg-ok-soft text-ok' },
};

export function SessionRow(props: { hid: string; session: NowPlaying['sessions'][number] }) {
  const s = () => props.session;
  const pct = () => (s().progress === null ? null : Math.round((s().progress ?? 0) * 100));
  const decision = () => decisionLabel[s().decision] ?? { label: s().decision, tone: 'bg-raised text-muted' };
  const player = () =>
    [s().player.title, s().player.product, s().player.platform].filter((x): x is string => !!x).join(' · ');
  return (
    <li class="flex gap-3 px-4 py-3" data-testid="now-playing-row">
      <div class="aspect-[2/3] w-12 shrink-0 overflow-hidden rounded-lg bg-raised">
        <Show when={s().thumb}>
          {(thumb) => (
            <img
              src={posterUrl(props.hid, s().server.machineIdentifier, thumb(), 100, 150)}
              alt=""
              width="100"
              height="150"
              loading="lazy"
              class="size-full object-cover"
            />
          )}
        </Show>
      </div>
      <div class="min-w-0 flex-1 space-y-1">
        <div class="flex flex-wrap items-center gap-2">
          <span class="min-w-0 truncate font-medium text-fg">
            {s().grandparentTitle ? `${s().grandparentTitle} — ${s().title}` : s().title}
          </span>
          <span
            class={`rounded-full px-2 py-0.5 text-xs font-semibold ${decision().tone}`}
            data-testid="decision"
          >
            {decision().label}
          </span>
        </div>
        <p class="truncate text-sm text-muted">
          <span class="font-medium text-fg">{s().user.title}</span>
          <Show when={player()}> on {player()}</Show>
          <Show when={s().player.state}> · {s().player.state}</Show>
          <Show when={s().location}> · {s().location === 'lan' ? 'home network' : 'remote'}</Show>
        </p>
        <Show when={pct() !== null}>
          <div
            role="progressbar"
            aria-label={`Progress of ${s().title}`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={pct() ?? 0}
            class="h-1.5 w-full overflow-hidden rounded-full bg-raised"
          >
            <div class="h-full rounded-full bg-accent" style={{ width: `${pct()}%` }} />
          </div>
        </Show>
      </div>
    </li>
  );
}

export function SectionError(props: { what: string; error: unknown; onRetry: () => void }) {
  return (
    <ErrorState
      title={`Could not load ${props.what}`}
      message={describeError(props.error)}
      onRetry={props.onRetry}
    />
  );
}
