/**
 * The fast paths of MemoryHierarchy and PacketCoherence (L1 hits counted in
 * one field and flushed per module, the MRU and position-1 tests inlined,
 * find-or-insert in one pass, packet-line installs by refresh, the
 * coherence shortcut for lines the core already holds) against plain
 * reference models written the obvious way: one JS array per set in
 * recency order, every step of the documented policies in order, counters
 * updated on the spot. Random access streams with enough locality to hit
 * every recency position must give the same cycles per call, the same
 * counters and the same cache contents (and dirty bits), line for line.
 */
import { describe, expect, it } from 'vitest';
import { SetAssocCache } from '../../src/hw/cache.js';
import { MemoryHierarchy } from '../../src/hw/memory.js';
import {
  PacketCoherence,
  PacketLineTable,
  PKT_LINE_WORDS,
  PKT_TRACKED_LINES,
  PKT_W_DIRTY,
  PKT_W_HELD,
  PKT_W_HOLDER,
  PKT_W_OLD_DIRTY,
  PKT_W_OLD_WRITER,
  PKT_W_TOUCHED,
  PKT_W_WRITER,
} from '../../src/hw/coherence.js';
import {
  CTR_CYCLES,
  CTR_L1_MISSES,
  CTR_L2_MISSES,
  CTR_LLC_HITS,
  CTR_LLC_MISSES,
  CTR_WRITEBACKS,
  MEM_COUNTERS_PER_ROW,
  SRC_COH_CLEAN,
  SRC_COH_DIRTY,
  SRC_COH_REMOTE,
  SRC_DRAM_LOCAL,
  SRC_DRAM_REMOTE,
  SRC_L1,
  SRC_L2,
  SRC_LLC,
  SRC_REMOTE_LLC,
} from '../../src/hw/mem-counters.js';
import { llcPartition, type MachinePreset } from '../../src/hw/preset.js';
import { Prng } from '../../src/util/prng.js';
import { tinyPreset } from './helpers.js';

/** One cache level: per set, lines and dirty flags, most recently used first. */
class RefCache {
  readonly lines: number[][];
  readonly dirty: boolean[][];
  victim = -1;
  victimDirty = false;
  constructor(readonly sets: number, readonly ways: number) {
    this.lines = Array.from({ length: sets }, () => []);
    this.dirty = Array.from({ length: sets }, () => []);
  }
  private set(line: number): number {
    return line % this.sets;
  }
  lookup(line: number, isWrite: boolean): boolean {
    const s = this.set(line);
    const i = this.lines[s]!.indexOf(line);
    if (i < 0) return false;
    const d = this.dirty[s]![i]! || isWrite;
    this.lines[s]!.splice(i, 1);
    this.dirty[s]!.splice(i, 1);
    this.lines[s]!.unshift(line);
    this.dirty[s]!.unshift(d);
    return true;
  }
  insertAbsent(line: number, isDirty: boolean): void {
    const s = this.set(line);
    this.lines[s]!.unshift(line);
    this.dirty[s]!.unshift(isDirty);
    this.victim = -1;
    this.victimDirty = false;
    if (this.lines[s]!.length > this.ways) {
      this.victim = this.lines[s]!.pop()!;
      this.victimDirty = this.dirty[s]!.pop()!;
    }
  }
  invalidate(line: number): number {
    const s = this.set(line);
    const i = this.lines[s]!.indexOf(line);
    if (i < 0) return -1;
    const d = this.dirty[s]![i]!;
    this.lines[s]!.splice(i, 1);
    this.dirty[s]!.splice(i, 1);
    return d ? 1 : 0;
  }
  markDirty(line: number): boolean {
    const s = this.set(line);
    const i = this.lines[s]!.indexOf(line);
    if (i < 0) return false;
    this.dirty[s]![i] = true;
    return true;
  }
}

