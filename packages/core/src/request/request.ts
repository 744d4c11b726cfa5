/**
 * Requests through Overseerr as the member, MediaNest's quotas around them, and the portal's
 * request lists and admin decisions. Keys and access patterns are in keys.ts; status changes go
 * through transition.ts.
 *
 * Order of a new request: permissions → the member's Overseerr user → quota reserved → Overseerr
 * → record written. A refusal after the reservation gives the quota back; a refusal is always a
 * typed error whose message a member can act on (who already requested it, which limit, what
 * Overseerr said).
 */
import { z } from 'zod';
import { fn } from '../actor/fn.ts';
import { newUlid, UserId } from '../actor/id.ts';
import { AppError } from '../error/index.ts';
import { type Access, requireAccess } from '../household/access.ts';
import type { OverseerrClient, OverseerrRequest } from '../integration/client/overseerr.ts';
import { MediaRequestStatus, MediaStatus } from '../integration/client/overseerr.ts';
import { membersOf, notify } from '../notification/notify.ts';
import { metrics } from '../observability/metrics.ts';
import { notExists, TransactionCanceledError, type TransactOp } from '../port/table.ts';
import * as Quota from '../quota/quota.ts';
import * as User from '../user/user.ts';
import { overseerrClient, type RequestDeps } from './deps.ts';
import { ENTITY_VERSION, keys, type PointerItem, RequestId, type RequestItem, Status } from './keys.ts';
import { NoOverseerrAccountError, overseerrUserFor } from './overseerr-user.ts';
import { titleInfo } from './title.ts';
import { transition } from './transition.ts';

const TMDB_IMAGE = 'https://image.tmdb.org/t/p/w342';

// ---------------------------------------------------------------------------------------------
// Schemas

export const MediaType = z.enum(['movie', 'tv']);

export const TimelineEntry = z.object({
  at: z.number().int(),
  status: Status,
  by: z.string().nullable(),
  note: z.string().nullable(),
});

