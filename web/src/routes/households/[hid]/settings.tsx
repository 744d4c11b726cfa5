import { A } from '@solidjs/router';
import Lock from 'lucide-solid/icons/lock';
import { For, type ParentProps, Show } from 'solid-js';
import { EmptyState } from '../../../components/states.tsx';
import { useHousehold } from '../../../lib/household-context.ts';

/** Tabs for the household's admin pages, and the "no permission" state for everyone else. */
export default function SettingsLayout(props: ParentProps) {
  const hh = useHousehold();
  const base = () => `/households/${encodeURIComponent(hh.hid())}/settings`;
  const tabs = () => [
    { href: `${base()}/integrations`, label: 'Integrations' },
    { href: `${base()}/members`, label: 'Members' },
    { href: `${base()}/invites`, label: 'Invites' },
    { href: `${base()}/requests`, label: 'Requests' },
    { href: `${base()}/agents`, label: 'Agents' },
    { href: `${base()}/audit`, label: 'Audit log' },
  ];
  return (
    <div class="space-y-6">
      <div>
        <p class="text-sm font-medium text-muted">{hh.detail().household.name}</p>
        <h1 class="text-2xl font-bold tracking-tight text-fg sm:text-3xl">Household settings</h1>
      </div>
      <Show
        when={hh.can('manage_members')}
        fallback={
          <EmptyState icon={<Lock size={36} />} title="Only the household's admins can open settings">
            <p data-testid="no-permission">
              Ask the owner or an admin if you need to manage members or invites.
            </p>
          </EmptyState>
        }
      >
        <nav aria-label="Settings" class="-mx-1 overflow-x-auto">
          <ul class="flex gap-1 border-b border-line px-1">
            <For each={tabs()}>
              {(tab) => (
                <li>
                  <A
                    href={tab.href}
                    class="-mb-px inline-block border-b-2 border-transparent px-3 py-2 text-sm font-medium whitespace-nowrap text-muted hover:text-fg"
                    activeClass="!border-accent !text-fg"
                  >
                    {tab.label}
                  </A>
                </li>
              )}
            </For>
          </ul>
        </nav>
        {props.children}
      </Show>
    </div>
  );
}
