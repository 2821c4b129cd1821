/**
 * Strict priority over N FIFO queues with a fixed mapping: the rank *is* the
 * priority class, queue = clamp(floor(rank), 0, N - 1) (0 = served first).
 * A full queue drops the arrival (no spill into a neighbour).
 */

import type { InversionMeter } from './inversion-meter.js';
import { BankScheduler } from './bank-scheduler.js';
import { MAX_QUEUES } from './queue-bank.js';
import { DropReason, ENQUEUE_ACCEPTED, type PacketScheduler } from './scheduler.js';
import { checkInt, throwIfProblems } from './scheduler-base.js';

export interface StrictPriorityOptions {
  /** Number of queues, 1..32. */
  queues: number;
  /** Packets per queue. */
  perQueueCapacity: number;
  meter?: InversionMeter | null;
}

export class StrictPriorityScheduler extends BankScheduler implements PacketScheduler {
  readonly kind = 'strict-priority';

  /** COLD. */
  constructor(o: StrictPriorityOptions) {
    const problems: string[] = [];
    checkInt(problems, 'queues', o.queues, 1, MAX_QUEUES);
    checkInt(problems, 'perQueueCapacity', o.perQueueCapacity, 1, 1 << 20);
    throwIfProblems('strict-priority', problems);
    super(o.queues, o.perQueueCapacity, o.meter ?? null);
  }

  /** HOT. */
  enqueue(h: number, rank: number, _nowCycles: number): number {
    this.stats.enqueued++;
    if (rank !== rank) return this.refuse(h, rank, DropReason.BadRank);
    let q = Math.floor(rank);
    if (q < 0) q = 0;
    else if (q >= this.queueCount) q = this.queueCount - 1;
    if (!this.bank.hasRoom(q)) return this.refuse(h, rank, DropReason.QueueFull);
    this.put(q, h, rank);
    return ENQUEUE_ACCEPTED;
  }
}
