/**
 * The Http port over node:http/node:https.
 *
 * Why not fetch: the SSRF guard has to decide on the addresses DNS returned and then connect to
 * exactly those (a second lookup at connect time could answer differently: DNS rebinding). Node's
 * `lookup` request option lets us hand the socket the vetted addresses, with TLS still verifying
 * the certificate against the host name. Redirects are followed here, one hop at a time, so every
 * hop goes through the same check.
 *
 * Per call: retry (idempotent calls only) → circuit breaker (per integrationKey) → timeout (per
 * attempt, aborting the socket) → redirects → guard → socket.
 */
import { promises as dns } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import {
  BrokenCircuitError,
  ExponentialBackoff,
  handleWhen,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
} from 'cockatiel';
import { AppError } from '../../error/index.ts';
import { type Clock, systemClock } from '../../port/clock.ts';
import {
  formatSeconds,
  type Http,
  HttpError,
  type HttpMethod,
  type HttpRequest,
  type HttpResponse,
  isHttpError,
} from '../../port/http.ts';
import { type BreakerOptions, BreakerRegistry, type BreakerState } from './breakers.ts';
import {
  CATEGORY_TEXT,
  classifyAddress,
  type GuardPolicy,
  isAllowed,
  parseAddress,
  SAAS_POLICY,
} from './guard.ts';

/** Resolves a host name to every address it has (A and AAAA), as strings. */
export type LookupFn = (hostname: string) => Promise<readonly string[]>;

export interface RetryOptions {
  /** Extra attempts after the first (0 turns retrying off). */
  maxRetries?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the answer goes back to the caller. */
  maxRetryAfterMs?: number;
  /** Statuses worth another try for an idempotent call (429 additionally needs Retry-After). */
  statuses?: readonly number[];
}

export interface CreateHttpOptions {
  /** `saas`: only public addresses. `selfhosted`: the same unless `allowPrivate`. */
  mode: 'saas' | 'selfhosted';
  /** Self-hosted only: allow loopback, private, link-local and CGNAT targets (a LAN Plex server). */
  allowPrivate?: boolean;
  /** Self-hosted only: allow cloud metadata addresses too (never needed for MediaNest itself). */
  allowMetadata?: boolean;
  /**
   * Exact `address:port` pairs exempt from the guard, e.g. `127.0.0.1:41234` for a test server.
   * Deliberately no ranges and no host names: one hole per entry, visible in the config.
   */
  allowTargets?: readonly string[];
  clock?: Clock;
  /** DNS resolution (tests map names to addresses with it). `dns.lookup(all)` by default. */
  lookup?: LookupFn;
  /** Default per-attempt timeout. */
  timeoutMs?: number;
  /** Default body cap. */
  maxResponseBytes?: number;
  maxRedirects?: number;
  userAgent?: string;
  breaker?: BreakerOptions;
  retry?: RetryOptions;
}

export interface OutboundHttp extends Http {
  readonly mode: 'saas' | 'selfhosted';
  /** The breaker for an integration key, if any call used it. */
  breakerState(integrationKey: string): BreakerState | undefined;
  /** Drops pooled keep-alive connections. */
  close(): void;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Credentials that must not follow a redirect to another origin. */
const SECRET_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
  'x-plex-token',
  'x-api-user',
];

