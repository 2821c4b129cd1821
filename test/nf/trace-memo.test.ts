/**
 * The host-side lookup memo (src/nf/trace-memo.ts): a memoized lookup must
 * declare exactly what the search declares, so that the memory model ends in
 * the same state with the same counters; and the memo's own bookkeeping
 * (growth, clearing, line conversion) must not lose or mix up traces.
 */
import { describe, expect, it } from 'vitest';
import { AclClassifier } from '../../src/nf/acl-classifier.js';
import { generateAclRules } from '../../src/nf/acl-rules.js';
import type { MemoryModel } from '../../src/nf/nf.js';
import { TraceMemo, TraceRecorder } from '../../src/nf/trace-memo.js';
import { MemoryHierarchy } from '../../src/hw/memory.js';
import { getPreset } from '../../src/hw/presets/index.js';
import { Prng } from '../../src/util/prng.js';

const P = getPreset('xeon-8168-2s');

/** A model that logs every call. */
function logger(): MemoryModel & { log: string[] } {
  const log: string[] = [];
  return { log, read: (a, s) => (log.push(`r ${a} ${s}`), 0), write: (a, s) => (log.push(`w ${a} ${s}`), 0) };
}

/** Every observable piece of a hierarchy's state: counters and the three levels' contents. */
function stateOf(h: MemoryHierarchy): unknown {
  const levels = [h.l1, h.l2, h.llc].map((c) => [Array.from(c.tags), Array.from(c.fill), Array.from(c.dirty)]);
  return { counters: Array.from(h.counters), stall: h.stallCycles, levels };
}

const rules = generateAclRules({ count: 400, seed: 5, denyFraction: 0.3, srcNet: { addr: 0x0a000000, len: 8 }, dstNet: { addr: 0xc0a80000, len: 16 } });

/** Packets over `flows` random 5-tuples (flows repeat, as in traffic). */
function packets(n: number, flows: number, seed: number): number[][] {
  const rng = new Prng(seed);
  const fs = Array.from({ length: flows }, () => [
    (0x0a000000 | rng.nextInt(1 << 24)) >>> 0, (0xc0a80000 | rng.nextInt(1 << 16)) >>> 0, rng.nextInt(0x10000), rng.nextInt(0x10000), rng.nextInt(2) === 0 ? 6 : 17,
  ]);
  return Array.from({ length: n }, () => fs[rng.nextInt(flows)]!);
}

describe('TraceRecorder', () => {
  it('passes reads and writes on, records reads, and a write spoils the trace', () => {
    const inner = logger();
    const r = new TraceRecorder(4, inner);
    r.read(100, 8);
    r.read(200, 4);
    expect(r.n).toBe(2);
    expect(Array.from(r.addrs.subarray(0, 2))).toEqual([100, 200]);
    expect(Array.from(r.sizes.subarray(0, 2))).toEqual([8, 4]);
    r.write(300, 2);
    expect(r.n).toBe(5); // past max: not storable
    expect(inner.log).toEqual(['r 100 8', 'r 200 4', 'w 300 2']);
  });

  it('a trace longer than max is spoilt', () => {
    const r = new TraceRecorder(2, logger());
    for (let i = 0; i < 3; i++) r.read(i * 64, 8);
    expect(r.n).toBeGreaterThan(2);
  });
});

