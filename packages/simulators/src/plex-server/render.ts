/** PMS JSON shapes (PROTOCOLS.md §2: SPEC `Metadata`, `LibrarySection`; PA's parsers). */
import { childrenOf, type Details, detailsOf, type Node, plexGuidOf } from './generator.ts';
import {
  type CollectionState,
  guidsOf,
  type Library,
  type SectionState,
  type SessionSpec,
} from './library.ts';

export interface RenderOptions {
  includeGuids: boolean;
  /** The single-item view carries full tag lists (cast, writers) as PMS does. */
  detail: boolean;
}

export function sectionJson(s: SectionState) {
  const { spec } = s;
  const movie = spec.type === 'movie';
  const personal = spec.agent === 'com.plexapp.agents.none';
  return {
    allowSync: true,
    art: `/:/resources/${movie ? 'movie' : 'show'}-fanart.jpg`,
    composite: `/library/sections/${spec.key}/composite/${s.updatedAt}`,
    filters: true,
    refreshing: s.refreshing,
    thumb: `/:/resources/${movie ? 'movie' : 'show'}.png`,
    key: spec.key,
    type: spec.type,
    title: spec.title,
    agent: spec.agent ?? (movie ? 'tv.plex.agents.movie' : 'tv.plex.agents.series'),
    scanner:
      spec.scanner ?? (personal ? 'Plex Video Files Scanner' : movie ? 'Plex Movie' : 'Plex TV Series'),
    language: spec.language,
    uuid: s.uuid,
    updatedAt: s.updatedAt,
    createdAt: s.createdAt,
    scannedAt: s.scannedAt,
    content: true,
    directory: true,
    contentChangedAt: s.contentChangedAt,
    hidden: false,
    Location: [
      { id: Number(spec.key), path: spec.path ?? `/data/${spec.title.toLowerCase().replace(/\s+/g, '-')}` },
    ],
  };
}

const thumbOf = (n: Node) => `/library/metadata/${n.ratingKey}/thumb/${n.updatedAt}`;
const artOf = (n: Node) => `/library/metadata/${n.ratingKey}/art/${n.updatedAt}`;

function mediaOf(lib: Library, n: Node, details: Details) {
  const d = details.media;
  const section = lib.section(n.sectionKey);
  const root = section?.spec.path ?? '/data/media';
  const show = n.kind === 'episode' ? n.parent?.parent : undefined;
  const file =
    n.kind === 'episode' && show
      ? `${root}/${show.title} (${show.year})/Season ${pad(n.parent?.index ?? 0)}/${show.title} - s${pad(n.parent?.index ?? 0)}e${pad(n.index ?? 0)} - ${n.title}.mkv`
      : `${root}/${n.title} (${n.year})/${n.title} (${n.year}).mkv`;
  const id = n.ratingKey;
  return [
    {
      id,
      duration: n.duration,
      bitrate: d.bitrate,
      width: d.width,
      height: d.height,
      aspectRatio: Math.round((d.width / d.height) * 100) / 100,
      audioChannels: d.audioChannels,
      audioCodec: d.audioCodec,
      videoCodec: d.videoCodec,
      videoResolution: d.videoResolution,
      container: 'mkv',
      videoFrameRate: '24p',
      videoProfile: 'main',
      Part: [
        {
          id,
          key: `/library/parts/${id}/${n.updatedAt}/file.mkv`,
          duration: n.duration,
          file,
          size: d.size,
          container: 'mkv',
          videoProfile: 'main',
        },
      ],
    },
  ];
}

const pad = (n: number) => String(n).padStart(2, '0');

