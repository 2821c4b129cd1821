import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_VALUE, LatencyHistogram, type SignificantDigits } from '../../src/metrics/histogram.js';

/** mulberry32: small seeded PRNG so every run sees the same values. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integers spread evenly in log scale over [1, 2^maxBits). */
function logUniform(rand: () => number, n: number, maxBits: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.floor(2 ** (rand() * maxBits)));
  return out;
}

/** The same nearest-rank definition the histogram documents, on exact data. */
function exactPercentile(sorted: number[], p: number): number {
  if (p === 0) return sorted[0]!;
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100));
  return sorted[rank - 1]!;
}

const PERCENTILES = [0, 0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100];

describe('LatencyHistogram configuration', () => {
  it('defaults to 3 digits over 2^48 - 1 and stays under 200 KiB', () => {
    const h = new LatencyHistogram();
    expect(h.significantDigits).toBe(3);
    expect(h.maxValue).toBe(DEFAULT_MAX_VALUE);
    expect(DEFAULT_MAX_VALUE).toBe(2 ** 48 - 1);
    // 1024 slots per power of two above 2^11, 2048 below: 37 * 1024 + 2048.
    expect(h.bucketCount).toBe(39936);
    expect(h.bucketCount * Uint32Array.BYTES_PER_ELEMENT).toBeLessThan(200 * 1024);
  });

  it('rejects bad options with every problem named', () => {
    expect(() => new LatencyHistogram({ significantDigits: 4 as SignificantDigits, maxValue: -1 })).toThrow(
      'options.significantDigits must be 1, 2 or 3 (got 4); options.maxValue must be an integer in [1, 2^53 - 1] (got -1)',
    );
    expect(() => new LatencyHistogram({ maxValue: 1.5 })).toThrow(RangeError);
    expect(() => new LatencyHistogram({ maxValue: 2 ** 53 })).toThrow(RangeError);
  });

  it('accepts the largest safe integer as maxValue', () => {
    const h = new LatencyHistogram({ maxValue: Number.MAX_SAFE_INTEGER });
    h.record(Number.MAX_SAFE_INTEGER);
    expect(h.max).toBe(Number.MAX_SAFE_INTEGER);
    expect(h.valueAtPercentile(50)).toBe(Number.MAX_SAFE_INTEGER);
    expect(h.clamped).toBe(0);
  });
});

describe('LatencyHistogram buckets', () => {
  it('is exact below 2048 at 3 digits (and below 32 / 256 at 1 / 2 digits)', () => {
    for (const [digits, exactBelow] of [[1, 32], [2, 256], [3, 2048]] as const) {
      const h = new LatencyHistogram({ significantDigits: digits });
      for (let v = 0; v < exactBelow; v++) {
        expect(h.lowestEquivalentValue(v)).toBe(v);
        expect(h.highestEquivalentValue(v)).toBe(v);
      }
      // The first value past the exact range shares a slot of width 2.
      expect(h.lowestEquivalentValue(exactBelow + 1)).toBe(exactBelow);
      expect(h.highestEquivalentValue(exactBelow)).toBe(exactBelow + 1);
    }
  });

  it('reports exact percentiles for small values', () => {
    const h = new LatencyHistogram();
    const values: number[] = [];
    const rand = prng(7);
    for (let i = 0; i < 5000; i++) values.push(Math.floor(rand() * 2048));
    for (const v of values) h.record(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of PERCENTILES) expect(h.valueAtPercentile(p)).toBe(exactPercentile(sorted, p));
  });

  it('tiles the value range with contiguous slots within the precision bound, across 2^32', () => {
    const rand = prng(11);
    for (const digits of [1, 2, 3] as const) {
      const h = new LatencyHistogram({ significantDigits: digits });
      const bound = 10 ** -digits;
      const probes = [
        ...logUniform(rand, 3000, 48),
        2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 33 - 1, 2 ** 40 + 12345, DEFAULT_MAX_VALUE,
      ];
      for (const v of probes) {
        const lo = h.lowestEquivalentValue(v);
        const hi = h.highestEquivalentValue(v);
        expect(lo).toBeLessThanOrEqual(v);
        expect(hi).toBeGreaterThanOrEqual(v);
        expect(hi - lo).toBeLessThanOrEqual(Math.max(0, lo * bound));
        // Neighbouring slots meet exactly: no gap, no overlap.
        if (hi < DEFAULT_MAX_VALUE) expect(h.lowestEquivalentValue(hi + 1)).toBe(hi + 1);
        if (lo > 0) expect(h.highestEquivalentValue(lo - 1)).toBe(lo - 1);
      }
    }
  });

  it('treats fractional values as their integer part', () => {
    const h = new LatencyHistogram();
    h.record(41.9);
    h.recordN(2 ** 33 + 0.5, 2);
    expect(h.min).toBe(41);
    expect(h.max).toBe(2 ** 33);
    expect(h.sum).toBe(41 + 2 * 2 ** 33);
  });
});