describe('AclClassifier with and without the memo', () => {
  it('declares the same reads in the same order, with the same answers and counts (logging model)', () => {
    const plain = new AclClassifier(rules, { memo: false });
    const memo = new AclClassifier(rules);
    plain.setBases(1 << 20, 1 << 24, 1 << 26);
    memo.setBases(1 << 20, 1 << 24, 1 << 26);
    const a = logger();
    const b = logger();
    for (const [s, d, sp, dp, pr] of packets(3000, 200, 1)) {
      expect(memo.classify(s!, d!, sp!, dp!, pr!, b)).toBe(plain.classify(s!, d!, sp!, dp!, pr!, a));
      expect([memo.lastTuples, memo.lastSlots, memo.lastRules]).toEqual([plain.lastTuples, plain.lastSlots, plain.lastRules]);
    }
    expect(b.log).toEqual(a.log);
    expect(memo.memo!.hits).toBeGreaterThan(2000); // the memo was used, not bypassed
  });

  it('leaves a cache hierarchy in the same state, counter for counter (line traces)', () => {
    const plain = new AclClassifier(rules, { memo: false });
    const memo = new AclClassifier(rules);
    // Unaligned bases, so tuple reads straddle lines and lines repeat within a trace.
    const bases = [2 ** 44 + 24, 2 ** 44 + 2 ** 20 + 8, 2 ** 44 + 2 ** 22 + 40] as const;
    plain.setBases(...bases);
    memo.setBases(...bases);
    const ha = new MemoryHierarchy(P, { coreId: 3 });
    const hb = new MemoryHierarchy(P, { coreId: 3 });
    // Other traffic between packets (another NF's table), so replays meet varied cache states.
    const rng = new Prng(2);
    for (const [s, d, sp, dp, pr] of packets(4000, 300, 3)) {
      // Some of it stores: dirty lines move with every recency change the replay makes.
      const other = 2 ** 45 + rng.nextInt(1 << 16) * 64;
      if (rng.nextInt(2) === 0) { ha.read(other, 8); hb.read(other, 8); } else { ha.write(other, 8); hb.write(other, 8); }
      // ...and sometimes the ACL's own lines are stored to (as if the table were updated in place).
      if (rng.nextInt(8) === 0) { const t = bases[rng.nextInt(3)]! + rng.nextInt(64) * 16; ha.write(t, 4); hb.write(t, 4); }
      expect(memo.classify(s!, d!, sp!, dp!, pr!, hb)).toBe(plain.classify(s!, d!, sp!, dp!, pr!, ha));
    }
    expect(memo.memo!.hits).toBeGreaterThan(2000);
    expect(stateOf(hb)).toEqual(stateOf(ha));
  });

  it('moving the tables forgets the traces (they hold the old addresses)', () => {
    const cls = new AclClassifier(rules);
    cls.setBases(1 << 20, 1 << 24, 1 << 26);
    const a = logger();
    cls.classify(0x0a000001, 0xc0a80001, 1, 2, 6, a);
    cls.setBases(1 << 21, 1 << 25, 1 << 27);
    const b = logger();
    cls.classify(0x0a000001, 0xc0a80001, 1, 2, 6, b);
    expect(cls.memo!.hits).toBe(0);
    expect(b.log.every((l) => Number(l.split(' ')[1]) >= 1 << 21)).toBe(true);
  });
});

