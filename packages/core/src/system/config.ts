/**
 * The environment, validated once at start-up. Every bad variable is reported at once, by name,
 * with what was expected and what was found, so a misconfigured deployment fails with a message a
 * person can act on instead of a stack trace from deep inside an adapter.
 *
 * Cloud resource names (table, bucket, queue URLs, key id, WebSocket endpoint) are optional here:
 * the self-hosted runtime never needs them, and the AWS composition root asks for each one only
 * when the adapter that uses it is first created (`requireAws`).
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { LOG_LEVELS, type LogLevel } from '../observability/logger.ts';

export type Env = Record<string, string | undefined>;

export const MODES = ['selfhosted', 'saas'] as const;
export type Mode = (typeof MODES)[number];

export interface ConfigIssue {
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super(
      issues.length === 1
        ? `Invalid configuration: ${issues[0]!.variable}: ${issues[0]!.message}`
        : `Invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`,
    );
    this.issues = issues;
  }
}

export interface AwsConfig {
  region: string | undefined;
  table: string | undefined;
  bucket: string | undefined;
  /** Queue name → URL, from `MEDIANEST_QUEUE_URL_<NAME>`. */
  queueUrls: Record<string, string>;
  /** Queue name → dead-letter queue URL, from `MEDIANEST_DLQ_URL_<NAME>`. */
  deadLetterUrls: Record<string, string>;
  kmsKeyId: string | undefined;
  /** The API Gateway management endpoint (https://…/stage) for `postToConnection`. */
  wsEndpoint: string | undefined;
}

/** A generic OpenID Connect provider (Authentik, Keycloak, Authelia…), from `MEDIANEST_OIDC_<ID>_*`. */
export interface OidcProviderConfig {
  /** Lower-case id used in URLs and identities (`oidc:<id>`): `MEDIANEST_OIDC_MY_IDP_…` → `my-idp`. */
  id: string;
  name: string;
  /** The issuer; its discovery document is `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** An OAuth app registered with GitHub, Google or Discord. */
export interface OAuthAppConfig {
  clientId: string;
  clientSecret: string;
}

export interface IdentityConfig {
  /** plex.tv (or the simulator). */
  plexTvUrl: string;
  /** The Plex auth app the browser is sent to. */
  plexAuthUrl: string;
  /** Fixed client identifier; when unset one is generated once and kept in the table. */
  plexClientId: string | undefined;
  oidc: OidcProviderConfig[];
  github: OAuthAppConfig | undefined;
  google: OAuthAppConfig | undefined;
  discord: OAuthAppConfig | undefined;
  /** A session unused this long ends. */
  sessionIdleSeconds: number;
  /** A session ends this long after sign-in, however active. */
  sessionAbsoluteSeconds: number;
  /** Take the client address from X-Forwarded-For (only behind a proxy that sets it). */
  trustProxy: boolean;
}

/**
 * The household download agent run inside the self-hosted runtime (ARCHITECTURE.md §5), enabled by
 * `MEDIANEST_AGENT_LIBRARY_ROOTS`. See packages/local/src/embedded-agent.ts.
 */
export interface EmbeddedAgentConfig {
  /** Plex section key → that section's folder on this machine (absolute). */
  libraryRoots: Record<string, string>;
  /** Section key → the same folder as Plex sees it, when Plex runs elsewhere (e.g. in a container). */
  plexRoots: Record<string, string>;
  /** Working folder for partial downloads (absolute); default `<dataDir>/agent`. */
  downloadDir: string;
  ytDlpPath: string;
  ffmpegPath: string;
  /** Downloads at once per household. */
  concurrency: number;
}

export interface Config {
  port: number;
  host: string;
  /** Absolute. */
  dataDir: string;
  /** Where browsers reach this deployment; defaults to http://localhost:<port>. No trailing slash. */
  publicUrl: string;
  mode: Mode;
  logLevel: LogLevel;
  /** Absolute path of the built web app, when overridden by MEDIANEST_WEB_DIR. */
  webDir: string | undefined;
  /** Household-provided URLs may point at private/loopback addresses (self-hosted default). */
  allowPrivateUrls: boolean;
  /** The WebSocket URL browsers connect to; defaults to the public URL's `/ws`. */
  wsUrl: string;
  /** How often the services of a watched household (an open dashboard) are checked, in ms. */
  statusIntervalMs: number;
  identity: IdentityConfig;
  /** The built-in download agent; undefined when MEDIANEST_AGENT_LIBRARY_ROOTS is not set. */
  agent: EmbeddedAgentConfig | undefined;
  aws: AwsConfig;
}

// Unset and empty mean the same thing: `PORT=` in a .env file should fall back to the default.
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const integer = (min: number, max: number) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .refine((s) => /^\d+$/.test(s.trim()) && Number(s) >= min && Number(s) <= max, {
        error: `expected an integer ${min}–${max}`,
      })
      .transform((s) => Number(s))
      .optional(),
  );

