import { describe, expect, it } from 'vitest';
import { internetChecksum, l4ChecksumIpv4, l4ChecksumIpv6 } from '../../src/packet/checksum.js';
import {
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ETHERTYPE_QINQ,
  ETHERTYPE_VLAN,
  IP_PROTO_TCP,
  IP_PROTO_UDP,
  IPV4_FLAG_DF,
  IPV4_FLAG_MF,
  L4_DST_PORT_OFF,
  L4_SRC_PORT_OFF,
  ParsedPacket,
  ParseResult,
  TCP_ACK,
  TCP_SYN,
  decrementHopLimit,
  decrementTtl,
  parsePacket,
  popVlan,
  pushVlan,
  readMac,
  read16,
  setIpv4Checksum,
  setIpv4Dst,
  setIpv4Src,
  setL4ChecksumIpv4,
  setL4ChecksumIpv6,
  setL4Port,
  swapMacs,
  writeEthernet,
  writeIpv4Header,
  writeIpv6Header,
  writeMac,
  writeTcpHeader,
  writeUdpHeader,
} from '../../src/packet/headers.js';
import { HEADROOM_BYTES, PacketPool, PoolPartition } from '../../src/packet/pool.js';
import { FRAMES } from './frames.js';
import { hexToBytes, ipv4PseudoAndSegment, ipv6PseudoAndSegment, makeRng, randInt, verifiesRef } from './helpers.js';

const MAC_A = 0x020000000001;
const MAC_B = 0x020000000002;

/** Builds Ethernet/IPv4/{UDP|TCP} with `payloadBytes` of pattern into slot h; returns the frame length. */
function buildIpv4(pool: PacketPool, h: number, proto: number, payloadBytes: number, srcIp: number, dstIp: number): number {
  const buf = pool.bytes;
  const o = pool.frameOffset(h);
  const l4HeaderBytes = proto === IP_PROTO_TCP ? 20 : 8;
  const l4Len = l4HeaderBytes + payloadBytes;
  let at = o + writeEthernet(buf, o, MAC_B, MAC_A, ETHERTYPE_IPV4);
  const ipOff = at;
  at += writeIpv4Header(buf, at, 0x2e, 20 + l4Len, 0x4242, IPV4_FLAG_DF, 64, proto, srcIp, dstIp);
  const l4Off = at;
  if (proto === IP_PROTO_TCP) at += writeTcpHeader(buf, at, 40000, 443, 0xfffffff0, 0x11223344, TCP_SYN | TCP_ACK, 65535);
  else at += writeUdpHeader(buf, at, 1234, 53, l4Len);
  for (let i = 0; i < payloadBytes; i++) buf[at + i] = (i * 37 + 11) & 0xff;
  setL4ChecksumIpv4(buf, ipOff, l4Off, l4Len, proto);
  const frameLen = 14 + 20 + l4Len;
  pool.lenBytes[h] = frameLen;
  return frameLen;
}

/** Full-recomputation checks with the test's reference implementation. */
function expectIpv4Valid(buf: Uint8Array, p: ParsedPacket): void {
  expect(internetChecksum(buf, p.l3Off, p.ipHeaderLen)).toBe(0);
  const l4Len = p.ipTotalLen - p.ipHeaderLen;
  expect(verifiesRef(ipv4PseudoAndSegment(buf, p.l3Off, p.l4Off, l4Len, p.proto))).toBe(true);
  const fieldOff = p.proto === IP_PROTO_TCP ? 16 : 6;
  expect(read16(buf, p.l4Off + fieldOff)).toBe(l4ChecksumIpv4(buf, p.l3Off, p.l4Off, l4Len, p.proto));
}

