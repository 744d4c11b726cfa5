// The fake yt-dlp: the command-line surface MediaNest's downloader uses, behaving like the Debian
// yt-dlp 2023.03.04 captured in shared/fixtures/yt-dlp (same stdout/stderr line shapes, exit codes
// 0/1/2/101, `.part` files left on SIGINT/SIGTERM). Videos come from a catalog (FAKE_YTDLP_CATALOG)
// or built-in YouTube defaults; plain http(s) URLs go through a real generic extractor. Downloads
// write real media (sample files, merged/tagged with ffmpeg when present) paced by
// FAKE_YTDLP_BYTES_PER_SEC and --limit-rate.
//
// Plain JavaScript with JSDoc so it runs on any Node >= 18 without a build or type stripping.

import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { release } from 'node:os';
import { dirname, extname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { ensureSamples, hasFfmpeg, run } from '../media-server/samples.mjs';
import { loadCatalog } from './catalog.mjs';
import { extract, urlDomain } from './extract.mjs';
import { HttpFailure, open, randomHeaders, readAll, YtError } from './http.mjs';
import { DEFAULT_VERSION, parseArgs, USAGE } from './options.mjs';
import { evaluateTemplate } from './outtmpl.mjs';
import {
  bytes10,
  formatEta,
  formatPercent,
  formatSeconds,
  formatSpeed,
  parseBytes,
  pyJson,
} from './pyfmt.mjs';

const RELEASE_GIT_HEAD = '392389b7df7b818f794b231f14dc396d4875fbad';
const DEFAULT_OUTTMPL = '%(title)s [%(id)s].%(ext)s';
const OUTTMPL_TYPES = new Set([
  'subtitle',
  'thumbnail',
  'description',
  'annotation',
  'infojson',
  'link',
  'pl_thumbnail',
  'pl_description',
  'pl_infojson',
  'chapter',
  'pl_video',
]);
const PRINT_WHEN = [
  'pre_process',
  'after_filter',
  'video',
  'before_dl',
  'post_process',
  'after_move',
  'after_video',
  'playlist',
];

/** Stops the whole run (an error without --ignore-errors semantics, or a usage error). */
class Abort extends Error {}
class MaxDownloadsReached extends Error {}

/**
 * Runs the fake and resolves with its exit code.
 * @param {string[]} argv
 * @returns {Promise<number>}
 */
export async function main(argv) {
  const version = process.env.FAKE_YTDLP_VERSION || DEFAULT_VERSION;
  const parsed = parseArgs(argv, version);
  if (parsed.kind === 'usage') return usageError(parsed.message);
  const { opts, urls } = parsed;
  if (opts.version) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n\nThe MediaNest fake yt-dlp (emulating yt-dlp ${version}).\n`);
    return 0;
  }
  if (opts.update) {
    process.stderr.write(
      'ERROR: You installed yt-dlp with a package manager or setup.py; Use that to update.\n' +
        'To update to the latest version, use that package manager\n',
    );
    return 100;
  }
  const problem = validate(opts);
  if (problem) return usageError(problem);
  if (urls.length === 0) {
    return usageError('You must provide at least one URL.\nType yt-dlp --help to see a list of all options.');
  }
  const ctx = await createContext(opts, argv, version);
  process.on('SIGINT', () => {
    // Like KeyboardInterrupt in yt-dlp: the .part file stays, the message goes to stderr.
    process.stderr.write('\nERROR: Interrupted by user\n');
    process.exit(1);
  });
  return runUrls(ctx, urls);
}

/** @param {string} message */
function usageError(message) {
  process.stderr.write(`\n${USAGE}\n\nyt-dlp: error: ${message}\n`);
  return 2;
}

/** @param {Record<string, any>} opts @returns {string | undefined} */
function validate(opts) {
  if (opts.maxDownloads !== undefined && !/^\d+$/.test(opts.maxDownloads)) {
    return `option --max-downloads: invalid integer value: '${opts.maxDownloads}'`;
  }
  if (opts.limitRate !== undefined && parseBytes(opts.limitRate) === undefined) {
    return `invalid rate limit "${opts.limitRate}" specified`;
  }
  if (opts.convertThumbnails !== undefined && !/^(jpg|png|webp)(\/.*)?$|>/.test(opts.convertThumbnails)) {
    return `invalid thumbnail format "${opts.convertThumbnails}" given`;
  }
  if (
    opts.mergeOutputFormat !== undefined &&
    !/^(avi|flv|mkv|mov|mp4|webm)(\/|$)/.test(opts.mergeOutputFormat)
  ) {
    return `invalid merge output format "${opts.mergeOutputFormat}" given`;
  }
  if (opts.progressTemplate) {
    for (const t of opts.progressTemplate) {
      if (typeof t !== 'string') return 'invalid progress template';
    }
  }
  return undefined;
}

/**
 * @param {Record<string, any>} opts @param {string[]} argv @param {string} version
 */
async function createContext(opts, argv, version) {
  /** @type {Record<string, string[]>} */
  const forceprint = {};
  for (const item of opts.print ?? []) {
    const m = /^(\w+):([\s\S]*)$/.exec(item);
    const when =
      m && PRINT_WHEN.includes(/** @type {string} */ (m[1])) ? /** @type {string} */ (m[1]) : 'video';
    const template = m && when === m[1] ? /** @type {string} */ (m[2]) : item;
    forceprint[when] = [...(forceprint[when] ?? []), template];
  }
  const printOnly =
    Object.keys(forceprint).length > 0 &&
    Object.keys(forceprint).every(
      (k) => !['before_dl', 'post_process', 'after_move', 'after_video', 'playlist'].includes(k),
    );
  const anyGetting = Boolean(opts.dumpJson || opts.dumpSingleJson);
  const quiet = Boolean(opts.quiet || anyGetting || Object.keys(forceprint).length > 0);
  const simulate = opts.simulate === undefined ? printOnly || anyGetting : Boolean(opts.simulate);

  /** @type {Record<string, string>} */
  const outtmpl = { default: DEFAULT_OUTTMPL };
  for (const o of opts.output ?? []) {
    const m = /^(\w+):([\s\S]*)$/.exec(o);
    if (m && OUTTMPL_TYPES.has(/** @type {string} */ (m[1])))
      outtmpl[/** @type {string} */ (m[1])] = /** @type {string} */ (m[2]);
    else outtmpl.default = o;
  }
  /** @type {Record<string, string>} */
  const paths = {};
  for (const p of opts.paths ?? []) {
    const m = /^(\w+):([\s\S]*)$/.exec(p);
    if (m && (m[1] === 'home' || m[1] === 'temp' || OUTTMPL_TYPES.has(/** @type {string} */ (m[1])))) {
      paths[/** @type {string} */ (m[1])] = expandUser(/** @type {string} */ (m[2]));
    } else paths.home = expandUser(p);
  }
  /** @type {Record<string, string>} */
  const progressTemplate = {};
  for (const t of opts.progressTemplate ?? []) {
    const m = /^(download|download-title|postprocess|postprocess-title):([\s\S]*)$/.exec(t);
    if (m) progressTemplate[/** @type {string} */ (m[1])] = /** @type {string} */ (m[2]);
    else progressTemplate.download = t;
  }
  const limit = opts.limitRate ? parseBytes(opts.limitRate) : undefined;
  const envRate = Number(process.env.FAKE_YTDLP_BYTES_PER_SEC);
  const rates = [limit, Number.isFinite(envRate) && envRate > 0 ? envRate : undefined].filter(
    (r) => r !== undefined,
  );
  const verbose = Boolean(opts.verbose);
  const ctx = {
    opts,
    version,
    verbose,
    quiet,
    simulate,
    noprogress: opts.progress === undefined ? quiet : !opts.progress,
    forceprint,
    outtmpl,
    paths,
    progressTemplate,
    rate: rates.length ? Math.min(.../** @type {number[]} */ (rates)) : null,
    maxDownloads: opts.maxDownloads !== undefined ? Number(opts.maxDownloads) : undefined,
    numDownloads: 0,
    retcode: 0,
    ignoreErrors: opts.ignoreErrors === undefined ? 'only_download' : opts.ignoreErrors,
    headers: randomHeaders(),
    catalog: loadCatalog(),
    samples: await ensureSamples(),
    ffmpeg: await hasFfmpeg(),
    archive: loadArchive(opts.downloadArchive),
  };
  if (verbose) debugHeader(ctx, argv);
  return ctx;
}

/** @typedef {Awaited<ReturnType<typeof createContext>>} Ctx */

/** --download-archive: lines of "<extractor key lowercased> <id>". @param {string | undefined} file */
function loadArchive(file) {
  /** @type {Set<string>} */
  const ids = new Set();
  if (file && existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) if (line.trim()) ids.add(line.trim());
  }
  return ids;
}

/** @param {Record<string, any>} info */
function archiveId(info) {
  return `${String(info.extractor_key ?? info.ie_key ?? 'generic').toLowerCase()} ${info.id}`;
}

/** The _match_entry archive check: true (and a screen line) when the video is recorded. @param {Ctx} ctx @param {Record<string, any>} info */
function inArchive(ctx, info) {
  if (!ctx.opts.downloadArchive || !ctx.archive.has(archiveId(info))) return false;
  screen(ctx, `[download] ${info.title ?? info.id ?? 'entry'} has already been recorded in the archive`);
  return true;
}

/** @param {string} p */
function expandUser(p) {
  return p.startsWith('~') ? join(process.env.HOME ?? '', p.slice(1)) : p;
}

/** @param {Ctx} ctx @param {string} message */
function screen(ctx, message) {
  if (ctx.quiet && !ctx.verbose) return;
  (ctx.quiet ? process.stderr : process.stdout).write(`${message}\n`);
}

/** @param {string} message */
function stdout(message) {
  process.stdout.write(`${message}\n`);
}

/** @param {Ctx} ctx @param {string} message */
function warn(ctx, message) {
  if (ctx.opts.noWarnings) return;
  process.stderr.write(`WARNING: ${message}\n`);
}

/** @param {Ctx} ctx @param {string} message */
function debug(ctx, message) {
  if (ctx.verbose) process.stderr.write(`[debug] ${message}\n`);
}

/** report_error: prints, marks the run failed, and aborts unless errors are ignored. */
/** @param {Ctx} ctx @param {string} message */
function reportError(ctx, message) {
  process.stderr.write(`ERROR: ${message}\n`);
  ctx.retcode = 1;
  if (!ctx.ignoreErrors) throw new Abort(message);
}

/** @param {Ctx} ctx @param {string[]} argv */
function debugHeader(ctx, argv) {
  const list = `[${argv.map((a) => `'${a.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`).join(', ')}]`;
  debug(ctx, `Command-line config: ${list}`);
  debug(
    ctx,
    'Encodings: locale UTF-8, fs utf-8, pref UTF-8, out utf-8 (No ANSI), error utf-8 (No ANSI), screen utf-8 (No ANSI)',
  );
  debug(ctx, `yt-dlp version stable@${ctx.version} [${RELEASE_GIT_HEAD.slice(0, 9)}] (debian*)`);
  debug(
    ctx,
    `Python 3.11.2 (CPython x86_64 64bit) - Linux-${release()}-x86_64-with-glibc2.36 (OpenSSL 3.0.19 27 Jan 2026, glibc 2.36)`,
  );
  debug(
    ctx,
    ctx.ffmpeg ? 'exe versions: ffmpeg 5.1.9-0 (setts), ffprobe 5.1.9-0, rtmpdump 2.4' : 'exe versions: none',
  );
  debug(
    ctx,
    'Optional libraries: Cryptodome-3.11.0, brotli-1.0.9, certifi-2022.09.24, mutagen-1.46.0, pyxattr-0.8.1, sqlite3-2.6.0, websockets-10.4',
  );
  debug(ctx, 'Proxy map: {}');
  debug(ctx, 'Loaded 1786 extractors');
}

/** @param {Ctx} ctx @param {string[]} urls */
async function runUrls(ctx, urls) {
  const template = ctx.outtmpl.default;
  if (urls.length > 1 && template !== '-' && !template.includes('%') && ctx.maxDownloads !== 1) {
    process.stderr.write(`ERROR: Fixed output name but more than one file to download: ${template}\n`);
    return 1;
  }
  for (const url of urls) {
    try {
      const result = await extractInfo(ctx, url);
      if (ctx.opts.dumpSingleJson) stdout(pyJson(result ? withVersion(ctx, result) : null));
    } catch (error) {
      if (error instanceof MaxDownloadsReached) {
        screen(ctx, '[info] Maximum number of downloads reached, stopping due to --max-downloads');
        screen(ctx, 'Aborting remaining downloads');
        return 101;
      }
      if (error instanceof Abort) return 1;
      throw error;
    }
  }
  return ctx.retcode;
}

/** @param {Ctx} ctx @param {Record<string, any>} info */
function withVersion(ctx, info) {
  return {
    ...info,
    ...(info._type ? {} : { _type: 'video' }),
    _version: {
      version: ctx.version,
      current_git_head: null,
      release_git_head: RELEASE_GIT_HEAD,
      repository: 'yt-dlp/yt-dlp',
    },
  };
}

/** @param {Ctx} ctx */
function extractContext(ctx) {
  return {
    screen: (/** @type {string} */ line) => screen(ctx, line),
    warn: (/** @type {string} */ line) => warn(ctx, line),
    debug: (/** @type {string} */ line) => debug(ctx, line),
    headers: ctx.headers,
    catalog: ctx.catalog,
    samples: ctx.samples,
    noPlaylist: Boolean(ctx.opts.noPlaylist),
    socketTimeout: Number(ctx.opts.socketTimeout ?? 20),
  };
}

/**
 * extract_info + process_ie_result for one URL; null when extraction failed (and errors are ignored).
 * @param {Ctx} ctx @param {string} url @param {Record<string, any>} [extra]
 * @returns {Promise<Record<string, any> | null>}
 */
async function extractInfo(ctx, url, extra = {}) {
  /** @type {Record<string, any>} */
  let ie;
  try {
    ie = await extract(extractContext(ctx), url);
  } catch (error) {
    if (error instanceof YtError) {
      reportError(ctx, error.message);
      return null;
    }
    throw error;
  }
  if (!ie.webpage_url) {
    ie.webpage_url = url;
    ie.original_url = url;
    ie.webpage_url_basename =
      new URL(url).pathname
        .replace(/^\/+|\/+$/g, '')
        .split('/')
        .at(-1) ?? '';
    ie.webpage_url_domain = urlDomain(url);
  }
  ie.extractor ??= 'generic';
  ie.extractor_key ??= 'Generic';
  if (ie._type === 'playlist') return processPlaylist(ctx, ie);
  return processVideo(ctx, ie, { playlist: null, playlist_index: null, ...extra });
}

/**
 * @param {Ctx} ctx @param {Record<string, any>} pl
 */
async function processPlaylist(ctx, pl) {
  if (pl.timestamp && !pl.upload_date) pl.upload_date = ymd(pl.timestamp);
  const title = pl.title || pl.id || '<Untitled>';
  screen(ctx, `[download] Downloading playlist: ${title}`);
  const all = /** @type {Record<string, any>[]} */ (pl.entries);
  const selected = selectItems(ctx, all.length);
  pl.playlist_count ??= all.length;
  const n = selected.length;
  screen(ctx, `[${pl.extractor}] Playlist ${title}: Downloading ${n} items of ${pl.playlist_count}`);
  const common = {
    playlist_count: pl.playlist_count,
    playlist: title,
    playlist_id: pl.id,
    playlist_title: pl.title ?? null,
    playlist_uploader: pl.uploader ?? null,
    playlist_uploader_id: pl.uploader_id ?? null,
    n_entries: n,
    webpage_url: pl.webpage_url,
    webpage_url_basename: pl.webpage_url_basename,
    webpage_url_domain: pl.webpage_url_domain,
  };
  /** @type {Array<Record<string, any> | null>} */
  const results = [];
  for (const [i, index] of selected.entries()) {
    const entry = /** @type {Record<string, any>} */ (all[index - 1]);
    screen(ctx, `[download] Downloading item ${i + 1} of ${n}`);
    const extra = {
      ...common,
      playlist_index: index,
      __last_playlist_index: Math.max(...selected),
      playlist_autonumber: i + 1,
    };
    if (inArchive(ctx, entry)) {
      results.push(null);
      continue;
    }
    if (entry._type === 'url') {
      if (ctx.opts.flatPlaylist) {
        const flat = { ...entry, ...extra };
        forcedPrintings(ctx, flat, prepareFilename(ctx, flat));
        results.push(entry);
        continue;
      }
      results.push(await extractInfo(ctx, entry.url, extra));
      continue;
    }
    results.push(await processVideo(ctx, entry, extra, true));
  }
  pl.entries = results;
  forcePrint(ctx, 'playlist', pl);
  screen(ctx, `[download] Finished downloading playlist: ${title}`);
  return { ...pl, __files_to_move: {}, epoch: Math.floor(Date.now() / 1000) };
}

/** --playlist-items / --playlist-start / --playlist-end → 1-based indices. @param {Ctx} ctx @param {number} count */
function selectItems(ctx, count) {
  const all = Array.from({ length: count }, (_, i) => i + 1);
  const start = Number(ctx.opts.playlistStart ?? 1);
  const end = ctx.opts.playlistEnd !== undefined ? Number(ctx.opts.playlistEnd) : count;
  let picked = all.filter((i) => i >= start && i <= end);
  const spec = ctx.opts.playlistItems;
  if (spec) {
    /** @type {number[]} */
    const chosen = [];
    for (const part of String(spec).split(',')) {
      const range = /^(-?\d*)[:-](-?\d*)$/.exec(part.trim());
      const norm = (/** @type {string} */ v, /** @type {number} */ d) => {
        if (v === '') return d;
        const n = Number(v);
        return n < 0 ? count + n + 1 : n;
      };
      if (range) {
        const a = norm(/** @type {string} */ (range[1]), 1);
        const b = norm(/** @type {string} */ (range[2]), count);
        for (let i = a; i <= Math.min(b, count); i++) chosen.push(i);
      } else if (/^-?\d+$/.test(part.trim())) chosen.push(norm(part.trim(), 1));
    }
    picked = chosen.filter((i) => i >= 1 && i <= count);
  }
  return picked;
}

/** @param {number} timestamp */
function ymd(timestamp) {
  const d = new Date(timestamp * 1000);
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

/**
 * Adds the fields yt-dlp fills in for every format.
 * @param {Record<string, any>} f @param {Record<string, string>} headers
 */
function completeFormat(f, headers) {
  const out = { ...f };
  if (!out.ext) {
    const m = /\.([a-z0-9]{1,5})(?:$|\?)/i.exec(new URL(out.url).pathname);
    out.ext = m?.[1]?.toLowerCase() ?? 'mp4';
  }
  out.protocol ??= new URL(out.url).protocol.replace(':', '');
  const hasVideo = out.vcodec !== 'none';
  const resolution =
    out.vcodec === 'none'
      ? 'audio only'
      : out.width && out.height
        ? `${out.width}x${out.height}`
        : out.height
          ? `${out.height}p`
          : null;
  out.resolution = resolution;
  out.dynamic_range = out.vcodec === 'none' ? null : (out.dynamic_range ?? 'SDR');
  out.aspect_ratio = out.width && out.height ? Math.round((out.width / out.height) * 100) / 100 : null;
  out.http_headers ??= headers;
  out.video_ext = hasVideo ? out.ext : 'none';
  out.audio_ext = out.acodec && out.acodec !== 'none' ? out.ext : 'none';
  const note = out.format_note ? ` (${out.format_note})` : '';
  out.format = `${out.format_id} - ${resolution ?? 'unknown'}${note}`;
  return out;
}

/**
 * Format selection over `-f`: alternatives with `/`, merges with `+`, `[key op value]` filters
 * (numeric <, <=, >, >=, =, != with `?` for "unknown passes"; string =, ^=, $=, *=, ~= and their
 * `!` negations), selectors best, b, bv, bv-star, ba, ba-star, worst, w…, extensions and ids.
 * @param {Ctx} ctx @param {Record<string, any>[]} formats
 * @returns {Record<string, any>[] | undefined}
 */
function selectFormats(ctx, formats) {
  const spec = ctx.opts.format ?? (ctx.ffmpeg ? 'bestvideo*+bestaudio/best' : 'best/bestvideo+bestaudio');
  for (const alternative of splitOutsideBrackets(String(spec), '/')) {
    const parts = splitOutsideBrackets(alternative, '+').map((p) => p.trim());
    if (parts.length > 1 && !ctx.ffmpeg) continue;
    const picked = parts.map((part) => {
      const base = part.replace(/\[[^\]]*\]/g, '').trim() || 'best';
      const filters = [...part.matchAll(/\[([^\]]*)\]/g)].map((m) => /** @type {string} */ (m[1]));
      return pickOne(
        base,
        formats.filter((f) => filters.every((expr) => matchesFilter(f, expr))),
      );
    });
    if (picked.every(Boolean)) {
      const unique = /** @type {Record<string, any>[]} */ (picked).filter(
        (f, i, arr) => arr.findIndex((g) => g.format_id === f.format_id) === i,
      );
      return unique;
    }
  }
  return undefined;
}

/** @param {string} text @param {string} separator */
function splitOutsideBrackets(text, separator) {
  /** @type {string[]} */
  const parts = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if (c === '[') depth++;
    if (c === ']') depth = Math.max(0, depth - 1);
    if (c === separator && depth === 0) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

const NUMERIC_FIELDS = new Set([
  'width',
  'height',
  'tbr',
  'abr',
  'vbr',
  'asr',
  'filesize',
  'filesize_approx',
  'fps',
  'audio_channels',
]);

/**
 * One `[…]` format filter, as yt-dlp's _build_format_filter reads it.
 * @param {Record<string, any>} f @param {string} expr
 */
function matchesFilter(f, expr) {
  const m = /^\s*(\w+)\s*(!)?(<=|>=|<|>|=|\^=|\$=|\*=|~=)(\?)?\s*(.*?)\s*$/.exec(expr);
  if (!m) return true;
  const [, key = '', negate, op = '=', unknownOk, raw = ''] = m;
  const actual = f[key];
  if (actual === undefined || actual === null) return Boolean(unknownOk);
  let result;
  if (NUMERIC_FIELDS.has(key) && /^[\d.]+[kKmMgG]?i?[bB]?$/.test(raw)) {
    const value =
      Number.parseFloat(raw) *
      (/[kK]/.test(raw) ? 1024 : /[mM]/.test(raw) ? 1024 ** 2 : /[gG]/.test(raw) ? 1024 ** 3 : 1);
    const n = Number(actual);
    result =
      op === '<='
        ? n <= value
        : op === '>='
          ? n >= value
          : op === '<'
            ? n < value
            : op === '>'
              ? n > value
              : n === value;
  } else {
    const a = String(actual);
    const v = raw.replace(/^(['"])(.*)\1$/, '$2');
    result =
      op === '^='
        ? a.startsWith(v)
        : op === '$='
          ? a.endsWith(v)
          : op === '*='
            ? a.includes(v)
            : op === '~='
              ? new RegExp(v).test(a)
              : a === v;
  }
  return negate ? !result : result;
}

/** @param {string} selector @param {Record<string, any>[]} formats */
function pickOne(selector, formats) {
  const hasVideo = (/** @type {Record<string, any>} */ f) => f.vcodec !== 'none';
  const hasAudio = (/** @type {Record<string, any>} */ f) => f.acodec !== 'none';
  /** @type {Record<string, (f: Record<string, any>) => boolean>} */
  const filters = {
    best: (f) => hasVideo(f) && hasAudio(f),
    b: (f) => hasVideo(f) && hasAudio(f),
    'b*': () => true,
    'best*': () => true,
    bv: (f) => hasVideo(f) && !hasAudio(f),
    bestvideo: (f) => hasVideo(f) && !hasAudio(f),
    'bv*': hasVideo,
    'bestvideo*': hasVideo,
    ba: (f) => hasAudio(f) && !hasVideo(f),
    bestaudio: (f) => hasAudio(f) && !hasVideo(f),
    'ba*': hasAudio,
    'bestaudio*': hasAudio,
  };
  const worst = /^(w|worst)(.*)$/.exec(selector);
  const key = worst ? `b${worst[2]}` : selector;
  const filter = filters[key] ?? filters[key.replace(/^b(est)?/, 'best')];
  if (filter) {
    const matching = formats.filter(filter);
    return worst ? matching[0] : matching.at(-1);
  }
  if (/^(mp4|webm|m4a|mp3|flv|3gp|ogg|mkv)$/.test(selector))
    return formats.filter((f) => f.ext === selector).at(-1);
  return formats.find((f) => f.format_id === selector);
}

/**
 * process_video_result + process_info for one video.
 * @param {Ctx} ctx @param {Record<string, any>} raw @param {Record<string, any>} extra
 * @param {boolean} [inPlaylist]
 */
async function processVideo(ctx, raw, extra, inPlaylist = false) {
  const sample = raw.__sample;
  delete raw.__sample;
  /** @type {Record<string, any>} */
  const info = { ...raw };
  if (!inPlaylist) {
    for (const key of [
      'webpage_url',
      'original_url',
      'webpage_url_basename',
      'webpage_url_domain',
      'extractor',
      'extractor_key',
    ]) {
      if (key in info) {
        const value = info[key];
        delete info[key];
        info[key] = value;
      }
    }
  }
  Object.assign(info, extra);
  if (inArchive(ctx, info)) return null;
  info.display_id ??= info.id;
  info.fulltitle ??= info.title;
  if (info.duration !== undefined && info.duration !== null)
    info.duration_string = durationString(info.duration);
  if (typeof info.timestamp === 'number' && !info.upload_date) info.upload_date = ymd(info.timestamp);
  info.requested_subtitles = null;
  info._has_drm = null;

  const formats = (info.formats ?? (info.url ? [{ format_id: '0', url: info.url, ext: info.ext }] : [])).map(
    (/** @type {Record<string, any>} */ f) => completeFormat(f, ctx.headers),
  );
  if (info.formats) info.formats = formats;
  if (sample) {
    // Catalog formats carry the sample file their bytes come from (never printed).
    for (const f of formats)
      Object.defineProperty(f, '__file', { value: sampleFor(ctx, sample, f), enumerable: false });
  }
  const chosen = selectFormats(ctx, formats);
  if (!chosen) {
    reportError(
      ctx,
      `[${info.extractor}] ${info.id}: Requested format is not available. Use --list-formats for a list of available formats`,
    );
    return null;
  }
  const merged = chosen.length > 1;
  const best = merged ? mergedFormat(ctx, chosen) : /** @type {Record<string, any>} */ (chosen[0]);
  debug(
    ctx,
    'Formats sorted by: hasvid, ie_pref, lang, quality, res, fps, hdr:12(7), vcodec:vp9.2(10), channels, acodec, filesize, fs_approx, tbr, vbr, abr, asr, proto, vext, aext, hasaud, source, id',
  );
  debug(ctx, `Default format spec: ${ctx.ffmpeg ? 'bestvideo*+bestaudio/best' : 'best/bestvideo+bestaudio'}`);
  screen(ctx, `[info] ${info.id}: Downloading 1 format(s): ${best.format_id}`);

  const epoch = Math.floor(Date.now() / 1000);
  /** @type {Record<string, any>} */
  const withFormat = { ...info, ...stripNulls(best), epoch };
  const filename = prepareFilename(ctx, withFormat);
  const requested = {};
  if ('http_headers' in raw) Object.assign(requested, { http_headers: best.http_headers });
  Object.assign(requested, stripNulls(best), { epoch, _filename: filename, __write_download_archive: false });
  info.requested_downloads = [requested];
  if (merged) info.requested_formats = chosen;
  for (const [k, v] of Object.entries(best)) info[k] = v;
  if (!inPlaylist) info.epoch = epoch;

  forcedPrintings(ctx, { ...info, filename, _filename: filename }, filename);
  if (ctx.simulate || ctx.opts.skipDownload) {
    checkMaxDownloads(ctx, true);
    return info;
  }
  ctx.numDownloads += 1;
  const ok = await downloadVideo(ctx, info, chosen, filename, merged);
  if (ok && ctx.opts.downloadArchive && info.filepath) {
    ctx.archive.add(archiveId(info));
    writeFileSync(ctx.opts.downloadArchive, `${archiveId(info)}\n`, { flag: 'a' });
  }
  checkMaxDownloads(ctx, false);
  return info;
}

/** @param {Ctx} ctx @param {boolean} counting */
function checkMaxDownloads(ctx, counting) {
  if (counting) ctx.numDownloads += 1;
  if (ctx.maxDownloads !== undefined && ctx.numDownloads >= ctx.maxDownloads) throw new MaxDownloadsReached();
}

/** @param {Record<string, any>} obj */
function stripNulls(obj) {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== null && v !== undefined));
}

/** @param {number} seconds */
function durationString(seconds) {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h) return `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}`;
  if (m) return `${m}:${String(r).padStart(2, '0')}`;
  return String(r);
}

/** @param {Ctx} ctx @param {string} sample @param {Record<string, any>} f */
function sampleFor(ctx, sample, f) {
  const s = ctx.samples;
  const big = sample === 'big';
  if (f.vcodec === 'none') return big ? s.bigAudio : s.clipAudio;
  if (f.acodec === 'none') return big ? s.bigVideo : s.clipVideo;
  return big ? s.big : s.clipOne;
}

/** @param {Ctx} ctx @param {Record<string, any>[]} chosen */
function mergedFormat(ctx, chosen) {
  const video = chosen.find((f) => f.vcodec !== 'none') ?? chosen[0];
  const audio = chosen.find((f) => f.vcodec === 'none') ?? chosen[1];
  const exts = chosen.map((f) => f.ext);
  const ext =
    String(ctx.opts.mergeOutputFormat ?? '').split('/')[0] ||
    (exts.every((e) => ['mp4', 'm4a', 'mov'].includes(e))
      ? 'mp4'
      : exts.every((e) => e === 'webm')
        ? 'webm'
        : 'mkv');
  return {
    format: chosen.map((f) => f.format).join('+'),
    format_id: chosen.map((f) => f.format_id).join('+'),
    ext,
    protocol: chosen.map((f) => f.protocol).join('+'),
    language: null,
    format_note:
      chosen
        .map((f) => f.format_note)
        .filter(Boolean)
        .join('+') || null,
    filesize_approx: chosen.reduce((sum, f) => sum + (f.filesize ?? 0), 0),
    tbr: chosen.reduce((sum, f) => sum + (f.tbr ?? 0), 0),
    width: video?.width ?? null,
    height: video?.height ?? null,
    resolution: video?.resolution ?? null,
    fps: video?.fps ?? null,
    dynamic_range: video?.dynamic_range ?? null,
    vcodec: video?.vcodec ?? null,
    vbr: null,
    stretched_ratio: null,
    aspect_ratio: video?.aspect_ratio ?? null,
    acodec: audio?.acodec ?? null,
    abr: audio?.tbr ?? null,
    asr: audio?.asr ?? null,
    audio_channels: audio?.audio_channels ?? null,
  };
}

/**
 * prepare_filename: the output template (by type) evaluated as a file name, under -P paths.
 * @param {Ctx} ctx @param {Record<string, any>} info @param {string} [type]
 */
function prepareFilename(ctx, info, type = 'default') {
  const template = expandUser(ctx.outtmpl[type] ?? ctx.outtmpl.default ?? DEFAULT_OUTTMPL);
  let name = evaluateTemplate(
    template,
    { ...info, epoch: info.epoch ?? Math.floor(Date.now() / 1000) },
    {
      sanitize: true,
      restricted: Boolean(ctx.opts.restrictFilenames),
      na: ctx.opts.naPlaceholder ?? 'NA',
    },
  );
  const trim = Number(ctx.opts.trimFilenames);
  if (trim > 0) {
    const ext = extname(name);
    name = name.slice(0, name.length - ext.length).slice(0, trim) + ext;
  }
  const dir = type === 'temp' ? (ctx.paths.temp ?? ctx.paths.home) : (ctx.paths[type] ?? ctx.paths.home);
  if (!dir || isAbsolute(name)) return name;
  return join(dir, name);
}

/** yt-dlp's replace_extension. @param {string} filename @param {string} ext @param {string} [expected] */
function replaceExtension(filename, ext, expected) {
  const current = extname(filename);
  const stem =
    !expected || current === `.${expected}` ? filename.slice(0, filename.length - current.length) : filename;
  return `${stem}.${ext}`;
}

/** @param {Ctx} ctx @param {Record<string, any>} info @param {string | undefined} filename */
function forcedPrintings(ctx, info, filename) {
  forcePrint(ctx, 'video', { ...info, filename });
  if (ctx.opts.dumpJson) stdout(pyJson({ ...info, _filename: filename, filename }));
}

/** _forceprint: `field`, `a,b`, `field=` shorthands or full templates. @param {Ctx} ctx @param {string} when @param {Record<string, any>} info */
function forcePrint(ctx, when, info) {
  for (const tmpl of ctx.forceprint[when] ?? []) {
    let template = tmpl;
    if (/^(?:[\w.:,]|-\d)+=?$/.test(tmpl)) {
      template = tmpl.endsWith('=')
        ? tmpl
            .slice(0, -1)
            .split(',')
            .map((f) => `${f} = %(${f})#j`)
            .join('\n')
        : tmpl
            .split(',')
            .map((f) => `%(${f})s`)
            .join('\n');
    }
    stdout(evaluateTemplate(template, info, { na: ctx.opts.naPlaceholder ?? 'NA' }));
  }
}

