/**
 * Cold-start model input: every function bundled exactly as the stack bundles it (BUNDLE from
 * infra/src/functions.ts) plus a minimal Hono handler bundled the same way, each imported by 20
 * fresh Node processes; the median module initialisation time, the size, and both as a ratio to
 * the minimal bundle. Nothing may touch the cloud at import, so no credentials are given.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { BUNDLE, FUNCTION_NAMES } from '../../infra/src/functions.ts';
import { functionEntry } from '../../infra/src/paths.ts';

const MINIMAL_HANDLER = `import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
const app = new Hono().get('/api/health', (c) => c.json({ status: 'ok' }));
export const handler = handle(app);
`;

export interface BundleInit {
  bytes: number;
  gzipBytes: number;
  initMs: { median: number; p90: number; min: number };
  /** Against the minimal Hono handler. */
  ratio: { bytes: number; initMs: number };
}

export interface InitResults {
  runs: number;
  minimal: Omit<BundleInit, 'ratio'>;
  functions: Record<string, BundleInit>;
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));
const at = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function bundle(entry: string, outfile: string): Promise<Buffer> {
  await build({
    ...BUNDLE,
    mainFields: [...BUNDLE.mainFields],
    external: [...BUNDLE.external],
    banner: { js: BUNDLE.banner },
    entryPoints: [entry],
    bundle: true,
    outfile,
    logLevel: 'warning',
  });
  return readFileSync(outfile);
}

function importTimes(outfile: string, runs: number): number[] {
  const script = `const t = performance.now(); const m = await import(${JSON.stringify(pathToFileURL(outfile).href)});
    if (typeof m.handler !== 'function') throw new Error('no handler export');
    process.stdout.write(String(performance.now() - t));`;
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      // What Lambda sets that the code might read at import; no credentials.
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', AWS_LAMBDA_FUNCTION_NAME: 'bench' },
    });
    samples.push(Number(out.toString()));
  }
  return samples.sort((a, b) => a - b);
}

export async function measureInit(runs = 20): Promise<InitResults> {
  // Under infra/ (git-ignored) so the external AWS SDK resolves from the repo's node_modules, as
  // it resolves from the Lambda runtime, and `hono` resolves for the minimal bundle.
  const dir = join(import.meta.dirname, '..', '..', 'infra', 'cdk.out', `cost-init-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const measure = async (entry: string, name: string) => {
      const outfile = join(dir, name, 'index.mjs');
      const code = await bundle(entry, outfile);
      const samples = importTimes(outfile, runs);
      return {
        bytes: code.length,
        gzipBytes: gzipSync(code).length,
        initMs: { median: round(at(samples, 0.5)), p90: round(at(samples, 0.9)), min: round(samples[0]!) },
      };
    };
    const minimalEntry = join(dir, 'minimal-hono.ts');
    writeFileSync(minimalEntry, MINIMAL_HANDLER);
    const minimal = await measure(minimalEntry, 'minimal-hono');
    const functions: Record<string, BundleInit> = {};
    for (const name of FUNCTION_NAMES) {
      const m = await measure(functionEntry(name), name);
      functions[name] = {
        ...m,
        ratio: {
          bytes: round(m.bytes / minimal.bytes, 2),
          initMs: round(m.initMs.median / minimal.initMs.median, 2),
        },
      };
    }
    return { runs, minimal, functions };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
