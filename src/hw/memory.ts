/**
 * One emulated core's memory hierarchy: L1d -> L2 -> its LLC partition ->
 * DRAM (local or remote by the address's home socket). `read(addr, bytes)`
 * and `write(addr, bytes)` split an access into cache lines and return the
 * cycles the core stalls on them; each line is priced at the load-to-use
 * latency of the first level that holds it, then filled into the levels
 * above. Counters record where every cycle went, per module (mem-counters.ts).
 *
 * Determinism: the LLC is a per-core partition
 * ---------------------------------------------
 * A real socket's LLC is shared by its cores. Here every core runs on its own
 * worker thread, in its own virtual time, and results must not depend on how
 * the threads interleave. So each core's model must be a pure function of
 * that core's own accesses, and a shared LLC (where core A's fills evict core
 * B's lines in whatever order the threads happen to run) is out. Instead each
 * core owns a private slice of its socket's LLC: the same associativity and
 * 1/sharers of the capacity (by default sharers = coresPerSocket; the engine
 * may pass the number of emulated cores actually placed on the socket), as if
 * Intel CAT had way-partitioned the LLC between the cores.
 *
 *   socket LLC (33 MiB, 11 ways)    core 0       core 1            core 23
 *   partitioned per core:        [1.375 MiB] [1.375 MiB]  ...  [1.375 MiB]
 *
 * Consequences, stated plainly: no inter-core LLC sharing (two cores reading
 * the same NF table each pay their own misses; emu's NF instances own their
 * state, so this only matters for state shared across cores, which the NFs do
 * not have) and no inter-core LLC contention beyond the static partition (a
 * core running a small-state NF does not lend its unused slice to a neighbour
 * with a large one). Packet lines that cross cores do not go through this
 * model: their transfer is priced by coherence.ts from per-packet metadata.
 *
 * Policies
 * --------
 * - Every level is set-associative, true LRU, write-back, write-allocate.
 *   A store is priced like a load of the same line (the read-for-ownership
 *   stalls; no store buffer is modelled) and then marks the L1 copy dirty.
 * - L1 and L2: a fill goes into both (L2 is not strictly inclusive of L1).
 *   A dirty L1 victim is written back to the nearest level below that holds
 *   the line (L2, else the LLC), or re-inserted into L2 if neither does; a
 *   clean one is dropped.
 * - Non-inclusive LLC (Skylake-SP): a victim cache. Fills from DRAM go to L2
 *   and L1 only; L2 victims (clean or dirty) go into the LLC; an LLC hit
 *   moves the line up into L2/L1 and removes it from the LLC (exclusive, so a
 *   core's effective capacity is L2 + its LLC slice). Invariant: no line is
 *   in L2 and the LLC at once, so every fill inserts an absent line without
 *   a presence scan (SetAssocCache.insertAbsent).
 * - Inclusive LLC (Haswell-EP): fills go into the LLC, L2 and L1; an LLC
 *   eviction back-invalidates the line in L1 and L2; a dirty L2 victim
 *   updates the LLC copy.
 * - A dirty line leaving the LLC is written back to DRAM: counted
 *   (CTR_WRITEBACKS), not charged (write-backs are off the load path).
 * - Home socket of an address: from ranges registered with addHomeRange
 *   (e.g. packet buffers on the NIC's socket); any other address is homed on
 *   the core's own socket (first touch: NF state is allocated by the thread
 *   that runs the NF).
 * Simplifications: no hardware prefetching and no memory-level parallelism
 * (every line pays its full latency, one after the other, as [SCC]'s
 * profiler does with worst-case latencies); no TLB; no bandwidth limits.
 *
 * HOT: read, write, accessLine (missL1), installLine, charge, setModule (no
 * allocation). COLD: constructor, addHomeRange, snapshots. No `node:*` imports.
 */
import { NO_LINE, SetAssocCache } from './cache.js';
import {
  CTR_CYCLES,
  CTR_L1_MISSES,
  CTR_L2_MISSES,
  CTR_LLC_HITS,
  CTR_LLC_MISSES,
  CTR_WRITEBACKS,
  MEM_COUNTERS_PER_ROW,
  type MemCounterSnapshot,
  SRC_DRAM_LOCAL,
  SRC_DRAM_REMOTE,
  SRC_L1,
  SRC_L2,
  SRC_LLC,
  snapshotRow,
  sumRows,
} from './mem-counters.js';
import { llcPartition, type MachinePreset, socketOfCore, totalCores } from './preset.js';

