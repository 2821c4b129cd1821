/**
 * CPU schedulers of one emulated core: one strategy object per policy, over
 * the core's schedulable *entities* (a task, or several tasks grouped as one
 * "process"). The engine (engine/core.ts, execution.ts) owns time, inputs and costs; a
 * strategy only answers "who runs next", "how long may it run" and "does this
 * wake-up interrupt the running entity", and keeps its own accounting
 * (pass values, virtual runtimes, slices) from the cycles the engine reports.
 *
 * Protocol, driven by the core at its decision points (virtual time, cycles):
 *   wake(e, t)        e became runnable (work arrived) at t
 *   block(e)          e has no work left (it sleeps until the next wake)
 *   pick(runnable, current) -> e | -1
 *                     `current` is the entity that had the CPU last and may
 *                     keep it (CFS and RT keep running a runnable current
 *                     entity until its slice ends or a wake-up preempts it)
 *   switchedIn(e)     e got the CPU from another entity (its slice restarts)
 *   charge(e, c)      e ran c cycles (pass / vruntime / slice advance)
 *   sliceLeft(e)      cycles e may still run before its slice ends
 *   sliceExpired(e)   e used up its slice while still runnable
 *   preemptsOnWake(w, cur)  would w, waking now, interrupt cur mid-run?
 *
 * Every decision is a pure function of these calls, with ties broken by
 * entity index, so a schedule never depends on thread timing.
 */

export const POLICIES = ['rr', 'coop', 'wfq', 'prio', 'cfs', 'cfs-batch', 'rt-fifo', 'rt-rr'] as const;
export type PolicyName = (typeof POLICIES)[number];

/** One-line help per policy (CLI and validation messages). */
export const POLICY_HELP: Record<PolicyName, string> = {
  rr: 'round robin among tasks with work, one batch each, no switch cost (tasks of one process, as in BESS)',
  coop: 'cooperative FIFO [Quadrant]: NFs in chain order, one batch each, then yield; context switch per switch; optional timeout and copy isolation',
  wfq: 'weighted fair queueing by stride scheduling: CPU cycles shared in proportion to task weights (tickets)',
  prio: 'strict priority: the highest-priority task with work runs; round robin among equals',
  cfs: 'Linux CFS model: least virtual runtime runs, slices from nice values, wake-up preemption mid-batch',
  'cfs-batch': 'Linux SCHED_BATCH model: CFS without wake-up preemption',
  'rt-fifo': 'Linux SCHED_FIFO model: highest RT priority runs until it blocks; equal priorities never preempt',
  'rt-rr': 'Linux SCHED_RR model: SCHED_FIFO with a time slice among equal priorities',
};

/** Per-entity parameters, from the tasks' scenario fields. */
export interface EntityParams {
  /** WFQ tickets (> 0). */
  weight: number;
  /** Strict / RT priority: higher runs first. */
  priority: number;
  /** CFS nice value, -20..19. */
  nice: number;
}

export interface PolicyParams {
  hz: number;
  /** RT round-robin slice, cycles. */
  rrSliceCycles: number;
  /** CFS wake-up preemption granularity, cycles of (nice 0) virtual runtime. */
  wakeupGranularityCycles: number;
  /** CFS credit a waking sleeper gets below the least runnable vruntime, cycles. */
  sleeperCreditCycles: number;
  /**
   * CFS slice rule: 'nice' — from the nice value as [SCC] states it
   * (cfsSliceSeconds); 'linux' — the kernel's share of the scheduling period
   * among the runnable entities (cfsLinuxSliceCycles); a number — that many
   * cycles for everyone.
   */
  cfsSlice: 'nice' | 'linux' | number;
}

export interface CpuScheduler {
  readonly policy: PolicyName;
  /** Can a running entity be interrupted before its run ends (slice or wake-up)? */
  readonly preemptive: boolean;
  /** Does a runnable `current` keep the CPU across runs (until blocked, preempted or out of slice)? */
  readonly keepsCpu: boolean;
  wake(e: number, t: number): void;
  block(e: number): void;
  pick(runnable: Uint8Array, current: number): number;
  switchedIn(e: number): void;
  charge(e: number, cycles: number): void;
  sliceLeft(e: number): number;
  sliceExpired(e: number): void;
  preemptsOnWake(w: number, cur: number): boolean;
  /**
   * Could w, waking at any time during cur's current run, preempt it? (A
   * CFS verdict depends on vruntimes that move while cur runs; the core cuts
   * the run at every such wake-up and asks preemptsOnWake then.)
   */
  mayPreemptOnWake(w: number, cur: number): boolean;
  /** Control action: new WFQ weight (tickets) for an entity. */
  setWeight(e: number, weight: number): void;
  /** Control action: new strict / RT priority for an entity (policies without priorities ignore it). */
  setPriority(e: number, priority: number): void;
}

