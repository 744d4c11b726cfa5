/**
 * `npm run bench`: runs every benchmark under bench/ (`*.bench.ts`) one after another in a fresh
 * Node process each; every benchmark writes its own JSON to bench/results/. Pass names to run a
 * subset: `npm run bench -- table health`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const dir = join(root, 'bench');
mkdirSync(join(dir, 'results'), { recursive: true });
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n▶ bench/${file}`);
  const r = spawnSync(process.execPath, [join(dir, file)], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    failed += 1;
    console.error(`✖ bench/${file} failed (exit ${r.status ?? r.signal})`);
  }
}
console.log(`\n${files.length - failed} of ${files.length} benchmarks finished; results in bench/results/`);
process.exit(failed === 0 ? 0 : 1);
