/**
 * Shared packet pool: fixed-size frame slots in one SharedArrayBuffer plus
 * struct-of-arrays metadata in a second one. A packet is a u32 handle `h`:
 * slot `h` starts at byte `h * SLOT_BYTES` of `bytes`, and its metadata is
 * element `h` of every metadata array.
 *
 * Ownership contract
 * ------------------
 *
 *   allocator thread            ring               core thread(s)             any thread
 *   (owns a PoolPartition)                                                    holding h
 *   tryAlloc: load(state)==0                                                  freePacket:
 *             store(state,1) ──► writes bytes + ──► push(h) ──► pop(h) ──►    store(state,0)
 *             reset metadata     metadata                    reads/writes      │
 *        ▲                                                   bytes+metadata    │
 *        └──────────────── Atomics.load(state,h) sees 0 ◄──────────────────────┘
 *
 * - Exactly one thread owns a handle at a time. The allocator thread owns the
 *   bytes and every metadata element of `h` from `tryAlloc` until it passes
 *   `h` on; then the core holding `h` owns them, and so on along the graph.
 *   Nobody else reads or writes them meanwhile.
 * - The handle travels through rings. A ring's publication (its producer-index
 *   store, paired with the consumer's index load) orders all plain writes the
 *   sender made to the frame bytes and metadata before the receiver's reads,
 *   so metadata needs no atomics of its own.
 * - `state` is the only word read across threads outside ring hand-over: the
 *   freeing thread `Atomics.store(state, h, 0)` (freePacket) after its last
 *   access to `h`, paired with `Atomics.load(state, h)` in
 *   `PoolPartition.tryAlloc` on the allocating thread. Seeing 0 there makes
 *   every access the freeing thread made to `h` happen-before the re-use.
 * - Every handle belongs to exactly one PoolPartition (one allocating thread);
 *   partitions never overlap, so `state` has a single writer of 1.
 */
import { freshSab, type SabSource } from '../util/sab-source.js';

/** Bytes of one frame slot (headroom + frame). */
export const SLOT_BYTES = 2048;
/** Default offset of the frame's first byte in its slot: room to prepend VLAN tags or tunnel headers without moving the frame. */
export const HEADROOM_BYTES = 128;
/** Largest frame a slot holds with default headroom. */
export const MAX_FRAME_BYTES = SLOT_BYTES - HEADROOM_BYTES;
/** `flowId` of a packet that no generator flow produced. */
export const NO_FLOW = 0xffffffff;
/** Largest accepted pool capacity (2^21 slots = 4 GiB of frame data, the longest byte array Node 20's V8 makes). */
export const MAX_POOL_CAPACITY = 1 << 21;

/** State values of `PacketPool.state`. */
export const SLOT_FREE = 0;
export const SLOT_IN_USE = 1;

/**
 * Metadata arrays start on cache-line boundaries so that one array's tail and
 * the next array's head never share a line (no false sharing between, say,
 * `state` writes by a freeing core and `lenBytes` writes by another core).
 */
const META_ALIGN_BYTES = 64;

/** Everything a worker needs to attach to the same pool; structured-cloneable. */
export interface PacketPoolShared {
  capacity: number;
  dataSab: SharedArrayBuffer;
  metaSab: SharedArrayBuffer;
}

/** Byte offsets of each metadata array inside metaSab, plus its total size. */
interface MetaLayout {
  ingressCyclesOff: number;
  seqNoOff: number;
  flowIdOff: number;
  flowHashOff: number;
  stateOff: number;
  dataOffOff: number;
  lenBytesOff: number;
  portOff: number;
  rxQueueOff: number;
  lastWriterCoreOff: number;
  simAddrOff: number;
  totalBytes: number;
}

function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

