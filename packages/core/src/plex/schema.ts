/**
 * plex.tv response shapes (PROTOCOLS.md §1). Only the fields MediaNest reads are declared; zod's
 * default object parsing drops the rest, so plex.tv adding fields never breaks sign-in. Fields the
 * sources mark optional, or that real accounts are known to lack, are optional here too.
 */
import { z } from 'zod';

const isoOrEpoch = z.union([z.string(), z.number()]);

export const PlexPin = z.object({
  id: z.number().int(),
  code: z.string().min(1),
  clientIdentifier: z.string().optional(),
  expiresIn: z.number().int().optional(),
  createdAt: z.string().optional(),
  expiresAt: z.string().optional(),
  authToken: z.string().nullable().optional(),
});
export type PlexPin = z.infer<typeof PlexPin>;

export const PlexUser = z.object({
  id: z.number().int(),
  uuid: z.string(),
  username: z.string(),
  title: z.string(),
  // Managed home users have no e-mail address.
  email: z.string().nullable().optional(),
  friendlyName: z.string().nullable().optional(),
  thumb: z.string().nullable().optional(),
  authToken: z.string().optional(),
  hasPassword: z.boolean().optional(),
  twoFactorEnabled: z.boolean().optional(),
  joinedAt: isoOrEpoch.optional(),
  home: z.boolean().optional(),
  homeAdmin: z.boolean().optional(),
  guest: z.boolean().optional(),
  restricted: z.boolean().optional(),
  locale: z.string().nullable().optional(),
});
export type PlexUser = z.infer<typeof PlexUser>;

export const PlexConnection = z.object({
  protocol: z.string(),
  address: z.string(),
  port: z.number().int(),
  uri: z.string(),
  local: z.boolean().default(false),
  relay: z.boolean().default(false),
  IPv6: z.boolean().default(false),
});
export type PlexConnection = z.infer<typeof PlexConnection>;

export const PlexResource = z.object({
  name: z.string(),
  product: z.string().optional(),
  productVersion: z.string().optional(),
  platform: z.string().nullable().optional(),
  clientIdentifier: z.string(),
  provides: z.string().default(''),
  ownerId: z.number().int().nullable().optional(),
  sourceTitle: z.string().nullable().optional(),
  accessToken: z.string().nullable().optional(),
  owned: z.boolean().default(false),
  home: z.boolean().optional(),
  presence: z.boolean().optional(),
  httpsRequired: z.boolean().optional(),
  lastSeenAt: z.string().optional(),
  connections: z.array(PlexConnection).default([]),
});
export type PlexResource = z.infer<typeof PlexResource>;

// XML attributes arrive as strings; plex.tv writes booleans as "1"/"0".
const xmlInt = z.coerce.number().int();
const xmlBool = z
  .union([z.string(), z.number(), z.boolean()])
  .transform((v) => v === true || v === 1 || v === '1' || v === 'true');

export const PlexSharedServer = z.object({
  id: xmlInt.optional(),
  serverId: xmlInt.optional(),
  machineIdentifier: z.string(),
  name: z.string().optional(),
  owned: xmlBool.optional(),
  pending: xmlBool.optional(),
  allLibraries: xmlBool.optional(),
  numLibraries: xmlInt.optional(),
});
export type PlexSharedServer = z.infer<typeof PlexSharedServer>;

export const PlexServerUser = z.object({
  id: xmlInt,
  title: z.string().default(''),
  username: z.string().default(''),
  email: z.string().optional(),
  thumb: z.string().optional(),
  home: xmlBool.optional(),
  restricted: xmlBool.optional(),
  servers: z.array(PlexSharedServer).default([]),
});
export type PlexServerUser = z.infer<typeof PlexServerUser>;
