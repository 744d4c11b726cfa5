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
 * Blob keys: `img/<householdId>/<machineId>/<sha256(path)>/<w>x<h>.jpg`. The cache is shared by the
 * household, so visibility is checked on every request, cached or not: a member whose Plex share
 * leaves a section out gets no image of it (404, as if it did not exist).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { fn } from '../actor/fn.ts';
import type { LibraryDeps } from './deps.ts';
import { ImageSizeError, LibraryNotFoundError, serverFailure } from './errors.ts';
import { canSee, type MemberView, memberView, onServer, type ServerView, serverOf } from './servers.ts';

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
  // Only an image of a section the member may see, cached or not (the cache is the household's).
  const view = await memberView(deps);
  const server = serverOf(view, input.serverId);
  await requireVisibleImage(deps, view, server, input.path);
  const hh = view.householdId;
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
    pending = fetchAndStore(deps, server, key, input).finally(() => inflight.delete(key));
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

/** How long the section of an item (for a restricted member's images) is remembered. */
export const IMAGE_SECTION_TTL_MS = 10 * 60 * 1000;
const MAX_REMEMBERED_SECTIONS = 20_000;
/** `<hh> <server> <kind> <key>` → the item's section (null: Plex knows no such item). */
const sectionOfItem = new Map<string, { section: string | null; at: number }>();

/**
 * A member whose Plex share covers only some sections gets the images of those sections only: the
 * section comes from the path (`/library/sections/<key>/…`) or from the item the path belongs to
 * (asked of Plex once, then remembered for a while: an item does not move between sections). A
 * refused image answers exactly like a missing one. Members who see everything skip all of this.
 */
async function requireVisibleImage(
  deps: LibraryDeps,
  view: MemberView,
  server: ServerView,
  path: string,
): Promise<void> {
  if (server.visible === 'all') return;
  const m = /^\/library\/(metadata|collections|sections)\/([0-9]+)\//.exec(path);
  const kind = m?.[1];
  const key = m?.[2];
  if (!kind || !key) throw new LibraryNotFoundError('No such image');
  let section: string | null | undefined;
  if (kind === 'sections') section = key;
  else {
    const now = deps.clock.now();
    const memo = `${view.householdId} ${server.id} ${kind} ${key}`;
    const known = sectionOfItem.get(memo);
    if (known && now - known.at < IMAGE_SECTION_TTL_MS) section = known.section;
    else {
      // The household's token: the question is where the item lives, not what this member may see.
      // A missing item is a LibraryNotFoundError from onServer: the same 404 as a refused image.
      const found = await onServer(deps, view, server, (c) => c.item(key), server.householdClient);
      section = found?.librarySectionID === undefined ? null : String(found.librarySectionID);
      if (sectionOfItem.size >= MAX_REMEMBERED_SECTIONS) {
        const oldest = sectionOfItem.keys().next().value;
        if (oldest !== undefined) sectionOfItem.delete(oldest);
      }
      sectionOfItem.delete(memo);
      sectionOfItem.set(memo, { section, at: now });
    }
  }
  if (section === null || !canSee(server.visible, section)) throw new LibraryNotFoundError('No such image');
}

async function fetchAndStore(
  deps: LibraryDeps,
  server: ServerView,
  key: string,
  input: { serverId: string; path: string; width: number; height: number },
): Promise<{ body: Uint8Array; contentType: string }> {
  let photo: Awaited<ReturnType<ServerView['householdClient']['fetchPhoto']>>;
  try {
    photo = await server.householdClient.fetchPhoto({
      path: input.path,
      width: input.width,
      height: input.height,
      format: 'jpg',
    });
  } catch (err) {
    throw serverFailure(err, server.name, server.id);
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