/** A simulated address range and the socket whose DRAM holds it. */
export interface HomeRange {
  baseAddr: number;
  sizeBytes: number;
  socket: number;
}

export interface HierarchyOptions {
  /** Core number in the preset's numbering (socket = floor(coreId / coresPerSocket)). */
  coreId: number;
  /** Override the socket (default: from coreId). */
  socket?: number;
  /** Cores sharing this socket's LLC; each gets 1/sharers of it (default coresPerSocket). */
  llcSharers?: number;
  /** Module ids 0..maxModules-1 get their own counter row (default 64); others share the last row. */
  maxModules?: number;
  /** Address ranges homed on a given socket (default: the core's own socket). */
  homeRanges?: readonly HomeRange[];
}

const DEFAULT_MAX_MODULES = 64;
const MAX_HOME_RANGES = 64;

export class MemoryHierarchy {
  readonly preset: MachinePreset;
  readonly coreId: number;
  readonly socket: number;
  readonly lineBytes: number;
  readonly l1: SetAssocCache;
  readonly l2: SetAssocCache;
  /** This core's partition of its socket's LLC. */
  readonly llc: SetAssocCache;
  readonly inclusive: boolean;
  readonly maxModules: number;
  /** The counter rows behind `counters` (which adds the pending L1 hits first). */
  private readonly ctr: Float64Array;
  /** Every cycle priced so far except pendingL1Hits × l1Cycles (see stallCycles). */
  private stallBase = 0;
  /**
   * L1 hits of the current module's row not yet added to `ctr` and
   * `stallBase`. An L1 hit is the common case by far; counting it here is one
   * field increment instead of two counter-row updates and a sum. Every
   * counter and cycle is an integer below 2^53, so adding them later, in a
   * lump, gives exactly the same doubles. Flushed by setModule (before the
   * row changes) and by every reader of the counters.
   */
  private pendingL1Hits = 0;

  /** 1 / lineBytes when lineBytes is a power of two (exact), else 0 (divide). */
  private readonly invLineBytes: number;
  /** lineBytes - 1 (lineBytes a power of two whenever the inline L1 test is on). */
  private readonly lineMask: number;
  private readonly l1Cycles: number;
  // The L1's arrays and geometry, for the MRU-hit test inlined in read/write/accessLine.
  private readonly l1Tags: Float64Array;
  private readonly l1Fill: Uint16Array;
  private readonly l1Dirty: Int32Array;
  private readonly l1Ways: number;
  /** Dirty-mask bits of a full L1 set. */
  private readonly l1WaysMask: number;
  /** L1 sets - 1 if a power of two and lines are a power of two bytes; else -1 (no inline test). */
  private readonly l1SetMask: number;
  private readonly l2Cycles: number;
  private readonly llcCycles: number;
  private readonly dramLocalCycles: number;
  private readonly dramRemoteCycles: number;
  /** Offset of the current module's counter row. */
  private row: number;
  private readonly homeStartLine = new Float64Array(MAX_HOME_RANGES);
  private readonly homeEndLine = new Float64Array(MAX_HOME_RANGES);
  private readonly homeSocket = new Int32Array(MAX_HOME_RANGES);
  private homeCount = 0;

