/**
 * The downloads API (packages/api/src/v1/downloads.ts) and the household's library sections as
 * typed calls, plus the small formatters the downloads pages share. Enumerations stay open
 * strings so a newer server still renders.
 */
import * as z from 'zod/mini';
import { api } from '../../lib/api.ts';

const hh = (hid: string) => `/v1/households/${encodeURIComponent(hid)}`;

export const QUALITIES = [
  { id: 'best', label: 'Best available' },
  { id: '2160p', label: '2160p (4K)' },
  { id: '1080p', label: '1080p' },
  { id: '720p', label: '720p' },
  { id: '480p', label: '480p' },
  { id: 'audio', label: 'Audio only' },
] as const;

export const PRESETS = [
  { id: 'other-videos', label: 'Other Videos', hint: 'Channel/Title [id].mp4' },
  {
    id: 'tv-by-date',
    label: 'TV by date',
    hint: 'Channel/Season YYYY/Channel - YYYY-MM-DD - Title [id].mp4',
  },
] as const;

export const ACTIVE_STATES = ['queued', 'resolving', 'downloading', 'post-processing', 'importing'];
export const FINISHED_STATES = ['done', 'failed', 'cancelled'];

export const STATE_LABELS: Record<string, string> = {
  queued: 'Queued',
  resolving: 'Resolving',
  downloading: 'Downloading',
  'post-processing': 'Post-processing',
  importing: 'Importing into Plex',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const isActive = (state: string) => ACTIVE_STATES.includes(state);

export const Progress = z.object({
  percent: z.number(),
  downloadedBytes: z.number(),
  totalBytes: z.nullable(z.number()),
  speed: z.nullable(z.number()),
  eta: z.nullable(z.number()),
  at: z.number(),
});
export type Progress = z.infer<typeof Progress>;

export const Download = z.object({
  id: z.string(),
  userId: z.string(),
  kind: z.string(),
  parentId: z.nullable(z.string()),
  url: z.string(),
  quality: z.string(),
  target: z.object({ sectionKey: z.string(), preset: z.string() }),
  state: z.string(),
  reason: z.nullable(z.object({ code: z.string(), message: z.string() })),
  title: z.nullable(z.string()),
  channel: z.nullable(z.string()),
  playlist: z.nullable(z.string()),
  progress: z.nullable(Progress),
  files: z.array(z.object({ path: z.string(), bytes: z.number(), kind: z.string() })),
  childCount: z.number(),
  duplicates: z.array(z.object({ videoId: z.string(), title: z.string(), existingId: z.string() })),
  attempt: z.number(),
  waitingForAgent: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number(),
  finishedAt: z.nullable(z.number()),
});
export type Download = z.infer<typeof Download>;

const DownloadPage = z.object({ downloads: z.array(Download), cursor: z.optional(z.string()) });
export type DownloadPage = z.infer<typeof DownloadPage>;

export const Quota = z.object({
  videosPerHour: z.number(),
  usedThisHour: z.number(),
  resetsAt: z.number(),
  storageBytesPerMember: z.number(),
  usedBytes: z.number(),
});
export type Quota = z.infer<typeof Quota>;

export const listDownloads = (
  hid: string,
  query: { cursor?: string | undefined; mine?: boolean; limit?: number },
  signal?: AbortSignal,
) => {
  const params = new URLSearchParams({ limit: String(query.limit ?? 100) });
  if (query.cursor) params.set('cursor', query.cursor);
  if (query.mine) params.set('mine', 'true');
  return api.get(`${hh(hid)}/downloads?${params}`, { schema: DownloadPage, signal });
};

export const getQuota = (hid: string, signal?: AbortSignal) =>
  api.get(`${hh(hid)}/downloads/quota`, { schema: Quota, signal });

export interface NewDownload {
  url: string;
  quality: string;
  target: { sectionKey: string; preset: string };
}

const One = z.object({ download: Download });

export const submitDownload = async (hid: string, input: NewDownload) =>
  (await api.post(`${hh(hid)}/downloads`, input, { schema: One })).download;

export const cancelDownload = async (hid: string, id: string) =>
  (await api.post(`${hh(hid)}/downloads/${encodeURIComponent(id)}/cancel`, undefined, { schema: One }))
    .download;

export const retryDownload = async (hid: string, id: string) =>
  (await api.post(`${hh(hid)}/downloads/${encodeURIComponent(id)}/retry`, undefined, { schema: One }))
    .download;

// ---- library sections (download targets) -----------------------------------------------------

export const Section = z.object({
  serverId: z.string(),
  serverName: z.string(),
  key: z.string(),
  title: z.string(),
  type: z.string(),
});
export type Section = z.infer<typeof Section>;

const Sections = z.object({
  sections: z.array(Section),
  unavailable: z.array(z.object({ serverId: z.string() })),
});

export const getSections = (hid: string, signal?: AbortSignal) =>
  api.get(`${hh(hid)}/library/sections`, { schema: Sections, signal });

// ---- agents (admins) ---------------------------------------------------------------------------

export const Agent = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.number(),
  revoked: z.boolean(),
  online: z.boolean(),
  lastSeenAt: z.nullable(z.number()),
  version: z.nullable(z.string()),
  ytDlpVersion: z.nullable(z.string()),
});
export type Agent = z.infer<typeof Agent>;

export const listAgents = async (hid: string, signal?: AbortSignal) =>
  (await api.get(`${hh(hid)}/agents`, { schema: z.object({ agents: z.array(Agent) }), signal })).agents;

export const createAgent = (hid: string, name: string) =>
  api.post(`${hh(hid)}/agents`, { name }, { schema: z.object({ agent: Agent, token: z.string() }) });

export const renameAgent = async (hid: string, agentId: string, name: string) =>
  (
    await api.patch(
      `${hh(hid)}/agents/${encodeURIComponent(agentId)}`,
      { name },
      {
        schema: z.object({ agent: Agent }),
      },
    )
  ).agent;

export const revokeAgent = (hid: string, agentId: string) =>
  api.delete(`${hh(hid)}/agents/${encodeURIComponent(agentId)}`);

/** The command an admin runs on the Plex machine (as in the README's "household download agent"). */
export function agentCommand(origin: string, token: string): string {
  const server = `${origin.replace(/^http/, 'ws')}/agent`;
  return `npx medianest-agent --server ${server} --token ${token} --dir /tmp/medianest-agent --library <section key>=<library folder>`;
}

// ---- formatting ----------------------------------------------------------------------------------

/** Binary units, as the server words its limits ("100 GiB"). */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

/** Seconds as "1 h 5 min", "4 min 10 s", "12 s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${s} s`;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "2 minutes ago", "just now". */
export function ago(ms: number, now = Date.now()): string {
  const s = Math.round((ms - now) / 1000);
  if (Math.abs(s) < 45) return 'just now';
  const m = Math.round(s / 60);
  if (Math.abs(m) < 60) return relative.format(m, 'minute');
  const h = Math.round(m / 60);
  if (Math.abs(h) < 48) return relative.format(h, 'hour');
  return relative.format(Math.round(h / 24), 'day');
}
