/**
 * Child process for the multi-process test (sqlite.test.ts): waits for `go` on stdin, then
 * drains the queue in small batches, printing `got <id>` for each message it handled.
 */
import { createInterface } from 'node:readline';
import { openSqlite } from '../sqlite/db.ts';
import { SqliteQueue } from './sqlite.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: drain-child.ts <sqlite file>');
const queue = new SqliteQueue(openSqlite(path));
process.stdout.write('ready\n');
await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
let lines = '';
while (
  (await queue.poll(
    'shared',
    async (messages) => {
      for (const m of messages) lines += `got ${m.id}\n`;
      // let the other processes in between batches
      await new Promise((r) => setImmediate(r));
      return { batchItemFailures: [] };
    },
    { batchSize: 5, visibilityTimeoutSeconds: 300 },
  )) > 0
);
process.stdout.write(lines);
