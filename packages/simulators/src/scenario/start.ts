/**
 * Starts a whole Plex world from a scenario: one PMS simulator per server (owner token plus each
 * friend's server token accepted), then plex.tv with every server's URL filled in. Sharing
 * changes made later on plex.tv are mirrored into the PMS token lists.
 */
import { type RunningPlexServer, startPlexServer } from '../plex-server/index.ts';
import { type RunningPlexTv, startPlexTv } from '../plex-tv/index.ts';
import { loadScenario, type Scenario, type ScenarioInput, shareToken } from './index.ts';

export interface PlexWorld {
  scenario: Scenario;
  plexTv: RunningPlexTv;
  /** By machineIdentifier. */
  servers: Map<string, RunningPlexServer>;
  close(): Promise<void>;
}

export interface PlexWorldOptions {
  clock?: () => number;
  plexTvPort?: number;
  /** Ports for PMS simulators by machineIdentifier. */
  serverPorts?: Record<string, number>;
}

export async function startPlexWorld(
  scenarioOrPath?: string | ScenarioInput | Scenario,
  options: PlexWorldOptions = {},
): Promise<PlexWorld> {
  const scenario = await loadScenario(scenarioOrPath);
  const servers = new Map<string, RunningPlexServer>();
  try {
    for (const sv of scenario.servers) {
      const owner = scenario.accounts.find((a) => a.id === sv.ownerId);
      const friendTokens = scenario.sharing
        .filter((s) => s.serverId === sv.machineIdentifier)
        .map(shareToken);
      const pms = await startPlexServer({
        machineIdentifier: sv.machineIdentifier,
        name: sv.name,
        version: sv.version,
        tokens: [owner?.authToken ?? 'missing-owner', ...friendTokens],
        sections: sv.sections,
        seed: sv.seed,
        port: options.serverPorts?.[sv.machineIdentifier],
        clock: options.clock,
      });
      servers.set(sv.machineIdentifier, pms);
      sv.url = pms.url;
    }
    const plexTv = await startPlexTv({ scenario, clock: options.clock, port: options.plexTvPort });
    plexTv.onShareChange((share, removed) => {
      const pms = servers.get(share.serverId);
      if (!pms) return;
      if (removed) pms.removeToken(share.accessToken);
      else pms.addToken(share.accessToken);
    });
    return {
      scenario,
      plexTv,
      servers,
      close: async () => {
        await plexTv.close();
        await Promise.all([...servers.values()].map((s) => s.close()));
      },
    };
  } catch (err) {
    await Promise.all([...servers.values()].map((s) => s.close()));
    throw err;
  }
}
