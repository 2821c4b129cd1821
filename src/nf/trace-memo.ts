/**
 * A host-side memo for pure lookups: the outcome of a lookup over tables that
 * do not change during a run, together with the exact sequence of memory
 * reads it declared to the memory model, keyed by the lookup's key.
 *
 * Why: an NF such as the ACL classifier does the same work for every packet
 * of a flow — the same tuples probed, the same slots and rules read, the same
 * answer. The emulator must still *declare* every one of those reads (the
 * cache model's state depends on each), but it need not redo the hashing and
 * comparing that found them. A memo hit replays the recorded reads, in
 * order, through the memory model, and returns the recorded answer and work
 * counts. A model with `readLines` (the cache model) gets the trace as the
 * cache lines the reads touch, consecutive reads of one line merged into a
 * repeat count, converted once when the trace is stored; any other model
 * gets the reads themselves, one `read` each. The modelled results are
 * therefore identical with or without the memo (tested read for read and
 * cache state for cache state in test/nf/trace-memo.test.ts; `emu scenario
 * rtc-vs-pl` and `state-size` print byte-identical JSON with and without
 * it); only host time changes. Nothing here is
 * modelled hardware: it is a cache in the emulator, not in the emulated NF.
 *
 * Use (the owner is a lookup structure):
 *
 *   if (memo.find(k0, k1, k2, k3) && memo.replay(mem)) answer = memo.result; ...
 *   else if (!memo.admit()) answer = search(..., mem);
 *   else { answer = search(..., memo.recorder(mem)); memo.store(answer, n0, n1, n2); }
 *
 * Admission: a key is kept from its second miss on (a bit per hash in a
 * "seen" filter marks the first). Traffic with many flows seen once (a short
 * run over 100 K flows) then pays neither the recording nor the store for
 * them, and a flow that repeats loses one search.
 *
 * The owner promises that the search is a pure function of the key and of
 * tables that never change while the memo lives (it calls `clear` if they
 * do). A search that writes is not stored (the recorder notices), nor one
 * longer than `maxTrace` reads.
 *
 * Layout (typed arrays, nothing allocated per lookup):
 *
 *   index (open addressing, `cap` entries)          arena (append-only log), one of:
 *   keys[e*4 .. e*4+4)   the key (4 u32)        a: Float64Array  address | line
 *   meta[e*7 ..]  start+1 (0 = empty) ─────────► b: Uint16Array   size    | repeats
 *                 length, result, n0, n1, n2,
 *                 form (0 = reads, else the line size of a line trace)
 *
 * Sizing: the index is open-addressed (linear probing) and doubles, keeping
 * its entries, when it is half full, up to MAX_ENTRIES; the arena doubles
 * when full, up to MAX_ARENA_READS. At either cap the memo is full: it keeps
 * what it holds and admits nothing more (until clear). The caps are small on
 * purpose: a replay reads its trace from host memory, and a trace that is
 * not in the host's caches costs more than the search it replaces (measured:
 * with 100 K flows and a 40 MiB arena the chain ran ~25 % slower than
 * without a memo), so a memo is worth having for the flows that fit.
 *
 * Bypass: when fewer than half the lookups of a window of WINDOW finds hit
 * (many more flows than fit, or flows that do not repeat), even the index
 * probe — a host cache miss in a large index — is not worth it: the memo
 * answers "miss, do not admit" without probing for the next BYPASS
 * lookups, then tries again.
 *
 * HOT: find, replay, recorder, store. No `node:*` imports.
 */
import { hashFiveTuple } from './flow-hash.js';
import type { MemoryModel } from './nf.js';

/** HOT: hash of a 4-word key: the NFs' MurmurHash3-style mix of four words (flow-hash.ts), unseeded. */
function keyHash(a: number, b: number, c: number, d: number): number {
  return hashFiveTuple(0, a, b, c, d);
}

const META = 7;
const M_START = 0; // arena offset + 1; 0 = empty entry
const M_LEN = 1;
const M_RESULT = 2;
const M_N0 = 3;
const M_N1 = 4;
const M_N2 = 5;
const M_FORM = 6; // 0: (address, size) reads; else lineBytes of a (line, repeats) trace
const INITIAL_ENTRIES = 256;
/** 2^15 entries (16 K keys at most, 1.4 MiB of index). */
const MAX_ENTRIES = 1 << 15;
const INITIAL_ARENA_READS = 1 << 13;
/** 5 MiB of trace (10 bytes a read): ~15 K traces of the reference ACL's ~35 lines. */
const MAX_ARENA_READS = 1 << 19;
/** Largest read size a trace holds (sizes are u16). */
const MAX_READ_BYTES = 0xffff;
/** Finds per window of the hit-rate check, and lookups bypassed after a poor window. */
const WINDOW = 1 << 16;
const BYPASS = 1 << 20;
/** The "seen" filter: 2^20 bits (128 KiB), indexed by the top bits of the key's hash. */
const SEEN_BITS_LOG2 = 20;

