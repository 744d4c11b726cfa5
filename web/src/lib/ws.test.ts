/**
 * The shared realtime client against a real WebSocket server on 127.0.0.1 (the `ws` package): the
 * browser's `WebSocket` is Node's own (same WHATWG API), and `window` / `document` are bare
 * EventTargets standing in for the page's online/offline and visibility events.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type WebSocket as ServerSocket, WebSocketServer } from 'ws';
import { createWsClient, type WsClient, type WsMessage } from './ws.ts';

type Page = EventTarget & { visibilityState?: string };
const g = globalThis as unknown as { window?: EventTarget; document?: Page };

beforeAll(() => {
  g.window ??= new EventTarget();
  g.document ??= Object.assign(new EventTarget(), { visibilityState: 'visible' });
});

interface TestServer {
  url: string;
  /** Every connection so far, with the path (and query) it asked for. */
  connections: { socket: ServerSocket; path: string }[];
  /** Answer `{type:'ping'}` with a pong (default true). */
  answerPings: boolean;
  close(): Promise<void>;
}

async function startServer(): Promise<TestServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const server: TestServer = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    connections: [],
    answerPings: true,
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
  wss.on('connection', (socket, req) => {
    server.connections.push({ socket, path: req.url ?? '' });
    socket.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as WsMessage;
      if (msg.type === 'ping' && server.answerPings) socket.send(JSON.stringify({ type: 'pong' }));
    });
  });
  return server;
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let server: TestServer;
let client: WsClient | undefined;

beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  client?.stop();
  client = undefined;
  await server.close();
});