/** The hierarchy of memory.ts, step by step as its file comment states the policies. */
class RefHierarchy {
  readonly l1: RefCache;
  readonly l2: RefCache;
  readonly llc: RefCache;
  readonly counters: Float64Array;
  stallCycles = 0;
  private row: number;
  constructor(readonly preset: MachinePreset, readonly maxModules: number, readonly socket: number, readonly home: (line: number) => number) {
    const c = preset.caches;
    const lb = preset.lineBytes;
    this.l1 = new RefCache(c.L1d.sizeBytes / (c.L1d.ways * lb), c.L1d.ways);
    this.l2 = new RefCache(c.L2.sizeBytes / (c.L2.ways * lb), c.L2.ways);
    const part = llcPartition(preset, preset.coresPerSocket);
    this.llc = new RefCache(part.sets, part.ways);
    this.counters = new Float64Array((maxModules + 1) * MEM_COUNTERS_PER_ROW);
    this.row = maxModules * MEM_COUNTERS_PER_ROW;
  }
  setModule(id: number): void {
    this.row = (id >= 0 && id < this.maxModules ? id : this.maxModules) * MEM_COUNTERS_PER_ROW;
  }
  private count(src: number, cycles: number): void {
    this.counters[this.row + src]++;
    this.counters[this.row + CTR_CYCLES + src] += cycles;
    this.stallCycles += cycles;
  }
  charge(src: number, cycles: number): void {
    this.count(src, cycles);
  }
  read(addr: number, size: number): number {
    return this.range(addr, size, false);
  }
  write(addr: number, size: number): number {
    return this.range(addr, size, true);
  }
  private range(addr: number, size: number, w: boolean): number {
    if (!(size > 0)) return 0;
    const lb = this.preset.lineBytes;
    let c = 0;
    for (let l = Math.floor(addr / lb); l <= Math.floor((addr + size - 1) / lb); l++) c += this.accessLine(l, w);
    return c;
  }
  accessLine(line: number, w: boolean): number {
    const cc = this.preset.caches;
    if (this.l1.lookup(line, w)) {
      this.count(SRC_L1, cc.L1d.latencyCycles);
      return cc.L1d.latencyCycles;
    }
    const ctr = this.counters;
    ctr[this.row + CTR_L1_MISSES]++;
    let cycles: number;
    let src: number;
    if (this.l2.lookup(line, false)) {
      cycles = cc.L2.latencyCycles;
      src = SRC_L2;
    } else {
      ctr[this.row + CTR_L2_MISSES]++;
      let inLlc: boolean;
      let dirtyUp = false;
      if (cc.LLC.inclusive) {
        inLlc = this.llc.lookup(line, false);
        if (!inLlc) this.fillLlcInclusive(line, false);
      } else {
        const st = this.llc.invalidate(line);
        inLlc = st >= 0;
        dirtyUp = st === 1;
      }
      if (inLlc) {
        ctr[this.row + CTR_LLC_HITS]++;
        cycles = cc.LLC.latencyCycles;
        src = SRC_LLC;
      } else {
        ctr[this.row + CTR_LLC_MISSES]++;
        const local = this.home(line) === this.socket;
        cycles = local ? this.preset.dram.localLatencyCycles : this.preset.dram.remoteLatencyCycles;
        src = local ? SRC_DRAM_LOCAL : SRC_DRAM_REMOTE;
      }
      this.fillL2(line, dirtyUp);
    }
    this.fillL1(line, w);
    this.count(src, cycles);
    return cycles;
  }
  installLine(line: number, isDirty: boolean): void {
    this.l1.invalidate(line);
    this.l2.invalidate(line);
    this.llc.invalidate(line);
    if (this.preset.caches.LLC.inclusive) this.fillLlcInclusive(line, false);
    this.fillL2(line, false);
    this.fillL1(line, isDirty);
  }
  private fillL1(line: number, d: boolean): void {
    this.l1.insertAbsent(line, d);
    const v = this.l1.victim;
    if (v !== -1 && this.l1.victimDirty && !this.l2.markDirty(v) && !this.llc.markDirty(v)) this.fillL2(v, true);
  }
  private fillL2(line: number, d: boolean): void {
    this.l2.insertAbsent(line, d);
    const v = this.l2.victim;
    if (v === -1) return;
    const vd = this.l2.victimDirty;
    if (this.preset.caches.LLC.inclusive) {
      if (vd && !this.llc.markDirty(v)) this.fillLlcInclusive(v, true);
      return;
    }
    this.llc.insertAbsent(v, vd);
    if (this.llc.victim !== -1 && this.llc.victimDirty) this.counters[this.row + CTR_WRITEBACKS]++;
  }
  private fillLlcInclusive(line: number, d: boolean): void {
    this.llc.insertAbsent(line, d);
    const v = this.llc.victim;
    if (v === -1) return;
    const vd = this.llc.victimDirty;
    const d1 = this.l1.invalidate(v);
    const d2 = this.l2.invalidate(v);
    if (vd || d1 === 1 || d2 === 1) this.counters[this.row + CTR_WRITEBACKS]++;
  }
}

