/**
 * Realtime port: push a message to everyone watching a topic. Topics are scoped by tenant so a
 * publisher can never address another household's connections.
 * Local: an in-process hub of WebSocket connections. AWS: connections stored in the table,
 * delivered with the API Gateway management API (`postToConnection`), gone connections removed.
 */

export type Topic = { householdId: string } | { userId: string } | { householdId: string; userId: string };

export interface RealtimeMessage {
  type: string;
  data: unknown;
}

export interface Realtime {
  publish(topic: Topic, message: RealtimeMessage): Promise<{ delivered: number }>;
  /** Households with at least one live connection (drives "check only what is watched"). */
  watchedHouseholds(): Promise<string[]>;
}