/**
 * Thumbnails, download(s), merge, post-processors, move, and the matching screen lines.
 * @param {Ctx} ctx @param {Record<string, any>} info @param {Record<string, any>[]} chosen
 * @param {string} finalName @param {boolean} merged
 */
async function downloadVideo(ctx, info, chosen, finalName, merged) {
  const tempName = ctx.paths.temp ? prepareFilename(ctx, info, 'temp') : finalName;
  // As yt-dlp: the thumbnail is written beside the temp file and moved with the video at the end.
  const thumbnailFinalBase = ctx.outtmpl.thumbnail ? prepareFilename(ctx, info, 'thumbnail') : finalName;
  const thumbnail = await writeThumbnails(ctx, info, tempName, thumbnailFinalBase);
  if (ctx.opts.writeInfoJson) writeInfoJson(ctx, info, finalName);
  forcePrint(ctx, 'before_dl', info);

  if (chosen[0]?.protocol === 'm3u8_native') {
    await failHls(ctx, chosen[0], tempName);
    return false;
  }

  mkdirSync(dirname(resolvePath(tempName)), { recursive: true });
  let already = false;
  if (existsSync(finalName) && !ctx.opts.forceOverwrites) {
    screen(ctx, `[download] ${finalName} has already been downloaded`);
    already = true;
    if (!merged) {
      const printer = progressPrinter(ctx);
      reportProgress(ctx, printer, info, {
        filename: finalName,
        status: 'finished',
        total_bytes: statSync(finalName).size,
      });
      printer.end();
    }
  } else if (merged) {
    /** @type {string[]} */
    const parts = [];
    for (const f of chosen) {
      const fname = prependFormat(tempName, f, info.ext);
      parts.push(fname);
      if (!(await downloadOne(ctx, info, f, fname))) return false;
    }
    screen(ctx, `[Merger] Merging formats into "${tempName}"`);
    await ffmpeg(
      ctx,
      [
        '-i',
        parts[0] ?? '',
        '-i',
        parts[1] ?? '',
        '-c',
        'copy',
        '-map',
        '0:v:0',
        '-map',
        '1:a:0',
        '-movflags',
        '+faststart',
      ],
      tempName,
    );
    for (const p of parts) deleteOriginal(ctx, p);
  } else if (!(await downloadOne(ctx, info, /** @type {Record<string, any>} */ (chosen[0]), tempName))) {
    return false;
  }

  forcePrint(ctx, 'post_process', info);
  if (!already) await postProcess(ctx, info, tempName, thumbnail);
  if (tempName !== finalName && existsSync(tempName)) {
    mkdirSync(dirname(resolvePath(finalName)), { recursive: true });
    renameSync(tempName, finalName);
  }
  // MoveFilesAfterDownload: a thumbnail kept on disk (not embedded and deleted) goes home too.
  if (thumbnail && existsSync(thumbnail)) {
    const ext = extname(thumbnail).slice(1);
    const target = replaceExtension(thumbnailFinalBase, ext, info.ext);
    if (resolvePath(target) !== resolvePath(thumbnail)) {
      mkdirSync(dirname(resolvePath(target)), { recursive: true });
      renameSync(thumbnail, target);
    }
  }
  info.filepath = resolvePath(finalName);
  const requested = info.requested_downloads?.[0];
  if (requested) requested.filepath = info.filepath;
  forcePrint(ctx, 'after_move', info);
  forcePrint(ctx, 'after_video', info);
  return true;
}

