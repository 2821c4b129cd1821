/**
 * Shared memory of one run: the control block, the per-actor clocks, the
 * rings and the packet pool. Allocated once by the main thread, attached by
 * every worker (allocation separated from initialisation, as rte_ring does).
 *
 * Ownership contract
 * ------------------
 *   control (Int32Array, 16 words = one cache line per slot):
 *     [EPOCH]          main writes (Atomics.store + notify) to release the next
 *                      control epoch; workers Atomics.wait on it.
 *     [ABORT]          anyone writes 1 (Atomics.store + notify on every
 *                      doorbell) when the run must stop; everyone polls it
 *                      between steps and after every wait.
 *     doorbell(w)      producers Atomics.add + notify when they published
 *                      something a parked worker w may need; worker w reads it
 *                      before its last re-check and waits on the value read.
 *     parked(w)        worker w stores 1 before its last re-check, 0 after
 *                      waking or when it leaves for a control point;
 *                      producers load it after publishing (a Dekker pair: with
 *                      sequentially consistent atomics either the producer
 *                      sees 1 and rings, or w's re-check sees the
 *                      publication).
 *     progress(w)      worker w adds its step count now and then, and always
 *                      before it parks; main reads it for the stall watch.
 *     parks(w)         (next word of progress's line) worker w adds 1 each time
 *                      it stores parked(w) = 1, after publishing its steps;
 *                      main loads every parks word and then every progress
 *                      word, so a park it counts comes with every step taken
 *                      before it (stall-watch.ts says why that finds a stall).
 *   times (one 64-byte line per actor: Int32 version at int32[0], Float64
 *     bound at f64[1], Float64 clock at f64[2]), a seqlock written only by
 *     the actor itself:
 *     bound(a)         actor a's promise: nothing it enqueues from now on carries
 *                      a timestamp below this (cycles). Written after the ring
 *                      enqueues it covers.
 *     clock(a)         actor a's current virtual time: every dequeue it will
 *                      ever do at a time below it is already published (used by
 *                      back-pressure producers).
 *     Writer: Atomics.add(version, 1) (odd: writing), plain Float64 store,
 *     Atomics.add(version, 1) (even). Reader: Atomics.load(version), plain
 *     Float64 load, Atomics.load(version) again; retry if odd or changed. A
 *     torn or stale read is thus never used, and no BigInt is allocated per
 *     publication (what a BigInt64Array with Atomics would cost).
 *   idle(a) (Int32 at int32[6] of the same line): 1 while core a holds no
    packet at all (inputs, rings, stages and interrupted runs empty), so that
    it can only act after a new arrival; set by a only at the end of an idle
    step, cleared by a BEFORE it takes anything from a ring. A producer that
    is a's only feeder and sees its own rings to a empty and then idle(a) = 1
    knows that a cannot send anything before the producer's own next output
    (see input-sync.ts, fedCoreIdle).
  deqTimes (one Float64Array per back-pressure channel, indexed like the
 *     ring's slots): the consumer writes the virtual time it took the entry
 *     BEFORE advancing the ring's consumer index (Atomics.store in the ring),
 *     so a producer that sees the index also sees the time.
 */
import { SpscRing } from '../ring/spsc-ring.js';
import { PacketPool, type PacketPoolShared } from '../packet/pool.js';
import type { Plan } from '../graph/plan.js';
import { PacketLineTable } from '../hw/coherence.js';
import { giveBackSab, takeSab } from './sab-cache.js';

const SLOT_INTS = 16; // 64 bytes
export const EPOCH = 0;
export const ABORT = SLOT_INTS;
export const SNAPSHOT = 2 * SLOT_INTS;
const WORKER_BASE = 3 * SLOT_INTS;
const WORKER_WORDS = 3 * SLOT_INTS;

export interface SharedHandles {
  control: SharedArrayBuffer;
  clocks: SharedArrayBuffer;
  rings: SharedArrayBuffer[];
  deqTimes: (SharedArrayBuffer | null)[];
  pool: PacketPoolShared;
  workers: number;
  /** Coherence state of packet lines (hardware model only). */
  lines: SharedArrayBuffer | null;
}

const TIME_LINE_BYTES = 64;
const TIME_INTS = TIME_LINE_BYTES / 4;
const TIME_F64 = TIME_LINE_BYTES / 8;
/** The idle word: int32 index 6 of the actor's line (bytes 24-27, after bound and clock). */
const IDLE_INT = 6;

export class SharedState {
  readonly control: Int32Array;
  private readonly timeVersion: Int32Array;
  private readonly timeValue: Float64Array;
  readonly rings: SpscRing[];
  readonly deqTimes: (Float64Array | null)[];
  readonly pool: PacketPool;
  readonly lines: PacketLineTable | null;

  private constructor(readonly handles: SharedHandles) {
    this.control = new Int32Array(handles.control);
    this.timeVersion = new Int32Array(handles.clocks);
    this.timeValue = new Float64Array(handles.clocks);
    this.rings = handles.rings.map((sab) => SpscRing.attach(sab, 0));
    this.deqTimes = handles.deqTimes.map((sab) => (sab === null ? null : new Float64Array(sab)));
    this.pool = PacketPool.attach(handles.pool);
    this.lines = handles.lines === null ? null : PacketLineTable.attach(handles.lines, handles.pool.capacity);
  }

