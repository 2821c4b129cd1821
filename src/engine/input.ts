/**
 * Task inputs, consumer side: how a core learns which packets have arrived by
 * virtual time `now`, and takes a batch.
 *
 * Every input is fed by one or more SPSC rings (one per producer actor).
 * Entries in a ring carry the virtual time at which they become visible, and
 * are in non-decreasing time order (a producer's clock only moves forward).
 * With several rings, entries are merged in (time, channel id) order so that
 * the result never depends on which thread published first.
 *
 * Two strategies (chosen once per input, never a mode flag in the loop):
 *
 *  TailDropInput      — NIC RX rings and `whenFull: drop` queues. The ring is
 *    pure transport; the queue of `capacity` slots lives here, on the consumer.
 *    Before each decision at `now`, every entry with time <= now is *admitted*
 *    in order: it joins the local queue if fewer than `capacity` packets wait,
 *    else it is dropped. Between two decisions of this core nothing leaves the
 *    queue, so the occupancy an arrival sees is exact: tail drop in virtual
 *    time, with no coupling back to the producer.
 *
 *  BackPressureInput  — `whenFull: backpressure` queues. The ring's capacity
 *    *is* the queue (one ring per producer); taking an entry records the
 *    virtual time of the take in the channel's deqTimes array before the ring
 *    index moves, which lets the producer compute the exact occupancy at its
 *    own time (see output.ts).
 */
import { HEADROOM_BYTES } from '../packet/pool.js';
import type { SpscRing } from '../ring/spsc-ring.js';
import type { FrameWriter } from '../traffic/frame-writer.js';
import type { SharedState } from './shared.js';

export interface ArrivalSink {
  /** Drop a packet that found the input full (counted by the core). */
  dropAtInput(h: number, inputId: number, reasonId: number): void;
}

/** Common consumer-side view of a task input. */
export interface TaskInput {
  readonly id: number;
  readonly rings: readonly SpscRing[];
  readonly producers: readonly number[];
  /** Admit everything visible at `now` (TailDrop) — a no-op for back-pressure inputs. */
  admit(now: number, sink: ArrivalSink): void;
  /**
   * Admit arrivals up to time `limit` (<= the core's clock) even though the
   * core cannot decide now. Every take so far happened no later than such an
   * arrival (the core's decisions were safe), so each arrival sees exactly the
   * occupancy it would see at its own time. With several producers an arrival
   * is admitted only when every empty ring's producer has promised nothing
   * earlier (its bound is above the arrival's time). Lets producers blocked on
   * ring room move on while the core waits or has finished its epoch.
   */
  admitEarly(limit: number, sink: ArrivalSink, boundOf: (producer: number) => number): void;
  /** Packets admitted and waiting whose arrival time is below `t`. */
  backlogBefore(t: number): number;
  /** True when a packet can be taken at `now` (after admit). */
  ready(now: number): boolean;
  /** Take up to `max` packets visible at `now` into out[0..). Returns the count. */
  take(out: Uint32Array, max: number, now: number): number;
  /** Earliest time a packet already in the rings becomes visible (Infinity if none). */
  nextArrival(): number;
  /** Arrival time of the oldest packet that can be taken now (Infinity if none): when the task began to have work. */
  headTime(): number;
}

const SCRATCH = 256;

export class TailDropInput implements TaskInput {
  private readonly qHandles: Uint32Array;
  private readonly qTs: Float64Array;
  private readonly qMask: number;
  private qHead = 0;
  private qCount = 0;
  private readonly scratchH = new Uint32Array(SCRATCH);
  private readonly scratchTs = new Float64Array(SCRATCH);

  constructor(
    readonly id: number,
    readonly rings: readonly SpscRing[],
    readonly producers: readonly number[],
    readonly capacity: number,
    readonly reasonId: number,
    /** For an RX queue of a generator port: writes the bytes of admitted frames. */
    private readonly writer: FrameWriter | null = null,
    private readonly flowBase = 0,
  ) {
    let size = 1;
    while (size < capacity) size *= 2;
    this.qHandles = new Uint32Array(size);
    this.qTs = new Float64Array(size);
    this.qMask = size - 1;
  }

  /** HOT */
  admit(now: number, sink: ArrivalSink): void {
    const rings = this.rings;
    if (rings.length === 1) {
      const ring = rings[0]!;
      for (;;) {
        const n = ring.dequeueUntil(this.scratchH, this.scratchTs, 0, SCRATCH, now);
        for (let i = 0; i < n; i++) this.arrive(this.scratchH[i]!, this.scratchTs[i]!, sink);
        if (n < SCRATCH) return;
      }
    }
    // Several producers: merge by (time, ring order). Rings are few; a linear
    // scan for the minimum is cheaper than a heap at this size.
    for (;;) {
      let best = -1;
      let bestTs = Infinity;
      for (let r = 0; r < rings.length; r++) {
        const ts = rings[r]!.peekTs();
        if (ts < bestTs) { bestTs = ts; best = r; }
      }
      if (best < 0 || bestTs > now) return;
      this.arrive(rings[best]!.dequeue(), bestTs, sink);
    }
  }

