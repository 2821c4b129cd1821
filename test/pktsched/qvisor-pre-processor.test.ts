import { describe, expect, it } from 'vitest';
import { profileQuantiles, type NormaliserSpec } from '../../src/pktsched/qvisor/normaliser.js';
import { PolicyError } from '../../src/pktsched/qvisor/policy-grammar.js';
import { createQvisor, type QvisorPreprocessor, type TenantSpec } from '../../src/pktsched/qvisor/pre-processor.js';
import { ConfigError } from '../../src/util/config-check.js';
import { Prng } from '../../src/util/prng.js';

const lin = (id: string, lo = 0, hi = 100): TenantSpec => ({ id, normaliser: { kind: 'linear', lo, hi } });
const bands = (q: QvisorPreprocessor) => q.tenantIds.map((_, t) => q.bandOf(t));

describe('synthesizer: bases, offsets and widths', () => {
  it('A >> B > C + D >> E with L = 10, δ = 0.5 (S = 5)', () => {
    const q = createQvisor(['A', 'B', 'C', 'D', 'E'].map((id) => lin(id)), 'A >> B > C + D >> E', { levels: 10, preferStep: 0.5 });
    expect(q.preferStepLevels).toBe(5);
    // Tier widths: [A] 10; [B > C + D] (2 − 1)·5 + 10 = 15; [E] 10.
    expect(q.tiers.map((t) => [t.base, t.width, t.label])).toEqual([[0, 10, 'A'], [10, 15, 'B>C+D'], [25, 10, 'E']]);
    expect(bands(q)).toEqual([{ lo: 0, hi: 9 }, { lo: 10, hi: 19 }, { lo: 15, hi: 24 }, { lo: 15, hi: 24 }, { lo: 25, hi: 34 }]);
    expect(q.maxFinalRank).toBe(34);
    expect(Array.from(q.tierOf)).toEqual([0, 1, 1, 1, 2]);
  });

  it('δ sets the > step: S = ⌈δ·L⌉', () => {
    const ids = ['A', 'B', 'C'];
    const at = (delta: number) => bands(createQvisor(ids.map((id) => lin(id)), 'A > B > C', { levels: 10, preferStep: delta })).map((b) => b.lo);
    expect(at(0.3)).toEqual([0, 3, 6]);
    expect(at(0.25)).toEqual([0, 3, 6]); // ⌈2.5⌉ = 3
    expect(at(1)).toEqual([0, 10, 20]);
  });

  it('tiers are disjoint and ordered whatever the layout', () => {
    const q = createQvisor(['A', 'B', 'C', 'D', 'E'].map((id) => lin(id)), 'A + B >> C > D >> E', { levels: 7, preferStep: 0.9, tieBreak: 'interleave' });
    for (let i = 0; i + 1 < q.tiers.length; i++) expect(q.tiers[i]!.base + q.tiers[i]!.width - 1).toBeLessThan(q.tiers[i + 1]!.base);
    for (let t = 0; t < 5; t++) {
      const tier = q.tiers[q.tierOf[t]!]!;
      expect(q.bandOf(t).lo).toBeGreaterThanOrEqual(tier.base);
      expect(q.bandOf(t).hi).toBeLessThan(tier.base + tier.width);
    }
  });

  it('checks options in one ConfigError and the policy with a PolicyError', () => {
    expect(() => createQvisor([lin('A')], 'A', { levels: 0, preferStep: 1.5, tieBreak: 'x' as 'fifo' })).toThrow(ConfigError);
    let err: unknown;
    try {
      createQvisor([lin('A'), lin('A')], 'A', { levels: 0, preferStep: 0 });
    } catch (e) {
      err = e;
    }
    expect((err as ConfigError).problems.map((p) => p.path)).toEqual(['levels', 'preferStep', 'tenants[1].id']);
    expect(() => createQvisor([lin('A')], 'A >> B', { levels: 4 })).toThrow(PolicyError);
  });
});

