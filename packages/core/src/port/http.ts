/**
 * Http port: outbound HTTP to household-provided services (Plex Media Server, Overseerr, Uptime
 * Kuma). The adapter owns everything that makes such calls safe to make from a shared deployment:
 * per-attempt timeouts, retries for idempotent calls, a circuit breaker per integration, a body size
 * cap, manually followed redirects and the SSRF guard. Callers get either a response (any status:
 * a 401 or 404 is the service's answer, for the client to interpret) or an HttpError saying
 * precisely why there is no answer.
 */
import { AppError, type AppErrorOptions, type ErrorKind } from '../error/index.ts';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  /** GET when absent. */
  method?: HttpMethod;
  /** Absolute http(s) URL. */
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Per attempt, covering DNS, connect, headers and body. The adapter's default when absent. */
  timeoutMs?: number;
  /**
   * Whether repeating the call is harmless. Only idempotent calls are retried. Defaults to true
   * for GET, HEAD, PUT and DELETE and false for POST and PATCH.
   */
  idempotent?: boolean;
  /**
   * Circuit-breaker scope, e.g. `<householdId>:overseerr`. Calls without one are never
   * short-circuited (a "test connection" must always really try).
   */
  integrationKey?: string;
  /** Larger bodies fail with `http.too_large`. The adapter's default when absent. */
  maxResponseBytes?: number;
  /** Follow up to 5 redirects (true, the default) or hand 3xx answers back. */
  followRedirects?: boolean;
  /** Lets the caller give up early (e.g. the browser went away). */
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with ", " (set-cookie with "\n"). */
  headers: Record<string, string>;
  /** Decompressed body. */
  body: Uint8Array;
  /** The URL that answered, after redirects. */
  url: string;
  /** How many attempts it took (1 = no retry). */
  attempts: number;
  /** The body as UTF-8. */
  text(): string;
}

export interface Http {
  request(req: HttpRequest): Promise<HttpResponse>;
}

export type HttpErrorCode =
  | 'http.invalid_url'
  /** A header name or value Node refuses to send (control characters in a token, say). */
  | 'http.invalid_request'
  | 'http.dns_failure'
  | 'http.connection_refused'
  | 'http.unreachable'
  | 'http.tls_error'
  | 'http.timeout'
  | 'http.reset'
  | 'http.network'
  | 'http.too_large'
  | 'http.circuit_open'
  | 'http.blocked_address'
  | 'http.redirect_blocked'
  | 'http.aborted';

const KIND: Record<HttpErrorCode, ErrorKind> = {
  'http.invalid_url': 'invalid',
  'http.invalid_request': 'invalid',
  'http.dns_failure': 'unavailable',
  'http.connection_refused': 'unavailable',
  'http.unreachable': 'unavailable',
  'http.tls_error': 'unavailable',
  'http.timeout': 'unavailable',
  'http.reset': 'unavailable',
  'http.network': 'unavailable',
  'http.too_large': 'unavailable',
  'http.circuit_open': 'unavailable',
  // A refused target is a policy decision about the URL, not an outage: retrying cannot help.
  'http.blocked_address': 'forbidden',
  'http.redirect_blocked': 'forbidden',
  'http.aborted': 'unavailable',
};

/**
 * Failures worth another attempt (and counted by the circuit breaker): the service may answer
 * next time. A refused address, a bad certificate or an oversized body will not change by retrying.
 */
const TRANSIENT = new Set<HttpErrorCode>([
  'http.connection_refused',
  'http.unreachable',
  'http.timeout',
  'http.reset',
  'http.network',
]);

/**
 * Why an outbound call produced no answer. Messages name the host but never the path or query,
 * so a token carried in a URL cannot leak into logs or API answers.
 */
export class HttpError extends AppError {
  override name = 'HttpError';
  declare readonly code: HttpErrorCode;
  /** Worth retrying, and counted as a failure by the circuit breaker. */
  readonly transient: boolean;
  constructor(code: HttpErrorCode, message: string, options: AppErrorOptions & { transient?: boolean } = {}) {
    super(KIND[code], code, message, options);
    this.transient = options.transient ?? TRANSIENT.has(code);
  }
}

export const isHttpError = (e: unknown, code?: HttpErrorCode): e is HttpError =>
  e instanceof HttpError && (code === undefined || e.code === code);

/** "after 2.5 s": timeouts are reported in seconds, the unit people think in. */
export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : Number(s.toFixed(s < 1 ? 2 : 1))} s`;
}
