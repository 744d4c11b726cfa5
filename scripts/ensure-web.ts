/** Builds the web app when it has not been built yet (first `npm start` / `npm run demo`). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function ensureWebBuilt(root: string): void {
  if (existsSync(join(root, 'web/.output/public/index.html'))) return;
  console.log('Building the web app (first start only)…');
  const b = spawnSync('npm', ['run', 'build', '-w', 'web'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
