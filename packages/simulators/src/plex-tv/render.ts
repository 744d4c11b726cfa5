/**
 * plex.tv response bodies, field by field as PROTOCOLS.md §1 documents them (SPEC `UserPlexAccount`,
 * `PlexDevice`, the pin example; OS's legacy account.json; PA's XML parsers).
 */
import { createHash } from 'node:crypto';
import type { Account, Server } from '../scenario/index.ts';
import type { Pin, PlexTvState, ResolvedShare } from './state.ts';
import { el, type XmlElement } from './xml.ts';

/** plex.tv writes timestamps without milliseconds. */
export const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const epoch = (ms: number): number => Math.floor(ms / 1000);

export const errorBody = (code: number, message: string, status: number) => ({
  errors: [{ code, message, status }],
});

export const ERR_CLIENT_ID = errorBody(1000, 'X-Plex-Client-Identifier is missing', 400);
export const ERR_UNAUTHORIZED = errorBody(1001, 'User could not be authenticated', 401);
export const ERR_PIN_NOT_FOUND = errorBody(1020, 'Code not found or expired', 404);

const LOCATION = {
  code: 'US',
  european_union_member: false,
  continent_code: 'NA',
  country: 'United States',
  city: 'Loopback',
  time_zone: 'America/New_York',
  postal_code: '00000',
  in_privacy_restricted_country: false,
  in_privacy_restricted_region: false,
  subdivisions: 'Simulated',
  coordinates: '0.0000, 0.0000',
};

export function pinJson(pin: Pin, baseUrl: string, now: number) {
  return {
    id: pin.id,
    code: pin.code,
    product: pin.product ?? 'Plex Web',
    trusted: false,
    qr: `${baseUrl}/api/v2/pins/qr/${pin.code}`,
    clientIdentifier: pin.clientIdentifier,
    location: LOCATION,
    expiresIn: Math.max(0, Math.ceil((pin.expiresAt - now) / 1000)),
    createdAt: iso(pin.createdAt),
    expiresAt: iso(pin.expiresAt),
    authToken: pin.authToken,
    newRegistration: null,
  };
}

export function userJson(state: PlexTvState, a: Account) {
  const home = state.homeOf(a.id);
  return {
    id: a.id,
    uuid: a.uuid,
    username: a.username,
    title: a.title,
    email: a.email,
    friendlyName: a.friendlyName ?? a.title,
    locale: a.locale,
    confirmed: a.confirmed,
    joinedAt: a.joinedAt,
    emailOnlyAuth: !a.hasPassword,
    hasPassword: a.hasPassword,
    protected: a.protected,
    thumb: a.thumb ?? `https://plex.tv/users/${a.uuid}/avatar?c=${a.joinedAt}`,
    authToken: a.authToken,
    mailingListStatus: 'active',
    mailingListActive: false,
    scrobbleTypes: '',
    country: a.country,
    subscription: {
      active: a.subscription.active,
      subscribedAt: a.subscription.active ? iso(a.joinedAt * 1000) : null,
      status: a.subscription.status,
      paymentService: a.subscription.active ? 'braintree' : null,
      plan: a.subscription.plan,
      features: a.subscription.features,
    },
    subscriptionDescription: a.subscription.active ? 'Plex Pass' : null,
    restricted: a.restricted,
    anonymous: null,
    home: home !== undefined,
    guest: a.guest,
    homeSize: home ? 1 + home.memberIds.filter((m) => m !== home.adminId).length : 0,
    homeAdmin: home?.adminId === a.id,
    maxHomeSize: home?.maxHomeSize ?? 15,
    rememberExpiresAt: epoch(state.clock()) + 14 * 24 * 3600,
    profile: {
      autoSelectAudio: true,
      defaultAudioLanguage: null,
      defaultSubtitleLanguage: null,
      autoSelectSubtitle: 0,
      defaultSubtitleAccessibility: 0,
      defaultSubtitleForced: 1,
      watchedIndicator: 1,
      mediaReviewsVisibility: 0,
    },
    entitlements: a.entitlements,
    roles: a.roles,
    services: [],
    adsConsent: null,
    adsConsentSetAt: null,
    adsConsentReminderAt: null,
    experimentalFeatures: false,
    twoFactorEnabled: a.twoFactorEnabled,
    backupCodesCreated: false,
  };
}

/** OS `server/api/plextv.ts` reads `GET /users/account.json` → `{ user: … }`. */
export function legacyAccountJson(a: Account) {
  return {
    user: {
      id: a.id,
      uuid: a.uuid,
      email: a.email,
      joined_at: new Date(a.joinedAt * 1000)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d{3}Z$/, ' UTC'),
      username: a.username,
      title: a.title,
      thumb: a.thumb ?? `https://plex.tv/users/${a.uuid}/avatar?c=${a.joinedAt}`,
      hasPassword: a.hasPassword,
      authToken: a.authToken,
      authentication_token: a.authToken,
      subscription: {
        active: a.subscription.active,
        status: a.subscription.status,
        plan: a.subscription.plan,
        features: a.subscription.features,
      },
      roles: { roles: a.roles },
      entitlements: a.entitlements,
      confirmedAt: iso(a.joinedAt * 1000),
      forumId: null,
    },
  };
}

