/**
 * Dequeue side shared by the schedulers built on a QueueBank (FIFO, strict
 * priority, SP-PIFO, AIFO, PACKS): strict priority across the queues, FIFO
 * inside each. Subclasses decide only admission and queue choice at enqueue.
 */

import type { InversionMeter } from './inversion-meter.js';
import { QueueBank } from './queue-bank.js';
import { EMPTY } from './scheduler.js';
import { SchedulerBase } from './scheduler-base.js';

export abstract class BankScheduler extends SchedulerBase {
  protected readonly bank: QueueBank;
  readonly capacity: number;
  readonly queueCount: number;

  /** COLD. */
  constructor(queueCount: number, perQueueCapacity: number, meter: InversionMeter | null) {
    super(meter);
    this.bank = new QueueBank(queueCount, perQueueCapacity);
    this.queueCount = queueCount;
    this.capacity = queueCount * perQueueCapacity;
  }

  get length(): number {
    return this.bank.total;
  }

  /** HOT. */
  occupancy(q: number): number {
    return this.bank.length(q);
  }

  /** HOT: buffer h in queue q (the caller checked room). */
  protected put(q: number, h: number, rank: number): void {
    this.bank.push(q, h, rank);
    this.accepted(rank);
  }

  /** HOT: strict priority over the queues, FIFO inside one. */
  dequeue(): number {
    const bank = this.bank;
    const q = bank.firstNonEmpty();
    if (q < 0) return EMPTY;
    const slot = bank.headSlot(q);
    const h = bank.handles[slot]!;
    const rank = bank.ranks[slot]!;
    bank.pop(q);
    this.departed(rank);
    return h;
  }
}
