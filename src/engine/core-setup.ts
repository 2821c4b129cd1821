/**
 * COLD: what an emulated core is made of, derived once from the plan and the
 * scenario before the run: its tasks and their inputs, the entities its CPU
 * scheduler schedules (tasks grouped by `process`), what the scheduler's own
 * mechanisms cost, and which worker threads to ring when it moves. Pure
 * functions of their arguments; core.ts puts the pieces together.
 */
import type { Plan } from '../graph/plan.js';
import type { MachinePreset } from '../hw/preset.js';
import { MAX_BATCH } from '../packet/batch.js';
import type { Scenario } from '../scenario/types.js';
import { createScheduler, defaultPolicyParams, type CpuScheduler, type EntityParams, type PolicyName } from '../sched/policy.js';
import type { FrameWriter } from '../traffic/frame-writer.js';
import type { CoreDatapath, TaskRt } from './datapath.js';
import { buildInputs } from './input.js';
import type { SharedState } from './shared.js';

/** A core's tasks, in the plan's input order, and the least cycles before any of them can emit. */
export function buildTasks(
  coreId: number,
  plan: Plan,
  scenario: Scenario,
  shared: SharedState,
  dp: CoreDatapath,
  writerOfPort: (port: number) => { writer: FrameWriter; flowBase: number } | null,
): { tasks: TaskRt[]; lookaheadCycles: number } {
  const myInputs = plan.inputs.filter((ip) => plan.tasks[ip.task]!.core === coreId);
  const built = buildInputs(shared, myInputs, (c) => plan.channels[c]!.producer, writerOfPort);
  const tasks: TaskRt[] = [];
  let minLookahead = Infinity;
  for (let i = 0; i < myInputs.length; i++) {
    const tp = plan.tasks[myInputs[i]!.task]!;
    const entryCost = dp.entryCost(tp.entry);
    const minCharge = entryCost > 0 ? 0 : 1;
    minLookahead = Math.min(minLookahead, entryCost + minCharge);
    const ts = scenario.tasks[tp.id]!;
    tasks.push({
      id: tp.id, name: tp.name, batch: Math.min(tp.batch, MAX_BATCH), input: built[i]!, entry: tp.entry, minChargeCycles: minCharge, rxTap: -1,
      ent: -1, chain: ts.chain, detached: ts.detached, syscalls: ts.syscalls === 'per-packet' ? 1 : ts.syscalls === 'per-batch' ? 2 : 0,
      copies: ts.copy, waitingSince: -1, lastEnd: 0,
    });
  }
  for (const tp of plan.taps) {
    if (tp.site.type !== 'rx') continue;
    for (const t of tasks) {
      const ip = plan.inputs[t.input.id]!;
      if (ip.kind === 'rx' && ip.ref === tp.site.port && ip.rxQueue === tp.site.queue) t.rxTap = tp.id;
    }
  }
  return { tasks, lookaheadCycles: Number.isFinite(minLookahead) ? minLookahead : 1 };
}

/** The CPU scheduler of a core and what its mechanisms cost. */
export interface CoreScheduling {
  /** The policy named in the scenario for this core, or null (round robin, no costs, not reported). */
  policy: PolicyName | null;
  sched: CpuScheduler;
  /** Tasks (indices into the core's task list) of each entity. */
  entTasks: number[][];
  /** Cycles of a context switch between entities. */
  switchCycles: number;
  /** Entities are processes (a switch between them is a context switch), not tasks of one process. */
  countsSwitches: boolean;
  syscallCycles: number;
  /** A module whose batch costs more is stopped (0: no timeout). */
  timeoutCycles: number;
  /** The [Quadrant] batch-size rule's allowed overhead p (0: off). */
  batchRuleOverhead: number;
}

/**
 * The scheduler of a core over its entities: tasks grouped by `process` (a
 * task without one is an entity of its own). Sets each task's `ent`, and
 * marks the copying tasks under cooperative isolation.
 */
export function buildScheduling(coreId: number, scenario: Scenario, tasks: TaskRt[]): CoreScheduling {
  const spec = scenario.schedulers.find((sc) => sc.cores.includes(coreId)) ?? null;
  const policy: PolicyName = spec?.policy ?? 'rr';
  const procEnt = new Map<string, number>();
  const params: EntityParams[] = [];
  const entTasks: number[][] = [];
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i]!;
    const ts = scenario.tasks[t.id]!;
    let e = ts.process === '' ? undefined : procEnt.get(ts.process);
    if (e === undefined) {
      e = entTasks.length;
      entTasks.push([]);
      params.push({ weight: ts.weight, priority: ts.priority, nice: ts.nice });
      if (ts.process !== '') procEnt.set(ts.process, e);
    }
    entTasks[e]!.push(i);
    t.ent = e;
  }
  const pp = defaultPolicyParams(scenario.hz);
  if (spec !== null) {
    pp.rrSliceCycles = spec.rrSliceCycles;
    pp.wakeupGranularityCycles = spec.wakeupGranularityCycles;
    pp.cfsSlice = spec.cfsSlice;
  }
  const os = scenario.machine.preset?.os;
  const switchCycles = spec?.switchCycles ?? switchCyclesOf(policy, os);
  if (spec !== null && spec.isolation) markIsolationCopies(tasks);
  return {
    policy: spec === null ? null : policy,
    sched: createScheduler(policy, params, pp),
    entTasks,
    switchCycles,
    countsSwitches: switchCycles > 0 || !(policy === 'rr' || policy === 'wfq' || policy === 'prio'),
    syscallCycles: spec?.syscallCycles ?? os?.syscallCycles ?? 0,
    timeoutCycles: spec?.timeoutCycles ?? 0,
    batchRuleOverhead: spec?.batchRuleOverhead ?? 0,
  };
}

/** A context switch under a policy, from the preset's OS costs (0 without a preset, and for policies within one process). */
function switchCyclesOf(policy: PolicyName, os: MachinePreset['os'] | undefined): number {
  if (os === undefined) return 0;
  switch (policy) {
    case 'coop':
    case 'cfs': return os.contextSwitchCycles;
    case 'cfs-batch': return os.batchContextSwitchCycles;
    case 'rt-fifo':
    case 'rt-rr': return os.rtContextSwitchCycles;
    default: return 0;
  }
}

/**
 * Cooperative isolation: the first task of a chain with more than one task
 * on this core copies; the others work zero-copy on its buffer.
 */
function markIsolationCopies(tasks: TaskRt[]): void {
  const chains = new Map<string, TaskRt[]>();
  for (const t of tasks) chains.set(t.chain, [...(chains.get(t.chain) ?? []), t]);
  for (const list of chains.values()) if (list.length > 1) list[0]!.copies = true;
}

/**
 * Worker threads to ring when this core moves: those of the consumers it
 * feeds, and of the producers that feed it (a producer may wait for our takes
 * under back-pressure, or for ring room in wall-clock time). Not its own.
 */
export function workersToWake(coreId: number, plan: Plan, workerOfActor: (a: number) => number): number[] {
  const mine = workerOfActor(coreId);
  const wake = new Set<number>();
  for (const ch of plan.channels) {
    if (ch.producer === coreId) wake.add(workerOfActor(ch.consumerCore));
    if (plan.tasks[plan.inputs[ch.input]!.task]!.core === coreId) wake.add(workerOfActor(ch.producer));
  }
  wake.delete(mine);
  return [...wake].sort((a, b) => a - b);
}
