/**
 * The household download agent: connects OUTBOUND to MediaNest over WebSocket with its agent
 * token, takes jobs, runs yt-dlp, reports progress and results, writes Plex-ready files and tells
 * Plex about them. Crash safety comes from the protocol: jobs are identified by (jobId, attempt),
 * `hello` re-announces what is still running after a reconnect, final reports wait in an outbox
 * until the server is back, and a restarted agent first cleans up what a killed one left behind
 * (its yt-dlp processes and `.part` files, tracked under `<downloadDir>/.medianest-agent/`). On
 * Linux yt-dlp runs under `setpriv --pdeathsig KILL`, so it dies with a killed agent instead of
 * finishing the download on its own (`parentDeathGuard`).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve as resolvePath, sep } from 'node:path';
import { createHttp } from '@medianest/core/adapter/http/index';
import {
  type AgentMessageInput,
  byteLength,
  type FileInfo,
  type JobOffer,
  PROTOCOL_VERSION,
  parseFrame,
  type Reason,
  type RunningJob,
  resolvedFrames,
  ServerMessage,
} from '@medianest/core/download/protocol';
import { createPlexServerClient } from '@medianest/core/integration/client/index';
import type { Http } from '@medianest/core/port/http';
import WebSocket from 'ws';
import { addToCollection, findItem } from './plex.ts';
import { ensurePoster, hasFfmpeg, writeNfo } from './sidecars.ts';
import {
  classifyError,
  downloadArgs,
  parentDeathGuard,
  resolveArgs,
  runYtDlp,
  type SpawnOptions,
  startDownload,
  toResolveResult,
  ytDlpVersion,
} from './ytdlp.ts';

export const AGENT_VERSION = '0.1.0';

export interface AgentLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

const silent: AgentLogger = { info() {}, warn() {}, error() {} };

export interface RunAgentOptions {
  /** `ws(s)://host/path` of the agent endpoint (http(s) is accepted and switched). */
  serverUrl: string;
  token: string;
  /** Working area: per-job temp folders and crash bookkeeping live under `.medianest-agent/`. */
  downloadDir: string;
  /** Plex section key → the folder of that section on this machine. */
  libraryRoots: Record<string, string>;
  /** Section key → the same folder as Plex sees it (when Plex runs in a container); defaults to libraryRoots. */
  plexRoots?: Record<string, string>;
  ytDlpPath?: string;
  ffmpegPath?: string;
  /** Environment for yt-dlp (e.g. the fake's catalog variables). */
  env?: NodeJS.ProcessEnv;
  concurrency?: number;
  /** Minimum gap between progress messages of one job. */
  progressIntervalMs?: number;
  reconnect?: { minMs?: number; maxMs?: number };
  /** How long to wait for Plex to list a new file before giving up on the collection. */
  collectionWaitMs?: number;
  /** Outbound HTTP for Plex (default: self-hosted mode with private addresses allowed). */
  http?: Http;
  logger?: AgentLogger;
  /** Observe frames (tests, benchmarks). */
  onServerMessage?: (message: ServerMessage) => void;
  /** Observe every text frame on the socket as sent or received (tests: sizes). */
  onFrame?: (direction: 'in' | 'out', text: string) => void;
}

export interface RunningAgent {
  readonly connected: boolean;
  readonly agentId: string | null;
  /** Job ids currently running. */
  running(): string[];
  /** Resolves once the agent has been welcomed (again) by the server. */
  ready(): Promise<void>;
  /** Stops jobs (cleaning their partial files), closes the connection. */
  stop(): Promise<void>;
}

