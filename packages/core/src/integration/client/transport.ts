/**
 * The part every integration client shares: building URLs under a configured base, calling the
 * Http port with the integration's breaker key, and turning answers into data or typed errors.
 */
import { z } from 'zod';
import type { Http, HttpMethod, HttpResponse } from '../../port/http.ts';
import { IntegrationError, type IntegrationProduct, PRODUCT_NAME } from './errors.ts';

export interface ClientBaseOptions {
  /** Where the household runs the service, e.g. `http://192.168.1.10:32400`. */
  baseUrl: string;
  http: Http;
  /** Circuit-breaker scope, e.g. `<householdId>:plex:<machineId>`. */
  integrationKey: string;
  /** Per attempt. */
  timeoutMs?: number;
}

export type QueryValue = string | number | boolean | undefined | null;

/** `encodeURIComponent` leaves `!'()*` alone; Overseerr's validator refuses them raw (PROTOCOLS §3). */
export const encodeStrict = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function queryString(query: Record<string, QueryValue> | undefined, extra: string[] = []): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null) continue;
    parts.push(`${encodeStrict(k)}=${encodeStrict(typeof v === 'boolean' ? (v ? '1' : '0') : String(v))}`);
  }
  parts.push(...extra);
  return parts.length ? `?${parts.join('&')}` : '';
}

export function normaliseBaseUrl(raw: string, product: IntegrationProduct): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch (cause) {
    throw new IntegrationError(
      product,
      'integration.bad_request',
      `${PRODUCT_NAME[product]} URL is not a valid URL`,
      {
        cause,
      },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new IntegrationError(
      product,
      'integration.bad_request',
      `${PRODUCT_NAME[product]} URL must start with http:// or https://`,
    );
  }
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/+$/, '');
}

export interface CallInit {
  method?: HttpMethod;
  /** Path under the base URL, starting with `/`. */
  path: string;
  query?: Record<string, QueryValue>;
  /** Pre-encoded query parts (Plex filter operators such as `year>>=2000`). */
  rawQuery?: string[];
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  idempotent?: boolean;
  maxResponseBytes?: number;
  timeoutMs?: number;
}

export interface Transport {
  readonly product: IntegrationProduct;
  readonly baseUrl: string;
  url(path: string, query?: Record<string, QueryValue>, rawQuery?: string[]): string;
  call(init: CallInit): Promise<HttpResponse>;
}

export function createTransport(
  product: IntegrationProduct,
  options: ClientBaseOptions,
  headers: Record<string, string>,
): Transport {
  const baseUrl = normaliseBaseUrl(options.baseUrl, product);
  const url = (path: string, query?: Record<string, QueryValue>, rawQuery?: string[]) =>
    `${baseUrl}${path}${queryString(query, rawQuery)}`;
  return {
    product,
    baseUrl,
    url,
    call: (init) => {
      const h: Record<string, string> = { ...headers, ...init.headers };
      // An empty value drops a default header (a call that must not carry the API key).
      for (const [k, v] of Object.entries(h)) if (v === '') delete h[k];
      if (init.json !== undefined) h['content-type'] = 'application/json';
      return options.http.request({
        method: init.method ?? 'GET',
        url: url(init.path, init.query, init.rawQuery),
        headers: h,
        ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
        ...(init.idempotent !== undefined ? { idempotent: init.idempotent } : {}),
        ...(init.maxResponseBytes !== undefined ? { maxResponseBytes: init.maxResponseBytes } : {}),
        ...((init.timeoutMs ?? options.timeoutMs) !== undefined
          ? { timeoutMs: init.timeoutMs ?? options.timeoutMs }
          : {}),
        integrationKey: options.integrationKey,
      });
    },
  };
}

const looksLikeHtml = (res: HttpResponse, text: string) =>
  /html/i.test(res.headers['content-type'] ?? '') || /^\s*</.test(text);

/** The short message an error body carries (Overseerr `{message}`, Kuma `{msg}`), if any. */
export function serverMessage(res: HttpResponse): string | undefined {
  try {
    const body = JSON.parse(res.text()) as Record<string, unknown>;
    for (const k of ['message', 'error', 'msg']) {
      const v = body?.[k];
      if (typeof v === 'string' && v.trim()) return v.trim().slice(0, 300);
    }
  } catch {
    // Not JSON: PMS error pages are HTML; their title says no more than the status does.
  }
  return undefined;
}

