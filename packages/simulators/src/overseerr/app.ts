/**
 * The Overseerr API v1 routes. Request handling happens in Overseerr's order:
 * OpenAPI validator (unknown path 404 → security 401 → parameter/body 400), then
 * `isAuthenticated` (403), then the route. Error bodies are the validator's
 * `{message, errors}` or the error handler's `{message}`.
 */
import { type Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { hasPermission, Permission } from './permissions.ts';
import { movieDetails, movieResult, personResult, tvDetails, tvResult } from './shapes.ts';
import {
  MediaRequestStatus,
  MediaStatus,
  type MediaType,
  OverseerrFailure,
  type OverseerrState,
  type RequestBody,
  type RequestFilter,
  type UserRecord,
} from './state.ts';

export interface PlexAccount {
  id: number;
  email: string;
  username: string;
  thumb?: string;
  /** Whether this account can reach the admin's Plex server (shared or owner). */
  hasServerAccess?: boolean;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  /** The raw `X-Api-User` header, when sent. */
  apiUser?: string;
  /** Whether a correct `X-Api-Key` was sent. */
  apiKeyValid: boolean;
  /** The Overseerr user the request acted as, when any. */
  userId?: number;
  status: number;
}

export interface OverseerrAppContext {
  state: OverseerrState;
  apiKey: string;
  log: RequestLogEntry[];
  sessions: Map<string, number>;
  plexAuth?: (authToken: string) => Promise<PlexAccount | undefined> | PlexAccount | undefined;
  newPlexLogin: boolean;
  version: string;
}

type Vars = { Variables: { user: UserRecord | undefined } };
type C = Context<Vars>;

/** `express-openapi-validator` rejects these unencoded in a query value (`allowReserved: false`). */
const RESERVED_CHARS = /[:/?#[\]@!$&'()*+,;=]/;

interface RouteSpec {
  method: string;
  pattern: RegExp;
  secured: boolean;
  query?: Record<string, QuerySpec>;
}
interface QuerySpec {
  type: 'number' | 'string';
  required?: boolean;
  enum?: string[];
}

const num: QuerySpec = { type: 'number' };
const str: QuerySpec = { type: 'string' };

/** The part of `overseerr-api.yml` this simulator serves. */
const ROUTES: RouteSpec[] = [
  { method: 'GET', pattern: /^\/status$/, secured: false },
  { method: 'GET', pattern: /^\/settings\/public$/, secured: false },
  {
    method: 'GET',
    pattern: /^\/search$/,
    secured: true,
    query: { query: { type: 'string', required: true }, page: num, language: str },
  },
  { method: 'GET', pattern: /^\/movie\/[^/]+$/, secured: true, query: { language: str } },
  { method: 'GET', pattern: /^\/tv\/[^/]+$/, secured: true, query: { language: str } },
  {
    method: 'GET',
    pattern: /^\/request$/,
    secured: true,
    query: {
      take: num,
      skip: num,
      filter: {
        type: 'string',
        enum: ['all', 'approved', 'available', 'pending', 'processing', 'unavailable', 'failed'],
      },
      sort: { type: 'string', enum: ['added', 'modified'] },
      requestedBy: num,
    },
  },
  { method: 'POST', pattern: /^\/request$/, secured: true },
  { method: 'GET', pattern: /^\/request\/count$/, secured: true },
  { method: 'GET', pattern: /^\/request\/[^/]+$/, secured: true },
  { method: 'PUT', pattern: /^\/request\/[^/]+$/, secured: true },
  { method: 'DELETE', pattern: /^\/request\/[^/]+$/, secured: true },
  { method: 'POST', pattern: /^\/request\/[^/]+\/[^/]+$/, secured: true },
  {
    method: 'GET',
    pattern: /^\/user$/,
    secured: true,
    query: {
      take: num,
      skip: num,
      sort: { type: 'string', enum: ['created', 'updated', 'requests', 'displayname'] },
    },
  },
  { method: 'GET', pattern: /^\/user\/[^/]+$/, secured: true },
  { method: 'GET', pattern: /^\/user\/[^/]+\/requests$/, secured: true, query: { take: num, skip: num } },
  { method: 'GET', pattern: /^\/user\/[^/]+\/quota$/, secured: true },
  { method: 'GET', pattern: /^\/auth\/me$/, secured: true },
  { method: 'POST', pattern: /^\/auth\/plex$/, secured: false },
  { method: 'POST', pattern: /^\/auth\/logout$/, secured: true },
];

function fail(status: number, message: string, errors?: unknown): OverseerrFailure {
  return new OverseerrFailure(status, message, errors);
}

/** express-openapi-validator 4.13 (ajv 6) error: `request.<where> <message>`. [inferred wording] */
function validationError(where: string, message: string, errorCode: string): OverseerrFailure {
  return fail(400, `request${where} ${message}`, [{ path: where, message, errorCode }]);
}

function rawQuery(url: string): Map<string, string[]> {
  const i = url.indexOf('?');
  const out = new Map<string, string[]>();
  if (i < 0) return out;
  for (const part of url.slice(i + 1).split('&')) {
    // Same split as the validator: a second `=` ends the value it inspects.
    const [k = '', v] = part.split('=');
    const list = out.get(k) ?? [];
    list.push(v ?? '');
    out.set(k, list);
  }
  return out;
}

function validateQuery(spec: Record<string, QuerySpec>, url: string): void {
  const raw = rawQuery(url);
  const parsed = new URL(url).searchParams;
  for (const [name, p] of Object.entries(spec)) {
    for (const v of raw.get(name) ?? []) {
      if (RESERVED_CHARS.test(v)) {
        const message = `Parameter '${name}' must be url encoded. Its value may not contain reserved characters.`;
        throw fail(400, message, [{ path: `.query.${name}`, message }]);
      }
    }
    const value = parsed.get(name);
    if (value === null) {
      if (p.required) {
        throw validationError(
          '.query',
          `should have required property '${name}'`,
          'required.openapi.validation',
        );
      }
      continue;
    }
    if (value === '' && p.required) {
      const message = `Empty value found for query parameter '${name}'`;
      throw fail(400, message, [{ path: `.query.${name}`, message }]);
    }
    if (p.type === 'number' && (value.trim() === '' || Number.isNaN(Number(value)))) {
      throw validationError(`.query.${name}`, 'should be number', 'type.openapi.validation');
    }
    if (p.enum && !p.enum.includes(value)) {
      throw validationError(
        `.query.${name}`,
        `should be equal to one of the allowed values: ${p.enum.join(', ')}`,
        'enum.openapi.validation',
      );
    }
  }
}

function numericParam(name: string, value: string): number {
  if (value.trim() === '' || Number.isNaN(Number(value))) {
    throw validationError(`.params.${name}`, 'should be number', 'type.openapi.validation');
  }
  return Number(value);
}

const RequestBodySchema = z.object({
  mediaType: z.enum(['movie', 'tv']),
  mediaId: z.number(),
  tvdbId: z.number().optional(),
  seasons: z.union([z.array(z.number().min(0)), z.literal('all')]).optional(),
  is4k: z.boolean().optional(),
  serverId: z.number().optional(),
  profileId: z.number().optional(),
  rootFolder: z.string().optional(),
  languageProfileId: z.number().optional(),
  userId: z.number().nullable().optional(),
  tags: z.array(z.number()).optional(),
});

const UpdateBodySchema = z.object({
  mediaType: z.enum(['movie', 'tv']),
  seasons: z.array(z.number().min(0)).optional(),
  is4k: z.boolean().optional(),
  serverId: z.number().optional(),
  profileId: z.number().optional(),
  rootFolder: z.string().optional(),
  languageProfileId: z.number().optional(),
  userId: z.number().nullable().optional(),
  tags: z.array(z.number()).optional(),
});

/** Turns the first zod issue into the validator's ajv-6 style error. */
function bodyError(error: z.ZodError, body: unknown): OverseerrFailure {
  const issue = error.issues[0];
  if (!issue) return validationError('.body', 'is invalid', 'openapi.validation');
  const field = issue.path.map(String).join('.');
  const isObject = body !== null && typeof body === 'object' && !Array.isArray(body);
  if (!isObject) return validationError('.body', 'should be object', 'type.openapi.validation');
  if (issue.path.length === 1 && !(field in body)) {
    // ajv's text names the body; the error entry names the missing property.
    const message = `should have required property '${field}'`;
    return fail(400, `request.body ${message}`, [
      { path: `.body.${field}`, message, errorCode: 'required.openapi.validation' },
    ]);
  }
  if (issue.code === 'invalid_value') {
    const allowed = (issue.values ?? []).map(String).join(', ');
    return validationError(
      `.body.${field}`,
      `should be equal to one of the allowed values: ${allowed}`,
      'enum.openapi.validation',
    );
  }
  if (issue.code === 'invalid_type') {
    return validationError(`.body.${field}`, `should be ${issue.expected}`, 'type.openapi.validation');
  }
  return validationError(`.body.${field}`, issue.message, 'openapi.validation');
}

async function readJson(c: C): Promise<unknown> {
  const text = await c.req.text();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw fail(400, err instanceof Error ? err.message : 'Invalid JSON');
  }
}

function requireUser(c: C, permissions: number | number[] = 0, type: 'and' | 'or' = 'and'): UserRecord {
  const user = c.get('user');
  if (!user || !hasPermission(permissions, user.permissions, type)) {
    throw new ForbiddenEndpoint();
  }
  return user;
}

/** `isAuthenticated`'s refusal, which has its own body shape. */
class ForbiddenEndpoint extends Error {}

function errorResponse(c: C, err: unknown): Response {
  if (err instanceof ForbiddenEndpoint) {
    return c.json({ status: 403, error: 'You do not have permission to access this endpoint' }, 403);
  }
  if (err instanceof OverseerrFailure) {
    const body: Record<string, unknown> = { message: err.message };
    if (err.errors !== undefined) body.errors = err.errors;
    return c.json(body, err.status as 400);
  }
  return c.json({ message: err instanceof Error ? err.message : String(err) }, 500);
}

function pageSize(value: string | undefined, fallback: number): number {
  return value ? Number(value) : fallback;
}

export function buildOverseerrApp(ctx: OverseerrAppContext): Hono<Vars> {
  const { state } = ctx;
  const app = new Hono<Vars>();

  app.onError((err, c) => errorResponse(c, err));

  app.use('/api/v1/*', async (c, next) => {
    const url = new URL(c.req.url);
    const fullPath = url.pathname;
    const path = fullPath.slice('/api/v1'.length) || '/';
    const entry: RequestLogEntry = {
      method: c.req.method,
      path: fullPath,
      apiKeyValid: false,
      status: 0,
    };
    const apiUser = c.req.header('x-api-user');
    if (apiUser !== undefined) entry.apiUser = apiUser;
    ctx.log.push(entry);
    try {
      const forPath = ROUTES.filter((r) => r.pattern.test(path));
      if (forPath.length === 0) {
        throw fail(404, 'not found', [{ path: fullPath, message: 'not found' }]);
      }
      const route = forPath.find((r) => r.method === c.req.method);
      if (!route) {
        const message = `${c.req.method} method not allowed`;
        throw fail(405, message, [{ path: fullPath, message }]);
      }
      const key = c.req.header('x-api-key');
      const sid = getCookie(c, 'connect.sid');
      if (route.secured && key === undefined && sid === undefined) {
        const message = "cookie 'connect.sid' required";
        throw fail(401, message, [{ path: fullPath, message }]);
      }
      // checkUser: the key acts as user 1, or as X-Api-User; otherwise the session's user.
      let user: UserRecord | undefined;
      if (key !== undefined && key === ctx.apiKey) {
        entry.apiKeyValid = true;
        user = state.users.get(apiUser ? Number(apiUser) : 1);
      } else if (sid !== undefined) {
        const id = ctx.sessions.get(sid);
        user = id !== undefined ? state.users.get(id) : undefined;
      }
      if (user) entry.userId = user.id;
      c.set('user', user);
      if (route.query) validateQuery(route.query, c.req.url);
      await next();
    } catch (err) {
      // Refusals raised before the route runs are answered here, so the log sees the status.
      c.res = errorResponse(c, err);
    }
    entry.status = c.res.status;
    // Express's `res.json` spelling of the type.
    if (c.res.headers.get('content-type') === 'application/json') {
      c.res.headers.set('content-type', 'application/json; charset=utf-8');
    }
  });

  app.get('/api/v1/status', (c) =>
    c.json({
      version: ctx.version,
      commitTag: 'local',
      updateAvailable: false,
      commitsBehind: 0,
      restartRequired: false,
    }),
  );

  app.get('/api/v1/settings/public', (c) =>
    c.json({
      initialized: true,
      applicationTitle: 'Overseerr',
      applicationUrl: '',
      hideAvailable: false,
      localLogin: true,
      movie4kEnabled: false,
      series4kEnabled: false,
      region: '',
      originalLanguage: '',
      partialRequestsEnabled: true,
      cacheImages: false,
      vapidPublic: 'BMOCKsimulatorVapidPublicKeyNotForRealPushxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      enablePushRegistration: false,
      locale: 'en',
      emailEnabled: false,
      newPlexLogin: ctx.newPlexLogin,
    }),
  );

  app.get('/api/v1/search', (c) => {
    requireUser(c);
    const query = c.req.query('query') ?? '';
    const pageParam = c.req.query('page');
    const page = pageParam ? Number(pageParam) : 1;
    const all = search(state, query);
    if (!Number.isInteger(page) || page < 1 || page > 500) {
      // TMDB refuses such pages and Overseerr reports a generic failure.
      throw fail(500, 'Unable to retrieve search results.');
    }
    const perPage = 20;
    const slice = all.slice((page - 1) * perPage, page * perPage);
    return c.json({
      page,
      totalPages: Math.max(1, Math.ceil(all.length / perPage)),
      totalResults: all.length,
      results: slice,
    });
  });

  app.get('/api/v1/movie/:id', (c) => {
    const id = numericParam('movieId', c.req.param('id'));
    requireUser(c);
    const title = state.title('movie', id);
    if (title?.mediaType !== 'movie') throw fail(500, 'Unable to retrieve movie.');
    const media = state.findMedia('movie', id);
    return c.json(movieDetails(title, media ? state.mediaJson(media, true) : undefined));
  });

  app.get('/api/v1/tv/:id', (c) => {
    const id = numericParam('tvId', c.req.param('id'));
    requireUser(c);
    const title = state.title('tv', id);
    if (title?.mediaType !== 'tv') throw fail(500, 'Unable to retrieve series.');
    const media = state.findMedia('tv', id);
    return c.json(tvDetails(title, media ? state.mediaJson(media, true) : undefined));
  });

  app.get('/api/v1/request', (c) => {
    const user = requireUser(c);
    const take = pageSize(c.req.query('take'), 10);
    const skip = c.req.query('skip') ? Number(c.req.query('skip')) : 0;
    const requestedByRaw = c.req.query('requestedBy');
    const requestedBy = requestedByRaw ? Number(requestedByRaw) : null;
    const filter = (c.req.query('filter') ?? 'all') as RequestFilter;
    const sort = c.req.query('sort') === 'modified' ? 'modified' : 'added';
    let owner: number | null = requestedBy;
    if (!hasPermission([Permission.MANAGE_REQUESTS, Permission.REQUEST_VIEW], user.permissions, 'or')) {
      if (requestedBy && requestedBy !== user.id) {
        throw fail(403, "You do not have permission to view this user's requests.");
      }
      owner = user.id;
    }
    const rows = listRequests(state, filter, owner).sort((a, b) =>
      sort === 'modified' ? Date.parse(b.updatedAt) - Date.parse(a.updatedAt) || b.id - a.id : b.id - a.id,
    );
    return c.json({
      pageInfo: {
        pages: Math.ceil(rows.length / take),
        pageSize: take,
        results: rows.length,
        page: Math.ceil(skip / take) + 1,
      },
      results: rows.slice(skip, skip + take).map((r) => state.requestJson(r)),
    });
  });

  app.get('/api/v1/request/count', (c) => {
    requireUser(c);
    const all = [...state.requests.values()];
    const mediaStatusOf = (r: (typeof all)[number]) => {
      const m = state.media.get(r.mediaId);
      return m ? (r.is4k ? m.status4k : m.status) : MediaStatus.UNKNOWN;
    };
    const approved = all.filter((r) => r.status === MediaRequestStatus.APPROVED);
    return c.json({
      total: all.length,
      movie: all.filter((r) => r.type === 'movie').length,
      tv: all.filter((r) => r.type === 'tv').length,
      pending: all.filter((r) => r.status === MediaRequestStatus.PENDING).length,
      approved: approved.length,
      declined: all.filter((r) => r.status === MediaRequestStatus.DECLINED).length,
      processing: approved.filter((r) => mediaStatusOf(r) !== MediaStatus.AVAILABLE).length,
      available: approved.filter((r) => mediaStatusOf(r) === MediaStatus.AVAILABLE).length,
    });
  });

  app.post('/api/v1/request', async (c) => {
    const raw = await readJson(c);
    const parsed = RequestBodySchema.safeParse(raw);
    if (!parsed.success) throw bodyError(parsed.error, raw);
    const user = requireUser(c);
    const request = state.createRequest(parsed.data as RequestBody, user);
    return c.json(state.requestJson(request, { mediaWithRequests: true }), 201);
  });

  app.get('/api/v1/request/:id', (c) => {
    const user = requireUser(c);
    const r = state.requests.get(Number(c.req.param('id')));
    if (!r) throw fail(404, 'Request not found.');
    if (
      r.requestedBy !== user.id &&
      !hasPermission([Permission.MANAGE_REQUESTS, Permission.REQUEST_VIEW], user.permissions, 'or')
    ) {
      throw fail(403, 'You do not have permission to view this request.');
    }
    return c.json(state.requestJson(r));
  });

  app.put('/api/v1/request/:id', async (c) => {
    const raw = await readJson(c);
    const parsed = UpdateBodySchema.safeParse(raw);
    if (!parsed.success) throw bodyError(parsed.error, raw);
    const user = requireUser(c);
    const body = parsed.data;
    const r = state.requests.get(Number(c.req.param('id')));
    if (!r) throw fail(404, 'Request not found.');
    if (
      (r.requestedBy !== user.id ||
        (body.mediaType !== 'tv' && !hasPermission(Permission.REQUEST_ADVANCED, user.permissions))) &&
      !hasPermission(Permission.MANAGE_REQUESTS, user.permissions)
    ) {
      throw fail(403, 'You do not have permission to modify this request.');
    }
    let requestUser = r.requestedBy;
    if (body.userId && body.userId !== r.requestedBy) {
      if (!hasPermission([Permission.MANAGE_USERS, Permission.MANAGE_REQUESTS], user.permissions)) {
        throw fail(403, 'You do not have permission to modify the request user.');
      }
      if (!state.users.has(body.userId)) throw fail(500, `User ${body.userId} not found`);
      requestUser = body.userId;
    }
    const now = state.iso();
    r.serverId = body.serverId ?? null;
    r.profileId = body.profileId ?? null;
    r.rootFolder = body.rootFolder ?? null;
    r.tags = body.tags ?? null;
    r.requestedBy = requestUser;
    if (body.mediaType === 'tv') {
      r.languageProfileId = body.languageProfileId ?? null;
      const wanted = body.seasons;
      if (!wanted || wanted.length === 0) {
        throw fail(500, 'Missing seasons. If you want to cancel a series request, use the DELETE method.');
      }
      const media = state.media.get(r.mediaId);
      const taken = new Set<number>();
      if (media) {
        for (const other of state.mediaRequests(media)) {
          if (other.is4k === r.is4k && other.id !== r.id && other.status !== MediaRequestStatus.DECLINED) {
            for (const s of other.seasons) taken.add(s.seasonNumber);
          }
        }
      }
      const filtered = wanted.filter((n) => !taken.has(n));
      if (filtered.length === 0) throw fail(202, 'No seasons available to request');
      const existing = new Set(r.seasons.map((s) => s.seasonNumber));
      r.seasons = r.seasons.filter((s) => filtered.includes(s.seasonNumber));
      for (const n of wanted.filter((x) => !existing.has(x))) {
        r.seasons.push({
          id: 100_000 + r.id * 100 + n,
          seasonNumber: n,
          status: MediaRequestStatus.PENDING,
          createdAt: now,
          updatedAt: now,
        });
      }
    }
    r.updatedAt = now;
    return c.json(state.requestJson(r));
  });

  app.delete('/api/v1/request/:id', (c) => {
    const user = requireUser(c);
    const r = state.requests.get(Number(c.req.param('id')));
    if (!r) throw fail(404, 'Request not found.');
    // Overseerr's check, including its quirk: anyone may delete a request that is still pending.
    if (
      !hasPermission(Permission.MANAGE_REQUESTS, user.permissions) &&
      r.requestedBy !== user.id &&
      r.status !== MediaRequestStatus.PENDING
    ) {
      throw fail(401, 'You do not have permission to delete this request.');
    }
    state.deleteRequest(r.id);
    return c.body(null, 204);
  });

  app.post('/api/v1/request/:id/:status', (c) => {
    const action = c.req.param('status');
    if (action !== 'approve' && action !== 'decline' && action !== 'retry') {
      throw validationError(
        '.params.status',
        'should be equal to one of the allowed values: approve, decline',
        'enum.openapi.validation',
      );
    }
    const user = requireUser(c, Permission.MANAGE_REQUESTS);
    const id = Number(c.req.param('id'));
    const status = action === 'decline' ? MediaRequestStatus.DECLINED : MediaRequestStatus.APPROVED;
    const r = state.setRequestStatus(id, status, action === 'retry' ? null : user.id);
    return c.json(state.requestJson(r));
  });

  app.get('/api/v1/user', (c) => {
    const viewer = requireUser(c);
    const take = pageSize(c.req.query('take'), 10);
    const skip = c.req.query('skip') ? Number(c.req.query('skip')) : 0;
    const sort = c.req.query('sort') ?? 'created';
    const users = [...state.users.values()];
    if (sort === 'updated') users.sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt));
    else if (sort === 'displayname')
      users.sort((a, b) =>
        state.displayName(a).toLowerCase().localeCompare(state.displayName(b).toLowerCase()),
      );
    else if (sort === 'requests') users.sort((a, b) => state.requestCount(b.id) - state.requestCount(a.id));
    else users.sort((a, b) => a.id - b.id);
    const show = hasPermission(Permission.MANAGE_USERS, viewer.permissions);
    return c.json({
      pageInfo: {
        pages: Math.ceil(users.length / take),
        pageSize: take,
        results: users.length,
        page: Math.ceil(skip / take) + 1,
      },
      results: users.slice(skip, skip + take).map((u) => state.userJson(u, show)),
    });
  });

  app.get('/api/v1/user/:id', (c) => {
    const id = numericParam('userId', c.req.param('id'));
    const viewer = requireUser(c);
    const user = state.users.get(id);
    if (!user) throw fail(404, 'User not found.');
    return c.json(state.userJson(user, hasPermission(Permission.MANAGE_USERS, viewer.permissions)));
  });

  app.get('/api/v1/user/:id/requests', (c) => {
    const id = numericParam('userId', c.req.param('id'));
    requireUser(c);
    const take = pageSize(c.req.query('take'), 20);
    const skip = c.req.query('skip') ? Number(c.req.query('skip')) : 0;
    if (!state.users.has(id)) throw fail(404, 'User not found.');
    const rows = [...state.requests.values()].filter((r) => r.requestedBy === id).sort((a, b) => b.id - a.id);
    return c.json({
      pageInfo: {
        pages: Math.ceil(rows.length / take),
        pageSize: take,
        results: rows.length,
        page: Math.ceil(skip / take) + 1,
      },
      results: rows.slice(skip, skip + take).map((r) => state.requestJson(r)),
    });
  });

  app.get('/api/v1/user/:id/quota', (c) => {
    const id = numericParam('userId', c.req.param('id'));
    const viewer = requireUser(c);
    if (
      id !== viewer.id &&
      !hasPermission([Permission.MANAGE_USERS, Permission.MANAGE_REQUESTS], viewer.permissions)
    ) {
      throw fail(403, "You do not have permission to view this user's request limits.");
    }
    const user = state.users.get(id);
    if (!user) {
      throw fail(
        404,
        `Could not find any entity of type "User" matching: {\n    "where": {\n        "id": ${id}\n    }\n}`,
      );
    }
    return c.json(state.quota(user));
  });

  app.get('/api/v1/auth/me', (c) => {
    const user = requireUser(c);
    return c.json(state.userJson(user));
  });

  app.post('/api/v1/auth/logout', (c) => {
    const sid = getCookie(c, 'connect.sid');
    if (sid) ctx.sessions.delete(sid);
    return c.json({ status: 'ok' });
  });

  app.post('/api/v1/auth/plex', async (c) => {
    const body = (await readJson(c)) as { authToken?: unknown };
    if (typeof body.authToken !== 'string' || body.authToken === '') {
      throw validationError(
        '.body',
        "should have required property 'authToken'",
        'required.openapi.validation',
      );
    }
    const token = body.authToken;
    let account: PlexAccount | undefined;
    for (const u of state.users.values()) {
      if (u.plexToken === token && u.plexId !== null) {
        account = {
          id: u.plexId,
          email: u.email,
          username: u.plexUsername ?? u.email,
          hasServerAccess: true,
        };
      }
    }
    if (!account && ctx.plexAuth) account = await ctx.plexAuth(token);
    if (!account) throw fail(500, 'Unable to authenticate.');
    let user = [...state.users.values()].find(
      (u) => u.plexId === account.id || u.email === account.email.toLowerCase(),
    );
    const admin = state.users.get(1);
    const allowed =
      account.id === admin?.plexId ||
      (account.email === admin?.email && !admin?.plexId) ||
      account.hasServerAccess;
    if (!allowed) throw fail(403, 'Access denied.');
    if (user) {
      user.plexId = account.id;
      user.plexToken = token;
      user.plexUsername = account.username;
      user.userType = 1;
      if (account.thumb) user.avatar = account.thumb;
      user.updatedAt = state.iso();
    } else if (!ctx.newPlexLogin) {
      throw fail(403, 'Access denied.');
    } else {
      user = state.addUser({
        email: account.email,
        plexUsername: account.username,
        plexId: account.id,
        plexToken: token,
        permissions: Permission.REQUEST,
        userType: 1,
        ...(account.thumb ? { avatar: account.thumb } : {}),
      });
    }
    const sid = `s:${crypto.randomUUID()}`;
    ctx.sessions.set(sid, user.id);
    setCookie(c, 'connect.sid', sid, { path: '/', httpOnly: true, sameSite: 'Lax', maxAge: 30 * 24 * 3600 });
    return c.json(state.userJson(user, false));
  });

  return app;
}

