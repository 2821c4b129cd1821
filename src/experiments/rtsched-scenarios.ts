/**
 * The [RTSched] pipelines as emulated scenarios on WFQ cores (stride
 * scheduling), module for module, with the spec's per-module costs charged
 * as work (§10 in the list of the model's sections in docs/rtsched-model.md,
 * which the other § numbers below also refer to). Shared by the
 * `wfq-weights` experiment (fork under fixed weights) and `rtsched-loop`
 * (fork and taildrop under the closed-loop controller).
 *
 *   fork (§10.1, one core):
 *     eth0.rx0 -> m1 -> m2 (l3fwd, 2 ports) -+-> q1 -> m3 -> sink0   flow 0
 *                                            +-> q2 -> m4 -> sink1   flow 1
 *     task0 = m1+m2 (root eth0.rx0), task1 = m3 (root q1), task2 = m4 (root q2)
 *   taildrop (§10.2, one core):
 *     eth0.rx0 -> m1 -> q1 -> m2 -> q2 -> m3 -> sink0
 *     task0 = m1, task1 = m2 (root q1), task2 = m3 (root q2)
 *
 * Batch B = 1 on every task and queues of Q = 1 packet that drop when full,
 * as the spec's B = Q = 1. Costs are the spec's times CYCLES_PER_COST_UNIT
 * on a core at HZ whose speed is the pipeline's worker speed T = 1, so one
 * model time unit is SECONDS_PER_TU; nothing else costs anything (no machine
 * preset: memory is free; WFQ charges no switch cost).
 *
 * COLD. Plain scenario objects, as a YAML file would give them.
 */
import { rescalePipeline, type RtPipeline } from '../sched/rtsched-model.js';
import { FORK, FORK_SPEC, MGW_SPEC, TAILDROP_SPEC, type RtPipelineSpec } from '../sched/rtsched-pipelines.js';
import type { ExperimentParams } from './experiment.js';
import { addDurations } from './rtc-vs-pl.js';

/** The emulated core's clock. */
export const HZ = 1e9;
/**
 * One model time unit is 10 µs at 1 GHz: a cost of 1 is 10 000 cycles on a
 * worker of speed T = 1. The spec's rho = 10 packets per unit is then 1 Mpps
 * per flow, a NIC-like rate, and fork's Task 1 and Task 2 costs (2 and 1)
 * are 20 and 10 µs per packet, a heavy NF (deep inspection, crypto on large
 * frames). Fork's Task 0 (2e-5) is 0.2 cycles: negligible, as the spec means
 * it. Smaller units would make Task 0 fractional-cycle nonsense; larger ones
 * would need far longer windows for the same number of delivered packets.
 */
export const CYCLES_PER_COST_UNIT = 10_000;
/** Seconds per model time unit (worker speed 1 cost unit per time unit). */
export const SECONDS_PER_TU = CYCLES_PER_COST_UNIT / HZ;

export const DST_NET = '10.1.0.0/24';
/** The i-th usable host of DST_NET (the traffic generator's `dstHosts` order). */
const DST_HOSTS = ['10.1.0.1', '10.1.0.2'];

export const FORK_TASKS = ['task0', 'task1', 'task2'] as const;
export const FORK_SINKS = ['sink0', 'sink1'] as const;

/** The model's pipeline as it sees an emulated one: B = Q = 1, costs in cycles, time in seconds. */
export function emulatedModel(p: RtPipeline): RtPipeline {
  return rescalePipeline({ ...p, batchPkts: 1, queuePkts: 1 }, CYCLES_PER_COST_UNIT, HZ);
}

/** The fork pipeline as the model sees the emulated one. */
export function emulatedForkModel(): RtPipeline {
  return emulatedModel(FORK);
}

function moduleCycles(spec: RtPipelineSpec, id: number): number {
  const m = spec.modules.find((x) => x.id === id);
  if (m === undefined) throw new Error(`${spec.name} module ${id} missing`);
  return m.cyclesPerPkt * CYCLES_PER_COST_UNIT;
}

