/**
 * Loopback media server: serves real small media files and the pages yt-dlp's generic extractor
 * meets in the wild, so tests can run the REAL Debian yt-dlp (and the fake) against plain
 * http:// URLs. The layout mirrors the server the golden fixtures (shared/fixtures/yt-dlp) were
 * captured against, so a fixture command replays here with only HOST:PORT substituted.
 *
 * - `/clip-one.mp4`, `/clip_two.mp4`, `/Clip%20Three.mp4` (3 s), `/big.mp4` (8 s, ~1.5 MB)
 * - `/clip-one-poster.png`, `/thumbnail.jpg`
 * - `/index.html` (and `/`): plain links only, which yt-dlp calls "Unsupported URL"
 * - `/videos.html`: three `<video>` tags, which yt-dlp turns into a playlist
 * - `/poster.html`: one `<video poster=…>`, a single video with a thumbnail
 * - `/about.html`: no media at all
 * - `/playlist.m3u`: an M3U of the three clips
 * - anything else: 404
 *
 * Media answers carry Content-Type, Content-Length, Last-Modified, Accept-Ranges and honour a single
 * `Range`. `setThrottle(bytesPerSecond)` (or `POST /__control/throttle`) paces media bodies so a
 * download takes observable time; it applies to transfers already running, too.
 * `dropAfter(path, bytes, times)` (or `POST /__control/drop`) cuts the connection mid-body, so
 * clients can be tested against yt-dlp's retry-with-Range behaviour. Kit faults apply as well.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Hono } from 'hono';
import { z } from 'zod';
import { type RunningSimulator, type StartOptions, startServer } from '../kit/index.ts';
import { ensureSamples, type Samples } from './samples.mjs';

export type { Samples } from './samples.mjs';
export { ensureSamples } from './samples.mjs';

export interface MediaServerOptions extends StartOptions {
  /** Initial throttle in bytes per second for media bodies; unlimited when absent or null. */
  bytesPerSecond?: number | null;
  /** Pin the Last-Modified of every file (yt-dlp derives timestamp/upload_date from it). */
  lastModified?: Date;
  /** Where generated samples are cached (default: a per-user temp dir). */
  cacheDir?: string;
}

export interface MediaFile {
  /** URL path, already percent-encoded (`/Clip%20Three.mp4`). */
  path: string;
  contentType: string;
  size: number;
}

export interface RunningMediaServer extends Omit<RunningSimulator, 'url'> {
  /** Base URL (no path), e.g. `http://127.0.0.1:41234`. */
  baseUrl: string;
  /** Absolute URL of a path on this server; `url()` is the base URL. */
  url(path?: string): string;
  /** Pace media bodies at this many bytes per second; null or 0 lifts the limit. */
  setThrottle(bytesPerSecond: number | null): void;
  /**
   * The next `times` GETs of `path` (e.g. `/big.mp4`) send `bytes` bytes of the body and then drop
   * the connection, as a flaky network does mid-download. Headers still promise the full length.
   */
  dropAfter(path: string, bytes: number, times?: number): void;
  throttle(): number | null;
  /** The media files served, by URL path. */
  files: Record<string, MediaFile>;
  samples: Samples;
}

const ThrottleBody = z.object({ bytesPerSecond: z.number().int().min(0).nullable() });
const DropBody = z.object({
  path: z.string().startsWith('/'),
  bytes: z.number().int().min(0),
  times: z.number().int().min(1).default(1),
});

