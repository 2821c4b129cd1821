/**
 * "Throughput degrades as NF state outgrows the caches" must emerge from the
 * cache model: random 8-byte reads over a growing working set cost more per
 * access, level by level.
 *
 * Expected values by hand. Under uniform random references, the chance that
 * a reference hits a level is (distinct lines resident there) / (lines in
 * the working set), whatever the replacement policy, once the caches are
 * warm. xeon-8168-2s, one core: L1d 16 KiB = 256 lines, L2 1 MiB = 16384
 * lines, LLC partition 33 MiB / 24 = 22528 lines, exclusive of L2 (victim
 * cache), so L2 + LLC hold 38912 distinct lines.
 *
 *   16 KiB  (256 lines)     everything in L1                     mean = 4
 *   512 KiB (8192 lines)    L1 256/8192 = 1/32, rest L2          mean = 4/32 + 14*31/32 = 13.6875
 *   4 MiB   (65536 lines)   L1 0.39%, L2 25% - 0.39%, LLC 34.38%, DRAM 1 - 38912/65536 = 40.63%
 *                           mean = 0.0039*4 + 0.2461*14 + 0.3438*44 + 0.4063*250 = 120.1
 *                           if the LLC partition were full. It runs ~3% short: an LLC hit moves
 *                           a line up to L2 set (line mod 1024), whose victim may belong to the
 *                           sibling LLC set (line mod 2048), so sets drift below 11 lines. So
 *                           the LLC share is its measured occupancy / 65536 (<= 34.38%), and
 *                           DRAM takes the difference (mean up to ~4% above 120.1).
 *   64 MiB  (1048576 lines) L1 0.02%, L2 1.54%, LLC 2.15%, DRAM 96.29%
 *                           mean = 0.0154*14 + 0.0215*44 + 0.9629*250 = 241.9
 */
import { describe, expect, it } from 'vitest';
import { MemoryHierarchy } from '../../src/hw/memory.js';
import { getPreset } from '../../src/hw/presets/index.js';
import { Prng } from '../../src/util/prng.js';

const BASE = 0x1_0000_0000;

interface Run {
  mean: number;
  fraction: Record<string, number>;
  /** Share of the working set resident in the LLC partition at the end. */
  llcResident: number;
}

/** Warm with one sequential pass plus `lines` random reads, then measure `samples` random reads. */
function randomReads(presetName: string, wsBytes: number, samples: number): Run {
  const m = new MemoryHierarchy(getPreset(presetName), { coreId: 0 });
  const lines = wsBytes / 64;
  const rng = new Prng(7);
  for (let l = 0; l < lines; l++) m.read(BASE + l * 64, 8);
  for (let i = 0; i < Math.min(lines, 200_000); i++) m.read(BASE + (rng.nextU32() % lines) * 64, 8);
  m.resetCounters();
  let cycles = 0;
  for (let i = 0; i < samples; i++) cycles += m.read(BASE + (rng.nextU32() % lines) * 64 + (i & 7) * 8, 8);
  const t = m.totals();
  const fraction: Record<string, number> = {};
  for (const [k, v] of Object.entries(t.lines)) fraction[k] = v / samples;
  expect(t.totalCycles).toBe(cycles);
  return { mean: cycles / samples, fraction, llcResident: m.llc.occupancy() / lines };
}

describe('per-access cycles rise as the working set outgrows each level (xeon-8168-2s)', () => {
  const samples = 200_000;
  const runs = new Map<number, Run>();
  const get = (kib: number): Run => {
    if (!runs.has(kib)) runs.set(kib, randomReads('xeon-8168-2s', kib * 1024, samples));
    return runs.get(kib)!;
  };

  it('16 KiB fits L1: exactly 4 cycles', () => {
    const r = get(16);
    expect(r.mean).toBe(4);
    expect(r.fraction.L1).toBe(1);
  });

  it('512 KiB fits L2: 1/32 L1 hits, the rest L2, nothing below', () => {
    const r = get(512);
    expect(r.mean).toBeGreaterThan(13.6875 - 0.1);
    expect(r.mean).toBeLessThan(13.6875 + 0.1);
    expect(r.fraction.LLC).toBe(0);
    expect(r.fraction.dramLocal).toBe(0);
  });

  it('4 MiB spills into the LLC partition and DRAM in the proportions of their capacities', () => {
    const r = get(4096);
    expect(r.fraction.L2).toBeGreaterThan(0.2461 - 0.01);
    expect(r.fraction.L2).toBeLessThan(0.2461 + 0.01);
    // Hits in the LLC track what it holds, at most its full capacity.
    expect(r.llcResident).toBeLessThanOrEqual(0.3438);
    expect(r.llcResident).toBeGreaterThan(0.3438 * 0.95);
    expect(Math.abs(r.fraction.LLC! - r.llcResident)).toBeLessThan(0.01);
    expect(r.fraction.dramLocal).toBeGreaterThan(0.4063 - 0.005);
    expect(r.fraction.dramLocal).toBeLessThan(0.4063 + 0.02);
    expect(r.mean).toBeGreaterThan(120.1 * 0.99);
    expect(r.mean).toBeLessThan(120.1 * 1.04);
  });

  it('64 MiB is nearly all DRAM', () => {
    const r = get(65536);
    expect(r.fraction.dramLocal).toBeGreaterThan(0.9629 - 0.003);
    expect(r.fraction.dramLocal).toBeLessThan(0.9629 + 0.003);
    expect(r.mean).toBeGreaterThan(241.9 * 0.99);
    expect(r.mean).toBeLessThan(241.9 * 1.01);
  });

  it('the means increase strictly, level by level', () => {
    const means = [16, 512, 4096, 65536].map((k) => get(k).mean);
    for (let i = 1; i < means.length; i++) expect(means[i]!).toBeGreaterThan(means[i - 1]!);
    const p = getPreset('xeon-8168-2s');
    expect(means[1]!).toBeLessThanOrEqual(p.caches.L2.latencyCycles);
    expect(means[2]!).toBeGreaterThan(p.caches.LLC.latencyCycles);
    expect(means[3]!).toBeLessThanOrEqual(p.dram.localLatencyCycles);
  });
});

describe('inclusive LLC (e5-2667v3): L2 lines also occupy the LLC', () => {
  it('4 MiB: only the 2.5 MiB LLC partition counts, so DRAM serves 37.5%', () => {
    // LLC partition 20 MiB / 8 = 40960 lines holds L1 and L2 too: resident = 40960 of 65536 lines.
    // L1 512 lines (0.78%), L2 4096 - 512 (5.47%), LLC 40960 - 4096 (56.25%), DRAM 37.5%.
    // mean = 0.0078*4 + 0.0547*16 + 0.5625*46 + 0.375*229 = 112.7
    const r = randomReads('e5-2667v3', 4 << 20, 200_000);
    expect(r.fraction.dramLocal).toBeGreaterThan(0.375 - 0.01);
    expect(r.fraction.dramLocal).toBeLessThan(0.375 + 0.01);
    expect(r.fraction.LLC).toBeGreaterThan(0.5625 - 0.01);
    expect(r.fraction.LLC).toBeLessThan(0.5625 + 0.01);
    expect(r.mean).toBeGreaterThan(112.7 * 0.97);
    expect(r.mean).toBeLessThan(112.7 * 1.03);
  });
});