/** Keys sanitize_info(remove_private_keys=True) drops from a .info.json. */
const INFOJSON_DROP = new Set([
  'requested_downloads',
  'requested_formats',
  'requested_subtitles',
  'requested_entries',
  'entries',
  'filepath',
  '_filename',
  'infojson_filename',
  'original_url',
  'playlist_autonumber',
  '_format_sort_fields',
]);

/**
 * --write-info-json: `<base>.info.json` beside the video, written before the download.
 * @param {Ctx} ctx @param {Record<string, any>} info @param {string} finalName
 */
function writeInfoJson(ctx, info, finalName) {
  const file = ctx.outtmpl.infojson
    ? replaceExtension(prepareFilename(ctx, info, 'infojson'), 'info.json', info.ext)
    : replaceExtension(finalName, 'info.json', info.ext);
  if (existsSync(file) && !ctx.opts.forceOverwrites) {
    screen(ctx, '[info] Video metadata is already present');
    return;
  }
  screen(ctx, `[info] Writing video metadata as JSON to: ${file}`);
  const clean = Object.fromEntries(
    Object.entries(info).filter(
      ([k, v]) => v !== null && v !== undefined && !k.startsWith('__') && !INFOJSON_DROP.has(k),
    ),
  );
  mkdirSync(dirname(resolvePath(file)), { recursive: true });
  writeFileSync(file, pyJson(withVersion(ctx, clean)));
}

