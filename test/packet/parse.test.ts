import { describe, expect, it } from 'vitest';
import {
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ETHERTYPE_VLAN,
  IP_PROTO_ICMP,
  IP_PROTO_TCP,
  IP_PROTO_UDP,
  PARSE_RESULT_COUNT,
  ParsedPacket,
  ParseResult,
  TCP_ACK,
  TCP_PSH,
  TCP_SYN,
  parsePacket,
  parseResultName,
} from '../../src/packet/headers.js';
import { PacketPool } from '../../src/packet/pool.js';
import { FRAMES } from './frames.js';
import { hexToBytes, makeRng, randInt } from './helpers.js';

type Fields = Record<string, number | boolean>;

function fieldsOf(p: ParsedPacket): Fields {
  return { ...p } as unknown as Fields;
}

const DEFAULTS = fieldsOf(new ParsedPacket());

function parseHex(hex: string, verify = true): { code: number; p: ParsedPacket; bytes: Uint8Array } {
  const bytes = hexToBytes(hex);
  const p = new ParsedPacket();
  const code = parsePacket(bytes, 0, bytes.length, p, verify);
  return { code, p, bytes };
}

/** Asserts every field: the listed ones as given, all others at their defaults. */
function expectFields(p: ParsedPacket, expected: Fields): void {
  expect(fieldsOf(p)).toEqual({ ...DEFAULTS, ...expected });
}

const IPV4_UDP_FIELDS: Fields = {
  l2Off: 0,
  etherType: ETHERTYPE_IPV4,
  l3Off: 14,
  ipVersion: 4,
  ipHeaderLen: 20,
  ipTotalLen: 30,
  ttl: 64,
  proto: IP_PROTO_UDP,
  srcIp: 0xc0a80001,
  dstIp: 0xc0a80002,
  l4Off: 34,
  srcPort: 1234,
  dstPort: 80,
  payloadOff: 42,
  payloadLen: 2,
};

function shifted(fields: Fields, by: number, keys: string[]): Fields {
  const out = { ...fields };
  for (const k of keys) out[k] = (out[k] as number) + by;
  return out;
}