describe('MAC helpers', () => {
  it('writeMac/readMac round-trip 48-bit values byte-exactly', () => {
    const buf = new Uint8Array(8);
    for (const mac of [0, 1, MAC_A, 0xffffffffffff, 0x0123456789ab, 0xfe00000000ff, 0x00ff00000000]) {
      expect(writeMac(buf, 1, mac)).toBe(6);
      expect(readMac(buf, 1)).toBe(mac);
    }
    writeMac(buf, 1, 0x0123456789ab);
    expect([...buf]).toEqual([0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0]);
  });

  it('writeEthernet writes dst, src, EtherType', () => {
    const buf = new Uint8Array(14);
    expect(writeEthernet(buf, 0, MAC_B, MAC_A, ETHERTYPE_IPV4)).toBe(14);
    expect(buf).toEqual(hexToBytes(FRAMES.ipv4Udp.slice(0, 28)));
  });

  it('swapMacs exchanges destination and source', () => {
    const buf = hexToBytes(FRAMES.ipv4Udp);
    swapMacs(buf, 0);
    expect(readMac(buf, 0)).toBe(MAC_A);
    expect(readMac(buf, 6)).toBe(MAC_B);
    expect(read16(buf, 12)).toBe(ETHERTYPE_IPV4);
  });
});

describe('building frames with the writers', () => {
  it('IPv4/UDP parses back with valid checksums', () => {
    const pool = PacketPool.create(2);
    const len = buildIpv4(pool, 1, IP_PROTO_UDP, 37, 0x0a000001, 0xc0a80102);
    const p = new ParsedPacket();
    expect(parsePacket(pool.bytes, pool.frameOffset(1), len, p, true)).toBe(ParseResult.Ok);
    expect([p.tos, p.ttl, p.proto, p.srcIp, p.dstIp, p.srcPort, p.dstPort]).toEqual([0x2e, 64, 17, 0x0a000001, 0xc0a80102, 1234, 53]);
    expect([p.ipTotalLen, p.payloadLen, p.fragment]).toEqual([20 + 8 + 37, 37, false]);
    expect(read16(pool.bytes, p.l3Off + 4)).toBe(0x4242);
    expect(read16(pool.bytes, p.l3Off + 6)).toBe(IPV4_FLAG_DF);
    expect(read16(pool.bytes, p.l4Off + 4)).toBe(8 + 37);
    expectIpv4Valid(pool.bytes, p);
  });

  it('IPv4/TCP parses back with valid checksums', () => {
    const pool = PacketPool.create(2);
    const len = buildIpv4(pool, 0, IP_PROTO_TCP, 100, 0xc0a80001, 0x08080808);
    const p = new ParsedPacket();
    expect(parsePacket(pool.bytes, pool.frameOffset(0), len, p, true)).toBe(ParseResult.Ok);
    expect([p.srcPort, p.dstPort, p.tcpFlags, p.payloadOff - p.l4Off, p.payloadLen]).toEqual([40000, 443, TCP_SYN | TCP_ACK, 20, 100]);
    const b = pool.bytes;
    const seq = ((b[p.l4Off + 4]! << 24) | (b[p.l4Off + 5]! << 16) | (b[p.l4Off + 6]! << 8) | b[p.l4Off + 7]!) >>> 0;
    expect(seq).toBe(0xfffffff0);
    expect(read16(b, p.l4Off + 14)).toBe(65535);
    expectIpv4Valid(b, p);
  });

  it('writeIpv4Header matches the hand-checked header', () => {
    const buf = new Uint8Array(20);
    writeIpv4Header(buf, 0, 0, 0x73, 0, IPV4_FLAG_DF, 64, IP_PROTO_UDP, 0xc0a80001, 0xc0a800c7);
    // Same header as in checksum.test.ts, checksum 0xb861 computed by hand there.
    expect(buf).toEqual(hexToBytes('4500' + '0073' + '0000' + '4000' + '4011' + 'b861' + 'c0a80001' + 'c0a800c7'));
  });

  it('IPv6/UDP and IPv6/TCP parse back with valid checksums', () => {
    const addrs = hexToBytes('20010db8000000000000000000000001' + 'fd000000000000000000000000000abc');
    for (const proto of [IP_PROTO_UDP, IP_PROTO_TCP]) {
      const buf = new Uint8Array(200);
      const o = 6; // not at zero, to catch absolute/relative offset mix-ups
      const l4Len = (proto === IP_PROTO_TCP ? 20 : 8) + 21;
      let at = o + writeEthernet(buf, o, MAC_B, MAC_A, ETHERTYPE_IPV6);
      const ipOff = at;
      at += writeIpv6Header(buf, at, 0xb8, 0xabcde, l4Len, proto, 255, addrs, 0, addrs, 16);
      const l4Off = at;
      at += proto === IP_PROTO_TCP ? writeTcpHeader(buf, at, 1, 2, 3, 4, TCP_ACK, 5) : writeUdpHeader(buf, at, 1, 2, l4Len);
      for (let i = 0; i < 21; i++) buf[at + i] = 0xf0 + i;
      const csum = setL4ChecksumIpv6(buf, ipOff, l4Off, l4Len, proto);
      expect(csum).toBe(l4ChecksumIpv6(buf, ipOff, l4Off, l4Len, proto));
      const p = new ParsedPacket();
      expect(parsePacket(buf, o, 14 + 40 + l4Len, p, true)).toBe(ParseResult.Ok);
      expect([p.ipVersion, p.tos, p.ttl, p.proto, p.srcPort, p.dstPort, p.payloadLen]).toEqual([6, 0xb8, 255, proto, 1, 2, 21]);
      expect(buf.slice(p.srcIp6Off, p.srcIp6Off + 16)).toEqual(addrs.slice(0, 16));
      expect(buf.slice(p.dstIp6Off, p.dstIp6Off + 16)).toEqual(addrs.slice(16));
      expect(((buf[ipOff + 1]! & 0x0f) << 16) | read16(buf, ipOff + 2)).toBe(0xabcde);
      expect(verifiesRef(ipv6PseudoAndSegment(buf, ipOff, l4Off, l4Len, proto))).toBe(true);
      expect(decrementHopLimit(buf, ipOff)).toBe(254);
      expect(buf[ipOff + 7]).toBe(254);
    }
  });

  it('decrementHopLimit stops at 0', () => {
    const buf = new Uint8Array(40);
    buf[7] = 1;
    expect(decrementHopLimit(buf, 0)).toBe(0);
    expect(decrementHopLimit(buf, 0)).toBe(-1);
    expect(buf[7]).toBe(0);
  });
});

