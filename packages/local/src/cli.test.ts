import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@medianest/core/testing/free-port';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import corePkg from '../../core/package.json' with { type: 'json' };
import { type Child, CLI, spawnNode } from '../test/fixtures/cli.ts';

let dir: string;
let child: Child | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mn-cli-'));
});

afterEach(() => {
  child?.proc.kill('SIGKILL');
  child = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string> = {}) {
  child = spawnNode([CLI, ...args], env);
  const { code } = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

function webBuild(): string {
  const web = join(dir, 'web');
  mkdirSync(web, { recursive: true });
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>x</title>');
  return web;
}

describe('medianest CLI', () => {
  it('version prints the release', async () => {
    const { code, stdout } = await run(['version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(corePkg.version);
  });

  it('an unknown command prints usage and fails', async () => {
    const { code, stderr } = await run(['frobnicate']);
    expect(code).toBe(2);
    expect(stderr).toContain('Unknown command "frobnicate"');
    expect(stderr).toContain('Usage: medianest');
  });

  it('doctor passes on a healthy install and fails naming what is missing', async () => {
    const env = { MEDIANEST_DATA_DIR: join(dir, 'data'), MEDIANEST_WEB_DIR: webBuild() };
    const ok = await run(['doctor'], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^✔ configuration: /m);
    expect(ok.stdout).toMatch(/^✔ data directory writable: /m);
    expect(ok.stdout).toMatch(/^✔ database opens and answers: /m);
    expect(ok.stdout).toMatch(/^✔ key file: .*not created yet/m);
    expect(ok.stdout).toMatch(/^✔ web build present: /m);
    expect(ok.stdout).toContain('All checks passed.');

    // A truncated key file would orphan every secret: doctor must say so.
    writeFileSync(join(dir, 'data', 'keyring.key'), 'short');
    const bad = await run(['doctor'], { ...env, MEDIANEST_WEB_DIR: join(dir, 'nothing') });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^✖ key file: /m);
    expect(bad.stdout).toMatch(/^✖ web build present: no index.html in .*nothing/m);
    expect(bad.stdout).toContain('2 check(s) failed.');
  });

  it('doctor reports a bad variable by name', async () => {
    const { code, stdout } = await run(['doctor'], { PORT: 'eighty' });
    expect(code).toBe(1);
    expect(stdout).toContain('✖ configuration: PORT: expected an integer 1–65535, got "eighty"');
  });

  it('start with a bad variable prints the ConfigError and exits 1 without a stack', async () => {
    const { code, stdout, stderr } = await run(['start'], {
      PORT: 'abc',
      MEDIANEST_DATA_DIR: join(dir, 'data'),
    });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('Invalid configuration: PORT: expected an integer 1–65535, got "abc"');
    expect(stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(stdout).toBe('');
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('start on a busy port says so and exits 1 without a stack', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const { code, stderr } = await run(['start'], {
        PORT: String(port),
        HOST: '127.0.0.1',
        MEDIANEST_DATA_DIR: join(dir, 'data'),
        LOG_LEVEL: 'SILENT',
      });
      expect(code).toBe(1);
      expect(stderr.trim()).toBe(
        `Port ${port} on 127.0.0.1 is already in use: stop the other server or set PORT`,
      );
    } finally {
      busy.close();
    }
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'start serves until %s, then shuts down cleanly and exits 0',
    async (signal) => {
      const port = await freePort();
      const dataDir = join(dir, 'data');
      child = spawnNode([CLI, 'start'], {
        PORT: String(port),
        HOST: '127.0.0.1',
        MEDIANEST_DATA_DIR: dataDir,
        MEDIANEST_WEB_DIR: webBuild(),
        LOG_LEVEL: 'INFO',
      });
      await child.waitFor(new RegExp(`on http://127\\.0\\.0\\.1:${port} `));
      const res = await fetch(`http://127.0.0.1:${port}/api/health`);
      expect(res.status).toBe(200);
      expect(existsSync(join(dataDir, 'medianest.db-wal'))).toBe(true);

      child.proc.kill(signal);
      const { code } = await child.exited;
      expect(code).toBe(0);
      expect(child.stdout()).toContain('"message":"MediaNest stopped"');
      // The last connection to close checkpoints and removes the WAL: the database was closed.
      expect(existsSync(join(dataDir, 'medianest.db-wal'))).toBe(false);
      await expect(fetch(`http://127.0.0.1:${port}/api/health`)).rejects.toThrow();
    },
  );
});
