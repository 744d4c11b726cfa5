import {
  CORRELATION_HEADER,
  correlationId,
  lazyWithCorrelationId,
} from '@medianest/core/observability/logger';
import type { System } from '@medianest/core/system/index';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';

/**
 * Gives each request its id (the caller's `x-request-id` when sane, else a new one), echoes it
 * on the response, and a logger that stamps it on every line.
 */
export const requestContext = (system: System) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const requestId = correlationId(c.req.header(CORRELATION_HEADER));
    c.set('system', system);
    c.set('requestId', requestId);
    const logger = lazyWithCorrelationId(system.logger, requestId);
    c.set('logger', logger);
    c.header(CORRELATION_HEADER, requestId);
    const started = performance.now();
    await next();
    // Error responses are built by onError on a fresh context: make sure they carry the id too.
    c.res.headers.set(CORRELATION_HEADER, requestId);
    // An access line only when asked for: at INFO every health probe would be a log line.
    if (system.logger.getLevelName() === 'DEBUG') {
      logger.debug('request', {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      });
    }
  });
