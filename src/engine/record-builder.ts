/**
 * COLD: turn the workers' counters into a result record (metrics/record.ts,
 * documented in docs/results.md). Runs once, on the main thread, after every
 * worker returned.
 *
 * The record must be a pure function of the scenario and its seed: the
 * actors' counters are added up in actor-id order, whatever worker ran them,
 * so every floating-point sum adds the same terms in the same order on any
 * number of threads. Keys are written in a fixed order (the JSON is compared
 * byte for byte).
 */
import { flowGroupsOf } from './flow-groups.js';
import { generatorsOf } from '../scenario/traffic.js';
import type { Plan } from '../graph/plan.js';
import { CTR_CYCLES, MEM_COUNTERS_PER_ROW, SOURCE_NAMES, SRC_COUNT } from '../hw/mem-counters.js';
import { LatencyHistogram } from '../metrics/histogram.js';
import { RECORD_SCHEMA, type LatencySummary, type ResultRecord } from '../metrics/record.js';
import { findNfKind } from '../nf/catalog.js';
import { scenarioToJSON } from '../scenario/to-json.js';
import type { Scenario } from '../scenario/types.js';
import { flowKeyString } from '../traffic/flows.js';
import { WIRE_OVERHEAD_BYTES } from '../util/units.js';
import { EMU_VERSION } from '../version.js';
import type { ActorResult, HostResult } from './host.js';
import { NicActor } from './nic.js';
import { BATCH_BUCKETS, type ActorStatsSnapshot } from './stats.js';

/** Flows listed one by one in a record; beyond this only the summary is kept. */
export const MAX_FLOWS_LISTED = 1024;

/** What a run hands over besides the workers' results. */
export interface RunTotals {
  /** Packets still held anywhere at the end (in the pool). */
  inFlight: number;
  /** Control points of the run (the last one is its end). */
  epochs: number;
  taps: { file: string; records: number; truncated: number }[];
  /** Per task: packets still queued at its input at the end. */
  backlogAtEnd: Float64Array;
}

export function buildRecord(s: Scenario, plan: Plan, results: HostResult[], run: RunTotals): ResultRecord {
  const sums = new ActorSums(results, counterLengths(plan, generatorFlows(s)));
  const measuredCycles = s.durationCycles - s.warmupCycles;
  const measuredSeconds = measuredCycles / s.hz;
  return {
    schema: RECORD_SCHEMA,
    emuVersion: EMU_VERSION,
    scenario: { name: s.name, description: s.description, resolved: experimentOnly(s) },
    seed: s.seed,
    time: { hz: s.hz, durationCycles: s.durationCycles, warmupCycles: s.warmupCycles, measuredSeconds, controlPeriodCycles: s.controlPeriodCycles, epochs: run.epochs },
    totals: totals(sums, plan, run.inFlight),
    throughput: throughput(sums, plan, measuredSeconds),
    latency: summarize(mergedLatency(sums.actors, (a) => a.stats.latency), s.hz),
    ports: portRows(sums, plan),
    cores: coreRows(sums, s, plan),
    tasks: taskRows(sums, s, plan, run.backlogAtEnd),
    modules: moduleRows(sums, s, plan),
    flows: flowSummary(sums, s),
    taps: run.taps,
  };
}

/** Names of the counters an actor keeps as arrays, and as single numbers. */
type ArrayCounter = { [K in keyof ActorStatsSnapshot]: ActorStatsSnapshot[K] extends Float64Array ? K : never }[keyof ActorStatsSnapshot];
type ScalarCounter = { [K in keyof ActorStatsSnapshot]: ActorStatsSnapshot[K] extends number ? K : never }[keyof ActorStatsSnapshot];

/** The length of each summed array: the plan's ids it is indexed by (as ActorStats allocates them). */
function counterLengths(plan: Plan, flows: number): Record<ArrayCounter, number> {
  const R = plan.reasons.length;
  const M = plan.modules.length;
  const T = plan.tasks.length;
  const P = plan.ports.length;
  return {
    dropsByReason: R, moduleDrops: M * R, modulePackets: M, moduleBatches: M, moduleCycles: M,
    taskPackets: T, taskBatches: T, taskCycles: T, taskStallCycles: T, taskWaitCycles: T, taskSwitches: T,
    taskSwitchCycles: T, taskPreemptions: T, taskSyscalls: T, taskSyscallCycles: T, taskCopyCycles: T,
    taskTimeouts: T, taskBatchHist: T * BATCH_BUCKETS, inputDrops: plan.inputs.length,
    deliveredPackets: P + M, deliveredBytes: P + M, generated: P, generatedInWindow: P, generatedBytes: P,
    flowGenerated: flows, flowDelivered: flows, flowDropped: flows,
  };
}