  /**
   * COLD.
   * @throws RangeError if the core or socket is outside the machine, or llcSharers/maxModules are not positive integers.
   */
  constructor(preset: MachinePreset, opts: HierarchyOptions) {
    const { coreId } = opts;
    if (!Number.isInteger(coreId) || coreId < 0 || coreId >= totalCores(preset)) {
      throw new RangeError(`coreId must be an integer in 0..${totalCores(preset) - 1} for preset ${preset.name}, got ${coreId}`);
    }
    const socket = opts.socket ?? socketOfCore(preset, coreId);
    if (!Number.isInteger(socket) || socket < 0 || socket >= preset.sockets) {
      throw new RangeError(`socket must be an integer in 0..${preset.sockets - 1}, got ${socket}`);
    }
    const sharers = opts.llcSharers ?? preset.coresPerSocket;
    if (!Number.isInteger(sharers) || sharers < 1) throw new RangeError(`llcSharers must be a positive integer, got ${sharers}`);
    const maxModules = opts.maxModules ?? DEFAULT_MAX_MODULES;
    if (!Number.isInteger(maxModules) || maxModules < 1) throw new RangeError(`maxModules must be a positive integer, got ${maxModules}`);

    this.preset = preset;
    this.coreId = coreId;
    this.socket = socket;
    this.lineBytes = preset.lineBytes;
    const lb = preset.lineBytes;
    this.invLineBytes = Number.isInteger(lb) && lb > 0 && (lb & (lb - 1)) === 0 ? 1 / lb : 0;
    this.lineMask = lb - 1;
    const c = preset.caches;
    this.l1 = SetAssocCache.ofSize(c.L1d.sizeBytes, c.L1d.ways, preset.lineBytes);
    this.l1Tags = this.l1.tags;
    this.l1Fill = this.l1.fill;
    this.l1Dirty = this.l1.dirty;
    this.l1Ways = this.l1.ways;
    this.l1WaysMask = this.l1Ways === 32 ? -1 : (1 << this.l1Ways) - 1;
    this.l1SetMask = this.invLineBytes > 0 ? this.l1.setMask : -1;
    this.l2 = SetAssocCache.ofSize(c.L2.sizeBytes, c.L2.ways, preset.lineBytes);
    const part = llcPartition(preset, sharers);
    this.llc = new SetAssocCache(part.sets, part.ways);
    this.inclusive = c.LLC.inclusive;
    this.l1Cycles = c.L1d.latencyCycles;
    this.l2Cycles = c.L2.latencyCycles;
    this.llcCycles = c.LLC.latencyCycles;
    this.dramLocalCycles = preset.dram.localLatencyCycles;
    this.dramRemoteCycles = preset.dram.remoteLatencyCycles;
    this.maxModules = maxModules;
    this.ctr = new Float64Array((maxModules + 1) * MEM_COUNTERS_PER_ROW);
    this.row = maxModules * MEM_COUNTERS_PER_ROW;
    for (const r of opts.homeRanges ?? []) this.addHomeRange(r.baseAddr, r.sizeBytes, r.socket);
  }

  /**
   * COLD: addresses [baseAddr, baseAddr + sizeBytes) live in the DRAM of
   * `socket`. Later ranges win where ranges overlap.
   * @throws RangeError on a bad range or socket, or more than 64 ranges.
   */
  addHomeRange(baseAddr: number, sizeBytes: number, socket: number): void {
    if (!Number.isSafeInteger(baseAddr) || baseAddr < 0 || !Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) {
      throw new RangeError(`home range needs a non-negative integer base and a positive integer size, got ${baseAddr}, ${sizeBytes}`);
    }
    if (!Number.isInteger(socket) || socket < 0 || socket >= this.preset.sockets) {
      throw new RangeError(`home range socket must be in 0..${this.preset.sockets - 1}, got ${socket}`);
    }
    if (this.homeCount === MAX_HOME_RANGES) throw new RangeError(`at most ${MAX_HOME_RANGES} home ranges`);
    // Newest first, so a scan from 0 finds the latest registration.
    for (let i = this.homeCount; i > 0; i--) {
      this.homeStartLine[i] = this.homeStartLine[i - 1]!;
      this.homeEndLine[i] = this.homeEndLine[i - 1]!;
      this.homeSocket[i] = this.homeSocket[i - 1]!;
    }
    this.homeStartLine[0] = Math.floor(baseAddr / this.lineBytes);
    this.homeEndLine[0] = Math.ceil((baseAddr + sizeBytes) / this.lineBytes);
    this.homeSocket[0] = socket;
    this.homeCount++;
  }

  /** HOT: socket whose DRAM holds `line`. */
  homeSocketOfLine(line: number): number {
    for (let i = 0; i < this.homeCount; i++) {
      if (line >= this.homeStartLine[i]! && line < this.homeEndLine[i]!) return this.homeSocket[i]!;
    }
    return this.socket;
  }

  /**
   * (maxModules + 1) rows of MEM_COUNTERS_PER_ROW; see mem-counters.ts. Row
   * maxModules = no module set. COLD-ish: brings the pending L1 hits in first.
   */
  get counters(): Float64Array {
    this.flushL1Hits();
    return this.ctr;
  }

