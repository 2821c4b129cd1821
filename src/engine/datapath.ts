/**
 * The datapath of one emulated core: what happens to a batch once the core's
 * scheduler has chosen a task. It takes the batch from the task's input,
 * charges the task's own mechanisms (system calls, copies, the descriptor
 * line), walks the modules of the task (each NF's `process`, its declared
 * cost and the memory references the hardware model prices), and hands what
 * leaves to channels (staged, see output.ts), TX ports or sinks. It is the
 * context an NF sees (NfContext) and the sink that counts input drops
 * (ArrivalSink).
 *
 * Time inside a run is a cursor: it starts where the run starts and moves by
 * every cost charged, so each output leaves at the cycle its work is done. The
 * core (core.ts) decides when a run starts and moves the core's clock; the
 * datapath never reads or writes the clock itself.
 *
 * Under a preemptive CPU scheduler a run's outputs are not staged at once but
 * logged with their work offset (`deferTo`); the segmented execution
 * (execution.ts) releases them as the work before them gets done.
 *
 * HOT: everything below the constructor. No allocation, closures or
 * exceptions on the per-packet path.
 */
import { findNfKind } from '../nf/catalog.js';
import { LatencyHistogram } from '../metrics/histogram.js';
import { FREE_MEMORY, type MemoryModel, type NfContext, type NfInstance } from '../nf/nf.js';
import { MAX_BATCH } from '../packet/batch.js';
import { freePacket, type PacketPool } from '../packet/pool.js';
import type { Plan, Target } from '../graph/plan.js';
import type { Scenario } from '../scenario/types.js';
import { PacketCoherence } from '../hw/coherence.js';
import { MemoryHierarchy } from '../hw/memory.js';
import { copyCostFit, socketOfCore, type CopyCostFit } from '../hw/preset.js';
import type { ArrivalSink, TaskInput } from './input.js';
import { createNfInstance } from './nf-factory.js';
import { NIC_BUFFER_BASE, NIC_BUFFER_SPAN } from './nic-addresses.js';
import type { CoreOutputs } from './output.js';
import type { SharedState } from './shared.js';
import { ActorStats, BATCH_BUCKETS } from './stats.js';
import type { TapSink } from './tap.js';
import { flowGroupsOf, type FlowGroups } from './flow-groups.js';
import { EMIT_CHANNEL, EMIT_SINK, EMIT_TX, type EmissionLog } from './emission-log.js';

/** Bytes of a packet's descriptor line (an mbuf header's first cache line). */
const DESCRIPTOR_BYTES = 64;
/** Simulated address space of NF state: core c's regions start at BASE + c * SPAN (above the NIC's packet buffers). */
const NF_REGION_BASE = 2 ** 44;
const NF_REGION_SPAN = 2 ** 36;

/** A module instance on this core, with its output gates' batch buffers. */
export class ModuleRt {
  readonly gateBufs: Uint32Array[];
  readonly gateCounts: Int32Array;
  readonly gateTaps: Int32Array;
  /** Stopped by the scheduler (did not yield within the timeout): packets reaching it are dropped. */
  stopped = false;
  /** Down after an nf-fail event until an nf-recover one: packets reaching it are dropped. */
  failed = false;
  /** Cost multiplier from an nf-slowdown event (1: as declared and priced). */
  slowdown = 1;
  constructor(
    readonly id: number,
    readonly name: string,
    readonly nf: NfInstance,
    readonly gates: readonly Target[],
  ) {
    this.gateBufs = gates.map(() => new Uint32Array(MAX_BATCH));
    this.gateCounts = new Int32Array(gates.length);
    this.gateTaps = new Int32Array(gates.length).fill(-1);
  }
}

