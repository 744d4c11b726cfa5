/**
 * The plex.tv client of a deployment. plex.tv ties PINs and devices to the client identifier, so
 * it must stay the same across restarts and across every Lambda instance: when the operator does
 * not set one, the first caller generates it and stores it in the table with a conditional put
 * (concurrent first callers agree on one value).
 *
 * Access pattern: `CFG#plex` / `CLIENT_ID` (get, put-if-absent).
 */
import { randomUUID } from 'node:crypto';
import { createPlexTvClient, type PlexTvClient } from '../plex/plex-tv-client.ts';
import { ConditionFailedError, notExists, type Table } from '../port/table.ts';
import type { IdentityConfig } from '../system/config.ts';
import { VERSION } from '../system/version.ts';

const KEY = { pk: 'CFG#plex', sk: 'CLIENT_ID' } as const;

export async function plexClientIdentifier(table: Table, configured: string | undefined): Promise<string> {
  if (configured !== undefined) return configured;
  const existing = await table.get<{ pk: string; sk: string; value: string }>(KEY);
  if (existing) return existing.value;
  const value = `medianest-${randomUUID()}`;
  try {
    await table.put({ ...KEY, type: 'config', value }, notExists);
    return value;
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
    const winner = await table.get<{ pk: string; sk: string; value: string }>(KEY);
    if (!winner) throw error;
    return winner.value;
  }
}

export interface PlexClientDeps {
  table: Table;
  config: { identity: Pick<IdentityConfig, 'plexTvUrl' | 'plexAuthUrl' | 'plexClientId'> };
}

const clients = new WeakMap<object, Promise<PlexTvClient>>();

/** One client per system (keyed by the system object), built on first use. */
export function plexTvFor(
  deps: PlexClientDeps,
  options: { fetch?: typeof fetch } = {},
): Promise<PlexTvClient> {
  let client = clients.get(deps);
  if (!client) {
    client = (async () =>
      createPlexTvClient({
        baseUrl: deps.config.identity.plexTvUrl,
        authBaseUrl: deps.config.identity.plexAuthUrl,
        clientIdentifier: await plexClientIdentifier(deps.table, deps.config.identity.plexClientId),
        product: 'MediaNest',
        version: VERSION,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }))();
    // A failed start (store down) must not be remembered forever.
    client.catch(() => clients.delete(deps));
    clients.set(deps, client);
  }
  return client;
}