/**
 * A MemoryModel that passes every access on to `inner` and writes the reads
 * down. A write, or a read the trace cannot hold, spoils the trace (n is set
 * past max): the lookup was not a pure read sequence and is not stored.
 */
export class TraceRecorder implements MemoryModel {
  inner: MemoryModel;
  readonly addrs: Float64Array;
  readonly sizes: Uint16Array;
  readonly max: number;
  /** Reads recorded; > max = spoilt. */
  n = 0;

  constructor(max: number, inner: MemoryModel) {
    this.max = max;
    this.addrs = new Float64Array(max);
    this.sizes = new Uint16Array(max);
    this.inner = inner;
  }

  /** HOT */
  read(addr: number, sizeBytes: number): number {
    const n = this.n;
    if (n < this.max && sizeBytes <= MAX_READ_BYTES && sizeBytes >= 0) {
      this.addrs[n] = addr;
      this.sizes[n] = sizeBytes;
      this.n = n + 1;
    } else {
      this.n = this.max + 1;
    }
    return this.inner.read(addr, sizeBytes);
  }

  /** HOT: passed on; the trace is spoilt. */
  write(addr: number, sizeBytes: number): number {
    this.n = this.max + 1;
    return this.inner.write(addr, sizeBytes);
  }
}

export class TraceMemo {
  /** Longest trace stored. */
  readonly maxTrace: number;
  /** What the last successful find found (its result and work counts). */
  result = 0;
  n0 = 0;
  n1 = 0;
  n2 = 0;
  /** Lookups answered from the memo, and not (for tests and benchmarks). */
  hits = 0;
  misses = 0;

  private readonly rec: TraceRecorder;
  private readonly maxEntries: number;
  private readonly maxArenaReads: number;
  private cap = INITIAL_ENTRIES;
  private mask = INITIAL_ENTRIES - 1;
  private keys = new Uint32Array(INITIAL_ENTRIES * 4);
  private meta = new Int32Array(INITIAL_ENTRIES * META);
  private addrs = new Float64Array(INITIAL_ARENA_READS);
  private sizes = new Uint16Array(INITIAL_ARENA_READS);
  private used = 0;
  /** Entries in use. */
  private stored = 0;
  /** At a cap: nothing more is admitted or stored (clear empties it). */
  private full = false;
  /** Lookups left to answer without probing (see Bypass in the file comment). */
  private bypassLeft = 0;
  /** Whether the last find probed the index (false: bypassed; nothing may be admitted or stored for it). */
  private probed = false;
  /** Finds and hits in the current window. */
  private windowFinds = 0;
  private windowHits = 0;
  /** One bit per hash value's top SEEN_BITS_LOG2 bits: a key with it set has missed before. */
  private readonly seen = new Uint32Array(1 << (SEEN_BITS_LOG2 - 5));
  /** keyHash of the last find's key. */
  private hash = 0;
  /** Entry of the last find (a hit, or the empty entry where a miss will be stored). */
  private entry = 0;
  private k0 = 0;
  private k1 = 0;
  private k2 = 0;
  private k3 = 0;

  /**
   * COLD. `limits` lowers the caps (for tests of a full memo).
   * @throws RangeError unless maxTrace is an integer in 1..65536.
   */
  constructor(maxTrace: number, limits: { maxEntries?: number; maxArenaReads?: number } = {}) {
    if (!Number.isInteger(maxTrace) || maxTrace < 1 || maxTrace > 65536) throw new RangeError(`maxTrace must be an integer in 1..65536, got ${maxTrace}`);
    this.maxTrace = maxTrace;
    this.maxEntries = limits.maxEntries ?? MAX_ENTRIES;
    this.maxArenaReads = limits.maxArenaReads ?? MAX_ARENA_READS;
    this.rec = new TraceRecorder(maxTrace, { read: () => 0, write: () => 0 });
  }

