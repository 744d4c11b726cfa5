/**
 * Agents' WebSocket `$default`: every frame an agent sends (hello, heartbeat, job reports). The
 * session is loaded from the table and locked, core's `onAgentMessage` applies the frame, the
 * replies (welcome, offers, cancels, acks, errors) go back through the management API, and the
 * session is saved. A fatal error frame (revoked token, another agent's id) closes the socket.
 */
import { agentTransportOf, handleRemoteFrame, remoteHubDeps } from '@medianest/core/download/remote';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { connectionOf } from './agent.ts';
import {
  awsSystem,
  invocationLogger,
  invoke,
  type SystemSource,
  withCorrelatedQueue,
  withLogger,
} from './runtime.ts';
import { type WsResult, wsRequestContext } from './ws.ts';

/**
 * API Gateway's largest WebSocket message. Agents keep every frame within the protocol's
 * MAX_FRAME_BYTES (a large resolution comes in parts); a larger body is not one of ours.
 */
export const MAX_AGENT_FRAME_BYTES = 128 * 1024;

const messageEvent = z.object({
  requestContext: wsRequestContext,
  body: z.string().nullish(),
  isBase64Encoded: z.boolean().optional(),
});

export function createAgentDefaultHandler(getSystem: SystemSource) {
  return async (event: unknown, context?: Context): Promise<WsResult> => {
    const system = await getSystem();
    const { requestContext, body, isBase64Encoded } = messageEvent.parse(event);
    const { connectionId, requestId } = requestContext;
    return invoke('agent-default', { correlationId: requestId }, async (): Promise<WsResult> => {
      const logger = invocationLogger(system, requestId, context, { connection_id: connectionId });
      const transport = agentTransportOf(system);
      if (!transport) {
        // A wiring bug (a System without the management transport), not an agent error.
        throw new Error('The agent handlers need an agent transport (provideAgentTransport)');
      }
      // Agents send JSON text frames; a binary frame arrives base64-encoded and is not one of ours.
      const text =
        body && !isBase64Encoded && Buffer.byteLength(body, 'utf8') <= MAX_AGENT_FRAME_BYTES ? body : '';
      const deps = remoteHubDeps(withLogger(withCorrelatedQueue(system), logger));
      const outcome = await handleRemoteFrame(deps, transport, connectionOf(requestContext), text);
      if (outcome.closed || outcome.gone) {
        logger.info('Agent connection ended by this frame', {
          closed: outcome.closed,
          gone: outcome.gone,
          replies: outcome.frames.map((f) => (f.type === 'error' ? `error:${f.code}` : f.type)),
        });
      }
      return { statusCode: 200 };
    });
  };
}

export const handler = createAgentDefaultHandler(awsSystem);
