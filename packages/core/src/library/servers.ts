/**
 * A member's view of the household's Plex servers: a client per server carrying the right token
 * (the household's for the owner, the friend's own server token otherwise) and the sections the
 * member may see. Every library operation starts here, through the caller's membership.
 */
import { type Access, requireAccess } from '../household/access.ts';
import { type HouseholdItem, keys as householdKeys } from '../household/keys.ts';
import { createPlexServerClient, type PlexServerClient } from '../integration/client/plex-server.ts';
import * as User from '../user/user.ts';
import { interactiveHttp } from './deadline.ts';
import {
  CLIENT_IDENTIFIER,
  DEFAULT_SYNC_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  type LibraryDeps,
  type PlexServerConnection,
} from './deps.ts';
import { LibraryNotFoundError, ServerNotConnectedError, serverFailure } from './errors.ts';
import { forgetShares, sharesOf } from './sharing.ts';

export type Visible = 'all' | ReadonlySet<string>;

export interface ServerView {
  id: string;
  name: string;
  /** Acts with the member's token: what the member may see, with their watched state. */
  client: PlexServerClient;
  /** Acts with the household token (images, the index). */
  householdClient: PlexServerClient;
  visible: Visible;
  /** Whether `client` uses a friend's share token (a 401 then means the share changed). */
  viaShare: boolean;
}

export interface MemberView {
  householdId: string;
  access: Access;
  /** Every household server, including those where the member sees nothing. */
  servers: ServerView[];
}

export const canSee = (visible: Visible, sectionKey: string | number | undefined): boolean =>
  visible === 'all' || (sectionKey !== undefined && visible.has(String(sectionKey)));

export function plexClient(
  deps: LibraryDeps,
  hh: string,
  conn: PlexServerConnection,
  token: string,
  purpose: 'browse' | 'sync' = 'browse',
): PlexServerClient {
  return createPlexServerClient({
    baseUrl: conn.baseUrl,
    token,
    // The sync runs in the background with its own patience (and every retry); a member does not.
    http: purpose === 'sync' ? deps.http : interactiveHttp(deps),
    integrationKey: `${hh}:plex:${conn.machineIdentifier}`,
    timeoutMs:
      purpose === 'sync'
        ? (deps.syncTimeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS)
        : (deps.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    clientIdentifier: deps.clientIdentifier ?? CLIENT_IDENTIFIER,
  });
}

/** The household's servers (for the owner-side work: sync, images). */
export async function householdServers(deps: LibraryDeps, hh: string): Promise<PlexServerConnection[]> {
  return deps.servers.list(hh);
}

/** The caller's view; any active member may browse. */
export async function memberView(
  deps: LibraryDeps,
  options: { refresh?: boolean } = {},
): Promise<MemberView> {
  const access = await requireAccess(deps);
  const hh = access.householdId;
  const [household, conns] = await Promise.all([
    deps.table.get<HouseholdItem>(householdKeys.household(hh)),
    deps.servers.list(hh),
  ]);
  if (!household) throw new LibraryNotFoundError('No such household');
  const [me, owner] = await Promise.all([
    User.get(deps, access.userId),
    household.ownerId === access.userId ? undefined : User.get(deps, household.ownerId),
  ]);
  const isPlexOwner =
    household.ownerId === access.userId ||
    (me.plexAccountId !== null && owner !== undefined && owner.plexAccountId === me.plexAccountId);
  const ownerToken = () => User.getPlexToken(deps, household.ownerId);
  const servers = await Promise.all(
    conns.map(async (conn): Promise<ServerView> => {
      const householdClient = plexClient(deps, hh, conn, conn.token);
      const base = { id: conn.machineIdentifier, name: conn.name, householdClient };
      if (isPlexOwner) return { ...base, client: householdClient, visible: 'all', viaShare: false };
      if (me.plexAccountId === null) {
        return { ...base, client: householdClient, visible: new Set<string>(), viaShare: false };
      }
      const shares = await sharesOf(deps, hh, conn.machineIdentifier, ownerToken, options);
      const mine = shares[String(me.plexAccountId)];
      if (!mine) return { ...base, client: householdClient, visible: new Set<string>(), viaShare: false };
      return {
        ...base,
        client: mine.token ? plexClient(deps, hh, conn, mine.token) : householdClient,
        visible: mine.all ? 'all' : new Set(mine.sections),
        viaShare: Boolean(mine.token),
      };
    }),
  );
  return { householdId: hh, access, servers };
}

export function serverOf(view: MemberView, serverId: string | undefined): ServerView {
  if (view.servers.length === 0) throw new ServerNotConnectedError();
  const server = serverId === undefined ? view.servers[0] : view.servers.find((s) => s.id === serverId);
  if (!server) throw new LibraryNotFoundError('No such Plex server in this household');
  return server;
}

/** Runs a call against one server, turning transport and Plex failures into typed library errors. */
export async function onServer<T>(
  deps: LibraryDeps,
  view: MemberView,
  server: ServerView,
  call: (client: PlexServerClient) => Promise<T>,
  client: PlexServerClient = server.client,
): Promise<T> {
  try {
    return await call(client);
  } catch (err) {
    const mapped = serverFailure(err, server.name, server.id);
    if (
      server.viaShare &&
      client === server.client &&
      (err as { code?: string }).code === 'integration.unauthorized'
    ) {
      // The friend's share token was replaced or revoked on plex.tv: read the sharing afresh next time.
      await forgetShares(deps, view.householdId, server.id);
    }
    throw mapped;
  }
}
