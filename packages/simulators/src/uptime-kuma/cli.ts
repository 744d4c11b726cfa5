/**
 * Runs the Uptime Kuma simulator from the command line until Ctrl-C, with three monitors on a
 * status page `home` (like the fixture instance):
 *   npx node packages/simulators/src/uptime-kuma/cli.ts [--port 3001] [--version 2|1.23]
 *       [--api-key uk1_…] [--webhook-url URL] [--beat-ms 20000]
 */
import { parseArgs } from 'node:util';
import { startUptimeKuma } from './index.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    version: { type: 'string' },
    'api-key': { type: 'string' },
    'webhook-url': { type: 'string' },
    'beat-ms': { type: 'string' },
  },
});
const apiKey = values['api-key'] ?? 'uk1_simulatorsimulatorsimulatorsimulator1';
const sim = await startUptimeKuma({
  version: values.version === '1.23' ? '1.23' : '2',
  apiKey,
  monitors: [
    { id: 1, name: 'Plex', type: 'http', url: 'http://plex:32400/identity' },
    { id: 2, name: 'Overseerr', type: 'http', url: 'http://overseerr:5055/api/v1/status' },
    { id: 3, name: 'Backup job', type: 'push', pushToken: 'backupjobpushtoken' },
  ],
  statusPages: [{ slug: 'home', title: 'Home', monitorIds: [1, 2, 3] }],
  ...(values.port ? { port: Number(values.port) } : {}),
  ...(values['webhook-url'] ? { webhook: { url: values['webhook-url'] } } : {}),
  ...(values['beat-ms'] ? { beatIntervalMs: Number(values['beat-ms']) } : {}),
});
process.stdout.write(
  [
    `Uptime Kuma ${sim.appVersion} simulator  ${sim.url}`,
    `status page JSON: ${sim.url}/api/status-page/home   heartbeats: ${sim.url}/api/status-page/heartbeat/home`,
    `metrics: ${sim.url}/metrics (Basic auth, any username, password ${apiKey})`,
    `flip a monitor: curl -XPOST ${sim.url}/__control/monitors/1/status -H 'content-type: application/json' -d '{"status":"DOWN"}'`,
    'Ctrl-C to stop.',
    '',
  ].join('\n'),
);
const stop = async () => {
  await sim.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
