/**
 * What the library module needs beyond the domain ports. The composition root provides it from
 * the System plus the outbound Http adapter and the integration settings (which hold each
 * household server's chosen URL and the household token).
 */
import type { DomainDeps } from '../actor/deps.ts';
import type { Blob } from '../port/blob.ts';
import type { Http } from '../port/http.ts';
import type { Queue } from '../port/queue.ts';
import type { Realtime } from '../port/realtime.ts';

/** One of the household's Plex Media Servers, as MediaNest reaches it. */
export interface PlexServerConnection {
  machineIdentifier: string;
  name: string;
  /** The URL chosen for it (integration settings). */
  baseUrl: string;
  /** The household's token for it (the owner's); never leaves core. */
  token: string;
}

/** Where the household's servers come from (the integration module implements it). */
export interface LibraryServers {
  list(householdId: string): Promise<PlexServerConnection[]>;
}

export interface LibraryDeps extends DomainDeps {
  http: Http;
  blob: Blob;
  queue: Queue;
  servers: LibraryServers;
  /** Pushes the availability sync's progress to the household's admins (`library.sync`). */
  realtime?: Realtime;
  /** plex.tv (sharing data); the simulator in tests. Default `https://plex.tv`. */
  plexTvUrl?: string;
  /** `X-Plex-Client-Identifier` MediaNest uses towards Plex. */
  clientIdentifier?: string;
  /** Per attempt towards a Plex server while a member waits (browse, search, images). Default 8 s. */
  timeoutMs?: number;
  /**
   * The whole of one interactive call (browse, search, images, plex.tv sharing) including the Http
   * adapter's retries and their backoff. Default 8 s: a hanging server answers the member within it
   * instead of after every retry has timed out. The sync's calls have no such deadline.
   */
  deadlineMs?: number;
  /** Per attempt for the sync's large pages. Default 30 s. */
  syncTimeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 8_000;
export const DEFAULT_SYNC_TIMEOUT_MS = 30_000;
export const DEFAULT_DEADLINE_MS = 8_000;
export const PLEX_TV = 'https://plex.tv';
export const CLIENT_IDENTIFIER = 'medianest';