describe('VLAN push/pop', () => {
  it('pushVlan then popVlan restores the original bytes exactly', () => {
    const pool = PacketPool.create(2);
    const part = new PoolPartition(pool, 0, 2);
    const h = part.tryAlloc();
    const frame = hexToBytes(FRAMES.ipv4OptsTcp);
    pool.bytes.set(frame, pool.frameOffset(h));
    pool.adjustTail(h, frame.length);

    expect(pushVlan(pool, h, 0xa00c)).toBe(true);
    expect(pool.dataOff[h]).toBe(HEADROOM_BYTES - 4);
    expect(pool.lenBytes[h]).toBe(frame.length + 4);
    const p = new ParsedPacket();
    expect(parsePacket(pool.bytes, pool.frameOffset(h), pool.lenBytes[h]!, p, true)).toBe(ParseResult.Ok);
    expect([p.vlanCount, p.outerVlanTci, p.etherType, p.srcPort]).toEqual([1, 0xa00c, ETHERTYPE_IPV4, 40000]);

    // A second push becomes the outer tag.
    expect(pushVlan(pool, h, 0x0123, ETHERTYPE_QINQ)).toBe(true);
    expect(parsePacket(pool.bytes, pool.frameOffset(h), pool.lenBytes[h]!, p, true)).toBe(ParseResult.Ok);
    expect([p.vlanCount, p.outerVlanTci, p.innerVlanTci]).toEqual([2, 0x0123, 0xa00c]);
    expect(read16(pool.bytes, pool.frameOffset(h) + 12)).toBe(ETHERTYPE_QINQ);
    expect(read16(pool.bytes, pool.frameOffset(h) + 16)).toBe(ETHERTYPE_VLAN);

    expect(popVlan(pool, h)).toBe(0x0123);
    expect(popVlan(pool, h)).toBe(0xa00c);
    expect(popVlan(pool, h)).toBe(-1); // untagged now
    expect(pool.dataOff[h]).toBe(HEADROOM_BYTES);
    expect(pool.lenBytes[h]).toBe(frame.length);
    const o = pool.frameOffset(h);
    expect(pool.bytes.slice(o, o + frame.length)).toEqual(frame);
  });

  it('pushVlan fails without change when headroom is exhausted or the frame is too short', () => {
    const pool = PacketPool.create(1);
    pool.lenBytes[0] = 60;
    pool.dataOff[0] = 3;
    expect(pushVlan(pool, 0, 1)).toBe(false);
    expect([pool.dataOff[0], pool.lenBytes[0]]).toEqual([3, 60]);
    pool.dataOff[0] = HEADROOM_BYTES;
    pool.lenBytes[0] = 11;
    expect(pushVlan(pool, 0, 1)).toBe(false);
    expect([pool.dataOff[0], pool.lenBytes[0]]).toEqual([HEADROOM_BYTES, 11]);
  });

  it('popVlan refuses frames without a complete outer tag', () => {
    const pool = PacketPool.create(1);
    const frame = hexToBytes(FRAMES.vlan1);
    const o = pool.frameOffset(0);
    pool.bytes.set(frame, o);
    pool.lenBytes[0] = 17;
    expect(popVlan(pool, 0)).toBe(-1);
    expect(pool.lenBytes[0]).toBe(17);
    pool.lenBytes[0] = frame.length;
    expect(popVlan(pool, 0)).toBe(0x2064);
    expect(pool.bytes.slice(pool.frameOffset(0), pool.frameOffset(0) + frame.length - 4)).toEqual(hexToBytes(FRAMES.ipv4Udp));
  });
});