describe('LatencyHistogram percentiles', () => {
  for (const digits of [1, 2, 3] as const) {
    it(`stays within 10^-${digits} relative error over 1..2^45 and never under-reports`, () => {
      const rand = prng(1000 + digits);
      const values = logUniform(rand, 20_000, 45);
      const h = new LatencyHistogram({ significantDigits: digits });
      for (const v of values) h.record(v);
      const sorted = [...values].sort((a, b) => a - b);
      for (const p of PERCENTILES) {
        const exact = exactPercentile(sorted, p);
        const got = h.valueAtPercentile(p);
        expect(got).toBeGreaterThanOrEqual(exact);
        expect(got - exact).toBeLessThanOrEqual(exact * 10 ** -digits);
      }
    });
  }

  it('returns the exact min at p0 and the exact max at p100, inside their buckets', () => {
    const h = new LatencyHistogram();
    const values = [123_457, 5_000_001, 2 ** 40 + 777];
    for (const v of values) h.record(v);
    expect(h.valueAtPercentile(0)).toBe(123_457);
    expect(h.valueAtPercentile(100)).toBe(2 ** 40 + 777);
    expect(h.lowestEquivalentValue(h.valueAtPercentile(0))).toBe(h.lowestEquivalentValue(h.min));
    expect(h.lowestEquivalentValue(h.valueAtPercentile(100))).toBe(h.lowestEquivalentValue(h.max));
    // A tiny positive p lands in the min's bucket, reported at its upper edge.
    expect(h.valueAtPercentile(1e-9)).toBe(h.highestEquivalentValue(123_457));
  });

  it('uses nearest rank: p50 of [10, 20, 30, 40] is 20, p50.1 is 30', () => {
    const h = new LatencyHistogram();
    for (const v of [40, 10, 30, 20]) h.record(v);
    expect(h.valueAtPercentile(50)).toBe(20);
    expect(h.valueAtPercentile(50.1)).toBe(30);
    expect(h.valueAtPercentile(25)).toBe(10);
    expect(h.valueAtPercentile(99.9)).toBe(40);
  });

  it('returns NaN for an empty histogram (count 0), and for mean / stddev / min / max', () => {
    const h = new LatencyHistogram();
    expect(h.count).toBe(0);
    expect(h.valueAtPercentile(50)).toBeNaN();
    expect(h.valueAtPercentile(0)).toBeNaN();
    expect(h.mean()).toBeNaN();
    expect(h.stddev()).toBeNaN();
    expect(h.min).toBeNaN();
    expect(h.max).toBeNaN();
  });

  it('rejects percentiles outside [0, 100]', () => {
    const h = new LatencyHistogram();
    h.record(1);
    expect(() => h.valueAtPercentile(-1)).toThrow('percentile must be in [0, 100] (got -1)');
    expect(() => h.valueAtPercentile(100.5)).toThrow(RangeError);
    expect(() => h.valueAtPercentile(NaN)).toThrow(RangeError);
  });
});

