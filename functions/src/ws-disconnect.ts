/** WebSocket `$disconnect`: forget the connection so nothing is pushed to it any more. */
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { awsSystem, invocationLogger, invoke, type SystemSource } from './runtime.ts';
import { connectionRegistry, type WsResult, wsRequestContext } from './ws.ts';

const disconnectEvent = z.object({
  requestContext: wsRequestContext.extend({
    disconnectStatusCode: z.number().int().optional(),
    disconnectReason: z.string().optional(),
  }),
});

export function createDisconnectHandler(getSystem: SystemSource) {
  return async (event: unknown, context?: Context): Promise<WsResult> => {
    const system = await getSystem();
    const { requestContext } = disconnectEvent.parse(event);
    const { connectionId, requestId } = requestContext;
    return invoke('ws-disconnect', { correlationId: requestId }, async (): Promise<WsResult> => {
      const logger = invocationLogger(system, requestId, context, { connection_id: connectionId });
      // Delivery is best effort ($disconnect may never arrive): the adapter also drops connections
      // that the management API reports gone, and stored connections expire by TTL.
      await connectionRegistry(system).removeConnection(connectionId);
      logger.info('WebSocket disconnected', {
        code: requestContext.disconnectStatusCode,
        reason: requestContext.disconnectReason,
      });
      return { statusCode: 200 };
    });
  };
}

export const handler = createDisconnectHandler(awsSystem);
