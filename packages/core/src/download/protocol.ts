/**
 * The agent ⇄ server protocol (version 1), shared by `packages/agent` and the server's agent
 * endpoint. JSON text frames over one WebSocket the agent opens outbound; every frame is one of
 * the messages below and is validated on receipt, both ways.
 *
 * Idempotency: every job message carries `jobId` and `attempt` (the lease epoch). The server
 * ignores messages for an attempt it no longer leases to that agent, and the agent ignores an
 * offer for a job it is already running, so a reconnect (which re-announces running jobs in
 * `hello`) can neither lose nor duplicate work.
 *
 * Frame size: no frame, either way, may exceed MAX_FRAME_BYTES (UTF-8 bytes of the serialized
 * JSON). API Gateway's WebSocket API closes a connection (1009) on a frame over 32 KB and drops
 * messages over 128 KB, and the `ws` client sends each message as one frame. The server says so
 * in `welcome.maxFrameBytes`; an agent that sees it sends a large resolution as several
 * `job.resolved` frames, each with `part: { offset, total }` and a slice of the entries
 * (`resolvedFrames`). Without it (an older server) the agent sends one frame, as before, and a
 * `job.resolved` without `part` still means the whole resolution (an older agent).
 */
import { z } from 'zod';
import { State } from './state.ts';

export const PROTOCOL_VERSION = 1;

/** The largest frame either side sends: API Gateway's WebSocket frame limit (32 KB). */
export const MAX_FRAME_BYTES = 32 * 1024;
/** The most videos one resolution may hold (the server creates one job per video). */
export const MAX_RESOLVED_ENTRIES = 1000;

export const QUALITIES = ['best', '2160p', '1080p', '720p', '480p', 'audio'] as const;
export const Quality = z.enum(QUALITIES);
export type Quality = z.infer<typeof Quality>;

export const PRESETS = ['other-videos', 'tv-by-date'] as const;
export const Preset = z.enum(PRESETS);
export type Preset = z.infer<typeof Preset>;

export const JobId = z.string().regex(/^dl_[0-9A-HJKMNP-TV-Z]{26}$/, { error: 'expected a dl_ id' });

const Reason = z.object({ code: z.string().min(1).max(64), message: z.string().min(1).max(500) });
export type Reason = z.infer<typeof Reason>;

/** Where the files go and how Plex is told about them (the server's integration settings). */
export const JobTarget = z.object({
  sectionKey: z.string().regex(/^\d+$/),
  preset: Preset,
  /** Plex Media Server reachable from the agent, and a token allowed to scan and edit collections. */
  plex: z
    .object({
      baseUrl: z.url(),
      token: z.string().min(1),
      machineIdentifier: z.string().optional(),
    })
    .optional(),
});
export type JobTarget = z.infer<typeof JobTarget>;

export const ResolvedVideo = z.object({
  videoId: z.string().min(1).max(200),
  extractor: z.string().min(1).max(64),
  url: z.string().min(1).max(2048),
  title: z.string().max(500),
  channel: z.string().max(300).nullable(),
  duration: z.number().nonnegative().nullable(),
  uploadDate: z
    .string()
    .regex(/^\d{8}$/)
    .nullable(),
  thumbnail: z.string().max(2048).nullable(),
});
export type ResolvedVideo = z.infer<typeof ResolvedVideo>;

export const ResolveResult = z.object({
  kind: z.enum(['video', 'playlist']),
  playlist: z
    .object({ id: z.string(), title: z.string().max(500), channel: z.string().nullable() })
    .nullable(),
  entries: z.array(ResolvedVideo).max(MAX_RESOLVED_ENTRIES),
});
export type ResolveResult = z.infer<typeof ResolveResult>;

/**
 * One slice of a resolution sent in parts: `result.entries` are the entries at
 * `offset … offset + entries.length - 1` of `total`. Parts may arrive in any order and more than
 * once; each carries the same `kind` and `playlist`.
 */
