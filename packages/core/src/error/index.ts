/**
 * One error type for the whole domain. The HTTP layer maps `kind` to a status in one place;
 * anything that is not an AppError is a bug and becomes a 500 with a correlation id.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'unavailable';

export interface AppErrorOptions {
  cause?: unknown;
  /** Safe, structured details for the client (field errors, limits, retry-after seconds). */
  details?: Record<string, unknown>;
}

export class AppError extends Error {
  override name = 'AppError';
  readonly kind: ErrorKind;
  /** Stable machine-readable code, e.g. `household.not_found`. */
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(kind: ErrorKind, code: string, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.code = code;
    this.details = options.details;
  }
}

export const statusOf: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
};

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
