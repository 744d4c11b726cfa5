/**
 * Telling Plex: a partial scan of the section for the folder that received the file and, for a
 * playlist, the collection named after it (created on the first video, extended by the rest).
 * Plex assigns a rating key only once its scanner has seen the file, so the agent waits for the
 * item to show up (matched by file path, or by title) before adding it to the collection.
 */
import { basename } from 'node:path';
import {
  PLEX_TYPE,
  type PlexItem,
  type PlexServerClient,
  type PlexTypeName,
} from '@medianest/core/integration/client/index';
import { baseOf } from './sidecars.ts';

/** Waits `ms`, or less when `signal` aborts first (never rejects). */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** `p`, or undefined as soon as `signal` aborts (the request itself runs out on its own timeout). */
function unlessAborted<T>(p: Promise<T>, signal?: AbortSignal): Promise<T | undefined> {
  if (!signal) return p;
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.resolve(undefined);
  }
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Polls the section until Plex lists the file (by path or title), for at most `waitMs`. Gives up
 * at once (undefined) when `signal` aborts: the job was cancelled or the agent is stopping.
 */
export async function findItem(
  plex: PlexServerClient,
  sectionKey: string,
  match: { plexPath: string; title: string },
  waitMs: number,
  pollMs = 500,
  signal?: AbortSignal,
): Promise<PlexItem | undefined> {
  const deadline = Date.now() + waitMs;
  const fileTitle = baseOf(basename(match.plexPath));
  for (;;) {
    if (signal?.aborted) return undefined;
    const page = await unlessAborted(
      plex.sectionItems(sectionKey, { sort: 'addedAt:desc', size: 200 }),
      signal,
    );
    if (!page) return undefined;
    const hit = page.items.find((item) => {
      const files = (item.Media ?? []).flatMap((m) =>
        ((m as { Part?: { file?: unknown }[] }).Part ?? []).map((p) => p.file),
      );
      return files.includes(match.plexPath) || item.title === match.title || item.title === fileTitle;
    });
    if (hit || Date.now() >= deadline) return hit;
    await pause(pollMs, signal);
  }
}

const collectionLocks = new Map<string, Promise<unknown>>();

/** Creates the collection or adds the item to it; serialised per title so parallel videos agree. */
export function addToCollection(
  plex: PlexServerClient,
  sectionKey: string,
  title: string,
  item: PlexItem,
): Promise<void> {
  const lock = `${plex.baseUrl}|${sectionKey}|${title}`;
  const prev = collectionLocks.get(lock) ?? Promise.resolve();
  const next = prev
    .catch(() => undefined)
    .then(async () => {
      const existing = (await plex.collections(sectionKey, { size: 500 })).items.find(
        (c) => c.title === title,
      );
      if (existing) {
        await plex.addToCollection(existing.ratingKey, [item.ratingKey]);
        return;
      }
      const type: PlexTypeName = item.type in PLEX_TYPE ? (item.type as PlexTypeName) : 'movie';
      await plex.createCollection({ sectionKey, title, type, ratingKeys: [item.ratingKey] });
    });
  collectionLocks.set(lock, next);
  void next.finally(() => {
    if (collectionLocks.get(lock) === next) collectionLocks.delete(lock);
  });
  return next;
}