const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess(
    (v) => (typeof blankToUndefined(v) === 'string' ? (v as string).trim().toLowerCase() : undefined),
    z.enum(values, { error: `expected one of ${values.join(', ')}` }).optional(),
  );

const httpUrl = z.preprocess(
  blankToUndefined,
  z
    .string()
    .refine(
      (s) => {
        try {
          const u = new URL(s);
          return u.protocol === 'http:' || u.protocol === 'https:';
        } catch {
          return false;
        }
      },
      { error: 'expected an absolute http(s) URL' },
    )
    .optional(),
);

const text = z.preprocess(blankToUndefined, z.string().optional());

const flag = z.preprocess(
  (v) => (typeof blankToUndefined(v) === 'string' ? (v as string).trim().toLowerCase() : undefined),
  z
    .enum(['1', '0', 'true', 'false', 'yes', 'no'], { error: 'expected true or false' })
    .transform((v) => v === '1' || v === 'true' || v === 'yes')
    .optional(),
);

const wsUrl = z.preprocess(
  blankToUndefined,
  z
    .string()
    .refine(
      (s) => {
        try {
          return ['ws:', 'wss:'].includes(new URL(s).protocol);
        } catch {
          return false;
        }
      },
      { error: 'expected an absolute ws(s) URL' },
    )
    .optional(),
);

const logLevel = z.preprocess(
  (v) => (typeof blankToUndefined(v) === 'string' ? (v as string).trim().toUpperCase() : undefined),
  z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).optional(),
);

export const envSchema = z.object({
  PORT: integer(1, 65535),
  HOST: text,
  MEDIANEST_DATA_DIR: text,
  MEDIANEST_PUBLIC_URL: httpUrl,
  MEDIANEST_MODE: oneOf(MODES),
  MEDIANEST_WEB_DIR: text,
  LOG_LEVEL: logLevel,
  AWS_REGION: text,
  MEDIANEST_TABLE: text,
  MEDIANEST_BUCKET: text,
  MEDIANEST_KMS_KEY_ID: text,
  MEDIANEST_WS_ENDPOINT: httpUrl,
  MEDIANEST_WS_URL: wsUrl,
  MEDIANEST_ALLOW_PRIVATE_URLS: flag,
  MEDIANEST_PLEX_TV_URL: httpUrl,
  MEDIANEST_PLEX_AUTH_URL: httpUrl,
  MEDIANEST_PLEX_CLIENT_ID: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[\w.-]{8,128}$/, { error: 'expected 8-128 letters, digits, ".", "_" or "-"' })
      .optional(),
  ),
  MEDIANEST_GITHUB_CLIENT_ID: text,
  MEDIANEST_GITHUB_CLIENT_SECRET: text,
  MEDIANEST_GOOGLE_CLIENT_ID: text,
  MEDIANEST_GOOGLE_CLIENT_SECRET: text,
  MEDIANEST_DISCORD_CLIENT_ID: text,
  MEDIANEST_DISCORD_CLIENT_SECRET: text,
  MEDIANEST_SESSION_IDLE_DAYS: integer(1, 365),
  MEDIANEST_SESSION_MAX_DAYS: integer(1, 3650),
  MEDIANEST_TRUST_PROXY: flag,
  MEDIANEST_AGENT_LIBRARY_ROOTS: text,
  MEDIANEST_AGENT_PLEX_ROOTS: text,
  MEDIANEST_AGENT_DOWNLOAD_DIR: text,
  MEDIANEST_AGENT_YTDLP: text,
  MEDIANEST_AGENT_FFMPEG: text,
  MEDIANEST_AGENT_CONCURRENCY: integer(1, 16),
  MEDIANEST_STATUS_INTERVAL_SECONDS: integer(2, 3600),
});

