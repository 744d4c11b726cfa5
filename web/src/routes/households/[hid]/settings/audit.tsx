import LoaderCircle from 'lucide-solid/icons/loader-circle';
import ScrollText from 'lucide-solid/icons/scroll-text';
import { createSignal, For, Match, onCleanup, onMount, Show, Switch } from 'solid-js';
import { Button, EmptyState, ErrorState, ListSkeleton } from '../../../../components/states.tsx';
import { ApiError, describeError } from '../../../../lib/api.ts';
import { useHousehold } from '../../../../lib/household-context.ts';
import {
  type AuditEntry,
  describeActor,
  getAudit,
  getMembers,
  memberName,
  toDate,
} from '../../../../lib/identity.ts';
import { usePageTitle } from '../../../../lib/title.ts';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** `member.role_changed` → "Member role changed". */
function actionLabel(action: string): string {
  const words = action.replace(/[._]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function targetLabel(target: unknown, names: ReadonlyMap<string, string>): string | undefined {
  if (!target || typeof target !== 'object') return typeof target === 'string' ? target : undefined;
  const t = target as { type?: unknown; id?: unknown; name?: unknown };
  const id = typeof t.id === 'string' ? t.id : undefined;
  const name = typeof t.name === 'string' ? t.name : id ? (names.get(id) ?? id) : undefined;
  return [typeof t.type === 'string' ? t.type : undefined, name].filter(Boolean).join(' ');
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number' && value > 1e12) return when.format(new Date(value));
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Before/after as "field: old → new" lines (only what changed), or the value when not an object. */
function changes(before: unknown, after: unknown): string[] {
  const isRecord = (v: unknown): v is Record<string, unknown> =>
    !!v && typeof v === 'object' && !Array.isArray(v);
  if (!isRecord(before) && !isRecord(after)) {
    return before == null && after == null ? [] : [`${show(before)} → ${show(after)}`];
  }
  const b = isRecord(before) ? before : {};
  const a = isRecord(after) ? after : {};
  const lines: string[] = [];
  for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
    const from = b[key];
    const to = a[key];
    if (JSON.stringify(from) === JSON.stringify(to)) continue;
    lines.push(from === undefined ? `${key}: ${show(to)}` : `${key}: ${show(from)} → ${show(to)}`);
  }
  return lines;
}

export default function AuditPage() {
  usePageTitle(() => 'Audit log');
  const hh = useHousehold();
  const [entries, setEntries] = createSignal<AuditEntry[]>([]);
  const [cursor, setCursor] = createSignal<string | undefined>();
  const [state, setState] = createSignal<'loading' | 'ready' | 'more' | 'error'>('loading');
  const [error, setError] = createSignal<unknown>();
  // Entries name members by id; the member list turns those into names (best effort).
  const [names, setNames] = createSignal<ReadonlyMap<string, string>>(new Map());
  let controller: AbortController | undefined;

  const fetchPage = async (next: string | undefined) => {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    setState(next ? 'more' : 'loading');
    try {
      const page = await getAudit(hh.hid(), next, mine.signal);
      if (controller !== mine) return;
      setEntries(next ? [...entries(), ...page.entries] : page.entries);
      setCursor(page.cursor ?? undefined);
      setState('ready');
    } catch (err) {
      if (controller !== mine || (err instanceof ApiError && err.code === 'aborted')) return;
      setError(err);
      setState('error');
    }
  };
  onMount(() => {
    void fetchPage(undefined);
    getMembers(hh.hid())
      .then((members) => setNames(new Map(members.map((m) => [m.userId, memberName(m)]))))
      .catch(() => setNames(new Map())); // ids stay readable; the log itself has its own error state
  });
  onCleanup(() => controller?.abort());

  return (
    <section aria-labelledby="audit-title" class="space-y-4">
      <div>
        <h2 id="audit-title" class="text-xl font-semibold tracking-tight text-fg">
          Audit log
        </h2>
        <p class="mt-1 text-sm text-muted">Every admin action in this household, newest first.</p>
      </div>
      <Switch>
        <Match when={state() === 'loading'}>
          <ListSkeleton label="Loading the audit log…" rows={3} rowClass="h-14" />
        </Match>
        <Match when={state() === 'error' && entries().length === 0}>
          <ErrorState
            title="Could not load the audit log"
            message={describeError(error())}
            onRetry={() => void fetchPage(undefined)}
          />
        </Match>
        <Match when={entries().length === 0}>
          <EmptyState icon={<ScrollText size={36} />} title="Nothing recorded yet">
            <p>Changes to members, invites and servers will be listed here.</p>
          </EmptyState>
        </Match>
        <Match when={entries().length > 0}>
          <ol
            class="divide-y divide-line overflow-hidden rounded-2xl border border-line bg-surface"
            data-testid="audit-list"
          >
            <For each={entries()}>
              {(e) => {
                const at = toDate(e.at);
                const target = () => targetLabel(e.target, names());
                const diff = changes(e.before, e.after);
                return (
                  <li class="space-y-1 p-4" data-testid="audit-entry" data-action={e.action}>
                    <p class="flex flex-wrap items-baseline justify-between gap-2">
                      <span class="font-semibold text-fg">{actionLabel(e.action)}</span>
                      <Show when={at}>
                        <time class="text-xs text-muted" datetime={at!.toISOString()}>
                          {when.format(at!)}
                        </time>
                      </Show>
                    </p>
                    <p class="text-sm text-muted">
                      by <span class="text-fg">{describeActor(e)}</span>
                      <Show when={target()}> · {target()}</Show>
                    </p>
                    <Show when={diff.length > 0}>
                      <ul class="flex flex-wrap gap-1.5">
                        <For each={diff}>
                          {(line) => (
                            <li class="rounded-md bg-raised px-2 py-0.5 font-mono text-xs break-all text-muted">
                              {line}
                            </li>
                          )}
                        </For>
                      </ul>
                    </Show>
                  </li>
                );
              }}
            </For>
          </ol>
          <Show when={state() === 'error'}>
            <ErrorState
              title="Could not load more entries"
              message={describeError(error())}
              onRetry={() => void fetchPage(cursor())}
            />
          </Show>
          <Show when={cursor() && state() !== 'error'}>
            <div class="flex justify-center">
              <Button
                variant="secondary"
                onClick={() => void fetchPage(cursor())}
                disabled={state() === 'more'}
              >
                <Show when={state() === 'more'}>
                  <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
                </Show>
                Load older entries
              </Button>
            </div>
          </Show>
        </Match>
      </Switch>
    </section>
  );
}
