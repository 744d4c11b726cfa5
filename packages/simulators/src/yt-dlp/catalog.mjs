// Simulated YouTube for the fake yt-dlp: videos and playlists come from the catalog file named by
// FAKE_YTDLP_CATALOG, with built-in defaults for any `youtube.com/watch?v=<id>`,
// `youtube.com/playlist?list=<id>` or channel URL that the catalog does not list. Info dicts follow
// the shapes yt-dlp's youtube / youtube:tab extractors return (PROTOCOLS.md §5 common fields).

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * @typedef {object} CatalogVideo
 * @property {string} id
 * @property {string} [url]            defaults to https://www.youtube.com/watch?v=<id>
 * @property {string} [title]
 * @property {string} [channel]
 * @property {string} [channel_id]
 * @property {string} [uploader]
 * @property {string} [uploader_id]
 * @property {string} [upload_date]    YYYYMMDD
 * @property {number} [timestamp]
 * @property {number} [duration]       seconds
 * @property {string} [thumbnail]
 * @property {string} [description]
 * @property {number} [view_count]
 * @property {string[]} [tags]
 * @property {boolean} [private]       "Private video. Sign in if you've been granted access…"
 * @property {boolean} [unavailable]   "Video unavailable"
 * @property {boolean} [unsupported]   "Unsupported URL: <url>"
 * @property {string} [error]          any other extraction error message, printed after "[youtube] <id>: "
 * @property {'clip' | 'big'} [sample] which sample media the download writes (default clip)
 */

/**
 * @typedef {object} CatalogPlaylist
 * @property {string} id
 * @property {string} [url]            defaults to https://www.youtube.com/playlist?list=<id>
 * @property {string} [title]
 * @property {string} [channel]
 * @property {string} [channel_id]
 * @property {string} [uploader]
 * @property {string} [uploader_id]
 * @property {string} [description]
 * @property {Array<string | CatalogVideo>} entries   video ids (catalog or built-in) or inline videos
 */

/**
 * @typedef {object} Catalog
 * @property {CatalogVideo[]} [videos]
 * @property {CatalogPlaylist[]} [playlists]
 */

/** @returns {Catalog} */
export function loadCatalog() {
  const file = process.env.FAKE_YTDLP_CATALOG;
  if (!file) return {};
  let parsed;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`FAKE_YTDLP_CATALOG ${file} is not a readable JSON catalog: ${String(error)}`);
  }
  return normalizeCatalog(parsed);
}

/**
 * Accepts both catalog forms: `{ videos: [...], playlists: [...] }`, or a map from URL to a video
 * (or, with `entries`, a playlist) whose `id` defaults to the one in the URL.
 * @param {unknown} parsed
 * @returns {Catalog}
 */
