/**
 * A domain's dependencies taken from the request's System. The ports are getters: in AWS each
 * one is created on first use, and a route that never touches a port should not pay for it.
 * Extra fields are added with `Object.defineProperties`, never a spread (a spread would call the
 * getters).
 */
import type { Logger } from '@medianest/core/observability/logger';
import type { System } from '@medianest/core/system/index';

export type Ports = Pick<
  System,
  'table' | 'keyring' | 'http' | 'blob' | 'queue' | 'realtime' | 'clock' | 'logger'
>;

export function portsOf<E extends object = Record<never, never>>(
  system: System,
  extra?: E,
  logger: Logger = system.logger,
): Ports & E {
  const ports: Ports = {
    get table() {
      return system.table;
    },
    get keyring() {
      return system.keyring;
    },
    get http() {
      return system.http;
    },
    get blob() {
      return system.blob;
    },
    get queue() {
      return system.queue;
    },
    get realtime() {
      return system.realtime;
    },
    clock: system.clock,
    logger,
  };
  if (extra) Object.defineProperties(ports, Object.getOwnPropertyDescriptors(extra));
  return ports as Ports & E;
}
