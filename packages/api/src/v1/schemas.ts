/** Response shapes of the identity API (docs/identity-api.md). Times are epoch milliseconds. */
import { z } from '@hono/zod-openapi';
import { PERMISSIONS, ROLES, STATUSES } from '@medianest/core/household/index';
import { ErrorBody } from '../errors.ts';

export const Role = z.enum(ROLES);
export const Status = z.enum(STATUSES);
export const Permission = z.enum(PERMISSIONS);

export const PublicUser = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string().optional(),
    avatarUrl: z.string().optional(),
  })
  .openapi('PublicUser');

export const IdentityOut = z
  .object({ provider: z.string(), subject: z.string(), label: z.string().nullable() })
  .openapi('Identity');

export const Server = z.object({
  machineIdentifier: z.string(),
  name: z.string(),
  addedAt: z.number().int(),
});

export const Household = z
  .object({
    id: z.string(),
    name: z.string(),
    ownerId: z.string(),
    servers: z.array(Server),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .openapi('Household');

export const Membership = z
  .object({
    householdId: z.string(),
    userId: z.string(),
    role: Role,
    status: Status,
    permissions: z.array(Permission),
    overrides: z.record(z.string(), z.boolean()),
    joinedVia: z.string(),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .openapi('Membership');

export const HouseholdWithMembership = z
  .object({ household: Household, membership: Membership })
  .openapi('HouseholdWithMembership');

export const Member = Membership.extend({
  user: z
    .object({ name: z.string(), avatarUrl: z.string().nullable(), plexUsername: z.string().nullable() })
    .nullable(),
}).openapi('Member');

export const InviteOut = z
  .object({
    code: z.string(),
    url: z.string(),
    role: z.enum(['admin', 'member']),
    maxUses: z.number().int(),
    uses: z.number().int(),
    expiresAt: z.number().int(),
    revoked: z.boolean(),
    status: z.enum(['active', 'expired', 'used_up', 'revoked']),
    createdAt: z.number().int(),
  })
  .openapi('Invite');

export const SessionOut = z
  .object({
    id: z.string(),
    current: z.boolean(),
    createdAt: z.number().int(),
    lastSeenAt: z.number().int(),
    expiresAt: z.number().int(),
    userAgent: z.string().optional(),
    ip: z.string().optional(),
  })
  .openapi('Session');

export const AuditEntry = z
  .object({
    id: z.string(),
    at: z.number().int(),
    actor: z.object({ id: z.string(), name: z.string().nullable() }),
    action: z.string(),
    target: z.object({ type: z.string(), id: z.string() }).nullable(),
    before: z.unknown(),
    after: z.unknown(),
  })
  .openapi('AuditEntry');

const errorContent = { 'application/json': { schema: ErrorBody } };

/** The error answers every guarded route may give. */
export const errors = {
  400: { description: 'Invalid input', content: errorContent },
  401: { description: 'Not signed in, or the session ended', content: errorContent },
  403: { description: 'Refused (CSRF, a missing permission, an inactive membership)', content: errorContent },
  404: { description: 'Not found, or not visible to the caller', content: errorContent },
  409: { description: 'Conflicts with the current state', content: errorContent },
  429: { description: 'Too many attempts (see Retry-After)', content: errorContent },
} as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const noContent = { description: 'Done' } as const;
