/**
 * The shared loading / error / empty states, so every page designs each state the same way.
 */
import CircleAlert from 'lucide-solid/icons/circle-alert';
import RefreshCw from 'lucide-solid/icons/refresh-cw';
import { For, type JSX, Show } from 'solid-js';

export function Skeleton(props: { class?: string }) {
  return <div class={`mn-skeleton ${props.class ?? ''}`} aria-hidden="true" />;
}

/** A list that is loading: `rows` placeholder rows of `rowClass` height, announced as `label`. */
export function ListSkeleton(props: { label: string; rows: number; rowClass: string }) {
  return (
    <div class="space-y-2" aria-busy="true">
      <span class="sr-only" role="status">
        {props.label}
      </span>
      <For each={Array.from({ length: props.rows })}>{() => <Skeleton class={props.rowClass} />}</For>
    </div>
  );
}

export function ErrorState(props: {
  title: string;
  message: string;
  requestId?: string | undefined;
  onRetry?: () => void;
  retrying?: boolean;
}) {
  return (
    <div
      role="alert"
      data-testid="error-state"
      class="flex flex-col items-start gap-4 rounded-2xl border border-bad/40 bg-bad-soft p-5 sm:flex-row sm:items-center"
    >
      <CircleAlert size={24} class="shrink-0 text-bad" aria-hidden="true" />
      <div class="min-w-0 flex-1">
        <p class="font-semibold text-fg">{props.title}</p>
        <p class="mt-1 text-sm text-fg/85">{props.message}</p>
        <Show when={props.requestId}>
          <p class="mt-1 font-mono text-xs text-muted">Request ID {props.requestId}</p>
        </Show>
      </div>
      <Show when={props.onRetry}>
        <Button onClick={() => props.onRetry?.()} disabled={props.retrying} variant="secondary">
          <RefreshCw size={16} aria-hidden="true" classList={{ 'animate-spin': !!props.retrying }} />
          {props.retrying ? 'Retrying…' : 'Try again'}
        </Button>
      </Show>
    </div>
  );
}

export function EmptyState(props: { icon?: JSX.Element; title: string; children?: JSX.Element }) {
  return (
    <div class="flex flex-col items-center gap-3 rounded-2xl border border-dashed border-line px-6 py-12 text-center">
      <Show when={props.icon}>
        <span class="text-muted" aria-hidden="true">
          {props.icon}
        </span>
      </Show>
      <p class="font-semibold text-fg">{props.title}</p>
      <Show when={props.children}>
        <div class="max-w-md text-sm text-muted">{props.children}</div>
      </Show>
    </div>
  );
}

export function Button(
  props: JSX.ButtonHTMLAttributes<HTMLButtonElement> & { variant?: 'primary' | 'secondary' | 'ghost' },
) {
  const variant = () => props.variant ?? 'primary';
  return (
    <button
      type="button"
      {...props}
      classList={{
        'inline-flex items-center justify-center gap-2 rounded-lg px-4 py-2 text-sm font-semibold transition-colors disabled:cursor-not-allowed disabled:opacity-60': true,
        'bg-accent text-accent-fg hover:brightness-110': variant() === 'primary',
        'border border-line bg-surface text-fg hover:bg-raised': variant() === 'secondary',
        'text-muted hover:bg-raised hover:text-fg': variant() === 'ghost',
        [props.class ?? '']: !!props.class,
      }}
    />
  );
}
