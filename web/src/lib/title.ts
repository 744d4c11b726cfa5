import { createEffect } from 'solid-js';

/** Sets the tab title for the current page ("Home · MediaNest"). */
export function usePageTitle(title: () => string): void {
  createEffect(() => {
    document.title = title() ? `${title()} · MediaNest` : 'MediaNest';
  });
}
