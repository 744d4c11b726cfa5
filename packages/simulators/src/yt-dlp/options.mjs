// Command-line parsing for the fake yt-dlp, shaped like optparse in yt-dlp 2023.03.04: unknown
// options and missing values are usage errors (exit 2) with the same stderr text; options that
// only newer releases know (`--color`, `--progress-delta`) exist only when FAKE_YTDLP_VERSION
// says the emulated release is new enough.

export const DEFAULT_VERSION = '2023.03.04';

/**
 * Options the downloader and common scripts use. `arity` 0 = flag, 1 = takes a value.
 * `since` = first release that has the option.
 * @type {Record<string, { dest: string, arity: 0 | 1, value?: unknown, since?: string, append?: boolean }>}
 */
const OPTIONS = {
  '--version': { dest: 'version', arity: 0 },
  '-h': { dest: 'help', arity: 0 },
  '--help': { dest: 'help', arity: 0 },
  '-U': { dest: 'update', arity: 0 },
  '--update': { dest: 'update', arity: 0 },
  '-v': { dest: 'verbose', arity: 0 },
  '--verbose': { dest: 'verbose', arity: 0 },
  '-q': { dest: 'quiet', arity: 0 },
  '--quiet': { dest: 'quiet', arity: 0 },
  '--no-warnings': { dest: 'noWarnings', arity: 0 },
  '-s': { dest: 'simulate', arity: 0, value: true },
  '--simulate': { dest: 'simulate', arity: 0, value: true },
  '--no-simulate': { dest: 'simulate', arity: 0, value: false },
  '--skip-download': { dest: 'skipDownload', arity: 0 },
  '--no-download': { dest: 'skipDownload', arity: 0 },
  '-J': { dest: 'dumpSingleJson', arity: 0 },
  '--dump-single-json': { dest: 'dumpSingleJson', arity: 0 },
  '-j': { dest: 'dumpJson', arity: 0 },
  '--dump-json': { dest: 'dumpJson', arity: 0 },
  '--flat-playlist': { dest: 'flatPlaylist', arity: 0, value: true },
  '--no-flat-playlist': { dest: 'flatPlaylist', arity: 0, value: false },
  '--no-playlist': { dest: 'noPlaylist', arity: 0, value: true },
  '--yes-playlist': { dest: 'noPlaylist', arity: 0, value: false },
  '--lazy-playlist': { dest: 'lazyPlaylist', arity: 0 },
  '--newline': { dest: 'newline', arity: 0 },
  '--progress': { dest: 'progress', arity: 0, value: true },
  '--no-progress': { dest: 'progress', arity: 0, value: false },
  '--progress-template': { dest: 'progressTemplate', arity: 1, append: true },
  '--console-title': { dest: 'consoleTitle', arity: 0 },
  '-o': { dest: 'output', arity: 1, append: true },
  '--output': { dest: 'output', arity: 1, append: true },
  '-P': { dest: 'paths', arity: 1, append: true },
  '--paths': { dest: 'paths', arity: 1, append: true },
  '--output-na-placeholder': { dest: 'naPlaceholder', arity: 1 },
  '--restrict-filenames': { dest: 'restrictFilenames', arity: 0, value: true },
  '--no-restrict-filenames': { dest: 'restrictFilenames', arity: 0, value: false },
  '--windows-filenames': { dest: 'windowsFilenames', arity: 0 },
  '--trim-filenames': { dest: 'trimFilenames', arity: 1 },
  '-f': { dest: 'format', arity: 1 },
  '--format': { dest: 'format', arity: 1 },
  '-S': { dest: 'formatSort', arity: 1, append: true },
  '--format-sort': { dest: 'formatSort', arity: 1, append: true },
  '--merge-output-format': { dest: 'mergeOutputFormat', arity: 1 },
  '--remux-video': { dest: 'remuxVideo', arity: 1 },
  '--recode-video': { dest: 'remuxVideo', arity: 1 },
  '--write-thumbnail': { dest: 'writeThumbnail', arity: 0, value: true },
  '--no-write-thumbnail': { dest: 'writeThumbnail', arity: 0, value: false },
  '--convert-thumbnails': { dest: 'convertThumbnails', arity: 1 },
  '--embed-thumbnail': { dest: 'embedThumbnail', arity: 0, value: true },
  '--no-embed-thumbnail': { dest: 'embedThumbnail', arity: 0, value: false },
  '--embed-metadata': { dest: 'embedMetadata', arity: 0, value: true },
  '--add-metadata': { dest: 'embedMetadata', arity: 0, value: true },
  '--no-embed-metadata': { dest: 'embedMetadata', arity: 0, value: false },
  '--no-add-metadata': { dest: 'embedMetadata', arity: 0, value: false },
  '--embed-subs': { dest: 'embedSubs', arity: 0 },
  '--write-info-json': { dest: 'writeInfoJson', arity: 0 },
  '--no-mtime': { dest: 'mtime', arity: 0, value: false },
  '--mtime': { dest: 'mtime', arity: 0, value: true },
  '-O': { dest: 'print', arity: 1, append: true },
  '--print': { dest: 'print', arity: 1, append: true },
  '-i': { dest: 'ignoreErrors', arity: 0, value: true },
  '--ignore-errors': { dest: 'ignoreErrors', arity: 0, value: true },
  '--no-abort-on-error': { dest: 'ignoreErrors', arity: 0, value: 'only_download' },
  '--abort-on-error': { dest: 'ignoreErrors', arity: 0, value: false },
  '--no-ignore-errors': { dest: 'ignoreErrors', arity: 0, value: false },
  '--max-downloads': { dest: 'maxDownloads', arity: 1 },
  '-r': { dest: 'limitRate', arity: 1 },
  '--limit-rate': { dest: 'limitRate', arity: 1 },
  '--throttled-rate': { dest: 'throttledRate', arity: 1 },
  '-R': { dest: 'retries', arity: 1 },
  '--retries': { dest: 'retries', arity: 1 },
  '--fragment-retries': { dest: 'fragmentRetries', arity: 1 },
  '--abort-on-unavailable-fragment': { dest: 'abortOnUnavailableFragment', arity: 0 },
  '--skip-unavailable-fragments': { dest: 'abortOnUnavailableFragment', arity: 0, value: false },
  '-N': { dest: 'concurrentFragments', arity: 1 },
  '--concurrent-fragments': { dest: 'concurrentFragments', arity: 1 },
  '--socket-timeout': { dest: 'socketTimeout', arity: 1 },
  '--user-agent': { dest: 'userAgent', arity: 1 },
  '--referer': { dest: 'referer', arity: 1 },
  '--add-header': { dest: 'addHeader', arity: 1, append: true },
  '--cookies': { dest: 'cookies', arity: 1 },
  '--proxy': { dest: 'proxy', arity: 1 },
  '--force-ipv4': { dest: 'forceIpv4', arity: 0 },
  '-4': { dest: 'forceIpv4', arity: 0 },
  '--no-check-certificates': { dest: 'noCheckCertificates', arity: 0 },
  '-I': { dest: 'playlistItems', arity: 1 },
  '--playlist-items': { dest: 'playlistItems', arity: 1 },
  '--playlist-start': { dest: 'playlistStart', arity: 1 },
  '--playlist-end': { dest: 'playlistEnd', arity: 1 },
  '--match-filter': { dest: 'matchFilter', arity: 1, append: true },
  '--match-filters': { dest: 'matchFilter', arity: 1, append: true },
  '--download-archive': { dest: 'downloadArchive', arity: 1 },
  '--dateafter': { dest: 'dateAfter', arity: 1 },
  '--datebefore': { dest: 'dateBefore', arity: 1 },
  '--sleep-interval': { dest: 'sleepInterval', arity: 1 },
  '--ffmpeg-location': { dest: 'ffmpegLocation', arity: 1 },
  '--no-part': { dest: 'noPart', arity: 0 },
  '-c': { dest: 'continueDl', arity: 0, value: true },
  '--continue': { dest: 'continueDl', arity: 0, value: true },
  '--no-continue': { dest: 'continueDl', arity: 0, value: false },
  '-w': { dest: 'noOverwrites', arity: 0 },
  '--no-overwrites': { dest: 'noOverwrites', arity: 0 },
  '--force-overwrites': { dest: 'forceOverwrites', arity: 0 },
  '-k': { dest: 'keepVideo', arity: 0 },
  '--keep-video': { dest: 'keepVideo', arity: 0 },
  '--no-colors': { dest: 'noColors', arity: 0 },
  '--no-cache-dir': { dest: 'noCacheDir', arity: 0 },
  '--ignore-config': { dest: 'ignoreConfig', arity: 0 },
  '--no-config': { dest: 'ignoreConfig', arity: 0 },
  '--compat-options': { dest: 'compatOptions', arity: 1 },
  '--extractor-args': { dest: 'extractorArgs', arity: 1, append: true },
  '--ies': { dest: 'ies', arity: 1 },
  '--force-generic-extractor': { dest: 'forceGeneric', arity: 0 },
  '--exec': { dest: 'exec', arity: 1, append: true },
  '--wait-for-video': { dest: 'waitForVideo', arity: 1 },
  '--buffer-size': { dest: 'bufferSize', arity: 1 },
  '--http-chunk-size': { dest: 'httpChunkSize', arity: 1 },
  '--age-limit': { dest: 'ageLimit', arity: 1 },
  // Newer releases only.
  '--color': { dest: 'color', arity: 1, since: '2023.11.14', append: true },
  '--progress-delta': { dest: 'progressDelta', arity: 1, since: '2024.08.01' },
};

