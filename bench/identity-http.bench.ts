/**
 * What the identity HTTP layer costs per request, in process (`app.request`, no sockets), on the
 * self-hosted store: the session cookie check alone (`GET /api/v1/me/sessions`), a household
 * route behind the membership guard (`GET /api/v1/households/:hid`, checked twice: by the
 * route guard and by the domain), and an unsafe request through the CSRF origin check
 * (`POST /api/v1/auth/sign-out` without a cookie). Plex is the simulator on loopback; it is only
 * used to sign in and create the household before timing starts.
 *
 *   npx node bench/identity-http.bench.ts   → bench/results/identity-http.json
 *   BENCH_CASE_MS=2000 (time per case)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Client, DEMO_MACHINE_ID, signInWithPlex, startWorld } from '@medianest/api/testing/world';
import { OWNER_ID } from '@medianest/simulators/scenario/index';

const CASE_MS = Number(process.env.BENCH_CASE_MS ?? 2000);

const world = await startWorld();
const results: { name: string; ops: number; opsPerSecond: number; p50Us: number; p99Us: number }[] = [];
try {
  const olivia = await signInWithPlex(world, OWNER_ID);
  const created = await olivia.request('POST', '/api/v1/households', {
    body: { name: 'Bench', servers: [DEMO_MACHINE_ID] },
  });
  const hid = created.body.household.id as string;
  const anonymous = new Client(world.app);

  const cases: [string, () => Promise<{ status: number }>, number][] = [
    ['GET /api/v1/me/sessions (session check)', () => olivia.request('GET', '/api/v1/me/sessions'), 200],
    [
      'GET /api/v1/households/:hid (membership guard)',
      () => olivia.request('GET', `/api/v1/households/${hid}`),
      200,
    ],
    [
      'POST /api/v1/auth/sign-out (CSRF check, no session)',
      () => anonymous.request('POST', '/api/v1/auth/sign-out'),
      204,
    ],
  ];
  for (const [name, run, status] of cases) {
    for (let i = 0; i < 50; i++) await run();
    const samples: number[] = [];
    const end = performance.now() + CASE_MS;
    while (performance.now() < end) {
      const t = performance.now();
      const res = await run();
      samples.push(performance.now() - t);
      if (res.status !== status) throw new Error(`${name}: HTTP ${res.status}`);
    }
    samples.sort((a, b) => a - b);
    const total = samples.reduce((a, b) => a + b, 0);
    results.push({
      name,
      ops: samples.length,
      opsPerSecond: Math.round((samples.length / total) * 1000),
      p50Us: Math.round(samples[Math.floor(samples.length * 0.5)]! * 1000),
      p99Us: Math.round(samples[Math.floor(samples.length * 0.99)]! * 1000),
    });
  }
} finally {
  await world.close();
}

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/identity-http.json', import.meta.url),
  `${JSON.stringify({ cpus: cpus().length, node: process.version, caseMs: CASE_MS, results }, null, 2)}\n`,
);
for (const r of results) console.log(`${r.name}: ${r.opsPerSecond}/s, p50 ${r.p50Us} µs, p99 ${r.p99Us} µs`);
