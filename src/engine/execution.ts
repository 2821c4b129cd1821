/**
 * How a core executes the run its scheduler picks: a strategy chosen once,
 * when the core is built, from the scheduler's `preemptive` flag.
 *
 *  WholeBatch — non-preemptive policies (rr, coop, wfq, prio): one batch of
 *    one task runs to completion; its outputs are staged at the cycle they
 *    leave and flushed after the run.
 *
 *  Segmented  — preemptive policies (CFS, RT): a run's NF logic still runs at
 *    once, but its outputs are logged with the work offset at which they
 *    leave, and the run then executes in *segments* of virtual time. A
 *    segment ends at the run's end, at the slice end, or at the next instant
 *    a wake-up could happen (an arrival for a sleeping entity, from outside or
 *    from the run's own outputs); outputs are released when the work before
 *    them is done. A preempted run keeps its remaining work and unreleased
 *    outputs until the scheduler picks its entity again.
 *
 * Both are called by the core (core.ts) once its inputs are decided and
 * admitted at `now` and it knows who is runnable; when nothing runs the core
 * makes the idle jump itself.
 */
import type { Plan } from '../graph/plan.js';
import type { CpuScheduler } from '../sched/policy.js';
import { MAX_BATCH } from '../packet/batch.js';
import { quadrantBatch } from '../sched/batch-rule.js';
import type { CoreDatapath, TaskRt } from './datapath.js';
import { EmissionLog, EMIT_CHANNEL } from './emission-log.js';
import type { InputChannel } from './input-sync.js';
import type { ActorStats } from './stats.js';

/** What an execution strategy uses of its core. */
export interface RunContext {
  /** The core's clock (cycles): where the next decision happens. */
  nowCycles_: number;
  readonly dp: CoreDatapath;
  readonly sched: CpuScheduler;
  readonly stats: ActorStats;
  readonly tasks: readonly TaskRt[];
  /** Per entity: can run at this decision. */
  readonly runnable: Uint8Array;
  /** Entities that woke up at this decision: woke[0..wokeCount). */
  readonly woke: Int32Array;
  readonly wokeCount: number;
  /** Per entity: index of the task whose run is in progress (-1: none). */
  readonly runTaskIdx: Int32Array;
  /** The task of entity e to run next. */
  taskOf(e: number, now: number): TaskRt;
  /** Give the CPU to entity e for task t; returns the context-switch cycles charged. */
  switchTo(e: number, t: TaskRt): number;
  /** After work of task `taskId` up to the clock: flush its outputs, or wait for room. */
  endRun(taskId: number): void;
}

export interface Execution {
  /** Run (or go on with) one entity at `now`; false when the CPU stays idle. */
  runAt(now: number): boolean;
  /** Least cycles from the clock before anything can leave, given a new run's least (`newRunCycles`). */
  lookahead(newRunCycles: number): number;
  /** A run is in progress (interrupted or not yet done). */
  holdsRun(): boolean;
}

/** Charge the time task t waited for the CPU, up to `now`. */
function endWait(st: ActorStats, t: TaskRt, now: number): void {
  if (t.waitingSince >= 0) { st.taskWaitCycles[t.id] += now - t.waitingSince; t.waitingSince = -1; }
}

export class WholeBatch implements Execution {
  constructor(private readonly core: RunContext, private readonly batchRule: BatchRule | null) {}

  runAt(now: number): boolean {
    const c = this.core;
    const e = c.sched.pick(c.runnable, -1);
    if (e < 0) return false;
    const t = c.taskOf(e, now);
    const st = c.stats;
    endWait(st, t, now);
    const start = now + c.switchTo(e, t);
    if (this.batchRule !== null) t.batch = this.batchRule.batchFor(t);
    const dp = c.dp;
    dp.computeRun(t, now, start);
    // The compute part of the run is known now, whatever the flush does: count
    // it here so that counters never depend on when a flush completes.
    const busy = dp.cursor - start;
    st.busyCycles += busy;
    st.taskCycles[t.id] += busy;
    c.sched.charge(e, busy);
    c.nowCycles_ = dp.cursor;
    t.lastEnd = dp.cursor;
    c.endRun(t.id);
    return true;
  }

