/**
 * Shared parts of the three WebSocket handlers. hono/aws-lambda does not handle API Gateway
 * WebSocket events, so these are plain Lambda handlers: validate the event, call core, answer.
 */
import type { TicketScope } from '@medianest/core/realtime/index';
import type { System } from '@medianest/core/system/index';
import { z } from 'zod';

/** What the AWS Realtime adapter offers beyond the port: the table of live connections. */
export interface ConnectionRegistry {
  registerConnection(connectionId: string, scope: TicketScope): Promise<unknown>;
  removeConnection(connectionId: string): Promise<unknown>;
}

export function connectionRegistry(system: System): ConnectionRegistry {
  const realtime = system.realtime as Partial<ConnectionRegistry>;
  if (typeof realtime.registerConnection !== 'function' || typeof realtime.removeConnection !== 'function') {
    // A wiring bug (a local System behind API Gateway), not a client error.
    throw new Error(
      'The WebSocket handlers need the API Gateway Realtime adapter (registerConnection/removeConnection)',
    );
  }
  return realtime as ConnectionRegistry;
}

export const wsRequestContext = z.object({
  connectionId: z.string().min(1),
  requestId: z.string().min(1),
  routeKey: z.string(),
  domainName: z.string().min(1),
  stage: z.string().min(1),
});

export type WsRequestContext = z.infer<typeof wsRequestContext>;

/** The answer API Gateway expects from a WebSocket route integration. */
export interface WsResult {
  statusCode: number;
  body?: string;
}
