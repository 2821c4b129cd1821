/**
 * FlowTable: an exact-match IPv4 5-tuple -> u32 value table in typed arrays,
 * shared by the stateful NFs (lb, nat).
 *
 * Design: separate chaining over a fixed pool of exactly `capacity` entries.
 *
 *   buckets   bucketCount x 4 B   head entry id of each chain (-1: empty);
 *                                 bucketCount = nextPow2(capacity), so the
 *                                 load factor is at most 1 and a bucket is
 *                                 `hash & mask`
 *   entries   capacity x 32 B     srcIp | dstIp | ports | proto+pad |
 *                                 next | value | stampCycles (8 B)
 *   age       capacity x 8 B      prev | next of a doubly linked list,
 *                                 oldest first: insertion order, or least
 *                                 recently used if the NF calls touch()
 *
 *   bucket[b] ──► e7 ──► e2 ──► -1        age: head ⇄ e2 ⇄ e9 ⇄ e7 ⇄ tail
 *
 * Why chaining rather than open addressing or cuckoo: the table holds exactly
 * the configured number of entries (full <=> no free entry), whereas
 * open-addressed and cuckoo tables refuse inserts well before 100 % load;
 * entries never move, so an NF may keep an entry id (the NAT's port map
 * does); and removal is an unlink, with no tombstones or backward shifts.
 * Free entries are chained through `next` (an intrusive free list), so
 * insert and remove are O(1) plus the chain walk.
 *
 * Simulated memory: the three arrays are regions from env.allocRegion and
 * every access the C equivalent would make is declared through `mem`:
 * a lookup reads the bucket word and each entry it compares; an insert writes
 * the bucket word, the entry and the age links it changes; a remove re-walks
 * the chain to find the predecessor. The hash is kept in a JS-side array
 * for unlinking; a C table would recompute it from the key (compute, which
 * the NF's declared per-packet cost covers), so it has no simulated bytes.
 * Free-list and age-list heads are a few scalars in the NF's hot line and are
 * not declared.
 *
 * COLD: constructor. HOT: everything else (no allocation, no throwing).
 */
import type { MemoryModel, NfEnv } from './nf.js';

/** Simulated bytes of one entry: 16 B key, 4 B chain link, 4 B value, 8 B stamp. */
export const FLOW_ENTRY_BYTES = 32;
const ENTRY_NEXT_OFF = 16;
const ENTRY_STAMP_OFF = 24;
export const FLOW_BUCKET_BYTES = 4;
export const FLOW_AGE_BYTES = 8;
/** Largest capacity: keeps the typed arrays (~45 B per entry on the JS side) under ~200 MB. */
export const MAX_FLOW_TABLE_ENTRIES = 1 << 22;

