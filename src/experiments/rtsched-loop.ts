/**
 * rtsched-loop: the [RTSched] weight controller closed over the emulation.
 * The fork, taildrop and MGW pipelines (rtsched-scenarios.ts) run on
 * emulated WFQ cores under the built-in `rtsched` controller, one control
 * step per control period of 1 ms (100 model time units of 10 µs), once with
 * the controller's inputs measured on the emulated cores (`source:
 * measured`) and once taken from the analytic model (`source: model`, whose
 * weights are the analytic runner's). Per period it sets the loop's weights,
 * measured rates, delays and SLO flags beside the model's prediction for the
 * same weights (`evaluate`) and beside the analytic runner (`runRtSched`);
 * per run, the period from which every SLO holds to the end.
 *
 * Section numbers (§n) are those of docs/rtsched-model.md ("Section numbers").
 * Nothing is fitted: both controllers and the model use the spec's
 * constants; the emulated numbers are ordinary runs.
 */
import type { PeriodPoint } from '../metrics/series.js';
import type { Plot, ReportTable } from '../report/html.js';
import { runRtSched, RT_CODE_COMPATIBLE, RT_MODEL_BEHAVIOUR, type RtPeriodRow } from '../sched/rtsched-controller.js';
import { evaluate, normalisePerWorker, RT_DELTA, sloFlags, type RtEvaluation, type RtPipeline } from '../sched/rtsched-model.js';
import { FORK, FORK_INITIAL_WEIGHTS, MGW, MGW_UPSTREAM_WEIGHTS, TAILDROP, TAILDROP_INITIAL_WEIGHTS } from '../sched/rtsched-pipelines.js';
import type { Experiment, ExperimentParams, ExperimentPoint, ExperimentSummary, PointResult } from './experiment.js';
import { forkScenario, MGW_TASK_PARTS, mgwScenario, SECONDS_PER_TU, taildropScenario, type LoopOptions } from './rtsched-scenarios.js';

/** One control step per 1 ms: 100 model time units, ~35 deliveries of fork's flow 0 per period. */
export const CONTROL_PERIOD = '1ms';
export const SOURCES = ['measured', 'model'] as const;
export const BEHAVIOURS = ['model', 'code'] as const;
type Behaviour = (typeof BEHAVIOURS)[number];
type Source = (typeof SOURCES)[number];

export interface LoopCase {
  name: 'fork' | 'taildrop' | 'mgw';
  pipeline: RtPipeline;
  initialWeights: readonly number[];
  /** Emulated task names per model task. */
  tasks: string[][];
  /** The paper's figure settings (§11: fork alpha = 1 with 0.05; taildrop and MGW 0.025), ns = 100 as upstream. */
  alpha: number;
  nuMaxStep: number;
  ns: number;
  build: (weights: readonly number[], params: ExperimentParams, loop: LoopOptions) => Record<string, unknown>;
}

const single = (n: number): string[][] => Array.from({ length: n }, (_, t) => [`task${t}`]);

export const LOOP_CASES: readonly LoopCase[] = [
  { name: 'fork', pipeline: FORK, initialWeights: FORK_INITIAL_WEIGHTS, tasks: single(3), alpha: 1, nuMaxStep: 0.05, ns: 100, build: (w, p, l) => forkScenario(w, p, l) },
  { name: 'taildrop', pipeline: TAILDROP, initialWeights: TAILDROP_INITIAL_WEIGHTS, tasks: single(3), alpha: 1, nuMaxStep: 0.025, ns: 100, build: taildropScenario },
  { name: 'mgw', pipeline: MGW, initialWeights: MGW_UPSTREAM_WEIGHTS, tasks: MGW_TASK_PARTS, alpha: 1, nuMaxStep: 0.025, ns: 100, build: mgwScenario },
];

const behavioursOf = (params: ExperimentParams): Behaviour[] => (params['policies'] as Behaviour[] | undefined) ?? ['model'];

function checkBehaviours(list: readonly string[]): void {
  const bad = list.filter((b) => !(BEHAVIOURS as readonly string[]).includes(b));
  if (bad.length > 0) throw new RangeError(`rtsched-loop: --policies names controller behaviours (${BEHAVIOURS.join(', ')}), got ${bad.join(', ')}`);
}