describe('parsePacket on hand-crafted frames', () => {
  it('Ethernet / IPv4 / UDP', () => {
    const { code, p } = parseHex(FRAMES.ipv4Udp);
    expect(code).toBe(ParseResult.Ok);
    expectFields(p, IPV4_UDP_FIELDS);
  });

  it('ignores Ethernet padding after the IP packet', () => {
    const { code, p } = parseHex(FRAMES.ipv4UdpPadded);
    expect(code).toBe(ParseResult.Ok);
    expectFields(p, IPV4_UDP_FIELDS);
  });

  it('one VLAN tag', () => {
    const { code, p } = parseHex(FRAMES.vlan1);
    expect(code).toBe(ParseResult.Ok);
    expectFields(p, {
      ...shifted(IPV4_UDP_FIELDS, 4, ['l3Off', 'l4Off', 'payloadOff']),
      vlanCount: 1,
      outerVlanTci: 0x2064,
    });
  });

  it('two VLAN tags (QinQ)', () => {
    const { code, p } = parseHex(FRAMES.vlan2);
    expect(code).toBe(ParseResult.Ok);
    expectFields(p, {
      ...shifted(IPV4_UDP_FIELDS, 8, ['l3Off', 'l4Off', 'payloadOff']),
      vlanCount: 2,
      outerVlanTci: 0x000a,
      innerVlanTci: 0x0014,
    });
  });

  it('a third VLAN tag is unsupported but L2 fields are kept', () => {
    const { code, p } = parseHex(FRAMES.vlan3);
    expect(code).toBe(ParseResult.UnsupportedEtherType);
    expectFields(p, { l2Off: 0, vlanCount: 2, outerVlanTci: 0x000a, innerVlanTci: 0x0014, etherType: ETHERTYPE_VLAN, l3Off: 22 });
  });

  it('IPv4 with options / TCP with options', () => {
    const { code, p } = parseHex(FRAMES.ipv4OptsTcp);
    expect(code).toBe(ParseResult.Ok);
    expectFields(p, {
      l2Off: 0,
      etherType: ETHERTYPE_IPV4,
      l3Off: 14,
      ipVersion: 4,
      ipHeaderLen: 24,
      ipTotalLen: 60,
      tos: 0x10,
      ttl: 7,
      proto: IP_PROTO_TCP,
      srcIp: 0x0a000001,
      dstIp: 0x0a000002,
      l4Off: 38,
      srcPort: 40000,
      dstPort: 443,
      tcpFlags: TCP_SYN,
      payloadOff: 70,
      payloadLen: 4,
    });
  });

  it('ICMP echo: type and code, no ports', () => {
    const { code, p } = parseHex(FRAMES.ipv4Icmp);
    expect(code).toBe(ParseResult.Ok);
    expectFields(p, {
      ...IPV4_UDP_FIELDS,
      ipTotalLen: 32,
      proto: IP_PROTO_ICMP,
      srcPort: 0,
      dstPort: 0,
      icmpType: 8,
      icmpCode: 0,
      payloadLen: 4,
    });
  });

  it('IPv6 / UDP', () => {
    const { code, p } = parseHex(FRAMES.ipv6Udp);
    expect(code).toBe(ParseResult.Ok);
    expectFields(p, {
      l2Off: 0,
      etherType: ETHERTYPE_IPV6,
      l3Off: 14,
      ipVersion: 6,
      ipHeaderLen: 40,
      ipTotalLen: 51,
      tos: 0xb8,
      ttl: 64,
      proto: IP_PROTO_UDP,
      srcIp6Off: 22,
      dstIp6Off: 38,
      l4Off: 54,
      srcPort: 5353,
      dstPort: 53,
      payloadOff: 62,
      payloadLen: 3,
    });
  });

  it('IPv6 with a hop-by-hop header / TCP', () => {
    const { code, p } = parseHex(FRAMES.ipv6HbhTcp);
    expect(code).toBe(ParseResult.Ok);
    expectFields(p, {
      l2Off: 0,
      etherType: ETHERTYPE_IPV6,
      l3Off: 14,
      ipVersion: 6,
      ipHeaderLen: 48,
      ipTotalLen: 68,
      ttl: 1,
      proto: IP_PROTO_TCP,
      srcIp6Off: 22,
      dstIp6Off: 38,
      l4Off: 62,
      srcPort: 12345,
      dstPort: 22,
      tcpFlags: TCP_PSH | TCP_ACK,
      payloadOff: 82,
      payloadLen: 0,
    });
  });

  it('IPv4 first fragment keeps ports; later fragment has no L4 header', () => {
    const first = parseHex(FRAMES.ipv4FragFirst);
    expect(first.code).toBe(ParseResult.Ok);
    expectFields(first.p, {
      ...IPV4_UDP_FIELDS,
      ipTotalLen: 44,
      fragment: true,
      srcPort: 1111,
      dstPort: 2222,
      payloadLen: 16,
    });
    const later = parseHex(FRAMES.ipv4FragLater);
    expect(later.code).toBe(ParseResult.Ok);
    expectFields(later.p, {
      ...IPV4_UDP_FIELDS,
      ipTotalLen: 44,
      fragment: true,
      fragOffsetBytes: 1480,
      srcPort: 0,
      dstPort: 0,
      payloadOff: 34,
      payloadLen: 24,
    });
  });

  it('IPv6 non-first fragment stops after the Fragment header', () => {
    const { code, p } = parseHex(FRAMES.ipv6FragLater);
    expect(code).toBe(ParseResult.Ok);
    expectFields(p, {
      l2Off: 0,
      etherType: ETHERTYPE_IPV6,
      l3Off: 14,
      ipVersion: 6,
      ipHeaderLen: 48,
      ipTotalLen: 64,
      tos: 0xb8,
      ttl: 64,
      proto: IP_PROTO_UDP,
      srcIp6Off: 22,
      dstIp6Off: 38,
      fragment: true,
      fragOffsetBytes: 1480,
      l4Off: 62,
      payloadOff: 62,
      payloadLen: 16,
    });
  });

  it('IPv6 unknown extension header: stops with proto = its number', () => {
    const { code, p } = parseHex(FRAMES.ipv6Unknown);
    expect(code).toBe(ParseResult.Ok);
    expectFields(p, {
      l2Off: 0,
      etherType: ETHERTYPE_IPV6,
      l3Off: 14,
      ipVersion: 6,
      ipHeaderLen: 40,
      ipTotalLen: 63,
      tos: 0xb8,
      ttl: 64,
      proto: 51,
      srcIp6Off: 22,
      dstIp6Off: 38,
      l4Off: 54,
      payloadOff: 54,
      payloadLen: 23,
    });
  });

  it('non-IP EtherType is unsupported with L2 fields kept', () => {
    const { code, p } = parseHex(FRAMES.arp);
    expect(code).toBe(ParseResult.UnsupportedEtherType);
    expectFields(p, { l2Off: 0, etherType: ETHERTYPE_ARP, l3Off: 14 });
  });

  it('parses at an offset inside the pool and reuses the output object', () => {
    const pool = PacketPool.create(4);
    const frame = hexToBytes(FRAMES.ipv6HbhTcp);
    const h = 3;
    const base = pool.frameOffset(h);
    pool.bytes.set(frame, base);
    pool.lenBytes[h] = frame.length;
    const p = new ParsedPacket();
    // Fill p from another frame first: every field must be overwritten.
    const other = hexToBytes(FRAMES.vlan2);
    expect(parsePacket(other, 0, other.length, p, true)).toBe(ParseResult.Ok);
    expect(parsePacket(pool.bytes, base, pool.lenBytes[h]!, p, true)).toBe(ParseResult.Ok);
    const atZero = parseHex(FRAMES.ipv6HbhTcp).p;
    expectFields(p, shifted(fieldsOf(atZero), base, ['l2Off', 'l3Off', 'srcIp6Off', 'dstIp6Off', 'l4Off', 'payloadOff']));
  });
});

