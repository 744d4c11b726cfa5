/**
 * Running yt-dlp the way its README asks embedders to: `-J` for metadata, and for downloads a
 * JSON progress template plus `--print after_move:filepath`, never the human-readable lines.
 * Works with Debian's 2023.03.04 (no `--progress-delta`, no `progress._percent`: the percentage
 * is computed from bytes, and throttling happens here on the reading side) and newer releases.
 */
import { type ChildProcess, type ChildProcessByStdio, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type {
  Preset,
  Quality,
  Reason,
  ResolvedVideo,
  ResolveResult,
} from '@medianest/core/download/protocol';

export interface YtDlpProgress {
  status: 'downloading' | 'finished' | 'error';
  percent: number;
  downloadedBytes: number;
  totalBytes: number | null;
  speed: number | null;
  eta: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** One `download:%(progress)j` line → progress, or undefined for anything else. */
export function parseProgressLine(line: string): YtDlpProgress | undefined {
  if (!line.startsWith('{')) return undefined;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const status = raw.status;
  if (status !== 'downloading' && status !== 'finished' && status !== 'error') return undefined;
  const downloaded = num(raw.downloaded_bytes) ?? 0;
  const total = num(raw.total_bytes) ?? num(raw.total_bytes_estimate);
  let percent = total && total > 0 ? (downloaded / total) * 100 : 0;
  if (status === 'finished') percent = 100;
  return {
    status,
    percent: Math.min(100, Math.max(0, Math.round(percent * 10) / 10)),
    downloadedBytes: Math.round(downloaded),
    totalBytes: total === null ? null : Math.round(total),
    speed: num(raw.speed),
    eta: num(raw.eta),
  };
}

/** yt-dlp's last `ERROR:` line → a reason a member can read. */
export function classifyError(stderr: string, exitCode: number | null): Reason {
  const lines = stderr.split('\n').map((l) => l.trim());
  const error =
    [...lines]
      .reverse()
      .find((l) => l.startsWith('ERROR:'))
      ?.slice(6)
      .trim() ?? '';
  if (/Private video/i.test(error)) return { code: 'private_video', message: 'This video is private' };
  if (/Unsupported URL/i.test(error)) {
    return { code: 'unsupported', message: 'This link is not supported: no video was found there' };
  }
  if (/Video unavailable|not available|has been removed/i.test(error)) {
    return { code: 'unavailable', message: 'This video is unavailable' };
  }
  if (/members-only|Join this channel|Sign in to confirm your age|age-restricted/i.test(error)) {
    return { code: 'restricted', message: 'This video needs a signed-in account' };
  }
  if (/HTTP Error 404|404: Not Found/i.test(error))
    return { code: 'not_found', message: 'Nothing was found at this link' };
  if (/Requested format is not available/i.test(error)) {
    return { code: 'format', message: 'The requested quality is not available for this video' };
  }
  if (error) return { code: 'ytdlp_failed', message: error.slice(0, 300) };
  return { code: 'ytdlp_failed', message: `yt-dlp exited with code ${exitCode ?? 'unknown'}` };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  ytDlpPath: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A command that runs yt-dlp on our behalf, e.g. `parentDeathGuard()`'s; none by default. */
  prefix?: readonly string[];
}

function spawnYtDlp(
  args: string[],
  options: SpawnOptions,
  signal?: AbortSignal,
): ChildProcessByStdio<null, Readable, Readable> {
  const [command, ...rest] = [...(options.prefix ?? []), options.ytDlpPath, ...args] as [string, ...string[]];
  return spawn(command, rest, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(signal ? { signal } : {}),
  });
}

/**
 * yt-dlp does not go away with the program that started it. Killed agents (a SIGKILLed
 * `medianest-agent`, or the self-hosted runtime with its built-in agent) leave it running: it dies
 * at its next line of output into the broken pipe, but after the last progress line it prints
 * nothing until it has merged, remuxed and MOVED the file into the library, so a kill during
 * post-processing lands an untracked video there. On Linux, util-linux's `setpriv --pdeathsig`
 * has the kernel SIGKILL yt-dlp the moment its parent dies (`setpriv` execs it: same pid, same
 * signals). Returns that prefix, or null where `setpriv` is missing or too old (then a restarted
 * agent still ends leftovers and removes their partial files: `cleanupAfterCrash`).
 */
export async function parentDeathGuard(env: NodeJS.ProcessEnv = process.env): Promise<string[] | null> {
  if (process.platform !== 'linux') return null;
  const prefix = ['setpriv', '--pdeathsig', 'KILL', '--'];
  const ok = await new Promise<boolean>((resolve) => {
    const child = spawn(prefix[0] as string, [...prefix.slice(1), 'true'], { env, stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
  return ok ? prefix : null;
}

const MAX_CAPTURE = 64 * 1024 * 1024;

/** Runs yt-dlp to completion, capturing output (used for `-J` and `--version`). */
export function runYtDlp(args: string[], options: SpawnOptions, signal?: AbortSignal): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnYtDlp(args, options, signal);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < MAX_CAPTURE) stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 1024 * 1024) stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, sig) => resolve({ code, signal: sig, stdout, stderr }));
  });
}

