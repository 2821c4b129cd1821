/**
 * IPv4 longest-prefix match in the DIR-24-8 style (Gupta, Lin & McKeown,
 * "Routing lookups in hardware at memory access speeds", INFOCOM 1998; the
 * idea behind DPDK's rte_lpm, written here from the idea, not from its code).
 *
 * Layout: one flat first-level table indexed by the top `firstLevelBits` (F)
 * bits of the address, then groups of at most 2^8 entries for the bits below
 * F, as many levels as needed (strides of 8 bits, the last one possibly
 * shorter): F = 24 is classic DIR-24-8 (one group level), F = 16 gives
 * 16-8-8. Every entry is one u32:
 *
 *   0                      no route
 *   1 .. 0x7fffffff        next hop + 1
 *   0x80000000 | offset    "extended": the group starting at entry `offset`
 *                          of the group table holds the longer prefixes
 *
 *   tbl1 [2^F entries]              groups [256-entry blocks, grown on demand]
 *   ┌──────────┐   ext | 512        ┌──────────────────────┐
 *   │ hop+1    │  ───────────────►  │ 512: 256 entries     │── ext ──► deeper group
 *   │ ext|512  │                    │ 768: ...             │
 *   └──────────┘                    └──────────────────────┘
 *
 * A lookup reads one first-level entry and one entry per group level it
 * descends into: 1 read for prefixes up to /F, at most 1 + ceil((32-F)/8).
 *
 * Build: the table is built once from the whole prefix list (configs are
 * static; no incremental insert/delete). Prefixes are painted shortest first,
 * so a longer prefix simply overwrites the entries it covers, and a new group
 * starts as 256 copies of the entry it replaces (the inherited shorter route).
 * Because every group is created by a prefix longer than any painted before
 * it, painting never meets an extended entry inside the range it fills.
 * Duplicates (same address and length): the later one in the list wins.
 *
 * The simulated memory layout mirrors the arrays: the first-level table at
 * `tbl1Base`, the groups at `groupsBase`, 4 bytes per entry; `lookup` declares
 * exactly the entries it reads.
 */
import { ipv4PrefixMask } from '../packet/addr-text.js';
import type { MemoryModel } from './nf.js';

export const LPM_ENTRY_BYTES = 4;
export const LPM_MIN_FIRST_LEVEL_BITS = 8;
export const LPM_MAX_FIRST_LEVEL_BITS = 24;
/** Largest next hop an entry can hold (31 bits, minus the "no route" 0). */
export const LPM_MAX_NEXT_HOP = 0x7ffffffe;

const EXTENDED = 0x80000000;
const OFFSET_MASK = 0x7fffffff;
const GROUP_STRIDE_BITS = 8;
/** Groups beyond this many entries (1 GiB of table) mean a config that cannot be meant. */
const MAX_GROUP_ENTRIES = 1 << 28;

/** One route for the builder. `addr` bits below `len` are ignored (masked). */
export interface LpmPrefix {
  addr: number;
  len: number;
  nextHop: number;
}

/** COLD: the network mask of a prefix length as a u32 (len 0 gives 0). */
export const prefixMask = ipv4PrefixMask;

export class LpmDir24 {
  readonly firstLevelBits: number;
  readonly tbl1: Uint32Array;
  /** Group entries, trimmed to what the build used. */
  readonly groups: Uint32Array;
  /** Number of group levels below the first (ceil((32 - F) / 8)). */
  readonly levels: number;
  /** Simulated addresses of the two tables; set with placeAt (0 until then). */
  tbl1Base = 0;
  groupsBase = 0;
  /** Table entries read by the last lookup (1 + group levels descended). */
  lastReads = 0;
  /** Per level below the first: bits consumed after that level, and the index mask. */
  private readonly consumedAfter: Uint8Array;
  private readonly levelMask: Uint32Array;
  private readonly tbl1Shift: number;

  /**
   * COLD: builds the table for `prefixes`. Throws a RangeError for a bad
   * firstLevelBits, prefix length or next hop (config checkers catch these
   * earlier with paths), or if the groups would exceed 2^28 entries.
   */
  constructor(prefixes: readonly LpmPrefix[], firstLevelBits: number) {
    if (!Number.isInteger(firstLevelBits) || firstLevelBits < LPM_MIN_FIRST_LEVEL_BITS || firstLevelBits > LPM_MAX_FIRST_LEVEL_BITS) {
      throw new RangeError(`LpmDir24: firstLevelBits must be an integer in ${LPM_MIN_FIRST_LEVEL_BITS}..${LPM_MAX_FIRST_LEVEL_BITS}, got ${firstLevelBits}`);
    }
    const f = firstLevelBits;
    this.firstLevelBits = f;
    this.tbl1Shift = 32 - f;
    this.levels = Math.ceil((32 - f) / GROUP_STRIDE_BITS);
    this.consumedAfter = new Uint8Array(this.levels);
    this.levelMask = new Uint32Array(this.levels);
    let consumed = f;
    for (let l = 0; l < this.levels; l++) {
      const stride = Math.min(GROUP_STRIDE_BITS, 32 - consumed);
      consumed += stride;
      this.consumedAfter[l] = consumed;
      this.levelMask[l] = (1 << stride) - 1;
    }
    this.tbl1 = new Uint32Array(1 << f);
    const builder = new GroupBuilder();
    // Counting sort by length: stable, so among duplicates the later one is painted last.
    const byLen: number[][] = Array.from({ length: 33 }, () => []);
    for (let i = 0; i < prefixes.length; i++) {
      const pr = prefixes[i]!;
      if (!Number.isInteger(pr.len) || pr.len < 0 || pr.len > 32) throw new RangeError(`LpmDir24: prefix ${i} has length ${pr.len}, expected 0..32`);
      if (!Number.isInteger(pr.nextHop) || pr.nextHop < 0 || pr.nextHop > LPM_MAX_NEXT_HOP) {
        throw new RangeError(`LpmDir24: prefix ${i} has next hop ${pr.nextHop}, expected 0..${LPM_MAX_NEXT_HOP}`);
      }
      byLen[pr.len]!.push(i);
    }
    for (let len = 0; len <= 32; len++) {
      for (const i of byLen[len]!) {
        const pr = prefixes[i]!;
        this.paint((pr.addr & prefixMask(len)) >>> 0, len, pr.nextHop + 1, builder);
      }
    }
    this.groups = builder.entries.slice(0, builder.used);
  }