describe('in-place rewrites keep checksums valid', () => {
  it('decrementTtl from 255 to 0 keeps the IPv4 checksum valid', () => {
    const buf = hexToBytes(FRAMES.ipv4OptsTcp);
    const ipOff = 14;
    buf[ipOff + 8] = 255;
    setIpv4Checksum(buf, ipOff);
    const p = new ParsedPacket();
    for (let ttl = 254; ttl >= 0; ttl--) {
      expect(decrementTtl(buf, ipOff)).toBe(ttl);
      expect(buf[ipOff + 8]).toBe(ttl);
      expect(internetChecksum(buf, ipOff, 24)).toBe(0);
      const stored = read16(buf, ipOff + 10);
      expect(setIpv4Checksum(buf, ipOff)).toBe(stored); // equals full recomputation
      expect(parsePacket(buf, 0, buf.length, p, true)).toBe(ParseResult.Ok);
    }
    const before = buf.slice();
    expect(decrementTtl(buf, ipOff)).toBe(-1);
    expect(buf).toEqual(before);
  });

  it('setIpv4Src/Dst and setL4Port over seeded random edits (UDP and TCP, with IP options)', () => {
    const rng = makeRng(2024);
    const p = new ParsedPacket();
    const sources = [FRAMES.ipv4Udp, FRAMES.ipv4OptsTcp, FRAMES.vlan2, FRAMES.ipv4FragFirst];
    for (const hex of sources) {
      const buf = hexToBytes(hex);
      expect(parsePacket(buf, 0, buf.length, p, true)).toBe(ParseResult.Ok);
      // The fragment carries no checksum; give it one over its own bytes so edits can be checked.
      if (hex === FRAMES.ipv4FragFirst) setL4ChecksumIpv4(buf, p.l3Off, p.l4Off, p.ipTotalLen - p.ipHeaderLen, p.proto);
      for (let edit = 0; edit < 500; edit++) {
        const what = randInt(rng, 4);
        const value = randInt(rng, 8) === 0 ? [0, 0xffffffff, 0xffff0000][randInt(rng, 3)]! : rng();
        if (what === 0) setIpv4Src(buf, p.l3Off, value);
        else if (what === 1) setIpv4Dst(buf, p.l3Off, value);
        else expect(setL4Port(buf, p.l4Off, p.proto, what === 2 ? L4_SRC_PORT_OFF : L4_DST_PORT_OFF, value & 0xffff)).toBe(true);
        expect(parsePacket(buf, 0, buf.length, p, true)).toBe(ParseResult.Ok);
        if (what === 0) expect(p.srcIp).toBe(value >>> 0);
        if (what === 1) expect(p.dstIp).toBe(value >>> 0);
        if (what === 2) expect(p.srcPort).toBe(value & 0xffff);
        if (what === 3) expect(p.dstPort).toBe(value & 0xffff);
        expectIpv4Valid(buf, p);
      }
    }
  });

  it('UDP checksum that computes to 0 is stored as 0xffff after a rewrite', () => {
    // Search seeded destination ports until the UDP checksum would be 0: the
    // incremental path must then store 0xffff, as full recomputation does.
    const buf = hexToBytes(FRAMES.ipv4Udp);
    const l4Off = 34;
    let found = false;
    for (let port = 0; port < 0x10000 && !found; port++) {
      setL4Port(buf, l4Off, IP_PROTO_UDP, L4_DST_PORT_OFF, port);
      const stored = read16(buf, l4Off + 6);
      expect(stored).toBe(l4ChecksumIpv4(buf, 14, l4Off, 10, IP_PROTO_UDP));
      if (stored === 0xffff) found = true;
    }
    expect(found).toBe(true);
    expect(verifiesRef(ipv4PseudoAndSegment(buf, 14, l4Off, 10, IP_PROTO_UDP))).toBe(true);
  });

  it('UDP without checksum (0) stays without checksum', () => {
    const buf = hexToBytes(FRAMES.ipv4Udp);
    buf[40] = 0;
    buf[41] = 0;
    setIpv4Dst(buf, 14, 0x01020304);
    setL4Port(buf, 34, IP_PROTO_UDP, L4_SRC_PORT_OFF, 9999);
    expect(read16(buf, 40)).toBe(0);
    expect(read16(buf, 34)).toBe(9999);
    expect(internetChecksum(buf, 14, 20)).toBe(0);
  });

  it('setIpv4Dst leaves the data of a non-first fragment alone', () => {
    const buf = hexToBytes(FRAMES.ipv4FragLater);
    const dataBefore = buf.slice(34);
    setIpv4Dst(buf, 14, 0x0a0a0a0a);
    expect(buf.slice(34)).toEqual(dataBefore);
    expect(internetChecksum(buf, 14, 20)).toBe(0);
    const p = new ParsedPacket();
    expect(parsePacket(buf, 0, buf.length, p, true)).toBe(ParseResult.Ok);
    expect(p.dstIp).toBe(0x0a0a0a0a);
    expect(read16(buf, 14 + 6) & IPV4_FLAG_MF).toBe(0);
  });

  it('setL4Port works over IPv6 and refuses non-TCP/UDP', () => {
    const buf = hexToBytes(FRAMES.ipv6HbhTcp);
    const p = new ParsedPacket();
    expect(parsePacket(buf, 0, buf.length, p, true)).toBe(ParseResult.Ok);
    expect(setL4Port(buf, p.l4Off, p.proto, L4_DST_PORT_OFF, 2222)).toBe(true);
    const l4Len = p.ipTotalLen - p.ipHeaderLen;
    expect(verifiesRef(ipv6PseudoAndSegment(buf, p.l3Off, p.l4Off, l4Len, IP_PROTO_TCP))).toBe(true);
    const icmp = hexToBytes(FRAMES.ipv4Icmp);
    const before = icmp.slice();
    expect(setL4Port(icmp, 34, 1, L4_SRC_PORT_OFF, 7)).toBe(false);
    expect(icmp).toEqual(before);
  });
});
