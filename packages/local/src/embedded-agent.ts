/**
 * The built-in household agent of the self-hosted runtime (ARCHITECTURE.md §5: "in the self-hosted
 * runtime the agent runs in-process"). When MediaNest runs on the machine next to Plex, nobody
 * should have to start a second program: set `MEDIANEST_AGENT_LIBRARY_ROOTS` and `npm start` runs
 * the agent too.
 *
 * Design: the built-in agent is an ordinary agent, not a back door. Per household it is the same
 * `runAgent` an operator would start with `npx medianest-agent`, dialling this process's own
 * `/agent` endpoint over loopback with a household-scoped token, so presence, leases, crash
 * recovery and revocation all go through the one protocol path the external agent uses.
 *
 * - Token: minted for the household by the runtime (`createSystemAgent`, audited as `system`,
 *   named "Built-in agent"), kept in `<dataDir>/embedded-agents.json` (mode 0600, next to the key
 *   file) so a restart reconnects as the same agent instead of minting a new one each time.
 * - Which households: those in that file are started at boot; a household without one gets its
 *   agent the first time work is queued there (the API's agent notifier calls `ensure`). The
 *   store has no "all households" index, and most self-hosted installs have one household.
 * - Revocation sticks: an admin who revokes the built-in agent on the agents page stops it; it is
 *   not minted again (remove the household's entry from the file, or the file, to get a new one).
 * - Folders: one working folder per household under the configured download dir (the agent's crash
 *   bookkeeping assumes it owns its folder); the library folders are shared.
 * - External agents keep working side by side: the hub offers work to whichever agent has a slot.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RunningAgent, runAgent } from '@medianest/agent';
import { authenticateAgent, createSystemAgent } from '@medianest/core/download/agents';
import { AgentAuthError } from '@medianest/core/download/errors';
import type { Logger } from '@medianest/core/observability/logger';
import type { EmbeddedAgentConfig, System } from '@medianest/core/system/index';

export const EMBEDDED_AGENT_NAME = 'Built-in agent';
export const EMBEDDED_AGENT_FILE = 'embedded-agents.json';

interface StoredAgent {
  agentId: string;
  token: string;
  /** Set once the server refused the token (an admin revoked it): never minted again. */
  revoked?: boolean;
}

interface Store {
  version: 1;
  households: Record<string, StoredAgent>;
}

export interface EmbeddedAgentsOptions {
  config: EmbeddedAgentConfig;
  /** `http://127.0.0.1:<port>` of this runtime: the agent dials `<serverUrl>/agent`. */
  serverUrl: string;
  dataDir: string;
  logger: Logger;
  /** Environment for yt-dlp (default process.env); tests pass the fake's catalog variables. */
  env?: NodeJS.ProcessEnv;
  /** Agent reconnect backoff (tests shorten it). */
  reconnect?: { minMs?: number; maxMs?: number };
}

export interface EmbeddedAgents {
  /** Starts the household's built-in agent unless it runs (or was revoked). Never throws. */
  ensure(householdId: string): Promise<void>;
  /** Households whose built-in agent runs now. */
  households(): string[];
  /** The running agent of a household (tests). */
  agentOf(householdId: string): RunningAgent | undefined;
  /** Stops every agent (running jobs are stopped and their partial files removed). */
  close(): Promise<void>;
}

async function readStore(file: string): Promise<Store> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, households: {} };
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<Store>;
  if (parsed.version !== 1 || typeof parsed.households !== 'object' || parsed.households === null) {
    throw new Error(`${file} is not a MediaNest built-in agent file (remove it to start over)`);
  }
  return { version: 1, households: parsed.households };
}

async function writeStore(file: string, store: Store): Promise<void> {
  // Write-then-rename: a crash mid-write never leaves a half file (that would lose the tokens).
  const tmp = `${file}.tmp`;
  await writeFile(tmp, `${JSON.stringify(store, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}

export async function startEmbeddedAgents(
  system: Pick<System, 'table' | 'clock'>,
  options: EmbeddedAgentsOptions,
): Promise<EmbeddedAgents> {
  const { config, logger } = options;
  const file = join(options.dataDir, EMBEDDED_AGENT_FILE);
  const store = await readStore(file);
  const running = new Map<string, RunningAgent>();
  let closed = false;
  // One change at a time: two downloads queued at once must not mint two agents.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const next = chain.then(f, f);
    chain = next.catch(() => undefined);
    return next;
  };

  const start = async (householdId: string, stored: StoredAgent) => {
    const downloadDir = join(config.downloadDir, householdId);
    await mkdir(downloadDir, { recursive: true });
    const agent = await runAgent({
      serverUrl: `${options.serverUrl.replace(/\/+$/, '')}/agent`,
      token: stored.token,
      downloadDir,
      libraryRoots: config.libraryRoots,
      plexRoots: { ...config.libraryRoots, ...config.plexRoots },
      ytDlpPath: config.ytDlpPath,
      ffmpegPath: config.ffmpegPath,
      concurrency: config.concurrency,
      env: options.env ?? process.env,
      ...(options.reconnect ? { reconnect: options.reconnect } : {}),
      logger: {
        info: (m, extra) => logger.info(`built-in agent: ${m}`, { householdId, ...extra }),
        warn: (m, extra) => logger.warn(`built-in agent: ${m}`, { householdId, ...extra }),
        error: (m, extra) => logger.error(`built-in agent: ${m}`, { householdId, ...extra }),
      },
    });
    running.set(householdId, agent);
    logger.info('Built-in download agent started', {
      householdId,
      agentId: stored.agentId,
      sections: Object.keys(config.libraryRoots),
    });
  };

  /** A stored token the server no longer accepts was revoked (or its household is gone). */
  const stillValid = async (householdId: string, stored: StoredAgent): Promise<boolean> => {
    try {
      await authenticateAgent(system, stored.token);
      return true;
    } catch (error) {
      if (!(error instanceof AgentAuthError)) throw error;
      logger.warn(
        `The built-in download agent of household ${householdId} was revoked; it stays off (remove its entry from ${file} to mint a new one)`,
      );
      store.households[householdId] = { ...stored, revoked: true };
      await writeStore(file, store);
      return false;
    }
  };

  const ensure = (householdId: string) =>
    serial(async () => {
      if (closed || running.has(householdId)) return;
      const known = store.households[householdId];
      if (known?.revoked) return;
      if (known) {
        if (await stillValid(householdId, known)) await start(householdId, known);
        return;
      }
      const { agent, token } = await createSystemAgent(system, householdId, EMBEDDED_AGENT_NAME);
      const stored = { agentId: agent.id, token };
      store.households[householdId] = stored;
      await writeStore(file, store);
      await start(householdId, stored);
    }).catch((error: unknown) => {
      logger.error('The built-in download agent could not start', { householdId, error: String(error) });
    });

  await mkdir(config.downloadDir, { recursive: true });
  for (const householdId of Object.keys(store.households)) await ensure(householdId);

  return {
    ensure,
    households: () => [...running.keys()],
    agentOf: (householdId) => running.get(householdId),
    close: async () => {
      closed = true;
      await chain;
      await Promise.all([...running.values()].map((a) => a.stop()));
      running.clear();
    },
  };
}
