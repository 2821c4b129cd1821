/**
 * A core's memory hierarchy: every expectation is worked out by hand from
 * the tiny geometry in helpers.ts (or the xeon-8168-2s preset's numbers).
 */
import { describe, expect, it } from 'vitest';
import { MemoryHierarchy } from '../../src/hw/memory.js';
import { CTR_L1_MISSES, MEM_COUNTERS_PER_ROW, SRC_L1 } from '../../src/hw/mem-counters.js';
import { getPreset } from '../../src/hw/presets/index.js';
import { Prng } from '../../src/util/prng.js';
import { at, tinyPreset } from './helpers.js';

describe('MemoryHierarchy on the tiny machine (non-inclusive LLC)', () => {
  it('first access costs DRAM, the second an L1 hit, a neighbour in the same line too', () => {
    const m = new MemoryHierarchy(tinyPreset(), { coreId: 0 });
    expect(m.read(0, 8)).toBe(250);
    expect(m.read(0, 8)).toBe(4);
    expect(m.read(56, 8)).toBe(4); // bytes 56..63: still line 0
    // Bytes 60..67 straddle lines 0 (L1) and 1 (DRAM).
    expect(m.read(60, 8)).toBe(4 + 250);
    expect(m.read(0, 0)).toBe(0);
  });

  it('after an L1 conflict eviction the line comes from L2', () => {
    const m = new MemoryHierarchy(tinyPreset(), { coreId: 0 });
    // Lines 0, 2, 4 share L1 set 0 (2 ways): 0 is evicted from L1.
    // In L2 (4 sets) 0 and 4 share set 0 (2 ways, fits), 2 is in set 2.
    for (const l of [0, 2, 4]) expect(m.read(at(l), 8)).toBe(250);
    expect(m.l1.contains(0)).toBe(false);
    expect(m.l2.contains(0)).toBe(true);
    expect(m.read(at(0), 8)).toBe(14);
    // Now back in L1.
    expect(m.read(at(0), 8)).toBe(4);
  });

  it('an L2 victim goes to the LLC (victim cache) and an LLC hit moves it back up', () => {
    const m = new MemoryHierarchy(tinyPreset(), { coreId: 0 });
    // 0, 4, 8 share L2 set 0 (2 ways): reading 8 evicts 0 from L2 into the LLC;
    // L1 set 0 keeps [8, 4].
    for (const l of [0, 4, 8]) m.read(at(l), 8);
    expect(m.l2.contains(0)).toBe(false);
    expect(m.llc.contains(0)).toBe(true);
    expect(m.llc.contains(4)).toBe(false); // DRAM fills skip the LLC
    expect(m.read(at(0), 8)).toBe(44);
    // Exclusive move-up: 0 left the LLC; L2 evicted 4 into it.
    expect(m.llc.contains(0)).toBe(false);
    expect(m.llc.contains(4)).toBe(true);
    expect(m.read(at(4), 8)).toBe(44);
  });

  it('writes back a dirty line when it finally leaves the LLC, and only then', () => {
    const m = new MemoryHierarchy(tinyPreset(), { coreId: 0 });
    expect(m.write(at(0), 8)).toBe(250); // write-allocate: priced like the load
    expect(m.l1.isDirty(0)).toBe(true);
    // Lines 8, 16, ... share set 0 in L1, L2 and the LLC; 20 of them push 0 out of everything.
    for (let k = 1; k <= 20; k++) m.read(at(8 * k), 8);
    expect(m.l1.contains(0) || m.l2.contains(0) || m.llc.contains(0)).toBe(false);
    expect(m.totals().writebacks).toBe(1); // the only dirty line
    expect(m.read(at(0), 8)).toBe(250);
  });

  it('a dirty L1 victim keeps its data: written back into L2, then the LLC', () => {
    const m = new MemoryHierarchy(tinyPreset(), { coreId: 0 });
    m.write(at(0), 8); // L1 [0*], L2 [0]
    m.read(at(2), 8); // L1 set 0 [2, 0*]
    m.read(at(4), 8); // L1 evicts 0 (dirty) -> L2 copy marked dirty
    expect(m.l1.contains(0)).toBe(false);
    expect(m.l2.isDirty(0)).toBe(true);
    m.read(at(8), 8); // L2 set 0 [8, 4]: 0 goes to the LLC, still dirty
    expect(m.llc.isDirty(0)).toBe(true);
    expect(m.totals().writebacks).toBe(0);
  });

  it('prices remote-home addresses at remote DRAM, by the reading core\'s socket', () => {
    const remote = { baseAddr: 1 << 20, sizeBytes: 4096, socket: 1 };
    const core0 = new MemoryHierarchy(tinyPreset(), { coreId: 0, homeRanges: [remote] });
    const core1 = new MemoryHierarchy(tinyPreset(), { coreId: 1, homeRanges: [remote] });
    expect(core0.socket).toBe(0);
    expect(core1.socket).toBe(1);
    expect(core0.read(1 << 20, 8)).toBe(420);
    expect(core1.read(1 << 20, 8)).toBe(250);
    expect(core0.read((1 << 20) + 4096, 8)).toBe(250); // past the range: home = own socket
    expect(core1.read(0, 8)).toBe(250); // unregistered: first touch, own socket
    expect(core0.totals().lines.dramRemote).toBe(1);
    expect(core0.totals().cycles.dramRemote).toBe(420);
  });

  it('a later home range wins over an earlier overlapping one', () => {
    const m = new MemoryHierarchy(tinyPreset(), { coreId: 0 });
    m.addHomeRange(0, 1 << 20, 1);
    m.addHomeRange(4096, 4096, 0);
    expect(m.read(0, 8)).toBe(420);
    expect(m.read(4096, 8)).toBe(250);
    expect(m.read(8192, 8)).toBe(420);
  });

  it('installLine replaces a stale copy instead of duplicating it', () => {
    const m = new MemoryHierarchy(tinyPreset(), { coreId: 0 });
    m.write(at(0), 8);
    m.installLine(0, false);
    expect(m.l1.isDirty(0)).toBe(false);
    expect(m.l1.contents(0)).toEqual([0]);
    expect(m.read(at(0), 8)).toBe(4);
  });
});

