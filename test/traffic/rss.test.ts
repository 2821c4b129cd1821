import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/util/prng.js';
import { parseIpv4 } from '../../src/traffic/flows.js';
import {
  DEFAULT_RETA_SIZE,
  DEFAULT_RSS_KEY_BYTES,
  Reta,
  ToeplitzKey,
  rssQueue,
  toeplitzIpv4,
  toeplitzIpv4NoPorts,
  toeplitzIpv6,
} from '../../src/traffic/rss.js';

/**
 * Reference Toeplitz, straight from the Microsoft pseudo-code: walk the input
 * bits MSB first, XOR the leftmost 32 bits of the key into the result for each
 * set bit, and shift the key left by one bit each step. Deliberately slow and
 * table-free, written independently of src/traffic/rss.ts.
 */
function toeplitzReference(key: Uint8Array, input: number[]): number {
  let result = 0;
  for (let bit = 0; bit < input.length * 8; bit++) {
    if ((input[bit >> 3]! >> (7 - (bit & 7))) & 1) {
      let window = 0;
      for (let k = 0; k < 32; k++) {
        const kb = bit + k;
        const keyBit = (key[kb >> 3]! >> (7 - (kb & 7))) & 1;
        window = (window << 1) | keyBit;
      }
      result ^= window;
    }
  }
  return result >>> 0;
}

function tupleBytes(src: number, dst: number, sport?: number, dport?: number): number[] {
  const b = [src >>> 24, (src >>> 16) & 255, (src >>> 8) & 255, src & 255, dst >>> 24, (dst >>> 16) & 255, (dst >>> 8) & 255, dst & 255];
  if (sport !== undefined && dport !== undefined) b.push(sport >>> 8, sport & 255, dport >>> 8, dport & 255);
  return b;
}

/**
 * Microsoft "Verifying the RSS Hash Calculation" (Windows NDIS docs), IPv4
 * table: destination, source, hash over addresses only, hash with TCP ports.
 * The hash input is source address, destination address, source port,
 * destination port.
 */
const MS_IPV4_VECTORS = [
  { dst: '161.142.100.80', dport: 1766, src: '66.9.149.187', sport: 2794, noPorts: 0x323e8fc2, withPorts: 0x51ccc178 },
  { dst: '65.69.140.83', dport: 4739, src: '199.92.111.2', sport: 14230, noPorts: 0xd718262a, withPorts: 0xc626b0ea },
  { dst: '12.22.207.184', dport: 38024, src: '24.19.198.95', sport: 12898, noPorts: 0xd2d0a5de, withPorts: 0x5c2b394a },
  { dst: '209.142.163.6', dport: 2217, src: '38.27.205.30', sport: 48228, noPorts: 0x82989176, withPorts: 0xafc7327f },
  { dst: '202.188.127.2', dport: 1303, src: '153.39.163.191', sport: 44251, noPorts: 0x5d1809c5, withPorts: 0x10e828a2 },
];

/** 16 bytes of an IPv6 address in text form (with at most one "::"). Test-only. */
function v6(text: string): number[] {
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, null];
  const groups = (x: string) => (x === '' ? [] : x.split(':').map((g) => parseInt(g, 16)));
  const hi = groups(head);
  const lo = tail === null ? [] : groups(tail);
  const all = [...hi, ...new Array<number>(8 - hi.length - lo.length).fill(0), ...lo];
  return all.flatMap((g) => [g >>> 8, g & 255]);
}

/**
 * The same page's IPv6 table (also the Intel 82599 datasheet's RSS
 * verification suite): hash over the addresses only, and with TCP ports.
 */