describe('LatencyHistogram statistics', () => {
  it('computes an exact mean and a bucket-accurate stddev', () => {
    const h = new LatencyHistogram();
    for (const v of [2, 4, 4, 4, 5, 5, 7, 9]) h.record(v);
    expect(h.mean()).toBe(5);
    expect(h.stddev()).toBe(2); // all values exact at this size
    const big = new LatencyHistogram();
    const rand = prng(3);
    const values = logUniform(rand, 10_000, 40);
    for (const v of values) big.record(v);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
    expect(big.mean()).toBeCloseTo(mean, 6);
    expect(Math.abs(big.stddev() - sd) / sd).toBeLessThan(1e-3);
  });

  it('gives stddev 0 for one repeated large value', () => {
    const h = new LatencyHistogram();
    h.recordN(3_000_000_007, 5);
    expect(h.stddev()).toBe(0);
    expect(h.mean()).toBe(3_000_000_007);
  });

  it('clamps and counts invalid and too-large values', () => {
    const h = new LatencyHistogram({ maxValue: 1_000_000 });
    h.record(-3);
    h.record(NaN);
    h.record(Infinity);
    h.record(-Infinity);
    h.record(2_000_000);
    h.recordN(1e300, 3);
    h.recordN(-1, 2);
    h.record(500);
    expect(h.invalid).toBe(6);
    expect(h.clamped).toBe(4);
    expect(h.count).toBe(11);
    expect(h.min).toBe(0);
    expect(h.max).toBe(1_000_000);
    expect(h.valueAtPercentile(50)).toBe(0);
    expect(h.valueAtPercentile(100)).toBe(1_000_000);
    expect(h.sum).toBe(500 + 4 * 1_000_000);
  });

  it('ignores recordN with n < 1 or NaN and truncates fractional n', () => {
    const h = new LatencyHistogram();
    h.recordN(5, 0);
    h.recordN(5, -2);
    h.recordN(5, NaN);
    h.recordN(5, Infinity);
    expect(h.count).toBe(0);
    h.recordN(5, 2.9);
    expect(h.count).toBe(2);
    expect(h.sum).toBe(10);
  });

  it('keeps counts above 2^32 in one slot exact', () => {
    const h = new LatencyHistogram();
    h.recordN(100, 2 ** 32 - 1);
    h.record(100); // crosses 2^32 through the record() path
    h.recordN(100, 2 ** 33);
    h.record(7);
    expect(h.count).toBe(2 ** 32 + 2 ** 33 + 1);
    expect(h.toJSON().buckets).toEqual([
      [7, 1],
      [100, 2 ** 32 + 2 ** 33],
    ]);
    expect(h.valueAtPercentile(0)).toBe(7);
    expect(h.valueAtPercentile(1e-12)).toBe(7);
    expect(h.valueAtPercentile(50)).toBe(100);
    const copy = LatencyHistogram.fromJSON(JSON.parse(JSON.stringify(h)));
    expect(copy.toJSON()).toEqual(h.toJSON());
    const viaSnapshot = LatencyHistogram.fromSnapshot(h.snapshot());
    expect(viaSnapshot.toJSON()).toEqual(h.toJSON());
  });

  it('reset() empties the histogram and keeps it usable', () => {
    const h = new LatencyHistogram();
    for (const v of [1, 5000, 2 ** 36]) h.record(v);
    h.recordN(9, 2 ** 32 + 1);
    h.record(-1);
    h.reset();
    expect(h.toJSON()).toEqual(new LatencyHistogram().toJSON());
    expect(h.count).toBe(0);
    expect(h.invalid).toBe(0);
    h.record(42);
    expect(h.toJSON().buckets).toEqual([[42, 1]]);
  });
});

