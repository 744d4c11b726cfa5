/** Domain objects → the API's JSON (no tokens, no keys, no internal fields). */

import type { z } from '@hono/zod-openapi';
import type { Member as DomainMember, Invite } from '@medianest/core/household/index';
import type * as Session from '@medianest/core/session/index';
import type * as User from '@medianest/core/user/index';
import type { InviteOut, PublicUser, SessionOut } from './schemas.ts';

export function publicUser(u: User.Info): z.infer<typeof PublicUser> {
  return {
    id: u.id,
    name: u.name,
    ...(u.email ? { email: u.email } : {}),
    ...(u.avatarUrl ? { avatarUrl: u.avatarUrl } : {}),
  };
}

export function session(s: Session.Info): z.infer<typeof SessionOut> {
  return {
    id: s.id,
    current: s.current ?? false,
    createdAt: s.createdAt,
    lastSeenAt: s.lastSeenAt,
    expiresAt: s.expiresAt,
    ...(s.userAgent ? { userAgent: s.userAgent } : {}),
    ...(s.ip ? { ip: s.ip } : {}),
  };
}

export function invite(i: Invite, publicUrl: string): z.infer<typeof InviteOut> {
  return {
    code: i.code,
    url: `${publicUrl}/invite/${i.code}`,
    role: i.role,
    maxUses: i.maxUses,
    uses: i.uses,
    expiresAt: i.expiresAt,
    revoked: i.revokedAt !== null,
    status: i.status,
    createdAt: i.createdAt,
  };
}

export const membership = (m: DomainMember) => ({ ...m, overrides: m.overrides as Record<string, boolean> });
