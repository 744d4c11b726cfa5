/**
 * Status checks, end to end in the self-hosted runtime's shape (SQLite table + SQLite queue +
 * LocalRealtime), against the simulators running in a CHILD process (so their CPU is not
 * counted as ours).
 *
 * 1. Change → push latency: one watched household (Plex, Overseerr, Kuma with 5 monitors). A
 *    driver enqueues `status.check_household` every BENCH_INTERVAL_MS and the consumer handles
 *    it (queue → job → checkHousehold → Realtime). 200 times, a Kuma monitor is flipped through
 *    the simulator's control API at a random phase; we time from the flip to the `status.changed`
 *    message carrying it at a LocalRealtime subscriber. Expect ≈ interval/2 + one check.
 * 2. CPU per watched household per tick: BENCH_HOUSEHOLDS watched households (same three
 *    integrations each), one `runTick` (interval = tick period: one check per household) and the
 *    queue drained through `handleJob`; process CPU (user + system) per household per tick.
 *
 *   npx node bench/status-check.bench.ts   → bench/results/status-check.json
 *   BENCH_CHANGES=200 BENCH_INTERVAL_MS=250 BENCH_HOUSEHOLDS=50 BENCH_TICKS=5
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CHILD = process.argv[2] === '--simulators';
const OWNER_TOKEN = 'bench-owner-token';
const API_KEY = 'bench-overseerr-api-key-0001';
const MACHINE = 'bench0000000000000000000000000000000001';
const MONITORS = 5;

if (CHILD) {
  const { startPlexServer } = await import('../packages/simulators/src/plex-server/index.ts');
  const { startOverseerr } = await import('../packages/simulators/src/overseerr/index.ts');
  const { startUptimeKuma } = await import('../packages/simulators/src/uptime-kuma/index.ts');
  const [plex, overseerr, kuma] = await Promise.all([
    startPlexServer({ machineIdentifier: MACHINE, tokens: [OWNER_TOKEN], sections: [] }),
    startOverseerr({ apiKey: API_KEY }),
    startUptimeKuma({
      monitors: Array.from({ length: MONITORS }, (_, i) => ({
        id: i + 1,
        name: `Service ${i + 1}`,
        status: 'UP' as const,
        ping: 10,
      })),
      statusPages: [
        { slug: 'home', title: 'Home', monitorIds: Array.from({ length: MONITORS }, (_, i) => i + 1) },
      ],
      beatIntervalMs: 0,
    }),
  ]);
  process.stdout.write(`${JSON.stringify({ plex: plex.url, overseerr: overseerr.url, kuma: kuma.url })}\n`);
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await Promise.all([plex.close(), overseerr.close(), kuma.close()]);
    process.exit(0);
  });
} else {
  await main();
}

async function main() {
  const { simulatorHttp, seedHousehold } = await import('../packages/core/src/integration/testing.ts');
  const Integration = await import('../packages/core/src/integration/integration.ts');
  const { createLocalSystem, loadConfig } = await import('../packages/core/src/system/index.ts');
  const { createLogger } = await import('../packages/core/src/observability/logger.ts');
  const { enqueueJob, handleJob, JOBS_QUEUE, runTick } = await import('../packages/core/src/jobs/index.ts');
  const { CHECK_JOB } = await import('../packages/core/src/status/jobs.ts');

  const CHANGES = Number(process.env.BENCH_CHANGES ?? 200);
  const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? 250);
  const HOUSEHOLDS = Number(process.env.BENCH_HOUSEHOLDS ?? 50);
  const TICKS = Number(process.env.BENCH_TICKS ?? 5);

  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--simulators'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const firstLine = await new Promise<string>((resolve) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
  });
  const urls = JSON.parse(firstLine) as { plex: string; overseerr: string; kuma: string };

  const dir = mkdtempSync(join(tmpdir(), 'mn-bench-status-'));
  // Part 2's interval is the tick period (one check per household per tick); part 1 enqueues its own.
  const local = await createLocalSystem(
    loadConfig({ MEDIANEST_DATA_DIR: dir, MEDIANEST_STATUS_INTERVAL_SECONDS: '60' }),
    {
      logger: createLogger('bench', { level: 'SILENT' }),
    },
  );
  const http = simulatorHttp([urls.plex, urls.overseerr, urls.kuma], { retry: { maxRetries: 0 } });
  // A spread, not Object.assign: the System may expose `http` as a getter.
  const system = { ...local, http };

  async function household() {
    const hh = await seedHousehold(system, {
      ownerToken: OWNER_TOKEN,
      servers: [{ machineIdentifier: MACHINE, name: 'Bench Plex' }],
    });
    await hh.as(hh.ownerId, async () => {
      await Integration.save(system, { kind: 'plex', machineIdentifier: MACHINE, url: urls.plex });
      await Integration.save(system, { kind: 'overseerr', url: urls.overseerr, apiKey: API_KEY });
      await Integration.save(system, { kind: 'uptime_kuma', url: urls.kuma, slug: 'home' });
    });
    return hh;
  }

  async function drainAndHandle(): Promise<number> {
    let handled = 0;
    while (
      (await system.queue.poll(
        JOBS_QUEUE,
        async (ms) => {
          await Promise.all(ms.map((m) => handleJob(system, m)));
          handled += ms.length;
          return { batchItemFailures: [] };
        },
        { batchSize: 10 },
      )) > 0
    );
    return handled;
  }

  const percentile = (sorted: number[], p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
  const r1 = (n: number) => Math.round(n * 10) / 10;

  // ---------------- 1. change → push latency ----------------
  const watchedOne = await household();
  let waiting: { status: 'up' | 'down'; resolve: (t: number) => void } | undefined;
  system.realtime.connect(
    {
      id: 'bench-viewer',
      send: (raw) => {
        const at = performance.now();
        const msg = JSON.parse(raw) as {
          type: string;
          data: { cards?: { service: string; status: string }[] };
        };
        if (msg.type !== 'status.changed' || !waiting) return;
        const card = msg.data.cards?.find((c) => c.service === 'monitor:1');
        if (card && card.status === waiting.status) {
          const w = waiting;
          waiting = undefined;
          w.resolve(at);
        }
      },
    },
    { userId: watchedOne.ownerId, householdId: watchedOne.householdId },
  );
  let driving = true;
  const driver = (async () => {
    while (driving) {
      const next = performance.now() + INTERVAL_MS;
      await enqueueJob(system, CHECK_JOB, { householdId: watchedOne.householdId, reason: 'watched' });
      await drainAndHandle();
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  await new Promise((r) => setTimeout(r, INTERVAL_MS * 2)); // first check: everything appears once
  const latencies: number[] = [];
  let status: 'up' | 'down' = 'up';
  for (let i = 0; i < CHANGES; i++) {
    status = status === 'up' ? 'down' : 'up';
    await new Promise((r) => setTimeout(r, Math.random() * INTERVAL_MS));
    const seen = new Promise<number>((resolve) => {
      waiting = { status, resolve };
    });
    const t0 = performance.now();
    const res = await fetch(`${urls.kuma}/__control/monitors/1/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: status.toUpperCase() }),
    });
    await res.arrayBuffer();
    latencies.push((await seen) - t0);
  }
  driving = false;
  await driver;
  system.realtime.disconnect('bench-viewer');
  latencies.sort((a, b) => a - b);

  // ---------------- 2. CPU per watched household per tick ----------------
  const many = [];
  for (let i = 0; i < HOUSEHOLDS; i++) many.push(await household());
  for (const [i, hh] of many.entries()) {
    system.realtime.connect(
      { id: `w${i}`, send: () => {} },
      { userId: hh.ownerId, householdId: hh.householdId },
    );
  }
  await drainAndHandle();
  const perTick: { cpuMs: number; wallMs: number; checks: number }[] = [];
  let now = Date.now();
  for (let t = 0; t < TICKS; t++) {
    now += 60_000;
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    const tick = await runTick(system, now);
    const handled = await drainAndHandle();
    const cpu = process.cpuUsage(cpu0);
    perTick.push({
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs: performance.now() - wall0,
      checks: tick.enqueued.filter((x) => x === CHECK_JOB).length,
    });
    if (handled < HOUSEHOLDS) throw new Error(`expected ${HOUSEHOLDS} checks, handled ${handled}`);
  }
  const cpuPerHousehold = perTick.map((p) => p.cpuMs / p.checks).sort((a, b) => a - b);

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    loadavg: loadavg().map(r1),
    changeToPush: {
      changes: CHANGES,
      checkIntervalMs: INTERVAL_MS,
      services: 3 + MONITORS,
      p50Ms: r1(percentile(latencies, 50)),
      p95Ms: r1(percentile(latencies, 95)),
      maxMs: r1(latencies.at(-1) ?? 0),
      minMs: r1(latencies[0] ?? 0),
    },
    cpuPerWatchedHouseholdPerTick: {
      households: HOUSEHOLDS,
      ticks: TICKS,
      servicesPerHousehold: 3 + MONITORS,
      medianMs: r1(percentile(cpuPerHousehold, 50)),
      maxMs: r1(cpuPerHousehold.at(-1) ?? 0),
      wallMsPerTick: perTick.map((p) => r1(p.wallMs)),
    },
  };
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'status-check.json');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(
    `status-check: change → push p50 ${results.changeToPush.p50Ms} ms, p95 ${results.changeToPush.p95Ms} ms ` +
      `(${CHANGES} changes, checks every ${INTERVAL_MS} ms); CPU per watched household per tick ` +
      `${results.cpuPerWatchedHouseholdPerTick.medianMs} ms median (${HOUSEHOLDS} households, ${3 + MONITORS} services each)\n` +
      `→ ${out}\n`,
  );

  http.close();
  await system.close();
  rmSync(dir, { recursive: true, force: true });
  child.stdin!.end();
  await new Promise((r) => child.once('exit', r));
}
