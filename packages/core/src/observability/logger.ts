/**
 * One structured logger for every runtime: the Powertools Logger writes one JSON object per line,
 * the same shape on a laptop and in Lambda (CloudWatch), so log queries work in both columns.
 *
 * Secrets never reach a log line: any attribute whose key names a credential is replaced by
 * "[redacted]" at serialisation time, however deep it sits, and credentials carried in URL query
 * strings (Plex puts its token there) are scrubbed from string values.
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';

export { Logger };

export const REDACTED = '[redacted]';

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

// Compared after lower-casing and dropping '-' / '_', so `X-Plex-Token`, `api_key` and `authToken` all match.
const SECRET_SUFFIXES = [
  'token',
  'apikey',
  'secret',
  'password',
  'passwd',
  'passphrase',
  'credential',
  'credentials',
];
const SECRET_EXACT = new Set([
  'authorization',
  'cookie',
  'setcookie',
  'privatekey',
  'signingsecret',
  'session',
]);

/** True when an attribute with this name holds a credential. */
export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[-_]/g, '');
  if (SECRET_EXACT.has(k)) return true;
  return SECRET_SUFFIXES.some((s) => k.endsWith(s));
}

const SECRET_QUERY = /([?&](?:x-plex-token|token|access_token|api_?key|apikey|secret|password)=)[^&#\s"']+/gi;

/** Removes credentials carried in URL query strings inside free text. */
export function scrubString(value: string): string {
  return value.includes('=') ? value.replace(SECRET_QUERY, `$1${REDACTED}`) : value;
}

/** The JSON replacer the logger runs on every key/value pair it serialises. */
export function redactReplacer(key: string, value: unknown): unknown {
  if (key !== '' && isSecretKey(key) && value !== undefined && value !== null && value !== '')
    return REDACTED;
  if (typeof value === 'string') return scrubString(value);
  return value;
}

/** A deep copy with secrets redacted, for places that serialise outside the logger (error details). */
export function redact<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, redactReplacer) ?? 'null') as T;
}

export interface CreateLoggerOptions {
  /** Case-insensitive; defaults to INFO. */
  level?: string | undefined;
  /** Keys added to every line (e.g. the runtime). */
  persistentKeys?: Record<string, string | number | boolean>;
}

export function createLogger(service: string, options: CreateLoggerOptions = {}): Logger {
  const level = (options.level ?? 'INFO').toUpperCase();
  return new Logger({
    serviceName: service,
    logLevel: (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : 'INFO',
    jsonReplacerFn: redactReplacer,
    ...(options.persistentKeys ? { persistentKeys: options.persistentKeys } : {}),
  });
}

/** The header that carries the correlation id in and out of every HTTP exchange. */
export const CORRELATION_HEADER = 'x-request-id';

const SAFE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/**
 * The correlation id for a unit of work: the caller's id when it is a sane token (so a request
 * can be followed across a proxy, a queue and a worker), a fresh one otherwise. Ids are echoed
 * into headers and logs, hence the strict character set.
 */
export function correlationId(incoming?: string | null): string {
  if (incoming && SAFE_ID.test(incoming)) return incoming;
  return randomUUID();
}

/**
 * A child logger whose every line carries `correlation_id`. Persistent keys on a child (not the
 * Powertools `appendKeys`, whose temporary keys are shared by concurrent requests in one process).
 */
export function withCorrelationId(logger: Logger, id: string, extra: Record<string, string> = {}): Logger {
  return logger.createChild({ persistentKeys: { correlation_id: id, ...extra } });
}

/**
 * The same child, built on first use: creating a Powertools child costs about as much as the rest
 * of a small request, and most requests never log.
 */
export function lazyWithCorrelationId(
  logger: Logger,
  id: string,
  extra: Record<string, string> = {},
): Logger {
  let child: Logger | undefined;
  const real = () => {
    child ??= withCorrelationId(logger, id, extra);
    return child;
  };
  return new Proxy(logger, {
    get(_target, prop) {
      const target = real();
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set(_target, prop, value) {
      return Reflect.set(real(), prop, value);
    },
  });
}