describe('operators as shifts, on hand-computed ranks (linear{0, 100}, L = 100: level = ⌊raw⌋)', () => {
  const two = (policy: string, delta = 0.5) => createQvisor([lin('A'), lin('B')], policy, { levels: 100, preferStep: delta });

  it('A + B: same offset, so equal levels give equal final ranks', () => {
    const q = two('A + B');
    expect([q.finalRank(0, 42.5), q.finalRank(1, 42.1)]).toEqual([42, 42]);
    expect(q.finalRank(1, 10)).toBeLessThan(q.finalRank(0, 11));
  });

  it('A > B (δ = 0.5): B sits 50 levels up; B passes A only if qB + 50 < qA', () => {
    const q = two('A > B');
    expect(q.finalRank(1, 10)).toBe(60);
    expect(q.finalRank(0, 70)).toBe(70);
    for (let qa = 0; qa < 100; qa += 7) {
      for (let qb = 0; qb < 100; qb += 3) {
        expect(q.finalRank(1, qb) < q.finalRank(0, qa), `qa=${qa} qb=${qb}`).toBe(qb + 50 < qa);
      }
    }
  });

  it('A > B with δ = 1 orders strictly, like >> on a PIFO', () => {
    const q = two('A > B', 1);
    expect(q.finalRank(0, 1e9)).toBeLessThan(q.finalRank(1, -1e9));
  });

  it('A >> B: every A rank, however extreme, is below every B rank', () => {
    const q = two('A >> B');
    expect(q.finalRank(0, Infinity)).toBe(99);
    expect(q.finalRank(1, -Infinity)).toBe(100);
    expect(q.finalRank(1, 0.5)).toBe(100);
  });
});

describe("paper Figure 3: T1 >> T2 + T3, shift-min, L = 3, interleave (T2 before T3)", () => {
  const tenants: TenantSpec[] = [
    { id: 'T1', normaliser: { kind: 'shift-min', lo: 7, hi: 9 } },
    { id: 'T2', normaliser: { kind: 'shift-min', lo: 1, hi: 3 } },
    { id: 'T3', normaliser: { kind: 'shift-min', lo: 3, hi: 5 } },
  ];
  const q = createQvisor(tenants, 'T1 >> T2 + T3', { levels: 3, tieBreak: 'interleave' });

  it('gives the hand-computed finals', () => {
    expect([7, 8, 9].map((r) => q.finalRank(0, r))).toEqual([0, 1, 2]);
    expect([1, 3].map((r) => q.finalRank(1, r))).toEqual([3, 7]);
    expect([3, 5].map((r) => q.finalRank(2, r))).toEqual([4, 8]);
    expect(q.tiers[1]).toMatchObject({ base: 3, slotsPerLevel: 2, width: 6 });
  });

  it('a PIFO (stable sort by final rank) serves them in the figure order whatever the arrival order', () => {
    const want = ['T1:7', 'T1:8', 'T1:9', 'T2:1', 'T3:3', 'T2:3', 'T3:5'];
    const rng = new Prng(3);
    for (let trial = 0; trial < 20; trial++) {
      const arrivals = want.slice();
      for (let i = arrivals.length - 1; i > 0; i--) {
        const j = rng.nextInt(i + 1);
        [arrivals[i], arrivals[j]] = [arrivals[j]!, arrivals[i]!];
      }
      const ranked = arrivals.map((s, seq) => {
        const [name, raw] = s.split(':');
        return { s, seq, rank: q.finalRank(Number(name!.slice(1)) - 1, Number(raw)) };
      });
      ranked.sort((a, b) => a.rank - b.rank || a.seq - b.seq);
      expect(ranked.map((x) => x.s)).toEqual(want);
    }
  });
});

