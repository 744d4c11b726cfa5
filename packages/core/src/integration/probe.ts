/**
 * Connection tests: one probe per product that proves three things in order — something answers
 * at the URL, it is the product we were told it is (the unauthenticated identity endpoint), and
 * the credentials work (one authenticated call) — and turns every failure into a message a person
 * can act on. The codes come from the Http adapter (`http.*`) and the clients (`integration.*`);
 * only the hints are added here.
 */
import { z } from 'zod';
import { AppError } from '../error/index.ts';
import { formatSeconds, type Http, HttpError, isHttpError } from '../port/http.ts';
import { isIntegrationError } from './client/errors.ts';
import { createOverseerrClient } from './client/overseerr.ts';
import { createPlexServerClient } from './client/plex-server.ts';
import { createUptimeKumaClient, type KumaMonitorView } from './client/uptime-kuma.ts';

export const DEFAULT_TEST_TIMEOUT_MS = 10_000;

export const TestResultSchema = z.object({
  ok: z.boolean(),
  code: z.string(),
  message: z.string(),
  hint: z.string().nullable(),
  version: z.string().nullable(),
  latencyMs: z.number().nullable(),
  server: z.object({ machineIdentifier: z.string(), name: z.string().nullable() }).optional(),
  monitors: z
    .array(
      z.object({
        id: z.number().optional(),
        name: z.string(),
        group: z.string().optional(),
        statusName: z.string(),
      }),
    )
    .optional(),
});

export interface TestResult {
  ok: boolean;
  /** `ok`, an `http.*` / `integration.*` code, or `plex.wrong_server`. */
  code: string;
  /** What happened, naming the host (never a path, query or secret). */
  message: string;
  /** What to do about it. */
  hint: string | null;
  version: string | null;
  latencyMs: number | null;
  /** Plex: the server's name and id. */
  server?: { machineIdentifier: string; name: string | null };
  /** Kuma: the monitors found, so an admin can choose which members see. */
  monitors?: { id: number | undefined; name: string; group: string | undefined; statusName: string }[];
}

const HINTS: Record<string, string> = {
  'http.dns_failure': 'Check the host name: it does not resolve from MediaNest.',
  'http.tls_error':
    'The HTTPS certificate was not accepted: use a valid certificate, or the http:// address if the service is only on your network.',
  'http.timeout':
    'Nothing answered in time: check the address and port, and that a firewall lets MediaNest in.',
  'http.connection_refused': 'Nothing listens there: is the service running, and is the port right?',
  'http.unreachable': 'The network path to that address is down or blocked.',
  'http.reset': 'The connection was dropped: a proxy or the service itself may be failing.',
  'http.blocked_address':
    'MediaNest does not connect to private, loopback or metadata addresses here; use an address reachable from the internet.',
  'http.redirect_blocked':
    'The service redirected somewhere MediaNest will not follow; use its final address.',
  'http.invalid_url': 'Enter the address as http(s)://host:port.',
  'http.circuit_open': 'Recent calls failed; wait a moment and test again.',
  'http.too_large': 'That address sent far more data than the product does; is it the right URL?',
  'integration.unauthorized': 'The key or token was refused: copy it again from the service settings.',
  'integration.wrong_product': 'Something else answers at that address: check the host and port.',
  'integration.malformed_response':
    'The service answered with something unreadable; a proxy may be in the way.',
  'integration.server_error': 'The service reported an internal error; check its logs.',
  'integration.not_found': 'Check the name (for Uptime Kuma, the status page slug).',
  'integration.forbidden': 'The key works but lacks a permission MediaNest needs.',
  'integration.rate_limited': 'The service is rate-limiting; try again in a minute.',
  'integration.bad_request': 'Check the values entered.',
  'plex.wrong_server': 'That address answers as a different Plex server; choose a connection of this server.',
};

/** The URL answers as a Plex server, but not the household's: its token must not go there. */
export class WrongServerError extends AppError {
  override name = 'WrongServerError';
  constructor(host: string, machineIdentifier: string) {
    super(
      'invalid',
      'plex.wrong_server',
      `${host} is Plex server ${machineIdentifier.slice(0, 8)}…, not the one chosen`,
    );
  }
}

/** `Promise.race` with a timer that is always cleared; a late result is ignored, a late failure swallowed. */
export async function withDeadline<T>(work: Promise<T>, ms: number, host: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new HttpError('http.timeout', `Timed out after ${formatSeconds(ms)} waiting for ${host}`, {
            details: { host, timeoutMs: ms },
          }),
        ),
      ms,
    );
  });
  work.catch(() => {
    // The deadline already answered; the abandoned call may still fail later.
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the service';
  }
}