/** `BASE.f134.mp4` as yt-dlp names the parts of a merged download. @param {string} name @param {Record<string, any>} f @param {string} ext */
function prependFormat(name, f, ext) {
  const stem = name.endsWith(`.${ext}`) ? name.slice(0, -(ext.length + 1)) : name;
  return `${stem}.f${f.format_id}.${f.ext}`;
}

/** @param {Ctx} ctx @param {string} file */
function deleteOriginal(ctx, file) {
  if (ctx.opts.keepVideo) return;
  screen(ctx, `Deleting original file ${file} (pass -k to keep)`);
  rmSync(file, { force: true });
}

/**
 * Runs ffmpeg writing to a temp name, then renames over `output`.
 * @param {Ctx} ctx @param {string[]} args @param {string} output
 */
async function ffmpeg(ctx, args, output) {
  if (!ctx.ffmpeg)
    throw new YtError(
      'Postprocessing: ffmpeg not found. Please install or provide the path using --ffmpeg-location',
    );
  const ext = extname(output) || '.mp4';
  const temp = `${output.slice(0, output.length - ext.length)}.temp${ext}`;
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, temp]);
  // Like yt-dlp's ffmpeg post-processors: the output keeps the oldest input mtime.
  const inputs = args.filter((_, i) => args[i - 1] === '-i').filter((f) => existsSync(f));
  const oldest = Math.min(...inputs.map((f) => statSync(f).mtimeMs));
  renameSync(temp, output);
  if (Number.isFinite(oldest)) utimesSync(output, new Date(), new Date(oldest));
}

