/**
 * autoscale: [Quadrant]'s SLO autoscaler (the built-in `quadrant`
 * controller) on the [Quadrant] server preset, against static allocations.
 *
 * Eight chain instances, one per core, each two NFs as two processes of one
 * core under the cooperative scheduler (every batch pays two of the preset's
 * context switches), fed by one RSS queue each of a 10 GbE port. One
 * instance runs at the start; the others wait detached (the pool). The load
 * ramps up, holds, drops, spikes (a flash crowd) and drops again; meanwhile
 * the second NF of chain c0 fails for good.
 *
 * Points: the autoscaler for each latency SLO, and the same load on a static
 * allocation of as many cores as the load's peak needs and as its mean needs,
 * chains held at the autoscaler's load cap. A chain's most is computed from
 * its costs, F / (ΣS + N·C/B) ([Quadrant]'s rate formula), nothing measured
 * or fitted.
 */
import { LOAD_CAP } from '../control/builtin/quadrant.js';
import { E5_2630V3 } from '../hw/presets/e5-2630v3.js';
import type { Plot, ReportTable } from '../report/html.js';
import type { Experiment, ExperimentParams, ExperimentPoint, ExperimentSummary, PointResult } from './experiment.js';

const CHAINS = 8;
const FLOWS = 256;
/** Cycles a packet of each of the chain's two synthetic NFs. */
const NF_CYCLES = [400, 400] as const;
const BATCH = 32;
const BASE_MPPS = 8;
const PERIOD_MS = 0.25;
/** The load, as a multiple of BASE_MPPS, at fractions of the run: up, hold, down, a spike, down. */
const LOAD: readonly (readonly [number, number])[] = [[0, 0.1], [0.3, 1], [0.5, 1], [0.52, 0.4], [0.7, 0.4], [0.72, 1.35], [0.8, 1.35], [0.85, 0.4], [1, 0.4]];
/** When c0's second NF fails, as a fraction of the run. */
const FAIL_AT = 0.6;
const DEFAULT_SLOS = [20, 30, 50];

/** A chain's most, packets a second: F / (ΣS + N·C/B), N = 2 processes switching once each a batch. */
export function chainCapacityPps(): number {
  const sum = NF_CYCLES[0] + NF_CYCLES[1];
  return E5_2630V3.hz / (sum + (2 * E5_2630V3.os.contextSwitchCycles) / BATCH);
}

/** Cycles of one full batch of a chain: B packets through both NFs and the two switches. */
function fullBatchCycles(): number {
  return BATCH * (NF_CYCLES[0] + NF_CYCLES[1]) + 2 * E5_2630V3.os.contextSwitchCycles;
}

/** The load's peak and mean (packets a second) over the run. */
export function loadStats(): { peakPps: number; meanPps: number } {
  let area = 0;
  for (let i = 1; i < LOAD.length; i++) area += ((LOAD[i]![1] + LOAD[i - 1]![1]) / 2) * (LOAD[i]![0] - LOAD[i - 1]![0]);
  return { peakPps: Math.max(...LOAD.map((x) => x[1])) * BASE_MPPS * 1e6, meanPps: area * BASE_MPPS * 1e6 };
}

/** Cores a static allocation needs to carry `pps` with every chain under the load cap. */
export function staticCores(pps: number): number {
  return Math.min(CHAINS, Math.ceil(pps / (LOAD_CAP * chainCapacityPps())));
}

function durationMs(params: ExperimentParams): number {
  const m = /^([0-9.]+)\s*ms$/.exec(String(params.window));
  if (m === null || !(Number(m[1]) >= 2 * PERIOD_MS)) throw new RangeError(`autoscale: --window must be a duration in ms of at least ${2 * PERIOD_MS}ms (e.g. 12ms), got ${String(params.window)}`);
  return Number(m[1]);
}

type Mode = { kind: 'quadrant'; sloUs: number } | { kind: 'static'; cores: number; sloUs: number; label: string };

