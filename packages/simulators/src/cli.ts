/**
 * Starts simulators on 127.0.0.1 from the command line and keeps them running until Ctrl-C:
 *
 *   npx node packages/simulators/src/cli.ts <plex-tv|plex-server|overseerr|uptime-kuma|media-server|all>
 *       [--port N] [--scenario plex-scenario.json] [--api-key KEY] [--seed N]
 *       [--kuma-version 2|1.23] [--throttle BYTES_PER_SEC]
 *
 * `--port` is the first port; further simulators (and further Plex servers) take the next ones.
 * `all` wires them together: plex.tv knows the PMS URLs, Overseerr marks a title available once a
 * PMS has its tmdb guid, Uptime Kuma's monitors point at the other simulators. It also prints how
 * to run the fake yt-dlp.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startMediaServer } from './media-server/index.ts';
import { startOverseerr } from './overseerr/index.ts';
import { startPlexServer } from './plex-server/index.ts';
import { startPlexTv } from './plex-tv/index.ts';
import { loadScenario } from './scenario/index.ts';
import { startPlexWorld } from './scenario/start.ts';
import { startUptimeKuma } from './uptime-kuma/index.ts';
import { fakeYtDlpPath } from './yt-dlp/index.ts';

export const SIMULATORS = [
  'plex-tv',
  'plex-server',
  'overseerr',
  'uptime-kuma',
  'media-server',
  'all',
] as const;
export type SimulatorName = (typeof SIMULATORS)[number];

export interface CliOptions {
  port?: number;
  scenario?: string;
  apiKey?: string;
  seed?: number;
  kumaVersion?: '2' | '1.23';
  throttle?: number;
}

export interface StartedSimulators {
  /** What the CLI prints: one block per simulator with its URL and control endpoints. */
  lines: string[];
  /** Base URLs by simulator ("plex-server" may have several, suffixed ":<machineIdentifier>"). */
  urls: Record<string, string>;
  close(): Promise<void>;
}

const DEFAULT_OVERSEERR_KEY = 'overseerr-simulator-api-key';
const DEFAULT_KUMA_KEY = 'uk1_simulatorsimulatorsimulatorsimulator1';

function commonControl(url: string): string {
  return `    control: GET/DELETE ${url}/__control/hits, GET/POST/DELETE ${url}/__control/faults`;
}

