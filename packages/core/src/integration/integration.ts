/**
 * Integration settings of a household: its Plex server(s), Overseerr/Seerr and Uptime Kuma.
 * Keys and access patterns are in keys.ts.
 *
 * Invariants:
 * - Every operation goes through the caller's membership with `manage_integrations`.
 * - Secrets go in, never out: stored as Keyring ciphertext, returned only as `••••last4`.
 * - A save runs the connection test itself and records its result; a failing test refuses the
 *   save unless `saveAnyway` (a server that is down for maintenance can still be configured),
 *   and a URL the SSRF guard refuses is never saved.
 * - The owner's Plex token is only ever sent to a URL that first answered `/identity` as the
 *   household's server. A URL that is not one of that server's plex.tv connections can only be
 *   set by the owner (an admin could otherwise point the owner's token at a host they control).
 * - Every change writes its audit entry in the same transaction, guarded by the acting
 *   membership being unchanged.
 */
import { z } from 'zod';
import type { DomainDeps } from '../actor/deps.ts';
import { fn } from '../actor/fn.ts';
import { auditOp } from '../audit/entry.ts';
import { AppError } from '../error/index.ts';
import { type Access, actorUnchanged, requireAccess } from '../household/access.ts';
import { type HouseholdItem, keys as householdKeys } from '../household/keys.ts';
import { preferredConnections } from '../plex/connections.ts';
import type { PlexTvClient } from '../plex/plex-tv-client.ts';
import type { Http } from '../port/http.ts';
import { notExists, TransactionCanceledError, type TransactOp } from '../port/table.ts';
import * as User from '../user/user.ts';
import { normaliseBaseUrl } from './client/transport.ts';
import {
  ENTITY_VERSION,
  type IntegrationItem,
  KINDS,
  type Kind,
  keys,
  MAIN,
  type MonitorSetting,
  SWEEP_INDEX_PK,
  secretContext,
  sweepIndex,
  type TestRecord,
} from './keys.ts';
import { DEFAULT_TEST_TIMEOUT_MS, type Probe, probe, type TestResult } from './probe.ts';

export interface IntegrationDeps extends DomainDeps {
  /** Outbound HTTP (SSRF guard, timeouts, breakers): `createHttp` from the composition root. */
  http: Http;
  /** plex.tv, to list a server's connections and tell a listed URL from a typed one. */
  plexTv?: PlexTvClient;
  /** Per-attempt timeout of connection tests (default 10 s). */
  testTimeoutMs?: number;
}

// ---------------------------------------------------------------------------------------------
// What leaves core

export const TestRecordSchema = z.object({
  ok: z.boolean(),
  at: z.number().int(),
  code: z.string(),
  message: z.string(),
  version: z.string().nullable(),
  latencyMs: z.number().nullable(),
});

export const MonitorSettingSchema = z.object({
  visible: z.boolean(),
  label: z.string().trim().min(1).max(80).optional(),
  attachTo: z
    .union([z.literal('overseerr'), z.string().regex(/^plex:[A-Za-z0-9]{1,128}$/)])
    .optional() as z.ZodOptional<z.ZodType<MonitorSetting['attachTo']>>,
});

export const Kind$ = z.enum(KINDS);