/** Linux default timeslice of SCHED_RR (sched_rr_timeslice_ms = 100, kernel/sched/rt.c, RR_TIMESLICE). */
export const RT_RR_SLICE_SECONDS = 0.1;
/** Linux CFS sysctl defaults for one CPU: sched_wakeup_granularity 1 ms, sched_latency 6 ms (kernel/sched/fair.c). */
export const CFS_WAKEUP_GRANULARITY_SECONDS = 0.001;
export const CFS_LATENCY_SECONDS = 0.006;
/** Linux sched_min_granularity default for one CPU, 0.75 ms (kernel/sched/fair.c). */
export const CFS_MIN_GRANULARITY_SECONDS = 0.00075;

/**
 * Linux CFS's slice for an entity of weight w among runnable entities of
 * total weight W (n of them): the period is sched_latency, stretched to
 * n * min_granularity when more entities run than fit; the entity gets its
 * weight's share of the period.
 */
export function cfsLinuxSliceCycles(hz: number, w: number, totalWeight: number, n: number): number {
  const period = Math.max(CFS_LATENCY_SECONDS, n * CFS_MIN_GRANULARITY_SECONDS) * hz;
  return (period * w) / totalWeight;
}

/**
 * CFS time slice from the nice value, as [SCC] states it (see also
 * docs/scheduling.md, `cfs`): static priority P = 120 + nice; slice =
 * (140 - P) * 20 ms if P < 120, else (140 - P) * 5 ms. Nice 0 gives 100 ms,
 * nice 19 gives 5 ms, nice -20 800 ms.
 */
export function cfsSliceSeconds(nice: number): number {
  const p = 120 + nice;
  return p < 120 ? (140 - p) * 0.020 : (140 - p) * 0.005;
}

/**
 * Load weight of a nice value: each nice step is ~10 % of CPU, i.e. a weight
 * ratio of 1.25, with nice 0 = 1024 (the scale of Linux's sched_prio_to_weight).
 */
export function niceWeight(nice: number): number {
  return 1024 / Math.pow(1.25, nice);
}

/**
 * Policies that run one batch per decision and never interrupt it: no
 * slices, no wake-up preemption; subclasses say who runs next.
 */
abstract class RunToCompletion implements CpuScheduler {
  abstract readonly policy: PolicyName;
  readonly preemptive = false;
  readonly keepsCpu = false;
  abstract pick(runnable: Uint8Array, current: number): number;
  wake(_e: number, _t: number): void {}
  block(_e: number): void {}
  switchedIn(_e: number): void {}
  charge(_e: number, _cycles: number): void {}
  sliceLeft(_e: number): number { return Infinity; }
  sliceExpired(_e: number): void {}
  preemptsOnWake(_w: number, _cur: number): boolean { return false; }
  mayPreemptOnWake(_w: number, _cur: number): boolean { return false; }
  setWeight(_e: number, _weight: number): void {}
  setPriority(_e: number, _priority: number): void {}
}

/** Round robin over entities with work, in entity order: the emulator's historical default. */
class RoundRobin extends RunToCompletion {
  private next = 0;
  constructor(readonly policy: PolicyName, private readonly n: number) { super(); }
  pick(runnable: Uint8Array): number {
    const n = this.n;
    for (let k = 0; k < n; k++) {
      const e = (this.next + k) % n;
      if (runnable[e] !== 0) {
        this.next = (e + 1) % n;
        return e;
      }
    }
    return -1;
  }
}

/**
 * Stride scheduling (Waldspurger & Weihl 1995) as BESS's weighted fair
 * scheduler uses it: each entity has tickets w and a pass value; the runnable
 * entity with the least pass runs one batch, and its pass advances by the
 * cycles it used divided by w. Over time entity i gets w_i / sum(w) of the
 * cycles its competitors leave; with equal-cost batches the order is the
 * classic stride order. An entity that wakes after sleeping starts at the
 * current global pass (it cannot bank the time it did not use).
 */
