/**
 * The household agent's own cost while it runs 3 downloads at once, and how fast a yt-dlp
 * progress line reaches the server.
 *
 * - The agent runs as its CLI in a child process (as in production), against the in-process
 *   agent hub (packages/agent/src/test-server.ts) over a real WebSocket on loopback; downloads
 *   use the fake yt-dlp paced with FAKE_YTDLP_BYTES_PER_SEC so progress flows for several seconds.
 * - CPU and RSS of the agent process alone (yt-dlp children excluded) are sampled from /proc every
 *   100 ms: idle (connected, no job) and while 3 downloads run.
 * - Progress latency: yt-dlp is started through a relay that timestamps every progress line as it
 *   reads it and forwards it unchanged; the server records when each `job.progress` frame arrives.
 *   Frames are matched to lines by (job, downloaded bytes). The agent throttles to ≤ 2 frames/s
 *   per job, so only lines that became frames are measured.
 *
 *   npx node bench/agent.bench.ts   → bench/results/agent.json
 *   BENCH_BYTES_PER_SEC=200000 (per download)
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAgentTestServer } from '../packages/agent/src/test-server.ts';
import * as Download from '../packages/core/src/download/download.ts';
import { as } from '../packages/core/src/download/testing.ts';
import { startPlexServer } from '../packages/simulators/src/plex-server/index.ts';
import { fakeYtDlpEnv, fakeYtDlpPath, writeCatalog } from '../packages/simulators/src/yt-dlp/index.ts';

const BYTES_PER_SEC = Number(process.env.BENCH_BYTES_PER_SEC ?? 200_000);
const root = dirname(fileURLToPath(import.meta.url));
const cli = join(root, '..', 'packages', 'agent', 'src', 'cli.ts');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const r1 = (n: number) => Math.round(n * 10) / 10;
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

const work = await mkdtemp(join(tmpdir(), 'medianest-agent-bench-'));
const lineLog = join(work, 'lines.ndjson');
// The relay: runs the fake yt-dlp, stamps each progress line when read, forwards stdout as is.
const relay = join(work, 'yt-dlp-relay.mjs');
await writeFile(
  relay,
  `#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
const child = spawn(${JSON.stringify(fakeYtDlpPath)}, process.argv.slice(2), { stdio: ['ignore', 'pipe', 'inherit'] });
const tmp = process.argv.find((a) => a.startsWith('temp:'));
const job = tmp ? tmp.split('/').at(-1) : '';
createInterface({ input: child.stdout }).on('line', (line) => {
  if (line.startsWith('{')) {
    try {
      const p = JSON.parse(line);
      appendFileSync(${JSON.stringify(lineLog)}, JSON.stringify({ job, bytes: p.downloaded_bytes, t: Date.now() }) + '\\n');
    } catch {}
  }
  process.stdout.write(line + '\\n');
});
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s));
child.on('close', (code) => process.exit(code ?? 1));
`,
  { mode: 0o755 },
);

const catalog = await writeCatalog(join(work, 'catalog'), {
  videos: [1, 2, 3].map((i) => ({
    id: `bench${i}`,
    title: `Bench ${i}`,
    channel: 'Bench',
    sample: 'big' as const,
  })),
});
const plex = await startPlexServer({
  sections: [{ key: '5', title: 'YouTube', type: 'movie', count: 0, path: '/data/youtube' }],
});
const server = await startAgentTestServer({
  plexFor: async () => ({ baseUrl: plex.url, token: plex.ownerToken }),
  tickMs: 1000,
});
const arrivals: { job: string; bytes: number; t: number }[] = [];
server.onFrame = (text) => {
  const t = Date.now();
  if (!text.includes('"job.progress"')) return;
  const m = JSON.parse(text) as { jobId: string; downloadedBytes: number };
  arrivals.push({ job: m.jobId, bytes: m.downloadedBytes, t });
};

const agent = spawn(
  process.execPath,
  [
    cli,
    '--server',
    server.url,
    '--dir',
    join(work, 'dl'),
    '--library',
    `5=${join(work, 'lib')}`,
    '--yt-dlp',
    relay,
    '--concurrency',
    '3',
  ],
  {
    env: { ...fakeYtDlpEnv({ catalog, bytesPerSecond: BYTES_PER_SEC }), MEDIANEST_AGENT_TOKEN: server.token },
    stdio: ['ignore', 'ignore', 'ignore'],
  },
);
const pid = agent.pid as number;
const ticks = 100; // USER_HZ on Linux

async function sample(): Promise<{ cpuMs: number; rssMb: number }> {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  const cpuMs = ((Number(stat[11]) + Number(stat[12])) * 1000) / ticks;
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuMs, rssMb: rssKb / 1024 };
}

async function measure(untilDone: () => Promise<boolean>, minMs: number) {
  const start = Date.now();
  const first = await sample();
  let peak = first.rssMb;
  const rss: number[] = [];
  for (;;) {
    await sleep(100);
    const s = await sample();
    rss.push(s.rssMb);
    peak = Math.max(peak, s.rssMb);
    if (Date.now() - start >= minMs && (await untilDone())) {
      const wall = Date.now() - start;
      return {
        wallMs: wall,
        cpuMs: r1(s.cpuMs - first.cpuMs),
        cpuPercentOfOneCore: r1(((s.cpuMs - first.cpuMs) / wall) * 100),
        rssMbMean: r1(rss.reduce((a, b) => a + b, 0) / rss.length),
        rssMbPeak: r1(peak),
      };
    }
  }
}

const { alice, hh } = server.household;
// Connected and idle.
for (;;) {
  if (server.hub.sessions().some((s) => s.ready)) break;
  await sleep(50);
}
const startup = await sample();
const idle = await measure(async () => true, 3000);

const subs: Download.DownloadInfo[] = [];
for (const i of [1, 2, 3]) {
  subs.push(
    await as(alice, hh, () =>
      Download.submit(server.deps, {
        url: `https://www.youtube.com/watch?v=bench${i}`,
        target: { sectionKey: '5', preset: 'other-videos' },
      }),
    ),
  );
}
const states = async () =>
  Promise.all(subs.map((s) => as(alice, hh, () => Download.get(server.deps, { id: s.id }))));
const busy = await measure(
  async () => (await states()).every((d) => d.state === 'done' || d.state === 'failed'),
  1000,
);
const final = await states();

// Match frames to the relay's stamped lines.
const lines = (await readFile(lineLog, 'utf8'))
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { job: string; bytes: number; t: number });
const latencies: number[] = [];
for (const a of arrivals) {
  const line = lines.find((l) => l.job === a.job && l.bytes === a.bytes);
  if (line) latencies.push(a.t - line.t);
}
latencies.sort((a, b) => a - b);
const perJob = new Map<string, number>();
for (const a of arrivals) perJob.set(a.job, (perJob.get(a.job) ?? 0) + 1);

agent.kill('SIGTERM');
await new Promise((r) => agent.once('exit', r));
await server.close();
await plex.close();
await rm(work, { recursive: true, force: true });

const result = {
  name: 'agent',
  at: new Date().toISOString(),
  machine: { cpus: availableParallelism(), loadavg: loadavg().map(r1), node: process.version },
  config: {
    downloads: 3,
    concurrency: 3,
    bytesPerSecondEach: BYTES_PER_SEC,
    sample: 'big.mp4 (~1.5 MB, fake yt-dlp)',
  },
  outcome: final.map((d) => ({ state: d.state, reason: d.reason?.code ?? null })),
  agentProcess: {
    startupRssMb: r1(startup.rssMb),
    idle,
    threeDownloads: busy,
  },
  progress: {
    ytDlpLines: lines.length,
    framesToServer: arrivals.length,
    framesPerJob: [...perJob.values()],
    matched: latencies.length,
    latencyMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? null,
    },
  },
};
const out = join(root, 'results', 'agent.json');
await mkdir(dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(
  `agent: idle ${idle.cpuPercentOfOneCore}% CPU, ${idle.rssMbMean} MB RSS; 3 downloads ${busy.cpuPercentOfOneCore}% CPU ` +
    `(${busy.cpuMs} ms over ${busy.wallMs} ms), RSS mean ${busy.rssMbMean} MB peak ${busy.rssMbPeak} MB\n` +
    `progress: ${lines.length} yt-dlp lines → ${arrivals.length} frames; line→server p50 ${result.progress.latencyMs.p50} ms, ` +
    `p95 ${result.progress.latencyMs.p95} ms, max ${result.progress.latencyMs.max} ms\n` +
    `outcome: ${final.map((d) => d.state).join(', ')} → ${out}\n`,
);
process.exit(0);
