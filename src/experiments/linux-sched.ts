/**
 * linux-sched: the [SCC] study. Chains of 1..8 IP routers, each a Linux
 * process on one core of the [SCC] machine (e5-2667v3, 10 GbE), connected by
 * a software switch (sharing the routers' core by default, or on its own core),
 * under three Linux policies (default CFS, batch CFS, RT FIFO) and five I/O
 * batch sizes (one receive and one send system call per batch of up to N
 * packets, non-blocking). Reports latency percentiles and jitter by chain
 * length, and two ratios per chain: wait time / run time and scheduler
 * contention (context-switch) time / run time.
 */
import type { Plot, ReportTable } from '../report/html.js';
import type { ResultRecord } from '../metrics/record.js';
import type { Experiment, ExperimentParams, ExperimentPoint, PointResult } from './experiment.js';
import { addDurations } from './rtc-vs-pl.js';
import { processChain } from './process-chain.js';

const LENGTHS = [1, 2, 3, 4, 5, 6, 7, 8];
const BATCHES = [1, 2, 16, 32, 256];
const POLICIES = ['cfs', 'cfs-batch', 'rt-fifo'] as const;
type Policy = (typeof POLICIES)[number];
const RATE = '100kpps';

/**
 * The switch's forwarding cost: [Quadrant] §1.3's vSwitch core forwards
 * 64-byte packets at 13.5 Mpps, 74 ns a packet; at the [SCC] machine's
 * 3.2 GHz that is 237 cycles (taken as constant in ns across machines).
 */
const SWITCH_CYCLES_PER_PACKET = Math.round((3.2e9 / 13.5e6));

type SchedRow = ResultRecord['tasks'][number] & { sched?: { waitCycles: number; switchCycles: number } };

function points(params: ExperimentParams): ExperimentPoint[] {
  const lengths = (params['lengths'] as number[] | undefined) ?? LENGTHS;
  const batches = (params['batches'] as number[] | undefined) ?? BATCHES;
  const policies = ((params['policies'] as string[] | undefined) ?? [...POLICIES]) as Policy[];
  for (const p of policies) {
    if (!POLICIES.includes(p)) throw new Error(`linux-sched: unknown policy "${p}"; expected some of: ${POLICIES.join(', ')}`);
  }
  const placement = (params['placement'] as string | undefined) ?? 'uni';
  if (placement !== 'multi' && placement !== 'uni') throw new Error(`linux-sched: placement must be multi or uni, got "${placement}"`);
  const rate = (params['rate'] as string | undefined) ?? RATE;
  const out: ExperimentPoint[] = [];
  for (const policy of policies) {
    for (const batch of batches) {
      for (const n of lengths) {
        const nfs = Array.from({ length: n }, (_, i) => ({
          name: `r${i + 1}`, kind: 'router', config: { ports: 1, prefixes: [{ prefix: '0.0.0.0/0', port: 0 }] },
        }));
        out.push({
          label: `${policy} batch ${batch} ${n} router${n === 1 ? '' : 's'}`,
          coords: { policy, batch, length: n },
          scenario: processChain({
            name: `linux-sched-${policy}-${batch}-${n}`,
            description: `${n} routers as processes under ${policy}, I/O batches of up to ${batch}, switch ${placement}processor`,
            seed: params.seed,
            machine: { preset: 'e5-2667v3' },
            port: { lineRate: '10Gbps', traffic: { flows: 64, frameSize: 64, rate, arrivals: 'poisson' } },
            nfs,
            scheduler: { policy },
            nfTask: { batch, syscalls: 'per-batch' },
            queueSize: 1024,
            layout: { kind: 'switch', placement, cyclesPerPacket: SWITCH_CYCLES_PER_PACKET, copy: false, batch: 32 },
            duration: addDurations(params.warmup, params.window),
            warmup: params.warmup,
          }),
        });
      }
    }
  }
  return out;
}

/** wait / run and contention / run of the chain's routers (tasks on core 0 other than the switch). */
function ratios(r: ResultRecord): { wait: number | null; contention: number | null } {
  let wait = 0, run = 0, sw = 0;
  for (const t of r.tasks as SchedRow[]) {
    if (t.name.startsWith('switch-')) continue;
    wait += t.sched?.waitCycles ?? 0;
    sw += t.sched?.switchCycles ?? 0;
    run += t.busyCycles;
  }
  return run > 0 ? { wait: wait / run, contention: sw / run } : { wait: null, contention: null };
}