class Stride extends RunToCompletion {
  readonly policy = 'wfq' as const;
  private readonly pass: Float64Array;
  private readonly tickets: Float64Array;
  private globalPass = 0;
  constructor(params: readonly EntityParams[]) {
    super();
    this.pass = new Float64Array(params.length);
    this.tickets = Float64Array.from(params, (p) => p.weight);
  }
  override wake(e: number): void {
    if (this.pass[e]! < this.globalPass) this.pass[e] = this.globalPass;
  }
  pick(runnable: Uint8Array): number {
    let best = -1;
    let bp = Infinity;
    const pass = this.pass;
    for (let e = 0; e < pass.length; e++) {
      if (runnable[e] !== 0 && pass[e]! < bp) { bp = pass[e]!; best = e; }
    }
    if (best >= 0) this.globalPass = bp;
    return best;
  }
  override charge(e: number, cycles: number): void {
    this.pass[e] += cycles / this.tickets[e]!;
  }
  override setWeight(e: number, weight: number): void { this.tickets[e] = weight; }
}

/** Strict priority; round robin among the highest priority with work. */
class StrictPriority extends RunToCompletion {
  readonly policy = 'prio' as const;
  private next = 0;
  private readonly prio: number[];
  constructor(prio: readonly number[]) {
    super();
    this.prio = [...prio];
  }
  override setPriority(e: number, priority: number): void { this.prio[e] = priority; }
  pick(runnable: Uint8Array): number {
    const n = this.prio.length;
    let best = -1;
    for (let k = 0; k < n; k++) {
      const e = (this.next + k) % n;
      if (runnable[e] !== 0 && (best < 0 || this.prio[e]! > this.prio[best]!)) best = e;
    }
    if (best >= 0) this.next = (best + 1) % n;
    return best;
  }
}

/**
 * Linux CFS, modelled at the level [SCC] reasons about: each entity's virtual
 * runtime grows by its run time scaled by 1024 / weight(nice); the runnable
 * entity with the least vruntime runs, and keeps the CPU while it has work
 * until its slice (from nice as [SCC] states it: cfsSliceSeconds) is used; a
 * sleeper that wakes gets at most `sleeperCredit` below the least runnable
 * vruntime; with wake-up preemption (not for SCHED_BATCH) a waking entity
 * whose vruntime is more than the wake-up granularity below the running
 * one's interrupts it, even in the middle of a batch.
 */
class Cfs implements CpuScheduler {
  readonly preemptive = true;
  readonly keepsCpu = true;
  private readonly vr: Float64Array;
  private readonly scale: Float64Array;
  private readonly weight: Float64Array;
  private readonly slice: Float64Array;
  private readonly used: Float64Array;
  private readonly runnableNow: Uint8Array;
  private minVr = 0;
  constructor(
    readonly policy: 'cfs' | 'cfs-batch',
    params: readonly EntityParams[],
    private readonly pp: PolicyParams,
  ) {
    const n = params.length;
    this.vr = new Float64Array(n);
    this.scale = Float64Array.from(params, (p) => 1024 / niceWeight(p.nice));
    this.weight = Float64Array.from(params, (p) => niceWeight(p.nice));
    const rule = pp.cfsSlice;
    this.slice = Float64Array.from(params, (p) => (typeof rule === 'number' ? rule : cfsSliceSeconds(p.nice) * pp.hz));
    this.used = new Float64Array(n);
    this.runnableNow = new Uint8Array(n);
  }
  private updateMin(): void {
    let m = Infinity;
    for (let e = 0; e < this.vr.length; e++) if (this.runnableNow[e] !== 0 && this.vr[e]! < m) m = this.vr[e]!;
    if (m !== Infinity && m > this.minVr) this.minVr = m;
  }
  wake(e: number): void {
    const floor = this.minVr - this.pp.sleeperCreditCycles;
    if (this.vr[e]! < floor) this.vr[e] = floor;
    this.runnableNow[e] = 1;
  }
  block(e: number): void {
    this.runnableNow[e] = 0;
  }
  pick(runnable: Uint8Array, current: number): number {
    if (current >= 0 && runnable[current] !== 0 && this.sliceLeft(current) > 0) return current;
    let best = -1;
    let bv = Infinity;
    for (let e = 0; e < this.vr.length; e++) {
      if (runnable[e] !== 0 && this.vr[e]! < bv) { bv = this.vr[e]!; best = e; }
    }
    // Out of slice but still the least vruntime: it runs on with a new slice.
    if (best >= 0 && best === current) this.used[best] = 0;
    return best;
  }
  switchedIn(e: number): void {
    this.used[e] = 0;
  }
  charge(e: number, cycles: number): void {
    this.vr[e] += cycles * this.scale[e]!;
    this.used[e] += cycles;
    this.updateMin();
  }
  sliceLeft(e: number): number {
    if (this.pp.cfsSlice !== 'linux') return this.slice[e]! - this.used[e]!;
    // As the kernel's tick does: the share of the period among the entities
    // runnable now (the runner included).
    let total = 0, n = 0;
    for (let x = 0; x < this.vr.length; x++) if (this.runnableNow[x] !== 0 || x === e) { total += this.weight[x]!; n++; }
    return cfsLinuxSliceCycles(this.pp.hz, this.weight[e]!, total, n) - this.used[e]!;
  }
  sliceExpired(): void {
    // Back in the tree at its vruntime (used >= slice): the next pick decides.
  }
  preemptsOnWake(w: number, cur: number): boolean {
    if (this.policy === 'cfs-batch') return false;
    // The granularity is converted to the waking entity's virtual time (as
    // Linux's wakeup_gran does with calc_delta_fair).
    return this.vr[cur]! - this.vr[w]! > this.pp.wakeupGranularityCycles * this.scale[w]!;
  }
  mayPreemptOnWake(): boolean {
    return this.policy === 'cfs';
  }
  setWeight(): void {}
  setPriority(): void {}
  /** For tests and telemetry. */
  vruntime(e: number): number { return this.vr[e]!; }
}

