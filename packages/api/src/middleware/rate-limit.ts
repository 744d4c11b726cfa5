/**
 * Sign-in rate limits, counted in the table (shared by every Lambda instance and the local
 * process). Per IP before the work, per account once the account is known.
 */
import * as RateLimit from '@medianest/core/rate-limit/index';
import { createMiddleware } from 'hono/factory';
import { clientIp } from '../client-ip.ts';
import type { AppEnv } from '../env.ts';

export interface SignInLimits {
  /** Starting a sign-in (Plex PIN, OIDC redirect), per client address. */
  startPerIp: RateLimit.Limit;
  /** Polling a Plex sign-in (every 2 s while the person approves), per client address. */
  pollPerIp: RateLimit.Limit;
  /** Completing OIDC callbacks, per client address. */
  callbackPerIp: RateLimit.Limit;
  /** Completed sign-ins (and links) of one MediaNest account. */
  perAccount: RateLimit.Limit;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  startPerIp: { limit: 30, windowSeconds: 600 },
  pollPerIp: { limit: 600, windowSeconds: 600 },
  callbackPerIp: { limit: 30, windowSeconds: 600 },
  perAccount: { limit: 30, windowSeconds: 3600 },
};

export const limitPerIp = (bucket: string, limit: RateLimit.Limit) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const { system } = c.var;
    const ip = clientIp(c, system.config.identity.trustProxy);
    await RateLimit.enforce(system, `signin:${bucket}:ip:${ip}`, limit);
    return next();
  });

export async function limitAccount(
  deps: RateLimit.RateLimitDeps,
  userId: string,
  limit: RateLimit.Limit,
): Promise<void> {
  await RateLimit.enforce(deps, `signin:account:${userId}`, limit);
}
