/**
 * `npm start`: builds the web app once if it has not been built yet, then runs the self-hosted
 * runtime (`medianest start`) as a child that owns the terminal's signals.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureWebBuilt } from './ensure-web.ts';

const root = join(import.meta.dirname, '..');
ensureWebBuilt(root);
const r = spawnSync(
  process.execPath,
  [join(root, 'packages/local/src/cli.ts'), 'start', ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
process.exit(r.status ?? 1);
