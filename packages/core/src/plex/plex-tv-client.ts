/**
 * The plex.tv client (PROTOCOLS.md §1): PIN sign-in, the signed-in account, its servers, the
 * owner's friend list, and the server-access check a household join relies on.
 *
 * The base URLs are configuration so the simulator stands in for plex.tv in tests and the demo.
 * Every response is parsed with zod and every failure becomes one of the typed errors in
 * errors.ts; a token never appears in an error message (it travels in a header, not the URL).
 */
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import { AppError } from '../error/index.ts';
import {
  PlexBadResponseError,
  PlexPinExpiredError,
  PlexUnauthorizedError,
  PlexUnavailableError,
} from './errors.ts';
import { PlexPin, PlexResource, PlexServerUser, PlexUser } from './schema.ts';

export const PLEX_TV_URL = 'https://plex.tv';
export const PLEX_AUTH_URL = 'https://app.plex.tv/auth';
export const DEFAULT_TIMEOUT_MS = 10_000;

export interface PlexTvClientOptions {
  /** plex.tv, or the simulator. */
  baseUrl?: string;
  /** The auth app the browser is sent to (`https://app.plex.tv/auth`); the simulator serves `/auth`. */
  authBaseUrl?: string;
  /** Stable per deployment: plex.tv ties PINs and devices to it. */
  clientIdentifier: string;
  product: string;
  version: string;
  platform?: string;
  platformVersion?: string;
  device?: string;
  deviceName?: string;
  language?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface AuthUrlInput {
  code: string;
  /** Where the auth app sends the browser after approval. */
  forwardUrl?: string;
}

export type ServerAccessVia = 'resources' | 'owner' | 'server_users';

export interface ServerAccess {
  allowed: boolean;
  /** Which check said yes; undefined when none did. */
  via?: ServerAccessVia;
}

export interface ServerAccessInput {
  /** The PMS `machineIdentifier` (= the resource's `clientIdentifier`). */
  machineIdentifier: string;
  /** The Plex account asking to get in. */
  accountId: number;
  /** That account's own token: checked against its `/api/v2/resources`. */
  userToken?: string;
  /** The server owner's account and token: checked against the owner's `/api/users`. */
  owner?: { accountId: number; token: string };
}

export interface PlexTvClient {
  readonly clientIdentifier: string;
  createPin(input?: { strong?: boolean }): Promise<PlexPin>;
  /** The PIN's current state; `authToken` is set once the user approved. Throws PlexPinExpiredError. */
  checkPin(id: number): Promise<PlexPin>;
  authUrl(input: AuthUrlInput): string;
  getUser(token: string): Promise<PlexUser>;
  /** The account's servers (owned and shared); players and other devices are left out. */
  getResources(token: string): Promise<PlexResource[]>;
  /** The owner's friends and the servers shared with each (`/api/users`, XML). */
  getServerUsers(ownerToken: string): Promise<PlexServerUser[]>;
  hasServerAccess(input: ServerAccessInput): Promise<ServerAccess>;
}

const HttpsOrHttpUrl = z.url({ protocol: /^https?$/ });

const OptionsSchema = z.object({
  baseUrl: HttpsOrHttpUrl.default(PLEX_TV_URL),
  authBaseUrl: HttpsOrHttpUrl.default(PLEX_AUTH_URL),
  clientIdentifier: z.string().min(1).max(255),
  product: z.string().min(1),
  version: z.string().min(1),
  platform: z.string().default('Node.js'),
  platformVersion: z.string().default(process.versions.node),
  device: z.string().default('MediaNest'),
  deviceName: z.string().optional(),
  language: z.string().default('en'),
  timeoutMs: z.number().int().positive().default(DEFAULT_TIMEOUT_MS),
});

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Attributes are parsed by zod (so "0123"-like ids and tokens stay strings until a schema says otherwise).
  parseAttributeValue: false,
  isArray: (name) => name === 'User' || name === 'Server',
});

const ServerUsersXml = z.object({
  MediaContainer: z.object({
    User: z
      .array(z.looseObject({ Server: z.array(z.record(z.string(), z.unknown())).default([]) }))
      .default([]),
  }),
});

const hasServer = (provides: string) =>
  provides
    .split(',')
    .map((p) => p.trim())
    .includes('server');