/**
 * --write-thumbnail / --embed-thumbnail / --convert-thumbnails, before the download. Written
 * beside `filename` (the temp name under `-P temp:`); an existing one at the final place counts.
 * @param {Ctx} ctx @param {Record<string, any>} info @param {string} filename @param {string} finalBase
 * @returns {Promise<string | undefined>} the thumbnail file (to embed, and to move home at the end)
 */
async function writeThumbnails(ctx, info, filename, finalBase) {
  const wanted = ctx.opts.writeThumbnail || ctx.opts.embedThumbnail;
  if (!wanted) return undefined;
  const thumbs = info.thumbnails ?? (info.thumbnail ? [{ url: info.thumbnail, id: '0' }] : []);
  let file;
  const t = thumbs.at(-1);
  if (!t) {
    screen(ctx, "[info] There's no video thumbnails to download");
  } else {
    const ext = (/\.(jpe?g|png|webp|gif)(?:$|\?)/i.exec(new URL(t.url).pathname)?.[1] ?? 'jpg').toLowerCase();
    const thumbExt = ext === 'jpeg' ? 'jpg' : ext;
    file = replaceExtension(filename, thumbExt, info.ext);
    const final = replaceExtension(finalBase, thumbExt, info.ext);
    mkdirSync(dirname(resolvePath(file)), { recursive: true });
    if (!existsSync(file) && existsSync(final) && !ctx.opts.forceOverwrites) file = final;
    if (existsSync(file) && !ctx.opts.forceOverwrites) {
      screen(ctx, '[info] Video thumbnail is already present');
    } else {
      const id = t.id ?? String(thumbs.length - 1);
      screen(ctx, `[info] Downloading video thumbnail ${id} ...`);
      try {
        writeFileSync(file, await thumbnailBytes(ctx, t.url, ext));
        screen(ctx, `[info] Writing video thumbnail ${id} to: ${file}`);
      } catch (error) {
        warn(
          ctx,
          `Unable to download video thumbnail ${id}: ${error instanceof Error ? error.message : String(error)}`,
        );
        file = undefined;
      }
    }
  }
  const target = ctx.opts.convertThumbnails
    ? String(ctx.opts.convertThumbnails).split(/[/>]/).at(-1)
    : undefined;
  if (target) {
    if (!file) screen(ctx, "[ThumbnailsConvertor] There aren't any thumbnails to convert");
    else if (extname(file).slice(1) === target) {
      screen(
        ctx,
        `[ThumbnailsConvertor] Not converting thumbnail "${file}"; already is in target format ${target}`,
      );
    } else {
      screen(ctx, `[ThumbnailsConvertor] Converting thumbnail "${file}" to ${target}`);
      const converted = replaceExtension(file, target);
      await ffmpeg(
        ctx,
        ['-i', file, '-frames:v', '1', '-update', '1', '-f', 'image2', '-c:v', codecFor(target)],
        converted,
      );
      deleteOriginal(ctx, file);
      file = converted;
    }
  }
  return file;
}

