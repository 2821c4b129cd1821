import { describe, expect, it } from 'vitest';
import { compileQuantileLevels, profileQuantiles, quantileLevel } from '../../src/pktsched/qvisor/normaliser.js';
import { BAD_RANK, createQvisor, type TenantSpec } from '../../src/pktsched/qvisor/pre-processor.js';
import { ConfigError } from '../../src/util/config-check.js';
import { Prng } from '../../src/util/prng.js';

/** Levels of one tenant alone (policy = its name), for raw ranks `raws`. */
function levelsOf(spec: TenantSpec, levels: number, raws: number[]): number[] {
  const q = createQvisor([spec], spec.id, { levels });
  return raws.map((r) => q.level(0, r));
}

/** The definition, straight: q = min(L − 1, ⌊(below + equal/2)/n · L⌋). */
function midRankLevel(sample: number[], levels: number, r: number): number {
  let below = 0;
  let equal = 0;
  for (const v of sample) {
    if (v < r) below++;
    else if (v === r) equal++;
  }
  return Math.min(levels - 1, Math.floor(((below + equal / 2) / sample.length) * levels));
}

describe('quantile normaliser (mid-rank CDF of a profiled sample)', () => {
  // Sample {10, 20, 20, 30}, L = 4. u(r) = (below + ½ equal)/4:
  //   r < 10: 0 → 0;  r = 10: 0.125 → 0;  10 < r < 20: 0.25 → 1;  r = 20: 0.5 → 2;
  //   20 < r < 30: 0.75 → 3;  r = 30: 0.875 → 3;  r > 30: 1 → min(3, 4) = 3.
  const spec: TenantSpec = { id: 'T', normaliser: { kind: 'quantile', profile: profileQuantiles([20, 30, 10, 20]) } };

  it('gives the hand-computed levels, including the ½ for ties', () => {
    expect(levelsOf(spec, 4, [5, 10, 15, 20, 25, 30, 99, -Infinity, Infinity])).toEqual([0, 0, 1, 2, 3, 3, 3, 0, 3]);
  });

  it('puts a tenant whose ranks are all equal mid-range, not at level 0', () => {
    const one: TenantSpec = { id: 'E', normaliser: { kind: 'quantile', profile: profileQuantiles([7, 7, 7, 7]) } };
    expect(levelsOf(one, 10, [6, 7, 8])).toEqual([0, 5, 9]);
  });

  it('applies an optional clamp range before the lookup', () => {
    const clamped: TenantSpec = { id: 'T', normaliser: { kind: 'quantile', profile: profileQuantiles([10, 20, 20, 30]), lo: 20, hi: 22 } };
    expect(levelsOf(clamped, 4, [5, 20, 21, 99])).toEqual([2, 2, 3, 3]);
  });

  it('the compiled table agrees with the definition on random samples with ties, and stays within 2·L entries', () => {
    const rng = new Prng(16);
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + rng.nextInt(300);
      const sample = Array.from({ length: n }, () => rng.nextInt(50));
      const levels = 1 + rng.nextInt(20);
      const table = compileQuantileLevels(profileQuantiles(sample), levels);
      expect(table.values.length).toBeLessThanOrEqual(2 * levels);
      for (let r = -2; r <= 52; r += 0.5) {
        const got = quantileLevel(table.values, table.levelAt, table.levelAfter, 0, table.values.length, r);
        expect(got, `n=${n} L=${levels} r=${r}`).toBe(midRankLevel(sample, levels, r));
      }
    }
  });

  it('refuses an empty sample and a NaN in the sample', () => {
    expect(() => profileQuantiles([])).toThrow(/sample is empty/);
    expect(() => profileQuantiles([1, NaN])).toThrow(/sample\[1\] is NaN/);
  });
});

describe('linear, log and shift-min normalisers', () => {
  it('linear{0, 100}, L = 10: ⌊(r − lo)/(hi − lo)·L⌋, clamped, top level closed', () => {
    const spec: TenantSpec = { id: 'T', normaliser: { kind: 'linear', lo: 0, hi: 100 } };
    expect(levelsOf(spec, 10, [35, 0, -5, 99.5, 100, 1e12, 59.9])).toEqual([3, 0, 0, 9, 9, 9, 5]);
  });

  it('log{1, 1000}, L = 3: ⌊ln(r)/ln(1000)·3⌋, clamped below at lo', () => {
    // ln 5/ln 1000 = 0.233 → 0.70; ln 50/ln 1000 = 0.566 → 1.70; ln 500/ln 1000 = 0.900 → 2.70.
    const spec: TenantSpec = { id: 'T', normaliser: { kind: 'log', lo: 1, hi: 1000 } };
    expect(levelsOf(spec, 3, [5, 50, 500, 0.001, -3, 1e6])).toEqual([0, 1, 2, 0, 0, 2]);
  });

  it('shift-min{7, 9}, L = 3: level = r − lo', () => {
    const spec: TenantSpec = { id: 'T', normaliser: { kind: 'shift-min', lo: 7, hi: 9 } };
    expect(levelsOf(spec, 3, [7, 8, 9, 0, 100, 8.5])).toEqual([0, 1, 2, 0, 2, 1]);
  });

  it('NaN gives BAD_RANK (the caller drops it as bad-rank)', () => {
    const q = createQvisor([{ id: 'T', normaliser: { kind: 'linear', lo: 0, hi: 1 } }], 'T', { levels: 4 });
    expect(q.level(0, NaN)).toBe(BAD_RANK);
    expect(q.finalRank(0, NaN)).toBe(BAD_RANK);
  });
});

describe('origins for time-valued ranks', () => {
  const tenants: TenantSpec[] = [
    { id: 'rt', origin: 'now', normaliser: { kind: 'linear', lo: 0, hi: 1000 } },
    { id: 'fq', origin: 'vclock', normaliser: { kind: 'linear', lo: 0, hi: 1000 } },
  ];

  it("'now' ranks by slack d − now; 'vclock' by start tag − the tenant's own virtual time", () => {
    const q = createQvisor(tenants, 'rt + fq', { levels: 10 });
    q.now = 500;
    expect(q.level(0, 750)).toBe(2); // slack 250
    expect(q.level(0, 400)).toBe(0); // already late: slack < 0 clamps to 0 (most urgent)
    q.now = 600;
    expect(q.level(0, 750)).toBe(1); // slack 150
    expect(q.level(1, 450)).toBe(4); // vclock 0: 450
    q.vclock[1] = 100;
    expect(q.level(1, 450)).toBe(3); // 350
    expect(q.level(0, 750)).toBe(1); // the other tenant's clock does not move rt
  });
});

describe('normaliser checks', () => {
  it('one ConfigError lists every bad normaliser with its path', () => {
    const bad: TenantSpec[] = [
      { id: 'a', normaliser: { kind: 'linear', lo: 5, hi: 5 } },
      { id: 'b', normaliser: { kind: 'log', lo: 0, hi: 10 } },
      { id: 'c', normaliser: { kind: 'shift-min', lo: 0, hi: 10 } },
      { id: 'd', normaliser: { kind: 'linear', lo: NaN, hi: 1 } },
    ];
    let err: unknown;
    try {
      createQvisor(bad, 'a + b + c + d', { levels: 8 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const paths = (err as ConfigError).problems.map((p) => p.path);
    expect(paths).toEqual(['tenants[0].normaliser.hi', 'tenants[1].normaliser.lo', 'tenants[2].normaliser.hi', 'tenants[3].normaliser.lo']);
    expect((err as ConfigError).message).toContain('shift-min maps one raw unit to one level');
  });
});
