/**
 * rtc-vs-pl: the [ExecModels] reference experiment. The chain ACL -> LB ->
 * L3FWD on 18 cores of the [ExecModels] server, run to completion (18 chain
 * instances) against pipelined (6 pipelines of 3 cores) and a hybrid (ACL,
 * the costliest NF, on 12 cores, LB+L3FWD on 6), 90 flows at the line rate of 100 GbE, for each
 * frame size. Nothing here encodes an outcome: each point is an ordinary run
 * whose cycles come from the NFs' work and the hardware model.
 */
import { layoutChain, modelLabel, type ExecModel } from '../graph/exec-models.js';
import type { Plot, ReportTable } from '../report/html.js';
import type { Experiment, ExperimentParams, ExperimentPoint, PointResult } from './experiment.js';
import { DST_NET, EXEC_MODELS_MACHINE, referenceChain, SRC_NET } from './chains.js';
import { memoryColumns, moduleKindCycles } from './summaries.js';

const FRAMES = [64, 128, 256, 512, 1024, 1518];
const CORES = 18;
const FLOWS = 90;

export const MODELS: ExecModel[] = [
  { model: 'rtc', cores: CORES },
  { model: 'pl', pipelines: CORES / 3 },
  { model: 'hybrid', stages: [['acl'], ['lb', 'l3fwd']], replicas: [12, 6] },
];

function points(params: ExperimentParams): ExperimentPoint[] {
  const frames = (params['frames'] as number[] | undefined) ?? FRAMES;
  const out: ExperimentPoint[] = [];
  const chain = referenceChain({ stateEntries: 1024, backends: 8, aclRules: 100, seed: params.seed });
  for (const frameBytes of frames) {
    for (const model of MODELS) {
      const label = `${frameBytes}B ${modelLabel(model, chain.length)}`;
      out.push({
        label,
        coords: { frameBytes, model: model.model },
        scenario: layoutChain({
          name: `rtc-vs-pl-${frameBytes}-${model.model}`,
          description: label,
          seed: params.seed,
          machine: EXEC_MODELS_MACHINE,
          port: { lineRate: '100Gbps', traffic: { flows: FLOWS, frameSize: frameBytes, rate: 'line', srcNet: SRC_NET, dstNet: DST_NET } },
          chain,
          model,
          queue: { size: 1024, whenFull: 'backpressure' },
          duration: addDurations(params.warmup, params.window),
          warmup: params.warmup,
        }),
      });
    }
  }
  return out;
}

/** "0.2ms" + "1ms" as one duration string in nanoseconds. */
export function addDurations(a: string, b: string): string {
  const ns = (v: string) => {
    const m = /^([0-9.e+-]+)\s*(ns|us|µs|ms|s)$/.exec(v.trim());
    if (!m) throw new Error(`not a duration: ${v}`);
    const k = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 }[m[2] as 'ns' | 'us' | 'µs' | 'ms' | 's'];
    return Number(m[1]) * k;
  };
  return `${Math.round(ns(a) + ns(b))}ns`;
}