export const ResolvePart = z.object({
  offset: z
    .number()
    .int()
    .min(0)
    .max(MAX_RESOLVED_ENTRIES - 1),
  total: z.number().int().min(1).max(MAX_RESOLVED_ENTRIES),
});
export type ResolvePart = z.infer<typeof ResolvePart>;

export const FileInfo = z.object({
  path: z.string().min(1).max(4096),
  bytes: z.number().int().nonnegative(),
  kind: z.enum(['video', 'poster', 'nfo']),
});
export type FileInfo = z.infer<typeof FileInfo>;

const Job = { jobId: JobId, attempt: z.number().int().positive() };

// ---- agent → server --------------------------------------------------------------------------

export const RunningJob = z.object({ ...Job, state: State });
export type RunningJob = z.infer<typeof RunningJob>;

export const AgentMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    protocol: z.literal(PROTOCOL_VERSION),
    /** The agent's idea of who it is; the token decides, a mismatch is refused. */
    agentId: z.string().optional(),
    version: z.string().max(64),
    capabilities: z.object({
      ytDlpVersion: z.string().max(64).nullable(),
      ffmpeg: z.boolean(),
      concurrency: z.number().int().min(1).max(16),
    }),
    running: z.array(RunningJob).max(64),
  }),
  z.object({ type: z.literal('heartbeat'), running: z.array(RunningJob).max(64) }),
  z.object({ type: z.literal('job.accept'), ...Job }),
  z.object({ type: z.literal('job.reject'), ...Job, reason: Reason }),
  z
    .object({ type: z.literal('job.resolved'), ...Job, result: ResolveResult, part: ResolvePart.optional() })
    .refine(
      (m) =>
        !m.part || (m.result.entries.length > 0 && m.part.offset + m.result.entries.length <= m.part.total),
      { error: 'a part holds 1 or more entries within its total', path: ['part'] },
    ),
  z.object({
    type: z.literal('job.progress'),
    ...Job,
    percent: z.number().min(0).max(100),
    downloadedBytes: z.number().int().nonnegative(),
    totalBytes: z.number().int().nonnegative().nullable(),
    /** Bytes per second. */
    speed: z.number().nonnegative().nullable(),
    /** Seconds. */
    eta: z.number().nonnegative().nullable(),
  }),
  z.object({ type: z.literal('job.state'), ...Job, state: z.enum(['post-processing', 'importing']) }),
  z.object({
    type: z.literal('job.done'),
    ...Job,
    files: z.array(FileInfo).max(16),
    warnings: z.array(z.string().max(500)).max(16).default([]),
  }),
  z.object({ type: z.literal('job.failed'), ...Job, reason: Reason }),
  z.object({ type: z.literal('job.cancelled'), ...Job }),
]);
export type AgentMessage = z.infer<typeof AgentMessage>;
export type AgentMessageInput = z.input<typeof AgentMessage>;

// ---- server → agent --------------------------------------------------------------------------

export const ServerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    protocol: z.literal(PROTOCOL_VERSION),
    agentId: z.string(),
    householdId: z.string(),
    heartbeatMs: z.number().int().positive(),
    leaseMs: z.number().int().positive(),
    /**
     * The largest frame this server takes and sends; present when it accepts `job.resolved` in
     * parts. Absent (an older server): the agent sends a resolution in one frame.
     */
    maxFrameBytes: z.number().int().min(4096).optional(),
  }),
  z.object({
    type: z.literal('job.offer'),
    ...Job,
    kind: z.enum(['resolve', 'download']),
    url: z.string(),
    quality: Quality,
    target: JobTarget,
    /** Set for download jobs: what the resolve step found. */
    video: ResolvedVideo.nullable(),
    /** Set when the video came from a playlist: the collection to create or update. */
    collection: z.string().max(500).nullable(),
  }),
  z.object({ type: z.literal('job.cancel'), ...Job, reason: Reason }),
  /** The server no longer leases this attempt to the agent: stop without reporting. */
  z.object({ type: z.literal('job.revoke'), ...Job }),
  z.object({ type: z.literal('heartbeat.ack'), leaseUntil: z.number().int() }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string(), fatal: z.boolean() }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
export type JobOffer = Extract<ServerMessage, { type: 'job.offer' }>;

