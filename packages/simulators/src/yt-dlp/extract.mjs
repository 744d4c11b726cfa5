// Extractors of the fake yt-dlp: the simulated YouTube (catalog + built-ins) and a faithful
// subset of the generic extractor for plain http(s) URLs (direct media, M3U, HTML5 <video> pages,
// "Unsupported URL"), which really fetches the URL, so it works against the loopback media server.

import { statSync } from 'node:fs';
import { completeVideo, entryVideo, resolve, videoError, watchUrl } from './catalog.mjs';
import { HttpFailure, open, parseHttpDate, readAll, YtError } from './http.mjs';

/**
 * @typedef {object} ExtractContext
 * @property {(line: string) => void} screen     a to_screen line (suppressed when quiet)
 * @property {(line: string) => void} warn       a WARNING line on stderr
 * @property {(line: string) => void} debug      a [debug] line on stderr when verbose
 * @property {Record<string, string>} headers    the run's default http headers
 * @property {import('./catalog.mjs').Catalog} catalog
 * @property {import('../media-server/samples.mjs').Samples} samples
 * @property {boolean} noPlaylist
 * @property {number} socketTimeout
 */

const BUG_REPORT =
  '; please report this issue on  https://github.com/yt-dlp/yt-dlp/issues?q= , filling out the appropriate issue template. Confirm you are on the latest version using  yt-dlp -U';

/**
 * Extracts one URL into a raw info dict (`_type` video or playlist), printing the extractor's
 * screen lines on the way. Throws YtError with the text that follows "ERROR: ".
 * @param {ExtractContext} ctx @param {string} url
 * @returns {Promise<Record<string, any>>}
 */
export async function extract(ctx, url) {
  const hit = resolve(ctx.catalog, url, { noPlaylist: ctx.noPlaylist });
  if (hit?.kind === 'video') return extractVideo(ctx, url, hit.video);
  if (hit?.kind === 'playlist') return extractPlaylist(ctx, url, hit.playlist, hit.videoId);
  return extractGeneric(ctx, url);
}

/**
 * @param {ExtractContext} ctx @param {string} url @param {import('./catalog.mjs').CatalogVideo} video
 */
export function extractVideo(ctx, url, video) {
  const isYoutube = !video.url || /youtu\.?be/.test(new URL(url).hostname);
  const ie = isYoutube ? 'youtube' : 'generic';
  ctx.screen(`[${ie}] Extracting URL: ${url}`);
  ctx.screen(`[${ie}] ${video.id}: Downloading webpage`);
  const failure = videoError(video, url, ie);
  if (failure) throw new YtError(failure);
  if (isYoutube) ctx.screen(`[${ie}] ${video.id}: Downloading android player API JSON`);
  return youtubeInfo(ctx, completeVideo(video), url);
}

/**
 * The info dict yt-dlp's youtube extractor returns, with three formats whose bytes are the
 * sample media: video-only, audio-only (merged by default) and a combined one.
 * @param {ExtractContext} ctx
 * @param {ReturnType<typeof completeVideo>} v
 * @param {string} url
 */
