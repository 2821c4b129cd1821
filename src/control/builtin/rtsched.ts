/**
 * `controller: { kind: rtsched, pipeline: fork, source: measured, ... }` —
 * the [RTSched] weight controller (docs/rtsched-model.md; the spec's §8,
 * section numbers as listed there) closed over the emulation: at every
 * control point it takes one control() step for the named pipeline and sets
 * the WFQ weight of every emulated task with `setWeight`.
 *
 * Two sources for the controller's inputs (the rates, theta, lambda and
 * delays of the last simulate() step, §3):
 *
 *  - `model`: evaluate() on the controller's current weights, exactly as the
 *    analytic runner runRtSched does; the telemetry is not read. Its k-th
 *    answer is runRtSched's row k, bit for bit.
 *  - `measured`: the period that ends at the control point, measured on the
 *    emulated cores, in the model's units (see {@link measureEvaluation}).
 *    The objective of the line search (§8.5) stays the model's formula in the
 *    weights, on measured theta and lambda: it predicts how a candidate
 *    weight vector would change the queueing delay, which no measurement of
 *    the current weights can say.
 *
 * Units: one model time unit is `unit` of virtual time (default 10us); a
 * worker of speed T on a core at hz does T cost units per time unit, so one
 * cost unit is hz * unit / T cycles.
 *
 * Task and flow mapping: model task t is the emulated task `tasks[t]`
 * (default task0, task1, ... in the model's task order, §10), or a list of
 * emulated tasks (parts of one model task, each with its own entry queue,
 * for a task a packet enters twice, as in MGW): the model weight is shared
 * equally among the parts, the task's packets are counted at its first part
 * (which every flow of the task enters once) and its busy cycles summed over
 * all parts. Model flow f is the flow group `groups[f]` (default the spec's
 * flow names).
 *
 * COLD: runs on the main thread at control points.
 */
import type { ControlAction, Controller, Telemetry } from '../../engine/telemetry.js';
import type { Scenario } from '../../scenario/types.js';
import {
  controlStep, RT_CODE_COMPATIBLE, RT_DIRECTION_CAP, RT_MODEL_BEHAVIOUR, stepWorker, type RtCodeSwitches, type RtControlParams,
} from '../../sched/rtsched-controller.js';
import {
  evaluate, normalisePerWorker, RT_DELTA, simplifiedDelays, sloFlags, taskDelays, taskflowsByTask,
  type RtEvaluation, type RtPipeline,
} from '../../sched/rtsched-model.js';
import {
  FORK, FORK_INITIAL_WEIGHTS, MGW, MGW_UPSTREAM_WEIGHTS, TAILDROP, TAILDROP_INITIAL_WEIGHTS,
} from '../../sched/rtsched-pipelines.js';
import { parseDurationSeconds } from '../../util/units.js';
import { readInt, readNumber, readString, rejectUnknownKeys, type Problems } from '../../util/config-check.js';
import type { ControllerKind } from './index.js';

/** The pipelines a scenario may name, with the spec's initial weights (§10). */
export const RT_PIPELINES: Readonly<Record<string, { pipeline: RtPipeline; initialWeights: readonly number[] }>> = {
  fork: { pipeline: FORK, initialWeights: FORK_INITIAL_WEIGHTS },
  taildrop: { pipeline: TAILDROP, initialWeights: TAILDROP_INITIAL_WEIGHTS },
  mgw: { pipeline: MGW, initialWeights: MGW_UPSTREAM_WEIGHTS },
};

export interface RtSchedParams {
  pipeline: string;
  source: 'model' | 'measured';
  behaviour: 'model' | 'code';
  alpha: number;
  nuMaxStep: number;
  ns: number;
  delta: number;
  /** Seconds of virtual time per model time unit. */
  unitSeconds: number;
  /** Emulated task names per model task (its parts; usually one). */
  tasks: string[][];
  /** Flow group name per model flow. */
  groups: string[];
}

const FIELDS = ['pipeline', 'source', 'behaviour', 'alpha', 'nuMaxStep', 'ns', 'delta', 'unit', 'tasks', 'groups'];

