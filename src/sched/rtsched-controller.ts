/**
 * The [RTSched] weight controller (paper Alg. 1 and 2 with the simulator's
 * mechanics, §8) and the period loop of §3, in the spec's `model` behaviour
 * by default. Section numbers: docs/rtsched-model.md, "Section numbers".
 *
 * The code-compatible switches of §9.2 (which reproduce the published
 * simulator's fork and taildrop traces) are available as {@link RtCodeSwitches};
 * all off is the `model` behaviour.
 *
 * One control step visits the workers in index order (Gauss-Seidel: a
 * worker sees the weights already changed for earlier workers). For a worker
 * with at least two tasks it
 *   1. builds a descent direction from the violating flows and lambda (§8.1),
 *   2. centres it and caps its infinity norm at 0.1 (§8.2),
 *   3. bends it into a polyline that stays inside the simplex (§8.3),
 *   4. cuts the polyline at Euclidean length nu_maxstep (§8.4),
 *   5. line-searches ns points per segment on the objective of §8.5 and moves
 *      only on a strict improvement (§8.6),
 * then every worker's weights are normalised to sum 1 (§8.7).
 *
 * COLD. Pure and deterministic: fixed iteration orders, no clock, no PRNG.
 */
import {
  checkPipeline,
  checkWeights,
  evaluate,
  normalisePerWorker,
  RT_DELTA,
  simplifiedDelay,
  taskDelays,
  taskflowsByTask,
  flowDelays,
  type RtEvaluation,
  type RtFlow,
  type RtPipeline,
} from './rtsched-model.js';

/** Weight floor and degeneracy threshold (§8.8, upstream DEFAULT_EPSILON). */
export const RT_EPS = 1e-5;
/** "No bound" in the polyline scan (§8.8, upstream M). */
export const RT_BIG = 1e9;
/** Infinity-norm cap on the centred direction (§8.2). */
export const RT_DIRECTION_CAP = 0.1;

/** The code-compatible switches of §9.2, each a defect of the published simulator. */
export interface RtCodeSwitches {
  /** Item 1: a flow's objective delay sums the queueing terms of every task on the worker. */
  readonly allTasksObjective: boolean;
  /** Item 2: search one straight segment towards the polyline's last corner, capped at nu_maxstep. */
  readonly collapsedPolyline: boolean;
  /** Item 3: the lambda demand test reads the rate of the flow whose global index is the taskflow's position. */
  readonly lambdaIndexing: boolean;
  /** Item 4: period 0 uses the initial weights as listed, not normalised. */
  readonly noInitialNormalisation: boolean;
}

/** The spec's `model` behaviour: no switch on. */
export const RT_MODEL_BEHAVIOUR: RtCodeSwitches = { allTasksObjective: false, collapsedPolyline: false, lambdaIndexing: false, noInitialNormalisation: false };
/** The spec's `code-compatible` behaviour: every switch on (§9.2). */
export const RT_CODE_COMPATIBLE: RtCodeSwitches = { allTasksObjective: true, collapsedPolyline: true, lambdaIndexing: true, noInitialNormalisation: true };

export interface RtControlParams {
  /** alpha: weight of the delay penalty (1 or 0.05 in §11). */
  readonly alpha: number;
  /** nu_maxstep: Euclidean length budget along the polyline (§8.4). */
  readonly nuMaxStep: number;
  /** ns: line-search points per polyline segment (100 or 5 in §11). */
  readonly lineSearchPoints: number;
  /** delta of the lambda rule; defaults to 0.01. */
  readonly delta?: number;
  /** Code-compatible switches; defaults to {@link RT_MODEL_BEHAVIOUR}. */
  readonly code?: RtCodeSwitches;
}

export interface RtRunParams extends RtControlParams {
  /** K: controller steps after period 0 (50 in §11). */
  readonly periods: number;
}

/** One recorded period (§11 "What to record"): the system after `period` controller steps. */
export interface RtPeriodRow extends RtEvaluation {
  readonly period: number;
  /** w_t per task, after normalisation. */
  readonly weights: number[];
  /** L_i per worker (§8.5) at this period's weights, theta and lambda. */
  readonly objective: number[];
}

// ---------------------------------------------------------------- small vector helpers

