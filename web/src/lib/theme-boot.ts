/**
 * The part of the theme rule that must also run outside the app: in the document's inline head
 * script (before the first paint) and at build time, where there is no DOM. No DOM access here.
 */
export type Theme = 'dark' | 'light';

export const THEME_STORAGE_KEY = 'medianest.theme';

export function resolveTheme(stored: string | null, prefersLight: boolean): Theme {
  if (stored === 'dark' || stored === 'light') return stored;
  return prefersLight ? 'light' : 'dark';
}

/** The same rule as `resolveTheme`, inlined into index.html so no bundle has to load first. */
export const themeBootScript = `(function(){var d=document.documentElement;try{var t=localStorage.getItem(${JSON.stringify(
  THEME_STORAGE_KEY,
)});if(t!=='dark'&&t!=='light'){t=matchMedia('(prefers-color-scheme: light)').matches?'light':'dark'}d.dataset.theme=t}catch(e){d.dataset.theme='dark'}})()`;
