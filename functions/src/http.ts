/** HTTP API (payload v2) → the Hono app. The same app the local runtime serves. */
import { createApp } from '@medianest/api';
import { CORRELATION_HEADER } from '@medianest/core/observability/logger';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { awsSystem, type SystemSource } from './runtime.ts';

type LambdaHandler = ReturnType<typeof handle>;

export function createHttpHandler(getSystem: SystemSource) {
  let app: LambdaHandler | undefined;
  return async (event: APIGatewayProxyEventV2, context: Context) => {
    app ??= handle(createApp(await getSystem()));
    // API Gateway's request id becomes the correlation id unless the caller brought its own, so a
    // log line can be matched with the API Gateway access log.
    const headers = { ...event.headers };
    headers[CORRELATION_HEADER] ??= event.requestContext.requestId;
    // hono's v2 type insists on requestContext.authorizer, which API Gateway omits for routes
    // without an authorizer (all of ours: the app authenticates itself).
    const v2 = { ...event, headers, body: event.body ?? null } as unknown as Extract<
      LambdaEvent,
      { rawPath: string }
    >;
    return app(v2, context);
  };
}

export const handler = createHttpHandler(awsSystem);
