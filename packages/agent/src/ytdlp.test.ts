/** Parsing yt-dlp output: the captured behaviour of Debian's 2023.03.04 (shared/fixtures/yt-dlp). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir, haveFixtures } from '@medianest/simulators/yt-dlp/test-support';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeXml, nfoXml } from './sidecars.ts';
import {
  classifyError,
  downloadArgs,
  formatOf,
  PRESET_TEMPLATES,
  parseMetaLine,
  parseProgressLine,
  toResolveResult,
} from './ytdlp.ts';

const fixture = (name: string, file: string) => readFileSync(join(fixturesDir, name, file), 'utf8');

describe.runIf(haveFixtures)('against the captured 2023.03.04 output', () => {
  it('reads every progress line of the agent-style download and computes the percentage from bytes', () => {
    const lines = fixture('d-progress-json', 'stdout.txt').trim().split('\n');
    const progress = lines.map(parseProgressLine);
    expect(progress.slice(0, -1).every((p) => p !== undefined)).toBe(true);
    expect(lines.at(-1)).toMatch(/^DIR\/big-20mb/);
    expect(progress.at(-1)).toBeUndefined();
    const downloading = progress.filter((p) => p?.status === 'downloading');
    expect(downloading.length).toBe(20);
    expect(downloading[0]).toMatchObject({
      percent: 0,
      downloadedBytes: 1024,
      totalBytes: 20508181,
      speed: null,
      eta: null,
    });
    const finished = progress.find((p) => p?.status === 'finished');
    expect(finished).toMatchObject({ percent: 100, downloadedBytes: 20508181, eta: null });
    const percents = downloading.map((p) => p?.percent ?? -1);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
  });

  it('classifies the captured failures', () => {
    expect(classifyError(fixture('h3-unsupported-html', 'stderr.txt'), 1)).toMatchObject({
      code: 'unsupported',
    });
    expect(classifyError(fixture('h1-http-404', 'stderr.txt'), 1)).toMatchObject({ code: 'not_found' });
    const closed = classifyError(fixture('h2-closed-port', 'stderr.txt'), 1);
    expect(closed.code).toBe('ytdlp_failed');
    expect(closed.message).toMatch(/Unable to download webpage/);
  });

  it('turns -J documents into resolve results (direct file, <video> page playlist)', () => {
    const single = toResolveResult(JSON.parse(fixture('b-json-single', 'stdout.txt')));
    expect(single).toEqual({
      kind: 'video',
      playlist: null,
      entries: [
        {
          videoId: 'clip-one',
          extractor: 'generic',
          url: 'http://HOST:PORT/clip-one.mp4',
          title: 'clip-one',
          channel: null,
          duration: null,
          uploadDate: '20261126',
          thumbnail: null,
        },
      ],
    });
    const page = toResolveResult(JSON.parse(fixture('c3-json-flat-html5-video-tags', 'stdout.txt')));
    expect(page.kind).toBe('playlist');
    expect(page.playlist?.title).toBe('Embedded test videos');
    expect(page.entries.map((e) => e.videoId)).toEqual(['videos-1', 'videos-2', 'videos-3']);
    expect(toResolveResult(null)).toEqual({ kind: 'video', playlist: null, entries: [] });
  });
});

describe('yt-dlp arguments and output', () => {
  it('never depends on options 2023.03.04 lacks, and uses JSON progress plus the final path', () => {
    const args = downloadArgs({
      url: 'https://youtu.be/x',
      quality: '720p',
      preset: 'tv-by-date',
      home: '/lib',
      temp: '/tmp/j',
    });
    expect(args).not.toContain('--color');
    expect(args).not.toContain('--progress-delta');
    expect(args.join(' ')).toContain(
      '--newline --progress-template download:%(progress)j --print after_move:filepath',
    );
    expect(args.slice(-2)).toEqual(['--', 'https://youtu.be/x']);
    expect(args).toEqual(
      expect.arrayContaining(['-P', 'home:/lib', 'temp:/tmp/j', '--merge-output-format', 'mp4']),
    );
    expect(formatOf('best')).toEqual([]);
    expect(formatOf('1080p')).toEqual(['-f', 'bv*[height<=?1080]+ba/b[height<=?1080]/b']);
    expect(PRESET_TEMPLATES['other-videos']).toBe('%(channel,uploader|Unknown)s/%(title)s [%(id)s].%(ext)s');
  });

  it('ignores lines that are not progress JSON', () => {
    expect(parseProgressLine('[download] 42.0% of 10MiB')).toBeUndefined();
    expect(parseProgressLine('{not json')).toBeUndefined();
    expect(parseProgressLine('{"status":"weird"}')).toBeUndefined();
    expect(
      parseProgressLine('{"status":"downloading","downloaded_bytes":5,"total_bytes_estimate":10}'),
    ).toMatchObject({
      percent: 50,
      totalBytes: 10,
    });
    expect(parseMetaLine('MNMETA\t20240102\t61.5\tA\tB')).toEqual({
      uploadDate: '20240102',
      duration: 61.5,
      channel: 'A\tB',
    });
    expect(parseMetaLine('MNMETA\t\t\t')).toEqual({ uploadDate: null, duration: null, channel: null });
  });

  it('classifies private videos and empty stderr', () => {
    expect(
      classifyError(
        "ERROR: [youtube] privateX: Private video. Sign in if you've been granted access to this video\n",
        1,
      ),
    ).toEqual({ code: 'private_video', message: 'This video is private' });
    expect(classifyError('', 2)).toEqual({ code: 'ytdlp_failed', message: 'yt-dlp exited with code 2' });
  });
});

describe('.nfo sidecar', () => {
  const video = {
    videoId: 'abc',
    extractor: 'youtube',
    url: 'https://www.youtube.com/watch?v=abc&t=1',
    title: 'A <b> & "c"',
    channel: "Chan's",
    duration: 125,
    uploadDate: '20240229',
    thumbnail: null,
  };

  it('escapes every value and picks the root by preset', () => {
    const movie = nfoXml(video, 'other-videos', null);
    expect(movie).toContain('<movie>');
    expect(movie).toContain('<title>A &lt;b&gt; &amp; &quot;c&quot;</title>');
    expect(movie).toContain('<studio>Chan&apos;s</studio>');
    expect(movie).toContain('<premiered>2024-02-29</premiered>');
    expect(movie).toContain('<runtime>2</runtime>');
    expect(movie).toContain('<source>https://www.youtube.com/watch?v=abc&amp;t=1</source>');
    const tv = nfoXml(video, 'tv-by-date', 'My <List>');
    expect(tv).toContain('<episodedetails>');
    expect(tv).toContain('<aired>2024-02-29</aired>');
    expect(tv).toContain('<set>My &lt;List&gt;</set>');
  });

  it('never lets markup or control characters through', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = escapeXml(s);
        expect(out).not.toMatch(/[<>"']/);
        expect(out).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: checking they are gone
        expect(out).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
      }),
    );
  });
});