/**
 * @typedef {{ kind: 'usage', message: string } | { kind: 'ok', opts: Record<string, any>, urls: string[] }} ParseResult
 */

/**
 * @param {string[]} argv
 * @param {string} version the emulated yt-dlp version
 * @returns {ParseResult}
 */
export function parseArgs(argv, version) {
  /** @type {Record<string, any>} */
  const opts = {};
  /** @type {string[]} */
  const urls = [];
  /** @param {string} name */
  const known = (name) => {
    const spec = OPTIONS[name];
    if (!spec) return undefined;
    if (spec.since && version < spec.since) return undefined;
    return spec;
  };
  /** @param {{ dest: string, arity: 0 | 1, value?: unknown, append?: boolean }} spec @param {unknown} value */
  const set = (spec, value) => {
    if (spec.append) opts[spec.dest] = [...(opts[spec.dest] ?? []), value];
    else opts[spec.dest] = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = /** @type {string} */ (argv[i]);
    if (arg === '--') {
      urls.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg : arg.slice(0, eq);
      const spec = known(name);
      if (!spec) return { kind: 'usage', message: `no such option: ${name}` };
      if (spec.arity === 0) {
        if (eq !== -1) return { kind: 'usage', message: `${name} option does not take a value` };
        set(spec, spec.value ?? true);
      } else if (eq !== -1) set(spec, arg.slice(eq + 1));
      else {
        if (i + 1 >= argv.length) return { kind: 'usage', message: `${name} option requires 1 argument` };
        set(spec, argv[++i]);
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // optparse: short flags group (`-vJ`); a value option takes the rest or the next word.
      for (let j = 1; j < arg.length; j++) {
        const name = `-${arg[j]}`;
        const spec = known(name);
        if (!spec) return { kind: 'usage', message: `no such option: ${name}` };
        if (spec.arity === 0) {
          set(spec, spec.value ?? true);
          continue;
        }
        const restOfWord = arg.slice(j + 1);
        if (restOfWord) set(spec, restOfWord);
        else {
          if (i + 1 >= argv.length) return { kind: 'usage', message: `${name} option requires 1 argument` };
          set(spec, argv[++i]);
        }
        break;
      }
      continue;
    }
    urls.push(arg);
  }
  return { kind: 'ok', opts, urls };
}

export const USAGE = 'Usage: yt-dlp [OPTIONS] URL [URL...]';