const QUEUE_URL_PREFIX = 'MEDIANEST_QUEUE_URL_';
const DLQ_URL_PREFIX = 'MEDIANEST_DLQ_URL_';

/** `jobs` ↔ `JOBS`, `media-sync` ↔ `MEDIA_SYNC`. */
export const queueEnvSuffix = (queue: string) => queue.toUpperCase().replace(/[^A-Z0-9]/g, '_');
export const queueUrlVariable = (queue: string) => `${QUEUE_URL_PREFIX}${queueEnvSuffix(queue)}`;
export const deadLetterUrlVariable = (queue: string) => `${DLQ_URL_PREFIX}${queueEnvSuffix(queue)}`;

function got(value: unknown): string {
  return value === undefined ? 'it is not set' : `got ${JSON.stringify(value)}`;
}

function urlsByQueue(env: Env, prefix: string, issues: ConfigIssue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined || value.trim() === '') continue;
    if (!httpUrl.safeParse(value).success) {
      issues.push({ variable: name, message: `expected an absolute http(s) URL, ${got(value)}` });
      continue;
    }
    out[name.slice(prefix.length).toLowerCase().replace(/_/g, '-')] = value.trim();
  }
  return out;
}

const OIDC_VARIABLE = /^MEDIANEST_OIDC_([A-Z0-9_]+)_(ISSUER|CLIENT_ID|CLIENT_SECRET|NAME)$/;

/** Every `MEDIANEST_OIDC_<ID>_*` group; a group missing its issuer, client id or secret is an error. */
function oidcProviders(env: Env, issues: ConfigIssue[]): OidcProviderConfig[] {
  const groups = new Map<
    string,
    Partial<Record<'ISSUER' | 'CLIENT_ID' | 'CLIENT_SECRET' | 'NAME', string>>
  >();
  for (const [name, value] of Object.entries(env)) {
    const m = OIDC_VARIABLE.exec(name);
    if (!m || value === undefined || value.trim() === '') continue;
    const group = groups.get(m[1]!) ?? {};
    group[m[2] as 'ISSUER'] = value.trim();
    groups.set(m[1]!, group);
  }
  const out: OidcProviderConfig[] = [];
  for (const [raw, g] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const prefix = `MEDIANEST_OIDC_${raw}_`;
    const id = raw.toLowerCase().replace(/_/g, '-');
    let ok = true;
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(id) || ['plex', 'github', 'google', 'discord'].includes(id)) {
      issues.push({ variable: `${prefix}ISSUER`, message: `"${id}" cannot be an OIDC provider id` });
      ok = false;
    }
    for (const part of ['ISSUER', 'CLIENT_ID', 'CLIENT_SECRET'] as const) {
      if (g[part] === undefined) {
        issues.push({ variable: `${prefix}${part}`, message: 'expected a value, it is not set' });
        ok = false;
      }
    }
    if (g.ISSUER !== undefined && !httpUrl.safeParse(g.ISSUER).success) {
      issues.push({
        variable: `${prefix}ISSUER`,
        message: `expected an absolute http(s) URL, ${got(g.ISSUER)}`,
      });
      ok = false;
    }
    if (!ok) continue;
    out.push({
      id,
      name: g.NAME ?? raw.charAt(0) + raw.slice(1).toLowerCase().replace(/_/g, ' '),
      issuer: (g.ISSUER as string).replace(/\/+$/, ''),
      clientId: g.CLIENT_ID as string,
      clientSecret: g.CLIENT_SECRET as string,
    });
  }
  return out;
}

