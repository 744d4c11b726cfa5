/**
 * Posters and art through MediaNest: fetched from Plex's photo transcoder with the household token
 * (which never reaches the browser), resized to exactly the requested box, cached in the Blob store
 * and served with a strong ETag and long-lived cache headers.
 *
 * Only whitelisted sizes exist, so the cache cannot be filled with arbitrary variants and Plex's
 * transcoder cannot be made to work for anyone. Plex image paths carry the item's update time
 * (`/library/metadata/58683/thumb/1703239236`), so the bytes at a path never change: a new poster
 * is a new path, which is why the cache can be immutable.
 *
 * Blob keys: `img/<householdId>/<machineId>/<sha256(path)>/<w>x<h>.jpg`.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { fn } from '../actor/fn.ts';
import { requireAccess } from '../household/access.ts';
import type { LibraryDeps } from './deps.ts';
import { ImageSizeError, LibraryNotFoundError, ServerNotConnectedError, serverFailure } from './errors.ts';
import { plexClient } from './servers.ts';

/** Grid posters at 1x/2x/3x, detail posters, backdrops, avatars. */
export const IMAGE_SIZES = [
  [100, 150],
  [150, 225],
  [200, 300],
  [300, 450],
  [400, 600],
  [600, 900],
  [480, 270],
  [960, 540],
  [1280, 720],
  [1920, 1080],
  [64, 64],
  [128, 128],
] as const;

export const CACHE_CONTROL = 'private, max-age=31536000, immutable';

/** The trailing timestamp is required: it is what makes the cached bytes immutable. */
const PLEX_IMAGE_PATH =
  /^\/library\/(metadata|collections|sections)\/[0-9]{1,12}\/(thumb|art|composite|banner|clearLogo)\/[0-9]{1,12}$/;

export const ImageInput = z.object({
  serverId: z.string().regex(/^[A-Za-z0-9-]{1,128}$/),
  /** The item's `thumb` / `art` path as the library functions return it. */
  path: z.string().max(300).regex(PLEX_IMAGE_PATH, { error: 'not a Plex library image path' }),
  width: z.coerce.number().int(),
  height: z.coerce.number().int(),
  /** The browser's If-None-Match, to answer 304. */
  ifNoneMatch: z.string().max(200).optional(),
});

export interface ImageResult {
  /** Empty when notModified. */
  body: Uint8Array;
  contentType: string;
  etag: string;
  cacheControl: string;
  notModified: boolean;
  /** Whether the bytes came from the Blob cache (diagnostics, benchmarks). */
  cached: boolean;
}

const etagOf = (body: Uint8Array) =>
  `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;

const matches = (ifNoneMatch: string | undefined, etag: string) =>
  (ifNoneMatch ?? '')
    .split(',')
    .some((t) => t.trim() === etag || t.trim() === `W/${etag}` || t.trim() === '*');

/** Cold fetches of the same image in one process share one Plex request. */
const inflight = new Map<string, Promise<{ body: Uint8Array; contentType: string }>>();

export const getImage = fn(ImageInput, async (deps: LibraryDeps, input): Promise<ImageResult> => {
  if (!IMAGE_SIZES.some(([w, h]) => w === input.width && h === input.height)) {
    throw new ImageSizeError(
      `Images come in these sizes only: ${IMAGE_SIZES.map(([w, h]) => `${w}x${h}`).join(', ')}`,
    );
  }
  const access = await requireAccess(deps);
  const hh = access.householdId;
  const key = `img/${hh}/${input.serverId}/${createHash('sha256').update(input.path).digest('hex')}/${input.width}x${input.height}.jpg`;

  const hit = await deps.blob.get(key);
  if (hit) {
    const etag = etagOf(hit.body);
    const notModified = matches(input.ifNoneMatch, etag);
    return {
      body: notModified ? new Uint8Array() : hit.body,
      contentType: hit.contentType,
      etag,
      cacheControl: CACHE_CONTROL,
      notModified,
      cached: true,
    };
  }

  let pending = inflight.get(key);
  if (!pending) {
    pending = fetchAndStore(deps, hh, key, input).finally(() => inflight.delete(key));
    inflight.set(key, pending);
  }
  const { body, contentType } = await pending;
  const etag = etagOf(body);
  const notModified = matches(input.ifNoneMatch, etag);
  return {
    body: notModified ? new Uint8Array() : body,
    contentType,
    etag,
    cacheControl: CACHE_CONTROL,
    notModified,
    cached: false,
  };
});

async function fetchAndStore(
  deps: LibraryDeps,
  hh: string,
  key: string,
  input: { serverId: string; path: string; width: number; height: number },
): Promise<{ body: Uint8Array; contentType: string }> {
  const conns = await deps.servers.list(hh);
  if (conns.length === 0) throw new ServerNotConnectedError();
  const conn = conns.find((c) => c.machineIdentifier === input.serverId);
  if (!conn) throw new LibraryNotFoundError('No such Plex server in this household');
  const client = plexClient(deps, hh, conn, conn.token);
  let photo: Awaited<ReturnType<typeof client.fetchPhoto>>;
  try {
    photo = await client.fetchPhoto({
      path: input.path,
      width: input.width,
      height: input.height,
      format: 'jpg',
    });
  } catch (err) {
    throw serverFailure(err, conn.name, conn.machineIdentifier);
  }
  const body = await exactSize(photo.body, input.width, input.height);
  await deps.blob.put(key, body, { contentType: 'image/jpeg', cacheControl: CACHE_CONTROL });
  return { body, contentType: 'image/jpeg' };
}

/**
 * Plex's transcoder keeps the aspect ratio (`minSize=1` covers the box), so the answer can be
 * larger than asked or a PNG; the grid needs exactly the box in one format.
 */
async function exactSize(input: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const { default: sharp } = await import('sharp');
  const img = sharp(input, { failOn: 'error' });
  const meta = await img.metadata();
  if (meta.width === width && meta.height === height && meta.format === 'jpeg') return input;
  const out = await img
    .resize(width, height, { fit: 'cover', position: 'attention' })
    .jpeg({ quality: 82, mozjpeg: true })
    .toBuffer();
  return new Uint8Array(out);
}
