/**
 * Main-thread side of a run: build the plan and the shared memory, start one
 * piscina task per worker (each hosts its actors for the whole run), release
 * the control epochs one by one (gathering telemetry, asking the controller,
 * sending its actions), watch for stalls and failures, and turn the workers'
 * counters into a result record.
 */
import { MessageChannel } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { Piscina } from 'piscina';
import { buildPlan, shardNics, type Plan } from '../graph/plan.js';
import { LatencyHistogram } from '../metrics/histogram.js';
import { RECORD_SCHEMA, type LatencySummary, type ResultRecord } from '../metrics/record.js';
import { findNfKind } from '../nf/catalog.js';
import { scenarioToJSON } from '../scenario/to-json.js';
import type { Scenario } from '../scenario/types.js';
import { readPcapFile } from '../traffic/pcap.js';
import { WIRE_OVERHEAD_BYTES } from '../util/units.js';
import { EMU_VERSION } from '../version.js';
import { flowKeyString } from '../traffic/flows.js';
import { NicActor } from './nic.js';
import { CTR_CYCLES, MEM_COUNTERS_PER_ROW, SOURCE_NAMES, SRC_COUNT } from '../hw/mem-counters.js';
import type { HostMessage, HostResult, HostTask } from './host.js';
import { EPOCH, SNAPSHOT, SharedState } from './shared.js';
import { ABORTED_MESSAGE } from './host.js';
import { writeTaps } from './tap.js';
import type { ControlAction, Controller, CoreTelemetry } from './telemetry.js';
import { BATCH_BUCKETS } from './stats.js';

export interface RunOptions {
  /** Worker threads; 'auto' = one per emulated core. Overrides the scenario's setting. */
  threads?: number | 'auto';
  controller?: Controller;
  /** Called with the fraction of virtual time done (0..1). */
  onProgress?: (fraction: number) => void;
  /** Seconds without any progress before the run is declared stalled. */
  stallSeconds?: number;
  /**
   * Warm workers to run on (see createWorkerPool), e.g. across the points of
   * an experiment; used when it has at least the threads the run needs, and
   * left running. Otherwise the run starts and stops its own.
   */
  pool?: WorkerPool;
  /**
   * The worker thread of each emulated core (an integer per core of the
   * machine), instead of placeCores'; the run then has max + 1 workers.
   * For tests of the synchronisation across threads: results do not depend
   * on it.
   */
  workerOfCore?: readonly number[];
}

/** A set of started worker threads that several runs can use one after another. */
export interface WorkerPool {
  readonly threads: number;
  readonly piscina: Piscina;
  close(): Promise<void>;
}

export function createWorkerPool(threads: number): WorkerPool {
  const piscina = new Piscina({
    filename: workerFile(),
    minThreads: threads,
    maxThreads: threads,
    concurrentTasksPerWorker: 1,
    atomics: 'disabled',
    idleTimeout: 60_000,
  });
  let closing: Promise<void> | null = null;
  return { threads, piscina, close: () => (closing ??= piscina.destroy()) };
}

export interface RunOutput {
  record: ResultRecord;
  plan: Plan;
  threads: number;
  wallSeconds: number;
  warnings: string[];
}

export class RunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunError';
  }
}

/** The compiled worker entry. Tests run from src/ but workers always load dist/. */
export function workerFile(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'worker-entry.cjs'), join(here, '..', '..', 'dist', 'engine', 'worker-entry.cjs')];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new RunError(`the worker entry (dist/engine/worker-entry.cjs) is missing: run \`npm run build\` first`);
}

export function resolveThreads(requested: number | 'auto' | undefined, cores: number): number {
  if (requested === undefined || requested === 'auto') return cores;
  return Math.max(1, Math.min(cores, Math.floor(requested)));
}

/** COLD: modules each emulated core runs (the unit of host work placeCores balances). */
function modulesPerCore(plan: Plan): number[] {
  const n = new Array<number>(plan.cores).fill(0);
  for (const t of plan.tasks) if (t.core >= 0 && t.core < plan.cores) n[t.core]! += Math.max(1, t.modules.length);
  return n;
}

/**
 * COLD: for each core, the least core id of the loop it is on: cores that
 * feed each other through rings (directly or through others) form one loop;
 * a core on none is its own. Only busy cores (weight > 0) are considered.
 */
