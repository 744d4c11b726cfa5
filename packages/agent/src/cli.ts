#!/usr/bin/env node
/**
 * `npx medianest-agent --server wss://medianest.example/agent --token mna_… --dir /srv/downloads
 *   --library 3=/srv/media/youtube [--library 4=/srv/media/tv-youtube] [--plex-root 3=/data/youtube]
 *   [--yt-dlp /usr/bin/yt-dlp] [--concurrency 2]`
 * The token may also come from MEDIANEST_AGENT_TOKEN (keeps it out of the process list).
 */
import { parseArgs } from 'node:util';
import { runAgent } from './agent.ts';

const USAGE = `usage: medianest-agent --server URL --token TOKEN --dir DIR --library SECTION=PATH [...]
  --server URL          MediaNest agent endpoint (wss://… or http(s)://…)
  --token TOKEN         agent token from the portal (or MEDIANEST_AGENT_TOKEN)
  --dir DIR             working folder for partial downloads
  --library KEY=PATH    Plex section key and its folder on this machine (repeatable)
  --plex-root KEY=PATH  the same folder as Plex sees it, when different (repeatable)
  --yt-dlp PATH         yt-dlp executable (default: yt-dlp)
  --ffmpeg PATH         ffmpeg executable (default: ffmpeg)
  --concurrency N       downloads at once (default: 2)`;

function pairs(values: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const i = v.indexOf('=');
    if (i <= 0) throw new Error(`${flag} expects KEY=PATH, got "${v}"`);
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

const log = (level: string) => (message: string, extra?: Record<string, unknown>) =>
  process.stderr.write(`${JSON.stringify({ level, message, ...extra, time: new Date().toISOString() })}\n`);

async function main(): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  function parse() {
    return parseArgs({
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        dir: { type: 'string' },
        library: { type: 'string', multiple: true },
        'plex-root': { type: 'string', multiple: true },
        'yt-dlp': { type: 'string' },
        ffmpeg: { type: 'string' },
        concurrency: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  }
  try {
    values = parse().values;
  } catch (error) {
    process.stderr.write(`${String(error instanceof Error ? error.message : error)}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const token = values.token ?? process.env.MEDIANEST_AGENT_TOKEN;
  if (!values.server || !token || !values.dir) {
    process.stderr.write(`--server, --token and --dir are required\n${USAGE}\n`);
    return 2;
  }
  const concurrency = values.concurrency ? Number(values.concurrency) : 2;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) {
    process.stderr.write('--concurrency must be a whole number from 1 to 16\n');
    return 2;
  }
  let libraryRoots: Record<string, string>;
  let plexRoots: Record<string, string>;
  try {
    libraryRoots = pairs(values.library, '--library');
    plexRoots = pairs(values['plex-root'], '--plex-root');
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const agent = await runAgent({
    serverUrl: values.server,
    token,
    downloadDir: values.dir,
    libraryRoots,
    plexRoots,
    ...(values['yt-dlp'] ? { ytDlpPath: values['yt-dlp'] } : {}),
    ...(values.ffmpeg ? { ffmpegPath: values.ffmpeg } : {}),
    concurrency,
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
  });
  const stop = async () => {
    await agent.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await agent.ready();
  log('info')('connected', { agentId: agent.agentId });
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`medianest-agent: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
