/**
 * WebSocket `$connect`: the browser opens `wss://…?ticket=<t>` with a ticket it obtained over the
 * authenticated HTTP API moments before. A valid ticket (single use, 60 s) registers the
 * connection under its user and household; anything else refuses the upgrade with 401.
 */

import { annotateTrace } from '@medianest/core/observability/tracer';
import { consumeTicket } from '@medianest/core/realtime/index';
import { requestWatchedCheck } from '@medianest/core/status/index';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { awsSystem, invocationLogger, invoke, type SystemSource, withCorrelatedQueue } from './runtime.ts';
import { connectionRegistry, type WsResult, wsRequestContext } from './ws.ts';

const connectEvent = z.object({
  requestContext: wsRequestContext,
  queryStringParameters: z.record(z.string(), z.string()).nullish(),
});

export function createConnectHandler(getSystem: SystemSource) {
  return async (event: unknown, context?: Context): Promise<WsResult> => {
    const system = await getSystem();
    const { requestContext, queryStringParameters } = connectEvent.parse(event);
    const { connectionId, requestId } = requestContext;
    return invoke('ws-connect', { correlationId: requestId }, async (): Promise<WsResult> => {
      const logger = invocationLogger(system, requestId, context, { connection_id: connectionId });
      const ticket = queryStringParameters?.ticket;
      const scope = ticket ? await consumeTicket(system, ticket) : undefined;
      if (!scope) {
        // Same answer for missing, unknown, reused and expired tickets: nothing to probe.
        logger.info('WebSocket connect refused', { reason: ticket ? 'invalid_ticket' : 'no_ticket' });
        return { statusCode: 401, body: 'Unauthorized' };
      }
      annotateTrace({ householdId: scope.householdId });
      await connectionRegistry(system).registerConnection(connectionId, scope);
      // Someone started watching: a first status check now (de-duplicated with the tick's), so
      // an opened dashboard goes live without waiting for the next tick. Best effort.
      await requestWatchedCheck(withCorrelatedQueue(system), scope.householdId, system.clock.now());
      logger.info('WebSocket connected', { userId: scope.userId, householdId: scope.householdId });
      return { statusCode: 200 };
    });
  };
}

export const handler = createConnectHandler(awsSystem);
