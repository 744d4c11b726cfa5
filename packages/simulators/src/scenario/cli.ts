/**
 * Starts plex.tv and every PMS of a scenario from the command line and keeps them running:
 *   npx node packages/simulators/src/scenario/cli.ts [scenario.json] [--plex-tv-port 9700]
 * Prints the URLs and the accounts' tokens; Ctrl-C stops everything.
 */
import { parseArgs } from 'node:util';
import { startPlexWorld } from './start.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'plex-tv-port': { type: 'string' } },
});
const port = values['plex-tv-port'] ? Number(values['plex-tv-port']) : undefined;
const world = await startPlexWorld(positionals[0], { plexTvPort: port });

const lines = [
  `plex.tv simulator   ${world.plexTv.url}   (auth page: ${world.plexTv.url}/auth#?clientID=…&code=…)`,
  ...[...world.servers.values()].map(
    (s) =>
      `Plex Media Server   ${s.url}   ${s.serverName} (${s.machineIdentifier}), owner token ${s.ownerToken}`,
  ),
  'accounts:',
  ...world.scenario.accounts.map(
    (a) => `  ${a.id}  ${a.username.padEnd(12)} ${a.title.padEnd(16)} token ${a.authToken}`,
  ),
  'Ctrl-C to stop.',
];
process.stdout.write(`${lines.join('\n')}\n`);

const stop = async () => {
  await world.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
