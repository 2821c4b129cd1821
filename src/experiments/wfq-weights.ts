/**
 * wfq-weights: the [RTSched] fork pipeline (the paper's Fig. 1; §10.1 in the
 * list of the model's sections in docs/rtsched-model.md, which the other
 * § numbers below also refer to) on one emulated core under WFQ (stride
 * scheduling) with fixed task weights, one point per weight vector. Per
 * flow it reports the emulated delivered rate and p50/p99 delay, and beside
 * them the [RTSched] model's rate r_f and delay estimate d_f for the same
 * weights (rtsched-model.ts `evaluate`), with both SLO flags; per task, the
 * emulated CPU share against its weight.
 *
 * The emulated pipeline is the spec's, module for module:
 *
 *   eth0.rx0 -> m1 (synthetic) -> m2 (l3fwd, 2 ports) -+-> q1 -> m3 (synthetic) -> sink0   flow 0
 *                                                     +-> q2 -> m4 (synthetic) -> sink1   flow 1
 *   task0 = m1+m2 (root eth0.rx0), task1 = m3 (root q1), task2 = m4 (root q2)
 *
 * Batch B = 1 on every task, queues of Q = 1 packet that drop when full, as
 * the spec's B = Q = 1. Flow i goes to the i-th host of DST_NET and m2 holds a
 * host route for each, so the split is done by a real lookup. Costs come from
 * FORK_SPEC times CYCLES_PER_COST_UNIT; nothing else costs anything (no
 * machine preset: memory is free; WFQ charges no switch cost).
 *
 * Nothing is fitted: the model numbers are `evaluate` on the rescaled
 * pipeline, the emulated numbers are ordinary runs.
 */
import { evaluate, type RtEvaluation } from '../sched/rtsched-model.js';
import { FORK_INITIAL_WEIGHTS, FORK_SPEC } from '../sched/rtsched-pipelines.js';
import type { ResultRecord, LatencySummary } from '../metrics/record.js';
import type { Plot, ReportTable } from '../report/html.js';
import type { Experiment, ExperimentParams, ExperimentPoint, ExperimentSummary, PointResult } from './experiment.js';
import { emulatedForkModel, FORK_SINKS, FORK_TASKS, forkScenario, SECONDS_PER_TU } from './rtsched-scenarios.js';

// Re-exported: the fork scenario and its units moved to rtsched-scenarios.ts, shared with rtsched-loop.
export { CYCLES_PER_COST_UNIT, DST_NET, emulatedForkModel, forkScenario, HZ, SECONDS_PER_TU } from './rtsched-scenarios.js';

/** Default points: §10.1's initial weights, then weight moved from task 2 (and task 0) to task 1. */
export const DEFAULT_WEIGHTS: readonly (readonly number[])[] = [
  FORK_INITIAL_WEIGHTS,
  [0.333, 0.445, 0.222],
  [0.333, 0.556, 0.111],
  [0.1, 0.6, 0.3],
  [0.0004, 0.6668, 0.3328],
];

const TASKS = FORK_TASKS;
const SINKS = FORK_SINKS;

function label(w: readonly number[]): string {
  return w.join(':');
}

function points(params: ExperimentParams): ExperimentPoint[] {
  const vectors = (params['weights'] as number[][] | undefined) ?? DEFAULT_WEIGHTS;
  return vectors.map((w) => ({
    label: `w ${label(w)}`,
    coords: { w0: w[0]!, w1: w[1]!, w2: w[2]! },
    scenario: forkScenario(w, params),
  }));
}

// ---------------------------------------------------------------- reading records

/** The parts of a record this experiment reads beyond the base type (sink latency, scheduler counters). */
type SinkRow = ResultRecord['modules'][number] & { latency?: LatencySummary };
type TaskRow = ResultRecord['tasks'][number] & { sched?: { waitCycles: number; contextSwitches: number } };

export interface FlowMeasure {
  /** Packets delivered to the flow's sink within the window, per second. */
  deliveredPps: number;
  p50Ns: number | null;
  p99Ns: number | null;
}