describe('LatencyHistogram merge and transport', () => {
  function sample(seed: number, n: number): LatencyHistogram {
    const h = new LatencyHistogram();
    const rand = prng(seed);
    for (const v of logUniform(rand, n, 45)) h.record(v);
    h.record(-1);
    h.record(2 ** 50);
    return h;
  }

  it('merge equals recording both streams into one histogram', () => {
    const ra = prng(21);
    const rb = prng(22);
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    const both = new LatencyHistogram();
    for (const v of logUniform(ra, 5000, 45)) {
      a.record(v);
      both.record(v);
    }
    for (const v of logUniform(rb, 7000, 30)) {
      b.record(v);
      both.record(v);
    }
    for (const h of [b, both]) h.record(NaN);
    a.merge(b);
    expect(a.toJSON()).toEqual(both.toJSON());
    for (const p of PERCENTILES) expect(a.valueAtPercentile(p)).toBe(both.valueAtPercentile(p));
  });

  it('merging an empty histogram changes nothing, merging into an empty one copies', () => {
    const a = sample(5, 1000);
    const before = a.toJSON();
    a.merge(new LatencyHistogram());
    expect(a.toJSON()).toEqual(before);
    const empty = new LatencyHistogram();
    empty.merge(a);
    expect(empty.toJSON()).toEqual(before);
  });

  it('refuses to merge different configurations', () => {
    const a = new LatencyHistogram();
    expect(() => a.merge(new LatencyHistogram({ significantDigits: 2 }))).toThrow(
      'cannot merge histograms with different configurations',
    );
    expect(() => a.merge(new LatencyHistogram({ maxValue: 2 ** 40 }))).toThrow(Error);
    expect(() => a.mergeSnapshot(new LatencyHistogram({ significantDigits: 1 }).snapshot())).toThrow(Error);
  });

  it('round-trips exactly through JSON text', () => {
    for (const h of [sample(9, 3000), new LatencyHistogram({ significantDigits: 1, maxValue: 1000 })]) {
      const text = JSON.stringify(h);
      const back = LatencyHistogram.fromJSON(JSON.parse(text));
      expect(JSON.stringify(back)).toBe(text);
      expect(back.count).toBe(h.count);
      expect(back.invalid).toBe(h.invalid);
      expect(back.clamped).toBe(h.clamped);
      expect(back.stddev()).toBe(h.stddev());
      for (const p of PERCENTILES) expect(back.valueAtPercentile(p)).toEqual(h.valueAtPercentile(p));
    }
  });

  it('loads JSON without invalid/clamped (they default to 0)', () => {
    const back = LatencyHistogram.fromJSON({
      significantDigits: 3,
      maxValue: 1000,
      count: 3,
      min: 4,
      max: 9,
      sum: 17,
      buckets: [
        [4, 2],
        [9, 1],
      ],
    });
    expect(back.valueAtPercentile(50)).toBe(4);
    expect(back.invalid).toBe(0);
  });

  it('rejects inconsistent JSON, naming each problem', () => {
    const good = sample(4, 100).toJSON();
    expect(() => LatencyHistogram.fromJSON(null)).toThrow('json must be an object');
    expect(() => LatencyHistogram.fromJSON({ ...good, count: good.count + 1 })).toThrow(/json\.count is \d+ but/);
    expect(() => LatencyHistogram.fromJSON({ ...good, buckets: [[0, 1], [0, 1]] })).toThrow(
      'json.buckets[1][0] must be greater than the previous slot index 0',
    );
    expect(() => LatencyHistogram.fromJSON({ ...good, buckets: [[1e9, 1]] })).toThrow(/json\.buckets\[0\]\[0\]/);
    expect(() => LatencyHistogram.fromJSON({ ...good, significantDigits: 5, count: -1 })).toThrow(
      'json.significantDigits must be 1, 2 or 3; json.count must be a non-negative integer',
    );
    expect(() => LatencyHistogram.fromJSON({ ...good, min: good.max + 1 })).toThrow(/json\.min and json\.max/);
  });

  it('snapshots only the occupied slot range, as Float64 counts, and rebuilds exactly', () => {
    const h = new LatencyHistogram();
    for (const v of [3000, 3001, 3010, 9000]) h.record(v);
    const snap = h.snapshot();
    expect(snap.counts).toBeInstanceOf(Float64Array);
    expect(snap.firstIndex).toBe(h.toJSON().buckets[0]![0]);
    expect(snap.counts.length).toBe(h.toJSON().buckets.at(-1)![0] - snap.firstIndex + 1);
    const clone = structuredClone(snap);
    expect(LatencyHistogram.fromSnapshot(clone).toJSON()).toEqual(h.toJSON());
    // The snapshot is a copy: later records do not change it.
    h.record(3000);
    expect(LatencyHistogram.fromSnapshot(snap).count).toBe(4);
  });

  it('mergeSnapshot equals merge', () => {
    const a1 = sample(31, 2000);
    const a2 = sample(31, 2000);
    const b = sample(32, 3000);
    a1.merge(b);
    a2.mergeSnapshot(b.snapshot());
    expect(a2.toJSON()).toEqual(a1.toJSON());
    const empty = new LatencyHistogram().snapshot();
    expect(empty.count).toBe(0);
    expect(empty.counts.length).toBe(0);
    expect(empty.min).toBeNaN();
    a2.mergeSnapshot(empty);
    expect(a2.toJSON()).toEqual(a1.toJSON());
  });
});
