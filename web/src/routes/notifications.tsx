import { A, useNavigate, useSearchParams } from '@solidjs/router';
import BellOff from 'lucide-solid/icons/bell-off';
import CheckCheck from 'lucide-solid/icons/check-check';
import LoaderCircle from 'lucide-solid/icons/loader-circle';
import Settings from 'lucide-solid/icons/settings';
import { createEffect, createSignal, For, Match, on, onCleanup, Show, Switch } from 'solid-js';
import { appLink, getInbox, markRead, type Notification } from '../components/notifications/api.ts';
import { inboxVersion, setUnreadCount, unreadCount } from '../components/notifications/unread-badge.tsx';
import { RequireSignIn } from '../components/require-sign-in.tsx';
import { Button, EmptyState, ErrorState, ListSkeleton } from '../components/states.tsx';
import { ApiError, describeError } from '../lib/api.ts';
import { currentHousehold, me } from '../lib/session.ts';
import { usePageTitle } from '../lib/title.ts';
import { showToast } from '../lib/toast.tsx';

type Load =
  | { state: 'loading' }
  | { state: 'ready'; items: Notification[]; cursor: string | undefined }
  | { state: 'error'; error: unknown };

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function relative(at: number): string {
  const s = Math.round((Date.now() - at) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return when.format(at);
}

function Inbox() {
  usePageTitle(() => 'Notifications');
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams<{ show?: string }>();
  const unreadOnly = () => params.show === 'unread';
  const [load, setLoad] = createSignal<Load>({ state: 'loading' });
  const [more, setMore] = createSignal(false);
  const [marking, setMarking] = createSignal(false);
  let controller: AbortController | undefined;

  const fetchFirst = async (quiet = false) => {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    if (!quiet) setLoad({ state: 'loading' });
    try {
      const page = await getInbox({ unreadOnly: unreadOnly() }, mine.signal);
      if (controller !== mine) return;
      setUnreadCount(page.unread);
      setLoad({ state: 'ready', items: page.notifications, cursor: page.cursor });
    } catch (err) {
      if (controller !== mine || (err instanceof ApiError && err.code === 'aborted')) return;
      if (!quiet) setLoad({ state: 'error', error: err });
    }
  };

  createEffect(on(unreadOnly, () => void fetchFirst()));
  // The shell's badge follows the live count; every change re-reads the first page here.
  createEffect(on(inboxVersion, () => void fetchFirst(true), { defer: true }));
  onCleanup(() => controller?.abort());

  const loadMore = async () => {
    const l = load();
    if (l.state !== 'ready' || !l.cursor) return;
    setMore(true);
    try {
      const page = await getInbox({ unreadOnly: unreadOnly(), cursor: l.cursor });
      const seen = new Set(l.items.map((n) => n.id));
      setLoad({
        state: 'ready',
        items: [...l.items, ...page.notifications.filter((n) => !seen.has(n.id))],
        cursor: page.cursor,
      });
    } catch (err) {
      showToast({ title: 'Could not load more', description: describeError(err), tone: 'error' });
    } finally {
      setMore(false);
    }
  };

  const markLocal = (ids: string[] | 'all') => {
    const l = load();
    if (l.state !== 'ready') return;
    const now = Date.now();
    setLoad({
      ...l,
      items: l.items.map((n) =>
        n.readAt === null && (ids === 'all' || ids.includes(n.id)) ? { ...n, readAt: now } : n,
      ),
    });
  };

  const readOne = async (n: Notification) => {
    if (n.readAt !== null) return;
    markLocal([n.id]);
    try {
      setUnreadCount(await markRead([n.id]));
    } catch (err) {
      showToast({ title: 'Could not mark it read', description: describeError(err), tone: 'error' });
      void fetchFirst(true);
    }
  };

  const readAll = async () => {
    setMarking(true);
    const before = load();
    markLocal('all');
    try {
      setUnreadCount(await markRead());
    } catch (err) {
      if (before.state === 'ready') setLoad(before);
      showToast({ title: 'Could not mark everything read', description: describeError(err), tone: 'error' });
    } finally {
      setMarking(false);
    }
  };

  const open = (n: Notification) => {
    void readOne(n);
    const href = appLink(n);
    if (href) navigate(href);
  };

  const householdName = (id: string) => me()?.households.find((h) => h.id === id)?.name;
  const items = () => {
    const l = load();
    return l.state === 'ready' ? l.items : [];
  };
  const hid = () => currentHousehold()?.id;

  return (
    <div class="space-y-6">
      <div class="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 class="text-2xl font-bold tracking-tight text-fg sm:text-3xl">Notifications</h1>
          <p class="mt-1 text-sm text-muted" aria-live="polite" data-testid="inbox-unread">
            {unreadCount() === null
              ? ''
              : unreadCount() === 0
                ? 'You are all caught up.'
                : `${unreadCount()} unread`}
          </p>
        </div>
        <div class="flex flex-wrap gap-2">
          <Show when={hid()}>
            <A
              href={`/households/${encodeURIComponent(hid() as string)}/notifications`}
              class="inline-flex items-center gap-2 rounded-lg border border-line bg-surface px-4 py-2 text-sm font-semibold text-fg hover:bg-raised"
            >
              <Settings size={16} aria-hidden="true" />
              Preferences and channels
            </A>
          </Show>
          <Button onClick={() => void readAll()} disabled={marking() || (unreadCount() ?? 0) === 0}>
            <Show when={marking()} fallback={<CheckCheck size={16} aria-hidden="true" />}>
              <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
            </Show>
            Mark all read
          </Button>
        </div>
      </div>

      <nav aria-label="Which notifications">
        <ul class="flex gap-1 border-b border-line">
          <For
            each={
              [
                { v: undefined, label: 'All' },
                { v: 'unread', label: 'Unread' },
              ] as const
            }
          >
            {(tab) => (
              <li>
                <button
                  type="button"
                  onClick={() => setParams({ show: tab.v })}
                  aria-current={params.show === tab.v ? 'page' : undefined}
                  class="-mb-px border-b-2 px-3 py-2 text-sm font-medium hover:text-fg"
                  classList={{
                    'border-accent text-fg': params.show === tab.v,
                    'border-transparent text-muted': params.show !== tab.v,
                  }}
                >
                  {tab.label}
                </button>
              </li>
            )}
          </For>
        </ul>
      </nav>

      <Switch>
        <Match when={load().state === 'loading'}>
          <ListSkeleton label="Loading notifications…" rows={3} rowClass="h-20" />
        </Match>
        <Match when={load().state === 'error' ? (load() as { error: unknown }) : undefined}>
          {(f) => (
            <ErrorState
              title="Could not load your notifications"
              message={describeError(f().error)}
              onRetry={() => void fetchFirst()}
            />
          )}
        </Match>
        <Match when={items().length === 0}>
          <EmptyState
            icon={<BellOff size={36} />}
            title={unreadOnly() ? 'Nothing unread' : 'No notifications yet'}
          >
            <p>
              You hear here when a request is approved or available, when a service goes down, and when a
              download finishes.
            </p>
          </EmptyState>
        </Match>
        <Match when={items().length > 0}>
          <ul class="space-y-2" data-testid="inbox">
            <For each={items()}>
              {(n) => (
                <li
                  class="flex items-start gap-3 rounded-2xl border p-4"
                  classList={{
                    'border-accent/40 bg-accent-soft': n.readAt === null,
                    'border-line bg-surface': n.readAt !== null,
                  }}
                  data-testid="notification"
                  data-event={n.event}
                  data-unread={n.readAt === null ? 'true' : 'false'}
                >
                  <span
                    class="mt-1.5 size-2 shrink-0 rounded-full"
                    classList={{ 'bg-accent': n.readAt === null, 'bg-transparent': n.readAt !== null }}
                    aria-hidden="true"
                  />
                  <div class="min-w-0 flex-1">
                    <p class="font-semibold text-fg">
                      <Show when={appLink(n)} fallback={n.title}>
                        <a
                          href={appLink(n) ?? '#'}
                          onClick={(e) => {
                            e.preventDefault();
                            open(n);
                          }}
                          class="hover:underline"
                        >
                          {n.title}
                        </a>
                      </Show>
                      <Show when={n.readAt === null}>
                        <span class="sr-only"> (unread)</span>
                      </Show>
                    </p>
                    <p class="mt-0.5 text-sm text-fg/85">{n.body}</p>
                    <p class="mt-1 text-xs text-muted">
                      <time datetime={new Date(n.createdAt).toISOString()}>{relative(n.createdAt)}</time>
                      {householdName(n.householdId) && (me()?.households.length ?? 0) > 1
                        ? ` · ${householdName(n.householdId)}`
                        : ''}
                    </p>
                  </div>
                  <Show when={n.readAt === null}>
                    <Button variant="ghost" class="!px-2 !py-1 text-xs" onClick={() => void readOne(n)}>
                      Mark read<span class="sr-only">: {n.title}</span>
                    </Button>
                  </Show>
                </li>
              )}
            </For>
          </ul>
          <Show when={load().state === 'ready' && (load() as { cursor?: string }).cursor}>
            <div class="flex justify-center">
              <Button variant="secondary" onClick={() => void loadMore()} disabled={more()}>
                {more() ? 'Loading…' : 'Show more'}
              </Button>
            </div>
          </Show>
        </Match>
      </Switch>
    </div>
  );
}

export default function NotificationsPage() {
  return <RequireSignIn>{() => <Inbox />}</RequireSignIn>;
}
