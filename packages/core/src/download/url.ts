/**
 * What a member may paste: an http(s) link to a site yt-dlp supports for us (YouTube and a few
 * well-known video sites) or a direct link to a media file. Anything else is refused before a
 * job exists, with a message that says what to paste instead. The agent's resolve step is the
 * final word (yt-dlp may still call a page "Unsupported URL"); this check only keeps garbage,
 * credentials in URLs and odd schemes out of the queue.
 */
import { InvalidUrlError, UnsupportedSiteError } from './errors.ts';

/** Hosts (and their subdomains) whose yt-dlp extractors we support. */
export const KNOWN_SITES = [
  'youtube.com',
  'youtu.be',
  'youtube-nocookie.com',
  'vimeo.com',
  'dailymotion.com',
  'twitch.tv',
  'soundcloud.com',
  'bandcamp.com',
  'archive.org',
] as const;

export const MEDIA_EXTENSIONS = [
  'mp4',
  'm4v',
  'mkv',
  'webm',
  'mov',
  'avi',
  'ts',
  'mp3',
  'm4a',
  'aac',
  'ogg',
  'opus',
  'flac',
  'wav',
  'm3u8',
  'm3u',
] as const;

export interface ValidatedUrl {
  url: string;
  /** `site` (a known extractor) or `direct` (a media file by extension). */
  kind: 'site' | 'direct';
  host: string;
}

const MAX_URL_LENGTH = 2048;

export function validateUrl(raw: string): ValidatedUrl {
  const text = raw.trim();
  if (text === '') throw new InvalidUrlError('Paste a link to a video or playlist');
  if (text.length > MAX_URL_LENGTH) throw new InvalidUrlError('That link is too long');
  if (/\s/.test(text)) throw new InvalidUrlError('A link cannot contain spaces');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidUrlError(`"${text.slice(0, 80)}" is not a link: it should start with https://`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidUrlError(
      `Only http and https links can be downloaded (not ${url.protocol.slice(0, -1)})`,
    );
  }
  if (url.username || url.password)
    throw new InvalidUrlError('Links with a user name or password are refused');
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (host === '') throw new InvalidUrlError('That link has no host');
  if (KNOWN_SITES.some((s) => host === s || host.endsWith(`.${s}`))) {
    return { url: url.toString(), kind: 'site', host };
  }
  const ext = /\.([a-z0-9]{2,4})$/i.exec(url.pathname)?.[1]?.toLowerCase();
  if (ext && (MEDIA_EXTENSIONS as readonly string[]).includes(ext)) {
    return { url: url.toString(), kind: 'direct', host };
  }
  throw new UnsupportedSiteError(host);
}
