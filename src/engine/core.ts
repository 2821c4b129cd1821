/**
 * One emulated CPU core: its virtual clock, and the run loop that decides
 * when it may act, lets its CPU scheduler pick an entity, runs it, and
 * publishes how far it got.
 *
 * A step is one scheduling decision, as a BESS worker's ScheduleOnce:
 *   decide   may the core act at `now`? (input-sync.ts: conservative
 *            synchronisation over its input rings)
 *   admit    arrivals up to `now` join the tasks' queues (input.ts)
 *   pick     the scheduler (sched/policy.ts) chooses among runnable entities
 *   run      the execution strategy runs one batch, or one segment of a
 *            preemptible run (execution.ts), on the datapath (datapath.ts)
 *   account  flush the run's outputs into their rings (output.ts), add a
 *            back-pressure stall, publish clock and bound
 * or, when nothing can run, jump to the next event.
 *
 * Conservative synchronisation (Chandy–Misra–Bryant, with the "null
 * messages" reduced to a shared clock word per actor): after each step the
 * core publishes its bound — nothing it enqueues from now on can carry a time
 * below now + lookahead, where lookahead is the least a task run costs before
 * its first module emits (at least one cycle, so virtual time always
 * advances). Nothing depends on thread timing.
 *
 * Costs of the scheduler's own mechanisms are charged once per event: a
 * context switch when the CPU passes to another entity (here), a system call
 * per receive/send as the task's I/O mode says and a packet copy under
 * cooperative isolation (datapath.ts).
 *
 * Control points split the run into epochs: a core stops at the epoch's end
 * (STEP_DONE) but keeps draining what arrived before it, so that producers
 * can finish theirs; the host (host.ts) waits for every actor.
 */
import type { Plan } from '../graph/plan.js';
import type { Scenario } from '../scenario/types.js';
import type { CpuScheduler, PolicyName } from '../sched/policy.js';
import type { FrameWriter } from '../traffic/frame-writer.js';
import { buildScheduling, buildTasks, workersToWake } from './core-setup.js';
import { CoreDatapath, type TaskRt } from './datapath.js';
import { CoreEvents } from './events.js';
import { BatchRule, Segmented, WholeBatch, type Execution, type RunContext } from './execution.js';
import { InputSync, UNDECIDED } from './input-sync.js';
import { CoreOutputs } from './output.js';
import type { SharedState } from './shared.js';
import { ActorStats } from './stats.js';
import type { TapSink } from './tap.js';
import type { TaskTelemetry } from './telemetry.js';
import { flowGroupsOf } from './flow-groups.js';
import { LatencyHistogram } from '../metrics/histogram.js';
import { MAX_BATCH } from '../packet/batch.js';

export const STEP_DONE = 0;
export const STEP_PROGRESS = 1;
export const STEP_BLOCKED = 2;

export interface Actor {
  readonly actorId: number;
  readonly stats: ActorStats;
  epochEndCycles: number;
  clockCycles(): number;
  step(): number;
  /** One line for stall reports. */
  describe(): string;
  /** Where the actor was when it threw: "core 2, task b@2, NF fw". */
  location(): string;
}

export class CoreActor implements Actor, RunContext {
  readonly actorId: number;
  readonly stats: ActorStats;
  readonly coreId: number;
  readonly dp: CoreDatapath;
  nowCycles_ = 0;
  epochEndCycles = 0;

  readonly tasks: TaskRt[];
  private readonly outputs: CoreOutputs;
  private readonly sync: InputSync;
  private readonly exec: Execution;
  /** The scenario's events on this core and its NFs. */
  private readonly events: CoreEvents;
  private readonly lookaheadCycles: number;
  private readonly wakeWorkers: number[];
  private readonly boundOf = (producer: number): number => this.shared.loadBound(producer);
  private publishedBound = -Infinity;
  private publishedClock = -Infinity;
  /** A run's outputs wait for room; the core does nothing else until they are in. */
  private flushing = false;
  private flushTask = -1;
  private idlePublished = false;

