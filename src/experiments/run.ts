/**
 * Runs an experiment's points one after another (each point uses every host
 * thread it is given) and assembles the output: a versioned JSON document,
 * CSV rows, and the summary tables and plots.
 */
import { builtinController, CONTROLLER_KINDS } from '../control/builtin/index.js';
import { createWorkerPool, resolveThreads, runScenario, type WorkerPool } from '../engine/run.js';
import { parallelUnits } from '../engine/placement.js';
import { buildPlan } from '../graph/plan.js';
import type { ResultRecord } from '../metrics/record.js';
import { NF_KINDS } from '../nf/catalog.js';
import { validateScenario } from '../scenario/validate.js';
import { offeredFrames } from '../scenario/work.js';
import { EMU_VERSION } from '../version.js';
import type { Experiment, ExperimentParams, ExperimentSummary, PointResult } from './experiment.js';

export const EXPERIMENT_SCHEMA = 'emu.experiment/1';

export interface ExperimentOutput {
  schema: typeof EXPERIMENT_SCHEMA;
  emuVersion: string;
  experiment: string;
  params: ExperimentParams;
  points: { label: string; coords: Record<string, string | number>; record: ResultRecord }[];
  summary: ExperimentSummary;
}

export interface ExperimentRunOptions {
  threads?: number | 'auto';
  /** Called before each point with its index, the number of points and its label. */
  onPoint?: (i: number, n: number, label: string) => void;
  /** Fraction of the current point's virtual time done. */
  onProgress?: (fraction: number) => void;
}

/** What an experiment's points ask of the engine, found by validating them all before any runs. */
export interface ExperimentPlan {
  labels: string[];
  /** Frames each point's generators offer (scenario/work.ts). */
  frames: number[];
  totalFrames: number;
}

/**
 * Validates every point of `exp` with `params` (throwing the first point's
 * ConfigError, as running would, but before anything runs) and says how many
 * frames each offers, so a caller can refuse or announce a long experiment.
 * The frame limit is the caller's to apply to all points together; the run
 * validates each point again.
 */
export function planExperiment(exp: Experiment, params: ExperimentParams): ExperimentPlan {
  const points = exp.points(params);
  const frames = points.map((point) => {
    const s = validateScenario(point.scenario, { kinds: NF_KINDS, baseDir: null, checkOfferedFrames: false });
    return offeredFrames(s.ports, s.hz, s.durationCycles).total;
  });
  return { labels: points.map((p) => p.label), frames, totalFrames: frames.reduce((a, b) => a + b, 0) };
}

export async function runExperiment(exp: Experiment, params: ExperimentParams, opts: ExperimentRunOptions = {}): Promise<{ output: ExperimentOutput; wallSeconds: number }> {
  const t0 = process.hrtime.bigint();
  const points = exp.points(params);
  const results: PointResult[] = [];
  // One set of warm workers for every point that needs as many threads.
  let pool: WorkerPool | null = null;
  try {
    for (let i = 0; i < points.length; i++) {
      const point = points[i]!;
      opts.onPoint?.(i, points.length, point.label);
      const scenario = validateScenario(point.scenario, { kinds: NF_KINDS, controllerKinds: CONTROLLER_KINDS, baseDir: null });
      // No more workers than the point can use (runScenario starts no more either).
      const threads = Math.min(resolveThreads(opts.threads ?? scenario.threads, scenario.machine.cores), parallelUnits(buildPlan(scenario)));
      if (pool === null || pool.threads < threads) {
        await pool?.close();
        pool = createWorkerPool(threads);
      }
      const runOpts: Parameters<typeof runScenario>[1] = { threads, pool };
      // A point whose scenario names a built-in controller (controller: { kind }) runs under it.
      const controller = builtinController(scenario);
      if (controller !== null) runOpts.controller = controller;
      if (opts.onProgress) runOpts.onProgress = opts.onProgress;
      const { record } = await runScenario(scenario, runOpts);
      results.push({ point, record });
    }
  } finally {
    await pool?.close();
  }
  const summary = exp.summarize(results, params);
  const output: ExperimentOutput = {
    schema: EXPERIMENT_SCHEMA,
    emuVersion: EMU_VERSION,
    experiment: exp.name,
    params,
    points: results.map((r) => ({ label: r.point.label, coords: r.point.coords, record: r.record })),
    summary,
  };
  return { output, wallSeconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/** One CSV row per point: its coordinates, then throughput and latency, then cycles per packet of each module kind. */
export function experimentCsv(out: ExperimentOutput): string {
  const coordKeys = [...new Set(out.points.flatMap((p) => Object.keys(p.coords)))];
  const kinds = [...new Set(out.points.flatMap((p) => p.record.modules.filter((m) => m.kind !== 'queue' && m.packets > 0).map((m) => m.kind)))];
  const header = ['label', ...coordKeys, 'delivered_mpps', 'data_gbps', 'wire_gbps', 'p50_ns', 'p99_ns', 'dropped', ...kinds.map((k) => `${k}_cycles_per_packet`)];
  const esc = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const rows = out.points.map((p) => {
    const r = p.record;
    const perKind = kinds.map((k) => {
      const ms = r.modules.filter((m) => m.kind === k && m.packets > 0);
      const cycles = ms.reduce((a, m) => a + m.cycles, 0);
      const packets = ms.reduce((a, m) => a + m.packets, 0);
      return packets > 0 ? cycles / packets : null;
    });
    return [p.label, ...coordKeys.map((k) => p.coords[k]), r.throughput.deliveredMpps, r.throughput.dataGbps, r.throughput.wireGbps, r.latency.p50Ns, r.latency.p99Ns, r.totals.dropped, ...perKind];
  });
  return [header, ...rows].map((row) => row.map(esc).join(',')).join('\n') + '\n';
}
