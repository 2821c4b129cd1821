/**
 * Channel outputs, producer side. During a task run, packets bound for another
 * task are *staged* here with the virtual time they leave the module that sent
 * them; after the run the core flushes the stage into the ring.
 *
 *  TailDropOutput      — the consumer decides drops (see input.ts), so a flush
 *    only has to find physical room in the ring. A full ring only makes the
 *    core wait in wall-clock time (flush() returns false; the core retries
 *    later), never in virtual time.
 *
 *  BackPressureOutput  — the queue's capacity holds in virtual time on the
 *    producer side: a packet stamped t may enter only if fewer than `cap`
 *    packets were in the queue at t. Occupancy at t = entries enqueued minus
 *    entries the consumer took at a time <= t; the consumer writes each take
 *    time into deqTimes before it moves the ring index, so the producer reads
 *    them in order. If the queue is full at t, the packet (and the core) waits
 *    until the next take: its stamp becomes that take time. If the consumer
 *    has not yet reached time t, the answer is not known yet and flush()
 *    returns false until the consumer's clock passes t or it takes an entry.
 */
import { STAGE_CAPACITY } from '../graph/plan.js';
import type { SpscRing } from '../ring/spsc-ring.js';


export interface ChannelOutput {
  readonly channel: number;
  readonly consumerActor: number;
  /** HOT: stage a packet leaving at `tsCycles`. False if the stage is full (caller drops). */
  stage(h: number, tsCycles: number): boolean;
  /**
   * Try to move the stage into the ring. True when the stage is empty
   * afterwards. A back-pressure output never places a packet at or after
   * `epochEndCycles` (the next control point): whether such a packet got in
   * before the control point would depend on thread timing.
   */
  flush(epochEndCycles: number): boolean;
  /** Latest stamp flushed so far (a back-pressure stall pushes it forward). */
  readonly lastStampCycles: number;
  /** Cycles the producer stalled in the last flush (back-pressure only). */
  takeStallCycles(): number;
  /** Packets staged and not yet in the ring. */
  pending(): number;
  /** Earliest stamp among staged packets (Infinity if none). */
  pendingStamp(): number;
  /**
   * After a failed flush: the earliest virtual time the first staged packet
   * can enter its ring (Infinity when nothing is staged). The core publishes
   * it as its bound while it waits, and a core stalled past a control point
   * reports the epoch done instead of waiting for a take that belongs to the
   * next epoch.
   */
  blockedUntilAtLeast(): number;
  describe(): string;
}

abstract class StagedOutput {
  protected readonly hs = new Uint32Array(STAGE_CAPACITY);
  protected readonly ts = new Float64Array(STAGE_CAPACITY);
  protected head = 0;
  protected tail = 0;
  lastStampCycles = 0;

  constructor(readonly channel: number, readonly consumerActor: number, protected readonly ring: SpscRing) {}

  stage(h: number, tsCycles: number): boolean {
    if (this.head === this.tail) { this.head = 0; this.tail = 0; }
    if (this.tail === STAGE_CAPACITY) return false;
    this.hs[this.tail] = h;
    this.ts[this.tail] = tsCycles;
    this.tail++;
    return true;
  }

  pending(): number {
    return this.tail - this.head;
  }

  pendingStamp(): number {
    return this.head < this.tail ? this.ts[this.head]! : Infinity;
  }
}

export class TailDropOutput extends StagedOutput implements ChannelOutput {
  flush(_epochEndCycles: number): boolean {
    const n = this.tail - this.head;
    if (n === 0) return true;
    const k = this.ring.enqueueBurst(this.hs, this.ts, this.head, n);
    if (k > 0) this.lastStampCycles = this.ts[this.head + k - 1]!;
    this.head += k;
    return this.head === this.tail;
  }

  takeStallCycles(): number {
    return 0;
  }

  describe(): string {
    return `ch${this.channel}: pending ${this.tail - this.head} stamp ${this.pendingStamp()}`;
  }

  blockedUntilAtLeast(): number {
    return this.pendingStamp();
  }
}

export class BackPressureOutput extends StagedOutput implements ChannelOutput {
  /** Entries the consumer is known to have taken at a time <= the last stamp checked. */
  private takenKnown = 0;
  private enqueued = 0;
  private stall = 0;

  constructor(
    channel: number,
    consumerActor: number,
    ring: SpscRing,
    private readonly capacity: number,
    private readonly deqTimes: Float64Array,
    private readonly consumerClock: () => number,
  ) {
    super(channel, consumerActor, ring);
  }

  flush(epochEndCycles: number): boolean {
    const ring = this.ring;
    const mask = ring.mask;
    const dt = this.deqTimes;
    while (this.head < this.tail) {
      let t = this.ts[this.head]!;
      if (t < this.lastStampCycles) t = this.lastStampCycles; // FIFO: never earlier than the packet before
      if (t >= epochEndCycles) return false;
      // Advance over takes that happened at or before t.
      const consumed = ring.consumerIndex() | 0;
      while (this.takenKnown !== consumed && dt[this.takenKnown & mask]! <= t) this.takenKnown = (this.takenKnown + 1) | 0;
      if (((this.enqueued - this.takenKnown) | 0) >= this.capacity) {
        // Full at t. If the consumer's next take is known, wait for it;
        // otherwise the answer is not known yet.
        if (this.takenKnown === consumed) return false;
        const until = dt[this.takenKnown & mask]!;
        if (until >= epochEndCycles) return false;
        this.stall += until - t;
        t = until;
        this.takenKnown = (this.takenKnown + 1) | 0;
      }
      ring.enqueue(this.hs[this.head]!, t);
      this.enqueued = (this.enqueued + 1) | 0;
      this.lastStampCycles = t;
      this.head++;
    }
    return true;
  }