/** A task on this core: its input, its entry module, and how the scheduler treats it. */
export interface TaskRt {
  id: number;
  name: string;
  batch: number;
  input: TaskInput;
  entry: Target;
  /** 1 when no module on the entry path declares any cost: keeps lookahead >= 1. */
  minChargeCycles: number;
  rxTap: number;
  /** Schedulable entity (process) of this task on its core. */
  ent: number;
  chain: string;
  detached: boolean;
  /** 0: polling; 1: one system call per packet received / sent; 2: one per batch. */
  syscalls: number;
  /** Copies each packet into its chain's buffer when it takes it (cooperative isolation). */
  copies: boolean;
  /** Since when the task has had work without running (-1: not waiting). */
  waitingSince: number;
  /** When its last run ended. */
  lastEnd: number;
}

/** What the datapath needs to know of the core's scheduler settings. */
export interface DatapathCosts {
  /** Cycles of one system call (I/O modes per-packet and per-batch). */
  syscallCycles: number;
  /** A module whose batch costs more is stopped (0: no timeout). */
  timeoutCycles: number;
}

export class CoreDatapath implements NfContext, ArrivalSink {
  readonly pool: PacketPool;
  readonly mem: MemoryModel;
  /** The hardware model of this core (null without a machine preset). */
  readonly hw: MemoryHierarchy | null;
  private readonly coh: PacketCoherence | null;
  readonly modules = new Map<number, ModuleRt>();
  /** Takes a task's batch. */
  readonly batchBuf = new Uint32Array(MAX_BATCH);
  /**
   * Per task (by global id; null for tasks of other cores, and for all in a
   * run of one control period): the cycles of each batch it ran since the
   * last control point, which telemetry reports as a p99 and resets
   * ([Quadrant] samples per-batch execution time this way).
   */
  batchCycles: (LatencyHistogram | null)[] = [];
  private readonly copyFit: CopyCostFit | null;
  private readonly reasonCount: number;
  private readonly gateOverflowId: number;
  private readonly deadendId: number;
  private readonly nfTimeoutId: number;
  private readonly nfStoppedId: number;
  private readonly nfFailedId: number;
  private readonly portCount: number;
  private readonly warmupCycles: number;
  private readonly endCycles: number;
  private syscallCycles = 0;
  private timeoutCycles = 0;

  /** Virtual time of the work being charged now (cycles). */
  cursor = 0;
  /** Module running now (NfContext state). */
  private cur: ModuleRt | null = null;
  private extraCycles = 0;
  /** Task whose batch runs now. */
  curTask: TaskRt | null = null;
  /** Set while a preemptive run's NF logic executes: outputs go to the log, at offsets from runStart. */
  deferTo: EmissionLog | null = null;
  runStart = 0;

  /** COLD: the hardware model of this core and the NF instances of its modules. */
  private readonly groups: FlowGroups;