  /**
   * Every cycle this hierarchy (and the PacketCoherence on it) has priced, as
   * one running sum: the engine can charge a module the difference across its
   * `process` call instead of wrapping each access. Never reset (exact to 2^53).
   */
  get stallCycles(): number {
    return this.stallBase + this.pendingL1Hits * this.l1Cycles;
  }

  /** Add the pending L1 hits to the current row and to stallBase. */
  private flushL1Hits(): void {
    const n = this.pendingL1Hits;
    if (n === 0) return;
    const c = n * this.l1Cycles;
    this.ctr[this.row + SRC_L1] += n;
    this.ctr[this.row + CTR_CYCLES + SRC_L1] += c;
    this.stallBase += c;
    this.pendingL1Hits = 0;
  }

  /** HOT: attribute what follows to module `id` (an id outside 0..maxModules-1 goes to the shared "no module" row). */
  setModule(id: number): void {
    if (this.pendingL1Hits !== 0) this.flushL1Hits();
    this.row = (id >= 0 && id < this.maxModules ? id : this.maxModules) * MEM_COUNTERS_PER_ROW;
  }

  /** HOT: the line holding byte `addr` (floor(addr / lineBytes)). */
  private lineOf(addr: number): number {
    // With a power-of-two line size, multiplying by its reciprocal (itself a
    // power of two, so exact) gives the same double as the division, and a
    // multiply is several times cheaper than a divide on the hot path.
    const inv = this.invLineBytes;
    return inv > 0 ? Math.floor(addr * inv) : Math.floor(addr / this.lineBytes);
  }

  /** HOT: cycles to load `sizeBytes` at simulated address `addr`. */
  read(addr: number, sizeBytes: number): number {
    // Most accesses (a table entry, a header field) fit in one line, most of
    // those hit the MRU way of their L1 set: that case is tested right here
    // (lookup's MRU test, repeated inline) and costs a counter increment.
    const mask = this.l1SetMask;
    // One line: the offset in the line plus the size stays within the line
    // (`addr & lineMask` is the offset of an integer address: ToInt32 keeps
    // the low bits; for a fractional one it is at most the true offset, and
    // a range this test rejects is priced line by line below anyway).
    if (mask >= 0 && sizeBytes > 0 && (addr & this.lineMask) + sizeBytes <= this.lineBytes) {
      const line = Math.floor(addr * this.invLineBytes);
      const set = (line >>> 0) & mask;
      if (this.l1Tags[set * this.l1Ways] === line && (line !== 0 || this.l1Fill[set] !== 0)) {
        this.pendingL1Hits++;
        return this.l1Cycles;
      }
      return this.accessOther(line, false);
    }
    return this.accessRange(addr, sizeBytes, false);
  }

  /** HOT: cycles to store `sizeBytes` at `addr` (priced like a load, then the lines are dirty). */
  write(addr: number, sizeBytes: number): number {
    const mask = this.l1SetMask;
    // As in read.
    if (mask >= 0 && sizeBytes > 0 && (addr & this.lineMask) + sizeBytes <= this.lineBytes) {
      const line = Math.floor(addr * this.invLineBytes);
      const set = (line >>> 0) & mask;
      if (this.l1Tags[set * this.l1Ways] === line && (line !== 0 || this.l1Fill[set] !== 0)) {
        this.l1Dirty[set] |= 1;
        this.pendingL1Hits++;
        return this.l1Cycles;
      }
      return this.accessOther(line, true);
    }
    return this.accessRange(addr, sizeBytes, true);
  }

  /**
   * HOT: MemoryModel.readLines — line `lines[i]` accessed (a load), then
   * `repeats[i]` more loads of it, for i in start..end-1, in order. The same
   * effect on caches and counters as the reads the lines came from (read
   * prices a read line by line; a repeated read of the line just accessed is
   * an MRU hit: every path of accessLine leaves the line most recent in its
   * L1 set). Faster than the reads one by one: the L1 geometry stays in
   * locals, hits are counted in a local, and the two commonest hits (recency
   * position 0 and 1) are tested here without a call.
   */
  readLines(lines: Float64Array, repeats: Uint16Array, start: number, end: number): void {
    const mask = this.l1SetMask;
    let hits = 0;
    if (mask < 0 || this.l1Ways < 2) {
      for (let i = start; i < end; i++) {
        this.accessLine(lines[i]!, false);
        hits += repeats[i]!;
      }
      this.pendingL1Hits += hits;
      return;
    }
    const tags = this.l1Tags;
    const fill = this.l1Fill;
    const dirty = this.l1Dirty;
    const ways = this.l1Ways;
    for (let i = start; i < end; i++) {
      const line = lines[i]!;
      hits += repeats[i]!;
      const set = (line >>> 0) & mask;
      const base = set * ways;
      const t0 = tags[base]!;
      if (t0 === line && (line !== 0 || fill[set] !== 0)) {
        hits++;
        continue;
      }
      // Recency position 1: swap with position 0, as accessOther does.
      if (tags[base + 1] === line && fill[set]! > 1) {
        tags[base + 1] = t0;
        tags[base] = line;
        const m = dirty[set]!;
        dirty[set] = (m & ~3) | ((m & 1) << 1) | ((m >>> 1) & 1);
        hits++;
        continue;
      }
      this.accessOther(line, false);
    }
    this.pendingL1Hits += hits;
  }