export function createPlexTvClient(options: PlexTvClientOptions): PlexTvClient {
  const o = OptionsSchema.parse(options);
  const doFetch = options.fetch ?? fetch;
  const base = o.baseUrl.replace(/\/+$/, '');

  // PA's base headers plus Accept: without it plex.tv answers XML.
  const baseHeaders: Record<string, string> = {
    Accept: 'application/json',
    'X-Plex-Client-Identifier': o.clientIdentifier,
    'X-Plex-Product': o.product,
    'X-Plex-Version': o.version,
    'X-Plex-Platform': o.platform,
    'X-Plex-Platform-Version': o.platformVersion,
    'X-Plex-Provides': 'controller',
    'X-Plex-Device': o.device,
    'X-Plex-Device-Name': o.deviceName ?? o.product,
    'X-Plex-Language': o.language,
    'X-Plex-Sync-Version': '2',
    'X-Plex-Features': 'external-media',
  };

  async function request(
    method: 'GET' | 'POST',
    path: string,
    init: { token?: string; what: string; accept?: string },
  ): Promise<{ status: number; text: string }> {
    const headers = { ...baseHeaders };
    if (init.token !== undefined) headers['X-Plex-Token'] = init.token;
    if (init.accept) headers.Accept = init.accept;
    let res: Response;
    let text: string;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers,
        signal: AbortSignal.timeout(o.timeoutMs),
        redirect: 'error',
      });
      text = await res.text();
    } catch (cause) {
      const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
      throw new PlexUnavailableError(
        timedOut
          ? `plex.tv did not answer ${init.what} within ${o.timeoutMs} ms`
          : `plex.tv could not be reached for ${init.what}`,
        { cause },
      );
    }
    if (res.status === 401) throw new PlexUnauthorizedError();
    // PA: 422 "Invalid token" is plex.tv's other way of refusing a token.
    if (res.status === 422 && /invalid token/i.test(text)) throw new PlexUnauthorizedError();
    if (res.status >= 500 || res.status === 429) {
      throw new PlexUnavailableError(`plex.tv answered ${res.status} to ${init.what}`, {
        details: { status: res.status },
      });
    }
    return { status: res.status, text };
  }

  function expectOk(r: { status: number }, what: string, ok: number[] = [200]) {
    if (!ok.includes(r.status)) {
      throw new PlexBadResponseError(`plex.tv answered ${r.status} to ${what}`, {
        details: { status: r.status },
      });
    }
  }

  function parseJson<S extends z.ZodType>(schema: S, text: string, what: string): z.output<S> {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (cause) {
      throw new PlexBadResponseError(`plex.tv sent ${what} that is not JSON`, { cause });
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      throw new PlexBadResponseError(`plex.tv sent an unexpected ${what}: ${z.prettifyError(parsed.error)}`);
    }
    return parsed.data;
  }

  const client: PlexTvClient = {
    clientIdentifier: o.clientIdentifier,

    async createPin(input = {}) {
      const strong = input.strong ?? true;
      const what = 'the PIN request';
      const r = await request('POST', `/api/v2/pins?strong=${strong}`, { what });
      expectOk(r, what, [200, 201]);
      return parseJson(PlexPin, r.text, 'PIN');
    },

    async checkPin(id) {
      if (!Number.isSafeInteger(id) || id <= 0) throw new PlexPinExpiredError('Unknown Plex sign-in code');
      const what = 'the PIN check';
      const r = await request('GET', `/api/v2/pins/${id}`, { what });
      if (r.status === 404) throw new PlexPinExpiredError();
      expectOk(r, what);
      return parseJson(PlexPin, r.text, 'PIN');
    },

    authUrl({ code, forwardUrl }) {
      const params = new URLSearchParams({
        clientID: o.clientIdentifier,
        code,
        'context[device][product]': o.product,
        'context[device][version]': o.version,
        'context[device][platform]': o.platform,
        'context[device][platformVersion]': o.platformVersion,
        'context[device][device]': o.device,
        'context[device][deviceName]': o.deviceName ?? o.product,
        'context[device][layout]': 'desktop',
      });
      if (forwardUrl !== undefined) {
        if (!HttpsOrHttpUrl.safeParse(forwardUrl).success) {
          throw new AppError('invalid', 'plex.bad_forward_url', 'forwardUrl must be an absolute http(s) URL');
        }
        params.set('forwardUrl', forwardUrl);
      }
      return `${o.authBaseUrl.replace(/\/+$/, '')}#?${params.toString()}`;
    },

    async getUser(token) {
      const what = 'the account request';
      const r = await request('GET', '/api/v2/user', { token, what });
      expectOk(r, what);
      return parseJson(PlexUser, r.text, 'account');
    },

    async getResources(token) {
      const what = 'the resources request';
      const r = await request('GET', '/api/v2/resources?includeHttps=1&includeRelay=1&includeIPv6=1', {
        token,
        what,
      });
      expectOk(r, what);
      return parseJson(z.array(PlexResource), r.text, 'resource list').filter((d) => hasServer(d.provides));
    },

    async getServerUsers(ownerToken) {
      const what = 'the friends request';
      // This endpoint is XML whatever Accept says (OS parses XML while asking for JSON).
      const r = await request('GET', '/api/users', { token: ownerToken, what, accept: 'application/xml' });
      expectOk(r, what);
      let doc: unknown;
      try {
        doc = xml.parse(r.text);
      } catch (cause) {
        throw new PlexBadResponseError('plex.tv sent a friend list that is not XML', { cause });
      }
      const parsed = ServerUsersXml.safeParse(doc);
      if (!parsed.success) throw new PlexBadResponseError('plex.tv sent an unexpected friend list');
      const users = z
        .array(PlexServerUser)
        .safeParse(parsed.data.MediaContainer.User.map(({ Server, ...u }) => ({ ...u, servers: Server })));
      if (!users.success) {
        throw new PlexBadResponseError(`plex.tv sent an unexpected friend: ${z.prettifyError(users.error)}`);
      }
      return users.data;
    },

    async hasServerAccess(input) {
      if (input.userToken !== undefined) {
        const resources = await client.getResources(input.userToken);
        if (resources.some((d) => d.clientIdentifier === input.machineIdentifier)) {
          return { allowed: true, via: 'resources' };
        }
      }
      if (input.owner !== undefined) {
        // Overseerr lets the owner in directly: the owner does not appear among their own friends.
        if (input.owner.accountId === input.accountId) return { allowed: true, via: 'owner' };
        const friends = await client.getServerUsers(input.owner.token);
        const friend = friends.find((u) => u.id === input.accountId);
        // A share the friend has not accepted yet (`pending`) is not access: their own resource list
        // does not show the server either, and the two checks must agree.
        if (friend?.servers.some((s) => s.machineIdentifier === input.machineIdentifier && !s.pending)) {
          return { allowed: true, via: 'server_users' };
        }
      }
      return { allowed: false };
    },
  };
  return client;
}
