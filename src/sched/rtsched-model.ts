/**
 * The [RTSched] real-time WFQ task-weight model: given a pipeline (workers,
 * tasks, flows) and one WFQ weight per task, it predicts each flow's rate,
 * each task's mean cost theta, the back-pressure flag lambda, each flow's
 * delay estimate and the SLO flags. This is the `simulate()` step of §3.
 * Section numbers (§n) in src/sched/ are those listed in docs/rtsched-model.md
 * ("Section numbers"), each with its place in the paper (equations, §III-B,
 * §V, Alg. 1 and 2, Fig. 1).
 * The controller that moves the weights is in rtsched-controller.ts.
 *
 * Units are the spec's abstract ones and are carried in the names:
 *   cycles (Cyc), time units (Tu), packets (Pkt);
 *   a worker's speed T is in cycles per time unit, a cost tau in cycles per
 *   packet, a rate in packets per time unit, a delay in time units.
 * The model is invariant under scaling all costs and speeds by one factor,
 * so an emulated core at `hz` with costs in cycles gives delays in seconds.
 *
 * Indexing: tasks, workers and flows are referred to by their index in the
 * pipeline's arrays; weights are a plain array indexed by task. Every loop
 * runs in index order, which the spec's tie-breaks depend on (§12).
 *
 * COLD. Pure: no `node:*` imports; nothing here reads a clock or a PRNG.
 */
import { ConfigError, type Problem } from '../util/config-check.js';
import { solveLp, type LpConstraint } from './simplex.js';

/** A CPU core; `tasks` lists its tasks' indices in WFQ/tie-break order (§2). */
export interface RtWorker {
  readonly name: string;
  /** T_i. */
  readonly speedCyclesPerTu: number;
  readonly tasks: readonly number[];
}

/** A run-to-completion unit on one worker. `key` is e.g. "w1:t3:bearer0_ul_user0". */
export interface RtTask {
  readonly key: string;
  readonly worker: number;
}

/** The part of a flow's path inside one task (§2): its summed module costs. */
export interface RtTaskflow {
  readonly task: number;
  /** tau_{t,f}. */
  readonly cyclesPerPkt: number;
}

export interface RtFlow {
  readonly name: string;
  /** rho_f. */
  readonly offeredPktsPerTu: number;
  /** R_f. */
  readonly rateSloPktsPerTu: number;
  /** D_f. */
  readonly delaySloTu: number;
  /** T(f) with costs, in order of first visit; each task at most once. */
  readonly taskflows: readonly RtTaskflow[];
}

export interface RtPipeline {
  readonly name: string;
  /** B. */
  readonly batchPkts: number;
  /** Q. */
  readonly queuePkts: number;
  readonly workers: readonly RtWorker[];
  readonly tasks: readonly RtTask[];
  readonly flows: readonly RtFlow[];
}

/** SLO flags of §7. */
export interface RtSloFlags {
  readonly rateOk: boolean[];
  readonly delayOk: boolean[];
  readonly allRateOk: boolean;
  readonly allDelayOk: boolean;
  readonly allSloOk: boolean;
  /** Some task has lambda = 1: the model predicts internal drop/back-pressure. */
  readonly anyLambda: boolean;
}

/** Everything `simulate()` computes for one weight vector. */
export interface RtEvaluation {
  /** r_f per flow (§4). */
  readonly ratesPktsPerTu: number[];
  /** theta_t per task (§5); NaN when every flow of the task has rate 0. */
  readonly thetaCyclesPerPkt: number[];
  /** lambda_t per task (§6), 0 or 1. */
  readonly lambda: number[];
  /** d_{t,f} per task (§5); it depends on t only, so one value per task. */
  readonly taskDelaysTu: number[];
  /** d_f per flow (§5); NaN if any of its task terms is NaN. */
  readonly delaysTu: number[];
  /** sd_f per flow, the queueing-only delay of the controller's objective (§5). */
  readonly simplifiedDelaysTu: number[];
  readonly flags: RtSloFlags;
}

/** delta of §6 and §8.8. */
export const RT_DELTA = 0.01;
/** Absolute slack of the SLO comparisons (§7). */
const SLO_SLACK = 1e-9;

// ---------------------------------------------------------------- checking