interface Job {
  offer: JobOffer;
  state: RunningJob['state'];
  child: ChildProcess | null;
  abort: AbortController;
  /** Set when the server said stop: `cancel` reports back, `revoke` stays silent. */
  stopped: 'cancel' | 'revoke' | 'shutdown' | null;
  /** Per attempt: what an old attempt leaves or removes never touches a newer one of the same job. */
  tempDir: string;
  /** This attempt's crash record (yt-dlp pid) under `.medianest-agent/jobs/`. */
  recordFile: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function wsUrl(url: string): string {
  return url.replace(/^http(s?):\/\//, 'ws$1://');
}

export async function runAgent(options: RunAgentOptions): Promise<RunningAgent> {
  const log = options.logger ?? silent;
  const concurrency = Math.min(16, Math.max(1, options.concurrency ?? 2));
  const ytDlpPath = options.ytDlpPath ?? 'yt-dlp';
  const ffmpegPath = options.ffmpegPath ?? 'ffmpeg';
  const progressInterval = options.progressIntervalMs ?? 500;
  const minBackoff = options.reconnect?.minMs ?? 500;
  const maxBackoff = options.reconnect?.maxMs ?? 30_000;
  const env = options.env ?? process.env;
  const stateDir = join(options.downloadDir, '.medianest-agent');
  const jobsDir = join(stateDir, 'jobs');
  const tmpRoot = join(stateDir, 'tmp');
  await mkdir(jobsDir, { recursive: true });
  await mkdir(tmpRoot, { recursive: true });
  await cleanupAfterCrash(jobsDir, tmpRoot, log);
  const ownHttp = options.http ? null : createHttp({ mode: 'selfhosted', allowPrivate: true });
  const http: Http = options.http ?? (ownHttp as Http);
  const [ytVersion, ffmpeg, guard] = await Promise.all([
    ytDlpVersion({ ytDlpPath, env }),
    hasFfmpeg(ffmpegPath),
    parentDeathGuard(env),
  ]);
  // yt-dlp dies with this process: a killed agent never leaves one to finish a download unseen.
  const spawnOpts: SpawnOptions = { ytDlpPath, env, ...(guard ? { prefix: guard } : {}) };

  const jobs = new Map<string, Job>();
  /** Final reports not yet handed to a live connection (sent after the next welcome). */
  const outbox: AgentMessageInput[] = [];
  let ws: WebSocket | null = null;
  let welcomed = false;
  let agentId: string | null = null;
  /** The server's frame limit (from its welcome); unknown for an older server, which takes any size. */
  let maxFrameBytes: number | undefined;
  let stopping = false;
  let heartbeat: NodeJS.Timeout | null = null;
  const readyWaiters: (() => void)[] = [];

  const write = (socket: WebSocket, text: string) => {
    options.onFrame?.('out', text);
    socket.send(text);
  };
  const send = (msg: AgentMessageInput): boolean => {
    if (ws && welcomed && ws.readyState === WebSocket.OPEN) {
      let text = JSON.stringify(msg);
      if (maxFrameBytes !== undefined && byteLength(text) > maxFrameBytes) {
        // The server's transport would drop it (or close the connection) and the outbox would send
        // it again forever: a final report becomes a small failure instead, anything else is dropped.
        log.error('a frame is over the server’s limit, not sent', {
          type: msg.type,
          bytes: byteLength(text),
        });
        if (!('jobId' in msg) || !['job.resolved', 'job.done', 'job.failed'].includes(msg.type)) return true;
        text = JSON.stringify({
          type: 'job.failed',
          jobId: msg.jobId,
          attempt: msg.attempt,
          reason: { code: 'report_too_large', message: 'The agent’s report was too large to send' },
        } satisfies AgentMessageInput);
      }
      write(ws, text);
      return true;
    }
    return false;
  };
  /** Results must reach the server: keep them until a connection takes them. */
  const sendReliably = (msg: AgentMessageInput) => {
    if (!send(msg)) outbox.push(msg);
  };
  const runningList = (): RunningJob[] => [
    ...[...jobs.values()].map((j) => ({ jobId: j.offer.jobId, attempt: j.offer.attempt, state: j.state })),
    // Finished while offline: still ours until the server has the result.
    ...outbox
      .filter(
        (m): m is AgentMessageInput & { jobId: string; attempt: number } =>
          'jobId' in m && !jobs.has(m.jobId),
      )
      .map((m) => ({ jobId: m.jobId, attempt: m.attempt, state: 'importing' as const })),
  ];

  const stopJob = async (job: Job, why: 'cancel' | 'revoke' | 'shutdown') => {
    job.stopped = why;
    job.abort.abort();
    const child = job.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const killed = await Promise.race([
        new Promise<boolean>((r) => child.once('close', () => r(true))),
        sleep(3000).then(() => false),
      ]);
      if (!killed) child.kill('SIGKILL');
    }
  };

  const finishJob = async (job: Job) => {
    // A newer attempt of the same job may already run here (revoked, then offered again).
    if (jobs.get(job.offer.jobId) === job) jobs.delete(job.offer.jobId);
    await rm(job.tempDir, { recursive: true, force: true });
    await rm(job.recordFile, { force: true });
  };

  const onOffer = async (offer: JobOffer) => {
    const existing = jobs.get(offer.jobId);
    if (existing && existing.offer.attempt === offer.attempt) return; // a repeated offer
    if (existing) {
      await stopJob(existing, 'revoke');
      // Its own clean-up finishes on its own; the slot is the new attempt's now.
      if (jobs.get(offer.jobId) === existing) jobs.delete(offer.jobId);
    }
    if (jobs.size >= concurrency) {
      send({
        type: 'job.reject',
        jobId: offer.jobId,
        attempt: offer.attempt,
        reason: { code: 'busy', message: 'Agent is busy' },
      });
      return;
    }
    const job: Job = {
      offer,
      state: offer.kind === 'resolve' ? 'resolving' : 'downloading',
      child: null,
      abort: new AbortController(),
      stopped: null,
      tempDir: join(tmpRoot, `${offer.jobId}.${offer.attempt}`),
      recordFile: join(jobsDir, `${offer.jobId}.${offer.attempt}.json`),
    };
    jobs.set(offer.jobId, job);
    send({ type: 'job.accept', jobId: offer.jobId, attempt: offer.attempt });
    try {
      if (offer.kind === 'resolve') await resolveJob(job);
      else await downloadJob(job);
    } catch (error) {
      log.error('job crashed', { jobId: offer.jobId, error: String(error) });
      if (!job.stopped) {
        sendReliably({
          type: 'job.failed',
          jobId: offer.jobId,
          attempt: offer.attempt,
          reason: { code: 'agent_error', message: `The agent failed: ${String(error).slice(0, 200)}` },
        });
      }
    } finally {
      if (job.stopped === 'cancel')
        send({ type: 'job.cancelled', jobId: offer.jobId, attempt: offer.attempt });
      await finishJob(job);
    }
  };

  const resolveJob = async (job: Job) => {
    const { offer } = job;
    const r = await runYtDlp(resolveArgs(offer.url), spawnOpts, job.abort.signal).catch((e: unknown) => {
      if (job.stopped) return null;
      throw e;
    });
    if (!r || job.stopped) return;
    let doc: unknown = null;
    try {
      doc = JSON.parse(r.stdout);
    } catch {
      doc = null;
    }
    if (r.code !== 0 || doc === null) {
      sendReliably({
        type: 'job.failed',
        jobId: offer.jobId,
        attempt: offer.attempt,
        reason: classifyError(r.stderr, r.code),
      });
      return;
    }
    const result = toResolveResult(doc);
    const ids = { jobId: offer.jobId, attempt: offer.attempt };
    if (maxFrameBytes === undefined) {
      // An older server: one frame, as it expects.
      sendReliably({ type: 'job.resolved', ...ids, result });
      return;
    }
    // In parts that each fit the server's frames (one frame when the whole fits).
    const { frames, dropped } = resolvedFrames(ids, result, maxFrameBytes);
    if (dropped.length > 0)
      log.warn('entries too large to send were left out', { jobId: offer.jobId, count: dropped.length });
    for (const frame of frames) sendReliably(frame);
  };

  const fail = (job: Job, reason: Reason) =>
    sendReliably({ type: 'job.failed', jobId: job.offer.jobId, attempt: job.offer.attempt, reason });

  const downloadJob = async (job: Job) => {
    const { offer } = job;
    const video = offer.video;
    const home = options.libraryRoots[offer.target.sectionKey];
    if (!video) return fail(job, { code: 'bad_offer', message: 'The job has no resolved video' });
    if (!home) {
      return fail(job, {
        code: 'no_library_folder',
        message: `The agent has no folder for Plex library section ${offer.target.sectionKey}`,
      });
    }
    await mkdir(job.tempDir, { recursive: true });
    await mkdir(home, { recursive: true });
    let last = 0;
    let lastSent: number | null = null;
    const run = startDownload(
      downloadArgs({
        url: offer.url,
        quality: offer.quality,
        preset: offer.target.preset,
        home,
        temp: job.tempDir,
      }),
      spawnOpts,
      (p) => {
        const now = Date.now();
        // ≤ 1 message per interval per job, but never drop the last one.
        if (p.status !== 'finished' && now - last < progressInterval) return;
        if (p.percent === lastSent && p.status !== 'finished') return;
        last = now;
        lastSent = p.percent;
        send({
          type: 'job.progress',
          jobId: offer.jobId,
          attempt: offer.attempt,
          percent: p.percent,
          downloadedBytes: p.downloadedBytes,
          totalBytes: p.totalBytes,
          speed: p.speed,
          eta: p.eta,
        });
      },
    );
    job.child = run.child;
    await writeFile(
      job.recordFile,
      JSON.stringify({ pid: run.child.pid, attempt: offer.attempt, tempDir: job.tempDir }),
    );
    const result = await run.done;
    if (job.stopped) return;
    if (result.code !== 0 || !result.filepath) {
      return fail(job, classifyError(result.stderr, result.code));
    }
    job.state = 'post-processing';
    send({ type: 'job.state', jobId: offer.jobId, attempt: offer.attempt, state: 'post-processing' });
    const videoFile = result.filepath;
    const files: FileInfo[] = [{ path: videoFile, bytes: (await stat(videoFile)).size, kind: 'video' }];
    const poster = await ensurePoster(videoFile, ffmpegPath);
    if (poster) files.push({ path: poster, bytes: (await stat(poster)).size, kind: 'poster' });
    const full = {
      ...video,
      uploadDate: video.uploadDate ?? result.meta?.uploadDate ?? null,
      duration: video.duration ?? result.meta?.duration ?? null,
      channel: video.channel ?? result.meta?.channel ?? null,
    };
    const nfo = await writeNfo(videoFile, full, offer.target.preset, offer.collection);
    files.push({ path: nfo, bytes: (await stat(nfo)).size, kind: 'nfo' });
    if (job.stopped) return;
    job.state = 'importing';
    send({ type: 'job.state', jobId: offer.jobId, attempt: offer.attempt, state: 'importing' });
    const warnings = await importIntoPlex(offer, home, videoFile, job.abort.signal);
    sendReliably({ type: 'job.done', jobId: offer.jobId, attempt: offer.attempt, files, warnings });
  };

  /** `signal`: the job was stopped (cancel, revoke, shutdown): stop waiting for Plex at once. */
  const importIntoPlex = async (
    offer: JobOffer,
    home: string,
    videoFile: string,
    signal: AbortSignal,
  ): Promise<string[]> => {
    const target = offer.target;
    if (!target.plex) return ['No Plex server was given with the job: the library was not refreshed'];
    const warnings: string[] = [];
    const plex = createPlexServerClient({
      baseUrl: target.plex.baseUrl,
      token: target.plex.token,
      http,
      integrationKey: `agent:plex:${target.plex.machineIdentifier ?? target.plex.baseUrl}`,
    });
    const plexRoot = options.plexRoots?.[target.sectionKey] ?? home;
    const toPlex = (p: string) => {
      const rel = relative(resolvePath(home), resolvePath(p));
      return rel === '' ? plexRoot : join(plexRoot, ...rel.split(sep));
    };
    try {
      await plex.refreshSection(target.sectionKey, { path: toPlex(dirname(videoFile)) });
    } catch (error) {
      warnings.push(`Plex was not asked to scan the folder: ${String(error).slice(0, 200)}`);
      return warnings;
    }
    if (offer.collection && offer.video) {
      try {
        const item = await findItem(
          plex,
          target.sectionKey,
          { plexPath: toPlex(videoFile), title: offer.video.title },
          options.collectionWaitMs ?? 60_000,
          500,
          signal,
        );
        if (item) await addToCollection(plex, target.sectionKey, offer.collection, item);
        else if (signal.aborted)
          warnings.push(
            `The agent stopped before Plex listed the video, so it is not in the collection "${offer.collection}"`,
          );
        else
          warnings.push(
            `Plex has not listed the video yet, so it is not in the collection "${offer.collection}"`,
          );
      } catch (error) {
        warnings.push(`The collection "${offer.collection}" was not updated: ${String(error).slice(0, 200)}`);
      }
    }
    return warnings;
  };

  const onMessage = (text: string) => {
    options.onFrame?.('in', text);
    const msg = parseFrame(ServerMessage, text);
    if (!msg) {
      log.warn('unreadable frame from the server');
      return;
    }
    options.onServerMessage?.(msg);
    switch (msg.type) {
      case 'welcome': {
        welcomed = true;
        agentId = msg.agentId;
        maxFrameBytes = msg.maxFrameBytes;
        if (heartbeat) clearInterval(heartbeat);
        heartbeat = setInterval(() => send({ type: 'heartbeat', running: runningList() }), msg.heartbeatMs);
        heartbeat.unref();
        for (const m of outbox.splice(0)) sendReliably(m);
        for (const w of readyWaiters.splice(0)) w();
        return;
      }
      case 'job.offer':
        void onOffer(msg);
        return;
      case 'job.cancel':
      case 'job.revoke': {
        const job = jobs.get(msg.jobId);
        if (job && job.offer.attempt === msg.attempt)
          void stopJob(job, msg.type === 'job.cancel' ? 'cancel' : 'revoke');
        return;
      }
      case 'error':
        log.warn('server error', { code: msg.code, message: msg.message });
        return;
      case 'heartbeat.ack':
        return;
    }
  };

  let backoff = minBackoff;
  const connect = () => {
    if (stopping) return;
    const socket = new WebSocket(wsUrl(options.serverUrl), {
      headers: { authorization: `Bearer ${options.token}` },
      handshakeTimeout: 10_000,
    });
    ws = socket;
    welcomed = false;
    socket.on('open', () => {
      backoff = minBackoff;
      write(
        socket,
        JSON.stringify({
          type: 'hello',
          protocol: PROTOCOL_VERSION,
          ...(agentId ? { agentId } : {}),
          version: AGENT_VERSION,
          capabilities: { ytDlpVersion: ytVersion, ffmpeg, concurrency },
          running: runningList(),
        } satisfies AgentMessageInput),
      );
    });
    socket.on('message', (data) => onMessage(String(data)));
    socket.on('error', (error) => log.warn('connection error', { error: String(error) }));
    socket.on('close', (code, reason) => {
      if (ws === socket) {
        ws = null;
        welcomed = false;
      }
      if (stopping) return;
      if (code === 4401) log.error('the server refused the agent token', { reason: String(reason) });
      const delay = Math.min(maxBackoff, backoff) * (0.8 + Math.random() * 0.4);
      backoff = Math.min(maxBackoff, backoff * 2);
      setTimeout(connect, delay).unref();
    });
  };
  connect();
  // Keep the process alive while the agent runs (the socket may be between connections).
  const keepAlive = setInterval(() => {}, 1 << 30);

  return {
    get connected() {
      return welcomed;
    },
    get agentId() {
      return agentId;
    },
    running: () => [...jobs.keys()],
    ready: () => (welcomed ? Promise.resolve() : new Promise<void>((r) => readyWaiters.push(r))),
    async stop() {
      stopping = true;
      clearInterval(keepAlive);
      if (heartbeat) clearInterval(heartbeat);
      await Promise.all([...jobs.values()].map((j) => stopJob(j, 'shutdown')));
      // Let the job handlers' cleanup run.
      while (jobs.size > 0) await sleep(20);
      ws?.close(1000, 'agent stopping');
      ws = null;
      // Only the client this agent created is ours to close.
      if (ownHttp) ownHttp.close();
    },
  };
}

/** A killed agent leaves yt-dlp children and partial files: end the former, delete the latter. */
async function cleanupAfterCrash(jobsDir: string, tmpRoot: string, log: AgentLogger): Promise<void> {
  for (const name of await readdir(jobsDir).catch(() => [] as string[])) {
    const file = join(jobsDir, name);
    try {
      const { pid } = JSON.parse(await readFile(file, 'utf8')) as { pid?: number };
      if (pid && (await isYtDlp(pid))) {
        process.kill(pid, 'SIGKILL');
        log.info('ended a yt-dlp left over from a previous run', { pid });
      }
    } catch {
      // Unreadable bookkeeping: the temp folder below is removed anyway.
    }
    await rm(file, { force: true });
  }
  await rm(tmpRoot, { recursive: true, force: true });
  await mkdir(tmpRoot, { recursive: true });
}

/** Only a process that is still a yt-dlp (pids get reused). */
async function isYtDlp(pid: number): Promise<boolean> {
  try {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return /yt-dlp|yt_dlp/.test(cmd);
  } catch {
    return false;
  }
}
