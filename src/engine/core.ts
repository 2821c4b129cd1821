/**
 * One emulated CPU core: its virtual clock, its tasks, and the run loop that
 * moves packets through the modules of a task in virtual time.
 *
 * Conservative synchronisation (Chandy–Misra–Bryant, with the "null messages"
 * reduced to a shared clock word per actor):
 *  - Every input ring is fed by one producer actor whose entries are in time
 *    order. The core may act at time `now` only when, for every input ring,
 *    either an entry is waiting (so the earliest future arrival on that ring
 *    is known) or the producer's published bound is above `now` (nothing
 *    earlier can still come). Otherwise it is blocked and the host parks it.
 *  - After each step the core publishes its own bound: nothing it enqueues
 *    from now on can carry a time below now + lookahead, where lookahead is
 *    the least a task run costs before its first module emits (at least one
 *    cycle, so virtual time always advances).
 *  - Ties: arrivals at exactly `now` are visible at `now`; among rings the
 *    lower channel id comes first. Nothing depends on thread timing.
 *
 * A step is one scheduling decision: admit arrivals, let the core's CPU
 * scheduler (sched/policy.ts; round robin by default) pick an entity, run one
 * batch of one of its tasks, flush its outputs; or, with no work, jump to the
 * next event. Costs of the scheduler's own mechanisms are charged here, once
 * per event: a context switch when the CPU passes to another entity, a system
 * call per receive/send as the task's I/O mode says, a packet copy under
 * cooperative isolation.
 *
 * Preemptive policies (CFS, RT) may interrupt a run: its NF logic runs at once
 * (as always), but its outputs are logged with the work offset at which they
 * leave, and the run then executes in *segments* of virtual time. A segment
 * ends at the run's end, at the slice end, or at the next instant a wake-up
 * could happen (an arrival for a sleeping entity, from outside or from the
 * run's own outputs); outputs are released when the work before them is done.
 * A preempted run keeps its remaining work and unreleased outputs until the
 * scheduler picks its entity again.
 */
import { findNfKind } from '../nf/catalog.js';
import { FREE_MEMORY, type MemoryModel, type NfContext, type NfInstance } from '../nf/nf.js';
import { createNfInstance } from './nf-factory.js';
import { NO_FLOW, freePacket, type PacketPool } from '../packet/pool.js';
import { MAX_BATCH } from '../packet/batch.js';
import type { Plan, Target } from '../graph/plan.js';
import type { Scenario } from '../scenario/types.js';
import { buildInputs, type ArrivalSink, type TaskInput } from './input.js';
import { BackPressureOutput, TailDropOutput, type ChannelOutput } from './output.js';
import type { SharedState } from './shared.js';
import type { SpscRing } from '../ring/spsc-ring.js';
import { ActorStats } from './stats.js';
import type { TapSink } from './tap.js';
import type { FrameWriter } from '../traffic/frame-writer.js';
import { PacketCoherence } from '../hw/coherence.js';
import { MemoryHierarchy } from '../hw/memory.js';
import { socketOfCore } from '../hw/preset.js';
import { NIC_BUFFER_BASE, NIC_BUFFER_SPAN } from './nic-addresses.js';
import { copyCostFit, type CopyCostFit } from '../hw/preset.js';
import { createScheduler, defaultPolicyParams, type CpuScheduler, type EntityParams, type PolicyName } from '../sched/policy.js';
import { BATCH_BUCKETS } from './stats.js';
import { EmissionLog, EMIT_CHANNEL, EMIT_SINK, EMIT_TX } from './emission-log.js';
import type { TaskTelemetry } from './telemetry.js';

export const STEP_DONE = 0;
export const STEP_PROGRESS = 1;
export const STEP_BLOCKED = 2;


/** Bytes of a packet's descriptor line (an mbuf header's first cache line). */
const DESCRIPTOR_BYTES = 64;
/** Simulated address space of NF state: core c's regions start at BASE + c * SPAN (above the NIC's packet buffers). */
const NF_REGION_BASE = 2 ** 44;
const NF_REGION_SPAN = 2 ** 36;

export interface Actor {
  readonly actorId: number;
  readonly stats: ActorStats;
  epochEndCycles: number;
  clockCycles(): number;
  step(): number;
  /** One line for stall reports. */
  describe(): string;
  /** Where the actor was when it threw: "core 2, task b@2, module fw". */
  location(): string;
}

class ModuleRt {
  readonly gateBufs: Uint32Array[];
  readonly gateCounts: Int32Array;
  readonly gateTaps: Int32Array;
  /** Stopped by the scheduler (did not yield within the timeout): packets reaching it are dropped. */
  stopped = false;
  constructor(
    readonly id: number,
    readonly name: string,
    readonly nf: NfInstance,
    readonly gates: readonly Target[],
    readonly isSink: boolean,
  ) {
    this.gateBufs = gates.map(() => new Uint32Array(MAX_BATCH));
    this.gateCounts = new Int32Array(gates.length);
    this.gateTaps = new Int32Array(gates.length).fill(-1);
  }
}

interface TaskRt {
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

interface InputChannel {
  ring: TaskInput['rings'][number];
  producer: number;
  boundCache: number;
  /** Logical capacity of a back-pressure channel, 0 for tail-drop transport rings. */
  bpCapacity: number;
  /** Entity of the task this channel feeds. */
  ent: number;
  /** After a decision: earliest time something can still arrive on it. */
  next: number;
  /** Fed by this core itself (a queue between two of its tasks): nothing can appear on it before our own next run. */
  self: boolean;
  /**
   * When the producer is a core whose only feeder is this core: our rings
   * into it. If they are empty and it says it is idle, it cannot send before
   * our own next output, so this channel holds nothing up (a feedback loop
   * between two idle cores then jumps to the next outside event instead of
   * creeping forward by lookaheads).
   */
  feedRings: SpscRing[] | null;
}

export class CoreActor implements Actor, NfContext, ArrivalSink {
  readonly actorId: number;
  readonly stats: ActorStats;
  readonly pool: PacketPool;
  readonly coreId: number;
  readonly mem: MemoryModel;
  /** The hardware model of this core (null without a machine preset). */
  private readonly hw: MemoryHierarchy | null;
  private readonly coh: PacketCoherence | null;
  nowCycles_ = 0;
  epochEndCycles = 0;