function summarize(results: PointResult[]) {
  const policies = [...new Set(results.map((r) => r.point.coords['policy'] as string))];
  const batches = [...new Set(results.map((r) => r.point.coords['batch'] as number))];
  const lengths = [...new Set(results.map((r) => r.point.coords['length'] as number))];
  const at = (p: string, b: number, n: number) =>
    results.find((r) => r.point.coords['policy'] === p && r.point.coords['batch'] === b && r.point.coords['length'] === n)?.record;
  const us = (ns: number | null | undefined) => (ns === null || ns === undefined ? null : Math.round(ns / 100) / 10);
  const r3 = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);
  const rows = (f: (r: ResultRecord) => number | null) => policies.flatMap((p) => batches.map((b) => [
    p, b, ...lengths.map((n) => { const r = at(p, b, n); return r === undefined ? null : f(r); }),
  ]));
  const cols = ['policy', 'batch', ...lengths.map((n) => `${n}`)];
  const tables: ReportTable[] = [
    { title: 'Latency p50 (us) by chain length (routers)', columns: cols, rows: rows((r) => us(r.latency.p50Ns)) },
    { title: 'Latency p99 (us) by chain length', columns: cols, rows: rows((r) => us(r.latency.p99Ns)) },
    { title: 'Jitter: p99 - p50 (us) by chain length', columns: cols, rows: rows((r) => (r.latency.p99Ns !== null && r.latency.p50Ns !== null ? us(r.latency.p99Ns - r.latency.p50Ns) : null)) },
    { title: 'Wait time / run time of the routers, by chain length', columns: cols, rows: rows((r) => r3(ratios(r).wait)) },
    { title: 'Scheduler contention (context-switch) time / run time of the routers, by chain length', columns: cols, rows: rows((r) => r3(ratios(r).contention)) },
  ];
  const midBatch = batches.includes(32) ? 32 : batches[0]!;
  const midLen = lengths.includes(4) ? 4 : lengths[lengths.length - 1]!;
  const plots: Plot[] = [
    {
      id: 'p99-length', title: `p99 latency by chain length (I/O batch ${midBatch})`, xLabel: 'routers in the chain', yLabel: 'p99 latency (us)',
      series: policies.map((p) => ({ name: p, points: lengths.map((n) => ({ x: n, y: us(at(p, midBatch, n)?.latency.p99Ns) })) })),
    },
    {
      id: 'p99-batch', title: `p99 latency by I/O batch size (${midLen} routers)`, xLabel: 'I/O batch (packets per system call)', yLabel: 'p99 latency (us)', xScale: 'log',
      series: policies.map((p) => ({ name: p, points: batches.map((b) => ({ x: b, y: us(at(p, b, midLen)?.latency.p99Ns) })) })),
    },
    {
      id: 'wait-run', title: `Wait / run by chain length (I/O batch ${midBatch})`, xLabel: 'routers in the chain', yLabel: 'wait time / run time',
      series: policies.map((p) => ({ name: p, points: lengths.map((n) => ({ x: n, y: (() => { const r = at(p, midBatch, n); return r === undefined ? null : ratios(r).wait; })() })) })),
    },
  ];
  return {
    tables,
    plots,
    notes: [
      'Each router is a process on core 0 that receives up to `batch` packets per (non-blocking) system call and sends them with one more; the software switch forwards between NIC and routers. Context switches cost what the [SCC] machine preset says per policy (CFS 1000 ns, batch CFS 1140 ns, RT 940 ns); a system call 41 ns.',
      'Jitter is the spread p99 - p50 of the per-packet latency. Wait time counts the cycles a router had packets but not the CPU; contention counts the context switches into it.',
    ],
  };
}

export const linuxSched: Experiment = {
  name: 'linux-sched',
  title: 'Chains of 1-8 routers as Linux processes on one core: CFS vs batch CFS vs RT FIFO, I/O batch 1-256',
  description: 'The [SCC] study: chains of 1 to 8 IP routers, each a process on one core of the e5-2667v3 machine, connected by a software switch (on the routers\' core: uniprocessor, default; or its own core: multiprocessor), under default CFS, batch CFS and RT FIFO, with non-blocking I/O of up to 1, 2, 16, 32 or 256 packets per system call, at a moderate offered load (Poisson, 64-byte frames). Reports latency percentiles and jitter by chain length, and per chain the wait / run and scheduler-contention / run ratios.',
  parameters: [
    { name: 'window', help: 'virtual measurement window per point', default: '50ms' },
    { name: 'warmup', help: 'virtual warm-up before each window', default: '5ms' },
    { name: 'lengths', help: 'chain lengths (routers)', default: LENGTHS.join(',') },
    { name: 'batches', help: 'I/O batch sizes (packets per system call)', default: BATCHES.join(',') },
    { name: 'policies', help: `Linux policies (${POLICIES.join(', ')})`, default: POLICIES.join(',') },
    { name: 'rate', help: 'offered load (Poisson arrivals)', default: RATE },
    { name: 'placement', help: 'software switch: uni (the routers\' core) or multi (its own core; much slower to emulate, see docs/scheduling.md)', default: 'uni' },
    { name: 'seed', help: 'PRNG seed', default: '1' },
  ],
  defaults: () => ({ window: '50ms', warmup: '5ms', seed: 1, lengths: LENGTHS, batches: BATCHES, policies: [...POLICIES], rate: RATE, placement: 'uni' }),
  points,
  summarize,
};