/** Starts the named simulator(s); on failure, whatever already started is closed again. */
export async function startSimulators(
  name: SimulatorName,
  options: CliOptions = {},
): Promise<StartedSimulators> {
  const lines: string[] = [];
  const urls: Record<string, string> = {};
  const closers: Array<() => Promise<void>> = [];
  let nextPort = options.port;
  const port = () => {
    if (nextPort === undefined) return {};
    const p = nextPort;
    nextPort += 1;
    return { port: p };
  };
  const want = (n: SimulatorName) => name === n || name === 'all';
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };

  try {
    const pmsUrls: string[] = [];
    const hasGuid: Array<(guid: string) => boolean> = [];
    if (name === 'all') {
      const world = await startPlexWorld(options.scenario, {
        ...(nextPort !== undefined ? { plexTvPort: nextPort } : {}),
        ...(nextPort !== undefined
          ? {
              serverPorts: Object.fromEntries(
                (await loadScenario(options.scenario)).servers.map((s, i) => [
                  s.machineIdentifier,
                  (nextPort as number) + 1 + i,
                ]),
              ),
            }
          : {}),
      });
      closers.push(() => world.close());
      if (nextPort !== undefined) nextPort += 1 + world.servers.size;
      urls['plex-tv'] = world.plexTv.url;
      lines.push(
        `plex.tv             ${world.plexTv.url}`,
        `    auth page: ${world.plexTv.url}/auth#?clientID=…&code=…`,
      );
      lines.push(commonControl(world.plexTv.url));
      for (const s of world.servers.values()) {
        urls[`plex-server:${s.machineIdentifier}`] = s.url;
        pmsUrls.push(s.url);
        hasGuid.push((g) => s.hasGuid(g));
        lines.push(
          `Plex Media Server   ${s.url}   ${s.serverName} (${s.machineIdentifier}), owner token ${s.ownerToken}`,
        );
        lines.push(commonControl(s.url));
      }
      lines.push('    accounts:');
      for (const a of world.scenario.accounts)
        lines.push(`      ${a.id}  ${a.username.padEnd(12)} token ${a.authToken}`);
    } else if (want('plex-tv')) {
      const scenario = await loadScenario(options.scenario);
      const sim = await startPlexTv({ scenario, ...port() });
      closers.push(() => sim.close());
      urls['plex-tv'] = sim.url;
      lines.push(`plex.tv             ${sim.url}`, `    auth page: ${sim.url}/auth#?clientID=…&code=…`);
      lines.push(commonControl(sim.url));
      lines.push('    accounts:');
      for (const a of sim.accounts())
        lines.push(`      ${a.id}  ${a.username.padEnd(12)} token ${a.authToken}`);
    } else if (want('plex-server')) {
      const scenario = await loadScenario(options.scenario);
      for (const sv of scenario.servers) {
        const owner = scenario.accounts.find((a) => a.id === sv.ownerId);
        const sim = await startPlexServer({
          machineIdentifier: sv.machineIdentifier,
          name: sv.name,
          version: sv.version,
          tokens: [owner?.authToken ?? 'owner-token'],
          sections: sv.sections,
          seed: options.seed ?? sv.seed,
          ...port(),
        });
        closers.push(() => sim.close());
        urls[`plex-server:${sim.machineIdentifier}`] = sim.url;
        lines.push(
          `Plex Media Server   ${sim.url}   ${sim.serverName} (${sim.machineIdentifier}), owner token ${sim.ownerToken}`,
        );
        lines.push(commonControl(sim.url));
      }
    }

    if (want('overseerr')) {
      const apiKey = options.apiKey ?? DEFAULT_OVERSEERR_KEY;
      const sim = await startOverseerr({
        apiKey,
        ...(options.seed !== undefined ? { catalogSeed: options.seed } : {}),
        ...(hasGuid.length ? { isAvailable: (m) => hasGuid.some((has) => has(`tmdb://${m.tmdbId}`)) } : {}),
        ...port(),
      });
      closers.push(() => sim.close());
      urls.overseerr = sim.url;
      lines.push(`Overseerr           ${sim.url}/api/v1   X-Api-Key: ${apiKey}`);
      lines.push(commonControl(sim.url));
      lines.push(`    state:   ${sim.url}/__control/requests, /__control/webhooks, /__control/request-log`);
    }

    if (want('uptime-kuma')) {
      const apiKey = name === 'uptime-kuma' && options.apiKey ? options.apiKey : DEFAULT_KUMA_KEY;
      const overseerr = urls.overseerr ?? 'http://overseerr:5055';
      const sim = await startUptimeKuma({
        version: options.kumaVersion ?? '2',
        apiKey,
        monitors: [
          { id: 1, name: 'Plex', type: 'http', url: `${pmsUrls[0] ?? 'http://plex:32400'}/identity` },
          { id: 2, name: 'Overseerr', type: 'http', url: `${overseerr}/api/v1/status` },
          { id: 3, name: 'Backup job', type: 'push', pushToken: 'backupjobpushtoken' },
        ],
        statusPages: [{ slug: 'home', title: 'Home', monitorIds: [1, 2, 3] }],
        ...port(),
      });
      closers.push(() => sim.close());
      urls['uptime-kuma'] = sim.url;
      lines.push(
        `Uptime Kuma ${sim.appVersion.padEnd(7)} ${sim.url}   status page: ${sim.url}/api/status-page/home`,
      );
      lines.push(`    metrics: ${sim.url}/metrics (Basic auth, any username, password ${apiKey})`);
      lines.push(commonControl(sim.url));
      lines.push(`    flip:    POST ${sim.url}/__control/monitors/1/status {"status":"DOWN"}`);
    }

    if (want('media-server')) {
      const sim = await startMediaServer({
        ...(options.throttle ? { bytesPerSecond: options.throttle } : {}),
        ...port(),
      });
      closers.push(() => sim.close());
      urls['media-server'] = sim.url();
      lines.push(
        `media server        ${sim.url()}   e.g. ${sim.url('/clip-one.mp4')}, ${sim.url('/videos.html')}`,
      );
      lines.push(commonControl(sim.url()));
      lines.push(`    throttle: GET/POST ${sim.url()}/__control/throttle {"bytesPerSecond":200000}`);
      lines.push(
        `    drop:     POST ${sim.url()}/__control/drop {"path":"/big.mp4","bytes":300000,"times":1}`,
      );
    }

    if (name === 'all' || name === 'media-server') {
      lines.push(`fake yt-dlp         ${fakeYtDlpPath}`);
      lines.push(
        '    env: FAKE_YTDLP_CATALOG=<catalog.json> FAKE_YTDLP_BYTES_PER_SEC=<n> FAKE_YTDLP_VERSION=<yyyy.mm.dd>',
      );
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { lines, urls, close };
}

function parseCli(argv: string[]): { name: SimulatorName; options: CliOptions } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      scenario: { type: 'string' },
      'api-key': { type: 'string' },
      seed: { type: 'string' },
      'kuma-version': { type: 'string' },
      throttle: { type: 'string' },
    },
  });
  const name = positionals[0] as SimulatorName | undefined;
  if (!name || !SIMULATORS.includes(name)) {
    throw new Error(`usage: cli.ts <${SIMULATORS.join('|')}> [--port N] [--scenario file] …`);
  }
  const num = (v: string | undefined, what: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${what} needs a non-negative integer, got ${v}`);
    return n;
  };
  const kuma = values['kuma-version'];
  if (kuma !== undefined && kuma !== '2' && kuma !== '1.23') throw new Error('--kuma-version is 2 or 1.23');
  const options: CliOptions = {};
  const port = num(values.port, 'port');
  const seed = num(values.seed, 'seed');
  const throttle = num(values.throttle, 'throttle');
  if (port !== undefined) options.port = port;
  if (seed !== undefined) options.seed = seed;
  if (throttle !== undefined) options.throttle = throttle;
  if (values.scenario) options.scenario = values.scenario;
  if (values['api-key']) options.apiKey = values['api-key'];
  if (kuma) options.kumaVersion = kuma;
  return { name, options };
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
    return;
  }
  const started = await startSimulators(parsed.name, parsed.options);
  process.stdout.write(`${[...started.lines, 'Ctrl-C to stop.'].join('\n')}\n`);
  const stop = async () => {
    await started.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
