/** The Plex Media Server HTTP surface (PROTOCOLS.md §2) over a Library: JSON when asked, XML otherwise. */
import { AppError, isAppError } from '@medianest/core/error/index';
import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import type { Node, Overrides } from './generator.ts';
import { MAX_SIDE, renderImage } from './image.ts';
import {
  type Filter,
  type FilterOp,
  type Library,
  type SectionState,
  type SessionSpec,
  TYPE_NUMBER,
} from './library.ts';
import { collectionJson, itemJson, sectionJson, sessionJson } from './render.ts';
import { mediaContainerXml } from './xml.ts';

export interface ServerInfo {
  machineIdentifier: string;
  name: string;
  version: string;
  /** Accepted X-Plex-Token values; the first is the owner's (admin endpoints need it). */
  tokens: string[];
}

const html = (status: number, text: string) =>
  `<html><head><title>${text}</title></head><body><h1>${status} ${text}</h1></body></html>`;

/** PMS answers errors with a short text/html page, not JSON (SPEC). */
function htmlError(c: Context, status: 400 | 401 | 403 | 404 | 500, text: string) {
  return c.body(html(status, text), status, { 'content-type': 'text/html' });
}

const tokenOf = (c: Context): string | undefined =>
  c.req.header('X-Plex-Token') ?? c.req.query('X-Plex-Token');

/** Paging parameters come as query parameters (SPEC) or as headers (PA). */
function paging(c: Context, defaultSize: number | undefined): { start: number; size: number | undefined } {
  const read = (name: string) => c.req.query(name) ?? c.req.header(name);
  const start = read('X-Plex-Container-Start');
  const size = read('X-Plex-Container-Size');
  const num = (v: string | undefined, name: string) => {
    if (v === undefined || v === '') return undefined;
    if (!/^\d+$/.test(v)) throw new AppError('invalid', 'paging.invalid', `bad ${name}`);
    return Number(v);
  };
  return { start: num(start, 'start') ?? 0, size: num(size, 'size') ?? defaultSize };
}

/** Plex filter syntax: `field=value`, `field>>=value` (greater), `field<<=value` (less), `field!=value`. */
const RESERVED = new Set([
  'type',
  'sort',
  'includeGuids',
  'includeMeta',
  'includeCollections',
  'includeExternalMedia',
  'includeAdvanced',
  'includeFields',
  'X-Plex-Token',
  'X-Plex-Container-Start',
  'X-Plex-Container-Size',
  'X-Plex-Client-Identifier',
  'X-Plex-Product',
  'X-Plex-Version',
  'X-Plex-Platform',
  'X-Plex-Device',
  'X-Plex-Device-Name',
  'X-Plex-Language',
]);

function filtersOf(url: URL): Filter[] {
  const out: Filter[] = [];
  for (const [rawKey, value] of url.searchParams) {
    if (RESERVED.has(rawKey) || rawKey.startsWith('X-Plex-')) continue;
    const m = /^([A-Za-z.]+?)(>>|<<|!)?$/.exec(rawKey);
    if (!m) continue;
    out.push({ field: m[1] as string, op: (m[2] ?? '=') as FilterOp, value });
  }
  return out;
}

const flag = (v: string | undefined) => v === '1' || v === 'true';

function pageOf<T>(rows: T[], start: number, size: number | undefined): T[] {
  return size === undefined ? rows.slice(start) : rows.slice(start, start + size);
}

const ItemSpec = z.object({
  title: z.string().optional(),
  year: z.number().int().optional(),
  tmdbId: z.number().int().optional(),
  imdbId: z.string().optional(),
  tvdbId: z.number().int().optional(),
  genres: z.array(z.string()).optional(),
  summary: z.string().optional(),
});

const SessionBody = z.array(
  z.object({
    ratingKey: z.union([z.string(), z.number()]),
    sessionKey: z.string().optional(),
    user: z.object({ id: z.number().int(), title: z.string(), thumb: z.string().optional() }),
    player: z.record(z.string(), z.unknown()).optional(),
    viewOffset: z.number().int().optional(),
    bandwidth: z.number().int().optional(),
    location: z.enum(['lan', 'wan']).optional(),
    transcode: z.union([z.boolean(), z.record(z.string(), z.unknown())]).optional(),
  }),
);