/** Every set of every level, with dirty flags, as plain arrays. */
function snapshot(m: MemoryHierarchy): [number, boolean][][][] {
  return [m.l1, m.l2, m.llc].map((c) => {
    const out: [number, boolean][][] = [];
    for (let s = 0; s < c.sets; s++) out.push(c.contents(s).map((l) => [l, c.isDirty(l)]));
    return out;
  });
}
function refSnapshot(r: RefHierarchy): [number, boolean][][][] {
  return [r.l1, r.l2, r.llc].map((c) => c.lines.map((ls, s) => ls.map((l, i): [number, boolean] => [l, c.dirty[s]![i]!])));
}

function geometry(name: string): MachinePreset {
  const p = tinyPreset();
  const g = (l1: [number, number], l2: [number, number], llc: [number, number], inclusive: boolean): MachinePreset => ({
    ...p,
    name,
    caches: {
      L1d: { ...p.caches.L1d, sizeBytes: l1[0] * l1[1] * 64, ways: l1[1] },
      L2: { ...p.caches.L2, sizeBytes: l2[0] * l2[1] * 64, ways: l2[1] },
      LLC: { ...p.caches.LLC, sizeBytes: llc[0] * llc[1] * 64, ways: llc[1], inclusive },
    },
  });
  switch (name) {
    case 'tiny': return g([2, 2], [4, 2], [8, 2], false);
    case 'tiny-inclusive': return g([2, 2], [4, 2], [8, 2], true);
    // Skylake-like shape scaled down: 8-way L1, 16-way L2, 11-way LLC with a non-power-of-two set count.
    case 'skx-small': return g([4, 8], [8, 16], [6, 11], false);
    case 'skx-small-inclusive': return g([4, 8], [8, 16], [6, 11], true);
    // Non-power-of-two L1 sets: the inline tests are off, the generic path runs.
    case 'odd-l1': return g([3, 4], [5, 4], [7, 3], false);
    // One-way LLC (inclusive): back-invalidation can hit the line being filled.
    case 'one-way-llc': return g([2, 2], [2, 4], [4, 1], true);
    default: throw new Error(name);
  }
}

const GEOMETRIES = ['tiny', 'tiny-inclusive', 'skx-small', 'skx-small-inclusive', 'odd-l1', 'one-way-llc'];
const REMOTE_BASE_LINE = 1000;

describe('MemoryHierarchy against the reference model', () => {
  for (const name of GEOMETRIES) {
    it(`${name}: same cycles, counters and contents over a random stream`, () => {
      const preset = geometry(name);
      const m = new MemoryHierarchy(preset, { coreId: 0, maxModules: 3, homeRanges: [{ baseAddr: REMOTE_BASE_LINE * 64, sizeBytes: 64 * 64, socket: 1 }] });
      const r = new RefHierarchy(preset, 3, 0, (l) => (l >= REMOTE_BASE_LINE && l < REMOTE_BASE_LINE + 64 ? 1 : 0));
      const rng = new Prng(7);
      // A hot set of lines (hits at every recency position) and a wider cold one.
      const pick = (): number => (rng.nextU32() % 4 === 0 ? rng.nextU32() % 120 : rng.nextU32() % 12) + (rng.nextU32() % 16 === 0 ? REMOTE_BASE_LINE : 0);
      for (let op = 0; op < 20000; op++) {
        const k = rng.nextU32() % 100;
        const line = pick();
        if (k < 40) {
          // Now and then a fractional address or size (not what NFs pass, but priced all the same).
          const frac = rng.nextU32() % 32 === 0 ? 0.5 : 0;
          const off = (rng.nextU32() % 64) + frac;
          const size = (rng.nextU32() % 8 === 0 ? 1 + (rng.nextU32() % 150) : 1 + (rng.nextU32() % 8)) - frac;
          expect(m.read(line * 64 + off, size)).toBe(r.read(line * 64 + off, size));
        } else if (k < 60) {
          const off = rng.nextU32() % 64;
          const size = 1 + (rng.nextU32() % 16);
          expect(m.write(line * 64 + off, size)).toBe(r.write(line * 64 + off, size));
        } else if (k < 80) {
          const w = rng.nextU32() % 3 === 0;
          expect(m.accessLine(line, w)).toBe(r.accessLine(line, w));
        } else if (k < 90) {
          const d = rng.nextU32() % 2 === 0;
          m.installLine(line, d);
          r.installLine(line, d);
        } else if (k < 95) {
          const id = (rng.nextU32() % 5) - 1;
          m.setModule(id);
          r.setModule(id);
        } else if (k < 97) {
          m.charge(SRC_LLC, 44);
          r.charge(SRC_LLC, 44);
        } else {
          expect(m.read(0, 0)).toBe(0);
        }
        expect(m.stallCycles).toBe(r.stallCycles);
        if (op % 997 === 0) expect(Array.from(m.counters)).toEqual(Array.from(r.counters));
      }
      expect(Array.from(m.counters)).toEqual(Array.from(r.counters));
      expect(snapshot(m)).toEqual(refSnapshot(r));
    });
  }

  it('pending L1 hits land in the row of the module that made them', () => {
    const m = new MemoryHierarchy(tinyPreset(), { coreId: 0, maxModules: 2 });
    m.read(0, 8); // DRAM, "no module" row
    m.setModule(0);
    m.read(0, 8);
    m.read(8, 8);
    m.setModule(1);
    m.read(16, 8);
    expect(m.stallCycles).toBe(250 + 3 * 4);
    m.setModule(-1);
    expect(m.moduleCounters(0).lines['L1']).toBe(2);
    expect(m.moduleCounters(1).lines['L1']).toBe(1);
    expect(m.moduleCounters(-1).lines['L1']).toBe(0);
    // resetCounters zeroes the rows but not stallCycles, pending hits included.
    m.read(0, 8);
    m.resetCounters();
    expect(m.totals().totalLines).toBe(0);
    expect(m.stallCycles).toBe(250 + 4 * 4);
  });
});

