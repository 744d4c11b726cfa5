/**
 * Where the library finds a household's Plex servers: the Plex integrations an admin saved
 * (integration module: the chosen URL per server) and the household owner's Plex token, which is
 * the household token for every server the owner owns.
 */
import type { DomainDeps } from '../actor/deps.ts';
import { type HouseholdItem, keys as householdKeys } from '../household/keys.ts';
import { loadAll } from '../integration/integration.ts';
import * as User from '../user/user.ts';
import type { LibraryServers, PlexServerConnection } from './deps.ts';

export function integrationServers(deps: DomainDeps): LibraryServers {
  return {
    async list(householdId: string): Promise<PlexServerConnection[]> {
      const plex = (await loadAll(deps, householdId)).filter((i) => i.kind === 'plex');
      if (plex.length === 0) return [];
      const household = await deps.table.get<HouseholdItem>(householdKeys.household(householdId));
      if (!household) return [];
      const token = await User.getPlexToken(deps, household.ownerId);
      return plex.map((i) => ({ machineIdentifier: i.id, name: i.name, baseUrl: i.url, token }));
    },
  };
}
