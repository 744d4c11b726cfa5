/**
 * Shared parts of the household agents' WebSocket handlers (agent-connect / agent-default /
 * agent-disconnect) on their own API Gateway WebSocket API, and the transport that reaches an
 * agent's socket through the API Gateway management API. The protocol itself is core's
 * (`@medianest/core/download/remote` over the hub); these are thin adapters from an event to it.
 *
 * Why a WebSocket API of their own, not the browsers' API told apart at `$connect`: the two kinds
 * of client share nothing but the transport. Browsers bring a single-use ticket in the query string
 * and send a ping now and then; agents bring a long-lived Bearer token in a header and send a frame
 * per progress tick. Apart, each `$connect` checks one credential, the browsers' `$default` stays a
 * table-free ping/pong, an agent frame never has to be told from a browser's, a bug on one side
 * cannot post to the other side's sockets (each function may manage only its own API's
 * connections), and each API has its own throttle. API Gateway bills messages and connection
 * minutes, not APIs: the second API costs nothing while idle.
 */
import type {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { encodeFrame, type ServerMessage } from '@medianest/core/download/protocol';
import type { AgentConnection, AgentTransport } from '@medianest/core/download/remote';
import { captureAwsClient } from '@medianest/core/observability/tracer';
import type { WsRequestContext } from './ws.ts';

/** The agent endpoint's stage name: agents dial `wss://<api>.execute-api.<region>.amazonaws.com/agent`. */
export const AGENT_STAGE_NAME = 'agent';

/** The token of an `Authorization: Bearer …` header (header names are case-insensitive). */
export function bearerToken(headers: Record<string, string | undefined> | null | undefined): string {
  const header = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  const m = /^Bearer\s+(\S+)$/i.exec(header?.trim() ?? '');
  return m?.[1] ?? '';
}

/** The connection an event came through: its id and its API's management endpoint. */
export const connectionOf = (rc: WsRequestContext): AgentConnection => ({
  connectionId: rc.connectionId,
  endpoint: `https://${rc.domainName}/${rc.stage}`,
});

type Sdk = typeof import('@aws-sdk/client-apigatewaymanagementapi');

export interface ManagementTransportOptions {
  /** The SDK module (default: imported on first use, so a function that never posts never loads it). */
  sdk?: () => Promise<Sdk>;
}

/**
 * The API Gateway management API as an AgentTransport: one client per endpoint, kept for the
 * container's life; `GoneException` (the agent left without a `$disconnect` reaching us) is
 * reported as a gone connection, anything else is thrown.
 */
export function managementTransport(options: ManagementTransportOptions = {}): AgentTransport {
  const load = options.sdk ?? (() => import('@aws-sdk/client-apigatewaymanagementapi'));
  let sdk: Promise<Sdk> | undefined;
  const clients = new Map<string, ApiGatewayManagementApiClient>();
  const clientFor = async (endpoint: string) => {
    sdk ??= load();
    const m = await sdk;
    let client = clients.get(endpoint);
    if (!client) {
      client = captureAwsClient(new m.ApiGatewayManagementApiClient({ endpoint }));
      clients.set(endpoint, client);
    }
    return { m, client };
  };
  const isGone = (error: unknown) => {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    return e.name === 'GoneException' || e.$metadata?.httpStatusCode === 410;
  };
  return {
    async send(connection: AgentConnection, frames: ServerMessage[]): Promise<boolean> {
      const { m, client } = await clientFor(connection.endpoint);
      for (const frame of frames) {
        const command: PostToConnectionCommand = new m.PostToConnectionCommand({
          ConnectionId: connection.connectionId,
          // Over API Gateway's frame limit it would close the connection: FrameTooLargeError instead.
          Data: encodeFrame(frame),
        });
        try {
          await client.send(command);
        } catch (error) {
          if (isGone(error)) return false;
          throw error;
        }
      }
      return true;
    },
    async close(connection: AgentConnection): Promise<void> {
      const { m, client } = await clientFor(connection.endpoint);
      const command: DeleteConnectionCommand = new m.DeleteConnectionCommand({
        ConnectionId: connection.connectionId,
      });
      try {
        await client.send(command);
      } catch (error) {
        if (!isGone(error)) throw error;
      }
    },
  };
}
