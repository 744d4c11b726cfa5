/**
 * Household download agents (admins): create one (its token is shown once, with the command to
 * run on the Plex machine), rename, revoke, and see which are online. Presence changes arrive as
 * `download.agent` messages (hints: the list is read again), and on every reconnection.
 */
import Copy from 'lucide-solid/icons/copy';
import LoaderCircle from 'lucide-solid/icons/loader-circle';
import Pencil from 'lucide-solid/icons/pencil';
import Server from 'lucide-solid/icons/server';
import { createSignal, For, Match, onCleanup, onMount, Show, Switch } from 'solid-js';
import { createConfirm } from '../../../../components/confirm-dialog.tsx';
import {
  type Agent,
  agentCommand,
  ago,
  createAgent,
  listAgents,
  renameAgent,
  revokeAgent,
} from '../../../../components/downloads/api.ts';
import { Button, EmptyState, ErrorState, ListSkeleton } from '../../../../components/states.tsx';
import { ApiError, describeError } from '../../../../lib/api.ts';
import { copyWithToast } from '../../../../lib/clipboard.ts';
import { useHousehold } from '../../../../lib/household-context.ts';
import { usePageTitle } from '../../../../lib/title.ts';
import { showToast } from '../../../../lib/toast.tsx';
import { realtime } from '../../../../lib/ws.ts';

type Load = { state: 'loading' } | { state: 'ready'; agents: Agent[] } | { state: 'error'; error: unknown };

const field = 'w-full rounded-lg border border-line bg-canvas px-3 py-2 text-fg';

