/**
 * Where memory cycles go: the counter layout a MemoryHierarchy keeps per
 * module (NF instance) so a report can say "cycles per packet of this NF,
 * and the part spent stalled on each memory level".
 *
 * Every priced line access is "served from" exactly one source; per module
 * and source we count lines and cycles. Cache lookups also count hits and
 * misses per level (coherence-priced packet lines bypass the lookups: they
 * are served by another core's cache or the NIC's LLC, never looked up).
 *
 * Row layout (one Float64Array row of MEM_COUNTERS_PER_ROW per module id,
 * plus a last row for accesses made with no module set):
 *
 *   [0, SRC_COUNT)                    lines served from each source
 *   [SRC_COUNT, 2*SRC_COUNT)          cycles charged to each source
 *   CTR_L1_MISSES, CTR_L2_MISSES      lookups that missed L1 / L2
 *   CTR_LLC_HITS, CTR_LLC_MISSES      lookups of the core's LLC partition
 *   CTR_WRITEBACKS                    dirty lines written back to DRAM
 *
 * L1 hits are the lines served from L1 (SRC_L1) and L2 hits those served
 * from L2 (SRC_L2): not stored twice, so an L1 hit costs two increments.
 * LLC hits are stored, because SRC_LLC also counts NIC-written packet lines
 * found in the LLC by DDIO, which are not lookups of the partition.
 *
 * COLD helpers (snapshots) allocate; the indices are plain constants for
 * the HOT path. No `node:*` imports.
 */

export const SRC_L1 = 0;
export const SRC_L2 = 1;
/** The core's own LLC partition, or (DDIO) the local LLC where the NIC wrote a packet line. */
export const SRC_LLC = 2;
/** A NIC-written packet line in the other socket's LLC (DDIO, NIC on the other socket). */
export const SRC_REMOTE_LLC = 3;
export const SRC_DRAM_LOCAL = 4;
export const SRC_DRAM_REMOTE = 5;
/** A packet line another core on this socket read or wrote back (clean): one LLC access. */
export const SRC_COH_CLEAN = 6;
/** A packet line another core on this socket modified: snooped out of its cache. */
export const SRC_COH_DIRTY = 7;
/** A packet line another core on the other socket read or modified. */
export const SRC_COH_REMOTE = 8;
export const SRC_COUNT = 9;

/** Short names of the sources, indexed by SRC_*. */
export const SOURCE_NAMES: readonly string[] = [
  'L1',
  'L2',
  'LLC',
  'remoteLLC',
  'dramLocal',
  'dramRemote',
  'coherenceClean',
  'coherenceDirty',
  'coherenceRemote',
];

export const CTR_LINES = 0;
export const CTR_CYCLES = SRC_COUNT;
export const CTR_L1_MISSES = 2 * SRC_COUNT;
export const CTR_L2_MISSES = CTR_L1_MISSES + 1;
export const CTR_LLC_HITS = CTR_L1_MISSES + 2;
export const CTR_LLC_MISSES = CTR_L1_MISSES + 3;
export const CTR_WRITEBACKS = CTR_L1_MISSES + 4;
export const MEM_COUNTERS_PER_ROW = CTR_WRITEBACKS + 1;

/** A readable copy of one row. */
export interface MemCounterSnapshot {
  /** Lines served from each source, keyed by SOURCE_NAMES. */
  lines: Record<string, number>;
  /** Cycles charged to each source. */
  cycles: Record<string, number>;
  totalLines: number;
  totalCycles: number;
  l1: { hits: number; misses: number };
  l2: { hits: number; misses: number };
  llc: { hits: number; misses: number };
  writebacks: number;
}

/** COLD: the row starting at `offset` of `counters` as an object. */
export function snapshotRow(counters: Float64Array, offset: number): MemCounterSnapshot {
  const lines: Record<string, number> = {};
  const cycles: Record<string, number> = {};
  let totalLines = 0;
  let totalCycles = 0;
  for (let s = 0; s < SRC_COUNT; s++) {
    const n = counters[offset + CTR_LINES + s]!;
    const c = counters[offset + CTR_CYCLES + s]!;
    lines[SOURCE_NAMES[s]!] = n;
    cycles[SOURCE_NAMES[s]!] = c;
    totalLines += n;
    totalCycles += c;
  }
  return {
    lines,
    cycles,
    totalLines,
    totalCycles,
    l1: { hits: counters[offset + CTR_LINES + SRC_L1]!, misses: counters[offset + CTR_L1_MISSES]! },
    l2: { hits: counters[offset + CTR_LINES + SRC_L2]!, misses: counters[offset + CTR_L2_MISSES]! },
    llc: { hits: counters[offset + CTR_LLC_HITS]!, misses: counters[offset + CTR_LLC_MISSES]! },
    writebacks: counters[offset + CTR_WRITEBACKS]!,
  };
}

/** COLD: element-wise sum of rows (e.g. of one module across cores, or all modules of a core). */
export function sumRows(counters: Float64Array, offsets: readonly number[]): Float64Array {
  const out = new Float64Array(MEM_COUNTERS_PER_ROW);
  for (const off of offsets) for (let i = 0; i < MEM_COUNTERS_PER_ROW; i++) out[i]! += counters[off + i]!;
  return out;
}