export function flowMeasures(r: ResultRecord): FlowMeasure[] {
  return SINKS.map((name) => {
    const m = r.modules.find((x) => x.name === name) as SinkRow | undefined;
    const lat = m?.latency;
    if (lat === undefined) throw new Error(`wfq-weights: the record has no latency for sink ${name}`);
    return { deliveredPps: lat.count / r.time.measuredSeconds, p50Ns: lat.p50Ns, p99Ns: lat.p99Ns };
  });
}

/** Each task's busy cycles over the whole run (the record counts them from time 0) as a fraction of it. */
export function cpuShares(r: ResultRecord): number[] {
  return TASKS.map((name) => {
    const t = r.tasks.find((x) => x.name === name) as TaskRow | undefined;
    if (t === undefined) throw new Error(`wfq-weights: no task ${name} in the record`);
    return t.busyCycles / r.time.durationCycles;
  });
}

/** The model's view of one point: `evaluate` on the rescaled fork pipeline (rates in pps, delays in seconds). */
export function modelOf(weights: readonly number[]): RtEvaluation {
  return evaluate(emulatedForkModel(), weights);
}

// ---------------------------------------------------------------- summary

const r3 = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : Math.round(v * 1000) / 1000);
const r4 = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : Math.round(v * 10_000) / 10_000);
const r1 = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : Math.round(v * 10) / 10);
const yesNo = (b: boolean | null): string => (b === null ? '-' : b ? 'ok' : 'MISS');
const weightsOf = (p: PointResult): number[] => [p.point.coords['w0'] as number, p.point.coords['w1'] as number, p.point.coords['w2'] as number];