export default function AgentsPage() {
  usePageTitle(() => 'Download agents');
  const hh = useHousehold();
  const confirm = createConfirm();
  const [load, setLoad] = createSignal<Load>({ state: 'loading' });
  const [name, setName] = createSignal('');
  const [creating, setCreating] = createSignal(false);
  const [formError, setFormError] = createSignal<string | undefined>();
  const [fresh, setFresh] = createSignal<{ agent: Agent; token: string } | undefined>();
  const [editing, setEditing] = createSignal<string | null>(null);
  const [editName, setEditName] = createSignal('');
  const [saving, setSaving] = createSignal(false);
  let controller: AbortController | undefined;

  const fetchAgents = async (quiet = false) => {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    if (!quiet) setLoad({ state: 'loading' });
    try {
      const agents = await listAgents(hh.hid(), mine.signal);
      agents.sort((a, b) => Number(a.revoked) - Number(b.revoked) || b.createdAt - a.createdAt);
      if (controller === mine) setLoad({ state: 'ready', agents });
    } catch (err) {
      if (controller !== mine || (err instanceof ApiError && err.code === 'aborted')) return;
      if (!quiet || load().state !== 'ready') setLoad({ state: 'error', error: err });
    }
  };
  onMount(() => {
    void fetchAgents();
    const offs = [
      realtime.subscribe('download.agent', () => void fetchAgents(true)),
      realtime.onOpen(() => void fetchAgents(true)),
    ];
    // "Last seen" ages, and presence that lapsed without a message (a vanished agent).
    const timer = setInterval(() => void fetchAgents(true), 30_000);
    onCleanup(() => {
      for (const off of offs) off();
      clearInterval(timer);
      controller?.abort();
    });
  });

  const agents = () => {
    const l = load();
    return l.state === 'ready' ? l.agents : [];
  };

  const create = async (e: SubmitEvent) => {
    e.preventDefault();
    setFormError(undefined);
    if (name().trim() === '') {
      setFormError('Give the agent a name, e.g. the machine it runs on.');
      return;
    }
    setCreating(true);
    try {
      const created = await createAgent(hh.hid(), name().trim());
      setFresh(created);
      setName('');
      await fetchAgents(true);
    } catch (err) {
      setFormError(describeError(err));
    } finally {
      setCreating(false);
    }
  };

  const copy = async (text: string, what: string) => {
    await copyWithToast(text, `${what} copied`);
  };

  const startRename = (a: Agent) => {
    setEditing(a.id);
    setEditName(a.name);
  };
  const saveRename = async (e: SubmitEvent, a: Agent) => {
    e.preventDefault();
    setSaving(true);
    try {
      await renameAgent(hh.hid(), a.id, editName().trim());
      setEditing(null);
      showToast({ title: 'Agent renamed', tone: 'success', duration: 2000 });
      await fetchAgents(true);
    } catch (err) {
      showToast({ title: 'Could not rename', description: describeError(err), tone: 'error' });
    } finally {
      setSaving(false);
    }
  };

  const askRevoke = (a: Agent) =>
    confirm.ask({
      title: `Revoke ${a.name}?`,
      body: (
        <p>
          Its token stops working at once and a connected agent is dropped. Downloads it was running go back
          to the queue for another agent.
        </p>
      ),
      confirmLabel: 'Revoke',
      danger: true,
      action: async () => {
        await revokeAgent(hh.hid(), a.id);
        if (fresh()?.agent.id === a.id) setFresh(undefined);
        showToast({ title: `${a.name} revoked`, tone: 'success', duration: 2500 });
        await fetchAgents(true);
      },
    });

  return (
    <div class="space-y-8">
      <section aria-labelledby="new-agent-title" class="space-y-4">
        <div>
          <h2 id="new-agent-title" class="text-xl font-semibold tracking-tight text-fg">
            New download agent
          </h2>
          <p class="mt-1 text-sm text-muted">
            Downloads run on a machine next to the household's Plex server, not here. Create an agent, then
            run the command it shows on that machine.
          </p>
        </div>
        <form
          onSubmit={create}
          noValidate
          class="grid gap-4 rounded-2xl border border-line bg-surface p-5 sm:grid-cols-[1fr_auto] sm:items-end"
        >
          <div class="space-y-1.5">
            <label for="agent-name" class="block text-sm font-medium text-fg">
              Name
            </label>
            <input
              id="agent-name"
              maxLength={60}
              placeholder="Living-room NAS"
              value={name()}
              onInput={(e) => setName(e.currentTarget.value)}
              aria-invalid={formError() ? 'true' : undefined}
              aria-describedby={formError() ? 'agent-error' : undefined}
              class={field}
            />
          </div>
          <Button type="submit" disabled={creating()}>
            <Show when={creating()} fallback={<Server size={16} aria-hidden="true" />}>
              <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
            </Show>
            Create agent
          </Button>
          <Show when={formError()}>
            <p
              id="agent-error"
              role="alert"
              class="rounded-lg bg-bad-soft px-3 py-2 text-sm text-fg sm:col-span-2"
            >
              {formError()}
            </p>
          </Show>
        </form>
        <Show when={fresh()}>
          {(f) => {
            const command = () => agentCommand(location.origin, f().token);
            return (
              <div
                class="space-y-3 rounded-2xl border border-accent bg-accent-soft p-4"
                data-testid="new-agent"
              >
                <p class="text-sm font-semibold text-fg">
                  {f().agent.name}: copy its token now. It is shown only this once.
                </p>
                <div class="flex flex-col gap-2 sm:flex-row">
                  <label for="new-agent-token" class="sr-only">
                    Agent token
                  </label>
                  <input
                    id="new-agent-token"
                    readOnly
                    value={f().token}
                    data-testid="agent-token"
                    onFocus={(e) => e.currentTarget.select()}
                    class="min-w-0 flex-1 rounded-lg border border-line bg-canvas px-3 py-2 font-mono text-sm text-fg"
                  />
                  <Button variant="secondary" onClick={() => void copy(f().token, 'Token')}>
                    <Copy size={16} aria-hidden="true" />
                    Copy token
                  </Button>
                </div>
                <p class="text-sm text-fg">
                  On the Plex machine (Node.js 20+, yt-dlp and ffmpeg installed), run this with your library
                  section and its folder:
                </p>
                <pre
                  class="overflow-x-auto rounded-lg border border-line bg-canvas p-3 font-mono text-xs text-fg whitespace-pre-wrap break-all"
                  data-testid="agent-command"
                >
                  {command()}
                </pre>
                <Button variant="secondary" onClick={() => void copy(command(), 'Command')}>
                  <Copy size={16} aria-hidden="true" />
                  Copy command
                </Button>
              </div>
            );
          }}
        </Show>
      </section>

      <section aria-labelledby="agents-title" class="space-y-4">
        <h2 id="agents-title" class="text-xl font-semibold tracking-tight text-fg">
          Agents
        </h2>
        <Switch>
          <Match when={load().state === 'loading'}>
            <ListSkeleton label="Loading agents…" rows={2} rowClass="h-16" />
          </Match>
          <Match when={load().state === 'error'}>
            <ErrorState
              title="Could not load the agents"
              message={describeError((load() as { error: unknown }).error)}
              onRetry={() => void fetchAgents()}
            />
          </Match>
          <Match when={agents().length === 0}>
            <EmptyState icon={<Server size={36} />} title="No download agent yet">
              <p>Create one above; downloads wait in the queue until an agent is online.</p>
            </EmptyState>
          </Match>
          <Match when={agents().length > 0}>
            <ul class="space-y-2" data-testid="agent-list">
              <For each={agents()}>
                {(a) => (
                  <li
                    class="flex flex-wrap items-center gap-3 rounded-2xl border border-line bg-surface p-4"
                    data-testid="agent"
                    data-online={String(a.online)}
                    data-revoked={String(a.revoked)}
                  >
                    <span
                      class="size-2.5 shrink-0 rounded-full"
                      classList={{ 'bg-ok': a.online, 'bg-muted': !a.online }}
                      aria-hidden="true"
                    />
                    <div class="min-w-0 flex-1">
                      <Show
                        when={editing() === a.id}
                        fallback={
                          <p class="flex flex-wrap items-center gap-2">
                            <span class="font-semibold text-fg">{a.name}</span>
                            <span
                              class="rounded-full px-2 py-0.5 text-xs font-medium"
                              classList={{
                                'bg-ok-soft text-ok': a.online,
                                'bg-raised text-muted': !a.online && !a.revoked,
                                'bg-bad-soft text-bad': a.revoked,
                              }}
                              data-testid="agent-status"
                            >
                              {a.revoked ? 'Revoked' : a.online ? 'Online' : 'Offline'}
                            </span>
                          </p>
                        }
                      >
                        <form class="flex flex-wrap gap-2" onSubmit={(e) => void saveRename(e, a)}>
                          <label for={`rename-${a.id}`} class="sr-only">
                            New name for {a.name}
                          </label>
                          <input
                            id={`rename-${a.id}`}
                            maxLength={60}
                            value={editName()}
                            onInput={(e) => setEditName(e.currentTarget.value)}
                            class="min-w-0 flex-1 rounded-lg border border-line bg-canvas px-3 py-1.5 text-sm text-fg"
                          />
                          <Button type="submit" disabled={saving() || editName().trim() === ''}>
                            Save
                          </Button>
                          <Button variant="ghost" onClick={() => setEditing(null)}>
                            Cancel
                          </Button>
                        </form>
                      </Show>
                      <p class="text-sm text-muted">
                        {a.lastSeenAt ? `Last seen ${ago(a.lastSeenAt)}` : 'Never connected'}
                        <Show when={a.version}> · agent {a.version}</Show>
                        <Show when={a.ytDlpVersion}> · yt-dlp {a.ytDlpVersion}</Show>
                      </p>
                    </div>
                    <Show when={!a.revoked && editing() !== a.id}>
                      <Button
                        variant="secondary"
                        onClick={() => startRename(a)}
                        aria-label={`Rename ${a.name}`}
                      >
                        <Pencil size={16} aria-hidden="true" />
                        Rename
                      </Button>
                      <Button
                        variant="ghost"
                        class="!text-bad"
                        onClick={() => askRevoke(a)}
                        aria-label={`Revoke ${a.name}`}
                      >
                        Revoke
                      </Button>
                    </Show>
                  </li>
                )}
              </For>
            </ul>
          </Match>
        </Switch>
      </section>
      <confirm.Dialog />
    </div>
  );
}
