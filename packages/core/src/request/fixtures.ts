/**
 * Test support for the request, quota and notification suites: a household written straight
 * into the table (the household module's own flows are tested there), members created through
 * the user module, and a realtime hub whose "connections" record what they were sent.
 */
import type { DomainDeps } from '../actor/deps.ts';
import { newId } from '../actor/id.ts';
import { LocalRealtime } from '../adapter/realtime/local.ts';
import { ENTITY_VERSION, type HouseholdItem, keys, memberItem } from '../household/keys.ts';
import type { Overrides, Role } from '../household/permissions.ts';
import * as User from '../user/user.ts';

export interface SeedMember {
  name: string;
  plexId: number;
  role: Role;
  overrides?: Overrides;
  /** A Plex token on file (lets Overseerr's Plex sign-in create an account). */
  token?: string;
}

export async function seedHousehold(
  deps: DomainDeps,
  members: SeedMember[],
): Promise<{ householdId: string; users: Record<string, string> }> {
  const now = deps.clock.now();
  const householdId = newId('hh', now);
  const users: Record<string, string> = {};
  for (const m of members) {
    const { user } = await User.upsertFromPlex(deps, {
      account: { id: m.plexId, username: m.name.toLowerCase(), title: m.name },
      ...(m.token ? { token: m.token } : {}),
    });
    users[m.name] = user.id;
  }
  const owner = members.find((m) => m.role === 'owner') ?? (members[0] as SeedMember);
  const household: HouseholdItem = {
    ...keys.household(householdId),
    type: 'household',
    v: ENTITY_VERSION,
    rev: 1,
    id: householdId,
    name: 'Test household',
    ownerId: users[owner.name] as string,
    servers: [],
    createdAt: now,
    updatedAt: now,
  };
  await deps.table.put(household);
  for (const m of members) {
    await deps.table.put(
      memberItem(
        householdId,
        users[m.name] as string,
        {
          role: m.role,
          status: 'active',
          joinedVia: 'created',
          ...(m.overrides ? { overrides: m.overrides } : {}),
        },
        now,
      ),
    );
  }
  return { householdId, users };
}

/** A realtime hub with one recording connection per user (in one household). */
export function recordingRealtime(): {
  realtime: LocalRealtime;
  watch(userId: string, householdId: string): { type: string; data: unknown }[];
} {
  const realtime = new LocalRealtime();
  let n = 0;
  return {
    realtime,
    watch(userId, householdId) {
      const seen: { type: string; data: unknown }[] = [];
      realtime.connect({ id: `c${++n}`, send: (d) => seen.push(JSON.parse(d)) }, { userId, householdId });
      return seen;
    },
  };
}

export interface ReceivedCall {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Receiver {
  url: string;
  calls: ReceivedCall[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP server that records every call and answers with `answer` (200 by default):
 * stands in for Discord, ntfy, a generic webhook, or MediaNest's webhook route.
 */
export async function startReceiver(
  answer: (
    call: ReceivedCall,
  ) => Promise<{ status: number; body?: string }> | { status: number; body?: string } = () => ({
    status: 200,
  }),
): Promise<Receiver> {
  const { createServer } = await import('node:http');
  const calls: ReceivedCall[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call: ReceivedCall = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      calls.push(call);
      Promise.resolve(answer(call)).then(
        (a) => res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body ?? ''),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
