/**
 * A host: the code a worker thread runs for the actors (cores, NICs) placed
 * on it. It steps its actors round-robin; when none can move it spins briefly,
 * then parks on its doorbell with Atomics.wait until a producer rings it. At
 * each control point (epoch end) it reports telemetry and waits for the main
 * thread to release the next epoch.
 *
 * Several emulated cores may share one host (the `threads` setting): since
 * every actor only acts on what the conservative protocol proves safe, the
 * interleaving of actors on a thread cannot change any result.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { Plan } from '../graph/plan.js';
import type { Scenario } from '../scenario/types.js';
import { CoreActor, STEP_DONE, STEP_PROGRESS, type Actor } from './core.js';
import { NicActor } from './nic.js';
import { FrameWriter } from '../traffic/frame-writer.js';
import { ABORT, EPOCH, SNAPSHOT, SharedState, type SharedHandles } from './shared.js';
import { snapshotStats, type ActorStatsSnapshot } from './stats.js';
import { TapCollector, type TapRecords } from './tap.js';
import type { CoreTelemetry } from './telemetry.js';
import type { EngineOp } from './actions.js';
import { LatencyHistogram, type LatencyHistogramSnapshot } from '../metrics/histogram.js';

export interface HostTask {
  workerIndex: number;
  plan: Plan;
  scenario: Scenario;
  shared: SharedHandles;
  workerOfActor: number[];
  epochEnds: number[];
  flowCount: number;
  flowBases: number[];
  port: MessagePort;
}

export interface ActorResult {
  actorId: number;
  clockCycles: number;
  stats: ActorStatsSnapshot;
  moduleCounters: { id: number; counters: Float64Array }[];
  /** Hardware-model counters of a core (rows per module id), or null. */
  memory: Float64Array | null;
}

export interface HostResult {
  workerIndex: number;
  actors: ActorResult[];
  taps: TapRecords[];
}

export type HostMessage =
  | { type: 'epochDone'; worker: number; epoch: number }
  | { type: 'epoch'; worker: number; epoch: number; cores: CoreTelemetry[]; period: WorkerPeriod }
  | { type: 'progress'; worker: number };

/** Steps an actor may take in a row before the host moves on to the next one. */
const STEPS_PER_TURN = 16;
/** Passes with no progress before the host parks. */
const SPIN_PASSES = 64;
/** Longest single park; the host re-checks the abort flag after each. */
const PARK_TIMEOUT_MS = 100;
/** Add to the shared progress word every this many steps. */
const PROGRESS_EVERY = 1024;

export class StallError extends Error {}

/** What a worker reports when it stopped because another one failed. */
export const ABORTED_MESSAGE = 'run aborted (another worker failed)';
/**
 * The first line of a stall's message, whoever found it: a host alone on its
 * run (below), or the main thread's watch over several (stall-watch.ts). Each
 * actor's describe() line follows.
 */
export const STALL_MESSAGE = 'engine stalled: no actor can advance';

