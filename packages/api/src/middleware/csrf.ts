import { checkOrigin, isUnsafeMethod } from '@medianest/core/auth/index';
import { AppError } from '@medianest/core/error/index';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';

/**
 * Unsafe methods must come from our own origin (`Origin` equal to the public URL's origin, or
 * `Sec-Fetch-Site: same-origin`). Paths under `exempt` are called by servers, not browsers
 * (webhooks authenticate with their own secret and carry no cookie worth forging).
 */
export const csrfProtection = (exempt: string[] = []) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!isUnsafeMethod(c.req.method) || exempt.some((p) => c.req.path.startsWith(p))) return next();
    const check = checkOrigin(
      { origin: c.req.header('origin'), secFetchSite: c.req.header('sec-fetch-site') },
      c.var.system.config.publicUrl,
    );
    if (!check.ok) throw new AppError('forbidden', 'csrf.origin_mismatch', check.reason);
    return next();
  });