  /** HOT: read/write of any size and any geometry, line by line. */
  private accessRange(addr: number, sizeBytes: number, isWrite: boolean): number {
    if (!(sizeBytes > 0)) return 0;
    const first = this.lineOf(addr);
    const last = this.lineOf(addr + sizeBytes - 1);
    let cycles = 0;
    for (let line = first; line <= last; line++) cycles += this.accessLine(line, isWrite);
    return cycles;
  }

  /** HOT: one line access through L1 -> L2 -> LLC partition -> DRAM; returns its cycles and counts them. */
  accessLine(line: number, isWrite: boolean): number {
    const mask = this.l1SetMask;
    if (mask >= 0) {
      const set = (line >>> 0) & mask;
      if (this.l1Tags[set * this.l1Ways] === line && (line !== 0 || this.l1Fill[set] !== 0)) {
        if (isWrite) this.l1Dirty[set] |= 1;
        this.pendingL1Hits++;
        return this.l1Cycles;
      }
    }
    return this.accessOther(line, isWrite);
  }

  /** HOT: accessLine past the inline MRU test (known to have failed): the rest of L1, then missL1. */
  private accessOther(line: number, isWrite: boolean): number {
    const mask = this.l1SetMask;
    if (mask >= 0) {
      const set = (line >>> 0) & mask;
      const base = set * this.l1Ways;
      const tags = this.l1Tags;
      // Recency position 1 is the next most common hit (two lines taking
      // turns in one set): swap it with position 0, as lookupPastMru would.
      if (tags[base + 1] === line && this.l1Fill[set]! > 1 && this.l1Ways > 1) {
        tags[base + 1] = tags[base]!;
        tags[base] = line;
        const m = this.l1Dirty[set]!;
        this.l1Dirty[set] = (m & ~3) | ((m & 1) << 1) | (isWrite ? 1 : (m >>> 1) & 1);
        this.pendingL1Hits++;
        return this.l1Cycles;
      }
      if (this.inclusive) {
        if (this.l1.lookupPastMru(line, isWrite, set, base)) {
          this.pendingL1Hits++;
          return this.l1Cycles;
        }
        return this.missL1(line, isWrite, set, base);
      }
      // Non-inclusive: find or insert the line in one pass over the set. On a
      // miss the line is in L1 before L2 and the LLC are consulted, which the
      // order "lower levels, then fill L1" does not notice: nothing below
      // touches L1 under this policy, and the victim's write-back still comes
      // after the lower levels, where fillL1 does it.
      const l1 = this.l1;
      if (l1.promoteOrInsert(line, isWrite, true, set)) {
        this.pendingL1Hits++;
        return this.l1Cycles;
      }
      const victim = l1.victimLine;
      const victimDirty = l1.victimDirty;
      const cycles = this.belowL1(line);
      if (victimDirty) this.writeBackL1Victim(victim);
      return cycles;
    }
    if (this.l1.lookup(line, isWrite)) {
      this.pendingL1Hits++;
      return this.l1Cycles;
    }
    return this.missL1(line, isWrite, -1, -1);
  }

  /**
   * HOT: accessLine after an L1 miss: L2, then the LLC partition, then DRAM;
   * fills on the way back. `set1`/`base1`: the line's L1 set and its first
   * way when the caller computed them (l1SetMask >= 0), else -1.
   */
  private missL1(line: number, isWrite: boolean, set1: number, base1: number): number {
    const cycles = this.belowL1(line);
    if (set1 >= 0) this.fillL1At(line, isWrite, set1, base1);
    else this.fillL1(line, isWrite);
    return cycles;
  }