export function autoscaleScenario(params: ExperimentParams, mode: Mode): Record<string, unknown> {
  const ms = durationMs(params);
  const at = (f: number) => `${(ms * f).toFixed(4)}ms`;
  const modules: Record<string, unknown>[] = [];
  const edges: Record<string, unknown>[] = [];
  const tasks: Record<string, unknown>[] = [];
  for (let c = 0; c < CHAINS; c++) {
    modules.push(
      { name: `fw${c}`, kind: 'synthetic', config: { cyclesPerPacket: NF_CYCLES[0] } },
      { name: `q${c}`, kind: 'queue', config: { size: 256, whenFull: 'drop' } },
      { name: `nat${c}`, kind: 'synthetic', config: { cyclesPerPacket: NF_CYCLES[1] } },
    );
    edges.push({ from: `eth0.rx${c}`, to: `fw${c}` }, { from: `fw${c}`, to: `q${c}` }, { from: `q${c}`, to: `nat${c}` }, { from: `nat${c}`, to: 'eth0.tx' });
    const standby = mode.kind === 'quadrant' ? c > 0 : c >= mode.cores;
    tasks.push(
      { name: `c${c}.fw`, root: `eth0.rx${c}`, core: c, chain: `c${c}`, batch: BATCH, process: `c${c}.fw`, detached: standby },
      { name: `c${c}.nat`, root: `q${c}`, core: c, chain: `c${c}`, batch: BATCH, process: `c${c}.nat`, detached: standby },
    );
  }
  return {
    name: mode.kind === 'quadrant' ? `autoscale-quadrant-${mode.sloUs}us` : `autoscale-static-${mode.cores}`,
    seed: params.seed,
    duration: `${ms}ms`,
    controlPeriod: `${PERIOD_MS}ms`,
    machine: { preset: 'e5-2630v3' },
    ports: [{
      name: 'eth0', lineRate: '10Gbps', rxQueues: CHAINS,
      traffic: {
        flows: FLOWS, frameSize: 64, rate: `${BASE_MPPS}Mpps`,
        profile: { trace: LOAD.map(([f, v]) => ({ at: at(f), factor: v })) },
        slo: { latency: { percentile: 99, bound: `${mode.sloUs}us` } },
      },
    }],
    modules, edges, tasks,
    schedulers: [{ cores: Array.from({ length: CHAINS }, (_, c) => c), policy: 'coop' }],
    events: [{ at: at(FAIL_AT), kind: 'nf-fail', module: 'nat0' }],
    ...(mode.kind === 'quadrant' ? { controller: { kind: 'quadrant', slo: `${mode.sloUs}us`, alpha: 0.5, beta: 0.8 } } : {}),
  };
}

function slosOf(params: ExperimentParams): number[] {
  const v = params['slos'];
  if (v === undefined) return DEFAULT_SLOS;
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'number' || !(x > 0))) throw new RangeError('autoscale: slos must be a list of latency SLOs in µs, e.g. 50,100,200');
  return v as number[];
}

function modes(params: ExperimentParams): { label: string; mode: Mode }[] {
  const slos = slosOf(params);
  const { peakPps, meanPps } = loadStats();
  const out: { label: string; mode: Mode }[] = slos.map((sloUs) => ({ label: `quadrant SLO ${sloUs}us`, mode: { kind: 'quadrant', sloUs } }));
  const slo = slos[0]!;
  out.push({ label: `static peak (${staticCores(peakPps)} cores)`, mode: { kind: 'static', cores: staticCores(peakPps), sloUs: slo, label: 'peak' } });
  out.push({ label: `static mean (${staticCores(meanPps)} cores)`, mode: { kind: 'static', cores: staticCores(meanPps), sloUs: slo, label: 'mean' } });
  return out;
}

function points(params: ExperimentParams): ExperimentPoint[] {
  return modes(params).map(({ label, mode }) => ({
    label,
    coords: (mode.kind === 'quadrant' ? { allocation: 'quadrant', sloUs: mode.sloUs } : { allocation: `static ${mode.label}`, sloUs: mode.sloUs, cores: mode.cores }) as Record<string, string | number>,
    scenario: autoscaleScenario(params, mode),
  }));
}

const r3 = (v: number | null) => (v === null || !Number.isFinite(v) ? null : Math.round(v * 1000) / 1000);

