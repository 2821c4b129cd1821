import { describe, expect, it } from 'vitest';
import {
  IP_PROTO_TCP,
  IP_PROTO_UDP,
  csumUpdate16,
  csumUpdate32,
  foldSum,
  internetChecksum,
  l4ChecksumIpv4,
  l4ChecksumIpv6,
  pseudoHeaderSumIpv4,
  pseudoHeaderSumIpv6,
  sum16,
} from '../../src/packet/checksum.js';
import { hexToBytes, ipv4PseudoAndSegment, ipv6PseudoAndSegment, makeRng, randInt, refChecksum, refSum } from './helpers.js';

describe('internetChecksum', () => {
  it('matches the RFC 1071 §3 example', () => {
    // 0001 + f203 + f4f5 + f6f7 = 0x2ddf0 -> fold 0xddf0 + 2 = 0xddf2 -> ~ = 0x220d
    const bytes = hexToBytes('0001f203f4f5f6f7');
    expect(sum16(bytes, 0, 8, 0)).toBe(0xddf2);
    expect(internetChecksum(bytes, 0, 8)).toBe(0x220d);
  });

  it('matches a real IPv4 header computed by hand', () => {
    // 4500 0073 0000 4000 4011 [csum] c0a8 0001 c0a8 00c7 (192.168.0.1 -> 192.168.0.199, UDP, TTL 64)
    // 4500+0073+0000+4000+4011+c0a8+0001+c0a8+00c7 = 0x2479c -> 0x479c + 2 = 0x479e -> ~ = 0xb861
    const header = hexToBytes('450000730000400040110000c0a80001c0a800c7');
    expect(internetChecksum(header, 0, 20)).toBe(0xb861);
    header[10] = 0xb8;
    header[11] = 0x61;
    expect(internetChecksum(header, 0, 20)).toBe(0); // verifies
  });

  it('pads an odd trailing byte with zero and honours off', () => {
    const bytes = hexToBytes('ff0102030405');
    // words at off 1, len 5: 0102 0304 0500
    expect(sum16(bytes, 1, 5, 0)).toBe(0x0102 + 0x0304 + 0x0500);
    expect(internetChecksum(bytes, 1, 5)).toBe(refChecksum([1, 2, 3, 4, 5]));
    expect(internetChecksum(bytes, 0, 0)).toBe(0xffff);
  });

  it('composes partial sums at even boundaries and via `initial`', () => {
    const rng = makeRng(7);
    for (let trial = 0; trial < 200; trial++) {
      const len = 2 + randInt(rng, 300);
      const bytes = new Uint8Array(len);
      for (let i = 0; i < len; i++) bytes[i] = rng() & 0xff;
      const split = 2 * randInt(rng, Math.floor(len / 2) + 1);
      const whole = internetChecksum(bytes, 0, len);
      expect(whole).toBe(refChecksum(bytes));
      const first = sum16(bytes, 0, split, 0);
      expect(internetChecksum(bytes, split, len - split, first)).toBe(whole);
      expect(sum16(bytes, split, len - split, first)).toBe(refSum(bytes));
    }
  });

  it('folds huge sums exactly', () => {
    expect(foldSum(0)).toBe(0);
    expect(foldSum(0xffff)).toBe(0xffff);
    expect(foldSum(0x10000)).toBe(1);
    expect(foldSum(0x1fffe)).toBe(0xffff);
    expect(foldSum(0xffffffff)).toBe(0xffff);
    // 2^40 = (2^16)^2 * 2^8 ≡ 2^8 (mod 0xffff)
    expect(foldSum(2 ** 40)).toBe(0x100);
    // A sum past 2^32 from a long buffer: 70,000 words of 0xffff.
    const big = new Uint8Array(140_000).fill(0xff);
    expect(sum16(big, 0, big.length, 0)).toBe(0xffff);
    big[0] = 0x7f;
    expect(sum16(big, 0, big.length, 0)).toBe(refSum(big));
  });
});