/** COLD: metadata layout. Widest elements first so natural alignment holds even before padding. */
function metaLayout(capacity: number): MetaLayout {
  let cursor = 0;
  const take = (elemBytes: number): number => {
    const at = alignUp(cursor, META_ALIGN_BYTES);
    cursor = at + elemBytes * capacity;
    return at;
  };
  const ingressCyclesOff = take(8);
  const seqNoOff = take(8);
  const simAddrOff = take(8);
  const flowIdOff = take(4);
  const flowHashOff = take(4);
  const stateOff = take(4);
  const dataOffOff = take(2);
  const lenBytesOff = take(2);
  const portOff = take(2);
  const rxQueueOff = take(2);
  const lastWriterCoreOff = take(2);
  return {
    ingressCyclesOff,
    seqNoOff,
    flowIdOff,
    flowHashOff,
    stateOff,
    dataOffOff,
    lenBytesOff,
    portOff,
    rxQueueOff,
    lastWriterCoreOff,
    simAddrOff,
    totalBytes: alignUp(cursor, META_ALIGN_BYTES),
  };
}

function checkCapacity(capacity: number, what: string): void {
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_POOL_CAPACITY) {
    throw new RangeError(`${what} must be an integer in 1..${MAX_POOL_CAPACITY}, got ${String(capacity)}`);
  }
}

export class PacketPool {
  readonly capacity: number;
  /** The whole data SAB; slot h starts at h * SLOT_BYTES. */
  readonly bytes: Uint8Array;
  /** Virtual time (cycles) the frame arrived at the NIC. */
  readonly ingressCycles: Float64Array;
  /** Global generation sequence number (debug, taps). */
  readonly seqNo: Float64Array;
  /** Generator flow index, or NO_FLOW. */
  readonly flowId: Uint32Array;
  /** RSS hash. */
  readonly flowHash: Uint32Array;
  /** SLOT_FREE / SLOT_IN_USE. Cross-thread: see the ownership contract at the top of this file. */
  readonly state: Int32Array;
  /** Offset of the frame's first byte inside its slot. */
  readonly dataOff: Uint16Array;
  /** Stored frame length in bytes (no FCS). */
  readonly lenBytes: Uint16Array;
  /** Ingress port index. */
  readonly port: Uint16Array;
  /** Ingress RX queue. */
  readonly rxQueue: Uint16Array;
  /** Core that last wrote the frame; -1 = NIC DMA. For the future coherence model. */
  readonly lastWriterCore: Int16Array;
  /**
   * Simulated address of the frame buffer, for the hardware model. The NIC
   * sets it from the RX descriptor slot the frame landed in, which is a pure
   * function of the run; the handle itself may differ between thread layouts.
   */
  readonly simAddr: Float64Array;

  private readonly dataSab: SharedArrayBuffer;
  private readonly metaSab: SharedArrayBuffer;

  private constructor(capacity: number, dataSab: SharedArrayBuffer, metaSab: SharedArrayBuffer) {
    const layout = metaLayout(capacity);
    this.capacity = capacity;
    this.dataSab = dataSab;
    this.metaSab = metaSab;
    this.bytes = new Uint8Array(dataSab);
    this.ingressCycles = new Float64Array(metaSab, layout.ingressCyclesOff, capacity);
    this.seqNo = new Float64Array(metaSab, layout.seqNoOff, capacity);
    this.flowId = new Uint32Array(metaSab, layout.flowIdOff, capacity);
    this.flowHash = new Uint32Array(metaSab, layout.flowHashOff, capacity);
    this.state = new Int32Array(metaSab, layout.stateOff, capacity);
    this.dataOff = new Uint16Array(metaSab, layout.dataOffOff, capacity);
    this.lenBytes = new Uint16Array(metaSab, layout.lenBytesOff, capacity);
    this.port = new Uint16Array(metaSab, layout.portOff, capacity);
    this.rxQueue = new Uint16Array(metaSab, layout.rxQueueOff, capacity);
    this.lastWriterCore = new Int16Array(metaSab, layout.lastWriterCoreOff, capacity);
    this.simAddr = new Float64Array(metaSab, layout.simAddrOff, capacity);
  }