function loopLeaders(plan: Plan, weight: number[]): number[] {
  const n = plan.cores;
  const succ: number[][] = Array.from({ length: n }, () => []);
  for (const ch of plan.channels) {
    if (ch.producer < n && ch.producer !== ch.consumerCore) succ[ch.producer]!.push(ch.consumerCore);
  }
  const reach: (Uint8Array | null)[] = [];
  for (let c = 0; c < n; c++) {
    if (weight[c] === 0 || succ[c]!.length === 0) { reach.push(null); continue; }
    const seen = new Uint8Array(n);
    const stack = [c];
    while (stack.length > 0) {
      const x = stack.pop()!;
      for (const y of succ[x]!) if (seen[y] === 0) { seen[y] = 1; stack.push(y); }
    }
    reach.push(seen);
  }
  const leader: number[] = [];
  for (let c = 0; c < n; c++) {
    let l = c;
    const rc = reach[c];
    if (rc !== null && rc !== undefined) {
      for (let d = 0; d < c; d++) if (rc[d] === 1 && reach[d]?.[c] === 1) { l = d; break; }
    }
    leader.push(l);
  }
  return leader;
}

/**
 * What a run can spread over threads: busy cores (those that run a task),
 * with each loop of cores feeding each other counted once (at least 1, so a
 * run always has a worker).
 */
export function parallelUnits(plan: Plan): number {
  const weight = modulesPerCore(plan);
  const leader = loopLeaders(plan, weight);
  let n = 0;
  for (let c = 0; c < plan.cores; c++) if (weight[c]! > 0 && leader[c] === c) n++;
  return Math.max(1, n);
}

/**
 * The worker thread of each emulated core: contiguous blocks of cores in id
 * order (neighbouring pipeline stages stay on one thread), cut so that each
 * worker gets an equal share of the *busy* cores' modules. A machine preset
 * has many more cores than a chain uses (the [ExecModels] server has 48;
 * `rtc-vs-pl` uses 18): cut by core count, every busy core would land on the
 * first worker and the others would only park. Cores on one loop (they feed
 * each other through rings, as routers and their switch on two cores) stay
 * on one thread: split, each hand-over waits for the other thread, and the
 * pair advances in lock-step (linux-sched --placement multi: 26 s on one
 * thread, 35 s on two). Idle cores (no task) cost a host nothing and go with
 * the block before them. Which thread steps a core never changes a result
 * (the conservative protocol, test/engine/determinism).
 */
export function placeCores(plan: Plan, threads: number): number[] {
  const weight = modulesPerCore(plan);
  const leader = loopLeaders(plan, weight);
  // A loop's whole weight counts at its leader (its least core id).
  const unit = new Array<number>(plan.cores).fill(0);
  for (let c = 0; c < plan.cores; c++) unit[leader[c]!]! += weight[c]!;
  const total = weight.reduce((a, b) => a + b, 0);
  const out: number[] = [];
  let before = 0;
  for (let c = 0; c < plan.cores; c++) {
    if (leader[c] !== c) { out.push(out[leader[c]!]!); continue; }
    const w = unit[c]!;
    // A unit goes where the middle of its share falls.
    out.push(total === 0 ? Math.floor((c * threads) / plan.cores) : Math.min(threads - 1, Math.floor(((before + w / 2) * threads) / total)));
    before += w;
  }
  return out;
}

