/**
 * Keys and stored shape of a household's integrations (Plex Media Server, Overseerr/Seerr,
 * Uptime Kuma). Only the integration and status modules read them; everything outside core sees
 * `Info` (integration.ts), where secrets are masked.
 *
 * Access patterns:
 * - integrations of a household:   `H#<hh>`, sk begins with `INT#` (a handful per household)
 * - one integration:               `H#<hh>` / `INT#<kind>#<id>` (get)
 *   ids: the server's machineIdentifier for Plex (a household may have several servers), `main`
 *   for Overseerr and Uptime Kuma (one of each per household).
 * - households with integrations:  gsi2 `INTEGRATED`, sk `<hh>#<kind>#<id>` (sparse: only
 *   integration items carry it). The background sweep pages through it instead of scanning the
 *   table; a household with three integrations appears three times and is de-duplicated.
 *
 * Secrets (the Overseerr API key, the Kuma metrics API key) are stored only as Keyring
 * ciphertext bound to `{householdId, integration: "<kind>#<id>"}`, so a ciphertext copied to
 * another household's item (or another integration) fails to decrypt. The last four characters
 * are kept in clear for the masked display (`••••abcd`). The Plex integration stores no secret:
 * checks use the household owner's Plex token (User.getPlexToken) at the time of the call.
 */
import type { Item, Key } from '../port/table.ts';

export const ENTITY_VERSION = 1;

export const KINDS = ['plex', 'overseerr', 'uptime_kuma'] as const;
export type Kind = (typeof KINDS)[number];

/** The id of the single Overseerr / Kuma integration of a household. */
export const MAIN = 'main';

export const SWEEP_INDEX_PK = 'INTEGRATED';

export const keys = {
  integration: (hh: string, kind: Kind, id: string): Key => ({ pk: `H#${hh}`, sk: `INT#${kind}#${id}` }),
  prefix: 'INT#',
};

/** What the last connection test (or the save that ran one) found. */
export interface TestRecord {
  ok: boolean;
  at: number;
  /** `ok`, an `http.*` or `integration.*` code. */
  code: string;
  message: string;
  /** The product version the service reported, when it answered. */
  version: string | null;
  latencyMs: number | null;
}

/** Admin choices for one Kuma monitor. */
export interface MonitorSetting {
  /** Members see it on the dashboard (admins always see every monitor). */
  visible: boolean;
  /** Shown instead of Kuma's monitor name. */
  label?: string;
  /** Shown inside that service's card instead of as a card of its own. */
  attachTo?: 'overseerr' | `plex:${string}`;
}

export interface IntegrationItem extends Item {
  type: 'integration';
  v: number;
  rev: number;
  householdId: string;
  kind: Kind;
  id: string;
  /** Display name (the Plex server's name, "Overseerr", the status page title). */
  name: string;
  /** Normalised base URL. */
  url: string;
  /** Keyring ciphertext; absent when the integration has no secret. */
  secret?: string;
  secretLast4?: string;
  /** Plex: how the URL was chosen (`plex_tv` connection list or typed by the owner). */
  urlSource?: 'plex_tv' | 'typed';
  /** Kuma: the status page slug (monitors listed there are checked). */
  slug?: string;
  /** Kuma: per monitor id. Monitors not listed are visible with Kuma's name. */
  monitors?: Record<string, MonitorSetting>;
  /** Kuma: whether monitors without a setting are visible to members. */
  monitorsVisibleByDefault?: boolean;
  lastTest: TestRecord | null;
  createdAt: number;
  updatedAt: number;
  updatedBy: string;
  gsi2pk: string;
  gsi2sk: string;
}

export function integrationName(kind: Kind, id: string): string {
  return `${kind}#${id}`;
}

/** The Keyring context of an integration's secret. */
export function secretContext(householdId: string, kind: Kind, id: string): Record<string, string> {
  return { householdId, integration: integrationName(kind, id) };
}

export function sweepIndex(hh: string, kind: Kind, id: string): { gsi2pk: string; gsi2sk: string } {
  return { gsi2pk: SWEEP_INDEX_PK, gsi2sk: `${hh}#${kind}#${id}` };
}