describe('I4: band containment and monotonicity for every normaliser kind', () => {
  const rng = new Prng(4);
  const sample = Array.from({ length: 1000 }, () => Math.floor(rng.nextExp(500)));
  const kinds: NormaliserSpec[] = [
    { kind: 'linear', lo: -50, hi: 2000 },
    { kind: 'log', lo: 1, hi: 1e6 },
    { kind: 'quantile', profile: profileQuantiles(sample) },
    { kind: 'shift-min', lo: 10, hi: 40 },
  ];
  const tenants: TenantSpec[] = kinds.map((normaliser, i) => ({ id: `t${i}`, normaliser }));

  for (const tieBreak of ['fifo', 'interleave'] as const) {
    it(`random raw ranks, including out-of-range, negative and huge ones (${tieBreak})`, () => {
      const q = createQvisor(tenants, 't0 >> t1 > t2 + t3', { levels: 64, tieBreak });
      const special = [-Infinity, -1e300, -1, 0, 1, 1e300, Infinity, Number.MAX_VALUE, Number.MIN_VALUE];
      for (let t = 0; t < tenants.length; t++) {
        const band = q.bandOf(t);
        const raws = special.concat(Array.from({ length: 2000 }, () => (rng.nextFloat() - 0.3) * 10 ** rng.nextInt(8)));
        raws.sort((a, b) => a - b);
        let prev = -1;
        for (const r of raws) {
          const f = q.finalRank(t, r);
          expect(Number.isInteger(f), `t${t} r=${r}`).toBe(true);
          expect(f).toBeGreaterThanOrEqual(band.lo);
          expect(f).toBeLessThanOrEqual(band.hi);
          expect(f, `monotone at t${t} r=${r}`).toBeGreaterThanOrEqual(prev);
          prev = f;
        }
      }
    });
  }
});

/**
 * I7/I8/I9: two tenants each offering Poisson traffic at the port rate (2×
 * overload), levels uniform over [0, 100), a 64-packet PIFO that evicts the
 * worst (largest rank, latest among ties), 2·10^5 dequeues. Returns B's share
 * of service and a hash of the dequeue sequence.
 */
function overload(policy: string, seed: number): { shareB: number; hash: number } {
  const q = createQvisor([lin('A'), lin('B')], policy, { levels: 100, preferStep: 0.5 });
  const rng = new Prng(seed);
  const CAP = 64;
  const rank = new Float64Array(CAP + 1);
  const tenant = new Uint8Array(CAP + 1);
  const seqOf = new Uint32Array(CAP + 1);
  let size = 0;
  let seq = 0;
  let nextA = rng.nextExp(1);
  let nextB = rng.nextExp(1);
  let freeAt = 0; // the port is busy until freeAt (service time 1)
  let served = 0;
  let servedB = 0;
  let hash = 0x811c9dc5;
  while (served < 200_000) {
    const tArr = Math.min(nextA, nextB);
    if (size > 0 && freeAt <= tArr) {
      // Dequeue the head (I5: the port starts the next packet as soon as it is free).
      hash = Math.imul(hash ^ (tenant[0]! * 0x10000 + rank[0]!) ^ seqOf[0]!, 0x01000193);
      if (tenant[0] === 1) servedB++;
      served++;
      rank.copyWithin(0, 1, size);
      tenant.copyWithin(0, 1, size);
      seqOf.copyWithin(0, 1, size);
      size--;
      freeAt += 1;
      continue;
    }
    const t = nextA <= nextB ? 0 : 1;
    if (t === 0) nextA += rng.nextExp(1);
    else nextB += rng.nextExp(1);
    const f = q.finalRank(t, rng.nextFloat() * 100);
    // Insert after every rank <= f (FIFO among equals); if over capacity the last one, the worst, goes (I2).
    let i = size;
    while (i > 0 && rank[i - 1]! > f) {
      rank[i] = rank[i - 1]!;
      tenant[i] = tenant[i - 1]!;
      seqOf[i] = seqOf[i - 1]!;
      i--;
    }
    rank[i] = f;
    tenant[i] = t;
    seqOf[i] = seq++;
    if (size < CAP) size++;
    if (freeAt < tArr) freeAt = tArr;
  }
  return { shareB: servedB / served, hash: hash >>> 0 };
}

describe('I7/I8: operator shares under 2× overload on a PIFO (closed forms in docs/qvisor.md)', () => {
  it('A + B gives B about 1/2', () => {
    expect(Math.abs(overload('A + B', 1).shareB - 0.5)).toBeLessThan(0.02);
  });
  it('A > B (δ = 0.5) gives B about (1 − δ)/2 = 0.25', () => {
    expect(Math.abs(overload('A > B', 1).shareB - 0.25)).toBeLessThan(0.02);
  });
  it('A >> B gives B almost nothing', () => {
    expect(overload('A >> B', 1).shareB).toBeLessThan(0.02);
  });
  it('I9: same seed, same dequeue sequence; another seed, another one', () => {
    expect(overload('A > B', 7).hash).toBe(overload('A > B', 7).hash);
    expect(overload('A > B', 7).hash).not.toBe(overload('A > B', 8).hash);
  });
});
