/**
 * Runs the Overseerr simulator from the command line until Ctrl-C:
 *   npx node packages/simulators/src/overseerr/cli.ts [--port 5055] [--api-key KEY] [--seed 1]
 *       [--webhook-url URL] [--webhook-auth 'Bearer …']
 */
import { parseArgs } from 'node:util';
import { startOverseerr } from './index.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'api-key': { type: 'string' },
    seed: { type: 'string' },
    'webhook-url': { type: 'string' },
    'webhook-auth': { type: 'string' },
  },
});
const apiKey = values['api-key'] ?? 'overseerr-simulator-api-key';
const sim = await startOverseerr({
  apiKey,
  ...(values.port ? { port: Number(values.port) } : {}),
  ...(values.seed ? { catalogSeed: Number(values.seed) } : {}),
  ...(values['webhook-url']
    ? {
        webhook: {
          url: values['webhook-url'],
          ...(values['webhook-auth'] ? { authHeader: values['webhook-auth'] } : {}),
        },
      }
    : {}),
});
const example = sim.catalog.movies[0];
process.stdout.write(
  [
    `Overseerr simulator  ${sim.url}/api/v1   X-Api-Key: ${apiKey}`,
    `catalogue: ${sim.catalog.movies.length} movies, ${sim.catalog.tv.length} series (e.g. "${example?.title}", tmdb ${example?.tmdbId})`,
    `control:   ${sim.url}/__control/requests, /__control/webhooks, /__control/request-log`,
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
