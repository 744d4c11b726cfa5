/**
 * The request dialog: the title with its badge, for a show the season picker ("All seasons" or
 * chosen ones; seasons already available or requested are shown disabled), 4K where the member
 * may, the quota line ("3 of 10 this week, resets Monday"), and every refusal in words: the quota
 * limit that stopped it, a duplicate (with "Notify me too"), a member without an Overseerr account.
 */
import { Dialog } from '@kobalte/core/dialog';
import { A } from '@solidjs/router';
import Bell from 'lucide-solid/icons/bell';
import BellOff from 'lucide-solid/icons/bell-off';
import BellRing from 'lucide-solid/icons/bell-ring';
import CircleAlert from 'lucide-solid/icons/circle-alert';
import Gauge from 'lucide-solid/icons/gauge';
import LoaderCircle from 'lucide-solid/icons/loader-circle';
import Send from 'lucide-solid/icons/send';
import X from 'lucide-solid/icons/x';
import { createEffect, createSignal, For, Match, on, onCleanup, Show, Switch } from 'solid-js';
import { ApiError, describeError } from '../../lib/api.ts';
import { showToast } from '../../lib/toast.tsx';
import { Button, ErrorState, Skeleton } from '../states.tsx';
import {
  createRequest,
  type Details,
  type DiscoverResult,
  followTitle,
  getDetails,
  getQuotaUsage,
  isNotConfigured,
  type MediaRequest,
  type QuotaUsage,
  titleWithYear,
  unfollowTitle,
} from './api.ts';
import { AvailabilityBadge } from './badges.tsx';
import { Poster } from './poster.tsx';

/**
 * "Notify me too" as last known in this tab: what the server said (`following` on discover
 * results and details) or what the member just changed, whichever is newer. The server keeps the
 * record; a reload reads it back.
 */
const [followed, setFollowed] = createSignal<ReadonlyMap<string, boolean>>(new Map());
const followKey = (t: { mediaType: string; tmdbId: number }) => `${t.mediaType}:${t.tmdbId}`;
type Followable = { mediaType: string; tmdbId: number; following?: boolean | undefined };
export const isFollowed = (t: Followable) => followed().get(followKey(t)) ?? t.following ?? false;

/** Takes the server's word for these titles (a fresh read wins over an older local change). */
export function learnFollows(titles: Followable[]): void {
  const next = new Map(followed());
  for (const t of titles) if (t.following !== undefined) next.set(followKey(t), t.following);
  setFollowed(next);
}

/** Follows (or stops following) a title, with a toast either way. */
export async function toggleFollow(hid: string, t: Followable & { title: string }): Promise<void> {
  const key = followKey(t);
  const on = !isFollowed(t);
  try {
    if (on) await followTitle(hid, t.mediaType, t.tmdbId, t.title);
    else await unfollowTitle(hid, t.mediaType, t.tmdbId);
    setFollowed(new Map(followed()).set(key, on));
    showToast({
      title: on ? `We will tell you when ${t.title} is available` : `No longer following ${t.title}`,
      tone: 'success',
    });
  } catch (err) {
    showToast({ title: 'Could not change the follow', description: describeError(err), tone: 'error' });
  }
}

type Load =
  | { state: 'loading' }
  | { state: 'ready'; details: Details; usage: QuotaUsage[] }
  | { state: 'error'; error: unknown };

/** A refusal shown inside the dialog. */
interface Refusal {
  title: string;
  message: string;
  canFollow: boolean;
  myRequestId?: string | null;
}

function refusalOf(err: unknown): Refusal {
  if (!(err instanceof ApiError))
    return { title: 'Could not send the request', message: describeError(err), canFollow: false };
  const details = (err.details ?? {}) as { canFollow?: boolean; requestId?: string | null; mine?: boolean };
  switch (err.code) {
    case 'quota.exceeded':
      return { title: 'Request limit reached', message: err.message, canFollow: false };
    case 'request.duplicate':
      return {
        title: details.mine ? 'You already asked for this' : 'Someone already asked for this',
        message: err.message,
        canFollow: details.canFollow === true,
        myRequestId: details.mine ? (details.requestId ?? null) : null,
      };
    case 'request.no_overseerr_account':
      return { title: 'You have no Overseerr account here', message: err.message, canFollow: false };
    case 'request.overseerr_quota_exceeded':
      return { title: 'Overseerr limit reached', message: err.message, canFollow: false };
    default:
      return { title: 'Could not send the request', message: err.message, canFollow: false };
  }
}