function points(params: ExperimentParams): ExperimentPoint[] {
  const behaviours = behavioursOf(params);
  checkBehaviours(behaviours);
  return LOOP_CASES.flatMap((c) => behaviours.flatMap((behaviour) => SOURCES.map((source) => {
    // The period-0 weights of runRtSched: normalised per worker unless code-compatible (§9.2 item 4).
    const w0 = behaviour === 'code' ? c.initialWeights : normalisePerWorker(c.pipeline, c.initialWeights);
    const controller = { kind: 'rtsched', pipeline: c.name, source, behaviour, alpha: c.alpha, nuMaxStep: c.nuMaxStep, ns: c.ns, tasks: c.tasks };
    return {
      label: `${c.name} ${source} ${behaviour}`,
      coords: { pipeline: c.name, source, behaviour },
      scenario: c.build(w0, params, { controlPeriod: CONTROL_PERIOD, controller }),
    };
  })));
}

// ---------------------------------------------------------------- reading the series

/** One period of a closed-loop run, in model units. */
export interface LoopRow {
  period: number;
  /** Model task weights in effect during the period (parts summed), as the controller holds them. */
  weights: number[];
  /** Measured: delivered rate (per unit), p99 delay (units; NaN if nothing delivered), and the §7 flags on them. */
  measured: { rates: number[]; delays: number[]; rateOk: boolean[]; delayOk: boolean[]; allSloOk: boolean };
  /** The model's prediction for the same weights (normalised per worker: the shares stride realises). */
  model: RtEvaluation;
}

/** COLD: the rows of one run's series (one per control period). */
export function loopRows(c: LoopCase, series: readonly PeriodPoint[]): LoopRow[] {
  const p = c.pipeline;
  return series.map((pt, k) => {
    const weightOf = new Map(pt.tasks.map((t) => [t.name, t.weight] as const));
    const weights = c.tasks.map((names) => names.reduce((s, n) => s + weightOf.get(n)!, 0));
    const groups = new Map(pt.groups.map((g) => [g.group, g] as const));
    const rates = p.flows.map((f) => groups.get(f.name)!.deliveredPps * SECONDS_PER_TU);
    const delays = p.flows.map((f) => {
      const us = groups.get(f.name)!.latency?.p99Us;
      return us === undefined ? NaN : (us * 1e-6) / SECONDS_PER_TU;
    });
    const flags = sloFlags(p, rates, delays, p.tasks.map(() => 0));
    return {
      period: k,
      weights,
      measured: { rates, delays, rateOk: flags.rateOk, delayOk: flags.delayOk, allSloOk: flags.allSloOk },
      model: evaluate(p, normalisePerWorker(p, weights), { delta: RT_DELTA }),
    };
  });
}

/** First period from which `ok` holds to the last row; null if it fails on the last. */
export function holdsFrom(oks: readonly boolean[]): number | null {
  let k = oks.length;
  while (k > 0 && oks[k - 1]) k--;
  return k < oks.length ? k : null;
}

/** The analytic runner for the same case, behaviour and number of periods. */
export function runnerRows(c: LoopCase, behaviour: Behaviour, periods: number): RtPeriodRow[] {
  return runRtSched(c.pipeline, c.initialWeights, {
    alpha: c.alpha, nuMaxStep: c.nuMaxStep, lineSearchPoints: c.ns, periods,
    code: behaviour === 'code' ? RT_CODE_COMPATIBLE : RT_MODEL_BEHAVIOUR,
  });
}

// ---------------------------------------------------------------- summary

const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : '-');
const f4 = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : '-');
const vec = (w: readonly number[]): string => w.map(f4).join(':');
const maxDiff = (a: readonly number[], b: readonly number[]): number => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

interface Run {
  c: LoopCase;
  source: Source;
  behaviour: Behaviour;
  res: PointResult;
  rows: LoopRow[];
  runner: RtPeriodRow[];
}