/** A failed probe as a result; anything that is not an expected failure is rethrown. */
export function failure(error: unknown, startedAt: number, now: number): TestResult {
  if (!isHttpError(error) && !isIntegrationError(error) && !(error instanceof WrongServerError)) throw error;
  return {
    ok: false,
    code: error.code,
    message: error.message,
    hint: HINTS[error.code] ?? null,
    version: null,
    latencyMs: isHttpError(error, 'http.timeout') ? null : now - startedAt,
  };
}

export interface ProbeOptions {
  http: Http;
  now: () => number;
  timeoutMs?: number;
}

export interface PlexProbe {
  kind: 'plex';
  url: string;
  token: string;
  machineIdentifier: string;
}
export interface OverseerrProbe {
  kind: 'overseerr';
  url: string;
  apiKey: string;
}
export interface KumaProbe {
  kind: 'uptime_kuma';
  url: string;
  slug?: string | undefined;
  apiKey?: string | undefined;
}
export type Probe = PlexProbe | OverseerrProbe | KumaProbe;

/** Runs the probe; never throws for a failure of the service (only for programming errors). */
export async function probe(target: Probe, o: ProbeOptions): Promise<TestResult> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS;
  const started = o.now();
  try {
    const result = await withDeadline(run(target, o.http, timeoutMs), timeoutMs, hostOf(target.url));
    return { ...result, latencyMs: o.now() - started };
  } catch (error) {
    return failure(error, started, o.now());
  }
}

type Partial = Omit<TestResult, 'latencyMs'>;

/**
 * The clients always send their integrationKey; a connection test must always really try (the
 * Http port's rule: no key, no breaker), so the key is dropped on the way out.
 */
export function withoutBreaker(http: Http): Http {
  return {
    request: (req) => {
      const { integrationKey: _key, ...rest } = req;
      return http.request(rest);
    },
  };
}

async function run(target: Probe, direct: Http, timeoutMs: number): Promise<Partial> {
  const http = withoutBreaker(direct);
  switch (target.kind) {
    case 'plex':
      return runPlex(target, http, timeoutMs);
    case 'overseerr':
      return runOverseerr(target, http, timeoutMs);
    case 'uptime_kuma':
      return runKuma(target, http, timeoutMs);
  }
}

async function runPlex(target: PlexProbe, http: Http, timeoutMs: number): Promise<Partial> {
  // The identity comes first and needs no token: a URL that answers as another server never
  // receives the owner's token.
  const anonymous = createPlexServerClient({
    baseUrl: target.url,
    http,
    integrationKey: '',
    token: '',
    timeoutMs,
  });
  const identity = await anonymous.identity();
  if (identity.machineIdentifier !== target.machineIdentifier) {
    throw new WrongServerError(hostOf(target.url), identity.machineIdentifier);
  }
  const client = createPlexServerClient({
    baseUrl: target.url,
    http,
    integrationKey: '',
    token: target.token,
    timeoutMs,
  });
  // /status/sessions needs the owner's token: it proves the token, not just the URL.
  const sessions = await client.sessions();
  return {
    ok: true,
    code: 'ok',
    message: `Plex Media Server ${identity.version} answered; ${sessions.length} playing now`,
    hint: null,
    version: identity.version,
    server: { machineIdentifier: identity.machineIdentifier, name: null },
  };
}

async function runOverseerr(target: OverseerrProbe, http: Http, timeoutMs: number): Promise<Partial> {
  const client = createOverseerrClient({
    baseUrl: target.url,
    http,
    integrationKey: '',
    apiKey: target.apiKey,
    timeoutMs,
  });
  const status = await client.status();
  // /status is public; the request count proves the API key.
  const count = await client.requestCount();
  return {
    ok: true,
    code: 'ok',
    message: `Overseerr ${status.version} answered; ${count.pending} request(s) pending`,
    hint: null,
    version: status.version,
  };
}

async function runKuma(target: KumaProbe, http: Http, timeoutMs: number): Promise<Partial> {
  const client = createUptimeKumaClient({
    baseUrl: target.url,
    http,
    integrationKey: '',
    timeoutMs,
    ...(target.slug ? { slug: target.slug } : {}),
    ...(target.apiKey ? { apiKey: target.apiKey } : {}),
  });
  let version: string | null = null;
  if (target.apiKey) {
    // Tested on its own (monitors() would hide a refused key behind a working status page).
    version = (await client.metrics()).appVersion ?? null;
  }
  const monitors: KumaMonitorView[] = await client.monitors();
  const title = target.slug ? `status page "${target.slug}"` : '/metrics';
  return {
    ok: true,
    code: 'ok',
    message: `Uptime Kuma${version ? ` ${version}` : ''} answered; ${monitors.length} monitor(s) on ${title}`,
    hint: null,
    version,
    monitors: monitors.map((m) => ({ id: m.id, name: m.name, group: m.group, statusName: m.statusName })),
  };
}