/** COLD: throws one ConfigError listing every structural problem of `p`. */
export function checkPipeline(p: RtPipeline): void {
  const problems: Problem[] = [];
  const bad = (path: string, value: unknown, expected: string): void => {
    problems.push({ path, value, expected });
  };
  const positive = (path: string, v: number): void => {
    if (!(Number.isFinite(v) && v > 0)) bad(path, v, 'a finite number > 0');
  };
  positive('batchPkts', p.batchPkts);
  positive('queuePkts', p.queuePkts);
  const owner = new Array<number>(p.tasks.length).fill(-1);
  p.workers.forEach((w, i) => {
    positive(`workers[${i}].speedCyclesPerTu`, w.speedCyclesPerTu);
    w.tasks.forEach((t, k) => {
      const path = `workers[${i}].tasks[${k}]`;
      if (!(Number.isInteger(t) && t >= 0 && t < p.tasks.length)) bad(path, t, `a task index in [0, ${p.tasks.length})`);
      else if (owner[t] !== -1) bad(path, t, 'a task listed on one worker only, once');
      else owner[t] = i;
    });
  });
  p.tasks.forEach((t, i) => {
    if (owner[i] !== t.worker) bad(`tasks[${i}].worker`, t.worker, `the worker whose task list holds task ${i}`);
  });
  p.flows.forEach((f, i) => {
    const at = `flows[${i}]`;
    for (const [k, v] of [['offeredPktsPerTu', f.offeredPktsPerTu], ['rateSloPktsPerTu', f.rateSloPktsPerTu], ['delaySloTu', f.delaySloTu]] as const) {
      if (!(Number.isFinite(v) && v >= 0)) bad(`${at}.${k}`, v, 'a finite number >= 0');
    }
    const seen = new Set<number>();
    f.taskflows.forEach((tf, k) => {
      const path = `${at}.taskflows[${k}]`;
      if (!(Number.isInteger(tf.task) && tf.task >= 0 && tf.task < p.tasks.length)) bad(`${path}.task`, tf.task, 'a task index');
      else if (seen.has(tf.task)) bad(`${path}.task`, tf.task, 'each task once per flow (sum its costs into one taskflow)');
      seen.add(tf.task);
      if (!(Number.isFinite(tf.cyclesPerPkt) && tf.cyclesPerPkt >= 0)) bad(`${path}.cyclesPerPkt`, tf.cyclesPerPkt, 'a finite number >= 0');
    });
  });
  if (problems.length > 0) throw new ConfigError(`rtsched pipeline ${p.name}`, problems);
}

/** COLD: throws unless `weights` has one finite, non-negative entry per task. */
export function checkWeights(p: RtPipeline, weights: readonly number[]): void {
  const problems: Problem[] = [];
  if (weights.length !== p.tasks.length) problems.push({ path: 'weights', value: weights.length, expected: `${p.tasks.length} entries, one per task` });
  weights.forEach((w, i) => {
    if (!(Number.isFinite(w) && w >= 0)) problems.push({ path: `weights[${i}]`, value: w, expected: 'a finite number >= 0' });
  });
  if (problems.length > 0) throw new ConfigError(`rtsched weights for ${p.name}`, problems);
}

/** F_t for every task: [flow index, tau] pairs in flow order (§2). */
export function taskflowsByTask(p: RtPipeline): Array<Array<{ flow: number; cyclesPerPkt: number }>> {
  const out = p.tasks.map(() => [] as Array<{ flow: number; cyclesPerPkt: number }>);
  p.flows.forEach((f, fi) => {
    for (const tf of f.taskflows) out[tf.task]!.push({ flow: fi, cyclesPerPkt: tf.cyclesPerPkt });
  });
  return out;
}

/** Divides each worker's weights by their sum (§8.7); a zero-sum worker is left alone. */
export function normalisePerWorker(p: RtPipeline, weights: readonly number[]): number[] {
  const out = weights.slice();
  for (const w of p.workers) {
    const sum = w.tasks.reduce((s, t) => s + weights[t]!, 0);
    if (sum > 0) for (const t of w.tasks) out[t] = weights[t]! / sum;
  }
  return out;
}

