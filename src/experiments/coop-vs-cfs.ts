/**
 * coop-vs-cfs: the [Quadrant] comparison. Chains of 1..6 BPF-like NFs, each
 * NF a separate process, share one core of the [Quadrant] machine
 * (e5-2630v3, 10 GbE, 64-byte frames at line rate, more than one core can
 * take), under three regimes:
 *   coop    cooperative FIFO: NFs in chain order, one batch each, then a
 *           context switch; the first NF copies each packet into the chain's
 *           buffer (isolation), the rest work zero-copy
 *   cfs     each NF a process under the Linux CFS model, handing packets to
 *           the next through shared-memory queues (no copy)
 *   switch  the NFs under CFS, every hop through a software switch on its
 *           own core that copies each packet into the next NF's memory
 * Per-core throughput = delivered packets per second / cores used. Every
 * number comes from the NFs' work, the preset's context-switch and copy costs
 * and the scheduler's decisions; nothing encodes an outcome.
 */
import type { Plot, ReportTable } from '../report/html.js';
import type { Experiment, ExperimentParams, ExperimentPoint, PointResult } from './experiment.js';
import { addDurations } from './rtc-vs-pl.js';
import { processChain } from './process-chain.js';

const LENGTHS = [1, 2, 3, 4, 5, 6];
/** LPM lookups per packet of the BPF-like NF: 200, as in [Quadrant]'s synthetic BPF-like NF. */
const LOOKUPS = 200;
const VARIANTS = ['coop', 'cfs', 'switch'] as const;
type Variant = (typeof VARIANTS)[number];

/**
 * [Quadrant], measured on its testbed (the e5-2630v3 preset): one vSwitch
 * core forwards 64-byte packets at 13.5 Mpps; on its 2.4 GHz core that is
 * 2.4e9 / 13.5e6 = 177.8 cycles a packet, the switch's forwarding cost here
 * (the copy is charged on top).
 */
const SWITCH_CYCLES_PER_PACKET = Math.round(2.4e9 / 13.5e6);

/** Batch of every task, and queue size between NFs (packets). */
const BATCH = 32;
const QUEUE = 1024;

const LABEL: Record<Variant, string> = {
  coop: 'cooperative FIFO + isolation copy',
  cfs: 'CFS, shared-memory hand-off',
  switch: 'CFS + switch core, copy per hop',
};

function points(params: ExperimentParams): ExperimentPoint[] {
  const lengths = (params['lengths'] as number[] | undefined) ?? LENGTHS;
  const variants = ((params['policies'] as string[] | undefined) ?? [...VARIANTS]) as Variant[];
  for (const v of variants) {
    if (!VARIANTS.includes(v)) throw new Error(`coop-vs-cfs: unknown variant "${v}"; expected some of: ${VARIANTS.join(', ')}`);
  }
  const lookups = (params['lookups'] as number | undefined) ?? LOOKUPS;
  const out: ExperimentPoint[] = [];
  for (const v of variants) {
    for (const n of lengths) {
      const nfs = Array.from({ length: n }, (_, i) => ({ name: `bpf${i + 1}`, kind: 'bpf', config: { seed: params.seed + i, lookups } }));
      out.push({
        label: `${v} ${n} NF${n === 1 ? '' : 's'}`,
        coords: { variant: v, length: n },
        scenario: processChain({
          name: `coop-vs-cfs-${v}-${n}`,
          description: `${n} BPF-like NFs on one core: ${LABEL[v]}`,
          seed: params.seed,
          machine: { preset: 'e5-2630v3' },
          port: { lineRate: '10Gbps', rxRingSize: 1024, traffic: { flows: 64, frameSize: 64, rate: 'line' } },
          nfs,
          scheduler: v === 'coop' ? { policy: 'coop', isolation: true } : { policy: 'cfs', cfsSlice: 'linux' },
          nfTask: { batch: BATCH },
          queueSize: QUEUE,
          layout: v === 'switch'
            ? { kind: 'switch', placement: 'multi', cyclesPerPacket: SWITCH_CYCLES_PER_PACKET, copy: true, batch: BATCH }
            : { kind: 'direct' },
          duration: addDurations(params.warmup, params.window),
          warmup: params.warmup,
        }),
      });
    }
  }
  return out;
}