function summarize(results: PointResult[]): ExperimentSummary {
  const p = emulatedForkModel();
  const rows = results.map((res) => {
    const w = weightsOf(res);
    return { res, w, meas: flowMeasures(res.record), model: evaluate(p, w), shares: cpuShares(res.record) };
  });
  const flows = FORK_SPEC.flows;

  const rates: ReportTable = {
    title: 'rate per flow: emulated vs [RTSched] model (1 unit = 10 µs; rho = 10 units^-1 = 1 Mpps per flow)',
    columns: ['weights', 'flow', 'R (1/unit)', 'emulated kpps', 'emulated (1/unit)', 'model r_f (1/unit)', 'emulated / model', 'rate SLO emulated', 'rate SLO model'],
    rows: rows.flatMap(({ w, meas, model }) => flows.map((f, i) => {
      const emuTu = meas[i]!.deliveredPps * SECONDS_PER_TU;
      const modelTu = model.ratesPktsPerTu[i]! * SECONDS_PER_TU;
      // Rates per unit are below 1: four decimals as text, so R = 0.3334 and a rate of 1/3 stay apart (the table renderer keeps three significant digits of numbers).
      return [label(w), f.name, f.rateSloPktsPerTu.toFixed(4), r3(meas[i]!.deliveredPps / 1e3), emuTu.toFixed(4), modelTu.toFixed(4),
        modelTu > 0 ? r3(emuTu / modelTu) : null, yesNo(emuTu >= f.rateSloPktsPerTu), yesNo(model.flags.rateOk[i]!)];
    })),
  };
  const delays: ReportTable = {
    title: 'delay per flow: emulated p50/p99 (NIC arrival to sink) vs [RTSched] estimate d_f',
    columns: ['weights', 'flow', 'D (units)', 'p50 µs', 'p99 µs', 'p50 (units)', 'p99 (units)', 'model d_f (units)', 'model d_f µs', 'delay SLO emulated p99', 'delay SLO model'],
    rows: rows.flatMap(({ w, meas, model }) => flows.map((f, i) => {
      const m = meas[i]!;
      const tu = (ns: number | null) => (ns === null ? null : (ns * 1e-9) / SECONDS_PER_TU);
      const p99Tu = tu(m.p99Ns);
      return [label(w), f.name, f.delaySloTu, r1(m.p50Ns === null ? null : m.p50Ns / 1e3), r1(m.p99Ns === null ? null : m.p99Ns / 1e3),
        r3(tu(m.p50Ns)), r3(p99Tu), r3(model.delaysTu[i]! / SECONDS_PER_TU), r1(model.delaysTu[i]! * 1e6),
        yesNo(p99Tu === null ? null : p99Tu <= f.delaySloTu), yesNo(model.flags.delayOk[i]!)];
    })),
  };
  const shares: ReportTable = {
    title: 'CPU share per task (busy cycles / run, warm-up included) vs weight',
    columns: ['weights', 'task', 'weight (normalised)', 'emulated share', 'w_t / (w1 + w2)', 'packets', 'model lambda'],
    rows: rows.flatMap(({ res, w, shares: s, model }) => {
      const sum = w.reduce((a, b) => a + b, 0);
      return TASKS.map((name, t) => {
        const task = res.record.tasks.find((x) => x.name === name)!;
        return [label(w), name, r4(w[t]! / sum), r4(s[t]!), t === 0 ? null : r4(w[t]! / (w[1]! + w[2]!)), task.packets, model.lambda[t]!];
      });
    }),
  };
  const reasons = [...new Set(rows.flatMap(({ res }) => Object.keys(res.record.totals.dropsByReason)))].sort();
  const drops: ReportTable = {
    title: 'packets over the whole run: generated, delivered, dropped (the pipeline is overloaded by design)',
    columns: ['weights', 'generated', 'delivered', ...reasons.map((k) => `drops ${k}`), 'q1 full (flow0)', 'q2 full (flow1)', 'RX ring full', 'flow0 dropped', 'flow1 dropped', 'in flight', 'conserved'],
    rows: rows.map(({ res, w }) => {
      const r = res.record;
      const t = r.totals;
      // A queue's tail drops are its drain task's input drops.
      const inputDrops = (task: string) => r.tasks.find((x) => x.name === task)?.inputDrops ?? null;
      const flowDropped = (f: number) => r.flows.list?.[f]?.dropped ?? null;
      return [label(w), t.generated, t.delivered, ...reasons.map((k) => t.dropsByReason[k] ?? 0), inputDrops(TASKS[1]), inputDrops(TASKS[2]),
        r.ports.reduce((a, p) => a + p.rxRingDrops, 0), flowDropped(0), flowDropped(1), t.inFlight, t.conserved ? 'yes' : 'NO'];
    }),
  };

  const x = (i: number) => i + 1;
  const plots: Plot[] = [
    {
      id: 'rates', title: 'Delivered rate per flow, emulated vs model', xLabel: 'point', yLabel: 'packets per unit (10 µs)', kind: 'bar',
      series: flows.flatMap((f, i) => [
        { name: `${f.name} emulated`, points: rows.map((r, k) => ({ x: x(k), y: r.meas[i]!.deliveredPps * SECONDS_PER_TU })) },
        { name: `${f.name} model r_f`, points: rows.map((r, k) => ({ x: x(k), y: r.model.ratesPktsPerTu[i]! * SECONDS_PER_TU })) },
      ]),
      note: `points: ${rows.map((r, k) => `${x(k)} = ${label(r.w)}`).join(', ')}`,
    },
    {
      id: 'delays', title: 'Delay per flow: emulated p99 vs model estimate d_f', xLabel: 'point', yLabel: 'units (10 µs)', kind: 'bar',
      series: flows.flatMap((f, i) => [
        { name: `${f.name} emulated p99`, points: rows.map((r, k) => ({ x: x(k), y: r.meas[i]!.p99Ns === null ? null : (r.meas[i]!.p99Ns! * 1e-9) / SECONDS_PER_TU })) },
        { name: `${f.name} model d_f`, points: rows.map((r, k) => ({ x: x(k), y: r.model.delaysTu[i]! / SECONDS_PER_TU })) },
      ]),
      note: `points: ${rows.map((r, k) => `${x(k)} = ${label(r.w)}`).join(', ')}; SLOs D = ${flows.map((f) => f.delaySloTu).join(', ')} units`,
    },
    {
      id: 'shares', title: 'CPU share per task, emulated vs weight', xLabel: 'point', yLabel: 'fraction of the core', kind: 'bar',
      series: TASKS.flatMap((name, t) => [
        { name: `${name} emulated`, points: rows.map((r, k) => ({ x: x(k), y: r.shares[t]! })) },
        { name: `${name} weight`, points: rows.map((r, k) => ({ x: x(k), y: r.w[t]! / r.w.reduce((a, b) => a + b, 0) })) },
      ]),
    },
  ];

  return {
    tables: [rates, delays, shares, drops],
    plots,
    notes: [
      'Model columns are the [RTSched] model (its rate LP, paper eqs. 16-20, its delay estimate, paper §III-B, and its SLO flags; see docs/rtsched-model.md) evaluated on the fork pipeline rescaled to the emulated core (1 GHz, cost 1 = 10 000 cycles, B = Q = 1); emulated columns are ordinary runs. Nothing is fitted.',
      'Rates: WFQ (stride scheduling) is work-conserving. Task 0 needs 2e-5 units per packet, about 0.04 % of the core at 20 packets per unit, so the cycles it does not use go to tasks 1 and 2 in the ratio w1 : w2; the model\'s rate LP instead caps each task at w_t x T, reserving task 0\'s share unused. Emulated rates are therefore about 1 / (w1 + w2) times the model\'s (1.5 at the initial weights), and equal to them only where w0 is near 0.',
      'Rate SLOs: flow 0 needs R = 0.3334 per unit, just above 1/3, the most task 1 can deliver at a 2/3 share of the core. Where the emulated share of task 1 is 2/3, the emulated flag therefore turns on a packet or two more or less in the window (one packet in the default 200 ms window is 0.00005 per unit): read those flags as borderline.',
      'Delays: d_f is an estimate, not a percentile. For a flow it adds, per task, max(A, Bq) + B theta / T: A, one whole batch of the heaviest other task on the core (task 0 waiting behind task 1: 2 units); Bq = Q theta / (T w), the time between two runs of the task if it got exactly its share w; and its own batch. On the emulated core a packet of flow 0 waits in the RX ring while the heavy task that was running finishes (up to one heavy batch, the A term), is queued when task 0 drains the ring, then waits only for the runs stride order puts ahead of task 1 (at the initial weights two task-2 runs, 2 units) and runs (2 units): about 6 units against the model\'s 10. The gap is the queue term: the model takes a whole interval between runs at share w1 = 1/3 (6 units), the emulation shows the rest of an interval at the larger work-conserving share (4 units minus the own run). It shrinks as w0 goes to 0, where the model\'s shares are the emulated ones.',
      'Drops: with 20 packets per unit offered and well under 1 per unit served, nearly every packet is dropped at the size-1 queues (queue_full); the RX ring never overflows because task 0 drains it after every heavy run.',
    ],
  };
}

