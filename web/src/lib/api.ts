/**
 * The typed fetch client every page uses for `/api`. It speaks JSON, validates responses with a
 * zod schema when given one, and turns every failure (network, HTTP error body, bad JSON, a
 * response that does not match the schema) into one `ApiError` whose message is fit to show.
 */
import * as z from 'zod/mini';

const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    requestId: z.optional(z.string()),
    details: z.optional(z.unknown()),
  }),
});

/** `code` is the server's error code, or one of `network`, `bad_response`, `aborted` from the client. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly details: unknown;
  /** The parsed response body, when there was one (a 503 health answer still describes the system). */
  readonly body: unknown;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    requestId?: string | undefined;
    details?: unknown;
    body?: unknown;
  }) {
    super(init.message);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.details = init.details;
    this.body = init.body;
  }
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions<T> {
  method?: Method;
  body?: unknown;
  /** Validates (and types) the response body. Without it the body is returned as `unknown`. */
  schema?: z.ZodMiniType<T>;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

const base = '/api';

/** Fired on `window` for every 401 answer. */
export const UNAUTHORIZED_EVENT = 'medianest:unauthorized';

export async function request<T = unknown>(path: string, options: RequestOptions<T> = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let res: Response;
  try {
    res = await fetch(base + path, {
      method: options.method ?? 'GET',
      headers,
      body,
      signal: options.signal,
      credentials: 'same-origin',
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') {
      throw new ApiError({ status: 0, code: 'aborted', message: 'The request was cancelled.' });
    }
    throw new ApiError({
      status: 0,
      code: 'network',
      message: 'Could not reach the MediaNest server. Check your connection; it will be retried.',
    });
  }

  const requestId = res.headers.get('x-request-id') ?? undefined;
  const text = await res.text();
  let data: unknown;
  if (text !== '') {
    try {
      data = JSON.parse(text);
    } catch {
      throw new ApiError({
        status: res.status,
        code: 'bad_response',
        message: `The server sent a response that is not JSON (HTTP ${res.status}).`,
        requestId,
      });
    }
  }

  if (!res.ok) {
    // The session ended behind the page's back (expired, revoked elsewhere): lib/session.ts listens
    // and re-reads who is signed in, which sends app pages to the sign-in page.
    if (res.status === 401 && typeof window !== 'undefined') {
      window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT, { detail: { path } }));
    }
    const parsed = errorBody.safeParse(data);
    if (parsed.success) {
      const e = parsed.data.error;
      throw new ApiError({
        status: res.status,
        code: e.code,
        message: e.message,
        requestId: e.requestId ?? requestId,
        details: e.details,
        body: data,
      });
    }
    throw new ApiError({
      status: res.status,
      code: 'http_' + res.status,
      message: `The server answered HTTP ${res.status}${res.statusText ? ` (${res.statusText})` : ''}.`,
      requestId,
      body: data,
    });
  }

  if (!options.schema) return data as T;
  const parsed = options.schema.safeParse(data);
  if (!parsed.success) {
    throw new ApiError({
      status: res.status,
      code: 'bad_response',
      message: `The server's answer to ${path} had an unexpected shape: ${z.prettifyError(parsed.error)}`,
      requestId,
    });
  }
  return parsed.data;
}

export const api = {
  get: <T>(path: string, options?: Omit<RequestOptions<T>, 'method' | 'body'>) =>
    request<T>(path, { ...options, method: 'GET' }),
  post: <T>(path: string, body?: unknown, options?: Omit<RequestOptions<T>, 'method' | 'body'>) =>
    request<T>(path, { ...options, method: 'POST', body }),
  put: <T>(path: string, body?: unknown, options?: Omit<RequestOptions<T>, 'method' | 'body'>) =>
    request<T>(path, { ...options, method: 'PUT', body }),
  patch: <T>(path: string, body?: unknown, options?: Omit<RequestOptions<T>, 'method' | 'body'>) =>
    request<T>(path, { ...options, method: 'PATCH', body }),
  delete: <T>(path: string, options?: Omit<RequestOptions<T>, 'method' | 'body'>) =>
    request<T>(path, { ...options, method: 'DELETE' }),
};

/** A sentence for any thrown value, for error states and toasts. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong.';
}

/**
 * `GET /api/health`: the portal's own status (packages/api/src/routes/health.ts). Enumerations stay
 * open strings here so a newer server with a new value still renders instead of failing.
 */
export const Health = z.object({
  /** `ok`, `degraded` (queue unreadable) or `unavailable` (store unreachable, sent with HTTP 503). */
  status: z.string(),
  version: z.string(),
  /** `selfhosted` or `saas`. */
  mode: z.string(),
  /** `sqlite` or `dynamodb`. */
  store: z.string(),
  /** null when the queue could not be read. */
  queue: z.object({ depth: z.nullable(z.number()), deadLetter: z.nullable(z.number()) }),
});
export type Health = z.infer<typeof Health>;

/** A 503 whose body is still a health report (store unreachable) is a result to show, not an error. */
export async function getHealth(signal?: AbortSignal): Promise<Health> {
  try {
    return await api.get('/health', { schema: Health, signal });
  } catch (err) {
    if (err instanceof ApiError && err.status === 503) {
      const parsed = Health.safeParse(err.body);
      if (parsed.success) return parsed.data;
    }
    throw err;
  }
}