/**
 * COLD: the same pipeline in engine units, for comparing the model with an
 * emulated core: every cost is multiplied by `cyclesPerCostUnit` (so costs are
 * cycles per packet) and every speed by `hzPerSpeedUnit` (so speeds are cycles
 * per second and the time unit becomes the second). Offered rates and rate
 * SLOs scale by hz/cycles, delay SLOs by cycles/hz. The model is invariant
 * under this change of units: rates come out scaled by hz/cycles, delays by
 * cycles/hz, thetas by cycles, and lambda and the flags are unchanged.
 */
export function rescalePipeline(p: RtPipeline, cyclesPerCostUnit: number, hzPerSpeedUnit: number): RtPipeline {
  if (!(cyclesPerCostUnit > 0 && hzPerSpeedUnit > 0 && Number.isFinite(cyclesPerCostUnit) && Number.isFinite(hzPerSpeedUnit))) {
    throw new RangeError(`rescalePipeline: factors must be finite and > 0, got ${cyclesPerCostUnit} and ${hzPerSpeedUnit}`);
  }
  const perSecond = hzPerSpeedUnit / cyclesPerCostUnit;
  return {
    ...p,
    workers: p.workers.map((w) => ({ ...w, speedCyclesPerTu: w.speedCyclesPerTu * hzPerSpeedUnit })),
    flows: p.flows.map((f) => ({
      ...f,
      offeredPktsPerTu: f.offeredPktsPerTu * perSecond,
      rateSloPktsPerTu: f.rateSloPktsPerTu * perSecond,
      delaySloTu: f.delaySloTu / perSecond,
      taskflows: f.taskflows.map((tf) => ({ ...tf, cyclesPerPkt: tf.cyclesPerPkt * cyclesPerCostUnit })),
    })),
  };
}

// ---------------------------------------------------------------- rates (§4)

/** Tolerance factors of the max-min tie-break, as §4.3 gives them. */
const TIE_REL_TOL = 1e-9;

/** Capacity rows (one per task with flows) and upper bounds r_f <= rho_f, over `nVars` variables. */
function rateConstraints(p: RtPipeline, weights: readonly number[], nVars: number): LpConstraint[] {
  const rows: LpConstraint[] = [];
  for (const [t, list] of taskflowsByTask(p).entries()) {
    if (list.length === 0) continue;
    const coefs = new Array<number>(nVars).fill(0);
    for (const tf of list) coefs[tf.flow] = tf.cyclesPerPkt;
    const speed = p.workers[p.tasks[t]!.worker]!.speedCyclesPerTu;
    rows.push({ coefs, sense: '<=', rhs: weights[t]! * speed });
  }
  p.flows.forEach((f, fi) => {
    const coefs = new Array<number>(nVars).fill(0);
    coefs[fi] = 1;
    rows.push({ coefs, sense: '<=', rhs: f.offeredPktsPerTu });
  });
  return rows;
}

function unitRow(nVars: number, entries: ReadonlyArray<readonly [number, number]>, sense: LpConstraint['sense'], rhs: number): LpConstraint {
  const coefs = new Array<number>(nVars).fill(0);
  for (const [j, a] of entries) coefs[j] = a;
  return { coefs, sense, rhs };
}

function mustSolve(objective: number[], constraints: LpConstraint[], what: string): { x: number[]; value: number } {
  const r = solveLp({ objective, constraints });
  if (r.status !== 'optimal') throw new Error(`rtsched rate LP (${what}): ${r.status}`);
  return r;
}

/**
 * COLD: the reduced rate LP of §4.2 (maximise total rate under per-task CPU
 * capacity w_t * T and 0 <= r_f <= rho_f), with ties broken towards the
 * lexicographically max-min-fair optimum by the progressive filling of §4.3.
 * Variables are r_0 .. r_{F-1} and, for the filling LPs, s at index F.
 */
