/**
 * FIFO with tail drop: the baseline. The rank is stored only so that the
 * inversion metrics can be computed; it never changes the order.
 */

import type { InversionMeter } from './inversion-meter.js';
import { BankScheduler } from './bank-scheduler.js';
import { DropReason, ENQUEUE_ACCEPTED, type PacketScheduler } from './scheduler.js';
import { checkInt, throwIfProblems } from './scheduler-base.js';

export interface FifoOptions {
  /** Packets the queue holds. */
  capacity: number;
  meter?: InversionMeter | null;
}

export class FifoScheduler extends BankScheduler implements PacketScheduler {
  readonly kind = 'fifo';

  /** COLD. */
  constructor(o: FifoOptions) {
    const problems: string[] = [];
    checkInt(problems, 'capacity', o.capacity, 1, 1 << 24);
    throwIfProblems('fifo', problems);
    super(1, o.capacity, o.meter ?? null);
  }

  /** HOT. */
  enqueue(h: number, rank: number, _nowCycles: number): number {
    this.stats.enqueued++;
    if (rank !== rank) return this.refuse(h, rank, DropReason.BadRank);
    if (!this.bank.hasRoom(0)) return this.refuse(h, rank, DropReason.QueueFull);
    this.put(0, h, rank);
    return ENQUEUE_ACCEPTED;
  }
}
