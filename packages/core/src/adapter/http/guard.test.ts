import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isHttpError } from '../../port/http.ts';
import { classifyAddress, isAllowed, SAAS_POLICY } from './guard.ts';
import { createHttp } from './http.ts';

const LAN = { allowPrivate: true, allowMetadata: false };

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.10', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.1.1', 'link_local'],
    ['fe80::1', 'link_local'],
    ['febf::1', 'link_local'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    // IPv6 forms that carry an IPv4 address are judged by that address.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['::ffff:0:7f00:1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['64:ff9b::808:808', 'public'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    ['::7f00:1', 'reserved'],
    ['2001::1', 'reserved'],
    ['[::1]', 'loopback'],
    ['fe80::1%eth0', 'link_local'],
    ['localhost', 'invalid'],
    ['0x7f.1', 'invalid'],
    ['', 'invalid'],
  ])('%s is %s', (address, category) => {
    expect(classifyAddress(address).category).toBe(category);
  });

  it('the LAN policy allows private ranges but never metadata, multicast or unspecified', () => {
    for (const a of ['127.0.0.1', '10.0.0.1', '192.168.0.2', 'fd00::1', '100.64.1.1', '169.254.3.3', '::1']) {
      expect(isAllowed(classifyAddress(a).category, LAN), a).toBe(true);
      expect(isAllowed(classifyAddress(a).category, SAAS_POLICY), a).toBe(false);
    }
    for (const a of [
      '169.254.169.254',
      'fd00:ec2::254',
      '::ffff:169.254.169.254',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
    ]) {
      expect(isAllowed(classifyAddress(a).category, LAN), a).toBe(false);
    }
  });
});

const octet = fc.integer({ min: 0, max: 255 });
/** An IPv4 address in a range SaaS mode must refuse, as four octets. */
const blockedV4 = fc.oneof(
  fc.tuple(fc.constant(127), octet, octet, octet),
  fc.tuple(fc.constant(10), octet, octet, octet),
  fc.tuple(fc.constant(172), fc.integer({ min: 16, max: 31 }), octet, octet),
  fc.tuple(fc.constant(192), fc.constant(168), octet, octet),
  fc.tuple(fc.constant(169), fc.constant(254), octet, octet),
  fc.tuple(fc.constant(100), fc.integer({ min: 64, max: 127 }), octet, octet),
  fc.tuple(fc.constant(0), octet, octet, octet),
  fc.tuple(fc.integer({ min: 224, max: 255 }), octet, octet, octet),
);
const asInt = (o: number[]) =>
  (((o[0] as number) << 24) >>> 0) + ((o[1] as number) << 16) + ((o[2] as number) << 8) + (o[3] as number);
const hex = (n: number) => n.toString(16);
/** Every spelling a URL parser may turn into that IPv4 address. */
const v4Spellings = (o: number[]) => {
  const n = asInt(o);
  const [a, b, c, d] = o as [number, number, number, number];
  return [
    `${a}.${b}.${c}.${d}`,
    String(n),
    `0x${hex(n)}`,
    `0${n.toString(8)}`,
    `0x${hex(a)}.0x${hex(b)}.0x${hex(c)}.0x${hex(d)}`,
    `0${a.toString(8)}.0${b.toString(8)}.0${c.toString(8)}.0${d.toString(8)}`,
    `${a}.${(b << 16) + (c << 8) + d}`,
    `${a}.${b}.${(c << 8) + d}`,
  ];
};
const v6Spellings = (o: number[]) => {
  const [a, b, c, d] = o as [number, number, number, number];
  const hi = hex((a << 8) + b);
  const lo = hex((c << 8) + d);
  return [
    `[::ffff:${a}.${b}.${c}.${d}]`,
    `[::ffff:${hi}:${lo}]`,
    `[0:0:0:0:0:ffff:${hi}:${lo}]`,
    `[::FFFF:${hi.toUpperCase()}:${lo.toUpperCase()}]`,
    `[64:ff9b::${hi}:${lo}]`,
    `[2002:${hi}:${lo}::1]`,
    `[::ffff:0:${hi}:${lo}]`,
  ];
};

describe('SaaS mode refuses internal targets however they are spelled', () => {
  const http = createHttp({
    mode: 'saas',
    lookup: async (name) => {
      throw new Error(`no DNS lookup expected for an address literal (${name})`);
    },
    retry: { maxRetries: 0 },
  });

  it('IPv4 in decimal, hex, octal and short forms', async () => {
    await fc.assert(
      fc.asyncProperty(blockedV4, fc.nat(), async (o, pick) => {
        const spellings = v4Spellings(o);
        const host = spellings[pick % spellings.length] as string;
        const err = await http.request({ url: `http://${host}:8080/x` }).catch((e: unknown) => e);
        expect(isHttpError(err, 'http.blocked_address'), `${host}: ${String(err)}`).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('IPv6 mapped, translated, NAT64 and 6to4 forms of those addresses', async () => {
    await fc.assert(
      fc.asyncProperty(blockedV4, fc.nat(), async (o, pick) => {
        const spellings = v6Spellings(o);
        const host = spellings[pick % spellings.length] as string;
        const err = await http.request({ url: `http://${host}/` }).catch((e: unknown) => e);
        expect(isHttpError(err, 'http.blocked_address'), `${host}: ${String(err)}`).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('IPv6 loopback, link-local, unique-local and multicast in any notation', async () => {
    const word = fc.integer({ min: 0, max: 0xffff });
    const v6 = fc.oneof(
      fc.tuple(fc.constantFrom(0xfe80, 0xfe9a, 0xfebf), word, word, word),
      fc.tuple(fc.integer({ min: 0xfc00, max: 0xfdff }), word, word, word),
      fc.tuple(fc.integer({ min: 0xff00, max: 0xffff }), word, word, word),
    );
    await fc.assert(
      fc.asyncProperty(v6, fc.boolean(), async ([a, b, c, d], full) => {
        const host = full
          ? `${hex(a)}:${hex(b)}:0:0:0:${hex(c)}:0:${hex(d)}`
          : `${hex(a)}:${hex(b)}::${hex(c)}:${hex(d)}`;
        const err = await http.request({ url: `http://[${host}]/` }).catch((e: unknown) => e);
        expect(isHttpError(err, 'http.blocked_address'), `${host}: ${String(err)}`).toBe(true);
      }),
      { numRuns: 200 },
    );
    for (const host of ['[::1]', '[0:0:0:0:0:0:0:1]', '[::]', '[::7f00:1]']) {
      const err = await http.request({ url: `http://${host}/` }).catch((e: unknown) => e);
      expect(isHttpError(err, 'http.blocked_address'), host).toBe(true);
    }
  });

  it('public unicast IPv4 addresses are classified public', () => {
    const publicV4 = fc
      .tuple(fc.integer({ min: 1, max: 223 }), octet, octet, octet)
      .filter(([a, b]) => ![0, 10, 127].includes(a) && !(a === 100 && b >= 64 && b <= 127))
      .filter(
        ([a, b]) =>
          !(a === 169 && b === 254) && !(a === 172 && b >= 16 && b <= 31) && !(a === 192 && b === 168),
      )
      .filter(([a, b]) => !(a === 192 && (b === 0 || b === 88 || b === 175 || b === 31 || b === 52)))
      .filter(([a, b]) => !(a === 198 && (b === 18 || b === 19 || b === 51)) && !(a === 203 && b === 0));
    fc.assert(
      fc.property(publicV4, (o) => {
        expect(classifyAddress(o.join('.')).category).toBe('public');
      }),
    );
  });
});
