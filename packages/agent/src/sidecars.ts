/**
 * What makes a downloaded file Plex-ready beside the video: a `.jpg` poster with the same base
 * name (Plex's local-asset rule; yt-dlp writes it when the site has a thumbnail, otherwise a frame
 * is taken with ffmpeg) and a `.nfo` sidecar (XML, every value escaped).
 */
import { spawn } from 'node:child_process';
import { access, stat, writeFile } from 'node:fs/promises';
import type { Preset, ResolvedVideo } from '@medianest/core/download/protocol';

export const baseOf = (file: string): string => file.replace(/\.[^./]+$/, '');

export function escapeXml(s: string): string {
  return (
    s
      // Characters XML 1.0 cannot carry at all.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing exactly those is the point
      .replace(/[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

const isoDate = (yyyymmdd: string | null) =>
  yyyymmdd ? `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}` : null;

/** `<episodedetails>` for the TV preset, `<movie>` otherwise (Kodi-style, what Plex agents read). */
export function nfoXml(video: ResolvedVideo, preset: Preset, playlist: string | null): string {
  const root = preset === 'tv-by-date' ? 'episodedetails' : 'movie';
  const date = isoDate(video.uploadDate);
  const lines: [string, string | number | null][] = [
    ['title', video.title],
    [preset === 'tv-by-date' ? 'showtitle' : 'studio', video.channel],
    ['aired', preset === 'tv-by-date' ? date : null],
    ['premiered', date],
    ['year', date ? date.slice(0, 4) : null],
    ['runtime', video.duration !== null ? Math.max(1, Math.round(video.duration / 60)) : null],
    ['set', playlist],
  ];
  const body = lines
    .filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => `  <${k}>${escapeXml(String(v))}</${k}>`);
  body.push(
    `  <uniqueid type="${escapeXml(video.extractor)}" default="true">${escapeXml(video.videoId)}</uniqueid>`,
  );
  body.push(`  <source>${escapeXml(video.url)}</source>`);
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<${root}>\n${body.join('\n')}\n</${root}>\n`;
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

function run(cmd: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'ignore' });
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code));
  });
}

/** The poster beside `videoFile`: yt-dlp's thumbnail, or a frame grabbed with ffmpeg. */
export async function ensurePoster(videoFile: string, ffmpegPath: string): Promise<string | null> {
  const poster = `${baseOf(videoFile)}.jpg`;
  if (await exists(poster)) return poster;
  for (const at of ['1', '0']) {
    const code = await run(ffmpegPath, [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-ss',
      at,
      '-i',
      videoFile,
      '-frames:v',
      '1',
      '-q:v',
      '3',
      poster,
    ]);
    if (code === 0 && (await exists(poster)) && (await stat(poster)).size > 0) return poster;
  }
  return null;
}

export async function writeNfo(
  videoFile: string,
  video: ResolvedVideo,
  preset: Preset,
  playlist: string | null,
): Promise<string> {
  const file = `${baseOf(videoFile)}.nfo`;
  await writeFile(file, nfoXml(video, preset, playlist));
  return file;
}

export async function hasFfmpeg(ffmpegPath: string): Promise<boolean> {
  return (await run(ffmpegPath, ['-version'])) === 0;
}