const NONE = -1;

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export class FlowTable {
  readonly capacity: number;
  readonly bucketCount: number;
  /** Simulated base addresses of the three regions. */
  readonly bucketsAddr: number;
  readonly entriesAddr: number;
  readonly ageAddr: number;
  /** Key fields of entry id; keyProto 0 marks a free entry (TCP and UDP are non-zero). */
  readonly keySrcIp: Uint32Array;
  readonly keyDstIp: Uint32Array;
  /** packPorts(srcPort, dstPort). */
  readonly keyPorts: Uint32Array;
  readonly keyProto: Uint8Array;
  /** The NF's value for entry id (LB: backend index; NAT: port index). */
  readonly value: Uint32Array;
  /** Cycles at insertion, or at the last touch(). */
  readonly stampCycles: Float64Array;
  /** Entries compared by the last lookup() or remove() (0 when the chain was empty). */
  lastProbes = 0;
  private readonly bucketMask: number;
  private readonly buckets: Int32Array;
  private readonly hash: Uint32Array;
  private readonly next: Int32Array;
  private readonly agePrev: Int32Array;
  private readonly ageNext: Int32Array;
  private freeHead: number;
  private ageHead = NONE;
  private ageTail = NONE;
  private live = 0;

  /** COLD: allocates every array and the three simulated regions `<label>.buckets|entries|age`. */
  constructor(capacity: number, env: NfEnv, label: string) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_FLOW_TABLE_ENTRIES) {
      throw new RangeError(`flow table capacity must be an integer in 1..${MAX_FLOW_TABLE_ENTRIES}, got ${capacity}`);
    }
    this.capacity = capacity;
    this.bucketCount = nextPow2(capacity);
    this.bucketMask = this.bucketCount - 1;
    this.bucketsAddr = env.allocRegion(`${label}.buckets`, this.bucketCount * FLOW_BUCKET_BYTES);
    this.entriesAddr = env.allocRegion(`${label}.entries`, capacity * FLOW_ENTRY_BYTES);
    this.ageAddr = env.allocRegion(`${label}.age`, capacity * FLOW_AGE_BYTES);
    this.buckets = new Int32Array(this.bucketCount).fill(NONE);
    this.keySrcIp = new Uint32Array(capacity);
    this.keyDstIp = new Uint32Array(capacity);
    this.keyPorts = new Uint32Array(capacity);
    this.keyProto = new Uint8Array(capacity);
    this.value = new Uint32Array(capacity);
    this.stampCycles = new Float64Array(capacity);
    this.hash = new Uint32Array(capacity);
    this.next = new Int32Array(capacity);
    this.agePrev = new Int32Array(capacity).fill(NONE);
    this.ageNext = new Int32Array(capacity).fill(NONE);
    // Free list in id order, so the first inserts take ids 0, 1, 2, ...
    for (let i = 0; i < capacity; i++) this.next[i] = i + 1 < capacity ? i + 1 : NONE;
    this.freeHead = 0;
  }

  /** Live entries. */
  get size(): number {
    return this.live;
  }

  /** True when every entry is in use: insert() would fail. */
  get full(): boolean {
    return this.freeHead === NONE;
  }

  /** Oldest entry on the age list (first inserted, or least recently touched), -1 if empty. */
  oldest(): number {
    return this.ageHead;
  }

  /** Source port of entry id (high half of the packed ports). */
  srcPortOf(id: number): number {
    return this.keyPorts[id]! >>> 16;
  }

  /** Destination port of entry id. */
  dstPortOf(id: number): number {
    return this.keyPorts[id]! & 0xffff;
  }

  /** Declares a read of entry id (for NFs that reach an entry by id, not by lookup). */
  readEntry(mem: MemoryModel, id: number): void {
    mem.read(this.entriesAddr + id * FLOW_ENTRY_BYTES, FLOW_ENTRY_BYTES);
  }

  /** Entry id holding the key, or -1. Sets lastProbes to the entries compared. */
  lookup(mem: MemoryModel, hash: number, srcIp: number, dstIp: number, ports: number, proto: number): number {
    const b = hash & this.bucketMask;
    mem.read(this.bucketsAddr + b * FLOW_BUCKET_BYTES, FLOW_BUCKET_BYTES);
    let probes = 0;
    let id = this.buckets[b]!;
    while (id !== NONE) {
      probes++;
      mem.read(this.entriesAddr + id * FLOW_ENTRY_BYTES, FLOW_ENTRY_BYTES);
      if (
        this.keySrcIp[id] === srcIp &&
        this.keyDstIp[id] === dstIp &&
        this.keyPorts[id] === ports &&
        this.keyProto[id] === proto
      ) {
        break;
      }
      id = this.next[id]!;
    }
    this.lastProbes = probes;
    return id;
  }

  /**
   * Inserts the key (the caller has checked it is absent) at the head of its
   * chain and the tail of the age list; returns its id, or -1 if full.
   * `proto` must be non-zero.
   */
  insert(mem: MemoryModel, hash: number, srcIp: number, dstIp: number, ports: number, proto: number, value: number, nowCycles: number): number {
    const id = this.freeHead;
    if (id === NONE) return NONE;
    // Popping the free list reads the entry's link; the entry write below covers its line.
    this.freeHead = this.next[id]!;
    const b = hash & this.bucketMask;
    this.keySrcIp[id] = srcIp;
    this.keyDstIp[id] = dstIp;
    this.keyPorts[id] = ports;
    this.keyProto[id] = proto;
    this.value[id] = value;
    this.stampCycles[id] = nowCycles;
    this.hash[id] = hash;
    this.next[id] = this.buckets[b]!;
    this.buckets[b] = id;
    mem.write(this.entriesAddr + id * FLOW_ENTRY_BYTES, FLOW_ENTRY_BYTES);
    mem.write(this.bucketsAddr + b * FLOW_BUCKET_BYTES, FLOW_BUCKET_BYTES);
    this.ageAppend(mem, id);
    this.live++;
    return id;
  }

  /** Removes live entry id: unlinks it from its chain and the age list and frees it. */
  remove(mem: MemoryModel, id: number): void {
    const b = this.hash[id]! & this.bucketMask;
    mem.read(this.bucketsAddr + b * FLOW_BUCKET_BYTES, FLOW_BUCKET_BYTES);
    let prev = NONE;
    let cur = this.buckets[b]!;
    let probes = 0;
    // Terminates: a live id is on its bucket's chain.
    while (cur !== id && cur !== NONE) {
      probes++;
      mem.read(this.entriesAddr + cur * FLOW_ENTRY_BYTES + ENTRY_NEXT_OFF, 4);
      prev = cur;
      cur = this.next[cur]!;
    }
    this.lastProbes = probes;
    if (cur === NONE) return; // not live: nothing to do (defensive; callers pass live ids)
    const after = this.next[id]!;
    if (prev === NONE) {
      this.buckets[b] = after;
      mem.write(this.bucketsAddr + b * FLOW_BUCKET_BYTES, FLOW_BUCKET_BYTES);
    } else {
      this.next[prev] = after;
      mem.write(this.entriesAddr + prev * FLOW_ENTRY_BYTES + ENTRY_NEXT_OFF, 4);
    }
    this.ageUnlink(mem, id);
    this.keyProto[id] = 0;
    this.next[id] = this.freeHead;
    this.freeHead = id;
    mem.write(this.entriesAddr + id * FLOW_ENTRY_BYTES, FLOW_ENTRY_BYTES);
    this.live--;
  }

  /** Stamps entry id with `nowCycles` and moves it to the young end of the age list (LRU order). */
  touch(mem: MemoryModel, id: number, nowCycles: number): void {
    this.stampCycles[id] = nowCycles;
    mem.write(this.entriesAddr + id * FLOW_ENTRY_BYTES + ENTRY_STAMP_OFF, 8);
    if (this.ageTail === id) return;
    this.ageUnlink(mem, id);
    this.ageAppend(mem, id);
  }

  private ageAppend(mem: MemoryModel, id: number): void {
    const tail = this.ageTail;
    this.agePrev[id] = tail;
    this.ageNext[id] = NONE;
    mem.write(this.ageAddr + id * FLOW_AGE_BYTES, FLOW_AGE_BYTES);
    if (tail === NONE) this.ageHead = id;
    else {
      this.ageNext[tail] = id;
      mem.write(this.ageAddr + tail * FLOW_AGE_BYTES + 4, 4);
    }
    this.ageTail = id;
  }

  private ageUnlink(mem: MemoryModel, id: number): void {
    // Reading id's own links precedes the neighbours' writes.
    mem.read(this.ageAddr + id * FLOW_AGE_BYTES, FLOW_AGE_BYTES);
    const p = this.agePrev[id]!;
    const n = this.ageNext[id]!;
    if (p === NONE) this.ageHead = n;
    else {
      this.ageNext[p] = n;
      mem.write(this.ageAddr + p * FLOW_AGE_BYTES + 4, 4);
    }
    if (n === NONE) this.ageTail = p;
    else {
      this.agePrev[n] = p;
      mem.write(this.ageAddr + n * FLOW_AGE_BYTES, 4);
    }
    this.agePrev[id] = NONE;
    this.ageNext[id] = NONE;
  }
}