  // CPU scheduling (see sched/policy.ts).
  /** The policy named in the scenario for this core, or null (round robin, no costs, not reported). */
  readonly schedPolicy: PolicyName | null;
  readonly sched: CpuScheduler;
  private readonly entTasks: number[][];
  private readonly entNext: Int32Array;
  readonly runnable: Uint8Array;
  private readonly wasRunnable: Uint8Array;
  readonly woke: Int32Array;
  wokeCount = 0;
  readonly runTaskIdx: Int32Array;
  /** Entity that had the CPU last (a switch away from it costs). */
  private lastEnt = -1;
  private readonly switchCycles: number;
  private readonly countsSwitches: boolean;

  /** COLD */
  constructor(
    coreId: number,
    plan: Plan,
    scenario: Scenario,
    private readonly shared: SharedState,
    workerOfActor: (a: number) => number,
    flowCount: number,
    taps: TapSink,
    writerOfPort: (port: number) => { writer: FrameWriter; flowBase: number } | null,
  ) {
    this.coreId = coreId;
    this.actorId = coreId;
    // A core without tasks keeps no per-flow counters.
    const busy = plan.tasks.some((t) => t.core === coreId);
    const groups = flowGroupsOf(scenario);
    const oneGroup = groups.count === 1 && scenario.ports.every((p) => p.traffic?.kind !== 'pcap');
    this.stats = new ActorStats(plan, flowCount, busy ? 'core' : 'none', groups.count, scenario.controlPeriodCycles < scenario.durationCycles, oneGroup);
    this.outputs = new CoreOutputs(coreId, plan.channels, shared.rings, shared.deqTimes, (a) => shared.loadClock(a));
    this.dp = new CoreDatapath(coreId, plan, scenario, shared, this.stats, this.outputs, taps);
    const built = buildTasks(coreId, plan, scenario, shared, this.dp, writerOfPort);
    if (scenario.controlPeriodCycles < scenario.durationCycles) {
      this.dp.batchCycles = plan.tasks.map(() => null);
      for (const t of built.tasks) this.dp.batchCycles[t.id] = new LatencyHistogram({ significantDigits: 2 });
    }
    this.tasks = built.tasks;
    this.lookaheadCycles = built.lookaheadCycles;

    const s = buildScheduling(coreId, scenario, this.tasks);
    this.schedPolicy = s.policy;
    this.sched = s.sched;
    this.entTasks = s.entTasks;
    this.switchCycles = s.switchCycles;
    this.countsSwitches = s.countsSwitches;
    this.dp.setCosts({ syscallCycles: s.syscallCycles, timeoutCycles: s.timeoutCycles });
    const E = this.entTasks.length;
    this.entNext = new Int32Array(E);
    this.runnable = new Uint8Array(E);
    this.wasRunnable = new Uint8Array(E);
    this.woke = new Int32Array(E);
    this.runTaskIdx = new Int32Array(E).fill(-1);

    this.sync = new InputSync(coreId, plan, shared);
    for (const t of this.tasks) this.sync.addTask(t, plan.inputs[t.input.id]!.channels, t.input.rings, t.input.producers);
    this.exec = this.sched.preemptive
      ? new Segmented(this, plan, E, this.sync.channels)
      : new WholeBatch(this, s.batchRuleOverhead > 0 ? new BatchRule(this.tasks, plan, this.stats, s.switchCycles, s.batchRuleOverhead) : null);
    this.wakeWorkers = workersToWake(coreId, plan, workerOfActor);
    this.events = new CoreEvents(scenario, coreId, this.dp.modules.values());
    this.publish();
  }

  // ---------------------------------------------------------------- run loop