/** Frames that end exactly at the end of their IP packet (no padding) and parse Ok. */
const EXACT_FRAMES = [
  'ipv4Udp',
  'vlan1',
  'vlan2',
  'ipv4OptsTcp',
  'ipv4Icmp',
  'ipv6Udp',
  'ipv6HbhTcp',
  'ipv4FragFirst',
  'ipv4FragLater',
  'ipv6FragLater',
  'ipv6Unknown',
] as const;

describe('parsePacket on truncated and malformed input', () => {
  it('every truncation of a valid frame is rejected, even with the bytes still in the buffer', () => {
    const p = new ParsedPacket();
    for (const name of EXACT_FRAMES) {
      const bytes = hexToBytes(FRAMES[name]);
      expect(parsePacket(bytes, 0, bytes.length, p, true), name).toBe(ParseResult.Ok);
      for (let len = 0; len < bytes.length; len++) {
        const code = parsePacket(bytes, 0, len, p, true);
        expect(code, `${name} len ${len}`).not.toBe(ParseResult.Ok);
        if (len < 14) expect(code).toBe(ParseResult.TruncatedEthernet);
      }
    }
  });

  it('also when the buffer itself ends early', () => {
    const p = new ParsedPacket();
    for (const name of EXACT_FRAMES) {
      const bytes = hexToBytes(FRAMES[name]);
      for (let len = 0; len < bytes.length; len++) {
        // lenBytes claims the full frame but the buffer is shorter.
        expect(parsePacket(bytes.subarray(0, len), 0, bytes.length, p, true)).not.toBe(ParseResult.Ok);
      }
    }
  });

  it('names the truncated layer', () => {
    const p = new ParsedPacket();
    const vlan = hexToBytes(FRAMES.vlan1);
    expect(parsePacket(vlan, 0, 17, p, false)).toBe(ParseResult.TruncatedVlan);
    expect(parsePacket(vlan, 0, 18, p, false)).toBe(ParseResult.TruncatedIp);
    const udp = hexToBytes(FRAMES.ipv4Udp);
    expect(parsePacket(udp, 0, 33, p, false)).toBe(ParseResult.TruncatedIp);
  });

  it('rejects a bad IPv4 version, IHL and total length', () => {
    const p = new ParsedPacket();
    const cases: Array<[number, number, number]> = [
      // [byte offset, new value, expected]
      [14, 0x65, ParseResult.BadIpVersion],
      [14, 0x44, ParseResult.BadIpHeaderLen],
      [14, 0x40, ParseResult.BadIpHeaderLen],
      [14, 0x4f, ParseResult.TruncatedIp], // 60-byte header in a 30-byte packet
      [17, 19, ParseResult.BadIpTotalLen], // total length below the header length
      [17, 31, ParseResult.TruncatedIp], // one byte more than the frame holds
    ];
    for (const [at, value, expected] of cases) {
      const bytes = hexToBytes(FRAMES.ipv4Udp);
      bytes[at] = value;
      expect(parsePacket(bytes, 0, bytes.length, p, false), `byte ${at} = ${value}`).toBe(expected);
    }
    const six = hexToBytes(FRAMES.ipv6Udp);
    six[14] = 0x4b;
    expect(parsePacket(six, 0, six.length, p, false)).toBe(ParseResult.BadIpVersion);
    expect(p.ipVersion).toBe(4);
  });

  it('verifies the IPv4 header checksum only when asked', () => {
    const p = new ParsedPacket();
    const bytes = hexToBytes(FRAMES.ipv4OptsTcp);
    bytes[22] = 8; // TTL 7 -> 8 without fixing the checksum
    expect(parsePacket(bytes, 0, bytes.length, p, true)).toBe(ParseResult.BadIpChecksum);
    expect(parsePacket(bytes, 0, bytes.length, p, false)).toBe(ParseResult.Ok);
    expect(p.ttl).toBe(8);
    const optionBroken = hexToBytes(FRAMES.ipv4OptsTcp);
    optionBroken[37] = 1; // inside the options: covered by the checksum too
    expect(parsePacket(optionBroken, 0, optionBroken.length, p, true)).toBe(ParseResult.BadIpChecksum);
  });

  it('rejects bad L4 header lengths and short L4 headers', () => {
    const p = new ParsedPacket();
    const tcp = hexToBytes(FRAMES.ipv4OptsTcp);
    const doffAt = 38 + 12;
    tcp[doffAt] = 0x40; // 16-byte TCP header
    expect(parsePacket(tcp, 0, tcp.length, p, true)).toBe(ParseResult.BadL4HeaderLen);
    tcp[doffAt] = 0xf0; // 60-byte TCP header in a 36-byte segment
    expect(parsePacket(tcp, 0, tcp.length, p, true)).toBe(ParseResult.BadL4HeaderLen);

    const udp = hexToBytes(FRAMES.ipv4Udp);
    udp[34 + 5] = 7; // UDP length 7 < 8
    expect(parsePacket(udp, 0, udp.length, p, true)).toBe(ParseResult.BadL4HeaderLen);

    const shortUdp = hexToBytes(FRAMES.ipv4Udp);
    shortUdp[17] = 24; // IP packet ends 4 bytes into the UDP header
    expect(parsePacket(shortUdp, 0, shortUdp.length, p, false)).toBe(ParseResult.TruncatedL4);

    const shortIcmp = hexToBytes(FRAMES.ipv4Icmp);
    shortIcmp[17] = 27; // 7 bytes of ICMP
    expect(parsePacket(shortIcmp, 0, shortIcmp.length, p, false)).toBe(ParseResult.TruncatedL4);

    const hbh = hexToBytes(FRAMES.ipv6HbhTcp);
    hbh[55] = 4; // hop-by-hop claims 40 bytes, payload has 28
    expect(parsePacket(hbh, 0, hbh.length, p, true)).toBe(ParseResult.TruncatedIp);
  });

  it('rejects odd arguments without throwing', () => {
    const p = new ParsedPacket();
    const bytes = hexToBytes(FRAMES.ipv4Udp);
    expect(parsePacket(bytes, -1, bytes.length, p, true)).toBe(ParseResult.TruncatedEthernet);
    expect(parsePacket(bytes, Number.NaN, bytes.length, p, true)).toBe(ParseResult.TruncatedEthernet);
    expect(parsePacket(bytes, 0, Number.NaN, p, true)).toBe(ParseResult.TruncatedEthernet);
    expect(parsePacket(bytes, 0, -5, p, true)).toBe(ParseResult.TruncatedEthernet);
    expect(parsePacket(bytes, 100, 14, p, true)).toBe(ParseResult.TruncatedEthernet);
    // lenBytes beyond the buffer is clamped to it.
    expect(parsePacket(bytes, 0, 10_000, p, true)).toBe(ParseResult.Ok);
    expect(p.payloadLen).toBe(2);
  });

  it('never throws on seeded random garbage, and Ok results are self-consistent', () => {
    const rng = makeRng(0xbadf00d);
    const p = new ParsedPacket();
    const buf = new Uint8Array(160);
    const counts = new Array<number>(PARSE_RESULT_COUNT).fill(0);
    for (let trial = 0; trial < 20_000; trial++) {
      for (let i = 0; i < buf.length; i++) buf[i] = rng() & 0xff;
      const off = randInt(rng, 8);
      const len = randInt(rng, 170);
      // Most frames get plausible headers (random tags, version, lengths that
      // fit) so the deeper layers are exercised, not just the Ethernet check.
      if (randInt(rng, 4) !== 0) {
        const tags = randInt(rng, 3);
        for (let t = 0; t < tags; t++) {
          const tpid = t === 0 ? 0x88a8 : 0x8100;
          buf[off + 12 + 4 * t] = tpid >> 8;
          buf[off + 13 + 4 * t] = tpid & 0xff;
        }
        const typeAt = off + 12 + 4 * tags;
        const l3 = typeAt + 2;
        const room = Math.max(0, len - (l3 - off));
        if (randInt(rng, 2) === 0) {
          buf[typeAt] = 0x08;
          buf[typeAt + 1] = 0x00;
          buf[l3] = 0x40 | (5 + randInt(rng, 3));
          const total = randInt(rng, room + 1);
          buf[l3 + 2] = total >> 8;
          buf[l3 + 3] = total & 0xff;
          buf[l3 + 6] &= 0x20; // mostly unfragmented
          buf[l3 + 9] = [6, 17, 1, 50][randInt(rng, 4)]!;
        } else {
          buf[typeAt] = 0x86;
          buf[typeAt + 1] = 0xdd;
          buf[l3] = 0x60;
          const payload = randInt(rng, Math.max(0, room - 40) + 1);
          buf[l3 + 4] = payload >> 8;
          buf[l3 + 5] = payload & 0xff;
          buf[l3 + 6] = [6, 17, 58, 0, 43, 44, 60, 51][randInt(rng, 8)]!;
          buf[l3 + 40 + 1] = randInt(rng, 3); // small extension header lengths
        }
      }
      const code = parsePacket(buf, off, len, p, randInt(rng, 2) === 0);
      expect(code).toBeGreaterThanOrEqual(0);
      expect(code).toBeLessThan(PARSE_RESULT_COUNT);
      counts[code]!++;
      if (code === ParseResult.Ok) expectConsistent(p, off, Math.min(off + len, buf.length));
    }
    // The fuzz reached the deep layers, not just the Ethernet check.
    expect(counts[ParseResult.Ok]).toBeGreaterThan(0);
    expect(counts[ParseResult.TruncatedL4]! + counts[ParseResult.BadL4HeaderLen]!).toBeGreaterThan(0);
  });

  it('never throws on seeded mutations of valid frames', () => {
    const rng = makeRng(31337);
    const p = new ParsedPacket();
    for (const name of EXACT_FRAMES) {
      const original = hexToBytes(FRAMES[name]);
      for (let trial = 0; trial < 1000; trial++) {
        const bytes = original.slice();
        const flips = 1 + randInt(rng, 4);
        for (let f = 0; f < flips; f++) bytes[randInt(rng, bytes.length)] = rng() & 0xff;
        const len = randInt(rng, 4) === 0 ? randInt(rng, bytes.length + 1) : bytes.length;
        const code = parsePacket(bytes, 0, len, p, randInt(rng, 2) === 0);
        expect(code).toBeGreaterThanOrEqual(0);
        expect(code).toBeLessThan(PARSE_RESULT_COUNT);
        if (code === ParseResult.Ok) expectConsistent(p, 0, Math.min(len, bytes.length));
      }
    }
  });
});

