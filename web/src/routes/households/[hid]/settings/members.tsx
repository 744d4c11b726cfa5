import Crown from 'lucide-solid/icons/crown';
import Download from 'lucide-solid/icons/download';
import LoaderCircle from 'lucide-solid/icons/loader-circle';
import Users from 'lucide-solid/icons/users';
import { createSignal, For, Match, onCleanup, onMount, Show, Switch } from 'solid-js';
import { createConfirm } from '../../../../components/confirm-dialog.tsx';
import { Button, EmptyState, ErrorState, ListSkeleton } from '../../../../components/states.tsx';
import { ApiError, describeError } from '../../../../lib/api.ts';
import { useHousehold } from '../../../../lib/household-context.ts';
import {
  getMembers,
  importPlexFriends,
  type Member,
  memberName,
  PERMISSIONS,
  removeMember,
  transferOwnership,
  updateMember,
} from '../../../../lib/identity.ts';
import { me, refreshMe } from '../../../../lib/session.ts';
import { usePageTitle } from '../../../../lib/title.ts';
import { showToast } from '../../../../lib/toast.tsx';

type Load = { state: 'loading' } | { state: 'ready'; members: Member[] } | { state: 'error'; error: unknown };

const statusStyles: Record<string, string> = {
  active: 'bg-ok-soft text-ok',
  pending: 'bg-warn-soft text-warn',
  suspended: 'bg-bad-soft text-bad',
};
const joinedLabels: Record<string, string> = {
  created: 'created the household',
  server_access: 'joined with Plex server access',
  invite: 'joined with an invite',
  import: 'imported from Plex friends',
};
const roleOrder: Record<string, number> = { owner: 0, admin: 1, member: 2 };

