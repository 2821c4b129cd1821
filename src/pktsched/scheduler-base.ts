/**
 * Bookkeeping shared by every PacketScheduler: counters, the optional
 * InversionMeter, and the "last drop / last dequeue" fields. Subclasses call
 * the HOT helpers below at each buffer change so that the counters and the
 * meter can never disagree with the buffer.
 */

import type { InversionMeter } from './inversion-meter.js';
import { NO_DROP, SchedStats } from './scheduler.js';

export abstract class SchedulerBase {
  readonly stats = new SchedStats();
  readonly meter: InversionMeter | null;
  lastDropReason: number = NO_DROP;
  lastDequeuedRank = NaN;

  /** COLD. */
  constructor(meter: InversionMeter | null) {
    this.meter = meter;
  }

  /** HOT: the arrival `h` is refused; returns h (the enqueue() result). */
  protected refuse(h: number, rank: number, reason: number): number {
    this.stats.dropped[reason]!++;
    this.lastDropReason = reason;
    if (this.meter !== null) this.meter.onDrop(rank, false);
    return h;
  }

  /** HOT: buffered packet `h` is pushed out; returns h. */
  protected evicted(h: number, rank: number, reason: number): number {
    this.stats.dropped[reason]!++;
    this.lastDropReason = reason;
    if (this.meter !== null) this.meter.onDrop(rank, true);
    return h;
  }

  /** HOT: an arrival was buffered. */
  protected accepted(rank: number): void {
    if (this.meter !== null) this.meter.onAccept(rank);
  }

  /** HOT: a buffered packet leaves through dequeue(). */
  protected departed(rank: number): void {
    this.stats.dequeued++;
    this.lastDequeuedRank = rank;
    if (this.meter !== null) this.meter.onDequeue(rank);
  }
}

/** COLD: throws one RangeError listing every problem, or returns. */
export function throwIfProblems(what: string, problems: string[]): void {
  if (problems.length > 0) throw new RangeError(`${what}: ${problems.join('; ')}`);
}

/** COLD: pushes a message unless `v` is an integer in [min, max]. */
export function checkInt(problems: string[], path: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) problems.push(`${path} must be an integer in [${min}, ${max}], got ${v}`);
}
