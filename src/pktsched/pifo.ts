/**
 * Exact bounded PIFO (push-in first-out) [SP-PIFO], [AIFO], [pFabric].
 *
 * - enqueue inserts by rank; dequeue takes the minimum (rank, arrival seq),
 *   so equal ranks leave in arrival order (explicit sequence numbers: a heap
 *   alone is not stable).
 * - Overflow 'evict-worst' (default, Netbench's PIFO and pFabric's "drop the
 *   lowest priority"): conceptually insert, then push out the maximum
 *   (rank, arrival) among buffered + arriving. The arrival is the latest, so
 *   it is the one pushed out when its rank is >= the worst buffered rank;
 *   otherwise the worst buffered packet (latest among equal ranks) is
 *   evicted. Both are counted as pifo-evict.
 * - Overflow 'tail-drop': refuse the arrival when full (queue-full).
 * Storage: slot arrays + a min-heap and a max-heap of slots (SlotHeap), a
 * free-slot stack; O(log n) per operation, nothing allocated per packet.
 * The arrival sequence is a double: exact for 2^53 arrivals.
 */

import type { InversionMeter } from './inversion-meter.js';
import { DropReason, EMPTY, ENQUEUE_ACCEPTED, type PacketScheduler } from './scheduler.js';
import { SchedulerBase, checkInt, throwIfProblems } from './scheduler-base.js';
import { SlotHeap } from './slot-heap.js';

export type PifoOverflow = 'evict-worst' | 'tail-drop';

export interface PifoOptions {
  /** Packets the PIFO holds. */
  capacity: number;
  /** Default 'evict-worst'. */
  overflow?: PifoOverflow;
  meter?: InversionMeter | null;
}

export class PifoScheduler extends SchedulerBase implements PacketScheduler {
  readonly kind = 'pifo';
  readonly capacity: number;
  readonly queueCount = 1;
  readonly evictWorst: boolean;
  private readonly handles: Uint32Array;
  private readonly ranks: Float64Array;
  private readonly seqs: Float64Array;
  private readonly minHeap: SlotHeap;
  private readonly maxHeap: SlotHeap;
  private readonly freeSlots: Int32Array;
  private freeTop: number;
  private nextSeq = 0;

  /** COLD. */
  constructor(o: PifoOptions) {
    const overflow = o.overflow ?? 'evict-worst';
    const problems: string[] = [];
    checkInt(problems, 'capacity', o.capacity, 1, 1 << 24);
    if (overflow !== 'evict-worst' && overflow !== 'tail-drop') problems.push(`overflow must be 'evict-worst' or 'tail-drop', got ${String(overflow)}`);
    throwIfProblems('pifo', problems);
    super(o.meter ?? null);
    const c = o.capacity;
    this.capacity = c;
    this.evictWorst = overflow === 'evict-worst';
    this.handles = new Uint32Array(c);
    this.ranks = new Float64Array(c);
    this.seqs = new Float64Array(c);
    this.minHeap = new SlotHeap(c, this.ranks, this.seqs, false);
    this.maxHeap = new SlotHeap(c, this.ranks, this.seqs, true);
    this.freeSlots = new Int32Array(c);
    for (let i = 0; i < c; i++) this.freeSlots[i] = c - 1 - i;
    this.freeTop = c;
  }

  get length(): number {
    return this.minHeap.size;
  }

  /** HOT. */
  occupancy(_q: number): number {
    return this.minHeap.size;
  }

  /** HOT. */
  enqueue(h: number, rank: number, _nowCycles: number): number {
    this.stats.enqueued++;
    if (rank !== rank) return this.refuse(h, rank, DropReason.BadRank);
    let out = ENQUEUE_ACCEPTED;
    if (this.freeTop === 0) {
      if (!this.evictWorst) return this.refuse(h, rank, DropReason.QueueFull);
      const worst = this.maxHeap.top();
      const worstRank = this.ranks[worst]!;
      if (rank >= worstRank) return this.refuse(h, rank, DropReason.PifoEvict);
      out = this.evicted(this.handles[worst]!, worstRank, DropReason.PifoEvict);
      this.release(worst);
    }
    const slot = this.freeSlots[--this.freeTop]!;
    this.handles[slot] = h;
    this.ranks[slot] = rank;
    this.seqs[slot] = this.nextSeq++;
    this.accepted(rank);
    this.minHeap.push(slot);
    this.maxHeap.push(slot);
    return out;
  }

  /** HOT. */
  dequeue(): number {
    if (this.minHeap.size === 0) return EMPTY;
    const slot = this.minHeap.top();
    const h = this.handles[slot]!;
    this.departed(this.ranks[slot]!);
    this.release(slot);
    return h;
  }

  /** HOT: rank of the head without removing it (NaN when empty). */
  peekRank(): number {
    return this.minHeap.size === 0 ? NaN : this.ranks[this.minHeap.top()]!;
  }

  private release(slot: number): void {
    this.minHeap.remove(slot);
    this.maxHeap.remove(slot);
    this.freeSlots[this.freeTop++] = slot;
  }
}