const MS_IPV6_VECTORS = [
  { dst: '3ffe:2501:200:3::1', dport: 1766, src: '3ffe:2501:200:1fff::7', sport: 2794, noPorts: 0x2cc18cd5, withPorts: 0x40207d3d },
  { dst: 'ff02::1', dport: 4739, src: '3ffe:501:8::260:97ff:fe40:efab', sport: 14230, noPorts: 0x0f0c461c, withPorts: 0xdde51bbf },
  { dst: 'fe80::200:f8ff:fe21:67cf', dport: 38024, src: '3ffe:1900:4545:3:200:f8ff:fe21:67cf', sport: 44251, noPorts: 0x4b61e985, withPorts: 0x02d1feef },
];

describe('Toeplitz hash (Microsoft RSS)', () => {
  for (const v of MS_IPV6_VECTORS) {
    it(`matches the Microsoft IPv6 vector [${v.src}]:${v.sport} -> [${v.dst}]:${v.dport}`, () => {
      // The addresses where a packet has them: 8 bytes of other header first, as in an IPv6 header.
      const bytes = Uint8Array.from([...new Array<number>(8).fill(0xee), ...v6(v.src), ...v6(v.dst)]);
      expect(toeplitzIpv6(bytes, 8, 24, v.sport, v.dport)).toBe(v.withPorts);
      expect(toeplitzIpv6(bytes, 8, 24, 0, 0)).toBe(v.noPorts);
      const input = [...v6(v.src), ...v6(v.dst)];
      expect(toeplitzReference(DEFAULT_RSS_KEY_BYTES, [...input, v.sport >>> 8, v.sport & 255, v.dport >>> 8, v.dport & 255])).toBe(v.withPorts);
      expect(toeplitzReference(DEFAULT_RSS_KEY_BYTES, input)).toBe(v.noPorts);
    });
  }

  it('IPv6: agrees with the bitwise reference on random tuples and keys, and needs a 40-byte key', () => {
    const p = new Prng(7);
    for (let k = 0; k < 3; k++) {
      const keyBytes = Uint8Array.from({ length: 40 }, () => p.nextInt(256));
      const key = new ToeplitzKey(keyBytes);
      for (let i = 0; i < 200; i++) {
        const addrs = Array.from({ length: 32 }, () => p.nextInt(256));
        const sport = p.nextInt(65536);
        const dport = p.nextInt(65536);
        const bytes = Uint8Array.from(addrs);
        expect(toeplitzIpv6(bytes, 0, 16, sport, dport, key))
          .toBe(toeplitzReference(keyBytes, [...addrs, sport >>> 8, sport & 255, dport >>> 8, dport & 255]));
      }
    }
    expect(() => toeplitzIpv6(new Uint8Array(32), 0, 16, 1, 2, new ToeplitzKey(new Uint8Array(39)))).toThrow(/covers 35 input bytes, an IPv6 4-tuple is 36/);
  });

  it('uses the published 40-byte default key', () => {
    expect(DEFAULT_RSS_KEY_BYTES.length).toBe(40);
    expect(Array.from(DEFAULT_RSS_KEY_BYTES.subarray(0, 4))).toEqual([0x6d, 0x5a, 0x56, 0xda]);
    expect(Array.from(DEFAULT_RSS_KEY_BYTES.subarray(36))).toEqual([0xbe, 0xac, 0x01, 0xfa]);
  });

  for (const v of MS_IPV4_VECTORS) {
    it(`matches the Microsoft vector ${v.src}:${v.sport} -> ${v.dst}:${v.dport}`, () => {
      const src = parseIpv4(v.src);
      const dst = parseIpv4(v.dst);
      expect(toeplitzIpv4(src, dst, v.sport, v.dport)).toBe(v.withPorts);
      expect(toeplitzIpv4NoPorts(src, dst)).toBe(v.noPorts);
      // The independent reference agrees too, so the vectors check both.
      expect(toeplitzReference(DEFAULT_RSS_KEY_BYTES, tupleBytes(src, dst, v.sport, v.dport))).toBe(v.withPorts);
      expect(toeplitzReference(DEFAULT_RSS_KEY_BYTES, tupleBytes(src, dst))).toBe(v.noPorts);
    });
  }

  it('agrees with the bitwise reference on random tuples and random keys', () => {
    const p = new Prng(99);
    for (let k = 0; k < 4; k++) {
      const keyBytes = Uint8Array.from({ length: k === 0 ? 16 : 40 }, () => p.nextInt(256));
      const key = new ToeplitzKey(keyBytes);
      for (let i = 0; i < 300; i++) {
        const src = p.nextU32();
        const dst = p.nextU32();
        const sport = p.nextInt(65536);
        const dport = p.nextInt(65536);
        expect(toeplitzIpv4(src, dst, sport, dport, key)).toBe(toeplitzReference(keyBytes, tupleBytes(src, dst, sport, dport)));
        expect(toeplitzIpv4NoPorts(src, dst, key)).toBe(toeplitzReference(keyBytes, tupleBytes(src, dst)));
      }
    }
  });

  it('returns uint32 and is zero for an all-zero input', () => {
    expect(toeplitzIpv4(0, 0, 0, 0)).toBe(0);
    expect(toeplitzIpv4(0xffffffff, 0xffffffff, 0xffff, 0xffff)).toBeGreaterThanOrEqual(0);
  });

  it('copies the key and rejects keys too short for an IPv4 4-tuple', () => {
    const bytes = Uint8Array.from(DEFAULT_RSS_KEY_BYTES);
    const key = new ToeplitzKey(bytes);
    bytes.fill(0);
    expect(toeplitzIpv4(parseIpv4('66.9.149.187'), parseIpv4('161.142.100.80'), 2794, 1766, key)).toBe(0x51ccc178);
    expect(() => new ToeplitzKey(new Uint8Array(15))).toThrow(/15 bytes, need at least 16/);
  });
});