describe('MemoryHierarchy with an inclusive LLC', () => {
  // L2 512 B 4-way (2 sets: line mod 2), LLC 512 B 2-way (4 sets: line mod 4).
  // Lines 0, 4, 8 fit L2 set 0 (4 ways) but overflow LLC set 0 (2 ways).
  const geometry = { l2: { sizeBytes: 512, ways: 4 }, llc: { sizeBytes: 512, ways: 2 } };

  it('an LLC eviction back-invalidates L2 (the same accesses keep the line in L2 when non-inclusive)', () => {
    const inc = new MemoryHierarchy(tinyPreset({ ...geometry, inclusive: true }), { coreId: 0 });
    const non = new MemoryHierarchy(tinyPreset({ ...geometry, inclusive: false }), { coreId: 0 });
    for (const l of [0, 4, 8]) {
      expect(inc.read(at(l), 8)).toBe(250);
      expect(non.read(at(l), 8)).toBe(250);
    }
    expect(inc.l2.contains(0)).toBe(false);
    expect(non.l2.contains(0)).toBe(true);
    expect(inc.read(at(0), 8)).toBe(250);
    expect(non.read(at(0), 8)).toBe(14);
  });

  it('fills go into the LLC and an LLC hit keeps the line there', () => {
    // Default tiny geometry, inclusive: L2 4 sets x 2 ways, LLC 8 sets x 2 ways.
    // Lines 1, 5, 9 share L2 set 1 (9 evicts 1); in the LLC 1 and 9 share set 1 (fit), 5 is in set 5.
    const m = new MemoryHierarchy(tinyPreset({ inclusive: true }), { coreId: 0 });
    for (const l of [1, 5, 9]) expect(m.read(at(l), 8)).toBe(250);
    expect(m.llc.contains(1)).toBe(true);
    expect(m.l2.contains(1)).toBe(false);
    expect(m.l1.contains(1)).toBe(false);
    expect(m.read(at(1), 8)).toBe(44);
    expect(m.llc.contains(1)).toBe(true); // inclusive: not moved out
    expect(m.read(at(1), 8)).toBe(4);
  });
});

describe('MemoryHierarchy counters', () => {
  it('attributes lines and cycles to the current module', () => {
    const m = new MemoryHierarchy(tinyPreset(), { coreId: 0, maxModules: 4 });
    m.setModule(2);
    m.read(0, 8); // DRAM
    m.read(0, 8); // L1
    m.setModule(3);
    m.read(at(2), 8);
    m.read(at(4), 8);
    m.read(0, 8); // L2 (0 evicted from L1 by 2 and 4)
    m.setModule(-1);
    m.read(at(100), 8);
    const m2 = m.moduleCounters(2);
    expect(m2.lines).toMatchObject({ L1: 1, dramLocal: 1, L2: 0 });
    expect(m2.cycles).toMatchObject({ L1: 4, dramLocal: 250 });
    expect(m2.totalCycles).toBe(254);
    expect(m2.l1).toEqual({ hits: 1, misses: 1 });
    expect(m2.llc).toEqual({ hits: 0, misses: 1 });
    const m3 = m.moduleCounters(3);
    expect(m3.lines).toMatchObject({ dramLocal: 2, L2: 1 });
    expect(m3.totalCycles).toBe(250 + 250 + 14);
    expect(m3.l2).toEqual({ hits: 1, misses: 2 });
    expect(m.moduleCounters(0).totalLines).toBe(0);
    expect(m.moduleCounters(-1).totalCycles).toBe(250);
    expect(m.moduleCounters(99).totalCycles).toBe(250); // out of range -> the "no module" row
    expect(m.totals().totalCycles).toBe(254 + 514 + 250);
    // Raw layout: row 2 starts at 2 * MEM_COUNTERS_PER_ROW.
    expect(m.counters[2 * MEM_COUNTERS_PER_ROW + SRC_L1]).toBe(1);
    expect(m.counters[2 * MEM_COUNTERS_PER_ROW + CTR_L1_MISSES]).toBe(1);
    m.resetCounters();
    expect(m.totals().totalLines).toBe(0);
    // Caches survive a counter reset: line 0 is still in L1 (set 0 holds [100, 0]).
    expect(m.read(0, 8)).toBe(4);
    expect(m.totals().lines.L1).toBe(1);
  });
});

