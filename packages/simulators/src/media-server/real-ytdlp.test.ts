/**
 * The REAL Debian yt-dlp (/usr/bin/yt-dlp) against the loopback media server, and the fake's
 * output compared with it on the same URLs. Skipped (with a message) where yt-dlp is not installed.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeYtDlpPath } from '../yt-dlp/index.ts';
import { jsonShape, runTool } from '../yt-dlp/test-support.ts';
import { type RunningMediaServer, startMediaServer } from './index.ts';

const REAL = '/usr/bin/yt-dlp';
const haveReal = existsSync(REAL);
if (!haveReal)
  console.warn(`${REAL} is not installed (apt-get install yt-dlp ffmpeg): real yt-dlp tests skipped`);

const exec = promisify(execFile);
const lastModified = new Date('2024-03-15T10:20:30Z');
let server: RunningMediaServer;
const dirs: string[] = [];
// A clean environment like the fixtures' (no user config, no colours).
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), LANG: 'C.UTF-8' };

async function workDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'real-ytdlp-'));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  server = await startMediaServer({ lastModified });
});

afterAll(async () => {
  await server?.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe.skipIf(!haveReal)('real yt-dlp against the media server', () => {
  it('downloads a direct mp4 with JSON progress and prints the final path', async () => {
    const dir = await workDir();
    const r = await runTool(
      REAL,
      [
        '--newline',
        '--progress-template',
        'download:%(progress)j',
        '-o',
        '%(title)s [%(id)s].%(ext)s',
        '--print',
        'after_move:filepath',
        '--progress',
        server.url('/clip-one.mp4'),
      ],
      { cwd: dir, env },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const path = lines.pop() as string;
    expect(path).toBe(join(dir, 'clip-one [clip-one].mp4'));
    const updates = lines.map((l) => JSON.parse(l) as { status: string; total_bytes: number });
    expect(updates.at(-1)).toMatchObject({
      status: 'finished',
      total_bytes: server.files['/clip-one.mp4']?.size,
    });
    const { stdout } = await exec('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_name',
      '-of',
      'csv=p=0',
      path,
    ]);
    expect(stdout.trim().split('\n').sort()).toEqual(['aac', 'h264']);
  });

  it('-J on the direct mp4 reads Last-Modified; the fake gives the same shape', async () => {
    const dir = await workDir();
    const url = server.url('/clip-one.mp4');
    const real = await runTool(REAL, ['-J', url], { cwd: dir, env });
    expect(real.code).toBe(0);
    const info = JSON.parse(real.stdout) as Record<string, unknown>;
    expect(info).toMatchObject({
      id: 'clip-one',
      title: 'clip-one',
      direct: true,
      upload_date: '20240315',
      timestamp: 1710498030,
    });
    const fake = await runTool(fakeYtDlpPath, ['-J', url], { cwd: dir });
    expect(fake.code).toBe(0);
    const fakeInfo = JSON.parse(fake.stdout) as Record<string, unknown>;
    expect(jsonShape(fakeInfo)).toEqual(jsonShape(info));
    expect(fakeInfo).toMatchObject({ id: 'clip-one', upload_date: '20240315', timestamp: 1710498030 });
  });

  it('treats the <video> page as a playlist of full entries, like the fake', async () => {
    const dir = await workDir();
    const url = server.url('/videos.html');
    const real = await runTool(REAL, ['-J', '--flat-playlist', url], { cwd: dir, env });
    expect(real.code).toBe(0);
    expect(real.stderr).toBe('WARNING: [generic] Falling back on generic information extractor\n');
    const playlist = JSON.parse(real.stdout) as {
      _type: string;
      title: string;
      entries: { id: string; url: string }[];
    };
    expect(playlist._type).toBe('playlist');
    expect(playlist.title).toBe('Embedded test videos');
    expect(playlist.entries.map((e) => e.id)).toEqual(['videos-1', 'videos-2', 'videos-3']);
    expect(playlist.entries[2]?.url).toBe(server.url('/Clip%20Three.mp4'));
    const fake = await runTool(fakeYtDlpPath, ['-J', '--flat-playlist', url], { cwd: dir });
    expect(fake.stderr).toBe(real.stderr);
    expect(jsonShape(JSON.parse(fake.stdout))).toEqual(jsonShape(playlist));
  });

  it('reports a 404 as the fake does', async () => {
    const dir = await workDir();
    const url = server.url('/missing.mp4');
    const real = await runTool(REAL, [url], { cwd: dir, env });
    expect(real.code).toBe(1);
    expect(real.stderr).toMatch(
      /^ERROR: \[generic\] None: Unable to download webpage: HTTP Error 404: Not Found /,
    );
    const fake = await runTool(fakeYtDlpPath, [url], { cwd: dir });
    expect(fake.code).toBe(1);
    expect(fake.stdout).toBe(real.stdout);
    expect(fake.stderr).toBe(real.stderr);
    expect(await readdir(dir)).toEqual([]);
  });

  it('retries a dropped download with Range exactly as the fake does', async () => {
    const dir = await workDir();
    const url = server.url('/big.mp4');
    const args = ['--newline', '-o', '%(id)s.%(ext)s', url];
    const notProgress = (out: string) => out.split('\n').filter((l) => !/^\[download\] +[\d.]+%/.test(l));
    server.dropAfter('/big.mp4', 300_000, 2);
    const real = await runTool(REAL, args, { cwd: dir, env });
    expect(real.code).toBe(0);
    expect(real.stdout).toContain('Retrying (1/10)...');
    await rm(join(dir, 'big.mp4'));
    server.dropAfter('/big.mp4', 300_000, 2);
    const fake = await runTool(fakeYtDlpPath, args, { cwd: dir });
    expect(fake.code).toBe(0);
    expect(notProgress(fake.stdout)).toEqual(notProgress(real.stdout));
  });

  it('calls the plain-links page unsupported', async () => {
    const dir = await workDir();
    const real = await runTool(REAL, ['-J', server.url('/index.html')], { cwd: dir, env });
    expect(real.code).toBe(1);
    expect(real.stdout).toBe('null\n');
    expect(real.stderr).toContain(`ERROR: Unsupported URL: ${server.url('/index.html')}`);
  });
});