function readNames(p: Problems, raw: Record<string, unknown>, key: string, path: string, fallback: string[], parts: boolean): Array<string | string[]> {
  const v = raw[key];
  if (v === undefined) return fallback;
  const nameOk = (x: unknown) => typeof x === 'string' || (parts && Array.isArray(x) && x.length > 0 && x.every((y) => typeof y === 'string'));
  if (!Array.isArray(v) || v.length !== fallback.length || !v.every(nameOk)) {
    const what = parts ? 'names (or lists of names of its parts), one per model task' : 'names, one per model flow';
    p.add(`${path}.${key}`, v, `a list of ${fallback.length} ${what} in the spec's order`);
    return fallback;
  }
  return v as Array<string | string[]>;
}

/** COLD: the controller's fields, checked with their paths. */
export function checkRtSchedParams(raw: Record<string, unknown>, path: string, p: Problems, ctx: { taskNames: readonly string[] }): RtSchedParams {
  rejectUnknownKeys(p, raw, FIELDS, path);
  const pipeline = readString(p, raw, 'pipeline', path, { oneOf: Object.keys(RT_PIPELINES) });
  const pl = RT_PIPELINES[pipeline]?.pipeline ?? FORK;
  const unitText = raw['unit'] ?? '10us';
  const unitSeconds = typeof unitText === 'string' ? parseDurationSeconds(unitText) : null;
  if (unitSeconds === null || !(unitSeconds > 0)) p.add(`${path}.unit`, raw['unit'], 'a duration > 0 such as 10us (one model time unit)');
  const tasks = readNames(p, raw, 'tasks', path, pl.tasks.map((_, t) => `task${t}`), true).map((t) => (typeof t === 'string' ? [t] : t));
  const known = new Set(ctx.taskNames);
  tasks.flat().forEach((t) => {
    if (!known.has(t)) p.add(`${path}.tasks`, t, `names of the scenario's tasks (${[...known].join(', ')})`);
  });
  return {
    pipeline,
    source: readString(p, raw, 'source', path, { oneOf: ['measured', 'model'], default: 'measured' }) as RtSchedParams['source'],
    behaviour: readString(p, raw, 'behaviour', path, { oneOf: ['model', 'code'], default: 'model' }) as RtSchedParams['behaviour'],
    alpha: readNumber(p, raw, 'alpha', path, { min: 0, default: 1 }),
    // A Euclidean length inside a worker's simplex, whose diameter is sqrt(2): 2 is no cap at all.
    nuMaxStep: readNumber(p, raw, 'nuMaxStep', path, { min: 0, max: 2, default: 0.025 }),
    ns: readInt(p, raw, 'ns', path, { min: 1, max: 10_000, default: 100 }),
    delta: readNumber(p, raw, 'delta', path, { min: 0, max: 1, exclusiveMin: false, default: RT_DELTA }),
    unitSeconds: unitSeconds ?? 1e-5,
    tasks,
    groups: readNames(p, raw, 'groups', path, pl.flows.map((f) => f.name), false) as string[],
  };
}

// ---------------------------------------------------------------- measurement

/** What one period measured, in the model's units (time units, cost units, packets). */
export interface RtMeasurement {
  /** r_f: the group's delivered packets per time unit. */
  ratesPktsPerTu: number[];
  /** rho_f: the group's offered packets per time unit. */
  offeredPktsPerTu: number[];
  /** d_f: the group's SLO percentile (p99 without one) of the period's deliveries, in time units; NaN if none. */
  delaysTu: number[];
  /** theta_t: the task's busy cost units per packet in the period; the last known value when it ran no packet; NaN before any. */
  thetaCyclesPerPkt: number[];
  /** The task's busy share of its core in the period (0..1). */
  busyShare: number[];
}

/** Cumulative per-task counters at a control point, for the period deltas. */
interface TaskCounters { packets: number[]; busyCycles: number[]; atCycles: number }

