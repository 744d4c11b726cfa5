import Moon from 'lucide-solid/icons/moon';
import Sun from 'lucide-solid/icons/sun';
import { Show } from 'solid-js';
import { theme, toggleTheme } from '../lib/theme.ts';

/** A real switch (role="switch") so screen readers announce the state, not just the action. */
export function ThemeSwitch(props: { class?: string }) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={theme() === 'dark'}
      aria-label="Dark theme"
      title={theme() === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
      data-testid="theme-switch"
      onClick={toggleTheme}
      class={`inline-flex size-10 items-center justify-center rounded-lg text-muted transition-colors hover:bg-raised hover:text-fg ${props.class ?? ''}`}
    >
      <Show when={theme() === 'dark'} fallback={<Sun size={20} aria-hidden="true" />}>
        <Moon size={20} aria-hidden="true" />
      </Show>
    </button>
  );
}
