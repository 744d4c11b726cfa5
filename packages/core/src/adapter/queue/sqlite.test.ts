import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../port/clock.ts';
import { openSqlite } from '../sqlite/db.ts';
import { queueContract, queueCrashContract } from './queue.contract.ts';
import { defaultBackoffSeconds, failuresOf, SqliteQueue } from './sqlite.ts';

// a deterministic backoff, so the contract can assert exact visibility times
const backoffSeconds = (n: number) => 10 * 2 ** (n - 1);

queueContract('SqliteQueue (in-memory SQLite, FakeClock)', () => {
  const db = openSqlite(':memory:');
  const clock = new FakeClock();
  return { queue: new SqliteQueue(db, { clock, backoffSeconds }), clock, close: () => db.close() };
});

queueCrashContract('SqliteQueue (SQLite file, real child process)', (path) => {
  const db = openSqlite(path);
  const clock = new FakeClock();
  return { queue: new SqliteQueue(db, { clock, backoffSeconds }), clock, close: () => db.close() };
});

describe('SqliteQueue specifics', () => {
  it("reads a handler's answer by Lambda's partial batch response rules", () => {
    const ids = ['a', 'b', 'c'];
    const none = new Set<string>();
    const all = new Set(ids);
    expect(failuresOf(undefined, ids)).toEqual(none);
    expect(failuresOf(null, ids)).toEqual(none);
    expect(failuresOf({}, ids)).toEqual(none);
    expect(failuresOf({ batchItemFailures: null }, ids)).toEqual(none);
    expect(failuresOf({ batchItemFailures: [] }, ids)).toEqual(none);
    expect(failuresOf({ batchItemFailures: [{ itemIdentifier: 'b' }] }, ids)).toEqual(new Set(['b']));
    expect(failuresOf({ batchItemFailures: [{ itemIdentifier: '' }] }, ids)).toEqual(all);
    expect(failuresOf({ batchItemFailures: [{ itemIdentifier: null }] }, ids)).toEqual(all);
    expect(failuresOf({ batchItemFailures: [{ itemIdentifier: 'zz' }] }, ids)).toEqual(all);
    expect(failuresOf({ batchItemFailures: [{ id: 'b' }] }, ids)).toEqual(all);
    expect(failuresOf({ batchItemFailures: 'b' }, ids)).toEqual(all);
    expect(failuresOf('oops', ids)).toEqual(all);
  });

  it('backs off exponentially with jitter by default, capped at 15 minutes', () => {
    for (let i = 0; i < 200; i++) {
      const first = defaultBackoffSeconds(1);
      const third = defaultBackoffSeconds(3);
      const capped = defaultBackoffSeconds(30);
      expect(first).toBeGreaterThanOrEqual(5);
      expect(first).toBeLessThanOrEqual(10);
      expect(third).toBeGreaterThanOrEqual(20);
      expect(third).toBeLessThanOrEqual(40);
      expect(capped).toBeGreaterThanOrEqual(450);
      expect(capped).toBeLessThanOrEqual(900);
    }
    const samples = new Set(Array.from({ length: 50 }, () => defaultBackoffSeconds(4)));
    expect(samples.size).toBeGreaterThan(1);
  });

  it('shares the file with other tables: only q_-prefixed tables of its own', () => {
    const db = openSqlite(':memory:');
    new SqliteQueue(db);
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .all();
    expect(tables.map((t) => String(t.name)).every((n) => n.startsWith('q_'))).toBe(true);
    db.close();
  });

  it('uses the constructor defaults when poll is given no options', async () => {
    const db = openSqlite(':memory:');
    const clock = new FakeClock();
    const queue = new SqliteQueue(db, { clock, defaults: { batchSize: 1, visibilityTimeoutSeconds: 5 } });
    await queue.send('jobs', 1);
    await queue.send('jobs', 2);
    let size = 0;
    // the handler never settles: the poll stays open, as in a crashed worker
    void queue.poll('jobs', (ms) => {
      size = ms.length;
      return new Promise(() => {});
    });
    expect(size).toBe(1);
    // explicit undefined options keep the defaults too
    await queue.send('jobs', 3);
    let size2 = 0;
    void queue.poll(
      'jobs',
      (ms) => {
        size2 = ms.length;
        return new Promise(() => {});
      },
      { batchSize: undefined, visibilityTimeoutSeconds: undefined },
    );
    expect(size2).toBe(1);
    clock.advance(5_000);
    expect(await queue.poll('jobs', async () => ({ batchItemFailures: [] }), { batchSize: 10 })).toBe(3);
    db.close();
  });

  it('tells an idle consumer when the next delayed message becomes visible', async () => {
    const db = openSqlite(':memory:');
    const clock = new FakeClock();
    const queue = new SqliteQueue(db, { clock });
    expect(await queue.nextVisibleAt('jobs')).toBeUndefined();
    await queue.send('jobs', 1, { delaySeconds: 30 });
    expect(await queue.nextVisibleAt('jobs')).toBe(clock.now() + 30_000);
    db.close();
  });
});

describe('SqliteQueue across processes', () => {
  it('never hands the same message to two processes draining one file', async () => {
    // arrange
    const dir = mkdtempSync(join(tmpdir(), 'mn-queue-procs-'));
    const path = join(dir, 'medianest.db');
    const db = openSqlite(path);
    const queue = new SqliteQueue(db);
    const sent = new Set<string>();
    for (let i = 0; i < 90; i++) sent.add((await queue.send('shared', { i })).id);
    const script = fileURLToPath(new URL('./drain-child.ts', import.meta.url));
    const children = [0, 1, 2].map(() => {
      const child = spawn(process.execPath, [script, path], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        err += d;
      });
      const ready = new Promise<void>((resolve) => {
        const check = () => (out.startsWith('ready\n') ? resolve() : setTimeout(check, 5));
        check();
      });
      const done = new Promise<string[]>((resolve, reject) =>
        child.on('exit', (code) =>
          code === 0
            ? resolve(
                out
                  .split('\n')
                  .filter((l) => l.startsWith('got '))
                  .map((l) => l.slice(4)),
              )
            : reject(new Error(`child failed (${code}): ${err}`)),
        ),
      );
      return { child, ready, done };
    });
    try {
      // act: start all three at once
      await Promise.all(children.map((c) => c.ready));
      for (const c of children) c.child.stdin.end('go\n');
      const got = await Promise.all(children.map((c) => c.done));
      // assert
      const all = got.flat();
      expect(all.length).toBe(90);
      expect(new Set(all)).toEqual(sent);
      expect(await queue.depth('shared')).toBe(0);
    } finally {
      for (const c of children) c.child.kill('SIGKILL');
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
