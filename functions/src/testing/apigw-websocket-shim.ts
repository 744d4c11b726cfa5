/**
 * An API-Gateway-shaped shim for tests: a real WebSocket server on 127.0.0.1 that does what API
 * Gateway's WebSocket API does with Lambda integrations, so a real client (the household agent)
 * can run against the Lambda handlers:
 * - the upgrade request becomes a `$connect` event (the handshake's headers, as sent); a status
 *   other than 200 refuses the upgrade with that status, as API Gateway does;
 * - every text message becomes a `$default` event, invoked at once (not one after another: API
 *   Gateway does not wait for one message's invocation before starting the next);
 * - the socket closing becomes a `$disconnect` event;
 * - a frame over 32 KB closes the connection with 1009, as API Gateway's WebSocket frame quota does
 *   (the `ws` client sends each message as one frame, so this is its message limit too);
 * - `post(connectionId, data)` / `close(connectionId)` are the management API's PostToConnection /
 *   DeleteConnection (wire them to the aws-sdk-client-mock of the management client).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { agentConnectEvent, agentDisconnectEvent, agentMessageEvent } from './events.ts';

type Handler = (event: unknown) => Promise<{ statusCode: number; body?: string }>;

export interface ApiGatewayWebSocketShimOptions {
  connect: Handler;
  message: Handler;
  disconnect: Handler;
  /** Invocation errors (API Gateway logs them; the shim hands them to the test). */
  onError?: (error: unknown, route: string) => void;
}

export interface ApiGatewayWebSocketShim {
  /** ws://127.0.0.1:<port>/agent */
  url: string;
  /** PostToConnection: false when no such connection is open (the SDK then throws GoneException). */
  post(connectionId: string, data: string): boolean;
  /** DeleteConnection. */
  close(connectionId: string): void;
  /** Connection ids open now. */
  connections(): string[];
  /** Invocations still running. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** API Gateway's WebSocket frame size quota. */
export const API_GATEWAY_FRAME_BYTES = 32 * 1024;

/** A connection id in API Gateway's shape (12 random bytes, base64). */
const newConnectionId = () => randomBytes(12).toString('base64');

/** The handshake's headers as the client sent them (names keep their case). */
function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) out[req.rawHeaders[i]!] = req.rawHeaders[i + 1]!;
  return out;
}

const REASONS: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  500: 'Internal Server Error',
};

export async function startApiGatewayWebSocketShim(
  options: ApiGatewayWebSocketShimOptions,
): Promise<ApiGatewayWebSocketShim> {
  const sockets = new Map<string, WebSocket>();
  const pending = new Set<Promise<unknown>>();
  const run = (route: string, f: () => Promise<unknown>) => {
    const p: Promise<unknown> = f()
      .catch((error: unknown) => options.onError?.(error, route))
      .finally(() => pending.delete(p));
    pending.add(p);
    return p;
  };
  const wss = new WebSocketServer({ noServer: true, maxPayload: API_GATEWAY_FRAME_BYTES });
  const server = createServer((_req, res) => {
    // API Gateway answers a plain request to a WebSocket stage with 426.
    res.writeHead(426, { 'content-type': 'text/plain' }).end('Upgrade Required');
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const connectionId = newConnectionId();
    void run('$connect', async () => {
      let status: number;
      try {
        status = (await options.connect(agentConnectEvent(connectionId, headersOf(req)))).statusCode;
      } catch (error) {
        status = 500;
        options.onError?.(error, '$connect');
      }
      if (status !== 200) {
        socket.end(
          `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
        );
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        sockets.set(connectionId, ws);
        // A frame over the limit: ws closes the connection with 1009 (API Gateway logs nothing more).
        ws.on('error', () => undefined);
        ws.on('message', (data, isBinary) => {
          const body = isBinary ? Buffer.from(data as Buffer).toString('base64') : String(data);
          void run('$default', () =>
            options.message(agentMessageEvent(connectionId, body, { binary: isBinary })),
          );
        });
        ws.on('close', (code, reason) => {
          sockets.delete(connectionId);
          void run('$disconnect', () =>
            options.disconnect(agentDisconnectEvent(connectionId, code, String(reason))),
          );
        });
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/agent`,
    post(connectionId, data) {
      const ws = sockets.get(connectionId);
      if (!ws || ws.readyState !== ws.OPEN) return false;
      ws.send(data);
      return true;
    },
    close(connectionId) {
      sockets.get(connectionId)?.close(1000, 'Connection closed by the server');
    },
    connections: () => [...sockets.keys()],
    async settled() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    async stop() {
      for (const ws of sockets.values()) ws.terminate();
      await new Promise<void>((r) => server.close(() => r()));
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
