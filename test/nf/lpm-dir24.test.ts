import { describe, expect, it } from 'vitest';
import { LPM_ENTRY_BYTES, LpmDir24, prefixMask, type LpmPrefix } from '../../src/nf/lpm-dir24.js';
import { makeRng } from '../packet/helpers.js';

const ip = (a: number, b: number, c: number, d: number) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

/**
 * Reference LPM, the slow obvious way: scan every prefix, keep the longest
 * that covers the address; among equal (address, length) duplicates the
 * later one wins, as the builder documents.
 */
function linearLpm(prefixes: readonly LpmPrefix[], addr: number): number {
  let bestLen = -1;
  let hop = -1;
  for (const pr of prefixes) {
    const m = prefixMask(pr.len);
    if (((addr & m) >>> 0) === ((pr.addr & m) >>> 0) && pr.len >= bestLen) {
      bestLen = pr.len;
      hop = pr.nextHop;
    }
  }
  return hop;
}

/** Reference LPM by per-length maps (longest first); checked against linearLpm below. */
function mapLpm(prefixes: readonly LpmPrefix[]): (addr: number) => number {
  const byLen = Array.from({ length: 33 }, () => new Map<number, number>());
  for (const pr of prefixes) byLen[pr.len]!.set((pr.addr & prefixMask(pr.len)) >>> 0, pr.nextHop);
  return (addr) => {
    for (let len = 32; len >= 0; len--) {
      const hop = byLen[len]!.get((addr & prefixMask(len)) >>> 0);
      if (hop !== undefined) return hop;
    }
    return -1;
  };
}

/** Random overlapping prefixes: addresses come from a few clusters so short and long prefixes nest. */
function randomPrefixes(seed: number, n: number): LpmPrefix[] {
  const rng = makeRng(seed);
  const clusters = Array.from({ length: 12 }, () => rng() >>> 0);
  const out: LpmPrefix[] = [];
  for (let i = 0; i < n; i++) {
    const len = rng() % 33;
    // Mostly near a cluster (flip a few low bits), sometimes anywhere.
    const base = rng() % 4 === 0 ? rng() >>> 0 : (clusters[rng() % clusters.length]! ^ (rng() & 0xfff)) >>> 0;
    // Deliberately leave host bits set on some: the builder must ignore them.
    const addr = rng() % 3 === 0 ? base : (base & prefixMask(len)) >>> 0;
    out.push({ addr, len, nextHop: rng() % 1000 });
  }
  // Exact duplicates with a different next hop (the later must win).
  for (let i = 0; i < 50; i++) {
    const pr = out[rng() % out.length]!;
    out.push({ addr: pr.addr, len: pr.len, nextHop: 1000 + i });
  }
  return out;
}

/** Addresses that probe every prefix's edges, plus random ones. */
function probeAddresses(prefixes: readonly LpmPrefix[], seed: number, randomCount: number): number[] {
  const rng = makeRng(seed);
  const out: number[] = [0, 0xffffffff];
  for (const pr of prefixes) {
    const first = (pr.addr & prefixMask(pr.len)) >>> 0;
    const last = (first + 2 ** (32 - pr.len) - 1) >>> 0;
    out.push(first, last, (first - 1) >>> 0, (last + 1) >>> 0, (first + (rng() % 2 ** (32 - pr.len))) >>> 0);
  }
  for (let i = 0; i < randomCount; i++) out.push(rng() >>> 0);
  return out;
}

