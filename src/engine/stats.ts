/**
 * Counters one actor (core or NIC) keeps while it runs. Plain typed arrays,
 * indexed by the plan's global ids so that the main thread can add up the
 * per-actor copies in a fixed order (actor id), whatever thread ran them.
 */
import { LatencyHistogram } from '../metrics/histogram.js';
import type { Plan } from '../graph/plan.js';

/** Log2 buckets of batch sizes 1..1024. */
export const BATCH_BUCKETS = 11;

/**
 * Which per-flow counters an actor keeps (the others are empty arrays, so an
 * actor that cannot touch them neither allocates nor sends back flowCount
 * zeros: a preset has dozens of cores, most of them idle, and a run may have
 * 100 K flows). Every per-flow update is bounds-checked against the array's
 * length, as NO_FLOW (pcap) frames already are.
 *  - 'nic':  generated and (line-rate) dropped;
 *  - 'core': delivered and dropped (a core with tasks), and the only role
 *            with latency histograms;
 *  - 'none': a core without tasks.
 */
export type FlowCounters = 'nic' | 'core' | 'none';

export interface WindowSpec {
  warmupCycles: number;
  endCycles: number;
}

export class ActorStats {
  /** Drops by reason id (all sites). */
  readonly dropsByReason: Float64Array;
  /** Drops by module id x reason id (modules of this core only are non-zero). */
  readonly moduleDrops: Float64Array;
  readonly modulePackets: Float64Array;
  readonly moduleBatches: Float64Array;
  readonly moduleCycles: Float64Array;
  readonly taskPackets: Float64Array;
  readonly taskBatches: Float64Array;
  readonly taskCycles: Float64Array;
  readonly taskStallCycles: Float64Array;
  /** CPU scheduling, per task (see sched/): time with work but not running, context switches into it and their cycles, preemptions, system calls, isolation copies, timeouts. */
  readonly taskWaitCycles: Float64Array;
  readonly taskSwitches: Float64Array;
  readonly taskSwitchCycles: Float64Array;
  readonly taskPreemptions: Float64Array;
  readonly taskSyscalls: Float64Array;
  readonly taskSyscallCycles: Float64Array;
  readonly taskCopyCycles: Float64Array;
  readonly taskTimeouts: Float64Array;
  /** Batches by size, log2 buckets (1, 2-3, 4-7, ... 1024): task * BATCH_BUCKETS + bucket. */
  readonly taskBatchHist: Float64Array;
  readonly inputDrops: Float64Array;
  /** Delivered packets/bytes per TX port (index = port) and per sink (index = ports + module id). */
  readonly deliveredPackets: Float64Array;
  readonly deliveredBytes: Float64Array;
  /** Per flow (global flow id): packets generated, delivered, dropped (all time); empty where the actor's role cannot count them (FlowCounters). */
  readonly flowGenerated: Float64Array;
  readonly flowDelivered: Float64Array;
  readonly flowDropped: Float64Array;
  /** Per port, NIC side: generated frames and line-rate drops. */
  readonly generated: Float64Array;
  readonly generatedInWindow: Float64Array;
  readonly generatedBytes: Float64Array;
  /** Per flow group (FlowGroups; the last is unassigned: pcap frames): generated (NIC), delivered (core), drops by group x reason (both). Cumulative. */
  readonly groupGenerated: Float64Array;
  readonly groupDelivered: Float64Array;
  readonly groupDrops: Float64Array;
  readonly reasonCount: number;
  /**
   * False on a core of a run whose traffic is one flow group (no other
   * generator, no pcap replay): the group's delivered and dropped are then the
   * core's own `delivered` and `dropsByReason`, and the per-packet path skips
   * counting them twice (host.ts periodOf reads them from there).
   */
  readonly groupsOwn: boolean;
  /** Per flow group (and unassigned), latency of what this core delivered since the last control point (reset there); empty but on a core with tasks, in a run of several control periods. */
  readonly periodLatency: LatencyHistogram[];
  busyCycles = 0;
  stallCycles = 0;
  delivered = 0;
  dropped = 0;
  /** Deliveries whose delivery time falls in the measurement window. */
  windowDelivered = 0;
  windowDeliveredBytes = 0;
  /** Latency of what this actor delivered in the window; null where nothing is delivered (NICs, idle cores: a histogram is 156 KiB). */
  readonly latency: LatencyHistogram | null;
  /** Per sink module (by module id; null for other modules, and all null but on a core with tasks): latency of what it absorbed in the window. */
  readonly sinkLatency: (LatencyHistogram | null)[];

