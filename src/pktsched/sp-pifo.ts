/**
 * SP-PIFO [SP-PIFO]: N strict-priority FIFO queues whose rank bounds adapt to
 * the arriving ranks, approximating a PIFO without sorting.
 *
 * Enqueue of rank r (bounds b_i all start at 0; queue 0 = highest priority):
 *   1. scan i = N-1 .. 1 for the first queue with b_i <= r; else queue 0;
 *   2. queue full -> drop the arrival, bounds unchanged (no retry elsewhere);
 *   3. push-up:   b_i = r;
 *      push-down: if r < b_i (only possible at queue 0), cost = b_i - r and
 *                 every bound is lowered by cost (so b_0 becomes r).
 * The push-down step is the "subtract cost" variant the paper evaluates; the
 * Netbench code also has -1, -r and copy-the-neighbour variants, left out.
 */

import type { InversionMeter } from './inversion-meter.js';
import { BankScheduler } from './bank-scheduler.js';
import { MAX_QUEUES } from './queue-bank.js';
import { DropReason, ENQUEUE_ACCEPTED, type PacketScheduler } from './scheduler.js';
import { checkInt, throwIfProblems } from './scheduler-base.js';

export interface SpPifoOptions {
  /** Number of queues N, 1..32 (the paper's evaluation uses 8 and 32). */
  queues: number;
  /** Packets per queue K (10 in the [SP-PIFO] runs). */
  perQueueCapacity: number;
  meter?: InversionMeter | null;
}

export class SpPifoScheduler extends BankScheduler implements PacketScheduler {
  readonly kind = 'sp-pifo';
  /** Current bound per queue (read-only for callers). */
  readonly bounds: Float64Array;
  /** Push-down events (counter). */
  pushDowns = 0;

  /** COLD. */
  constructor(o: SpPifoOptions) {
    const problems: string[] = [];
    checkInt(problems, 'queues', o.queues, 1, MAX_QUEUES);
    checkInt(problems, 'perQueueCapacity', o.perQueueCapacity, 1, 1 << 20);
    throwIfProblems('sp-pifo', problems);
    super(o.queues, o.perQueueCapacity, o.meter ?? null);
    this.bounds = new Float64Array(o.queues);
  }

  /** HOT. */
  enqueue(h: number, rank: number, _nowCycles: number): number {
    this.stats.enqueued++;
    if (rank !== rank) return this.refuse(h, rank, DropReason.BadRank);
    const bounds = this.bounds;
    let q = this.queueCount - 1;
    while (q > 0 && bounds[q]! > rank) q--;
    if (!this.bank.hasRoom(q)) return this.refuse(h, rank, DropReason.QueueFull);
    this.put(q, h, rank);
    const old = bounds[q]!;
    if (rank >= old) {
      bounds[q] = rank; // push-up
    } else {
      // push-down: q is 0 here, since any other queue was chosen with b_q <= r.
      const cost = old - rank;
      for (let i = 0; i < this.queueCount; i++) bounds[i] = bounds[i]! - cost;
      this.pushDowns++;
    }
    return ENQUEUE_ACCEPTED;
  }
}
