import { describe, expect, it } from 'vitest';
import { solveLp, type LpConstraint } from '../../src/sched/simplex.js';
import { Prng } from '../../src/util/prng.js';
import { vertices } from './brute-force.js';

const le = (coefs: number[], rhs: number): LpConstraint => ({ coefs, sense: '<=', rhs });
const ge = (coefs: number[], rhs: number): LpConstraint => ({ coefs, sense: '>=', rhs });
const eq = (coefs: number[], rhs: number): LpConstraint => ({ coefs, sense: '=', rhs });

function optimal(r: ReturnType<typeof solveLp>): { x: number[]; value: number } {
  if (r.status !== 'optimal') throw new Error(`expected optimal, got ${r.status}`);
  return r;
}

describe('solveLp (dense two-phase simplex)', () => {
  it('solves a textbook maximisation', () => {
    // max 3x + 5y, x <= 4, 2y <= 12, 3x + 2y <= 18: optimum (2, 6), value 36.
    const r = optimal(solveLp({ objective: [3, 5], constraints: [le([1, 0], 4), le([0, 2], 12), le([3, 2], 18)] }));
    expect(r.value).toBeCloseTo(36, 12);
    expect(r.x[0]).toBeCloseTo(2, 12);
    expect(r.x[1]).toBeCloseTo(6, 12);
  });

  it('handles >= and = rows and negative right-hand sides (phase 1)', () => {
    // max x + y, x + y <= 10, x >= 3, y = 2 -> (8, 2); the same with -x <= -3.
    for (const xRow of [ge([1, 0], 3), le([-1, 0], -3)]) {
      const r = optimal(solveLp({ objective: [1, 1], constraints: [le([1, 1], 10), xRow, eq([0, 1], 2)] }));
      expect(r.x).toEqual([expect.closeTo(8, 12), expect.closeTo(2, 12)]);
    }
    // min x (max -x) with x >= 3 stops at the lower bound.
    const r = optimal(solveLp({ objective: [-1, 0], constraints: [ge([1, 0], 3), le([1, 1], 10)] }));
    expect(r.x[0]).toBeCloseTo(3, 12);
  });

  it('reports infeasible and unbounded problems', () => {
    expect(solveLp({ objective: [1], constraints: [le([1], 1), ge([1], 2)] }).status).toBe('infeasible');
    expect(solveLp({ objective: [1, 0], constraints: [eq([0, 0], 1)] }).status).toBe('infeasible');
    expect(solveLp({ objective: [1, 1], constraints: [le([1, -1], 1)] }).status).toBe('unbounded');
  });

  it('survives a degenerate vertex and redundant equalities', () => {
    // Three constraints meet at (1, 1); an equality repeated twice leaves a redundant artificial row.
    const r = optimal(solveLp({
      objective: [1, 1],
      constraints: [le([1, 0], 1), le([0, 1], 1), le([1, 1], 2), eq([1, 1], 2), eq([2, 2], 4)],
    }));
    expect(r.value).toBeCloseTo(2, 12);
  });

  it('scales rows, so costs of 1e-5 and 10 in one problem both bind correctly', () => {
    // max a + b: 2e-5 (a + b) <= 1e-5 (so a + b <= 0.5), 10 a <= 1 (a <= 0.1).
    const r = optimal(solveLp({ objective: [1, 1], constraints: [le([2e-5, 2e-5], 1e-5), le([10, 0], 1)] }));
    expect(r.value).toBeCloseTo(0.5, 12);
  });

  it('matches brute-force vertex enumeration on seeded random packing LPs', () => {
    const rng = new Prng(20261122);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + rng.nextInt(3);
      const m = 1 + rng.nextInt(4);
      const rows: Array<{ coefs: number[]; rhs: number }> = [];
      for (let i = 0; i < m; i++) {
        rows.push({ coefs: Array.from({ length: n }, () => (rng.nextInt(3) === 0 ? 0 : 0.25 * (1 + rng.nextInt(12)))), rhs: 0.5 + rng.nextInt(10) });
      }
      for (let j = 0; j < n; j++) rows.push({ coefs: Array.from({ length: n }, (_, k) => (k === j ? 1 : 0)), rhs: 1 + rng.nextInt(6) });
      const c = Array.from({ length: n }, () => 1 + rng.nextInt(3));
      const best = Math.max(...vertices(n, rows).map((x) => x.reduce((s, xi, k) => s + c[k]! * xi, 0)));
      const r = optimal(solveLp({ objective: c, constraints: rows.map((row) => le(row.coefs, row.rhs)) }));
      expect(r.value).toBeCloseTo(best, 9);
      for (const row of rows) expect(row.coefs.reduce((s, a, k) => s + a * r.x[k]!, 0)).toBeLessThanOrEqual(row.rhs + 1e-9);
      for (const xi of r.x) expect(xi).toBeGreaterThanOrEqual(0);
    }
  });

  it('is deterministic: the same problem gives bit-identical answers', () => {
    // A tie (any split of x + y = 1 is optimal) must resolve the same way every time.
    const p = { objective: [1, 1, 1], constraints: [le([1, 1, 0], 1), le([0, 1, 1], 1), le([1, 0, 1], 1)] };
    expect(solveLp(p)).toEqual(solveLp(p));
  });
});
