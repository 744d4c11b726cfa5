/**
 * The one place where failures become HTTP responses. Every error body has the same shape,
 * `{ error: { code, message, details?, requestId } }`, and nothing but an AppError (or a
 * validation failure) ever shows its message to the client: anything else is a bug, answered
 * with a bare 500 and logged with its stack under the request id the client sees.
 */
import { z } from '@hono/zod-openapi';
import { AppError, isAppError, statusOf } from '@medianest/core/error/index';
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import type { AppEnv } from './env.ts';

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'household.not_found' }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
      requestId: z.string(),
    }),
  })
  .openapi('Error');

export type ErrorBody = z.infer<typeof ErrorBody>;

export interface FieldIssue {
  /** Dotted path, prefixed with where it came from: `body.name`, `query.limit`. */
  path: string;
  message: string;
}

const isZodError = (e: unknown): e is ZodError =>
  e instanceof Error && e.name === 'ZodError' && Array.isArray((e as ZodError).issues);

export function fieldIssues(error: ZodError, target?: string): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = [target === 'json' || target === 'form' ? 'body' : target, ...issue.path.map(String)]
      .filter((p): p is string => p !== undefined && p !== '')
      .join('.');
    return { path: path || '(root)', message: issue.message };
  });
}

/** A 400 that names every offending field. */
export function validationError(error: ZodError, target?: string): AppError {
  const issues = fieldIssues(error, target);
  return new AppError(
    'invalid',
    'request.invalid',
    `Invalid request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    {
      cause: error,
      details: { issues },
    },
  );
}

export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  body: Omit<ErrorBody['error'], 'requestId'>,
) {
  const requestId = (c.get('requestId') as string | undefined) ?? '';
  const error: ErrorBody['error'] = { code: body.code, message: body.message, requestId };
  if (body.details !== undefined) error.details = body.details;
  return c.json({ error }, status);
}

function retryAfter(err: AppError): string | undefined {
  const seconds = err.details?.retryAfterSeconds;
  return typeof seconds === 'number' && Number.isFinite(seconds)
    ? String(Math.max(0, Math.ceil(seconds)))
    : undefined;
}

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  const log = c.get('logger') ?? c.get('system')?.logger;
  if (isZodError(err)) {
    const appError = validationError(err);
    return errorResponse(c, 400, {
      code: appError.code,
      message: appError.message,
      details: appError.details,
    });
  }
  if (isAppError(err)) {
    const status = statusOf[err.kind] as ContentfulStatusCode;
    if (status >= 500) log?.warn('Request failed', { code: err.code, error: err });
    const after = retryAfter(err);
    if (after) c.header('retry-after', after);
    return errorResponse(c, status, {
      code: err.code,
      message: err.message,
      ...(err.details ? { details: err.details } : {}),
    });
  }
  // Raised by Hono's own middleware (body limit, validators of routers built without our hook).
  if (err instanceof HTTPException && err.status < 500) {
    return errorResponse(c, err.status as ContentfulStatusCode, {
      code: `http.${err.status}`,
      message: err.message || 'Bad request',
    });
  }
  log?.error('Unhandled error', { error: err, method: c.req.method, path: c.req.path });
  return errorResponse(c, 500, { code: 'internal', message: 'Internal error' });
};

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  errorResponse(c, 404, { code: 'route.not_found', message: `No route for ${c.req.method} ${c.req.path}` });