export function youtubeInfo(ctx, v, url) {
  const big = v.sample === 'big';
  const s = ctx.samples;
  const size = (/** @type {string} */ file) => statSync(file).size;
  const [w, h] = big ? [640, 360] : [320, 240];
  const videoItag = big ? '134' : '133';
  const note = `${h}p`;
  const cdn = (/** @type {string} */ itag) =>
    `https://rr3---sn-fake.googlevideo.com/videoplayback?expire=4102444800&id=${v.id}&itag=${itag}&source=youtube`;
  const audio = {
    asr: 44100,
    filesize: size(big ? s.bigAudio : s.clipAudio),
    format_id: '140',
    format_note: 'medium',
    source_preference: -1,
    fps: null,
    audio_channels: 2,
    height: null,
    quality: 3,
    has_drm: false,
    tbr: 64.0,
    url: cdn('140'),
    width: null,
    language: null,
    language_preference: -1,
    preference: null,
    ext: 'm4a',
    vcodec: 'none',
    acodec: 'mp4a.40.2',
    dynamic_range: null,
    container: 'm4a_dash',
  };
  const combined = {
    asr: 44100,
    filesize: size(big ? s.big : s.clipOne),
    format_id: '18',
    format_note: note,
    source_preference: -1,
    fps: 25,
    audio_channels: 2,
    height: h,
    quality: 1,
    has_drm: false,
    tbr: 350.0,
    url: cdn('18'),
    width: w,
    language: null,
    language_preference: -1,
    preference: null,
    ext: 'mp4',
    vcodec: 'avc1.42001E',
    acodec: 'mp4a.40.2',
    dynamic_range: 'SDR',
  };
  const videoOnly = {
    asr: null,
    filesize: size(big ? s.bigVideo : s.clipVideo),
    format_id: videoItag,
    format_note: note,
    source_preference: -1,
    fps: 25,
    audio_channels: null,
    height: h,
    quality: 4,
    has_drm: false,
    tbr: 300.0,
    url: cdn(videoItag),
    width: w,
    language: null,
    language_preference: -1,
    preference: null,
    ext: 'mp4',
    vcodec: 'avc1.4d401e',
    acodec: 'none',
    dynamic_range: 'SDR',
    container: 'mp4_dash',
  };
  return {
    id: v.id,
    title: v.title,
    formats: [audio, combined, videoOnly],
    thumbnails: [{ url: v.thumbnail, preference: -1, id: '0' }],
    thumbnail: v.thumbnail,
    description: v.description,
    uploader: v.uploader,
    uploader_id: v.uploader_id,
    uploader_url: `https://www.youtube.com/${v.uploader_id}`,
    channel_id: v.channel_id,
    channel_url: `https://www.youtube.com/channel/${v.channel_id}`,
    duration: v.duration,
    view_count: v.view_count,
    average_rating: null,
    age_limit: 0,
    webpage_url: watchUrl(v.id),
    categories: ['People & Blogs'],
    tags: v.tags ?? [],
    playable_in_embed: true,
    live_status: 'not_live',
    release_timestamp: null,
    automatic_captions: {},
    subtitles: {},
    comment_count: null,
    chapters: null,
    like_count: Math.floor(v.view_count / 50),
    channel: v.channel,
    channel_follower_count: 1234,
    upload_date: v.upload_date,
    ...(v.timestamp !== undefined ? { timestamp: v.timestamp } : {}),
    availability: 'public',
    original_url: url,
    webpage_url_basename: 'watch',
    webpage_url_domain: 'youtube.com',
    extractor: 'youtube',
    extractor_key: 'Youtube',
    __sample: v.sample,
  };
}

/**
 * @param {ExtractContext} ctx @param {string} url
 * @param {import('./catalog.mjs').CatalogPlaylist} playlist @param {string} [videoId]
 */
function extractPlaylist(ctx, url, playlist, videoId) {
  ctx.screen(`[youtube:tab] Extracting URL: ${url}`);
  if (videoId)
    ctx.screen(
      `[youtube:tab] Downloading playlist ${playlist.id} - add --no-playlist to download just the video ${videoId}`,
    );
  ctx.screen(`[youtube:tab] ${playlist.id}: Downloading webpage`);
  const channel = playlist.channel ?? playlist.uploader ?? 'Simulated Channel';
  const entries = playlist.entries.map((entry) => {
    const raw = entryVideo(ctx.catalog, entry);
    const v = completeVideo(raw);
    return {
      _type: 'url',
      ie_key: 'Youtube',
      id: v.id,
      url: raw.url ?? watchUrl(v.id),
      title: raw.private || /^private/i.test(v.id) ? '[Private video]' : v.title,
      description: null,
      duration: raw.private ? null : v.duration,
      channel_id: v.channel_id,
      channel: v.channel,
      channel_url: `https://www.youtube.com/channel/${v.channel_id}`,
      uploader: v.uploader,
      uploader_id: v.uploader_id,
      uploader_url: `https://www.youtube.com/${v.uploader_id}`,
      thumbnails: [{ url: `https://i.ytimg.com/vi/${v.id}/hqdefault.jpg`, height: 270, width: 480 }],
      timestamp: null,
      release_timestamp: null,
      availability: null,
      view_count: v.view_count,
      live_status: null,
    };
  });
  const channelId = playlist.channel_id ?? entries[0]?.channel_id ?? null;
  return {
    id: playlist.id,
    title: playlist.title ?? `Simulated playlist ${playlist.id}`,
    availability: 'public',
    channel_follower_count: null,
    description: playlist.description ?? '',
    tags: [],
    thumbnails: [],
    modified_date: null,
    view_count: null,
    playlist_count: entries.length,
    channel,
    channel_id: channelId,
    uploader_id: playlist.uploader_id ?? `@${channel.replace(/[^\w]/g, '')}`,
    uploader: playlist.uploader ?? channel,
    channel_url: channelId ? `https://www.youtube.com/channel/${channelId}` : null,
    uploader_url: null,
    _type: 'playlist',
    entries,
    extractor_key: 'YoutubeTab',
    extractor: 'youtube:tab',
    webpage_url: url,
    original_url: url,
    webpage_url_basename: new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? '',
    webpage_url_domain: 'youtube.com',
  };
}

