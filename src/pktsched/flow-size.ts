/**
 * Flow-size distributions for open-loop traffic (docs/pktsched.md,
 * "Flow sizes"), sampled with the seeded Prng by inverting the CDF.
 *
 * Two shapes:
 *   'interpolated'  a piecewise-linear CDF through (value, cdf) points, as
 *                   ns-2's empirical random variable reads the pFabric/PIAS
 *                   CDF files. Two points with the same value form a point
 *                   mass (the data-mining table starts with 50 % at 1 packet).
 *   'discrete'      each CDF step is a point mass at the step's value
 *                   (Netbench's "lower bound" style discretisation).
 * Samples are real numbers (no rounding): callers that need whole packets
 * round up, which moves the mean by less than one packet.
 */

import type { Prng } from '../util/prng.js';

export type FlowSizeShape = 'interpolated' | 'discrete';

export interface FlowSizeTable {
  name: string;
  /** 'packets' (of 1460 B payload) or 'bytes'. */
  unit: 'packets' | 'bytes';
  shape: FlowSizeShape;
  /** Where the numbers come from. */
  source: string;
  /** Ascending values, with cdf[i] the probability of a size <= values[i]; cdf ends at 1. */
  values: readonly number[];
  cdf: readonly number[];
}

/** MSS used by the packet tables ([pFabric] ns-2 scripts: 1460 B payload). */
export const DATA_MINING_PAYLOAD_BYTES = 1460;

/** Data mining (VL2 trace) in packets, as the [pFabric]/PIAS ns-2 scripts give it (CDF_vl2.tcl). Mean ~5117 packets. */
export const DATA_MINING_PACKETS: FlowSizeTable = {
  name: 'data-mining',
  unit: 'packets',
  shape: 'interpolated',
  source: '[pFabric] ns-2 data-mining CDF (VL2 trace), CDF_vl2.tcl in public pFabric/PIAS/MQ-ECN ns-2 scripts',
  values: [1, 1, 2, 3, 7, 267, 2107, 66667, 666667],
  cdf: [0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1],
};

/**
 * The packet table with all mass above 2107 packets moved onto 2107: still
 * heavy tailed (mean ~180 packets) but thousands of flows fit in seconds of
 * virtual time. Our truncation, recommended for emu scenarios.
 */
export const DATA_MINING_PACKETS_TRUNCATED: FlowSizeTable = {
  name: 'data-mining-truncated',
  unit: 'packets',
  shape: 'interpolated',
  source: 'DATA_MINING_PACKETS truncated at 2107 packets (emu choice)',
  values: [1, 1, 2, 3, 7, 267, 2107, 2107],
  cdf: [0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1],
};

/** The same distribution in bytes (the comment table of the [SP-PIFO] Netbench code). */
export const DATA_MINING_BYTES: FlowSizeTable = {
  name: 'data-mining-bytes',
  unit: 'bytes',
  shape: 'interpolated',
  source: '[SP-PIFO] Netbench data-mining flow-size table (bytes)',
  values: [0, 180, 216, 560, 900, 1100, 1870, 3160, 10000, 400000, 3.16e6, 1e8, 1e9],
  cdf: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 1],
};

/**
 * Netbench "lower bound" discretisation of the byte table, used by every
 * [SP-PIFO] data-mining run config: each step's mass sits on its lower end
 * (10 % at 1 B, ..., 2 % at 100 MB). Mean 2 116 598.7 B.
 */
export const DATA_MINING_LOWER_BOUND: FlowSizeTable = {
  name: 'data-mining-lower-bound',
  unit: 'bytes',
  shape: 'discrete',
  source: '[SP-PIFO] Netbench data-mining "lower bound" discretisation',
  values: [1, 180, 216, 560, 900, 1100, 1870, 3160, 10000, 400000, 3.16e6, 1e8],
  cdf: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 1],
};

/** Netbench "upper bound": the same steps with the mass on their upper end (10 % at 180 B, ..., 2 % at 1 GB). Mean 23 199 798.6 B. */
export const DATA_MINING_UPPER_BOUND: FlowSizeTable = {
  name: 'data-mining-upper-bound',
  unit: 'bytes',
  shape: 'discrete',
  source: '[SP-PIFO] Netbench data-mining "upper bound" discretisation',
  values: [180, 216, 560, 900, 1100, 1870, 3160, 10000, 400000, 3.16e6, 1e8, 1e9],
  cdf: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 1],
};