export async function startMediaServer(options: MediaServerOptions = {}): Promise<RunningMediaServer> {
  const samples = await ensureSamples(options.cacheDir ? { cacheDir: options.cacheDir } : {});
  const startedAt = new Date();
  let bytesPerSecond: number | null = options.bytesPerSecond || null;
  const currentThrottle = () => bytesPerSecond;
  const drops = new Map<string, { bytes: number; times: number }>();
  const dropAfter = (path: string, bytes: number, times = 1) => {
    drops.set(path.replaceAll(' ', '%20'), { bytes, times });
  };
  /** Consumes one planned drop for a GET of `path`, if any. */
  const takeDrop = (path: string): number | undefined => {
    const drop = drops.get(path);
    if (!drop) return undefined;
    drop.times -= 1;
    if (drop.times <= 0) drops.delete(path);
    return drop.bytes;
  };

  const media: Record<string, { file: string; contentType: string }> = {
    '/clip-one.mp4': { file: samples.clipOne, contentType: 'video/mp4' },
    '/clip_two.mp4': { file: samples.clipTwo, contentType: 'video/mp4' },
    '/Clip%20Three.mp4': { file: samples.clipThree, contentType: 'video/mp4' },
    '/big.mp4': { file: samples.big, contentType: 'video/mp4' },
    '/clip-one-poster.png': { file: samples.poster, contentType: 'image/png' },
    '/thumbnail.jpg': { file: samples.thumbnail, contentType: 'image/jpeg' },
  };
  const files: Record<string, MediaFile> = {};
  const mtimes: Record<string, Date> = {};
  for (const [path, entry] of Object.entries(media)) {
    const info = await stat(entry.file);
    files[path] = { path, contentType: entry.contentType, size: info.size };
    mtimes[path] = options.lastModified ?? info.mtime;
  }

  const app = new Hono();
  app.get('/__control/throttle', (c) => c.json({ bytesPerSecond }));
  app.post('/__control/drop', async (c) => {
    const parsed = DropBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: parsed.error.issues }, 400);
    dropAfter(parsed.data.path, parsed.data.bytes, parsed.data.times);
    return c.json(parsed.data);
  });
  app.post('/__control/throttle', async (c) => {
    const parsed = ThrottleBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: parsed.error.issues }, 400);
    bytesPerSecond = parsed.data.bytesPerSecond || null;
    return c.json({ bytesPerSecond });
  });

  for (const [path, page] of Object.entries(PAGES)) {
    app.on(['GET', 'HEAD'], path, (c) => {
      const body = Buffer.from(page.body, 'utf8');
      const headers = {
        'content-type': page.contentType,
        'content-length': String(body.length),
        'last-modified': httpDate(options.lastModified ?? startedAt),
      };
      return new Response(c.req.method === 'HEAD' ? null : body, { status: 200, headers });
    });
  }

  app.on(['GET', 'HEAD'], '*', (c) => {
    const path = rawPath(c.req.url);
    const entry = media[path];
    const file = files[path];
    if (!entry || !file) {
      return new Response('<h1>404 Not Found</h1>', {
        status: 404,
        headers: { 'content-type': 'text/html' },
      });
    }
    const headers: Record<string, string> = {
      'content-type': file.contentType,
      'accept-ranges': 'bytes',
      'last-modified': httpDate(mtimes[path] ?? startedAt),
    };
    const range = parseRange(c.req.header('range'), file.size);
    if (range === 'unsatisfiable') {
      headers['content-range'] = `bytes */${file.size}`;
      return new Response(null, { status: 416, headers });
    }
    const [start, end] = range ?? [0, file.size - 1];
    headers['content-length'] = String(end - start + 1);
    if (range) headers['content-range'] = `bytes ${start}-${end}/${file.size}`;
    const status = range ? 206 : 200;
    if (c.req.method === 'HEAD' || end < start) return new Response(null, { status, headers });
    const dropAt = takeDrop(path);
    const socket = (c.env as { incoming?: { socket?: { destroy(): void } } } | undefined)?.incoming?.socket;
    const drop = dropAt === undefined ? undefined : { at: dropAt, now: () => socket?.destroy() };
    return new Response(pacedStream(entry.file, start, end, currentThrottle, drop), { status, headers });
  });

  const sim = await startServer('media-server', app, options);
  return {
    name: sim.name,
    port: sim.port,
    faults: sim.faults,
    hits: sim.hits,
    resetHits: sim.resetHits,
    close: sim.close,
    baseUrl: sim.url,
    url: (path = '') => (path ? new URL(path, `${sim.url}/`).toString() : sim.url),
    setThrottle: (value) => {
      bytesPerSecond = value || null;
    },
    throttle: currentThrottle,
    dropAfter,
    files,
    samples,
  };
}