describe('MemoryHierarchy on xeon-8168-2s', () => {
  const preset = getPreset('xeon-8168-2s');

  it('has the per-core LLC partition: 33 MiB / 24 cores, 11 ways', () => {
    const m = new MemoryHierarchy(preset, { coreId: 30 });
    expect(m.socket).toBe(1);
    expect(m.l1.sets).toBe(32); // 16 KiB / (8 x 64)
    expect(m.l2.sets).toBe(1024); // 1 MiB / (16 x 64)
    expect(m.llc.sets).toBe(2048); // 33 MiB / 24 / 64 / 11
    expect(m.llc.ways).toBe(11);
    const m18 = new MemoryHierarchy(preset, { coreId: 0, llcSharers: 18 });
    expect(m18.llc.sets).toBe(2730); // floor(floor(34603008 / 18 / 64) / 11)
  });

  it('prices DRAM, L1 and L2 exactly per the preset', () => {
    const m = new MemoryHierarchy(preset, { coreId: 0 });
    const base = 0x1_0000_0000;
    expect(m.read(base, 8)).toBe(250);
    expect(m.read(base, 8)).toBe(4);
    // Lines base + k*32 lines share L1 set 0 (32 sets, 8 ways): 8 more evict the first.
    for (let k = 1; k <= 8; k++) expect(m.read(base + k * 32 * 64, 8)).toBe(250);
    expect(m.l1.contains(base / 64)).toBe(false);
    expect(m.read(base, 8)).toBe(14);
    m.addHomeRange(0x2_0000_0000, 1 << 20, 1);
    expect(m.read(0x2_0000_0000, 64)).toBe(420);
    expect(m.read(0x2_0000_0000, 128)).toBe(4 + 420);
  });

  it('rejects cores and sockets outside the machine', () => {
    expect(() => new MemoryHierarchy(preset, { coreId: 48 })).toThrow(RangeError);
    expect(() => new MemoryHierarchy(preset, { coreId: 0, socket: 2 })).toThrow(RangeError);
    expect(() => new MemoryHierarchy(preset, { coreId: 0, llcSharers: 0 })).toThrow(RangeError);
  });
});

describe('MemoryHierarchy invariants under random traffic', () => {
  /** Every line of a cache, checking no set holds a line twice. */
  function linesOf(c: { sets: number; contents(s: number): number[] }): Set<number> {
    const all = new Set<number>();
    for (let s = 0; s < c.sets; s++) {
      const xs = c.contents(s);
      expect(new Set(xs).size, `set ${s} holds a duplicate`).toBe(xs.length);
      for (const x of xs) all.add(x);
    }
    return all;
  }

  for (const inclusive of [false, true]) {
    it(`${inclusive ? 'inclusive: L1 and L2 lines are all in the LLC' : 'exclusive: no line is in L2 and the LLC at once'}; no duplicates; no dirty line vanishes unwritten`, () => {
      const m = new MemoryHierarchy(tinyPreset({ inclusive, l2: { sizeBytes: 512, ways: 4 } }), { coreId: 0 });
      const rng = new Prng(12345);
      const next = (): number => rng.nextU32();
      const dirtySomewhere = (x: number): boolean => m.l1.isDirty(x) || m.l2.isDirty(x) || m.llc.isDirty(x);
      // Lines whose newest data is only in the caches (written, not yet written back).
      const pending = new Set<number>();
      let writebacks = 0;
      for (let i = 0; i < 20000; i++) {
        const line = next() % 48;
        const op = next() % 10;
        if (op < 6) m.read(at(line), 8);
        else if (op < 9) {
          m.write(at(line), 8);
          pending.add(line);
        } else {
          m.installLine(line, false); // a fresh copy from elsewhere supersedes ours
          pending.delete(line);
        }
        // A pending line that is no longer dirty anywhere must have been written back in this step, one write-back each.
        let cleaned = 0;
        for (const x of pending) {
          if (!dirtySomewhere(x)) {
            pending.delete(x);
            cleaned++;
          }
        }
        const wb = m.totals().writebacks;
        expect(wb - writebacks, `step ${i}`).toBe(cleaned);
        writebacks = wb;
        if (i % 500 === 0) {
          const l1 = linesOf(m.l1);
          const l2 = linesOf(m.l2);
          const llc = linesOf(m.llc);
          if (inclusive) {
            for (const x of l1) expect(llc.has(x), `L1 line ${x} not in LLC`).toBe(true);
            for (const x of l2) expect(llc.has(x), `L2 line ${x} not in LLC`).toBe(true);
          } else {
            for (const x of l2) expect(llc.has(x), `line ${x} in both L2 and LLC`).toBe(false);
          }
        }
      }
      expect(writebacks).toBeGreaterThan(100);
    });
  }
});