function search(state: OverseerrState, query: string): Record<string, unknown>[] {
  const q = query.toLowerCase().trim();
  const { movies, tv, people } = state.catalog;
  const info = (mediaType: MediaType, tmdbId: number) => {
    const m = state.findMedia(mediaType, tmdbId);
    return m ? state.mediaJson(m) : undefined;
  };
  // Overseerr's search providers: `tmdb:<id>`, `imdb:<id>`, `tvdb:<id>` look one title up.
  const provider = /^(tmdb|imdb|tvdb):(\S+)$/.exec(q);
  if (provider) {
    const [, kind, id] = provider;
    const hits: Record<string, unknown>[] = [];
    for (const m of movies) {
      if ((kind === 'tmdb' && String(m.tmdbId) === id) || (kind === 'imdb' && m.imdbId === id)) {
        hits.push(movieResult(m, info('movie', m.tmdbId)));
      }
    }
    for (const t of tv) {
      if (
        (kind === 'tmdb' && String(t.tmdbId) === id) ||
        (kind === 'imdb' && t.imdbId === id) ||
        (kind === 'tvdb' && String(t.tvdbId) === id)
      ) {
        hits.push(tvResult(t, info('tv', t.tmdbId)));
      }
    }
    return hits;
  }
  const scored: { popularity: number; result: Record<string, unknown> }[] = [];
  for (const m of movies) {
    if (m.title.toLowerCase().includes(q) || m.originalTitle.toLowerCase().includes(q)) {
      scored.push({ popularity: m.popularity, result: movieResult(m, info('movie', m.tmdbId)) });
    }
  }
  for (const t of tv) {
    if (t.name.toLowerCase().includes(q) || t.originalName.toLowerCase().includes(q)) {
      scored.push({ popularity: t.popularity, result: tvResult(t, info('tv', t.tmdbId)) });
    }
  }
  for (const p of people) {
    if (p.name.toLowerCase().includes(q)) {
      const knownFor = p.knownFor
        .map((id) => movies.find((m) => m.tmdbId === id))
        .filter((m) => m !== undefined)
        .map((m) => movieResult(m));
      scored.push({ popularity: p.popularity, result: personResult(p, knownFor) });
    }
  }
  return scored.sort((a, b) => b.popularity - a.popularity).map((s) => s.result);
}

