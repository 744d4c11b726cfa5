/**
 * The local Blob store: one folder (`./data/blobs`).
 *
 * Layout: `objects/<h0h1>/<sha256(key)>` holds the bytes and `<same>.meta.json` the metadata
 * (key, content type, cache control, etag, size, mtime). Files are named by the key's hash, not
 * the key, because S3 keys are not paths: `a` and `a/b` can both exist there, and a key can
 * never reach outside the folder this way (keys are still validated, for parity with S3).
 *
 * Writes go to a temp file in `tmp/` (same file system), are fsynced, then renamed over the
 * target, so a reader sees the old or the new object, never half of one. The data is renamed
 * before the sidecar; `get` checks the body against the sidecar's etag and trusts the body if
 * a crash (or a racing writer) left them out of step.
 *
 * Signed URLs are `${publicBaseUrl}/api/blob/<key>?expires=<epoch s>&sig=<HMAC-SHA256>`, checked
 * by `verifyBlobUrl` in the route that serves them.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Blob, BlobObject } from '../../port/blob.ts';
import { type Clock, systemClock } from '../../port/clock.ts';
import { checkBlobKey, checkExpiresIn } from './key.ts';

export interface FsBlobOptions {
  /** HMAC key for signed URLs. Without one, a random key per instance (URLs die with the process). */
  signingSecret?: string;
  /** Origin (and path prefix) the signed URLs start with, e.g. `https://media.example.com`. */
  publicBaseUrl?: string;
  clock?: Clock;
}

const metaSchema = z.object({
  key: z.string(),
  contentType: z.string(),
  cacheControl: z.string().optional(),
  etag: z.string(),
  size: z.number(),
  lastModified: z.number(),
});
type Meta = z.infer<typeof metaSchema>;

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const SIGNED_PATH = '/api/blob/';

