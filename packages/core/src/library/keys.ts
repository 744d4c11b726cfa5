/**
 * Keys and stored shapes of the library module. Everything lives under the household's partition
 * (`pk = H#<householdId>`), so a household can only ever read its own index.
 *
 * Access patterns:
 * - availability of a title:        `H#<hh>` / `LIB#<scope>#<guid>` (batchGet: guids × the member's
 *                                   visible scopes, so visibility is applied by the keys themselves)
 * - a section's index (reconcile):  `H#<hh>`, sk begins with `LIB#<scope>#`
 * - sync progress / watermarks:     `H#<hh>` / `LIBSYNC` (one item, conditional on the run id)
 * - sharing of a server (cache):    `H#<hh>` / `LIBSHARE#<machineId>` (TTL; friends' section lists
 *                                   and encrypted server tokens from plex.tv)
 *
 * `<scope>` is `<machineIdentifier>:<sectionKey>`: one index item per guid and section, not per
 * guid. A title can sit in two sections (Movies and 4K Movies) or on two servers; keying by scope
 * lets a full sync write blind (batchWrite, no read-modify-write) and lets a reconcile find a
 * section's stale entries with one query.
 */
import type { Item, Key } from '../port/table.ts';

export const ENTITY_VERSION = 1;

export const scopeOf = (machineIdentifier: string, sectionKey: string): string =>
  `${machineIdentifier}:${sectionKey}`;

export const keys = {
  index: (hh: string, scope: string, guid: string): Key => ({ pk: `H#${hh}`, sk: `LIB#${scope}#${guid}` }),
  indexPrefix: (scope: string): string => `LIB#${scope}#`,
  sync: (hh: string): Key => ({ pk: `H#${hh}`, sk: 'LIBSYNC' }),
  share: (hh: string, machineIdentifier: string): Key => ({
    pk: `H#${hh}`,
    sk: `LIBSHARE#${machineIdentifier}`,
  }),
};

/** One guid (tmdb/imdb/tvdb) in one section. */
export interface IndexItem extends Item {
  type: 'lib';
  v: number;
  guid: string;
  server: string;
  section: string;
  /** Rating keys carrying the guid in this section (duplicates in one section are rare but real). */
  rk: string[];
  /** movie | show */
  t: string;
  /** Shows: seasons and episodes present. */
  seasons?: number;
  episodes?: number;
  /** The sync generation that last saw the item (a full reconcile deletes older ones). */
  gen: number;
  at: number;
}

export interface SyncSection {
  server: string;
  serverName: string;
  key: string;
  title: string;
  type: string;
  /** Items in the section when last listed. */
  total: number;
  /** Offset reached by the current run. */
  offset: number;
  done: boolean;
  /** Greatest `updatedAt` (epoch s) a completed pass saw: the next incremental starts there. */
  watermark: number;
  /** Greatest `updatedAt` seen by the pass in progress (becomes the watermark when it completes). */
  pendingWatermark?: number;
}

export interface SyncCounts {
  itemsRead: number;
  /** Index items written (puts) and deleted. */
  written: number;
  deleted: number;
  /** Requests to Plex Media Server. */
  requests: number;
  /** Table write calls (batchWrite). */
  writeCalls: number;
}

export interface SyncItem extends Item {
  type: 'libsync';
  v: number;
  /** Revision: every save is conditional on it, so two deliveries of one step cannot both advance. */
  rev: number;
  /** Whether the run has listed its sections yet. */
  planned: boolean;
  state: 'idle' | 'running' | 'failed';
  runId: string | null;
  mode: 'full' | 'incremental' | null;
  /** Increases with every full run; index items older than it after a full pass are gone. */
  gen: number;
  sections: SyncSection[];
  /** Sections the previous full pass indexed (scopes), to drop sections that disappeared. */
  scopes: string[];
  counts: SyncCounts;
  startedAt: number | null;
  finishedAt: number | null;
  lastFullAt: number | null;
  lastIncrementalAt: number | null;
  error: string | null;
  /** Steps (queue messages) the run took. */
  steps: number;
  updatedAt: number;
  /** When the last `library.sync` realtime message went out (throttling across steps and processes). */
  publishedAt?: number;
}

export interface ShareCacheItem extends Item {
  type: 'libshare';
  v: number;
  machineIdentifier: string;
  /** Encrypted JSON of `SharedMembers`. */
  data: string;
  fetchedAt: number;
  ttl: number;
}