  private readonly tasks: TaskRt[] = [];
  private readonly modules = new Map<number, ModuleRt>();
  private readonly outputs: (ChannelOutput | undefined)[];
  private readonly touched: ChannelOutput[] = [];
  private readonly inputChannels: InputChannel[] = [];
  private readonly lookaheadCycles: number;
  private readonly batchBuf = new Uint32Array(MAX_BATCH);
  private readonly reasonCount: number;
  private readonly gateOverflowId: number;
  private readonly deadendId: number;
  private readonly nfTimeoutId: number;
  private readonly nfStoppedId: number;
  private readonly wakeWorkers: number[];
  private readonly portCount: number;
  private readonly warmupCycles: number;
  private readonly endCycles: number;
  private readonly boundOf = (producer: number): number => this.shared.loadBound(producer);
  private publishedBound = -Infinity;
  private publishedClock = -Infinity;
  private flushing = false;
  private idlePublished = false;
  /** fedCoreIdle's answer per producer actor, and the decision it was asked in. */
  private readonly idleAnswer: Uint8Array;
  private readonly idleAskedAt: Float64Array;
  private decisionNo = 0;
  private flushTask = -1;
  // Set while a module runs (NfContext state).
  private cur: ModuleRt | null = null;
  private extraCycles = 0;
  private cursor = 0;
  private curTask: TaskRt | null = null;

  // CPU scheduling (see sched/policy.ts).
  /** The policy named in the scenario for this core, or null (round robin, no costs, not reported). */
  readonly schedPolicy: PolicyName | null;
  private readonly sched: CpuScheduler;
  private readonly preemptive: boolean;
  private readonly entTasks: number[][] = [];
  private readonly entNext: Int32Array;
  private readonly runnable: Uint8Array;
  private readonly wasRunnable: Uint8Array;
  private readonly woke: Int32Array;
  private wokeCount = 0;
  /** Entity that had the CPU last (a switch away from it costs). */
  private lastEnt = -1;
  /** Entity holding the CPU in a preemptive policy (-1: none or preempted). */
  private onCpu = -1;
  private readonly switchCycles: number;
  /** Entities are processes (a switch between them is a context switch), not tasks of one process. */
  private readonly countsSwitches: boolean;
  private readonly syscallCycles: number;
  private readonly timeoutCycles: number;
  /** coop batch-size rule: allowed overhead p (0: off); module ids of each chain on this core. */
  private readonly batchRuleP: number;
  private readonly chainModules = new Map<string, number[]>();
  private readonly chainTasks = new Map<string, number>();
  private readonly copyFit: CopyCostFit | null;
  // Runs in progress under a preemptive policy, per entity.
  private readonly residual: Float64Array;
  private readonly workDone: Float64Array;
  private readonly runTaskIdx: Int32Array;
  private readonly logs: EmissionLog[];
  /** Set while a preemptive run's NF logic executes: outputs go to the log. */
  private deferTo: EmissionLog | null = null;
  private runStart = 0;
  /** Entity that consumes each channel on this core (-1: not consumed here). */
  private readonly chanEnt: Int32Array;

  constructor(
    coreId: number,
    private readonly plan: Plan,
    scenario: Scenario,
    private readonly shared: SharedState,
    workerOfActor: (a: number) => number,
    flowCount: number,
    private readonly taps: TapSink,
    writerOfPort: (port: number) => { writer: FrameWriter; flowBase: number } | null,
  ) {
    this.coreId = coreId;
    this.actorId = coreId;
    this.pool = shared.pool;
    // A core without tasks touches no memory and no packet: no hierarchy to
    // build and no per-flow counters (a preset has dozens of cores; most
    // scenarios use a few).
    const busy = plan.tasks.some((t) => t.core === coreId);
    this.stats = new ActorStats(plan, flowCount, busy ? 'core' : 'none');
    this.reasonCount = plan.reasons.length;
    this.gateOverflowId = plan.reasons.indexOf('gate_overflow');
    this.deadendId = plan.reasons.indexOf('deadend');
    this.nfTimeoutId = plan.reasons.indexOf('nf_timeout');
    this.nfStoppedId = plan.reasons.indexOf('nf_stopped');
    this.portCount = plan.ports.length;
    this.warmupCycles = scenario.warmupCycles;
    this.endCycles = scenario.durationCycles;
    this.outputs = new Array(plan.channels.length);
    this.idleAnswer = new Uint8Array(plan.actors);
    this.idleAskedAt = new Float64Array(plan.actors).fill(-1);

    // The hardware model: this core's caches and its view of packet lines.
    const preset = scenario.machine.preset;
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

    // Modules of this core. NF state gets simulated addresses above the
    // packet buffers', a separate range per core.
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
      this.modules.set(mp.id, new ModuleRt(mp.id, mp.name, nf, mp.gates, kind.name === 'sink'));
    }

    // Outputs: channels this core produces into.
    const wake = new Set<number>();
    const myWorker = workerOfActor(coreId);
    for (const ch of plan.channels) {
      if (ch.producer !== coreId) continue;
      const ring = shared.rings[ch.id]!;
      this.outputs[ch.id] = ch.mode === 'backpressure'
        ? new BackPressureOutput(ch.id, ch.consumerCore, ring, ch.logicalCap, shared.deqTimes[ch.id]!, () => shared.loadClock(ch.consumerCore))
        : new TailDropOutput(ch.id, ch.consumerCore, ring);
      const w = workerOfActor(ch.consumerCore);
      if (w !== myWorker) wake.add(w);
    }

