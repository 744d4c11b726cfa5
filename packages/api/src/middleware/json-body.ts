import { AppError } from '@medianest/core/error/index';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';

const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;
const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A body that claims to be JSON but is not is the client's mistake on every route, known or not,
 * so it is answered with one 400 and the parser's own words before any routing or validation.
 * The parsed text stays cached on the request, so validators do not read the body twice.
 */
export const jsonBodyGuard = createMiddleware<AppEnv>(async (c, next) => {
  if (!BODYLESS.has(c.req.method) && JSON_TYPE.test(c.req.header('content-type') ?? '')) {
    const text = await c.req.text();
    if (text.trim() !== '') {
      try {
        JSON.parse(text);
      } catch (err) {
        throw new AppError(
          'invalid',
          'request.malformed_json',
          `Malformed JSON body: ${(err as Error).message}`,
        );
      }
    }
  }
  await next();
});
