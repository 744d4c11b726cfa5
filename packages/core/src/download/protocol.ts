/**
 * The agent ⇄ server protocol (version 1), shared by `packages/agent` and the server's agent
 * endpoint. JSON text frames over one WebSocket the agent opens outbound; every frame is one of
 * the messages below and is validated on receipt, both ways.
 *
 * Idempotency: every job message carries `jobId` and `attempt` (the lease epoch). The server
 * ignores messages for an attempt it no longer leases to that agent, and the agent ignores an
 * offer for a job it is already running, so a reconnect (which re-announces running jobs in
 * `hello`) can neither lose nor duplicate work.
 */
import { z } from 'zod';
import { State } from './state.ts';

export const PROTOCOL_VERSION = 1;

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
  entries: z.array(ResolvedVideo).max(1000),
});
export type ResolveResult = z.infer<typeof ResolveResult>;

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
  z.object({ type: z.literal('job.resolved'), ...Job, result: ResolveResult }),
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