  constructor(
    readonly coreId: number,
    plan: Plan,
    scenario: Scenario,
    shared: SharedState,
    readonly stats: ActorStats,
    private readonly outputs: CoreOutputs,
    private readonly taps: TapSink,
  ) {
    this.pool = shared.pool;
    this.groups = flowGroupsOf(scenario);
    this.reasonCount = plan.reasons.length;
    this.gateOverflowId = plan.reasons.indexOf('gate_overflow');
    this.deadendId = plan.reasons.indexOf('deadend');
    this.nfTimeoutId = plan.reasons.indexOf('nf_timeout');
    this.nfStoppedId = plan.reasons.indexOf('nf_stopped');
    this.nfFailedId = plan.reasons.indexOf('nf_failed');
    this.portCount = plan.ports.length;
    this.warmupCycles = scenario.warmupCycles;
    this.endCycles = scenario.durationCycles;

    // A core without tasks touches no memory and no packet: no hierarchy to
    // build (a preset has dozens of cores; most scenarios use a few).
    const preset = scenario.machine.preset;
    const busy = plan.tasks.some((t) => t.core === coreId);
    if (preset !== null && shared.lines !== null && busy) {
      const socket = socketOfCore(preset, coreId);
      let sharers = 0;
      for (const t of plan.tasks) {
        if (socketOfCore(preset, t.core) === socket && !plan.tasks.some((u) => u.core === t.core && u.id < t.id)) sharers++;
      }
      this.hw = new MemoryHierarchy(preset, {
        coreId,
        // The socket's LLC is split among the cores that run tasks there (as with
        // CAT partitions): a pure function of this core's own accesses.
        llcSharers: Math.max(1, sharers),
        maxModules: Math.max(1, plan.modules.length),
        // Packet buffers live in the memory of the NIC's socket; NF state in the core's own.
        homeRanges: [{ baseAddr: NIC_BUFFER_BASE, sizeBytes: NIC_BUFFER_SPAN * plan.ports.length, socket: preset.nic.socket }],
      });
      this.coh = new PacketCoherence(this.hw, shared.lines, { ddio: scenario.machine.ddio });
      this.mem = this.hw;
    } else {
      this.hw = null;
      this.coh = null;
      this.mem = FREE_MEMORY;
    }
    this.copyFit = preset === null ? null : copyCostFit(preset);

    // NF state gets simulated addresses above the packet buffers', a separate
    // range per core.
    let regionBase = NF_REGION_BASE + NF_REGION_SPAN * coreId;
    for (const mp of plan.modules) {
      if (mp.core !== coreId) continue;
      const kind = findNfKind(mp.kind)!;
      if (kind.isQueue) continue;
      const nf = createNfInstance(mp, plan, {
        coreId,
        hz: scenario.hz,
        seed: scenario.seed,
        allocRegion: (_label: string, sizeBytes: number) => {
          const base = regionBase;
          regionBase += Math.ceil(sizeBytes / 4096) * 4096;
          return base;
        },
      });
      this.modules.set(mp.id, new ModuleRt(mp.id, mp.name, nf, mp.gates));
    }
    for (const tp of plan.taps) {
      if (tp.site.type !== 'gate') continue;
      const m = this.modules.get(tp.site.module);
      if (m) m.gateTaps[tp.site.gate] = tp.id;
    }
  }

  /** COLD: the scheduler's costs the datapath charges (set once the scheduler is known). */
  setCosts(c: DatapathCosts): void {
    this.syscallCycles = c.syscallCycles;
    this.timeoutCycles = c.timeoutCycles;
  }

  /** COLD: least cycles charged before the first module of a task can emit anything. */
  entryCost(t: Target): number {
    if (t.t !== 'module') return 0;
    const m = this.modules.get(t.m);
    if (!m) return 0;
    const c = m.nf.cost;
    return c.cyclesPerBatch + c.cyclesPerPacket;
  }

  get nowCycles(): number {
    return this.cursor;
  }

  /**
   * Take a batch of t (visible at `now`) and run its NF logic with the cursor
   * starting at `start`: outputs are staged (or logged, under a preemptive
   * policy) at the cursor time they leave. Leaves the cursor at the run's end.
   */
  computeRun(t: TaskRt, now: number, start: number): number {
    this.curTask = t;
    const buf = this.batchBuf;
    const n = t.input.take(buf, t.batch, now);
    const st = this.stats;
    st.taskPackets[t.id] += n;
    st.taskBatches[t.id] += 1;
    st.taskBatchHist[t.id * BATCH_BUCKETS + (31 - Math.clz32(n))] += 1;
    this.cursor = start + t.minChargeCycles;
    if (t.syscalls !== 0) {
      // Receive: one call per packet, or one (non-blocking) call for the batch.
      const calls = t.syscalls === 1 ? n : 1;
      st.taskSyscalls[t.id] += calls;
      st.taskSyscallCycles[t.id] += calls * this.syscallCycles;
      this.cursor += calls * this.syscallCycles;
    }
    if (t.copies && this.copyFit !== null) {
      // Isolation: copy each frame out of the NIC buffer into the chain's own.
      const len = this.pool.lenBytes;
      const fit = this.copyFit;
      let c = 0;
      for (let i = 0; i < n; i++) c += Math.round(fit.fixedCycles + fit.cyclesPerByte * (len[buf[i]!]! + 4));
      st.taskCopyCycles[t.id] += c;
      this.cursor += c;
    }
    const coh = this.coh;
    if (coh !== null) {
      // Taking a packet reads and updates its descriptor (the buffer's first
      // line, like an mbuf header): written by the NIC (DDIO) or by the core
      // that queued it, whose cost the coherence model prices.
      const hw = this.hw!;
      const before = hw.stallCycles;
      const sim = this.pool.simAddr;
      for (let i = 0; i < n; i++) {
        const h = buf[i]!;
        coh.readPacket(h, sim[h]!, 0, DESCRIPTOR_BYTES);
        coh.writePacket(h, sim[h]!, 0, DESCRIPTOR_BYTES);
      }
      this.cursor += hw.stallCycles - before;
    }
    if (t.rxTap >= 0) this.tapBatch(t.rxTap, buf, n);
    this.forward(t.entry, buf, n, -1);
    const bh = this.batchCycles[t.id];
    if (bh !== undefined && bh !== null && n > 0) bh.record(this.cursor - start);
    return n;
  }

