// Real, small sample media shared by the loopback media server and the fake yt-dlp.
//
// Plain JavaScript (ESM + JSDoc) on purpose: the fake `yt-dlp` executable imports it and must run
// on any Node >= 18 without type stripping.
//
// Files are generated once with ffmpeg (testsrc2 video + sine tone, H.264/AAC, faststart, the same
// recipe the golden fixtures were captured with) into a per-user cache directory and reused by
// every later process. Generation writes to a temporary name and renames, so concurrent test
// workers can race without ever seeing a half-written file. When ffmpeg is missing, the tiny
// committed files in ./assets stand in for every sample.

import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bump when the recipes change so stale caches are not reused. */
const CACHE_VERSION = 'v2';

const ASSETS = join(dirname(fileURLToPath(import.meta.url)), 'assets');

/**
 * @typedef {object} SampleSpec
 * @property {string} name        file name inside the cache directory
 * @property {string[] | ((paths: Record<string, string>) => string[])} args
 *   ffmpeg arguments before the output path (a function for files derived from earlier ones)
 * @property {string} fallback    committed asset used when ffmpeg is unavailable
 */

/** @param {number} seconds @param {string} size @param {number} tone @param {string} [bitrate] */
function clipArgs(seconds, size, tone, bitrate) {
  return [
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${size}:rate=25:duration=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=${tone}:duration=${seconds}`,
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    ...(bitrate ? ['-b:v', bitrate, '-maxrate', bitrate, '-bufsize', bitrate] : []),
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    '-shortest',
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
  ];
}

/** @type {Record<string, SampleSpec>} */
const SPECS = {
  clipOne: { name: 'clip-one.mp4', args: clipArgs(3, '320x240', 440), fallback: 'fallback.mp4' },
  clipTwo: { name: 'clip_two.mp4', args: clipArgs(3, '320x240', 660), fallback: 'fallback.mp4' },
  clipThree: { name: 'Clip Three.mp4', args: clipArgs(3, '320x240', 880), fallback: 'fallback.mp4' },
  // About 1.5 MB: big enough that a throttled download shows many progress updates.
  big: { name: 'big.mp4', args: clipArgs(8, '640x360', 550, '1400k'), fallback: 'fallback.mp4' },
  poster: {
    name: 'clip-one-poster.png',
    args: [
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240:rate=1:duration=1',
      '-frames:v',
      '1',
      '-c:v',
      'png',
      '-f',
      'image2',
    ],
    fallback: 'fallback.png',
  },
  thumbnail: {
    name: 'thumbnail.jpg',
    args: [
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=480x360:rate=1:duration=1',
      '-frames:v',
      '1',
      '-c:v',
      'mjpeg',
      '-f',
      'image2',
    ],
    fallback: 'fallback.jpg',
  },
  thumbnailWebp: {
    name: 'thumbnail.webp',
    args: [
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=480x360:rate=1:duration=1',
      '-frames:v',
      '1',
      '-c:v',
      'libwebp',
      '-f',
      'image2',
    ],
    fallback: 'fallback.webp',
  },
  // Separate video-only and audio-only streams, so the fake yt-dlp can download two formats and
  // merge them for real like YouTube's DASH formats.
  clipVideo: { name: 'clip-video.mp4', args: (p) => splitArgs(p.clipOne, 'video'), fallback: 'fallback.mp4' },
  clipAudio: { name: 'clip-audio.m4a', args: (p) => splitArgs(p.clipOne, 'audio'), fallback: 'fallback.mp4' },
  bigVideo: { name: 'big-video.mp4', args: (p) => splitArgs(p.big, 'video'), fallback: 'fallback.mp4' },
  bigAudio: { name: 'big-audio.m4a', args: (p) => splitArgs(p.big, 'audio'), fallback: 'fallback.mp4' },
};

/** @param {string | undefined} input @param {'video' | 'audio'} keep */
function splitArgs(input, keep) {
  return [
    '-i',
    String(input),
    keep === 'video' ? '-an' : '-vn',
    '-c',
    'copy',
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
  ];
}

/**
 * @typedef {object} Samples
 * @property {string} dir           cache directory holding every file below
 * @property {string} clipOne       3 s 320x240 H.264/AAC mp4
 * @property {string} clipTwo       same recipe, different tone
 * @property {string} clipThree     same recipe, named with a space
 * @property {string} big           8 s 640x360 mp4, ~1.5 MB
 * @property {string} poster        320x240 PNG frame
 * @property {string} thumbnail     480x360 JPEG frame
 * @property {string} thumbnailWebp 480x360 WebP frame (YouTube's usual thumbnail format)
 * @property {string} clipVideo     clipOne's video stream only (mp4)
 * @property {string} clipAudio     clipOne's audio stream only (m4a)
 * @property {string} bigVideo      big's video stream only (mp4)
 * @property {string} bigAudio      big's audio stream only (m4a)
 * @property {boolean} generated    false when the committed fallbacks were used (no ffmpeg)
 */

/** @type {Promise<Samples> | undefined} */
let pending;

/**
 * Ensures every sample exists and returns their absolute paths.
 * @param {{ cacheDir?: string }} [options]
 * @returns {Promise<Samples>}
 */
export function ensureSamples(options = {}) {
  if (!options.cacheDir && pending) return pending;
  const run = build(options.cacheDir ?? defaultCacheDir());
  if (!options.cacheDir) pending = run;
  return run;
}

export function defaultCacheDir() {
  const env = process.env.MEDIANEST_SIM_MEDIA_CACHE;
  if (env) return env;
  let user = 'user';
  try {
    user = userInfo().username;
  } catch {
    // Containers without a passwd entry: one shared cache is fine.
  }
  return join(tmpdir(), `medianest-sim-media-${user}-${CACHE_VERSION}`);
}

/** @param {string} dir */
async function build(dir) {
  mkdirSync(dir, { recursive: true });
  const haveFfmpeg = await hasFfmpeg();
  /** @type {Record<string, string>} */
  const paths = {};
  for (const [key, spec] of Object.entries(SPECS)) {
    const target = join(dir, spec.name);
    paths[key] = target;
    if (existsSync(target) && statSync(target).size > 0) continue;
    const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
    try {
      if (haveFfmpeg) {
        const args = typeof spec.args === 'function' ? spec.args(paths) : spec.args;
        await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, tmp]);
      } else {
        copyFileSync(join(ASSETS, spec.fallback), tmp);
      }
      renameSync(tmp, target);
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  return /** @type {Samples} */ ({ dir, ...paths, generated: haveFfmpeg });
}

/** @type {Promise<boolean> | undefined} */
let ffmpegCheck;

/** Whether an `ffmpeg` binary is on PATH. Cached for the process. */
export function hasFfmpeg() {
  ffmpegCheck ??= run('ffmpeg', ['-hide_banner', '-version']).then(
    () => true,
    () => false,
  );
  return ffmpegCheck;
}

/**
 * Runs a program to completion, rejecting with its stderr on a non-zero exit.
 * @param {string} file @param {string[]} args
 * @returns {Promise<string>} stdout
 */
export function run(file, args) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}
