/**
 * SpscRing: single-producer single-consumer ring of u32 packet handles, with
 * an optional Float64 virtual timestamp per entry, living in a
 * SharedArrayBuffer so two worker threads (two emulated cores) can share it.
 * It plays the role of a DPDK `rte_ring` created with RING_F_SP_ENQ |
 * RING_F_SC_DEQ.
 *
 * ## Layout (one ring, at `byteOffset` inside `sab`; byteOffset % 64 === 0)
 *
 * ```
 *  +0      +------------------------------------------------+
 *          | i32[0]   producerIndex   written by PRODUCER   |  cache line 0
 *          | i32[1]   capacity        written once by init  |
 *          | i32[2]   flags (bit 0 = timestamps), init only |
 *          | i32[3]   magic 'SPR1'    written last by init  |
 *          | i32[4..15]  reserved (0)                       |
 *  +64     +------------------------------------------------+
 *          | i32[16]  consumerIndex   written by CONSUMER   |  cache line 1
 *          | i32[17..31] reserved (0)                       |
 *  +128    +------------------------------------------------+
 *          | u32 handle[capacity]     slot = index & mask   |
 *  +tsOff  +------------------------------------------------+  tsOff = align64(128 + 4*capacity)
 *          | f64 ts[capacity]         only with timestamps  |
 *  +bytesFor(capacity, timestamps)   (a multiple of 64, so rings pack back to back)
 * ```
 *
 * The two indices sit on separate 64-byte lines so the producer's stores do
 * not invalidate the line the consumer keeps re-reading, and vice versa.
 *
 * ## Indices
 *
 * Both indices are free-running 32-bit counters (stored as int32, compared
 * only by wrapping difference `(a - b) | 0`, masked on slot access). Entries
 * in the ring are the half-open range [consumerIndex, producerIndex). Because
 * the difference, not the raw value, carries the fill level, a full ring
 * holds exactly `capacity` entries (no wasted slot) and crossing 2^31 or 2^32
 * needs no special case. Capacity ≤ 2^24 keeps every difference far from
 * 2^31, where the signed interpretation would flip.
 *
 * ## Ownership
 *
 * - PRODUCER thread: the only writer of producerIndex and of the slots in
 *   [producerIndex, consumerIndex + capacity) (the free part).
 * - CONSUMER thread: the only writer of consumerIndex; the only reader of the
 *   slots in [consumerIndex, producerIndex) (the filled part).
 * - capacity, flags, magic: written by `init` before the ring is shared
 *   (handing the SAB to another thread via postMessage/workerData orders
 *   those writes before the attach), read-only afterwards. Calling `init`
 *   again on a ring that is in use is not allowed.
 *
 * Use one SpscRing object per role (it holds that role's cached index). To
 * move a role to another thread, stop using it, hand over through something
 * that synchronises (postMessage, an Atomics flag) and `attach` there: the
 * new object starts from the current indices. An object whose cache sat idle
 * while ~2^32 entries went through could alias; re-attaching avoids that.
 *
 * ## Ordering (every Atomics operation names its partner)
 *
 * - P1 producer: plain stores of handle/ts slots, then
 *   `Atomics.store(producerIndex)`            — release; pairs with C1.
 * - C1 consumer: `Atomics.load(producerIndex)` — acquire; pairs with P1. Only
 *   after it does the consumer read the newly published slots.
 * - C2 consumer: plain loads of slots, then
 *   `Atomics.store(consumerIndex)`            — release; pairs with P2.
 * - P2 producer: `Atomics.load(consumerIndex)` — acquire; pairs with C2. Only
 *   after it does the producer overwrite the freed slots.
 *
 * JS Atomics are sequentially consistent, which is stronger than needed; the
 * labels say which edge each one provides. Each side reads its *own* index
 * with a plain load: it is the only writer, so program order already makes
 * its latest store visible to itself.
 *
 * Each side keeps a cached copy of the other side's index and re-reads
 * shared memory (P2 / C1) only when the cached view cannot satisfy the
 * request (producer: not enough free slots; consumer: not enough entries).
 * The cache is always conservative: the other index only moves forward, so
 * a stale value under-reports free space / available entries, never over.
 *
 * ## What "count()" means
 *
 * - From the CONSUMER: exact at the moment of the call, and a lower bound
 *   afterwards (the producer can only add entries until the consumer removes
 *   some). That many entries can be dequeued right now.
 * - From the PRODUCER: an upper bound (the consumer may already have taken
 *   more). `capacity - count()` is then a lower bound on free space; prefer
 *   `freeSpace()`, which is exact for the producer.
 * - From a third thread: a snapshot clamped to [0, capacity], for
 *   diagnostics only.
 *
 * ## Allocation
 *
 * `create` allocates a SharedArrayBuffer; `create`, `init` and `attach`
 * allocate the typed-array views. After that, nothing allocates: enqueue /
 * dequeue / peek / count use only the views built at construction and the
 * caller's preallocated arrays. Calls that cannot succeed return 0 / false /
 * -1; only misuse (dequeueUntil or peekTs on a ring without timestamps)
 * throws.
 *
 * ## Not checked on the hot path
 *
 * `start`/`n` are trusted to lie inside the caller's arrays (an out-of-range
 * source read yields undefined → stored as 0; an out-of-range destination
 * write is silently dropped by the typed array). Handles are u32: a negative
 * or fractional number is stored modulo 2^32 like any Uint32Array write.
 * Using one ring with two producers or two consumers corrupts it.
 */

