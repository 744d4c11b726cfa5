/**
 * Dark is the default; a first visit follows `prefers-color-scheme`; an explicit choice is stored
 * and wins from then on. The document's inline head script (entry-server.tsx) applies the same
 * rule before the first paint so there is no flash of the wrong theme; this module takes over from
 * the attribute it set.
 */
import { createSignal } from 'solid-js';
import { resolveTheme, THEME_STORAGE_KEY, type Theme } from './theme-boot.ts';

export type { Theme };

export { THEME_STORAGE_KEY };

function readStored(): string | null {
  try {
    return localStorage.getItem(THEME_STORAGE_KEY);
  } catch {
    // Storage can be disabled (private modes, policies): the theme then lasts for the tab only.
    return null;
  }
}

function initial(): Theme {
  const attr = document.documentElement.dataset.theme;
  if (attr === 'dark' || attr === 'light') return attr;
  return resolveTheme(readStored(), matchMedia('(prefers-color-scheme: light)').matches);
}

const [theme, setThemeSignal] = createSignal<Theme>(initial());

export { theme };

export function setTheme(next: Theme): void {
  const root = document.documentElement;
  // Without this every element with a colour transition would fade on its own schedule, and for a
  // moment text would sit on a background of the other theme.
  root.classList.add('mn-theme-switching');
  setThemeSignal(next);
  root.dataset.theme = next;
  void root.offsetWidth;
  requestAnimationFrame(() => root.classList.remove('mn-theme-switching'));
  document
    .querySelector('meta[name="theme-color"]')
    ?.setAttribute('content', next === 'dark' ? '#0b0f17' : '#f3f4f7');
  try {
    localStorage.setItem(THEME_STORAGE_KEY, next);
  } catch {
    // See readStored.
  }
}

export function toggleTheme(): void {
  setTheme(theme() === 'dark' ? 'light' : 'dark');
}
