/** Invite links seen from outside a household: the public preview and redeeming. */
import { createRoute, z } from '@hono/zod-openapi';
import { Invites } from '@medianest/core/household/index';
import type { System } from '@medianest/core/system/index';
import { guard } from '../access.ts';
import { depsOf } from '../identity/deps.ts';
import { createRouter } from '../router.ts';
import { membership } from './present.ts';
import { errors, json, Membership } from './schemas.ts';

const Code = z.object({ code: z.string().max(64) });

const Preview = z
  .object({
    valid: z.boolean(),
    /** Why the link cannot be used (absent when valid). */
    reason: z.enum(['expired', 'used_up', 'revoked']).optional(),
    householdName: z.string().optional(),
    role: z.enum(['admin', 'member']).optional(),
    expiresAt: z.number().int().optional(),
  })
  .openapi('InvitePreview');

const REASONS = {
  'invite.expired': 'expired',
  'invite.used_up': 'used_up',
  'invite.revoked': 'revoked',
} as const;

export function inviteRoutes(system: System) {
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/invites/{code}',
      tags: ['invites'],
      summary: 'What an invite link leads to (no sign-in needed: the code is the secret)',
      ...guard({ auth: 'public', capability: 'code' }),
      request: { params: Code },
      responses: { 200: json(Preview, 'The invite'), ...errors },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      try {
        const p = await Invites.preview(depsOf(system), { code });
        return c.json(
          { valid: true, householdName: p.householdName, role: p.role, expiresAt: p.expiresAt },
          200,
        );
      } catch (error) {
        // An unusable link says why, but not which household it was for.
        if (error instanceof Invites.InviteUnusableError && error.code in REASONS) {
          return c.json({ valid: false, reason: REASONS[error.code as keyof typeof REASONS] }, 200);
        }
        throw error;
      }
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/invites/{code}/redeem',
      tags: ['invites'],
      summary: "Join the invite's household",
      ...guard({ auth: 'user', capability: 'code' }),
      request: { params: Code },
      responses: { 201: json(z.object({ membership: Membership }), 'Joined'), ...errors },
    }),
    async (c) => {
      const m = await Invites.redeem(depsOf(system), { code: c.req.valid('param').code });
      return c.json({ membership: membership(m) }, 201);
    },
  );

  return router;
}