export function normalizeCatalog(parsed) {
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  const obj = /** @type {Record<string, any>} */ (parsed);
  if (Array.isArray(obj.videos) || Array.isArray(obj.playlists)) return obj;
  /** @type {CatalogVideo[]} */
  const videos = [];
  /** @type {CatalogPlaylist[]} */
  const playlists = [];
  for (const [url, value] of Object.entries(obj)) {
    if (!value || typeof value !== 'object') continue;
    const yt = parseYoutubeUrl(url);
    const id =
      value.id ??
      yt?.id ??
      url
        .replace(/[?#].*$/, '')
        .replace(/\/+$/, '')
        .split('/')
        .at(-1) ??
      url;
    if (Array.isArray(value.entries)) playlists.push({ ...value, id, url });
    else videos.push({ ...value, id, url });
  }
  return { videos, playlists };
}

/** @param {string} seed */
function hash(seed) {
  return createHash('sha256').update(seed).digest();
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A stable 11-character YouTube-like id. @param {string} seed */
export function fakeVideoId(seed) {
  const bytes = hash(seed);
  let id = '';
  for (let i = 0; i < 11; i++) id += ID_ALPHABET[(bytes[i] ?? 0) % 64];
  return id;
}

/**
 * Recognises YouTube URLs. `{ kind: 'video', id }`, `{ kind: 'playlist', id, videoId? }`,
 * `{ kind: 'channel', id }` or undefined.
 * @param {string} url
 */
export function parseYoutubeUrl(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const host = u.hostname.replace(/^(www|m|music)\./, '');
  if (host === 'youtu.be') {
    const id = u.pathname.slice(1).split('/')[0];
    return id ? { kind: /** @type {const} */ ('video'), id } : undefined;
  }
  if (host !== 'youtube.com' && host !== 'youtube-nocookie.com') return undefined;
  const list = u.searchParams.get('list') ?? undefined;
  const v = u.searchParams.get('v') ?? undefined;
  if (u.pathname === '/watch' && v) {
    return list
      ? { kind: /** @type {const} */ ('playlist'), id: list, videoId: v }
      : { kind: /** @type {const} */ ('video'), id: v };
  }
  const shorts = /^\/(?:shorts|embed|live|v)\/([\w-]{6,})/.exec(u.pathname);
  if (shorts?.[1]) return { kind: /** @type {const} */ ('video'), id: shorts[1] };
  if (u.pathname === '/playlist' && list) return { kind: /** @type {const} */ ('playlist'), id: list };
  const channel = /^\/(@[\w.-]+|channel\/[\w-]+|c\/[\w-]+|user\/[\w-]+)/.exec(u.pathname);
  if (channel?.[1]) return { kind: /** @type {const} */ ('channel'), id: channel[1] };
  return undefined;
}

/**
 * Fills a catalog (or built-in) video with the fields a real extraction would give.
 * @param {CatalogVideo} video
 * @returns {Required<Pick<CatalogVideo, 'id' | 'title' | 'channel' | 'channel_id' | 'uploader' | 'uploader_id' | 'upload_date' | 'duration' | 'thumbnail' | 'description' | 'view_count' | 'sample'>> & CatalogVideo}
 */
export function completeVideo(video) {
  const h = hash(`video:${video.id}`);
  const day = new Date(Date.UTC(2019, 0, 1) + (h.readUInt32BE(0) % 2000) * 86_400_000);
  const uploadDate = `${day.getUTCFullYear()}${String(day.getUTCMonth() + 1).padStart(2, '0')}${String(day.getUTCDate()).padStart(2, '0')}`;
  const channel = video.channel ?? video.uploader ?? 'Simulated Channel';
  const channelId =
    video.channel_id ??
    `UC${fakeVideoId(`channel:${channel}`)}${fakeVideoId(`channel2:${channel}`)}`.slice(0, 24);
  return {
    ...video,
    title: video.title ?? `Simulated video ${video.id}`,
    channel,
    channel_id: channelId,
    uploader: video.uploader ?? channel,
    uploader_id: video.uploader_id ?? `@${channel.replace(/[^\w]/g, '')}`,
    upload_date: video.upload_date ?? uploadDate,
    duration: video.duration ?? 60 + (h.readUInt16BE(4) % 1800),
    thumbnail: video.thumbnail ?? `https://i.ytimg.com/vi_webp/${video.id}/maxresdefault.webp`,
    description: video.description ?? `A simulated video (${video.id}) served by the MediaNest fake yt-dlp.`,
    view_count: video.view_count ?? h.readUInt32BE(8) % 1_000_000,
    sample: video.sample ?? 'clip',
  };
}

/**
 * @param {Catalog} catalog
 * @param {string} url
 * @param {{ noPlaylist?: boolean }} options
 * @returns {{ kind: 'video', video: CatalogVideo } | { kind: 'playlist', playlist: CatalogPlaylist, extractor: string, videoId?: string } | undefined}
 */
export function resolve(catalog, url, options = {}) {
  const videos = catalog.videos ?? [];
  const playlists = catalog.playlists ?? [];
  const exactVideo = videos.find((v) => v.url === url);
  if (exactVideo) return { kind: 'video', video: exactVideo };
  const exactPlaylist = playlists.find((p) => p.url === url);
  if (exactPlaylist) return { kind: 'playlist', playlist: exactPlaylist, extractor: 'youtube:tab' };
  const yt = parseYoutubeUrl(url);
  if (!yt) return undefined;
  if (yt.kind === 'video' || (yt.kind === 'playlist' && yt.videoId && options.noPlaylist)) {
    const id = yt.kind === 'video' ? yt.id : /** @type {string} */ (yt.videoId);
    return { kind: 'video', video: videos.find((v) => v.id === id) ?? { id } };
  }
  const listed = playlists.find((p) => p.id === yt.id);
  if (listed) {
    return {
      kind: 'playlist',
      playlist: listed,
      extractor: 'youtube:tab',
      ...(yt.kind === 'playlist' && yt.videoId ? { videoId: yt.videoId } : {}),
    };
  }
  const isChannel = yt.kind === 'channel';
  const name = isChannel ? yt.id.replace(/^(channel|c|user)\//, '') : yt.id;
  /** @type {CatalogPlaylist} */
  const builtIn = {
    id: isChannel ? `UC${fakeVideoId(`channel:${name}`)}${fakeVideoId(`c2:${name}`)}`.slice(0, 24) : yt.id,
    title: isChannel ? `${name.replace(/^@/, '')} - Videos` : `Simulated playlist ${yt.id}`,
    channel: isChannel ? name.replace(/^@/, '') : 'Simulated Channel',
    // Built-in channel uploads belong to that channel; playlist items to a default one.
    entries: [0, 1, 2].map((i) => {
      const id = fakeVideoId(`${yt.id}:${i}`);
      return isChannel ? { id, channel: name.replace(/^@/, '') } : id;
    }),
  };
  return {
    kind: 'playlist',
    playlist: builtIn,
    extractor: 'youtube:tab',
    ...(yt.kind === 'playlist' && yt.videoId ? { videoId: yt.videoId } : {}),
  };
}

/**
 * Looks up a playlist entry: an inline video, a catalog video by id, or a built-in.
 * @param {Catalog} catalog @param {string | CatalogVideo} entry
 * @returns {CatalogVideo}
 */
export function entryVideo(catalog, entry) {
  if (typeof entry !== 'string') return entry;
  return (catalog.videos ?? []).find((v) => v.id === entry) ?? { id: entry };
}

/**
 * The error a catalog video raises on extraction, as printed after "ERROR: ".
 * @param {CatalogVideo} video @param {string} url @param {string} [ie] extractor name
 */
export function videoError(video, url, ie = 'youtube') {
  if (video.unsupported) return `Unsupported URL: ${url}`;
  // Built-in ids that start with these words fail the same way, so tests need no catalog.
  if (video.private || /^private/i.test(video.id)) {
    return `[${ie}] ${video.id}: Private video. Sign in if you've been granted access to this video`;
  }
  if (video.unavailable || /^(unavailable|gone)/i.test(video.id))
    return `[${ie}] ${video.id}: Video unavailable`;
  if (video.error) return `[${ie}] ${video.id}: ${video.error}`;
  return undefined;
}

/** @param {string} id */
export function watchUrl(id) {
  return `https://www.youtube.com/watch?v=${id}`;
}