  admitEarly(limit: number, sink: ArrivalSink, boundOf: (producer: number) => number): void {
    const rings = this.rings;
    if (rings.length === 1) {
      this.admit(limit, sink);
      return;
    }
    for (;;) {
      let best = -1;
      let bestTs = Infinity;
      for (let r = 0; r < rings.length; r++) {
        const ts = rings[r]!.peekTs();
        if (ts < bestTs) { bestTs = ts; best = r; }
      }
      if (best < 0 || bestTs > limit) return;
      for (let r = 0; r < rings.length; r++) {
        if (rings[r]!.peekTs() === Infinity && boundOf(this.producers[r]!) <= bestTs) return;
      }
      this.arrive(rings[best]!.dequeue(), bestTs, sink);
    }
  }

  backlogBefore(t: number): number {
    // The queue is in arrival-time order: count from the head.
    let n = 0;
    let i = this.qHead;
    while (n < this.qCount && this.qTs[i]! < t) {
      n++;
      i = (i + 1) & this.qMask;
    }
    return n;
  }

  private arrive(h: number, ts: number, sink: ArrivalSink): void {
    if (this.qCount < this.capacity) {
      if (this.writer !== null) this.writer.writeDescribed(h, this.flowBase, HEADROOM_BYTES);
      const i = (this.qHead + this.qCount) & this.qMask;
      this.qHandles[i] = h;
      this.qTs[i] = ts;
      this.qCount++;
    } else {
      sink.dropAtInput(h, this.id, this.reasonId);
    }
  }

  ready(_now: number): boolean {
    return this.qCount > 0;
  }

  headTime(): number {
    return this.qCount > 0 ? this.qTs[this.qHead]! : Infinity;
  }

  /** HOT */
  take(out: Uint32Array, max: number, _now: number): number {
    const n = this.qCount < max ? this.qCount : max;
    let head = this.qHead;
    for (let i = 0; i < n; i++) {
      out[i] = this.qHandles[head]!;
      head = (head + 1) & this.qMask;
    }
    this.qHead = head;
    this.qCount -= n;
    return n;
  }

  nextArrival(): number {
    let t = Infinity;
    for (let r = 0; r < this.rings.length; r++) {
      const ts = this.rings[r]!.peekTs();
      if (ts < t) t = ts;
    }
    return t;
  }

}

export class BackPressureInput implements TaskInput {
  constructor(
    readonly id: number,
    readonly rings: readonly SpscRing[],
    readonly producers: readonly number[],
    private readonly deqTimes: readonly Float64Array[],
  ) {}

  admit(_now: number, _sink: ArrivalSink): void {}
  admitEarly(_limit: number, _sink: ArrivalSink, _boundOf: (producer: number) => number): void {}

  backlogBefore(t: number): number {
    // Producers never place a packet at or after a control point, so at one
    // every entry of the rings is below it.
    let n = 0;
    for (let r = 0; r < this.rings.length; r++) n += this.rings[r]!.count();
    void t;
    return n;
  }

  ready(now: number): boolean {
    for (let r = 0; r < this.rings.length; r++) if (this.rings[r]!.peekTs() <= now) return true;
    return false;
  }

  headTime(): number {
    return this.nextArrival();
  }

  /** HOT */
  take(out: Uint32Array, max: number, now: number): number {
    const rings = this.rings;
    if (rings.length === 1) {
      const ring = rings[0]!;
      const avail = ring.count();
      const n = avail < max ? avail : max;
      // Record the take time before the ring publishes its new consumer index
      // (dequeueUntil's Atomics.store), for every slot we might take: slots
      // that turn out not to be taken are rewritten before they are taken.
      const dt = this.deqTimes[0]!;
      const mask = ring.mask;
      const c = ring.consumerIndex();
      for (let i = 0; i < n; i++) dt[(c + i) & mask] = now;
      return ring.dequeueUntil(out, null, 0, n, now);
    }
    let k = 0;
    while (k < max) {
      let best = -1;
      let bestTs = Infinity;
      for (let r = 0; r < rings.length; r++) {
        const ts = rings[r]!.peekTs();
        if (ts < bestTs) { bestTs = ts; best = r; }
      }
      if (best < 0 || bestTs > now) break;
      const ring = rings[best]!;
      this.deqTimes[best]![ring.consumerIndex() & ring.mask] = now;
      out[k++] = ring.dequeue();
    }
    return k;
  }

  nextArrival(): number {
    let t = Infinity;
    for (let r = 0; r < this.rings.length; r++) {
      const ts = this.rings[r]!.peekTs();
      if (ts < t) t = ts;
    }
    return t;
  }

}

export function buildInputs(
  shared: SharedState,
  inputPlans: readonly { id: number; kind: 'rx' | 'queue'; ref: number; mode: 'drop' | 'backpressure'; capacity: number; dropReason: number; channels: number[] }[],
  channelProducer: (ch: number) => number,
  writerOfPort: (port: number) => { writer: FrameWriter; flowBase: number } | null,
): TaskInput[] {
  return inputPlans.map((ip) => {
    const rings = ip.channels.map((c) => shared.rings[c]!);
    const producers = ip.channels.map(channelProducer);
    if (ip.mode === 'backpressure') {
      return new BackPressureInput(ip.id, rings, producers, ip.channels.map((c) => shared.deqTimes[c]!));
    }
    const w = ip.kind === 'rx' ? writerOfPort(ip.ref) : null;
    return new TailDropInput(ip.id, rings, producers, ip.capacity, ip.dropReason, w?.writer ?? null, w?.flowBase ?? 0);
  });
}