/** GitHub, Google, Discord: enabled when both the id and the secret are set, an error when only one is. */
function oauthApp(
  env: Env,
  provider: 'GITHUB' | 'GOOGLE' | 'DISCORD',
  issues: ConfigIssue[],
): OAuthAppConfig | undefined {
  const id = env[`MEDIANEST_${provider}_CLIENT_ID`]?.trim() || undefined;
  const secret = env[`MEDIANEST_${provider}_CLIENT_SECRET`]?.trim() || undefined;
  if (id === undefined && secret === undefined) return undefined;
  if (id === undefined || secret === undefined) {
    const missing = id === undefined ? 'CLIENT_ID' : 'CLIENT_SECRET';
    issues.push({
      variable: `MEDIANEST_${provider}_${missing}`,
      message: `expected a value (the other half of the ${provider.toLowerCase()} app is set), it is not set`,
    });
    return undefined;
  }
  return { clientId: id, clientSecret: secret };
}

const SECTION_FOLDERS_HINT =
  'expected SECTION=FOLDER pairs separated by commas, e.g. 3=/srv/media/youtube,4=/srv/media/tv';

/** `3=/srv/a,4=/srv/b` → `{ 3: '/srv/a', 4: '/srv/b' }` (section keys are Plex's numeric keys). */
function sectionFolders(variable: string, value: string | undefined, issues: ConfigIssue[]) {
  const out: Record<string, string> = {};
  if (value === undefined) return out;
  for (const part of value.split(',')) {
    const pair = part.trim();
    if (pair === '') continue;
    const m = /^(\d+)\s*=\s*(.+)$/.exec(pair);
    if (!m) {
      issues.push({ variable, message: `${SECTION_FOLDERS_HINT}, got ${JSON.stringify(pair)}` });
      continue;
    }
    if (out[m[1]!] !== undefined) {
      issues.push({ variable, message: `section ${m[1]} is listed twice` });
      continue;
    }
    out[m[1]!] = resolve(m[2]!.trim());
  }
  return out;
}

const AGENT_DETAILS = [
  'MEDIANEST_AGENT_PLEX_ROOTS',
  'MEDIANEST_AGENT_DOWNLOAD_DIR',
  'MEDIANEST_AGENT_YTDLP',
  'MEDIANEST_AGENT_FFMPEG',
  'MEDIANEST_AGENT_CONCURRENCY',
] as const;

/** The built-in agent: on when MEDIANEST_AGENT_LIBRARY_ROOTS names at least one section folder. */
function embeddedAgent(
  e: z.infer<typeof envSchema>,
  dataDir: string,
  issues: ConfigIssue[],
): EmbeddedAgentConfig | undefined {
  const before = issues.length;
  const libraryRoots = sectionFolders(
    'MEDIANEST_AGENT_LIBRARY_ROOTS',
    e.MEDIANEST_AGENT_LIBRARY_ROOTS,
    issues,
  );
  const plexRoots = sectionFolders('MEDIANEST_AGENT_PLEX_ROOTS', e.MEDIANEST_AGENT_PLEX_ROOTS, issues);
  if (e.MEDIANEST_AGENT_LIBRARY_ROOTS === undefined) {
    const stray = AGENT_DETAILS.find((v) => e[v] !== undefined);
    if (stray) {
      issues.push({
        variable: 'MEDIANEST_AGENT_LIBRARY_ROOTS',
        message: `expected the section folders of the built-in agent (${stray} is set, which only applies to it), it is not set`,
      });
    }
    return undefined;
  }
  if (Object.keys(libraryRoots).length === 0 && issues.length === before) {
    issues.push({
      variable: 'MEDIANEST_AGENT_LIBRARY_ROOTS',
      message: `${SECTION_FOLDERS_HINT}, got nothing`,
    });
  }
  for (const key of Object.keys(plexRoots)) {
    if (libraryRoots[key] === undefined) {
      issues.push({
        variable: 'MEDIANEST_AGENT_PLEX_ROOTS',
        message: `section ${key} has no folder in MEDIANEST_AGENT_LIBRARY_ROOTS`,
      });
    }
  }
  return {
    libraryRoots,
    // Plex sees the folders where they are unless told otherwise (same machine, no container).
    plexRoots,
    downloadDir: resolve(e.MEDIANEST_AGENT_DOWNLOAD_DIR ?? resolve(dataDir, 'agent')),
    ytDlpPath: e.MEDIANEST_AGENT_YTDLP ?? 'yt-dlp',
    ffmpegPath: e.MEDIANEST_AGENT_FFMPEG ?? 'ffmpeg',
    concurrency: e.MEDIANEST_AGENT_CONCURRENCY ?? 2,
  };
}

