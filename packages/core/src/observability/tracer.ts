/**
 * X-Ray tracing through the Powertools Tracer. It is active only inside Lambda (the functions run
 * with active tracing): anywhere else every call here is a no-op, so the self-hosted runtime and
 * the tests never try to reach an X-Ray daemon.
 *
 * Annotations are indexed by X-Ray (filter expressions such as `annotation.householdId = "hh_…"`),
 * so only low-risk identifiers go there: the correlation id and the household id, never a user's
 * name, a token or a URL.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';

export { Tracer };

/** Annotation keys, fixed so traces can be searched the same way everywhere. */
export const TRACE_ANNOTATIONS = {
  correlationId: 'correlationId',
  householdId: 'householdId',
} as const;

let current: Tracer | undefined;

/** The process's tracer (Powertools decides from the environment whether it is enabled). */
export function tracer(): Tracer {
  current ??= new Tracer({ serviceName: 'medianest' });
  return current;
}

/** Replaces the process's tracer (tests; a runtime that wants tracing off). */
export function setTracer(value: Tracer): Tracer {
  current = value;
  return value;
}

/**
 * Instruments an AWS SDK v3 client so each call becomes a subsegment of the current trace. Returns
 * the same client; outside Lambda it is returned untouched.
 */
export function captureAwsClient<T>(client: T): T {
  const t = tracer();
  return t.isTracingEnabled() ? t.captureAWSv3Client(client) : client;
}

/** Tags the current trace with the unit of work's correlation id and, when known, its household. */
export function annotateTrace(fields: { correlationId?: string; householdId?: string }): void {
  const t = tracer();
  if (!t.isTracingEnabled()) return;
  if (fields.correlationId) t.putAnnotation(TRACE_ANNOTATIONS.correlationId, fields.correlationId);
  if (fields.householdId) t.putAnnotation(TRACE_ANNOTATIONS.householdId, fields.householdId);
}

/**
 * Runs one invocation inside its own `## <name>` subsegment (cold start and service annotated,
 * an error recorded as metadata before it propagates). Without tracing it just runs `work`.
 */
export async function traced<T>(name: string, work: () => Promise<T>): Promise<T> {
  const t = tracer();
  const parent = t.isTracingEnabled() ? t.getSegment() : undefined;
  if (!parent) return work();
  const segment = parent.addNewSubsegment(`## ${name}`);
  t.setSegment(segment);
  t.annotateColdStart();
  t.addServiceNameAnnotation();
  try {
    return await work();
  } catch (error) {
    t.addErrorAsMetadata(error as Error);
    throw error;
  } finally {
    segment.close();
    t.setSegment(parent);
  }
}