function summarize(results: PointResult[]) {
  const kinds = ['acl', 'lb', 'l3fwd'];
  const byModel = (m: string) => results.filter((r) => r.point.coords['model'] === m);
  const frames = [...new Set(results.map((r) => r.point.coords['frameBytes'] as number))];
  const present = MODELS.filter((m) => byModel(m.model).length > 0);
  const throughput: ReportTable = {
    title: 'throughput and latency by frame size',
    columns: ['frame (B)', ...present.flatMap((m) => [`${m.model} Mpps`, `${m.model} data Gb/s`, `${m.model} wire Gb/s`, `${m.model} p50 µs`, `${m.model} p99 µs`])],
    rows: frames.map((f) => [f, ...present.flatMap((m) => {
      const r = byModel(m.model).find((x) => x.point.coords['frameBytes'] === f)!.record;
      return [round(r.throughput.deliveredMpps, 2), round(r.throughput.dataGbps, 1), round(r.throughput.wireGbps, 1),
        r.latency.p50Ns === null ? null : round(r.latency.p50Ns / 1000, 2), r.latency.p99Ns === null ? null : round(r.latency.p99Ns / 1000, 2)];
    })]),
  };
  const perNf: ReportTable = {
    title: 'cycles per packet per NF (memory stalls included)',
    columns: ['frame (B)', ...present.flatMap((m) => kinds.map((k) => `${m.model} ${k}`))],
    rows: frames.map((f) => [f, ...present.flatMap((m) => {
      const r = byModel(m.model).find((x) => x.point.coords['frameBytes'] === f)!.record;
      return kinds.map((k) => round(moduleKindCycles(r, k), 1));
    })]),
  };
  const tables: ReportTable[] = [throughput, perNf, ...memoryColumns(results, kinds)];
  const plots: Plot[] = [
    {
      id: 'mpps', title: 'Throughput', xLabel: 'frame size (bytes)', yLabel: 'Mpps', kind: 'bar',
      series: present.map((m) => ({ name: modelLabel(m, 3), points: frames.map((f) => ({ x: f, y: byModel(m.model).find((x) => x.point.coords['frameBytes'] === f)!.record.throughput.deliveredMpps })) })),
    },
    {
      id: 'gbps', title: 'Data rate', xLabel: 'frame size (bytes)', yLabel: 'Gb/s', kind: 'line',
      series: present.map((m) => ({ name: modelLabel(m, 3), points: frames.map((f) => ({ x: f, y: byModel(m.model).find((x) => x.point.coords['frameBytes'] === f)!.record.throughput.dataGbps })) })),
    },
    {
      id: 'p99', title: 'p99 latency', xLabel: 'frame size (bytes)', yLabel: 'µs', kind: 'line',
      series: present.map((m) => ({ name: modelLabel(m, 3), points: frames.map((f) => { const r = byModel(m.model).find((x) => x.point.coords['frameBytes'] === f)!.record; return { x: f, y: r.latency.p99Ns === null ? null : r.latency.p99Ns / 1000 }; }) })),
    },
    {
      id: 'cycles', title: 'Cycles per packet per NF at the smallest frame', xLabel: 'NF', yLabel: 'cycles/packet', kind: 'bar',
      series: present.map((m) => ({ name: modelLabel(m, 3), points: kinds.map((k, i) => ({ x: i + 1, y: moduleKindCycles(byModel(m.model).find((x) => x.point.coords['frameBytes'] === frames[0])!.record, k) })) })),
      note: `NFs: ${kinds.map((k, i) => `${i + 1} = ${k}`).join(', ')}`,
    },
  ];
  return {
    tables,
    plots,
    notes: [
      'RTC runs the whole chain on each core; PL moves every packet between cores twice, paying for the lines the previous core wrote (priced by the coherence model, not a constant).',
      'Wire Gb/s includes 20 bytes of preamble and gap per frame; 100 GbE at 64 B is 148.8 Mpps.',
    ],
  };
}

function round(v: number | null, digits: number): number | null {
  return v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits;
}

export const rtcVsPl: Experiment = {
  name: 'rtc-vs-pl',
  title: 'Run-to-completion vs pipeline: ACL -> LB -> L3FWD on 18 cores, 100 GbE, by frame size',
  description: 'The [ExecModels] reference experiment on the modelled dual-socket Xeon 8168 server: the chain ACL -> LB -> L3FWD on 18 cores of socket 0, as 18 run-to-completion instances, as 6 pipelines of 3 cores, and as a hybrid (ACL, the costliest NF, on 12 cores and LB+L3FWD on 6). 90 flows at 100 GbE line rate, one frame size per run. Reports throughput (Mpps, data and wire Gb/s), latency p50/p99, and cycles per packet per NF with the part stalled on each memory level.',
  parameters: [
    { name: 'window', help: 'virtual measurement window per point', default: '0.5ms' },
    { name: 'warmup', help: 'virtual warm-up before each window', default: '0.1ms' },
    { name: 'frames', help: 'frame sizes (bytes, FCS included)', default: FRAMES.join(',') },
    { name: 'seed', help: 'PRNG seed', default: '1' },
  ],
  defaults: () => ({ window: '0.5ms', warmup: '0.1ms', seed: 1, frames: FRAMES }),
  points,
  summarize,
};
