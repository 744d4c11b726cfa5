import { DropdownMenu } from '@kobalte/core/dropdown-menu';
import { useNavigate } from '@solidjs/router';
import Check from 'lucide-solid/icons/check';
import ChevronsUpDown from 'lucide-solid/icons/chevrons-up-down';
import House from 'lucide-solid/icons/house';
import Plus from 'lucide-solid/icons/plus';
import { For, Show } from 'solid-js';
import { chooseHousehold, currentHousehold, me } from '../lib/session.ts';

const itemClass =
  'flex cursor-pointer items-center gap-2 rounded-lg px-3 py-2 text-sm text-fg outline-none data-[highlighted]:bg-raised';

/** The current household in the header; picking another one switches and remembers it. */
export function HouseholdSwitcher() {
  const navigate = useNavigate();
  const households = () => me()?.households ?? [];
  return (
    <Show when={me()}>
      {/* Non-modal: a modal menu aria-hides the focusable page and adds focus-trap spans inside role=menu (axe). */}
      <DropdownMenu modal={false}>
        <DropdownMenu.Trigger
          class="inline-flex max-w-[16rem] min-w-0 shrink items-center gap-2 rounded-lg border border-line bg-surface px-3 py-1.5 text-sm font-medium text-fg hover:bg-raised"
          data-testid="household-switcher"
        >
          <House size={16} class="shrink-0 text-accent" aria-hidden="true" />
          <span class="sr-only">Switch household, current: </span>
          <span class="truncate">{currentHousehold()?.name ?? 'No household'}</span>
          <ChevronsUpDown size={14} class="shrink-0 text-muted" aria-hidden="true" />
        </DropdownMenu.Trigger>
        <DropdownMenu.Portal>
          <DropdownMenu.Content class="z-50 min-w-[14rem] rounded-xl border border-line bg-surface p-1 shadow-2xl shadow-black/30">
            <Show when={households().length > 0}>
              <DropdownMenu.Group>
                <DropdownMenu.GroupLabel class="px-3 py-1.5 text-xs font-medium text-muted">
                  Your households
                </DropdownMenu.GroupLabel>
                <For each={households()}>
                  {(h) => (
                    <DropdownMenu.Item
                      class={itemClass}
                      onSelect={() => {
                        chooseHousehold(h.id);
                        navigate(`/households/${encodeURIComponent(h.id)}`);
                      }}
                    >
                      <span class="flex-1 truncate">{h.name}</span>
                      <Show when={currentHousehold()?.id === h.id}>
                        <Check size={16} class="text-accent" aria-label="current" />
                      </Show>
                    </DropdownMenu.Item>
                  )}
                </For>
              </DropdownMenu.Group>
              <DropdownMenu.Separator class="my-1 border-line" />
            </Show>
            <DropdownMenu.Item class={itemClass} onSelect={() => navigate('/households/new')}>
              <Plus size={16} aria-hidden="true" />
              Create or join a household
            </DropdownMenu.Item>
          </DropdownMenu.Content>
        </DropdownMenu.Portal>
      </DropdownMenu>
    </Show>
  );
}
