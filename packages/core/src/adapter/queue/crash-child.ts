/**
 * Child process for the queue crash test (queue.contract.ts): sends, takes one batch it never
 * settles, then keeps sending until it is SIGKILLed. Each line on stdout is a fact the parent
 * may rely on: `sent <id>` is printed only after send() resolved (the row is committed).
 */
import { openSqlite } from '../sqlite/db.ts';
import { SqliteQueue } from './sqlite.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: crash-child.ts <sqlite file>');
const queue = new SqliteQueue(openSqlite(path));
const say = (line: string) => process.stdout.write(`${line}\n`);

for (let i = 0; i < 50; i++) say(`sent ${(await queue.send('crash', { i })).id}`);
void queue.poll(
  'crash',
  (messages) => {
    for (const m of messages) say(`received ${m.id}`);
    return new Promise(() => {}); // the worker "hangs" until it dies
  },
  { batchSize: 10, visibilityTimeoutSeconds: 60 },
);
for (let i = 50; ; i++) {
  say(`sent ${(await queue.send('crash', { i })).id}`);
  // yield to the event loop so stdout drains and the kill can land between sends
  await new Promise((resolve) => setImmediate(resolve));
}
