#!/usr/bin/env node
/**
 * The `medianest` command: `start` runs the self-hosted server, `doctor` checks an install,
 * `version` prints the release. Configuration comes from the environment (see README).
 */
import { isAppError } from '@medianest/core/error/index';
import { ConfigError, loadConfig, VERSION } from '@medianest/core/system/index';
import { runDoctor } from './doctor.ts';
import { StartupError, startLocal } from './start-local.ts';

const USAGE = `Usage: medianest <command>

Commands:
  start     run the server (API, WebSocket, web app, jobs) on PORT (default 3000)
  doctor    check configuration, data directory, database, key file and web build
  version   print the version
`;

async function start(): Promise<void> {
  // Validate first so a bad variable is reported before anything is opened.
  loadConfig(process.env);
  const server = await startLocal({ env: process.env });
  process.stdout.write(`MediaNest ${VERSION} on ${server.url} (data: ${server.system.config.dataDir})\n`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C means "now".
      process.exit(130);
    }
    stopping = true;
    server.system.logger.info('Shutting down', { signal });
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.system.logger.error('Shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function doctor(): Promise<number> {
  const checks = await runDoctor(process.env);
  for (const c of checks) process.stdout.write(`${c.ok ? '✔' : '✖'} ${c.name}: ${c.detail}\n`);
  const failed = checks.filter((c) => !c.ok).length;
  process.stdout.write(failed === 0 ? 'All checks passed.\n' : `${failed} check(s) failed.\n`);
  return failed === 0 ? 0 : 1;
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? 'help';
  switch (command) {
    case 'start':
      return start();
    case 'doctor':
      process.exitCode = await doctor();
      return;
    case 'version':
    case '--version':
    case '-v':
      process.stdout.write(`${VERSION}\n`);
      return;
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // Configuration, a busy port, a bad key file: the user's to fix. Say what is wrong, not where in our code.
  if (err instanceof ConfigError || err instanceof StartupError || isAppError(err)) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`medianest: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
