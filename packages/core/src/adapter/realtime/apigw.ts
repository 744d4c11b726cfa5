/**
 * Realtime on the API Gateway WebSocket API: the `$connect` handler registers each connection
 * in the table, `publish` looks up the topic's connections and posts to each one through the
 * management API, and a connection API Gateway reports gone is removed on the spot.
 *
 * Access patterns (all items expire with `ttl`; API Gateway closes a socket after 2 hours):
 *   1. a household's connections  → pk `H#<householdId>`, sk begins_with `WS#`
 *   2. a user's connections        → gsi1: gsi1pk `WSU#<userId>`, gsi1sk `H#<householdId>#WS#<connectionId>`
 *   3. a user's connections in one household → gsi1, gsi1sk begins_with `H#<householdId>#`
 *   4. a connection by id ($disconnect knows only the id) → pk `WS#<connectionId>`, sk `WS`
 *   5. watched households          → gsi2: gsi2pk `WSH`, gsi2sk `<householdId>#<connectionId>`,
 *      distinct household ids. One partition for all connections: fine at thousands of sockets;
 *      shard gsi2pk (`WSH#<n>`) if it ever becomes hot.
 * Items: the household-scoped Connection item (patterns 1, 2, 3, 5) and a pointer item (4),
 * written and deleted together in one transaction.
 */
import {
  type ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { type Clock, systemClock } from '../../port/clock.ts';
import type { Realtime, RealtimeMessage, Topic } from '../../port/realtime.ts';
import type { Item, QueryInput, Table } from '../../port/table.ts';
import { type ConnectionScope, checkScope, encodeMessage, resolveTopic } from './topic.ts';

export interface ApiGatewayRealtimeOptions {
  client: ApiGatewayManagementApiClient;
  table: Table;
  clock?: Clock;
  /** How long a registered connection is kept without a `$disconnect` (default 2 h, API Gateway's cap). */
  connectionTtlSeconds?: number;
  /** Posts in flight at once per publish (default 16). */
  concurrency?: number;
}

interface ConnectionItem extends Item {
  connectionId: string;
  householdId: string;
  userId: string;
}

const WATCHED = 'WSH';
const connectionKey = (householdId: string, connectionId: string) => ({
  pk: `H#${householdId}`,
  sk: `WS#${connectionId}`,
});
const pointerKey = (connectionId: string) => ({ pk: `WS#${connectionId}`, sk: 'WS' });

function isGone(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'GoneException' || e.$metadata?.httpStatusCode === 410;
}

export class ApiGatewayRealtime implements Realtime {
  readonly #client: ApiGatewayManagementApiClient;
  readonly #table: Table;
  readonly #clock: Clock;
  readonly #ttlSeconds: number;
  readonly #concurrency: number;

  constructor(options: ApiGatewayRealtimeOptions) {
    this.#client = options.client;
    this.#table = options.table;
    this.#clock = options.clock ?? systemClock;
    this.#ttlSeconds = options.connectionTtlSeconds ?? 2 * 60 * 60;
    this.#concurrency = Math.max(1, options.concurrency ?? 16);
  }

  /** Called by `$connect` once the ticket has been checked; re-registering an id replaces it. */
  async registerConnection(
    connectionId: string,
    scope: { userId: string; householdId: string },
  ): Promise<void> {
    const { userId, householdId } = checkScope(scope);
    checkScope({ userId: connectionId, householdId });
    await this.removeConnection(connectionId);
    const now = this.#clock.now();
    const ttl = Math.floor(now / 1000) + this.#ttlSeconds;
    const common = { connectionId, householdId, userId, connectedAt: now, ttl };
    await this.#table.transact([
      {
        put: {
          ...connectionKey(householdId, connectionId),
          entity: 'Connection',
          ...common,
          gsi1pk: `WSU#${userId}`,
          gsi1sk: `H#${householdId}#WS#${connectionId}`,
          gsi2pk: WATCHED,
          gsi2sk: `${householdId}#${connectionId}`,
        },
      },
      { put: { ...pointerKey(connectionId), entity: 'ConnectionPointer', ...common } },
    ]);
  }

  /** Called by `$disconnect`, and when API Gateway says a connection is gone. Returns whether it existed. */
  async removeConnection(connectionId: string): Promise<boolean> {
    const pointer = await this.#table.get<ConnectionItem>(pointerKey(connectionId));
    if (!pointer) return false;
    await this.#table.batchWrite({
      deletes: [pointerKey(connectionId), connectionKey(pointer.householdId, connectionId)],
    });
    return true;
  }

  async publish(topic: Topic, message: RealtimeMessage): Promise<{ delivered: number }> {
    const t = resolveTopic(topic);
    const data = new TextEncoder().encode(encodeMessage(message));
    const query: QueryInput =
      t.kind === 'household'
        ? { pk: `H#${t.householdId}`, sk: { beginsWith: 'WS#' } }
        : t.kind === 'user'
          ? { pk: `WSU#${t.userId}`, index: 'gsi1' }
          : { pk: `WSU#${t.userId}`, index: 'gsi1', sk: { beginsWith: `H#${t.householdId}#` } };
    const targets = await this.#queryAll(query);
    let delivered = 0;
    let next = 0;
    const worker = async () => {
      while (next < targets.length) {
        const target = targets[next++]!;
        try {
          await this.#client.send(
            new PostToConnectionCommand({ ConnectionId: target.connectionId, Data: data }),
          );
          delivered++;
        } catch (error) {
          // Gone: the client left without a $disconnect reaching us. Anything else (throttling,
          // a blip) leaves the connection registered for the next publish.
          if (isGone(error)) await this.removeConnection(target.connectionId);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, targets.length) }, worker));
    return { delivered };
  }

  async watchedHouseholds(): Promise<string[]> {
    const items = await this.#queryAll({ pk: WATCHED, index: 'gsi2' });
    return [...new Set(items.map((i) => i.householdId))];
  }

  /** The scopes of the live connections of a household (for diagnostics and tests). */
  async connections(householdId: string): Promise<(ConnectionScope & { connectionId: string })[]> {
    const items = await this.#queryAll({ pk: `H#${householdId}`, sk: { beginsWith: 'WS#' } });
    return items.map(({ connectionId, householdId, userId }) => ({ connectionId, householdId, userId }));
  }

  async #queryAll(input: QueryInput): Promise<ConnectionItem[]> {
    const out: ConnectionItem[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#table.query<ConnectionItem>({
        ...input,
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
      out.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    return out;
  }
}
