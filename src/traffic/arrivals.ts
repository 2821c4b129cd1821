/**
 * Packet arrival processes. Gaps are in (fractional) cycles of the virtual
 * clock; the NIC turns them into integer timestamps. Rates are converted to
 * gaps elsewhere (units module / NIC), so this file knows nothing about Hz.
 */

import type { Prng } from '../util/prng.js';

/** Inter-arrival process in fractional cycles; the NIC converts to integer timestamps. */
export interface ArrivalProcess {
  /** HOT: the gap before the next packet, in cycles (> 0 for Poisson, == mean for constant). */
  nextGapCycles(): number;
  readonly meanGapCycles: number;
}

/** COLD: shared argument check. */
function checkMeanGap(kind: string, meanGapCycles: number): void {
  if (typeof meanGapCycles !== 'number' || !Number.isFinite(meanGapCycles) || !(meanGapCycles > 0)) {
    throw new RangeError(`${kind}: meanGapCycles must be a finite number > 0, got ${meanGapCycles}`);
  }
}

/**
 * Evenly spaced packets. Summing nextGapCycles() would accumulate rounding
 * error when the gap is not an integer; use timeOfCycles(i) instead, which
 * computes i * gap directly (one rounding, never drifts).
 */
export class ConstantArrivals implements ArrivalProcess {
  /** COLD. */
  constructor(readonly meanGapCycles: number) {
    checkMeanGap('ConstantArrivals', meanGapCycles);
  }

  /** HOT: always the mean gap; draws nothing. */
  nextGapCycles(): number {
    return this.meanGapCycles;
  }

  /** HOT: offset of packet i (0-based) from the start, in fractional cycles: i * gap. */
  timeOfCycles(i: number): number {
    return i * this.meanGapCycles;
  }
}

/**
 * A Poisson process: exponential gaps with the given mean, drawn from the
 * PRNG (two draws per gap; see Prng.nextExp for the Math.log caveat). Give it
 * its own fork of the run's PRNG so arrivals and other choices do not shift
 * each other's streams.
 */
export class PoissonArrivals implements ArrivalProcess {
  /** COLD. */
  constructor(
    readonly meanGapCycles: number,
    private readonly prng: Prng,
  ) {
    checkMeanGap('PoissonArrivals', meanGapCycles);
  }

  /** HOT: an exponential gap, > 0. */
  nextGapCycles(): number {
    return this.prng.nextExp(this.meanGapCycles);
  }
}