  constructor(plan: Plan, flowCount: number, flowCounters: FlowCounters, groupCount: number, periodHistograms = true, oneGroup = false) {
    const r = plan.reasons.length;
    this.reasonCount = r;
    this.groupsOwn = !oneGroup;
    this.groupGenerated = new Float64Array(groupCount + 1);
    this.groupDelivered = new Float64Array(groupCount + 1);
    this.groupDrops = new Float64Array((groupCount + 1) * r);
    const m = plan.modules.length;
    this.dropsByReason = new Float64Array(r);
    this.moduleDrops = new Float64Array(m * r);
    this.modulePackets = new Float64Array(m);
    this.moduleBatches = new Float64Array(m);
    this.moduleCycles = new Float64Array(m);
    this.taskPackets = new Float64Array(plan.tasks.length);
    this.taskBatches = new Float64Array(plan.tasks.length);
    this.taskCycles = new Float64Array(plan.tasks.length);
    this.taskStallCycles = new Float64Array(plan.tasks.length);
    const T = plan.tasks.length;
    this.taskWaitCycles = new Float64Array(T);
    this.taskSwitches = new Float64Array(T);
    this.taskSwitchCycles = new Float64Array(T);
    this.taskPreemptions = new Float64Array(T);
    this.taskSyscalls = new Float64Array(T);
    this.taskSyscallCycles = new Float64Array(T);
    this.taskCopyCycles = new Float64Array(T);
    this.taskTimeouts = new Float64Array(T);
    this.taskBatchHist = new Float64Array(T * BATCH_BUCKETS);
    this.inputDrops = new Float64Array(plan.inputs.length);
    this.deliveredPackets = new Float64Array(plan.ports.length + m);
    this.deliveredBytes = new Float64Array(plan.ports.length + m);
    this.flowGenerated = new Float64Array(flowCounters === 'nic' ? flowCount : 0);
    this.flowDelivered = new Float64Array(flowCounters === 'core' ? flowCount : 0);
    this.flowDropped = new Float64Array(flowCounters === 'none' ? 0 : flowCount);
    this.generated = new Float64Array(plan.ports.length);
    this.generatedInWindow = new Float64Array(plan.ports.length);
    this.generatedBytes = new Float64Array(plan.ports.length);
    const delivers = flowCounters === 'core';
    this.latency = delivers ? new LatencyHistogram({ significantDigits: 3 }) : null;
    // Two digits: a period's percentiles within 1 %, in 20 KiB a histogram (they are reset and sent at every control point).
    this.periodLatency = delivers && periodHistograms ? Array.from({ length: groupCount + 1 }, () => new LatencyHistogram({ significantDigits: 2 })) : [];
    this.sinkLatency = plan.modules.map((mp) => (delivers && mp.kind === 'sink' ? new LatencyHistogram({ significantDigits: 3 }) : null));
  }
}

/** A structured-clone friendly snapshot of ActorStats. */
export interface ActorStatsSnapshot {
  dropsByReason: Float64Array; moduleDrops: Float64Array; modulePackets: Float64Array; moduleBatches: Float64Array;
  moduleCycles: Float64Array; taskPackets: Float64Array; taskBatches: Float64Array; taskCycles: Float64Array;
  taskStallCycles: Float64Array; inputDrops: Float64Array;
  taskWaitCycles: Float64Array; taskSwitches: Float64Array; taskSwitchCycles: Float64Array; taskPreemptions: Float64Array;
  taskSyscalls: Float64Array; taskSyscallCycles: Float64Array; taskCopyCycles: Float64Array; taskTimeouts: Float64Array; taskBatchHist: Float64Array; deliveredPackets: Float64Array; deliveredBytes: Float64Array;
  flowGenerated: Float64Array; flowDelivered: Float64Array; flowDropped: Float64Array; generated: Float64Array; generatedInWindow: Float64Array; generatedBytes: Float64Array;
  busyCycles: number; stallCycles: number; delivered: number; dropped: number; windowDelivered: number; windowDeliveredBytes: number;
  /** null when nothing was recorded. */
  latency: ReturnType<LatencyHistogram['toJSON']> | null;
  sinkLatency: (ReturnType<LatencyHistogram['toJSON']> | null)[];
}

/** Sent in place of an all-zero array (one instance: the structured clone sends it once). */
const EMPTY = new Float64Array(0);

/** COLD: `a`, or EMPTY when every element is 0 (idle cores: dozens of them on a big preset, each with ~30 arrays). */
function z(a: Float64Array): Float64Array {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return a;
  return EMPTY;
}

/**
 * COLD: what goes back to the main thread. An all-zero array is sent empty,
 * and sinkLatency empty when no sink recorded anything: readers treat a
 * missing element as 0 / null (buildRecord's sums stop at an array's length).
 */
export function snapshotStats(s: ActorStats): ActorStatsSnapshot {
  return {
    dropsByReason: z(s.dropsByReason), moduleDrops: z(s.moduleDrops), modulePackets: z(s.modulePackets), moduleBatches: z(s.moduleBatches),
    moduleCycles: z(s.moduleCycles), taskPackets: z(s.taskPackets), taskBatches: z(s.taskBatches), taskCycles: z(s.taskCycles),
    taskStallCycles: z(s.taskStallCycles), inputDrops: z(s.inputDrops),
    taskWaitCycles: z(s.taskWaitCycles), taskSwitches: z(s.taskSwitches), taskSwitchCycles: z(s.taskSwitchCycles), taskPreemptions: z(s.taskPreemptions),
    taskSyscalls: z(s.taskSyscalls), taskSyscallCycles: z(s.taskSyscallCycles), taskCopyCycles: z(s.taskCopyCycles), taskTimeouts: z(s.taskTimeouts), taskBatchHist: z(s.taskBatchHist), deliveredPackets: z(s.deliveredPackets), deliveredBytes: z(s.deliveredBytes),
    flowGenerated: z(s.flowGenerated), flowDelivered: z(s.flowDelivered), flowDropped: z(s.flowDropped), generated: z(s.generated), generatedInWindow: z(s.generatedInWindow), generatedBytes: z(s.generatedBytes),
    busyCycles: s.busyCycles, stallCycles: s.stallCycles, delivered: s.delivered, dropped: s.dropped,
    windowDelivered: s.windowDelivered, windowDeliveredBytes: s.windowDeliveredBytes, latency: s.latency === null || s.latency.count === 0 ? null : s.latency.toJSON(),
    sinkLatency: s.sinkLatency.some((h) => h !== null && h.count > 0) ? s.sinkLatency.map((h) => (h === null || h.count === 0 ? null : h.toJSON())) : [],
  };
}
