/**
 * WebSocket `$default`: every client message. Today the protocol has one client message, the
 * keep-alive `{"type":"ping"}` (API Gateway drops idle connections after 10 minutes), answered
 * with `{"type":"pong"}` through the management API — the same exchange as the local `/ws`.
 */
import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { captureAwsClient } from '@medianest/core/observability/tracer';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { awsSystem, invocationLogger, invoke, type SystemSource } from './runtime.ts';
import { connectionRegistry, type WsResult, wsRequestContext } from './ws.ts';

const messageEvent = z.object({
  requestContext: wsRequestContext,
  body: z
    .string()
    .max(32 * 1024)
    .nullish(),
  isBase64Encoded: z.boolean().optional(),
});

const clientMessage = z.object({ type: z.literal('ping') });

const clients = new Map<string, ApiGatewayManagementApiClient>();

/** One management client per endpoint, kept for the container's life (connection reuse). */
function managementClient(endpoint: string): ApiGatewayManagementApiClient {
  let client = clients.get(endpoint);
  if (!client) {
    client = captureAwsClient(new ApiGatewayManagementApiClient({ endpoint }));
    clients.set(endpoint, client);
  }
  return client;
}

function parseMessage(body: string | null | undefined) {
  if (!body || body.length > 1024) return undefined;
  try {
    const parsed = clientMessage.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    // Not JSON: treated like any other message the protocol does not define.
    return undefined;
  }
}

export function createDefaultHandler(getSystem: SystemSource) {
  return async (event: unknown, context?: Context): Promise<WsResult> => {
    const system = await getSystem();
    const { requestContext, body } = messageEvent.parse(event);
    const { connectionId, requestId, domainName, stage } = requestContext;
    return invoke('ws-default', { correlationId: requestId }, async (): Promise<WsResult> => {
      const logger = invocationLogger(system, requestId, context, { connection_id: connectionId });
      const message = parseMessage(body);
      if (!message) {
        logger.debug('Ignored WebSocket message the protocol does not define', { bytes: body?.length ?? 0 });
        return { statusCode: 200 };
      }
      // The configured endpoint when there is one (it stays right behind a custom domain), else the
      // API this event came through.
      const endpoint = system.config.aws.wsEndpoint ?? `https://${domainName}/${stage}`;
      try {
        await managementClient(endpoint).send(
          new PostToConnectionCommand({ ConnectionId: connectionId, Data: JSON.stringify({ type: 'pong' }) }),
        );
      } catch (error) {
        if (!(error instanceof GoneException)) throw error;
        // The client left between its ping and our pong.
        await connectionRegistry(system).removeConnection(connectionId);
        logger.info('WebSocket gone before pong; connection removed');
      }
      return { statusCode: 200 };
    });
  };
}

export const handler = createDefaultHandler(awsSystem);