/** Header size: two 64-byte cache lines, one per index. */
const HEADER_BYTES = 128;
const HEADER_WORDS = HEADER_BYTES / 4;
const CACHE_LINE_BYTES = 64;

/** Int32 word holding the producer index (cache line 0). */
const W_PRODUCER_INDEX = 0;
/** Int32 words written once by init; read by attach to validate. */
const W_CAPACITY = 1;
const W_FLAGS = 2;
const W_MAGIC = 3;
/** Int32 word holding the consumer index (cache line 1, byte 64). */
const W_CONSUMER_INDEX = 16;

/** 'SPR1': SpscRing layout version 1. Bump when the layout changes. */
const RING_MAGIC = 0x53505231;
const FLAG_TIMESTAMPS = 1;
const KNOWN_FLAGS = FLAG_TIMESTAMPS;

/** 2^24 entries: keeps index differences far below 2^31 and a ring < 200 MiB. */
const MAX_CAPACITY = 1 << 24;

export interface SpscRingOptions {
  /** Reserve a Float64 virtual timestamp per entry. Default false. */
  timestamps?: boolean;
}

export class SpscRing {
  readonly sab: SharedArrayBuffer;
  readonly byteOffset: number;
  readonly capacity: number;
  readonly mask: number;
  readonly hasTimestamps: boolean;

  /** Header words; see the layout diagram. */
  private readonly header: Int32Array;
  private readonly handleSlots: Uint32Array;
  /** null when the ring has no timestamps (checked once per call, outside loops). */
  private readonly tsSlots: Float64Array | null;
  /** Producer's cached copy of consumerIndex (int32). Conservative: never ahead. */
  private producerCachedConsumerIndex: number;
  /** Consumer's cached copy of producerIndex (int32). Conservative: never ahead. */
  private consumerCachedProducerIndex: number;

  private constructor(sab: SharedArrayBuffer, byteOffset: number, capacity: number, timestamps: boolean) {
    this.sab = sab;
    this.byteOffset = byteOffset;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.hasTimestamps = timestamps;
    this.header = new Int32Array(sab, byteOffset, HEADER_WORDS);
    this.handleSlots = new Uint32Array(sab, byteOffset + HEADER_BYTES, capacity);
    this.tsSlots = timestamps ? new Float64Array(sab, byteOffset + tsOffsetBytes(capacity), capacity) : null;
    this.producerCachedConsumerIndex = Atomics.load(this.header, W_CONSUMER_INDEX); // P2 (cold)
    this.consumerCachedProducerIndex = Atomics.load(this.header, W_PRODUCER_INDEX); // C1 (cold)
  }

  // ---------------------------------------------------------------- COLD: construction

  /** COLD. Bytes one ring occupies; a multiple of 64 so rings can be packed back to back. */
  static bytesFor(capacity: number, timestamps: boolean): number {
    checkCapacity(capacity);
    const endBytes = timestamps ? tsOffsetBytes(capacity) + capacity * 8 : HEADER_BYTES + capacity * 4;
    return alignUp(endBytes, CACHE_LINE_BYTES);
  }

  /** COLD. Allocates a SharedArrayBuffer holding one empty ring. */
  static create(capacity: number, opts?: SpscRingOptions): SpscRing {
    return SpscRing.createAt(capacity, opts, 0);
  }

