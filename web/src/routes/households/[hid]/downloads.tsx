/**
 * Downloads: queue a link for the household agent, watch it live, cancel and retry, look back.
 * Members see their own downloads, admins everyone's. Live over the shared socket:
 * `download.progress` patches a job's numbers in place; `download.updated` and `download.agent`
 * patch what they carry and re-read the list shortly after (messages are hints, the API is the
 * record), and every (re)connection re-reads everything.
 */
import { A } from '@solidjs/router';
import Archive from 'lucide-solid/icons/archive';
import Download from 'lucide-solid/icons/download';
import Lock from 'lucide-solid/icons/lock';
import PlugZap from 'lucide-solid/icons/plug-zap';
import { createMemo, createSignal, For, Match, onCleanup, onMount, Show, Switch } from 'solid-js';
import { createStore, produce } from 'solid-js/store';
import {
  type Agent,
  cancelDownload,
  type Download as DownloadInfo,
  formatBytes,
  getQuota,
  isActive,
  listAgents,
  listDownloads,
  type Progress,
  type Quota,
  retryDownload,
  STATE_LABELS,
} from '../../../components/downloads/api.ts';
import { DownloadCard, WAITING_TEXT } from '../../../components/downloads/download-card.tsx';
import { DownloadForm } from '../../../components/downloads/download-form.tsx';
import { Button, EmptyState, ErrorState, ListSkeleton, Skeleton } from '../../../components/states.tsx';
import { ApiError, describeError } from '../../../lib/api.ts';
import { useHousehold } from '../../../lib/household-context.ts';
import { getMembers, type Member, memberName } from '../../../lib/identity.ts';
import { me as signedIn } from '../../../lib/session.ts';
import { usePageTitle } from '../../../lib/title.ts';
import { showToast } from '../../../lib/toast.tsx';
import { realtime } from '../../../lib/ws.ts';

type Load = { state: 'loading' } | { state: 'ready' } | { state: 'error'; error: unknown };

const field = 'rounded-lg border border-line bg-canvas px-3 py-2 text-sm text-fg';

function untilReset(resetsAt: number, now: number): string {
  const minutes = Math.max(1, Math.ceil((resetsAt - now) / 60_000));
  return minutes === 1 ? 'in 1 minute' : `in ${minutes} minutes`;
}

function QuotaCard(props: { quota: Quota | undefined; now: number }) {
  return (
    <Show when={props.quota} fallback={<Skeleton class="h-20" />}>
      {(q) => {
        const left = () => Math.max(0, q().videosPerHour - q().usedThisHour);
        const storagePct = () =>
          q().storageBytesPerMember > 0
            ? Math.min(100, (q().usedBytes / q().storageBytesPerMember) * 100)
            : 100;
        return (
          <section
            aria-label="Your download quota"
            class="grid gap-3 rounded-2xl border border-line bg-surface p-4 text-sm sm:grid-cols-2"
            data-testid="quota"
          >
            <div>
              <p class="font-semibold text-fg">
                {left()} of {q().videosPerHour} videos left this hour
              </p>
              <p class="text-muted" data-testid="quota-reset">
                {q().usedThisHour > 0
                  ? `Resets ${untilReset(q().resetsAt, props.now)}`
                  : 'Nothing used this hour'}
              </p>
            </div>
            <div>
              <p class="font-semibold text-fg">
                {formatBytes(q().usedBytes)} of {formatBytes(q().storageBytesPerMember)} stored
              </p>
              <div class="mt-1.5 h-1.5 w-full overflow-hidden rounded-full bg-raised" aria-hidden="true">
                <div
                  class="h-full rounded-full"
                  classList={{ 'bg-accent': storagePct() < 90, 'bg-bad': storagePct() >= 90 }}
                  style={{ width: `${storagePct()}%` }}
                />
              </div>
            </div>
          </section>
        );
      }}
    </Show>
  );
}