export const Info = z.object({
  kind: Kind$,
  id: z.string(),
  name: z.string(),
  url: z.string(),
  urlSource: z.enum(['plex_tv', 'typed']).nullable(),
  slug: z.string().nullable(),
  /** `••••abcd` when a secret is stored; the secret itself never leaves core. */
  secret: z.object({ masked: z.string() }).nullable(),
  monitors: z.record(z.string(), MonitorSettingSchema),
  monitorsVisibleByDefault: z.boolean(),
  lastTest: TestRecordSchema.nullable(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  updatedBy: z.string(),
});
export type Info = z.infer<typeof Info>;

export const mask = (last4: string | undefined): string => `••••${last4 ?? ''}`;

export function toInfo(item: IntegrationItem): Info {
  return {
    kind: item.kind,
    id: item.id,
    name: item.name,
    url: item.url,
    urlSource: item.urlSource ?? null,
    slug: item.slug ?? null,
    secret: item.secret === undefined ? null : { masked: mask(item.secretLast4) },
    monitors: item.monitors ?? {},
    monitorsVisibleByDefault: item.monitorsVisibleByDefault ?? true,
    lastTest: item.lastTest,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    updatedBy: item.updatedBy,
  };
}

// ---------------------------------------------------------------------------------------------
// Errors

export class IntegrationNotFoundError extends AppError {
  override name = 'IntegrationNotFoundError';
  constructor(kind: Kind) {
    super('not_found', 'integration.not_configured', `No ${label(kind)} is configured`);
  }
}

/** The test run by a save failed; `details.test` is the result (message and hint for the form). */
export class ConnectionTestFailedError extends AppError {
  override name = 'ConnectionTestFailedError';
  readonly test: TestResult;
  constructor(test: TestResult, policy: boolean) {
    super(
      policy ? 'forbidden' : 'invalid',
      policy ? 'integration.url_refused' : 'integration.test_failed',
      policy ? test.message : `Connection test failed: ${test.message}`,
      { details: { test } },
    );
    this.test = test;
  }
}

export class TypedPlexUrlError extends AppError {
  override name = 'TypedPlexUrlError';
  constructor() {
    super(
      'forbidden',
      'integration.typed_url_owner_only',
      "Only the owner can type a Plex address that plex.tv does not list for this server (it receives the owner's Plex token); choose one of the listed connections",
    );
  }
}

export class IntegrationChangedError extends AppError {
  override name = 'IntegrationChangedError';
  constructor() {
    super('conflict', 'integration.changed', 'The integration changed meanwhile; reload and try again');
  }
}

const label = (kind: Kind) =>
  kind === 'plex' ? 'Plex Media Server' : kind === 'overseerr' ? 'Overseerr' : 'Uptime Kuma';

// ---------------------------------------------------------------------------------------------
// Inputs

const Url = z.string().trim().min(1, { error: 'an address is required' }).max(2000);
const MachineIdentifier = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9]+$/);
const ApiKey = z.string().trim().min(8, { error: 'that key is too short' }).max(512);
const KumaKey = z
  .string()
  .trim()
  .regex(/^uk\d+_\S+$/, { error: 'Uptime Kuma API keys look like uk1_…' });
const Slug = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, { error: 'a status page slug is letters, digits, - and _' });

const PlexTarget = z.object({ kind: z.literal('plex'), machineIdentifier: MachineIdentifier, url: Url });
/** `apiKey` absent: keep (or test with) the stored key. */
const OverseerrTarget = z.object({ kind: z.literal('overseerr'), url: Url, apiKey: ApiKey.optional() });
/** `apiKey` absent: keep the stored one; null: remove it (status page only). */
const KumaTarget = z.object({
  kind: z.literal('uptime_kuma'),
  url: Url,
  slug: Slug.nullable().optional(),
  apiKey: KumaKey.nullable().optional(),
});

export const TestInput = z.discriminatedUnion('kind', [PlexTarget, OverseerrTarget, KumaTarget]);
export type TestInput = z.infer<typeof TestInput>;

const saveAnyway = { saveAnyway: z.boolean().default(false) };
export const SaveInput = z.discriminatedUnion('kind', [
  PlexTarget.extend(saveAnyway),
  OverseerrTarget.extend(saveAnyway),
  KumaTarget.extend(saveAnyway),
]);
export type SaveInput = z.input<typeof SaveInput>;

export const RefInput = z.object({ kind: Kind$, id: z.string().min(1).max(128).default(MAIN) });

export const MonitorsInput = z.object({
  monitors: z.record(z.string().regex(/^\d+$/), MonitorSettingSchema),
  visibleByDefault: z.boolean().optional(),
});

// ---------------------------------------------------------------------------------------------
// Reading

async function loadHousehold(deps: DomainDeps, householdId: string): Promise<HouseholdItem> {
  const h = await deps.table.get<HouseholdItem>(householdKeys.household(householdId));
  if (!h) throw new AppError('not_found', 'household.not_found', 'No such household');
  return h;
}

/** Every integration item of a household (system use: checks, sweeps). */
export async function loadAll(
  deps: Pick<DomainDeps, 'table'>,
  householdId: string,
): Promise<IntegrationItem[]> {
  const page = await deps.table.query<IntegrationItem>({
    pk: `H#${householdId}`,
    sk: { beginsWith: keys.prefix },
    limit: 100,
  });
  return page.items.filter((i) => i.type === 'integration');
}