/** PacketCoherence.access as first written (no shortcut for held lines), on its own table. */
function refCoherenceAccess(
  mem: MemoryHierarchy, w: Int32Array, me: number, socketOf: (c: number) => number, mySocket: number,
  h: number, slotAddr: number, offset: number, size: number, mode: 0 | 1 | 2,
): number {
  if (!(size > 0)) return 0;
  const p = mem.preset;
  const b = h * PKT_LINE_WORDS;
  const isWrite = mode !== 0;
  const slotLine = Math.floor(slotAddr / 64);
  const start = slotAddr + offset;
  const last = Math.floor((start + size - 1) / 64);
  let writer = w[b + PKT_W_WRITER]!;
  let dirty = w[b + PKT_W_DIRTY]!;
  let oldDirty = w[b + PKT_W_OLD_DIRTY]!;
  let oldWriter = w[b + PKT_W_OLD_WRITER]!;
  let touched = w[b + PKT_W_TOUCHED]!;
  let held = w[b + PKT_W_HELD]!;
  if (w[b + PKT_W_HOLDER] !== me) {
    w[b + PKT_W_HOLDER] = me;
    held = 0;
  }
  let cycles = 0;
  for (let line = Math.floor(start / 64); line <= last; line++) {
    const i = line - slotLine;
    if (i < 0 || i >= PKT_TRACKED_LINES) {
      if (mode === 2) mem.installLine(line, true);
      else cycles += mem.accessLine(line, isWrite);
      continue;
    }
    const bit = 1 << i;
    if (mode === 2) {
      mem.installLine(line, true);
    } else if ((held & bit) !== 0 || (writer === me && (dirty & bit) !== 0)) {
      cycles += mem.accessLine(line, isWrite);
    } else {
      let c: number;
      let src: number;
      if ((touched & bit) === 0) {
        // Written by the NIC (DDIO on in these tests): its socket's LLC.
        c = mySocket === p.nic.socket ? p.caches.LLC.latencyCycles : p.caches.LLC.remoteLatencyCycles;
        src = mySocket === p.nic.socket ? SRC_LLC : SRC_REMOTE_LLC;
      } else {
        let from: number;
        if ((dirty & bit) !== 0) {
          c = p.coherence.dirtyTransferCycles;
          src = SRC_COH_DIRTY;
          from = socketOf(writer);
          dirty &= ~bit;
        } else if ((oldDirty & bit) !== 0) {
          c = p.coherence.dirtyTransferCycles;
          src = SRC_COH_DIRTY;
          from = socketOf(oldWriter >= 0 ? oldWriter : writer);
          oldDirty &= ~bit;
        } else {
          c = p.coherence.cleanTransferCycles;
          src = SRC_COH_CLEAN;
          from = writer >= 0 ? socketOf(writer) : p.nic.socket;
        }
        if (from !== mySocket) {
          c += p.coherence.crossSocketPenaltyCycles;
          src = SRC_COH_REMOTE;
        }
      }
      mem.installLine(line, isWrite);
      mem.charge(src, c);
      cycles += c;
    }
    held |= bit;
    touched |= bit;
    if (isWrite) {
      if (writer !== me) {
        oldDirty |= dirty;
        if (writer >= 0) oldWriter = writer;
        dirty = 0;
        writer = me;
      }
      dirty |= bit;
      oldDirty &= ~bit;
    }
  }
  w[b + PKT_W_WRITER] = writer;
  w[b + PKT_W_DIRTY] = dirty;
  w[b + PKT_W_OLD_DIRTY] = oldDirty;
  w[b + PKT_W_OLD_WRITER] = oldWriter;
  w[b + PKT_W_TOUCHED] = touched;
  w[b + PKT_W_HELD] = held;
  return cycles;
}