    // Tasks and their inputs.
    const myInputs = plan.inputs.filter((ip) => plan.tasks[ip.task]!.core === coreId);
    const built = buildInputs(shared, myInputs, (c) => plan.channels[c]!.producer, writerOfPort);
    let minLookahead = Infinity;
    for (let i = 0; i < myInputs.length; i++) {
      const ip = myInputs[i]!;
      const tp = plan.tasks[ip.task]!;
      const input = built[i]!;
      const entryCost = this.entryCost(tp.entry);
      const minCharge = entryCost > 0 ? 0 : 1;
      minLookahead = Math.min(minLookahead, entryCost + minCharge);
      const ts = scenario.tasks[tp.id]!;
      this.tasks.push({
        id: tp.id, name: tp.name, batch: Math.min(tp.batch, MAX_BATCH), input, entry: tp.entry, minChargeCycles: minCharge, rxTap: -1,
        ent: -1, chain: ts.chain, detached: ts.detached, syscalls: ts.syscalls === 'per-packet' ? 1 : ts.syscalls === 'per-batch' ? 2 : 0,
        copies: ts.copy, waitingSince: -1, lastEnd: 0,
      });
      for (let r = 0; r < input.rings.length; r++) {
        const ch = plan.channels[ip.channels[r]!]!;
        this.inputChannels.push({
          ring: input.rings[r]!, producer: input.producers[r]!, boundCache: -Infinity,
          bpCapacity: ch.mode === 'backpressure' ? ch.logicalCap : 0, ent: -1, next: Infinity,
          self: ch.producer === coreId,
          feedRings: this.soleFeedRings(plan, shared, ch.producer),
        });
        // A producer may wait for our takes (back-pressure) or for ring room
        // (wall-clock): wake it when we move.
        const w = workerOfActor(ch.producer);
        if (w !== myWorker) wake.add(w);
      }
    }
    this.lookaheadCycles = Number.isFinite(minLookahead) ? minLookahead : 1;

    // The CPU scheduler over this core's entities: tasks grouped by `process`.
    const spec = scenario.schedulers.find((sc) => sc.cores.includes(coreId)) ?? null;
    const policy: PolicyName = spec?.policy ?? 'rr';
    this.schedPolicy = spec === null ? null : policy;
    const procEnt = new Map<string, number>();
    const params: EntityParams[] = [];
    for (let i = 0; i < this.tasks.length; i++) {
      const t = this.tasks[i]!;
      const ts = scenario.tasks[t.id]!;
      let e = ts.process === '' ? undefined : procEnt.get(ts.process);
      if (e === undefined) {
        e = this.entTasks.length;
        this.entTasks.push([]);
        params.push({ weight: ts.weight, priority: ts.priority, nice: ts.nice });
        if (ts.process !== '') procEnt.set(ts.process, e);
      }
      this.entTasks[e]!.push(i);
      t.ent = e;
    }
    this.chanEnt = new Int32Array(plan.channels.length).fill(-1);
    for (const t of this.tasks) {
      for (const ch of plan.inputs[t.input.id]!.channels) this.chanEnt[ch] = t.ent;
      for (const c of this.inputChannels) if (t.input.rings.includes(c.ring)) c.ent = t.ent;
    }
    const E = this.entTasks.length;
    const pp = defaultPolicyParams(scenario.hz);
    if (spec !== null) {
      pp.rrSliceCycles = spec.rrSliceCycles;
      pp.wakeupGranularityCycles = spec.wakeupGranularityCycles;
      pp.cfsSlice = spec.cfsSlice;
    }
    this.sched = createScheduler(policy, params, pp);
    this.preemptive = this.sched.preemptive;
    this.entNext = new Int32Array(E);
    this.runnable = new Uint8Array(E);
    this.wasRunnable = new Uint8Array(E);
    this.woke = new Int32Array(E);
    this.residual = new Float64Array(E);
    this.workDone = new Float64Array(E);
    this.runTaskIdx = new Int32Array(E).fill(-1);
    this.logs = this.preemptive ? this.entTasks.map(() => new EmissionLog()) : [];
    const os = preset?.os;
    this.switchCycles = spec?.switchCycles ?? (os === undefined ? 0
      : policy === 'coop' || policy === 'cfs' ? os.contextSwitchCycles
        : policy === 'cfs-batch' ? os.batchContextSwitchCycles
          : policy === 'rt-fifo' || policy === 'rt-rr' ? os.rtContextSwitchCycles : 0);
    this.countsSwitches = this.switchCycles > 0 || !(policy === 'rr' || policy === 'wfq' || policy === 'prio');
    this.syscallCycles = spec?.syscallCycles ?? os?.syscallCycles ?? 0;
    this.timeoutCycles = spec?.timeoutCycles ?? 0;
    this.batchRuleP = spec?.batchRuleOverhead ?? 0;
    for (const t of this.tasks) {
      this.chainModules.set(t.chain, [...(this.chainModules.get(t.chain) ?? []), ...plan.tasks[t.id]!.modules]);
      this.chainTasks.set(t.chain, (this.chainTasks.get(t.chain) ?? 0) + 1);
    }
    this.copyFit = preset === null ? null : copyCostFit(preset);
    if (spec !== null && spec.isolation) {
      // Cooperative isolation: the first task of a chain with more than one
      // task on this core copies; the others work zero-copy on its buffer.
      const chains = new Map<string, TaskRt[]>();
      for (const t of this.tasks) chains.set(t.chain, [...(chains.get(t.chain) ?? []), t]);
      for (const list of chains.values()) if (list.length > 1) list[0]!.copies = true;
    }
    this.wakeWorkers = [...wake].sort((a, b) => a - b);

    // Taps on this core.
    for (const tp of plan.taps) {
      if (tp.site.type === 'gate') {
        const m = this.modules.get(tp.site.module);
        if (m) m.gateTaps[tp.site.gate] = tp.id;
      } else if (tp.site.type === 'rx') {
        for (const t of this.tasks) {
          const ip = plan.inputs[t.input.id]!;
          if (ip.kind === 'rx' && ip.ref === tp.site.port && ip.rxQueue === tp.site.queue) t.rxTap = tp.id;
        }
      }
    }
    this.publish();
  }