  lookahead(newRunCycles: number): number {
    return newRunCycles;
  }

  holdsRun(): boolean {
    return false;
  }
}

export class Segmented implements Execution {
  /** Per entity: work left in its run, work done so far, and its outputs by work offset. */
  private readonly residual: Float64Array;
  private readonly workDone: Float64Array;
  private readonly logs: EmissionLog[];
  /** Entity that consumes each channel on this core (-1: not consumed here). */
  private readonly chanEnt: Int32Array;
  /** Entity holding the CPU (-1: none or preempted). */
  private onCpu = -1;

  constructor(private readonly core: RunContext, plan: Plan, entities: number, private readonly channels: readonly InputChannel[]) {
    this.residual = new Float64Array(entities);
    this.workDone = new Float64Array(entities);
    this.logs = Array.from({ length: entities }, () => new EmissionLog());
    this.chanEnt = new Int32Array(plan.channels.length).fill(-1);
    for (const t of core.tasks) for (const ch of plan.inputs[t.input.id]!.channels) this.chanEnt[ch] = t.ent;
  }

  runAt(now: number): boolean {
    const c = this.core;
    const sched = c.sched;
    let e = this.onCpu;
    if (e >= 0 && this.residual[e]! > 0) {
      if (this.preempts(e)) {
        const t = c.tasks[c.runTaskIdx[e]!]!;
        c.stats.taskPreemptions[t.id] += 1;
        t.waitingSince = now;
        this.onCpu = -1;
        e = -1;
      }
    } else if (e >= 0 && sched.sliceLeft(e) <= 0) {
      sched.sliceExpired(e);
    }
    if (e < 0 || this.residual[e] === 0) {
      e = sched.pick(c.runnable, this.onCpu);
      if (e < 0) {
        this.onCpu = -1;
        return false;
      }
      this.start(e, now);
    }
    this.runSegment(e, now);
    return true;
  }

  /** Does a wake-up at this decision, or the end of its slice, take the CPU from running entity e? */
  private preempts(e: number): boolean {
    const c = this.core;
    const sched = c.sched;
    for (let k = 0; k < c.wokeCount; k++) {
      const w = c.woke[k]!;
      if (w !== e && sched.preemptsOnWake(w, e)) return true;
    }
    if (sched.sliceLeft(e) <= 0) { sched.sliceExpired(e); return true; }
    return false;
  }

  /** Entity e gets the CPU at `now`: resume its run, or start a new one (its NF logic now, its outputs into e's log). */
  private start(e: number, now: number): void {
    const c = this.core;
    const resumed = this.residual[e]! > 0;
    const t = resumed ? c.tasks[c.runTaskIdx[e]!]! : c.taskOf(e, now);
    endWait(c.stats, t, now);
    const start = now + c.switchTo(e, t);
    this.onCpu = e;
    if (!resumed) {
      const dp = c.dp;
      dp.deferTo = this.logs[e]!;
      dp.runStart = start;
      dp.computeRun(t, now, start);
      dp.deferTo = null;
      this.residual[e] = dp.cursor - start;
      this.workDone[e] = 0;
      c.runTaskIdx[e] = c.tasks.indexOf(t);
    }
    c.nowCycles_ = start;
  }