function runsOf(results: PointResult[]): Run[] {
  return results.map((res) => {
    const c = LOOP_CASES.find((x) => x.name === res.point.coords['pipeline'])!;
    const behaviour = res.point.coords['behaviour'] as Behaviour;
    const rows = loopRows(c, res.record.series?.points ?? []);
    return { c, source: res.point.coords['source'] as Source, behaviour, res, rows, runner: runnerRows(c, behaviour, Math.max(0, rows.length - 1)) };
  });
}

function headlineTable(runs: Run[]): ReportTable {
  const at = (v: number | null): string | number => (v === null ? 'never' : v);
  return {
    title: 'closed loop per run: when every SLO holds (and stays), measured on the emulation, predicted by the model at the loop\'s weights, and in the analytic runner',
    columns: ['run', 'periods', 'all SLOs from (measured)', 'first all-SLO period (measured)', 'all SLOs from (model at loop weights)', 'all SLOs from (analytic runner)',
      'final weights (loop)', 'final weights (runner)', 'max |w loop - w runner|', 'packets conserved'],
    rows: runs.map((r) => {
      const last = r.rows[r.rows.length - 1];
      const lastRunner = r.runner[r.runner.length - 1];
      const diff = r.rows.reduce((m, row, k) => Math.max(m, maxDiff(row.weights, r.runner[k]!.weights)), 0);
      const firstOk = r.rows.findIndex((x) => x.measured.allSloOk);
      return [r.res.point.label, r.rows.length, at(holdsFrom(r.rows.map((x) => x.measured.allSloOk))), firstOk < 0 ? 'never' : firstOk,
        at(holdsFrom(r.rows.map((x) => x.model.flags.allSloOk))), at(holdsFrom(r.runner.map((x) => x.flags.allSloOk))),
        last ? vec(last.weights) : '-', lastRunner ? vec(lastRunner.weights) : '-', diff.toExponential(2), r.res.record.totals.conserved ? 'yes' : 'NO'];
    }),
  };
}

function periodTable(r: Run): ReportTable {
  const flows = r.c.pipeline.flows;
  return {
    title: `${r.res.point.label}: per period, weights, then per flow measured | model rate (per unit), p99 | d_f delay (units), SLO flags measured | model (R = rate, D = delay)`,
    columns: ['k', 'weights', ...flows.flatMap((f) => [`${f.name} r (R ${f.rateSloPktsPerTu})`, `${f.name} d (D ${f.delaySloTu})`, `${f.name} SLO`])],
    rows: r.rows.map((row) => [row.period, vec(row.weights), ...flows.flatMap((_, i) => [
      `${f3(row.measured.rates[i]!)} | ${f3(row.model.ratesPktsPerTu[i]!)}`,
      `${f3(row.measured.delays[i]!)} | ${f3(row.model.delaysTu[i]!)}`,
      `${row.measured.rateOk[i] ? 'R' : '-'}${row.measured.delayOk[i] ? 'D' : '-'} | ${row.model.flags.rateOk[i] ? 'R' : '-'}${row.model.flags.delayOk[i] ? 'D' : '-'}`,
    ])]),
  };
}

function plotsOf(runs: Run[]): Plot[] {
  const out: Plot[] = [];
  const keys = [...new Set(runs.map((r) => `${r.c.name} ${r.behaviour}`))];
  for (const key of keys) {
    const group = runs.filter((r) => `${r.c.name} ${r.behaviour}` === key);
    const measured = group.find((r) => r.source === 'measured');
    const model = group.find((r) => r.source === 'model');
    if (!measured) continue;
    const p = measured.c.pipeline;
    const id = key.replace(/\s+/g, '-');
    out.push({
      id: `weights-${id}`, title: `${key}: weights per period, measured loop vs model loop (analytic runner)`, xLabel: 'period', yLabel: 'weight (per worker)',
      series: p.tasks.flatMap((t, i) => [
        { name: `${t.key} measured loop`, points: measured.rows.map((row) => ({ x: row.period, y: row.weights[i]! })) },
        { name: `${t.key} model loop`, points: (model?.rows ?? []).map((row) => ({ x: row.period, y: row.weights[i]! })), style: 'points' as const },
      ]),
    });
    out.push({
      id: `delays-${id}`, title: `${key}: delay per flow per period, measured p99 (measured loop) vs model d_f (analytic runner)`, xLabel: 'period', yLabel: 'units (10 µs)',
      series: p.flows.flatMap((f, i) => [
        { name: `${f.name} measured p99`, points: measured.rows.map((row) => ({ x: row.period, y: Number.isFinite(row.measured.delays[i]!) ? row.measured.delays[i]! : null })) },
        { name: `${f.name} model d_f`, points: measured.runner.map((row) => ({ x: row.period, y: Number.isFinite(row.delaysTu[i]!) ? row.delaysTu[i]! : null })), style: 'points' as const },
      ]),
      refLines: p.flows.map((f, i) => ({ y: f.delaySloTu, label: `D ${f.name}`, seriesIndex: 2 * i })),
    });
  }
  return out;
}