describe('TraceMemo', () => {
  /** A fake lookup: key k reads `len(k)` records of a table, some straddling lines. */
  function lookup(k: number, mem: MemoryModel): number {
    const n = 1 + (k % 7);
    for (let i = 0; i < n; i++) mem.read(2 ** 40 + ((k * 13 + i * 40) % 5000), i % 3 === 0 ? 0 : 24 + (i % 2) * 60);
    return k * 2;
  }

  it.each([
    ['growing', {}],
    ['full at its caps', { maxEntries: 512, maxArenaReads: 1 << 13 }],
  ])('replays into a hierarchy exactly what the lookup did (%s)', (_name, limits) => {
    const memo = new TraceMemo(64, limits);
    const ha = new MemoryHierarchy(P, { coreId: 0 });
    const hb = new MemoryHierarchy(P, { coreId: 0 });
    const rng = new Prng(4);
    for (let i = 0; i < 60_000; i++) {
      const k = rng.nextInt(i < 30_000 ? 2000 : 50); // many keys (the index grows), then few (hits)
      const want = lookup(k, ha);
      if (memo.find(k, 0, 0, 0) && memo.replay(hb)) {
        expect(memo.result).toBe(want);
      } else if (!memo.admit()) {
        expect(lookup(k, hb)).toBe(want);
      } else {
        expect(lookup(k, memo.recorder(hb))).toBe(want);
        memo.store(want, 0, 0, 0);
      }
    }
    expect(memo.capacity).toBeGreaterThan(256);
    expect(memo.capacity).toBeLessThanOrEqual(limits.maxEntries ?? 1 << 15);
    expect(memo.arenaUsed).toBeLessThanOrEqual(limits.maxArenaReads ?? 1 << 19);
    expect(memo.isFull).toBe(limits.maxEntries !== undefined);
    // Full: the keys it holds still hit (the 50 later keys were met early).
    expect(memo.hits).toBeGreaterThan(limits.maxEntries === undefined ? 30_000 : 5_000);
    expect(stateOf(hb)).toEqual(stateOf(ha));
  });

  it('admits a key on its second miss', () => {
    const memo = new TraceMemo(16);
    const m = logger();
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      if (memo.find(9, 9, 9, 9) && memo.replay(m)) { outcomes.push('hit'); continue; }
      if (!memo.admit()) { outcomes.push('not admitted'); continue; }
      memo.recorder(m).read(64, 8);
      memo.store(1, 0, 0, 0);
      outcomes.push('stored');
    }
    expect(outcomes).toEqual(['not admitted', 'stored', 'hit']);
  });

  it('bypasses itself while it hits less than half the time, and never stores a bypassed lookup', () => {
    const memo = new TraceMemo(16);
    const h = new MemoryHierarchy(P, { coreId: 0 });
    const ref = new MemoryHierarchy(P, { coreId: 0 });
    const read = (k: number, mem: MemoryModel) => { mem.read(2 ** 40 + (k % 4096) * 64, 8); return k; };
    let k = 0;
    const lookup = (key: number) => {
      const want = read(key, ref);
      if (memo.find(key, 0, 0, 0) && memo.replay(h)) return expect(memo.result).toBe(want);
      if (!memo.admit()) return expect(read(key, h)).toBe(want);
      expect(read(key, memo.recorder(h))).toBe(want);
      memo.store(want, 0, 0, 0);
    };
    // Every key new: the first window of 65536 finds hits never, so the memo bypasses itself.
    for (; k < 70_000; k++) lookup(k);
    const hitsBefore = memo.hits;
    // A key seen twice during the bypass is not stored: it still misses.
    lookup(5); lookup(5); lookup(5);
    expect(memo.hits).toBe(hitsBefore);
    // Past the bypass, the key of the last probed find answers for itself, not for a bypassed one.
    for (let i = 0; i < 1 << 20; i++) memo.find(1, 2, 3, 4);
    lookup(65_535);
    lookup(65_535);
    expect(stateOf(h)).toEqual(stateOf(ref));
  });

  it('a line trace is not replayed into a model with another line size', () => {
    const memo = new TraceMemo(16);
    const h = new MemoryHierarchy(P, { coreId: 0 });
    expect(memo.find(1, 2, 3, 4)).toBe(false);
    memo.recorder(h).read(2 ** 40, 8);
    memo.store(7, 0, 0, 0);
    expect(memo.find(1, 2, 3, 4)).toBe(true);
    const other: MemoryModel = { lineBytes: 128, read: () => 0, write: () => 0, readLines: () => { throw new Error('must not be called'); } };
    expect(memo.replay(other)).toBe(false);
    expect(memo.replay(h)).toBe(true);
  });

  it('distinguishes keys that differ in any word', () => {
    const memo = new TraceMemo(4);
    const m = logger();
    const keys = [[1, 2, 3, 4], [1, 2, 3, 5], [1, 2, 4, 4], [1, 3, 3, 4], [2, 2, 3, 4], [0xffffffff, 0, 0, -1]];
    keys.forEach((k, i) => {
      expect(memo.find(k[0]!, k[1]!, k[2]!, k[3]!)).toBe(false);
      memo.recorder(m).read(i * 64, 4);
      memo.store(i, 0, 0, 0);
    });
    keys.forEach((k, i) => {
      expect(memo.find(k[0]!, k[1]!, k[2]!, k[3]!)).toBe(true);
      expect(memo.result).toBe(i);
    });
    expect(memo.hits).toBe(6);
  });
});
