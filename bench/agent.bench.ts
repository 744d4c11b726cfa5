/**
 * The household agent's own cost while it runs 3 downloads at once, and how fast a yt-dlp
 * progress line reaches a browser.
 *
 * - The real self-hosted runtime in-process (`startLocal`: /agent endpoint, agent hub, SQLite,
 *   the local realtime hub and its /ws socket). The agent runs as its CLI in a child process (as
 *   in production) and dials /agent over a real WebSocket on loopback; downloads use the fake
 *   yt-dlp paced with FAKE_YTDLP_BYTES_PER_SEC so progress flows for several seconds.
 * - CPU and RSS of the agent process alone (yt-dlp children excluded) are sampled from /proc every
 *   100 ms: idle (connected, no job) and while 3 downloads run.
 * - Progress latency: yt-dlp is started through a relay that timestamps every progress line as it
 *   reads it and forwards it unchanged. Two arrival points are stamped: the server publishing the
 *   `download.progress` message (the agent's frame handled and stored), and a WebSocket client on
 *   /ws with a member's realtime ticket receiving it: exactly what the downloads page's socket
 *   gets. Messages are matched to lines by (job, downloaded bytes). The agent throttles to ≤ 2
 *   frames/s per job, so only lines that became frames are measured.
 * - The household has no Plex integration here, so the agent's post-download Plex refresh is
 *   skipped (a warning on the job); it is not on the progress path.
 *
 *   npx node bench/agent.bench.ts   → bench/results/agent.json
 *   BENCH_BYTES_PER_SEC=200000 (per download)
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { downloadDepsOf } from '../packages/api/src/v1/downloads.ts';
import * as Agents from '../packages/core/src/download/agents.ts';
import * as Download from '../packages/core/src/download/download.ts';
import { as, seedHousehold } from '../packages/core/src/download/testing.ts';
import { issueTicket } from '../packages/core/src/realtime/index.ts';
import { startLocal } from '../packages/local/src/start-local.ts';
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
// The agent's temp folder is <jobId>.<attempt>.
const job = tmp ? (tmp.split('/').at(-1) ?? '').replace(/\\.\\d+$/, '') : '';
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
const local = await startLocal({
  port: 0,
  host: '127.0.0.1',
  dataDir: join(work, 'data'),
  webDir: join(work, 'no-web'),
  consumers: false,
  env: { LOG_LEVEL: 'SILENT' },
});
const system = local.system;
const deps = downloadDepsOf(system);
const { alice, hh, owner } = await seedHousehold(system);
const { token } = await as(owner, hh, () => Agents.createAgent(system, { name: 'bench agent' }));

type Arrival = { job: string; bytes: number; t: number };
// Server side: the progress message published (first topic only; it goes to the owner and admins).
const published: Arrival[] = [];
const seenPublished = new Set<string>();
const publish = system.realtime.publish.bind(system.realtime);
system.realtime.publish = async (topic, message) => {
  if (message.type === 'download.progress') {
    const data = message.data as { id: string; progress: { downloadedBytes: number } | null };
    const key = `${data.id}:${data.progress?.downloadedBytes}`;
    if (data.progress && !seenPublished.has(key)) {
      seenPublished.add(key);
      published.push({ job: data.id, bytes: data.progress.downloadedBytes, t: Date.now() });
    }
  }
  return publish(topic, message);
};
// Browser side: a member's socket on /ws, as the downloads page has it.
const { ticket } = await issueTicket(system, { userId: alice, householdId: hh });
const socket = new WebSocket(`${local.url.replace(/^http/, 'ws')}/ws?ticket=${ticket}`);
await new Promise<void>((resolveOpen, reject) => {
  socket.once('open', () => resolveOpen());
  socket.once('error', reject);
});
const arrivals: Arrival[] = [];
socket.on('message', (raw) => {
  const t = Date.now();
  const m = JSON.parse(String(raw)) as {
    type: string;
    data?: { id: string; progress: { downloadedBytes: number } | null };
  };
  if (m.type !== 'download.progress' || !m.data?.progress) return;
  arrivals.push({ job: m.data.id, bytes: m.data.progress.downloadedBytes, t });
});

const agent = spawn(
  process.execPath,
  [
    cli,
    '--server',
    `${local.url}/agent`,
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
    env: { ...fakeYtDlpEnv({ catalog, bytesPerSecond: BYTES_PER_SEC }), MEDIANEST_AGENT_TOKEN: token },
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

// Connected and idle.
for (;;) {
  if (await Agents.anyAgentOnline(system, hh)) break;
  await sleep(50);
}
const startup = await sample();
const idle = await measure(async () => true, 3000);

const subs: Download.DownloadInfo[] = [];
for (const i of [1, 2, 3]) {
  subs.push(
    await as(alice, hh, () =>
      Download.submit(deps, {
        url: `https://www.youtube.com/watch?v=bench${i}`,
        target: { sectionKey: '5', preset: 'other-videos' },
      }),
    ),
  );
}
const states = async () =>
  Promise.all(subs.map((s) => as(alice, hh, () => Download.get(deps, { id: s.id }))));
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
const latencyOf = (points: Arrival[]) => {
  const out: number[] = [];
  for (const a of points) {
    const line = lines.find((l) => l.job === a.job && l.bytes === a.bytes);
    if (line) out.push(a.t - line.t);
  }
  return out.sort((a, b) => a - b);
};
const toServer = latencyOf(published);
const latencies = latencyOf(arrivals);
// A relay that stops matching (e.g. the agent's temp-folder naming changed) must not read as 0 ms.
if (toServer.length === 0 || latencies.length === 0) {
  throw new Error(
    `no progress message matched a yt-dlp line (${published.length} published, ${arrivals.length} arrived)`,
  );
}
const summary = (sorted: number[]) => ({
  matched: sorted.length,
  p50: percentile(sorted, 50),
  p95: percentile(sorted, 95),
  p99: percentile(sorted, 99),
  max: sorted.at(-1) ?? null,
});
const perJob = new Map<string, number>();
for (const a of arrivals) perJob.set(a.job, (perJob.get(a.job) ?? 0) + 1);

agent.kill('SIGTERM');
await new Promise((r) => agent.once('exit', r));
socket.close();
await local.close();
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
    messagesToBrowser: arrivals.length,
    messagesPerJob: [...perJob.values()],
    /** yt-dlp line read → the server published download.progress (frame handled and stored). */
    lineToServerMs: summary(toServer),
    /** yt-dlp line read → a /ws client (the downloads page's socket) received it. */
    lineToBrowserMs: summary(latencies),
  },
};
const out = join(root, 'results', 'agent.json');
await mkdir(dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(
  `agent: idle ${idle.cpuPercentOfOneCore}% CPU, ${idle.rssMbMean} MB RSS; 3 downloads ${busy.cpuPercentOfOneCore}% CPU ` +
    `(${busy.cpuMs} ms over ${busy.wallMs} ms), RSS mean ${busy.rssMbMean} MB peak ${busy.rssMbPeak} MB\n` +
    `progress: ${lines.length} yt-dlp lines → ${arrivals.length} messages on /ws; line→server p50 ${result.progress.lineToServerMs.p50} ms, ` +
    `line→browser socket p50 ${result.progress.lineToBrowserMs.p50} ms, p95 ${result.progress.lineToBrowserMs.p95} ms, max ${result.progress.lineToBrowserMs.max} ms\n` +
    `outcome: ${final.map((d) => d.state).join(', ')} → ${out}\n`,
);
process.exit(0);