export function runHost(task: HostTask): HostResult {
  const { plan, scenario, workerIndex: w } = task;
  const shared = SharedState.attach(task.shared);
  const workerOf = (a: number) => task.workerOfActor[a]!;
  const taps = new TapCollector(plan);
  const actors: Actor[] = [];
  const cores: CoreActor[] = [];
  const nics: NicActor[] = [];
  // Random flows of each generator port, made once per worker when needed.
  const flowsOf = new Map<number, ReturnType<typeof NicActor.flowsFor>>();
  const flows = (p: number) => {
    if (!flowsOf.has(p)) flowsOf.set(p, NicActor.flowsFor(scenario.ports[p]!, scenario.seed, p));
    return flowsOf.get(p)!;
  };
  const writers = new Map<number, { writer: FrameWriter; flowBase: number } | null>();
  const writerOfPort = (p: number) => {
    if (!writers.has(p)) {
      const fs = flows(p);
      writers.set(p, fs === null ? null : { writer: new FrameWriter(fs, shared.pool), flowBase: task.flowBases[p]! });
    }
    return writers.get(p)!;
  };
  for (const nic of plan.nics) {
    if (workerOf(nic.actor) !== w) continue;
    const actor = new NicActor(nic, plan, scenario, shared, workerOf, task.flowCount, flows(nic.port));
    nics.push(actor);
    actors.push(actor);
  }
  for (let c = 0; c < plan.cores; c++) {
    if (workerOf(c) !== w) continue;
    try {
      const core = new CoreActor(c, plan, scenario, shared, workerOf, task.flowCount, taps, writerOfPort);
      cores.push(core);
      actors.push(core);
    } catch (e) {
      shared.abort();
      throw new Error(`core ${c}: setting up its NFs failed: ${(e as Error).message}`);
    }
  }

  const control = shared.control;
  const doorbell = shared.doorbellIndex(w);
  const parked = shared.parkedIndex(w);
  const progressIdx = shared.progressIndex(w);
  const parksIdx = shared.parksIndex(w);
  let steps = 0;

  for (let epoch = 0; epoch < task.epochEnds.length; epoch++) {
    const end = task.epochEnds[epoch]!;
    for (const a of actors) a.epochEndCycles = end;
    let idle = 0;
    let announced = false;
    let parkedNow = false;
    let bell = 0;
    for (;;) {
      if (shared.aborted()) throw stallOrAbort(shared, actors);
      let allDone = true;
      let progressed = false;
      for (let i = 0; i < actors.length; i++) {
        const a = actors[i]!;
        let r = STEP_PROGRESS;
        let k = 0;
        try {
          while (k < STEPS_PER_TURN) {
            r = a.step();
            if (r !== STEP_PROGRESS) break;
            k++;
          }
        } catch (e) {
          shared.abort();
          const err = e as Error;
          const wrapped = new Error(`${a.location()}: ${err.message}`);
          wrapped.stack = `${wrapped.message}\n${(err.stack ?? '').split('\n').slice(1).join('\n')}`;
          throw wrapped;
        }
        if (k > 0) progressed = true;
        if (r !== STEP_DONE) allDone = false;
        steps += k;
      }
      if (allDone && !announced) {
        // Every actor here reached the control point; keep stepping them (they
        // drain rings other workers' producers may be blocked on) until every
        // worker got there.
        task.port.postMessage({ type: 'epochDone', worker: w, epoch } satisfies HostMessage);
        announced = true;
      }
      if (announced && Atomics.load(control, SNAPSHOT) > epoch) {
        // Off to the control point, not waiting for a doorbell: a parked
        // flag left set would have producers ring this worker for nothing.
        if (parkedNow) Atomics.store(control, parked, 0);
        break;
      }
      if (progressed) {
        idle = 0;
        if (parkedNow) { Atomics.store(control, parked, 0); parkedNow = false; }
        if (steps >= PROGRESS_EVERY) { Atomics.add(control, progressIdx, steps); steps = 0; }
        continue;
      }
      if (++idle < SPIN_PASSES) continue;
      if (!parkedNow) {
        // Announce the park, then take one more pass: a producer that published
        // before it saw the flag is caught by that pass; one that publishes
        // after sees the flag and rings. Steps are published before the park
        // is counted, so that the main thread's stall watch, counting the
        // park, sees them too (stall-watch.ts).
        if (steps > 0) { Atomics.add(control, progressIdx, steps); steps = 0; }
        Atomics.add(control, parksIdx, 1);
        bell = Atomics.load(control, doorbell);
        Atomics.store(control, parked, 1);
        parkedNow = true;
        continue;
      }
      if (shared.workers === 1 && !announced) {
        // Every actor lives here and none can move: nothing will ever ring.
        shared.abort();
        throw stallError(actors);
      }
      Atomics.wait(control, doorbell, bell, PARK_TIMEOUT_MS);
      Atomics.store(control, parked, 0);
      parkedNow = false;
      idle = 0;
    }
    if (steps > 0) { Atomics.add(control, progressIdx, steps); steps = 0; }

    const telemetry: CoreTelemetry[] = cores.map((c) => ({
      core: c.coreId,
      clockCycles: c.clockCycles(),
      busyCycles: c.stats.busyCycles,
      delivered: c.stats.delivered,
      dropped: c.stats.dropped,
      backlogs: c.taskBacklogs(),
      tasks: c.taskTelemetry(),
    }));
    task.port.postMessage({ type: 'epoch', worker: w, epoch, cores: telemetry, period: periodOf(actors, cores) } satisfies HostMessage);
    if (epoch === task.epochEnds.length - 1) break;
    // Wait for the main thread to apply the controller's actions and release the next epoch.
    let ops: EngineOp[] | null = null;
    for (;;) {
      if (shared.aborted()) throw stallOrAbort(shared, actors);
      if (ops === null) {
        const m = receiveMessageOnPort(task.port);
        if (m !== undefined) {
          const msg = m.message as ActionsMessage;
          if (msg.type === 'actions' && msg.epoch === epoch) ops = msg.ops;
        }
      }
      if (ops !== null && Atomics.load(control, EPOCH) > epoch) break;
      Atomics.wait(control, EPOCH, epoch, ops === null ? 5 : PARK_TIMEOUT_MS);
    }
    for (const op of ops) applyOp(op, cores, nics);
  }

  const actorResults: ActorResult[] = actors.map((a) => ({
    actorId: a.actorId,
    clockCycles: a.clockCycles(),
    stats: snapshotStats(a.stats),
    moduleCounters: a instanceof CoreActor ? a.moduleCounters() : [],
    memory: a instanceof CoreActor ? a.memoryCounters() : null,
  }));
  return { workerIndex: w, actors: actorResults, taps: taps.drain() };
}

