/**
 * Exact-match routing table keyed by a hash of the IPv4 destination address
 * ([ExecModels] L3FWD): open addressing with linear probing in one typed
 * array, sized once for the configured number of routes.
 *
 * Layout: `slots` (a power of two, at least twice the route capacity, so the
 * load factor stays <= 1/2 and a miss ends after ~2.5 probes on average) of
 * 8 bytes each, key and value side by side so one probe touches one place:
 *
 *   table: [ key0 | val0 | key1 | val1 | ... ]      val = port + 1, 0 = empty
 *
 * The simulated memory layout is the same (8 bytes per slot at `baseAddr`),
 * so the table's footprint, and thus its cache behaviour, scales with the
 * route capacity — which is what the [ExecModels] state-size study varies.
 * `lookup` declares one 8-byte read per slot probed.
 */
import type { MemoryModel } from './nf.js';

export const ROUTE_SLOT_BYTES = 8;
/** Smallest table, so tiny configs still have empty slots to end probes. */
const MIN_SLOTS = 16;

/**
 * HOT: the 32-bit hash of an IPv4 address used to pick the home slot
 * (MurmurHash3's fmix32 finaliser: a bijection that spreads neighbouring
 * addresses over the table).
 */
export function hashIpv4(ip: number): number {
  let x = ip | 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

export class RouteHash {
  /** Number of slots (a power of two). */
  readonly slots: number;
  /** Route capacity the table was sized for. */
  readonly capacity: number;
  readonly table: Uint32Array;
  /** Simulated address of slot 0 (set by the NF after allocRegion). */
  baseAddr = 0;
  /** Slots probed by the last lookup (>= 1). */
  lastReads = 0;
  private readonly mask: number;
  private entries = 0;

  /** COLD: an empty table for up to `capacity` routes (>= 0). */
  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) throw new RangeError(`RouteHash: capacity must be a non-negative integer, got ${capacity}`);
    let slots = MIN_SLOTS;
    while (slots < capacity * 2) slots *= 2;
    this.capacity = capacity;
    this.slots = slots;
    this.mask = slots - 1;
    this.table = new Uint32Array(slots * 2);
  }

  /** Routes stored. */
  get size(): number {
    return this.entries;
  }

  get sizeBytes(): number {
    return this.slots * ROUTE_SLOT_BYTES;
  }

  /**
   * COLD: adds `ip -> port`, or replaces the port if `ip` is present. Returns
   * false if it was present. Throws past the capacity (the config checker
   * keeps route counts within it).
   */
  insert(ip: number, port: number): boolean {
    if (!Number.isInteger(port) || port < 0 || port >= 0xffffffff) throw new RangeError(`RouteHash: bad port ${port}`);
    const key = ip >>> 0;
    let slot = hashIpv4(key) & this.mask;
    for (;;) {
      const v = this.table[2 * slot + 1]!;
      if (v === 0) break;
      if (this.table[2 * slot] === key) {
        this.table[2 * slot + 1] = port + 1;
        return false;
      }
      slot = (slot + 1) & this.mask;
    }
    if (this.entries >= this.capacity) throw new RangeError(`RouteHash: more than ${this.capacity} routes`);
    this.table[2 * slot] = key;
    this.table[2 * slot + 1] = port + 1;
    this.entries++;
    return true;
  }

  /** HOT: port for `ip`, or -1; sets lastReads. No memory declarations (tests, cold use). */
  find(ip: number): number {
    const t = this.table;
    const mask = this.mask;
    let slot = hashIpv4(ip) & mask;
    let reads = 1;
    for (;;) {
      const v = t[2 * slot + 1]!;
      if (v === 0 || t[2 * slot] === ip) {
        this.lastReads = reads;
        return v - 1;
      }
      slot = (slot + 1) & mask;
      reads++;
    }
  }

  /**
   * HOT: as find, declaring each slot probed through `mem`. Terminates: the
   * load factor is <= 1/2, so an empty slot is always ahead.
   */
  lookup(ip: number, mem: MemoryModel): number {
    const t = this.table;
    const mask = this.mask;
    const base = this.baseAddr;
    let slot = hashIpv4(ip) & mask;
    let reads = 1;
    for (;;) {
      mem.read(base + slot * ROUTE_SLOT_BYTES, ROUTE_SLOT_BYTES);
      const v = t[2 * slot + 1]!;
      if (v === 0 || t[2 * slot] === ip) {
        this.lastReads = reads;
        return v - 1;
      }
      slot = (slot + 1) & mask;
      reads++;
    }
  }
}