describe('the realtime client', () => {
  it('is idle until started, goes live, and fans messages out by type and to "*"', async () => {
    client = createWsClient({ url: server.url, initialBackoffMs: 20, maxBackoffMs: 50 });
    expect(client.status()).toBe('idle');
    expect(client.send({ type: 'x' })).toBe(false);
    const typed: WsMessage[] = [];
    const all: string[] = [];
    let opened = 0;
    client.subscribe('status.changed', (m) => typed.push(m));
    client.subscribe('*', (m) => all.push(m.type));
    client.onOpen(() => opened++);

    client.start();
    expect(client.status()).toBe('connecting');
    await until('live', () => client?.status() === 'live');
    expect(opened).toBe(1);
    const [conn] = await until('a connection', () => server.connections.length > 0 && server.connections);
    conn?.socket.send(JSON.stringify({ type: 'status.changed', data: { service: 'plex' } }));
    conn?.socket.send(JSON.stringify({ type: 'request.updated', data: {} }));
    await until('two messages', () => all.includes('request.updated'));
    expect(typed).toEqual([{ type: 'status.changed', data: { service: 'plex' } }]);
    expect(all).toEqual(expect.arrayContaining(['status.changed', 'request.updated']));
  });

  it('ignores frames that are not JSON objects with a type, and one throwing subscriber does not starve the rest', async () => {
    client = createWsClient({ url: server.url });
    const seen: string[] = [];
    client.subscribe('n', () => {
      throw new Error('broken subscriber');
    });
    client.subscribe('n', (m) => seen.push(String(m.v)));
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      client.start();
      const [conn] = await until('a connection', () => server.connections.length > 0 && server.connections);
      await until('live', () => client?.status() === 'live');
      for (const frame of ['not json', '42', '{"no":"type"}', '{"type":7}', '{"type":"n","v":1}']) {
        conn?.socket.send(frame);
      }
      await until('the valid message', () => seen.length === 1);
      expect(seen).toEqual(['1']);
      expect(client.status()).toBe('live');
      // The throw is re-raised outside the socket handler (a microtask), not swallowed.
      await until('the re-raised error', () => uncaught.length === 1);
      expect(String(uncaught[0])).toContain('broken subscriber');
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('reconnects after the server drops it, asking for a fresh URL (ticket) each time, and runs onOpen again', async () => {
    let tickets = 0;
    client = createWsClient({
      url: () => `${server.url}/ws?ticket=t${++tickets}`,
      initialBackoffMs: 20,
      maxBackoffMs: 50,
    });
    let opened = 0;
    client.onOpen(() => opened++);
    client.start();
    await until('live', () => client?.status() === 'live');
    server.connections[0]?.socket.close(1011, 'server restart');
    await until('reconnecting', () => client?.status() === 'reconnecting');
    expect(client.nextRetryAt()).toBeGreaterThan(0);
    await until('live again', () => opened === 2 && client?.status() === 'live');
    expect(server.connections.map((c) => c.path)).toEqual(['/ws?ticket=t1', '/ws?ticket=t2']);
    expect(client.nextRetryAt()).toBeNull();
  });

  it('a ticket request that fails is retried like a failed connection', async () => {
    let calls = 0;
    client = createWsClient({
      url: async () => {
        calls++;
        if (calls < 3) throw new Error('503 from the ticket route');
        return server.url;
      },
      initialBackoffMs: 10,
      maxBackoffMs: 20,
    });
    client.start();
    await until('live', () => client?.status() === 'live');
    expect(calls).toBe(3);
    expect(server.connections).toHaveLength(1);
  });

  it('replaces a socket whose ping goes unanswered', async () => {
    server.answerPings = false;
    client = createWsClient({
      url: server.url,
      pingIntervalMs: 50,
      pongTimeoutMs: 100,
      initialBackoffMs: 10,
      maxBackoffMs: 20,
    });
    client.start();
    await until('a second connection', () => server.connections.length >= 2);
    server.answerPings = true;
    const count = server.connections.length;
    await until('live', () => client?.status() === 'live');
    // Answered pings keep it: no further replacement over several ping periods.
    await new Promise((r) => setTimeout(r, 400));
    expect(server.connections.length).toBeLessThanOrEqual(count + 1);
    expect(client.status()).toBe('live');
  });

  it('stop() closes the socket, goes idle and never reconnects', async () => {
    client = createWsClient({ url: server.url, initialBackoffMs: 10, maxBackoffMs: 20 });
    client.start();
    await until('live', () => client?.status() === 'live');
    const [conn] = server.connections;
    const closed = once(conn?.socket as ServerSocket, 'close');
    client.stop();
    expect(client.status()).toBe('idle');
    const [code] = (await closed) as [number];
    expect(code).toBe(1000);
    await new Promise((r) => setTimeout(r, 200));
    expect(server.connections).toHaveLength(1);
    expect(client.send({ type: 'x' })).toBe(false);
  });

  it('setUrl moves a running client to the new URL at once (e.g. another household)', async () => {
    client = createWsClient({ url: `${server.url}/ws?ticket=a`, initialBackoffMs: 10 });
    client.start();
    await until('live', () => client?.status() === 'live');
    client.setUrl(`${server.url}/ws?ticket=b`);
    await until('the second connection', () => server.connections.length === 2);
    await until('live', () => client?.status() === 'live');
    expect(server.connections.map((c) => c.path)).toEqual(['/ws?ticket=a', '/ws?ticket=b']);
    expect(client.send({ type: 'hello' })).toBe(true);
  });

  it('goes offline when the browser does and retries at once when it comes back', async () => {
    const nav = globalThis.navigator as { onLine?: boolean };
    const descriptor = Object.getOwnPropertyDescriptor(globalThis.navigator, 'onLine');
    let online = true;
    Object.defineProperty(nav, 'onLine', { configurable: true, get: () => online });
    try {
      client = createWsClient({ url: server.url, initialBackoffMs: 60_000, maxBackoffMs: 60_000 });
      client.start();
      await until('live', () => client?.status() === 'live');
      online = false;
      server.connections[0]?.socket.terminate();
      await until('offline', () => client?.status() === 'offline');
      expect(client.nextRetryAt()).toBeNull();
      online = true;
      g.window?.dispatchEvent(new Event('online'));
      // A 60 s backoff would have kept it down: the online event skips it.
      await until('live again', () => client?.status() === 'live');
      expect(server.connections).toHaveLength(2);
    } finally {
      if (descriptor) Object.defineProperty(nav, 'onLine', descriptor);
      else delete nav.onLine;
    }
  });
});