export const Info = z.object({
  id: RequestId,
  overseerrRequestId: z.number().int(),
  mediaType: MediaType,
  tmdbId: z.number().int(),
  tvdbId: z.number().int().nullable(),
  title: z.string(),
  year: z.number().int().nullable(),
  posterUrl: z.string().nullable(),
  seasons: z.union([z.array(z.number().int()), z.literal('all')]).nullable(),
  is4k: z.boolean(),
  status: Status,
  requestedBy: UserId,
  reason: z.string().nullable(),
  decidedBy: z.string().nullable(),
  timeline: z.array(TimelineEntry),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type Info = z.infer<typeof Info>;

export function toInfo(r: RequestItem): Info {
  return {
    id: r.id,
    overseerrRequestId: r.overseerrRequestId,
    mediaType: r.mediaType,
    tmdbId: r.tmdbId,
    tvdbId: r.tvdbId,
    title: r.title,
    year: r.year,
    posterUrl: r.posterPath ? `${TMDB_IMAGE}${r.posterPath}` : null,
    seasons: r.seasons,
    is4k: r.is4k,
    status: r.status,
    requestedBy: r.requestedBy,
    reason: r.reason,
    decidedBy: r.decidedBy,
    timeline: r.timeline,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

// ---------------------------------------------------------------------------------------------
// Errors

export class RequestNotFoundError extends AppError {
  override name = 'RequestNotFoundError';
  constructor() {
    super('not_found', 'request.not_found', 'No such request');
  }
}

export class DuplicateRequestError extends AppError {
  override name = 'DuplicateRequestError';
  constructor(title: string, requestedBy: string[], requestId: string | null, mine: boolean) {
    super(
      'conflict',
      'request.duplicate',
      mine
        ? `You already requested ${title}`
        : requestedBy.length > 0
          ? `${title} was already requested by ${requestedBy.join(', ')}. Use "Notify me too" to hear when it is available`
          : `${title} has already been requested. Use "Notify me too" to hear when it is available`,
      { details: { requestedBy, requestId, mine, canFollow: !mine } },
    );
  }
}

export class OverseerrRefusedError extends AppError {
  override name = 'OverseerrRefusedError';
  constructor(reason: 'quota_exceeded' | 'forbidden' | 'no_seasons_left', said: string) {
    super(
      reason === 'no_seasons_left' ? 'conflict' : 'forbidden',
      `request.overseerr_${reason}`,
      reason === 'quota_exceeded'
        ? `Overseerr refused: your Overseerr request limit is used up (${said})`
        : reason === 'no_seasons_left'
          ? 'Every season you chose is already requested or available'
          : `Overseerr refused the request: ${said}`,
      { details: { overseerr: said } },
    );
  }
}

export class RequestNotPendingError extends AppError {
  override name = 'RequestNotPendingError';
  constructor(status: string) {
    super('conflict', 'request.not_pending', `Only a pending request can be changed; this one is ${status}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Status from Overseerr

/** A MediaNest status from an Overseerr request (its own status, then its media's). */
export function statusFromOverseerr(r: OverseerrRequest): Status {
  if (r.status === MediaRequestStatus.PENDING) return 'pending';
  if (r.status === MediaRequestStatus.DECLINED) return 'declined';
  if (r.status === MediaRequestStatus.FAILED) return 'failed';
  const media = r.is4k ? r.media?.status4k : r.media?.status;
  if (media === MediaStatus.AVAILABLE) return 'available';
  if (media === MediaStatus.PARTIALLY_AVAILABLE) return 'partially_available';
  if (media === MediaStatus.PROCESSING) return 'processing';
  return 'approved';
}

// ---------------------------------------------------------------------------------------------
// Creating

export const CreateInput = z
  .object({
    mediaType: MediaType,
    tmdbId: z.number().int().positive(),
    /** TV: "all" or chosen season numbers. */
    seasons: z
      .union([z.literal('all'), z.array(z.number().int().min(0).max(1000)).min(1).max(200)])
      .optional(),
    is4k: z.boolean().default(false),
  })
  .refine((i) => i.mediaType === 'tv' || i.seasons === undefined, {
    error: 'seasons are for TV requests only',
    path: ['seasons'],
  })
  .refine((i) => i.mediaType === 'movie' || i.seasons !== undefined, {
    error: 'choose "all" or at least one season',
    path: ['seasons'],
  });

/** Names of the household members who requested a title (MediaNest's records, else Overseerr's). */
async function requestersOf(
  deps: RequestDeps,
  client: OverseerrClient,
  householdId: string,
  mediaType: 'movie' | 'tv',
  tmdbId: number,
): Promise<{ names: string[]; userIds: string[]; requestId: string | null }> {
  const page = await deps.table.query<RequestItem>({
    index: 'gsi2',
    pk: keys.byTitle(householdId, mediaType, tmdbId),
    forward: false,
    limit: 20,
  });
  const live = page.items.filter((r) => !['declined', 'cancelled', 'failed'].includes(r.status));
  if (live.length > 0) {
    const users = await User.getMany(
      deps,
      live.map((r) => r.requestedBy),
    );
    return {
      names: users.map((u) => u.name),
      userIds: live.map((r) => r.requestedBy),
      requestId: live[0]?.id ?? null,
    };
  }
  try {
    const details = await titleInfo(client, mediaType, tmdbId);
    const names = (details.mediaInfo?.requests ?? [])
      .map((r) => {
        const by = (r as { requestedBy?: { displayName?: string; plexUsername?: string; username?: string } })
          .requestedBy;
        return by?.displayName ?? by?.plexUsername ?? by?.username;
      })
      .filter((n): n is string => typeof n === 'string' && n.length > 0);
    return { names: [...new Set(names)], userIds: [], requestId: null };
  } catch {
    // The explanation is a courtesy: without it the member still learns it is a duplicate.
    return { names: [], userIds: [], requestId: null };
  }
}

export const create = fn(CreateInput, async (deps: RequestDeps, input): Promise<Info> => {
  const access = await requireAccess(deps, { permission: 'request' });
  if (input.is4k && !access.permissions.includes('request_4k')) {
    throw new AppError(
      'forbidden',
      'household.forbidden',
      'You need the request_4k permission to request 4K',
    );
  }
  const client = await overseerrClient(deps, access.householdId);
  const overseerrUserId = await overseerrUserFor(deps, client, access);
  // Title details first: the record needs a name, and a wrong id fails before any quota is taken.
  const t = await titleInfo(client, input.mediaType, input.tmdbId);
  const { title, year, tvdbId } = t;

  const reservation = await Quota.reserve(deps, { householdId: access.householdId, userId: access.userId });
  let created: OverseerrRequest;
  try {
    const result = await client.createRequest(
      {
        mediaType: input.mediaType,
        mediaId: input.tmdbId,
        ...(tvdbId !== null ? { tvdbId } : {}),
        ...(input.mediaType === 'tv' ? { seasons: input.seasons ?? 'all' } : {}),
        ...(input.is4k ? { is4k: true } : {}),
      },
      { asUser: overseerrUserId },
    );
    if (!result.ok) {
      if (result.reason === 'duplicate') {
        const who = await requestersOf(deps, client, access.householdId, input.mediaType, input.tmdbId);
        throw new DuplicateRequestError(
          year ? `${title} (${year})` : title,
          who.names,
          who.requestId,
          who.userIds.includes(access.userId),
        );
      }
      throw new OverseerrRefusedError(result.reason, result.message);
    }
    created = result.request;
  } catch (err) {
    await Quota.release(deps, reservation);
    throw err;
  }

  const now = deps.clock.now();
  const ulid = newUlid(now);
  const status = statusFromOverseerr(created);
  const item: RequestItem = {
    ...keys.request(access.householdId, ulid),
    type: 'request',
    v: ENTITY_VERSION,
    rev: 1,
    id: `req_${ulid}`,
    householdId: access.householdId,
    overseerrRequestId: created.id,
    mediaType: input.mediaType,
    tmdbId: input.tmdbId,
    tvdbId,
    title,
    year,
    posterPath: t.posterPath,
    seasons: input.mediaType === 'tv' ? (input.seasons ?? 'all') : null,
    is4k: input.is4k,
    status,
    requestedBy: access.userId,
    overseerrUserId,
    reason: null,
    decidedBy: null,
    quota: reservation.counters,
    timeline: [
      { at: now, status: 'pending', by: access.userId, note: null },
      ...(status !== 'pending'
        ? [
            {
              at: now,
              status,
              by: 'overseerr',
              note: status === 'approved' ? 'Approved automatically' : null,
            },
          ]
        : []),
    ],
    createdAt: now,
    updatedAt: now,
    gsi1pk: keys.byUser(access.householdId, access.userId),
    gsi1sk: `REQ#${ulid}`,
    gsi2pk: keys.byTitle(access.householdId, input.mediaType, input.tmdbId),
    gsi2sk: `REQ#${ulid}`,
  };
  const pointer: PointerItem = {
    ...keys.pointer(access.householdId, created.id),
    type: 'request_pointer',
    requestSk: item.sk,
  };
  await deps.table.transact([
    { put: item, condition: notExists },
    { put: pointer, condition: notExists },
  ]);

  try {
    // The admins' queue page follows new requests live.
    await deps.realtime.publish(
      { householdId: access.householdId },
      { type: 'request.created', data: { requestId: item.id, status } },
    );
  } catch (error) {
    deps.logger?.warn('Could not push a new request', { requestId: item.id, error });
  }
  if (status === 'pending') {
    const requester = await User.get(deps, access.userId);
    const name = year ? `${title} (${year})` : title;
    const admins = (await membersOf(deps, access.householdId, 'manage_requests')).filter(
      (u) => u !== access.userId,
    );
    if (admins.length > 0) {
      await notify(deps, {
        householdId: access.householdId,
        event: 'request.new',
        recipients: admins,
        title: `New request: ${name}`,
        body: `${requester.name} requested ${name}${input.is4k ? ' in 4K' : ''}.`,
        link: `/requests/${item.id}`,
        data: { requestId: item.id },
        dedupKey: `request.new:${item.id}`,
      });
    }
  }
  metrics().mediaRequest({ action: 'created', householdId: access.householdId });
  return toInfo(item);
});

// ---------------------------------------------------------------------------------------------
// Reading

export const ListInput = z.object({
  status: z.union([Status, z.array(Status).min(1)]).optional(),
  mediaType: MediaType.optional(),
  /** All-requests view only: one member's requests. */
  requestedBy: UserId.optional(),
  limit: z.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2000).optional(),
});
type ListQuery = z.output<typeof ListInput>;

export interface RequestPage {
  requests: Info[];
  cursor?: string;
}

async function page(
  deps: RequestDeps,
  householdId: string,
  q: ListQuery,
  userId?: string,
): Promise<RequestPage> {
  const statuses =
    q.status === undefined ? undefined : new Set(Array.isArray(q.status) ? q.status : [q.status]);
  const out: Info[] = [];
  let cursor = q.cursor;
  // Filters apply after reading; a bounded number of reads per call keeps one page cheap.
  for (let reads = 0; reads < 10 && out.length < q.limit; reads++) {
    const res = await deps.table.query<RequestItem>({
      ...(userId
        ? { index: 'gsi1' as const, pk: keys.byUser(householdId, userId) }
        : { pk: `H#${householdId}`, sk: { beginsWith: 'REQ#' } }),
      forward: false,
      limit: q.limit - out.length,
      ...(cursor ? { cursor } : {}),
    });
    for (const r of res.items) {
      if (statuses && !statuses.has(r.status)) continue;
      if (q.mediaType && r.mediaType !== q.mediaType) continue;
      out.push(toInfo(r));
    }
    cursor = res.cursor;
    if (!cursor) break;
  }
  return cursor ? { requests: out, cursor } : { requests: out };
}

/** The caller's own requests, newest first. */
export const listMine = fn(ListInput.omit({ requestedBy: true }), async (deps: RequestDeps, q) => {
  const access = await requireAccess(deps);
  return page(deps, access.householdId, { ...q }, access.userId);
});

/** Every request in the household (manage_requests), newest first. */
export const listAll = fn(ListInput, async (deps: RequestDeps, q) => {
  const access = await requireAccess(deps, { permission: 'manage_requests' });
  return page(deps, access.householdId, q, q.requestedBy);
});

export const GetInput = z.object({ id: RequestId });

async function load(deps: RequestDeps, access: Access, id: string): Promise<RequestItem> {
  const r = await deps.table.get<RequestItem>(keys.request(access.householdId, id.slice(4)));
  if (!r) throw new RequestNotFoundError();
  // Another member's request does not exist for a member without manage_requests.
  if (r.requestedBy !== access.userId && !access.permissions.includes('manage_requests')) {
    throw new RequestNotFoundError();
  }
  return r;
}

/** One request with its timeline (the requester, or anyone with manage_requests). */
export const get = fn(GetInput, async (deps: RequestDeps, { id }): Promise<Info> => {
  const access = await requireAccess(deps);
  return toInfo(await load(deps, access, id));
});

// ---------------------------------------------------------------------------------------------
// Cancelling and deciding

/** Cancels a pending request (its requester, or anyone with manage_requests); the quota is given back. */
export const cancel = fn(GetInput, async (deps: RequestDeps, { id }): Promise<Info> => {
  const access = await requireAccess(deps);
  const r = await load(deps, access, id);
  if (r.status !== 'pending') throw new RequestNotPendingError(r.status);
  const client = await overseerrClient(deps, access.householdId);
  // The requester cancels as themselves (Overseerr checks it is theirs); an admin with the key.
  await client.deleteRequest(
    r.overseerrRequestId,
    r.requestedBy === access.userId ? { asUser: r.overseerrUserId } : {},
  );
  const out = await transition(deps, {
    householdId: access.householdId,
    key: { pk: r.pk, sk: r.sk },
    to: 'cancelled',
    by: access.userId,
    dedupKey: `cancel:${r.id}`,
  });
  if (out.kind === 'missing' || out.kind === 'duplicate') throw new RequestNotFoundError();
  return toInfo(out.request);
});

export const DecideInput = z.object({
  id: RequestId,
  reason: z.string().trim().max(500).optional(),
});

async function decide(
  deps: RequestDeps,
  input: z.output<typeof DecideInput>,
  verdict: 'approved' | 'declined',
): Promise<Info> {
  const access = await requireAccess(deps, { permission: 'manage_requests' });
  const r = await load(deps, access, input.id);
  if (r.status === verdict) return toInfo(r);
  if (r.status !== 'pending') throw new RequestNotPendingError(r.status);
  const client = await overseerrClient(deps, access.householdId);
  // Act as the admin's own Overseerr user when they have one (so Overseerr shows who decided).
  let asUser: number | undefined;
  try {
    asUser = await overseerrUserFor(deps, client, access);
  } catch (err) {
    if (!(err instanceof NoOverseerrAccountError)) throw err;
  }
  const now = deps.clock.now();
  const reason = input.reason && input.reason.length > 0 ? input.reason : null;
  const decision: TransactOp = {
    update: { pk: r.pk, sk: r.sk },
    spec: {
      set: { decision: { status: verdict, by: access.userId, reason, at: now } },
      add: { rev: 1 },
      condition: {
        and: [
          { attr: 'rev', op: '=', value: r.rev },
          { attr: 'status', op: '=', value: 'pending' },
        ],
      },
    },
  };
  try {
    await deps.table.transact([decision]);
  } catch (err) {
    if (!(err instanceof TransactionCanceledError)) throw err;
    // Someone else moved it first: report where it is now.
    const now2 = await load(deps, access, input.id);
    if (now2.status === verdict) return toInfo(now2);
    throw new RequestNotPendingError(now2.status);
  }
  try {
    if (verdict === 'approved') await client.approveRequest(r.overseerrRequestId, asUser ? { asUser } : {});
    else await client.declineRequest(r.overseerrRequestId, asUser ? { asUser } : {});
  } catch (err) {
    await deps.table.update({ pk: r.pk, sk: r.sk }, { remove: ['decision'], add: { rev: 1 } });
    throw err;
  }
  const out = await transition(deps, {
    householdId: access.householdId,
    key: { pk: r.pk, sk: r.sk },
    to: verdict,
    by: access.userId,
    note: reason,
    set: { reason, decidedBy: access.userId },
    dedupKey: `${verdict}:${r.id}`,
  });
  if (out.kind === 'missing' || out.kind === 'duplicate') throw new RequestNotFoundError();
  metrics().mediaRequest({ action: verdict, householdId: out.request.householdId });
  return toInfo(out.request);
}

/** Approves a pending request in Overseerr (manage_requests); the requester is told. */
export const approve = fn(DecideInput, (deps: RequestDeps, input) => decide(deps, input, 'approved'));

/** Declines a pending request in Overseerr with an optional reason the requester reads; quota given back. */
export const decline = fn(DecideInput, (deps: RequestDeps, input) => decide(deps, input, 'declined'));

// ---------------------------------------------------------------------------------------------
// Catching up

/**
 * Re-reads a request from Overseerr and applies what it says: the way back in step after a
 * webhook that never arrived (MediaNest was down, the header was rotated). A request Overseerr no
 * longer has is recorded as cancelled. The requester, or anyone with manage_requests.
 */
export const refresh = fn(GetInput, async (deps: RequestDeps, { id }): Promise<Info> => {
  const access = await requireAccess(deps);
  const r = await load(deps, access, id);
  const client = await overseerrClient(deps, access.householdId);
  const os = await client.request(r.overseerrRequestId);
  const to = os ? statusFromOverseerr(os) : 'cancelled';
  const out = await transition(deps, {
    householdId: access.householdId,
    key: { pk: r.pk, sk: r.sk },
    to,
    by: 'overseerr',
    note: os ? null : 'No longer in Overseerr',
    dedupKey: `refresh:${r.id}:${to}`,
  });
  if (out.kind === 'missing' || out.kind === 'duplicate') throw new RequestNotFoundError();
  return toInfo(out.request);
});