describe('incremental update (RFC 1624 eqn 3)', () => {
  it('csumUpdate16 equals full recomputation over seeded random edits', () => {
    const rng = makeRng(0xc0ffee);
    const special = [0x0000, 0xffff, 0x0001, 0xfffe, 0x8000];
    for (let trial = 0; trial < 50; trial++) {
      const len = 2 * (10 + randInt(rng, 100));
      const bytes = new Uint8Array(len);
      for (let i = 0; i < len; i++) bytes[i] = rng() & 0xff;
      // Word 0 stays non-zero and unedited: eqn 3 agrees with recomputation
      // for all data except the all-zero buffer (RFC 1624 §3 discusses -0).
      bytes[0] = 0x45;
      let csum = internetChecksum(bytes, 0, len);
      for (let edit = 0; edit < 100; edit++) {
        const at = 2 * (1 + randInt(rng, len / 2 - 1));
        const oldWord = (bytes[at]! << 8) | bytes[at + 1]!;
        const newWord = randInt(rng, 4) === 0 ? special[randInt(rng, special.length)]! : rng() & 0xffff;
        bytes[at] = newWord >> 8;
        bytes[at + 1] = newWord & 0xff;
        csum = csumUpdate16(csum, oldWord, newWord);
        expect(csum).toBe(internetChecksum(bytes, 0, len));
      }
    }
  });

  it('csumUpdate32 equals full recomputation over seeded random edits', () => {
    const rng = makeRng(12345);
    for (let trial = 0; trial < 50; trial++) {
      const len = 4 * (5 + randInt(rng, 50));
      const bytes = new Uint8Array(len);
      for (let i = 0; i < len; i++) bytes[i] = rng() & 0xff;
      bytes[0] = 0x45;
      let csum = internetChecksum(bytes, 0, len);
      for (let edit = 0; edit < 100; edit++) {
        // Any even offset: 32-bit fields in headers are 16-bit aligned.
        const at = 2 * (2 + randInt(rng, len / 2 - 3));
        const oldU32 = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
        const newU32 = randInt(rng, 5) === 0 ? [0, 0xffffffff, 0x0000ffff][randInt(rng, 3)]! : rng();
        bytes[at] = newU32 >>> 24;
        bytes[at + 1] = newU32 >>> 16;
        bytes[at + 2] = newU32 >>> 8;
        bytes[at + 3] = newU32;
        csum = csumUpdate32(csum, oldU32, newU32);
        expect(csum).toBe(internetChecksum(bytes, 0, len));
      }
    }
  });

  it('a no-op edit leaves a valid checksum unchanged', () => {
    expect(csumUpdate16(0xb861, 0x4011, 0x4011)).toBe(0xb861);
    expect(csumUpdate32(0xb861, 0xc0a80001, 0xc0a80001)).toBe(0xb861);
  });
});

describe('pseudo-header and L4 checksums', () => {
  it('matches a UDP/IPv4 vector computed by hand', () => {
    // IPv4 10.0.0.1 -> 10.0.0.2, UDP 1234 -> 80, length 10, payload "hi".
    // pseudo: 0a00+0001+0a00+0002+0011+000a = 0x141e
    // udp:    04d2+0050+000a+0000+6869      = 0x6d95
    // 0x141e + 0x6d95 = 0x81b3 -> ~ = 0x7e4c
    const ip = hexToBytes('4500001e00000000401100000a0000010a000002');
    const udp = hexToBytes('04d20050000a' + 'abcd' + '6869'); // checksum field holds junk: it is skipped
    const buf = new Uint8Array(30);
    buf.set(ip, 0);
    buf.set(udp, 20);
    expect(pseudoHeaderSumIpv4(buf, 0, IP_PROTO_UDP, 10)).toBe(0x141e);
    expect(l4ChecksumIpv4(buf, 0, 20, 10, IP_PROTO_UDP)).toBe(0x7e4c);
  });

  it('agrees with the reference over random TCP/UDP segments (IPv4 and IPv6)', () => {
    const rng = makeRng(99);
    const buf = new Uint8Array(600);
    for (let trial = 0; trial < 200; trial++) {
      for (let i = 0; i < buf.length; i++) buf[i] = rng() & 0xff;
      const proto = trial % 2 === 0 ? IP_PROTO_TCP : IP_PROTO_UDP;
      const fieldOff = proto === IP_PROTO_TCP ? 16 : 6;
      const l4Len = 20 + randInt(rng, 500);
      const l4Off = 60;
      const four = l4ChecksumIpv4(buf, 0, l4Off, l4Len, proto);
      buf[l4Off + fieldOff] = 0;
      buf[l4Off + fieldOff + 1] = 0;
      const ref4 = refChecksum(ipv4PseudoAndSegment(buf, 0, l4Off, l4Len, proto));
      expect(four).toBe(proto === IP_PROTO_UDP && ref4 === 0 ? 0xffff : ref4);
      const six = l4ChecksumIpv6(buf, 0, l4Off, l4Len, proto);
      const ref6 = refChecksum(ipv6PseudoAndSegment(buf, 0, l4Off, l4Len, proto));
      expect(six).toBe(proto === IP_PROTO_UDP && ref6 === 0 ? 0xffff : ref6);
    }
  });

  it('IPv6 pseudo-header includes the 32-bit length and next header', () => {
    const buf = new Uint8Array(40); // all-zero addresses
    expect(pseudoHeaderSumIpv6(buf, 0, 17, 8)).toBe(17 + 8);
    expect(pseudoHeaderSumIpv6(buf, 0, 6, 0x12345)).toBe(6 + 0x1 + 0x2345);
  });

  it('sends a computed UDP checksum of 0 as 0xffff, but not TCP', () => {
    for (const proto of [IP_PROTO_UDP, IP_PROTO_TCP]) {
      // 20-byte segment; choose its last word so the covered data sums to
      // 0xffff, i.e. the computed checksum is 0.
      const buf = new Uint8Array(20 + 20);
      buf.set(hexToBytes('0a0000010a000002'), 12);
      buf.set(hexToBytes('04d2005000140000000000000000000000000000'), 20);
      const partial = refSum(ipv4PseudoAndSegment(buf, 0, 20, 20, proto));
      const word = 0xffff - partial;
      buf[38] = word >> 8;
      buf[39] = word & 0xff;
      expect(refSum(ipv4PseudoAndSegment(buf, 0, 20, 20, proto))).toBe(0xffff);
      expect(l4ChecksumIpv4(buf, 0, 20, 20, proto)).toBe(proto === IP_PROTO_UDP ? 0xffff : 0);
    }
  });
});