export const wfqWeights: Experiment = {
  name: 'wfq-weights',
  title: 'WFQ task weights on the [RTSched] fork pipeline: emulated rate and delay per flow beside the model',
  description: 'The [RTSched] fork pipeline (the paper\'s Fig. 1; docs/rtsched-model.md) on one emulated 1 GHz core under WFQ (stride scheduling, non-preemptive, one packet per run): task 0 splits two flows of 1 Mpps each by an L3 lookup into size-1 drop queues drained by task 1 (20 µs per packet, flow 0) and task 2 (10 µs per packet, flow 1). One point per fixed weight vector (task0:task1:task2). Per flow: emulated delivered rate and p50/p99 delay beside the model\'s r_f and delay estimate d_f, with rate and delay SLO flags of both; per task: emulated CPU share vs weight; drops by reason. Model units: 1 unit = 10 µs.',
  parameters: [
    { name: 'window', help: 'virtual measurement window per point', default: '200ms' },
    { name: 'warmup', help: 'virtual warm-up before each window', default: '2ms' },
    { name: 'weights', help: 'weight vectors task0:task1:task2, separated by ";"', default: DEFAULT_WEIGHTS.map(label).join(';') },
    { name: 'seed', help: 'PRNG seed', default: '1' },
  ],
  defaults: () => ({ window: '200ms', warmup: '2ms', seed: 1, weights: DEFAULT_WEIGHTS.map((w) => [...w]) }),
  points,
  summarize,
};