  /**
   * COLD, test-only: like `create`, but both indices start at `startIndex`
   * (taken modulo 2^32) so tests can exercise the 2^31 and 2^32 crossings
   * without pushing billions of entries first.
   */
  static createAt(capacity: number, opts: SpscRingOptions | undefined, startIndex: number): SpscRing {
    const timestamps = opts?.timestamps === true;
    const sab = new SharedArrayBuffer(SpscRing.bytesFor(capacity, timestamps));
    return initRing(sab, 0, capacity, timestamps, startIndex);
  }

  /**
   * COLD. Initialises an empty ring inside a caller's SharedArrayBuffer at
   * `byteOffset` (a multiple of 64; the ring uses `bytesFor(capacity,
   * timestamps)` bytes from there). Must happen before the SAB is shared.
   */
  static init(sab: SharedArrayBuffer, byteOffset: number, capacity: number, timestamps: boolean): SpscRing {
    return initRing(sab, byteOffset, capacity, timestamps, 0);
  }

  /**
   * COLD. Builds views over a ring that `init`/`create` already laid out
   * (typically in another thread). Reads capacity and flags from the header
   * and validates them. Indices are read, never reset.
   */
  static attach(sab: SharedArrayBuffer, byteOffset = 0): SpscRing {
    checkPlacement(sab, byteOffset, HEADER_BYTES);
    const header = new Int32Array(sab, byteOffset, HEADER_WORDS);
    const magic = Atomics.load(header, W_MAGIC); // pairs with init's final Atomics.store(magic)
    if (magic !== RING_MAGIC) throw errors.badMagic(byteOffset, magic);
    const capacity = header[W_CAPACITY];
    const flags = header[W_FLAGS];
    if (!isValidCapacity(capacity)) throw errors.corruptCapacity(byteOffset, capacity);
    if ((flags & ~KNOWN_FLAGS) !== 0) throw errors.unknownFlags(byteOffset, flags);
    const timestamps = (flags & FLAG_TIMESTAMPS) !== 0;
    checkPlacement(sab, byteOffset, SpscRing.bytesFor(capacity, timestamps));
    return new SpscRing(sab, byteOffset, capacity, timestamps);
  }

  // ---------------------------------------------------------------- HOT: producer side

  /** Producer only. Exact free slots now (the consumer can only make it grow). */
  freeSpace(): number {
    const producerIndex = this.header[W_PRODUCER_INDEX]; // own index: plain load
    const consumerIndex = Atomics.load(this.header, W_CONSUMER_INDEX); // P2: pairs with C2
    this.producerCachedConsumerIndex = consumerIndex;
    return this.capacity - ((producerIndex - consumerIndex) | 0);
  }

  /** HOT, producer only. Appends one entry; false if the ring is full. `ts` ignored without timestamps. */
  enqueue(handle: number, ts: number): boolean {
    const producerIndex = this.header[W_PRODUCER_INDEX];
    if (this.producerFree(producerIndex, 1) < 1) return false;
    const slot = producerIndex & this.mask;
    this.handleSlots[slot] = handle;
    const tsSlots = this.tsSlots;
    if (tsSlots !== null) tsSlots[slot] = ts;
    Atomics.store(this.header, W_PRODUCER_INDEX, (producerIndex + 1) | 0); // P1: pairs with C1
    return true;
  }

  /**
   * HOT, producer only. Appends src[start .. start+n) as far as it fits and
   * returns how many were appended (0..n). Timestamps come from srcTs, or 0
   * when srcTs is null; srcTs is ignored on a ring without timestamps.
   */
  enqueueBurst(src: Uint32Array, srcTs: Float64Array | null, start: number, n: number): number {
    const producerIndex = this.header[W_PRODUCER_INDEX];
    const free = this.producerFree(producerIndex, n);
    const count = n < free ? n : free;
    if (count <= 0) return 0;
    this.writeSlots(producerIndex, src, srcTs, start, count);
    Atomics.store(this.header, W_PRODUCER_INDEX, (producerIndex + count) | 0); // P1: pairs with C1
    return count;
  }

  /** HOT, producer only. Appends all n entries or none; returns n or 0. Same srcTs rules as enqueueBurst. */
  enqueueBulk(src: Uint32Array, srcTs: Float64Array | null, start: number, n: number): number {
    if (n <= 0) return 0;
    const producerIndex = this.header[W_PRODUCER_INDEX];
    if (this.producerFree(producerIndex, n) < n) return 0;
    this.writeSlots(producerIndex, src, srcTs, start, n);
    Atomics.store(this.header, W_PRODUCER_INDEX, (producerIndex + n) | 0); // P1: pairs with C1
    return n;
  }