  /** Bytes of the first-level table. */
  get tbl1Bytes(): number {
    return this.tbl1.length * LPM_ENTRY_BYTES;
  }

  /** Bytes of the group table. */
  get groupsBytes(): number {
    return this.groups.length * LPM_ENTRY_BYTES;
  }

  /** COLD: records the simulated base addresses of the two tables. */
  placeAt(tbl1Base: number, groupsBase: number): void {
    this.tbl1Base = tbl1Base;
    this.groupsBase = groupsBase;
  }

  /** HOT: next hop of the longest prefix covering `ip`, or -1; sets lastReads. No memory declarations (tests, cold use). */
  find(ip: number): number {
    let e = this.tbl1[ip >>> this.tbl1Shift]!;
    let level = 0;
    while (e >= EXTENDED) {
      e = this.groups[(e & OFFSET_MASK) + ((ip >>> (32 - this.consumedAfter[level]!)) & this.levelMask[level]!)]!;
      level++;
    }
    this.lastReads = level + 1;
    return e - 1;
  }

  /** HOT: as find, declaring every entry read through `mem`. */
  lookup(ip: number, mem: MemoryModel): number {
    const i1 = ip >>> this.tbl1Shift;
    mem.read(this.tbl1Base + i1 * LPM_ENTRY_BYTES, LPM_ENTRY_BYTES);
    let e = this.tbl1[i1]!;
    let level = 0;
    while (e >= EXTENDED) {
      const i2 = (e & OFFSET_MASK) + ((ip >>> (32 - this.consumedAfter[level]!)) & this.levelMask[level]!);
      mem.read(this.groupsBase + i2 * LPM_ENTRY_BYTES, LPM_ENTRY_BYTES);
      e = this.groups[i2]!;
      level++;
    }
    this.lastReads = level + 1;
    return e - 1;
  }

  /** COLD: fills every entry `addr/len` covers with `value` (next hop + 1), descending and creating groups as needed. */
  private paint(addr: number, len: number, value: number, b: GroupBuilder): void {
    const f = this.firstLevelBits;
    const i1 = addr >>> this.tbl1Shift;
    if (len <= f) {
      this.tbl1.fill(value, i1, i1 + 2 ** (f - len));
      return;
    }
    // Descend: `inTbl1` and `at` name the entry that must become extended.
    let inTbl1 = true;
    let at = i1;
    for (let level = 0; level < this.levels; level++) {
      const e = inTbl1 ? this.tbl1[at]! : b.entries[at]!;
      let group: number;
      if (e >= EXTENDED) {
        group = e & OFFSET_MASK;
      } else {
        group = b.add(this.levelMask[level]! + 1, e);
        if (inTbl1) this.tbl1[at] = (EXTENDED | group) >>> 0;
        else b.entries[at] = (EXTENDED | group) >>> 0;
      }
      const consumed = this.consumedAfter[level]!;
      const sub = (addr >>> (32 - consumed)) & this.levelMask[level]!;
      if (len <= consumed) {
        // addr's bits below len are zero, so `sub` is the first covered entry.
        b.entries.fill(value, group + sub, group + sub + 2 ** (consumed - len));
        return;
      }
      inTbl1 = false;
      at = group + sub;
    }
  }
}

/** COLD: the growable group table used while building. */
class GroupBuilder {
  entries = new Uint32Array(1024);
  used = 0;

  /** Appends a group of `size` entries all equal to `fill`; returns its offset. */
  add(size: number, fill: number): number {
    const at = this.used;
    if (at + size > this.entries.length) {
      if (at + size > MAX_GROUP_ENTRIES) throw new RangeError(`LpmDir24: more than ${MAX_GROUP_ENTRIES} group entries; use a larger firstLevelBits or fewer long prefixes`);
      const grown = new Uint32Array(Math.min(MAX_GROUP_ENTRIES, Math.max(this.entries.length * 2, at + size)));
      grown.set(this.entries);
      this.entries = grown;
    }
    this.entries.fill(fill, at, at + size);
    this.used = at + size;
    return at;
  }
}
