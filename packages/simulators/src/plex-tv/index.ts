/**
 * The plex.tv simulator: PIN sign-in with an auth page, accounts, resources (servers with
 * connections), friends and home users, seeded from a scenario. See PROTOCOLS.md §1.
 */
import { type RunningSimulator, startServer } from '../kit/index.ts';
import type { Account, AccountInput, Scenario, Server } from '../scenario/index.ts';
import { loadScenario } from '../scenario/index.ts';
import { plexTvApp } from './app.ts';
import { type Pin, PlexTvState, type ResolvedShare, type ShareListener } from './state.ts';

export type { Pin, ResolvedShare, ShareListener } from './state.ts';

export interface PlexTvOptions {
  scenario?: Scenario;
  port?: number;
  /** Milliseconds since the epoch; PIN creation and expiry use it. */
  clock?: () => number;
}

export interface RunningPlexTv extends RunningSimulator {
  /** Approves a PIN (by numeric id or code) as if `accountId` clicked Approve. */
  approvePin(pinIdOrCode: number | string, accountId: number): Pin;
  addAccount(account: AccountInput): Account;
  accounts(): Account[];
  /** Shares a server's sections (empty = all) with an account; returns the friend's server token. */
  share(serverId: string, accountId: number, sectionKeys?: string[]): ResolvedShare;
  unshare(serverId: string, accountId: number): boolean;
  shares(): ResolvedShare[];
  servers(): Server[];
  setServerUrl(machineIdentifier: string, url: string | null): Server;
  pins(): Pin[];
  /** Called on every share/unshare, so a PMS simulator can accept or drop the friend's token. */
  onShareChange(listener: ShareListener): () => void;
}

export async function startPlexTv(options: PlexTvOptions = {}): Promise<RunningPlexTv> {
  const scenario = options.scenario ?? (await loadScenario());
  const state = new PlexTvState(scenario, options.clock ?? Date.now);
  let url = '';
  const sim = await startServer(
    'plex-tv',
    plexTvApp(state, () => url),
    { port: options.port },
  );
  url = sim.url;
  return Object.assign(sim, {
    approvePin: (pinIdOrCode: number | string, accountId: number) => state.approvePin(pinIdOrCode, accountId),
    addAccount: (account: AccountInput) => state.addAccount(account),
    accounts: () => state.accounts(),
    share: (serverId: string, accountId: number, sectionKeys: string[] = []) =>
      state.share({ serverId, accountId, sectionKeys }),
    unshare: (serverId: string, accountId: number) => state.unshare(serverId, accountId),
    shares: () => state.shares(),
    servers: () => state.servers(),
    setServerUrl: (machineIdentifier: string, serverUrl: string | null) =>
      state.setServerUrl(machineIdentifier, serverUrl),
    pins: () => state.pins(),
    onShareChange: (listener: ShareListener) => state.onShareChange(listener),
  });
}
