import Copy from 'lucide-solid/icons/copy';
import LoaderCircle from 'lucide-solid/icons/loader-circle';
import Ticket from 'lucide-solid/icons/ticket';
import { createSignal, For, Match, onCleanup, onMount, Show, Switch } from 'solid-js';
import { createConfirm } from '../../../../components/confirm-dialog.tsx';
import { Button, EmptyState, ErrorState, ListSkeleton } from '../../../../components/states.tsx';
import { ApiError, describeError } from '../../../../lib/api.ts';
import { copyWithToast } from '../../../../lib/clipboard.ts';
import { useHousehold } from '../../../../lib/household-context.ts';
import {
  createInvite,
  getInvites,
  type Invite,
  type InviteState,
  inviteLink,
  inviteState,
  revokeInvite,
  toDate,
} from '../../../../lib/identity.ts';
import { usePageTitle } from '../../../../lib/title.ts';
import { showToast } from '../../../../lib/toast.tsx';

type Load = { state: 'loading' } | { state: 'ready'; invites: Invite[] } | { state: 'error'; error: unknown };

const stateLabels: Record<InviteState, { label: string; style: string }> = {
  active: { label: 'Active', style: 'bg-ok-soft text-ok' },
  expired: { label: 'Expired', style: 'bg-raised text-muted' },
  used_up: { label: 'Used up', style: 'bg-raised text-muted' },
  revoked: { label: 'Revoked', style: 'bg-bad-soft text-bad' },
};