  /** Hand `count` packets in buf to a target, at the current cursor time. */
  private forward(target: Target, buf: Uint32Array, count: number, fromModule: number): void {
    if (target.t === 'module') {
      this.processModule(this.modules.get(target.m)!, buf, count);
      return;
    }
    const task = this.curTask;
    if (task !== null && task.syscalls !== 0 && (target.t === 'channel' || target.t === 'tx')) {
      // Send: one call per packet, or one for the batch going this way.
      const calls = task.syscalls === 1 ? count : 1;
      this.stats.taskSyscalls[task.id] += calls;
      this.stats.taskSyscallCycles[task.id] += calls * this.syscallCycles;
      this.cursor += calls * this.syscallCycles;
    }
    if (this.deferTo !== null && this.defer(target, buf, count)) return;
    switch (target.t) {
      case 'channel': {
        // Once a stage is full it stays full until the flush after the run.
        const k = this.outputs.stageBatch(target.ch, buf, count, this.cursor);
        for (let i = k; i < count; i++) this.dropPacket(buf[i]!, this.gateOverflowId, fromModule);
        return;
      }
      case 'tx':
        for (let i = 0; i < count; i++) this.deliver(buf[i]!, target.port, this.cursor);
        return;
      case 'sink':
        for (let i = 0; i < count; i++) this.deliver(buf[i]!, this.portCount + target.m, this.cursor);
        this.stats.modulePackets[target.m] += count;
        this.stats.moduleBatches[target.m] += 1;
        return;
      case 'deadend':
        for (let i = 0; i < count; i++) this.dropPacket(buf[i]!, this.deadendId, fromModule);
        return;
    }
  }

  /** Under a preemptive policy: log outputs with their work offset instead of sending them. False for a deadend (dropped now). */
  private defer(target: Target, buf: Uint32Array, count: number): boolean {
    const log = this.deferTo!;
    const off = this.cursor - this.runStart;
    switch (target.t) {
      case 'channel': for (let i = 0; i < count; i++) log.push(buf[i]!, EMIT_CHANNEL, target.ch, off); return true;
      case 'tx': for (let i = 0; i < count; i++) log.push(buf[i]!, EMIT_TX, target.port, off); return true;
      case 'sink':
        for (let i = 0; i < count; i++) log.push(buf[i]!, EMIT_SINK, target.m, off);
        this.stats.modulePackets[target.m] += count;
        this.stats.moduleBatches[target.m] += 1;
        return true;
      default: return false;
    }
  }

  /** Send one logged output, at the cursor time. */
  release(h: number, kind: number, target: number): void {
    if (kind === EMIT_CHANNEL) {
      if (!this.outputs.stageOne(target, h, this.cursor)) this.dropPacket(h, this.gateOverflowId, -1);
    } else if (kind === EMIT_TX) {
      this.deliver(h, target, this.cursor);
    } else {
      this.deliver(h, this.portCount + target, this.cursor);
    }
  }

