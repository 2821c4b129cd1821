/**
 * PACKS [PACKS]: strict-priority queues with AIFO-style admission *and*
 * quantile-based queue mapping, so it approximates both PIFO behaviours
 * (which packets enter, and in what order they leave).
 *
 * n queues of K packets, total B = n*K, b = packets buffered now, burst
 * allowance k, q(r) from a RankWindow (tested before r is sampled):
 *   queue i is eligible  <=>  q(r) < (1 / (1 - k)) * ((i + 1) / n) * (B - b) / B
 * The packet goes into the first eligible queue, from i = 0 toward n-1, that
 * has room; no eligible queue -> drop (packs-admission); eligible queues all
 * full -> drop (queue-full). For i = n-1 the test is AIFO's admission test
 * over the whole buffer.
 * Source: the "Quantiles" mapping of a public Netbench PACKS port; the PACKS
 * paper body was not available, so this exact formula (share (i+1)/n of the
 * total free space, rather than per-queue occupancy) is unverified. See
 * docs/pktsched.md.
 */

import type { InversionMeter } from './inversion-meter.js';
import { BankScheduler } from './bank-scheduler.js';
import { MAX_QUEUES } from './queue-bank.js';
import { RankWindow } from './rank-window.js';
import { DropReason, ENQUEUE_ACCEPTED, type PacketScheduler } from './scheduler.js';
import { checkInt, throwIfProblems } from './scheduler-base.js';

export interface PacksOptions {
  /** Number of queues n, 1..32 (8 in the §4.7 microbenchmark). */
  queues: number;
  /** Packets per queue K. */
  perQueueCapacity: number;
  /** Window size W; default 20 (as [AIFO]). */
  windowSize?: number;
  /** Sample one arrival in this many; default 1 (every packet). */
  sampleEvery?: number;
  /** Burst allowance k in [0, 1); default 0.1 (as [AIFO]). */
  burstAllowance?: number;
  meter?: InversionMeter | null;
}

export class PacksScheduler extends BankScheduler implements PacketScheduler {
  readonly kind = 'packs';
  readonly window: RankWindow;
  private readonly scale: number;

  /** COLD. */
  constructor(o: PacksOptions) {
    const windowSize = o.windowSize ?? 20;
    const sampleEvery = o.sampleEvery ?? 1;
    const k = o.burstAllowance ?? 0.1;
    const problems: string[] = [];
    checkInt(problems, 'queues', o.queues, 1, MAX_QUEUES);
    checkInt(problems, 'perQueueCapacity', o.perQueueCapacity, 1, 1 << 20);
    checkInt(problems, 'windowSize', windowSize, 1, 1 << 16);
    checkInt(problems, 'sampleEvery', sampleEvery, 1, 1 << 30);
    if (!(k >= 0 && k < 1)) problems.push(`burstAllowance must be in [0, 1), got ${k}`);
    throwIfProblems('packs', problems);
    super(o.queues, o.perQueueCapacity, o.meter ?? null);
    this.window = new RankWindow(windowSize, sampleEvery);
    this.scale = 1 / (1 - k);
  }

  /**
   * HOT: the first queue whose threshold admits rank r at total occupancy b,
   * or -1 (no side effects; ignores whether that queue has room).
   */
  firstEligible(rank: number, b: number): number {
    const n = this.queueCount;
    const free = (this.scale * (this.capacity - b)) / this.capacity;
    const q = this.window.quantileBelow(rank);
    for (let i = 0; i < n; i++) if (q < (free * (i + 1)) / n) return i;
    return -1;
  }

  /** HOT. */
  enqueue(h: number, rank: number, _nowCycles: number): number {
    this.stats.enqueued++;
    if (rank !== rank) return this.refuse(h, rank, DropReason.BadRank);
    const first = this.firstEligible(rank, this.bank.total);
    this.window.observe(rank);
    if (first < 0) return this.refuse(h, rank, DropReason.PacksAdmission);
    // Thresholds grow with i, so every queue from `first` on is eligible.
    for (let i = first; i < this.queueCount; i++) {
      if (this.bank.hasRoom(i)) {
        this.put(i, h, rank);
        return ENQUEUE_ACCEPTED;
      }
    }
    return this.refuse(h, rank, DropReason.QueueFull);
  }
}