const defaultLookup: LookupFn = async (hostname) =>
  (await dns.lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

interface Hop {
  url: URL;
  method: HttpMethod;
  headers: Record<string, string>;
  body: Uint8Array | undefined;
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

export function createHttp(options: CreateHttpOptions): OutboundHttp {
  if (options.mode === 'saas' && (options.allowPrivate || options.allowMetadata)) {
    // Refuse rather than ignore: a SaaS deployment configured this way is a mistake worth a crash.
    throw new AppError('invalid', 'http.config', 'allowPrivate/allowMetadata are only for self-hosted mode');
  }
  const policy: GuardPolicy =
    options.mode === 'saas'
      ? SAAS_POLICY
      : { allowPrivate: options.allowPrivate ?? false, allowMetadata: options.allowMetadata ?? false };
  const allowTargets = new Set(options.allowTargets ?? []);
  const clock = options.clock ?? systemClock;
  const lookup = options.lookup ?? defaultLookup;
  const defaultTimeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const defaultMaxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const maxRedirects = options.maxRedirects ?? 5;
  const userAgent = options.userAgent ?? 'MediaNest/0.1';
  const r = options.retry ?? {};
  const maxRetries = r.maxRetries ?? 2;
  const retryStatuses = new Set(r.statuses ?? [500, 502, 503, 504, 429]);
  const maxRetryAfterMs = r.maxRetryAfterMs ?? 10_000;
  const exponential = new ExponentialBackoff({
    initialDelay: r.initialDelayMs ?? 200,
    maxDelay: r.maxDelayMs ?? 5_000,
  });
  const breakers = new BreakerRegistry(options.breaker);
  // Keep-alive pools for idempotent calls (paging through a big library reuses one connection).
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 32 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 32 }),
  };

  /** Milliseconds a 429/503 asks us to wait, when it says so in a form we understand. */
  function retryAfterMs(res: HttpResponse): number | undefined {
    const v = res.headers['retry-after'];
    if (v === undefined) return undefined;
    if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
    const at = Date.parse(v);
    return Number.isNaN(at) ? undefined : Math.max(0, at - clock.now());
  }

  function shouldRetryResult(res: HttpResponse): boolean {
    if (!retryStatuses.has(res.status)) return false;
    const wait = retryAfterMs(res);
    if (res.status === 429) return wait !== undefined && wait <= maxRetryAfterMs;
    return wait === undefined || wait <= maxRetryAfterMs;
  }

  /** Exponential backoff with decorrelated jitter, unless the server named its own delay. */
  function backoff(inner?: IBackoff<unknown>): IBackoffFactory<IRetryBackoffContext<unknown>> {
    return {
      next(ctx) {
        const step = inner ? inner.next(ctx) : exponential.next();
        const asked = 'value' in ctx.result ? retryAfterMs(ctx.result.value as HttpResponse) : undefined;
        return { duration: asked ?? step.duration, next: backoff(step).next };
      },
    };
  }

  async function vet(url: URL, signal: AbortSignal): Promise<string[]> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    let addresses: string[];
    if (parseAddress(host)) {
      addresses = [host];
    } else {
      try {
        addresses = [...(await abortable(lookup(host), signal))];
      } catch (cause) {
        if (isHttpError(cause)) throw cause;
        const code = (cause as { code?: string }).code ?? 'error';
        throw new HttpError('http.dns_failure', `Could not resolve ${host} (DNS ${code})`, {
          cause,
          transient: code === 'EAI_AGAIN',
          details: { host },
        });
      }
      if (addresses.length === 0) {
        throw new HttpError('http.dns_failure', `Could not resolve ${host} (no addresses)`, {
          details: { host },
        });
      }
    }
    // Every address must pass, not just the first: the socket may end up on any of them.
    for (const address of addresses) {
      if (allowTargets.has(`${address}:${port}`) || allowTargets.has(`[${address}]:${port}`)) continue;
      const { category } = classifyAddress(address);
      if (!isAllowed(category, policy)) {
        const via = address === host ? '' : ` resolves to ${address}, which is`;
        throw new HttpError(
          'http.blocked_address',
          `${host}${via || ' is'} ${CATEGORY_TEXT[category]}; MediaNest does not connect there${
            policy.allowPrivate ? '' : ' (only public addresses are allowed)'
          }`,
          { details: { host, address, category } },
        );
      }
    }
    return addresses;
  }

  function send(hop: Hop, addresses: string[], idempotent: boolean, maxBytes: number, signal: AbortSignal) {
    const { url } = hop;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    // Hands the socket the addresses vet() checked: no second DNS answer can sneak in.
    const pinned: LookupFunction = (_name, opts, cb) => {
      const family = typeof opts === 'object' ? opts.family : undefined;
      const all = addresses
        .map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
        .filter((a) => !family || a.family === family);
      const chosen =
        all.length > 0
          ? all
          : addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      if (typeof opts === 'object' && opts.all) (cb as (e: null, a: typeof all) => void)(null, chosen);
      else cb(null, (chosen[0] as { address: string }).address, (chosen[0] as { family: number }).family);
    };
    const lib = url.protocol === 'https:' ? https : http;
    const agent = idempotent ? agents[url.protocol as 'http:' | 'https:'] : false;
    return new Promise<RawResponse>((resolve, reject) => {
      const fail = (e: unknown) => reject(e);
      let req: http.ClientRequest;
      try {
        req = lib.request({
          protocol: url.protocol,
          hostname: host,
          port,
          path: `${url.pathname}${url.search}`,
          method: hop.method,
          headers: hop.body ? { ...hop.headers, 'content-length': String(hop.body.byteLength) } : hop.headers,
          lookup: pinned,
          agent,
          signal,
          ...(url.protocol === 'https:' && !parseAddress(host) ? { servername: host } : {}),
        });
      } catch (cause) {
        // Node validates headers before any I/O; a bad one is the caller's mistake, not an outage.
        reject(
          new HttpError('http.invalid_request', `The request to ${host} has an invalid header`, { cause }),
        );
        return;
      }
      req.on('error', (e) => fail(signal.aborted ? aborted(host) : mapSocketError(e, host, port)));
      req.on('response', (res) => {
        readBody(res, maxBytes, host)
          .then((body) => resolve({ status: res.statusCode ?? 0, headers: headersOf(res), body }))
          .catch((e) =>
            fail(signal.aborted ? aborted(host) : isHttpError(e) ? e : mapSocketError(e, host, port)),
          );
      });
      req.end(hop.body);
    });
  }

  async function follow(req: HttpRequest, method: HttpMethod, idempotent: boolean, signal: AbortSignal) {
    let hop: Hop = { url: parseUrl(req.url), method, headers: baseHeaders(req), body: bodyOf(req.body) };
    const maxBytes = req.maxResponseBytes ?? defaultMaxBytes;
    for (let redirects = 0; ; redirects++) {
      let addresses: string[];
      try {
        addresses = await vet(hop.url, signal);
      } catch (e) {
        if (redirects > 0 && isHttpError(e, 'http.blocked_address')) {
          throw new HttpError('http.redirect_blocked', `Redirect refused: ${e.message}`, {
            cause: e,
            details: e.details,
          });
        }
        throw e;
      }
      const raw = await send(hop, addresses, idempotent, maxBytes, signal);
      const location = raw.headers.location;
      if (req.followRedirects === false || !REDIRECTS.has(raw.status) || !location) {
        return { ...raw, url: hop.url.toString() };
      }
      if (redirects >= maxRedirects) {
        throw new HttpError(
          'http.redirect_blocked',
          `${hop.url.hostname} redirected more than ${maxRedirects} times`,
        );
      }
      let next: URL;
      try {
        next = new URL(location, hop.url);
      } catch (cause) {
        throw new HttpError('http.redirect_blocked', `${hop.url.hostname} redirected to an invalid URL`, {
          cause,
        });
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new HttpError(
          'http.redirect_blocked',
          `${hop.url.hostname} redirected to a ${next.protocol} URL`,
        );
      }
      const headers = { ...hop.headers };
      if (next.origin !== hop.url.origin) for (const h of SECRET_HEADERS) delete headers[h];
      // Browsers' rules: 303 always becomes GET; 301/302 turn a POST into a GET; 307/308 keep both.
      const toGet =
        raw.status === 303 || ((raw.status === 301 || raw.status === 302) && hop.method === 'POST');
      if (toGet) {
        delete headers['content-type'];
        hop = { url: next, method: hop.method === 'HEAD' ? 'HEAD' : 'GET', headers, body: undefined };
      } else {
        hop = { url: next, method: hop.method, headers, body: hop.body };
      }
    }
  }

  function baseHeaders(req: HttpRequest): Record<string, string> {
    const headers: Record<string, string> = {
      'user-agent': userAgent,
      'accept-encoding': 'gzip, deflate, br',
    };
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
    return headers;
  }

  async function request(req: HttpRequest): Promise<HttpResponse> {
    const method = req.method ?? 'GET';
    const idempotent =
      req.idempotent ?? (method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'DELETE');
    const timeoutMs = req.timeoutMs ?? defaultTimeout;
    const url = parseUrl(req.url);
    const host = url.hostname;
    const caller = req.signal ?? new AbortController().signal;
    let attempts = 0;

    const attempt = async (): Promise<HttpResponse> => {
      attempts += 1;
      try {
        const raw = await timeout(timeoutMs, TimeoutStrategy.Aggressive).execute(
          ({ signal }) => follow(req, method, idempotent, signal),
          caller,
        );
        return toResponse(raw, attempts);
      } catch (e) {
        if (e instanceof TaskCancelledError) {
          if (caller.aborted) throw aborted(host);
          throw new HttpError(
            'http.timeout',
            `Timed out after ${formatSeconds(timeoutMs)} waiting for ${host}`,
            {
              details: { host, timeoutMs },
            },
          );
        }
        throw e;
      }
    };

    const guarded = (): Promise<HttpResponse> => {
      if (req.integrationKey === undefined) return attempt();
      return breakers
        .get(req.integrationKey)
        .execute(attempt)
        .catch((e: unknown) => {
          if (e instanceof BrokenCircuitError) {
            throw new HttpError(
              'http.circuit_open',
              `Calls to ${host} are paused after repeated failures; the next try is allowed shortly`,
              { cause: e, details: { host, integrationKey: req.integrationKey } },
            );
          }
          throw e;
        });
    };

    if (!idempotent || maxRetries === 0) return guarded();
    const policy = retry(
      handleWhen((e) => isHttpError(e) && e.transient).orWhenResult((v) =>
        shouldRetryResult(v as HttpResponse),
      ),
      { maxAttempts: maxRetries, backoff: backoff() },
    );
    try {
      return await policy.execute(() => guarded(), caller);
    } catch (e) {
      if (e instanceof TaskCancelledError) throw aborted(host);
      throw e;
    }
  }

  return {
    mode: options.mode,
    request,
    breakerState: (key) => breakers.state(key),
    close: () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new HttpError('http.invalid_url', 'Not a valid URL', { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HttpError('http.invalid_url', `Only http and https URLs are supported, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    // Credentials in a URL end up in logs; the integration settings have fields for them.
    throw new HttpError('http.invalid_url', 'URLs with a user name or password are not supported');
  }
  return url;
}

function bodyOf(body: string | Uint8Array | undefined): Uint8Array | undefined {
  if (body === undefined) return undefined;
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

function toResponse(raw: RawResponse & { url: string }, attempts: number): HttpResponse {
  const body = raw.body;
  return {
    status: raw.status,
    headers: raw.headers,
    body,
    url: raw.url,
    attempts,
    text: () => Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'),
  };
}

function headersOf(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(k === 'set-cookie' ? '\n' : ', ') : v;
  }
  return out;
}

/** Reads and decompresses the body, failing as soon as it passes the cap (compressed or not). */
async function readBody(res: IncomingMessage, maxBytes: number, host: string): Promise<Uint8Array> {
  const tooLarge = () =>
    new HttpError('http.too_large', `${host} sent more than ${maxBytes} bytes`, {
      details: { host, maxBytes },
    });
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    throw tooLarge();
  }
  const encoding = (res.headers['content-encoding'] ?? '').toLowerCase().trim();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > maxBytes) return done(tooLarge());
      chunks.push(chunk);
      done();
    },
  });
  await (decoder ? pipeline(res, decoder, sink) : pipeline(res, sink));
  return Buffer.concat(chunks);
}

function aborted(host: string): HttpError {
  return new HttpError('http.aborted', `The call to ${host} was cancelled`, { details: { host } });
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|EPROTO)/;

function mapSocketError(e: unknown, host: string, port: number): HttpError {
  if (isHttpError(e)) return e;
  const err = e as NodeJS.ErrnoException & { reason?: string };
  const code = err.code ?? '';
  const details = { host, port, code };
  if (code === 'ECONNREFUSED') {
    return new HttpError('http.connection_refused', `${host}:${port} refused the connection`, {
      cause: e,
      details,
    });
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT' || code === 'EADDRNOTAVAIL') {
    return new HttpError('http.unreachable', `${host}:${port} is unreachable (${code})`, {
      cause: e,
      details,
    });
  }
  if (TLS_CODES.test(code) || /SSL|TLS|certificate/i.test(err.message ?? '')) {
    return new HttpError('http.tls_error', `TLS with ${host} failed: ${err.reason ?? err.message}`, {
      cause: e,
      details,
    });
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE') {
    return new HttpError('http.reset', `${host} closed the connection before answering in full`, {
      cause: e,
      details,
    });
  }
  if (code.startsWith('Z_') || code.startsWith('ERR__ERROR_FORMAT')) {
    return new HttpError('http.network', `${host} sent a body that could not be decompressed`, {
      cause: e,
      details,
      transient: false,
    });
  }
  return new HttpError('http.network', `The connection to ${host} failed (${code || err.message})`, {
    cause: e,
    details,
  });
}

/** Races a promise that cannot itself be cancelled (dns.lookup) against the attempt's signal. */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
