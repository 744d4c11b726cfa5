import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startSimulators } from './cli.ts';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));

function runCli(args: string[], untilLine?: string) {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (untilLine && stdout.includes(untilLine)) resolve(stdout);
    });
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('close', () => reject(new Error(`cli exited early: ${stderr}`)));
  });
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  ready.catch(() => undefined);
  return { child, ready, exited };
}

describe('simulators CLI', () => {
  it('`all` starts every simulator on 127.0.0.1, prints their URLs, and stops on Ctrl-C', async () => {
    const run = runCli(['all'], 'Ctrl-C to stop.');
    const out = await run.ready;
    const url = (label: string) => {
      const m = new RegExp(`^${label}\\s+(http://127\\.0\\.0\\.1:\\d+)`, 'm').exec(out);
      if (!m?.[1]) throw new Error(`no ${label} URL in:\n${out}`);
      return m[1];
    };
    const plexTv = url('plex\\.tv');
    const pms = url('Plex Media Server');
    const overseerr = url('Overseerr');
    const kuma = url('Uptime Kuma [\\d.]+');
    const media = url('media server');
    expect((await fetch(`${plexTv}/__control/hits`)).status).toBe(200);
    expect((await fetch(`${pms}/identity`, { headers: { accept: 'application/json' } })).status).toBe(200);
    const status = await fetch(`${overseerr}/api/v1/status`);
    expect(status.status).toBe(200);
    await status.text();
    expect((await fetch(`${kuma}/api/status-page/home`)).status).toBe(200);
    const clip = await fetch(`${media}/clip-one.mp4`, { method: 'HEAD' });
    expect(clip.headers.get('content-type')).toBe('video/mp4');
    expect(out).toContain('fake yt-dlp');
    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(0);
  });

  it('rejects an unknown simulator with a usage line and exit 2', async () => {
    const result = await runCli(['nope']).exited;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'usage: cli.ts <plex-tv|plex-server|overseerr|uptime-kuma|media-server|all>',
    );
  });

  it('startSimulators gives consecutive ports from --port and closes everything', async () => {
    const probe = await startSimulators('media-server');
    const base = Number(new URL(probe.urls['media-server'] as string).port);
    await probe.close();
    const started = await startSimulators('overseerr', { port: base, apiKey: 'k1' });
    expect(started.urls.overseerr).toBe(`http://127.0.0.1:${base}`);
    // The key given on the command line is the one the simulator accepts.
    const ok = await fetch(`${started.urls.overseerr}/api/v1/user`, { headers: { 'x-api-key': 'k1' } });
    expect(ok.status).toBe(200);
    await ok.text();
    const wrong = await fetch(`${started.urls.overseerr}/api/v1/user`, { headers: { 'x-api-key': 'wrong' } });
    expect(wrong.status).not.toBe(200);
    await wrong.text();
    await started.close();
    await expect(fetch(`http://127.0.0.1:${base}/api/v1/status`)).rejects.toThrow();
  });
});