/** The main thread's answer at a control point: the engine operations to apply, in order. */
export interface ActionsMessage {
  type: 'actions';
  epoch: number;
  ops: EngineOp[];
}

function applyOp(op: EngineOp, cores: CoreActor[], nics: NicActor[]): void {
  switch (op.op) {
    case 'batch':
      for (const c of cores) if (c.hasTask(op.task)) c.setBatch(op.task, op.batch);
      return;
    case 'weight':
      for (const c of cores) c.setWeight(op.task, op.weight);
      return;
    case 'priority':
      for (const c of cores) c.setPriority(op.task, op.priority);
      return;
    case 'attached':
      for (const c of cores) c.setAttached(op.chain, op.on);
      return;
    default:
      for (const n of nics) if (n.portIndex === op.port) n.applyOp(op);
  }
}

/** What a worker counted per flow group up to a control point (cumulative), and the latency of each group's deliveries in the period. */
export interface WorkerPeriod {
  groupGenerated: Float64Array;
  groupDelivered: Float64Array;
  groupDrops: Float64Array;
  /** Per group (and unassigned): the period's latency histogram, null when empty. */
  latency: (LatencyHistogramSnapshot | null)[];
}

/** COLD: the worker's actors' group counters summed (in actor order: integers, so any order gives the same sums), and their period histograms, reset. */
function periodOf(actors: Actor[], cores: CoreActor[]): WorkerPeriod {
  const first = actors[0]!.stats;
  const out: WorkerPeriod = {
    groupGenerated: new Float64Array(first.groupGenerated.length),
    groupDelivered: new Float64Array(first.groupDelivered.length),
    groupDrops: new Float64Array(first.groupDrops.length),
    latency: [],
  };
  for (const a of actors) {
    const st = a.stats;
    for (let g = 0; g < st.groupGenerated.length; g++) out.groupGenerated[g] += st.groupGenerated[g]!;
    if (!st.groupsOwn) {
      // One flow group: the core's own counts are the group's (group 0).
      out.groupDelivered[0] += st.delivered;
      for (let r = 0; r < st.reasonCount; r++) out.groupDrops[r] += st.dropsByReason[r]!;
      continue;
    }
    for (let g = 0; g < st.groupDelivered.length; g++) out.groupDelivered[g] += st.groupDelivered[g]!;
    for (let k = 0; k < st.groupDrops.length; k++) out.groupDrops[k] += st.groupDrops[k]!;
  }
  let merged: LatencyHistogram[] | null = null;
  for (const c of cores) {
    const hs = c.stats.periodLatency;
    if (hs.length === 0) continue;
    merged ??= hs.map(() => new LatencyHistogram({ significantDigits: 2 }));
    for (let g = 0; g < hs.length; g++) {
      if (hs[g]!.count > 0) merged[g]!.mergeSnapshot(hs[g]!.snapshot());
      hs[g]!.reset();
    }
  }
  out.latency = merged === null ? [] : merged.map((h) => (h.count === 0 ? null : h.snapshot()));
  return out;
}

function stallError(actors: Actor[]): StallError {
  return new StallError(`${STALL_MESSAGE}\n  ${actors.map((a) => a.describe()).join('\n  ')}`);
}

/** Why a host stops on the abort flag: 2 = the main thread's watch found the run stuck (say where each actor is), 1 = another worker failed. */
function stallOrAbort(shared: SharedState, actors: Actor[]): Error {
  if (Atomics.load(shared.control, ABORT) === 2) return stallError(actors);
  return new Error(ABORTED_MESSAGE);
}
