/**
 * Per-tenant normalisers of the QVISOR pre-processor [QVISOR]: they bring
 * one tenant's raw ranks (bytes, µs, virtual time, ...) onto L integer
 * levels 0..L−1, so tenants with unrelated rank units can be compared.
 * The paper says only "bound the range and quantise into discrete levels";
 * the four kinds below are our choice (docs/qvisor.md, "Choices").
 *
 *   linear{lo, hi}     u = (r − lo)/(hi − lo)
 *   log{lo > 0, hi}    u = (ln r − ln lo)/(ln hi − ln lo)     (pFabric sizes)
 *   quantile{table}    u = mid-rank CDF of r in a profiled sample:
 *                      (count below r + ½·count equal to r)/size
 *   shift-min{lo, hi}  level = r − lo directly (the paper's Figure 3 example);
 *                      needs hi − lo < L
 *
 * then level q = min(L − 1, ⌊u·L⌋). The raw rank is clamped to [lo, hi]
 * first, so no value, however extreme, leaves [0, L).
 *
 * The ½ in the quantile matters: a tenant whose ranks are all equal lands
 * mid-range instead of at level 0, where it would outrank nearly everything.
 *
 * COLD: spec checking and table building. HOT: {@link quantileLevel}, a
 * binary search over typed arrays, nothing allocated.
 */

/** Kind codes stored per tenant in the pre-processor's Uint8Array. */
export const NORM_LINEAR = 0;
export const NORM_LOG = 1;
export const NORM_QUANTILE = 2;
export const NORM_SHIFT_MIN = 3;

/** A reference sample of one tenant's raw ranks, sorted ascending (NaN refused). */
export interface QuantileProfile {
  readonly sorted: Float64Array;
}

export type NormaliserSpec =
  | { readonly kind: 'linear'; readonly lo: number; readonly hi: number }
  | { readonly kind: 'log'; readonly lo: number; readonly hi: number }
  /** lo/hi clamp too when given; a quantile is bounded anyway, so they default to ±Infinity. */
  | { readonly kind: 'quantile'; readonly profile: QuantileProfile; readonly lo?: number; readonly hi?: number }
  | { readonly kind: 'shift-min'; readonly lo: number; readonly hi: number };

/**
 * COLD. Builds a quantile profile from a sample of raw ranks (for example the
 * ranks one tenant produced in a profiling run with an independent seed).
 * Throws on an empty sample or a NaN, naming the index.
 */
export function profileQuantiles(sample: ArrayLike<number>): QuantileProfile {
  if (sample.length === 0) throw new RangeError('quantile profile: the sample is empty; expected at least one raw rank');
  const sorted = new Float64Array(sample.length);
  for (let i = 0; i < sample.length; i++) {
    const v = sample[i]!;
    if (Number.isNaN(v)) throw new RangeError(`quantile profile: sample[${i}] is NaN; expected a number`);
    sorted[i] = v;
  }
  sorted.sort();
  return { sorted };
}

/**
 * A quantile profile compiled for L levels. For each kept breakpoint value
 * v[i] (ascending): `levelAt[i]` is the level of r = v[i] exactly and
 * `levelAfter[i]` the level of every r in (v[i], v[i+1]). Below v[0] the level
 * is 0 (nothing is below, nothing equal). Breakpoints that change nothing are
 * dropped, so the table has at most 2·L entries whatever the sample size.
 */
export interface QuantileLevels {
  readonly values: Float64Array;
  readonly levelAt: Uint16Array;
  readonly levelAfter: Uint16Array;
}

/** COLD. Compiles a profile for `levels` levels (1..65536). Exact: integer arithmetic, no rounding. */
export function compileQuantileLevels(profile: QuantileProfile, levels: number): QuantileLevels {
  const s = profile.sorted;
  const n = s.length;
  const values: number[] = [];
  const at: number[] = [];
  const after: number[] = [];
  let prevLevel = 0;
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && s[j] === s[i]) j++;
    // below = i, equal = j − i; q = ⌊(below + equal/2)·L/n⌋ = ⌊(2·below + equal)·L / (2n)⌋.
    const qAt = Math.min(levels - 1, Math.floor(((i + j) * levels) / (2 * n)));
    const qAfter = Math.min(levels - 1, Math.floor((j * levels) / n));
    if (qAt !== prevLevel || qAfter !== prevLevel) {
      values.push(s[i]!);
      at.push(qAt);
      after.push(qAfter);
    }
    prevLevel = qAfter;
    i = j;
  }
  return { values: Float64Array.from(values), levelAt: Uint16Array.from(at), levelAfter: Uint16Array.from(after) };
}

/**
 * HOT. The level of raw rank r in the compiled table stored at
 * [start, start + len) of the packed arrays. Upper-bound binary search for the
 * last breakpoint ≤ r; no allocation.
 */
export function quantileLevel(values: Float64Array, levelAt: Uint16Array, levelAfter: Uint16Array, start: number, len: number, r: number): number {
  let lo = start;
  let hi = start + len; // search [lo, hi) for the first value > r
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= r) lo = mid + 1;
    else hi = mid;
  }
  if (lo === start) return 0;
  const k = lo - 1;
  return values[k] === r ? levelAt[k]! : levelAfter[k]!;
}

/** COLD. Problems with one normaliser spec for L levels, as "expected ..." phrases keyed by field. */
export function checkNormaliser(spec: NormaliserSpec, levels: number): { field: string; value: unknown; expected: string }[] {
  const out: { field: string; value: unknown; expected: string }[] = [];
  const finite = (field: 'lo' | 'hi', v: number | undefined) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) out.push({ field, value: v, expected: 'a finite number' });
  };
  switch (spec.kind) {
    case 'linear':
    case 'shift-min':
    case 'log':
      finite('lo', spec.lo);
      finite('hi', spec.hi);
      if (out.length === 0 && !(spec.hi > spec.lo)) out.push({ field: 'hi', value: spec.hi, expected: `a number > lo (${spec.lo})` });
      if (spec.kind === 'log' && !(spec.lo > 0)) out.push({ field: 'lo', value: spec.lo, expected: 'a number > 0 (log of the rank)' });
      if (spec.kind === 'shift-min' && out.length === 0 && !(spec.hi - spec.lo < levels)) {
        out.push({ field: 'hi', value: spec.hi, expected: `hi − lo < levels (${levels}): shift-min maps one raw unit to one level` });
      }
      break;
    case 'quantile': {
      const lo = spec.lo ?? -Infinity;
      const hi = spec.hi ?? Infinity;
      if (Number.isNaN(lo)) out.push({ field: 'lo', value: lo, expected: 'a number' });
      if (Number.isNaN(hi)) out.push({ field: 'hi', value: hi, expected: 'a number' });
      if (!(hi > lo)) out.push({ field: 'hi', value: hi, expected: `a number > lo (${lo})` });
      if (!spec.profile || !(spec.profile.sorted instanceof Float64Array) || spec.profile.sorted.length === 0) {
        out.push({ field: 'profile', value: spec.profile, expected: 'a profile from profileQuantiles(sample)' });
      }
      break;
    }
    default:
      out.push({ field: 'kind', value: (spec as { kind: unknown }).kind, expected: "one of 'linear', 'log', 'quantile', 'shift-min'" });
  }
  return out;
}
