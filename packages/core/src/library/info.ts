/**
 * What leaves core about the library: plain shapes for the routes and the web, built from Plex's
 * answers. Image fields are Plex paths for the image route (`getImage`), never URLs with a token.
 */
import { z } from 'zod';
import type { PlexItem, PlexSection } from '../integration/client/plex-server.ts';

export const SectionInfo = z.object({
  serverId: z.string(),
  serverName: z.string(),
  key: z.string(),
  title: z.string(),
  type: z.string(),
  thumb: z.string().nullable(),
  art: z.string().nullable(),
  updatedAt: z.number().nullable(),
});
export type SectionInfo = z.infer<typeof SectionInfo>;

export const ItemSummary = z.object({
  serverId: z.string(),
  ratingKey: z.string(),
  sectionKey: z.string().nullable(),
  type: z.string(),
  title: z.string(),
  /** Seasons and episodes: the show; episodes: the season number and own index. */
  parentTitle: z.string().nullable(),
  grandparentTitle: z.string().nullable(),
  index: z.number().nullable(),
  parentIndex: z.number().nullable(),
  year: z.number().nullable(),
  thumb: z.string().nullable(),
  art: z.string().nullable(),
  addedAt: z.number().nullable(),
  /** Audience rating when Plex has one, else the critic rating (0–10). */
  rating: z.number().nullable(),
  contentRating: z.string().nullable(),
  /** ms */
  duration: z.number().nullable(),
  watched: z.boolean(),
  /** 0–1 for a partly watched movie or episode. */
  progress: z.number().nullable(),
  childCount: z.number().nullable(),
  leafCount: z.number().nullable(),
  viewedLeafCount: z.number().nullable(),
});
export type ItemSummary = z.infer<typeof ItemSummary>;

export const MediaInfo = z.object({
  videoResolution: z.string().nullable(),
  videoCodec: z.string().nullable(),
  audioCodec: z.string().nullable(),
  audioChannels: z.number().nullable(),
  container: z.string().nullable(),
  bitrate: z.number().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  duration: z.number().nullable(),
  /** bytes, summed over the parts */
  size: z.number().nullable(),
});
export type MediaInfo = z.infer<typeof MediaInfo>;

export const ItemDetail = ItemSummary.extend({
  summary: z.string().nullable(),
  tagline: z.string().nullable(),
  studio: z.string().nullable(),
  originallyAvailableAt: z.string().nullable(),
  genres: z.array(z.string()),
  directors: z.array(z.string()),
  writers: z.array(z.string()),
  countries: z.array(z.string()),
  cast: z.array(z.object({ name: z.string(), role: z.string().nullable(), thumb: z.string().nullable() })),
  media: z.array(MediaInfo),
  /** External ids (`tmdb://603`, `imdb://tt0133093`, `tvdb://…`). */
  guids: z.array(z.string()),
  /** Shows: their seasons; seasons: their episodes (first page). */
  children: z.array(ItemSummary),
  childrenTotal: z.number(),
  openInPlexUrl: z.string(),
});
export type ItemDetail = z.infer<typeof ItemDetail>;

export const Unavailable = z.object({ serverId: z.string(), serverName: z.string(), message: z.string() });
export type Unavailable = z.infer<typeof Unavailable>;

const str = (v: string | undefined | null): string | null => (v === undefined || v === null ? null : v);
const num = (v: number | undefined | null): number | null =>
  v === undefined || v === null || !Number.isFinite(v) ? null : v;

export function toSection(serverId: string, serverName: string, s: PlexSection): SectionInfo {
  return {
    serverId,
    serverName,
    key: s.key,
    title: s.title,
    type: s.type,
    thumb: str(s.thumb),
    art: str(s.art),
    updatedAt: num(s.updatedAt),
  };
}

export function toSummary(serverId: string, i: PlexItem): ItemSummary {
  const leaf = i.leafCount ?? null;
  const viewedLeaf = i.viewedLeafCount ?? null;
  const watched =
    leaf !== null && (i.type === 'show' || i.type === 'season')
      ? leaf > 0 && viewedLeaf === leaf
      : (i.viewCount ?? 0) > 0;
  return {
    serverId,
    ratingKey: i.ratingKey,
    sectionKey: i.librarySectionID === undefined ? null : String(i.librarySectionID),
    type: i.type,
    title: i.title,
    parentTitle: str(i.parentTitle),
    grandparentTitle: str(i.grandparentTitle),
    index: num(i.index),
    parentIndex: num(i.parentIndex),
    year: num(i.year),
    thumb: str(i.thumb ?? i.parentThumb ?? i.grandparentThumb),
    art: str(i.art ?? i.grandparentArt),
    addedAt: num(i.addedAt),
    rating: num(i.audienceRating ?? i.rating),
    contentRating: str(i.contentRating),
    duration: num(i.duration),
    watched,
    progress:
      i.viewOffset !== undefined && i.duration ? Math.min(1, Math.max(0, i.viewOffset / i.duration)) : null,
    childCount: num(i.childCount),
    leafCount: leaf,
    viewedLeafCount: viewedLeaf,
  };
}

const MediaSchema = z.looseObject({
  videoResolution: z.union([z.string(), z.number()]).transform(String).optional().catch(undefined),
  videoCodec: z.string().optional().catch(undefined),
  audioCodec: z.string().optional().catch(undefined),
  audioChannels: z.number().optional().catch(undefined),
  container: z.string().optional().catch(undefined),
  bitrate: z.number().optional().catch(undefined),
  width: z.number().optional().catch(undefined),
  height: z.number().optional().catch(undefined),
  duration: z.number().optional().catch(undefined),
  Part: z
    .array(z.looseObject({ size: z.number().optional().catch(undefined) }))
    .optional()
    .catch(undefined),
});

export function toMedia(raw: unknown): MediaInfo | undefined {
  const m = MediaSchema.safeParse(raw);
  if (!m.success) return undefined;
  const d = m.data;
  const sizes = (d.Part ?? []).map((p) => p.size).filter((s): s is number => typeof s === 'number');
  return {
    videoResolution: str(d.videoResolution),
    videoCodec: str(d.videoCodec),
    audioCodec: str(d.audioCodec),
    audioChannels: num(d.audioChannels),
    container: str(d.container),
    bitrate: num(d.bitrate),
    width: num(d.width),
    height: num(d.height),
    duration: num(d.duration),
    size: sizes.length ? sizes.reduce((a, b) => a + b, 0) : null,
  };
}

/** Plex Web's address for an item; it resolves the server through the member's own plex.tv account. */
export function openInPlexUrl(machineIdentifier: string, ratingKey: string): string {
  return `https://app.plex.tv/desktop#!/server/${machineIdentifier}/details?key=${encodeURIComponent(`/library/metadata/${ratingKey}`)}`;
}

/** Absolute https URLs (plex.tv's cast photos) pass; anything else would need the server token. */
export const publicImage = (u: string | undefined): string | null =>
  u !== undefined && /^https:\/\//.test(u) ? u : null;