  /**
   * COLD: allocates a new pool (its buffers from `newSab`). Every slot
   * starts free with reset metadata.
   * @throws RangeError if capacity is not an integer in 1..MAX_POOL_CAPACITY.
   */
  static create(capacity: number, newSab: SabSource = freshSab): PacketPool {
    checkCapacity(capacity, 'capacity');
    const layout = metaLayout(capacity);
    const data = newSab(capacity * SLOT_BYTES);
    const meta = newSab(layout.totalBytes);
    // A reused metadata buffer starts over (every slot free); a reused frame
    // buffer keeps its bytes, as a slot does from one frame to the next.
    if (!meta.fresh) new Uint8Array(meta.sab).fill(0);
    const pool = new PacketPool(capacity, data.sab, meta.sab);
    for (let h = 0; h < capacity; h++) pool.reset(h);
    return pool;
  }

  /**
   * COLD: new views on the memory of an existing pool (called in each worker).
   * @throws RangeError if the buffers do not match the capacity.
   */
  static attach(shared: PacketPoolShared): PacketPool {
    checkCapacity(shared.capacity, 'shared.capacity');
    const wantData = shared.capacity * SLOT_BYTES;
    if (shared.dataSab.byteLength !== wantData) {
      throw new RangeError(`shared.dataSab must be ${wantData} bytes for capacity ${shared.capacity}, got ${shared.dataSab.byteLength}`);
    }
    const wantMeta = metaLayout(shared.capacity).totalBytes;
    if (shared.metaSab.byteLength !== wantMeta) {
      throw new RangeError(`shared.metaSab must be ${wantMeta} bytes for capacity ${shared.capacity}, got ${shared.metaSab.byteLength}`);
    }
    return new PacketPool(shared.capacity, shared.dataSab, shared.metaSab);
  }

  /** COLD: the postable description of this pool's memory. */
  shared(): PacketPoolShared {
    return { capacity: this.capacity, dataSab: this.dataSab, metaSab: this.metaSab };
  }

  /** HOT: byte offset in `bytes` of the frame's first byte. */
  frameOffset(h: number): number {
    // Multiply, not shift: h * 2048 exceeds int32 for capacities above 2^20.
    return h * SLOT_BYTES + this.dataOff[h]!;
  }

  /**
   * HOT: metadata back to its just-allocated values: frame empty at the
   * default headroom, no flow, written by the NIC. Also zeroes times, hash,
   * port and queue so no value leaks from the slot's previous packet.
   * Does not touch `state` (the allocator owns that word).
   */
  reset(h: number): void {
    this.dataOff[h] = HEADROOM_BYTES;
    this.lenBytes[h] = 0;
    this.flowId[h] = NO_FLOW;
    this.flowHash[h] = 0;
    this.lastWriterCore[h] = -1;
    this.simAddr[h] = h * SLOT_BYTES;
    this.port[h] = 0;
    this.rxQueue[h] = 0;
    this.ingressCycles[h] = 0;
    this.seqNo[h] = 0;
  }

  /**
   * HOT: moves the frame's start by `deltaBytes` keeping its end fixed.
   * Negative = prepend room (bytes before the old start become frame bytes,
   * content unspecified), positive = strip bytes from the front.
   * Returns false, changing nothing, if the start would leave the slot, the
   * length would go negative, or delta is not an integer.
   */
  adjustHead(h: number, deltaBytes: number): boolean {
    if ((deltaBytes | 0) !== deltaBytes) return false;
    const newOff = this.dataOff[h]! + deltaBytes;
    const newLen = this.lenBytes[h]! - deltaBytes;
    if (newOff < 0 || newLen < 0) return false;
    // The end is unchanged, so it stays inside the slot.
    this.dataOff[h] = newOff;
    this.lenBytes[h] = newLen;
    return true;
  }

  /**
   * HOT: grows (positive) or shrinks (negative) the frame at its end.
   * Returns false, changing nothing, if the end would leave the slot, the
   * length would go negative, or delta is not an integer.
   */
  adjustTail(h: number, deltaBytes: number): boolean {
    if ((deltaBytes | 0) !== deltaBytes) return false;
    const newLen = this.lenBytes[h]! + deltaBytes;
    if (newLen < 0 || this.dataOff[h]! + newLen > SLOT_BYTES) return false;
    this.lenBytes[h] = newLen;
    return true;
  }
}

