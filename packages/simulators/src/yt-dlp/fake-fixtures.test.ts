/**
 * The fake yt-dlp against every golden fixture case of the real yt-dlp 2023.03.04
 * (shared/fixtures/yt-dlp): each case's command is replayed against the loopback media server and
 * must produce the same stdout/stderr line shapes, exit code and files. `big-20mb.mp4` is replayed
 * on the server's smaller `big.mp4`.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type RunningMediaServer, startMediaServer } from '../media-server/index.ts';
import { fakeYtDlpPath } from './index.ts';
import { fixturesDir, haveFixtures, outputShape, runTool, shellSplit } from './test-support.ts';

const exec = promisify(execFile);

const signalCases = new Set(['i-sigint', 'i2-sigterm']);
const cases = haveFixtures
  ? readdirSync(fixturesDir).filter(
      (d) => statSync(join(fixturesDir, d)).isDirectory() && !signalCases.has(d),
    )
  : [];

if (!haveFixtures) console.warn(`yt-dlp fixtures not found at ${fixturesDir}; fixture replay skipped`);

let server: RunningMediaServer;
let host: string;
let closedHost: string;
const dirs: string[] = [];

async function freeClosedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const addr = probe.address();
  const port = typeof addr === 'object' && addr ? addr.port : 9;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function workDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-ytdlp-fx-'));
  dirs.push(dir);
  return dir;
}

function fixture(name: string, file: string): string {
  return readFileSync(join(fixturesDir, name, file), 'utf8');
}

/** The fixture's argv with HOST:PORT etc. pointing at this run's servers. */
function argvFor(name: string): string[] {
  const command = fixture(name, 'command.txt')
    .trim()
    .replaceAll('HOST:PORT', host)
    .replaceAll('HOST:CLOSEDPORT', closedHost)
    .replaceAll('big-20mb.mp4', 'big.mp4');
  return shellSplit(command).slice(1);
}

function shapeReplacements(dir: string): Array<[string, string]> {
  return [
    [dir, 'DIR'],
    [host, 'HOST:PORT'],
    [closedHost, 'HOST:CLOSEDPORT'],
    ['big-20mb', 'big'],
    // The fixture server was python's http.server; ours sends the standard reason phrase.
    ['File not found', 'Not Found'],
  ];
}

beforeAll(async () => {
  server = await startMediaServer();
  host = new URL(server.url()).host;
  closedHost = `127.0.0.1:${await freeClosedPort()}`;
});

