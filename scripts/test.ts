/**
 * The README's test command (`npm test`): lint and format check, type check, build the web app
 * (the end-to-end tests drive the built app), then every vitest project. Ends with one plain
 * summary line, `tests: N passed, N failed, N skipped`, and a non-zero exit on any failure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);

function step(name: string, cmd: string, cmdArgs: string[]): void {
  const started = Date.now();
  console.log(`\n▶ ${name}: ${cmd} ${cmdArgs.join(' ')}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: process.env });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`✖ ${name} failed (exit ${r.status ?? r.signal}) after ${secs} s`);
    console.log('tests: 0 passed, 1 failed');
    process.exit(1);
  }
  console.log(`✔ ${name} (${secs} s)`);
}

if (!args.includes('--no-lint')) step('lint', 'npx', ['biome', 'ci', '.']);
if (!args.includes('--no-typecheck')) {
  step('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json']);
  if (existsSync(join(root, 'web/tsconfig.json')))
    step('typecheck web', 'npx', ['tsc', '-p', 'web/tsconfig.json']);
  if (existsSync(join(root, 'web/tsconfig.test.json')))
    step('typecheck web tests', 'npx', ['tsc', '-p', 'web/tsconfig.test.json']);
}
const webPkg = JSON.parse(readFileSync(join(root, 'web/package.json'), 'utf8'));
if (webPkg.scripts?.build && !args.includes('--no-build'))
  step('build web', 'npm', ['run', 'build', '-w', 'web']);

mkdirSync(join(root, 'test-results'), { recursive: true });
const report = join(root, 'test-results/vitest.json');
const vitestArgs = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`];
const passthrough = args.filter((a) => !a.startsWith('--no-'));
const r = spawnSync('npx', [...vitestArgs, ...passthrough], {
  cwd: root,
  stdio: 'inherit',
  env: process.env,
});
let summary = 'tests: 0 passed, 1 failed';
if (existsSync(report)) {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  summary = `tests: ${j.numPassedTests} passed, ${j.numFailedTests} failed, ${skipped} skipped`;
  if (j.numTotalTests === 0) summary = 'tests: 0 passed, 1 failed';
}
console.log(`\n${summary}`);
process.exit(r.status === 0 ? 0 : 1);
