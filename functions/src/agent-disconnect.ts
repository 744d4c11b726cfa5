/**
 * Agents' WebSocket `$disconnect`: the session is deleted and the agent marked offline (unless a
 * newer connection of the same agent already owns its presence). Delivery is best effort: a gone
 * connection is also closed when a post to it fails, and sessions expire by TTL. The jobs the agent
 * held keep their leases; the tick's lease sweep puts them back in the queue if it does not return.
 */
import { closeRemoteSession, remoteHubDeps } from '@medianest/core/download/remote';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { awsSystem, invocationLogger, invoke, type SystemSource, withLogger } from './runtime.ts';
import { type WsResult, wsRequestContext } from './ws.ts';

const disconnectEvent = z.object({
  requestContext: wsRequestContext.extend({
    disconnectStatusCode: z.number().int().optional(),
    disconnectReason: z.string().optional(),
  }),
});

export function createAgentDisconnectHandler(getSystem: SystemSource) {
  return async (event: unknown, context?: Context): Promise<WsResult> => {
    const system = await getSystem();
    const { requestContext } = disconnectEvent.parse(event);
    const { connectionId, requestId } = requestContext;
    return invoke('agent-disconnect', { correlationId: requestId }, async (): Promise<WsResult> => {
      const logger = invocationLogger(system, requestId, context, { connection_id: connectionId });
      const session = await closeRemoteSession(remoteHubDeps(withLogger(system, logger)), connectionId);
      logger.info('Agent disconnected', {
        code: requestContext.disconnectStatusCode,
        reason: requestContext.disconnectReason,
        ...(session ? { householdId: session.householdId, agentId: session.agentId } : { known: false }),
      });
      return { statusCode: 200 };
    });
  };
}

export const handler = createAgentDisconnectHandler(awsSystem);