  describe(): string {
    return `ch${this.channel}: pending ${this.tail - this.head} stamp ${this.pendingStamp()} enq ${this.enqueued} known ${this.takenKnown} consumed ${this.ring.consumerIndex()} last ${this.lastStampCycles}`;
  }

  blockedUntilAtLeast(): number {
    // The consumer's next take happens no earlier than its clock.
    if (this.head === this.tail) return Infinity;
    let t = this.ts[this.head]!;
    if (t < this.lastStampCycles) t = this.lastStampCycles;
    const mask = this.ring.mask;
    // The clock first, then the consumer index: a take the consumer made
    // before it published this clock moved the index first, so it is counted
    // below; a take after it is at or after the clock. Read the other way
    // round, a take between the two reads was missed while the clock already
    // stood past it, and the bound we publish from this promised more than
    // was true (a producer upstream then trusted it and a consumer took a
    // batch before its last entry was in: results differed between runs on
    // two threads).
    const consumerClock = this.consumerClock();
    const consumed = this.ring.consumerIndex() | 0;
    let k = this.takenKnown;
    while (k !== consumed && this.deqTimes[k & mask]! <= t) k = (k + 1) | 0;
    if (((this.enqueued - k) | 0) < this.capacity) return t;
    // Full at t: the packet enters at the consumer's next take, which is
    // either known already or no earlier than the consumer's clock.
    const next = k !== consumed ? this.deqTimes[k & mask]! : consumerClock;
    return next > t ? next : t;
  }

  takeStallCycles(): number {
    const s = this.stall;
    this.stall = 0;
    return s;
  }
}

/**
 * The outputs of one core, by channel id, and the ones its current run has
 * staged packets on. After the run the core flushes them (flush); a flush
 * that could not place everything leaves the core waiting (in virtual time
 * when a back-pressure queue is full, in wall-clock time when a ring has no
 * room) until a later flush does; settle then says when the last packet got
 * in.
 */
export class CoreOutputs {
  private readonly byChannel: (ChannelOutput | undefined)[];
  private readonly touched: ChannelOutput[] = [];

  /** COLD: an output for every channel this core produces into. */
  constructor(
    coreId: number,
    channels: readonly { id: number; producer: number; consumerCore: number; mode: 'drop' | 'backpressure'; logicalCap: number }[],
    rings: readonly SpscRing[],
    deqTimes: readonly (Float64Array | null)[],
    consumerClock: (actor: number) => number,
  ) {
    this.byChannel = new Array(channels.length);
    for (const ch of channels) {
      if (ch.producer !== coreId) continue;
      const ring = rings[ch.id]!;
      this.byChannel[ch.id] = ch.mode === 'backpressure'
        ? new BackPressureOutput(ch.id, ch.consumerCore, ring, ch.logicalCap, deqTimes[ch.id]!, () => consumerClock(ch.consumerCore))
        : new TailDropOutput(ch.id, ch.consumerCore, ring);
    }
  }

  /**
   * HOT: stage buf[0..count) on channel ch, leaving at `tsCycles`. Returns how
   * many were staged: once a stage is full the rest of the batch does not fit
   * either (the caller drops them).
   */
  stageBatch(ch: number, buf: Uint32Array, count: number, tsCycles: number): number {
    const out = this.byChannel[ch]!;
    if (out.pending() === 0) this.touched.push(out);
    for (let i = 0; i < count; i++) if (!out.stage(buf[i]!, tsCycles)) return i;
    return count;
  }

  /** HOT: stage one packet; false if the stage is full. */
  stageOne(ch: number, h: number, tsCycles: number): boolean {
    const out = this.byChannel[ch]!;
    if (out.pending() === 0) this.touched.push(out);
    return out.stage(h, tsCycles);
  }

  /** Move every touched stage into its ring, none at or past `epochEndCycles`. True when all got in. */
  flush(epochEndCycles: number): boolean {
    const touched = this.touched;
    let ok = true;
    for (let i = 0; i < touched.length; i++) if (!touched[i]!.flush(epochEndCycles)) ok = false;
    return ok;
  }

  /** After a failed flush: the earliest time a staged packet can still enter its ring (Infinity if none is staged). */
  blockedUntil(): number {
    let until = Infinity;
    const touched = this.touched;
    for (let i = 0; i < touched.length; i++) {
      const o = touched[i]!;
      if (o.pending() > 0) { const u = o.blockedUntilAtLeast(); if (u < until) until = u; }
    }
    return until;
  }

  /**
   * After a complete flush of a run that ended at `runEndCycles`: when the
   * core is free again — the time its last packet got into a full
   * back-pressure queue if it stalled, else the run's end. Forgets the run.
   */
  settle(runEndCycles: number): number {
    let end = runEndCycles;
    const touched = this.touched;
    for (let i = 0; i < touched.length; i++) {
      const o = touched[i]!;
      // The core spun on the full queue until its last packet got in.
      if (o.takeStallCycles() > 0 && o.lastStampCycles > end) end = o.lastStampCycles;
    }
    touched.length = 0;
    return end;
  }

  /** Some run's outputs are still staged. */
  holding(): boolean {
    return this.touched.length > 0;
  }

  describe(): string {
    return this.touched.map((o) => o.describe()).join('; ');
  }
}
