/**
 * N bounded FIFO queues of packet handles and their ranks, in flat typed
 * arrays: the storage under FIFO, strict priority, SP-PIFO, AIFO and PACKS.
 *
 * Queue q owns slots [q * stride, (q + 1) * stride), stride = the capacity
 * rounded up to a power of two, so a free-running head/tail index is masked
 * on access (DPDK rte_ring style: no wrap special case, no wasted slot). The
 * logical capacity per queue is still exactly `perQueueCapacity`.
 * `nonEmpty` keeps one bit per queue (hence N <= 32), so strict-priority
 * dequeue is a count-trailing-zeros, not a scan.
 */

export const MAX_QUEUES = 32;

export class QueueBank {
  readonly queueCount: number;
  readonly perQueueCapacity: number;
  private readonly mask: number;
  private readonly shift: number;
  readonly handles: Uint32Array;
  readonly ranks: Float64Array;
  /** Free-running read / write indices per queue (int32 arithmetic). */
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  /** Bit q set <=> queue q holds a packet. */
  nonEmpty = 0;
  /** Packets over all queues. */
  total = 0;

  /** COLD: sizes are validated by the caller. */
  constructor(queueCount: number, perQueueCapacity: number) {
    this.queueCount = queueCount;
    this.perQueueCapacity = perQueueCapacity;
    let shift = 0;
    while (1 << shift < perQueueCapacity) shift++;
    this.shift = shift;
    this.mask = (1 << shift) - 1;
    this.handles = new Uint32Array(queueCount << shift);
    this.ranks = new Float64Array(queueCount << shift);
    this.head = new Int32Array(queueCount);
    this.tail = new Int32Array(queueCount);
  }

  /** HOT: packets in queue q. */
  length(q: number): number {
    return (this.tail[q]! - this.head[q]!) | 0;
  }

  /** HOT: room in queue q? */
  hasRoom(q: number): boolean {
    return ((this.tail[q]! - this.head[q]!) | 0) < this.perQueueCapacity;
  }

  /** HOT: append to queue q; the caller checked hasRoom(q). */
  push(q: number, h: number, rank: number): void {
    const t = this.tail[q]!;
    const slot = (q << this.shift) | (t & this.mask);
    this.handles[slot] = h;
    this.ranks[slot] = rank;
    this.tail[q] = (t + 1) | 0;
    this.nonEmpty |= 1 << q;
    this.total++;
  }

  /** HOT: slot of the head of non-empty queue q. */
  headSlot(q: number): number {
    return (q << this.shift) | (this.head[q]! & this.mask);
  }

  /** HOT: remove the head of non-empty queue q (read it first with headSlot). */
  pop(q: number): void {
    const hd = (this.head[q]! + 1) | 0;
    this.head[q] = hd;
    if (hd === this.tail[q]!) this.nonEmpty &= ~(1 << q);
    this.total--;
  }

  /** HOT: the highest-priority (lowest-index) non-empty queue, or -1. */
  firstNonEmpty(): number {
    const m = this.nonEmpty;
    return m === 0 ? -1 : 31 - Math.clz32(m & -m);
  }
}