export interface RequestDialogProps {
  hid: string;
  /** The title to request; null keeps the dialog closed. */
  title: DiscoverResult | null;
  canRequest4k: boolean;
  onClose: () => void;
  /** After a request went through (the caller updates its badge). */
  onRequested: (request: MediaRequest) => void;
}

export function RequestDialog(props: RequestDialogProps) {
  const [load, setLoad] = createSignal<Load>({ state: 'loading' });
  const [mode, setMode] = createSignal<'all' | 'some'>('all');
  const [chosen, setChosen] = createSignal<ReadonlySet<number>>(new Set());
  const [is4k, setIs4k] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [refusal, setRefusal] = createSignal<Refusal | null>(null);
  const [followBusy, setFollowBusy] = createSignal(false);
  let controller: AbortController | undefined;

  const fetchAll = async (t: DiscoverResult) => {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    setLoad({ state: 'loading' });
    try {
      const [details, usage] = await Promise.all([
        getDetails(props.hid, t.mediaType, t.tmdbId, mine.signal),
        getQuotaUsage(props.hid, mine.signal),
      ]);
      if (controller !== mine) return;
      learnFollows([details]);
      setLoad({ state: 'ready', details, usage });
      // "All seasons" only makes sense while every season can still be asked for.
      const open = details.seasons.filter((s) => s.requestable);
      setMode(open.length === details.seasons.length ? 'all' : 'some');
    } catch (err) {
      if (controller !== mine || (err instanceof ApiError && err.code === 'aborted')) return;
      setLoad({ state: 'error', error: err });
    }
  };

  createEffect(
    on(
      () => props.title,
      (t) => {
        setRefusal(null);
        setChosen(new Set<number>());
        setIs4k(false);
        if (t) void fetchAll(t);
        else controller?.abort();
      },
    ),
  );
  onCleanup(() => controller?.abort());

  const ready = () => {
    const l = load();
    return l.state === 'ready' ? l : undefined;
  };
  const details = () => ready()?.details;
  const isTv = () => props.title?.mediaType === 'tv';
  const requestable = () => details()?.seasons.filter((s) => s.requestable) ?? [];
  const badge = () => details()?.badge ?? props.title?.badge;
  const requestedByOthers = () => {
    const b = badge();
    return !!b && (b.kind === 'requested' || b.kind === 'processing') && !b.myRequestId;
  };
  /** Whether there is anything left to request. */
  const canRequest = () => {
    const b = badge();
    if (!b || b.kind === 'available') return false;
    if (isTv()) return requestable().length > 0;
    return b.kind === 'not_available';
  };
  const exhausted = () => ready()?.usage.find((u) => u.remaining <= 0);

  const toggleSeason = (n: number, on: boolean) => {
    const next = new Set(chosen());
    if (on) next.add(n);
    else next.delete(n);
    setChosen(next);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const t = props.title;
    if (!t) return;
    setRefusal(null);
    if (isTv() && mode() === 'some' && chosen().size === 0) {
      setRefusal({
        title: 'Choose seasons',
        message: 'Pick at least one season, or "All seasons".',
        canFollow: false,
      });
      return;
    }
    setBusy(true);
    try {
      const created = await createRequest(props.hid, {
        mediaType: t.mediaType,
        tmdbId: t.tmdbId,
        ...(isTv()
          ? { seasons: mode() === 'all' ? ('all' as const) : [...chosen()].sort((a, b) => a - b) }
          : {}),
        ...(is4k() ? { is4k: true } : {}),
      });
      showToast({
        title: `Requested ${titleWithYear(created)}`,
        description:
          created.status === 'pending' ? 'An admin will look at it soon.' : 'Approved automatically.',
        tone: 'success',
      });
      props.onRequested(created);
      props.onClose();
    } catch (err) {
      setRefusal(refusalOf(err));
    } finally {
      setBusy(false);
    }
  };

  const follow = async () => {
    const t = props.title;
    if (!t) return;
    setFollowBusy(true);
    try {
      await toggleFollow(props.hid, t);
    } finally {
      setFollowBusy(false);
    }
  };

  const following = () => !!props.title && isFollowed(props.title);
  /** "Notify me too", or, once following, "Following" with the way to stop. */
  const FollowButton = () => (
    <div class="flex flex-wrap items-center gap-2">
      <Show
        when={following()}
        fallback={
          <Button
            variant="secondary"
            onClick={() => void follow()}
            disabled={followBusy()}
            data-testid="follow"
          >
            <Bell size={16} aria-hidden="true" />
            Notify me too
          </Button>
        }
      >
        <span
          class="inline-flex items-center gap-1.5 rounded-full bg-ok-soft px-3 py-1.5 text-sm font-medium text-fg"
          data-testid="following"
        >
          <BellRing size={16} aria-hidden="true" class="text-ok" />
          Following
        </span>
        <Button variant="ghost" onClick={() => void follow()} disabled={followBusy()} data-testid="unfollow">
          <BellOff size={16} aria-hidden="true" />
          Stop notifying me
        </Button>
      </Show>
    </div>
  );

  return (
    <Dialog
      open={props.title !== null}
      onOpenChange={(open) => {
        if (!open && !busy()) props.onClose();
      }}
    >
      <Dialog.Portal>
        <Dialog.Overlay class="fixed inset-0 z-50 bg-black/60 backdrop-blur-sm" />
        <div class="fixed inset-0 z-50 flex items-end justify-center sm:items-center sm:p-4">
          <Dialog.Content
            class="flex max-h-[92dvh] w-full max-w-2xl flex-col overflow-hidden rounded-t-2xl border border-line bg-surface text-fg shadow-2xl shadow-black/40 sm:rounded-2xl"
            data-testid="request-dialog"
          >
            <div class="flex items-start gap-4 border-b border-line p-4 sm:p-5">
              <Poster
                url={props.title?.posterUrl ?? null}
                title={props.title?.title ?? ''}
                class="w-16 shrink-0 sm:w-20"
              />
              <div class="min-w-0 flex-1">
                <Dialog.Title class="text-lg font-semibold">
                  {props.title ? titleWithYear(props.title) : ''}
                </Dialog.Title>
                <p class="mt-0.5 text-sm text-muted">{isTv() ? 'Series' : 'Movie'}</p>
                <Show when={badge()}>
                  {(b) => (
                    <div class="mt-2">
                      <AvailabilityBadge badge={b()} />
                    </div>
                  )}
                </Show>
              </div>
              <Dialog.CloseButton
                class="-m-1 rounded-md p-1 text-muted hover:bg-raised hover:text-fg"
                aria-label="Close"
                disabled={busy()}
              >
                <X size={18} aria-hidden="true" />
              </Dialog.CloseButton>
            </div>

            <form onSubmit={submit} class="flex min-h-0 flex-1 flex-col">
              <div class="min-h-0 flex-1 space-y-4 overflow-y-auto p-4 sm:p-5">
                <Dialog.Description as="div" class="text-sm text-muted">
                  <Show when={props.title?.overview} fallback={<p>No overview.</p>}>
                    <p class="line-clamp-4">{props.title?.overview}</p>
                  </Show>
                </Dialog.Description>

                <Switch>
                  <Match when={load().state === 'loading'}>
                    <div class="space-y-2" aria-busy="true">
                      <span class="sr-only" role="status">
                        Loading the title…
                      </span>
                      <Skeleton class="h-6 w-48" />
                      <Skeleton class="h-24" />
                    </div>
                  </Match>
                  <Match when={load().state === 'error' ? (load() as { error: unknown }) : undefined}>
                    {(f) => (
                      <ErrorState
                        title={
                          f().error instanceof ApiError && isNotConfigured((f().error as ApiError).code)
                            ? 'Overseerr is not connected'
                            : 'Could not load the title'
                        }
                        message={describeError(f().error)}
                        onRetry={() => props.title && void fetchAll(props.title)}
                      />
                    )}
                  </Match>
                  <Match when={ready()}>
                    <Show when={badge()?.kind === 'available'}>
                      <p class="rounded-xl bg-ok-soft p-3 text-sm text-fg">
                        Already on Plex: nothing to request. Open it in your Plex app.
                      </p>
                    </Show>
                    <Show when={badge()?.myRequestId}>
                      {(id) => (
                        <p class="rounded-xl bg-accent-soft p-3 text-sm text-fg">
                          You asked for this already.{' '}
                          <A
                            href={`/households/${encodeURIComponent(props.hid)}/requests/${encodeURIComponent(id())}`}
                            class="font-semibold text-accent underline"
                          >
                            See your request
                          </A>
                        </p>
                      )}
                    </Show>
                    <Show when={requestedByOthers()}>
                      <div class="flex flex-wrap items-center gap-3 rounded-xl bg-raised p-3 text-sm">
                        <p class="min-w-0 flex-1 text-fg">
                          {badge()?.requestedBy.length
                            ? `${badge()?.requestedBy.join(', ')} already asked for this.`
                            : 'Someone already asked for this.'}{' '}
                          Follow it to hear when it is available.
                        </p>
                        <FollowButton />
                      </div>
                    </Show>

                    <Show when={isTv() && canRequest()}>
                      <fieldset class="space-y-2">
                        <legend class="mb-1 text-sm font-semibold text-fg">Seasons</legend>
                        <label class="flex items-center gap-2 text-sm">
                          <input
                            type="radio"
                            name="season-mode"
                            class="size-4 accent-[var(--mn-accent)]"
                            checked={mode() === 'all'}
                            disabled={requestable().length !== (details()?.seasons.length ?? 0)}
                            onChange={() => setMode('all')}
                          />
                          All seasons
                        </label>
                        <label class="flex items-center gap-2 text-sm">
                          <input
                            type="radio"
                            name="season-mode"
                            class="size-4 accent-[var(--mn-accent)]"
                            checked={mode() === 'some'}
                            onChange={() => setMode('some')}
                          />
                          Choose seasons
                        </label>
                        <Show when={mode() === 'some'}>
                          <ul class="grid gap-1.5 pl-6 sm:grid-cols-2" data-testid="season-list">
                            <For each={details()?.seasons ?? []}>
                              {(s) => (
                                <li>
                                  <label
                                    class="flex items-center gap-2 rounded-lg border border-line px-3 py-2 text-sm"
                                    classList={{ 'opacity-70': !s.requestable }}
                                  >
                                    <input
                                      type="checkbox"
                                      class="size-4 accent-[var(--mn-accent)]"
                                      disabled={!s.requestable}
                                      checked={!s.requestable || chosen().has(s.seasonNumber)}
                                      onChange={(e) => toggleSeason(s.seasonNumber, e.currentTarget.checked)}
                                    />
                                    <span class="min-w-0 flex-1">
                                      {s.name ?? `Season ${s.seasonNumber}`}
                                      <span class="block text-xs text-muted">
                                        {s.requestable
                                          ? s.episodeCount !== null
                                            ? `${s.episodeCount} episodes`
                                            : ''
                                          : 'Already requested or available'}
                                      </span>
                                    </span>
                                  </label>
                                </li>
                              )}
                            </For>
                          </ul>
                        </Show>
                      </fieldset>
                    </Show>

                    <Show when={canRequest() && props.canRequest4k}>
                      <label class="flex items-center gap-2 text-sm">
                        <input
                          type="checkbox"
                          class="size-4 accent-[var(--mn-accent)]"
                          checked={is4k()}
                          onChange={(e) => setIs4k(e.currentTarget.checked)}
                        />
                        Request in 4K
                      </label>
                    </Show>

                    <Show when={canRequest() && (ready()?.usage.length ?? 0) > 0}>
                      <div class="flex items-start gap-2 text-sm" data-testid="quota-line">
                        <Gauge size={16} aria-hidden="true" class="mt-0.5 shrink-0 text-muted" />
                        <p classList={{ 'text-warn font-medium': !!exhausted(), 'text-muted': !exhausted() }}>
                          <For each={ready()?.usage ?? []}>
                            {(u, i) => (
                              <>
                                {i() > 0 ? ' · ' : ''}
                                {u.scope === 'household' ? 'Household: ' : 'Your requests: '}
                                {u.label}
                              </>
                            )}
                          </For>
                        </p>
                      </div>
                    </Show>
                  </Match>
                </Switch>

                <Show when={refusal()}>
                  {(r) => (
                    <div
                      role="alert"
                      class="rounded-xl border border-bad/40 bg-bad-soft p-3 text-sm"
                      data-testid="request-refusal"
                    >
                      <p class="flex items-center gap-2 font-semibold text-fg">
                        <CircleAlert size={16} aria-hidden="true" class="text-bad" />
                        {r().title}
                      </p>
                      <p class="mt-1 text-fg/85">{r().message}</p>
                      <Show when={r().canFollow && !requestedByOthers()}>
                        <div class="mt-3">
                          <FollowButton />
                        </div>
                      </Show>
                    </div>
                  )}
                </Show>
              </div>

              <div class="flex flex-col-reverse gap-2 border-t border-line p-4 sm:flex-row sm:justify-end sm:p-5">
                <Button variant="secondary" onClick={() => props.onClose()} disabled={busy()}>
                  {canRequest() ? 'Cancel' : 'Close'}
                </Button>
                <Show when={ready() && canRequest()}>
                  <Button type="submit" disabled={busy()}>
                    <Show when={busy()} fallback={<Send size={16} aria-hidden="true" />}>
                      <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
                    </Show>
                    {busy() ? 'Requesting…' : 'Request'}
                  </Button>
                </Show>
              </div>
            </form>
          </Dialog.Content>
        </div>
      </Dialog.Portal>
    </Dialog>
  );
}
