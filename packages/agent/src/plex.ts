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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function findItem(
  plex: PlexServerClient,
  sectionKey: string,
  match: { plexPath: string; title: string },
  waitMs: number,
  pollMs = 500,
): Promise<PlexItem | undefined> {
  const deadline = Date.now() + waitMs;
  const fileTitle = baseOf(basename(match.plexPath));
  for (;;) {
    const page = await plex.sectionItems(sectionKey, { sort: 'addedAt:desc', size: 200 });
    const hit = page.items.find((item) => {
      const files = (item.Media ?? []).flatMap((m) =>
        ((m as { Part?: { file?: unknown }[] }).Part ?? []).map((p) => p.file),
      );
      return files.includes(match.plexPath) || item.title === match.title || item.title === fileTitle;
    });
    if (hit || Date.now() >= deadline) return hit;
    await sleep(pollMs);
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
