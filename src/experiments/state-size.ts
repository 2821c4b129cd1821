/**
 * state-size: the [ExecModels] state-size study. Run to completion on 18
 * cores, the LB flow table and the L3FWD routing table grow from 100 to
 * 100 K entries with as many random flows offered, at 64 and 128 bytes.
 * Throughput and per-NF cycles follow from where the touched state lives in
 * the modelled caches.
 */
import { layoutChain } from '../graph/exec-models.js';
import type { Plot, ReportTable } from '../report/html.js';
import type { Experiment, ExperimentParams, ExperimentPoint, PointResult } from './experiment.js';
import { DST_NET, EXEC_MODELS_MACHINE, referenceChain, SRC_NET } from './chains.js';
import { addDurations } from './rtc-vs-pl.js';
import { memoryColumns, moduleKindCycles } from './summaries.js';

const SIZES = [100, 1000, 10_000, 100_000];
const FRAMES = [64, 128];
const CORES = 18;

function points(params: ExperimentParams): ExperimentPoint[] {
  const sizes = (params['sizes'] as number[] | undefined) ?? SIZES;
  const frames = (params['frames'] as number[] | undefined) ?? FRAMES;
  const out: ExperimentPoint[] = [];
  for (const frameBytes of frames) {
    for (const size of sizes) {
      const label = `${frameBytes}B ${size} entries`;
      out.push({
        label,
        coords: { frameBytes, entries: size },
        scenario: layoutChain({
          name: `state-size-${frameBytes}-${size}`,
          description: label,
          seed: params.seed,
          machine: EXEC_MODELS_MACHINE,
          port: { lineRate: '100Gbps', traffic: { flows: size, frameSize: frameBytes, rate: 'line', srcNet: SRC_NET, dstNet: DST_NET } },
          chain: referenceChain({ stateEntries: size, backends: size, aclRules: 100, seed: params.seed }),
          model: { model: 'rtc', cores: CORES },
          duration: addDurations(params.warmup, params.window),
          warmup: params.warmup,
        }),
      });
    }
  }
  return out;
}

function summarize(results: PointResult[]) {
  const kinds = ['acl', 'lb', 'l3fwd'];
  const frames = [...new Set(results.map((r) => r.point.coords['frameBytes'] as number))];
  const sizes = [...new Set(results.map((r) => r.point.coords['entries'] as number))];
  const at = (f: number, n: number) => results.find((r) => r.point.coords['frameBytes'] === f && r.point.coords['entries'] === n)!.record;
  const table: ReportTable = {
    title: 'RTC throughput and cycles per packet per NF by state size',
    columns: ['entries', ...frames.flatMap((f) => [`${f}B Mpps`, ...kinds.map((k) => `${f}B ${k} cyc/pkt`)])],
    rows: sizes.map((n) => [n, ...frames.flatMap((f) => {
      const r = at(f, n);
      return [Math.round(r.throughput.deliveredMpps * 100) / 100, ...kinds.map((k) => { const c = moduleKindCycles(r, k); return c === null ? null : Math.round(c * 10) / 10; })];
    })]),
  };
  const plots: Plot[] = [
    {
      id: 'mpps', title: 'RTC throughput by state size', xLabel: 'entries (LB and L3FWD tables, flows)', yLabel: 'Mpps', xScale: 'log',
      series: frames.map((f) => ({ name: `${f} B`, points: sizes.map((n) => ({ x: n, y: at(f, n).throughput.deliveredMpps })) })),
    },
    ...frames.map((f): Plot => ({
      id: `cycles-${f}`, title: `Cycles per packet per NF, ${f}-byte frames`, xLabel: 'entries', yLabel: 'cycles/packet', xScale: 'log',
      series: kinds.map((k) => ({ name: k, points: sizes.map((n) => ({ x: n, y: moduleKindCycles(at(f, n), k) })) })),
    })),
  ];
  return {
    tables: [table, ...memoryColumns(results, kinds)],
    plots,
    notes: ['Each point offers as many random flows as the tables hold; the tables are per core (one chain instance per core).'],
  };
}

export const stateSize: Experiment = {
  name: 'state-size',
  title: 'RTC throughput and per-NF cycles as LB and L3FWD state grows (100 to 100 K entries)',
  description: 'The [ExecModels] state-size study: ACL -> LB -> L3FWD run to completion on 18 cores of the modelled Xeon 8168 server; the LB flow table and the L3FWD routing table hold N entries and N random flows are offered at 100 GbE line rate, N from 100 to 100 000, at 64 and 128 bytes.',
  parameters: [
    { name: 'window', help: 'virtual measurement window per point', default: '0.5ms' },
    { name: 'warmup', help: 'virtual warm-up before each window', default: '0.1ms' },
    { name: 'sizes', help: 'state sizes (entries)', default: SIZES.join(',') },
    { name: 'frames', help: 'frame sizes (bytes)', default: FRAMES.join(',') },
    { name: 'seed', help: 'PRNG seed', default: '1' },
  ],
  defaults: () => ({ window: '0.5ms', warmup: '0.1ms', seed: 1, sizes: SIZES, frames: FRAMES }),
  points,
  summarize,
};