function summarize(results: PointResult[]): ExperimentSummary {
  const rows = results.map(({ point, record }) => {
    const s = record.series!;
    const cores = s.points.map((p) => p.coresInUse);
    const scored = s.score;
    return [
      point.label,
      Number(point.coords['sloUs']),
      scored.withinSlo === null ? null : r3(scored.withinSlo * 100),
      r3(scored.worstLatencyRatio),
      r3(scored.coreSeconds * 1e3),
      r3(cores.reduce((a, b) => a + b, 0) / cores.length),
      Math.max(...cores),
      r3(record.throughput.deliveredMpps),
      record.totals.dropped,
      r3(scored.actionsPerSecond / 1e3),
      scored.recovery.map((x) => (x.seconds === null ? `${x.kind}: not recovered` : `${x.kind}: ${r3(x.seconds * 1e6)} µs`)).join('; '),
    ];
  });
  const table: ReportTable = {
    title: 'autoscaler against static allocations (score from the harness; cores held under the 90 % load cap)',
    columns: ['allocation', 'SLO µs', 'periods within SLO %', 'worst p99 / SLO', 'core-ms', 'mean cores', 'max cores', 'delivered Mpps', 'dropped', 'actions k/s', 'recovery'],
    rows,
  };
  const xs = (r: PointResult) => r.record.series!.points.map((p) => p.endSeconds * 1e3);
  const plots: Plot[] = [
    {
      id: 'autoscale-cores', title: 'cores in use over time', xLabel: 'virtual time (ms)', yLabel: 'cores', kind: 'line',
      series: results.map((r) => ({ name: r.point.label, style: 'step' as const, points: r.record.series!.points.map((p, i) => ({ x: xs(r)[i]!, y: p.coresInUse })) })),
    },
    {
      id: 'autoscale-p99', title: 'p99 latency per control period', xLabel: 'virtual time (ms)', yLabel: 'p99 (µs)', kind: 'line', yScale: 'log',
      series: results.map((r) => ({ name: r.point.label, points: r.record.series!.points.map((p, i) => ({ x: xs(r)[i]!, y: p.latency === null ? null : p.latency.p99Us })) })),
      refLines: [...new Set(results.map((r) => Number(r.point.coords['sloUs'])))].map((slo) => ({ y: slo, label: `SLO ${slo} µs` })),
    },
    {
      id: 'autoscale-load', title: 'offered and delivered load', xLabel: 'virtual time (ms)', yLabel: 'Mpps', kind: 'line',
      series: [
        { name: 'offered', points: results[0]!.record.series!.points.map((p, i) => ({ x: xs(results[0]!)[i]!, y: p.offeredPps / 1e6 })) },
        ...results.map((r) => ({ name: `delivered, ${r.point.label}`, points: r.record.series!.points.map((p, i) => ({ x: xs(r)[i]!, y: p.deliveredPps / 1e6 })) })),
      ],
    },
  ];
  const { peakPps, meanPps } = loadStats();
  return {
    tables: [table],
    plots,
    notes: [
      `A chain carries at most ${r3(chainCapacityPps() / 1e6)} Mpps (F / (ΣS + 2·C/B) with the preset's ${E5_2630V3.os.contextSwitchCycles}-cycle context switch and batch ${BATCH}); the load peaks at ${r3(peakPps / 1e6)} Mpps and averages ${r3(meanPps / 1e6)} Mpps, so the static allocations take ${staticCores(peakPps)} and ${staticCores(meanPps)} cores.`,
      `The autoscaler estimates a chain's latency as twice its p99 batch time, which a full batch bounds (2 × ${r3((2 * fullBatchCycles()) / E5_2630V3.hz * 1e6 / 2)} µs here): an SLO whose β share lies above that bound never moves it, only its load cap does; below it, Δr sheds flows while a chain's batches are full, even as it drains a backlog.`,
      `c0's NAT fails at ${FAIL_AT * 100} % of the run: the autoscaler sees c0's delivered counter stand still and moves its flows; a static allocation keeps sending them to the dead chain.`,
    ],
  };
}

export const autoscale: Experiment = {
  name: 'autoscale',
  title: "[Quadrant]'s SLO autoscaler against static allocations of the peak's and the mean's cores",
  description: "Eight chain instances (two synthetic NFs as two processes of one core, cooperative scheduling with the [Quadrant] preset's context switches) behind an RSS'd 10 GbE port; the load ramps up, holds, drops, spikes and drops again, and chain c0's second NF fails for good at 60 % of the run. The built-in quadrant controller scales chains out of a pool of detached ones and in again, migrating flows by [Quadrant]'s Δr rule, for each latency SLO; beside it, static allocations of the cores the peak and the mean need. Per point: share of periods within the SLO, worst p99 / SLO, core-seconds, cores over time, delivered rate, drops, recovery after the failure.",
  parameters: [
    { name: 'window', help: 'virtual length of each run (the load pattern stretches to it)', default: '12ms' },
    { name: 'slos', help: 'latency SLOs in µs, separated by ","', default: DEFAULT_SLOS.join(',') },
    { name: 'seed', help: 'PRNG seed', default: '1' },
  ],
  defaults: () => ({ window: '12ms', warmup: '0ms', seed: 1, slos: [...DEFAULT_SLOS] }),
  points,
  summarize,
};