const EXPIRY_CHOICES = [
  { hours: 24, label: '1 day' },
  { hours: 24 * 7, label: '7 days' },
  { hours: 24 * 30, label: '30 days' },
];

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export default function InvitesPage() {
  usePageTitle(() => 'Invites');
  const hh = useHousehold();
  const confirm = createConfirm();
  const [load, setLoad] = createSignal<Load>({ state: 'loading' });
  const [role, setRole] = createSignal('member');
  const [maxUses, setMaxUses] = createSignal(1);
  const [expires, setExpires] = createSignal(24 * 7);
  const [creating, setCreating] = createSignal(false);
  const [formError, setFormError] = createSignal<string | undefined>();
  const [fresh, setFresh] = createSignal<Invite | undefined>();
  let controller: AbortController | undefined;

  const fetchInvites = async (quiet = false) => {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    if (!quiet) setLoad({ state: 'loading' });
    try {
      const invites = await getInvites(hh.hid(), mine.signal);
      invites.sort((a, b) => (toDate(b.expiresAt)?.getTime() ?? 0) - (toDate(a.expiresAt)?.getTime() ?? 0));
      if (controller === mine) setLoad({ state: 'ready', invites });
    } catch (err) {
      if (controller !== mine || (err instanceof ApiError && err.code === 'aborted')) return;
      setLoad({ state: 'error', error: err });
    }
  };
  onMount(() => void fetchInvites());
  onCleanup(() => controller?.abort());

  const invites = () => {
    const l = load();
    return l.state === 'ready' ? l.invites : [];
  };
  const failed = () => {
    const l = load();
    return l.state === 'error' ? l : undefined;
  };

  const create = async (e: SubmitEvent) => {
    e.preventDefault();
    setFormError(undefined);
    if (!Number.isInteger(maxUses()) || maxUses() < 1 || maxUses() > 100) {
      setFormError('Uses must be a whole number from 1 to 100.');
      return;
    }
    setCreating(true);
    try {
      const invite = await createInvite(hh.hid(), {
        role: role(),
        maxUses: maxUses(),
        expiresInHours: expires(),
      });
      setFresh(invite);
      showToast({ title: 'Invite link created', tone: 'success', duration: 2500 });
      await fetchInvites(true);
    } catch (err) {
      setFormError(describeError(err));
    } finally {
      setCreating(false);
    }
  };

  const copy = async (invite: Invite) => {
    await copyWithToast(inviteLink(invite), 'Link copied', 'the link');
  };

  const askRevoke = (invite: Invite) =>
    confirm.ask({
      title: 'Revoke this invite?',
      body: <p>The link stops working at once. People who already joined with it stay members.</p>,
      confirmLabel: 'Revoke',
      danger: true,
      action: async () => {
        await revokeInvite(hh.hid(), invite.code);
        if (fresh()?.code === invite.code) setFresh(undefined);
        showToast({ title: 'Invite revoked', tone: 'success', duration: 2500 });
        await fetchInvites(true);
      },
    });

  return (
    <div class="space-y-8">
      <section aria-labelledby="new-invite-title" class="space-y-4">
        <div>
          <h2 id="new-invite-title" class="text-xl font-semibold tracking-tight text-fg">
            New invite link
          </h2>
          <p class="mt-1 text-sm text-muted">
            For people without access to your Plex server. Anyone with the link can join until it expires or
            is used up.
          </p>
        </div>
        <form
          onSubmit={create}
          noValidate
          class="grid gap-4 rounded-2xl border border-line bg-surface p-5 sm:grid-cols-[1fr_1fr_1fr_auto] sm:items-end"
        >
          <div class="space-y-1.5">
            <label for="invite-role" class="block text-sm font-medium text-fg">
              Role
            </label>
            <select
              id="invite-role"
              value={role()}
              onChange={(e) => setRole(e.currentTarget.value)}
              class="w-full rounded-lg border border-line bg-canvas px-3 py-2 text-fg"
            >
              <option value="member">Member</option>
              <option value="admin">Admin</option>
            </select>
          </div>
          <div class="space-y-1.5">
            <label for="invite-uses" class="block text-sm font-medium text-fg">
              Uses
            </label>
            <input
              id="invite-uses"
              type="number"
              min="1"
              max="100"
              value={maxUses()}
              onInput={(e) => setMaxUses(e.currentTarget.valueAsNumber)}
              class="w-full rounded-lg border border-line bg-canvas px-3 py-2 text-fg"
            />
          </div>
          <div class="space-y-1.5">
            <label for="invite-expiry" class="block text-sm font-medium text-fg">
              Expires after
            </label>
            <select
              id="invite-expiry"
              value={String(expires())}
              onChange={(e) => setExpires(Number(e.currentTarget.value))}
              class="w-full rounded-lg border border-line bg-canvas px-3 py-2 text-fg"
            >
              <For each={EXPIRY_CHOICES}>{(c) => <option value={String(c.hours)}>{c.label}</option>}</For>
            </select>
          </div>
          <Button type="submit" disabled={creating()}>
            <Show when={creating()} fallback={<Ticket size={16} aria-hidden="true" />}>
              <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
            </Show>
            Create link
          </Button>
          <Show when={formError()}>
            <p role="alert" class="rounded-lg bg-bad-soft px-3 py-2 text-sm text-fg sm:col-span-4">
              {formError()}
            </p>
          </Show>
        </form>
        <Show when={fresh()}>
          {(f) => (
            <div
              class="space-y-2 rounded-2xl border border-accent bg-accent-soft p-4"
              data-testid="new-invite"
            >
              <p class="text-sm font-semibold text-fg">Share this link</p>
              <div class="flex flex-col gap-2 sm:flex-row">
                <label for="new-invite-link" class="sr-only">
                  Invite link
                </label>
                <input
                  id="new-invite-link"
                  readOnly
                  value={inviteLink(f())}
                  data-testid="invite-link"
                  onFocus={(e) => e.currentTarget.select()}
                  class="min-w-0 flex-1 rounded-lg border border-line bg-canvas px-3 py-2 font-mono text-sm text-fg"
                />
                <Button variant="secondary" onClick={() => void copy(f())}>
                  <Copy size={16} aria-hidden="true" />
                  Copy link
                </Button>
              </div>
            </div>
          )}
        </Show>
      </section>

      <section aria-labelledby="invites-title" class="space-y-4">
        <h2 id="invites-title" class="text-xl font-semibold tracking-tight text-fg">
          Invite links
        </h2>
        <Switch>
          <Match when={load().state === 'loading'}>
            <ListSkeleton label="Loading invites…" rows={2} rowClass="h-16" />
          </Match>
          <Match when={failed()}>
            {(f) => (
              <ErrorState
                title="Could not load the invites"
                message={describeError(f().error)}
                onRetry={() => void fetchInvites()}
              />
            )}
          </Match>
          <Match when={invites().length === 0}>
            <EmptyState icon={<Ticket size={36} />} title="No invite links yet">
              <p>Create one above and send it to whoever should join.</p>
            </EmptyState>
          </Match>
          <Match when={invites().length > 0}>
            <ul class="space-y-2" data-testid="invite-list">
              <For each={invites()}>
                {(invite) => {
                  const s = () => inviteState(invite);
                  const expiry = () => toDate(invite.expiresAt);
                  return (
                    <li
                      class="flex flex-wrap items-center gap-3 rounded-2xl border border-line bg-surface p-4"
                      data-testid="invite"
                      data-state={s()}
                    >
                      <div class="min-w-0 flex-1">
                        <p class="flex flex-wrap items-center gap-2">
                          <span class="font-mono text-sm font-semibold text-fg">{invite.code}</span>
                          <span
                            class={`rounded-full px-2 py-0.5 text-xs font-medium ${stateLabels[s()].style}`}
                          >
                            {stateLabels[s()].label}
                          </span>
                        </p>
                        <p class="text-sm text-muted">
                          <span class="capitalize">{invite.role}</span> · used {invite.uses} of{' '}
                          {invite.maxUses} · {s() === 'expired' ? 'expired' : 'expires'}{' '}
                          {expiry() ? when.format(expiry()!) : 'never'}
                        </p>
                      </div>
                      <Show when={s() === 'active'}>
                        <Button
                          variant="secondary"
                          onClick={() => void copy(invite)}
                          aria-label={`Copy link for ${invite.code}`}
                        >
                          <Copy size={16} aria-hidden="true" />
                          Copy
                        </Button>
                        <Button
                          variant="ghost"
                          class="!text-bad"
                          onClick={() => askRevoke(invite)}
                          aria-label={`Revoke ${invite.code}`}
                        >
                          Revoke
                        </Button>
                      </Show>
                    </li>
                  );
                }}
              </For>
            </ul>
          </Match>
        </Switch>
      </section>
      <confirm.Dialog />
    </div>
  );
}