  /**
   * HOT: the part of an L1 miss below L1: L2, the LLC partition, DRAM, and
   * the fills of L2 (and an inclusive LLC). Counts the miss and its source;
   * returns its cycles. The caller fills L1.
   */
  private belowL1(line: number): number {
    const ctr = this.ctr;
    const row = this.row;
    ctr[row + CTR_L1_MISSES]++;
    let cycles: number;
    let src: number;
    if (this.l2.lookup(line, false)) {
      cycles = this.l2Cycles;
      src = SRC_L2;
    } else {
      ctr[row + CTR_L2_MISSES]++;
      let inLlc: boolean;
      let dirtyUp = false;
      if (this.inclusive) {
        inLlc = this.llc.lookup(line, false);
        if (!inLlc) this.fillLlcInclusive(line, false);
      } else {
        // Exclusive move-up: the line leaves the victim cache, keeping its dirty bit.
        const st = this.llc.invalidate(line);
        inLlc = st >= 0;
        dirtyUp = st === 1;
      }
      if (inLlc) {
        ctr[row + CTR_LLC_HITS]++;
        cycles = this.llcCycles;
        src = SRC_LLC;
      } else {
        ctr[row + CTR_LLC_MISSES]++;
        if (this.homeSocketOfLine(line) === this.socket) {
          cycles = this.dramLocalCycles;
          src = SRC_DRAM_LOCAL;
        } else {
          cycles = this.dramRemoteCycles;
          src = SRC_DRAM_REMOTE;
        }
      }
      this.fillL2(line, dirtyUp);
    }
    ctr[row + src]++;
    ctr[row + CTR_CYCLES + src] += cycles;
    this.stallBase += cycles;
    return cycles;
  }

  /**
   * HOT: a fresh copy of `line` arrives from elsewhere (another core's cache,
   * or the NIC): any stale copy in this core's levels is dropped without
   * write-back, and the line is filled into L1 and L2 (and an inclusive LLC),
   * dirty in L1 if `isDirty`. Charges nothing: the caller prices the transfer
   * (see charge) and counts it.
   */
  installLine(line: number, isDirty: boolean): void {
    if (this.inclusive) {
      this.l1.invalidate(line);
      this.l2.invalidate(line);
      this.llc.invalidate(line);
      this.fillLlcInclusive(line, false);
      this.fillL2(line, false);
      this.fillL1(line, isDirty);
      return;
    }
    // Non-inclusive: the same as the three invalidations and two fills above,
    // with fewer scans. No line is in L2 and the LLC at once, so a stale copy
    // found in the LLC (the usual case: a packet buffer's lines age into the
    // victim cache between two uses) means L2 has none, and the line goes
    // into L2 without a presence scan. Otherwise a stale copy in L2 is
    // refreshed in place (invalidate + insert of a present line = move it to
    // MRU, clean; nothing is evicted), or the line inserted, in one pass.
    // Then the same for L1. Dropping the stale copy before the fill matters
    // only for the victim the fill evicts, and a refresh evicts nothing; the
    // LLC invalidation still comes before the L2 victim enters the LLC.
    const l2 = this.l2;
    if (this.llc.invalidate(line) >= 0) {
      this.fillL2(line, false);
    } else if (!l2.promoteOrInsert(line, false, false, l2.setIndex(line))) {
      const v = l2.victimLine;
      if (v !== NO_LINE) this.l2VictimToLlc(v, l2.victimDirty);
    }
    const l1 = this.l1;
    if (!l1.promoteOrInsert(line, isDirty, false, l1.setIndex(line)) && l1.victimDirty) this.writeBackL1Victim(l1.victimLine);
  }

  /** HOT: count one line served from source `src` (SRC_*) at `cycles` for the current module (and in stallCycles). */
  charge(src: number, cycles: number): void {
    const ctr = this.ctr;
    ctr[this.row + src]++;
    ctr[this.row + CTR_CYCLES + src] += cycles;
    this.stallBase += cycles;
  }

  // Fills. Each inserts a line known to be absent from that level (it just
  // missed there, or was just invalidated, or is a victim from the level above,
  // which by the policies above the level below never holds).