export function solveRates(p: RtPipeline, weights: readonly number[]): number[] {
  const nF = p.flows.length;
  if (nF === 0) return [];
  const nV = nF + 1;
  const base = rateConstraints(p, weights, nV);
  const sumObjective = new Array<number>(nV).fill(1);
  sumObjective[nF] = 0;
  const zStar = mustSolve(sumObjective, base, 'throughput').value;
  const tolZ = TIE_REL_TOL * Math.max(1, zStar);
  const allFlows = Array.from({ length: nF }, (_, f) => [f, 1] as const);
  // Departure from §4.3 step 2, which relaxes this row to z* - tol_z: any
  // slack lets the filling LPs buy a level for starved flows with total rate
  // (MGW period 0: flows 3 and 5 would get 4.4e-8 instead of 0, and the
  // starved task's theta would not be NaN as §5 says it is). The row is kept
  // tight; the simplex's own feasibility tolerance absorbs rounding in z*.
  const optimalFace = [...base, unitRow(nV, allFlows, '>=', zStar)];

  const fixed = new Array<number | null>(nF).fill(null);
  while (fixed.some((v) => v === null)) {
    const rows = [...optimalFace];
    fixed.forEach((v, f) => {
      // Free flows: r_f - s >= 0; fixed flows: r_f = value.
      rows.push(v === null ? unitRow(nV, [[f, 1], [nF, -1]], '>=', 0) : unitRow(nV, [[f, 1]], '=', v));
    });
    const sObjective = new Array<number>(nV).fill(0);
    sObjective[nF] = 1;
    const level = mustSolve(sObjective, rows, 'max-min level');
    // A level below tol_z is rounding noise around a starved level: take it as
    // exactly 0, so a starved task's theta is NaN (§5) rather than noise.
    const sStar = level.x[nF]! <= tolZ ? 0 : level.x[nF]!;
    const tolS = TIE_REL_TOL * Math.max(1, sStar);
    const probeRows = [...rows, unitRow(nV, [[nF, 1]], '>=', sStar - tolS)];
    const toFix: number[] = [];
    fixed.forEach((v, f) => {
      if (v !== null) return;
      const objective = new Array<number>(nV).fill(0);
      objective[f] = 1;
      if (mustSolve(objective, probeRows, `max r_${f}`).value <= sStar + 10 * tolS) toFix.push(f);
    });
    if (toFix.length === 0) toFix.push(smallestFree(fixed, level.x));
    for (const f of toFix) fixed[f] = sStar;
  }
  return fixed.map((v) => v!);
}

/** The free flow with the smallest value in `x` (first in flow order on ties). */
function smallestFree(fixed: ReadonlyArray<number | null>, x: readonly number[]): number {
  let best = -1;
  fixed.forEach((v, f) => {
    if (v === null && (best < 0 || x[f]! < x[best]!)) best = f;
  });
  return best;
}

// ---------------------------------------------------------------- theta, delays (§5)

/**
 * COLD: theta_t, the rate-weighted mean cost per packet of each task. A task
 * with one flow has that flow's cost whatever its rate; a task with several
 * flows all at rate 0 (or with no flows) has NaN.
 */
export function taskTheta(p: RtPipeline, rates: readonly number[]): number[] {
  return taskflowsByTask(p).map((list) => {
    if (list.length === 1) return list[0]!.cyclesPerPkt;
    let num = 0;
    let den = 0;
    for (const tf of list) {
      num += rates[tf.flow]! * tf.cyclesPerPkt;
      den += rates[tf.flow]!;
    }
    return den > 0 ? num / den : NaN;
  });
}

/**
 * COLD: d_{t,f} = max(A, Bq) + B * theta_t / T per task (§5), where A is the
 * largest B * theta / T among the task's neighbours on its worker (a running
 * maximum from 0 that skips NaN, as the spec's Python does) and
 * Bq = Q * theta_t / (T * w_t). A weight of 0 gives +Infinity.
 */
export function taskDelays(p: RtPipeline, weights: readonly number[], theta: readonly number[]): number[] {
  return p.tasks.map((task, t) => {
    const worker = p.workers[task.worker]!;
    const speed = worker.speedCyclesPerTu;
    let neighbour = 0;
    for (const u of worker.tasks) {
      const v = (p.batchPkts * theta[u]!) / speed;
      if (u !== t && v > neighbour) neighbour = v; // NaN > x is false: skipped
    }
    const queue = (p.queuePkts * theta[t]!) / (speed * weights[t]!);
    return Math.max(neighbour, queue) + (p.batchPkts * theta[t]!) / speed;
  });
}

/** COLD: d_f = sum of d_{t,f} over the flow's tasks; NaN propagates. */
export function flowDelays(p: RtPipeline, perTask: readonly number[]): number[] {
  return p.flows.map((f) => f.taskflows.reduce((s, tf) => s + perTask[tf.task]!, 0));
}

