/**
 * What a Lambda cold start pays before the first line of handler code: the size of each bundle
 * (bundled exactly as the CDK stack bundles it) and the time a fresh Node process takes to
 * import it (module evaluation; nothing may touch the cloud at import). Lambda adds its own
 * runtime start and code download on top; this is the part the code controls.
 *
 *   npx node bench/lambda-init.bench.ts   → bench/results/lambda-init.json
 *   BENCH_SDK=bundled npx node bench/lambda-init.bench.ts   (compare: the AWS SDK bundled in, not
 *   taken from the runtime; BENCH_RUNS=n for more samples). Numbers only mean something on an
 *   otherwise idle machine: the JSON records the load average next to them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { BUNDLE, FUNCTION_NAMES } from '../infra/src/functions.ts';
import { functionEntry } from '../infra/src/paths.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
// Under infra/ (git-ignored) so the external AWS SDK resolves from the repo's node_modules, as it
// resolves from the Lambda runtime.
const outDir = join(import.meta.dirname, '..', 'infra', 'cdk.out', `bench-${process.pid}`);

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const round = (n: number) => Number(n.toFixed(1));

const sdk = process.env.BENCH_SDK === 'bundled' ? 'bundled' : 'external';
const results: Record<string, unknown> = {};
const loadBefore = loadavg()[0]!;
try {
  for (const name of FUNCTION_NAMES) {
    const outfile = join(outDir, name, 'index.mjs');
    const started = performance.now();
    await build({
      ...BUNDLE,
      mainFields: [...BUNDLE.mainFields],
      external: sdk === 'bundled' ? [] : [...BUNDLE.external],
      banner: { js: BUNDLE.banner },
      entryPoints: [functionEntry(name)],
      bundle: true,
      outfile,
      logLevel: 'warning',
    });
    const bundleMs = performance.now() - started;
    const code = readFileSync(outfile);
    const script = `const t = performance.now(); const m = await import(${JSON.stringify(pathToFileURL(outfile).href)});
      if (typeof m.handler !== 'function') throw new Error('no handler export');
      process.stdout.write(String(performance.now() - t));`;
    const samples: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1' },
      });
      samples.push(Number(out.toString()));
    }
    samples.sort((a, b) => a - b);
    const summary = {
      bytes: code.length,
      gzipBytes: gzipSync(code).length,
      bundleMs: round(bundleMs),
      importMs: {
        median: round(quantile(samples, 0.5)),
        p90: round(quantile(samples, 0.9)),
        min: round(samples[0]!),
      },
    };
    results[name] = summary;
    console.log(
      `${name.padEnd(14)} ${(summary.bytes / 1024).toFixed(0).padStart(5)} KiB (${(summary.gzipBytes / 1024).toFixed(0)} KiB gz)  import median ${summary.importMs.median} ms  p90 ${summary.importMs.p90} ms`,
    );
  }
  console.log(`AWS SDK ${sdk}; 1-minute load average ${round(loadBefore)} → ${round(loadavg()[0]!)}`);
  const out = join(import.meta.dirname, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'lambda-init.json'),
    `${JSON.stringify(
      {
        benchmark: 'lambda-init',
        date: new Date().toISOString(),
        node: process.version,
        sdk,
        runs: RUNS,
        loadAverage: { before: round(loadBefore), after: round(loadavg()[0]!) },
        functions: results,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
