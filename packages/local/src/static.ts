/**
 * Serves the built web app (a client-rendered SPA) from the same port as the API.
 *
 * - Hashed assets (`/assets/…`, `/_build/…`, or a file name with a content hash) are immutable
 *   and cached for a year; everything else is revalidated, and index.html is never cached, so a
 *   new release is picked up on the next navigation.
 * - Any other GET that looks like a page (no file extension) gets index.html: the client router
 *   owns those paths. A missing file with an extension is a real 404, so a stale script URL
 *   fails loudly instead of being answered with HTML.
 * - Without a build, pages get a short plain page that says how to make one.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, gzip, constants as zlibConstants } from 'node:zlib';
import type { MiddlewareHandler } from 'hono';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const NO_CACHE = 'no-cache';

// Vite names chunks `name-<8+ url-safe base64 chars>.ext`; requiring a digit or capital in the
// hash keeps plain names such as `apple-touch-icon.png` out.
const HASHED_NAME = /[.-](?=[A-Za-z0-9_]*[0-9A-Z])[A-Za-z0-9_]{8,}\.[a-z0-9]+$/;

export function isHashedAsset(path: string): boolean {
  return /(^|\/)(assets|_build)\//.test(path) || HASHED_NAME.test(path);
}

export function webBuildPresent(dir: string): boolean {
  return existsSync(join(dir, 'index.html')) && statSync(join(dir, 'index.html')).isFile();
}

const MISSING_BUILD_PAGE = (dir: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>MediaNest</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>MediaNest is running, but the web app has not been built</h1>
<p>The API is up at <a href="/api/health">/api/health</a>. To get the web app, build it and restart:</p>
<pre>npm run build -w web</pre>
<p>(<code>npm start</code> does this on first start.) Expected the build in <code>${dir.replace(/[<>&]/g, '')}</code>.</p>
</body></html>
`;

interface CachedFile {
  body: Uint8Array;
  etag: string;
  mtimeMs: number;
  size: number;
  /** Compressed once, on first request that accepts it. */
  encoded: Map<Encoding, Promise<Uint8Array>>;
}

type Encoding = 'br' | 'gzip';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

// Below this, compression saves less than the headers it adds.
const MIN_COMPRESS_BYTES = 1024;
// Larger files (a video someone dropped into public/) are read from disk per request, not kept.
const MAX_CACHED_BYTES = 4 * 1024 * 1024;

export function isCompressible(type: string): boolean {
  return /^(text\/|application\/(javascript|json|xml|wasm|manifest\+json)|image\/svg\+xml)/.test(type);
}

/** The best encoding the client accepts (brotli first); q-values other than 0 are treated as "yes". */
export function pickEncoding(acceptEncoding: string | undefined): Encoding | undefined {
  if (!acceptEncoding) return undefined;
  const accepted = new Set(
    acceptEncoding
      .toLowerCase()
      .split(',')
      .map((part) => part.trim().split(';'))
      .filter(([, q]) => !q || !/^\s*q=0(\.0*)?\s*$/.test(q))
      .map(([name]) => name!.trim()),
  );
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip')) return 'gzip';
  return undefined;
}

function encode(file: CachedFile, encoding: Encoding): Promise<Uint8Array> {
  let pending = file.encoded.get(encoding);
  if (!pending) {
    pending =
      encoding === 'br'
        ? brotli(file.body, {
            params: {
              [zlibConstants.BROTLI_PARAM_QUALITY]: 9,
              [zlibConstants.BROTLI_PARAM_SIZE_HINT]: file.size,
            },
          })
        : gzipAsync(file.body, { level: 9 });
    file.encoded.set(encoding, pending);
  }
  return pending;
}

export interface StaticOptions {
  dir: string;
  /** Requests under these prefixes are never answered with the SPA shell. */
  excludePrefixes?: string[];
}

export function serveWeb(options: StaticOptions): MiddlewareHandler {
  const root = resolve(options.dir);
  const exclude = options.excludePrefixes ?? ['/api', '/ws'];
  // Build output never changes while the process runs, except during development rebuilds:
  // keep bodies in memory but revalidate against mtime/size.
  const cache = new Map<string, CachedFile>();

  async function load(file: string): Promise<CachedFile | undefined> {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(file);
    } catch {
      return undefined;
    }
    if (!info.isFile()) return undefined;
    const hit = cache.get(file);
    if (hit && hit.mtimeMs === info.mtimeMs && hit.size === info.size) return hit;
    const body = new Uint8Array(await readFile(file));
    const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 27)}"`;
    const entry: CachedFile = { body, etag, mtimeMs: info.mtimeMs, size: info.size, encoded: new Map() };
    if (body.byteLength <= MAX_CACHED_BYTES) cache.set(file, entry);
    return entry;
  }

  function resolveInside(urlPath: string): string | undefined {
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return undefined;
    }
    if (decoded.includes('\0')) return undefined;
    const file = normalize(join(root, decoded));
    return file === root || file.startsWith(root + sep) ? file : undefined;
  }

  return async (c, next) => {
    const method = c.req.method;
    const path = c.req.path;
    if (
      (method !== 'GET' && method !== 'HEAD') ||
      exclude.some((p) => path === p || path.startsWith(`${p}/`))
    ) {
      return next();
    }
    const respond = async (file: CachedFile, type: string, cacheControl: string) => {
      const compressible = isCompressible(type) && file.size >= MIN_COMPRESS_BYTES;
      const encoding = compressible ? pickEncoding(c.req.header('accept-encoding')) : undefined;
      // Each representation has its own validator, so a cache never mixes them up.
      const etag = encoding ? `${file.etag.slice(0, -1)}-${encoding}"` : file.etag;
      const headers: Record<string, string> = { 'content-type': type, 'cache-control': cacheControl, etag };
      if (compressible) headers.vary = 'accept-encoding';
      const inm = c.req.header('if-none-match');
      if (inm && (inm === etag || inm === file.etag)) return c.body(null, 304, headers);
      const body = encoding ? await encode(file, encoding) : file.body;
      if (encoding) headers['content-encoding'] = encoding;
      headers['content-length'] = String(body.byteLength);
      return method === 'HEAD'
        ? c.body(null, 200, headers)
        : c.body(body as Uint8Array<ArrayBuffer>, 200, headers);
    };

    const target = path.endsWith('/') ? `${path}index.html` : path;
    const file = resolveInside(target);
    if (file) {
      const found = await load(file);
      if (found) {
        const isIndex = file.endsWith(`${sep}index.html`);
        const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
        return respond(found, type, isIndex ? NO_CACHE : isHashedAsset(target) ? IMMUTABLE : NO_CACHE);
      }
    }
    // A missing file with an extension is a 404; anything else is a client-side route.
    if (extname(path) !== '' && !path.endsWith('.html')) return next();
    const shell = await load(join(root, 'index.html'));
    if (shell) return respond(shell, TYPES['.html']!, NO_CACHE);
    return c.html(MISSING_BUILD_PAGE(root), path === '/' ? 200 : 404, { 'cache-control': NO_CACHE });
  };
}
