/**
 * A tiny in-process MediaNest for agent tests and the benchmark: the core AgentHub behind a real
 * `ws` server on 127.0.0.1, a SQLite table on the real clock, a household seeded with an owner and
 * members, and an agent token. It is what the runtime's agent endpoint does, minus HTTP routing.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DomainDeps } from '@medianest/core/actor/deps';
import { AesKeyring } from '@medianest/core/adapter/keyring/aes';
import { openSqlite } from '@medianest/core/adapter/sqlite/db';
import { SqliteTable } from '@medianest/core/adapter/table/sqlite';
import * as Agents from '@medianest/core/download/agents';
import { AgentAuthError } from '@medianest/core/download/errors';
import { AgentHub, type AgentSession, type HubDeps } from '@medianest/core/download/hub';
import type { JobTarget } from '@medianest/core/download/protocol';
import { as, RecordingRealtime, type SeededHousehold, seedHousehold } from '@medianest/core/download/testing';
import { systemClock } from '@medianest/core/port/clock';
import { WebSocketServer } from 'ws';

export interface AgentTestServer {
  url: string;
  deps: HubDeps & DomainDeps & { realtime: RecordingRealtime };
  readonly hub: AgentHub;
  household: SeededHousehold;
  token: string;
  agentId: string;
  /** Frames received from agents, in order (for latency measurements). */
  onFrame?: (text: string) => void;
  /** Cuts every agent connection, as a server restart or a network drop does. */
  dropConnections(): void;
  /** Stops the server (the in-memory hub with it) and starts a fresh one on the same port and table. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface AgentTestServerOptions {
  plexFor?: (householdId: string, sectionKey: string) => Promise<JobTarget['plex'] | undefined>;
  /** Run the hub's lease sweep this often (ms); off when absent. */
  tickMs?: number;
}

export async function startAgentTestServer(options: AgentTestServerOptions = {}): Promise<AgentTestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'medianest-agent-server-'));
  const db = openSqlite(join(dir, 'medianest.db'));
  let hub: AgentHub | undefined;
  // Set by listen(): the hub of the current server instance (a restart makes a new one).
  const deps: AgentTestServer['deps'] = {
    table: new SqliteTable(db, { clock: systemClock }),
    keyring: new AesKeyring(randomBytes(32)),
    clock: systemClock,
    realtime: new RecordingRealtime(),
    notifyAgents: (hh: string) => hub?.poke(hh),
    ...(options.plexFor ? { plexFor: options.plexFor } : {}),
  };
  const household = await seedHousehold(deps);
  const { token, agent } = await as(household.owner, household.hh, () =>
    Agents.createAgent(deps, { name: 'test agent' }),
  );
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    const q = p.catch(() => undefined).finally(() => pending.delete(q));
    pending.add(q);
  };
  let server: AgentTestServer | undefined;
  const listen = async (port: number) => {
    const h = new AgentHub(deps);
    hub = h;
    const wss = new WebSocketServer({ host: '127.0.0.1', port });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    wss.on('connection', (socket, req) => {
      const auth = req.headers.authorization ?? '';
      const bearer = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      let session: AgentSession | undefined;
      const early: string[] = [];
      socket.on('message', (data) => {
        const text = String(data);
        server?.onFrame?.(text);
        if (session) track(h.receive(session, text));
        else early.push(text);
      });
      socket.on('close', () => {
        if (session) track(h.disconnect(session));
      });
      h.connect(bearer, {
        send: (m) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(m)),
        close: (code, reason) => socket.close(code, reason),
      }).then(
        (s) => {
          session = s;
          for (const t of early.splice(0)) track(h.receive(s, t));
        },
        (error: unknown) => socket.close(error instanceof AgentAuthError ? 4401 : 1011, 'unauthorized'),
      );
    });
    const timer = options.tickMs ? setInterval(() => track(h.tick()), options.tickMs) : undefined;
    const stop = async () => {
      if (timer) clearInterval(timer);
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      // Disconnect handlers still write presence: let them finish before going on.
      while (pending.size > 0) await Promise.allSettled([...pending]);
    };
    return { hub: h, wss, stop, port: (wss.address() as AddressInfo).port };
  };
  let current = await listen(0);
  const port = current.port;
  server = {
    url: `ws://127.0.0.1:${port}/agent`,
    deps,
    get hub() {
      return current.hub;
    },
    household,
    token,
    agentId: agent.id,
    dropConnections: () => {
      for (const c of current.wss.clients) c.terminate();
    },
    restart: async () => {
      await current.stop();
      current = await listen(port);
    },
    close: async () => {
      await current.stop();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