/** Decrypts an integration's secret (system use only). */
export async function secretOf(
  deps: Pick<DomainDeps, 'keyring'>,
  item: IntegrationItem,
): Promise<string | undefined> {
  if (item.secret === undefined) return undefined;
  return deps.keyring.decrypt(item.secret, secretContext(item.householdId, item.kind, item.id));
}

/** The actor's household's integrations, secrets masked. */
export async function list(deps: DomainDeps): Promise<Info[]> {
  const access = await requireAccess(deps, { permission: 'manage_integrations' });
  return (await loadAll(deps, access.householdId)).map(toInfo);
}

export const get = fn(RefInput, async (deps: DomainDeps, { kind, id }): Promise<Info> => {
  const access = await requireAccess(deps, { permission: 'manage_integrations' });
  const item = await deps.table.get<IntegrationItem>(keys.integration(access.householdId, kind, id));
  if (!item) throw new IntegrationNotFoundError(kind);
  return toInfo(item);
});

/**
 * One page of households that have at least one integration (the background sweep's list),
 * read from the sparse index; eventually consistent on DynamoDB, which a 15-minute sweep tolerates.
 */
export async function listIntegratedHouseholds(
  deps: Pick<DomainDeps, 'table'>,
  cursor?: string,
): Promise<{ householdIds: string[]; cursor?: string }> {
  const page = await deps.table.query<IntegrationItem>({
    index: 'gsi2',
    pk: SWEEP_INDEX_PK,
    limit: 1000,
    ...(cursor ? { cursor } : {}),
  });
  const ids = [...new Set(page.items.map((i) => i.gsi2sk.slice(0, i.gsi2sk.indexOf('#'))))];
  return { householdIds: ids, ...(page.cursor ? { cursor: page.cursor } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Plex connections

export interface PlexConnectionChoice {
  uri: string;
  local: boolean;
  relay: boolean;
  protocol: string;
}

export interface PlexServerChoice {
  machineIdentifier: string;
  name: string;
  /** Best first (PROTOCOLS §1: local, remote, relay; https first). */
  connections: PlexConnectionChoice[];
  /** The server is no longer in the owner's plex.tv resources. */
  missing: boolean;
}

async function ownerResources(deps: IntegrationDeps, household: HouseholdItem) {
  if (!deps.plexTv) {
    throw new AppError('unavailable', 'integration.plex_tv_unavailable', 'plex.tv is not configured here');
  }
  const token = await User.getPlexToken(deps, household.ownerId);
  return deps.plexTv.getResources(token);
}

/** The household's servers with the connections plex.tv lists for each (to choose the URL from). */
export async function plexConnections(deps: IntegrationDeps): Promise<PlexServerChoice[]> {
  const access = await requireAccess(deps, { permission: 'manage_integrations' });
  const household = await loadHousehold(deps, access.householdId);
  const resources = await ownerResources(deps, household);
  return household.servers.map((s) => {
    const r = resources.find((x) => x.clientIdentifier === s.machineIdentifier);
    return {
      machineIdentifier: s.machineIdentifier,
      name: r?.name ?? s.name,
      connections: r
        ? preferredConnections(r).map((c) => ({
            uri: c.uri,
            local: c.local,
            relay: c.relay,
            protocol: c.protocol,
          }))
        : [],
      missing: !r,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Testing

interface Resolved {
  probe: Probe;
  /** Secret to store (undefined: none; the stored ciphertext is kept when `keepSecret`). */
  newSecret: string | undefined;
  keepSecret: boolean;
  household: HouseholdItem;
  existing: IntegrationItem | undefined;
  id: string;
  url: string;
}

async function resolve(deps: IntegrationDeps, access: Access, input: TestInput): Promise<Resolved> {
  const household = await loadHousehold(deps, access.householdId);
  const url = normaliseBaseUrl(input.url, input.kind);
  if (input.kind === 'plex') {
    if (!household.servers.some((s) => s.machineIdentifier === input.machineIdentifier)) {
      throw new AppError(
        'invalid',
        'integration.unknown_server',
        "That Plex server is not one of this household's servers",
      );
    }
    const existing = await deps.table.get<IntegrationItem>(
      keys.integration(household.id, 'plex', input.machineIdentifier),
    );
    const token = await User.getPlexToken(deps, household.ownerId);
    return {
      probe: { kind: 'plex', url, token, machineIdentifier: input.machineIdentifier },
      newSecret: undefined,
      keepSecret: false,
      household,
      existing,
      id: input.machineIdentifier,
      url,
    };
  }
  const existing = await deps.table.get<IntegrationItem>(keys.integration(household.id, input.kind, MAIN));
  const stored = existing ? await secretOf(deps, existing) : undefined;
  if (input.kind === 'overseerr') {
    const apiKey = input.apiKey ?? stored;
    if (apiKey === undefined)
      throw new AppError('invalid', 'validation', 'apiKey: the Overseerr API key is required');
    return {
      probe: { kind: 'overseerr', url, apiKey },
      newSecret: input.apiKey,
      keepSecret: input.apiKey === undefined,
      household,
      existing,
      id: MAIN,
      url,
    };
  }
  const apiKey = input.apiKey === null ? undefined : (input.apiKey ?? stored);
  const slug = input.slug ?? undefined;
  if (slug === undefined && apiKey === undefined) {
    throw new AppError('invalid', 'validation', 'Give a status page slug, a /metrics API key, or both');
  }
  return {
    probe: { kind: 'uptime_kuma', url, slug, apiKey },
    newSecret: input.apiKey ?? undefined,
    keepSecret: input.apiKey === undefined && stored !== undefined,
    household,
    existing,
    id: MAIN,
    url,
  };
}

const POLICY = new Set(['http.blocked_address', 'http.redirect_blocked', 'http.invalid_url']);

/**
 * Tries the settings as entered (with the stored secret where none is given), without saving.
 * Failures are results with a message and a hint, not errors; bad input is still 400.
 */
export const testConnection = fn(TestInput, async (deps: IntegrationDeps, input): Promise<TestResult> => {
  const access = await requireAccess(deps, { permission: 'manage_integrations' });
  const r = await resolve(deps, access, input);
  return runProbe(deps, r.probe);
});

function runProbe(deps: IntegrationDeps, target: Probe): Promise<TestResult> {
  return probe(target, {
    http: deps.http,
    now: () => deps.clock.now(),
    timeoutMs: deps.testTimeoutMs ?? DEFAULT_TEST_TIMEOUT_MS,
  });
}

const record = (t: TestResult, at: number): TestRecord => ({
  ok: t.ok,
  at,
  code: t.code,
  message: t.message,
  version: t.version,
  latencyMs: t.latencyMs,
});

// ---------------------------------------------------------------------------------------------
// Saving

async function plexUrlSource(
  deps: IntegrationDeps,
  household: HouseholdItem,
  machineIdentifier: string,
  url: string,
): Promise<'plex_tv' | 'typed'> {
  if (!deps.plexTv) return 'typed';
  const resources = await ownerResources(deps, household).catch((error: unknown) => {
    deps.logger?.warn('plex.tv resources unavailable while saving a Plex integration', { error });
    return [];
  });
  const r = resources.find((x) => x.clientIdentifier === machineIdentifier);
  const listed = r?.connections.some((c) => {
    try {
      return normaliseBaseUrl(c.uri, 'plex') === url;
    } catch {
      return false;
    }
  });
  return listed ? 'plex_tv' : 'typed';
}

/**
 * Saves one integration after testing it. Returns the masked settings and the test result.
 * Throws ConnectionTestFailedError when the test fails (unless `saveAnyway`, never for a URL the
 * SSRF guard refuses).
 */
export const save = fn(
  SaveInput,
  async (deps: IntegrationDeps, input): Promise<{ integration: Info; test: TestResult }> => {
    const access = await requireAccess(deps, { permission: 'manage_integrations' });
    const r = await resolve(deps, access, input);
    const kind = input.kind;
    let urlSource: 'plex_tv' | 'typed' | undefined;
    if (kind === 'plex') {
      urlSource = await plexUrlSource(deps, r.household, r.id, r.url);
      if (urlSource === 'typed' && access.userId !== r.household.ownerId) throw new TypedPlexUrlError();
    }
    const test = await runProbe(deps, r.probe);
    if (!test.ok && (POLICY.has(test.code) || !input.saveAnyway)) {
      throw new ConnectionTestFailedError(test, POLICY.has(test.code));
    }
    const now = deps.clock.now();
    const before = r.existing;
    let secret: string | undefined;
    let secretLast4: string | undefined;
    if (r.newSecret !== undefined) {
      secret = await deps.keyring.encrypt(r.newSecret, secretContext(access.householdId, kind, r.id));
      secretLast4 = r.newSecret.slice(-4);
    } else if (r.keepSecret && before?.secret !== undefined) {
      secret = before.secret;
      secretLast4 = before.secretLast4;
    }
    const name =
      kind === 'plex'
        ? (r.household.servers.find((s) => s.machineIdentifier === r.id)?.name ?? 'Plex Media Server')
        : label(kind);
    const item: IntegrationItem = {
      ...keys.integration(access.householdId, kind, r.id),
      type: 'integration',
      v: ENTITY_VERSION,
      rev: (before?.rev ?? 0) + 1,
      householdId: access.householdId,
      kind,
      id: r.id,
      name,
      url: r.url,
      ...(secret !== undefined ? { secret, secretLast4 } : {}),
      ...(urlSource ? { urlSource } : {}),
      ...(input.kind === 'uptime_kuma' && input.slug ? { slug: input.slug.toLowerCase() } : {}),
      ...(kind === 'uptime_kuma'
        ? {
            monitors: before?.monitors ?? {},
            monitorsVisibleByDefault: before?.monitorsVisibleByDefault ?? true,
          }
        : {}),
      lastTest: record(test, now),
      createdAt: before?.createdAt ?? now,
      updatedAt: now,
      updatedBy: access.userId,
      ...sweepIndex(access.householdId, kind, r.id),
    };
    await write(deps, access, item, before, {
      action: before ? 'integration.updated' : 'integration.added',
      before: before ? auditView(before) : null,
      after: auditView(item),
    });
    return { integration: toInfo(item), test };
  },
);

/** What the audit log keeps of an integration: never a secret, not even masked beyond last4. */
function auditView(i: IntegrationItem) {
  return {
    kind: i.kind,
    id: i.id,
    url: i.url,
    ...(i.slug ? { slug: i.slug } : {}),
    secret: i.secret === undefined ? null : mask(i.secretLast4),
    ...(i.monitors ? { monitors: i.monitors, monitorsVisibleByDefault: i.monitorsVisibleByDefault } : {}),
    lastTestOk: i.lastTest?.ok ?? null,
  };
}

async function write(
  deps: DomainDeps,
  access: Access,
  item: IntegrationItem | undefined,
  before: IntegrationItem | undefined,
  audit: { action: string; before: unknown; after: unknown },
  key = item ? { pk: item.pk, sk: item.sk } : before ? { pk: before.pk, sk: before.sk } : undefined,
): Promise<void> {
  if (!key) return;
  const guard = before ? { attr: 'rev', op: '=' as const, value: before.rev } : notExists;
  const change: TransactOp = item ? { put: item, condition: guard } : { delete: key, condition: guard };
  const target = (item ?? before) as IntegrationItem;
  try {
    await deps.table.transact([
      change,
      actorUnchanged(access),
      auditOp(
        {
          householdId: access.householdId,
          actorId: access.userId,
          action: audit.action,
          // The audit Target has no `integration` type (yet); a Plex integration is about a server.
          ...(target.kind === 'plex' ? { target: { type: 'server' as const, id: target.id } } : {}),
          before: audit.before,
          after: audit.after,
        },
        deps.clock.now(),
      ),
    ]);
  } catch (error) {
    if (error instanceof TransactionCanceledError) throw new IntegrationChangedError();
    throw error;
  }
}

/** Removes an integration; its cards leave the dashboard with it. */
export const remove = fn(RefInput, async (deps: DomainDeps, { kind, id }): Promise<void> => {
  const access = await requireAccess(deps, { permission: 'manage_integrations' });
  const before = await deps.table.get<IntegrationItem>(keys.integration(access.householdId, kind, id));
  if (!before) throw new IntegrationNotFoundError(kind);
  await write(deps, access, undefined, before, {
    action: 'integration.removed',
    before: auditView(before),
    after: null,
  });
});

export const KumaMonitorChoiceSchema = z.object({
  id: z.number().int(),
  /** Kuma's own name (a label, when set, is in `setting`). */
  name: z.string(),
  group: z.string().nullable(),
  statusName: z.string(),
  /** What an admin set for it; null when never configured (`visibleByDefault` applies). */
  setting: MonitorSettingSchema.nullable(),
  /** Whether members see it now (the setting, else `visibleByDefault`). */
  visible: z.boolean(),
});
export type KumaMonitorChoice = z.infer<typeof KumaMonitorChoiceSchema>;

export const KumaMonitorsSchema = z.object({
  monitors: z.array(KumaMonitorChoiceSchema),
  visibleByDefault: z.boolean(),
  /** Kuma did not answer (or not usefully): the test result's code, message and hint. */
  problem: z.object({ code: z.string(), message: z.string(), hint: z.string().nullable() }).nullable(),
});
export type KumaMonitors = z.infer<typeof KumaMonitorsSchema>;

/**
 * The monitors Uptime Kuma reports now with the stored settings, for an admin choosing which ones
 * members see. Asks Kuma with the saved URL, slug and key; a Kuma that does not answer is a
 * `problem` with the test's message, never an error (the settings already saved still show).
 * Monitors Kuma names without an id (old `/metrics`) cannot be configured and are left out.
 */
export async function kumaMonitors(deps: IntegrationDeps): Promise<KumaMonitors> {
  const access = await requireAccess(deps, { permission: 'manage_integrations' });
  const item = await deps.table.get<IntegrationItem>(
    keys.integration(access.householdId, 'uptime_kuma', MAIN),
  );
  if (!item) throw new IntegrationNotFoundError('uptime_kuma');
  const apiKey = await secretOf(deps, item);
  const result = await runProbe(deps, { kind: 'uptime_kuma', url: item.url, slug: item.slug, apiKey });
  const visibleByDefault = item.monitorsVisibleByDefault ?? true;
  const settings = item.monitors ?? {};
  const monitors: KumaMonitorChoice[] = [];
  for (const m of result.monitors ?? []) {
    if (m.id === undefined) continue;
    const setting = settings[String(m.id)];
    monitors.push({
      id: m.id,
      name: m.name,
      group: m.group ?? null,
      statusName: m.statusName,
      setting: setting ?? null,
      visible: setting?.visible ?? visibleByDefault,
    });
  }
  monitors.sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
  return {
    monitors,
    visibleByDefault,
    problem: result.ok ? null : { code: result.code, message: result.message, hint: result.hint },
  };
}

/**
 * Which Kuma monitors members see, their labels, and which service card a monitor belongs to.
 * Settings are merged per monitor id; `visibleByDefault` decides for monitors never configured
 * (a monitor added in Kuma later shows up, or stays hidden, accordingly).
 */
export const setMonitors = fn(MonitorsInput, async (deps: DomainDeps, input): Promise<Info> => {
  const access = await requireAccess(deps, { permission: 'manage_integrations' });
  const before = await deps.table.get<IntegrationItem>(
    keys.integration(access.householdId, 'uptime_kuma', MAIN),
  );
  if (!before) throw new IntegrationNotFoundError('uptime_kuma');
  const monitors: Record<string, MonitorSetting> = { ...before.monitors };
  for (const [id, s] of Object.entries(input.monitors)) {
    monitors[id] = {
      visible: s.visible,
      ...(s.label !== undefined ? { label: s.label } : {}),
      ...(s.attachTo !== undefined ? { attachTo: s.attachTo } : {}),
    };
  }
  const now = deps.clock.now();
  const item: IntegrationItem = {
    ...before,
    monitors,
    monitorsVisibleByDefault: input.visibleByDefault ?? before.monitorsVisibleByDefault ?? true,
    rev: before.rev + 1,
    updatedAt: now,
    updatedBy: access.userId,
  };
  await write(deps, access, item, before, {
    action: 'integration.monitors_changed',
    before: { monitors: before.monitors ?? {}, visibleByDefault: before.monitorsVisibleByDefault ?? true },
    after: { monitors, visibleByDefault: item.monitorsVisibleByDefault },
  });
  return toInfo(item);
});