  /** Our rings into core p if we are its only feeder, else null. */
  private soleFeedRings(plan: Plan, shared: SharedState, p: number): SpscRing[] | null {
    if (p === this.coreId || p >= plan.cores) return null;
    const into = plan.channels.filter((c) => c.consumerCore === p);
    if (into.length === 0 || into.some((c) => c.producer !== this.coreId)) return null;
    return into.map((c) => shared.rings[c.id]!);
  }

  /**
   * Is core c.producer idle with nothing of ours in flight to it (we are its
   * only feeder)? Asked once per producer per decision (decisionNo): the
   * answer cannot change within one, since only we fill the rings it would
   * have to take from before it clears its flag (8 routers fed by one
   * switch: 8 channels x 8 rings per decision before).
   */
  private fedCoreIdle(c: InputChannel): boolean {
    const p = c.producer;
    if (this.idleAskedAt[p] === this.decisionNo) return this.idleAnswer[p] === 1;
    this.idleAskedAt[p] = this.decisionNo;
    this.idleAnswer[p] = 0;
    const rings = c.feedRings!;
    // Our rings first, then its flag: it clears the flag before it takes.
    for (let i = 0; i < rings.length; i++) if (rings[i]!.count() > 0) return false;
    const idle = this.shared.loadIdle(p);
    this.idleAnswer[p] = idle ? 1 : 0;
    return idle;
  }

  /** Least cycles charged before the first module of a task can emit anything. */
  private entryCost(t: Target): number {
    if (t.t !== 'module') return 0;
    const m = this.modules.get(t.m);
    if (!m) return 0;
    const c = m.nf.cost;
    return c.cyclesPerBatch + c.cyclesPerPacket;
  }

  get nowCycles(): number {
    return this.cursor;
  }

  // ---------------------------------------------------------------- run loop

  step(): number {
    if (this.idlePublished) {
      // Anything in our rings? Say so BEFORE taking it (see shared.ts, idle).
      const chans = this.inputChannels;
      for (let i = 0; i < chans.length; i++) {
        if (chans[i]!.ring.count() > 0) { this.idlePublished = false; this.shared.storeIdle(this.actorId, false); break; }
      }
    }
    if (this.flushing) {
      if (!this.flushTouched()) {
        // Stalled on a full back-pressure queue whose consumer is already past
        // the control point: the stall extends past it, so this epoch is done.
        const until = this.publishWhileBlocked();
        if (until < this.epochEndCycles) return STEP_BLOCKED;
        // Nothing can be taken before the control point: drain arrivals up
        // to it, as a core done with its epoch does (a producer may need the
        // ring room to finish its own epoch).
        const limit = this.epochEndCycles - 1;
        for (let i = 0; i < this.tasks.length; i++) this.tasks[i]!.input.admitEarly(limit, this, this.boundOf);
        return STEP_DONE;
      }
      this.finishRun();
      return STEP_PROGRESS;
    }
    const now = this.nowCycles_;
    if (now >= this.epochEndCycles) {
      // Done for this epoch, but keep draining what arrived before the control
      // point: a producer (the NIC above all) may need the ring room to finish
      // its own epoch. Not beyond it: arrivals after the control point may or
      // may not be in the rings yet (another core's run that straddles it),
      // and admitting them now or at the next epoch must not depend on that —
      // at the end of a run it decides "dropped" against "in flight". The
      // limit is the one taskBacklogs uses once every worker is there.
      const limit = Math.min(now, this.epochEndCycles - 1);
      for (let i = 0; i < this.tasks.length; i++) this.tasks[i]!.input.admitEarly(limit, this, this.boundOf);
      return STEP_DONE;
    }

    // Is every input decided up to `now` (no entry with time <= now can still
    // appear)? A ring is decided when its head is later than now (FIFO), when
    // its producer's bound is above now, or when it is a full back-pressure
    // ring (its producer cannot add anything before we take). Also find the
    // next event time for an idle jump.
    let next = Infinity;
    let blocked = false;
    const chans = this.inputChannels;
    this.decisionNo++;
    for (let i = 0; i < chans.length; i++) {
      const c = chans[i]!;
      const head = c.ring.peekTs();
      if (head !== Infinity && head > now) {
        c.next = head;
        if (head < next) next = head;
        continue;
      }
      if (c.self && head === Infinity) {
        // Our own queue, empty: whatever we put there later comes from a run
        // we have not decided yet, so it is no reason to wait or to stop an
        // idle jump.
        c.next = Infinity;
        continue;
      }
      if (c.feedRings !== null && head === Infinity && this.fedCoreIdle(c)) {
        // Look at the ring again: the producer fills its rings before it says
        // it is idle, so an entry it sent between our first look and the flag
        // we just read is visible now (missing it let another thread's run
        // decide past it: linux-sched --placement multi differed from run to
        // run on two threads). Idle, it sends nothing more before our next
        // output: decided up to what the ring holds.
        const h2 = c.ring.peekTs();
        c.next = h2;
        if (h2 < next) next = h2;
        continue;
      }
      if (c.boundCache <= now) {
        // Read the bound, then look at the ring again: entries published
        // before the bound was stored are then visible.
        c.boundCache = this.shared.loadBound(c.producer);
      }
      if (c.boundCache > now) {
        const h2 = c.ring.peekTs();
        const t = h2 < c.boundCache ? h2 : c.boundCache;
        c.next = t;
        if (t < next) next = t;
        continue;
      }
      if (c.bpCapacity > 0 && c.ring.count() >= c.bpCapacity) {
        // Full: decided until our next take. Its head may have arrived since we
        // first looked, so read it again for the next-event time.
        const h3 = c.ring.peekTs();
        c.next = h3;
        if (h3 < next) next = h3;
        continue;
      }
      blocked = true;
    }
    if (blocked) {
      // Draining what is already visible is safe (FIFO, single producer) and
      // frees ring space a producer may be waiting for in wall-clock time.
      for (let i = 0; i < this.tasks.length; i++) this.tasks[i]!.input.admitEarly(now, this, this.boundOf);
      return STEP_BLOCKED;
    }

    const tasks = this.tasks;
    for (let i = 0; i < tasks.length; i++) tasks[i]!.input.admit(now, this);
    this.updateRunnable(now);
    if (this.preemptive) return this.stepPreemptive(now, next);

    const e = this.sched.pick(this.runnable, -1);
    if (e >= 0) {
      this.runTask(this.taskOf(e, now), now, e);
      return STEP_PROGRESS;
    }

    // Idle: jump to the next event (never past the epoch end).
    if (next > this.epochEndCycles) next = this.epochEndCycles;
    if (next <= now) return STEP_BLOCKED; // cannot happen after the checks above; defensive
    this.nowCycles_ = next;
    this.publishIdle();
    this.publish();
    return STEP_PROGRESS;
  }