function counters(t: Telemetry, parts: readonly (readonly string[])[]): TaskCounters {
  const by = new Map(t.cores.flatMap((c) => c.tasks.map((x) => [x.name, x] as const)));
  return {
    packets: parts.map((names) => by.get(names[0]!)?.packets ?? 0),
    busyCycles: parts.map((names) => names.reduce((s, n) => s + (by.get(n)?.busyCycles ?? 0), 0)),
    atCycles: t.atCycles,
  };
}

/**
 * COLD: the model's inputs measured over the period that ends at `t`, given
 * the counters of the previous control point (zeros at the start) and the
 * previous theta (for tasks that ran nothing).
 */
export function measure(p: RtPipeline, params: RtSchedParams, hz: number, t: Telemetry, prev: TaskCounters, prevTheta: readonly number[]): { m: RtMeasurement; now: TaskCounters } {
  const now = counters(t, params.tasks);
  const periodCycles = now.atCycles - prev.atCycles;
  const unit = params.unitSeconds;
  const groups = new Map(t.period.groups.map((g) => [g.group, g] as const));
  const group = (f: number) => {
    const g = groups.get(params.groups[f]!);
    if (g === undefined) throw new Error(`rtsched controller: no flow group ${params.groups[f]} in the telemetry (controller.groups)`);
    return g;
  };
  const thetaCyclesPerPkt = p.tasks.map((task, i) => {
    const packets = now.packets[i]! - prev.packets[i]!;
    if (packets <= 0) return prevTheta[i] ?? NaN;
    const cyclesPerCostUnit = (hz * unit) / p.workers[task.worker]!.speedCyclesPerTu;
    return (now.busyCycles[i]! - prev.busyCycles[i]!) / packets / cyclesPerCostUnit;
  });
  const m: RtMeasurement = {
    ratesPktsPerTu: p.flows.map((_, f) => group(f).deliveredPps * unit),
    offeredPktsPerTu: p.flows.map((_, f) => group(f).offeredPps * unit),
    delaysTu: p.flows.map((_, f) => {
      const g = group(f);
      const us = g.slo?.latencyUs ?? g.latency?.p99Us ?? null;
      return us === null ? NaN : (us * 1e-6) / unit;
    }),
    thetaCyclesPerPkt,
    busyShare: p.tasks.map((_, i) => (periodCycles > 0 ? (now.busyCycles[i]! - prev.busyCycles[i]!) / periodCycles : 0)),
  };
  return { m, now };
}

/**
 * COLD: lambda (§6) on measurements: saturated when the task's busy share is
 * at least (1 - delta) w_t (the model's sum tau r >= (1 - delta) w T, divided
 * by T), demand when some flow of it has (1 - delta) r_f <= min(R_f, rho_f)
 * with measured r and rho (with the code-compatible indexing defect when
 * asked, §9.2 item 3).
 */
export function measuredLambda(p: RtPipeline, weights: readonly number[], m: RtMeasurement, delta: number, codeIndexing: boolean): number[] {
  return taskflowsByTask(p).map((list, t) => {
    const saturated = m.busyShare[t]! >= (1 - delta) * weights[t]!;
    const demand = list.some((tf, j) => {
      const f = p.flows[tf.flow]!;
      const rate = codeIndexing ? m.ratesPktsPerTu[j]! : m.ratesPktsPerTu[tf.flow]!;
      return (1 - delta) * rate <= Math.min(f.rateSloPktsPerTu, m.offeredPktsPerTu[tf.flow]!);
    });
    return saturated && demand ? 1 : 0;
  });
}

/** COLD: an RtEvaluation whose rates, theta, lambda and flow delays are measured (task delays and sd_f are the model's on measured theta). */
export function measuredEvaluation(p: RtPipeline, weights: readonly number[], m: RtMeasurement, delta: number, codeIndexing: boolean): RtEvaluation {
  const lambda = measuredLambda(p, weights, m, delta, codeIndexing);
  return {
    ratesPktsPerTu: m.ratesPktsPerTu,
    thetaCyclesPerPkt: m.thetaCyclesPerPkt,
    lambda,
    taskDelaysTu: taskDelays(p, weights, m.thetaCyclesPerPkt),
    delaysTu: m.delaysTu,
    simplifiedDelaysTu: simplifiedDelays(p, weights, m.thetaCyclesPerPkt),
    flags: sloFlags(p, m.ratesPktsPerTu, m.delaysTu, lambda),
  };
}