  /**
   * HOT: true if the key (four u32 words) is memoized: `result`, `n0..n2`
   * hold its outcome and `replay` declares its reads. On false the owner
   * runs the lookup against `recorder(mem)`, then calls store.
   */
  find(a: number, b: number, c: number, d: number): boolean {
    if (this.bypassLeft > 0) {
      this.bypassLeft--;
      this.probed = false;
      this.misses++;
      return false;
    }
    this.probed = true;
    if (++this.windowFinds === WINDOW) this.endWindow();
    this.k0 = a;
    this.k1 = b;
    this.k2 = c;
    this.k3 = d;
    const meta = this.meta;
    const keys = this.keys;
    const mask = this.mask;
    const hash = keyHash(a, b, c, d);
    this.hash = hash;
    // The index is at most half full, so the probe ends at an empty entry.
    for (let e = hash & mask; ; e = (e + 1) & mask) {
      const m = e * META;
      if (meta[m + M_START]! === 0) {
        this.entry = e;
        this.misses++;
        return false;
      }
      const k = e * 4;
      if (keys[k] === a >>> 0 && keys[k + 1] === b >>> 0 && keys[k + 2] === c >>> 0 && keys[k + 3] === d >>> 0) {
        this.entry = e;
        this.result = meta[m + M_RESULT]!;
        this.n0 = meta[m + M_N0]!;
        this.n1 = meta[m + M_N1]!;
        this.n2 = meta[m + M_N2]!;
        this.hits++;
        this.windowHits++;
        return true;
      }
    }
  }

  /**
   * HOT: declare the reads of the entry the last successful find found, in
   * recorded order. False (nothing declared) if the entry was stored as
   * lines for a model with another line size than `mem`'s: the owner then
   * searches as on a miss, and store replaces the entry.
   */
  replay(mem: MemoryModel): boolean {
    const m = this.entry * META;
    const start = this.meta[m + M_START]! - 1;
    const end = start + this.meta[m + M_LEN]!;
    const form = this.meta[m + M_FORM]!;
    const a = this.addrs;
    const b = this.sizes;
    if (form === 0) {
      for (let i = start; i < end; i++) mem.read(a[i]!, b[i]!);
      return true;
    }
    if (mem.readLines === undefined || mem.lineBytes !== form) return false;
    mem.readLines(a, b, start, end);
    return true;
  }

  /**
   * HOT: after a miss (find false, or replay false), whether to record this
   * lookup and store it: yes if the key missed before (or has an entry whose
   * trace did not suit the model), else no — and the key is marked as seen.
   */
  admit(): boolean {
    if (this.full || !this.probed) return false;
    if (this.meta[this.entry * META + M_START]! !== 0) return true;
    const bit = this.hash >>> (32 - SEEN_BITS_LOG2);
    const w = bit >>> 5;
    const m = 1 << (bit & 31);
    const seen = this.seen;
    if ((seen[w]! & m) !== 0) return true;
    seen[w] = seen[w]! | m;
    return false;
  }

  /** HOT: after a miss, the memory model to run the lookup against (records, and passes on to `mem`). */
  recorder(mem: MemoryModel): MemoryModel {
    const rec = this.rec;
    rec.inner = mem;
    rec.n = 0;
    return rec;
  }

  /**
   * HOT: after a miss, keep what the recorder saw and the outcome, for the
   * key find was given: as lines if the model the lookup ran against reads
   * lines (readLines and a power-of-two lineBytes), else as the reads.
   */
  store(result: number, n0: number, n1: number, n2: number): void {
    const rec = this.rec;
    const n = rec.n;
    if (n > this.maxTrace || this.full || !this.probed) return;
    const inner = rec.inner;
    const lb = inner.readLines !== undefined ? inner.lineBytes ?? 0 : 0;
    const form = lb > 0 && Number.isInteger(lb) && (lb & (lb - 1)) === 0 ? lb : 0;
    // Room for the worst case: a read of s bytes touches at most ceil(s / lb) + 1 lines.
    let room = n;
    if (form !== 0) for (let i = 0; i < n; i++) room += Math.ceil(rec.sizes[i]! / form);
    if (this.used + room > this.addrs.length && !this.growArena(room)) {
      this.full = true;
      return;
    }
    let e = this.entry;
    if (this.meta[e * META + M_START]! === 0) {
      // A new key (not a replaced line trace): keep the index at most half full.
      if (2 * (this.stored + 1) > this.cap) {
        if (this.cap >= this.maxEntries) {
          this.full = true;
          return;
        }
        this.growIndex();
        e = this.emptyEntryFor(this.k0, this.k1, this.k2, this.k3);
      }
      this.stored++;
    }
    const start = this.used;
    let len: number;
    if (form === 0) {
      this.addrs.set(rec.addrs.subarray(0, n), start);
      this.sizes.set(rec.sizes.subarray(0, n), start);
      len = n;
    } else {
      len = this.appendLines(rec, form, start);
      if (len < 0) return; // a repeat count beyond u16: keep nothing
    }
    this.used = start + len;
    const meta = this.meta;
    const m = e * META;
    meta[m + M_START] = start + 1;
    meta[m + M_LEN] = len;
    meta[m + M_RESULT] = result;
    meta[m + M_N0] = n0;
    meta[m + M_N1] = n1;
    meta[m + M_N2] = n2;
    meta[m + M_FORM] = form;
    const k = e * 4;
    this.keys[k] = this.k0;
    this.keys[k + 1] = this.k1;
    this.keys[k + 2] = this.k2;
    this.keys[k + 3] = this.k3;
  }