  step(): number {
    if (this.idlePublished && this.sync.anyInRings()) {
      // Something in our rings: say so BEFORE taking it (see shared.ts, idle).
      this.idlePublished = false;
      this.shared.storeIdle(this.actorId, false);
    }
    if (this.flushing) return this.continueFlush();
    const now = this.nowCycles_;
    if (now >= this.epochEndCycles) {
      // Done for this epoch, but keep draining what arrived before the control
      // point: a producer (the NIC above all) may need the ring room to finish
      // its own epoch. Not beyond it: arrivals after the control point may or
      // may not be in the rings yet (another core's run that straddles it),
      // and admitting them now or at the next epoch must not depend on that —
      // at the end of a run it decides "dropped" against "in flight". The
      // limit is the one taskBacklogs uses once every worker is there.
      this.admitEarly(Math.min(now, this.epochEndCycles - 1));
      return STEP_DONE;
    }
    // Events change the NFs of batches that start from their time on.
    if (this.events.nextAt <= now) this.events.applyUpTo(now);
    if (this.events.offline) {
      // Offline: nothing runs, nothing is taken (so admitting now or later
      // sees the same occupancy); move on to the next event.
      this.admitEarly(now);
      return this.idleJump(now, this.events.nextAt);
    }
    const next = this.sync.decide(now);
    if (next === UNDECIDED) {
      // Draining what is already visible is safe (FIFO, single producer) and
      // frees ring space a producer may be waiting for in wall-clock time.
      this.admitEarly(now);
      return STEP_BLOCKED;
    }
    // A detached task's inputs are not decided (InputSync.decide): admitEarly
    // brings them in, in order, when the core cannot decide or at the control point.
    const tasks = this.tasks;
    for (let i = 0; i < tasks.length; i++) if (!tasks[i]!.detached) tasks[i]!.input.admit(now, this.dp);
    this.updateRunnable(now);
    if (this.exec.runAt(now)) return STEP_PROGRESS;
    return this.idleJump(now, next);
  }

  /** Nothing can run: move the clock to the next event (never past the epoch end). */
  private idleJump(now: number, next: number): number {
    if (next > this.epochEndCycles) next = this.epochEndCycles;
    if (next <= now) return STEP_BLOCKED; // cannot happen: an input due at `now` makes its task runnable
    this.nowCycles_ = next;
    this.publishIdle();
    this.publish();
    return STEP_PROGRESS;
  }

