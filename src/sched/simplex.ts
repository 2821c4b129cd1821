/**
 * A small dense two-phase simplex for linear programs of the form
 *
 *   maximise  c . x   subject to  a_i . x (<= | >= | =) b_i,   x >= 0.
 *
 * Written for the [RTSched] rate LP (docs/rtsched-model.md): a handful of
 * variables and a few dozen rows, solved a few thousand times per reference
 * run. Clarity and determinism matter more than speed here.
 *
 * Determinism: Bland's rule (lowest-index entering column, lowest-index basic
 * variable among ratio ties) fixes every pivot, so the same input always gives
 * the same vertex, and the rule also rules out cycling on degenerate vertices.
 *
 * Numerics: every row is scaled so its largest |coefficient| is 1 (the RTSched
 * costs span 1e-5 .. 10, which would otherwise make one fixed pivot tolerance
 * wrong for some rows); right-hand sides that drift below zero by rounding are
 * clamped to zero; phase 1 accepts a residual infeasibility of FEAS_TOL times
 * the scale of b, because callers add rows like "r_f = value found by an
 * earlier LP" that are feasible only up to rounding.
 *
 * COLD. Pure: no `node:*` imports.
 */

export type LpSense = '<=' | '>=' | '=';

export interface LpConstraint {
  readonly coefs: readonly number[];
  readonly sense: LpSense;
  readonly rhs: number;
}

export interface LpProblem {
  /** Objective coefficients (maximised); its length is the number of variables. */
  readonly objective: readonly number[];
  readonly constraints: readonly LpConstraint[];
}

export type LpResult =
  | { readonly status: 'optimal'; readonly x: number[]; readonly value: number }
  | { readonly status: 'infeasible' }
  | { readonly status: 'unbounded' };

/** Entries with |a| below this are not used as pivots. */
const PIVOT_TOL = 1e-9;
/** A reduced cost must exceed this for its column to enter. */
const COST_TOL = 1e-10;
/** Relative phase-1 residual still treated as feasible. */
const FEAS_TOL = 1e-9;
/** Bland's rule terminates; this only turns a bug into a loud error. */
const MAX_PIVOTS = 100_000;

interface Tableau {
  /** rows[i] has nCols entries followed by the right-hand side. */
  rows: number[][];
  basis: number[];
  nCols: number;
  /** Columns that may enter the basis (artificials are barred in phase 2). */
  allowed: boolean[];
}

/** COLD: solves `p`; throws only on malformed input or a pivot-count overflow. */
export function solveLp(p: LpProblem): LpResult {
  const n = p.objective.length;
  const rows: LpConstraint[] = [];
  let bScale = 1;
  for (const [i, c] of p.constraints.entries()) {
    if (c.coefs.length !== n) throw new RangeError(`constraints[${i}] has ${c.coefs.length} coefficients, expected ${n}`);
    const big = c.coefs.reduce((m, a) => Math.max(m, Math.abs(a)), 0);
    if (big === 0) {
      if (!emptyRowHolds(c)) return { status: 'infeasible' };
      continue;
    }
    rows.push(normaliseRow(c, big));
    bScale = Math.max(bScale, Math.abs(c.rhs / big));
  }
  const t = buildTableau(n, rows);
  const nArt = t.nCols - n - rows.length;
  const firstArt = n + rows.length;

  // Phase 1: maximise -(sum of artificials).
  if (nArt > 0) {
    const cost1 = new Array<number>(t.nCols).fill(0);
    for (let j = firstArt; j < t.nCols; j++) cost1[j] = -1;
    const r1 = optimise(t, cost1);
    if (r1 === 'unbounded') throw new Error('simplex: phase 1 unbounded (cannot happen)');
    if (-r1 > FEAS_TOL * bScale) return { status: 'infeasible' };
    driveOutArtificials(t, firstArt);
    for (let j = firstArt; j < t.nCols; j++) t.allowed[j] = false;
  }

  const cost2 = new Array<number>(t.nCols).fill(0);
  for (let j = 0; j < n; j++) cost2[j] = p.objective[j]!;
  const r2 = optimise(t, cost2);
  if (r2 === 'unbounded') return { status: 'unbounded' };
  const x = new Array<number>(n).fill(0);
  for (let i = 0; i < t.rows.length; i++) {
    const b = t.basis[i]!;
    if (b < n) x[b] = t.rows[i]![t.nCols]!;
  }
  let value = 0;
  for (let j = 0; j < n; j++) value += p.objective[j]! * x[j]!;
  return { status: 'optimal', x, value };
}

/** A row with all-zero coefficients: does 0 (sense) rhs hold? */
function emptyRowHolds(c: LpConstraint): boolean {
  const tol = FEAS_TOL * Math.max(1, Math.abs(c.rhs));
  if (c.sense === '<=') return c.rhs >= -tol;
  if (c.sense === '>=') return c.rhs <= tol;
  return Math.abs(c.rhs) <= tol;
}

/** Scales a row to max |coef| = 1 and makes its right-hand side non-negative. */
function normaliseRow(c: LpConstraint, big: number): LpConstraint {
  const sign = c.rhs < 0 ? -1 : 1;
  const coefs = c.coefs.map((a) => (sign * a) / big);
  const flip: Record<LpSense, LpSense> = { '<=': '>=', '>=': '<=', '=': '=' };
  return { coefs, sense: sign < 0 ? flip[c.sense] : c.sense, rhs: (sign * c.rhs) / big };
}

