/**
 * Test support for the library module: a Plex world (plex.tv + PMS simulators), a household whose
 * owner and friends signed in with Plex, and LibraryDeps wired to real adapters (a SqliteTable or
 * a DynamoTable, an FsBlob in a temp folder, the outbound Http adapter allowed onto loopback) plus a
 * capturing queue whose messages the test runs by hand (`drain`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlexWorld } from '@medianest/simulators/scenario/start';
import { withActor } from '../actor/context.ts';
import type { TestDeps } from '../actor/testing.ts';
import { FsBlob } from '../adapter/blob/fs.ts';
import { createHttp, type OutboundHttp } from '../adapter/http/index.ts';
import * as Household from '../household/household.ts';
import { createPlexTvClient } from '../plex/plex-tv-client.ts';
import type { Queue, QueueMessage, SendOptions } from '../port/queue.ts';
import type { Realtime } from '../port/realtime.ts';
import * as User from '../user/user.ts';
import type { LibraryDeps, PlexServerConnection } from './deps.ts';
import { type StepResult, type SyncDeps, SyncJobData, syncStep } from './sync.ts';

export const OWNER_TOKEN = 'tok-olivia-owner-0001';
export const FRANK_TOKEN = 'tok-frank-friend-0002';
export const FIONA_TOKEN = 'tok-fiona-friend-0003';

/** A queue that only records: tests decide when (and whether) a message runs. */
export class CapturingQueue implements Queue {
  readonly messages: QueueMessage[] = [];
  #seen = new Set<string>();
  #n = 0;
  async send<T>(queue: string, body: T, options: SendOptions = {}) {
    if (options.dedupId && this.#seen.has(options.dedupId)) return { id: '', deduplicated: true };
    if (options.dedupId) this.#seen.add(options.dedupId);
    const id = `m${++this.#n}`;
    this.messages.push({ id, queue, body, receiveCount: 1, attributes: options.attributes ?? {}, sentAt: 0 });
    return { id, deduplicated: false };
  }
  async depth() {
    return this.messages.length;
  }
  async deadLetterDepth() {
    return 0;
  }
  async redrive() {
    return 0;
  }
}

export interface LibraryTestDeps extends LibraryDeps {
  queue: CapturingQueue;
  http: OutboundHttp;
  sync?: SyncDeps['sync'];
  base: TestDeps;
  /** Runs queued sync messages until none is left (or `max` ran); returns their results. */
  drain(max?: number): Promise<StepResult[]>;
  close(): Promise<void>;
}

export function libraryDeps(
  base: TestDeps,
  world: PlexWorld,
  options: { timeoutMs?: number; sync?: SyncDeps['sync']; realtime?: Realtime } = {},
): LibraryTestDeps {
  const dir = mkdtempSync(join(tmpdir(), 'medianest-library-'));
  const http = createHttp({
    mode: 'selfhosted',
    allowPrivate: true,
    retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 5 },
    breaker: { threshold: 1000, halfOpenAfterMs: 50 },
  });
  const queue = new CapturingQueue();
  const servers = (): PlexServerConnection[] =>
    world.scenario.servers.map((s) => {
      const owner = world.scenario.accounts.find((a) => a.id === s.ownerId);
      return {
        machineIdentifier: s.machineIdentifier,
        name: s.name,
        baseUrl: world.servers.get(s.machineIdentifier)?.url ?? '',
        token: owner?.authToken ?? '',
      };
    });
  const deps: LibraryTestDeps = {
    table: base.table,
    clock: base.clock,
    keyring: base.keyring,
    blob: new FsBlob(join(dir, 'blobs')),
    http,
    queue,
    servers: { list: async () => servers() },
    plexTvUrl: world.plexTv.url,
    timeoutMs: options.timeoutMs ?? 2_000,
    syncTimeoutMs: 5_000,
    ...(options.sync ? { sync: options.sync } : {}),
    ...(options.realtime ? { realtime: options.realtime } : {}),
    base,
    async drain(max = 10_000) {
      const out: StepResult[] = [];
      while (queue.messages.length > 0 && out.length < max) {
        const m = queue.messages.shift() as QueueMessage;
        const env = m.body as { type: string; data: unknown };
        try {
          out.push(await syncStep(deps, SyncJobData.parse(env.data)));
        } catch (err) {
          // As the queue would: the failed message becomes visible again.
          queue.messages.unshift(m);
          throw err;
        }
      }
      return out;
    },
    async close() {
      http.close();
      await base.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return deps;
}

/** Runs `f` as a user acting in a household. */
export const as = <T>(userId: string, householdId: string | undefined, f: () => Promise<T>): Promise<T> =>
  withActor({ type: 'user', userId, ...(householdId ? { householdId } : {}) }, f);

export interface TestHousehold {
  hh: string;
  owner: string;
  frank: string;
  fiona: string;
}

/** Olivia creates a household on her server; Frank (Movies + TV shared) and Fiona (all) join. */
export async function householdOf(deps: LibraryDeps, world: PlexWorld): Promise<TestHousehold> {
  const plexTv = createPlexTvClient({
    baseUrl: world.plexTv.url,
    clientIdentifier: 'medianest-library-test',
    product: 'MediaNest',
    version: '0.1.0',
  });
  const pdeps = Object.assign(Object.create(null), deps, { plexTv }) as LibraryDeps & Household.PlexDeps;
  const signIn = async (token: string) =>
    (await User.upsertFromPlex(pdeps, { account: await plexTv.getUser(token), token })).user.id;
  const owner = await signIn(OWNER_TOKEN);
  const machine = world.scenario.servers[0]?.machineIdentifier as string;
  const { household } = await as(owner, undefined, () =>
    Household.create(pdeps, { name: "Olivia's house", servers: [machine] }),
  );
  const frank = await signIn(FRANK_TOKEN);
  const fiona = await signIn(FIONA_TOKEN);
  for (const u of [frank, fiona]) {
    await as(u, undefined, () => Household.joinByServerAccess(pdeps, { householdId: household.id }));
  }
  return { hh: household.id, owner, frank, fiona };
}
