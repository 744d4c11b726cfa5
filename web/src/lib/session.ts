/**
 * Who is signed in, app-wide. `/api/v1/me` is read once and shared by the shell (switcher, account
 * menu) and every page; pages that change it (sign-in, joining, unlinking) call `refreshMe()`.
 * The chosen household is remembered per browser so the switcher and "home" agree across reloads.
 */
import { createSignal } from 'solid-js';
import { ApiError, UNAUTHORIZED_EVENT } from './api.ts';
import { getMe, type Me } from './identity.ts';

export type MeState =
  | { state: 'loading' }
  | { state: 'anonymous' }
  | { state: 'signed_in'; me: Me }
  | { state: 'error'; error: unknown };

const [meState, setMeState] = createSignal<MeState>({ state: 'loading' });

export { meState };

let inflight: Promise<MeState> | undefined;
let loadedOnce = false;

/** Reads /me again; concurrent callers share one request. */
export function refreshMe(): Promise<MeState> {
  inflight ??= (async () => {
    let next: MeState;
    try {
      next = { state: 'signed_in', me: await getMe() };
    } catch (err) {
      next =
        err instanceof ApiError && err.status === 401
          ? { state: 'anonymous' }
          : { state: 'error', error: err };
    }
    loadedOnce = true;
    setMeState(next);
    return next;
  })().finally(() => {
    inflight = undefined;
  });
  return inflight;
}

// A 401 from any call while we believe someone is signed in means the session is gone: find out.
// (/me itself answering 401 is how we learn it, so that one is not acted on twice.)
if (typeof window !== 'undefined') {
  window.addEventListener(UNAUTHORIZED_EVENT, (event) => {
    const path = (event as CustomEvent<{ path?: string }>).detail?.path;
    if (path !== '/v1/me' && meState().state === 'signed_in') void refreshMe();
  });
}

/** Loads /me on first use only. */
export function ensureMe(): Promise<MeState> {
  if (loadedOnce && !inflight) return Promise.resolve(meState());
  return refreshMe();
}

/** After sign-out the state is known without asking. */
export function markSignedOut(): void {
  loadedOnce = true;
  setMeState({ state: 'anonymous' });
}

export const me = (): Me | undefined => {
  const s = meState();
  return s.state === 'signed_in' ? s.me : undefined;
};

const STORAGE_KEY = 'medianest.household';

function readStored(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage can be disabled (private mode, policies): the choice then lasts for the tab only.
    return null;
  }
}

const [chosenHousehold, setChosen] = createSignal<string | null>(readStored());

export function chooseHousehold(id: string): void {
  setChosen(id);
  try {
    localStorage.setItem(STORAGE_KEY, id);
  } catch {
    // See readStored: the in-memory choice still works.
  }
}

/** The active household: the remembered choice when the user still belongs to it, else the first. */
export function currentHousehold(): Me['households'][number] | undefined {
  const list = me()?.households ?? [];
  const usable = list.filter((h) => h.status !== 'suspended');
  return usable.find((h) => h.id === chosenHousehold()) ?? usable[0];
}

/**
 * Only same-app absolute paths are followed, so `returnTo` cannot send anyone off-site. Browsers
 * drop tabs and newlines from URLs and read `\\` as `/`, so `/<tab>/evil.example` would be
 * `//evil.example`: control characters and backslashes are refused outright, and what is left must
 * still resolve to this origin.
 */
export function safeReturnTo(value: string | null | undefined): string | undefined {
  if (!value?.startsWith('/') || value.startsWith('//')) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return undefined;
  const base = 'https://app.invalid';
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return undefined;
  }
  if (url.origin !== base || url.pathname.startsWith('/sign-in')) return undefined;
  return value;
}

/** Where a signed-in user belongs when nothing asked for a particular page. */
export function homeFor(m: Me): string {
  const list = m.households.filter((h) => h.status !== 'suspended');
  if (list.length === 0) return '/households/new';
  const chosen = list.find((h) => h.id === chosenHousehold()) ?? list[0];
  return `/households/${encodeURIComponent(chosen!.id)}`;
}

export function signInHref(returnTo: string): string {
  return `/sign-in?returnTo=${encodeURIComponent(returnTo)}`;
}