export async function runScenario(s: Scenario, opts: RunOptions = {}): Promise<RunOutput> {
  const wallStart = process.hrtime.bigint();
  const basePlan = buildPlan(s);
  // Parse every pcap trace here, before any worker starts: a malformed file is
  // bad input (PcapError, exit 2), but thrown inside a worker it would reach
  // us as a plain Error (the structured clone drops the class) and read as a
  // failed run. The NIC actor reads the file again in its worker; parsing is
  // cheap next to replaying it.
  for (const p of s.ports) if (p.traffic?.kind === 'pcap') readPcapFile(p.traffic.file);
  const pinned = opts.workerOfCore;
  if (pinned !== undefined && (pinned.length !== basePlan.cores || pinned.some((w) => !Number.isInteger(w) || w < 0 || w >= basePlan.cores))) {
    throw new RunError(`workerOfCore must give a worker (an integer 0..${basePlan.cores - 1}) for each of the ${basePlan.cores} cores, got [${pinned.join(', ')}]`);
  }
  const threads = pinned !== undefined ? Math.max(...pinned) + 1 : Math.min(resolveThreads(opts.threads ?? s.threads, basePlan.cores), parallelUnits(basePlan));
  // Busy cores shared out over the workers (placeCores); each NIC shard with the consumers of its queues.
  const workerOfCoreList = pinned !== undefined ? [...pinned] : placeCores(basePlan, threads);
  const workerOfCore = (c: number) => workerOfCoreList[c]!;
  const plan = shardNics(basePlan, s, workerOfCore);
  const workerOfActor: number[] = [];
  for (let c = 0; c < plan.cores; c++) workerOfActor.push(workerOfCore(c));
  for (const nic of plan.nics) workerOfActor.push(workerOfCore(plan.channels[plan.ports[nic.port]!.rxChannels[nic.queues[0]!]!]!.consumerCore));

  const flowBases: number[] = [];
  let flowCount = 0;
  for (const p of s.ports) {
    flowBases.push(flowCount);
    if (p.traffic?.kind === 'generator') flowCount += p.traffic.flows;
  }

  const epochEnds: number[] = [];
  for (let t = s.controlPeriodCycles; t < s.durationCycles; t += s.controlPeriodCycles) epochEnds.push(t);
  epochEnds.push(s.durationCycles);

  const shared = SharedState.create(plan, threads, s.machine.preset !== null);
  const own = opts.pool === undefined || opts.pool.threads < threads;
  const workers = own ? createWorkerPool(threads) : opts.pool!;
  const pool = workers.piscina;

  const channels = Array.from({ length: threads }, () => new MessageChannel());
  const epochMsgs: Map<number, CoreTelemetry[][]> = new Map();
  const doneCount: Map<number, number> = new Map();
  let waiter: (() => void) | null = null;
  for (const ch of channels) {
    ch.port1.on('message', (m: HostMessage) => {
      if (m.type === 'epochDone') {
        // Every worker at the control point: let them take telemetry.
        const n = (doneCount.get(m.epoch) ?? 0) + 1;
        doneCount.set(m.epoch, n);
        if (n === threads) {
          Atomics.store(shared.control, SNAPSHOT, m.epoch + 1);
          shared.ringAll();
        }
      } else if (m.type === 'epoch') {
        const list = epochMsgs.get(m.epoch) ?? [];
        list.push(m.cores);
        epochMsgs.set(m.epoch, list);
        waiter?.();
      }
    });
  }

  let failure: Error | null = null;
  let reusable = false;
  const fail = (e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    // A worker that stopped because another one failed reports ABORTED_MESSAGE;
    // keep the original failure, whichever reaches us first.
    if (failure === null || (failure.message === ABORTED_MESSAGE && err.message !== ABORTED_MESSAGE)) failure = err;
    else if (failure instanceof RunError && failure.message.startsWith('engine stalled') && err.message.startsWith('engine stalled')) {
      // The watchdog fired: add what each worker's actors were waiting for.
      failure.message += `\n${err.message.replace(/^engine stalled:?\s*/, '')}`;
    }
    shared.abort();
    waiter?.();
  };
  const tasks = channels.map((ch, w) => {
    const task: HostTask = {
      workerIndex: w, plan, scenario: s, shared: shared.handles, workerOfActor, epochEnds, flowCount, flowBases, port: ch.port2 as never,
    };
    const p = pool.run(task, { transferList: [ch.port2 as never] }) as Promise<HostResult>;
    p.catch(fail);
    return p;
  });

  // Stall watchdog and progress.
  let lastProgress = -1;
  let lastChange = Date.now();
  const stallMs = (opts.stallSeconds ?? 30) * 1000;
  const watchdog = setInterval(() => {
    let sum = 0;
    for (let w = 0; w < threads; w++) sum += Atomics.load(shared.control, shared.progressIndex(w));
    if (sum !== lastProgress) { lastProgress = sum; lastChange = Date.now(); }
    else if (Date.now() - lastChange > stallMs && failure === null) {
      failure = new RunError(`engine stalled: no progress for ${opts.stallSeconds ?? 30} s`);
      shared.abort(2);
      waiter?.();
    }
    if (opts.onProgress) {
      let minClock = Infinity;
      for (let c = 0; c < plan.cores; c++) minClock = Math.min(minClock, shared.loadClock(c));
      opts.onProgress(Math.min(1, Math.max(0, minClock / s.durationCycles)));
    }
  }, 250);

  try {
    for (let e = 0; e < epochEnds.length; e++) {
      while ((epochMsgs.get(e)?.length ?? 0) < threads && failure === null) {
        await new Promise<void>((resolve) => { waiter = resolve; });
        waiter = null;
      }
      if (failure !== null) break;
      if (e === epochEnds.length - 1) break;
      const cores = epochMsgs.get(e)!.flat().sort((a, b) => a.core - b.core);
      epochMsgs.delete(e);
      let actions: ControlAction[] = [];
      if (opts.controller) {
        try {
          actions = await opts.controller({ epoch: e, atCycles: epochEnds[e]!, cores });
          checkActions(actions, s);
        } catch (err) {
          fail(new RunError(`controller failed at control point ${e}: ${(err as Error).message}`));
          break;
        }
      }
      for (const ch of channels) ch.port1.postMessage({ type: 'actions', epoch: e, actions });
      Atomics.store(shared.control, EPOCH, e + 1);
      Atomics.notify(shared.control, EPOCH);
      opts.onProgress?.(epochEnds[e]! / s.durationCycles);
    }
    const settled = await Promise.allSettled(tasks);
    for (const r of settled) if (r.status === 'rejected') fail(r.reason);
    if (failure !== null) throw failure;
    // Every worker is done with the shared buffers: a later run may have them.
    // (Read the pool's state first: countInFlight below.)
    reusable = true;
    const results = settled.map((r) => (r as PromiseFulfilledResult<HostResult>).value);
    const tapSummary = writeTaps(plan, results.map((r) => r.taps), s.hz);
    const inFlight = countInFlight(shared, plan);
    // The last control point's telemetry says what each task's queue still holds.
    const backlogAtEnd = new Float64Array(plan.tasks.length);
    for (const list of epochMsgs.get(epochEnds.length - 1) ?? []) for (const c of list) for (const b of c.backlogs) backlogAtEnd[b.id] = b.backlog;
    const record = buildRecord(s, plan, results, inFlight, epochEnds.length, tapSummary, backlogAtEnd);
    opts.onProgress?.(1);
    const wallSeconds = Number(process.hrtime.bigint() - wallStart) / 1e9;
    return { record, plan, threads, wallSeconds, warnings: plan.warnings };
  } finally {
    clearInterval(watchdog);
    for (const ch of channels) ch.port1.close();
    // A failed run may leave workers in any state: never hand them on.
    if (own || failure !== null) await workers.close();
    if (reusable) shared.release();
  }
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

function countInFlight(shared: SharedState, plan: Plan): number {
  let n = 0;
  const st = shared.pool.state;
  for (const nic of plan.nics) {
    for (let h = nic.poolBase; h < nic.poolBase + nic.poolCount; h++) if (Atomics.load(st, h) !== 0) n++;
  }
  return n;
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

/** Flows listed one by one in a record; beyond this only the summary is kept. */
export const MAX_FLOWS_LISTED = 1024;

export function buildRecord(
  s: Scenario,
  plan: Plan,
  results: HostResult[],
  inFlight: number,
  epochs: number,
  taps: { file: string; records: number; truncated: number }[],
  backlogAtEnd: Float64Array,
): ResultRecord {
  const totalFlows = s.ports.reduce((n, p) => n + (p.traffic?.kind === 'generator' ? p.traffic.flows : 0), 0);
  const flowKeys: string[] = [];
  if (totalFlows <= MAX_FLOWS_LISTED) {
    s.ports.forEach((p, i) => {
      const fs = NicActor.flowsFor(p, s.seed, i);
      if (fs !== null) for (let f = 0; f < fs.count; f++) flowKeys.push(`${p.name} ${flowKeyString(fs, f)}`);
    });
  }
  // Add up per-actor counters in actor-id order, whatever worker ran them.
  const actors = results.flatMap((r) => r.actors).sort((a, b) => a.actorId - b.actorId);
  const R = plan.reasons.length;
  // An actor's array may be shorter (empty per-flow counters, see FlowCounters).
  const sum = (get: (a: (typeof actors)[number]) => Float64Array, len: number) => {
    const out = new Float64Array(len);
    for (const a of actors) { const v = get(a); const n = Math.min(len, v.length); for (let i = 0; i < n; i++) out[i] += v[i]!; }
    return out;
  };
  const M = plan.modules.length;
  const P = plan.ports.length;
  const dropsByReason = sum((a) => a.stats.dropsByReason, R);
  const moduleDrops = sum((a) => a.stats.moduleDrops, M * R);
  const modulePackets = sum((a) => a.stats.modulePackets, M);
  const moduleBatches = sum((a) => a.stats.moduleBatches, M);
  const moduleCycles = sum((a) => a.stats.moduleCycles, M);
  const T = plan.tasks.length;
  const taskPackets = sum((a) => a.stats.taskPackets, T);
  const taskBatches = sum((a) => a.stats.taskBatches, T);
  const taskCycles = sum((a) => a.stats.taskCycles, T);
  const taskStall = sum((a) => a.stats.taskStallCycles, T);
  const taskWait = sum((a) => a.stats.taskWaitCycles, T);
  const taskSwitches = sum((a) => a.stats.taskSwitches, T);
  const taskSwitchCycles = sum((a) => a.stats.taskSwitchCycles, T);
  const taskPreemptions = sum((a) => a.stats.taskPreemptions, T);
  const taskSyscalls = sum((a) => a.stats.taskSyscalls, T);
  const taskSyscallCycles = sum((a) => a.stats.taskSyscallCycles, T);
  const taskCopyCycles = sum((a) => a.stats.taskCopyCycles, T);
  const taskTimeouts = sum((a) => a.stats.taskTimeouts, T);
  const taskBatchHist = sum((a) => a.stats.taskBatchHist, T * BATCH_BUCKETS);
  const policyOf = (core: number) => s.schedulers.find((x) => x.cores.includes(core))?.policy ?? null;
  const schedOf = (t: (typeof plan.tasks)[number]) => {
    // Tasks on a core without a scheduler entry report only if they made
    // system calls or copies (their core runs the default round robin).
    const policy = policyOf(t.core) ?? (taskSyscalls[t.id]! > 0 || taskCopyCycles[t.id]! > 0 ? 'rr' : null);
    if (policy === null) return {};
    const run = taskCycles[t.id]!;
    const batchSizes: Record<string, number> = {};
    for (let b = 0; b < BATCH_BUCKETS; b++) {
      const n = taskBatchHist[t.id * BATCH_BUCKETS + b]!;
      if (n > 0) batchSizes[b === 0 ? '1' : `${2 ** b}-${2 ** (b + 1) - 1}`] = n;
    }
    return {
      sched: {
        policy,
        waitCycles: taskWait[t.id]!,
        contextSwitches: taskSwitches[t.id]!,
        switchCycles: taskSwitchCycles[t.id]!,
        preemptions: taskPreemptions[t.id]!,
        syscalls: taskSyscalls[t.id]!,
        syscallCycles: taskSyscallCycles[t.id]!,
        copyCycles: taskCopyCycles[t.id]!,
        timeouts: taskTimeouts[t.id]!,
        waitPerRun: run > 0 ? taskWait[t.id]! / run : null,
        contentionPerRun: run > 0 ? taskSwitchCycles[t.id]! / run : null,
        batchSizes,
      },
    };
  };
  const inputDrops = sum((a) => a.stats.inputDrops, plan.inputs.length);
  const deliveredPackets = sum((a) => a.stats.deliveredPackets, P + M);
  const deliveredBytes = sum((a) => a.stats.deliveredBytes, P + M);
  const generated = sum((a) => a.stats.generated, P);
  const generatedInWindow = sum((a) => a.stats.generatedInWindow, P);
  const generatedBytes = sum((a) => a.stats.generatedBytes, P);
  const flowLen = totalFlows;
  const flowDelivered = sum((a) => a.stats.flowDelivered, flowLen);
  const flowGenerated = sum((a) => a.stats.flowGenerated, flowLen);
  const flowDropped = sum((a) => a.stats.flowDropped, flowLen);
  const latency = new LatencyHistogram({ significantDigits: 3 });
  let delivered = 0, dropped = 0, windowDelivered = 0, windowBytes = 0;
  for (const a of actors) {
    if (a.stats.latency !== null) latency.merge(LatencyHistogram.fromJSON(a.stats.latency));
    delivered += a.stats.delivered;
    dropped += a.stats.dropped;
    windowDelivered += a.stats.windowDelivered;
    windowBytes += a.stats.windowDeliveredBytes;
  }
  const sinkLatency = (id: number) => {
    const h = new LatencyHistogram({ significantDigits: 3 });
    for (const a of actors) { const j = a.stats.sinkLatency[id]; if (j) h.merge(LatencyHistogram.fromJSON(j)); }
    return summarize(h, s.hz);
  };
  let totalGenerated = 0;
  for (let p = 0; p < P; p++) totalGenerated += generated[p]!;
  let totalOfferedWindow = 0;
  for (let p = 0; p < P; p++) totalOfferedWindow += generatedInWindow[p]!;

  const measuredCycles = s.durationCycles - s.warmupCycles;
  const measuredSeconds = measuredCycles / s.hz;
  const deliveredPps = windowDelivered / measuredSeconds;
  const reasonsObj = (vals: (r: number) => number) => {
    const o: Record<string, number> = {};
    for (let r = 0; r < R; r++) { const v = vals(r); if (v !== 0) o[plan.reasons[r]!] = v; }
    return o;
  };
  const rxRingReason = plan.reasons.indexOf('nic_rx_ring_full');
  const lineReason = plan.reasons.indexOf('nic_line_rate');

  const coreRows = actors.filter((a) => a.actorId < plan.cores).map((a) => ({
    id: a.actorId,
    busyCycles: a.stats.busyCycles,
    stallCycles: a.stats.stallCycles,
    utilization: a.stats.busyCycles / s.durationCycles,
    endCycles: a.clockCycles,
    ...(policyOf(a.actorId) === null ? {} : { policy: policyOf(a.actorId) }),
  }));

  // Jain's fairness index over delivered packets per flow.
  let fsum = 0, fsq = 0, fmin = Infinity, fmax = 0;
  for (let f = 0; f < flowLen; f++) { const v = flowDelivered[f]!; fsum += v; fsq += v * v; fmin = Math.min(fmin, v); fmax = Math.max(fmax, v); }

  return {
    schema: RECORD_SCHEMA,
    emuVersion: EMU_VERSION,
    scenario: { name: s.name, description: s.description, resolved: experimentOnly(s) },
    seed: s.seed,
    time: { hz: s.hz, durationCycles: s.durationCycles, warmupCycles: s.warmupCycles, measuredSeconds, controlPeriodCycles: s.controlPeriodCycles, epochs },
    totals: {
      generated: totalGenerated,
      delivered,
      dropped,
      inFlight,
      conserved: totalGenerated === delivered + dropped + inFlight,
      dropsByReason: reasonsObj((r) => dropsByReason[r]!),
    },
    throughput: {
      offeredPps: totalOfferedWindow / measuredSeconds,
      deliveredPps,
      deliveredMpps: deliveredPps / 1e6,
      dataGbps: (windowBytes * 8) / measuredSeconds / 1e9,
      wireGbps: ((windowBytes + windowDelivered * WIRE_OVERHEAD_BYTES) * 8) / measuredSeconds / 1e9,
    },
    latency: summarize(latency, s.hz),
    ports: plan.ports.map((p) => ({
      name: p.name,
      generated: generated[p.id]!,
      generatedBytes: generatedBytes[p.id]!,
      lineRateDrops: plan.nics.filter((n) => n.port === p.id)
        .reduce((acc, n) => acc + actors.filter((a) => a.actorId === n.actor).reduce((x, a) => x + (a.stats.dropsByReason[lineReason] ?? 0), 0), 0), // empty when all zero (snapshotStats)
      rxRingDrops: plan.inputs.filter((i) => i.kind === 'rx' && i.ref === p.id).reduce((acc, i) => acc + inputDrops[i.id]!, 0),
      txPackets: deliveredPackets[p.id]!,
      txBytes: deliveredBytes[p.id]!,
    })),
    cores: coreRows,
    tasks: plan.tasks.map((t) => ({
      name: t.name,
      core: t.core,
      packets: taskPackets[t.id]!,
      batches: taskBatches[t.id]!,
      meanBatch: taskBatches[t.id]! > 0 ? taskPackets[t.id]! / taskBatches[t.id]! : 0,
      busyCycles: taskCycles[t.id]!,
      stallCycles: taskStall[t.id]!,
      cyclesPerPacket: taskPackets[t.id]! > 0 ? taskCycles[t.id]! / taskPackets[t.id]! : null,
      inputDrops: inputDrops[t.input]!,
      backlogAtEnd: backlogAtEnd[t.id]!,
      ...schedOf(t),
    })),
    modules: plan.modules.map((m) => {
      const kind = findNfKind(m.kind)!;
      const counters: Record<string, number> = {};
      for (const a of actors) for (const mc of a.moduleCounters) {
        if (mc.id !== m.id) continue;
        kind.counters.forEach((name, i) => { counters[name] = (counters[name] ?? 0) + mc.counters[i]!; });
      }
      const packets = kind.isQueue ? 0 : modulePackets[m.id]!;
      let memory: Record<string, number> | undefined;
      if (s.machine.preset !== null) {
        memory = {};
        for (let src = 0; src < SRC_COUNT; src++) {
          let c = 0;
          for (const a of actors) if (a.memory !== null) c += a.memory[m.id * MEM_COUNTERS_PER_ROW + CTR_CYCLES + src]!;
          memory[SOURCE_NAMES[src]!] = c;
        }
      }
      return {
        name: m.name,
        kind: m.kind,
        core: m.core,
        packets,
        batches: moduleBatches[m.id]!,
        cycles: moduleCycles[m.id]!,
        cyclesPerPacket: packets > 0 ? moduleCycles[m.id]! / packets : null,
        drops: reasonsObj((r) => moduleDrops[m.id * R + r]!),
        counters,
        ...(memory !== undefined ? { memory } : {}),
        ...(m.kind === 'sink' ? { latency: sinkLatency(m.id) } : {}),
      };
    }),
    flows: {
      count: flowLen,
      deliveredMin: flowLen > 0 ? fmin : 0,
      deliveredMax: fmax,
      jainFairness: flowLen > 0 && fsq > 0 ? (fsum * fsum) / (flowLen * fsq) : null,
      list: flowLen <= MAX_FLOWS_LISTED
        ? Array.from({ length: flowLen }, (_, f) => ({
          id: f,
          key: flowKeys[f]!,
          generated: flowGenerated[f]!,
          delivered: flowDelivered[f]!,
          dropped: flowDropped[f]!,
        }))
        : null,
    },
    taps,
  };
}


/** A controller's actions must name tasks and chains that exist and carry sane values. */
function checkActions(actions: unknown, s: Scenario): void {
  if (!Array.isArray(actions)) throw new Error(`it returned ${typeof actions}, expected a list of actions`);
  const tasks = new Set(s.tasks.map((t) => t.name));
  const chains = new Set(s.tasks.map((t) => t.chain));
  actions.forEach((a: unknown, i) => {
    const act = a as Record<string, unknown>;
    const where = `action ${i} (${JSON.stringify(a)})`;
    const needTask = () => {
      if (typeof act['task'] !== 'string' || !tasks.has(act['task'])) throw new Error(`${where}: task must name a task of the scenario (${[...tasks].join(', ')})`);
    };
    switch (act?.['type']) {
      case 'setBatch':
        needTask();
        if (typeof act['batch'] !== 'number' || !Number.isInteger(act['batch']) || act['batch'] < 1) throw new Error(`${where}: batch must be an integer >= 1`);
        return;
      case 'setWeight':
        needTask();
        if (typeof act['weight'] !== 'number' || !(act['weight'] > 0) || !Number.isFinite(act['weight'])) throw new Error(`${where}: weight must be a number > 0`);
        return;
      case 'attach':
      case 'detach':
        if (typeof act['chain'] !== 'string' || !chains.has(act['chain'])) throw new Error(`${where}: chain must name a chain of the scenario (${[...chains].join(', ')})`);
        return;
      default:
        throw new Error(`${where}: type must be one of setBatch, setWeight, attach, detach`);
    }
  });
}
