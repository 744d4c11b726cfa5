import { A } from '@solidjs/router';
import ScrollText from 'lucide-solid/icons/scroll-text';
import Server from 'lucide-solid/icons/server';
import Ticket from 'lucide-solid/icons/ticket';
import Users from 'lucide-solid/icons/users';
import { For, type JSX, Show } from 'solid-js';
import { EmptyState } from '../../../components/states.tsx';
import { useHousehold } from '../../../lib/household-context.ts';
import { PERMISSIONS } from '../../../lib/identity.ts';
import { usePageTitle } from '../../../lib/title.ts';

const roleLabels: Record<string, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };

function AdminLink(props: { href: string; icon: JSX.Element; title: string; hint: string }) {
  return (
    <A
      href={props.href}
      class="flex items-start gap-3 rounded-2xl border border-line bg-surface p-4 transition-colors hover:bg-raised"
    >
      <span
        class="flex size-9 shrink-0 items-center justify-center rounded-xl bg-accent-soft text-accent"
        aria-hidden="true"
      >
        {props.icon}
      </span>
      <span class="min-w-0">
        <span class="block font-semibold text-fg">{props.title}</span>
        <span class="block text-sm text-muted">{props.hint}</span>
      </span>
    </A>
  );
}

export default function HouseholdHome() {
  const hh = useHousehold();
  const household = () => hh.detail().household;
  const membership = () => hh.detail().membership;
  usePageTitle(() => household().name);
  const base = () => `/households/${encodeURIComponent(hh.hid())}`;
  const myPermissions = () =>
    PERMISSIONS.filter(
      (p) => membership().role === 'owner' || (membership().permissions ?? []).includes(p.id),
    );

  return (
    <div class="space-y-8">
      <section class="rounded-3xl border border-line bg-surface px-5 py-6 sm:px-8 sm:py-8">
        <p class="text-sm font-semibold tracking-wide text-accent uppercase">Household</p>
        <h1 class="mt-2 text-2xl font-bold tracking-tight text-fg sm:text-3xl" data-testid="household-name">
          {household().name}
        </h1>
        <p class="mt-2 text-sm text-muted">
          You are{' '}
          <span class="font-semibold text-fg" data-testid="my-role">
            {roleLabels[membership().role] ?? membership().role}
          </span>
          <Show when={membership().status && membership().status !== 'active'}>
            {' '}
            · <span class="font-semibold text-warn">{membership().status}</span>
          </Show>
        </p>
      </section>

      <section aria-labelledby="servers-title" class="space-y-3">
        <h2 id="servers-title" class="text-xl font-semibold tracking-tight text-fg">
          Plex servers
        </h2>
        <Show
          when={(household().servers ?? []).length > 0}
          fallback={
            <EmptyState icon={<Server size={36} />} title="No Plex server yet">
              <p>The owner adds servers when creating the household.</p>
            </EmptyState>
          }
        >
          <ul class="grid gap-3 sm:grid-cols-2">
            <For each={household().servers}>
              {(s) => (
                <li class="flex items-center gap-3 rounded-2xl border border-line bg-surface p-4">
                  <Server size={20} class="shrink-0 text-accent" aria-hidden="true" />
                  <span class="min-w-0">
                    <span class="block truncate font-semibold text-fg">{s.name ?? s.machineIdentifier}</span>
                    <span class="block truncate font-mono text-xs text-muted">{s.machineIdentifier}</span>
                  </span>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </section>

      <section aria-labelledby="perm-title" class="space-y-3">
        <h2 id="perm-title" class="text-xl font-semibold tracking-tight text-fg">
          What you can do here
        </h2>
        <Show
          when={myPermissions().length > 0}
          fallback={<p class="text-sm text-muted">Nothing yet: an admin can grant you permissions.</p>}
        >
          <ul class="flex flex-wrap gap-2">
            <For each={myPermissions()}>
              {(p) => (
                <li
                  class="rounded-full border border-line bg-surface px-3 py-1 text-sm text-fg"
                  title={p.hint}
                >
                  {p.label}
                </li>
              )}
            </For>
          </ul>
        </Show>
      </section>

      <Show when={hh.can('manage_members')}>
        <section aria-labelledby="admin-title" class="space-y-3">
          <h2 id="admin-title" class="text-xl font-semibold tracking-tight text-fg">
            Manage
          </h2>
          <div class="grid gap-3 sm:grid-cols-3">
            <AdminLink
              href={`${base()}/settings/members`}
              icon={<Users size={18} />}
              title="Members"
              hint="Roles, permissions, Plex friends"
            />
            <AdminLink
              href={`${base()}/settings/invites`}
              icon={<Ticket size={18} />}
              title="Invites"
              hint="Links for people without server access"
            />
            <AdminLink
              href={`${base()}/settings/audit`}
              icon={<ScrollText size={18} />}
              title="Audit log"
              hint="Who changed what, and when"
            />
          </div>
        </section>
      </Show>
    </div>
  );
}
