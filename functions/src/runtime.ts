/**
 * What every entry point shares: the container's System, built on the first invocation (never at
 * import, so a cold start that fails on configuration fails inside the handler, with a log line)
 * and reused by every later invocation of the same container; and the per-invocation envelope
 * (`invoke`): correlation id in scope, trace subsegment and annotations, metrics flushed once.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { provideAgentTransport } from '@medianest/core/download/remote';
import { type Logger, withCorrelationId } from '@medianest/core/observability/logger';
import { createMetrics, metrics, metricsModeFor, setMetrics } from '@medianest/core/observability/metrics';
import { annotateTrace, traced } from '@medianest/core/observability/tracer';
import type { Queue, SendOptions } from '@medianest/core/port/queue';
import { createAwsSystem, type System } from '@medianest/core/system/index';
import type { Context } from 'aws-lambda';
import { managementTransport } from './agent.ts';
import { withSecretParameters } from './secrets.ts';

/** Where a handler gets its System: the AWS one in Lambda, a local one in tests. */
export type SystemSource = () => System | Promise<System>;

let container: Promise<System> | undefined;

export const awsSystem: SystemSource = () => {
  container ??= (async () => {
    // Identity secrets come from SSM (functions given MEDIANEST_SECRETS_PATH only), before the
    // config is validated, so a missing half of an OAuth app still fails with the variable's name.
    const { env, loaded, ignored } = await withSecretParameters(process.env);
    const system = createAwsSystem(env);
    // Household agents' sockets are reached through the management API of the API they came in on.
    provideAgentTransport(system, managementTransport());
    setMetrics(createMetrics({ mode: metricsModeFor(env), stage: env.MEDIANEST_STAGE }));
    if (loaded.length > 0 || ignored.length > 0) {
      system.logger.info('Identity settings read from SSM', { loaded, ignored });
    }
    return system;
  })().catch((error: unknown) => {
    // Not cached: the next invocation tries again (a throttled SSM call is not fatal forever).
    container = undefined;
    throw error;
  });
  return container;
};

/** The unit of work an invocation (or one SQS record) is doing. */
export interface InvocationScope {
  correlationId: string;
  householdId?: string | undefined;
}

const scopes = new AsyncLocalStorage<InvocationScope>();

/** The scope of the invocation (or record) running now, if any. */
export const currentScope = (): InvocationScope | undefined => scopes.getStore();

/** Runs `work` with `scope` as the current scope (nested: a record inside its batch). */
export function inScope<T>(scope: InvocationScope, work: () => T): T {
  annotateTrace(scope);
  return scopes.run(scope, work);
}

/**
 * One invocation: its scope, its trace subsegment, and the business metrics it recorded written
 * as one EMF line when it ends (whether it succeeded or not).
 */
export function invoke<T>(name: string, scope: InvocationScope, work: () => Promise<T>): Promise<T> {
  return inScope(scope, () =>
    traced(name, async () => {
      try {
        return await work();
      } finally {
        metrics().flush();
      }
    }),
  );
}

const correlatedQueues = new WeakMap<Queue, Queue>();

/**
 * The queue with the current scope's correlation id added to every message that does not carry
 * one already: a job enqueued while handling a request (or another job) is logged by the worker
 * under the id of the request that caused it, with no change to the code that enqueues.
 */
export function correlatedQueue(queue: Queue): Queue {
  let view = correlatedQueues.get(queue);
  if (!view) {
    const send: Queue['send'] = (name, body, options: SendOptions = {}) => {
      const id = currentScope()?.correlationId;
      if (!id || options.attributes?.correlationId) return queue.send(name, body, options);
      return queue.send(name, body, { ...options, attributes: { ...options.attributes, correlationId: id } });
    };
    // Delegating methods, not a prototype view: adapters keep state in private fields, which only
    // work with the adapter itself as `this`.
    view = {
      send,
      depth: (name) => queue.depth(name),
      deadLetterDepth: (name) => queue.deadLetterDepth(name),
      redrive: (name) => queue.redrive(name),
    };
    correlatedQueues.set(queue, view);
  }
  return view;
}

/**
 * The System whose queue carries correlation ids (see `correlatedQueue`). A prototype view, not a
 * copy: spreading the AWS System would evaluate its lazy adapter getters (and demand every cloud
 * variable) at once.
 */
export function withCorrelatedQueue(system: System): System {
  return Object.create(system, {
    queue: { get: () => correlatedQueue(system.queue), enumerable: true },
  }) as System;
}

/** A per-invocation logger carrying the correlation id and the Lambda request id. */
export function invocationLogger(
  system: System,
  correlationId: string,
  context: Context | undefined,
  extra: Record<string, string> = {},
): Logger {
  return withCorrelationId(system.logger, correlationId, {
    ...(context ? { aws_request_id: context.awsRequestId, function_name: context.functionName } : {}),
    ...extra,
  });
}

/** The same System seen through a per-invocation logger (a prototype view, as above). */
export function withLogger(system: System, logger: Logger): System {
  return Object.create(system, { logger: { value: logger, enumerable: true } }) as System;
}