function expectConsistent(p: ParsedPacket, start: number, end: number): void {
  expect(p.l2Off).toBe(start);
  expect(p.l3Off).toBe(start + 14 + 4 * p.vlanCount);
  expect([4, 6]).toContain(p.ipVersion);
  expect(p.l3Off + p.ipTotalLen).toBeLessThanOrEqual(end);
  expect(p.l4Off).toBe(p.l3Off + p.ipHeaderLen);
  expect(p.payloadOff).toBeGreaterThanOrEqual(p.l4Off);
  expect(p.payloadLen).toBeGreaterThanOrEqual(0);
  expect(p.payloadOff + p.payloadLen).toBe(p.l3Off + p.ipTotalLen);
}

describe('parseResultName', () => {
  it('gives a distinct snake_case name for every code', () => {
    const codes = Object.values(ParseResult);
    expect(codes.length).toBe(PARSE_RESULT_COUNT);
    const names = codes.map(parseResultName);
    for (const name of names) expect(name).toMatch(/^[a-z0-9]+(_[a-z0-9]+)*$/);
    expect(new Set(names).size).toBe(names.length);
    expect(parseResultName(ParseResult.TruncatedIp)).toBe('truncated_ip');
    expect(parseResultName(ParseResult.BadL4HeaderLen)).toBe('bad_l4_header_len');
    expect(parseResultName(ParseResult.UnsupportedEtherType)).toBe('unsupported_ethertype');
    expect(parseResultName(99)).toBe('unknown');
    expect(parseResultName(-1)).toBe('unknown');
  });
});
