import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/util/prng.js';
import { ConstantArrivals, PoissonArrivals } from '../../src/traffic/arrivals.js';

describe('ConstantArrivals', () => {
  it('returns the mean gap and computes times without accumulating error', () => {
    const a = new ConstantArrivals(2.1);
    expect(a.meanGapCycles).toBe(2.1);
    expect(a.nextGapCycles()).toBe(2.1);
    let summed = 0;
    for (let i = 0; i < 1_000_000; i++) summed += a.nextGapCycles();
    // Repeated addition drifts; i * gap is one correctly rounded product.
    expect(summed).not.toBe(2_100_000);
    expect(a.timeOfCycles(1_000_000)).toBe(2_100_000);
    expect(a.timeOfCycles(0)).toBe(0);
    expect(a.timeOfCycles(3)).toBe(3 * 2.1);
  });

  it('rejects non-positive or non-finite gaps', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new ConstantArrivals(bad)).toThrow(/meanGapCycles must be a finite number > 0/);
    }
  });
});

describe('PoissonArrivals', () => {
  it('has the requested mean and a coefficient of variation of 1', () => {
    const mean = 1234.5;
    const a = new PoissonArrivals(mean, new Prng(1));
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    let nonPositive = 0;
    for (let i = 0; i < n; i++) {
      const g = a.nextGapCycles();
      if (!(g > 0)) nonPositive++;
      sum += g;
      sumSq += g * g;
    }
    const m = sum / n;
    const cv = Math.sqrt(sumSq / n - m * m) / m;
    expect(nonPositive).toBe(0);
    expect(Math.abs(m / mean - 1)).toBeLessThan(0.01);
    expect(Math.abs(cv - 1)).toBeLessThan(0.02);
    expect(a.meanGapCycles).toBe(mean);
  });

  it('counts per window look Poisson (variance ~ mean)', () => {
    // Memorylessness check beyond the marginal: counts in windows of 10 mean
    // gaps have mean and variance both ~10.
    const a = new PoissonArrivals(1, new Prng(2));
    const windows = 20_000;
    const counts = new Float64Array(windows);
    let t = a.nextGapCycles();
    for (let w = 0; w < windows; w++) {
      const end = (w + 1) * 10;
      while (t < end) {
        counts[w]!++;
        t += a.nextGapCycles();
      }
    }
    const m = counts.reduce((x, y) => x + y, 0) / windows;
    const v = counts.reduce((x, y) => x + (y - m) ** 2, 0) / windows;
    expect(Math.abs(m - 10)).toBeLessThan(0.15);
    expect(Math.abs(v / m - 1)).toBeLessThan(0.05);
  });

  it('is deterministic for a seed and draws from its own PRNG only', () => {
    const a = new PoissonArrivals(50, new Prng(7));
    const b = new PoissonArrivals(50, new Prng(7));
    const c = new PoissonArrivals(50, new Prng(8));
    const ga = Array.from({ length: 100 }, () => a.nextGapCycles());
    expect(Array.from({ length: 100 }, () => b.nextGapCycles())).toEqual(ga);
    expect(Array.from({ length: 100 }, () => c.nextGapCycles())).not.toEqual(ga);
    const p = new Prng(7);
    expect(new PoissonArrivals(50, p).nextGapCycles()).toBe(new Prng(7).nextExp(50));
  });

  it('rejects bad means', () => {
    expect(() => new PoissonArrivals(0, new Prng(1))).toThrow(/PoissonArrivals: meanGapCycles/);
  });
});
