/**
 * Who may call a route, declared once per route: the declaration becomes both the route's
 * middleware (checked before the request is even validated, so a stranger learns nothing from
 * validation errors) and its OpenAPI metadata (`security` and `x-medianest-access`), which the
 * isolation suite reads to try every route as someone who must be refused.
 *
 * - `public`: anyone. `capability` names a path parameter that is itself the secret (an invite code).
 * - `user`: a signed-in user (401 otherwise).
 * - `household`: an active member of the household in the `{hid}` path parameter, found through
 *   the caller's own membership (404 for everyone else, so ids cannot be probed), holding
 *   `permission` when one is named (403 naming it otherwise). `admin`/`owner` are role checks.
 */

import { HouseholdId, withActor } from '@medianest/core/actor/index';
import { HouseholdNotFoundError, type Permission, requireAccess } from '@medianest/core/household/index';
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from './env.ts';
import { depsOf } from './identity/deps.ts';
import { requireAuth } from './middleware/session.ts';

export type Need = Permission | 'admin' | 'owner';

export type RouteAccess =
  | { auth: 'public'; capability?: string }
  | { auth: 'user'; capability?: string }
  | { auth: 'household'; permission?: Need };

export const ACCESS_EXTENSION = 'x-medianest-access';

export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  requireAuth(c);
  return next();
});

/** Runs the rest of the request as the caller acting in `{hid}`, after checking the membership. */
export const requireHousehold = (need?: Need) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const auth = requireAuth(c);
    const hid = c.req.param('hid');
    if (hid === undefined || !HouseholdId.safeParse(hid).success) throw new HouseholdNotFoundError();
    const actor = { type: 'user' as const, userId: auth.userId, sessionId: auth.sessionId, householdId: hid };
    return withActor(actor, async () => {
      await requireAccess(
        depsOf(c.var.system),
        need === 'admin' || need === 'owner' ? { role: need } : need ? { permission: need } : {},
      );
      await next();
    });
  });

const SECURITY = [{ session: [] }];

/** Spread into `createRoute({...})`. */
export function guard(
  access: RouteAccess,
  extra: MiddlewareHandler<AppEnv>[] = [],
): {
  security: { session: string[] }[];
  middleware: MiddlewareHandler<AppEnv>[];
  [ACCESS_EXTENSION]: RouteAccess;
} {
  const check =
    access.auth === 'public'
      ? []
      : access.auth === 'user'
        ? [requireUser]
        : [requireHousehold(access.permission)];
  return {
    security: access.auth === 'public' ? [] : SECURITY,
    // Access first: rate limits and validation only for callers who may use the route at all.
    middleware: [...check, ...extra],
    [ACCESS_EXTENSION]: access,
  };
}