  // ---------------------------------------------------------------- HOT: consumer side

  /** Entries in the ring. Exact for the consumer; see the header comment for other threads. */
  count(): number {
    // Consumer index first, then producer index: with this order the result
    // is never negative even when read from a third thread.
    const consumerIndex = Atomics.load(this.header, W_CONSUMER_INDEX); // P2 when called by the producer
    const producerIndex = Atomics.load(this.header, W_PRODUCER_INDEX); // C1: pairs with P1
    this.consumerCachedProducerIndex = producerIndex;
    const used = (producerIndex - consumerIndex) | 0;
    return used < 0 ? 0 : used > this.capacity ? this.capacity : used;
  }

  /** HOT, consumer only. */
  isEmpty(): boolean {
    return this.consumerAvailable(this.header[W_CONSUMER_INDEX], 1) === 0;
  }

  /** HOT, consumer only. Oldest handle without removing it, or -1 if empty. */
  peekHandle(): number {
    const consumerIndex = this.header[W_CONSUMER_INDEX];
    if (this.consumerAvailable(consumerIndex, 1) === 0) return -1;
    return this.handleSlots[consumerIndex & this.mask];
  }

  /** HOT, consumer only. Oldest entry's timestamp, or Infinity if empty. Throws without timestamps. */
  peekTs(): number {
    const tsSlots = this.tsSlots;
    if (tsSlots === null) throw errors.noTimestamps('peekTs');
    const consumerIndex = this.header[W_CONSUMER_INDEX];
    if (this.consumerAvailable(consumerIndex, 1) === 0) return Infinity;
    return tsSlots[consumerIndex & this.mask];
  }

  /** HOT, consumer only. Removes and returns the oldest handle (0..2^32-1), or -1 if empty. */
  dequeue(): number {
    const consumerIndex = this.header[W_CONSUMER_INDEX];
    if (this.consumerAvailable(consumerIndex, 1) === 0) return -1;
    const handle = this.handleSlots[consumerIndex & this.mask];
    Atomics.store(this.header, W_CONSUMER_INDEX, (consumerIndex + 1) | 0); // C2: pairs with P2
    return handle;
  }

  /**
   * HOT, consumer only. Moves up to `max` oldest entries into
   * dst[start ..] (and dstTs[start ..] when both dstTs and ring timestamps
   * exist); returns how many (0..max). Nothing outside the written window
   * is touched.
   */
  dequeueBurst(dst: Uint32Array, dstTs: Float64Array | null, start: number, max: number): number {
    const consumerIndex = this.header[W_CONSUMER_INDEX];
    const available = this.consumerAvailable(consumerIndex, max);
    const count = max < available ? max : available;
    if (count <= 0) return 0;
    this.readSlots(consumerIndex, dst, dstTs, start, count);
    Atomics.store(this.header, W_CONSUMER_INDEX, (consumerIndex + count) | 0); // C2: pairs with P2
    return count;
  }

  /** HOT, consumer only. Moves exactly n entries, or none if fewer are present; returns n or 0. */
  dequeueBulk(dst: Uint32Array, dstTs: Float64Array | null, start: number, n: number): number {
    if (n <= 0) return 0;
    const consumerIndex = this.header[W_CONSUMER_INDEX];
    if (this.consumerAvailable(consumerIndex, n) < n) return 0;
    this.readSlots(consumerIndex, dst, dstTs, start, n);
    Atomics.store(this.header, W_CONSUMER_INDEX, (consumerIndex + n) | 0); // C2: pairs with P2
    return n;
  }