const label = (w: readonly number[]): string => w.join(':');

/** What a closed-loop scenario adds to a pipeline's fixed-weight one. */
export interface LoopOptions {
  /** The control period, e.g. "1ms". */
  controlPeriod: string;
  /** The `controller:` map. */
  controller: Record<string, unknown>;
}

/** Rate in the scenario's text form. */
const pps = (perTu: number): string => `${perTu / SECONDS_PER_TU}pps`;
const us = (tu: number): string => `${tu * SECONDS_PER_TU * 1e6}us`;

/**
 * One traffic group per flow of `spec`, named after the flow, with its SLO
 * (rate R, delay D at the 99th percentile), offering exactly rho in evenly
 * spaced frames; flow f goes to the first host of 10.1.f.0/24.
 */
function flowGroups(spec: RtPipelineSpec, arrivals: 'constant' | 'poisson' = 'constant'): Record<string, unknown> {
  return {
    frameSize: 64,
    ...(arrivals === 'poisson' ? { arrivals } : {}),
    groups: spec.flows.map((f, i) => ({
      name: f.name,
      rate: pps(f.offeredPktsPerTu),
      flows: 1,
      dstNet: `10.1.${i}.0/24`,
      dstHosts: 1,
      slo: { latency: { percentile: 99, bound: us(f.delaySloTu) }, rate: pps(f.rateSloPktsPerTu) },
    })),
  };
}

function base(name: string, description: string, params: ExperimentParams, traffic: Record<string, unknown>, loop: LoopOptions | undefined): Record<string, unknown> {
  return {
    name,
    description,
    seed: params.seed,
    duration: addDurations(params.warmup, params.window),
    warmup: params.warmup,
    ...(loop ? { controlPeriod: loop.controlPeriod } : {}),
    machine: { hz: `${HZ / 1e9}GHz`, cores: 1 },
    ports: [{
      name: 'eth0',
      // 2 Mpps of 64-byte frames is 1.3 Gb/s on the wire: the link is never the limit.
      lineRate: '10Gbps',
      // The model puts a queue of Q = 1 packet before every task, the first
      // included; the closest emu has before the first task is its smallest RX
      // ring (16 descriptors). wfq-weights keeps the default: its first task is
      // nearly free, so its ring never fills.
      ...(loop ? { rxRingSize: 16 } : {}),
      traffic,
    }],
  };
}

/**
 * The fork scenario under `weights` (task0:task1:task2). Without `loop`,
 * one traffic generator whose flows take turns (wfq-weights); with it, one
 * flow group per flow with its SLO, a control period and the controller.
 */