/** The actors' counters added up in actor-id order; each array is summed once, when first asked for. */
class ActorSums {
  readonly actors: ActorResult[];
  private readonly arrays = new Map<ArrayCounter, Float64Array>();

  constructor(results: HostResult[], private readonly lengths: Record<ArrayCounter, number>) {
    this.actors = results.flatMap((r) => r.actors).sort((a, b) => a.actorId - b.actorId);
  }

  /** Element-wise sum of an array counter. An actor's array may be shorter (empty per-flow counters, see FlowCounters). */
  of(name: ArrayCounter): Float64Array {
    let out = this.arrays.get(name);
    if (out === undefined) {
      const len = this.lengths[name];
      out = new Float64Array(len);
      for (const a of this.actors) { const v = a.stats[name]; const n = Math.min(len, v.length); for (let i = 0; i < n; i++) out[i] += v[i]!; }
      this.arrays.set(name, out);
    }
    return out;
  }

  /** Sum of a scalar counter. */
  total(name: ScalarCounter): number {
    let t = 0;
    for (const a of this.actors) t += a.stats[name];
    return t;
  }
}

/** Sum of the first `n` elements, in index order. */
function sumFirst(v: Float64Array, n: number): number {
  let t = 0;
  for (let i = 0; i < n; i++) t += v[i]!;
  return t;
}

/** Non-zero values by reason name, in reason-id order. */
function byReason(plan: Plan, vals: (r: number) => number): Record<string, number> {
  const o: Record<string, number> = {};
  for (let r = 0; r < plan.reasons.length; r++) { const v = vals(r); if (v !== 0) o[plan.reasons[r]!] = v; }
  return o;
}

function generatorFlows(s: Scenario): number {
  return flowGroupsOf(s).flowCount;
}

/** The CPU scheduling policy of a core, or null on a core no scheduler entry names. */
function policyOf(s: Scenario, core: number): string | null {
  return s.schedulers.find((x) => x.cores.includes(core))?.policy ?? null;
}

/**
 * The resolved scenario minus host-side settings: `threads` (results do not
 * depend on it, and the record must not either) and the file's absolute path.
 */
function experimentOnly(s: Scenario): unknown {
  const o = scenarioToJSON(s) as Record<string, unknown>;
  delete o['threads'];
  delete o['sourcePath'];
  return o;
}

function summarize(h: LatencyHistogram, hz: number): LatencySummary {
  const ns = (c: number) => (h.count === 0 ? null : (c * 1e9) / hz);
  return {
    count: h.count,
    minNs: ns(h.min),
    meanNs: ns(h.mean()),
    p50Ns: ns(h.valueAtPercentile(50)),
    p90Ns: ns(h.valueAtPercentile(90)),
    p99Ns: ns(h.valueAtPercentile(99)),
    p999Ns: ns(h.valueAtPercentile(99.9)),
    maxNs: ns(h.max),
  };
}

/** One histogram of every actor's (in actor-id order), skipping those that recorded nothing. */
function mergedLatency(actors: ActorResult[], get: (a: ActorResult) => ActorStatsSnapshot['latency'] | undefined): LatencyHistogram {
  const h = new LatencyHistogram({ significantDigits: 3 });
  for (const a of actors) { const j = get(a); if (j) h.merge(LatencyHistogram.fromJSON(j)); }
  return h;
}

function totals(sums: ActorSums, plan: Plan, inFlight: number): ResultRecord['totals'] {
  const generated = sumFirst(sums.of('generated'), plan.ports.length);
  const delivered = sums.total('delivered');
  const dropped = sums.total('dropped');
  const dropsByReason = sums.of('dropsByReason');
  return {
    generated,
    delivered,
    dropped,
    inFlight,
    conserved: generated === delivered + dropped + inFlight,
    dropsByReason: byReason(plan, (r) => dropsByReason[r]!),
  };
}

