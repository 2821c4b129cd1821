/**
 * Offered rate over virtual time: a non-negative intensity factor m(t) that
 * multiplies a generator's base rate, and the time change that turns the
 * arrivals of a homogeneous process into arrivals at rate m(t)·base.
 *
 * The arrival process (constant or Poisson, arrivals.ts) runs at the base
 * rate in "operational time" u; an arrival at u is placed at virtual time
 * t = Λ⁻¹(u), where Λ(t) = ∫₀ᵗ m. The number of arrivals in [t1, t2) is then
 * that of the base process over an operational interval of Λ(t2) − Λ(t1),
 * which is exact for any m (a Poisson process stays Poisson with intensity
 * m·base), and every thread count sees the same times.
 *
 * Every shape becomes a piecewise-linear m given by breakpoints (t_k, m_k),
 * linear between consecutive points and held after the last one. A jump is
 * two points at the same time. Λ is then piecewise quadratic and its inverse
 * is closed-form per segment. The sine is sampled at SINE_POINTS_PER_PERIOD
 * points per period (linear interpolation; the largest error of m is
 * amplitude·(2π/N)²/8 = 3.0e-4·amplitude for N = 128, and the chord errors
 * cancel over a whole period, so Λ over whole periods is exact to ~1e-7).
 *
 * Times are fractional cycles of the virtual clock from the start of the run
 * (the generator's `start` is not the origin). No node:* imports: the CSV of
 * a trace is parsed here from text; the scenario loader reads the file.
 */

/** A profile as the scenario resolves it (times in cycles). */
export type RateProfileSpec =
  | { shape: 'step'; steps: { atCycles: number; factor: number }[] }
  | { shape: 'ramp'; from: number; to: number; startCycles: number; endCycles: number }
  | { shape: 'sine'; mean: number; amplitude: number; periodCycles: number; phase: number }
  | { shape: 'onoff'; onCycles: number; offCycles: number; factor: number }
  | { shape: 'flash'; atCycles: number; peak: number; riseCycles: number; decayCycles: number }
  | { shape: 'trace'; file: string; points: { atCycles: number; factor: number }[] };

/** Sine samples per period; see the error bound above. */
export const SINE_POINTS_PER_PERIOD = 128;
/** Most breakpoints a profile may have (a sine or on/off repeated over a long run, a long trace). */
export const MAX_PROFILE_POINTS = 1_000_000;

/** COLD: the breakpoints of `spec` over [0, horizonCycles] (held after). */
export function profileBreakpoints(spec: RateProfileSpec, horizonCycles: number): { t: number[]; m: number[] } {
  const t: number[] = [];
  const m: number[] = [];
  const at = (time: number, factor: number): void => {
    t.push(time);
    m.push(factor);
  };
  switch (spec.shape) {
    case 'step': {
      at(0, 1);
      let last = 1;
      for (const s of spec.steps) {
        at(s.atCycles, last);
        at(s.atCycles, s.factor);
        last = s.factor;
      }
      break;
    }
    case 'ramp':
      at(0, spec.from);
      at(spec.startCycles, spec.from);
      at(spec.endCycles, spec.to);
      break;
    case 'sine': {
      const n = Math.ceil((horizonCycles / spec.periodCycles) * SINE_POINTS_PER_PERIOD);
      const dt = spec.periodCycles / SINE_POINTS_PER_PERIOD;
      for (let k = 0; k <= n; k++) {
        at(k * dt, Math.max(0, spec.mean + spec.amplitude * Math.sin((2 * Math.PI * k) / SINE_POINTS_PER_PERIOD + spec.phase)));
      }
      break;
    }
    case 'onoff': {
      const cycle = spec.onCycles + spec.offCycles;
      for (let c = 0; c <= horizonCycles; c += cycle) {
        at(c, spec.factor);
        at(c + spec.onCycles, spec.factor);
        at(c + spec.onCycles, 0);
        at(c + cycle, 0);
      }
      break;
    }
    case 'flash':
      at(0, 1);
      at(spec.atCycles, 1);
      at(spec.atCycles + spec.riseCycles, spec.peak);
      at(spec.atCycles + spec.riseCycles + spec.decayCycles, 1);
      break;
    case 'trace':
      if (spec.points.length === 0 || spec.points[0]!.atCycles > 0) at(0, spec.points[0]?.factor ?? 1);
      for (const p of spec.points) at(p.atCycles, p.factor);
      break;
  }
  return { t, m };
}

/** COLD: how many breakpoints `spec` needs over `horizonCycles` (to refuse a huge one before building it). */
export function profilePointCount(spec: RateProfileSpec, horizonCycles: number): number {
  switch (spec.shape) {
    case 'sine': return Math.ceil((horizonCycles / spec.periodCycles) * SINE_POINTS_PER_PERIOD) + 1;
    case 'onoff': return 4 * (Math.floor(horizonCycles / (spec.onCycles + spec.offCycles)) + 1);
    case 'step': return 1 + 2 * spec.steps.length;
    case 'trace': return spec.points.length + 1;
    default: return 4;
  }
}

/**
 * A piecewise-linear intensity, its integral Λ and the inverse of Λ.
 * COLD: construction. HOT: timeAt, which keeps a segment cursor (operational
 * times only grow) and allocates nothing.
 */
export class RateProfile {
  private readonly t: Float64Array;
  private readonly m: Float64Array;
  /** Λ at each breakpoint. */
  private readonly lam: Float64Array;
  private readonly last: number;
  private cursor = 0;
  /** Largest factor (the peak rate is base · peakFactor). */
  readonly peakFactor: number;