export function forkScenario(weights: readonly number[], params: ExperimentParams, loop?: LoopOptions): Record<string, unknown> {
  if (weights.length !== FORK_TASKS.length) throw new RangeError(`fork: a weight vector has ${FORK_TASKS.length} entries (task0:task1:task2), got ${label(weights)}`);
  const offeredPps = FORK_SPEC.flows.reduce((s, f) => s + f.offeredPktsPerTu, 0) / SECONDS_PER_TU;
  // Evenly spaced frames, flows in turn: each flow offers exactly rho.
  const traffic = loop ? flowGroups(FORK_SPEC) : { rate: `${offeredPps}pps`, flows: FORK_SPEC.flows.length, frameSize: 64, dstNet: DST_NET, dstHosts: DST_HOSTS.length };
  const hosts = loop ? FORK_SPEC.flows.map((_, i) => `10.1.${i}.1`) : DST_HOSTS;
  return {
    ...base(loop ? 'rtsched-loop-fork' : `wfq-weights-${weights.join('_')}`,
      loop ? 'fork pipeline (RTSched §10.1) under the closed-loop weight controller' : `fork pipeline (RTSched §10.1) under WFQ weights ${label(weights)}`,
      params, traffic, loop),
    modules: [
      { name: 'm1', kind: 'synthetic', config: { cyclesPerPacket: moduleCycles(FORK_SPEC, 1) } },
      {
        name: 'm2', kind: 'l3fwd',
        config: {
          ports: 2, routeEntries: 2, routes: hosts.map((dst, port) => ({ dst, port })),
          cyclesPerBatch: 0, cyclesPerPacket: moduleCycles(FORK_SPEC, 2), cyclesPerLookupStep: 0,
        },
      },
      { name: 'q1', kind: 'queue', config: { size: 1, whenFull: 'drop' } },
      { name: 'q2', kind: 'queue', config: { size: 1, whenFull: 'drop' } },
      { name: 'm3', kind: 'synthetic', config: { cyclesPerPacket: moduleCycles(FORK_SPEC, 3) } },
      { name: 'm4', kind: 'synthetic', config: { cyclesPerPacket: moduleCycles(FORK_SPEC, 4) } },
      { name: FORK_SINKS[0], kind: 'sink' },
      { name: FORK_SINKS[1], kind: 'sink' },
    ],
    edges: [
      { from: 'eth0.rx0', to: 'm1' },
      { from: 'm1', to: 'm2' },
      { from: 'm2:0', to: 'q1' },
      { from: 'm2:1', to: 'q2' },
      { from: 'q1', to: 'm3' },
      { from: 'q2', to: 'm4' },
      { from: 'm3', to: FORK_SINKS[0] },
      { from: 'm4', to: FORK_SINKS[1] },
    ],
    tasks: [
      { name: FORK_TASKS[0], root: 'eth0.rx0', core: 0, batch: 1, weight: weights[0] },
      { name: FORK_TASKS[1], root: 'q1', core: 0, batch: 1, weight: weights[1] },
      { name: FORK_TASKS[2], root: 'q2', core: 0, batch: 1, weight: weights[2] },
    ],
    schedulers: [{ cores: 0, policy: 'wfq' }],
    ...(loop ? { controller: loop.controller } : {}),
  };
}

/** The taildrop chain (§10.2) under `weights` with one flow group, a control period and the controller. */
export function taildropScenario(weights: readonly number[], params: ExperimentParams, loop: LoopOptions): Record<string, unknown> {
  if (weights.length !== 3) throw new RangeError(`taildrop: a weight vector has 3 entries, got ${label(weights)}`);
  return {
    ...base('rtsched-loop-taildrop', 'taildrop chain (RTSched §10.2) under the closed-loop weight controller', params, flowGroups(TAILDROP_SPEC), loop),
    modules: [
      { name: 'm1', kind: 'synthetic', config: { cyclesPerPacket: moduleCycles(TAILDROP_SPEC, 1) } },
      { name: 'q1', kind: 'queue', config: { size: 1, whenFull: 'drop' } },
      { name: 'm2', kind: 'synthetic', config: { cyclesPerPacket: moduleCycles(TAILDROP_SPEC, 2) } },
      { name: 'q2', kind: 'queue', config: { size: 1, whenFull: 'drop' } },
      { name: 'm3', kind: 'synthetic', config: { cyclesPerPacket: moduleCycles(TAILDROP_SPEC, 3) } },
      { name: 'sink0', kind: 'sink' },
    ],
    edges: [
      { from: 'eth0.rx0', to: 'm1' },
      { from: 'm1', to: 'q1' },
      { from: 'q1', to: 'm2' },
      { from: 'm2', to: 'q2' },
      { from: 'q2', to: 'm3' },
      { from: 'm3', to: 'sink0' },
    ],
    tasks: [
      { name: 'task0', root: 'eth0.rx0', core: 0, batch: 1, weight: weights[0] },
      { name: 'task1', root: 'q1', core: 0, batch: 1, weight: weights[1] },
      { name: 'task2', root: 'q2', core: 0, batch: 1, weight: weights[2] },
    ],
    schedulers: [{ cores: 0, policy: 'wfq' }],
    controller: loop.controller,
  };
}

// ---------------------------------------------------------------- MGW (§10.3)

