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
  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues);
  const e = parsed.data;
  const port = e.PORT ?? 3000;
  return {
    port,
    host: e.HOST ?? '0.0.0.0',
    dataDir: resolve(e.MEDIANEST_DATA_DIR ?? './data'),
    publicUrl: (e.MEDIANEST_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    mode: e.MEDIANEST_MODE ?? 'selfhosted',
    logLevel: e.LOG_LEVEL ?? 'INFO',
    webDir: e.MEDIANEST_WEB_DIR ? resolve(e.MEDIANEST_WEB_DIR) : undefined,
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
