/**
 * Business metrics (sign-ins, media requests, service checks, downloads) in one namespace,
 * `MediaNest`, written as CloudWatch Embedded Metric Format by the Powertools Metrics utility.
 *
 * - In Lambda the functions' wrappers flush once per invocation (`flush()`), so one invocation
 *   writes at most one EMF line to stdout and CloudWatch turns it into metrics (no PutMetricData
 *   call, no IAM grant, no latency).
 * - Everywhere else the recorder only counts in memory (`snapshot()` for diagnostics and tests):
 *   a self-hosted console never fills with EMF JSON unless `MEDIANEST_METRICS=emf` asks for it.
 *
 * Cost discipline: every distinct metric name × dimension set is one billed custom metric per
 * month, so dimensions stay low-cardinality (the service and the stage). Who and what (household,
 * method, service kind) travel as EMF metadata: searchable in Logs Insights, never a dimension.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Env } from '../system/config.ts';

export const METRICS_NAMESPACE = 'MediaNest';

/** Every metric name the product emits (a fixed list: each one is a billed custom metric). */
export const BUSINESS_METRICS = [
  'SignIn',
  'SignInFailed',
  'MediaRequest',
  'Check',
  'CheckFailed',
  'Download',
  'DownloadFailed',
] as const;
export type BusinessMetric = (typeof BUSINESS_METRICS)[number];

export type MetricsMode = 'off' | 'memory' | 'emf';

export type SignInMethod = 'plex' | 'oidc' | 'github' | 'google' | 'discord';
export type CheckedService = 'plex' | 'overseerr' | 'kuma';

export interface BusinessMetrics {
  signIn(event: { method: SignInMethod | (string & {}); ok: boolean; householdId?: string }): void;
  /** A media request created, approved or declined through Overseerr. */
  mediaRequest(event: { action: 'created' | 'approved' | 'declined'; householdId?: string }): void;
  /** A status check of a household's service. */
  check(event: { service: CheckedService | (string & {}); ok: boolean; householdId?: string }): void;
  /** A download that reached a final state. */
  download(event: { ok: boolean; bytes?: number; householdId?: string }): void;
}

export interface MetricsRecorder extends BusinessMetrics {
  readonly mode: MetricsMode;
  /** Writes what was recorded since the last flush as one EMF line (emf mode) and clears it. */
  flush(): void;
  /** Totals recorded since the recorder was created (every mode but `off`). */
  snapshot(): Record<string, number>;
}

export interface CreateMetricsOptions {
  mode: MetricsMode;
  service?: string;
  /** A default dimension on every metric (`dev`, `prod`); omitted when not set. */
  stage?: string | undefined;
  /** Where EMF lines go (default stdout, which CloudWatch Logs reads in Lambda). */
  write?: (line: string) => void;
}

/**
 * The mode for an environment: `MEDIANEST_METRICS` when set (off | memory | emf), else EMF inside
 * Lambda and memory everywhere else.
 */
export function metricsModeFor(env: Env): MetricsMode {
  const asked = env.MEDIANEST_METRICS?.trim().toLowerCase();
  if (asked === 'off' || asked === 'memory' || asked === 'emf') return asked;
  return env.AWS_LAMBDA_FUNCTION_NAME ? 'emf' : 'memory';
}

export function createMetrics(options: CreateMetricsOptions): MetricsRecorder {
  const { mode } = options;
  const totals = new Map<string, number>();
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const emf =
    mode === 'emf'
      ? new Metrics({
          namespace: METRICS_NAMESPACE,
          serviceName: options.service ?? 'medianest',
          ...(options.stage ? { defaultDimensions: { stage: options.stage } } : {}),
        })
      : undefined;
  let pending = 0;

  const add = (name: BusinessMetric, value: number, metadata: Record<string, string | undefined>) => {
    if (mode === 'off') return;
    totals.set(name, (totals.get(name) ?? 0) + value);
    if (!emf) return;
    emf.addMetric(name, MetricUnit.Count, value);
    for (const [key, v] of Object.entries(metadata)) if (v !== undefined) emf.addMetadata(key, v);
    pending += 1;
  };

  return {
    mode,
    signIn({ method, ok, householdId }) {
      add(ok ? 'SignIn' : 'SignInFailed', 1, { signInMethod: method, householdId });
    },
    mediaRequest({ action, householdId }) {
      add('MediaRequest', 1, { requestAction: action, householdId });
    },
    check({ service, ok, householdId }) {
      add(ok ? 'Check' : 'CheckFailed', 1, { checkedService: service, householdId });
    },
    download({ ok, bytes, householdId }) {
      add(ok ? 'Download' : 'DownloadFailed', 1, {
        householdId,
        ...(bytes !== undefined ? { downloadBytes: String(bytes) } : {}),
      });
    },
    flush() {
      if (!emf || pending === 0) return;
      // serialize + clear rather than publishStoredMetrics: the line goes where `write` says and
      // an invocation that recorded nothing writes nothing (Powertools would warn about it).
      write(JSON.stringify(emf.serializeMetrics()));
      emf.clearMetrics();
      emf.clearMetadata();
      pending = 0;
    },
    snapshot() {
      return Object.fromEntries(totals);
    },
  };
}

let current: MetricsRecorder | undefined;

/**
 * The process's recorder, for code that records a business event (`metrics().signIn(…)`). The
 * runtime installs its own with `setMetrics`; until then a memory recorder counts silently.
 */
export function metrics(): MetricsRecorder {
  current ??= createMetrics({ mode: 'memory' });
  return current;
}

/** Installs the process's recorder (a Lambda container: once, at the first invocation). */
export function setMetrics(recorder: MetricsRecorder): MetricsRecorder {
  current = recorder;
  return recorder;
}