/**
 * An emulated task is one rooted subgraph, but an MGW task can be entered
 * more than once by the same packet: the QoS uplink goes ingress >
 * ul_br_selector (worker 1) > ul_ue_selector_0 (ingress again) > ... (§10.3).
 * Each model task is therefore split into parts, each with one entry queue;
 * a model task's weight is shared equally among its parts, and the
 * controller counts its packets at its first part (every flow enters it
 * once) and its busy cycles over all parts.
 */
export const MGW_PARTS: ReadonlyArray<{ name: string; task: number; modules: readonly number[] }> = [
  { name: 'ingress', task: 0, modules: [0, 1, 2, 4] },
  { name: 'ingress_back', task: 0, modules: [12, 13] },
  { name: 'w1_egress', task: 1, modules: [3, 5] },
  { name: 'w1_egress_dl0', task: 1, modules: [16, 17, 18, 19, 20] },
  { name: 'egress', task: 2, modules: [6, 7, 8, 9, 10, 11] },
  { name: 'bearer0_ul_user0', task: 3, modules: [14, 15] },
  { name: 'bearer_dl_1', task: 4, modules: [21, 25, 26, 27, 28, 29, 32, 33, 34, 35, 36] },
  { name: 'bearer_ul_1', task: 5, modules: [22, 23, 24, 30, 31] },
];

/** The emulated task names of each MGW model task, in the model's task order (the controller's `tasks`). */
export const MGW_TASK_PARTS: string[][] = MGW_SPEC.tasks.map((_, t) => MGW_PARTS.filter((p) => p.task === t).map((p) => p.name));

/** MGW's module graph (§10.3), successors in edge order. */
const MGW_EDGES: ReadonlyArray<readonly [number, number]> = [
  [0, 1], [1, 2], [2, 3], [2, 4], [3, 12], [3, 21], [4, 5], [5, 13], [5, 22], [6, 7], [7, 8], [7, 10], [8, 9], [10, 11], [12, 16], [13, 14],
  [14, 15], [15, 6], [16, 17], [17, 18], [18, 19], [19, 20], [20, 6], [21, 25], [21, 32], [22, 23], [22, 30], [23, 24], [24, 6], [25, 26],
  [26, 27], [27, 28], [28, 29], [29, 6], [30, 31], [31, 6], [32, 33], [33, 34], [34, 35], [35, 36], [36, 6],
];

/** Flow f's destination: the first host of 10.1.f.0/24 (flowGroups). */
const flowHost = (f: number): string => `10.1.${f}.1`;

/**
 * COLD: the MGW scenario on three emulated cores (workers 0, 1, 2) under
 * model weights `weights` (one per model task). Each worker's speed T = 60
 * cost units per time unit on a 1 GHz core, so one cost unit is
 * CYCLES_PER_COST_UNIT / 60 cycles and the time unit stays SECONDS_PER_TU.
 * A module with several successors is an l3fwd whose host routes send each
 * flow to the next module on its path; a part entered at several modules
 * starts with a zero-cost l3fwd (`d_<part>`) that does the same after its
 * queue. Every other module is a synthetic NF of the module's cost.
 */
