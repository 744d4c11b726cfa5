/**
 * The Plex Media Server simulator: a seeded library (movies, shows with seasons and episodes),
 * collections, scans, sessions and images over PMS's JSON API. See PROTOCOLS.md §2.
 */
import { AppError } from '@medianest/core/error/index';
import type { Faults } from '../kit/faults.ts';
import { type Hits, type RunningSimulator, startServer } from '../kit/index.ts';
import type { SectionSpec } from '../scenario/schema.ts';
import { plexServerApp, type ServerInfo } from './app.ts';
import type { Overrides } from './generator.ts';
import { type CollectionState, guidsOf, Library, type Refresh, type SessionSpec } from './library.ts';
import { itemJson } from './render.ts';

export type { Overrides as ItemSpec } from './generator.ts';
export type { CollectionState, PlayerSpec, Refresh, SessionSpec, TranscodeSpec } from './library.ts';
export { GENRES } from './words.ts';

export interface PlexServerOptions {
  machineIdentifier?: string;
  name?: string;
  version?: string;
  /** Accepted X-Plex-Token values; owner first. */
  tokens?: string[];
  sections?: SectionSpec[];
  seed?: number;
  port?: number;
  /** ms since the epoch; the generated timeline ends at its value at start. */
  clock?: () => number;
}

/** A metadata item as the JSON API shows it (with `Guid[]`). */
export type PlexMetadata = Record<string, unknown> & { ratingKey: string; title: string; type: string };

export interface RunningPlexServer extends RunningSimulator {
  machineIdentifier: string;
  serverName: string;
  version: string;
  ownerToken: string;
  /** false between stop() and start(). */
  readonly running: boolean;
  addItems(sectionKey: string, what: number | Overrides[]): PlexMetadata[];
  hasGuid(guid: string): boolean;
  findByGuid(guid: string): PlexMetadata | undefined;
  setSessions(sessions: SessionSpec[]): void;
  refreshes(): Refresh[];
  collections(): CollectionState[];
  tokens(): string[];
  addToken(token: string): void;
  removeToken(token: string): void;
  /** Takes the server "down" (connections refused) while keeping its library. */
  stop(): Promise<void>;
  /** Brings it back on the same port. */
  start(): Promise<void>;
}

export const DEFAULT_SECTIONS: SectionSpec[] = [
  { key: '1', title: 'Movies', type: 'movie', count: 50, path: '/data/media/movies' },
  { key: '2', title: 'TV Shows', type: 'show', count: 10, path: '/data/media/tv' },
];

export async function startPlexServer(options: PlexServerOptions = {}): Promise<RunningPlexServer> {
  const machineIdentifier = options.machineIdentifier ?? 'a3f9e1c07b5d4e2f8a6c1b9d0e7f3a5c4b2d8e6f';
  const info: ServerInfo = {
    machineIdentifier,
    name: options.name ?? 'Simulated Plex',
    version: options.version ?? '1.41.3.9314-a0bfb8370',
    tokens: [...(options.tokens ?? ['plex-owner-token'])],
  };
  if (info.tokens.length === 0)
    throw new AppError('invalid', 'tokens.empty', 'at least the owner token is needed');
  const lib = new Library({
    machineIdentifier,
    seed: options.seed ?? 1,
    sections: options.sections ?? DEFAULT_SECTIONS,
    clock: options.clock ?? Date.now,
  });
  const setSessions = (sessions: SessionSpec[]) => {
    for (const s of sessions) {
      if (!lib.node(Number(s.ratingKey)))
        throw new AppError('not_found', 'session.item', `no item ${s.ratingKey}`);
    }
    lib.sessions = sessions.map((s) => ({ ...s }));
  };
  const app = plexServerApp(lib, info, { setSessions });
  let sim: RunningSimulator | null = await startServer('plex-server', app, { port: options.port });
  const port = sim.port;
  const url = sim.url;
  const current = (): RunningSimulator => {
    if (!sim) throw new AppError('unavailable', 'server.stopped', 'the simulated server is stopped');
    return sim;
  };
  const render = (n: Parameters<typeof itemJson>[1]) =>
    itemJson(lib, n, { includeGuids: true, detail: false }) as PlexMetadata;

  return {
    name: 'plex-server',
    url,
    port,
    machineIdentifier,
    serverName: info.name,
    version: info.version,
    ownerToken: info.tokens[0] as string,
    get running() {
      return sim !== null;
    },
    get faults(): Faults {
      return current().faults;
    },
    hits: (): Hits => current().hits(),
    resetHits: () => current().resetHits(),
    addItems: (sectionKey, what) => lib.addItems(sectionKey, what).map(render),
    hasGuid: (guid) => lib.findByGuid(guid) !== undefined,
    findByGuid: (guid) => {
      const n = lib.findByGuid(guid);
      return n ? render(n) : undefined;
    },
    setSessions,
    refreshes: () => lib.refreshes(),
    collections: () => lib.collections(),
    tokens: () => [...info.tokens],
    addToken: (token) => {
      if (!info.tokens.includes(token)) info.tokens.push(token);
    },
    removeToken: (token) => {
      const i = info.tokens.indexOf(token);
      if (i > 0) info.tokens.splice(i, 1);
    },
    stop: async () => {
      const s = sim;
      sim = null;
      await s?.close();
    },
    start: async () => {
      if (sim) return;
      sim = await startServer('plex-server', app, { port });
    },
    close: async () => {
      const s = sim;
      sim = null;
      await s?.close();
    },
  };
}

export { guidsOf };