/** @param {string} ext */
function codecFor(ext) {
  return ext === 'png' ? 'png' : ext === 'webp' ? 'libwebp' : 'mjpeg';
}

/** @param {Ctx} ctx @param {string} url @param {string} ext */
async function thumbnailBytes(ctx, url, ext) {
  const host = new URL(url).hostname;
  if (host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]') {
    const res = await open(url, { headers: ctx.headers, timeoutSeconds: 20 }).catch(
      (/** @type {unknown} */ e) => {
        throw e instanceof HttpFailure ? new Error(e.message) : e;
      },
    );
    return readAll(res.body);
  }
  const s = ctx.samples;
  return readFileSync(ext === 'webp' ? s.thumbnailWebp : ext === 'png' ? s.poster : s.thumbnail);
}

/**
 * --embed-metadata, --embed-thumbnail, --remux-video, and mtime.
 * @param {Ctx} ctx @param {Record<string, any>} info @param {string} file @param {string | undefined} thumbnail
 */
async function postProcess(ctx, info, file, thumbnail) {
  if (ctx.opts.remuxVideo) {
    const target = String(ctx.opts.remuxVideo).split(/[/>]/).at(-1);
    if (extname(file).slice(1) === target) {
      screen(ctx, `[VideoRemuxer] Not remuxing media file "${file}"; already is in target format ${target}`);
    }
  }
  if (ctx.opts.embedMetadata) {
    screen(ctx, `[Metadata] Adding metadata to "${file}"`);
    const tags = [
      ['title', info.title],
      ['date', info.upload_date],
      ['description', info.description],
      ['synopsis', info.description],
      ['purl', info.webpage_url],
      ['comment', info.webpage_url],
      ['artist', info.artist ?? info.creator ?? info.uploader ?? info.uploader_id],
    ].filter(([, v]) => v !== undefined && v !== null && v !== '');
    await ffmpeg(
      ctx,
      [
        '-i',
        file,
        '-map',
        '0',
        '-dn',
        '-ignore_unknown',
        '-c',
        'copy',
        ...tags.flatMap(([k, v]) => ['-metadata', `${k}=${v}`]),
        '-movflags',
        '+faststart',
      ],
      file,
    );
  }
  if (ctx.opts.embedThumbnail && thumbnail) {
    screen(ctx, `[EmbedThumbnail] mutagen: Adding thumbnail to "${file}"`);
    let cover = thumbnail;
    if (!/\.(jpe?g|png)$/i.test(cover)) {
      cover = replaceExtension(thumbnail, 'png');
      await ffmpeg(
        ctx,
        ['-i', thumbnail, '-frames:v', '1', '-update', '1', '-f', 'image2', '-c:v', 'png'],
        cover,
      );
      rmSync(thumbnail, { force: true });
    }
    await ffmpeg(
      ctx,
      [
        '-i',
        file,
        '-i',
        cover,
        '-map',
        '0',
        '-map',
        '1',
        '-c',
        'copy',
        '-disposition:v:1',
        'attached_pic',
        '-movflags',
        '+faststart',
      ],
      file,
    );
    if (!ctx.opts.writeThumbnail) deleteOriginal(ctx, cover);
  }
}