export async function ytDlpVersion(options: SpawnOptions): Promise<string | null> {
  try {
    const r = await runYtDlp(['--version'], options);
    return r.code === 0 ? r.stdout.trim() || null : null;
  } catch {
    return null;
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function videoOf(
  e: Record<string, unknown>,
  parent: Record<string, unknown> | null,
): ResolvedVideo | undefined {
  const id = str(e.id);
  if (!id) return undefined;
  const url = str(e.webpage_url) ?? str(e.url) ?? str(e.original_url);
  if (!url) return undefined;
  const uploadDate = str(e.upload_date);
  return {
    videoId: id,
    extractor: (
      str(e.ie_key) ??
      str(e.extractor_key) ??
      str(e.extractor) ??
      str(parent?.extractor_key) ??
      'generic'
    ).toLowerCase(),
    url,
    title: (str(e.title) ?? str(e.fulltitle) ?? id).slice(0, 500),
    channel:
      (str(e.channel) ?? str(e.uploader) ?? str(parent?.channel) ?? str(parent?.uploader))?.slice(0, 300) ??
      null,
    duration: num(e.duration),
    uploadDate: uploadDate && /^\d{8}$/.test(uploadDate) ? uploadDate : null,
    thumbnail: str(e.thumbnail),
  };
}

/** The `-J --flat-playlist` document → what the server needs to queue video jobs. */
export function toResolveResult(doc: unknown): ResolveResult {
  if (!doc || typeof doc !== 'object') return { kind: 'video', playlist: null, entries: [] };
  const d = doc as Record<string, unknown>;
  if (d._type === 'playlist' || Array.isArray(d.entries)) {
    const entries = (Array.isArray(d.entries) ? d.entries : [])
      .filter((e): e is Record<string, unknown> => !!e && typeof e === 'object')
      .map((e) => videoOf(e, d))
      .filter((v): v is ResolvedVideo => v !== undefined)
      .slice(0, 1000);
    return {
      kind: 'playlist',
      playlist: {
        id: str(d.id) ?? 'playlist',
        title: (str(d.title) ?? str(d.id) ?? 'Playlist').slice(0, 500),
        channel: (str(d.channel) ?? str(d.uploader))?.slice(0, 300) ?? null,
      },
      entries,
    };
  }
  const v = videoOf(d, null);
  return { kind: 'video', playlist: null, entries: v ? [v] : [] };
}

export function resolveArgs(url: string): string[] {
  return ['-J', '--flat-playlist', '--no-warnings', '--', url];
}

const CHANNEL = '%(channel,uploader|Unknown)s';

/** Output templates of the naming presets (relative to the section's folder). */
export const PRESET_TEMPLATES: Record<Preset, string> = {
  'other-videos': `${CHANNEL}/%(title)s [%(id)s].%(ext)s`,
  'tv-by-date': `${CHANNEL}/Season %(upload_date>%Y|0000)s/${CHANNEL} - %(upload_date>%Y-%m-%d|0000-00-00)s - %(title)s [%(id)s].%(ext)s`,
};

export function formatOf(quality: Quality): string[] {
  switch (quality) {
    case 'best':
      return [];
    case 'audio':
      return ['-f', 'ba/b'];
    default: {
      const h = quality.slice(0, -1);
      // `<=?` keeps formats whose height is unknown (direct links), so a plain mp4 still downloads.
      return ['-f', `bv*[height<=?${h}]+ba/b[height<=?${h}]/b`];
    }
  }
}

export function downloadArgs(input: {
  url: string;
  quality: Quality;
  preset: Preset;
  home: string;
  temp: string;
}): string[] {
  return [
    '--newline',
    '--progress-template',
    'download:%(progress)j',
    '--print',
    'after_move:filepath',
    // Flat playlist entries lack dates and durations; the full extraction has them (for the .nfo).
    '--print',
    `after_move:${META_PREFIX}\t%(upload_date|)s\t%(duration|)s\t%(channel,uploader|)s`,
    '--progress',
    '--no-playlist',
    '--no-mtime',
    '--no-warnings',
    ...formatOf(input.quality),
    ...(input.quality === 'audio' ? [] : ['--merge-output-format', 'mp4', '--remux-video', 'mp4']),
    '--write-thumbnail',
    '--convert-thumbnails',
    'jpg',
    '--trim-filenames',
    '200',
    '-P',
    `home:${input.home}`,
    '-P',
    `temp:${input.temp}`,
    '-o',
    PRESET_TEMPLATES[input.preset],
    '--',
    input.url,
  ];
}

const META_PREFIX = 'MNMETA';

export interface VideoMeta {
  uploadDate: string | null;
  duration: number | null;
  channel: string | null;
}

export function parseMetaLine(line: string): VideoMeta | undefined {
  if (!line.startsWith(`${META_PREFIX}\t`)) return undefined;
  const [, date = '', duration = '', ...channel] = line.split('\t');
  const d = Number(duration);
  const c = channel.join('\t').trim();
  return {
    uploadDate: /^\d{8}$/.test(date) ? date : null,
    duration: duration !== '' && Number.isFinite(d) ? d : null,
    channel: c === '' || c === 'NA' ? null : c,
  };
}

export interface DownloadRun {
  child: ChildProcess;
  done: Promise<RunResult & { filepath: string | null; meta: VideoMeta | null }>;
}

/** Starts a download; `onProgress` sees every progress object (throttle it yourself). */
export function startDownload(
  args: string[],
  options: SpawnOptions,
  onProgress: (p: YtDlpProgress) => void,
): DownloadRun {
  const child = spawnYtDlp(args, options);
  let filepath: string | null = null;
  let meta: VideoMeta | null = null;
  let stderr = '';
  const stdoutLines: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 1024 * 1024) stderr += d;
  });
  const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  rl.on('line', (line) => {
    const p = parseProgressLine(line);
    if (p) {
      onProgress(p);
      return;
    }
    const m = parseMetaLine(line);
    if (m) {
      meta = m;
      return;
    }
    const t = line.trim();
    if (t.startsWith('/')) filepath = t;
    else if (t && stdoutLines.length < 50) stdoutLines.push(t);
  });
  const done = new Promise<RunResult & { filepath: string | null; meta: VideoMeta | null }>(
    (resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        rl.close();
        resolve({ code, signal, stdout: stdoutLines.join('\n'), stderr, filepath, meta });
      });
    },
  );
  return { child, done };
}