describe('PacketCoherence against the reference loop', () => {
  it('same cycles, packet metadata and counters when cores hand packets around', () => {
    // Two sockets of two cores; the packets visit cores 0, 1 and 2 in random order.
    const preset = tinyPreset({ coresPerSocket: 2, l2: { sizeBytes: 1024, ways: 4 }, llc: { sizeBytes: 2048, ways: 4 } });
    const packets = 6;
    const t = PacketLineTable.create(packets);
    const ref = PacketLineTable.create(packets);
    const cores = [0, 1, 2];
    const mems = cores.map((c) => new MemoryHierarchy(preset, { coreId: c, maxModules: 2 }));
    const refMems = cores.map((c) => new MemoryHierarchy(preset, { coreId: c, maxModules: 2 }));
    const cohs = mems.map((m) => new PacketCoherence(m, t));
    const socketOf = (c: number) => Math.floor(c / 2);
    const rng = new Prng(11);
    const slot = (h: number) => 4096 * 64 + h * 2048;
    for (let op = 0; op < 20000; op++) {
      const h = rng.nextU32() % packets;
      // A packet mostly stays on a core for a few accesses (the shortcut's case), sometimes moves.
      const c = rng.nextU32() % 4 === 0 ? rng.nextU32() % 3 : t.holderOf(h) >= 0 ? t.holderOf(h) : 0;
      const k = rng.nextU32() % 100;
      if (k < 3) {
        t.nicWrote(h);
        ref.nicWrote(h);
        continue;
      }
      const off = rng.nextU32() % 8 === 0 ? rng.nextU32() % 2200 : rng.nextU32() % 200;
      const size = 1 + (rng.nextU32() % (rng.nextU32() % 4 === 0 ? 300 : 40));
      const mode = (k < 55 ? 0 : k < 95 ? 1 : 2) as 0 | 1 | 2;
      let got: number;
      if (mode === 0) got = cohs[c]!.readPacket(h, slot(h), off, size);
      else if (mode === 1) got = cohs[c]!.writePacket(h, slot(h), off, size);
      else {
        cohs[c]!.markWritten(h, slot(h), off, size);
        got = 0;
      }
      const want = refCoherenceAccess(refMems[c]!, ref.words, c, socketOf, socketOf(c), h, slot(h), off, size, mode);
      expect(mode === 2 ? 0 : got).toBe(mode === 2 ? 0 : want);
      expect(mems[c]!.stallCycles).toBe(refMems[c]!.stallCycles);
    }
    expect(Array.from(t.words)).toEqual(Array.from(ref.words));
    for (let i = 0; i < cores.length; i++) {
      expect(Array.from(mems[i]!.counters)).toEqual(Array.from(refMems[i]!.counters));
      expect(snapshot(mems[i]!)).toEqual(snapshot(refMems[i]!));
    }
  });
});

describe('SetAssocCache.setIndex without %', () => {
  it('equals line mod sets for non-power-of-two set counts, small and huge lines', () => {
    const rng = new Prng(3);
    for (const sets of [3, 7, 2730, 49152, 999983, 2 ** 30 - 1]) {
      const c = new SetAssocCache(sets, 1);
      const lines = [0, 1, sets - 1, sets, sets + 1, 2 ** 31, 2 ** 32 + 5, 2 ** 52 - 1, 2 ** 52, 2 ** 53 - 1];
      for (let i = 0; i < 2000; i++) lines.push(rng.nextU32() * 2 ** 21 + (rng.nextU32() >>> 11), rng.nextU32() * 64 + (rng.nextU32() & 63));
      for (const line of lines) expect(c.setIndex(line)).toBe(line % sets);
    }
  });
});