/** Maps a non-2xx answer to the generic error; products handle their special cases first. */
export function statusError(
  product: IntegrationProduct,
  status: number,
  what: string,
  said?: string,
): IntegrationError {
  const name = PRODUCT_NAME[product];
  const suffix = said ? `: ${said}` : '';
  if (status === 401) {
    return new IntegrationError(
      product,
      'integration.unauthorized',
      `${name} refused the credentials (401) for ${what}`,
      {
        status,
      },
    );
  }
  if (status === 403)
    return new IntegrationError(product, 'integration.forbidden', `${name} refused ${what}${suffix}`, {
      status,
    });
  if (status === 404) {
    return new IntegrationError(product, 'integration.not_found', `${name} has no ${what}${suffix}`, {
      status,
    });
  }
  if (status === 429) {
    return new IntegrationError(
      product,
      'integration.rate_limited',
      `${name} is rate-limiting ${what}; try again later`,
      {
        status,
      },
    );
  }
  if (status >= 500) {
    return new IntegrationError(
      product,
      'integration.server_error',
      `${name} failed to answer ${what} (${status})${suffix}`,
      {
        status,
      },
    );
  }
  return new IntegrationError(
    product,
    'integration.bad_request',
    `${name} rejected ${what} (${status})${suffix}`,
    {
      status,
    },
  );
}

export interface ParseOptions {
  /**
   * A schema mismatch means "this is not the product" (the first call of a connection test),
   * rather than "the product sent something odd".
   */
  identity?: boolean;
}

/** Parses a JSON answer with a zod schema; HTML is the wrong product, broken JSON is malformed. */
export function parseJson<S extends z.ZodType>(
  product: IntegrationProduct,
  res: HttpResponse,
  schema: S,
  what: string,
  options: ParseOptions = {},
): z.output<S> {
  const name = PRODUCT_NAME[product];
  const text = res.text();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    if (looksLikeHtml(res, text) || options.identity) {
      throw new IntegrationError(
        product,
        'integration.wrong_product',
        `The ${name} URL answered ${what} with ${looksLikeHtml(res, text) ? 'a web page' : 'something that is not JSON'}; is it the address of ${name}?`,
        { cause, status: res.status },
      );
    }
    throw new IntegrationError(
      product,
      'integration.malformed_response',
      `${name} sent invalid JSON for ${what}`,
      {
        cause,
        status: res.status,
      },
    );
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const detail = z.prettifyError(parsed.error).slice(0, 500);
    if (options.identity) {
      throw new IntegrationError(
        product,
        'integration.wrong_product',
        `The ${name} URL answered ${what}, but not as ${name} does; is it the address of ${name}?`,
        { status: res.status, details: { issues: detail } },
      );
    }
    throw new IntegrationError(
      product,
      'integration.malformed_response',
      `${name} sent an unexpected ${what}`,
      {
        status: res.status,
        details: { issues: detail },
      },
    );
  }
  return parsed.data;
}

export const ok = (res: HttpResponse) => res.status >= 200 && res.status < 300;

/**
 * An array whose unreadable elements are dropped instead of failing the whole answer: one odd
 * item in a 50,000-item library must not blank the page.
 */
export function tolerantArray<S extends z.ZodType>(schema: S) {
  return z
    .array(z.unknown())
    .catch([])
    .transform((items) =>
      items.flatMap((item) => {
        const r = schema.safeParse(item);
        return r.success ? [r.data as z.output<S>] : [];
      }),
    );
}

/** Optional fields that fall back to undefined rather than failing the object when odd. */
export const optStr = z.string().optional().catch(undefined);
export const optNum = z.number().optional().catch(undefined);
export const optBool = z.boolean().optional().catch(undefined);
/** Plex and Kuma spell ids as numbers or strings depending on endpoint and version. */
export const idString = z.union([z.string(), z.number()]).transform(String);
export const optNumeric = z
  .union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/)])
  .transform(Number)
  .optional()
  .catch(undefined);
