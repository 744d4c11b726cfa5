/**
 * One download as the queue and the history show it: a submission (a link a member queued) with
 * its video jobs. A single video is one row; a playlist is a header with the overall progress and
 * one row per video. Live values (percent, speed, ETA) come from the page's store, which patches
 * them from `download.progress` messages.
 */
import CircleAlert from 'lucide-solid/icons/circle-alert';
import CircleCheck from 'lucide-solid/icons/circle-check';
import Clock from 'lucide-solid/icons/clock';
import ListVideo from 'lucide-solid/icons/list-video';
import RotateCcw from 'lucide-solid/icons/rotate-ccw';
import X from 'lucide-solid/icons/x';
import { For, type JSX, Show } from 'solid-js';
import { Button } from '../states.tsx';
import { ago, type Download, formatBytes, formatDuration, isActive, STATE_LABELS } from './api.ts';

export const WAITING_TEXT = 'Waiting for the household agent';

const stateStyle = (state: string) =>
  state === 'done'
    ? 'bg-ok-soft text-ok'
    : state === 'failed'
      ? 'bg-bad-soft text-bad'
      : state === 'cancelled'
        ? 'bg-raised text-muted'
        : 'bg-accent-soft text-accent';

export function StateBadge(props: { state: string; waiting?: boolean }) {
  return (
    <span
      class={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ${
        props.waiting ? 'bg-warn-soft text-warn' : stateStyle(props.state)
      }`}
      data-testid="state"
      data-state={props.state}
    >
      {props.waiting ? 'Waiting' : (STATE_LABELS[props.state] ?? props.state)}
    </span>
  );
}

export const percentOf = (d: Download) => (d.state === 'done' ? 100 : (d.progress?.percent ?? 0));

export function ProgressBar(props: { percent: number; label: string; indeterminate?: boolean }) {
  const pct = () => Math.max(0, Math.min(100, props.percent));
  return (
    <div
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={props.indeterminate ? undefined : Math.round(pct())}
      aria-valuetext={props.indeterminate ? 'Working' : `${pct().toFixed(0)} percent`}
      data-testid="progress"
      data-percent={pct().toFixed(1)}
      class="h-2 w-full overflow-hidden rounded-full bg-raised"
    >
      <div
        class="h-full rounded-full bg-accent transition-[width] duration-300 ease-out"
        classList={{ 'animate-pulse': !!props.indeterminate }}
        style={{ width: `${props.indeterminate ? 100 : pct()}%` }}
      />
    </div>
  );
}

/** "42% · 1.2 MB/s · 1 min 5 s left" for a running download. */
function Stats(props: { d: Download }) {
  const p = () => props.d.progress;
  return (
    <p class="text-xs text-muted tabular-nums" data-testid="progress-text">
      <span data-testid="percent">{percentOf(props.d).toFixed(0)}%</span>
      <Show when={p()?.totalBytes}>
        {(total) => (
          <>
            {' '}
            · {formatBytes(p()?.downloadedBytes ?? 0)} of {formatBytes(total())}
          </>
        )}
      </Show>
      <Show when={p()?.speed}>{(speed) => <> · {formatBytes(speed())}/s</>}</Show>
      <Show when={p()?.eta !== null && p()?.eta !== undefined && props.d.state === 'downloading'}>
        {' '}
        · {formatDuration(p()?.eta ?? 0)} left
      </Show>
    </p>
  );
}

/** What a job is doing, in words, under its title. */
function Status(props: { d: Download }) {
  const d = () => props.d;
  return (
    <>
      <Show when={d().waitingForAgent && d().state === 'queued'}>
        <p class="flex items-center gap-1.5 text-sm text-warn" data-testid="waiting">
          <Clock size={14} aria-hidden="true" />
          {WAITING_TEXT}
        </p>
      </Show>
      <Show when={d().state === 'resolving'}>
        <p class="text-sm text-muted">Reading the link: title, channel and playlist entries…</p>
      </Show>
      <Show when={d().state === 'failed' && d().reason}>
        <p class="flex items-start gap-1.5 text-sm text-bad" data-testid="reason">
          <CircleAlert size={14} class="mt-0.5 shrink-0" aria-hidden="true" />
          <span>{d().reason?.message}</span>
        </p>
      </Show>
      <Show when={d().duplicates.length > 0}>
        <p class="text-sm text-muted" data-testid="duplicates">
          Skipped, already in the household:{' '}
          {d()
            .duplicates.map((x) => x.title)
            .join(', ')}
        </p>
      </Show>
    </>
  );
}

function Title(props: { d: Download; fallback?: string | null | undefined }) {
  const text = () => props.d.title ?? props.fallback ?? props.d.url;
  return (
    <span class="block truncate font-medium text-fg" title={text()}>
      {text()}
    </span>
  );
}

/** One video of a playlist. */
function ChildRow(props: { d: Download }) {
  const d = () => props.d;
  return (
    <li class="space-y-1.5 py-3" data-testid="download-child" data-id={d().id} data-state={d().state}>
      <div class="flex items-center gap-2">
        <div class="min-w-0 flex-1">
          <Title d={d()} />
        </div>
        <StateBadge state={d().state} waiting={d().waitingForAgent && d().state === 'queued'} />
      </div>
      <Show when={isActive(d().state) || d().state === 'done'}>
        <ProgressBar percent={percentOf(d())} label={`Progress of ${d().title ?? 'video'}`} />
        <Show when={d().state === 'downloading'}>
          <Stats d={d()} />
        </Show>
      </Show>
      <Status d={d()} />
    </li>
  );
}

export interface DownloadCardProps {
  d: Download;
  children: Download[];
  /** Who queued it (admins see everyone's). */
  owner?: string | undefined;
  busy: boolean;
  onCancel: () => void;
  onRetry: () => void;
}

export function DownloadCard(props: DownloadCardProps) {
  const d = () => props.d;
  const single = () => (props.children.length === 1 ? props.children[0] : undefined);
  /** The row whose live numbers the header shows: the video itself, or the submission. */
  const shown = () => single() ?? d();
  const isPlaylist = () => props.children.length > 1 || (d().playlist !== null && props.children.length > 0);
  const overall = () =>
    props.children.length > 0
      ? props.children.reduce((s, c) => s + percentOf(c), 0) / props.children.length
      : percentOf(d());
  const doneCount = () => props.children.filter((c) => c.state === 'done').length;
  const title = () => (isPlaylist() ? (d().playlist ?? d().title) : (shown().title ?? d().title));
  const label = () => title() ?? d().url;
  const meta = (): JSX.Element => (
    <p class="truncate text-sm text-muted">
      <Show when={isPlaylist()}>
        <ListVideo size={14} class="mr-1 inline align-[-2px]" aria-hidden="true" />
        Playlist · {doneCount()} of {props.children.length} done ·{' '}
      </Show>
      <Show when={shown().channel ?? d().channel}>{(c) => <>{c()} · </>}</Show>
      <Show when={props.owner}>{(o) => <>queued by {o()} · </>}</Show>
      {ago(d().createdAt)}
    </p>
  );

  return (
    <li
      class="rounded-2xl border border-line bg-surface p-4"
      data-testid="download"
      data-id={d().id}
      data-state={d().state}
      aria-label={label()}
    >
      <div class="flex flex-wrap items-start gap-3">
        <div class="min-w-0 flex-1 space-y-1">
          <div class="flex items-center gap-2">
            <Show when={d().state === 'done'}>
              <CircleCheck size={18} class="shrink-0 text-ok" aria-hidden="true" />
            </Show>
            <div class="min-w-0 flex-1">
              <Title d={{ ...d(), title: title() }} />
            </div>
            <StateBadge state={d().state} waiting={d().waitingForAgent && d().state === 'queued'} />
          </div>
          {meta()}
        </div>
        <div class="flex gap-2">
          <Show when={isActive(d().state)}>
            <Button
              variant="secondary"
              disabled={props.busy}
              onClick={() => props.onCancel()}
              aria-label={`Cancel ${label()}`}
            >
              <X size={16} aria-hidden="true" />
              Cancel
            </Button>
          </Show>
          <Show when={d().state === 'failed' || d().state === 'cancelled'}>
            <Button
              variant="secondary"
              disabled={props.busy}
              onClick={() => props.onRetry()}
              aria-label={`Retry ${label()}`}
            >
              <RotateCcw size={16} aria-hidden="true" />
              Retry
            </Button>
          </Show>
        </div>
      </div>

      <Show when={isActive(d().state) && d().state !== 'queued'}>
        <div class="mt-3 space-y-1.5">
          <ProgressBar
            percent={overall()}
            label={`Progress of ${label()}`}
            indeterminate={d().state === 'resolving'}
          />
          <Show
            when={!isPlaylist() && shown().state === 'downloading'}
            fallback={
              <Show when={isPlaylist()}>
                <p class="text-xs text-muted tabular-nums">
                  <span data-testid="percent">{overall().toFixed(0)}%</span> overall
                </p>
              </Show>
            }
          >
            <Stats d={shown()} />
          </Show>
          <Show when={!isPlaylist() && single() && single()?.state !== d().state}>
            <p class="text-xs text-muted">{STATE_LABELS[shown().state] ?? shown().state}</p>
          </Show>
        </div>
      </Show>
      <div class="mt-2 space-y-1">
        <Status d={d()} />
        <Show
          when={single() && single()?.state === 'failed' && single()?.reason?.message !== d().reason?.message}
        >
          <Status d={shown()} />
        </Show>
      </div>

      <Show when={isPlaylist()}>
        <ul class="mt-3 divide-y divide-line border-t border-line" aria-label={`Videos of ${label()}`}>
          <For each={props.children}>{(c) => <ChildRow d={c} />}</For>
        </ul>
      </Show>
    </li>
  );
}