/** Netbench "Albert" packet discretisation of the packet table. Mean 9467 packets. */
export const DATA_MINING_ALBERT: FlowSizeTable = {
  name: 'data-mining-albert',
  unit: 'packets',
  shape: 'discrete',
  source: '[SP-PIFO] Netbench data-mining "Albert" packet discretisation',
  values: [1, 2, 3, 7, 267, 2107, 66667, 666667],
  cdf: [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1],
};

/** Web search (DCTCP trace) in bytes, as the [pFabric]-style studies use it. */
export const WEB_SEARCH_BYTES: FlowSizeTable = {
  name: 'web-search',
  unit: 'bytes',
  shape: 'interpolated',
  source: '[pFabric] web-search CDF (DCTCP trace), bytes',
  values: [0, 10000, 20000, 30000, 50000, 80000, 200000, 1e6, 2e6, 5e6, 1e7, 3e7],
  cdf: [0, 0.15, 0.2, 0.3, 0.4, 0.53, 0.6, 0.7, 0.8, 0.9, 0.97, 1],
};

export const FLOW_SIZE_TABLES: readonly FlowSizeTable[] = [
  DATA_MINING_PACKETS,
  DATA_MINING_PACKETS_TRUNCATED,
  DATA_MINING_BYTES,
  DATA_MINING_LOWER_BOUND,
  DATA_MINING_UPPER_BOUND,
  DATA_MINING_ALBERT,
  WEB_SEARCH_BYTES,
];

/** A table ready for sampling (typed arrays; sample() allocates nothing). */
export class FlowSizeDistribution {
  readonly table: FlowSizeTable;
  private readonly values: Float64Array;
  private readonly cdf: Float64Array;
  private readonly discrete: boolean;

  /** COLD: validates the table. */
  constructor(table: FlowSizeTable) {
    const v = table.values;
    const c = table.cdf;
    const problems: string[] = [];
    if (v.length === 0 || v.length !== c.length) problems.push('values and cdf must be non-empty and of equal length');
    for (let i = 1; i < v.length; i++) {
      if (!(v[i]! >= v[i - 1]!)) problems.push(`values[${i}] must be >= values[${i - 1}]`);
      if (!(c[i]! >= c[i - 1]!)) problems.push(`cdf[${i}] must be >= cdf[${i - 1}]`);
    }
    if (c.length > 0 && c[c.length - 1] !== 1) problems.push('the last cdf point must be 1');
    if (c.length > 0 && !(c[0]! >= 0)) problems.push('cdf[0] must be >= 0');
    if (problems.length > 0) throw new RangeError(`flow-size table ${table.name}: ${problems.join('; ')}`);
    this.table = table;
    this.values = Float64Array.from(v);
    this.cdf = Float64Array.from(c);
    this.discrete = table.shape === 'discrete';
  }

  /** HOT: the size at cumulative probability u in [0, 1). */
  quantile(u: number): number {
    const c = this.cdf;
    const n = c.length;
    // First index with cdf > u (upper bound); exists because cdf[n-1] = 1 > u.
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    if (this.discrete || lo === 0) return this.values[lo]!;
    const c0 = c[lo - 1]!;
    const v0 = this.values[lo - 1]!;
    return v0 + ((u - c0) / (c[lo]! - c0)) * (this.values[lo]! - v0);
  }

  /** HOT: one sample (two Prng draws, nextFloat). */
  sample(prng: Prng): number {
    return this.quantile(prng.nextFloat());
  }

  /** COLD: the exact mean of the distribution. */
  mean(): number {
    const v = this.values;
    const c = this.cdf;
    let m = v[0]! * c[0]!; // mass at the first point (0 for the interpolated tables that start at cdf 0)
    for (let i = 1; i < v.length; i++) {
      const p = c[i]! - c[i - 1]!;
      m += this.discrete ? p * v[i]! : (p * (v[i]! + v[i - 1]!)) / 2;
    }
    return m;
  }

  /** COLD: P(size <= x). */
  cdfAt(x: number): number {
    const v = this.values;
    const c = this.cdf;
    if (x < v[0]!) return 0;
    let p = c[0]!;
    for (let i = 1; i < v.length; i++) {
      if (x >= v[i]!) p = c[i]!;
      else {
        if (!this.discrete && v[i]! > v[i - 1]!) p = c[i - 1]! + ((x - v[i - 1]!) / (v[i]! - v[i - 1]!)) * (c[i]! - c[i - 1]!);
        break;
      }
    }
    return p;
  }
}
