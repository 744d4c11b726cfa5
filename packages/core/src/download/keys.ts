/**
 * Keys and stored shapes of the download domain (single table, ARCHITECTURE.md §3).
 *
 * Access patterns:
 * - download by id:                      `H#<hh>` / `DL#<ulid>` (get)
 * - downloads of a household, newest:    `H#<hh>`, sk begins with `DL#`, backwards (members filter
 *                                        to their own; a household's history is small)
 * - children of a submission:            `H#<hh>`, sk begins with `DL#`, `parentId` = id (children
 *                                        are minted right after their parent, so they sort after it)
 * - queued work of a household, FIFO:    gsi1 `DLQ#<hh>`, sk `<ulid>` (sparse: only while queued)
 * - expired leases, all households:      gsi2 `DLLEASE`, sk `<leaseUntil 13 digits>#<hh>#<id>`
 *                                        (sparse: only while an agent holds the job), queried `lt now`
 * - video already queued/done (dupes):   `H#<hh>` / `DLV#<extractor>:<videoId>` (claim, conditional put)
 * - parts of a resolution received:      `H#<hh>` / `DLR#<parent ulid>#<attempt>#<offset>` (a receipt per
 *                                        `job.resolved` part; queried by parent, or parent and attempt,
 *                                        until the resolution is complete; TTL as a backstop)
 * - agents of a household:               `H#<hh>`, sk begins with `AGT#`
 * - agent by token:                      `AGTOK#<sha256(token)>` / `AGENT_TOKEN` (get; the token
 *                                        itself is never stored)
 * - download limits of a household:      `H#<hh>` / `DLCFG`
 * - when the server last started:       `DLSTART` / `DLSTART` (one item; leases get a grace after it)
 * - quota counters:                      `H#<hh>` / `Q#<userId>#dl#<yyyymmddhh>` (videos this hour,
 *                                        TTL) and `H#<hh>` / `Q#<userId>#dlbytes` (bytes stored)
 */
import type { Item, Key } from '../port/table.ts';
import type { JobTarget, Quality, Reason, ResolvedVideo } from './protocol.ts';
import type { State } from './state.ts';

export const ENTITY_VERSION = 1;

export const ulidOf = (id: string): string => id.slice(3);
const pad13 = (n: number) => String(Math.max(0, Math.floor(n))).padStart(13, '0');

export const keys = {
  download: (hh: string, id: string): Key => ({ pk: `H#${hh}`, sk: `DL#${ulidOf(id)}` }),
  videoClaim: (hh: string, extractor: string, videoId: string): Key => ({
    pk: `H#${hh}`,
    sk: `DLV#${extractor.toLowerCase()}:${videoId}`,
  }),
  agent: (hh: string, agentId: string): Key => ({ pk: `H#${hh}`, sk: `AGT#${agentId}` }),
  agentToken: (hash: string): Key => ({ pk: `AGTOK#${hash}`, sk: 'AGENT_TOKEN' }),
  config: (hh: string): Key => ({ pk: `H#${hh}`, sk: 'DLCFG' }),
  hourlyQuota: (hh: string, userId: string, window: string): Key => ({
    pk: `H#${hh}`,
    sk: `Q#${userId}#dl#${window}`,
  }),
  storageQuota: (hh: string, userId: string): Key => ({ pk: `H#${hh}`, sk: `Q#${userId}#dlbytes` }),
  resolvePart: (hh: string, parentId: string, attempt: number, offset: number): Key => ({
    pk: `H#${hh}`,
    sk: `DLR#${ulidOf(parentId)}#${String(attempt).padStart(6, '0')}#${String(offset).padStart(4, '0')}`,
  }),
  /** Receipts of a parent (`attempt` undefined: of every attempt). */
  resolvePartsPrefix: (parentId: string, attempt?: number) =>
    `DLR#${ulidOf(parentId)}#${attempt === undefined ? '' : `${String(attempt).padStart(6, '0')}#`}`,
  serverStart: { pk: 'DLSTART', sk: 'DLSTART' } as Key,
  queueIndex: (hh: string) => `DLQ#${hh}`,
  LEASE_INDEX: 'DLLEASE',
  leaseSk: (leaseUntil: number, hh: string, id: string) => `${pad13(leaseUntil)}#${hh}#${id}`,
};

