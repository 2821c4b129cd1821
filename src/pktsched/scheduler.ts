/**
 * The common contract of emu's programmable packet schedulers (one egress
 * queue each): FIFO, strict priority, PIFO, SP-PIFO, AIFO, PACKS.
 *
 * Life cycle:
 *   constructor   COLD: validates the options (throws one RangeError naming
 *                 every problem) and allocates every typed array it will use.
 *   enqueue(h, rank, nowCycles) -> ENQUEUE_ACCEPTED | dropped handle
 *                 HOT: offers packet `h` with `rank` (lower = served earlier).
 *                 Returns ENQUEUE_ACCEPTED (-1) when h was buffered and nothing
 *                 left, otherwise the handle that left the buffer for good:
 *                 h itself (refused) or a buffered packet evicted to make room
 *                 (PIFO). `lastDropReason` then names why (DropReason). The
 *                 caller owns the dropped handle and must free or count it.
 *   dequeue() -> handle | -1
 *                HOT: the next packet to transmit; its rank is left in
 *                `lastDequeuedRank`. -1 when empty.
 * Neither allocates, throws or reads the wall clock. A NaN rank is refused
 * with DropReason.BadRank by every scheduler (FIFO included, so the same
 * stream can be replayed on all of them).
 *
 * Conservation, checkable at every step:
 *   stats.enqueued = stats.dequeued + sum(stats.dropped) + length
 * where `enqueued` counts every offer (accepted or not).
 */

import type { InversionMeter } from './inversion-meter.js';

/** enqueue() result when the packet was buffered and nothing was dropped. */
export const ENQUEUE_ACCEPTED = -1;
/** dequeue() result when the scheduler is empty. */
export const EMPTY = -1;

/** Why a packet left the scheduler without being dequeued. */
export const DropReason = {
  /** PIFO full: the worst (rank, arrival) among buffered + arriving was pushed out. */
  PifoEvict: 0,
  /** The chosen queue (or the whole buffer) had no room. */
  QueueFull: 1,
  /** AIFO refused the rank at its current occupancy (§ AIFO in docs/pktsched.md). */
  AifoAdmission: 2,
  /** PACKS found no queue whose quantile threshold admits the rank. */
  PacksAdmission: 3,
  /** The rank was NaN. */
  BadRank: 4,
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];
/** Counter names, indexed by DropReason. */
export const DROP_REASON_NAMES: readonly string[] = ['pifo-evict', 'queue-full', 'aifo-admission', 'packs-admission', 'bad-rank'];
export const DROP_REASON_COUNT = DROP_REASON_NAMES.length;
/** lastDropReason before the first drop. */
export const NO_DROP = -1;

/** Counters every scheduler keeps (plain numbers: exact up to 2^53). */
export class SchedStats {
  /** Every enqueue() call, accepted or not. */
  enqueued = 0;
  /** Packets handed out by dequeue(). */
  dequeued = 0;
  /** Drops by DropReason (arrivals refused and buffered packets evicted). */
  readonly dropped = new Float64Array(DROP_REASON_COUNT);

  /** COLD: total drops over all reasons. */
  droppedTotal(): number {
    let s = 0;
    for (let i = 0; i < DROP_REASON_COUNT; i++) s += this.dropped[i]!;
    return s;
  }
}

export interface PacketScheduler {
  /** Short name: 'fifo', 'strict-priority', 'pifo', 'sp-pifo', 'aifo', 'packs'. */
  readonly kind: string;
  /** Packets the scheduler can hold in total. */
  readonly capacity: number;
  /** Packets buffered now. */
  readonly length: number;
  /** Internal FIFO queues (1 for FIFO, PIFO and AIFO). */
  readonly queueCount: number;
  readonly stats: SchedStats;
  /** Inversion / per-rank drop metrics, or null when not measured. */
  readonly meter: InversionMeter | null;
  /** Reason of the most recent drop (DropReason), NO_DROP before any. */
  readonly lastDropReason: number;
  /** Rank of the packet the last successful dequeue() returned (NaN before any). */
  readonly lastDequeuedRank: number;
  /** HOT: see the file comment. */
  enqueue(handle: number, rank: number, nowCycles: number): number;
  /** HOT: see the file comment. */
  dequeue(): number;
  /** HOT: packets buffered in internal queue `q` (0 = highest priority). */
  occupancy(q: number): number;
}