export default function MembersPage() {
  usePageTitle(() => 'Members');
  const hh = useHousehold();
  const confirm = createConfirm();
  const [load, setLoad] = createSignal<Load>({ state: 'loading' });
  const [busy, setBusy] = createSignal<string | null>(null);
  const [importing, setImporting] = createSignal(false);
  // Rows are rebuilt after every change; remembering which permission panels are open keeps them open.
  const [openPanels, setOpenPanels] = createSignal<ReadonlySet<string>>(new Set());
  let controller: AbortController | undefined;

  const fetchMembers = async (quiet = false) => {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    if (!quiet) setLoad({ state: 'loading' });
    try {
      const members = await getMembers(hh.hid(), mine.signal);
      members.sort(
        (a, b) =>
          (roleOrder[a.role] ?? 9) - (roleOrder[b.role] ?? 9) || memberName(a).localeCompare(memberName(b)),
      );
      if (controller === mine) setLoad({ state: 'ready', members });
    } catch (err) {
      if (controller !== mine || (err instanceof ApiError && err.code === 'aborted')) return;
      setLoad({ state: 'error', error: err });
    }
  };
  onMount(() => void fetchMembers());
  onCleanup(() => controller?.abort());

  const members = () => {
    const l = load();
    return l.state === 'ready' ? l.members : [];
  };
  const iAmOwner = () => hh.detail().membership.role === 'owner';
  const myId = () => me()?.user.id;

  /** Applies a change on screen first and puts it back if the server refuses. */
  const patch = async (
    m: Member,
    change: { role?: string; permissions?: string[]; status?: string },
    done: string,
  ) => {
    const before = members();
    setLoad({
      state: 'ready',
      members: before.map((x) => (x.userId === m.userId ? { ...x, ...change } : x)),
    });
    setBusy(m.userId);
    try {
      await updateMember(hh.hid(), m.userId, change);
      showToast({ title: done, tone: 'success', duration: 2500 });
      await fetchMembers(true);
    } catch (err) {
      setLoad({ state: 'ready', members: before });
      showToast({
        title: `Could not update ${memberName(m)}`,
        description: describeError(err),
        tone: 'error',
      });
    } finally {
      setBusy(null);
    }
  };

  const togglePermission = (m: Member, permission: string, on: boolean) => {
    const current = new Set(m.permissions ?? []);
    if (on) current.add(permission);
    else current.delete(permission);
    const label = PERMISSIONS.find((p) => p.id === permission)?.label ?? permission;
    void patch(
      m,
      { permissions: PERMISSIONS.map((p) => p.id).filter((p) => current.has(p)) },
      `${label} ${on ? 'granted to' : 'withdrawn from'} ${memberName(m)}`,
    );
  };

  const runImport = async () => {
    setImporting(true);
    try {
      const { imported } = await importPlexFriends(hh.hid());
      showToast({
        title:
          imported === 0
            ? 'No new Plex friends to import'
            : `Imported ${imported} Plex friend${imported === 1 ? '' : 's'}`,
        description: imported > 0 ? 'They are pending until you approve them.' : undefined,
        tone: 'success',
      });
      await fetchMembers(true);
    } catch (err) {
      showToast({ title: 'Could not import Plex friends', description: describeError(err), tone: 'error' });
    } finally {
      setImporting(false);
    }
  };

  const askRemove = (m: Member) =>
    confirm.ask({
      title: `Remove ${memberName(m)}?`,
      body: <p>They lose access to this household at once. You can invite them again later.</p>,
      confirmLabel: 'Remove',
      danger: true,
      action: async () => {
        await removeMember(hh.hid(), m.userId);
        showToast({ title: `${memberName(m)} was removed`, tone: 'success' });
        await fetchMembers(true);
      },
    });

  const askTransfer = (m: Member) =>
    confirm.ask({
      title: `Make ${memberName(m)} the owner?`,
      body: (
        <p>
          {memberName(m)} becomes the owner of {hh.detail().household.name}; you stay on as an admin. Only the
          new owner can give ownership back.
        </p>
      ),
      confirmLabel: 'Transfer ownership',
      danger: true,
      action: async () => {
        await transferOwnership(hh.hid(), m.userId);
        showToast({ title: `${memberName(m)} now owns the household`, tone: 'success' });
        await Promise.all([hh.reload(), refreshMe()]);
        await fetchMembers(true);
      },
    });

  return (
    <section aria-labelledby="members-title" class="space-y-4">
      <div class="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 id="members-title" class="text-xl font-semibold tracking-tight text-fg">
            Members
          </h2>
          <p class="mt-1 text-sm text-muted">Roles set the defaults; tick permissions to make exceptions.</p>
        </div>
        <Button variant="secondary" onClick={() => void runImport()} disabled={importing()}>
          <Show when={importing()} fallback={<Download size={16} aria-hidden="true" />}>
            <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
          </Show>
          Import Plex friends
        </Button>
      </div>

      <Switch>
        <Match when={load().state === 'loading'}>
          <ListSkeleton label="Loading members…" rows={3} rowClass="h-20" />
        </Match>
        <Match when={load().state === 'error' ? (load() as { error: unknown }) : undefined}>
          {(f) => (
            <ErrorState
              title="Could not load the members"
              message={describeError(f().error)}
              onRetry={() => void fetchMembers()}
            />
          )}
        </Match>
        <Match when={members().length === 0}>
          <EmptyState icon={<Users size={36} />} title="No members yet">
            <p>Invite people, or import the friends your Plex server is shared with.</p>
          </EmptyState>
        </Match>
        <Match when={members().length > 0}>
          <ul class="space-y-2" data-testid="member-list">
            <For each={members()}>
              {(m) => {
                const locked = () => m.role === 'owner' || m.userId === myId();
                const name = () => memberName(m);
                return (
                  <li
                    class="rounded-2xl border border-line bg-surface p-4"
                    data-testid="member"
                    data-user-id={m.userId}
                    aria-busy={busy() === m.userId}
                  >
                    <div class="flex flex-wrap items-center gap-3">
                      <span
                        class="flex size-10 shrink-0 items-center justify-center rounded-full bg-raised font-semibold text-fg"
                        aria-hidden="true"
                      >
                        {name().slice(0, 1).toUpperCase()}
                      </span>
                      <div class="min-w-0 flex-1">
                        <p class="flex flex-wrap items-center gap-2 font-semibold text-fg">
                          <span data-testid="member-name">{name()}</span>
                          <Show when={m.userId === myId()}>
                            <span class="text-xs font-medium text-muted">(you)</span>
                          </Show>
                          <Show when={m.role === 'owner'}>
                            <Crown size={14} class="text-accent" aria-label="Owner" />
                          </Show>
                          <span
                            class={`rounded-full px-2 py-0.5 text-xs font-medium ${statusStyles[m.status] ?? 'bg-raised text-muted'}`}
                            data-testid="member-status"
                          >
                            {m.status}
                          </span>
                        </p>
                        <p class="text-sm text-muted">
                          {m.email ?? m.user?.email ?? ''}
                          {(m.email ?? m.user?.email) && m.joinedVia ? ' · ' : ''}
                          {m.joinedVia ? (joinedLabels[m.joinedVia] ?? m.joinedVia) : ''}
                        </p>
                      </div>
                      <Show
                        when={!locked()}
                        fallback={<span class="text-sm font-medium text-fg capitalize">{m.role}</span>}
                      >
                        <label class="sr-only" for={`role-${m.userId}`}>
                          Role of {name()}
                        </label>
                        <select
                          id={`role-${m.userId}`}
                          value={m.role}
                          disabled={busy() === m.userId}
                          onChange={(e) =>
                            void patch(
                              m,
                              { role: e.currentTarget.value },
                              `${name()} is now ${e.currentTarget.value}`,
                            )
                          }
                          class="rounded-lg border border-line bg-canvas px-2 py-1.5 text-sm text-fg"
                        >
                          <option value="admin">Admin</option>
                          <option value="member">Member</option>
                        </select>
                      </Show>
                    </div>
                    <Show when={!locked()}>
                      <div class="mt-3 flex flex-wrap items-center gap-2 border-t border-line pt-3">
                        <details
                          class="group min-w-0 flex-1 basis-full sm:basis-auto"
                          open={openPanels().has(m.userId)}
                          onToggle={(e) => {
                            const next = new Set(openPanels());
                            if (e.currentTarget.open) next.add(m.userId);
                            else next.delete(m.userId);
                            setOpenPanels(next);
                          }}
                        >
                          <summary class="cursor-pointer rounded text-sm font-medium text-fg select-none">
                            Permissions ({(m.permissions ?? []).length}/{PERMISSIONS.length})
                          </summary>
                          <fieldset class="mt-2 grid gap-2 sm:grid-cols-2">
                            <legend class="sr-only">Permissions of {name()}</legend>
                            <For each={PERMISSIONS}>
                              {(p) => (
                                <label class="flex items-start gap-2 text-sm text-fg">
                                  <input
                                    type="checkbox"
                                    class="mt-0.5 size-4 accent-[var(--mn-accent)]"
                                    checked={(m.permissions ?? []).includes(p.id)}
                                    disabled={busy() === m.userId}
                                    onChange={(e) => togglePermission(m, p.id, e.currentTarget.checked)}
                                  />
                                  <span>
                                    {p.label}
                                    <span class="block text-xs text-muted">{p.hint}</span>
                                  </span>
                                </label>
                              )}
                            </For>
                          </fieldset>
                        </details>
                        <div class="flex flex-wrap gap-2">
                          <Switch>
                            <Match when={m.status === 'pending'}>
                              <Button
                                variant="secondary"
                                onClick={() => void patch(m, { status: 'active' }, `${name()} was approved`)}
                              >
                                Approve
                              </Button>
                            </Match>
                            <Match when={m.status === 'suspended'}>
                              <Button
                                variant="secondary"
                                onClick={() =>
                                  void patch(m, { status: 'active' }, `${name()} was reactivated`)
                                }
                              >
                                Reactivate
                              </Button>
                            </Match>
                            <Match when={m.status === 'active'}>
                              <Button
                                variant="secondary"
                                onClick={() =>
                                  void patch(m, { status: 'suspended' }, `${name()} was suspended`)
                                }
                              >
                                Suspend
                              </Button>
                            </Match>
                          </Switch>
                          <Show when={iAmOwner() && m.status === 'active'}>
                            <Button variant="secondary" onClick={() => askTransfer(m)}>
                              <Crown size={16} aria-hidden="true" />
                              Make owner
                            </Button>
                          </Show>
                          <Button variant="ghost" class="!text-bad" onClick={() => askRemove(m)}>
                            Remove
                          </Button>
                        </div>
                      </div>
                    </Show>
                  </li>
                );
              }}
            </For>
          </ul>
        </Match>
      </Switch>
      <confirm.Dialog />
    </section>
  );
}