function summarize(results: PointResult[]) {
  const variants = [...new Set(results.map((r) => r.point.coords['variant'] as Variant))];
  const lengths = [...new Set(results.map((r) => r.point.coords['length'] as number))];
  const at = (v: Variant, n: number) => results.find((r) => r.point.coords['variant'] === v && r.point.coords['length'] === n)?.record;
  const perCoreKpps = (v: Variant, n: number) => {
    const r = at(v, n);
    return r === undefined ? null : r.throughput.deliveredPps / 1e3 / r.cores.length;
  };
  const round = (x: number | null, d = 1) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);
  const throughput: ReportTable = {
    title: 'Per-core throughput (kpps) by chain length',
    columns: ['NFs', ...variants.map((v) => LABEL[v])],
    rows: lengths.map((n) => [n, ...variants.map((v) => round(perCoreKpps(v, n)))]),
  };
  // Where the NF core's cycles go, per delivered packet.
  const breakdown: ReportTable = {
    title: 'NF core: cycles per delivered packet (NF work, context switches, copies) and drops inside the chain',
    columns: ['point', 'NF work', 'switches', 'copies', 'context switches / pkt', 'drops in chain', 'drops at NIC'],
    rows: results.map((res) => {
      const r = res.record;
      const d = Math.max(1, r.totals.delivered);
      let work = 0, sw = 0, copy = 0, nsw = 0;
      for (const t of r.tasks as (typeof r.tasks[number] & { sched?: { switchCycles: number; copyCycles: number; contextSwitches: number } })[]) {
        if (t.core !== 0) continue;
        work += t.busyCycles - (t.sched?.copyCycles ?? 0);
        sw += t.sched?.switchCycles ?? 0;
        copy += t.sched?.copyCycles ?? 0;
        nsw += t.sched?.contextSwitches ?? 0;
      }
      const chainDrops = r.totals.dropsByReason['queue_full'] ?? 0;
      const nicDrops = (r.totals.dropsByReason['nic_rx_ring_full'] ?? 0) + (r.totals.dropsByReason['nic_line_rate'] ?? 0);
      return [res.point.label, round(work / d), round(sw / d), round(copy / d), round(nsw / d, 3), chainDrops, nicDrops];
    }),
  };
  const plots: Plot[] = [{
    id: 'kpps', title: 'Per-core throughput by chain length', xLabel: 'NFs in the chain', yLabel: 'kpps per core',
    series: variants.map((v) => ({ name: LABEL[v], points: lengths.map((n) => ({ x: n, y: perCoreKpps(v, n) })) })),
  }];
  return {
    tables: [throughput, breakdown],
    plots,
    notes: [
      'Offered load: 64-byte frames at 10 GbE line rate (14.88 Mpps), far more than one core takes, so each value is a saturation throughput.',
      'coop pays one context switch per batch per NF (2143 cycles, [Quadrant]) and one copy per packet at chain entry; CFS pays a switch whenever the core passes between NF processes, and what one NF processes the next may drop when its queue overflows while it waits for the CPU ("drops in chain"); the switch variant adds a copy per hop and a second core.',
    ],
  };
}

export const coopVsCfs: Experiment = {
  name: 'coop-vs-cfs',
  title: 'Chains of 1-6 BPF-like NFs on one core: cooperative FIFO vs CFS vs a switch core with copies',
  description: 'The [Quadrant] study: chains of 1 to 6 BPF-like NFs (header parse + 200 LPM lookups each), every NF its own process, share one 2.4 GHz core of the e5-2630v3 machine at 10 GbE line rate with 64-byte frames; under cooperative FIFO scheduling with isolation (copy at chain entry), under the Linux CFS model with shared-memory hand-off, and under CFS with every hop through a software switch on a second core that copies each packet. Reports per-core throughput by chain length and where the NF core\'s cycles go.',
  parameters: [
    { name: 'window', help: 'virtual measurement window per point (several 6 ms CFS periods)', default: '40ms' },
    { name: 'warmup', help: 'virtual warm-up before each window', default: '20ms' },
    { name: 'lengths', help: 'chain lengths', default: LENGTHS.join(',') },
    { name: 'policies', help: `variants (${VARIANTS.join(', ')})`, default: VARIANTS.join(',') },
    { name: 'lookups', help: 'LPM lookups per packet in each BPF-like NF (fewer: lighter NFs, where switch costs weigh more)', default: String(LOOKUPS) },
    { name: 'seed', help: 'PRNG seed', default: '1' },
  ],
  defaults: () => ({ window: '40ms', warmup: '20ms', seed: 1, lengths: LENGTHS, policies: [...VARIANTS], lookups: LOOKUPS }),
  points,
  summarize,
};
