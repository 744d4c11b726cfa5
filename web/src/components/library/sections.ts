/** The sections I may see, read once per household and shared by the library pages. */
import { createSignal } from 'solid-js';
import { libraryApi, type Section, type Unavailable } from './library-api.ts';

type Load =
  | { state: 'loading' }
  | { state: 'ready'; sections: Section[]; unavailable: Unavailable[] }
  | { state: 'error'; error: unknown };

const cache = new Map<string, { at: number; value: Extract<Load, { state: 'ready' }> }>();
const FRESH_MS = 60_000;

/** `load(force)` re-reads (retry, "Sync now"); a fresh cached answer is reused otherwise. */
export function createSections(hid: () => string) {
  const [state, setState] = createSignal<Load>({ state: 'loading' });
  let seq = 0;
  const load = async (force = false) => {
    const id = hid();
    const mine = ++seq;
    const hit = cache.get(id);
    if (!force && hit && Date.now() - hit.at < FRESH_MS) {
      setState(hit.value);
      return;
    }
    setState({ state: 'loading' });
    try {
      const r = await libraryApi.sections(id);
      if (mine !== seq) return;
      const value = { state: 'ready' as const, sections: r.sections, unavailable: r.unavailable };
      // A partial answer (a server down) is not worth keeping.
      if (r.unavailable.length === 0) cache.set(id, { at: Date.now(), value });
      else cache.delete(id);
      setState(value);
    } catch (error) {
      if (mine !== seq) return;
      cache.delete(id);
      setState({ state: 'error', error });
    }
  };
  return { state, load };
}