function throughput(sums: ActorSums, plan: Plan, measuredSeconds: number): ResultRecord['throughput'] {
  const offered = sumFirst(sums.of('generatedInWindow'), plan.ports.length);
  const windowDelivered = sums.total('windowDelivered');
  const windowBytes = sums.total('windowDeliveredBytes');
  const deliveredPps = windowDelivered / measuredSeconds;
  return {
    offeredPps: offered / measuredSeconds,
    deliveredPps,
    deliveredMpps: deliveredPps / 1e6,
    dataGbps: (windowBytes * 8) / measuredSeconds / 1e9,
    wireGbps: ((windowBytes + windowDelivered * WIRE_OVERHEAD_BYTES) * 8) / measuredSeconds / 1e9,
  };
}

function portRows(sums: ActorSums, plan: Plan): ResultRecord['ports'] {
  const { actors } = sums;
  const lineReason = plan.reasons.indexOf('nic_line_rate');
  const inputDrops = sums.of('inputDrops');
  return plan.ports.map((p) => ({
    name: p.name,
    generated: sums.of('generated')[p.id]!,
    generatedBytes: sums.of('generatedBytes')[p.id]!,
    lineRateDrops: plan.nics.filter((n) => n.port === p.id)
      .reduce((acc, n) => acc + actors.filter((a) => a.actorId === n.actor).reduce((x, a) => x + (a.stats.dropsByReason[lineReason] ?? 0), 0), 0), // empty when all zero (snapshotStats)
    rxRingDrops: plan.inputs.filter((i) => i.kind === 'rx' && i.ref === p.id).reduce((acc, i) => acc + inputDrops[i.id]!, 0),
    txPackets: sums.of('deliveredPackets')[p.id]!,
    txBytes: sums.of('deliveredBytes')[p.id]!,
  }));
}

function coreRows(sums: ActorSums, s: Scenario, plan: Plan): ResultRecord['cores'] {
  return sums.actors.filter((a) => a.actorId < plan.cores).map((a) => ({
    id: a.actorId,
    busyCycles: a.stats.busyCycles,
    stallCycles: a.stats.stallCycles,
    utilization: a.stats.busyCycles / s.durationCycles,
    endCycles: a.clockCycles,
    ...(policyOf(s, a.actorId) === null ? {} : { policy: policyOf(s, a.actorId) }),
  }));
}

function taskRows(sums: ActorSums, s: Scenario, plan: Plan, backlogAtEnd: Float64Array): ResultRecord['tasks'] {
  const packets = sums.of('taskPackets');
  const batches = sums.of('taskBatches');
  const cycles = sums.of('taskCycles');
  return plan.tasks.map((t) => ({
    name: t.name,
    core: t.core,
    packets: packets[t.id]!,
    batches: batches[t.id]!,
    meanBatch: batches[t.id]! > 0 ? packets[t.id]! / batches[t.id]! : 0,
    busyCycles: cycles[t.id]!,
    stallCycles: sums.of('taskStallCycles')[t.id]!,
    cyclesPerPacket: packets[t.id]! > 0 ? cycles[t.id]! / packets[t.id]! : null,
    inputDrops: sums.of('inputDrops')[t.input]!,
    backlogAtEnd: backlogAtEnd[t.id]!,
    ...taskSched(sums, s, t),
  }));
}

/** A task's CPU-scheduling figures as `{ sched }`, or `{}` on a core that reports none. */
function taskSched(sums: ActorSums, s: Scenario, t: Plan['tasks'][number]): { sched?: Record<string, unknown> } {
  const id = t.id;
  const syscalls = sums.of('taskSyscalls')[id]!;
  const copyCycles = sums.of('taskCopyCycles')[id]!;
  // Tasks on a core without a scheduler entry report only if they made
  // system calls or copies (their core runs the default round robin).
  const policy = policyOf(s, t.core) ?? (syscalls > 0 || copyCycles > 0 ? 'rr' : null);
  if (policy === null) return {};
  const run = sums.of('taskCycles')[id]!;
  const wait = sums.of('taskWaitCycles')[id]!;
  const switchCycles = sums.of('taskSwitchCycles')[id]!;
  const hist = sums.of('taskBatchHist');
  const batchSizes: Record<string, number> = {};
  for (let b = 0; b < BATCH_BUCKETS; b++) {
    const n = hist[id * BATCH_BUCKETS + b]!;
    if (n > 0) batchSizes[b === 0 ? '1' : `${2 ** b}-${2 ** (b + 1) - 1}`] = n;
  }
  return {
    sched: {
      policy,
      waitCycles: wait,
      contextSwitches: sums.of('taskSwitches')[id]!,
      switchCycles,
      preemptions: sums.of('taskPreemptions')[id]!,
      syscalls,
      syscallCycles: sums.of('taskSyscallCycles')[id]!,
      copyCycles,
      timeouts: sums.of('taskTimeouts')[id]!,
      waitPerRun: run > 0 ? wait / run : null,
      contentionPerRun: run > 0 ? switchCycles / run : null,
      batchSizes,
    },
  };
}

