/**
 * The fake yt-dlp executable and its catalog. Point the downloader at `fakeYtDlpPath` instead of
 * `/usr/bin/yt-dlp`; steer it with environment variables:
 * - `FAKE_YTDLP_CATALOG`: a catalog file (see `writeCatalog`) of videos and playlists by URL/id;
 *   any other `youtube.com/watch?v=<id>`, `youtu.be/<id>`, `…/playlist?list=<id>` or channel URL
 *   gets built-in metadata (ids starting with `private` / `unavailable` fail like YouTube does).
 * - `FAKE_YTDLP_BYTES_PER_SEC`: pace downloads (progress lines over time); `--limit-rate` also works.
 * - `FAKE_YTDLP_VERSION`: emulate a newer release (e.g. `2024.08.06` accepts `--color` and
 *   `--progress-delta` and reports `_percent`); default 2023.03.04 like Debian 12.
 * Plain http(s) URLs are really fetched (generic extractor), e.g. from `startMediaServer()`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** Absolute path of the executable (`#!/usr/bin/env node`, plain JavaScript, Node >= 18). */
export const fakeYtDlpPath: string = fileURLToPath(new URL('../../bin/yt-dlp', import.meta.url));

const YYYYMMDD = z.string().regex(/^\d{8}$/, 'upload_date is YYYYMMDD');

export const CatalogVideo = z.object({
  id: z.string().min(1),
  /** Matched exactly before YouTube URL parsing; defaults to the watch URL of `id`. */
  url: z.url().optional(),
  title: z.string().optional(),
  channel: z.string().optional(),
  channel_id: z.string().optional(),
  uploader: z.string().optional(),
  uploader_id: z.string().optional(),
  upload_date: YYYYMMDD.optional(),
  timestamp: z.number().optional(),
  duration: z.number().nonnegative().optional(),
  thumbnail: z.url().optional(),
  description: z.string().optional(),
  view_count: z.number().int().nonnegative().optional(),
  tags: z.array(z.string()).optional(),
  /** `ERROR: [youtube] <id>: Private video. Sign in if you've been granted access to this video` */
  private: z.boolean().optional(),
  /** `ERROR: [youtube] <id>: Video unavailable` */
  unavailable: z.boolean().optional(),
  /** `ERROR: Unsupported URL: <url>` */
  unsupported: z.boolean().optional(),
  /** Any other extraction error, printed as `ERROR: [youtube] <id>: <error>`. */
  error: z.string().optional(),
  /** Which real media the download writes: a 3 s 320x240 clip (default) or an 8 s 640x360 one. */
  sample: z.enum(['clip', 'big']).optional(),
});
export type CatalogVideo = z.infer<typeof CatalogVideo>;

export const CatalogPlaylist = z.object({
  id: z.string().min(1),
  /** Matched exactly; defaults to `https://www.youtube.com/playlist?list=<id>`. */
  url: z.url().optional(),
  title: z.string().optional(),
  channel: z.string().optional(),
  channel_id: z.string().optional(),
  uploader: z.string().optional(),
  uploader_id: z.string().optional(),
  description: z.string().optional(),
  /** Video ids (from `videos` or built-in) or inline videos, in playlist order. */
  entries: z.array(z.union([z.string().min(1), CatalogVideo])),
});
export type CatalogPlaylist = z.infer<typeof CatalogPlaylist>;

export const Catalog = z.object({
  videos: z.array(CatalogVideo).optional(),
  playlists: z.array(CatalogPlaylist).optional(),
});
export type Catalog = z.infer<typeof Catalog>;

/**
 * The other accepted form: URL → video, or URL → playlist (has `entries`); `id` defaults to the
 * one in the URL (`v=`, `list=`, or the last path segment).
 */
export const CatalogByUrl = z.record(
  z.url(),
  z.union([CatalogPlaylist.partial({ id: true }), CatalogVideo.partial({ id: true })]),
);
export type CatalogByUrl = z.infer<typeof CatalogByUrl>;

/**
 * Validates and writes a catalog (either form) as `<dir>/yt-dlp-catalog.json`; returns its path,
 * ready for `FAKE_YTDLP_CATALOG`.
 */
export async function writeCatalog(dir: string, catalog: Catalog | CatalogByUrl): Promise<string> {
  const parsed =
    'videos' in catalog || 'playlists' in catalog ? Catalog.parse(catalog) : CatalogByUrl.parse(catalog);
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'yt-dlp-catalog.json');
  await writeFile(file, `${JSON.stringify(parsed, null, 2)}\n`);
  return file;
}

export interface FakeYtDlpEnvOptions {
  /** Path from `writeCatalog`. */
  catalog?: string;
  /** Pace every download at this many bytes per second. */
  bytesPerSecond?: number;
  /** Emulated yt-dlp version (default 2023.03.04). */
  version?: string;
}

/** Environment variables for spawning the fake, merged over `base` (default `process.env`). */
export function fakeYtDlpEnv(
  options: FakeYtDlpEnvOptions = {},
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  if (options.catalog) env.FAKE_YTDLP_CATALOG = options.catalog;
  if (options.bytesPerSecond) env.FAKE_YTDLP_BYTES_PER_SEC = String(options.bytesPerSecond);
  if (options.version) env.FAKE_YTDLP_VERSION = options.version;
  return env;
}
