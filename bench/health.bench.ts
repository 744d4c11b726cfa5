/**
 * GET /api/health through the whole stack (request id, logger, security headers, error mapper,
 * the SQLite probe and two queue counts) against a bare Hono route in the same process, so the
 * ratio shows what the app's plumbing costs per request.
 *
 *   npx node bench/health.bench.ts   → bench/results/health.json
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { startLocal } from '@medianest/local';
import { Hono } from 'hono';

interface Histogram {
  average: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}
interface AutocannonResult {
  requests: Histogram & { total: number };
  latency: Histogram;
  errors: number;
  non2xx: number;
  duration: number;
}
// autocannon ships no types; this is the slice of its API used here.
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: {
  url: string;
  connections: number;
  duration: number;
}) => Promise<AutocannonResult>;

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const CONNECTIONS = 10;

async function measure(name: string, url: string) {
  // A short warm-up so JIT and caches do not count against the first subject.
  await autocannon({ url, connections: CONNECTIONS, duration: 1 });
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S });
  const summary = {
    name,
    url: new URL(url).pathname,
    requestsPerSecond: Math.round(r.requests.average),
    totalRequests: r.requests.total,
    latencyMs: {
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      max: r.latency.max,
      mean: r.latency.mean,
    },
    errors: r.errors,
    non2xx: r.non2xx,
  };
  console.log(
    `${name.padEnd(12)} ${String(summary.requestsPerSecond).padStart(7)} req/s  p50 ${summary.latencyMs.p50} ms  p99 ${summary.latencyMs.p99} ms  (${summary.totalRequests} requests, ${r.errors} errors, ${r.non2xx} non-2xx)`,
  );
  return summary;
}

const dir = mkdtempSync(join(tmpdir(), 'mn-bench-health-'));
const app = await startLocal({
  port: 0,
  host: '127.0.0.1',
  dataDir: join(dir, 'data'),
  webDir: join(dir, 'no-web'),
  env: { LOG_LEVEL: 'WARN' },
});
const bareApp = new Hono();
bareApp.get('/bare', (c) => c.json({ status: 'ok' }));
const bare = createAdaptorServer({ fetch: bareApp.fetch });
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
const barePort = (bare.address() as AddressInfo).port;

try {
  const health = await measure('health', `${app.url}/api/health`);
  const bareResult = await measure('bare hono', `http://127.0.0.1:${barePort}/bare`);
  const result = {
    benchmark: 'health',
    date: new Date().toISOString(),
    node: process.version,
    durationSeconds: DURATION_S,
    connections: CONNECTIONS,
    health,
    bare: bareResult,
    throughputRatio: Number((health.requestsPerSecond / bareResult.requestsPerSecond).toFixed(3)),
    p99Ratio: Number((health.latencyMs.p99 / Math.max(bareResult.latencyMs.p99, 1)).toFixed(3)),
  };
  console.log(
    `health/bare throughput ratio ${result.throughputRatio} (p99 ${health.latencyMs.p99} ms vs ${bareResult.latencyMs.p99} ms)`,
  );
  const out = join(import.meta.dirname, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'health.json'), `${JSON.stringify(result, null, 2)}\n`);
  if (health.errors + health.non2xx + bareResult.errors + bareResult.non2xx > 0) {
    throw new Error('some requests failed: the numbers are not comparable');
  }
} finally {
  await new Promise<void>((resolve) => bare.close(() => resolve()));
  await app.close();
  rmSync(dir, { recursive: true, force: true });
}
