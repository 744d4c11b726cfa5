import { useNavigate } from '@solidjs/router';
import Check from 'lucide-solid/icons/check';
import House from 'lucide-solid/icons/house';
import LoaderCircle from 'lucide-solid/icons/loader-circle';
import Server from 'lucide-solid/icons/server';
import UserPlus from 'lucide-solid/icons/user-plus';
import { createSignal, For, Match, onMount, Show, Switch } from 'solid-js';
import { Button, EmptyState, ErrorState, Skeleton } from '../../components/states.tsx';
import { ApiError, describeError } from '../../lib/api.ts';
import {
  createHousehold,
  getJoinable,
  getPlexServers,
  type JoinableHousehold,
  joinHousehold,
  type PlexServer,
} from '../../lib/identity.ts';
import { chooseHousehold, me, refreshMe } from '../../lib/session.ts';
import { usePageTitle } from '../../lib/title.ts';
import { showToast } from '../../lib/toast.tsx';

type Load<T> = { state: 'loading' } | { state: 'ready'; data: T } | { state: 'error'; error: unknown };

function loader<T>(fetcher: () => Promise<T>) {
  const [load, setLoad] = createSignal<Load<T>>({ state: 'loading' });
  const run = async () => {
    setLoad({ state: 'loading' });
    try {
      setLoad({ state: 'ready', data: await fetcher() });
    } catch (err) {
      setLoad({ state: 'error', error: err });
    }
  };
  const data = () => {
    const l = load();
    return l.state === 'ready' ? l.data : undefined;
  };
  const error = () => {
    const l = load();
    return l.state === 'error' ? l.error : undefined;
  };
  return { load, run, data, error };
}

/** plex.tv lists a connection per route (local, remote, relay), often with the same URI twice. */
function connectionSummary(s: PlexServer): string {
  const seen = new Map<string, boolean>();
  for (const c of s.connections ?? []) seen.set(c.uri, (seen.get(c.uri) ?? false) || !!c.local);
  return [...seen].map(([uri, local]) => `${uri}${local ? ' (local)' : ''}`).join(' · ');
}

function ListSkeleton(props: { label: string }) {
  return (
    <div class="space-y-2" aria-busy="true">
      <span class="sr-only" role="status">
        {props.label}
      </span>
      <Skeleton class="h-16" />
      <Skeleton class="h-16" />
    </div>
  );
}

