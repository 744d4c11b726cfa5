/** The plex.tv HTTP surface (PROTOCOLS.md §1) over a PlexTvState. */
import { type ErrorKind, isAppError, statusOf } from '@medianest/core/error/index';
import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import sharp from 'sharp';
import { z } from 'zod';
import { Account, Share } from '../scenario/index.ts';
import { AUTH_PAGE } from './auth-page.ts';
import {
  ERR_CLIENT_ID,
  ERR_PIN_NOT_FOUND,
  ERR_UNAUTHORIZED,
  friendsXml,
  homeUsersXml,
  legacyAccountJson,
  pinJson,
  resourcesJson,
  resourcesXml,
  sharedServersXml,
  userJson,
} from './render.ts';
import type { PlexTvState } from './state.ts';
import { document, fromJson, type XmlElement } from './xml.ts';

type Status = ContentfulStatusCode;
type ErrorBody = { errors: { code: number; message: string; status: number }[] };

const XML_TYPE = 'application/xml; charset=utf-8';

const wantsJson = (c: Context): boolean => (c.req.header('accept') ?? '').includes('application/json');

/** plex.tv answers JSON only when asked (`Accept: application/json`), XML otherwise. */
function reply(c: Context, status: Status, body: unknown, xmlName: string) {
  if (wantsJson(c)) return c.json(body, status);
  return xml(c, status, fromJson(xmlName, body));
}

function xml(c: Context, status: Status, root: XmlElement) {
  return c.body(document(root), status, { 'content-type': XML_TYPE });
}

function fail(c: Context, body: ErrorBody) {
  const status = body.errors[0]?.status as Status;
  if (wantsJson(c)) return c.json(body, status);
  return xml(c, status, fromJson('errors', body.errors));
}

/** PA and OS send these as headers; some clients put them in the query string instead. */
const plexParam = (c: Context, name: string): string | undefined =>
  c.req.header(name) ?? c.req.query(name) ?? undefined;

const truthy = (v: string | undefined): boolean => v !== undefined && /^(1|true)$/i.test(v);

const ApproveBody = z.object({ accountId: z.number().int().positive() });
const ShareBody = Share.omit({ accessToken: true, pending: true });

