/**
 * The fake yt-dlp's simulated YouTube (catalog + built-ins), output templates, real media output,
 * progress over time, error texts and exit codes, plus unit checks of its Python-compatible
 * formatting.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSamples, type Samples } from '../media-server/samples.mjs';
import { fakeYtDlpEnv, fakeYtDlpPath, writeCatalog } from './index.ts';
import { evaluateTemplate, sanitizeFilename } from './outtmpl.mjs';
import { formatBytes, formatEta, formatPercent, formatSpeed, pyJson } from './pyfmt.mjs';
import { runTool } from './test-support.ts';

const exec = promisify(execFile);
const dirs: string[] = [];
let catalogFile: string;
let samples: Samples;

async function workDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-ytdlp-'));
  dirs.push(dir);
  return dir;
}

function fake(args: string[], cwd: string, env: Parameters<typeof fakeYtDlpEnv>[0] = {}) {
  return runTool(fakeYtDlpPath, args, { cwd, env: fakeYtDlpEnv({ catalog: catalogFile, ...env }) });
}

async function probe(
  file: string,
): Promise<{ streams: string[]; format: string; tags: Record<string, string> }> {
  const { stdout } = await exec('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'stream=codec_type:format=format_name:format_tags',
    '-of',
    'json',
    file,
  ]);
  const parsed = JSON.parse(stdout) as {
    streams: { codec_type: string }[];
    format: { format_name: string; tags?: Record<string, string> };
  };
  return {
    streams: parsed.streams.map((s) => s.codec_type).sort(),
    format: parsed.format.format_name,
    tags: parsed.format.tags ?? {},
  };
}

beforeAll(async () => {
  samples = await ensureSamples();
  const dir = await workDir();
  catalogFile = await writeCatalog(dir, {
    videos: [
      {
        id: 'vid00000001',
        title: 'Morning Routine: Part 1/2',
        channel: 'Home Channel',
        upload_date: '20240315',
        duration: 312,
        description: 'A day at home',
      },
      { id: 'vid00000002', title: "To'y!🤯 & more", channel: 'Home Channel', upload_date: '20240316' },
      { id: 'vidPrivate1', private: true },
      { id: 'vidGone0001', unavailable: true },
      {
        id: 'custom',
        url: 'https://videos.example.net/v/custom',
        title: 'Custom host video',
        channel: 'Elsewhere',
      },
    ],
    playlists: [
      {
        id: 'PLhome',
        title: 'Home videos',
        channel: 'Home Channel',
        entries: ['vid00000001', 'vid00000002', 'vidPrivate1'],
      },
    ],
  });
});

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

// Each test has its own directory and the catalog is read-only, so they run concurrently (with the
// test context's `expect`, as vitest requires).
describe.concurrent('fake yt-dlp: simulated YouTube', () => {
  it('-J gives a video info dict from the catalog, with merged default formats', async ({ expect }) => {
    const r = await fake(['-J', 'https://www.youtube.com/watch?v=vid00000001'], await workDir());
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const info = JSON.parse(r.stdout) as {
      thumbnail: string;
      requested_downloads: { _filename: string }[];
      _version: { version: string };
    };
    expect(info).toMatchObject({
      _type: 'video',
      id: 'vid00000001',
      title: 'Morning Routine: Part 1/2',
      channel: 'Home Channel',
      uploader: 'Home Channel',
      upload_date: '20240315',
      duration: 312,
      duration_string: '5:12',
      extractor: 'youtube',
      webpage_url: 'https://www.youtube.com/watch?v=vid00000001',
      format_id: '133+140',
      ext: 'mp4',
    });
    expect(info.thumbnail).toMatch(/^https:\/\/i\.ytimg\.com\//);
    expect(info.requested_downloads[0]?._filename).toBe('Morning Routine： Part 1⧸2 [vid00000001].mp4');
    expect(info._version.version).toBe('2023.03.04');
  });

  it('built-in videos need no catalog; youtu.be and shorts URLs resolve too', async ({ expect }) => {
    const dir = await workDir();
    const r = await runTool(
      fakeYtDlpPath,
      [
        '--print',
        'id',
        '--print',
        'webpage_url',
        'https://youtu.be/AbCdEfGhIjK',
        'https://www.youtube.com/shorts/ZyXwVuTsRqP',
      ],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'AbCdEfGhIjK\nhttps://www.youtube.com/watch?v=AbCdEfGhIjK\nZyXwVuTsRqP\nhttps://www.youtube.com/watch?v=ZyXwVuTsRqP\n',
    );
  });

  it('--print simulates unless --no-simulate is given', async ({ expect }) => {
    const dir = await workDir();
    const simulated = await fake(
      ['--print', 'id', '-f', 'best', '-o', '%(id)s.%(ext)s', 'https://youtu.be/vid00000002'],
      dir,
    );
    expect(simulated.stdout).toBe('vid00000002\n');
    expect(await readdir(dir)).toEqual([]);
    const real = await fake(
      [
        '--print',
        'id',
        '--no-simulate',
        '-f',
        'best',
        '-o',
        '%(id)s.%(ext)s',
        'https://youtu.be/vid00000002',
      ],
      dir,
    );
    expect(real.stdout).toBe('vid00000002\n');
    expect(await readdir(dir)).toEqual(['vid00000002.mp4']);
  });

  it('catalog entries match exact non-YouTube URLs', async ({ expect }) => {
    const r = await fake(
      ['--print', '%(id)s|%(title)s|%(channel)s', 'https://videos.example.net/v/custom'],
      await workDir(),
    );
    expect(r.stdout).toBe('custom|Custom host video|Elsewhere\n');
  });

  it('private and unavailable videos fail with the real messages; -J prints null', async ({ expect }) => {
    const dir = await workDir();
    const priv = await fake(['https://www.youtube.com/watch?v=vidPrivate1'], dir);
    expect(priv.code).toBe(1);
    expect(priv.stderr).toBe(
      "ERROR: [youtube] vidPrivate1: Private video. Sign in if you've been granted access to this video\n",
    );
    expect(priv.stdout).toBe(
      '[youtube] Extracting URL: https://www.youtube.com/watch?v=vidPrivate1\n[youtube] vidPrivate1: Downloading webpage\n',
    );
    const gone = await fake(['-J', 'https://youtu.be/vidGone0001'], dir);
    expect(gone.code).toBe(1);
    expect(gone.stdout).toBe('null\n');
    expect(gone.stderr).toBe('ERROR: [youtube] vidGone0001: Video unavailable\n');
    expect(await readdir(dir)).toEqual([]);
  });

  it('--flat-playlist -J lists url entries; --print works per entry', async ({ expect }) => {
    const dir = await workDir();
    const flat = await fake(['-J', '--flat-playlist', 'https://www.youtube.com/playlist?list=PLhome'], dir);
    expect(flat.code).toBe(0);
    const pl = JSON.parse(flat.stdout) as { entries: Record<string, unknown>[] };
    expect(pl).toMatchObject({
      _type: 'playlist',
      id: 'PLhome',
      title: 'Home videos',
      playlist_count: 3,
      extractor: 'youtube:tab',
    });
    expect(pl.entries.map((e) => [e._type, e.id])).toEqual([
      ['url', 'vid00000001'],
      ['url', 'vid00000002'],
      ['url', 'vidPrivate1'],
    ]);
    const ids = await fake(
      [
        '--flat-playlist',
        '--print',
        '%(playlist_index)s %(id)s',
        'https://www.youtube.com/playlist?list=PLhome',
      ],
      dir,
    );
    expect(ids.stdout).toBe('1 vid00000001\n2 vid00000002\n3 vidPrivate1\n');
  });

  it('downloads real merged media with Plex naming, thumbnail and metadata; prints only the path', async ({
    expect,
  }) => {
    const dir = await workDir();
    const r = await fake(
      [
        '--newline',
        '--no-mtime',
        '--merge-output-format',
        'mp4',
        '--write-thumbnail',
        '--convert-thumbnails',
        'jpg',
        '--embed-metadata',
        '--print',
        'after_move:filepath',
        '-P',
        `home:${dir}/library`,
        '-P',
        `temp:${dir}/tmp`,
        '-o',
        '%(channel)s/Season %(upload_date>%Y)s/%(channel)s - %(upload_date>%Y-%m-%d)s - %(title)s [%(id)s].%(ext)s',
        'https://www.youtube.com/watch?v=vid00000001',
      ],
      dir,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const expected = join(
      dir,
      'library/Home Channel/Season 2024/Home Channel - 2024-03-15 - Morning Routine： Part 1⧸2 [vid00000001].mp4',
    );
    expect(r.stdout).toBe(`${expected}\n`);
    const media = await probe(expected);
    expect(media.format).toContain('mp4');
    expect(media.streams).toEqual(['audio', 'video']);
    expect(media.tags).toMatchObject({
      title: 'Morning Routine: Part 1/2',
      date: '20240315',
      artist: 'Home Channel',
    });
    const jpg = readFileSync(expected.replace(/\.mp4$/, '.jpg'));
    expect([...jpg.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect(await readdir(join(dir, 'tmp', 'Home Channel', 'Season 2024'))).toEqual([]);
    expect(statSync(expected).mtime.getUTCFullYear()).toBeGreaterThan(2024);
  });

  it('shows the merge steps and per-format progress without --print', async ({ expect }) => {
    const dir = await workDir();
    const r = await fake(
      ['--newline', '-o', '%(id)s.%(ext)s', 'https://www.youtube.com/watch?v=vid00000001'],
      dir,
    );
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 4)).toEqual([
      '[youtube] Extracting URL: https://www.youtube.com/watch?v=vid00000001',
      '[youtube] vid00000001: Downloading webpage',
      '[youtube] vid00000001: Downloading android player API JSON',
      '[info] vid00000001: Downloading 1 format(s): 133+140',
    ]);
    expect(lines).toContain('[download] Destination: vid00000001.f133.mp4');
    expect(lines).toContain('[download] Destination: vid00000001.f140.m4a');
    expect(lines).toContain('[Merger] Merging formats into "vid00000001.mp4"');
    expect(lines.filter((l) => /^\[download\] 100% of /.test(l))).toHaveLength(2);
    expect(await readdir(dir)).toEqual(['vid00000001.mp4']);
    // Without --no-mtime the file carries the upload date, as yt-dlp sets it from Last-Modified.
    expect(statSync(join(dir, 'vid00000001.mp4')).mtime.toISOString()).toBe('2024-03-15T00:00:00.000Z');
  });

  it('--restrict-filenames, %(field|default)s and %% in templates', async ({ expect }) => {
    const dir = await workDir();
    const r = await fake(
      [
        '-f',
        'best',
        '--restrict-filenames',
        '-o',
        '%(title)s-%(series|none)s-100%%.%(ext)s',
        '--print',
        'after_move:filepath',
        'https://youtu.be/vid00000002',
      ],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${join(dir, 'To_y_more-none-100%.mp4')}\n`);
    expect((await probe(join(dir, 'To_y_more-none-100%.mp4'))).streams).toEqual(['audio', 'video']);
  });

  it('prints progress over time when FAKE_YTDLP_BYTES_PER_SEC paces the download', async ({ expect }) => {
    const dir = await workDir();
    const r = await fake(
      [
        '--newline',
        '--progress-template',
        'download:%(progress)j',
        '--print',
        'after_move:filepath',
        '--progress',
        '-f',
        '18',
        'https://youtu.be/vid00000001',
      ],
      dir,
      { bytesPerSecond: 200_000 },
    );
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const updates = lines
      .slice(0, -1)
      .map((l) => JSON.parse(l) as { status: string; downloaded_bytes?: number; elapsed?: number });
    const downloading = updates.filter((u) => u.status === 'downloading');
    expect(downloading.length).toBeGreaterThanOrEqual(5);
    expect(downloading.at(-1)?.downloaded_bytes).toBe(readFileSync(samples.clipOne).length);
    expect(downloading.at(-1)?.elapsed).toBeGreaterThan(0);
    expect(updates.at(-1)).toMatchObject({
      status: 'finished',
      total_bytes: readFileSync(samples.clipOne).length,
    });
  });

  it('evaluates %(info.…)s in progress templates and rewrites lines with \\r without --newline', async ({
    expect,
  }) => {
    const dir = await workDir();
    const r = await fake(
      [
        '-f',
        '18',
        '--progress-template',
        'download:<%(info.id)s %(progress.status)s %(progress._percent_str)s>',
        '-o',
        '%(id)s.%(ext)s',
        'https://youtu.be/vid00000001',
      ],
      dir,
    );
    expect(r.code).toBe(0);
    const progress = r.stdout.split('\n').find((l) => l.startsWith('\r')) ?? '';
    const updates = progress.split('\r').filter(Boolean);
    expect(updates.length).toBeGreaterThan(2);
    expect(updates[0]).toBe('<vid00000001 downloading   0.8%>');
    expect(updates.at(-1)?.trimEnd()).toBe('<vid00000001 finished 100.0%>');
  });

  it('per-type -o thumbnail: templates place the (unconverted) thumbnail', async ({ expect }) => {
    const dir = await workDir();
    const r = await fake(
      [
        '-f',
        'best',
        '--write-thumbnail',
        '-o',
        '%(id)s.%(ext)s',
        '-o',
        'thumbnail:thumbs/%(channel)s-%(id)s.%(ext)s',
        'https://youtu.be/vid00000001',
      ],
      dir,
    );
    expect(r.code).toBe(0);
    // As yt-dlp 2023.03.04 (YoutubeDL._write_thumbnails): written beside the temp file name, then
    // moved to the thumbnail template's place with the video (MoveFilesAfterDownload).
    expect(r.stdout).toContain('[info] Writing video thumbnail 0 to: vid00000001.webp\n');
    expect(existsSync(join(dir, 'vid00000001.webp'))).toBe(false);
    const webp = readFileSync(join(dir, 'thumbs', 'Home Channel-vid00000001.webp'));
    expect(webp.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(webp.subarray(8, 12).toString('latin1')).toBe('WEBP');
    expect(existsSync(join(dir, 'vid00000001.mp4'))).toBe(true);
  });

  it('-P temp: the thumbnail waits in the temp folder and reaches home only with the video', async ({
    expect,
  }) => {
    const dir = await workDir();
    const r = await fake(
      [
        '-f',
        'best',
        '--write-thumbnail',
        '-P',
        'temp:work',
        '-P',
        'home:library',
        '-o',
        '%(channel)s/%(title)s [%(id)s].%(ext)s',
        'https://youtu.be/vid00000001',
      ],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /\[info\] Writing video thumbnail 0 to: .*work\/Home Channel\/.*\[vid00000001\]\.webp\n/,
    );
    const home = readdirSync(join(dir, 'library', 'Home Channel'));
    expect(home.filter((f) => f.endsWith('.webp'))).toHaveLength(1);
    expect(home.filter((f) => f.endsWith('.mp4'))).toHaveLength(1);
    const leftovers = existsSync(join(dir, 'work', 'Home Channel'))
      ? readdirSync(join(dir, 'work', 'Home Channel'))
      : [];
    expect(leftovers).toEqual([]);
  });

  it('applies -f filters and alternatives; an impossible spec is a format error', async ({ expect }) => {
    const dir = await workDir();
    const pick = async (spec: string) =>
      (await fake(['--print', 'format_id', '-f', spec, 'https://youtu.be/vid00000001'], dir)).stdout.trim();
    expect(await pick('bv*[height<=1080]+ba/b')).toBe('133+140');
    expect(await pick('bv*[height>=720]+ba/b[height<=480]')).toBe('18');
    expect(await pick('ba[ext=m4a]')).toBe('140');
    expect(await pick('bv[vcodec^=avc1]')).toBe('133');
    const none = await fake(['-f', 'b[height>=1080]', 'https://youtu.be/vid00000001'], dir);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(
      'ERROR: [youtube] vid00000001: Requested format is not available. Use --list-formats for a list of available formats\n',
    );
  });

  it('--download-archive records downloads and skips them next time', async ({ expect }) => {
    const dir = await workDir();
    const archive = join(dir, 'archive.txt');
    const args = [
      '-f',
      'best',
      '--download-archive',
      archive,
      '-o',
      '%(id)s.%(ext)s',
      'https://www.youtube.com/playlist?list=PLhome',
    ];
    const first = await fake([...args.slice(0, -1), '-I', '1', args.at(-1) as string], dir);
    expect(first.code).toBe(0);
    expect(readFileSync(archive, 'utf8')).toBe('youtube vid00000001\n');
    const second = await fake(['--ignore-errors', ...args], dir);
    expect(second.stdout).toContain(
      '[download] Morning Routine: Part 1/2 has already been recorded in the archive\n',
    );
    expect(readFileSync(archive, 'utf8')).toBe('youtube vid00000001\nyoutube vid00000002\n');
    expect((await readdir(dir)).sort()).toEqual(['archive.txt', 'vid00000001.mp4', 'vid00000002.mp4']);
  });

  it('--write-info-json writes <base>.info.json with the video metadata', async ({ expect }) => {
    const dir = await workDir();
    const r = await fake(
      ['--write-info-json', '-f', 'best', '-o', '%(id)s.%(ext)s', 'https://youtu.be/vid00000001'],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[info] Writing video metadata as JSON to: vid00000001.info.json\n');
    const meta = JSON.parse(readFileSync(join(dir, 'vid00000001.info.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(meta).toMatchObject({
      id: 'vid00000001',
      title: 'Morning Routine: Part 1/2',
      channel: 'Home Channel',
      upload_date: '20240315',
    });
    expect(meta).not.toHaveProperty('requested_downloads');
  });

  it('resumes an existing .part file', async ({ expect }) => {
    const dir = await workDir();
    const whole = readFileSync(samples.clipOne);
    await writeFile(join(dir, 'vid00000002.mp4.part'), whole.subarray(0, 5000));
    const r = await fake(
      ['--newline', '-f', '18', '-o', '%(id)s.%(ext)s', 'https://youtu.be/vid00000002'],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[download] Resuming download at byte 5000\n');
    expect(readFileSync(join(dir, 'vid00000002.mp4')).equals(whole)).toBe(true);
  });

  it('--max-downloads stops with 101; errors with other URLs still give exit 1', async ({ expect }) => {
    const dir = await workDir();
    const max = await fake(
      [
        '-f',
        'best',
        '--max-downloads',
        '1',
        '-o',
        '%(id)s.%(ext)s',
        'https://youtu.be/vid00000001',
        'https://youtu.be/vid00000002',
      ],
      dir,
    );
    expect(max.code).toBe(101);
    expect(max.stdout).toMatch(
      /\[info\] Maximum number of downloads reached, stopping due to --max-downloads\nAborting remaining downloads\n$/,
    );
    expect(await readdir(dir)).toEqual(['vid00000001.mp4']);

    const dir2 = await workDir();
    const mixed = await fake(
      [
        '-f',
        'best',
        '-i',
        '-o',
        '%(id)s.%(ext)s',
        'https://youtu.be/vidPrivate1',
        'https://youtu.be/vid00000002',
      ],
      dir2,
    );
    expect(mixed.code).toBe(1);
    expect(await readdir(dir2)).toEqual(['vid00000002.mp4']);
  });

  it('downloads a playlist item by item and keeps going past a private entry', async ({ expect }) => {
    const dir = await workDir();
    const r = await fake(
      [
        '-f',
        'best',
        '-o',
        '%(playlist_index)s - %(id)s.%(ext)s',
        'https://www.youtube.com/playlist?list=PLhome',
      ],
      dir,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[download] Downloading playlist: Home videos\n');
    expect(r.stdout).toContain('[youtube:tab] Playlist Home videos: Downloading 3 items of 3\n');
    expect(r.stdout).toContain('[download] Downloading item 3 of 3\n');
    expect(r.stdout).toContain('[download] Finished downloading playlist: Home videos\n');
    expect(r.stderr).toContain('ERROR: [youtube] vidPrivate1: Private video.');
    expect((await readdir(dir)).sort()).toEqual(['1 - vid00000001.mp4', '2 - vid00000002.mp4']);
  });

  it('-j prints one JSON object per video and downloads nothing', async ({ expect }) => {
    const dir = await workDir();
    const r = await fake(['-j', '-I', '1:2', 'https://www.youtube.com/playlist?list=PLhome'], dir);
    expect(r.code).toBe(0);
    const objects = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects.map((o) => [o.id, o.playlist_index, o.playlist])).toEqual([
      ['vid00000001', 1, 'Home videos'],
      ['vid00000002', 2, 'Home videos'],
    ]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects --color and --progress-delta as 2023.03.04 does, accepts them when emulating a newer release', async ({
    expect,
  }) => {
    const dir = await workDir();
    const old = await fake(['--color', 'never', '-J', 'https://youtu.be/vid00000001'], dir);
    expect(old.code).toBe(2);
    expect(old.stderr).toBe(
      '\nUsage: yt-dlp [OPTIONS] URL [URL...]\n\nyt-dlp: error: no such option: --color\n',
    );
    const env = { version: '2024.08.06' };
    const version = await fake(['--version'], dir, env);
    expect(version.stdout).toBe('2024.08.06\n');
    const newer = await fake(
      ['--color', 'never', '--progress-delta', '1', '--print', 'id', 'https://youtu.be/vid00000001'],
      dir,
      env,
    );
    expect(newer.code).toBe(0);
    expect(newer.stdout).toBe('vid00000001\n');
  });

  it('usage errors exit 2', async ({ expect }) => {
    const dir = await workDir();
    const none = await fake([], dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('yt-dlp: error: You must provide at least one URL.');
    const missing = await fake(['-o'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('yt-dlp: error: -o option requires 1 argument');
  });

  it('accepts a catalog keyed by URL', async ({ expect }) => {
    const dir = await workDir();
    const file = await writeCatalog(dir, {
      'https://www.youtube.com/watch?v=byUrl000001': { title: 'Keyed by URL', channel: 'Map Channel' },
      'https://www.youtube.com/playlist?list=PLmap': { title: 'Map list', entries: ['byUrl000001', 'x'] },
      'https://vimeo.example/123': { id: 'v123', private: true },
    });
    const env = fakeYtDlpEnv({ catalog: file });
    const video = await runTool(
      fakeYtDlpPath,
      ['--print', '%(id)s %(title)s %(channel)s', 'https://youtu.be/byUrl000001'],
      { cwd: dir, env },
    );
    expect(video.stdout).toBe('byUrl000001 Keyed by URL Map Channel\n');
    const list = await runTool(
      fakeYtDlpPath,
      [
        '--flat-playlist',
        '--print',
        '%(playlist_title)s %(id)s',
        'https://www.youtube.com/playlist?list=PLmap',
      ],
      { cwd: dir, env },
    );
    expect(list.stdout).toBe('Map list byUrl000001\nMap list x\n');
    const priv = await runTool(fakeYtDlpPath, ['https://vimeo.example/123'], { cwd: dir, env });
    expect(priv.stderr).toBe(
      "ERROR: [generic] v123: Private video. Sign in if you've been granted access to this video\n",
    );
    expect(priv.code).toBe(1);
  });

  it('writeCatalog validates', async ({ expect }) => {
    const dir = await workDir();
    await expect(writeCatalog(dir, { videos: [{ id: 'x', upload_date: '2024-01-01' }] })).rejects.toThrow(
      /YYYYMMDD/,
    );
    expect(existsSync(join(dir, 'yt-dlp-catalog.json'))).toBe(false);
    await mkdir(join(dir, 'nested'), { recursive: true });
    const file = await writeCatalog(join(dir, 'nested'), {
      playlists: [{ id: 'PL1', entries: ['a', { id: 'b' }] }],
    });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      playlists: [{ id: 'PL1', entries: ['a', { id: 'b' }] }],
    });
  });
});

describe('fake yt-dlp: Python-compatible formatting', () => {
  const info = {
    id: 'x1',
    title: 'A/B: c?',
    upload_date: '20240315',
    duration: 75,
    timestamp: 1710460800,
    tags: ['a', 'b'],
  };

  it('evaluates output templates like yt-dlp', () => {
    expect(evaluateTemplate('%(upload_date>%Y-%m-%d)s', info)).toBe('2024-03-15');
    expect(evaluateTemplate('%(timestamp>%Y)s/%(upload_date>%m)s', info)).toBe('2024/03');
    expect(evaluateTemplate('%(missing)s|%(missing|fallback)s|%(missing,id)s', info)).toBe('NA|fallback|x1');
    expect(evaluateTemplate('%(duration)05d %(title).3s %% %(tags)l %(id)j', info)).toBe(
      '00075 A/B % a, b "x1"',
    );
    expect(evaluateTemplate('%(id&yes|no)s %(missing&yes|no)s', info)).toBe('yes no');
    expect(evaluateTemplate('%(title)s', info, { sanitize: true })).toBe('A⧸B： c？');
    expect(evaluateTemplate('%(title)s', info, { sanitize: true, restricted: true })).toBe('A_B_-_c');
  });

  it('sanitizes file names like sanitize_filename', () => {
    expect(sanitizeFilename("To'y!🤯", { restricted: true })).toBe('To_y');
    expect(sanitizeFilename('Ünïcödé 12:30', { restricted: true })).toBe('Unicode_12_30');
    expect(sanitizeFilename('a "quoted" <name>')).toBe('a ＂quoted＂ ＜name＞');
  });

  it('formats progress fields and JSON like Python', () => {
    expect(formatBytes(20508181)).toBe('19.56MiB');
    expect(formatBytes(1047552)).toBe('1023.00KiB');
    expect(formatPercent(10.2145)).toBe(' 10.2%');
    expect(formatPercent(null)).toBe('  N/A%');
    expect(formatSpeed(null)).toBe(' Unknown B/s');
    expect(formatSpeed(2096765.5)).toBe('   2.00MiB/s');
    expect(formatEta(null)).toBe('Unknown');
    expect(formatEta(13)).toBe('00:13');
    expect(pyJson({ timestamp: 1795672698, elapsed: 0.5, speed: null, title: 'é' })).toBe(
      '{"timestamp": 1795672698.0, "elapsed": 0.5, "speed": null, "title": "\\u00e9"}',
    );
    expect(pyJson({ speed: 1e-7, n: [1, 2] })).toBe('{"speed": 1e-07, "n": [1, 2]}');
  });
});