/**
 * COLD: one control() step (§8) whose violation test reads the measured flow
 * delays `last.delaysTu` instead of recomputing the estimate d_f from the
 * weights; otherwise controlStep's mechanics (direction §8.1-8.2, polyline
 * §8.3, cut §8.4 or the collapsed segment §9.2, line search §8.6 on the
 * objective §8.5, normalisation §8.7). Measured delays exist for the current
 * weights only, so a worker visited later does not see the effect of an
 * earlier worker's move (controlStep's Gauss-Seidel does).
 */
export function measuredControlStep(p: RtPipeline, weights: readonly number[], last: RtEvaluation, params: RtControlParams): number[] {
  const w = weights.slice();
  const byTask = taskflowsByTask(p);
  p.workers.forEach((worker, wi) => {
    if (worker.tasks.length < 2) return;
    const g = worker.tasks.map((t) => {
      const n = byTask[t]!.filter((tf) => last.delaysTu[tf.flow]! > p.flows[tf.flow]!.delaySloTu).length;
      const term = n > 0 ? (params.alpha * n * last.thetaCyclesPerPkt[t]! * p.queuePkts) / (worker.speedCyclesPerTu * w[t]! ** 2) : 0;
      return term + last.lambda[t]!;
    });
    const mean = g.reduce((s, x) => s + x, 0) / g.length;
    let d = g.map((x) => x - mean);
    const big = d.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    if (big > RT_DIRECTION_CAP) d = d.map((x) => (x * RT_DIRECTION_CAP) / big);
    // A NaN theta (a task that never ran a packet) gives no direction.
    if (d.every((x) => x === 0) || d.some((x) => Number.isNaN(x))) return;
    stepWorker(p, wi, w, d, last, params);
  });
  return normalisePerWorker(p, w);
}

// ---------------------------------------------------------------- the controller

export const rtsched: ControllerKind<RtSchedParams> = {
  name: 'rtsched',
  help: 'the [RTSched] WFQ weight controller (pipeline fork|taildrop|mgw; source model|measured; behaviour model|code; alpha, nuMaxStep, ns): one control step per period, setWeight on every task',
  checkParams(raw, path, p, ctx) {
    return checkRtSchedParams(raw, path, p, ctx);
  },
  create(s: Scenario, params: RtSchedParams): Controller {
    const p = RT_PIPELINES[params.pipeline]!.pipeline;
    const code: RtCodeSwitches = params.behaviour === 'code' ? RT_CODE_COMPATIBLE : RT_MODEL_BEHAVIOUR;
    const control: RtControlParams = { alpha: params.alpha, nuMaxStep: params.nuMaxStep, lineSearchPoints: params.ns, delta: params.delta, code };
    const evalOpts = { delta: params.delta, codeLambdaIndexing: code.lambdaIndexing };
    // The scenario's weights are the initial ones (period 0), normalised as runRtSched does.
    const byName = new Map(s.tasks.map((t) => [t.name, t.weight] as const));
    const initial = params.tasks.map((names) => names.reduce((s, n) => s + (byName.get(n) ?? 1), 0));
    let weights = code.noInitialNormalisation ? initial : normalisePerWorker(p, initial);
    let prev: TaskCounters = { packets: p.tasks.map(() => 0), busyCycles: p.tasks.map(() => 0), atCycles: 0 };
    let theta: number[] = p.tasks.map(() => NaN);
    return (t: Telemetry): ControlAction[] => {
      if (params.source === 'model') {
        weights = controlStep(p, weights, evaluate(p, weights, evalOpts), control);
      } else {
        const { m, now } = measure(p, params, s.hz, t, prev, theta);
        prev = now;
        theta = m.thetaCyclesPerPkt;
        weights = measuredControlStep(p, weights, measuredEvaluation(p, weights, m, params.delta, code.lambdaIndexing), control);
      }
      return params.tasks.flatMap((names, i) => names.map((task) => ({ type: 'setWeight' as const, task, weight: weights[i]! / names.length })));
    };
  },
};