export interface Progress {
  percent: number;
  downloadedBytes: number;
  totalBytes: number | null;
  speed: number | null;
  eta: number | null;
  at: number;
}

export interface StoredFile {
  path: string;
  bytes: number;
  kind: 'video' | 'poster' | 'nfo';
}

export interface Duplicate {
  videoId: string;
  title: string;
  existingId: string;
}

export interface DownloadItem extends Item {
  type: 'download';
  v: number;
  /** Version: every write adds 1 and is conditional on the value it read. */
  rev: number;
  id: string;
  householdId: string;
  userId: string;
  /** `submission`: what the member pasted (resolved by an agent). `video`: one file to fetch. */
  kind: 'submission' | 'video';
  parentId: string | null;
  url: string;
  quality: Quality;
  target: Omit<JobTarget, 'plex'>;
  state: State;
  reason: Reason | null;
  title: string | null;
  channel: string | null;
  video: ResolvedVideo | null;
  /** Playlist title for a submission that resolved to a playlist (and its children). */
  playlist: string | null;
  progress: Progress | null;
  files: StoredFile[];
  /** Submissions: how many children, and the duplicates that were not queued again. */
  childCount: number;
  /** Submissions: the video jobs, in playlist order. */
  childIds: string[];
  duplicates: Duplicate[];
  /** Lease epoch: grows by one with every claim, so a report from an older claim is ignored. */
  attempt: number;
  /** Claims since the last (re)queue by a member; compared with maxAttempts. */
  tries: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
  /**
   * Submissions: the playlist's videos beyond the first taken from the member's hourly quota when
   * its resolution began (once per submission), and when (the hour window they count in).
   */
  reservedVideos?: number;
  reservedAt?: number;
  /**
   * Submissions made since counters exist (1): `n_<state>` (video jobs per state, e.g.
   * `n_post_processing`) and `bytesDone`, kept by every write that creates or moves a video job.
   */
  counters?: number;
  bytesDone?: number;
  /** Submissions: a member cancelled it; none of its videos is offered, it stays cancelled until retried. */
  cancelRequested?: boolean;
  /** Submissions: a cancel or retry of its videos under way in batches (download.ts `runBulk`). */
  bulkOp?: 'cancel' | 'retry';
  bulkAt?: number;
  bulkNext?: number;
  gsi1pk?: string;
  gsi1sk?: string;
  gsi2pk?: string;
  gsi2sk?: string;
}

/** One `job.resolved` part the server applied: the video jobs it made and the duplicates it found. */
export interface ResolvePartItem extends Item {
  type: 'download_part';
  parentId: string;
  attempt: number;
  offset: number;
  /** Entries in the part. */
  count: number;
  total: number;
  /** Video jobs of the part's new entries, in playlist order. */
  childIds: string[];
  duplicates: Duplicate[];
  ttl: number;
}

export interface VideoClaimItem extends Item {
  type: 'download_video';
  downloadId: string;
  userId: string;
  title: string;
  createdAt: number;
}

export interface AgentItem extends Item {
  type: 'agent';
  v: number;
  id: string;
  householdId: string;
  name: string;
  tokenHash: string;
  createdBy: string;
  createdAt: number;
  revokedAt: number | null;
  /** Presence: online while this is in the future (renewed by heartbeats). */
  onlineUntil: number | null;
  /** The live connection that owns the presence; a stale connection's disconnect does not clear it. */
  sessionId: string | null;
  version: string | null;
  ytDlpVersion: string | null;
  lastSeenAt: number | null;
}

export interface AgentTokenItem extends Item {
  type: 'agent_token';
  householdId: string;
  agentId: string;
}

/** The self-hosted server's last start: no lease expires before `graceUntil` (agents reconnect first). */
export interface ServerStartItem extends Item {
  type: 'download_server_start';
  startedAt: number;
  graceUntil: number;
}

export interface ConfigItem extends Item {
  type: 'download_config';
  videosPerHour: number;
  storageBytesPerMember: number;
  maxAttempts: number;
  updatedAt: number;
}
