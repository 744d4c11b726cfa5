import type { Logger } from '../observability/logger.ts';
import type { Clock } from '../port/clock.ts';
import type { Keyring } from '../port/keyring.ts';
import type { Table } from '../port/table.ts';

/** The ports the identity and household domain needs; any `System` satisfies it. */
export interface DomainDeps {
  table: Table;
  clock: Clock;
  keyring: Keyring;
  logger?: Logger;
}
