/**
 * Pages of a very long list, fetched by offset only for the window the user sees.
 *
 * - At most one page request is in flight. When it lands, the next missing page of the *current*
 *   window is asked for, so a fast scroll from the top to item 40,000 fetches the pages around
 *   40,000, never the ones it flew past.
 * - At most `maxPages` pages are kept; the least recently used page outside the window goes first.
 * - A failed page stops the pump (no retry loop against a server that is down) until `retry()`.
 */
import { createSignal } from 'solid-js';

export interface PageAnswer<T> {
  items: T[];
  total: number;
}

export interface PagedOptions<T> {
  pageSize: number;
  /** Pages kept in memory (default 12). */
  maxPages?: number;
  fetchPage(offset: number, limit: number, signal: AbortSignal): Promise<PageAnswer<T>>;
}

export interface Paged<T> {
  /** Unknown until the first page answers. */
  total(): number | undefined;
  /** The item at `index`, when its page is loaded (reactive). */
  get(index: number): T | undefined;
  /** The items the user sees (inclusive); fetches what is missing. */
  setWindow(first: number, last: number): void;
  /** The last page failure, until `retry()`. */
  error(): unknown;
  /** Whether a page request is in flight. */
  busy(): boolean;
  retry(): void;
  /** Stops: an in-flight request is aborted and nothing more is fetched. */
  dispose(): void;
  /** Loaded page numbers (tests, diagnostics). */
  loadedPages(): number[];
}

export function createPaged<T>(options: PagedOptions<T>): Paged<T> {
  const size = options.pageSize;
  const maxPages = Math.max(2, options.maxPages ?? 12);
  /** Insertion order is recency: a page is re-inserted whenever it is used. */
  const pages = new Map<number, T[]>();
  const [version, setVersion] = createSignal(0);
  const [total, setTotal] = createSignal<number | undefined>(undefined);
  const [error, setError] = createSignal<unknown>(undefined);
  const [busy, setBusy] = createSignal(false);
  let window = { first: 0, last: size - 1 };
  let inflight: AbortController | undefined;
  let disposed = false;

  const pagesOfWindow = (): number[] => {
    const t = total();
    const last = t === undefined ? window.last : Math.min(window.last, t - 1);
    if (last < window.first) return t === undefined ? [0] : [];
    const out: number[] = [];
    for (let p = Math.floor(window.first / size); p <= Math.floor(last / size); p++) out.push(p);
    return out;
  };

  const evict = (keep: Set<number>) => {
    for (const p of pages.keys()) {
      if (pages.size <= maxPages) break;
      if (!keep.has(p)) pages.delete(p);
    }
  };

  const pump = () => {
    if (disposed || inflight || error() !== undefined) return;
    const wanted = pagesOfWindow();
    const missing = wanted.find((p) => !pages.has(p));
    if (missing === undefined) return;
    const controller = new AbortController();
    inflight = controller;
    setBusy(true);
    options
      .fetchPage(missing * size, size, controller.signal)
      .then(
        (answer) => {
          if (controller.signal.aborted) return;
          pages.set(missing, answer.items);
          setTotal(answer.total);
          evict(new Set(pagesOfWindow()));
          setVersion((v) => v + 1);
        },
        (err: unknown) => {
          if (controller.signal.aborted) return;
          setError(err ?? new Error('The page could not be loaded'));
        },
      )
      .finally(() => {
        if (inflight === controller) {
          inflight = undefined;
          setBusy(false);
          pump();
        }
      });
  };

  return {
    total,
    get(index) {
      version();
      const p = Math.floor(index / size);
      const page = pages.get(p);
      return page?.[index - p * size];
    },
    setWindow(first, last) {
      window = { first: Math.max(0, first), last: Math.max(first, last) };
      // Mark the window's pages as recently used.
      for (const p of pagesOfWindow()) {
        const page = pages.get(p);
        if (page) {
          pages.delete(p);
          pages.set(p, page);
        }
      }
      pump();
    },
    error,
    busy,
    retry() {
      setError(undefined);
      pump();
    },
    dispose() {
      disposed = true;
      inflight?.abort();
      inflight = undefined;
    },
    loadedPages: () => {
      version();
      return [...pages.keys()].sort((a, b) => a - b);
    },
  };
}