/** COLD: sd_f = sum over the flow's tasks of Q * theta_t / (T * w_t) (§5). */
export function simplifiedDelays(p: RtPipeline, weights: readonly number[], theta: readonly number[]): number[] {
  return p.flows.map((f) => simplifiedDelay(p, f, weights, theta));
}

export function simplifiedDelay(p: RtPipeline, f: RtFlow, weights: readonly number[], theta: readonly number[]): number {
  let sd = 0;
  for (const tf of f.taskflows) {
    const speed = p.workers[p.tasks[tf.task]!.worker]!.speedCyclesPerTu;
    sd += (p.queuePkts * theta[tf.task]!) / (speed * weights[tf.task]!);
  }
  return sd;
}

// ---------------------------------------------------------------- lambda (§6), flags (§7)

/**
 * COLD: lambda_t = 1 when the task uses at least (1 - delta) of its share
 * w_t * T (saturated) and some flow of the task has (1 - delta) * r_f <=
 * min(R_f, rho_f) (demand); else 0.
 */
export function backPressure(p: RtPipeline, weights: readonly number[], rates: readonly number[], opts: RtEvalOptions = {}): number[] {
  const delta = opts.delta ?? RT_DELTA;
  return taskflowsByTask(p).map((list, t) => {
    const speed = p.workers[p.tasks[t]!.worker]!.speedCyclesPerTu;
    const load = list.reduce((s, tf) => s + tf.cyclesPerPkt * rates[tf.flow]!, 0);
    const saturated = load >= (1 - delta) * weights[t]! * speed;
    const demand = list.some((tf, j) => {
      const f = p.flows[tf.flow]!;
      // Code-compatible (§9.2 item 3): the j-th taskflow reads the rate of global flow j.
      const rate = opts.codeLambdaIndexing ? rates[j]! : rates[tf.flow]!;
      return (1 - delta) * rate <= Math.min(f.rateSloPktsPerTu, f.offeredPktsPerTu);
    });
    return saturated && demand ? 1 : 0;
  });
}

/** COLD: the SLO flags of §7, on the full delay estimate; a NaN delay is not OK. */
export function sloFlags(p: RtPipeline, rates: readonly number[], delays: readonly number[], lambda: readonly number[]): RtSloFlags {
  const rateOk = p.flows.map((f, i) => rates[i]! >= f.rateSloPktsPerTu - SLO_SLACK);
  const delayOk = p.flows.map((f, i) => delays[i]! <= f.delaySloTu + SLO_SLACK);
  const allRateOk = rateOk.every(Boolean);
  const allDelayOk = delayOk.every(Boolean);
  return { rateOk, delayOk, allRateOk, allDelayOk, allSloOk: allRateOk && allDelayOk, anyLambda: lambda.some((l) => l === 1) };
}

/** Options of {@link evaluate}; all optional, defaults give the spec's `model` behaviour. */
export interface RtEvalOptions {
  /** delta of the lambda rule (§6); 0.01. */
  readonly delta?: number;
  /** The upstream lambda indexing defect (§9.2 item 3); false. */
  readonly codeLambdaIndexing?: boolean;
}

/**
 * COLD: the `simulate()` step of §3 for one weight vector (indexed by task):
 * rates, theta, lambda, delay estimates and SLO flags. `weights` are used as
 * given (no normalisation).
 */
export function evaluate(p: RtPipeline, weights: readonly number[], opts: RtEvalOptions = {}): RtEvaluation {
  checkWeights(p, weights);
  const ratesPktsPerTu = solveRates(p, weights);
  const thetaCyclesPerPkt = taskTheta(p, ratesPktsPerTu);
  const lambda = backPressure(p, weights, ratesPktsPerTu, opts);
  const taskDelaysTu = taskDelays(p, weights, thetaCyclesPerPkt);
  const delaysTu = flowDelays(p, taskDelaysTu);
  const simplifiedDelaysTu = simplifiedDelays(p, weights, thetaCyclesPerPkt);
  const flags = sloFlags(p, ratesPktsPerTu, delaysTu, lambda);
  return { ratesPktsPerTu, thetaCyclesPerPkt, lambda, taskDelaysTu, delaysTu, simplifiedDelaysTu, flags };
}