  /** Execute entity e's run from the clock up to its end, its slice end, or the next possible wake-up. */
  private runSegment(e: number, decidedAt: number): void {
    const c = this.core;
    const sched = c.sched;
    const start = c.nowCycles_;
    const left = this.residual[e]!;
    let seg = left;
    const slice = sched.sliceLeft(e);
    if (slice < seg) seg = slice > 0 ? slice : 0;
    const wake = this.nextWakeFor(e, start);
    if (wake - start < seg) seg = wake > start ? wake - start : 0;
    if (seg <= 0 && start === decidedAt) seg = Math.min(left, 1); // always move: a wake at `now` was already seen
    const t = c.tasks[c.runTaskIdx[e]!]!;
    const st = c.stats;
    const before = this.workDone[e]!;
    const done = before + seg;
    this.workDone[e] = done;
    this.residual[e] = left - seg;
    st.busyCycles += seg;
    st.taskCycles[t.id] += seg;
    sched.charge(e, seg);
    // Release the outputs whose work is done, at the time it got done.
    const log = this.logs[e]!;
    const dp = c.dp;
    dp.curTask = t;
    while (log.head < log.tail && log.offset[log.head]! <= done) {
      const i = log.head++;
      dp.cursor = start + (log.offset[i]! - before);
      dp.release(log.handle[i]!, log.kind[i]!, log.target[i]!);
    }
    const end = start + seg;
    dp.cursor = end;
    c.nowCycles_ = end;
    if (this.residual[e] === 0) {
      log.clear();
      c.runTaskIdx[e] = -1;
      t.lastEnd = end;
    }
    c.endRun(t.id);
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
    const runnable = this.core.runnable;
    const sched = this.core.sched;
    const chans = this.channels;
    for (let i = 0; i < chans.length; i++) {
      const c = chans[i]!;
      if (c.ent !== e && runnable[c.ent] === 0 && c.next < t && sched.mayPreemptOnWake(c.ent, e)) t = c.next;
    }
    const log = this.logs[e]!;
    for (let i = log.head; i < log.tail; i++) {
      const at = start + (log.offset[i]! - this.workDone[e]!);
      if (at >= t) break;
      if (log.kind[i] !== EMIT_CHANNEL) continue;
      const w = this.chanEnt[log.target[i]!]!;
      if (w >= 0 && w !== e && runnable[w] === 0 && sched.mayPreemptOnWake(w, e)) { t = at; break; }
    }
    return t;
  }

  /** A run it interrupted may release its next output sooner than a new run could. */
  lookahead(newRunCycles: number): number {
    let la = newRunCycles;
    for (let e = 0; e < this.residual.length; e++) {
      if (this.residual[e]! > 0) {
        const d = this.logs[e]!.nextOffset() - this.workDone[e]!;
        if (d < la) la = d;
      }
    }
    return la;
  }

  holdsRun(): boolean {
    for (let e = 0; e < this.residual.length; e++) if (this.residual[e]! > 0) return true;
    return false;
  }
}

/**
 * [Quadrant]'s batch-size rule for cooperative chains (docs/scheduling.md):
 * with S_i the cycles per packet of the chain's N NFs and C the
 * context-switch cost, the rate at batch B is F / (sum S + N C / B); the
 * smallest B whose rate is within 1 + p of the switch-free rate F / sum S is
 * B = ceil(N C / (p sum S)). S_i are the modules' measured cycles per packet
 * so far; until every module has seen a packet the configured batch stays.
 */
export class BatchRule {
  private readonly chainModules = new Map<string, number[]>();
  private readonly chainTasks = new Map<string, number>();

  constructor(tasks: readonly TaskRt[], plan: Plan, private readonly stats: ActorStats, private readonly switchCycles: number, private readonly p: number) {
    for (const t of tasks) {
      this.chainModules.set(t.chain, [...(this.chainModules.get(t.chain) ?? []), ...plan.tasks[t.id]!.modules]);
      this.chainTasks.set(t.chain, (this.chainTasks.get(t.chain) ?? 0) + 1);
    }
  }

  batchFor(t: TaskRt): number {
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
    return quadrantBatch(sum, this.chainTasks.get(t.chain)!, this.switchCycles, this.p, MAX_BATCH);
  }
}