/** Quoted, like an HTTP/S3 ETag: the first 128 bits of the SHA-256 of the body. */
export function blobEtag(body: Uint8Array): string {
  return `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function signature(secret: string | Buffer, key: string, expires: number): string {
  return createHmac('sha256', secret).update(`GET\n${key}\n${expires}`).digest('base64url');
}

export class FsBlob implements Blob {
  readonly #dir: string;
  readonly #secret: string | Buffer;
  readonly #baseUrl: string;
  readonly #clock: Clock;
  #tmpReady: Promise<void> | undefined;

  constructor(dir: string, options: FsBlobOptions = {}) {
    this.#dir = dir;
    this.#secret = options.signingSecret ?? randomBytes(32);
    this.#baseUrl = (options.publicBaseUrl ?? '').replace(/\/+$/, '');
    this.#clock = options.clock ?? systemClock;
  }

  async put(
    key: string,
    body: Uint8Array,
    options: { contentType?: string; cacheControl?: string } = {},
  ): Promise<{ etag: string }> {
    checkBlobKey(key);
    const etag = blobEtag(body);
    const meta: Meta = {
      key,
      contentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
      ...(options.cacheControl !== undefined ? { cacheControl: options.cacheControl } : {}),
      etag,
      size: body.byteLength,
      lastModified: this.#clock.now(),
    };
    const path = this.#path(key);
    await mkdir(join(path, '..'), { recursive: true });
    await this.#writeAtomic(path, body);
    await this.#writeAtomic(`${path}.meta.json`, Buffer.from(JSON.stringify(meta)));
    return { etag };
  }

  async get(key: string): Promise<BlobObject | undefined> {
    checkBlobKey(key);
    const meta = await this.#meta(key);
    if (!meta) return undefined;
    let body: Buffer;
    try {
      body = await readFile(this.#path(key));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const etag = blobEtag(body);
    return {
      body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
      contentType: meta.contentType,
      etag,
      size: body.byteLength,
      lastModified: etag === meta.etag ? meta.lastModified : (await stat(this.#path(key))).mtimeMs,
    };
  }

  async head(key: string): Promise<Omit<BlobObject, 'body'> | undefined> {
    checkBlobKey(key);
    const meta = await this.#meta(key);
    if (!meta) return undefined;
    return {
      contentType: meta.contentType,
      etag: meta.etag,
      size: meta.size,
      lastModified: meta.lastModified,
    };
  }

  /** The stored Cache-Control of an object, for the route that serves it. */
  async cacheControl(key: string): Promise<string | undefined> {
    checkBlobKey(key);
    return (await this.#meta(key))?.cacheControl;
  }

  async delete(key: string): Promise<void> {
    checkBlobKey(key);
    const path = this.#path(key);
    // Sidecar first: without it the object no longer exists for head/get.
    await rm(`${path}.meta.json`, { force: true });
    await rm(path, { force: true });
  }

  async signedUrl(key: string, expiresInSeconds: number): Promise<string> {
    checkBlobKey(key);
    checkExpiresIn(expiresInSeconds);
    const expires = Math.floor(this.#clock.now() / 1000) + expiresInSeconds;
    const path = key.split('/').map(encodeURIComponent).join('/');
    return `${this.#baseUrl}${SIGNED_PATH}${path}?expires=${expires}&sig=${signature(this.#secret, key, expires)}`;
  }

  /** Checks a URL made by this store's `signedUrl` (same secret, this store's clock). */
  verifyUrl(url: string | URL): BlobUrlCheck {
    return verifyBlobUrl(url, { secret: this.#secret, now: this.#clock.now() });
  }

  #path(key: string): string {
    const hash = createHash('sha256').update(key).digest('hex');
    return join(this.#dir, 'objects', hash.slice(0, 2), hash);
  }

  async #meta(key: string): Promise<Meta | undefined> {
    let text: string;
    try {
      text = await readFile(`${this.#path(key)}.meta.json`, 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const meta = metaSchema.parse(JSON.parse(text));
    // A hash collision on the key would need SHA-256 broken; checking costs nothing.
    return meta.key === key ? meta : undefined;
  }

  /**
   * Creates `tmp/` and, once per instance, removes temp files a crashed writer left behind
   * (older than an hour, so a concurrent writer's file is never touched).
   */
  #prepareTmp(tmpDir: string): Promise<void> {
    this.#tmpReady ??= (async () => {
      await mkdir(tmpDir, { recursive: true });
      const cutoff = Date.now() - 3_600_000;
      for (const name of await readdir(tmpDir)) {
        const path = join(tmpDir, name);
        // gone already (another instance swept it, or its writer renamed it): nothing to do
        const info = await stat(path).catch(() => undefined);
        if (info && info.mtimeMs < cutoff) await rm(path, { force: true });
      }
    })();
    return this.#tmpReady;
  }

  async #writeAtomic(path: string, data: Uint8Array): Promise<void> {
    const tmpDir = join(this.#dir, 'tmp');
    await this.#prepareTmp(tmpDir);
    const tmp = join(tmpDir, `${randomBytes(12).toString('hex')}.tmp`);
    const file = await open(tmp, 'w', 0o644);
    try {
      await file.writeFile(data);
      await file.datasync();
    } finally {
      await file.close();
    }
    try {
      await rename(tmp, path);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }
}

export type BlobUrlCheck =
  | { ok: true; key: string; expires: number }
  | { ok: false; reason: 'malformed' | 'expired' | 'bad_signature' };

/**
 * Checks a signed blob URL (absolute, or just path + query as a route sees it). The key is
 * whatever follows `/api/blob/` in the path.
 */
export function verifyBlobUrl(
  url: string | URL,
  options: { secret: string | Buffer; now?: number },
): BlobUrlCheck {
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://localhost');
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const at = parsed.pathname.indexOf(SIGNED_PATH);
  const expires = Number(parsed.searchParams.get('expires'));
  const sig = parsed.searchParams.get('sig') ?? '';
  if (at < 0 || !Number.isSafeInteger(expires) || sig === '') return { ok: false, reason: 'malformed' };
  let key: string;
  try {
    key = parsed.pathname
      .slice(at + SIGNED_PATH.length)
      .split('/')
      .map(decodeURIComponent)
      .join('/');
    checkBlobKey(key);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const expected = Buffer.from(signature(options.secret, key, expires));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad_signature' };
  if (expires * 1000 <= (options.now ?? Date.now())) return { ok: false, reason: 'expired' };
  return { ok: true, key, expires };
}