  private processModule(m: ModuleRt, handles: Uint32Array, count: number): void {
    if (m.stopped || m.failed) {
      const reason = m.stopped ? this.nfStoppedId : this.nfFailedId;
      for (let i = 0; i < count; i++) this.dropPacket(handles[i]!, reason, m.id);
      return;
    }
    const cost = m.nf.cost;
    let cycles = cost.cyclesPerBatch + cost.cyclesPerPacket * count;
    if (cost.cyclesPerByte !== 0) {
      const len = this.pool.lenBytes;
      let bytes = 0;
      for (let i = 0; i < count; i++) bytes += len[handles[i]!]!;
      cycles += cost.cyclesPerByte * bytes;
    }
    const gc = m.gateCounts;
    for (let g = 0; g < gc.length; g++) gc[g] = 0;
    const prev = this.cur;
    const prevExtra = this.extraCycles;
    this.cur = m;
    this.extraCycles = 0;
    const hw = this.hw;
    if (hw !== null) {
      // Every memory reference the NF declares (state and packet data) is
      // priced by the hardware model; charge the module the sum.
      const before = hw.stallCycles;
      hw.setModule(m.id);
      m.nf.process(this, handles, count);
      hw.setModule(-1);
      cycles += hw.stallCycles - before;
    } else {
      m.nf.process(this, handles, count);
    }
    cycles += this.extraCycles;
    if (m.slowdown !== 1) cycles *= m.slowdown;
    this.cur = prev;
    this.extraCycles = prevExtra;
    if (this.timeoutCycles > 0 && cycles > this.timeoutCycles) cycles = this.stopModule(m);
    this.cursor += cycles;
    const st = this.stats;
    st.modulePackets[m.id] += count;
    st.moduleBatches[m.id] += 1;
    st.moduleCycles[m.id] += cycles;
    for (let g = 0; g < gc.length; g++) {
      const k = gc[g]!;
      if (k === 0) continue;
      if (m.gateTaps[g]! >= 0) this.tapBatch(m.gateTaps[g]!, m.gateBufs[g]!, k);
      this.forward(m.gates[g]!, m.gateBufs[g]!, k, m.id);
    }
  }

  /**
   * It did not yield in time: the scheduler stops it at the timeout; the
   * batch it held dies with it, and later packets find it stopped. Returns
   * the cycles it is charged (the timeout).
   */
  private stopModule(m: ModuleRt): number {
    m.stopped = true;
    if (this.curTask !== null) this.stats.taskTimeouts[this.curTask.id] += 1;
    const gc = m.gateCounts;
    for (let g = 0; g < gc.length; g++) {
      const buf = m.gateBufs[g]!;
      for (let i = 0; i < gc[g]!; i++) this.dropPacket(buf[i]!, this.nfTimeoutId, m.id);
      gc[g] = 0;
    }
    return this.timeoutCycles;
  }

  // ------------------------------------------------------- NfContext (HOT)

  emit(gate: number, h: number): void {
    const m = this.cur!;
    const k = m.gateCounts[gate]!;
    if (k >= MAX_BATCH || gate >= m.gateCounts.length) {
      this.dropPacket(h, this.gateOverflowId, m.id);
      return;
    }
    m.gateBufs[gate]![k] = h;
    m.gateCounts[gate] = k + 1;
  }

  emitAll(gate: number, handles: Uint32Array, count: number): void {
    const m = this.cur!;
    if (gate >= m.gateCounts.length) {
      for (let i = 0; i < count; i++) this.dropPacket(handles[i]!, this.gateOverflowId, m.id);
      return;
    }
    const buf = m.gateBufs[gate]!;
    let k = m.gateCounts[gate]!;
    for (let i = 0; i < count; i++) {
      if (k >= MAX_BATCH) { this.dropPacket(handles[i]!, this.gateOverflowId, m.id); continue; }
      buf[k++] = handles[i]!;
    }
    m.gateCounts[gate] = k;
  }

