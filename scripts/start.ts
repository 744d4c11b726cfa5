/**
 * `npm start`: builds the web app once if it has not been built yet, then starts the self-hosted
 * runtime (`medianest start`) in this process's place.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
if (!existsSync(join(root, 'web/.output/public/index.html'))) {
  console.log('Building the web app (first start only)…');
  const b = spawnSync('npm', ['run', 'build', '-w', 'web'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const r = spawnSync(
  process.execPath,
  [join(root, 'packages/local/src/cli.ts'), 'start', ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
process.exit(r.status ?? 1);
