/**
 * Generates a 50,000-movie section in the PMS simulator and pages through all of it over HTTP,
 * 100 at a time with includeGuids=1, as python-plexapi's fetchItems would (headers, start += size).
 * Run: npx node bench/plex-library.bench.ts  → bench/results/plex-library.json
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPlexServer } from '../packages/simulators/src/plex-server/index.ts';

const ITEMS = 50_000;
const PAGE = 100;
const TOKEN = 'bench-owner-token';

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
const round = (n: number) => Math.round(n * 100) / 100;

const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
const pms = await startPlexServer({
  tokens: [TOKEN],
  seed: 2026,
  sections: [{ key: '1', title: 'Movies', type: 'movie', count: ITEMS }],
});
const generateMs = performance.now() - t0;
const rssAfterGenerate = process.memoryUsage().rss;

const pageMs: number[] = [];
const seen = new Set<string>();
let bytes = 0;
let total = Number.POSITIVE_INFINITY;
const tPaging = performance.now();
for (let start = 0; start < total; start += PAGE) {
  const t = performance.now();
  const res = await fetch(`${pms.url}/library/sections/1/all?includeGuids=1`, {
    headers: {
      Accept: 'application/json',
      'X-Plex-Token': TOKEN,
      'X-Plex-Container-Start': String(start),
      'X-Plex-Container-Size': String(PAGE),
    },
  });
  const text = await res.text();
  const body = JSON.parse(text) as {
    MediaContainer: { totalSize: number; Metadata: { ratingKey: string }[] };
  };
  pageMs.push(performance.now() - t);
  if (res.status !== 200) throw new Error(`page at ${start}: HTTP ${res.status}`);
  bytes += text.length;
  total = body.MediaContainer.totalSize;
  for (const m of body.MediaContainer.Metadata) seen.add(m.ratingKey);
}
const pagingMs = performance.now() - tPaging;
const rssPeak = process.memoryUsage().rss;
await pms.close();
if (seen.size !== ITEMS) throw new Error(`saw ${seen.size} distinct items, expected ${ITEMS}`);

const sorted = [...pageMs].sort((a, b) => a - b);
const result = {
  name: 'plex-library',
  date: new Date().toISOString(),
  node: process.version,
  // Numbers from a shared CI box mean little without the load they ran under.
  cpus: availableParallelism(),
  loadAverage1m: round(loadavg()[0] ?? 0),
  items: ITEMS,
  pageSize: PAGE,
  pages: pageMs.length,
  generateMs: round(generateMs),
  pagingTotalMs: round(pagingMs),
  totalMs: round(generateMs + pagingMs),
  firstPageMs: round(pageMs[0] ?? 0),
  pageP50Ms: round(percentile(sorted, 50)),
  pageP99Ms: round(percentile(sorted, 99)),
  pageMaxMs: round(sorted.at(-1) ?? 0),
  itemsPerSecond: Math.round(ITEMS / (pagingMs / 1000)),
  responseMiB: round(bytes / 1024 / 1024),
  rssMiB: {
    before: round(rssBefore / 1024 / 1024),
    afterGenerate: round(rssAfterGenerate / 1024 / 1024),
    end: round(rssPeak / 1024 / 1024),
  },
};

const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'plex-library.json');
await mkdir(dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(
  `plex-library: ${ITEMS} items generated in ${result.generateMs} ms; ${result.pages} pages of ${PAGE} in ${result.pagingTotalMs} ms ` +
    `(p50 ${result.pageP50Ms} ms, p99 ${result.pageP99Ms} ms, first ${result.firstPageMs} ms); RSS ${result.rssMiB.end} MiB → ${out}\n`,
);
