/** HTTP API (payload v2) → the Hono app. The same app the local runtime serves. */
import { createApp } from '@medianest/api';
import { setAgentNotifier } from '@medianest/api/v1/downloads';
import { requestDispatch } from '@medianest/core/download/remote';
import { CORRELATION_HEADER, correlationId } from '@medianest/core/observability/logger';
import type { System } from '@medianest/core/system/index';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Hono } from 'hono';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { awsSystem, invoke, type SystemSource, withCorrelatedQueue } from './runtime.ts';

type LambdaHandler = ReturnType<typeof handle>;
// biome-ignore lint/suspicious/noExplicitAny: any Hono app, whatever its env and routes
type AnyApp = Hono<any, any, any>;

export function createHttpHandler(getSystem: SystemSource, makeApp: (system: System) => AnyApp = createApp) {
  let app: LambdaHandler | undefined;
  return async (event: APIGatewayProxyEventV2, context: Context) => {
    if (!app) {
      const system = withCorrelatedQueue(await getSystem());
      // Work queued or cancelled here reaches the household's agents through a dispatch job (their
      // sockets belong to the agents' WebSocket API, not to this function).
      setAgentNotifier(system, async (householdId) => {
        await requestDispatch(system, householdId);
      });
      app = handle(makeApp(system));
    }
    // API Gateway's request id becomes the correlation id unless the caller brought a sane one of
    // its own, so a log line can be matched with the API Gateway access log. The app is handed
    // the id it would have chosen itself, so the app, the queue and the worker all agree on it.
    const id = correlationId(event.headers?.[CORRELATION_HEADER] ?? event.requestContext.requestId);
    const headers = { ...event.headers, [CORRELATION_HEADER]: id };
    // hono's v2 type insists on requestContext.authorizer, which API Gateway omits for routes
    // without an authorizer (all of ours: the app authenticates itself).
    const v2 = { ...event, headers, body: event.body ?? null } as unknown as Extract<
      LambdaEvent,
      { rawPath: string }
    >;
    const handler = app;
    return invoke('http', { correlationId: id }, () => handler(v2, context));
  };
}

export const handler = createHttpHandler(awsSystem);