function summarize(results: PointResult[]): ExperimentSummary {
  const runs = runsOf(results);
  return {
    tables: [headlineTable(runs), ...runs.map(periodTable)],
    plots: plotsOf(runs),
    notes: NOTES,
  };
}

export const NOTES: string[] = [
  'Units: one model time unit is 10 µs on a 1 GHz core; rates are packets per unit, delays units. Measured delay = the period\'s p99 of NIC-arrival-to-sink latency of the flow group; model delay = the estimate d_f of §5 for the same weights. "all SLOs from" = first period from which every flow meets both SLOs to the last period (§11), or never.',
  'Where measured and modelled differ, and why (docs/rtsched-model.md, "The closed loop"): stride scheduling is work-conserving, so a task\'s unused share goes to the busy tasks in proportion to their weights, while the rate LP caps each task at w_t T (fork: the emulated rates exceed the model\'s wherever task 0 holds weight it does not use); the LP assumes lossless back-pressure and charges each task only for delivered packets, while the emulated size-1 queues tail-drop, so upstream tasks spend cycles on packets dropped downstream (taildrop) and a shared entry queue drops every flow in proportion to its arrivals where the LP would serve the cheap QoS flows in full (MGW); the model puts Q = 1 packet before each task, the emulated NIC ring before the first task holds 16.',
  'The measured loop reads, per period: each flow group\'s delivered rate (r_f), its p99 latency (d_f), each task\'s busy cycles per packet (theta_t) and busy share of its core (lambda\'s "saturated" test); the line search still predicts delays with the model\'s formula on those inputs (docs/rtsched-model.md, "The closed loop").',
];

export const rtschedLoop: Experiment = {
  name: 'rtsched-loop',
  title: 'The [RTSched] weight controller closed over the emulation: fork, taildrop and MGW on WFQ cores, measured loop beside the model',
  description: 'The [RTSched] pipelines (fork, taildrop, 5G MGW; docs/rtsched-model.md) on emulated 1 GHz WFQ cores (stride scheduling, B = Q = 1, the spec\'s module costs charged as cycles), each under the built-in rtsched controller: one control step per 1 ms period (100 units of 10 µs), with inputs measured on the emulated cores (source: measured) and, for comparison, from the analytic model (source: model, whose weights are runRtSched\'s). Per period: the weights, measured rates, p99 delays and SLO flags beside the model\'s prediction for the same weights; per run, the period from which every SLO holds. The number of periods is (warmup + window) / 1 ms: the default 51 ms gives rows 0..50 as in §11; --window 6ms is a quick run.',
  parameters: [
    { name: 'window', help: 'virtual run length after the warm-up; one row per 1 ms control period', default: '51ms' },
    { name: 'warmup', help: 'virtual warm-up (its periods are rows too; the controller acts in them)', default: '0ms' },
    { name: 'policies', help: 'controller behaviours, comma-separated: model (the spec\'s), code (code-compatible switches)', default: 'model' },
    { name: 'seed', help: 'PRNG seed (MGW\'s Poisson arrivals)', default: '1' },
  ],
  defaults: () => ({ window: '51ms', warmup: '0ms', seed: 1, policies: ['model'] }),
  points,
  summarize,
};