interface Connection {
  protocol: 'http' | 'https';
  address: string;
  port: number;
  uri: string;
  local: boolean;
  relay: boolean;
  IPv6: boolean;
}

/**
 * Every simulated server is on loopback, so all its connections point at the same URL; they
 * still come as local, remote and relay entries so clients exercise PA's preference order
 * (and its rule of skipping `local` connections on servers the user does not own).
 */
function connections(server: Server, includeRelay: boolean): Connection[] {
  if (!server.url) return [];
  const u = new URL(server.url);
  const protocol = u.protocol === 'https:' ? 'https' : 'http';
  const port = Number(u.port || (protocol === 'https' ? 443 : 80));
  const base = {
    protocol,
    address: u.hostname,
    port,
    uri: server.url.replace(/\/$/, ''),
    IPv6: false,
  } as const;
  const list: Connection[] = [
    { ...base, local: true, relay: false },
    { ...base, local: false, relay: false },
  ];
  if (includeRelay) list.push({ ...base, local: false, relay: true });
  return list;
}

const deviceId = (seed: string): string => createHash('sha1').update(seed).digest('hex');

export interface ResourceOptions {
  includeRelay: boolean;
}

/** `GET /api/v2/resources`: owned and shared servers, plus the account's own player device. */
export function resourcesJson(state: PlexTvState, a: Account, opts: ResourceOptions) {
  const now = iso(state.clock());
  const myHome = state.homeOf(a.id);
  const out: Record<string, unknown>[] = [];
  const add = (server: Server, share: ResolvedShare | undefined) => {
    const owner = state.account(server.ownerId);
    const owned = share === undefined;
    out.push({
      name: server.name,
      product: 'Plex Media Server',
      productVersion: server.version,
      platform: 'Linux',
      platformVersion: '6.1.0',
      device: 'PC',
      clientIdentifier: server.machineIdentifier,
      createdAt: iso(server.createdAt * 1000),
      lastSeenAt: now,
      provides: 'server',
      ownerId: owned ? null : server.ownerId,
      sourceTitle: owned ? null : (owner?.title ?? null),
      publicAddress: server.url ? new URL(server.url).hostname : '',
      accessToken: owned ? a.authToken : share.accessToken,
      owned,
      home: owned || (myHome !== undefined && myHome === state.homeOf(server.ownerId)),
      synced: false,
      relay: true,
      presence: server.url !== null,
      httpsRequired: false,
      publicAddressMatches: true,
      dnsRebindingProtection: false,
      natLoopbackSupported: false,
      connections: connections(server, opts.includeRelay),
    });
  };
  for (const server of state.servers()) if (server.ownerId === a.id) add(server, undefined);
  for (const share of state.sharesOf(a.id)) {
    const server = state.server(share.serverId);
    if (server && !share.pending) add(server, share);
  }
  // A non-server device, so clients must filter on `provides` as PA does.
  out.push({
    name: `${a.title}'s Phone`,
    product: 'Plex for iOS',
    productVersion: '8.30',
    platform: 'iOS',
    platformVersion: '17.5',
    device: 'iPhone',
    clientIdentifier: deviceId(`player:${a.uuid}`),
    createdAt: iso(a.joinedAt * 1000),
    lastSeenAt: now,
    provides: 'client,player,pubsub-player',
    ownerId: null,
    sourceTitle: null,
    publicAddress: '127.0.0.1',
    accessToken: a.authToken,
    owned: true,
    home: false,
    synced: false,
    relay: false,
    presence: false,
    httpsRequired: false,
    publicAddressMatches: true,
    dnsRebindingProtection: false,
    natLoopbackSupported: false,
    connections: [],
  });
  return out;
}

/** The older XML `GET /api/resources` (OS `getDevices`): "1"/"0" booleans and epoch timestamps. */
export function resourcesXml(state: PlexTvState, a: Account, opts: ResourceOptions): XmlElement {
  const devices = resourcesJson(state, a, opts).map((d) => {
    const conns = (d.connections as Connection[]).map((c) =>
      el('Connection', {
        protocol: c.protocol,
        address: c.address,
        port: c.port,
        uri: c.uri,
        local: c.local,
      }),
    );
    const { connections: _c, createdAt, lastSeenAt, ...attrs } = d;
    return el(
      'Device',
      {
        ...(attrs as Record<string, string | number | boolean | null>),
        createdAt: epoch(Date.parse(createdAt as string)),
        lastSeenAt: epoch(Date.parse(lastSeenAt as string)),
      },
      conns,
    );
  });
  return el('MediaContainer', { size: devices.length }, devices);
}

const MYPLEX = { friendlyName: 'myPlex', identifier: 'com.plexapp.plugins.myplex' };

