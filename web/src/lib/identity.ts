/**
 * The identity API (sign-in, me, households, members, invites, audit) as typed calls. Shapes follow
 * the contract in docs/identity-api.md. Enumerations stay open strings and optional fields stay
 * optional so a newer server still renders; times arrive as epoch ms (or ISO strings) and are
 * normalised with `toDate`.
 */
import * as z from 'zod/mini';
import { api } from './api.ts';

const time = z.union([z.number(), z.string()]);
const text = z.nullish(z.string());

/** Epoch ms or an ISO string → Date (undefined stays undefined). */
export function toDate(value: number | string | null | undefined): Date | undefined {
  if (value === null || value === undefined) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

// ---------------------------------------------------------------------------------------------
// Sign-in

export const Provider = z.object({ id: z.string(), name: z.string(), kind: z.string() });
export type Provider = z.infer<typeof Provider>;

export const getProviders = (signal?: AbortSignal) =>
  api
    .get('/v1/auth/providers', { schema: z.object({ providers: z.array(Provider) }), signal })
    .then((r) => r.providers);

export const PinStart = z.object({
  state: z.optional(z.string()),
  code: z.string(),
  authUrl: z.string(),
  expiresAt: z.optional(time),
  pollIntervalMs: z.optional(z.number()),
});
export type PinStart = z.infer<typeof PinStart>;

export const PinPoll = z.object({ status: z.string() });
export type PinPoll = z.infer<typeof PinPoll>;

/** Where a Plex PIN flow starts and is polled: signing in, or linking Plex to the signed-in user. */
export interface PinEndpoints {
  start: string;
  poll: string;
}

export const signInEndpoints: PinEndpoints = { start: '/v1/auth/plex/start', poll: '/v1/auth/plex/poll' };
export const linkPlexEndpoints: PinEndpoints = {
  start: '/v1/me/identities/plex/start',
  poll: '/v1/me/identities/plex/poll',
};

/** `forwardUrl`: where plex.tv's auth page sends the popup after approval (our page that closes it). */
export const startPin = (endpoints: PinEndpoints, forwardUrl?: string) =>
  api.post(endpoints.start, forwardUrl ? { forwardUrl } : {}, { schema: PinStart });
export const pollPin = (endpoints: PinEndpoints, state: string | undefined, signal?: AbortSignal) =>
  api.post(endpoints.poll, state === undefined ? {} : { state }, { schema: PinPoll, signal });

/** Full-page navigation target for an OIDC provider (the server answers with a redirect). */
export function oidcStartUrl(providerId: string, returnTo: string): string {
  return `/api/v1/auth/oidc/${encodeURIComponent(providerId)}/start?returnTo=${encodeURIComponent(returnTo)}`;
}

export const signOut = () => api.post('/v1/auth/sign-out');
export const signOutEverywhere = () => api.post('/v1/auth/sign-out-everywhere');

// ---------------------------------------------------------------------------------------------
// Me

export const MyHousehold = z.object({
  id: z.string(),
  name: z.string(),
  role: z.optional(z.string()),
  status: z.optional(z.string()),
});
export type MyHousehold = z.infer<typeof MyHousehold>;

export const Identity = z.object({ provider: z.string(), subject: z.string(), label: text });
export type Identity = z.infer<typeof Identity>;

export const Me = z.object({
  user: z.object({ id: z.string(), name: z.string(), email: text, avatarUrl: text }),
  identities: z.array(Identity),
  households: z.array(MyHousehold),
});
export type Me = z.infer<typeof Me>;

export const getMe = (signal?: AbortSignal) => api.get('/v1/me', { schema: Me, signal });

export const SessionInfo = z.object({
  id: z.string(),
  current: z.optional(z.boolean()),
  createdAt: time,
  lastSeenAt: z.optional(time),
  expiresAt: z.optional(time),
  userAgent: text,
  ip: text,
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const getSessions = (signal?: AbortSignal) =>
  api
    .get('/v1/me/sessions', { schema: z.object({ sessions: z.array(SessionInfo) }), signal })
    .then((r) => r.sessions);
export const revokeSession = (id: string) => api.delete(`/v1/me/sessions/${encodeURIComponent(id)}`);
export const unlinkIdentity = (provider: string, subject: string) =>
  api.delete(`/v1/me/identities/${encodeURIComponent(provider)}/${encodeURIComponent(subject)}`);

// ---------------------------------------------------------------------------------------------
// Plex servers and households

export const PlexServer = z.object({
  machineIdentifier: z.string(),
  name: z.string(),
  owned: z.optional(z.boolean()),
  connections: z.optional(z.array(z.object({ uri: z.string(), local: z.optional(z.boolean()) }))),
  /** Already in some household (which one is only said for my own, in `claimedBy`). */
  taken: z.optional(z.boolean()),
  claimedBy: z.nullish(z.string()),
});
export type PlexServer = z.infer<typeof PlexServer>;

export const getPlexServers = (signal?: AbortSignal) =>
  api
    .get('/v1/plex/servers', { schema: z.object({ servers: z.array(PlexServer) }), signal })
    .then((r) => r.servers);

export const HouseholdServer = z.object({ machineIdentifier: z.string(), name: z.optional(z.string()) });

export const Household = z.object({
  id: z.string(),
  name: z.string(),
  ownerId: z.optional(z.string()),
  servers: z.optional(z.array(HouseholdServer)),
  createdAt: z.optional(time),
});
export type Household = z.infer<typeof Household>;

export interface JoinableHousehold {
  id: string;
  name: string;
  serverName: string | undefined;
  /** `pending` / `suspended` when I am already known there (an imported friend, a suspended member). */
  status: string | undefined;
}

const JoinableEntry = z.object({
  household: z.object({ id: z.string(), name: z.string() }),
  server: z.nullish(z.object({ machineIdentifier: z.string(), name: z.optional(z.string()) })),
  status: z.nullish(z.string()),
});

/** One entry per household and server I can reach; a household with two shared servers is listed once. */
export async function getJoinable(signal?: AbortSignal): Promise<JoinableHousehold[]> {
  const r = await api.get('/v1/households/joinable', {
    schema: z.object({ households: z.array(JoinableEntry) }),
    signal,
  });
  const byId = new Map<string, JoinableHousehold>();
  for (const e of r.households) {
    const serverName = e.server?.name ?? e.server?.machineIdentifier;
    const known = byId.get(e.household.id);
    if (known) {
      if (serverName) known.serverName = known.serverName ? `${known.serverName}, ${serverName}` : serverName;
      continue;
    }
    byId.set(e.household.id, { ...e.household, serverName, status: e.status ?? undefined });
  }
  return [...byId.values()];
}

/** The create answer is the household itself or `{ household }`: both are accepted. */
const Created = z.union([z.object({ household: Household }), Household]);

export async function createHousehold(input: { name: string; servers: string[] }): Promise<Household> {
  const created = await api.post('/v1/households', input, { schema: Created });
  return 'household' in created ? created.household : created;
}

export const joinHousehold = (hid: string) => api.post(`/v1/households/${encodeURIComponent(hid)}/join`);

export const Membership = z.object({
  role: z.string(),
  permissions: z.optional(z.array(z.string())),
  status: z.optional(z.string()),
});
export type Membership = z.infer<typeof Membership>;

export const HouseholdDetail = z.object({ household: Household, membership: Membership });
export type HouseholdDetail = z.infer<typeof HouseholdDetail>;

export const getHousehold = (hid: string, signal?: AbortSignal) =>
  api.get(`/v1/households/${encodeURIComponent(hid)}`, { schema: HouseholdDetail, signal });

// ---------------------------------------------------------------------------------------------
// Members

export const ROLES = ['owner', 'admin', 'member'] as const;

/** The permission names core knows (packages/core/src/household/permissions.ts), with labels. */
export const PERMISSIONS = [
  { id: 'request', label: 'Request', hint: 'Ask for movies and shows' },
  { id: 'request_4k', label: 'Request 4K', hint: 'Ask for 4K versions' },
  { id: 'auto_approve', label: 'Auto-approve', hint: 'Requests skip the approval queue' },
  { id: 'download', label: 'Download', hint: 'Queue downloads' },
  { id: 'manage_requests', label: 'Manage requests', hint: 'Approve and decline requests' },
  { id: 'manage_members', label: 'Manage members', hint: 'Members, invites and the audit log' },
  { id: 'manage_integrations', label: 'Manage integrations', hint: 'Connected services' },
] as const;

export const Member = z.object({
  userId: z.string(),
  role: z.string(),
  status: z.string(),
  permissions: z.optional(z.array(z.string())),
  joinedVia: z.optional(z.string()),
  createdAt: z.optional(time),
  name: text,
  email: text,
  avatarUrl: text,
  plexUsername: text,
  user: z.nullish(
    z.object({ name: z.optional(z.string()), email: text, avatarUrl: text, plexUsername: text }),
  ),
});
export type Member = z.infer<typeof Member>;

/** What to call a member: the server may send the user's name flat or nested. */
export function memberName(m: Member): string {
  return m.name ?? m.user?.name ?? m.plexUsername ?? m.user?.plexUsername ?? m.userId;
}

const hh = (hid: string) => `/v1/households/${encodeURIComponent(hid)}`;

export const getMembers = (hid: string, signal?: AbortSignal) =>
  api
    .get(`${hh(hid)}/members`, { schema: z.object({ members: z.array(Member) }), signal })
    .then((r) => r.members);

export const updateMember = (
  hid: string,
  userId: string,
  patch: { role?: string; permissions?: string[]; status?: string },
) => api.patch(`${hh(hid)}/members/${encodeURIComponent(userId)}`, patch);

export const removeMember = (hid: string, userId: string) =>
  api.delete(`${hh(hid)}/members/${encodeURIComponent(userId)}`);

export const transferOwnership = (hid: string, userId: string) =>
  api.post(`${hh(hid)}/transfer-ownership`, { userId });

export const importPlexFriends = (hid: string) =>
  api.post(`${hh(hid)}/members/import-plex-friends`, {}, { schema: z.object({ imported: z.number() }) });

// ---------------------------------------------------------------------------------------------
// Invites

export const Invite = z.object({
  code: z.string(),
  url: z.optional(z.string()),
  role: z.string(),
  maxUses: z.number(),
  uses: z.number(),
  expiresAt: time,
  revoked: z.optional(z.boolean()),
  revokedAt: z.nullish(time),
  status: z.optional(z.string()),
});
export type Invite = z.infer<typeof Invite>;

export type InviteState = 'active' | 'expired' | 'used_up' | 'revoked';

export function inviteState(i: Invite, now = Date.now()): InviteState {
  if (i.status === 'active' || i.status === 'expired' || i.status === 'used_up' || i.status === 'revoked') {
    return i.status;
  }
  if (i.revoked || (i.revokedAt !== undefined && i.revokedAt !== null)) return 'revoked';
  if ((toDate(i.expiresAt)?.getTime() ?? 0) <= now) return 'expired';
  if (i.uses >= i.maxUses) return 'used_up';
  return 'active';
}

/** The link to share: the server's `url`, else this app's own landing page for the code. */
export function inviteLink(i: Invite): string {
  return i.url ?? `${location.origin}/invite/${encodeURIComponent(i.code)}`;
}

export const getInvites = (hid: string, signal?: AbortSignal) =>
  api
    .get(`${hh(hid)}/invites`, { schema: z.object({ invites: z.array(Invite) }), signal })
    .then((r) => r.invites);

export const createInvite = (hid: string, input: { role: string; maxUses: number; expiresInHours: number }) =>
  api.post(`${hh(hid)}/invites`, input, { schema: z.object({ invite: Invite }) }).then((r) => r.invite);

export const revokeInvite = (hid: string, code: string) =>
  api.delete(`${hh(hid)}/invites/${encodeURIComponent(code)}`);

export interface InvitePreview {
  householdId: string | undefined;
  householdName: string;
  role: string;
  valid: boolean;
  reason: string | undefined;
}

const PreviewBody = z.object({
  householdId: z.optional(z.string()),
  householdName: z.optional(z.string()),
  household: z.optional(z.object({ id: z.optional(z.string()), name: z.optional(z.string()) })),
  role: z.optional(z.string()),
  valid: z.optional(z.boolean()),
  reason: text,
  status: z.optional(z.string()),
});

/** The public preview; the body may be flat or wrapped in `{ invite }`. */
export async function getInvitePreview(code: string, signal?: AbortSignal): Promise<InvitePreview> {
  const raw = await api.get<unknown>(`/v1/invites/${encodeURIComponent(code)}`, { signal });
  const inner = raw && typeof raw === 'object' && 'invite' in raw ? (raw as { invite: unknown }).invite : raw;
  const p = PreviewBody.parse(inner);
  return {
    householdId: p.householdId ?? p.household?.id,
    householdName: p.householdName ?? p.household?.name ?? 'a household',
    role: p.role ?? 'member',
    valid: p.valid ?? (p.status === undefined || p.status === 'active'),
    reason: p.reason ?? (p.status && p.status !== 'active' ? p.status : undefined),
  };
}

const Redeemed = z.object({
  householdId: z.optional(z.string()),
  household: z.optional(z.object({ id: z.string() })),
  membership: z.optional(z.object({ householdId: z.optional(z.string()) })),
});

/** Redeems an invite and answers the household it joined (when the server says which). */
export async function redeemInvite(code: string): Promise<string | undefined> {
  const r = await api.post(`/v1/invites/${encodeURIComponent(code)}/redeem`, {}, { schema: Redeemed });
  return r.householdId ?? r.household?.id ?? r.membership?.householdId;
}

// ---------------------------------------------------------------------------------------------
// Audit

export const AuditEntry = z.object({
  id: z.string(),
  at: time,
  actor: z.optional(z.unknown()),
  actorId: z.optional(z.string()),
  action: z.string(),
  target: z.optional(z.unknown()),
  before: z.optional(z.unknown()),
  after: z.optional(z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const getAudit = (hid: string, cursor: string | undefined, signal?: AbortSignal) =>
  api.get(`${hh(hid)}/audit${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`, {
    schema: z.object({ entries: z.array(AuditEntry), cursor: z.nullish(z.string()) }),
    signal,
  });

/** "Olivia" for `{ name }`, the id for a bare string, `system` for background work. */
export function describeActor(e: AuditEntry): string {
  const a = e.actor;
  if (typeof a === 'string') return a;
  if (a && typeof a === 'object') {
    const o = a as { name?: unknown; id?: unknown };
    if (typeof o.name === 'string') return o.name;
    if (typeof o.id === 'string') return o.id;
  }
  return e.actorId ?? 'unknown';
}

// ---------------------------------------------------------------------------------------------
// Realtime

export const getRealtimeTicket = (hid: string) =>
  api.post(
    `${hh(hid)}/realtime/ticket`,
    {},
    {
      schema: z.object({ ticket: z.string(), expiresAt: z.optional(time), url: z.string() }),
    },
  );
