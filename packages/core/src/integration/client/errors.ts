/**
 * What can go wrong talking to a household's Plex Media Server, Overseerr or Uptime Kuma, beyond
 * the transport failures (`http.*` HttpErrors pass through unchanged).
 *
 * A refused key is reported as kind `unavailable`, not `unauthorized`: from MediaNest's API the
 * member's own session is fine, it is the household's integration that is misconfigured, and a
 * 401 from our API would read as "sign in again". The code (`integration.unauthorized`) says what
 * happened, the message says what to fix.
 */
import { AppError, type AppErrorOptions, type ErrorKind } from '../../error/index.ts';

export type IntegrationProduct = 'plex' | 'overseerr' | 'uptime_kuma';

export const PRODUCT_NAME: Record<IntegrationProduct, string> = {
  plex: 'Plex Media Server',
  overseerr: 'Overseerr',
  uptime_kuma: 'Uptime Kuma',
};

export type IntegrationErrorCode =
  /** The token / API key was refused (401, or Overseerr's 403 for a wrong key). */
  | 'integration.unauthorized'
  /** Something answered, but not the product configured (a web page, another API). */
  | 'integration.wrong_product'
  /** The product answered, but not in a shape we can read (truncated JSON, missing fields). */
  | 'integration.malformed_response'
  | 'integration.not_found'
  /** The key is fine but the acting user may not do this (Overseerr `X-Api-User`). */
  | 'integration.forbidden'
  | 'integration.bad_request'
  | 'integration.rate_limited'
  /** A 5xx that survived the retries. */
  | 'integration.server_error';

const KIND: Record<IntegrationErrorCode, ErrorKind> = {
  'integration.unauthorized': 'unavailable',
  'integration.wrong_product': 'unavailable',
  'integration.malformed_response': 'unavailable',
  'integration.not_found': 'not_found',
  'integration.forbidden': 'forbidden',
  'integration.bad_request': 'invalid',
  'integration.rate_limited': 'unavailable',
  'integration.server_error': 'unavailable',
};

export class IntegrationError extends AppError {
  override name = 'IntegrationError';
  declare readonly code: IntegrationErrorCode;
  readonly product: IntegrationProduct;
  /** The HTTP status the service answered with, when it answered. */
  readonly status: number | undefined;
  constructor(
    product: IntegrationProduct,
    code: IntegrationErrorCode,
    message: string,
    options: AppErrorOptions & { status?: number } = {},
  ) {
    super(KIND[code], code, message, {
      ...options,
      details: {
        product,
        ...(options.status !== undefined ? { status: options.status } : {}),
        ...options.details,
      },
    });
    this.product = product;
    this.status = options.status;
  }
}

export const isIntegrationError = (e: unknown, code?: IntegrationErrorCode): e is IntegrationError =>
  e instanceof IntegrationError && (code === undefined || e.code === code);