  /**
   * HOT, consumer only; requires timestamps (throws otherwise). Like
   * dequeueBurst, but takes only a leading run of entries whose timestamp is
   * ≤ maxTs: it stops at the first later entry even if older ones follow
   * (FIFO order is never broken). A NaN timestamp counts as "later".
   */
  dequeueUntil(dst: Uint32Array, dstTs: Float64Array | null, start: number, max: number, maxTs: number): number {
    const tsSlots = this.tsSlots;
    if (tsSlots === null) throw errors.noTimestamps('dequeueUntil');
    const consumerIndex = this.header[W_CONSUMER_INDEX];
    const available = this.consumerAvailable(consumerIndex, max);
    const limit = max < available ? max : available;
    const handleSlots = this.handleSlots;
    const mask = this.mask;
    let taken = 0;
    if (dstTs !== null) {
      for (; taken < limit; taken++) {
        const slot = (consumerIndex + taken) & mask;
        const ts = tsSlots[slot];
        if (!(ts <= maxTs)) break;
        dst[start + taken] = handleSlots[slot];
        dstTs[start + taken] = ts;
      }
    } else {
      for (; taken < limit; taken++) {
        const slot = (consumerIndex + taken) & mask;
        if (!(tsSlots[slot] <= maxTs)) break;
        dst[start + taken] = handleSlots[slot];
      }
    }
    if (taken > 0) Atomics.store(this.header, W_CONSUMER_INDEX, (consumerIndex + taken) | 0); // C2: pairs with P2
    return taken;
  }

  // ---------------------------------------------------------------- diagnostics (either side)

  /** Producer index as a u32 (0..2^32-1). Approximate when read by the consumer or a third thread. */
  producerIndex(): number {
    return Atomics.load(this.header, W_PRODUCER_INDEX) >>> 0;
  }

  /** Consumer index as a u32 (0..2^32-1). Approximate when read by the producer or a third thread. */
  consumerIndex(): number {
    return Atomics.load(this.header, W_CONSUMER_INDEX) >>> 0;
  }

  // ---------------------------------------------------------------- HOT internals

  /**
   * Free slots as seen by the producer, re-reading the consumer index (P2)
   * only when the cached copy shows fewer than `wanted`. Returning early on
   * a partial cache would make bursts needlessly short, hence "fewer than
   * wanted" rather than "zero".
   */
  private producerFree(producerIndex: number, wanted: number): number {
    let free = this.capacity - ((producerIndex - this.producerCachedConsumerIndex) | 0);
    if (free < wanted) {
      const consumerIndex = Atomics.load(this.header, W_CONSUMER_INDEX); // P2: pairs with C2
      this.producerCachedConsumerIndex = consumerIndex;
      free = this.capacity - ((producerIndex - consumerIndex) | 0);
    }
    return free;
  }

  /** Entries visible to the consumer, re-reading the producer index (C1) only when the cache shows fewer than `wanted`. */
  private consumerAvailable(consumerIndex: number, wanted: number): number {
    let available = (this.consumerCachedProducerIndex - consumerIndex) | 0;
    if (available < wanted) {
      const producerIndex = Atomics.load(this.header, W_PRODUCER_INDEX); // C1: pairs with P1
      this.consumerCachedProducerIndex = producerIndex;
      available = (producerIndex - consumerIndex) | 0;
    }
    return available;
  }

  /**
   * Copies `count` entries into the free slots starting at producerIndex.
   * The copy is split at the end of the slot array into (at most) two
   * contiguous runs so the inner loops need no mask. Branches on the
   * timestamp mode are outside the loops.
   */
  private writeSlots(producerIndex: number, src: Uint32Array, srcTs: Float64Array | null, start: number, count: number): void {
    const handleSlots = this.handleSlots;
    const first = producerIndex & this.mask;
    const runToEnd = this.capacity - first;
    const firstRun = count < runToEnd ? count : runToEnd;
    for (let i = 0; i < firstRun; i++) handleSlots[first + i] = src[start + i];
    for (let i = firstRun; i < count; i++) handleSlots[i - firstRun] = src[start + i];
    const tsSlots = this.tsSlots;
    if (tsSlots === null) return;
    if (srcTs !== null) {
      for (let i = 0; i < firstRun; i++) tsSlots[first + i] = srcTs[start + i];
      for (let i = firstRun; i < count; i++) tsSlots[i - firstRun] = srcTs[start + i];
    } else {
      // Documented contract: a timestamped ring fed without timestamps gets 0.
      for (let i = 0; i < firstRun; i++) tsSlots[first + i] = 0;
      for (let i = firstRun; i < count; i++) tsSlots[i - firstRun] = 0;
    }
  }