export function loadConfig(env: Env = process.env): Config {
  const parsed = envSchema.safeParse(env);
  const issues: ConfigIssue[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const variable = String(issue.path[0] ?? '(environment)');
      issues.push({ variable, message: `${issue.message}, ${got(env[variable])}` });
    }
  }
  const queueUrls = urlsByQueue(env, QUEUE_URL_PREFIX, issues);
  const deadLetterUrls = urlsByQueue(env, DLQ_URL_PREFIX, issues);
  const oidc = oidcProviders(env, issues);
  const github = oauthApp(env, 'GITHUB', issues);
  const google = oauthApp(env, 'GOOGLE', issues);
  const discord = oauthApp(env, 'DISCORD', issues);
  const agent = parsed.success
    ? embeddedAgent(parsed.data, resolve(parsed.data.MEDIANEST_DATA_DIR ?? './data'), issues)
    : undefined;
  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues);
  const e = parsed.data;
  const port = e.PORT ?? 3000;
  const publicUrl = (e.MEDIANEST_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const mode = e.MEDIANEST_MODE ?? 'selfhosted';
  return {
    port,
    host: e.HOST ?? '0.0.0.0',
    dataDir: resolve(e.MEDIANEST_DATA_DIR ?? './data'),
    publicUrl,
    mode,
    logLevel: e.LOG_LEVEL ?? 'INFO',
    webDir: e.MEDIANEST_WEB_DIR ? resolve(e.MEDIANEST_WEB_DIR) : undefined,
    // A self-hosted server usually sits next to the household's services on the LAN.
    allowPrivateUrls: e.MEDIANEST_ALLOW_PRIVATE_URLS ?? mode === 'selfhosted',
    wsUrl: e.MEDIANEST_WS_URL ?? `${publicUrl.replace(/^http/, 'ws')}/ws`,
    statusIntervalMs: (e.MEDIANEST_STATUS_INTERVAL_SECONDS ?? 30) * 1000,
    identity: {
      plexTvUrl: (e.MEDIANEST_PLEX_TV_URL ?? 'https://plex.tv').replace(/\/+$/, ''),
      plexAuthUrl: e.MEDIANEST_PLEX_AUTH_URL ?? 'https://app.plex.tv/auth',
      plexClientId: e.MEDIANEST_PLEX_CLIENT_ID,
      oidc,
      github,
      google,
      discord,
      sessionIdleSeconds: (e.MEDIANEST_SESSION_IDLE_DAYS ?? 14) * 24 * 3600,
      sessionAbsoluteSeconds: (e.MEDIANEST_SESSION_MAX_DAYS ?? 90) * 24 * 3600,
      trustProxy: e.MEDIANEST_TRUST_PROXY ?? false,
    },
    agent,
    aws: {
      region: e.AWS_REGION,
      table: e.MEDIANEST_TABLE,
      bucket: e.MEDIANEST_BUCKET,
      queueUrls,
      deadLetterUrls,
      kmsKeyId: e.MEDIANEST_KMS_KEY_ID,
      wsEndpoint: e.MEDIANEST_WS_ENDPOINT,
    },
  };
}

/** A cloud setting that the adapter being created cannot do without. */
export function requireAws<T>(value: T | undefined, variable: string, what: string): T {
  if (value === undefined || value === '') {
    throw new ConfigError([{ variable, message: `expected ${what}, it is not set` }]);
  }
  return value;
}