function moduleRows(sums: ActorSums, s: Scenario, plan: Plan): ResultRecord['modules'] {
  const R = plan.reasons.length;
  const drops = sums.of('moduleDrops');
  const cycles = sums.of('moduleCycles');
  return plan.modules.map((m) => {
    const packets = findNfKind(m.kind)!.isQueue ? 0 : sums.of('modulePackets')[m.id]!;
    const memory = s.machine.preset !== null ? moduleMemory(sums.actors, m.id) : undefined;
    return {
      name: m.name,
      kind: m.kind,
      core: m.core,
      packets,
      batches: sums.of('moduleBatches')[m.id]!,
      cycles: cycles[m.id]!,
      cyclesPerPacket: packets > 0 ? cycles[m.id]! / packets : null,
      drops: byReason(plan, (r) => drops[m.id * R + r]!),
      counters: moduleCounters(sums.actors, m),
      ...(memory !== undefined ? { memory } : {}),
      ...(m.kind === 'sink' ? { latency: summarize(mergedLatency(sums.actors, (a) => a.stats.sinkLatency[m.id]), s.hz) } : {}),
    };
  });
}

/** A module's NF counters by name, added up over the actors (only the one running it has any). */
function moduleCounters(actors: ActorResult[], m: Plan['modules'][number]): Record<string, number> {
  const kind = findNfKind(m.kind)!;
  const counters: Record<string, number> = {};
  for (const a of actors) for (const mc of a.moduleCounters) {
    if (mc.id !== m.id) continue;
    kind.counters.forEach((name, i) => { counters[name] = (counters[name] ?? 0) + mc.counters[i]!; });
  }
  return counters;
}

/** A module's stall cycles by memory level (hardware model only). */
function moduleMemory(actors: ActorResult[], moduleId: number): Record<string, number> {
  const memory: Record<string, number> = {};
  for (let src = 0; src < SRC_COUNT; src++) {
    let c = 0;
    for (const a of actors) if (a.memory !== null) c += a.memory[moduleId * MEM_COUNTERS_PER_ROW + CTR_CYCLES + src]!;
    memory[SOURCE_NAMES[src]!] = c;
  }
  return memory;
}

/**
 * Per-flow delivery: Jain's fairness index over delivered packets, and the
 * flows one by one when few enough. With churn, a flow id that never sent a
 * frame (a new flow the run did not need) is not a flow: the summary is over
 * the flows that sent.
 */
function flowSummary(sums: ActorSums, s: Scenario): ResultRecord['flows'] {
  const count = generatorFlows(s);
  const delivered = sums.of('flowDelivered');
  const generated = sums.of('flowGenerated');
  const churn = s.ports.some((p) => generatorsOf(p.traffic).some((g) => g.churn !== undefined));
  let fsum = 0, fsq = 0, fmin = Infinity, fmax = 0, n = 0;
  for (let f = 0; f < count; f++) {
    if (churn && !(generated[f]! > 0)) continue;
    const v = delivered[f]!; fsum += v; fsq += v * v; fmin = Math.min(fmin, v); fmax = Math.max(fmax, v); n++;
  }
  return {
    count,
    deliveredMin: n > 0 ? fmin : 0,
    deliveredMax: fmax,
    jainFairness: n > 0 && fsq > 0 ? (fsum * fsum) / (n * fsq) : null,
    list: count <= MAX_FLOWS_LISTED ? flowList(sums, s, count) : null,
  };
}

function flowList(sums: ActorSums, s: Scenario, count: number): NonNullable<ResultRecord['flows']['list']> {
  const keys: string[] = [];
  s.ports.forEach((p, i) => {
    const fs = NicActor.flowsFor(p, s.seed, i);
    if (fs !== null) for (let f = 0; f < fs.count; f++) keys.push(`${p.name} ${flowKeyString(fs, f)}`);
  });
  const generated = sums.of('flowGenerated');
  const delivered = sums.of('flowDelivered');
  const dropped = sums.of('flowDropped');
  return Array.from({ length: count }, (_, f) => ({
    id: f,
    key: keys[f]!,
    generated: generated[f]!,
    delivered: delivered[f]!,
    dropped: dropped[f]!,
  }));
}