afterAll(async () => {
  await server?.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

// Cases are independent (own temp dir, shared read-only server), so they run concurrently; each
// uses its test context's `expect`, as vitest requires for concurrent tests.
describe.skipIf(!haveFixtures).concurrent('fake yt-dlp replays the real 2023.03.04 fixtures', () => {
  it.for(cases)('%s', async (name, { expect }) => {
    const dir = await workDir();
    if (name === 'd2-already-downloaded' || name === 'e2-already-downloaded') {
      await copyFile(server.samples.big, join(dir, 'big [big].mp4'));
    }
    const result = await runTool(fakeYtDlpPath, argvFor(name), { cwd: dir });
    const replace = shapeReplacements(dir);
    expect(outputShape(result.stdout, { replace })).toEqual(
      outputShape(fixture(name, 'stdout.txt'), { replace }),
    );
    expect(outputShape(result.stderr, { replace })).toEqual(
      outputShape(fixture(name, 'stderr.txt'), { replace }),
    );
    expect(result.code).toBe(Number(fixture(name, 'exitcode.txt').trim()));

    if (existsSync(join(fixturesDir, name, 'files_after.txt'))) {
      const expected = fixture(name, 'files_after.txt')
        .trim()
        .split('\n')
        .map((line) => (line.split('\t')[1] ?? '').replaceAll('big-20mb', 'big'))
        .sort();
      expect((await readdir(dir)).sort()).toEqual(expected);
    }
    if (existsSync(join(fixturesDir, name, 'ffprobe_tags.txt'))) {
      const media = (await readdir(dir)).find((f) => f.endsWith('.mp4')) as string;
      const { stdout } = await exec('ffprobe', [
        '-v',
        'error',
        '-show_entries',
        'format_tags:stream=codec_type',
        '-of',
        'default',
        join(dir, media),
      ]);
      for (const tag of ['TAG:title=', 'TAG:date=', 'TAG:comment=http://']) expect(stdout).toContain(tag);
      if (name === 'g3-thumbnail-embed-thumbnail') expect(stdout.match(/codec_type=video/g)).toHaveLength(2);
    }
  });

  it('d-progress-json: every progress line parses and the path is absolute', async ({ expect }) => {
    const dir = await workDir();
    const result = await runTool(fakeYtDlpPath, argvFor('d-progress-json'), { cwd: dir });
    const lines = result.stdout.trim().split('\n');
    const path = lines.pop();
    expect(path).toBe(join(dir, 'big [big].mp4'));
    const updates = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(updates.length).toBeGreaterThan(3);
    const finished = updates.at(-1) as Record<string, unknown>;
    expect(finished.status).toBe('finished');
    expect(finished.total_bytes).toBe(server.files['/big.mp4']?.size);
    const downloading = updates.slice(0, -1);
    expect(downloading.every((u) => u.status === 'downloading')).toBe(true);
    const bytes = downloading.map((u) => u.downloaded_bytes as number);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    // 2023.03.04 has no `_percent`: clients must compute it.
    expect(downloading.some((u) => '_percent' in u)).toBe(false);
    const { stdout } = await exec('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_type',
      '-of',
      'csv=p=0',
      path as string,
    ]);
    expect(stdout.trim().split('\n').sort()).toEqual(['audio', 'video']);
  });

  it('f-progress-template-fields: %(progress._percent)s prints NA like 2023.03.04', async ({ expect }) => {
    const dir = await workDir();
    const result = await runTool(fakeYtDlpPath, argvFor('f-progress-template-fields'), { cwd: dir });
    const dl = result.stdout.split('\n').filter((l) => l.startsWith('[dl] '));
    expect(dl.length).toBeGreaterThan(2);
    expect(dl.every((l) => l.startsWith('[dl] NA '))).toBe(true);
    expect(dl.at(-1)).toMatch(/ NA$/);
  });

  it('retries a dropped connection with a Range request, or gives up and keeps the .part', async ({
    expect,
  }) => {
    const dir = await workDir();
    // Only this test touches /clip_two.mp4 drops; one for the extraction GET, one mid-download.
    server.dropAfter('/clip_two.mp4', 40_000, 2);
    const ok = await runTool(
      fakeYtDlpPath,
      ['--newline', '-o', '%(id)s.%(ext)s', server.url('/clip_two.mp4')],
      { cwd: dir },
    );
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      /\[download\] Got error: Downloaded \d+ bytes, expected \d+ bytes\. Retrying \(1\/10\)\.\.\.\n\[download\] Destination: clip_two\.mp4\n/,
    );
    expect(readFileSync(join(dir, 'clip_two.mp4')).equals(readFileSync(server.samples.clipTwo))).toBe(true);

    const dir2 = await workDir();
    server.dropAfter('/clip_two.mp4', 40_000, 4);
    const failed = await runTool(
      fakeYtDlpPath,
      ['-R', '2', '--print', 'after_move:filepath', '-o', '%(id)s.%(ext)s', server.url('/clip_two.mp4')],
      { cwd: dir2 },
    );
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toMatch(
      /^ERROR: \r\[download\] Got error: Downloaded \d+ bytes, expected \d+ bytes\. Giving up after 2 retries\n$/,
    );
    expect(await readdir(dir2)).toEqual(['clip_two.mp4.part']);
  });

  it.for([
    ['i-sigint', 'SIGINT'],
    ['i2-sigterm', 'SIGTERM'],
  ] as const)('%s: leaves the .part file like the real one', async ([name, signal], { expect }) => {
    const dir = await workDir();
    const argv = argvFor(name).map((a) => (a === '2M' ? '100K' : a));
    let sent = false;
    const result = await runTool(fakeYtDlpPath, argv, {
      cwd: dir,
      onStdout: (soFar, child) => {
        // Signal once a few progress lines are out, as the fixture did 2 s into the download.
        if (!sent && soFar.split('\n').length > 6) {
          sent = true;
          child.kill(signal);
        }
      },
    });
    const expectedCode = Number(fixture(name, 'exitcode.txt').trim());
    if (expectedCode < 0) {
      expect(result.signal).toBe(signal);
      expect(result.stderr).toBe('');
    } else {
      expect(result.code).toBe(expectedCode);
      expect(result.stderr).toBe(fixture(name, 'stderr.txt'));
    }
    const lines = result.stdout.trim().split('\n');
    expect(lines.every((l) => (JSON.parse(l) as { status: string }).status === 'downloading')).toBe(true);
    const files = await readdir(dir);
    expect(files).toEqual(['big [big].mp4.part']);
    expect(statSync(join(dir, 'big [big].mp4.part')).size).toBeGreaterThan(0);
  });
});