export default function NewHousehold() {
  usePageTitle(() => 'Create or join a household');
  const navigate = useNavigate();
  const joinable = loader(() => getJoinable());
  const servers = loader(() => getPlexServers());
  const [joining, setJoining] = createSignal<string | null>(null);
  const [name, setName] = createSignal(me() ? `${me()!.user.name}'s household` : '');
  const [picked, setPicked] = createSignal<ReadonlySet<string>>(new Set());
  const [creating, setCreating] = createSignal(false);
  const [formError, setFormError] = createSignal<string | undefined>();

  onMount(() => {
    void joinable.run();
    void servers.run();
  });

  const myHouseholdIds = () => new Set((me()?.households ?? []).map((h) => h.id));
  const myHouseholdName = (id: string) => me()?.households.find((h) => h.id === id)?.name;
  const claimable = (s: PlexServer) => !s.claimedBy && !s.taken && s.owned !== false;

  const join = async (h: JoinableHousehold) => {
    setJoining(h.id);
    try {
      await joinHousehold(h.id);
      chooseHousehold(h.id);
      await refreshMe();
      showToast({ title: `You joined ${h.name}`, tone: 'success' });
      navigate(`/households/${encodeURIComponent(h.id)}`);
    } catch (err) {
      showToast({ title: `Could not join ${h.name}`, description: describeError(err), tone: 'error' });
    } finally {
      setJoining(null);
    }
  };

  const toggle = (id: string, on: boolean) => {
    const next = new Set(picked());
    if (on) next.add(id);
    else next.delete(id);
    setPicked(next);
  };

  const create = async (e: SubmitEvent) => {
    e.preventDefault();
    setFormError(undefined);
    const trimmed = name().trim();
    if (!trimmed) return setFormError('Give the household a name.');
    if (picked().size === 0) return setFormError('Pick at least one of your Plex servers.');
    setCreating(true);
    try {
      const created = await createHousehold({ name: trimmed, servers: [...picked()] });
      chooseHousehold(created.id);
      await refreshMe();
      showToast({ title: `${created.name} is ready`, tone: 'success' });
      navigate(`/households/${encodeURIComponent(created.id)}`);
    } catch (err) {
      setFormError(describeError(err));
      // A server claimed meanwhile shows up as disabled after a fresh read.
      if (err instanceof ApiError && err.status === 409) void servers.run();
    } finally {
      setCreating(false);
    }
  };

  const joinList = () => (joinable.data() ?? []).filter((h) => !myHouseholdIds().has(h.id));

  const JoinSection = () => (
    <section aria-labelledby="join-title" class="space-y-3" data-testid="join-section">
      <div>
        <h2 id="join-title" class="text-xl font-semibold tracking-tight text-fg">
          Join a household
        </h2>
        <p class="mt-1 text-sm text-muted">Households on Plex servers your account can already reach.</p>
      </div>
      <Switch>
        <Match when={joinable.error()}>
          {(err) => (
            <ErrorState
              title="Could not check which households you can join"
              message={describeError(err())}
              onRetry={() => void joinable.run()}
            />
          )}
        </Match>
        <Match when={joinable.load().state === 'loading'}>
          <ListSkeleton label="Looking for households you can join…" />
        </Match>
        <Match when={joinList().length === 0}>
          <EmptyState icon={<UserPlus size={36} />} title="No household to join with your Plex access">
            <p data-testid="join-empty">
              None of the Plex servers shared with you belongs to a MediaNest household. Ask the owner for an
              invite link, or create your own household if you own a server.
            </p>
          </EmptyState>
        </Match>
        <Match when={joinList().length > 0}>
          <ul class="space-y-2">
            <For each={joinList()}>
              {(h) => (
                <li class="flex flex-wrap items-center gap-3 rounded-2xl border border-line bg-surface p-4">
                  <House size={20} class="shrink-0 text-accent" aria-hidden="true" />
                  <span class="min-w-0 flex-1">
                    <span class="block font-semibold text-fg">{h.name}</span>
                    <Show when={h.serverName}>
                      <span class="block text-sm text-muted">on {h.serverName}</span>
                    </Show>
                    <Show when={h.status === 'pending'}>
                      <span class="block text-sm text-warn">An admin added you; joining confirms it.</span>
                    </Show>
                  </span>
                  <Show
                    when={h.status !== 'suspended'}
                    fallback={<span class="text-sm font-medium text-bad">Suspended by an admin</span>}
                  >
                    <Button
                      onClick={() => void join(h)}
                      disabled={joining() !== null}
                      aria-label={`Join ${h.name}`}
                    >
                      <Show when={joining() === h.id} fallback={<UserPlus size={16} aria-hidden="true" />}>
                        <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
                      </Show>
                      Join
                    </Button>
                  </Show>
                </li>
              )}
            </For>
          </ul>
        </Match>
      </Switch>
    </section>
  );

  return (
    <div class="mx-auto max-w-3xl space-y-10">
      <div>
        <h1 class="text-2xl font-bold tracking-tight text-fg sm:text-3xl">Create or join a household</h1>
        <p class="mt-2 text-sm text-muted">
          A household is the people who share your Plex server. Everyone in it gets requests, downloads and
          status in one place; other households never see any of it.
        </p>
      </div>

      {/* Joining is the likelier wish for someone a server is already shared with, so it comes first then. */}
      <Show when={joinList().length > 0}>
        <JoinSection />
      </Show>

      <section aria-labelledby="create-title" class="space-y-4">
        <div>
          <h2 id="create-title" class="text-xl font-semibold tracking-tight text-fg">
            Create a household
          </h2>
          <p class="mt-1 text-sm text-muted">For the owner of a Plex server: pick the servers it includes.</p>
        </div>
        <form
          class="space-y-5 rounded-2xl border border-line bg-surface p-5 sm:p-6"
          onSubmit={create}
          noValidate
        >
          <div class="space-y-1.5">
            <label for="household-name" class="block text-sm font-medium text-fg">
              Name
            </label>
            <input
              id="household-name"
              name="name"
              required
              maxLength={100}
              value={name()}
              onInput={(e) => setName(e.currentTarget.value)}
              class="w-full rounded-lg border border-line bg-canvas px-3 py-2 text-fg placeholder:text-muted focus:border-accent"
              placeholder="The Smiths"
            />
          </div>
          <fieldset class="space-y-2">
            <legend class="mb-2 text-sm font-medium text-fg">Plex servers</legend>
            <Switch>
              <Match when={servers.error()}>
                {(err) => (
                  <ErrorState
                    title="Could not read your Plex servers"
                    message={describeError(err())}
                    onRetry={() => void servers.run()}
                  />
                )}
              </Match>
              <Match when={servers.load().state === 'loading'}>
                <ListSkeleton label="Reading your Plex servers…" />
              </Match>
              <Match when={(servers.data() ?? []).length === 0}>
                <EmptyState icon={<Server size={36} />} title="Your Plex account owns no server">
                  <p data-testid="no-servers">
                    Only a server's owner can create its household. If someone shares their server with you,
                    join their household above or ask them for an invite link.
                  </p>
                </EmptyState>
              </Match>
              <Match when={(servers.data() ?? []).length > 0}>
                <ul class="space-y-2">
                  <For each={servers.data()}>
                    {(s) => {
                      const id = `server-${s.machineIdentifier}`;
                      const why = () =>
                        s.claimedBy && myHouseholdIds().has(s.claimedBy)
                          ? `Already part of your household ${myHouseholdName(s.claimedBy) ?? ''}`.trim()
                          : s.claimedBy || s.taken
                            ? 'Already used by another household'
                            : s.owned === false
                              ? 'Shared with you: only its owner can add it'
                              : undefined;
                      return (
                        <li>
                          <label
                            for={id}
                            classList={{
                              'flex items-start gap-3 rounded-xl border p-4 transition-colors': true,
                              'border-accent bg-accent-soft': picked().has(s.machineIdentifier),
                              'border-line hover:bg-raised':
                                !picked().has(s.machineIdentifier) && claimable(s),
                              'cursor-not-allowed border-line opacity-70': !claimable(s),
                              'cursor-pointer': claimable(s),
                            }}
                          >
                            <input
                              id={id}
                              type="checkbox"
                              class="mt-1 size-4 accent-[var(--mn-accent)]"
                              disabled={!claimable(s)}
                              checked={picked().has(s.machineIdentifier)}
                              onChange={(e) => toggle(s.machineIdentifier, e.currentTarget.checked)}
                              aria-describedby={`${id}-detail`}
                            />
                            <span class="min-w-0 flex-1">
                              <span class="block font-semibold text-fg">{s.name}</span>
                              <span id={`${id}-detail`} class="block text-sm text-muted">
                                <Show
                                  when={why()}
                                  fallback={
                                    <Show
                                      when={(s.connections ?? []).length > 0}
                                      fallback={<>No connection published yet</>}
                                    >
                                      {connectionSummary(s)}
                                    </Show>
                                  }
                                >
                                  {why()}
                                </Show>
                              </span>
                            </span>
                            <Show when={picked().has(s.machineIdentifier)}>
                              <Check size={18} class="text-accent" aria-hidden="true" />
                            </Show>
                          </label>
                        </li>
                      );
                    }}
                  </For>
                </ul>
              </Match>
            </Switch>
          </fieldset>
          <Show when={formError()}>
            <p
              role="alert"
              class="rounded-lg bg-bad-soft px-3 py-2 text-sm text-fg"
              data-testid="create-error"
            >
              {formError()}
            </p>
          </Show>
          <div class="flex justify-end">
            <Button type="submit" disabled={creating()}>
              <Show when={creating()}>
                <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
              </Show>
              {creating() ? 'Creating…' : 'Create household'}
            </Button>
          </div>
        </form>
      </section>

      <Show when={joinList().length === 0}>
        <JoinSection />
      </Show>
    </div>
  );
}