  /** Mirror of writeSlots for the consumer. Timestamps are copied only if both sides have them. */
  private readSlots(consumerIndex: number, dst: Uint32Array, dstTs: Float64Array | null, start: number, count: number): void {
    const handleSlots = this.handleSlots;
    const first = consumerIndex & this.mask;
    const runToEnd = this.capacity - first;
    const firstRun = count < runToEnd ? count : runToEnd;
    for (let i = 0; i < firstRun; i++) dst[start + i] = handleSlots[first + i];
    for (let i = firstRun; i < count; i++) dst[start + i] = handleSlots[i - firstRun];
    const tsSlots = this.tsSlots;
    if (tsSlots === null || dstTs === null) return;
    for (let i = 0; i < firstRun; i++) dstTs[start + i] = tsSlots[first + i];
    for (let i = firstRun; i < count; i++) dstTs[start + i] = tsSlots[i - firstRun];
  }
}

// ------------------------------------------------------------------ COLD helpers

function initRing(sab: SharedArrayBuffer, byteOffset: number, capacity: number, timestamps: boolean, startIndex: number): SpscRing {
  const sizeBytes = SpscRing.bytesFor(capacity, timestamps); // validates capacity
  checkPlacement(sab, byteOffset, sizeBytes);
  // Zero the whole region (header, slots, padding) so a reused SAB starts clean
  // and stale bytes cannot masquerade as entries or as a valid magic.
  new Uint8Array(sab, byteOffset, sizeBytes).fill(0);
  const header = new Int32Array(sab, byteOffset, HEADER_WORDS);
  const start = startIndex | 0; // ToInt32: indices are stored as int32 (see "Indices")
  header[W_PRODUCER_INDEX] = start;
  header[W_CONSUMER_INDEX] = start;
  header[W_CAPACITY] = capacity;
  header[W_FLAGS] = timestamps ? FLAG_TIMESTAMPS : 0;
  // Magic last: an attacher that sees it (Atomics.load in attach) sees the rest.
  Atomics.store(header, W_MAGIC, RING_MAGIC);
  return SpscRing.attach(sab, byteOffset);
}

function isValidCapacity(capacity: number): boolean {
  return Number.isInteger(capacity) && capacity >= 1 && capacity <= MAX_CAPACITY && (capacity & (capacity - 1)) === 0;
}

function checkCapacity(capacity: number): void {
  if (!isValidCapacity(capacity)) throw errors.badCapacity(capacity);
}

function checkPlacement(sab: SharedArrayBuffer, byteOffset: number, sizeBytes: number): void {
  if (!(sab instanceof SharedArrayBuffer)) throw errors.notShared();
  if (!Number.isInteger(byteOffset) || byteOffset < 0 || byteOffset % CACHE_LINE_BYTES !== 0) {
    throw errors.badOffset(byteOffset);
  }
  if (byteOffset + sizeBytes > sab.byteLength) throw errors.tooSmall(byteOffset, sizeBytes, sab.byteLength);
}

/** Byte offset of the timestamp array from the ring start: after the handles, on a fresh cache line. */
function tsOffsetBytes(capacity: number): number {
  return alignUp(HEADER_BYTES + capacity * 4, CACHE_LINE_BYTES);
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

/** Every error message the ring can produce, in one place. */
const errors = {
  badCapacity: (capacity: unknown) =>
    new RangeError(`SpscRing capacity must be a power of two in [1, ${MAX_CAPACITY}], got ${String(capacity)}`),
  badOffset: (byteOffset: unknown) =>
    new RangeError(`SpscRing byteOffset must be a non-negative multiple of ${CACHE_LINE_BYTES}, got ${String(byteOffset)}`),
  tooSmall: (byteOffset: number, sizeBytes: number, sabBytes: number) =>
    new RangeError(`SpscRing needs ${sizeBytes} bytes at byteOffset ${byteOffset}, but the SharedArrayBuffer has only ${sabBytes}`),
  notShared: () => new TypeError('SpscRing needs a SharedArrayBuffer'),
  badMagic: (byteOffset: number, magic: number) =>
    new Error(`no SpscRing at byteOffset ${byteOffset}: magic is 0x${(magic >>> 0).toString(16)}, expected 0x${RING_MAGIC.toString(16)} (was init/create called?)`),
  corruptCapacity: (byteOffset: number, capacity: number) =>
    new RangeError(`SpscRing at byteOffset ${byteOffset} has a corrupt header: capacity ${capacity} is not a power of two in [1, ${MAX_CAPACITY}]`),
  unknownFlags: (byteOffset: number, flags: number) =>
    new Error(`SpscRing at byteOffset ${byteOffset} has unknown flags 0x${(flags >>> 0).toString(16)}`),
  noTimestamps: (method: string) =>
    new Error(`SpscRing.${method} needs a ring created with { timestamps: true }`),
};
