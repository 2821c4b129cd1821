/**
 * Frame-size mixes and a deterministic sampler for them.
 *
 * Frame sizes are Ethernet frame lengths *including* the 4-byte FCS and
 * excluding preamble/SFD and inter-frame gap (the NIC adds those 20 bytes of
 * wire overhead). Accepted range: 64 (the IEEE 802.3 minimum frame) to 1522
 * (a maximum 1518-byte frame plus one 802.1Q tag). Jumbo frames are not
 * supported yet.
 */

import type { Prng } from '../util/prng.js';

export const MIN_FRAME_BYTES = 64;
export const MAX_FRAME_BYTES = 1522;

/** Parallel arrays: size k is drawn with probability weights[k] / sum(weights). Treat as immutable. */
export interface SizeMix {
  frameBytes: Uint16Array;
  weights: Float64Array;
}

/** COLD: a mix of one size. */
export function fixedSize(frameBytes: number): SizeMix {
  return sizeMixFrom([{ bytes: frameBytes, weight: 1 }]);
}

/**
 * COLD: build a mix from a list, checking every entry; throws one RangeError
 * that names each bad entry (`sizes[2].bytes: ...`).
 */
export function sizeMixFrom(list: readonly { bytes: number; weight: number }[]): SizeMix {
  const problems: string[] = [];
  if (list.length === 0) problems.push('the list is empty');
  const seen = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < list.length; i++) {
    const { bytes, weight } = list[i]!;
    if (!Number.isInteger(bytes) || bytes < MIN_FRAME_BYTES || bytes > MAX_FRAME_BYTES) {
      problems.push(`sizes[${i}].bytes must be an integer in ${MIN_FRAME_BYTES}..${MAX_FRAME_BYTES} (frame length with FCS), got ${bytes}`);
    } else if (seen.has(bytes)) {
      problems.push(`sizes[${i}].bytes ${bytes} repeats sizes[${seen.get(bytes)}]; merge their weights`);
    } else {
      seen.set(bytes, i);
    }
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      problems.push(`sizes[${i}].weight must be a finite number >= 0, got ${weight}`);
    } else {
      total += weight;
    }
  }
  if (list.length > 0 && problems.length === 0 && !(total > 0)) {
    problems.push('the weights sum to 0; at least one must be positive');
  }
  if (problems.length > 0) throw new RangeError(`invalid size mix: ${problems.join('; ')}`);
  return {
    frameBytes: Uint16Array.from(list, (e) => e.bytes),
    weights: Float64Array.from(list, (e) => e.weight),
  };
}

/**
 * Simple IMIX, 7:4:1 by packet count, of 64-, 594- and 1518-byte frames.
 * The middle size is the 576-byte IP datagram every host must accept
 * (RFC 791; RFC 879's default) in a 14-byte Ethernet header plus 4-byte FCS:
 * 14 + 576 + 4 = 594. The same frames (60/590/1514 bytes before the NIC adds
 * the FCS, packet rates 28:16:4) are TRex's stock IMIX profile
 * (cisco-system-traffic-generator/trex-core, scripts/stl/imix.py).
 * Mean frame: (7*64 + 4*594 + 1518) / 12 = 361.83 bytes.
 */
export const IMIX_SIMPLE: SizeMix = sizeMixFrom([
  { bytes: 64, weight: 7 },
  { bytes: 594, weight: 4 },
  { bytes: 1518, weight: 1 },
]);

/** COLD: weighted mean frame length of a mix, in bytes (exact weights, not the sampler's quantised ones). */
export function meanFrameBytesOf(mix: SizeMix): number {
  let sum = 0;
  let total = 0;
  for (let i = 0; i < mix.frameBytes.length; i++) {
    sum += mix.frameBytes[i]! * mix.weights[i]!;
    total += mix.weights[i]!;
  }
  return sum / total;
}

const TWO_POW_32 = 4294967296;

/**
 * Draws frame sizes from a mix: one nextU32 per frame, compared against a
 * cumulative table of integer thresholds (binary search). Probabilities are
 * therefore quantised to multiples of 2^-32 — exact enough, and integer
 * comparisons make the choice identical everywhere.
 *
 * A mix with a single size (or a single positive weight) never draws from the
 * PRNG, so a fixed-size run consumes exactly the same random stream as it
 * would with no size sampler at all: switching between fixed sizes cannot
 * perturb arrival times or flow choice drawn from the same generator.
 */
export class SizeSampler {
  private readonly sizes: Uint16Array;
  /** cumU32[k] = round(2^32 * (w0 + ... + wk) / total); the last entry is exactly 2^32. */
  private readonly cumU32: Float64Array;
  /** The size to return without drawing, or -1 when the mix really varies. */
  private readonly onlyBytes: number;
  private readonly meanBytes: number;

  /** COLD. */
  constructor(
    mix: SizeMix,
    private readonly prng: Prng,
  ) {
    const n = mix.frameBytes.length;
    if (n === 0 || mix.weights.length !== n) {
      throw new RangeError(`SizeSampler: mix needs matching, non-empty frameBytes and weights (got ${n} and ${mix.weights.length})`);
    }
    let total = 0;
    let positive = 0;
    let lastPositive = 0;
    for (let i = 0; i < n; i++) {
      const w = mix.weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`SizeSampler: weights[${i}] must be a finite number >= 0, got ${w}`);
      total += w;
      if (w > 0) {
        positive++;
        lastPositive = i;
      }
    }
    if (!(total > 0)) throw new RangeError('SizeSampler: the weights sum to 0');
    this.sizes = Uint16Array.from(mix.frameBytes);
    this.cumU32 = new Float64Array(n);
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += mix.weights[i]!;
      this.cumU32[i] = Math.round((acc / total) * TWO_POW_32);
    }
    // Entries after the last positive weight share its threshold; making it
    // exactly 2^32 guarantees the search always lands on a drawable size.
    for (let i = lastPositive; i < n; i++) this.cumU32[i] = TWO_POW_32;
    this.onlyBytes = positive === 1 ? this.sizes[lastPositive]! : -1;
    this.meanBytes = meanFrameBytesOf(mix);
  }

  /** HOT: the next frame length in bytes. */
  next(): number {
    if (this.onlyBytes >= 0) return this.onlyBytes;
    const x = this.prng.nextU32();
    const cum = this.cumU32;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (x < cum[mid]!) hi = mid;
      else lo = mid + 1;
    }
    return this.sizes[lo]!;
  }

  /** COLD: the mix's exact weighted mean frame length in bytes. */
  meanFrameBytes(): number {
    return this.meanBytes;
  }
}