export function mgwScenario(weights: readonly number[], params: ExperimentParams, loop: LoopOptions): Record<string, unknown> {
  if (weights.length !== MGW_SPEC.tasks.length) throw new RangeError(`mgw: a weight vector has ${MGW_SPEC.tasks.length} entries, got ${label(weights)}`);
  const cyclesPerCostUnit = CYCLES_PER_COST_UNIT / MGW_SPEC.workerSpeedsCyclesPerTu[0]!;
  const byId = new Map(MGW_SPEC.modules.map((m) => [m.id, m] as const));
  const partOf = new Map(MGW_PARTS.flatMap((p) => p.modules.map((id) => [id, p] as const)));
  const nameOf = (id: number): string => byId.get(id)!.name.toLowerCase();
  const succ = (id: number): number[] => MGW_EDGES.filter(([u]) => u === id).map(([, v]) => v);
  const flowsThrough = (u: number, v: number): number[] => MGW_SPEC.flows.flatMap((f, fi) => f.path.some((x, k) => x === u && f.path[k + 1] === v) ? [fi] : []);
  // Entry modules of each part: targets of edges from another part (the NIC for module 0).
  const entries = new Map<string, number[]>();
  for (const [u, v] of MGW_EDGES) {
    const pv = partOf.get(v)!;
    if (partOf.get(u) !== pv && !(entries.get(pv.name) ?? []).includes(v)) entries.set(pv.name, [...(entries.get(pv.name) ?? []), v]);
  }
  const queueOf = (part: string) => `q_${part}`;
  const target = (u: number, v: number): string => (partOf.get(u) === partOf.get(v) ? nameOf(v) : queueOf(partOf.get(v)!.name));
  const router = (name: string, cyclesPerPacket: number, ports: number, routes: Array<{ dst: string; port: number }>) => ({
    name, kind: 'l3fwd',
    config: { ports, routeEntries: routes.length, routes, cyclesPerBatch: 0, cyclesPerPacket, cyclesPerLookupStep: 0 },
  });
  const modules: Record<string, unknown>[] = [];
  const edges: Array<{ from: string; to: string }> = [{ from: 'eth0.rx0', to: nameOf(0) }];
  for (const m of MGW_SPEC.modules) {
    const next = succ(m.id);
    const cycles = m.cyclesPerPkt * cyclesPerCostUnit;
    if (next.length <= 1) {
      modules.push({ name: nameOf(m.id), kind: 'synthetic', config: { cyclesPerPacket: cycles } });
      edges.push({ from: nameOf(m.id), to: next.length === 0 ? 'sink' : target(m.id, next[0]!) });
      continue;
    }
    modules.push(router(nameOf(m.id), cycles, next.length, next.flatMap((v, port) => flowsThrough(m.id, v).map((f) => ({ dst: flowHost(f), port })))));
    next.forEach((v, port) => edges.push({ from: `${nameOf(m.id)}:${port}`, to: target(m.id, v) }));
  }
  for (const part of MGW_PARTS) {
    if (part.name === 'ingress') continue;
    const q = queueOf(part.name);
    modules.push({ name: q, kind: 'queue', config: { size: 1, whenFull: 'drop' } });
    const into = entries.get(part.name)!;
    if (into.length === 1) {
      edges.push({ from: q, to: nameOf(into[0]!) });
      continue;
    }
    // Which entry a flow takes: the module after the edge that brings it into the part.
    const routes = into.flatMap((v, port) => MGW_EDGES.filter(([u, x]) => x === v && partOf.get(u) !== part).flatMap(([u]) => flowsThrough(u, v)).map((f) => ({ dst: flowHost(f), port })));
    modules.push(router(`d_${part.name}`, 0, into.length, routes));
    edges.push({ from: q, to: `d_${part.name}` });
    into.forEach((v, port) => edges.push({ from: `d_${part.name}:${port}`, to: nameOf(v) }));
  }
  modules.push({ name: 'sink', kind: 'sink' });
  const tasks = MGW_PARTS.map((part) => ({
    name: part.name,
    root: part.name === 'ingress' ? 'eth0.rx0' : queueOf(part.name),
    core: MGW_SPEC.tasks[part.task]!.worker,
    batch: 1,
    weight: weights[part.task]! / MGW_TASK_PARTS[part.task]!.length,
  }));
  return {
    // Poisson arrivals: with six evenly spaced generators at commensurate rates
    // the arrivals phase-lock against the size-1 queues (with constant spacing
    // the QoS downlink always found ingress_back's queue just filled by the QoS
    // uplink and delivered nothing). Seeded, so still deterministic.
    ...base('rtsched-loop-mgw', '5G mobile gateway (RTSched §10.3) on three cores under the closed-loop weight controller', params, flowGroups(MGW_SPEC, 'poisson'), loop),
    machine: { hz: `${HZ / 1e9}GHz`, cores: 3 },
    modules,
    edges,
    tasks,
    schedulers: [0, 1, 2].map((cores) => ({ cores, policy: 'wfq' })),
    controller: loop.controller,
  };
}
