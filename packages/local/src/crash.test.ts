/**
 * The durability promise: "Killing the process with SIGKILL while jobs are queued and
 * restarting it loses no job and no write that was acknowledged."
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { type Child, spawnNode } from '../test/fixtures/cli.ts';

const CHILD = fileURLToPath(new URL('../test/fixtures/crash-child.ts', import.meta.url));
let dir: string | undefined;
let child: Child | undefined;

afterEach(() => {
  child?.proc.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const numbers = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].map((m) => Number(m[1]));

it('SIGKILL while jobs are queued loses no acknowledged write and no acknowledged job', async () => {
  dir = mkdtempSync(join(tmpdir(), 'mn-crash-'));
  const dataDir = join(dir, 'data');

  // arrange: a producer that is ahead of its consumer
  child = spawnNode([CHILD, 'produce', dataDir], {});
  await child.waitFor(/^ready$/m);
  const producer = child;
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      const out = producer.stdout();
      const acked = numbers(out, /^ack job (\d+)\n/gm).length;
      const handled = numbers(out, /^handled (\d+)\n/gm).length;
      if (handled >= 3 && acked - handled >= 25) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
    producer.exited.then(() => {
      clearInterval(timer);
      reject(new Error(`producer exited early:\n${producer.stderr()}`));
    });
  });

  // act: kill it mid-stream, then restart on the same data
  producer.proc.kill('SIGKILL');
  const { signal } = await producer.exited;
  expect(signal).toBe('SIGKILL');
  const out = producer.stdout();
  const writes = numbers(out, /^ack write (\d+)\n/gm);
  const jobs = numbers(out, /^ack job (\d+)\n/gm);
  const handledBeforeKill = new Set(numbers(out, /^handled (\d+)\n/gm));
  expect(jobs.filter((n) => !handledBeforeKill.has(n)).length).toBeGreaterThanOrEqual(25);

  const expectedFile = join(dir, 'expected.json');
  writeFileSync(expectedFile, JSON.stringify({ writes, jobs }));
  child = spawnNode([CHILD, 'verify', dataDir, expectedFile], {});
  const [, result] = await child.waitFor(/^result (.*)$/m, 45_000);
  const { code } = await child.exited;

  // assert
  expect(code).toBe(0);
  expect(JSON.parse(result!)).toEqual({ missingWrites: [], missingJobs: [], deadLetters: 0 });
}, 90_000);
