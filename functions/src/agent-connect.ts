/**
 * Agents' WebSocket `$connect`: the household agent dials out with `Authorization: Bearer mna_…`
 * (API Gateway hands `$connect` the handshake's headers; the token never travels in the URL, where
 * it would land in access logs). A valid token stores the agent session in the table under the
 * connection id; anything else refuses the upgrade with 401, and the agent retries with backoff.
 */
import { AgentAuthError } from '@medianest/core/download/errors';
import { openRemoteSession, remoteHubDeps } from '@medianest/core/download/remote';
import { annotateTrace } from '@medianest/core/observability/tracer';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { bearerToken, connectionOf } from './agent.ts';
import { awsSystem, invocationLogger, invoke, type SystemSource, withLogger } from './runtime.ts';
import { type WsResult, wsRequestContext } from './ws.ts';

const connectEvent = z.object({
  requestContext: wsRequestContext,
  headers: z.record(z.string(), z.string()).nullish(),
});

export function createAgentConnectHandler(getSystem: SystemSource) {
  return async (event: unknown, context?: Context): Promise<WsResult> => {
    const system = await getSystem();
    const { requestContext, headers } = connectEvent.parse(event);
    const { connectionId, requestId } = requestContext;
    return invoke('agent-connect', { correlationId: requestId }, async (): Promise<WsResult> => {
      const logger = invocationLogger(system, requestId, context, { connection_id: connectionId });
      const token = bearerToken(headers);
      try {
        const session = await openRemoteSession(
          remoteHubDeps(withLogger(system, logger)),
          token,
          connectionOf(requestContext),
        );
        annotateTrace({ householdId: session.householdId });
        logger.info('Agent connected', { householdId: session.householdId, agentId: session.agentId });
        return { statusCode: 200 };
      } catch (error) {
        if (!(error instanceof AgentAuthError)) throw error;
        // Same answer for a missing, malformed, unknown and revoked token: nothing to probe.
        logger.info('Agent refused: unknown or revoked token', { reason: token ? 'bad_token' : 'no_token' });
        return { statusCode: 401, body: 'Unauthorized' };
      }
    });
  };
}

export const handler = createAgentConnectHandler(awsSystem);