  /**
   * HOT: fillL1 for a line whose L1 set (and its first way) the caller knows:
   * SetAssocCache.insertAbsent written out on the L1's arrays, with the
   * victim in locals rather than the cache's victim fields (which this path
   * leaves alone: nothing reads them after a hierarchy call).
   */
  private fillL1At(line: number, isDirty: boolean, set: number, base: number): void {
    const ways = this.l1Ways;
    const tags = this.l1Tags;
    const n = this.l1Fill[set]!;
    const m = this.l1Dirty[set]!;
    let last: number;
    let victim = NO_LINE;
    let victimDirty = false;
    if (n < ways) {
      this.l1Fill[set] = n + 1;
      last = base + n;
    } else {
      last = base + ways - 1;
      victim = tags[last]!;
      victimDirty = ((m >>> (ways - 1)) & 1) === 1;
    }
    for (let j = last; j > base; j--) tags[j] = tags[j - 1]!;
    tags[base] = line;
    this.l1Dirty[set] = ((m << 1) & this.l1WaysMask) | (isDirty ? 1 : 0);
    if (victimDirty) this.writeBackL1Victim(victim);
  }

  /** A dirty L1 victim is written back to the nearest level below that holds it; else it goes back into L2. */
  private writeBackL1Victim(v: number): void {
    if (!this.l2.markDirty(v) && !this.llc.markDirty(v)) this.fillL2(v, true);
  }

  /** Non-inclusive: an L2 victim goes into the LLC (victim cache); a dirty LLC victim is written back. */
  private l2VictimToLlc(v: number, vDirty: boolean): void {
    const llc = this.llc;
    llc.insertAbsent(v, vDirty);
    if (llc.victimLine !== NO_LINE && llc.victimDirty) this.ctr[this.row + CTR_WRITEBACKS]++;
  }

  private fillL1(line: number, isDirty: boolean): void {
    const l1 = this.l1;
    l1.insertAbsent(line, isDirty);
    const v = l1.victimLine;
    if (v !== NO_LINE && l1.victimDirty) {
      // Write back to the nearest level below that holds v; else v goes back into L2.
      if (!this.l2.markDirty(v) && !this.llc.markDirty(v)) this.fillL2(v, true);
    }
  }

  private fillL2(line: number, isDirty: boolean): void {
    const l2 = this.l2;
    l2.insertAbsent(line, isDirty);
    const v = l2.victimLine;
    if (v === NO_LINE) return;
    const vDirty = l2.victimDirty;
    if (this.inclusive) {
      // By inclusion the LLC still holds v; a dirty victim updates that copy.
      if (vDirty && !this.llc.markDirty(v)) this.fillLlcInclusive(v, true);
      return;
    }
    this.l2VictimToLlc(v, vDirty);
  }

  /** Inclusive LLC fill: the LLC victim is back-invalidated in L1 and L2. */
  private fillLlcInclusive(line: number, isDirty: boolean): void {
    const llc = this.llc;
    llc.insertAbsent(line, isDirty);
    const v = llc.victimLine;
    if (v === NO_LINE) return;
    const vDirty = llc.victimDirty;
    const d1 = this.l1.invalidate(v);
    const d2 = this.l2.invalidate(v);
    if (vDirty || d1 === 1 || d2 === 1) this.ctr[this.row + CTR_WRITEBACKS]++;
  }

  // ------------------------------------------------------------ COLD

  /** COLD: counters of module `id` (the "no module" row for -1). */
  moduleCounters(id: number): MemCounterSnapshot {
    const r = id >= 0 && id < this.maxModules ? id : this.maxModules;
    return snapshotRow(this.counters, r * MEM_COUNTERS_PER_ROW);
  }

  /** COLD: counters summed over every module row. */
  totals(): MemCounterSnapshot {
    const offs: number[] = [];
    for (let r = 0; r <= this.maxModules; r++) offs.push(r * MEM_COUNTERS_PER_ROW);
    return snapshotRow(sumRows(this.counters, offs), 0);
  }

  /** COLD: zero every counter (e.g. at the end of warm-up); cache contents stay. */
  resetCounters(): void {
    this.flushL1Hits(); // into stallBase, which is never reset
    this.ctr.fill(0);
  }

  /** COLD: empty every level (cold caches); counters stay. */
  flush(): void {
    this.l1.clear();
    this.l2.clear();
    this.llc.clear();
  }
}