  /** Admit arrivals up to `limit` while the core cannot decide (see TaskInput.admitEarly). */
  private admitEarly(limit: number): void {
    const tasks = this.tasks;
    for (let i = 0; i < tasks.length; i++) tasks[i]!.input.admitEarly(limit, this.dp, this.boundOf);
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
  taskOf(e: number, now: number): TaskRt {
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
  switchTo(e: number, t: TaskRt): number {
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

  // ------------------------------------------------------- flush and publish

  /** The work of task `taskId` is charged up to the clock: flush its outputs, or wait for room. */
  endRun(taskId: number): void {
    this.flushTask = taskId;
    if (!this.outputs.flush(this.epochEndCycles)) {
      this.flushing = true;
      this.publishWhileBlocked();
      return;
    }
    this.finishRun();
  }

  /** A step while a run's outputs wait for room. */
  private continueFlush(): number {
    if (this.outputs.flush(this.epochEndCycles)) {
      this.finishRun();
      return STEP_PROGRESS;
    }
    const until = this.publishWhileBlocked();
    if (until < this.epochEndCycles) return STEP_BLOCKED;
    // Stalled on a full back-pressure queue whose consumer is already past the
    // control point: the stall extends past it, so this epoch is done. Nothing
    // can be taken before the control point: drain arrivals up to it, as a
    // core done with its epoch does (a producer may need the ring room to
    // finish its own epoch).
    this.admitEarly(this.epochEndCycles - 1);
    return STEP_DONE;
  }

  /** After the last staged packet got into its ring: add the back-pressure stall, publish. */
  private finishRun(): void {
    this.flushing = false;
    const runEnd = this.nowCycles_;
    const end = this.outputs.settle(runEnd);
    if (end > runEnd) {
      const st = this.stats;
      const stall = end - runEnd;
      st.busyCycles += stall;
      st.taskCycles[this.flushTask] += stall;
      st.stallCycles += stall;
      st.taskStallCycles[this.flushTask] += stall;
    }
    this.nowCycles_ = end;
    this.dp.cursor = end;
    this.dp.curTask = null;
    this.publish();
  }

  private publish(): void {
    const sh = this.shared;
    const bound = this.nowCycles_ + this.exec.lookahead(this.lookaheadCycles);
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
   * everyone, since a partial flush may have filled a ring. Returns that time.
   */
  private publishWhileBlocked(): number {
    const until = this.outputs.blockedUntil();
    if (until !== Infinity && until > this.publishedBound) {
      this.publishedBound = until;
      this.shared.storeBound(this.actorId, until);
    }
    // Our next take cannot come before the batch and the stall are over: a
    // producer stalled on us may use that to finish its own epoch.
    const cursor = this.dp.cursor;
    const clock = until !== Infinity && until > cursor ? until : cursor;
    if (clock > this.publishedClock) {
      this.publishedClock = clock;
      this.shared.storeClock(this.actorId, clock);
    }
    this.wake();
    return until;
  }

  /**
   * At an idle jump: if we hold no packet at all (every input ring empty,
   * every task's queue empty, no interrupted run, nothing staged), say so: a
   * core feeding us alone may then stop waiting on our bound (see
   * InputSync.fedCoreIdle).
   */
  private publishIdle(): void {
    if (this.idlePublished || this.sync.anyInRings()) return;
    const tasks = this.tasks;
    for (let i = 0; i < tasks.length; i++) if (tasks[i]!.input.headTime() !== Infinity) return;
    if (this.exec.holdsRun() || this.outputs.holding()) return;
    this.idlePublished = true;
    this.shared.storeIdle(this.actorId, true);
  }

  /** Ring the workers that may be waiting on us (cheap when they are not parked). */
  private wake(): void {
    const w = this.wakeWorkers;
    for (let i = 0; i < w.length; i++) this.shared.ring(w[i]!);
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

  /** Control action: new strict / RT priority for the entity of a task. */
  setPriority(taskName: string, priority: number): boolean {
    const t = this.tasks.find((x) => x.name === taskName);
    if (t === undefined) return false;
    this.sched.setPriority(t.ent, priority);
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
      timeouts: st.taskTimeouts[t.id]!, detached: t.detached, batch: t.batch,
      batchCyclesP99: this.periodBatchP99(t.id),
    }));
  }

  /** The p99 of the task's batch cycles since the last control point (null if it ran none); then starts a new period. */
  private periodBatchP99(id: number): number | null {
    const h = this.dp.batchCycles[id];
    if (h === undefined || h === null || h.count === 0) return null;
    const v = h.valueAtPercentile(99);
    h.reset();
    return v;
  }

  moduleCounters(): { id: number; counters: Float64Array }[] {
    return [...this.dp.modules.values()].map((m) => ({ id: m.id, counters: m.nf.counters }));
  }

  /** The hardware model's counters (rows per module id; see hw/mem-counters.ts), or null. */
  memoryCounters(): Float64Array | null {
    return this.dp.hw === null ? null : this.dp.hw.counters;
  }

  /**
   * At a control point (every actor of every worker done with the epoch):
   * bring each queue up to the control point and count what waits there.
   */
  taskBacklogs(): { id: number; backlog: number }[] {
    const t = this.epochEndCycles;
    return this.tasks.map((task) => {
      task.input.admitEarly(t - 1, this.dp, this.boundOf);
      return { id: task.id, backlog: task.input.backlogBefore(t) };
    });
  }

  clockCycles(): number {
    return this.nowCycles_;
  }

  describe(): string {
    return `core ${this.coreId}: now ${this.nowCycles_}, epoch end ${this.epochEndCycles}, flushing ${this.flushing} [${this.outputs.describe()}]; inputs: ${this.sync.describe() || 'none'}`;
  }

  location(): string {
    const where = this.dp.location();
    return where === '' ? `core ${this.coreId}` : `core ${this.coreId}, ${where}`;
  }
}