const sum = (v: readonly number[]): number => v.reduce((s, x) => s + x, 0);
const norm2 = (v: readonly number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const centred = (v: readonly number[]): number[] => {
  const mean = sum(v) / v.length;
  return v.map((x) => x - mean);
};
const distance = (a: readonly number[], b: readonly number[]): number => norm2(a.map((x, i) => x - b[i]!));
const lerp = (a: readonly number[], b: readonly number[], s: number): number[] => a.map((x, i) => x + (b[i]! - x) * s);

// ---------------------------------------------------------------- §8.1 and §8.2

/**
 * COLD: the centred, capped descent direction for worker `wi` (§8.1-8.2),
 * one entry per task of the worker in task order. The delays use `weights`
 * (the current, possibly already changed weights) with theta and lambda
 * frozen from the last simulate step.
 */
export function descentDirection(p: RtPipeline, wi: number, weights: readonly number[], last: RtEvaluation, alpha: number): number[] {
  const worker = p.workers[wi]!;
  const delays = flowDelays(p, taskDelays(p, weights, last.thetaCyclesPerPkt));
  const byTask = taskflowsByTask(p);
  const g = worker.tasks.map((t) => {
    // NaN > D is false, so flows with a NaN delay never count (§8.1).
    const n = byTask[t]!.filter((tf) => delays[tf.flow]! > p.flows[tf.flow]!.delaySloTu).length;
    // With n = 0 the term is 0, not 0 * theta: theta may be NaN for an idle task.
    const term = n > 0 ? (alpha * n * last.thetaCyclesPerPkt[t]! * p.queuePkts) / (worker.speedCyclesPerTu * weights[t]! ** 2) : 0;
    return term + last.lambda[t]!;
  });
  const d = centred(g);
  const big = d.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  return big > RT_DIRECTION_CAP ? d.map((x) => (x * RT_DIRECTION_CAP) / big) : d;
}

// ---------------------------------------------------------------- §8.3

/**
 * COLD: the polyline corners from weights `w` along direction `d` (§8.3),
 * starting with a copy of `w`; null when a corner would leave the positive
 * orthant (the worker then does not move).
 */
export function polylineCorners(w: readonly number[], d: readonly number[]): number[][] | null {
  const v = w.slice();
  const corners = [w.slice()];
  let active = w.map((_, i) => i);
  let dir = d.slice();
  while (active.length > 0) {
    dir = centred(dir);
    if (norm2(dir) < RT_EPS) break;
    let inc = RT_BIG;
    let dec = RT_BIG;
    let half = RT_BIG;
    let floor = RT_BIG;
    let h = -1;
    active.forEach((a, k) => {
      const e = dir[k]!;
      const va = v[a]!;
      if (e > 0) inc = Math.min(inc, (1 - va) / e);
      if (e < 0) {
        dec = Math.min(dec, va / -e);
        const hv = va / (2 * Math.abs(e));
        if (hv < half) {
          half = hv;
          h = a;
        }
        if (va + e < 2 * RT_EPS) floor = (RT_EPS / 2 - va) / e; // overwrite: the last one wins
      }
    });
    const nu = Math.min(inc, dec, half, floor);
    const nextActive: number[] = [];
    const nextDir: number[] = [];
    active.forEach((a, k) => {
      v[a] = v[a]! + nu * dir[k]!;
      const frozen = v[a]! >= 1 - 2 * RT_EPS || v[a]! < 2 * RT_EPS || (nu !== 0 && a === h);
      if (!frozen) {
        nextActive.push(a);
        nextDir.push(dir[k]!);
      }
    });
    if (!v.every((x) => x > 0)) return null;
    corners.push(v.slice());
    active = nextActive;
    dir = nextDir;
  }
  return corners;
}

// ---------------------------------------------------------------- §8.4

/** COLD: the polyline cut at Euclidean length `nuMaxStep` (§8.4); starts with corners[0]. */
export function cutPolyline(corners: readonly (readonly number[])[], nuMaxStep: number): number[][] {
  const kept = [corners[0]!.slice()];
  let budget = nuMaxStep;
  for (let j = 1; j < corners.length; j++) {
    if (budget <= 0) break;
    const prev = corners[j - 1]!;
    const next = corners[j]!;
    const len = distance(next, prev);
    kept.push(len < budget ? next.slice() : lerp(prev, next, budget / len));
    budget -= len;
  }
  return kept;
}

// ---------------------------------------------------------------- §8.5

/**
 * COLD: L_i(x) of §8.5 for worker `wi`: alpha times the summed delay
 * penalties max(0, sd_f - D_f) over all flows, minus lambda-weighted weights.
 * `x` holds the worker's weights in task order; every other task keeps its
 * weight from `weights`; theta and lambda come from `last`. `allTasks` is
 * the code-compatible objective of §9.2 item 1.
 */
export function workerObjective(
  p: RtPipeline,
  wi: number,
  weights: readonly number[],
  last: RtEvaluation,
  alpha: number,
  x: readonly number[],
  allTasks = false,
): number {
  const trial = weights.slice();
  p.workers[wi]!.tasks.forEach((t, k) => {
    trial[t] = x[k]!;
  });
  const theta = last.thetaCyclesPerPkt;
  const workerTerm = allTasks ? allTasksQueueing(p, wi, trial, theta) : 0;
  let penalty = 0;
  for (const f of p.flows) {
    const sd = allTasks ? workerTerm + offWorkerQueueing(p, wi, f, trial, theta) : simplifiedDelay(p, f, trial, theta);
    const over = sd - f.delaySloTu;
    if (over > 0) penalty += over; // Python's max(0, NaN) is 0; `NaN > 0` is false too.
  }
  let reward = 0;
  for (let t = 0; t < p.tasks.length; t++) reward += last.lambda[t]! * trial[t]!;
  return alpha * penalty - reward;
}

/** Sum of Q * theta_t / (T_i * w_t) over every task of worker `wi` (§9.2 item 1). */
function allTasksQueueing(p: RtPipeline, wi: number, weights: readonly number[], theta: readonly number[]): number {
  const worker = p.workers[wi]!;
  return worker.tasks.reduce((s, t) => s + (p.queuePkts * theta[t]!) / (worker.speedCyclesPerTu * weights[t]!), 0);
}

/** The queueing terms of flow `f`'s tasks that are not on worker `wi` (§9.2 item 1). */
function offWorkerQueueing(p: RtPipeline, wi: number, f: RtFlow, weights: readonly number[], theta: readonly number[]): number {
  let sd = 0;
  for (const tf of f.taskflows) {
    const w = p.tasks[tf.task]!.worker;
    if (w !== wi) sd += (p.queuePkts * theta[tf.task]!) / (p.workers[w]!.speedCyclesPerTu * weights[tf.task]!);
  }
  return sd;
}

/**
 * COLD: the code-compatible search path of §9.2 item 2: one segment from the
 * start w towards the polyline's last corner E, of length
 * min(||E - w||, nuMaxStep).
 */
export function collapsedSegment(corners: readonly (readonly number[])[], nuMaxStep: number): number[][] {
  const w = corners[0]!;
  const end = corners[corners.length - 1]!;
  const len = distance(end, w);
  return [w.slice(), len === 0 ? w.slice() : lerp(w, end, Math.min(1, nuMaxStep / len))];
}

// ---------------------------------------------------------------- §8.6

/**
 * COLD: the line search of §8.6 over the kept polyline: ns points per
 * segment, the first point with the smallest objective, taken only if it is
 * strictly better than the start. Returns the chosen point (the start itself
 * when nothing is better).
 */
export function lineSearch(kept: readonly (readonly number[])[], ns: number, objective: (x: readonly number[]) => number): number[] {
  // Only a strictly smaller value replaces the best so far, so the first
  // minimiser wins and the start stays unless something beats it.
  let best = kept[0]!.slice();
  let bestValue = objective(best);
  for (let j = 1; j < kept.length; j++) {
    for (let k = 1; k <= ns; k++) {
      const x = lerp(kept[j - 1]!, kept[j]!, k / ns);
      const value = objective(x);
      if (value < bestValue) {
        best = x;
        bestValue = value;
      }
    }
  }
  return best;
}

// ---------------------------------------------------------------- one control step (§8)

/**
 * COLD: one `control()` step of §3: returns the new weights (normalised per
 * worker) from the current `weights` and the evaluation `last` of the
 * previous period.
 */
export function controlStep(p: RtPipeline, weights: readonly number[], last: RtEvaluation, params: RtControlParams): number[] {
  const w = weights.slice();
  p.workers.forEach((worker, wi) => {
    if (worker.tasks.length < 2) return;
    const d = descentDirection(p, wi, w, last, params.alpha);
    if (d.every((x) => x === 0)) return;
    stepWorker(p, wi, w, d, last, params);
  });
  return normalisePerWorker(p, w);
}

/**
 * One worker's move along direction d (§8.3-8.6): the polyline from its
 * tasks' weights, cut at nu_maxstep (or collapsed, code-compatible), and the
 * line search's point written into w.
 */
export function stepWorker(p: RtPipeline, wi: number, w: number[], d: readonly number[], last: RtEvaluation, params: RtControlParams): void {
  const code = params.code ?? RT_MODEL_BEHAVIOUR;
  const worker = p.workers[wi]!;
  const corners = polylineCorners(worker.tasks.map((t) => w[t]!), d);
  if (corners === null) return;
  const kept = code.collapsedPolyline ? collapsedSegment(corners, params.nuMaxStep) : cutPolyline(corners, params.nuMaxStep);
  const chosen = lineSearch(kept, params.lineSearchPoints, (x) => workerObjective(p, wi, w, last, params.alpha, x, code.allTasksObjective));
  worker.tasks.forEach((t, k) => {
    w[t] = chosen[k]!;
  });
}

// ---------------------------------------------------------------- the period loop (§3)

function checkParams(params: RtRunParams): void {
  const ok = (v: number, min: number): boolean => Number.isFinite(v) && v >= min;
  const problems: string[] = [];
  if (!ok(params.alpha, 0)) problems.push(`alpha must be a finite number >= 0, got ${params.alpha}`);
  if (!ok(params.nuMaxStep, 0)) problems.push(`nuMaxStep must be a finite number >= 0, got ${params.nuMaxStep}`);
  if (!(Number.isInteger(params.lineSearchPoints) && params.lineSearchPoints >= 1)) problems.push(`lineSearchPoints must be an integer >= 1, got ${params.lineSearchPoints}`);
  if (!(Number.isInteger(params.periods) && params.periods >= 0)) problems.push(`periods must be an integer >= 0, got ${params.periods}`);
  if (problems.length > 0) throw new RangeError(`rtsched run: ${problems.join('; ')}`);
}

function row(p: RtPipeline, period: number, weights: number[], ev: RtEvaluation, params: RtRunParams): RtPeriodRow {
  const allTasks = params.code?.allTasksObjective ?? false;
  const objective = p.workers.map((worker, wi) => workerObjective(p, wi, weights, ev, params.alpha, worker.tasks.map((t) => weights[t]!), allTasks));
  return { ...ev, period, weights, objective };
}

/**
 * COLD: the §3 loop: period 0 normalises the initial weights per worker
 * (unless `code.noInitialNormalisation`) and simulates; each of the
 * K = `periods` later periods runs control() then simulate(). Returns rows 0..K.
 */
export function runRtSched(p: RtPipeline, initialWeights: readonly number[], params: RtRunParams): RtPeriodRow[] {
  checkPipeline(p);
  checkWeights(p, initialWeights);
  checkParams(params);
  const code = params.code ?? RT_MODEL_BEHAVIOUR;
  const evalOpts = { delta: params.delta ?? RT_DELTA, codeLambdaIndexing: code.lambdaIndexing };
  let weights = code.noInitialNormalisation ? initialWeights.slice() : normalisePerWorker(p, initialWeights);
  let ev = evaluate(p, weights, evalOpts);
  const rows = [row(p, 0, weights, ev, params)];
  for (let k = 1; k <= params.periods; k++) {
    weights = controlStep(p, weights, ev, params);
    ev = evaluate(p, weights, evalOpts);
    rows.push(row(p, k, weights, ev, params));
  }
  return rows;
}

// ---------------------------------------------------------------- headline metrics (§11)

export interface RtHeadline {
  /** First period with all_slo_ok, or null. */
  readonly firstAllSloOk: number | null;
  /** all_slo_ok holds from firstAllSloOk through the last period. */
  readonly allSloOkHoldsToEnd: boolean;
  /** First period from which any_lambda stays false to the end, or null. */
  readonly lambdaClearFrom: number | null;
  /** First period from which every rate SLO stays met to the end, or null. */
  readonly ratesMetFrom: number | null;
  /** First period from which the weights stay within `tol` of it to the end; null if they moved in the last period. */
  readonly weightsSettledFrom: number | null;
}

/** First index from which `pred` holds for every later row; null if it fails on the last row. */
function holdsFrom(rows: readonly RtPeriodRow[], pred: (r: RtPeriodRow) => boolean): number | null {
  let k = rows.length;
  while (k > 0 && pred(rows[k - 1]!)) k--;
  return k < rows.length ? rows[k]!.period : null;
}

/** COLD: the headline metrics of §11 for a run. `tol` bounds weight changes counted as "no change". */
export function headline(rows: readonly RtPeriodRow[], tol = 1e-12): RtHeadline {
  const first = rows.find((r) => r.flags.allSloOk);
  const firstAllSloOk = first ? first.period : null;
  const allSloOkHoldsToEnd = first !== undefined && rows.slice(rows.indexOf(first)).every((r) => r.flags.allSloOk);
  const last = rows[rows.length - 1];
  const still = (r: RtPeriodRow): boolean => last !== undefined && r.weights.every((w, t) => Math.abs(w - last.weights[t]!) <= tol);
  let settled = holdsFrom(rows, still);
  if (settled !== null && settled === last?.period && rows.length > 1) settled = null;
  return {
    firstAllSloOk,
    allSloOkHoldsToEnd,
    lambdaClearFrom: holdsFrom(rows, (r) => !r.flags.anyLambda),
    ratesMetFrom: holdsFrom(rows, (r) => r.flags.allRateOk),
    weightsSettledFrom: settled,
  };
}
