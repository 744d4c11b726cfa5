/**
 * The SSRF guard's address policy: which IP addresses a household-provided URL may reach.
 *
 * Allow-list thinking: in SaaS mode only globally routable unicast addresses pass. Everything that
 * reaches into our own network (loopback, private, link-local, CGNAT, cloud metadata) or that is
 * not a real destination (unspecified, multicast, broadcast, reserved and documentation ranges)
 * is refused. IPv6 forms that carry an IPv4 address (mapped, translated, NAT64, 6to4) are judged
 * by the IPv4 address inside, so `::ffff:127.0.0.1` is loopback. Anything unparsable is refused.
 */
import ipaddr from 'ipaddr.js';

export type AddressCategory =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'metadata'
  | 'cgnat'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'invalid';

export interface GuardPolicy {
  /** Self-hosted only: loopback, private, link-local and CGNAT (Tailscale) targets are fine. */
  allowPrivate: boolean;
  /** Cloud metadata endpoints; off unless someone really means it. */
  allowMetadata: boolean;
}

export const SAAS_POLICY: GuardPolicy = Object.freeze({ allowPrivate: false, allowMetadata: false });

/**
 * Instance-metadata endpoints (AWS IMDS v4/v6, ECS task metadata, Alibaba). GCP and Azure use
 * 169.254.169.254 too. Categorised separately so allowing the LAN never allows these.
 */
const METADATA = new Set([
  '169.254.169.254',
  '169.254.170.2',
  '169.254.170.23',
  '100.100.100.200',
  'fd00:ec2::254',
]);

const V4_CATEGORY: Record<string, AddressCategory> = {
  unicast: 'public',
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link_local',
  loopback: 'loopback',
  carrierGradeNat: 'cgnat',
  private: 'private',
  reserved: 'reserved',
  as112: 'reserved',
  amt: 'reserved',
};

const V6_CATEGORY: Record<string, AddressCategory> = {
  unicast: 'public',
  unspecified: 'unspecified',
  linkLocal: 'link_local',
  multicast: 'multicast',
  loopback: 'loopback',
  uniqueLocal: 'private',
  // fec0::/10 was the old site-local (private) range.
  deprecatedSiteLocal: 'private',
};

/** The IPv4 address an IPv6 transition form stands for, if it is one. */
function embeddedV4(a: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const range = a.range();
  const b = a.toByteArray();
  if (range === 'ipv4Mapped' || range === 'rfc6145') return new ipaddr.IPv4(b.slice(12, 16));
  // 64:ff9b::/96 (well-known NAT64 prefix): the last 32 bits. The /48 local-use prefix is refused below.
  if (range === 'rfc6052' && a.parts[2] === 0) return new ipaddr.IPv4(b.slice(12, 16));
  // 6to4: 2002:AABB:CCDD::/48 embeds AA.BB.CC.DD.
  if (range === '6to4') return new ipaddr.IPv4(b.slice(2, 6));
  return undefined;
}

function categoryOf(addr: ipaddr.IPv4 | ipaddr.IPv6): AddressCategory {
  if (addr.kind() === 'ipv4') {
    if (METADATA.has(addr.toString())) return 'metadata';
    return V4_CATEGORY[addr.range()] ?? 'reserved';
  }
  const v6 = addr as ipaddr.IPv6;
  if (METADATA.has(v6.toString())) return 'metadata';
  const inner = embeddedV4(v6);
  if (inner) return categoryOf(inner);
  const range = v6.range();
  // ::a.b.c.d (IPv4-compatible, deprecated by RFC 4291) is never a legitimate destination.
  if (range === 'unicast' && v6.parts.slice(0, 6).every((p) => p === 0)) return 'reserved';
  return V6_CATEGORY[range] ?? 'reserved';
}

/** Parses an address as DNS or a URL hands it over (IPv6 possibly bracketed or with a zone). */
export function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  let a = address.trim();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  // Only canonical dotted quads: DNS answers and WHATWG-normalised hostnames are always in that
  // form, so "0x7f.1" reaching here means someone bypassed URL parsing; treat it as not an address.
  if (ipaddr.IPv4.isValidFourPartDecimal(a)) return ipaddr.IPv4.parse(a);
  if (a.includes(':') && ipaddr.IPv6.isValid(a)) return ipaddr.IPv6.parse(a);
  return undefined;
}

export interface Classified {
  address: string;
  category: AddressCategory;
}

export function classifyAddress(address: string): Classified {
  const parsed = parseAddress(address);
  if (!parsed) return { address, category: 'invalid' };
  return { address, category: categoryOf(parsed) };
}

export function isAllowed(category: AddressCategory, policy: GuardPolicy): boolean {
  switch (category) {
    case 'public':
      return true;
    case 'loopback':
    case 'private':
    case 'link_local':
    case 'cgnat':
      return policy.allowPrivate;
    case 'metadata':
      return policy.allowMetadata;
    default:
      return false;
  }
}

export const CATEGORY_TEXT: Record<AddressCategory, string> = {
  public: 'a public address',
  loopback: 'a loopback address',
  private: 'a private network address',
  link_local: 'a link-local address',
  metadata: 'the cloud metadata service',
  cgnat: 'a carrier-grade NAT (100.64.0.0/10) address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
  invalid: 'an unparsable address',
};