  drop(h: number, reasonId: number): void {
    this.dropPacket(h, reasonId, this.cur === null ? -1 : this.cur.id);
  }

  chargeCycles(cycles: number): void {
    this.extraCycles += cycles;
  }

  readPacket(h: number, offsetBytes: number, sizeBytes: number): number {
    const coh = this.coh;
    if (coh === null) return 0;
    const pool = this.pool;
    return coh.readPacket(h, pool.simAddr[h]!, pool.dataOff[h]! + offsetBytes, sizeBytes);
  }

  writePacket(h: number, offsetBytes: number, sizeBytes: number): number {
    const pool = this.pool;
    pool.lastWriterCore[h] = this.coreId;
    const coh = this.coh;
    if (coh === null) return 0;
    return coh.writePacket(h, pool.simAddr[h]!, pool.dataOff[h]! + offsetBytes, sizeBytes);
  }

  // ------------------------------------------------------- accounting

  private dropPacket(h: number, reasonId: number, moduleId: number): void {
    const st = this.stats;
    st.dropped++;
    st.dropsByReason[reasonId]++;
    if (moduleId >= 0) st.moduleDrops[moduleId * this.reasonCount + reasonId]++;
    const f = this.pool.flowId[h]!;
    if (f < st.flowDropped.length) st.flowDropped[f]++;
    if (st.groupsOwn) st.groupDrops[this.groups.groupOf(f) * this.reasonCount + reasonId]++;
    freePacket(this.pool, h);
  }

  dropAtInput(h: number, inputId: number, reasonId: number): void {
    const st = this.stats;
    st.dropped++;
    st.dropsByReason[reasonId]++;
    st.inputDrops[inputId]++;
    const f = this.pool.flowId[h]!;
    if (f < st.flowDropped.length) st.flowDropped[f]++;
    if (st.groupsOwn) st.groupDrops[this.groups.groupOf(f) * this.reasonCount + reasonId]++;
    freePacket(this.pool, h);
  }

  private deliver(h: number, sinkIndex: number, t: number): void {
    const pool = this.pool;
    const st = this.stats;
    const frameBytes = pool.lenBytes[h]! + 4; // + FCS, as frame sizes are quoted
    st.delivered++;
    st.deliveredPackets[sinkIndex]++;
    st.deliveredBytes[sinkIndex] += frameBytes;
    const latency = t - pool.ingressCycles[h]!;
    if (t >= this.warmupCycles && t < this.endCycles) {
      st.windowDelivered++;
      st.windowDeliveredBytes += frameBytes;
      st.latency!.record(latency); // a core with tasks has one (ActorStats)
      if (sinkIndex >= this.portCount) st.sinkLatency[sinkIndex - this.portCount]!.record(latency);
    }
    const f = pool.flowId[h]!;
    if (f < st.flowDelivered.length) st.flowDelivered[f]++; // NO_FLOW (pcap) is out of range
    // With one flow group, its counts are the core's own (host.ts periodOf): nothing more to count here.
    let g = 0;
    if (st.groupsOwn) {
      g = this.groups.groupOf(f);
      st.groupDelivered[g]++;
    }
    // Only a run of several control periods has a series to give the period's latency to.
    const period = st.periodLatency;
    if (period.length > 0) period[g]!.record(latency);
    if (sinkIndex < this.portCount) {
      const tap = this.taps.txTap(sinkIndex);
      if (tap >= 0) this.taps.record(tap, this.coreId, pool, h, t);
    }
    freePacket(pool, h);
  }

  private tapBatch(tap: number, buf: Uint32Array, n: number): void {
    for (let i = 0; i < n; i++) this.taps.record(tap, this.coreId, this.pool, buf[i]!, this.cursor);
  }

  /** Where the datapath is (for a failure's message): "task b@2, NF fw". */
  location(): string {
    const parts: string[] = [];
    if (this.curTask) parts.push(`task ${this.curTask.name}`);
    if (this.cur) parts.push(`NF ${this.cur.name}`);
    return parts.join(', ');
  }
}