/**
 * Linux real-time classes: the highest priority runnable entity runs until it
 * blocks; a waking higher priority preempts at once; equal priorities never
 * preempt each other and queue in FIFO order of becoming runnable. SCHED_RR
 * adds a slice after which the entity goes to the tail of its priority.
 */
class RealTime implements CpuScheduler {
  readonly preemptive = true;
  readonly keepsCpu = true;
  private readonly pos: Float64Array;
  private readonly used: Float64Array;
  private seq = 0;
  constructor(
    readonly policy: 'rt-fifo' | 'rt-rr',
    prio: readonly number[],
    private readonly sliceCycles: number,
  ) {
    this.prio = [...prio];
    this.pos = new Float64Array(prio.length);
    this.used = new Float64Array(prio.length);
    for (let e = 0; e < prio.length; e++) this.pos[e] = ++this.seq;
  }
  wake(e: number): void { this.pos[e] = ++this.seq; }
  block(): void {}
  pick(runnable: Uint8Array): number {
    let best = -1;
    for (let e = 0; e < this.prio.length; e++) {
      if (runnable[e] === 0) continue;
      if (best < 0 || this.prio[e]! > this.prio[best]! || (this.prio[e] === this.prio[best] && this.pos[e]! < this.pos[best]!)) best = e;
    }
    // A running entity keeps its queue position until it blocks or its RR
    // slice ends, so it stays ahead of equal priorities that woke later.
    return best;
  }
  switchedIn(e: number): void { this.used[e] = 0; }
  charge(e: number, cycles: number): void { this.used[e] += cycles; }
  sliceLeft(e: number): number {
    return this.policy === 'rt-rr' ? this.sliceCycles - this.used[e]! : Infinity;
  }
  sliceExpired(e: number): void {
    this.pos[e] = ++this.seq;
    this.used[e] = 0;
  }
  preemptsOnWake(w: number, cur: number): boolean { return this.prio[w]! > this.prio[cur]!; }
  mayPreemptOnWake(w: number, cur: number): boolean { return this.preemptsOnWake(w, cur); }
  setWeight(): void {}
  setPriority(e: number, priority: number): void { this.prio[e] = priority; }
  private readonly prio: number[];
}

export function createScheduler(policy: PolicyName, entities: readonly EntityParams[], pp: PolicyParams): CpuScheduler {
  switch (policy) {
    case 'rr':
    case 'coop':
      return new RoundRobin(policy, entities.length);
    case 'wfq':
      return new Stride(entities);
    case 'prio':
      return new StrictPriority(entities.map((e) => e.priority));
    case 'cfs':
    case 'cfs-batch':
      return new Cfs(policy, entities, pp);
    case 'rt-fifo':
    case 'rt-rr':
      return new RealTime(policy, entities.map((e) => e.priority), pp.rrSliceCycles);
  }
}

export function defaultPolicyParams(hz: number): PolicyParams {
  return {
    hz,
    rrSliceCycles: RT_RR_SLICE_SECONDS * hz,
    wakeupGranularityCycles: CFS_WAKEUP_GRANULARITY_SECONDS * hz,
    sleeperCreditCycles: (CFS_LATENCY_SECONDS / 2) * hz,
    cfsSlice: 'nice',
  };
}
