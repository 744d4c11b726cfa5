import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { createLogger } from '@medianest/core/observability/logger';
import { FakeClock } from '@medianest/core/port/clock';
import { issueTicket } from '@medianest/core/realtime/index';
import { createLocalSystem, type LocalSystem, loadConfig } from '@medianest/core/system/index';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { type SocketHub, socketRoute, WS_UNAUTHENTICATED } from './ws.ts';

let dir: string;
let system: LocalSystem;
let server: Server;
let base: string;
let hub: SocketHub;
const clock = new FakeClock();
const scope = { userId: 'usr_01JAAAAAAAAAAAAAAAAAAAAAAA', householdId: 'hh_01JAAAAAAAAAAAAAAAAAAAAAAA' };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mn-ws-'));
  system = await createLocalSystem(loadConfig({ MEDIANEST_DATA_DIR: dir }), {
    clock,
    logger: createLogger('mn-ws-test', { level: 'SILENT' }),
  });
  hub = { sockets: new Set() };
  const root = new Hono();
  root.get('/ws', socketRoute(system.logger, hub, system));
  server = createAdaptorServer({
    fetch: root.fetch,
    websocket: { server: new WebSocketServer({ noServer: true }) },
  }) as Server;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
});

afterEach(async () => {
  for (const ws of hub.sockets) ws.close(1001);
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await system.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(url: string) {
  const ws = new WebSocket(url);
  const messages: string[] = [];
  ws.on('message', (d) => messages.push(String(d)));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = () => new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
  return { ws, messages, closed, opened, next };
}

describe('/ws', () => {
  it('redeems a ticket, answers pings and delivers the household’s messages', async () => {
    // arrange
    const { ticket } = await issueTicket(system, scope);
    const s = open(`${base}?ticket=${ticket}`);
    await s.opened;
    // act
    const pong = s.next();
    s.ws.send(JSON.stringify({ type: 'ping' }));
    expect(JSON.parse(await pong)).toEqual({ type: 'pong' });
    // assert: the socket is in the hub with the ticket's scope
    const pushed = s.next();
    expect(
      await system.realtime.publish({ householdId: scope.householdId }, { type: 'status', data: { ok: 1 } }),
    ).toEqual({
      delivered: 1,
    });
    expect(JSON.parse(await pushed)).toEqual({ type: 'status', data: { ok: 1 } });
    expect(await system.realtime.publish({ householdId: 'hh_other' }, { type: 'x', data: null })).toEqual({
      delivered: 0,
    });
    expect(await system.realtime.watchedHouseholds()).toEqual([scope.householdId]);
    s.ws.close(1000);
    await s.closed;
    await expect.poll(() => system.realtime.connectionCount()).toBe(0);
  });

  it.each([
    ['no ticket', async () => ''],
    ['a malformed ticket', async () => '?ticket=nope'],
    ['an unknown ticket', async () => `?ticket=${'A'.repeat(43)}`],
    [
      'a used ticket',
      async () => {
        const { ticket } = await issueTicket(system, scope);
        const first = open(`${base}?ticket=${ticket}`);
        await first.opened;
        first.ws.close();
        return `?ticket=${ticket}`;
      },
    ],
    [
      'an expired ticket',
      async () => {
        const { ticket } = await issueTicket(system, scope);
        clock.advance(61_000);
        return `?ticket=${ticket}`;
      },
    ],
  ])('closes a socket with %s with 4401', async (_, query) => {
    const s = open(`${base}${await query()}`);
    expect(await s.closed).toEqual({ code: WS_UNAUTHENTICATED, reason: 'unauthenticated' });
    expect(system.realtime.connectionCount()).toBe(0);
  });

  it('without a system to check tickets, registers nothing: ping only, anything else closes 4401', async () => {
    const root = new Hono();
    const bare: SocketHub = { sockets: new Set() };
    root.get('/ws', socketRoute(system.logger, bare));
    const other = createAdaptorServer({
      fetch: root.fetch,
      websocket: { server: new WebSocketServer({ noServer: true }) },
    }) as Server;
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    try {
      const { ticket } = await issueTicket(system, scope);
      const s = open(`ws://127.0.0.1:${(other.address() as AddressInfo).port}/ws?ticket=${ticket}`);
      await s.opened;
      const pong = s.next();
      s.ws.send(JSON.stringify({ type: 'ping' }));
      expect(JSON.parse(await pong)).toEqual({ type: 'pong' });
      expect(system.realtime.connectionCount()).toBe(0);
      s.ws.send(JSON.stringify({ type: 'subscribe' }));
      expect(await s.closed).toEqual({ code: WS_UNAUTHENTICATED, reason: 'unauthenticated' });
    } finally {
      other.closeAllConnections();
      await new Promise((r) => other.close(r));
    }
  });
});