/** _generic_id: the URL's last path segment without extension, unquoted. @param {string} url */
export function genericId(url) {
  const last = url.replace(/\/+$/, '').split('/').at(-1) ?? '';
  const dot = last.lastIndexOf('.');
  const stem = dot > 0 ? last.slice(0, dot) : last;
  try {
    return decodeURIComponent(stem);
  } catch {
    return stem;
  }
}

/** url_basename: last segment of the path (no query). @param {string} url */
function urlBasename(url) {
  return (
    new URL(url).pathname
      .replace(/^\/+|\/+$/g, '')
      .split('/')
      .at(-1) ?? ''
  );
}

/** get_domain keeps the port, e.g. "127.0.0.1:8000". @param {string} url */
export function urlDomain(url) {
  return new URL(url).host.replace(/^www\./, '');
}

/** @param {string} url */
function determineExt(url) {
  const m = /\.([a-z0-9]{1,5})$/i.exec(new URL(url).pathname);
  return m?.[1]?.toLowerCase() ?? 'unknown_video';
}

/**
 * @param {ExtractContext} ctx @param {string} url
 * @returns {Promise<Record<string, any>>}
 */
async function extractGeneric(ctx, url) {
  if (!/^https?:\/\//i.test(url)) {
    throw new YtError(
      `[generic] '${url}' is not a valid URL. Set --default-search "ytsearch" (or run  yt-dlp "ytsearch:${url}" ) to search YouTube`,
    );
  }
  ctx.screen(`[generic] Extracting URL: ${url}`);
  const id = genericId(url);
  ctx.screen(`[generic] ${id}: Downloading webpage`);
  /** @type {import('./http.mjs').OpenResponse} */
  let res;
  try {
    res = await open(url, {
      headers: { ...ctx.headers, 'Accept-Encoding': 'identity' },
      timeoutSeconds: ctx.socketTimeout,
    });
  } catch (error) {
    if (error instanceof HttpFailure) {
      const suffix = error.unexpected ? BUG_REPORT : '';
      throw new YtError(`[generic] None: Unable to download webpage: ${error.message}${suffix}`);
    }
    throw error;
  }
  if (res.url !== url) {
    res.body.destroy();
    ctx.screen(`[generic] Following redirect to ${res.url}`);
    return extract(ctx, res.url);
  }
  const timestamp = parseHttpDate(/** @type {string | undefined} */ (res.headers['last-modified']));
  const info = { id, title: genericId(url) || 'video', timestamp };
  const contentType = String(res.headers['content-type'] ?? '').toLowerCase();
  const m = /^(audio|video|application(?=\/(?:ogg$|(?:vnd\.apple\.|x-)?mpegurl)))\/([^;\s]+)/.exec(
    contentType,
  );
  if (m) {
    ctx.debug('Identified a direct video link');
    const formatId = /** @type {string} */ (m[2]);
    if (formatId.endsWith('mpegurl') || determineExt(url) === 'm3u8') {
      const text = (await readAll(res.body)).toString('utf8');
      ctx.screen(`[generic] ${id}: Downloading m3u8 information`);
      return { ...info, formats: m3uFormats(text, url), subtitles: {}, http_headers: null };
    }
    res.body.destroy();
    return {
      ...info,
      direct: true,
      formats: [{ format_id: formatId, url, vcodec: m[1] === 'audio' ? 'none' : null }],
      subtitles: {},
      http_headers: null,
    };
  }
  ctx.warn('[generic] Falling back on generic information extractor');
  const body = await readAll(res.body);
  const first = body.subarray(0, 512).toString('utf8');
  if (first.startsWith('#EXTM3U')) {
    ctx.screen(`[generic] ${id}: Downloading m3u8 information`);
    return { ...info, formats: m3uFormats(body.toString('utf8'), url), subtitles: {} };
  }
  if (!/^\s*</.test(first.replace(/^\uFEFF/, ''))) {
    ctx.warn('[generic] URL could be a direct video link, returning it as such.');
    return { ...info, direct: true, url };
  }
  const html = body.toString('utf8');
  ctx.screen(`[generic] ${id}: Extracting information`);
  const pageTitle =
    metaContent(html, 'og:title') ?? htmlTitle(html) ?? (genericId(urlBasename(url)) || 'video');
  const page = {
    ...info,
    title: pageTitle,
    description: metaContent(html, 'og:description') ?? null,
    thumbnail: metaContent(html, 'og:image') ?? null,
    age_limit: 0,
  };
  const media = html5Media(html, url);
  if (media.length === 0) throw new YtError(`Unsupported URL: ${url}`);
  const entries = media.map((entry, index) => {
    const num = index + 1;
    return {
      formats: entry.sources.map((src, i) => ({
        ext: src.ext,
        width: null,
        height: null,
        tbr: null,
        format_id: String(i),
        url: src.url,
        vcodec: entry.kind === 'audio' ? 'none' : null,
        http_headers: { ...ctx.headers, Referer: url },
      })),
      subtitles: {},
      thumbnail: entry.poster,
      id: `${id}-${num}`,
      title: `${pageTitle} (${num})`,
      _old_archive_ids: [`generic ${media.length > 1 ? `${id}-${num}` : id}`],
      extractor: 'html5',
      extractor_key: 'HTML5MediaEmbed',
    };
  });
  if (entries.length === 1) return { ...page, ...entries[0] };
  return { ...page, _type: 'playlist', entries };
}