/**
 * The M3U "video" the generic extractor makes of a plain playlist: hlsnative reads the chosen
 * mp4's bytes as a media playlist and fails on the first fragment (fixture c1b).
 * @param {Ctx} ctx @param {Record<string, any>} format @param {string} filename
 */
async function failHls(ctx, format, filename) {
  screen(ctx, '[hlsnative] Downloading m3u8 manifest');
  let fragments = 0;
  try {
    const res = await open(format.url, { headers: ctx.headers });
    const text = (await readAll(res.body)).toString('latin1');
    fragments = text.split(/\r?\n/).filter((l) => l.trim() && !l.startsWith('#')).length;
  } catch {
    fragments = 0;
  }
  screen(ctx, `[hlsnative] Total fragments: ${fragments}`);
  screen(ctx, `[download] Destination: ${filename}`);
  writeFileSync(`${filename}.part`, '');
  writeFileSync(`${filename}.ytdl`, '{"downloader": {"current_fragment": {"index": 0}}}');
  const retries = Number(ctx.opts.fragmentRetries ?? 10);
  const reason = 'Remote end closed connection without response';
  for (let i = 1; i <= retries; i++)
    screen(ctx, `[download] Got error: ${reason}. Retrying (${i}/${retries})...`);
  if (!ctx.quiet) process.stdout.write('\n');
  process.stderr.write(`ERROR: \r[download] Got error: ${reason}. Giving up after ${retries} retries\n`);
  ctx.retcode = 1;
  reportError(ctx, 'fragment 1 not found, unable to continue');
}

/**
 * The progress printer of yt-dlp's downloader: one line per update with --newline, otherwise
 * `\r`-rewritten lines padded over the previous one (MultilinePrinter on a non-TTY).
 * @param {Ctx} ctx
 */
function progressPrinter(ctx) {
  const newline = Boolean(ctx.opts.newline);
  const preserve = !ctx.quiet;
  let lastLength = 0;
  let printed = false;
  const out = ctx.outtmpl.default === '-' ? process.stderr : process.stdout;
  return {
    /** @param {string} text */
    print(text) {
      if (ctx.noprogress) return;
      printed = true;
      if (newline) {
        out.write(`${text}\n`);
        return;
      }
      const padded = lastLength > text.length ? text + ' '.repeat(lastLength - text.length) : text;
      lastLength = text.length;
      out.write(`\r${padded}`);
    },
    end() {
      if (ctx.noprogress || newline) return;
      if (preserve) out.write('\n');
      else if (printed) out.write(`\r${' '.repeat(lastLength)}\r`);
    },
  };
}

/**
 * report_progress: adds the `_…_str` fields and prints the (template) line.
 * @param {Ctx} ctx @param {ReturnType<typeof progressPrinter>} printer
 * @param {Record<string, any>} info @param {Record<string, any>} s
 */