function listRequests(state: OverseerrState, filter: RequestFilter, owner: number | null) {
  const statusFilter: number[] =
    filter === 'approved' || filter === 'processing' || filter === 'available'
      ? [MediaRequestStatus.APPROVED]
      : filter === 'pending'
        ? [MediaRequestStatus.PENDING]
        : filter === 'unavailable'
          ? [MediaRequestStatus.PENDING, MediaRequestStatus.APPROVED]
          : filter === 'failed'
            ? [MediaRequestStatus.FAILED]
            : [
                MediaRequestStatus.PENDING,
                MediaRequestStatus.APPROVED,
                MediaRequestStatus.DECLINED,
                MediaRequestStatus.FAILED,
              ];
  const mediaFilter: number[] =
    filter === 'available'
      ? [MediaStatus.AVAILABLE]
      : filter === 'processing' || filter === 'unavailable'
        ? [MediaStatus.UNKNOWN, MediaStatus.PENDING, MediaStatus.PROCESSING, MediaStatus.PARTIALLY_AVAILABLE]
        : [
            MediaStatus.UNKNOWN,
            MediaStatus.PENDING,
            MediaStatus.PROCESSING,
            MediaStatus.PARTIALLY_AVAILABLE,
            MediaStatus.AVAILABLE,
          ];
  return [...state.requests.values()].filter((r) => {
    if (!statusFilter.includes(r.status)) return false;
    if (owner !== null && r.requestedBy !== owner) return false;
    const m = state.media.get(r.mediaId);
    if (!m) return false;
    return mediaFilter.includes(r.is4k ? m.status4k : m.status);
  });
}