/**
 * Columns: originals [0, n), one slack or surplus per row [n, n + m), then one
 * artificial per '>=' or '=' row. '<=' rows start with their slack basic.
 */
function buildTableau(n: number, rows: readonly LpConstraint[]): Tableau {
  const m = rows.length;
  const nArt = rows.filter((r) => r.sense !== '<=').length;
  const nCols = n + m + nArt;
  const tab: number[][] = [];
  const basis: number[] = [];
  let art = n + m;
  for (let i = 0; i < m; i++) {
    const r = rows[i]!;
    const row = new Array<number>(nCols + 1).fill(0);
    for (let j = 0; j < n; j++) row[j] = r.coefs[j]!;
    if (r.sense === '<=') row[n + i] = 1;
    if (r.sense === '>=') row[n + i] = -1;
    row[nCols] = r.rhs;
    if (r.sense === '<=') {
      basis.push(n + i);
    } else {
      row[art] = 1;
      basis.push(art++);
    }
    tab.push(row);
  }
  // An '=' row's slack column stays all-zero; barring it keeps it out of the basis.
  const allowed = new Array<boolean>(nCols).fill(true);
  for (let i = 0; i < m; i++) if (rows[i]!.sense === '=') allowed[n + i] = false;
  return { rows: tab, basis, nCols, allowed };
}

/**
 * Runs primal simplex with Bland's rule for `cost` (maximised) from the
 * current feasible basis. Returns the optimum value or 'unbounded'.
 */
function optimise(t: Tableau, cost: readonly number[]): number | 'unbounded' {
  const red = reducedCosts(t, cost);
  for (let iter = 0; iter < MAX_PIVOTS; iter++) {
    let q = -1;
    for (let j = 0; j < t.nCols; j++) {
      if (t.allowed[j] && red[j]! > COST_TOL) {
        q = j;
        break;
      }
    }
    if (q < 0) return -red[t.nCols]!;
    const p = ratioTest(t, q);
    if (p < 0) return 'unbounded';
    pivot(t, p, q, red);
  }
  throw new Error(`simplex: no optimum after ${MAX_PIVOTS} pivots`);
}

/** Objective row: cost_j - c_B . column_j, and -(c_B . b) in the last slot. */
function reducedCosts(t: Tableau, cost: readonly number[]): number[] {
  const red = cost.slice();
  red.push(0);
  for (let i = 0; i < t.rows.length; i++) {
    const cb = cost[t.basis[i]!]!;
    if (cb === 0) continue;
    const row = t.rows[i]!;
    for (let j = 0; j <= t.nCols; j++) red[j]! -= cb * row[j]!;
  }
  return red;
}

/** Minimum-ratio row for entering column q; ties go to the lowest basic index (Bland). */
function ratioTest(t: Tableau, q: number): number {
  let best = -1;
  let bestRatio = Infinity;
  for (let i = 0; i < t.rows.length; i++) {
    const a = t.rows[i]![q]!;
    if (a <= PIVOT_TOL) continue;
    const ratio = t.rows[i]![t.nCols]! / a;
    const tie = best >= 0 && Math.abs(ratio - bestRatio) <= 1e-12 * Math.max(1, Math.abs(bestRatio));
    if (best < 0 || (ratio < bestRatio && !tie)) {
      best = i;
      bestRatio = ratio;
    } else if (tie && t.basis[i]! < t.basis[best]!) {
      best = i;
    }
  }
  return best;
}

function pivot(t: Tableau, p: number, q: number, red: number[] | null): void {
  const prow = t.rows[p]!;
  const a = prow[q]!;
  for (let j = 0; j <= t.nCols; j++) prow[j]! /= a;
  prow[q] = 1;
  const eliminate = (row: number[]): void => {
    const f = row[q]!;
    if (f === 0) return;
    for (let j = 0; j <= t.nCols; j++) row[j]! -= f * prow[j]!;
    row[q] = 0;
  };
  for (let i = 0; i < t.rows.length; i++) {
    if (i === p) continue;
    const row = t.rows[i]!;
    eliminate(row);
    // Rounding can push a right-hand side a hair below zero; it is zero.
    if (row[t.nCols]! < 0 && row[t.nCols]! > -FEAS_TOL) row[t.nCols] = 0;
  }
  if (red) eliminate(red);
  t.basis[p] = q;
}

/**
 * After phase 1, artificials still basic sit at (about) zero. Pivot each out
 * on any usable non-artificial column; a row with none is redundant (all its
 * non-artificial entries are zero) and can never block a later pivot.
 */
function driveOutArtificials(t: Tableau, firstArt: number): void {
  for (let i = 0; i < t.rows.length; i++) {
    if (t.basis[i]! < firstArt) continue;
    const row = t.rows[i]!;
    for (let j = 0; j < firstArt; j++) {
      if (t.allowed[j] && Math.abs(row[j]!) > PIVOT_TOL) {
        pivot(t, i, j, null);
        break;
      }
    }
    if (row[t.nCols]! < 0) row[t.nCols] = 0;
  }
}