export function itemJson(lib: Library, n: Node, opts: RenderOptions): Record<string, unknown> {
  const section = lib.section(n.sectionKey);
  const base: Record<string, unknown> = {
    ratingKey: String(n.ratingKey),
    key:
      n.kind === 'show' || n.kind === 'season'
        ? `/library/metadata/${n.ratingKey}/children`
        : `/library/metadata/${n.ratingKey}`,
    guid: plexGuidOf(n),
    type: n.kind,
    title: n.title,
    librarySectionTitle: section?.spec.title,
    librarySectionID: Number(n.sectionKey),
    librarySectionKey: `/library/sections/${n.sectionKey}`,
  };
  const d = detailsOf(n);
  if (n.kind === 'movie' || n.kind === 'show') {
    Object.assign(base, {
      studio: n.studio,
      titleSort: n.titleSort,
      contentRating: n.contentRating,
      summary: d.summary,
      rating: n.rating,
      audienceRating: n.audienceRating,
      year: n.year,
      tagline: d.tagline,
      thumb: thumbOf(n),
      art: artOf(n),
      duration: n.duration,
      originallyAvailableAt: n.originallyAvailableAt,
      addedAt: n.addedAt,
      updatedAt: n.updatedAt,
      audienceRatingImage: 'rottentomatoes://image.rating.upright',
    });
  }
  if (n.viewCount > 0) base.viewCount = n.viewCount;
  if (n.lastViewedAt !== null) base.lastViewedAt = n.lastViewedAt;
  if (n.kind === 'show') {
    const seasons = childrenOf(n);
    const episodes = seasons.flatMap((s) => childrenOf(s));
    Object.assign(base, {
      index: 1,
      leafCount: episodes.length,
      viewedLeafCount: episodes.filter((e) => e.viewCount > 0).length,
      childCount: seasons.length,
    });
  }
  if (n.kind === 'season') {
    const show = n.parent as Node;
    const episodes = childrenOf(n);
    Object.assign(base, {
      parentRatingKey: String(show.ratingKey),
      parentGuid: plexGuidOf(show),
      parentKey: `/library/metadata/${show.ratingKey}`,
      parentTitle: show.title,
      parentThumb: thumbOf(show),
      parentYear: show.year,
      summary: '',
      index: n.index,
      thumb: thumbOf(n),
      art: artOf(show),
      leafCount: episodes.length,
      viewedLeafCount: episodes.filter((e) => e.viewCount > 0).length,
      addedAt: n.addedAt,
      updatedAt: n.updatedAt,
    });
  }
  if (n.kind === 'episode') {
    const season = n.parent as Node;
    const show = season.parent as Node;
    Object.assign(base, {
      titleSort: n.titleSort,
      grandparentRatingKey: String(show.ratingKey),
      grandparentGuid: plexGuidOf(show),
      grandparentKey: `/library/metadata/${show.ratingKey}`,
      grandparentTitle: show.title,
      grandparentThumb: thumbOf(show),
      grandparentArt: artOf(show),
      parentRatingKey: String(season.ratingKey),
      parentGuid: plexGuidOf(season),
      parentKey: `/library/metadata/${season.ratingKey}`,
      parentTitle: season.title,
      parentThumb: thumbOf(season),
      parentIndex: season.index,
      index: n.index,
      contentRating: show.contentRating,
      summary: d.summary,
      rating: n.rating,
      year: season.year,
      thumb: thumbOf(n),
      art: artOf(show),
      duration: n.duration,
      originallyAvailableAt: n.originallyAvailableAt,
      addedAt: n.addedAt,
      updatedAt: n.updatedAt,
    });
  }
  if (n.kind === 'movie' || n.kind === 'episode') base.Media = mediaOf(lib, n, d);
  if (n.kind === 'movie' || n.kind === 'show') {
    base.Genre = n.genreIds.map((id) =>
      opts.detail ? { id, filter: `genre=${id}`, tag: lib.genreTag(id) } : { tag: lib.genreTag(id) },
    );
    base.Country = [{ tag: d.country }];
    if (n.kind === 'movie') {
      base.Director = d.directors.map((tag) => ({ tag }));
      base.Writer = (opts.detail ? d.writers : d.writers.slice(0, 1)).map((tag) => ({ tag }));
    }
    base.Role = (opts.detail ? d.roles : d.roles.slice(0, 3)).map((r) => ({ tag: r.tag, role: r.role }));
  }
  if (opts.includeGuids)
    base.Guid = guidsOf(n)
      .slice(1)
      .map((id) => ({ id }));
  return base;
}

export function collectionJson(lib: Library, c: CollectionState) {
  const section = lib.section(c.sectionKey);
  const items = c.items.map((k) => lib.node(k)).filter((n): n is Node => n !== undefined);
  const years = items.map((n) => n.year);
  return {
    ratingKey: String(c.ratingKey),
    key: `/library/collections/${c.ratingKey}/children`,
    guid: c.guid,
    type: 'collection',
    title: c.title,
    titleSort: c.title,
    librarySectionTitle: section?.spec.title,
    librarySectionID: Number(c.sectionKey),
    librarySectionKey: `/library/sections/${c.sectionKey}`,
    contentRating: items[0]?.contentRating ?? '',
    subtype: c.subtype,
    summary: '',
    index: c.ratingKey - 900_000_000,
    smart: c.smart ? '1' : '0',
    thumb: `/library/collections/${c.ratingKey}/composite/${c.updatedAt}`,
    addedAt: c.addedAt,
    updatedAt: c.updatedAt,
    childCount: String(c.items.length),
    maxYear: years.length ? String(Math.max(...years)) : undefined,
    minYear: years.length ? String(Math.min(...years)) : undefined,
  };
}

export function sessionJson(lib: Library, s: SessionSpec, n: Node, i: number) {
  const player = {
    title: 'Living Room TV',
    address: '192.168.1.50',
    machineIdentifier: `player-${s.user.id}-${i}`,
    platform: 'Android',
    product: 'Plex for Android (TV)',
    state: 'playing',
    local: (s.location ?? 'lan') === 'lan',
    relayed: false,
    secure: true,
    ...s.player,
    userID: s.user.id,
  };
  const out: Record<string, unknown> = {
    ...itemJson(lib, n, { includeGuids: false, detail: false }),
    sessionKey: s.sessionKey ?? String(i + 1),
    viewOffset: s.viewOffset ?? Math.floor(n.duration / 3),
    User: { id: String(s.user.id), title: s.user.title, thumb: s.user.thumb ?? '' },
    Player: player,
    Session: {
      id: `session-${s.user.id}-${i}`,
      bandwidth: s.bandwidth ?? 10_000,
      location: s.location ?? 'lan',
    },
  };
  if (s.transcode) {
    const t = s.transcode === true ? {} : s.transcode;
    out.TranscodeSession = {
      key: `/transcode/sessions/tx-${i}`,
      throttled: t.throttled ?? false,
      complete: false,
      progress: t.progress ?? 12.5,
      size: -22,
      speed: t.speed ?? 2.1,
      error: false,
      duration: n.duration,
      context: 'streaming',
      sourceVideoCodec: 'hevc',
      sourceAudioCodec: 'eac3',
      videoDecision: t.videoDecision ?? 'transcode',
      audioDecision: t.audioDecision ?? 'copy',
      protocol: 'dash',
      container: 'mp4',
      videoCodec: 'h264',
      audioCodec: 'eac3',
      audioChannels: 6,
      transcodeHwRequested: true,
      timeStamp: lib.now(),
      maxOffsetAvailable: 120.5,
      minOffsetAvailable: 0,
    };
  }
  return out;
}