  static create(plan: Plan, workers: number, hardwareModel: boolean): SharedState {
    const control = new SharedArrayBuffer(4 * (WORKER_BASE + workers * WORKER_WORDS));
    const clocks = new SharedArrayBuffer(TIME_LINE_BYTES * plan.actors);
    const rings: SharedArrayBuffer[] = [];
    const deqTimes: (SharedArrayBuffer | null)[] = [];
    for (const ch of plan.channels) {
      const r = SpscRing.create(ch.ringCapacity, { timestamps: true });
      rings.push(r.sab);
      deqTimes.push(ch.mode === 'backpressure' ? new SharedArrayBuffer(8 * ch.ringCapacity) : null);
    }
    // The big buffers come from earlier runs when they can (engine/sab-cache.ts).
    const pool = PacketPool.create(plan.poolCapacity, takeSab);
    const lines = hardwareModel ? PacketLineTable.create(plan.poolCapacity, takeSab).sab : null;
    return new SharedState({ control, clocks, rings, deqTimes, pool: pool.shared(), workers, lines });
  }

  /**
   * COLD: hand the pool's and the line table's buffers on to a later run.
   * Only when no thread will touch them again: every worker of the run has
   * returned (runScenario calls this after all its worker tasks settled).
   */
  release(): void {
    const h = this.handles;
    giveBackSab(h.pool.dataSab);
    giveBackSab(h.pool.metaSab);
    if (h.lines !== null) giveBackSab(h.lines);
  }

  static attach(h: SharedHandles): SharedState {
    return new SharedState(h);
  }

  get workers(): number {
    return this.handles.workers;
  }

  doorbellIndex(w: number): number { return WORKER_BASE + w * WORKER_WORDS; }
  parkedIndex(w: number): number { return WORKER_BASE + w * WORKER_WORDS + SLOT_INTS; }
  progressIndex(w: number): number { return WORKER_BASE + w * WORKER_WORDS + 2 * SLOT_INTS; }
  /** Same line as progress: both are written by worker w only and read by main together. */
  parksIndex(w: number): number { return WORKER_BASE + w * WORKER_WORDS + 2 * SLOT_INTS + 1; }

  /** HOT: actor a's bound (cycles). */
  loadBound(a: number): number {
    return this.readTime(a, 1);
  }
  storeBound(a: number, cycles: number): void {
    this.writeTime(a, 1, cycles);
  }
  loadClock(a: number): number {
    return this.readTime(a, 2);
  }
  storeClock(a: number, cycles: number): void {
    this.writeTime(a, 2, cycles);
  }

  private readTime(a: number, slot: number): number {
    const v = this.timeVersion;
    const vi = a * TIME_INTS;
    const fi = a * TIME_F64 + slot;
    for (;;) {
      const before = Atomics.load(v, vi); // pairs with the writer's second add
      if ((before & 1) === 0) {
        const value = this.timeValue[fi]!;
        if (Atomics.load(v, vi) === before) return value; // no write overlapped the read
      }
    }
  }

  private writeTime(a: number, slot: number, value: number): void {
    const v = this.timeVersion;
    const vi = a * TIME_INTS;
    Atomics.add(v, vi, 1); // odd: a write is in progress
    this.timeValue[a * TIME_F64 + slot] = value;
    Atomics.add(v, vi, 1); // even: published; pairs with the reader's loads
  }

  loadIdle(a: number): boolean {
    return Atomics.load(this.timeVersion, a * TIME_INTS + IDLE_INT) === 1;
  }
  storeIdle(a: number, idle: boolean): void {
    Atomics.store(this.timeVersion, a * TIME_INTS + IDLE_INT, idle ? 1 : 0);
  }

  /** Wake every worker, parked or not (cold: control points). */
  ringAll(): void {
    for (let w = 0; w < this.workers; w++) {
      Atomics.add(this.control, this.doorbellIndex(w), 1);
      Atomics.notify(this.control, this.doorbellIndex(w));
    }
  }

  /** Wake worker w if it is parked (cheap when it is not). */
  ring(w: number): void {
    const c = this.control;
    if (Atomics.load(c, this.parkedIndex(w)) !== 0) {
      Atomics.add(c, this.doorbellIndex(w), 1);
      Atomics.notify(c, this.doorbellIndex(w));
    }
  }

  aborted(): boolean {
    return Atomics.load(this.control, ABORT) !== 0;
  }

  /** Stop the run: code 1 = failure somewhere, 2 = stall detected by the watchdog. */
  abort(code = 1): void {
    Atomics.compareExchange(this.control, ABORT, 0, code);
    for (let w = 0; w < this.workers; w++) {
      Atomics.add(this.control, this.doorbellIndex(w), 1);
      Atomics.notify(this.control, this.doorbellIndex(w));
    }
    Atomics.add(this.control, EPOCH, 0);
    Atomics.notify(this.control, EPOCH);
  }
}