export default function DownloadsPage() {
  usePageTitle(() => 'Downloads');
  const hh = useHousehold();
  const isAdmin = () => hh.detail().membership.role !== 'member';
  const myId = () => signedIn()?.user.id;

  const [store, setStore] = createStore<{ byId: Record<string, DownloadInfo> }>({ byId: {} });
  const [load, setLoad] = createSignal<Load>({ state: 'loading' });
  const [cursor, setCursor] = createSignal<string | undefined>();
  const [loadingMore, setLoadingMore] = createSignal(false);
  const [quota, setQuota] = createSignal<Quota | undefined>();
  const [agents, setAgents] = createSignal<Agent[] | undefined>();
  const [members, setMembers] = createSignal<Member[]>([]);
  const [busy, setBusy] = createSignal<string | null>(null);
  const [stateFilter, setStateFilter] = createSignal('all');
  const [memberFilter, setMemberFilter] = createSignal('all');
  const [now, setNow] = createSignal(Date.now());
  let controller: AbortController | undefined;

  /** Newer live progress wins over an older read of the list. */
  const merge = (d: DownloadInfo) =>
    setStore(
      produce((s) => {
        const prev = s.byId[d.id];
        const keepProgress =
          prev?.progress &&
          d.progress &&
          prev.state === d.state &&
          prev.attempt === d.attempt &&
          prev.progress.at > d.progress.at;
        s.byId[d.id] = keepProgress ? { ...d, progress: prev.progress } : d;
      }),
    );

  const fetchAll = async (quiet = false) => {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    if (!quiet) setLoad({ state: 'loading' });
    try {
      const [page, q] = await Promise.all([
        listDownloads(hh.hid(), {}, mine.signal),
        getQuota(hh.hid(), mine.signal),
      ]);
      if (controller !== mine) return;
      for (const d of page.downloads) merge(d);
      if (!quiet || cursor() === undefined) setCursor(page.cursor);
      setQuota(q);
      setLoad({ state: 'ready' });
    } catch (err) {
      if (controller !== mine || (err instanceof ApiError && err.code === 'aborted')) return;
      if (!quiet || load().state !== 'ready') setLoad({ state: 'error', error: err });
    }
    if (isAdmin()) {
      listAgents(hh.hid())
        .then(setAgents)
        .catch(() => setAgents(undefined));
    }
  };

  const loadMore = async () => {
    const c = cursor();
    if (!c) return;
    setLoadingMore(true);
    try {
      const page = await listDownloads(hh.hid(), { cursor: c });
      for (const d of page.downloads) merge(d);
      setCursor(page.cursor);
    } catch (err) {
      showToast({ title: 'Could not load older downloads', description: describeError(err), tone: 'error' });
    } finally {
      setLoadingMore(false);
    }
  };

  // A burst of updates (a playlist moving along) becomes one re-read.
  let refetchTimer: ReturnType<typeof setTimeout> | undefined;
  const refetchSoon = () => {
    clearTimeout(refetchTimer);
    refetchTimer = setTimeout(() => void fetchAll(true), 400);
  };

  onMount(() => {
    void fetchAll();
    if (isAdmin()) {
      getMembers(hh.hid())
        .then(setMembers)
        .catch(() => setMembers([]));
    }
    const clock = setInterval(() => setNow(Date.now()), 30_000);
    const offs = [
      realtime.subscribe<{
        type: string;
        data?: { id?: string; state?: string; progress?: Progress | null };
      }>('download.progress', (m) => {
        const id = m.data?.id;
        if (!id || !store.byId[id]) {
          refetchSoon();
          return;
        }
        setStore('byId', id, {
          ...(m.data?.state ? { state: m.data.state } : {}),
          progress: m.data?.progress ?? null,
        });
      }),
      realtime.subscribe<{ type: string; data?: DownloadInfo }>('download.updated', (m) => {
        const d = m.data;
        if (d?.id) {
          const prev = store.byId[d.id];
          // The message does not know whether an agent is online: keep what the list said.
          merge({
            ...d,
            waitingForAgent: d.state === 'queued' && (prev?.waitingForAgent ?? d.waitingForAgent),
          });
        }
        refetchSoon();
      }),
      realtime.subscribe('download.agent', () => refetchSoon()),
      realtime.onOpen(() => void fetchAll(true)),
    ];
    onCleanup(() => {
      for (const off of offs) off();
      clearInterval(clock);
      clearTimeout(refetchTimer);
      controller?.abort();
    });
  });

  const all = createMemo(() => Object.values(store.byId));
  const childrenOf = createMemo(() => {
    const map = new Map<string, DownloadInfo[]>();
    for (const d of all()) {
      if (!d.parentId) continue;
      const list = map.get(d.parentId) ?? [];
      list.push(d);
      map.set(d.parentId, list);
    }
    for (const list of map.values()) list.sort((a, b) => a.id.localeCompare(b.id));
    return map;
  });
  /** Submissions, plus any video whose submission is not loaded. */
  const top = createMemo(() =>
    all()
      .filter((d) => d.kind === 'submission' || !d.parentId || !store.byId[d.parentId])
      .sort((a, b) => b.id.localeCompare(a.id)),
  );
  const byMember = (d: DownloadInfo) => memberFilter() === 'all' || d.userId === memberFilter();
  const queue = () => top().filter((d) => isActive(d.state) && byMember(d));
  const history = () =>
    top().filter(
      (d) => !isActive(d.state) && byMember(d) && (stateFilter() === 'all' || d.state === stateFilter()),
    );
  const anyWaiting = () => all().some((d) => d.state === 'queued' && d.waitingForAgent);
  const agentOnline = () => agents()?.some((a) => a.online && !a.revoked);
  const names = createMemo(() => new Map(members().map((m) => [m.userId, memberName(m)])));
  const ownerOf = (d: DownloadInfo) =>
    isAdmin() && d.userId !== myId() ? (names().get(d.userId) ?? 'another member') : undefined;

  const act = async (d: DownloadInfo, what: 'cancel' | 'retry') => {
    setBusy(d.id);
    try {
      const out =
        what === 'cancel' ? await cancelDownload(hh.hid(), d.id) : await retryDownload(hh.hid(), d.id);
      merge(out);
      showToast({
        title: what === 'cancel' ? 'Download cancelled' : 'Queued again',
        tone: 'success',
        duration: 2500,
      });
      refetchSoon();
    } catch (err) {
      showToast({
        title: what === 'cancel' ? 'Could not cancel' : 'Could not retry',
        description: describeError(err),
        tone: 'error',
      });
    } finally {
      setBusy(null);
    }
  };

  const card = (d: DownloadInfo) => (
    <DownloadCard
      d={d}
      children={childrenOf().get(d.id) ?? []}
      owner={ownerOf(d)}
      busy={busy() === d.id}
      onCancel={() => void act(d, 'cancel')}
      onRetry={() => void act(d, 'retry')}
    />
  );

  return (
    <div class="space-y-8">
      <div>
        <p class="text-sm font-medium text-muted">{hh.detail().household.name}</p>
        <h1 class="text-2xl font-bold tracking-tight text-fg sm:text-3xl">Downloads</h1>
        <p class="mt-1 text-sm text-muted">
          Videos and playlists go straight into the household's Plex library, downloaded by the household
          agent next to the Plex server.
        </p>
      </div>

      <Show
        when={hh.can('download')}
        fallback={
          <EmptyState icon={<Lock size={36} />} title="You cannot download in this household">
            <p data-testid="no-permission">
              An admin took the download permission away. Ask them if you need it.
            </p>
          </EmptyState>
        }
      >
        <Show when={isAdmin() && agents() !== undefined && !agentOnline()}>
          <div
            class="flex flex-wrap items-center gap-3 rounded-2xl border border-warn/40 bg-warn-soft p-4 text-sm text-fg"
            data-testid="no-agent"
          >
            <PlugZap size={20} class="shrink-0 text-warn" aria-hidden="true" />
            <p class="min-w-0 flex-1">
              No household agent is online, so downloads wait in the queue.{' '}
              {(agents()?.length ?? 0) === 0
                ? 'Set one up on the machine next to the Plex server.'
                : 'Start it again on the Plex machine.'}
            </p>
            <A
              href={`/households/${encodeURIComponent(hh.hid())}/settings/agents`}
              class="rounded-lg border border-line bg-surface px-3 py-1.5 font-semibold text-fg hover:bg-raised"
            >
              Manage agents
            </A>
          </div>
        </Show>
        <Show when={!isAdmin() && anyWaiting()}>
          <p class="rounded-2xl border border-warn/40 bg-warn-soft p-4 text-sm text-fg" role="status">
            {WAITING_TEXT}: no agent is online right now. Your downloads start as soon as it is back.
          </p>
        </Show>

        <section aria-labelledby="new-download-title" class="space-y-3">
          <h2 id="new-download-title" class="text-xl font-semibold tracking-tight text-fg">
            New download
          </h2>
          <DownloadForm
            hid={hh.hid()}
            isAdmin={isAdmin()}
            onRefused={() => void fetchAll(true)}
            onQueued={(d) => {
              merge(d);
              showToast({
                title: 'Queued',
                description: d.waitingForAgent ? `${WAITING_TEXT}.` : 'The agent picks it up now.',
                tone: 'success',
                duration: 2500,
              });
              refetchSoon();
            }}
          />
        </section>

        <QuotaCard quota={quota()} now={now()} />

        <Show when={isAdmin() && members().length > 1}>
          <div class="flex flex-wrap items-center gap-2">
            <label for="download-member" class="text-sm font-medium text-fg">
              Member
            </label>
            <select
              id="download-member"
              value={memberFilter()}
              onChange={(e) => setMemberFilter(e.currentTarget.value)}
              class={field}
            >
              <option value="all">Everyone</option>
              <For each={members()}>
                {(m) => (
                  <option value={m.userId}>
                    {m.userId === myId() ? `${memberName(m)} (you)` : memberName(m)}
                  </option>
                )}
              </For>
            </select>
          </div>
        </Show>

        <Switch>
          <Match when={load().state === 'loading'}>
            <ListSkeleton label="Loading downloads…" rows={2} rowClass="h-24" />
          </Match>
          <Match when={load().state === 'error'}>
            <ErrorState
              title="Could not load the downloads"
              message={describeError((load() as { error: unknown }).error)}
              onRetry={() => void fetchAll()}
            />
          </Match>
          <Match when={load().state === 'ready'}>
            <section aria-labelledby="queue-title" class="space-y-3">
              <h2 id="queue-title" class="text-xl font-semibold tracking-tight text-fg">
                Queue
              </h2>
              <Show
                when={queue().length > 0}
                fallback={
                  <EmptyState icon={<Download size={36} />} title="Nothing downloading">
                    <p>Paste a link above: it shows up here with its progress.</p>
                  </EmptyState>
                }
              >
                <ul class="space-y-3" data-testid="queue">
                  <For each={queue()}>{card}</For>
                </ul>
              </Show>
            </section>

            <section aria-labelledby="history-title" class="space-y-3">
              <div class="flex flex-wrap items-end justify-between gap-3">
                <h2 id="history-title" class="text-xl font-semibold tracking-tight text-fg">
                  History
                </h2>
                <div class="flex items-center gap-2">
                  <label for="download-state" class="text-sm font-medium text-fg">
                    State
                  </label>
                  <select
                    id="download-state"
                    value={stateFilter()}
                    onChange={(e) => setStateFilter(e.currentTarget.value)}
                    class={field}
                  >
                    <option value="all">All</option>
                    <For each={['done', 'failed', 'cancelled']}>
                      {(s) => <option value={s}>{STATE_LABELS[s]}</option>}
                    </For>
                  </select>
                </div>
              </div>
              <Show
                when={history().length > 0}
                fallback={
                  <EmptyState icon={<Archive size={36} />} title="No finished downloads">
                    <p>
                      {stateFilter() === 'all' && memberFilter() === 'all'
                        ? 'Finished, failed and cancelled downloads are listed here.'
                        : 'None match these filters; try another state or member.'}
                    </p>
                  </EmptyState>
                }
              >
                <ul class="space-y-3" data-testid="history">
                  <For each={history()}>{card}</For>
                </ul>
              </Show>
              <Show when={cursor()}>
                <div class="flex justify-center">
                  <Button variant="secondary" disabled={loadingMore()} onClick={() => void loadMore()}>
                    {loadingMore() ? 'Loading…' : 'Load older downloads'}
                  </Button>
                </div>
              </Show>
            </section>
          </Match>
        </Switch>
      </Show>
    </div>
  );
}
