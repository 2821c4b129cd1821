/**
 * Log-linear latency histogram (the HdrHistogram idea, written for emu).
 *
 * Values are non-negative integers (latency in cycles or ns). The value range
 * is cut into power-of-two *buckets*; each bucket is cut into equal-width
 * *sub-buckets*, enough of them that the width of any sub-bucket is at most
 * 10^-significantDigits of the values it holds. Every sub-bucket has one
 * counter in a single flat, preallocated array (a "slot").
 *
 *   slot:   0 ........ 2047 | 2048 ..... 3071 | 3072 ..... 4095 | ...
 *   value:  0 ........ 2047 | 2048 ..... 4094 | 4096 ..... 8188 | ...
 *   width:  1 (exact)       | 2               | 4               | ...
 *                 (numbers for significantDigits = 3)
 *
 * Bucket 0 holds the whole sub-bucket range [0, 2^m) at width 1; bucket b >= 1
 * holds [2^(m-1+b), 2^(m+b)) at width 2^b, i.e. only the upper half of its
 * sub-buckets (the lower half would duplicate bucket b-1). So the slot of a
 * value v in bucket b is simply (b << (m-1)) + (v >> b): no lookup tables,
 * no loops, one Math.clz32.
 *
 * Counts live in a Uint32Array: at 3 digits over 2^48 that is 39,936 slots,
 * 156 KiB, where a Float64Array would be 312 KiB. A slot that passes
 * 2^32 - 1 spills its high part into a small Map (see `spill`); this is the
 * only allocation `record` can ever make, at most once per slot per 4.3
 * billion records in that one slot.
 *
 * No `node:*` imports: this file runs inside worker threads on hot paths.
 */

export type SignificantDigits = 1 | 2 | 3;

/** All-optional input; see `ResolvedLatencyHistogramOptions` for defaults. */
export interface LatencyHistogramOptions {
  /** Decimal digits of relative precision: error <= 10^-digits. Default 3. */
  significantDigits?: SignificantDigits;
  /** Largest recordable value; larger ones are clamped to it and counted. Default 2^48 - 1. */
  maxValue?: number;
}

export interface ResolvedLatencyHistogramOptions {
  significantDigits: SignificantDigits;
  maxValue: number;
}

/** Plain-JSON form. `buckets` is sparse: [slotIndex, count] for non-empty slots, ascending. */
export interface LatencyHistogramJSON {
  significantDigits: number;
  maxValue: number;
  count: number;
  /** Exact smallest recorded value; 0 when count is 0 (JSON has no NaN). */
  min: number;
  /** Exact largest recorded value; 0 when count is 0. */
  max: number;
  sum: number;
  /** Optional on input (default 0) so hand-written JSON without them still loads. */
  invalid?: number;
  clamped?: number;
  buckets: [number, number][];
}

/**
 * Compact transport between threads (structured-clone friendly; the caller
 * may put `counts.buffer` in the transfer list). `counts` is a copy of slots
 * `firstIndex .. firstIndex + counts.length - 1`, i.e. only the slots between
 * the min and max values, as Float64 so counts above 2^32 need no side table.
 */
export interface LatencyHistogramSnapshot {
  significantDigits: SignificantDigits;
  maxValue: number;
  count: number;
  /** NaN when count is 0 (structured clone keeps NaN). */
  min: number;
  max: number;
  sum: number;
  invalid: number;
  clamped: number;
  firstIndex: number;
  counts: Float64Array;
}

/**
 * 2^48 - 1: about 26 hours of virtual time at 3 GHz in cycles, 78 hours in
 * ns; far beyond "seconds", while keeping the counts array at 156 KiB.
 */
export const DEFAULT_MAX_VALUE = 2 ** 48 - 1;

const TWO_POW_32 = 4294967296;
const U32_MAX = 0xffffffff;
const INV_TWO_POW_32 = 1 / TWO_POW_32;

/**
 * Sub-bucket magnitude m per significant digits d: the smallest power of two
 * with 2^m >= 2 * 10^d, so that the upper half of a bucket (2^(m-1) >= 10^d
 * sub-buckets) keeps the width below 10^-d of the value. Written out rather
 * than computed with Math.log2 to avoid float edge cases.
 */
const SUB_BUCKET_MAGNITUDE: Record<SignificantDigits, number> = { 1: 5, 2: 8, 3: 11 };

