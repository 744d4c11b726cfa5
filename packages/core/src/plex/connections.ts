/**
 * Which of a server's plex.tv connections to try, in order (PA `preferred_connections`): local,
 * then remote, then relay; https before http within each; and no `local` connection on a server
 * the account does not own (its LAN address means nothing from the friend's side).
 */
import type { PlexConnection, PlexResource } from './schema.ts';

const rank = (c: PlexConnection): number => {
  const place = c.relay ? 2 : c.local ? 0 : 1;
  return place * 2 + (c.protocol === 'https' ? 0 : 1);
};

export function preferredConnections(resource: PlexResource): PlexConnection[] {
  return resource.connections
    .filter((c) => resource.owned || !c.local)
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
    .map(({ c }) => c);
}
