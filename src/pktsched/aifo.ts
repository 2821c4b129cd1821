/**
 * AIFO [AIFO]: one FIFO plus rank-quantile admission control. It chooses
 * *which* packets enter (PIFO-like drops) but cannot reorder them.
 *
 * Arrival of rank r with c packets buffered, capacity C, burst allowance k:
 *   c >= C                                   -> drop (queue-full)
 *   c <= k*C                                 -> admit (headroom for bursts)
 *   q(r) < (1 / (1 - k)) * (C - c) / C       -> admit   (strict <)
 *   otherwise                                -> drop (aifo-admission)
 * q(r) is RankWindow.quantileBelow, evaluated before the arrival is sampled.
 * Defaults are the published ones: W = 20, sample every 15th, k = 0.1 [AIFO].
 */

import type { InversionMeter } from './inversion-meter.js';
import { BankScheduler } from './bank-scheduler.js';
import { RankWindow } from './rank-window.js';
import { DropReason, ENQUEUE_ACCEPTED, type PacketScheduler } from './scheduler.js';
import { checkInt, throwIfProblems } from './scheduler-base.js';

export interface AifoOptions {
  /** Queue capacity C in packets (20 in the [AIFO] 10G/40G runs). */
  capacity: number;
  /** Window size W; default 20 [AIFO]. */
  windowSize?: number;
  /** Sample one arrival in this many; default 15 [AIFO]. 1 = every packet. */
  sampleEvery?: number;
  /** Burst allowance k in [0, 1); default 0.1 [AIFO]. */
  burstAllowance?: number;
  meter?: InversionMeter | null;
}

export class AifoScheduler extends BankScheduler implements PacketScheduler {
  readonly kind = 'aifo';
  readonly window: RankWindow;
  readonly burstAllowance: number;
  /** k * C: at or below this occupancy everything is admitted. */
  private readonly headroom: number;
  /** 1 / (1 - k), precomputed. */
  private readonly scale: number;

  /** COLD. */
  constructor(o: AifoOptions) {
    const windowSize = o.windowSize ?? 20;
    const sampleEvery = o.sampleEvery ?? 15;
    const k = o.burstAllowance ?? 0.1;
    const problems: string[] = [];
    checkInt(problems, 'capacity', o.capacity, 1, 1 << 24);
    checkInt(problems, 'windowSize', windowSize, 1, 1 << 16);
    checkInt(problems, 'sampleEvery', sampleEvery, 1, 1 << 30);
    if (!(k >= 0 && k < 1)) problems.push(`burstAllowance must be in [0, 1), got ${k}`);
    throwIfProblems('aifo', problems);
    super(1, o.capacity, o.meter ?? null);
    this.window = new RankWindow(windowSize, sampleEvery);
    this.burstAllowance = k;
    this.headroom = k * o.capacity;
    this.scale = 1 / (1 - k);
  }

  /** HOT: would rank r be admitted at occupancy c? (no side effects) */
  admits(rank: number, c: number): boolean {
    if (c >= this.capacity) return false;
    if (c <= this.headroom) return true;
    return this.window.quantileBelow(rank) < (this.scale * (this.capacity - c)) / this.capacity;
  }

  /** HOT. */
  enqueue(h: number, rank: number, _nowCycles: number): number {
    this.stats.enqueued++;
    if (rank !== rank) return this.refuse(h, rank, DropReason.BadRank);
    const c = this.bank.total;
    const ok = this.admits(rank, c);
    this.window.observe(rank); // after the test, admitted or not
    if (!ok) return this.refuse(h, rank, c >= this.capacity ? DropReason.QueueFull : DropReason.AifoAdmission);
    this.put(0, h, rank);
    return ENQUEUE_ACCEPTED;
  }
}