describe('LpmDir24', () => {
  it('picks the longest covering prefix in a small nested table', () => {
    const prefixes: LpmPrefix[] = [
      { addr: ip(10, 0, 0, 0), len: 8, nextHop: 1 },
      { addr: ip(10, 1, 0, 0), len: 16, nextHop: 2 },
      { addr: ip(10, 1, 2, 0), len: 24, nextHop: 3 },
      { addr: ip(10, 1, 2, 128), len: 25, nextHop: 4 },
      { addr: ip(10, 1, 2, 130), len: 32, nextHop: 5 },
      { addr: ip(0, 0, 0, 0), len: 0, nextHop: 9 },
    ];
    const lpm = new LpmDir24(prefixes, 16);
    expect(lpm.find(ip(11, 0, 0, 1))).toBe(9);
    expect(lpm.find(ip(10, 2, 0, 1))).toBe(1);
    expect(lpm.find(ip(10, 1, 3, 1))).toBe(2);
    expect(lpm.find(ip(10, 1, 2, 1))).toBe(3);
    expect(lpm.find(ip(10, 1, 2, 129))).toBe(4);
    expect(lpm.find(ip(10, 1, 2, 130))).toBe(5);
    expect(lpm.find(ip(10, 1, 2, 131))).toBe(4);
    expect(lpm.levels).toBe(2);
  });

  it('returns -1 with no covering prefix, and for an empty table', () => {
    const lpm = new LpmDir24([{ addr: ip(10, 0, 0, 0), len: 8, nextHop: 0 }], 16);
    expect(lpm.find(ip(10, 9, 9, 9))).toBe(0);
    expect(lpm.find(ip(11, 0, 0, 0))).toBe(-1);
    const empty = new LpmDir24([], 16);
    expect(empty.find(0)).toBe(-1);
    expect(empty.groupsBytes).toBe(0);
    expect(empty.tbl1Bytes).toBe(65536 * LPM_ENTRY_BYTES);
  });

  it('the map reference agrees with a linear scan', () => {
    const prefixes = randomPrefixes(7, 600);
    const ref = mapLpm(prefixes);
    for (const a of probeAddresses(prefixes, 8, 500)) expect(ref(a)).toBe(linearLpm(prefixes, a));
  });

  for (const bits of [8, 12, 16, 20, 24]) {
    it(`matches a brute-force reference over thousands of random overlapping prefixes (firstLevelBits ${bits})`, () => {
      const prefixes = randomPrefixes(1000 + bits, 3000);
      const lpm = new LpmDir24(prefixes, bits);
      expect(lpm.tbl1.length).toBe(2 ** bits);
      const ref = mapLpm(prefixes);
      const maxReads = 1 + Math.ceil((32 - bits) / 8);
      let mismatches = 0;
      for (const a of probeAddresses(prefixes, 2000 + bits, 5000)) {
        if (lpm.find(a) !== ref(a)) mismatches++;
        expect(lpm.lastReads).toBeGreaterThanOrEqual(1);
        expect(lpm.lastReads).toBeLessThanOrEqual(maxReads);
      }
      expect(mismatches).toBe(0);
    });
  }

  it('spot-checks the 24-bit table against the linear scan', () => {
    const prefixes = randomPrefixes(99, 2000);
    const lpm = new LpmDir24(prefixes, 24);
    for (const a of probeAddresses(prefixes.slice(0, 200), 5, 500)) expect(lpm.find(a)).toBe(linearLpm(prefixes, a));
  });

  it('the order of the input list does not matter except among duplicates', () => {
    const prefixes = randomPrefixes(3, 1500).filter((_, i, all) =>
      all.findIndex((q) => q.len === all[i]!.len && ((q.addr ^ all[i]!.addr) & prefixMask(q.len)) === 0) === i);
    const a = new LpmDir24(prefixes, 16);
    const b = new LpmDir24([...prefixes].reverse(), 16);
    for (const addr of probeAddresses(prefixes, 4, 2000)) expect(b.find(addr)).toBe(a.find(addr));
  });

  it('declares exactly the entries it reads, inside its two tables', () => {
    const lpm = new LpmDir24([
      { addr: ip(10, 0, 0, 0), len: 8, nextHop: 1 },
      { addr: ip(10, 1, 2, 3), len: 32, nextHop: 2 },
    ], 16);
    lpm.placeAt(0x100000, 0x900000);
    const reads: [number, number][] = [];
    const mem = { read: (addr: number, size: number) => { reads.push([addr, size]); return 0; }, write: () => 0 };
    expect(lpm.lookup(ip(10, 5, 0, 0), mem)).toBe(1);
    expect(reads).toEqual([[0x100000 + ((10 << 8) | 5) * 4, 4]]);
    reads.length = 0;
    expect(lpm.lookup(ip(10, 1, 2, 3), mem)).toBe(2);
    expect(lpm.lastReads).toBe(3);
    expect(reads.length).toBe(3);
    expect(reads[0]).toEqual([0x100000 + ((10 << 8) | 1) * 4, 4]);
    for (const [addr, size] of reads.slice(1)) {
      expect(size).toBe(4);
      expect(addr).toBeGreaterThanOrEqual(0x900000);
      expect(addr + size).toBeLessThanOrEqual(0x900000 + lpm.groupsBytes);
    }
    // Same address and result whether declared or not.
    expect(lpm.find(ip(10, 1, 2, 4))).toBe(1);
    expect(lpm.lastReads).toBe(3);
  });

  it('grows groups only for prefixes longer than the first level', () => {
    const short = new LpmDir24([{ addr: ip(10, 0, 0, 0), len: 8, nextHop: 1 }, { addr: ip(10, 1, 0, 0), len: 16, nextHop: 2 }], 16);
    expect(short.groupsBytes).toBe(0);
    const long = new LpmDir24([{ addr: ip(10, 1, 2, 0), len: 24, nextHop: 1 }], 16);
    expect(long.groups.length).toBe(256);
    const host = new LpmDir24([{ addr: ip(10, 1, 2, 3), len: 32, nextHop: 1 }], 16);
    expect(host.groups.length).toBe(512);
  });

  it('rejects a bad first-level size or prefix', () => {
    expect(() => new LpmDir24([], 7)).toThrow(/firstLevelBits/);
    expect(() => new LpmDir24([], 25)).toThrow(/firstLevelBits/);
    expect(() => new LpmDir24([{ addr: 0, len: 33, nextHop: 0 }], 16)).toThrow(/length/);
    expect(() => new LpmDir24([{ addr: 0, len: 8, nextHop: -1 }], 16)).toThrow(/next hop/);
  });
});