  /**
   * HOT (misses only): the recorded reads as (line, repeats) at arena
   * position `at`: every line a read covers, a line equal to the previous
   * one counted as a repeat. Returns the entries written, or -1 on overflow.
   */
  private appendLines(rec: TraceRecorder, lb: number, at: number): number {
    const lines = this.addrs;
    const reps = this.sizes;
    let len = 0;
    let prev = -1;
    for (let i = 0; i < rec.n; i++) {
      const size = rec.sizes[i]!;
      if (size === 0) continue; // a read of nothing touches no line
      const addr = rec.addrs[i]!;
      const first = Math.floor(addr / lb);
      const last = Math.floor((addr + size - 1) / lb);
      for (let line = first; line <= last; line++) {
        if (line === prev) {
          if (reps[at + len - 1] === MAX_READ_BYTES) return -1;
          reps[at + len - 1]++;
          continue;
        }
        lines[at + len] = line;
        reps[at + len] = 0;
        len++;
        prev = line;
      }
    }
    return len;
  }

  /** COLD: forget every entry (the tables changed or moved). */
  clear(): void {
    this.meta.fill(0);
    this.used = 0;
    this.stored = 0;
    this.full = false;
  }

  /** Entries the index holds (for tests). */
  get capacity(): number { return this.cap; }

  /** Reads held in the arena (for tests). */
  get arenaUsed(): number { return this.used; }

  /** Whether a cap was reached (for tests). */
  get isFull(): boolean { return this.full; }

  /** COLD: room for `len` more reads in a bigger arena; false if that would pass the cap. */
  private growArena(len: number): boolean {
    let size = this.addrs.length;
    while (size < this.used + len && size < this.maxArenaReads) size *= 2;
    if (this.used + len > size) return false;
    const addrs = new Float64Array(size);
    const sizes = new Uint16Array(size);
    addrs.set(this.addrs.subarray(0, this.used));
    sizes.set(this.sizes.subarray(0, this.used));
    this.addrs = addrs;
    this.sizes = sizes;
    return true;
  }

  /** COLD: the end of a window of finds: bypass the memo for a while if it hit less than half the time. */
  private endWindow(): void {
    if (2 * this.windowHits < this.windowFinds) this.bypassLeft = BYPASS;
    this.windowFinds = 0;
    this.windowHits = 0;
  }

  /** COLD: twice the entries; every entry moves to its place in the new index (the arena stays). */
  private growIndex(): void {
    const oldKeys = this.keys;
    const oldMeta = this.meta;
    const oldCap = this.cap;
    this.cap *= 2;
    this.mask = this.cap - 1;
    this.keys = new Uint32Array(this.cap * 4);
    this.meta = new Int32Array(this.cap * META);
    for (let o = 0; o < oldCap; o++) {
      if (oldMeta[o * META + M_START]! === 0) continue;
      const k = o * 4;
      const e = this.emptyEntryFor(oldKeys[k]!, oldKeys[k + 1]!, oldKeys[k + 2]!, oldKeys[k + 3]!);
      this.keys.set(oldKeys.subarray(k, k + 4), e * 4);
      this.meta.set(oldMeta.subarray(o * META, o * META + META), e * META);
    }
  }

  /** COLD-ish: the empty entry a key absent from the index goes to. */
  private emptyEntryFor(a: number, b: number, c: number, d: number): number {
    let e = keyHash(a, b, c, d) & this.mask;
    while (this.meta[e * META + M_START]! !== 0) e = (e + 1) & this.mask;
    return e;
  }
}
