/**
 * The bell in the shell header with the unread count, kept live: read from the API when someone
 * signs in and after every (re)connection, then set by `notification.unread` pushes (the server
 * sends the new count to every open tab of the user). A rise in the count is a new notification:
 * the newest one is read and shown as a toast. `inboxVersion()` ticks on every change so an open
 * inbox page re-reads itself.
 */
import { A } from '@solidjs/router';
import Bell from 'lucide-solid/icons/bell';
import { createEffect, createSignal, on, onCleanup, onMount, Show } from 'solid-js';
import { meState } from '../../lib/session.ts';
import { showToast } from '../../lib/toast.tsx';
import { realtime } from '../../lib/ws.ts';
import { getInbox, getUnreadCount } from './api.ts';

const [unread, setUnread] = createSignal<number | null>(null);
const [version, setVersion] = createSignal(0);

/** The signed-in user's unread count (null until read). */
export const unreadCount = unread;
/** Bumps whenever notifications changed (arrived, read elsewhere). */
export const inboxVersion = version;

/** Pages that change the count themselves (mark read) report the server's answer here. */
export function setUnreadCount(count: number): void {
  setUnread(Math.max(0, count));
}

let lastToastedId: string | undefined;

async function toastNewest(): Promise<void> {
  try {
    const page = await getInbox({ limit: 1, unreadOnly: true });
    const n = page.notifications[0];
    if (!n || n.id === lastToastedId) return;
    lastToastedId = n.id;
    showToast({
      title: n.title,
      description: n.body,
      tone:
        n.event.endsWith('declined') || n.event.endsWith('failed') || n.event === 'service.down'
          ? 'error'
          : 'info',
    });
  } catch {
    // The badge already says there is something new; the toast is a courtesy.
  }
}

function applyCount(count: number, announce: boolean): void {
  const before = unread();
  setUnread(Math.max(0, count));
  if (before !== count) setVersion((v) => v + 1);
  if (announce && before !== null && count > before) void toastNewest();
}

export function UnreadBadge() {
  const userId = () => {
    const s = meState();
    return s.state === 'signed_in' ? s.me.user.id : null;
  };
  let controller: AbortController | undefined;
  const read = async () => {
    controller?.abort();
    if (!userId()) return;
    const mine = new AbortController();
    controller = mine;
    try {
      const count = await getUnreadCount(mine.signal);
      if (controller === mine) applyCount(count, false);
    } catch {
      // Left as it was; the next connection or push tries again.
    }
  };

  createEffect(
    on(userId, (id) => {
      if (!id) {
        controller?.abort();
        setUnread(null);
        return;
      }
      void read();
    }),
  );

  onMount(() => {
    const offs = [
      realtime.subscribe<{ type: string; data?: { count?: unknown } }>('notification.unread', (m) => {
        if (typeof m.data?.count === 'number') applyCount(m.data.count, true);
      }),
      // Not sent by today's server (the count push covers it), understood if a future one does.
      realtime.subscribe('notification.created', () => {
        setVersion((v) => v + 1);
        void read().then(() => toastNewest());
      }),
      realtime.onOpen(() => void read()),
    ];
    onCleanup(() => {
      for (const off of offs) off();
      controller?.abort();
    });
  });

  const label = () => {
    const n = unread() ?? 0;
    return n === 0 ? 'Notifications' : `Notifications, ${n} unread`;
  };

  return (
    <Show when={userId()}>
      <A
        href="/notifications"
        class="relative inline-flex size-9 items-center justify-center rounded-lg text-muted hover:bg-raised hover:text-fg"
        aria-label={label()}
        data-testid="unread-badge"
      >
        <Bell size={18} aria-hidden="true" />
        <Show when={(unread() ?? 0) > 0}>
          <span
            class="absolute -top-0.5 -right-0.5 flex h-4.5 min-w-4.5 items-center justify-center rounded-full bg-accent px-1 text-[10px] font-bold text-accent-fg"
            aria-hidden="true"
            data-testid="unread-count"
          >
            {(unread() ?? 0) > 99 ? '99+' : unread()}
          </span>
        </Show>
      </A>
    </Show>
  );
}
