/**
 * The local Realtime hub: WebSocket connections of this process, indexed by household and by
 * user. The runtime's `/ws` route connects each socket after authenticating it, with the scope
 * (user, household) the session allows, so publishing can never reach across tenants.
 */
import type { Realtime, RealtimeMessage, Topic } from '../../port/realtime.ts';
import { type ConnectionScope, checkScope, encodeMessage, resolveTopic } from './topic.ts';

export interface LocalConnection {
  id: string;
  send(data: string): void;
  close?(code?: number, reason?: string): void;
}

export class LocalRealtime implements Realtime {
  readonly #connections = new Map<string, { conn: LocalConnection; scope: ConnectionScope }>();
  readonly #byHousehold = new Map<string, Set<string>>();
  readonly #byUser = new Map<string, Set<string>>();

  /** Adds a connection; an existing connection with the same id is replaced. */
  connect(conn: LocalConnection, scope: { userId: string; householdId: string }): void {
    const checked = checkScope(scope);
    this.disconnect(conn.id);
    this.#connections.set(conn.id, { conn, scope: checked });
    add(this.#byHousehold, checked.householdId, conn.id);
    add(this.#byUser, checked.userId, conn.id);
  }

  disconnect(id: string): void {
    const entry = this.#connections.get(id);
    if (!entry) return;
    this.#connections.delete(id);
    remove(this.#byHousehold, entry.scope.householdId, id);
    remove(this.#byUser, entry.scope.userId, id);
  }

  connectionCount(): number {
    return this.#connections.size;
  }

  async publish(topic: Topic, message: RealtimeMessage): Promise<{ delivered: number }> {
    const t = resolveTopic(topic);
    const data = encodeMessage(message);
    const ids =
      t.kind === 'user'
        ? [...(this.#byUser.get(t.userId) ?? [])]
        : [...(this.#byHousehold.get(t.householdId) ?? [])].filter(
            (id) => t.kind === 'household' || this.#connections.get(id)?.scope.userId === t.userId,
          );
    let delivered = 0;
    for (const id of ids) {
      const entry = this.#connections.get(id);
      if (!entry) continue;
      try {
        entry.conn.send(data);
        delivered++;
      } catch {
        // A socket that cannot take a message is dead or stuck: drop it, the client reconnects.
        this.disconnect(id);
        try {
          entry.conn.close?.(1011, 'send failed');
        } catch {
          // already closed: nothing more to release
        }
      }
    }
    return { delivered };
  }

  async watchedHouseholds(): Promise<string[]> {
    return [...this.#byHousehold.keys()];
  }
}

function add(index: Map<string, Set<string>>, key: string, id: string): void {
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(id);
}

function remove(index: Map<string, Set<string>>, key: string, id: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) index.delete(key);
}