/** `GET /api/users` (XML): the caller's friends — accounts their servers are shared with. */
export function friendsXml(state: PlexTvState, a: Account): XmlElement {
  const owned = state.servers().filter((s) => s.ownerId === a.id);
  const byAccount = new Map<number, { share: ResolvedShare; server: Server }[]>();
  for (const server of owned) {
    for (const share of state.sharesOn(server.machineIdentifier)) {
      const list = byAccount.get(share.accountId) ?? [];
      list.push({ share, server });
      byAccount.set(share.accountId, list);
    }
  }
  const users: XmlElement[] = [];
  for (const [accountId, list] of byAccount) {
    const f = state.account(accountId);
    if (!f) continue;
    const home = state.homeOf(a.id);
    users.push(
      el(
        'User',
        {
          id: f.id,
          title: f.title,
          username: f.username,
          email: f.email,
          recommendationsPlaylistId: '',
          thumb: f.thumb ?? `https://plex.tv/users/${f.uuid}/avatar?c=${f.joinedAt}`,
          protected: f.protected,
          home: home?.memberIds.includes(f.id) ?? false,
          allowTuners: 0,
          allowSync: false,
          allowCameraUpload: false,
          allowChannels: false,
          allowSubtitleAdmin: false,
          filterAll: '',
          filterMovies: '',
          filterMusic: '',
          filterPhotos: '',
          filterTelevision: '',
          restricted: f.restricted,
        },
        list.map(({ share, server }) =>
          el('Server', {
            id: serverShareId(share),
            serverId: serverNumericId(server),
            machineIdentifier: server.machineIdentifier,
            name: server.name,
            lastSeenAt: epoch(state.clock()),
            numLibraries: share.sectionKeys.length || server.sections.length,
            allLibraries: share.sectionKeys.length === 0,
            owned: false,
            pending: share.pending,
          }),
        ),
      ),
    );
  }
  return el('MediaContainer', { ...MYPLEX, machineIdentifier: '', size: users.length }, users);
}

const numericId = (seed: string, mod: number): number =>
  1 + (Number.parseInt(createHash('sha1').update(seed).digest('hex').slice(0, 8), 16) % mod);
const serverNumericId = (s: Server): number => numericId(`server:${s.machineIdentifier}`, 90_000_000);
const serverShareId = (s: ResolvedShare): number =>
  numericId(`share:${s.serverId}:${s.accountId}`, 900_000_000);

/** `GET /api/servers/{machineId}/shared_servers` (XML; PA `MyPlexUser.get_token` reads `userID`, `accessToken`). */
export function sharedServersXml(state: PlexTvState, server: Server): XmlElement {
  const items = state.sharesOn(server.machineIdentifier).flatMap((share) => {
    const f = state.account(share.accountId);
    if (!f) return [];
    const sections = server.sections.map((sec) =>
      el('Section', {
        id: numericId(`section:${server.machineIdentifier}:${sec.key}`, 90_000_000),
        key: sec.key,
        title: sec.title,
        type: sec.type,
        shared: share.sectionKeys.length === 0 || share.sectionKeys.includes(sec.key),
      }),
    );
    return [
      el(
        'SharedServer',
        {
          id: serverShareId(share),
          username: f.username,
          email: f.email,
          userID: f.id,
          accessToken: share.accessToken,
          name: server.name,
          acceptedAt: share.pending ? 0 : server.createdAt,
          invitedAt: server.createdAt,
          allowSync: false,
          allowCameraUpload: false,
          allowChannels: false,
          allowTuners: 0,
          allowSubtitleAdmin: false,
          owned: false,
          allLibraries: share.sectionKeys.length === 0,
          filterAll: '',
          filterMovies: '',
          filterMusic: '',
          filterPhotos: '',
          filterTelevision: '',
        },
        sections,
      ),
    ];
  });
  return el(
    'MediaContainer',
    { ...MYPLEX, machineIdentifier: server.machineIdentifier, size: items.length },
    items,
  );
}

/** `GET /api/home/users` (XML): the members of the caller's Plex Home. */
export function homeUsersXml(state: PlexTvState, a: Account): XmlElement {
  const home = state.homeOf(a.id);
  const ids = home ? [home.adminId, ...home.memberIds.filter((m) => m !== home.adminId)] : [];
  const users = ids.flatMap((id) => {
    const m = state.account(id);
    if (!m) return [];
    return [
      el('User', {
        id: m.id,
        uuid: m.uuid,
        admin: home?.adminId === m.id,
        guest: m.guest,
        restricted: m.restricted,
        protected: m.protected,
        title: m.title,
        username: m.username,
        email: m.email,
        thumb: m.thumb ?? `https://plex.tv/users/${m.uuid}/avatar?c=${m.joinedAt}`,
        hasPassword: m.hasPassword,
      }),
    ];
  });
  return el(
    'MediaContainer',
    { ...MYPLEX, machineIdentifier: '', totalSize: users.length, size: users.length },
    users,
  );
}
