import { describe, expect, it } from 'vitest';
import { preferredConnections } from './connections.ts';
import { PlexResource } from './schema.ts';

const conn = (uri: string, local: boolean, relay: boolean) => ({
  protocol: uri.startsWith('https') ? 'https' : 'http',
  address: new URL(uri).hostname,
  port: Number(new URL(uri).port || 443),
  uri,
  local,
  relay,
  IPv6: false,
});

const resource = (owned: boolean) =>
  PlexResource.parse({
    name: 'srv',
    clientIdentifier: 'abc',
    provides: 'server',
    owned,
    connections: [
      conn('http://relay.example:8443', false, true),
      conn('http://203.0.113.5:32400', false, false),
      conn('https://203-0-113-5.abc.plex.direct:32400', false, false),
      conn('http://192.168.1.5:32400', true, false),
      conn('https://192-168-1-5.abc.plex.direct:32400', true, false),
    ],
  });

describe('preferredConnections', () => {
  it('orders local → remote → relay, https first, for an owned server', () => {
    expect(preferredConnections(resource(true)).map((c) => c.uri)).toEqual([
      'https://192-168-1-5.abc.plex.direct:32400',
      'http://192.168.1.5:32400',
      'https://203-0-113-5.abc.plex.direct:32400',
      'http://203.0.113.5:32400',
      'http://relay.example:8443',
    ]);
  });

  it('skips local connections of a shared server', () => {
    expect(preferredConnections(resource(false)).map((c) => c.uri)).toEqual([
      'https://203-0-113-5.abc.plex.direct:32400',
      'http://203.0.113.5:32400',
      'http://relay.example:8443',
    ]);
  });
});