/** Parses a text frame; undefined when it is not valid JSON or not a known message. */
export function parseFrame<S extends z.ZodType>(schema: S, text: string): z.output<S> | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

// ---- frame size --------------------------------------------------------------------------------

/** A frame that would be larger than the transport carries; never sent. */
export class FrameTooLargeError extends Error {
  override readonly name = 'FrameTooLargeError';
  readonly bytes: number;
  readonly limit: number;
  readonly frameType: string;
  constructor(frameType: string, bytes: number, limit: number) {
    super(`A ${frameType} frame of ${bytes} bytes is over the ${limit}-byte limit: not sent`);
    this.frameType = frameType;
    this.bytes = bytes;
    this.limit = limit;
  }
}

/** UTF-8 bytes of a serialized frame. */
export const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Serializes a frame, refusing (FrameTooLargeError) one over `limit` bytes. */
export function encodeFrame(message: { type: string }, limit: number = MAX_FRAME_BYTES): string {
  const text = JSON.stringify(message);
  // A UTF-8 byte is at most 3 per UTF-16 unit: short frames need no measuring.
  if (text.length * 3 > limit) {
    const bytes = byteLength(text);
    if (bytes > limit) throw new FrameTooLargeError(message.type, bytes, limit);
  }
  return text;
}

type ResolvedFrame = Extract<AgentMessageInput, { type: 'job.resolved' }>;

/**
 * A resolution as `job.resolved` frames of at most `limit` bytes each: one frame without `part`
 * when it fits (what every server understands), else consecutive slices with `part`. An entry too
 * large for a frame on its own is sent without its thumbnail and with shortened text; one that
 * still does not fit is left out (`dropped`), and `total` counts only the entries sent.
 */
export function resolvedFrames(
  job: { jobId: string; attempt: number },
  result: ResolveResult,
  limit: number = MAX_FRAME_BYTES,
): { frames: ResolvedFrame[]; dropped: ResolvedVideo[] } {
  const whole: ResolvedFrame = { type: 'job.resolved', ...job, result };
  if (byteLength(JSON.stringify(whole)) <= limit) return { frames: [whole], dropped: [] };
  // The frame around the entries, with the widest numbers a part can have.
  const widest = { offset: MAX_RESOLVED_ENTRIES - 1, total: MAX_RESOLVED_ENTRIES };
  const shell = byteLength(
    JSON.stringify({ type: 'job.resolved', ...job, result: { ...result, entries: [] }, part: widest }),
  );
  const room = limit - shell;
  const sized: { entry: ResolvedVideo; bytes: number }[] = [];
  const dropped: ResolvedVideo[] = [];
  for (const original of result.entries) {
    let entry = original;
    let bytes = byteLength(JSON.stringify(entry));
    if (bytes > room) {
      entry = {
        ...entry,
        thumbnail: null,
        title: entry.title.slice(0, 200),
        channel: entry.channel?.slice(0, 100) ?? null,
      };
      bytes = byteLength(JSON.stringify(entry));
    }
    if (bytes > room) dropped.push(original);
    else sized.push({ entry, bytes });
  }
  const slices: ResolvedVideo[][] = [];
  let current: ResolvedVideo[] = [];
  let used = 0;
  for (const { entry, bytes } of sized) {
    // A comma between two entries.
    const cost = bytes + (current.length > 0 ? 1 : 0);
    if (current.length > 0 && used + cost > room) {
      slices.push(current);
      current = [];
      used = 0;
    }
    used += current.length > 0 ? bytes + 1 : bytes;
    current.push(entry);
  }
  if (current.length > 0) slices.push(current);
  const total = sized.length;
  if (total === 0) return { frames: [{ ...whole, result: { ...result, entries: [] } }], dropped };
  let offset = 0;
  const frames = slices.map((entries): ResolvedFrame => {
    const frame: ResolvedFrame = {
      type: 'job.resolved',
      ...job,
      result: { ...result, entries },
      part: { offset, total },
    };
    offset += entries.length;
    return frame;
  });
  return { frames, dropped };
}