export function plexTvApp(state: PlexTvState, baseUrl: () => string): Hono {
  const app = new Hono();

  const caller = (c: Context) => state.accountByToken(plexParam(c, 'X-Plex-Token'));

  // PIN flow

  app.post('/api/v2/pins', (c) => {
    const clientId = plexParam(c, 'X-Plex-Client-Identifier');
    if (!clientId) return fail(c, ERR_CLIENT_ID);
    const pin = state.createPin(
      clientId,
      truthy(c.req.query('strong')),
      plexParam(c, 'X-Plex-Product') ?? null,
    );
    return reply(c, 201, pinJson(pin, baseUrl(), state.clock()), 'pin');
  });

  app.get('/api/v2/pins/qr/:code', async (c) => {
    if (!state.pinByCode(c.req.param('code'))) return fail(c, ERR_PIN_NOT_FOUND);
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    return c.body(new Uint8Array(png), 200, { 'content-type': 'image/png' });
  });

  app.get('/api/v2/pins/:id', (c) => {
    const clientId = plexParam(c, 'X-Plex-Client-Identifier');
    if (!clientId) return fail(c, ERR_CLIENT_ID);
    const pin = /^\d+$/.test(c.req.param('id')) ? state.pin(Number(c.req.param('id'))) : undefined;
    // A PIN belongs to the client that created it; another client id cannot read its token.
    if (!pin || pin.clientIdentifier !== clientId) return fail(c, ERR_PIN_NOT_FOUND);
    return reply(c, 200, pinJson(pin, baseUrl(), state.clock()), 'pin');
  });

  // the auth app

  const page = (c: Context) => c.html(AUTH_PAGE);
  app.get('/auth', page);
  app.get('/auth/', page);
  app.get('/auth/pin', (c) => {
    const pin = state.pinByCode(c.req.query('code') ?? '');
    if (!pin || pin.clientIdentifier !== c.req.query('clientID')) return c.json(ERR_PIN_NOT_FOUND, 404);
    return c.json({ code: pin.code, product: pin.product });
  });
  app.get('/auth/accounts', (c) =>
    c.json(state.accounts().map((a) => ({ id: a.id, title: a.title, username: a.username, thumb: a.thumb }))),
  );
  app.post('/auth/approve', async (c) => {
    const body = z
      .object({ code: z.string(), clientID: z.string(), accountId: z.number().int() })
      .safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) return c.json(errorOf('invalid', 'bad approve body'), 400);
    state.approvePin(body.data.code, body.data.accountId, body.data.clientID);
    return c.json({ ok: true });
  });

  // accounts

  app.get('/api/v2/user', (c) => {
    const a = caller(c);
    if (!a) return fail(c, ERR_UNAUTHORIZED);
    return reply(c, 200, userJson(state, a), 'user');
  });

  app.get('/users/account.json', (c) => {
    const a = caller(c);
    if (!a) return c.json(ERR_UNAUTHORIZED, 401);
    return c.json(legacyAccountJson(a));
  });

  app.get('/users/account', (c) => {
    const a = caller(c);
    if (!a) return fail(c, ERR_UNAUTHORIZED);
    return xml(c, 200, fromJson('user', legacyAccountJson(a).user));
  });

  app.get('/api/v2/ping', (c) => {
    const token = plexParam(c, 'X-Plex-Token');
    if (token !== undefined && !caller(c)) return fail(c, ERR_UNAUTHORIZED);
    return reply(c, 200, { pong: true }, 'pong');
  });

  // servers

  app.get('/api/v2/resources', (c) => {
    const a = caller(c);
    if (!a) return fail(c, ERR_UNAUTHORIZED);
    const list = resourcesJson(state, a, { includeRelay: truthy(c.req.query('includeRelay')) });
    return reply(c, 200, list, 'resources');
  });

  app.get('/api/resources', (c) => {
    const a = caller(c);
    if (!a) return fail(c, ERR_UNAUTHORIZED);
    return xml(c, 200, resourcesXml(state, a, { includeRelay: truthy(c.req.query('includeRelay')) }));
  });

  // OS parses this as XML even though it sends Accept: application/json, so it is XML always.
  app.get('/api/users', (c) => {
    const a = caller(c);
    if (!a) return xml(c, 401, fromJson('errors', ERR_UNAUTHORIZED.errors));
    return xml(c, 200, friendsXml(state, a));
  });

  app.get('/api/servers/:machineId/shared_servers', (c) => {
    const a = caller(c);
    if (!a) return xml(c, 401, fromJson('errors', ERR_UNAUTHORIZED.errors));
    const server = state.server(c.req.param('machineId'));
    if (!server) return xml(c, 404, fromJson('errors', ERR_NOT_FOUND.errors));
    if (server.ownerId !== a.id) return xml(c, 401, fromJson('errors', ERR_UNAUTHORIZED.errors));
    return xml(c, 200, sharedServersXml(state, server));
  });

  app.get('/api/home/users', (c) => {
    const a = caller(c);
    if (!a) return xml(c, 401, fromJson('errors', ERR_UNAUTHORIZED.errors));
    return xml(c, 200, homeUsersXml(state, a));
  });

  // control routes (tests and the demo change state through these or the in-process handle)

  app.get('/__control/accounts', (c) => c.json(state.accounts()));
  app.post('/__control/accounts', async (c) => {
    const parsed = Account.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json(errorOf('invalid', parsed.error.message), 400);
    return c.json(state.addAccount(parsed.data), 201);
  });
  app.get('/__control/pins', (c) => c.json(state.pins()));
  app.post('/__control/pins/:idOrCode/approve', async (c) => {
    const parsed = ApproveBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json(errorOf('invalid', parsed.error.message), 400);
    return c.json(state.approvePin(c.req.param('idOrCode'), parsed.data.accountId));
  });
  app.get('/__control/shares', (c) => c.json(state.shares()));
  app.post('/__control/shares', async (c) => {
    const parsed = ShareBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json(errorOf('invalid', parsed.error.message), 400);
    return c.json(state.share(parsed.data), 201);
  });
  app.delete('/__control/shares/:serverId/:accountId', (c) => {
    const removed = state.unshare(c.req.param('serverId'), Number(c.req.param('accountId')));
    return removed ? c.body(null, 204) : c.json(errorOf('not_found', 'no such share'), 404);
  });
  app.put('/__control/servers/:machineId/url', async (c) => {
    const parsed = z
      .object({ url: z.string().url().nullable() })
      .safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json(errorOf('invalid', parsed.error.message), 400);
    return c.json(state.setServerUrl(c.req.param('machineId'), parsed.data.url));
  });

  app.onError((err, c) => {
    if (isAppError(err)) {
      if (err.code === 'pin.not_found') return c.json(ERR_PIN_NOT_FOUND, 404);
      return c.json(errorOf(err.kind, err.message), statusOf[err.kind] as Status);
    }
    throw err;
  });

  return app;
}

const ERR_NOT_FOUND = { errors: [{ code: 1020, message: 'Resource not found', status: 404 }] };

function errorOf(kind: ErrorKind, message: string) {
  return { error: kind, message };
}
