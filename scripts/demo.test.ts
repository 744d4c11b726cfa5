/**
 * `npm run demo` end to end: the script starts every simulator and the portal, seeds the owner's
 * household with working integrations, serves the API, and stops cleanly on Ctrl-C.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../packages/core/src/testing/free-port.ts';

let child: ChildProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), 'mn-demo-'));
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

it('starts the simulators and a seeded portal, then stops on SIGINT', async () => {
  // arrange
  const port = await freePort();
  child = spawn(process.execPath, [join(import.meta.dirname, 'demo.ts')], {
    env: { ...process.env, PORT: String(port), MEDIANEST_DEMO_DIR: join(dir, 'data'), LOG_LEVEL: 'WARN' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  // act: wait for the banner
  const deadline = Date.now() + 90_000;
  while (!out.includes('Ctrl-C stops everything') && Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`demo exited early (${child.exitCode}):\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // assert
  expect(out).toContain(`MediaNest demo is running: http://127.0.0.1:${port}`);
  expect(out).toMatch(/integrations: plex \(connected\), overseerr \(connected\), uptime_kuma \(connected\)/);
  const health = await fetch(`http://127.0.0.1:${port}/api/health`);
  expect(health.status).toBe(200);
  const providers = (await (await fetch(`http://127.0.0.1:${port}/api/v1/auth/providers`)).json()) as {
    providers: { id: string }[];
  };
  expect(providers.providers.map((p) => p.id)).toContain('plex');
  const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  expect(await exited).toBe(0);
}, 120_000);