function reportProgress(ctx, printer, info, s) {
  const newer = ctx.version >= '2024.08.01';
  if (s.status === 'finished') {
    if (ctx.noprogress) screen(ctx, '[download] Download completed');
    const speed = s.total_bytes !== undefined && s.elapsed ? s.total_bytes / s.elapsed : null;
    Object.assign(s, {
      speed,
      _speed_str: formatSpeed(speed).trim(),
      _total_bytes_str: bytes10(s.total_bytes),
      _elapsed_str: formatSeconds(s.elapsed),
      ...(newer ? { _percent: 100 } : {}),
      _percent_str: formatPercent(100),
    });
    s._default_template = [
      '100%',
      s.total_bytes !== undefined ? `of ${s._total_bytes_str}` : '',
      s.elapsed !== undefined ? `in ${s._elapsed_str}` : '',
      speed !== null ? `at ${s._speed_str}` : '',
    ]
      .filter(Boolean)
      .join(' ');
  } else {
    const percent = s.total_bytes
      ? (100 * s.downloaded_bytes) / s.total_bytes
      : s.downloaded_bytes === 0
        ? 0
        : null;
    Object.assign(s, {
      _eta_str: formatEta(s.eta),
      _speed_str: formatSpeed(s.speed),
      ...(newer ? { _percent: percent } : {}),
      _percent_str: formatPercent(percent),
      _total_bytes_str: bytes10(s.total_bytes),
      _total_bytes_estimate_str: bytes10(s.total_bytes_estimate),
      _downloaded_bytes_str: bytes10(s.downloaded_bytes),
      _elapsed_str: formatSeconds(s.elapsed),
    });
    s._default_template =
      s.total_bytes !== undefined && s.total_bytes !== null
        ? `${s._percent_str} of ${s._total_bytes_str} at ${s._speed_str} ETA ${s._eta_str}`
        : `${s._downloaded_bytes_str} at ${s._speed_str} (${s._elapsed_str})`;
  }
  const template = ctx.progressTemplate.download ?? '[download] %(progress._default_template)s';
  printer.print(evaluateTemplate(template, { info, progress: s }, { na: 'NA' }));
}

/**
 * Downloads one format to `filename` through `filename.part`, with yt-dlp's doubling block
 * sizes, rate limiting and progress lines. Resumes an existing `.part` like `--continue`.
 * @param {Ctx} ctx @param {Record<string, any>} info @param {Record<string, any>} format @param {string} filename
 */
async function downloadOne(ctx, info, format, filename) {
  screen(ctx, `[download] Destination: ${filename}`);
  const part = ctx.opts.noPart ? filename : `${filename}.part`;
  let offset = 0;
  if (!ctx.opts.noPart && ctx.opts.continueDl !== false && existsSync(part)) {
    offset = statSync(part).size;
  }
  /** @type {number | undefined} */
  let total;
  /** @type {number | null} */
  let lastModified = null;
  /**
   * Opens the bytes from `from` on: the sample file for catalog formats, else an HTTP GET with
   * Range. Undefined (after reporting the error) when the request fails.
   * @param {number} from
   * @returns {Promise<{ stream: AsyncIterable<Buffer>, from: number } | undefined>}
   */
  const openSource = async (from) => {
    if (format.__file) {
      const data = readFileSync(format.__file);
      total = data.length;
      const at = from >= data.length ? 0 : from;
      return {
        stream: (async function* () {
          yield data.subarray(at);
        })(),
        from: at,
      };
    }
    const headers = {
      ...ctx.headers,
      ...(format.http_headers ?? {}),
      ...(from ? { Range: `bytes=${from}-` } : {}),
    };
    let res;
    try {
      res = await open(format.url, { headers, timeoutSeconds: Number(ctx.opts.socketTimeout ?? 20) });
    } catch (error) {
      if (error instanceof HttpFailure) {
        reportError(ctx, `unable to download video data: ${error.message}`);
        return undefined;
      }
      throw error;
    }
    let at = from;
    if (from && res.status !== 206) {
      screen(ctx, '[download] Unable to resume');
      at = 0;
    }
    const length = Number(res.headers['content-length']);
    total = Number.isFinite(length) ? length + at : undefined;
    const lm = res.headers['last-modified'];
    lastModified = lm ? Math.floor(Date.parse(String(lm)) / 1000) : null;
    return { stream: res.body, from: at };
  };
  const opened = await openSource(offset);
  if (!opened) return false;
  offset = opened.from;
  let source = opened.stream;
  if (offset) screen(ctx, `[download] Resuming download at byte ${offset}`);
  const fd = openSync(part, offset ? 'a' : 'w');
  const printer = progressPrinter(ctx);
  const start = Date.now() / 1000;
  let downloaded = offset;
  let session = 0;
  let block = 1024;
  const cap = ctx.rate ? Math.max(1024, Math.min(4 * 1024 * 1024, ctx.rate)) : 4 * 1024 * 1024;
  let first = true;
  /** @param {Buffer} chunk */
  const emit = async (chunk) => {
    writeSync(fd, chunk);
    downloaded += chunk.length;
    session += chunk.length;
    if (ctx.rate) {
      const due = start + session / ctx.rate;
      const wait = due - Date.now() / 1000;
      if (wait > 0) await new Promise((r) => setTimeout(r, wait * 1000));
    }
    const now = Date.now() / 1000;
    const elapsed = now - start;
    const speed = first || elapsed < 0.001 ? null : session / elapsed;
    const eta = speed && total !== undefined ? Math.floor((total - downloaded) / speed) : null;
    first = false;
    reportProgress(ctx, printer, info, {
      status: 'downloading',
      downloaded_bytes: downloaded,
      total_bytes: total ?? null,
      tmpfilename: part,
      filename,
      eta,
      speed,
      elapsed,
      ctx_id: null,
    });
  };
  const retries = Number(ctx.opts.retries ?? 10);
  let attempt = 0;
  for (;;) {
    let pending = Buffer.alloc(0);
    try {
      for await (const chunk of source) {
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        while (pending.length >= block) {
          const piece = pending.subarray(0, block);
          pending = pending.subarray(block);
          await emit(piece);
          block = Math.min(block * 2, cap);
        }
      }
      if (pending.length) await emit(pending);
      if (total !== undefined && downloaded < total) throw new Error('short read');
      break;
    } catch (error) {
      // Like yt-dlp's http downloader: keep what arrived, retry with a Range request.
      if (pending.length) await emit(pending);
      const reason =
        total !== undefined
          ? `Downloaded ${downloaded} bytes, expected ${total} bytes`
          : `${error instanceof Error ? error.message : String(error)}`;
      if (attempt >= retries) {
        closeSync(fd);
        printer.end();
        reportError(ctx, `\r[download] Got error: ${reason}. Giving up after ${retries} retries`);
        return false;
      }
      attempt += 1;
      screen(ctx, `[download] Got error: ${reason}. Retrying (${attempt}/${retries})...`);
      screen(ctx, `[download] Destination: ${filename}`);
      const again = await openSource(downloaded);
      if (!again) {
        closeSync(fd);
        printer.end();
        return false;
      }
      if (again.from === 0 && downloaded > 0) {
        // The server ignored Range: start the file over.
        ftruncateSync(fd, 0);
        downloaded = 0;
      }
      source = again.stream;
    }
  }
  closeSync(fd);
  if (part !== filename) renameSync(part, filename);
  const elapsed = Date.now() / 1000 - start;
  reportProgress(ctx, printer, info, {
    downloaded_bytes: downloaded,
    total_bytes: downloaded,
    filename,
    status: 'finished',
    elapsed,
    ctx_id: null,
  });
  printer.end();
  if (ctx.opts.mtime !== false) {
    const stamp =
      lastModified ??
      info.timestamp ??
      (info.upload_date
        ? Date.UTC(
            +info.upload_date.slice(0, 4),
            +info.upload_date.slice(4, 6) - 1,
            +info.upload_date.slice(6, 8),
          ) / 1000
        : null);
    if (typeof stamp === 'number' && stamp > 0) utimesSync(filename, new Date(), new Date(stamp * 1000));
  }
  return true;
}