  constructor(times: readonly number[], factors: readonly number[]) {
    const n = times.length;
    if (n === 0 || factors.length !== n || times[0] !== 0) throw new RangeError('RateProfile: breakpoints must start at time 0, one factor per time');
    this.t = Float64Array.from(times);
    this.m = Float64Array.from(factors);
    this.lam = new Float64Array(n);
    let peak = 0;
    for (let k = 0; k < n; k++) {
      const mk = this.m[k]!;
      if (!(mk >= 0) || !Number.isFinite(mk)) throw new RangeError(`RateProfile: factor ${k} is ${mk}, expected a finite number >= 0`);
      if (k > 0 && !(this.t[k]! >= this.t[k - 1]!)) throw new RangeError(`RateProfile: time ${k} (${this.t[k]}) is before time ${k - 1}`);
      if (mk > peak) peak = mk;
      if (k > 0) this.lam[k] = this.lam[k - 1]! + ((this.m[k - 1]! + mk) / 2) * (this.t[k]! - this.t[k - 1]!);
    }
    this.last = n - 1;
    this.peakFactor = peak;
  }

  /** COLD: a profile from a spec, over a run of `horizonCycles`. */
  static fromSpec(spec: RateProfileSpec, horizonCycles: number): RateProfile {
    const b = profileBreakpoints(spec, horizonCycles);
    return new RateProfile(b.t, b.m);
  }

  /** COLD: m(t). */
  factorAt(time: number): number {
    const k = this.segmentOf(time);
    if (k === this.last) return this.m[k]!;
    const dt = this.t[k + 1]! - this.t[k]!;
    return dt > 0 ? this.m[k]! + ((this.m[k + 1]! - this.m[k]!) * (time - this.t[k]!)) / dt : this.m[k + 1]!;
  }

  /** COLD: Λ(t) = ∫₀ᵗ m, in factor·cycles. */
  integral(time: number): number {
    if (time <= 0) return 0;
    const k = this.segmentOf(time);
    const s = time - this.t[k]!;
    const a = this.m[k]!;
    if (k === this.last) return this.lam[k]! + a * s;
    const dt = this.t[k + 1]! - this.t[k]!;
    const b = dt > 0 ? (this.m[k + 1]! - a) / dt : 0;
    return this.lam[k]! + a * s + (b * s * s) / 2;
  }

  /**
   * HOT: Λ⁻¹(u), the earliest time at which Λ reaches u; Infinity when it
   * never does (the last factor is 0). Calls must come with u not
   * decreasing (the cursor only moves forward); use rewind() to start over.
   */
  timeAt(u: number): number {
    let k = this.cursor;
    const last = this.last;
    while (k < last && this.lam[k + 1]! < u) k++;
    this.cursor = k;
    const r = u - this.lam[k]!;
    const a = this.m[k]!;
    if (k === last) return a > 0 ? this.t[k]! + r / a : r > 0 ? Infinity : this.t[k]!;
    if (r <= 0) return this.t[k]!;
    const dt = this.t[k + 1]! - this.t[k]!;
    const b = (this.m[k + 1]! - a) / dt;
    // Solve a·s + b·s²/2 = r for s in [0, dt]; this form has no cancellation
    // for b < 0 and gives sqrt(2r/b) when a = 0.
    const disc = a * a + 2 * b * r;
    const s = (2 * r) / (a + Math.sqrt(disc > 0 ? disc : 0));
    return this.t[k]! + (s < dt ? s : dt);
  }

  /** Forget the cursor (timeAt may then go back). */
  rewind(): void {
    this.cursor = 0;
  }

  /** COLD: the segment holding `time` (binary search). */
  private segmentOf(time: number): number {
    let lo = 0;
    let hi = this.last;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.t[mid]! <= time) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** A problem in a trace CSV: its 1-based line and what was expected there. */
export interface TraceCsvProblem {
  line: number;
  text: string;
  expected: string;
}

/**
 * COLD: the points of a rate trace: lines `time,factor`, optionally a header
 * line first (any line whose first field is not a number or duration), blank
 * lines and `#` comments skipped. `parseTime` turns a time field into cycles
 * (or null); the caller passes the scenario's duration parser, so "1.5ms",
 * "2000cycles" and bare seconds all work. Times must not decrease; equal
 * times make a jump. Returns the points or the first problem.
 */
export function parseTraceCsv(
  text: string,
  parseTime: (field: string) => number | null,
): { points: { atCycles: number; factor: number }[] } | { problem: TraceCsvProblem } {
  const lines = text.split(/\r?\n/);
  const points: { atCycles: number; factor: number }[] = [];
  let seenData = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(',').map((f) => f.trim());
    const fail = (expected: string) => ({ problem: { line: i + 1, text: raw, expected } });
    const time = fields.length >= 1 ? parseTime(fields[0]!) : null;
    if (!seenData && time === null && points.length === 0) {
      seenData = true; // a header line, at most one
      continue;
    }
    seenData = true;
    if (fields.length !== 2) return fail('two fields, time,factor (e.g. "1.5ms,2")');
    if (time === null) return fail('a time like 1.5ms, 250us, 2000cycles or 0.001 (seconds) in the first field');
    const factor = fields[1] === '' ? NaN : Number(fields[1]);
    if (!Number.isFinite(factor) || factor < 0) return fail('a factor >= 0 (a multiple of the rate) in the second field');
    if (points.length > 0 && time < points[points.length - 1]!.atCycles) return fail('a time not before the previous line\'s');
    points.push({ atCycles: time, factor });
  }
  if (points.length === 0) return { problem: { line: lines.length, text: '', expected: 'at least one line time,factor' } };
  return { points };
}
