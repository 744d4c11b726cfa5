/**
 * What the outbound Http adapter costs per call, and what the Plex client costs per page.
 *
 * 1. One loopback server answering ~2 KB of JSON; the same GETs through Node's fetch, through
 *    createHttp (timeout + retry + breaker + body cap, LAN mode) and through createHttp in SaaS
 *    mode (plus a DNS lookup via an injected resolver and the address check on every call).
 *    Sequential (latency) and 10 in flight (throughput).
 * 2. classifyAddress alone (the SSRF check), per call.
 * 3. Paging a 50,000-item simulated Plex section 100 at a time with includeGuids through the Plex
 *    client (HTTP + zod parsing), against the same pages through fetch + JSON.parse.
 *
 *   npx node bench/outbound-http.bench.ts   → bench/results/outbound-http.json
 *   BENCH_CALLS=3000 (calls per HTTP case), BENCH_PLEX_ITEMS=50000
 */
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifyAddress, createHttp } from '../packages/core/src/adapter/http/index.ts';
import { createPlexServerClient } from '../packages/core/src/integration/client/plex-server.ts';
import { startPlexServer } from '../packages/simulators/src/plex-server/index.ts';

const CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const PLEX_ITEMS = Number(process.env.BENCH_PLEX_ITEMS ?? 50_000);
const CONCURRENCY = 10;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
const r3 = (n: number) => Math.round(n * 1000) / 1000;

const payload = JSON.stringify({
  MediaContainer: {
    size: 20,
    Metadata: Array.from({ length: 20 }, (_, i) => ({ ratingKey: String(i), title: `Item ${i}` })),
  },
});
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;

const lan = createHttp({ mode: 'selfhosted', allowPrivate: true });
const saas = createHttp({
  mode: 'saas',
  allowTargets: [`127.0.0.1:${port}`],
  lookup: async () => ['127.0.0.1'],
});

type Call = () => Promise<unknown>;
const subjects: Record<string, Call> = {
  fetch: async () => (await fetch(`http://127.0.0.1:${port}/x`)).text(),
  'createHttp (LAN mode)': async () =>
    (await lan.request({ url: `http://127.0.0.1:${port}/x`, integrationKey: 'bench:plex' })).text(),
  'createHttp (SaaS mode, DNS + guard)': async () =>
    (await saas.request({ url: `http://plex.example.com:${port}/x`, integrationKey: 'bench:plex' })).text(),
};

async function sequential(call: Call) {
  const ms: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t = performance.now();
    await call();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50Ms: r3(percentile(ms, 50)), p99Ms: r3(percentile(ms, 99)) };
}

async function parallel(call: Call) {
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < CALLS) await call();
    }),
  );
  return { requestsPerSecond: Math.round(CALLS / ((performance.now() - t) / 1000)) };
}

const httpResults: Record<string, unknown>[] = [];
for (const [name, call] of Object.entries(subjects)) {
  for (let i = 0; i < 200; i++) await call(); // warm-up
  httpResults.push({ name, ...(await sequential(call)), ...(await parallel(call)) });
}
server.close();

const addresses = [
  '8.8.8.8',
  '10.1.2.3',
  '::ffff:127.0.0.1',
  '2606:4700::1111',
  '169.254.169.254',
  'fd00::1',
];
const N = 200_000;
let t = performance.now();
for (let i = 0; i < N; i++) classifyAddress(addresses[i % addresses.length] as string);
const classifyNs = Math.round(((performance.now() - t) * 1e6) / N);

// Plex paging: the client's parse cost on real-sized pages.
const TOKEN = 'bench-token';
t = performance.now();
const pms = await startPlexServer({
  tokens: [TOKEN],
  seed: 2026,
  sections: [{ key: '1', title: 'Movies', type: 'movie', count: PLEX_ITEMS }],
});
const generateMs = performance.now() - t;
const plex = createPlexServerClient({
  baseUrl: pms.url,
  token: TOKEN,
  http: lan,
  integrationKey: 'bench:pms',
});

async function pageAll(fetchPage: (start: number) => Promise<{ count: number; total: number }>) {
  const ms: number[] = [];
  let items = 0;
  let total = Number.POSITIVE_INFINITY;
  const t0 = performance.now();
  for (let start = 0; start < total; start += 100) {
    const t1 = performance.now();
    const page = await fetchPage(start);
    ms.push(performance.now() - t1);
    items += page.count;
    total = page.total;
  }
  const wallMs = performance.now() - t0;
  ms.sort((a, b) => a - b);
  return {
    items,
    pages: ms.length,
    wallMs: Math.round(wallMs),
    pageP50Ms: r3(percentile(ms, 50)),
    pageP99Ms: r3(percentile(ms, 99)),
  };
}

// First pass warms the simulator's sorted-listing cache so both subjects see the same server.
await pageAll(async (start) => {
  const p = await plex.sectionItems('1', { start, size: 100, includeGuids: true });
  return { count: p.items.length, total: p.totalSize };
});
const viaFetch = await pageAll(async (start) => {
  const res = await fetch(
    `${pms.url}/library/sections/1/all?includeGuids=1&X-Plex-Container-Start=${start}&X-Plex-Container-Size=100`,
    { headers: { accept: 'application/json', 'x-plex-token': TOKEN } },
  );
  const body = (await res.json()) as { MediaContainer: { Metadata: unknown[]; totalSize: number } };
  return { count: body.MediaContainer.Metadata.length, total: body.MediaContainer.totalSize };
});
const viaClient = await pageAll(async (start) => {
  const p = await plex.sectionItems('1', { start, size: 100, includeGuids: true });
  return { count: p.items.length, total: p.totalSize };
});
await pms.close();
lan.close();
saas.close();

const result = {
  when: new Date().toISOString(),
  node: process.version,
  cpus: availableParallelism(),
  loadavg: loadavg().map((n) => Math.round(n * 100) / 100),
  callsPerCase: CALLS,
  concurrency: CONCURRENCY,
  http: httpResults,
  classifyAddressNs: classifyNs,
  plexPaging: {
    items: PLEX_ITEMS,
    generateMs: Math.round(generateMs),
    fetchAndJsonParse: viaFetch,
    plexClient: viaClient,
  },
};
const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'outbound-http.json');
await mkdir(dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);

for (const r of httpResults) {
  console.log(
    `${String(r.name).padEnd(38)} p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  ${r.requestsPerSecond} req/s (${CONCURRENCY} in flight)`,
  );
}
console.log(`classifyAddress: ${classifyNs} ns per address`);
console.log(
  `Plex ${PLEX_ITEMS} items / 100 per page: fetch+JSON.parse ${viaFetch.wallMs} ms (page p50 ${viaFetch.pageP50Ms} ms), ` +
    `Plex client ${viaClient.wallMs} ms (page p50 ${viaClient.pageP50Ms} ms, p99 ${viaClient.pageP99Ms} ms)`,
);
console.log(`→ ${out}`);
