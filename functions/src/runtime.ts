/**
 * What every entry point shares: the container's System, built on the first invocation (never at
 * import, so a cold start that fails on configuration fails inside the handler, with a log line)
 * and reused by every later invocation of the same container.
 */

import { type Logger, withCorrelationId } from '@medianest/core/observability/logger';
import { createAwsSystem, type System } from '@medianest/core/system/index';
import type { Context } from 'aws-lambda';

/** Where a handler gets its System: the AWS one in Lambda, a local one in tests. */
export type SystemSource = () => System | Promise<System>;

let container: System | undefined;

export const awsSystem: SystemSource = () => {
  container ??= createAwsSystem(process.env);
  return container;
};

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

/**
 * The same System seen through a per-invocation logger, so everything core logs while handling a
 * record carries its correlation id. A prototype view, not a copy: spreading the AWS System would
 * evaluate its lazy adapter getters (and demand every cloud variable) at once.
 */
export function withLogger(system: System, logger: Logger): System {
  return Object.create(system, { logger: { value: logger, enumerable: true } }) as System;
}