describe('RSS queue selection', () => {
  it('indexes a round-robin table (entry i -> queue i % n) with the low bits of the hash', () => {
    expect(DEFAULT_RETA_SIZE).toBe(128);
    // Low 7 bits 0x78 = 120 -> 120 % 3 = 0; high bits are ignored.
    expect(rssQueue(0x51ccc178, 3)).toBe(0);
    expect(rssQueue(0x51ccc178 ^ 0x80000000, 3)).toBe(0);
    expect(rssQueue(0x0000007f, 3)).toBe(127 % 3);
    expect(rssQueue(0x00000005, 4, 4)).toBe(1);
    for (const n of [1, 2, 3, 5, 8, 16]) {
      const reta = new Reta(n);
      for (let h = 0; h < 1024; h++) {
        const hash = (Math.imul(h, 0x9e3779b1) >>> 0) ^ h;
        expect(rssQueue(hash >>> 0, n)).toBe(reta.queueOf(hash >>> 0));
        expect(reta.queueOf(hash >>> 0)).toBe((hash & 127) % n);
      }
    }
  });

  it('spreads random flows evenly over queues', () => {
    const p = new Prng(5);
    const n = 4;
    const counts = new Float64Array(n);
    const flows = 40000;
    for (let i = 0; i < flows; i++) {
      counts[rssQueue(toeplitzIpv4(p.nextU32(), p.nextU32(), p.nextInt(65536), p.nextInt(65536)), n)]!++;
    }
    for (let q = 0; q < n; q++) expect(Math.abs(counts[q]! / flows - 1 / n)).toBeLessThan(0.02);
  });

  it('Reta entries can be rewritten and are validated', () => {
    const reta = new Reta(4, 8);
    expect(Array.from(reta.entries)).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    reta.set(5, 3);
    expect(reta.queueOf(0x105)).toBe(3);
    expect(() => reta.set(8, 0)).toThrow(/index must be an integer in 0..7/);
    expect(() => reta.set(0, 4)).toThrow(/queue must be an integer in 0..3/);
    expect(() => new Reta(0)).toThrow(/numQueues/);
    expect(() => new Reta(2, 100)).toThrow(/power of two/);
  });
});