/** The request path exactly as sent (still percent-encoded), so `/Clip%20Three.mp4` matches. */
function rawPath(url: string): string {
  const afterHost = url.replace(/^[a-z]+:\/\/[^/]+/i, '');
  const cut = afterHost.search(/[?#]/);
  const path = cut === -1 ? afterHost : afterHost.slice(0, cut);
  // Clients differ on whether they encode a space; accept both spellings.
  return path.replaceAll(' ', '%20') || '/';
}

/** A single `bytes=` range; multiple ranges fall back to the whole body (allowed by RFC 9110). */
function parseRange(
  header: string | undefined,
  size: number,
): [number, number] | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const [, from = '', to = ''] = m;
  if (from === '' && to === '') return undefined;
  let start: number;
  let end: number;
  if (from === '') {
    const suffix = Number(to);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (start >= size || end < start) return 'unsatisfiable';
  return [start, end];
}

/**
 * Streams bytes [start, end] of a file, paced by the throttle read before every slice so a
 * change mid-transfer takes effect at once. With `drop`, the connection is destroyed once
 * `drop.at` bytes have gone out.
 */
function pacedStream(
  file: string,
  start: number,
  end: number,
  throttle: () => number | null,
  drop?: { at: number; now: () => void },
) {
  const dropAt = drop?.at;
  const source = createReadStream(file, { start, end, highWaterMark: 64 * 1024 });
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let pending: Buffer | undefined;
  let windowRate: number | null = null;
  let windowStart = 0;
  let windowBytes = 0;
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (dropAt !== undefined && sent >= dropAt) {
        // Give the bytes already queued a moment to leave, then cut the socket. This pull never
        // settles; the server cancels the stream when it sees the socket close.
        await new Promise((resolve) => setTimeout(resolve, 20));
        drop?.now();
        source.destroy();
        await new Promise(() => {});
      }
      if (!pending || pending.length === 0) {
        const next = await chunks.next();
        if (next.done) {
          controller.close();
          return;
        }
        pending = next.value;
      }
      if (dropAt !== undefined && sent + pending.length > dropAt)
        pending = pending.subarray(0, dropAt - sent);
      const rate = throttle();
      if (!rate) {
        sent += pending.length;
        controller.enqueue(new Uint8Array(pending));
        pending = undefined;
        return;
      }
      if (rate !== windowRate) {
        windowRate = rate;
        windowStart = Date.now();
        windowBytes = 0;
      }
      // Slices of ~1/20 s keep the pace smooth without flooding the event loop.
      const slice = pending.subarray(0, Math.max(1, Math.min(pending.length, Math.floor(rate / 20))));
      pending = pending.subarray(slice.length);
      windowBytes += slice.length;
      const due = windowStart + (windowBytes / rate) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      sent += slice.length;
      controller.enqueue(new Uint8Array(slice));
    },
    cancel() {
      source.destroy();
    },
  });
}

function httpDate(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toUTCString();
}

const linksPage = `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Test video index</title></head>
<body>
<h1>Test video index</h1>
<ul>
<li><a href="clip-one.mp4">clip-one.mp4</a></li>
<li><a href="clip_two.mp4">clip_two.mp4</a></li>
<li><a href="Clip%20Three.mp4">Clip Three.mp4</a></li>
<li><a href="big.mp4">big.mp4</a></li>
<li><a href="playlist.m3u">playlist.m3u</a></li>
</ul>
</body>
</html>
`;

const PAGES: Record<string, { contentType: string; body: string }> = {
  '/': { contentType: 'text/html', body: linksPage },
  '/index.html': { contentType: 'text/html', body: linksPage },
  '/videos.html': {
    contentType: 'text/html',
    body: `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Embedded test videos</title></head>
<body>
<h1>Embedded test videos</h1>
<video controls><source src="clip-one.mp4" type="video/mp4"></video>
<video controls><source src="clip_two.mp4" type="video/mp4"></video>
<video controls><source src="Clip%20Three.mp4" type="video/mp4"></video>
</body>
</html>
`,
  },
  '/poster.html': {
    contentType: 'text/html',
    body: `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Poster test video</title></head>
<body>
<video controls poster="clip-one-poster.png"><source src="clip-one.mp4" type="video/mp4"></video>
</body>
</html>
`,
  },
  '/about.html': {
    contentType: 'text/html',
    body: `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>About this server</title></head>
<body>
<h1>About this server</h1>
<p>This server hosts test media for MediaNest.</p>
</body>
</html>
`,
  },
  '/playlist.m3u': {
    contentType: 'audio/mpegurl',
    body: '#EXTM3U\n#EXTINF:3,clip-one\nclip-one.mp4\n#EXTINF:3,clip_two\nclip_two.mp4\n#EXTINF:3,Clip Three\nClip%20Three.mp4\n',
  },
};
