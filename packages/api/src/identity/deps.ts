/**
 * The ports the identity and household domain needs, taken from the request's System. The plex.tv
 * client is built once per System (its client identifier may have to be read from the table).
 */

import type { DomainDeps } from '@medianest/core/actor/index';
import { plexTvFor } from '@medianest/core/auth/index';
import type { PlexTvClient } from '@medianest/core/plex/index';
import type { SessionDeps } from '@medianest/core/session/index';
import type { System } from '@medianest/core/system/index';

export interface IdentityDeps extends DomainDeps, SessionDeps {}

export function depsOf(system: System): IdentityDeps {
  return build(system);
}

function build<P extends object>(system: System, extra?: P): IdentityDeps & P {
  const deps = {
    // Getters: in AWS each port is created on first use, and a route that never touches one should not.
    get table() {
      return system.table;
    },
    get keyring() {
      return system.keyring;
    },
    clock: system.clock,
    logger: system.logger,
    sessions: {
      idleSeconds: system.config.identity.sessionIdleSeconds,
      absoluteSeconds: system.config.identity.sessionAbsoluteSeconds,
    },
  };
  // defineProperties, not a spread: a spread would call the getters.
  if (extra) Object.defineProperties(deps, Object.getOwnPropertyDescriptors(extra));
  return deps as IdentityDeps & P;
}

export async function plexDepsOf(system: System): Promise<IdentityDeps & { plexTv: PlexTvClient }> {
  return build(system, { plexTv: await plexTvFor(system) });
}