/**
 * Single-owner allocator over handles [baseHandle, baseHandle + count).
 * Only the owning thread calls tryAlloc; any thread may free (freePacket).
 */
export class PoolPartition {
  readonly pool: PacketPool;
  readonly baseHandle: number;
  readonly count: number;
  private readonly indexMask: number;
  private nextIndex = 0;
  private allocatedCount = 0;

  /**
   * COLD.
   * @throws RangeError if count is not a power of two or the range leaves the pool.
   */
  constructor(pool: PacketPool, baseHandle: number, count: number) {
    if (!Number.isInteger(count) || count < 1 || count > pool.capacity || (count & (count - 1)) !== 0) {
      throw new RangeError(`count must be a power of two in 1..${pool.capacity}, got ${String(count)}`);
    }
    if (!Number.isInteger(baseHandle) || baseHandle < 0 || baseHandle + count > pool.capacity) {
      throw new RangeError(
        `baseHandle must be an integer with baseHandle + count <= ${pool.capacity}, got baseHandle ${String(baseHandle)}, count ${count}`,
      );
    }
    this.pool = pool;
    this.baseHandle = baseHandle;
    this.count = count;
    this.indexMask = count - 1;
  }

  /** Total successful allocations so far. */
  get allocated(): number {
    return this.allocatedCount;
  }

  /**
   * HOT: allocates handles in strict cyclic order base, base+1, ... wrapping.
   * Returns the next handle if its state is free (then marks it in use and
   * resets its metadata), else -1 WITHOUT advancing: the caller retries later,
   * when a free makes that very handle available. Strict cyclic order makes
   * which handle a packet gets a pure function of how many packets this
   * partition allocated, which keeps buffer addresses (and so the cache
   * model's results) deterministic across thread timings.
   */
  tryAlloc(): number {
    const h = this.baseHandle + this.nextIndex;
    const state = this.pool.state;
    // Pairs with Atomics.store(state, h, SLOT_FREE) in freePacket.
    if (Atomics.load(state, h) !== SLOT_FREE) return -1;
    // Single writer of SLOT_IN_USE (this partition's thread); nobody else
    // touches h until we hand it on, so a plain store would do, but an
    // atomic store keeps every access to `state` atomic and easy to audit.
    Atomics.store(state, h, SLOT_IN_USE);
    this.pool.reset(h);
    this.nextIndex = (this.nextIndex + 1) & this.indexMask;
    this.allocatedCount++;
    return h;
  }

  /**
   * HOT: like tryAlloc, but when the next handle in cyclic order is still in
   * use, takes the first free one after it. Which handle a packet gets then
   * depends on thread timing, so callers must not let anything observable
   * depend on the handle (the NIC sets simAddr for the hardware model).
   * Returns -1 only when every handle of the partition is in use. With
   * `reset` false the metadata is left as it was: the caller writes every
   * field (the NIC does, per frame).
   */
  tryAllocAny(reset = true): number {
    const state = this.pool.state;
    for (let k = 0; k < this.count; k++) {
      const i = (this.nextIndex + k) & this.indexMask;
      const h = this.baseHandle + i;
      // Pairs with Atomics.store(state, h, SLOT_FREE) in freePacket.
      if (Atomics.load(state, h) !== SLOT_FREE) continue;
      Atomics.store(state, h, SLOT_IN_USE);
      if (reset) this.pool.reset(h);
      this.nextIndex = (i + 1) & this.indexMask;
      this.allocatedCount++;
      return h;
    }
    return -1;
  }

  /** COLD: handles of this partition currently in use. */
  inUse(): number {
    const state = this.pool.state;
    let n = 0;
    for (let i = 0; i < this.count; i++) {
      if (Atomics.load(state, this.baseHandle + i) === SLOT_IN_USE) n++;
    }
    return n;
  }
}

/**
 * HOT: returns `h` to its partition. Call after the last access to `h`'s
 * bytes and metadata. Pairs with Atomics.load in PoolPartition.tryAlloc.
 */
export function freePacket(pool: PacketPool, h: number): void {
  Atomics.store(pool.state, h, SLOT_FREE);
}