  /**
   * Which entities can run at `now` (a task with work and attached, or a run
   * in progress), and tell the scheduler who woke up and who went to sleep.
   */
  private updateRunnable(now: number): void {
    const tasks = this.tasks;
    const runnable = this.runnable;
    runnable.fill(0);
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[i]!;
      const e = t.ent;
      if (this.runTaskIdx[e] === i) { runnable[e] = 1; continue; }
      if (!t.detached && t.input.ready(now)) {
        runnable[e] = 1;
        if (t.waitingSince < 0) {
          const h = t.input.headTime();
          t.waitingSince = h > t.lastEnd ? h : t.lastEnd;
        }
      } else t.waitingSince = -1;
    }
    const was = this.wasRunnable;
    const sched = this.sched;
    let k = 0;
    for (let e = 0; e < runnable.length; e++) {
      if (runnable[e] !== was[e]) {
        if (runnable[e] !== 0) { sched.wake(e, now); this.woke[k++] = e; } else sched.block(e);
        was[e] = runnable[e]!;
      }
    }
    this.wokeCount = k;
  }

  /** The task of entity e to run next: round robin among its tasks with work. */
  private taskOf(e: number, now: number): TaskRt {
    const list = this.entTasks[e]!;
    if (list.length === 1) return this.tasks[list[0]!]!;
    const n = list.length;
    for (let k = 0; k < n; k++) {
      const j = (this.entNext[e]! + k) % n;
      const t = this.tasks[list[j]!]!;
      if (!t.detached && t.input.ready(now)) {
        this.entNext[e] = (j + 1) % n;
        return t;
      }
    }
    return this.tasks[list[0]!]!; // not reached: the entity is runnable
  }

  /** Charge a context switch if the CPU passes to another entity; returns its cycles. */
  private switchTo(e: number, t: TaskRt): number {
    if (e === this.lastEnt) return 0;
    const prev = this.lastEnt;
    this.lastEnt = e;
    this.sched.switchedIn(e);
    if (prev < 0 || !this.countsSwitches) return 0;
    const sw = this.switchCycles;
    const st = this.stats;
    st.taskSwitches[t.id] += 1;
    st.taskSwitchCycles[t.id] += sw;
    st.busyCycles += sw;
    return sw;
  }

  /** Non-preemptive policies: one batch of task t to completion, starting at `now`. */
  private runTask(t: TaskRt, now: number, e: number): void {
    const st = this.stats;
    if (t.waitingSince >= 0) { st.taskWaitCycles[t.id] += now - t.waitingSince; t.waitingSince = -1; }
    const start = now + this.switchTo(e, t);
    if (this.batchRuleP > 0) t.batch = this.ruleBatch(t);
    this.computeRun(t, now, start);
    // The compute part of the run is known now, whatever the flush does: count
    // it here so that counters never depend on when a flush completes.
    const busy = this.cursor - start;
    st.busyCycles += busy;
    st.taskCycles[t.id] += busy;
    this.sched.charge(e, busy);
    this.nowCycles_ = this.cursor;
    t.lastEnd = this.cursor;
    this.flushTask = t.id;
    if (!this.flushTouched()) {
      this.flushing = true;
      this.publishWhileBlocked();
      return;
    }
    this.finishRun();
  }

  /**
   * MODEL.md §4 [Quadrant]: with S_i the cycles per packet of the chain's N
   * NFs and C the context-switch cost, the rate at batch B is
   * F / (sum S + N C / B); the smallest B whose rate is within 1 + p of the
   * switch-free rate F / sum S is B = ceil(N C / (p sum S)). S_i are the
   * modules' measured cycles per packet so far; until every module has seen a
   * packet the configured batch stays.
   */
  private ruleBatch(t: TaskRt): number {
    const mods = this.chainModules.get(t.chain)!;
    const st = this.stats;
    let sum = 0;
    for (let i = 0; i < mods.length; i++) {
      const m = mods[i]!;
      const pk = st.modulePackets[m]!;
      if (pk === 0) return t.batch;
      sum += st.moduleCycles[m]! / pk;
    }
    if (sum <= 0) return t.batch;
    const b = Math.ceil((this.chainTasks.get(t.chain)! * this.switchCycles) / (this.batchRuleP * sum));
    return b < 1 ? 1 : b > MAX_BATCH ? MAX_BATCH : b;
  }

  /**
   * Take a batch of t (visible at `now`) and run its NF logic with the clock
   * cursor starting at `start`: outputs are staged (or logged, under a
   * preemptive policy) at the cursor time they leave. Leaves the cursor at the
   * run's end.
   */
  private computeRun(t: TaskRt, now: number, start: number): number {
    this.curTask = t;
    const n = t.input.take(this.batchBuf, t.batch, now);
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
      for (let i = 0; i < n; i++) c += Math.round(fit.fixedCycles + fit.cyclesPerByte * (len[this.batchBuf[i]!]! + 4));
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
      const buf = this.batchBuf;
      for (let i = 0; i < n; i++) {
        const h = buf[i]!;
        coh.readPacket(h, sim[h]!, 0, DESCRIPTOR_BYTES);
        coh.writePacket(h, sim[h]!, 0, DESCRIPTOR_BYTES);
      }
      this.cursor += hw.stallCycles - before;
    }
    if (t.rxTap >= 0) this.tapBatch(t.rxTap, this.batchBuf, n);
    this.forward(t.entry, this.batchBuf, n, -1);
    return n;
  }

  /**
   * Preemptive policies (inputs decided and admitted up to `now`): preempt the
   * running entity if a wake-up or its slice says so, pick who runs, and
   * execute one segment of its run.
   */
  private stepPreemptive(now: number, next: number): number {
    const sched = this.sched;
    const st = this.stats;
    let e = this.onCpu;
    if (e >= 0 && this.residual[e]! > 0) {
      let preempt = false;
      for (let k = 0; k < this.wokeCount; k++) {
        const w = this.woke[k]!;
        if (w !== e && sched.preemptsOnWake(w, e)) { preempt = true; break; }
      }
      if (!preempt && sched.sliceLeft(e) <= 0) { sched.sliceExpired(e); preempt = true; }
      if (preempt) {
        const t = this.tasks[this.runTaskIdx[e]!]!;
        st.taskPreemptions[t.id] += 1;
        t.waitingSince = now;
        this.onCpu = -1;
        e = -1;
      }
    } else if (e >= 0 && sched.sliceLeft(e) <= 0) {
      sched.sliceExpired(e);
    }
    if (e < 0 || this.residual[e] === 0) {
      e = sched.pick(this.runnable, this.onCpu);
      if (e < 0) {
        this.onCpu = -1;
        if (next > this.epochEndCycles) next = this.epochEndCycles;
        if (next <= now) return STEP_BLOCKED;
        this.nowCycles_ = next;
        this.publishIdle();
        this.publish();
        return STEP_PROGRESS;
      }
      const resumed = this.residual[e]! > 0;
      const t = resumed ? this.tasks[this.runTaskIdx[e]!]! : this.taskOf(e, now);
      if (t.waitingSince >= 0) { st.taskWaitCycles[t.id] += now - t.waitingSince; t.waitingSince = -1; }
      const start = now + this.switchTo(e, t);
      this.onCpu = e;
      if (!resumed) {
        // New run: its NF logic now, its outputs into the entity's log.
        const log = this.logs[e]!;
        this.deferTo = log;
        this.runStart = start;
        this.computeRun(t, now, start);
        this.deferTo = null;
        this.residual[e] = this.cursor - start;
        this.workDone[e] = 0;
        this.runTaskIdx[e] = this.tasks.indexOf(t);
      }
      this.nowCycles_ = start;
    }
    return this.runSegment(e, now);
  }

  /** Execute entity e's run from the clock up to its end, its slice end, or the next possible wake-up. */
  private runSegment(e: number, decidedAt: number): number {
    const sched = this.sched;
    const start = this.nowCycles_;
    const left = this.residual[e]!;
    let seg = left;
    const slice = sched.sliceLeft(e);
    if (slice < seg) seg = slice > 0 ? slice : 0;
    const wake = this.nextWakeFor(e, start);
    if (wake - start < seg) seg = wake > start ? wake - start : 0;
    if (seg <= 0 && start === decidedAt) seg = Math.min(left, 1); // always move: a wake at `now` was already seen
    const t = this.tasks[this.runTaskIdx[e]!]!;
    const st = this.stats;
    const before = this.workDone[e]!;
    const done = before + seg;
    this.workDone[e] = done;
    this.residual[e] = left - seg;
    st.busyCycles += seg;
    st.taskCycles[t.id] += seg;
    sched.charge(e, seg);
    // Release the outputs whose work is done, at the time it got done.
    const log = this.logs[e]!;
    this.curTask = t;
    while (log.head < log.tail && log.offset[log.head]! <= done) {
      const i = log.head++;
      this.cursor = start + (log.offset[i]! - before);
      this.release(log.handle[i]!, log.kind[i]!, log.target[i]!);
    }
    const end = start + seg;
    this.cursor = end;
    this.nowCycles_ = end;
    if (this.residual[e] === 0) {
      log.clear();
      this.runTaskIdx[e] = -1;
      t.lastEnd = end;
    }
    this.flushTask = t.id;
    if (!this.flushTouched()) {
      this.flushing = true;
      this.publishWhileBlocked();
      return STEP_PROGRESS;
    }
    this.finishRun();
    return STEP_PROGRESS;
  }

  /**
   * Earliest time after `start` at which an entity other than e could wake up
   * and perhaps preempt it: an arrival on a sleeping entity's input, or one
   * of e's own outputs into such an input on this core. The run stops there
   * and the next step decides with the clocks of that moment. Infinity when
   * no wake-up can preempt under this policy.
   */
  private nextWakeFor(e: number, start: number): number {
    let t = Infinity;
    const runnable = this.runnable;
    const chans = this.inputChannels;
    for (let i = 0; i < chans.length; i++) {
      const c = chans[i]!;
      if (c.ent !== e && runnable[c.ent] === 0 && c.next < t && this.sched.mayPreemptOnWake(c.ent, e)) t = c.next;
    }
    const log = this.logs[e]!;
    for (let i = log.head; i < log.tail; i++) {
      const at = start + (log.offset[i]! - this.workDone[e]!);
      if (at >= t) break;
      if (log.kind[i] !== EMIT_CHANNEL) continue;
      const w = this.chanEnt[log.target[i]!]!;
      if (w >= 0 && w !== e && runnable[w] === 0 && this.sched.mayPreemptOnWake(w, e)) { t = at; break; }
    }
    return t;
  }

  /** Stage or deliver one logged output at the cursor time. */
  private release(h: number, kind: number, target: number): void {
    if (kind === EMIT_CHANNEL) {
      const out = this.outputs[target]!;
      if (out.pending() === 0) this.touched.push(out);
      if (!out.stage(h, this.cursor)) this.dropPacket(h, this.gateOverflowId, -1);
    } else if (kind === EMIT_TX) {
      this.deliver(h, target, this.cursor);
    } else {
      this.deliver(h, this.portCount + target, this.cursor);
    }
  }

  /** After the last staged packet got into its ring: add the back-pressure stall, publish. */
  private finishRun(): void {
    this.flushing = false;
    let end = this.nowCycles_;
    const touched = this.touched;
    let stalled = false;
    for (let i = 0; i < touched.length; i++) {
      const o = touched[i]!;
      if (o.takeStallCycles() > 0) {
        stalled = true;
        // The core spun on the full queue until its last packet got in.
        if (o.lastStampCycles > end) end = o.lastStampCycles;
      }
    }
    touched.length = 0;
    if (stalled) {
      const st = this.stats;
      const stall = end - this.nowCycles_;
      st.busyCycles += stall;
      st.taskCycles[this.flushTask] += stall;
      st.stallCycles += stall;
      st.taskStallCycles[this.flushTask] += stall;
    }
    this.nowCycles_ = end;
    this.cursor = end;
    this.curTask = null;
    this.publish();
  }

  private flushTouched(): boolean {
    const touched = this.touched;
    let ok = true;
    for (let i = 0; i < touched.length; i++) if (!touched[i]!.flush(this.epochEndCycles)) ok = false;
    return ok;
  }

  private publish(): void {
    const sh = this.shared;
    const bound = this.nowCycles_ + this.lookahead();
    // Bounds never go backwards (a stall may have published a later one).
    if (bound > this.publishedBound) {
      this.publishedBound = bound;
      sh.storeBound(this.actorId, bound);
    }
    if (this.nowCycles_ > this.publishedClock) {
      this.publishedClock = this.nowCycles_;
      sh.storeClock(this.actorId, this.nowCycles_);
    }
    this.wake();
  }

  /**
   * While a flush waits, nothing can leave this core before the earliest time
   * a staged packet can enter its ring: publish that as the bound (consumers
   * downstream may otherwise wait on us while we wait on them), and wake
   * everyone, since a partial flush may have filled a ring.
   */
  private publishWhileBlocked(): number {
    let until = Infinity;
    const touched = this.touched;
    for (let i = 0; i < touched.length; i++) {
      const o = touched[i]!;
      if (o.pending() > 0) { const u = o.blockedUntilAtLeast(); if (u < until) until = u; }
    }
    if (until !== Infinity && until > this.publishedBound) {
      this.publishedBound = until;
      this.shared.storeBound(this.actorId, until);
    }
    // Our next take cannot come before the batch and the stall are over: a
    // producer stalled on us may use that to finish its own epoch.
    const clock = until !== Infinity && until > this.cursor ? until : this.cursor;
    if (clock > this.publishedClock) {
      this.publishedClock = clock;
      this.shared.storeClock(this.actorId, clock);
    }
    this.wake();
    return until;
  }

  /**
   * Least time from the clock before anything can leave this core: a new run
   * costs at least its entry cost; a run a preemptive policy interrupted may
   * release its next output sooner than that once it resumes.
   */
  private lookahead(): number {
    let la = this.lookaheadCycles;
    if (!this.preemptive) return la;
    for (let e = 0; e < this.residual.length; e++) {
      if (this.residual[e]! > 0) {
        const d = this.logs[e]!.nextOffset() - this.workDone[e]!;
        if (d < la) la = d;
      }
    }
    return la;
  }

  /**
   * At an idle jump: if we hold no packet at all (every input ring empty,
   * every task's queue empty, no interrupted run), say so: a core feeding us
   * alone may then stop waiting on our bound (see fedCoreIdle).
   */
  private publishIdle(): void {
    if (this.idlePublished) return;
    const chans = this.inputChannels;
    for (let i = 0; i < chans.length; i++) if (chans[i]!.ring.count() > 0) return;
    const tasks = this.tasks;
    for (let i = 0; i < tasks.length; i++) if (tasks[i]!.input.headTime() !== Infinity) return;
    for (let e = 0; e < this.residual.length; e++) if (this.residual[e]! > 0) return;
    if (this.touched.length > 0) return;
    this.idlePublished = true;
    this.shared.storeIdle(this.actorId, true);
  }

  /** Ring the workers that may be waiting on us (cheap when they are not parked). */
  private wake(): void {
    const w = this.wakeWorkers;
    for (let i = 0; i < w.length; i++) this.shared.ring(w[i]!);
  }

  // ------------------------------------------------------- graph traversal

  /** HOT: hand `count` packets in buf to a target, at the current cursor time. */
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
    const log = this.deferTo;
    if (log !== null) {
      const off = this.cursor - this.runStart;
      switch (target.t) {
        case 'channel': for (let i = 0; i < count; i++) log.push(buf[i]!, EMIT_CHANNEL, target.ch, off); return;
        case 'tx': for (let i = 0; i < count; i++) log.push(buf[i]!, EMIT_TX, target.port, off); return;
        case 'sink':
          for (let i = 0; i < count; i++) log.push(buf[i]!, EMIT_SINK, target.m, off);
          this.stats.modulePackets[target.m] += count;
          this.stats.moduleBatches[target.m] += 1;
          return;
        default: break;
      }
    }
    switch (target.t) {
      case 'channel': {
        const out = this.outputs[target.ch]!;
        if (out.pending() === 0) this.touched.push(out);
        const ts = this.cursor;
        for (let i = 0; i < count; i++) {
          if (!out.stage(buf[i]!, ts)) this.dropPacket(buf[i]!, this.gateOverflowId, fromModule);
        }
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

  private processModule(m: ModuleRt, handles: Uint32Array, count: number): void {
    if (m.stopped) {
      for (let i = 0; i < count; i++) this.dropPacket(handles[i]!, this.nfStoppedId, m.id);
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
    this.cur = prev;
    this.extraCycles = prevExtra;
    if (this.timeoutCycles > 0 && cycles > this.timeoutCycles) {
      // It did not yield in time: the scheduler stops it at the timeout; the
      // batch it held dies with it, and later packets find it stopped.
      cycles = this.timeoutCycles;
      m.stopped = true;
      if (this.curTask !== null) this.stats.taskTimeouts[this.curTask.id] += 1;
      for (let g = 0; g < gc.length; g++) {
        const buf = m.gateBufs[g]!;
        for (let i = 0; i < gc[g]!; i++) this.dropPacket(buf[i]!, this.nfTimeoutId, m.id);
        gc[g] = 0;
      }
    }
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
    freePacket(this.pool, h);
  }

  dropAtInput(h: number, inputId: number, reasonId: number): void {
    const st = this.stats;
    st.dropped++;
    st.dropsByReason[reasonId]++;
    st.inputDrops[inputId]++;
    const f = this.pool.flowId[h]!;
    if (f < st.flowDropped.length) st.flowDropped[f]++;
    freePacket(this.pool, h);
  }

  private deliver(h: number, sinkIndex: number, t: number): void {
    const pool = this.pool;
    const st = this.stats;
    const frameBytes = pool.lenBytes[h]! + 4; // + FCS, as frame sizes are quoted
    st.delivered++;
    st.deliveredPackets[sinkIndex]++;
    st.deliveredBytes[sinkIndex] += frameBytes;
    if (t >= this.warmupCycles && t < this.endCycles) {
      st.windowDelivered++;
      st.windowDeliveredBytes += frameBytes;
      st.latency!.record(t - pool.ingressCycles[h]!); // a core with tasks has one (ActorStats)
      if (sinkIndex >= this.portCount) st.sinkLatency[sinkIndex - this.portCount]!.record(t - pool.ingressCycles[h]!);
    }
    const f = pool.flowId[h]!;
    if (f < st.flowDelivered.length) st.flowDelivered[f]++; // NO_FLOW (pcap) is out of range
    if (sinkIndex < this.portCount) {
      const tap = this.taps.txTap(sinkIndex);
      if (tap >= 0) this.taps.record(tap, this.coreId, pool, h, t);
    }
    freePacket(pool, h);
  }

  private tapBatch(tap: number, buf: Uint32Array, n: number): void {
    for (let i = 0; i < n; i++) this.taps.record(tap, this.coreId, this.pool, buf[i]!, this.cursor);
  }

  // ------------------------------------------------------- control & reports

  /** Control action: change a task's batch size (takes effect at the next run). */
  setBatch(taskName: string, batch: number): boolean {
    for (const t of this.tasks) {
      if (t.name === taskName) {
        t.batch = Math.max(1, Math.min(MAX_BATCH, batch | 0));
        return true;
      }
    }
    return false;
  }

  hasTask(taskName: string): boolean {
    return this.tasks.some((t) => t.name === taskName);
  }

  /** Control action: new WFQ weight for the entity of a task. */
  setWeight(taskName: string, weight: number): boolean {
    const t = this.tasks.find((x) => x.name === taskName);
    if (t === undefined) return false;
    this.sched.setWeight(t.ent, weight);
    return true;
  }

  /**
   * Control action: attach or detach a chain (its tasks become schedulable /
   * stop being scheduled). Control points fall between runs, so a detach
   * waits for the current batch; a run a preemptive policy interrupted still
   * finishes.
   */
  setAttached(chain: string, attached: boolean): boolean {
    let found = false;
    for (const t of this.tasks) if (t.chain === chain) { t.detached = !attached; found = true; }
    return found;
  }

  /** Per-task scheduling counters for telemetry (cumulative). */
  taskTelemetry(): TaskTelemetry[] {
    const st = this.stats;
    return this.tasks.map((t) => ({
      id: t.id, name: t.name, packets: st.taskPackets[t.id]!, batches: st.taskBatches[t.id]!,
      busyCycles: st.taskCycles[t.id]!, waitCycles: st.taskWaitCycles[t.id]!, switchCycles: st.taskSwitchCycles[t.id]!,
      contextSwitches: st.taskSwitches[t.id]!, preemptions: st.taskPreemptions[t.id]!, syscalls: st.taskSyscalls[t.id]!,
      timeouts: st.taskTimeouts[t.id]!, detached: t.detached,
    }));
  }

  moduleCounters(): { id: number; counters: Float64Array }[] {
    return [...this.modules.values()].map((m) => ({ id: m.id, counters: m.nf.counters }));
  }

  /** The hardware model's counters (rows per module id; see hw/mem-counters.ts), or null. */
  memoryCounters(): Float64Array | null {
    return this.hw === null ? null : this.hw.counters;
  }

  /**
   * At a control point (every actor of every worker done with the epoch):
   * bring each queue up to the control point and count what waits there.
   */
  taskBacklogs(): { id: number; backlog: number }[] {
    const t = this.epochEndCycles;
    return this.tasks.map((task) => {
      task.input.admitEarly(t - 1, this, this.boundOf);
      return { id: task.id, backlog: task.input.backlogBefore(t) };
    });
  }

  clockCycles(): number {
    return this.nowCycles_;
  }

  describe(): string {
    const waits = this.inputChannels.map((c) => `producer ${c.producer} bound ${c.boundCache} ring ${c.ring.count()}`).join('; ');
    const outs = this.touched.map((o) => o.describe()).join('; ');
    return `core ${this.coreId}: now ${this.nowCycles_}, epoch end ${this.epochEndCycles}, flushing ${this.flushing} [${outs}]; inputs: ${waits || 'none'}`;
  }

  location(): string {
    const parts = [`core ${this.coreId}`];
    if (this.curTask) parts.push(`task ${this.curTask.name}`);
    if (this.cur) parts.push(`NF ${this.cur.name}`);
    return parts.join(', ');
  }
}