/** @param {string} text @param {string} manifestUrl */
function m3uFormats(text, manifestUrl) {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  return lines.map((line, i) => ({
    format_id: String(i),
    format_index: null,
    url: new URL(line, manifestUrl).toString(),
    manifest_url: manifestUrl,
    tbr: null,
    ext: 'mp4',
    fps: null,
    protocol: 'm3u8_native',
    preference: null,
    quality: null,
    has_drm: null,
  }));
}

/** @param {string} html */
function htmlTitle(html) {
  const m = /<title[^>]*>([^<]*)<\/title>/i.exec(html);
  return m?.[1]?.trim() ? decodeEntities(m[1].trim()) : undefined;
}

/** @param {string} html @param {string} property */
function metaContent(html, property) {
  for (const tag of html.match(/<meta\b[^>]*>/gi) ?? []) {
    const name = attr(tag, 'property') ?? attr(tag, 'name');
    if (name === property) return attr(tag, 'content');
  }
  return undefined;
}

/** @param {string} tag @param {string} name */
function attr(tag, name) {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  if (!m) return undefined;
  return decodeEntities(m[1] ?? m[2] ?? m[3] ?? '');
}

/** @param {string} s */
function decodeEntities(s) {
  return s
    .replaceAll('&amp;', '&')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'");
}

/**
 * `<video>`/`<audio>` elements with their sources and poster (_parse_html5_media_entries).
 * @param {string} html @param {string} base
 */
function html5Media(html, base) {
  /** @type {Array<{ kind: string, poster: string | null, sources: Array<{ url: string, ext: string }> }>} */
  const found = [];
  const re = /<(video|audio)\b([^>]*)>([\s\S]*?)<\/\1>/gi;
  for (const m of html.matchAll(re)) {
    const [, kind = 'video', attrs = '', inner = ''] = m;
    const open = `<${kind}${attrs}>`;
    /** @type {Array<{ url: string, ext: string }>} */
    const sources = [];
    const direct = attr(open, 'src');
    if (direct) sources.push(source(direct, undefined, base));
    for (const s of inner.match(/<source\b[^>]*>/gi) ?? []) {
      const src = attr(s, 'src');
      if (src) sources.push(source(src, attr(s, 'type'), base));
    }
    if (sources.length === 0) continue;
    const poster = attr(open, 'poster');
    found.push({
      kind: kind.toLowerCase(),
      poster: poster ? new URL(poster, base).toString() : null,
      sources,
    });
  }
  return found;
}

/** @param {string} src @param {string | undefined} type @param {string} base */
function source(src, type, base) {
  const url = new URL(src, base).toString();
  const fromType = type ? /^(?:video|audio)\/(?:x-)?([\w-]+)/.exec(type)?.[1] : undefined;
  const ext = fromType === 'mpeg' ? 'mp3' : (fromType ?? determineExt(url));
  return { url, ext };
}