export function plexServerApp(
  lib: Library,
  info: ServerInfo,
  hooks: { setSessions(s: SessionSpec[]): void },
): Hono {
  const app = new Hono();
  const tokens = () => info.tokens;

  app.use('*', async (c, next) => {
    const path = new URL(c.req.url).pathname;
    if (path === '/identity' || path.startsWith('/__control')) return next();
    const token = tokenOf(c);
    if (!token || !tokens().includes(token)) return htmlError(c, 401, 'Unauthorized');
    return next();
  });

  const container = (c: Context, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    (c.req.header('accept') ?? '').includes('application/json')
      ? c.json({ MediaContainer: body }, 200, headers)
      : c.body(mediaContainerXml(body), 200, { ...headers, 'content-type': 'text/xml;charset=utf-8' });

  app.get('/identity', (c) =>
    container(c, {
      size: 0,
      claimed: true,
      machineIdentifier: info.machineIdentifier,
      version: info.version,
    }),
  );

  app.get('/', (c) =>
    container(c, {
      size: 0,
      allowCameraUpload: false,
      allowSync: true,
      friendlyName: info.name,
      machineIdentifier: info.machineIdentifier,
      version: info.version,
      myPlex: true,
      myPlexSigninState: 'ok',
      platform: 'Linux',
      platformVersion: '6.1.0',
      transcoderVideo: true,
      updatedAt: lib.now(),
    }),
  );

  const sections = (c: Context) =>
    container(c, {
      size: lib.sections.length,
      allowSync: false,
      title1: 'Plex Library',
      Directory: lib.sections.map(sectionJson),
    });
  app.get('/library/sections', sections);
  app.get('/library/sections/all', sections);

  app.get('/library/sections/:key/all', (c) => {
    const section = lib.section(c.req.param('key'));
    if (!section) return htmlError(c, 404, 'Not Found');
    const url = new URL(c.req.url);
    const typeParam = c.req.query('type');
    if (typeParam !== undefined && !/^\d+$/.test(typeParam))
      throw new AppError('invalid', 'type', 'bad type');
    if (typeParam === String(TYPE_NUMBER.collection)) return collectionList(c, section);
    const rows = lib.list(section, {
      type: typeParam === undefined ? undefined : Number(typeParam),
      sort: c.req.query('sort'),
      filters: filtersOf(url),
    });
    const { start, size } = paging(c, undefined);
    const includeGuids = flag(c.req.query('includeGuids'));
    const page = size === 0 ? [] : pageOf(rows, start, size);
    const body: Record<string, unknown> = {
      size: page.length,
      totalSize: rows.length,
      offset: start,
      allowSync: true,
      art: sectionJson(section).art,
      identifier: 'com.plexapp.plugins.library',
      librarySectionID: Number(section.spec.key),
      librarySectionTitle: section.spec.title,
      librarySectionUUID: section.uuid,
      mediaTagPrefix: '/system/bundle/media/flags/',
      mediaTagVersion: 1_700_000_000,
      thumb: sectionJson(section).thumb,
      title1: section.spec.title,
      title2: section.spec.type === 'movie' ? 'All Movies' : 'All Shows',
      viewGroup: page[0]?.kind ?? section.spec.type,
    };
    if (size !== 0) body.Metadata = page.map((n) => itemJson(lib, n, { includeGuids, detail: false }));
    return container(c, body, {
      'X-Plex-Container-Start': String(start),
      'X-Plex-Container-Total-Size': String(rows.length),
    });
  });

  // A section's filter choices (PA `listFilterChoices` → `/library/sections/{key}/{field}`): the
  // values its items have, each a Directory `{fastKey, key, title, type}` whose key is what the
  // `/all` filter takes (a genre's tag id, a year).
  const CHOICE_TITLE = { genre: 'By Genre', year: 'By Year' } as const;
  app.get('/library/sections/:key/:field{genre|year}', (c) => {
    const section = lib.section(c.req.param('key'));
    if (!section) return htmlError(c, 404, 'Not Found');
    const field = c.req.param('field') as 'genre' | 'year';
    const typeParam = c.req.query('type');
    if (typeParam !== undefined && !/^\d+$/.test(typeParam)) return htmlError(c, 400, 'Bad Request');
    // Only top-level items carry genres and years here; seasons and episodes list none.
    const top = typeParam === undefined || Number(typeParam) === TYPE_NUMBER[section.spec.type];
    const choices = top ? lib.choices(section, field) : [];
    const json = sectionJson(section);
    return container(c, {
      size: choices.length,
      allowSync: false,
      art: json.art,
      content: 'secondary',
      identifier: 'com.plexapp.plugins.library',
      mediaTagPrefix: '/system/bundle/media/flags/',
      mediaTagVersion: 1_700_000_000,
      nocache: true,
      thumb: json.thumb,
      title1: section.spec.title,
      title2: CHOICE_TITLE[field],
      viewGroup: 'secondary',
      Directory: choices.map((ch) => ({
        fastKey: `/library/sections/${section.spec.key}/all?${field}=${ch.key}`,
        key: ch.key,
        title: ch.title,
        type: field,
      })),
    });
  });

  // PA's `section.collections()` asks `/all?type=18`; Plex Web uses `/collections`.
  const collectionList = (c: Context, section: SectionState) => {
    const cols = lib.collectionsOf(section.spec.key);
    const { start, size } = paging(c, undefined);
    const page = size === 0 ? [] : pageOf(cols, start, size);
    return container(
      c,
      {
        size: page.length,
        totalSize: cols.length,
        offset: start,
        librarySectionID: Number(section.spec.key),
        librarySectionTitle: section.spec.title,
        title1: section.spec.title,
        title2: 'Collections',
        viewGroup: 'secondary',
        Metadata: page.map((col) => collectionJson(lib, col)),
      },
      { 'X-Plex-Container-Start': String(start), 'X-Plex-Container-Total-Size': String(cols.length) },
    );
  };
  app.get('/library/sections/:key/collections', (c) => {
    const section = lib.section(c.req.param('key'));
    if (!section) return htmlError(c, 404, 'Not Found');
    return collectionList(c, section);
  });

  // scans: PA uses GET, SPEC lists POST; DELETE cancels.
  const refresh = (c: Context) => {
    const key = c.req.param('key') as string;
    if (key !== 'all' && !lib.section(key)) return htmlError(c, 404, 'Not Found');
    lib.refresh(key, c.req.query('path') ?? null, flag(c.req.query('force')), c.req.method);
    return c.body(null, 200);
  };
  app.get('/library/sections/:key/refresh', refresh);
  app.post('/library/sections/:key/refresh', refresh);
  app.delete('/library/sections/:key/refresh', (c) => {
    const key = c.req.param('key');
    if (key !== 'all' && !lib.section(key)) return htmlError(c, 404, 'Not Found');
    lib.cancelRefresh(key);
    return c.body(null, 200);
  });

  const recentlyAdded = (c: Context, sectionKey?: string) => {
    const rows = lib.sections
      .filter((s) => sectionKey === undefined || s.spec.key === sectionKey)
      .flatMap((s) => lib.list(s, { sort: 'addedAt:desc', filters: [] }))
      .sort((a, b) => b.addedAt - a.addedAt || a.ratingKey - b.ratingKey);
    const { start, size } = paging(c, 50);
    const page = pageOf(rows, start, size);
    const includeGuids = flag(c.req.query('includeGuids'));
    return container(
      c,
      {
        size: page.length,
        totalSize: rows.length,
        offset: start,
        allowSync: false,
        identifier: 'com.plexapp.plugins.library',
        mediaTagPrefix: '/system/bundle/media/flags/',
        mediaTagVersion: 1_700_000_000,
        mixedParents: true,
        title1: 'Recently Added',
        Metadata: page.map((n) => itemJson(lib, n, { includeGuids, detail: false })),
      },
      { 'X-Plex-Container-Start': String(start), 'X-Plex-Container-Total-Size': String(rows.length) },
    );
  };
  app.get('/library/recentlyAdded', (c) => recentlyAdded(c));
  app.get('/library/sections/:key/recentlyAdded', (c) => {
    if (!lib.section(c.req.param('key'))) return htmlError(c, 404, 'Not Found');
    return recentlyAdded(c, c.req.param('key'));
  });

  // metadata

  const parseKeys = (raw: string): number[] => {
    const keys = raw.split(',');
    if (keys.some((k) => !/^\d+$/.test(k))) throw new AppError('not_found', 'metadata.not_found', raw);
    return keys.map(Number);
  };

  app.get('/library/metadata/:keys', (c) => {
    const includeGuids = flag(c.req.query('includeGuids'));
    const out: Record<string, unknown>[] = [];
    for (const key of parseKeys(c.req.param('keys'))) {
      const col = lib.collection(key);
      if (col) {
        out.push(collectionJson(lib, col));
        continue;
      }
      const node = lib.node(key);
      if (node) out.push(itemJson(lib, node, { includeGuids, detail: true }));
    }
    if (out.length === 0) return htmlError(c, 404, 'Not Found');
    const first = out[0] as Record<string, unknown>;
    return container(c, {
      size: out.length,
      allowSync: true,
      identifier: 'com.plexapp.plugins.library',
      librarySectionID: first.librarySectionID,
      librarySectionTitle: first.librarySectionTitle,
      librarySectionUUID: lib.section(String(first.librarySectionID))?.uuid,
      mediaTagPrefix: '/system/bundle/media/flags/',
      mediaTagVersion: 1_700_000_000,
      Metadata: out,
    });
  });

  const childrenResponse = (c: Context, parent: Record<string, unknown>, kids: Node[]) => {
    const { start, size } = paging(c, undefined);
    const page = size === 0 ? [] : pageOf(kids, start, size);
    const includeGuids = flag(c.req.query('includeGuids'));
    return container(
      c,
      {
        size: page.length,
        totalSize: kids.length,
        offset: start,
        allowSync: true,
        identifier: 'com.plexapp.plugins.library',
        key: parent.ratingKey,
        librarySectionID: parent.librarySectionID,
        librarySectionTitle: parent.librarySectionTitle,
        title1: parent.title,
        viewGroup: page[0]?.kind ?? 'secondary',
        Metadata: page.map((n) => itemJson(lib, n, { includeGuids, detail: false })),
      },
      { 'X-Plex-Container-Start': String(start), 'X-Plex-Container-Total-Size': String(kids.length) },
    );
  };

  app.get('/library/metadata/:key/children', (c) => {
    const [key] = parseKeys(c.req.param('key'));
    const col = lib.collection(key as number);
    if (col) {
      const kids = col.items.map((k) => lib.node(k)).filter((n): n is Node => n !== undefined);
      return childrenResponse(c, collectionJson(lib, col), kids);
    }
    const node = lib.node(key as number);
    if (!node || (node.kind !== 'show' && node.kind !== 'season')) return htmlError(c, 404, 'Not Found');
    return childrenResponse(
      c,
      itemJson(lib, node, { includeGuids: false, detail: false }),
      lib.childrenOf(node),
    );
  });

  // collections, as python-plexapi's Collection.create / addItems / removeItems / delete call them

  const uriKeys = (uri: string | undefined): number[] => {
    const m = /^server:\/\/([^/]+)\/com\.plexapp\.plugins\.library\/library\/metadata\/([\d,]+)$/.exec(
      uri ?? '',
    );
    if (!m)
      throw new AppError(
        'invalid',
        'collection.uri',
        'uri must be server://<machineId>/…/library/metadata/<keys>',
      );
    if (m[1] !== info.machineIdentifier)
      throw new AppError('invalid', 'collection.uri', 'uri names another server');
    return (m[2] as string).split(',').map(Number);
  };

  app.post('/library/collections', (c) => {
    const q = (name: string) => c.req.query(name);
    if (flag(q('smart')))
      throw new AppError('invalid', 'collection.smart', 'smart collections are not simulated');
    const title = q('title');
    const sectionId = q('sectionId');
    const type = Number(q('type'));
    if (!title || !sectionId || !Number.isInteger(type))
      throw new AppError('invalid', 'collection.params', 'title, sectionId and type are required');
    const col = lib.createCollection(sectionId, title, type, uriKeys(q('uri')));
    return container(c, { size: 1, Metadata: [collectionJson(lib, col)] });
  });

  const collectionOr404 = (c: Context) => {
    const id = c.req.param('id') ?? '';
    return /^\d+$/.test(id) ? lib.collection(Number(id)) : undefined;
  };

  app.get('/library/collections/:id', (c) => {
    const col = collectionOr404(c);
    if (!col) return htmlError(c, 404, 'Not Found');
    return container(c, { size: 1, Metadata: [collectionJson(lib, col)] });
  });
  app.delete('/library/collections/:id', (c) => {
    const col = collectionOr404(c);
    if (!col) return htmlError(c, 404, 'Not Found');
    lib.deleteCollection(col.ratingKey);
    return c.body(null, 200);
  });
  app.get('/library/collections/:id/children', (c) => {
    const col = collectionOr404(c);
    if (!col) return htmlError(c, 404, 'Not Found');
    const kids = col.items.map((k) => lib.node(k)).filter((n): n is Node => n !== undefined);
    return childrenResponse(c, collectionJson(lib, col), kids);
  });
  app.put('/library/collections/:id/items', (c) => {
    const col = collectionOr404(c);
    if (!col) return htmlError(c, 404, 'Not Found');
    lib.addToCollection(col, uriKeys(c.req.query('uri')));
    return container(c, { size: 1, Metadata: [collectionJson(lib, col)] });
  });
  app.delete('/library/collections/:id/items/:rk', (c) => {
    const col = collectionOr404(c);
    if (!col || !lib.removeFromCollection(col, Number(c.req.param('rk'))))
      return htmlError(c, 404, 'Not Found');
    return container(c, { size: 1, Metadata: [collectionJson(lib, col)] });
  });

  // search

  app.get('/hubs/search', (c) => {
    const query = c.req.query('query');
    if (!query) return htmlError(c, 400, 'Bad Request');
    const limit = Number(c.req.query('limit') ?? 10) || 10;
    const sectionId = c.req.query('sectionId');
    const needle = query.toLowerCase();
    const scope = lib.sections.filter((s) => !sectionId || s.spec.key === sectionId);
    const hub = (
      type: 'movie' | 'show' | 'collection',
      title: string,
      items: Record<string, unknown>[],
      total: number,
    ) => ({
      title,
      type,
      hubIdentifier: type,
      context: `hub.${type}`,
      hubKey: `/library/metadata/${items.map((i) => i.ratingKey).join(',')}`,
      key: `/hubs/search?query=${encodeURIComponent(query)}&type=${TYPE_NUMBER[type]}`,
      size: items.length,
      more: total > items.length,
      style: 'shelf',
      ...(items.length ? { Metadata: items } : {}),
    });
    const hubs: Record<string, unknown>[] = [];
    for (const kind of ['movie', 'show'] as const) {
      const matches = scope
        .filter((s) => s.spec.type === kind)
        .flatMap((s) => s.items.filter((n) => n.title.toLowerCase().includes(needle)));
      hubs.push(
        hub(
          kind,
          kind === 'movie' ? 'Movies' : 'Shows',
          matches.slice(0, limit).map((n) => itemJson(lib, n, { includeGuids: false, detail: false })),
          matches.length,
        ),
      );
    }
    if (flag(c.req.query('includeCollections'))) {
      const cols = lib
        .collections()
        .filter(
          (col) =>
            scope.some((s) => s.spec.key === col.sectionKey) && col.title.toLowerCase().includes(needle),
        );
      hubs.push(
        hub(
          'collection',
          'Collections',
          cols.slice(0, limit).map((col) => collectionJson(lib, col)),
          cols.length,
        ),
      );
    }
    return container(c, { size: hubs.length, Hub: hubs });
  });

  // sessions (admin only)

  app.get('/status/sessions', (c) => {
    if (tokenOf(c) !== tokens()[0]) return htmlError(c, 401, 'Unauthorized');
    const items = lib.sessions.flatMap((s, i) => {
      const node = lib.node(Number(s.ratingKey));
      return node ? [sessionJson(lib, s, node, i)] : [];
    });
    return container(c, { size: items.length, Metadata: items });
  });

  // images

  const image = async (c: Context, source: string, width: number, height: number) => {
    const fmt = (c.req.query('format') ?? 'jpg').toLowerCase();
    const format = fmt === 'png' ? 'png' : 'jpeg';
    const quality = Number(c.req.query('quality') ?? 80);
    const body = await renderImage(
      source,
      width,
      height,
      format,
      Number.isFinite(quality) ? Math.min(100, Math.max(1, quality)) : 80,
    );
    return c.body(body, 200, {
      'content-type': format === 'png' ? 'image/png' : 'image/jpeg',
      'cache-control': 'max-age=86400',
    });
  };

  app.get('/photo/*', async (c) => {
    if (new URL(c.req.url).pathname !== '/photo/:/transcode') return htmlError(c, 404, 'Not Found');
    const source = c.req.query('url');
    if (!source) return htmlError(c, 400, 'Bad Request');
    const dim = (v: string | undefined) =>
      v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : Number.NaN;
    let width = dim(c.req.query('width'));
    let height = dim(c.req.query('height'));
    if (Number.isNaN(width) || Number.isNaN(height)) return htmlError(c, 400, 'Bad Request');
    // A missing side follows the 2:3 poster shape, like a resize that keeps the aspect ratio.
    if (width === undefined && height === undefined) [width, height] = [200, 300];
    width ??= Math.round(((height as number) * 2) / 3);
    height ??= Math.round((width * 3) / 2);
    if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE)
      return htmlError(c, 400, 'Bad Request');
    const path = source.startsWith('http') ? new URL(source).pathname : (source.split('?')[0] as string);
    return image(c, path, width, height);
  });

  app.get('/library/metadata/:key/:kind{thumb|art}/:ts', (c) => {
    const node = lib.node(Number(c.req.param('key')));
    if (!node) return htmlError(c, 404, 'Not Found');
    const poster = c.req.param('kind') === 'thumb';
    return image(c, new URL(c.req.url).pathname, poster ? 300 : 640, poster ? 450 : 360);
  });
  app.get('/library/collections/:id/composite/:ts', (c) => {
    if (!collectionOr404(c)) return htmlError(c, 404, 'Not Found');
    return image(c, new URL(c.req.url).pathname, 300, 450);
  });
  app.get('/library/sections/:key/composite/:ts', (c) => image(c, new URL(c.req.url).pathname, 300, 450));

  // control routes

  app.post('/__control/items', async (c) => {
    const parsed = z
      .object({
        sectionKey: z.string(),
        count: z.number().int().min(1).optional(),
        items: z.array(ItemSpec).optional(),
      })
      .safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success || (!parsed.data.count && !parsed.data.items))
      return c.json({ error: 'invalid', message: 'sectionKey and count or items required' }, 400);
    const added = lib.addItems(parsed.data.sectionKey, parsed.data.items ?? (parsed.data.count as number));
    return c.json(
      added.map((n) => itemJson(lib, n, { includeGuids: true, detail: false })),
      201,
    );
  });
  app.put('/__control/sessions', async (c) => {
    const parsed = SessionBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: 'invalid', message: parsed.error.message }, 400);
    hooks.setSessions(parsed.data as SessionSpec[]);
    return c.body(null, 204);
  });
  app.get('/__control/refreshes', (c) => c.json(lib.refreshes()));
  app.get('/__control/collections', (c) => c.json(lib.collections()));
  app.post('/__control/tokens', async (c) => {
    const parsed = z
      .object({ token: z.string().min(1) })
      .safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: 'invalid', message: parsed.error.message }, 400);
    if (!info.tokens.includes(parsed.data.token)) info.tokens.push(parsed.data.token);
    return c.body(null, 204);
  });
  app.delete('/__control/tokens/:token', (c) => {
    const i = info.tokens.indexOf(c.req.param('token'));
    if (i <= 0) return c.json({ error: 'not_found', message: 'unknown token (the owner token stays)' }, 404);
    info.tokens.splice(i, 1);
    return c.body(null, 204);
  });

  app.onError((err, c) => {
    if (isAppError(err)) {
      if (new URL(c.req.url).pathname.startsWith('/__control'))
        return c.json(
          { error: err.kind, message: err.message },
          (err.kind === 'not_found' ? 404 : 400) as ContentfulStatusCode,
        );
      if (err.kind === 'not_found') return htmlError(c, 404, 'Not Found');
      return htmlError(c, 400, 'Bad Request');
    }
    throw err;
  });

  return app;
}

export type { Overrides };