/** Exact powers of two 2^i and 2^-i (multiplying by them never rounds). */
const POW2 = new Float64Array(64);
const INV_POW2 = new Float64Array(64);
for (let i = 0; i < 64; i++) {
  POW2[i] = 2 ** i;
  INV_POW2[i] = 2 ** -i;
}

function isSignificantDigits(d: unknown): d is SignificantDigits {
  return d === 1 || d === 2 || d === 3;
}

function isNonNegativeInteger(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** Log-linear histogram of non-negative integer values (e.g. latency in cycles). */
export class LatencyHistogram {
  readonly significantDigits: SignificantDigits;
  readonly maxValue: number;
  /** Number of count slots (the length of the preallocated array). */
  readonly bucketCount: number;

  private readonly subBucketMagnitude: number;
  private readonly halfMagnitude: number;
  private readonly subBucketMask: number;
  private readonly counts: Uint32Array;
  /** slot -> multiples of 2^32 that did not fit in `counts[slot]`. Almost always empty. */
  private readonly overflow = new Map<number, number>();

  private _count = 0;
  private _sum = 0;
  // Sentinels make the hot-path comparisons branch-free of "is this the first value?".
  private _min = Infinity;
  private _max = -Infinity;
  private _invalid = 0;
  private _clamped = 0;

  /** COLD: allocates the counts array; throws on bad options. */
  constructor(opts: LatencyHistogramOptions = {}) {
    const significantDigits = opts.significantDigits ?? 3;
    const maxValue = opts.maxValue ?? DEFAULT_MAX_VALUE;
    const problems: string[] = [];
    if (!isSignificantDigits(significantDigits)) {
      problems.push(`options.significantDigits must be 1, 2 or 3 (got ${String(significantDigits)})`);
    }
    if (!isNonNegativeInteger(maxValue) || maxValue < 1) {
      problems.push(`options.maxValue must be an integer in [1, 2^53 - 1] (got ${String(maxValue)})`);
    }
    if (problems.length > 0) throw new RangeError(problems.join('; '));

    this.significantDigits = significantDigits;
    this.maxValue = maxValue;
    this.subBucketMagnitude = SUB_BUCKET_MAGNITUDE[significantDigits];
    this.halfMagnitude = this.subBucketMagnitude - 1;
    this.subBucketMask = (1 << this.subBucketMagnitude) - 1;
    this.bucketCount = this.slotOf(maxValue) + 1;
    this.counts = new Uint32Array(this.bucketCount);
  }

  get count(): number {
    return this._count;
  }
  /** Exact smallest recorded value (after clamping); NaN when empty. */
  get min(): number {
    return this._count === 0 ? NaN : this._min;
  }
  /** Exact largest recorded value (after clamping); NaN when empty. */
  get max(): number {
    return this._count === 0 ? NaN : this._max;
  }
  /** Exact sum of recorded values while it stays below 2^53. */
  get sum(): number {
    return this._sum;
  }
  /** Records of negative, NaN or infinite values (recorded as 0, included in `count`). */
  get invalid(): number {
    return this._invalid;
  }
  /** Records above `maxValue` (recorded as `maxValue`, included in `count`). */
  get clamped(): number {
    return this._clamped;
  }

  /**
   * HOT: no allocation (see the file comment for the one 2^32 exception), no
   * throw. Fractions are truncated toward zero; out-of-range values are
   * recorded at the nearest bound and counted in `invalid` / `clamped`.
   */
  record(value: number): void {
    // NaN fails both comparisons, so it takes the rare path with the rest.
    const v = value >= 0 && value <= this.maxValue ? Math.floor(value) : this.outOfRange(value, 1);
    const slot = this.slotOf(v);
    const c = this.counts[slot]! + 1;
    if (c > U32_MAX) this.spill(slot, c);
    else this.counts[slot] = c;
    this._count++;
    this._sum += v;
    if (v < this._min) this._min = v;
    if (v > this._max) this._max = v;
  }

  /**
   * HOT: records `value` n times. n is truncated to an integer; n < 1 (or
   * NaN, or above 2^53 - 1) records nothing: the data path does not throw.
   */
  recordN(value: number, n: number): void {
    if (!(n >= 1 && n <= Number.MAX_SAFE_INTEGER)) return;
    const times = Math.floor(n);
    const v = value >= 0 && value <= this.maxValue ? Math.floor(value) : this.outOfRange(value, times);
    const slot = this.slotOf(v);
    const c = this.counts[slot]! + times;
    if (c > U32_MAX) this.spill(slot, c);
    else this.counts[slot] = c;
    this._count += times;
    this._sum += v * times;
    if (v < this._min) this._min = v;
    if (v > this._max) this._max = v;
  }

  /** Mean of the exact recorded values (after clamping); NaN when empty. */
  mean(): number {
    return this._count === 0 ? NaN : this._sum / this._count;
  }

  /**
   * COLD: population standard deviation, NaN when empty. Computed from the
   * buckets (each slot's midpoint, kept inside [min, max]) around the exact
   * mean, so it carries the histogram's relative error but needs no
   * sum-of-squares on the hot path (which would lose precision at 2^96).
   */
  stddev(): number {
    if (this._count === 0) return NaN;
    const mean = this._sum / this._count;
    const last = this.slotOf(this._max);
    let acc = 0;
    for (let s = this.slotOf(this._min); s <= last; s++) {
      const c = this.slotCount(s);
      if (c === 0) continue;
      let mid = this.lowestOfSlot(s) + (this.widthOfSlot(s) - 1) / 2;
      if (mid < this._min) mid = this._min;
      if (mid > this._max) mid = this._max;
      const d = mid - mean;
      acc += c * d * d;
    }
    return Math.sqrt(acc / this._count);
  }

  /**
   * COLD: nearest-rank percentile. With rank = max(1, ceil(p * count / 100)),
   * finds the slot holding the rank-th smallest value and returns the highest
   * value in that slot, capped at `max`. So the answer is never below the true
   * percentile (tail latency is never under-reported) and above it by less
   * than 10^-significantDigits relative (values below 2^m, e.g. < 2048 at
   * 3 digits, are exact).
   * p = 0 returns the exact `min`, p = 100 the exact `max`.
   * Empty histogram: NaN (0 would read as a real zero latency).
   * Throws RangeError when p is not in [0, 100].
   */
  valueAtPercentile(p: number): number {
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100] (got ${String(p)})`);
    if (this._count === 0) return NaN;
    if (p === 0) return this._min;
    // p * count / 100 rather than p / 100 * count: 99.9 / 100 * 1000 rounds
    // to 999.0000000000001 and would push the rank up by one.
    const rank = Math.max(1, Math.ceil((p * this._count) / 100));
    const last = this.slotOf(this._max);
    let seen = 0;
    for (let s = this.slotOf(this._min); s <= last; s++) {
      seen += this.slotCount(s);
      if (seen >= rank) return Math.min(this.lowestOfSlot(s) + this.widthOfSlot(s) - 1, this._max);
    }
    return this._max; // unreachable while counts and _count agree
  }

  /** Smallest value that shares a slot with `value` (sanitised as `record` would first). */
  lowestEquivalentValue(value: number): number {
    return this.lowestOfSlot(this.slotOf(this.clampForQuery(value)));
  }

  /** Largest value that shares a slot with `value` (may exceed maxValue in the last slot). */
  highestEquivalentValue(value: number): number {
    const s = this.slotOf(this.clampForQuery(value));
    return this.lowestOfSlot(s) + this.widthOfSlot(s) - 1;
  }

  /** COLD: adds `other` into this one. Throws when the configurations differ. */
  merge(other: LatencyHistogram): void {
    this.requireSameConfig(other.significantDigits, other.maxValue);
    if (other._count === 0) return;
    const last = other.slotOf(other._max);
    for (let s = other.slotOf(other._min); s <= last; s++) {
      const c = other.slotCount(s);
      if (c !== 0) this.addToSlot(s, c);
    }
    this.addStats(other._count, other._min, other._max, other._sum, other._invalid, other._clamped);
  }

  /** COLD: like `merge`, from a snapshot received from another thread, without building a histogram. */
  mergeSnapshot(snap: LatencyHistogramSnapshot): void {
    this.requireSameConfig(snap.significantDigits, snap.maxValue);
    if (snap.firstIndex < 0 || snap.firstIndex + snap.counts.length > this.bucketCount) {
      throw new RangeError(
        `snapshot slots ${snap.firstIndex}..${snap.firstIndex + snap.counts.length - 1} exceed ${this.bucketCount} slots`,
      );
    }
    if (snap.count === 0) return;
    for (let i = 0; i < snap.counts.length; i++) {
      const c = snap.counts[i]!;
      if (c !== 0) this.addToSlot(snap.firstIndex + i, c);
    }
    this.addStats(snap.count, snap.min, snap.max, snap.sum, snap.invalid, snap.clamped);
  }

  /** COLD: back to empty, keeping the configuration and the array. */
  reset(): void {
    if (this._count > 0) this.counts.fill(0, this.slotOf(this._min), this.slotOf(this._max) + 1);
    this.overflow.clear();
    this._count = 0;
    this._sum = 0;
    this._min = Infinity;
    this._max = -Infinity;
    this._invalid = 0;
    this._clamped = 0;
  }

  /** COLD: a copy of the non-empty slot range plus the stats, for postMessage. */
  snapshot(): LatencyHistogramSnapshot {
    const first = this._count === 0 ? 0 : this.slotOf(this._min);
    const length = this._count === 0 ? 0 : this.slotOf(this._max) - first + 1;
    const counts = new Float64Array(length);
    for (let i = 0; i < length; i++) counts[i] = this.slotCount(first + i);
    return {
      significantDigits: this.significantDigits,
      maxValue: this.maxValue,
      count: this._count,
      min: this.min,
      max: this.max,
      sum: this._sum,
      invalid: this._invalid,
      clamped: this._clamped,
      firstIndex: first,
      counts,
    };
  }

  /** COLD: rebuilds a histogram from `snapshot()` output. */
  static fromSnapshot(snap: LatencyHistogramSnapshot): LatencyHistogram {
    const h = new LatencyHistogram({ significantDigits: snap.significantDigits, maxValue: snap.maxValue });
    h.mergeSnapshot(snap);
    return h;
  }

  toJSON(): LatencyHistogramJSON {
    const buckets: [number, number][] = [];
    if (this._count > 0) {
      const last = this.slotOf(this._max);
      for (let s = this.slotOf(this._min); s <= last; s++) {
        const c = this.slotCount(s);
        if (c !== 0) buckets.push([s, c]);
      }
    }
    return {
      significantDigits: this.significantDigits,
      maxValue: this.maxValue,
      count: this._count,
      min: this._count === 0 ? 0 : this._min,
      max: this._count === 0 ? 0 : this._max,
      sum: this._sum,
      invalid: this._invalid,
      clamped: this._clamped,
      buckets,
    };
  }

  /**
   * COLD: exact inverse of `toJSON`. Validates everything and throws one
   * RangeError listing every problem with its path (`json.buckets[3][1] ...`).
   */
  static fromJSON(o: unknown): LatencyHistogram {
    const problems: string[] = [];
    if (typeof o !== 'object' || o === null) throw new RangeError('json must be an object');
    const j = o as Record<string, unknown>;
    if (!isSignificantDigits(j.significantDigits)) problems.push('json.significantDigits must be 1, 2 or 3');
    if (!isNonNegativeInteger(j.maxValue) || j.maxValue < 1) {
      problems.push('json.maxValue must be an integer in [1, 2^53 - 1]');
    }
    // sum may legitimately pass 2^53 (it is then a rounded float), so it is only required to be finite.
    if (typeof j.sum !== 'number' || !(j.sum >= 0 && j.sum < Infinity)) {
      problems.push('json.sum must be a finite non-negative number');
    }
    for (const key of ['count', 'min', 'max', 'invalid', 'clamped'] as const) {
      const optional = key === 'invalid' || key === 'clamped';
      if (optional && j[key] === undefined) continue;
      if (!isNonNegativeInteger(j[key])) problems.push(`json.${key} must be a non-negative integer`);
    }
    if (!Array.isArray(j.buckets)) problems.push('json.buckets must be an array of [slotIndex, count]');
    if (problems.length > 0) throw new RangeError(problems.join('; '));

    const h = new LatencyHistogram({
      significantDigits: j.significantDigits as SignificantDigits,
      maxValue: j.maxValue as number,
    });
    const count = j.count as number;
    const min = j.min as number;
    const max = j.max as number;
    const buckets = j.buckets as unknown[];
    let total = 0;
    let previous = -1;
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i];
      const path = `json.buckets[${i}]`;
      if (!Array.isArray(b) || b.length !== 2) {
        problems.push(`${path} must be a [slotIndex, count] pair`);
        continue;
      }
      const [slot, c] = b as unknown[];
      if (!isNonNegativeInteger(slot) || slot >= h.bucketCount) {
        problems.push(`${path}[0] must be a slot index in [0, ${h.bucketCount - 1}]`);
      } else if (slot <= previous) {
        problems.push(`${path}[0] must be greater than the previous slot index ${previous}`);
      }
      if (!isNonNegativeInteger(c) || c === 0) problems.push(`${path}[1] must be a positive integer`);
      if (problems.length > 0) continue;
      previous = slot as number;
      total += c as number;
      h.addToSlot(slot as number, c as number);
    }
    if (problems.length === 0) {
      if (total !== count) problems.push(`json.count is ${count} but json.buckets hold ${total}`);
      if (count === 0 && j.sum !== 0) problems.push('json.sum must be 0 when json.count is 0');
      if (count > 0) {
        if (min > max || max > h.maxValue) problems.push('json.min and json.max must satisfy min <= max <= maxValue');
        else if (h.slotOf(min) !== (buckets[0] as number[])[0] || h.slotOf(max) !== previous) {
          problems.push('json.min and json.max must fall in the first and last non-empty buckets');
        }
      }
    }
    if (problems.length > 0) throw new RangeError(problems.join('; '));
    if (count > 0) h.addStats(count, min, max, j.sum as number, (j.invalid ?? 0) as number, (j.clamped ?? 0) as number);
    else {
      h._invalid = (j.invalid ?? 0) as number;
      h._clamped = (j.clamped ?? 0) as number;
    }
    return h;
  }

  // ---- internals -----------------------------------------------------------

  /**
   * HOT: slot of an integer v in [0, maxValue]. The bucket is the bit length
   * of (v | mask) minus m: OR-ing the sub-bucket mask makes every v < 2^m land
   * in bucket 0. Values >= 2^32 take the bit length of their high word, since
   * Math.clz32 and >>> only see 32 bits.
   */
  private slotOf(v: number): number {
    if (v < TWO_POW_32) {
      const b = 32 - Math.clz32(v | this.subBucketMask) - this.subBucketMagnitude;
      return (b << this.halfMagnitude) + (v >>> b);
    }
    const b = 64 - Math.clz32((v * INV_TWO_POW_32) >>> 0) - this.subBucketMagnitude;
    // v * 2^-b is exact and < 2^m, so >>> 0 is a safe floor.
    return (b << this.halfMagnitude) + ((v * INV_POW2[b]!) >>> 0);
  }

  private bucketOfSlot(s: number): number {
    const top = s >>> this.halfMagnitude;
    return top > 0 ? top - 1 : 0;
  }

  private lowestOfSlot(s: number): number {
    const b = this.bucketOfSlot(s);
    return (s - (b << this.halfMagnitude)) * POW2[b]!;
  }

  private widthOfSlot(s: number): number {
    return POW2[this.bucketOfSlot(s)]!;
  }

  private slotCount(s: number): number {
    const low = this.counts[s]!;
    if (this.overflow.size === 0) return low;
    return low + (this.overflow.get(s) ?? 0) * TWO_POW_32;
  }

  /** Rare: `counts[slot]` would pass 2^32 - 1; keep the low word, move the rest to `overflow`. */
  private spill(slot: number, total: number): void {
    const high = Math.floor(total * INV_TWO_POW_32);
    this.counts[slot] = total - high * TWO_POW_32;
    this.overflow.set(slot, (this.overflow.get(slot) ?? 0) + high);
  }

  private addToSlot(slot: number, n: number): void {
    const c = this.counts[slot]! + n;
    if (c > U32_MAX) this.spill(slot, c);
    else this.counts[slot] = c;
  }

  private addStats(count: number, min: number, max: number, sum: number, invalid: number, clamped: number): void {
    this._count += count;
    this._sum += sum;
    if (min < this._min) this._min = min;
    if (max > this._max) this._max = max;
    this._invalid += invalid;
    this._clamped += clamped;
  }

  /** Rare path of record/recordN: returns the value to record and counts why. */
  private outOfRange(value: number, n: number): number {
    if (value > this.maxValue && value !== Infinity) {
      this._clamped += n;
      return this.maxValue;
    }
    this._invalid += n;
    return 0;
  }

  /** The value `record` would store for `value`, without counting anything. */
  private clampForQuery(value: number): number {
    if (value >= 0 && value <= this.maxValue) return Math.floor(value);
    return value > this.maxValue && value !== Infinity ? this.maxValue : 0;
  }

  private requireSameConfig(significantDigits: number, maxValue: number): void {
    if (significantDigits !== this.significantDigits || maxValue !== this.maxValue) {
      throw new Error(
        `cannot merge histograms with different configurations: ` +
          `{ significantDigits: ${this.significantDigits}, maxValue: ${this.maxValue} } vs ` +
          `{ significantDigits: ${significantDigits}, maxValue: ${maxValue} }`,
      );
    }
  }
}
