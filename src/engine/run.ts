/**
 * Main-thread side of a run, in phases: lay it out (plan, threads, which
 * worker runs each actor), start one piscina task per worker (each hosts its
 * actors for the whole run), release the control epochs one by one
 * (gathering telemetry, asking the controller, sending its actions) while a
 * watchdog looks for stalls (stall-watch.ts), then turn the workers' counters
 * into a result record (record-builder.ts).
 */
import { MessageChannel } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { Piscina } from 'piscina';
import { buildPlan, shardNics, type Plan } from '../graph/plan.js';
import type { ResultRecord } from '../metrics/record.js';
import type { Scenario } from '../scenario/types.js';
import { readPcapFile } from '../traffic/pcap.js';
import { ABORTED_MESSAGE, STALL_MESSAGE, type HostMessage, type HostResult, type HostTask } from './host.js';
import { parallelUnits, placeCores } from './placement.js';
import { buildRecord } from './record-builder.js';
import { EPOCH, SNAPSHOT, SharedState } from './shared.js';
import { NO_PROGRESS_SECONDS, readWorkers, StallWatch } from './stall-watch.js';
import { writeTaps } from './tap.js';
import type { Controller, CoreTelemetry } from './telemetry.js';
import type { PeriodPoint, SeriesMeta } from '../metrics/series.js';
import { Actions, type EngineOp } from './actions.js';
import { ControlLoop } from './control-loop.js';
import { flowGroupsOf } from './flow-groups.js';
import type { ActionsMessage, WorkerPeriod } from './host.js';
import { SeriesBuilder } from './series-builder.js';

export { CONTROLLER_TIMEOUT_MS } from './control-loop.js';

export interface RunOptions {
  /** Worker threads; 'auto' = one per emulated core. Overrides the scenario's setting. */
  threads?: number | 'auto';
  controller?: Controller;
  /**
   * Wall-clock milliseconds the controller may take to answer at a control
   * point (default CONTROLLER_TIMEOUT_MS); past it the run fails naming the
   * control point instead of waiting for ever. Results never depend on it:
   * the run always waits for the answer it uses.
   */
  controllerTimeoutMs?: number;
  /** Called with the fraction of virtual time done (0..1). */
  onProgress?: (fraction: number) => void;
  /**
   * The run over time, as it goes (metrics/series.ts): `meta` once before
   * the first control point, then `point` once per control period, in
   * order, on the main thread (a live view, a progress log).
   */
  onSeries?: { meta(m: SeriesMeta): void; point(p: PeriodPoint): void };
  /**
   * Seconds a worker may stay busy without progress (an NF that never
   * returns) before the run fails; default 30. A stall (every worker parked,
   * none able to advance) is found within about a second whatever this is.
   */
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

/** How a run is laid out before any worker starts. */
export interface RunLayout {
  plan: Plan;
  threads: number;
  /** The worker of each actor: the cores, then the NIC shards. */
  workerOfActor: number[];
  /** First global flow id of each port's generator, and the generators' flows in all. */
  flowBases: number[];
  flowCount: number;
  /** Virtual time (cycles) of each control point; the last one is the end of the run. */
  epochEnds: number[];
}

/** Main-thread ticks of the watchdog (stall watch and progress reports). */
const WATCH_INTERVAL_MS = 250;
/**
 * How long the run waits, once the watchdog stopped it, for every worker to
 * return: a worker stuck in an NF never does, and is terminated with the pool.
 */
const GIVE_UP_MS = 2000;

export async function runScenario(s: Scenario, opts: RunOptions = {}): Promise<RunOutput> {
  const wallStart = process.hrtime.bigint();
  return runLayout(s, layOut(s, opts), opts, wallStart);
}

/** COLD: the plan, how many workers, and which worker runs each actor. */
export function layOut(s: Scenario, opts: RunOptions): RunLayout {
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

  const { flowBases, flowCount } = flowGroupsOf(s);

  const epochEnds: number[] = [];
  for (let t = s.controlPeriodCycles; t < s.durationCycles; t += s.controlPeriodCycles) epochEnds.push(t);
  epochEnds.push(s.durationCycles);
  return { plan, threads, workerOfActor, flowBases, flowCount, epochEnds };
}

/**
 * Run a laid-out scenario: runScenario after layOut. Tests call it with a
 * layout the planner would refuse (test/engine/stall-watch.test.ts).
 */
export async function runLayout(s: Scenario, layout: RunLayout, opts: RunOptions = {}, wallStart = process.hrtime.bigint()): Promise<RunOutput> {
  const { plan, threads } = layout;
  const shared = SharedState.create(plan, threads, s.machine.preset !== null);
  const own = opts.pool === undefined || opts.pool.threads < threads;
  const workers = own ? createWorkerPool(threads) : opts.pool!;
  const run = new RunSession(s, layout, shared);
  const tasks = run.start(workers.piscina);
  const watchdog = run.watch(opts);
  let reusable = false;
  try {
    await run.releaseEpochs(opts);
    const results = await run.settle(tasks);
    // Every worker is done with the shared buffers: a later run may have them.
    // (Read the pool's state first: countInFlight below.)
    reusable = true;
    const taps = writeTaps(plan, results.map((r) => r.taps), s.hz);
    const inFlight = countInFlight(shared, plan);
    const record = buildRecord(s, plan, results, { inFlight, epochs: layout.epochEnds.length, taps, backlogAtEnd: run.backlogAtEnd() });
    // The run over time, where it has more than one period.
    if (layout.epochEnds.length > 1) record.series = run.series.finish();
    opts.onProgress?.(1);
    const wallSeconds = Number(process.hrtime.bigint() - wallStart) / 1e9;
    return { record, plan, threads, wallSeconds, warnings: plan.warnings };
  } finally {
    clearInterval(watchdog);
    run.close();
    // A failed run may leave workers in any state: never hand them on.
    if (own || run.failure !== null) await workers.close();
    if (reusable) shared.release();
  }
}

/**
 * The main thread's side of one run while its workers run: their message
 * channels, what they report at each control point, the watchdog, and the
 * first failure.
 */
class RunSession {
  failure: Error | null = null;
  private readonly channels: MessageChannel[];
  /** Per control point: the workers that announced they reached it. */
  private readonly announced = new Map<number, number>();
  /** Per control point: each worker's telemetry of its cores, as they arrive. */
  private readonly telemetry = new Map<number, CoreTelemetry[][]>();
  /** Per control point: each worker's flow-group counters. */
  private readonly periods = new Map<number, WorkerPeriod[]>();
  readonly series: SeriesBuilder;
  private readonly actions: Actions;
  /** The control point the main thread waits for. */
  private epoch = 0;
  /** When the watchdog stopped the run (ms), or null; the workers then say where their actors were. */
  private watchdogFiredAtMs: number | null = null;
  private readonly actorLines: string[] = [];
  private waiter: (() => void) | null = null;
  private giveUp: (() => void) | null = null;

  constructor(private readonly s: Scenario, private readonly layout: RunLayout, private readonly shared: SharedState) {
    const groups = flowGroupsOf(s);
    this.series = new SeriesBuilder(s, layout.plan, groups, layout.epochEnds);
    this.actions = new Actions(s, groups);
    this.channels = Array.from({ length: layout.threads }, () => new MessageChannel());
    for (const ch of this.channels) ch.port1.on('message', (m: HostMessage) => this.onMessage(m));
  }

  private onMessage(m: HostMessage): void {
    if (m.type === 'epochDone') {
      // Every worker at the control point: let them take telemetry.
      const n = (this.announced.get(m.epoch) ?? 0) + 1;
      this.announced.set(m.epoch, n);
      if (n === this.layout.threads) {
        Atomics.store(this.shared.control, SNAPSHOT, m.epoch + 1);
        this.shared.ringAll();
      }
    } else if (m.type === 'epoch') {
      const list = this.telemetry.get(m.epoch) ?? [];
      list.push(m.cores);
      this.telemetry.set(m.epoch, list);
      const periods = this.periods.get(m.epoch) ?? [];
      periods[m.worker] = m.period;
      this.periods.set(m.epoch, periods);
      this.waiter?.();
    }
  }

  /** Start each worker's host task; a worker that throws fails the run. */
  start(pool: Piscina): Promise<HostResult>[] {
    const { layout } = this;
    return this.channels.map((ch, w) => {
      const task: HostTask = {
        workerIndex: w, plan: layout.plan, scenario: this.s, shared: this.shared.handles, workerOfActor: layout.workerOfActor,
        epochEnds: layout.epochEnds, flowCount: layout.flowCount, flowBases: layout.flowBases, port: ch.port2 as never,
      };
      const p = pool.run(task, { transferList: [ch.port2 as never] }) as Promise<HostResult>;
      p.catch((e: unknown) => this.fail(e, w));
      return p;
    });
  }

  /** Record a failure (the first one wins) and stop every worker. */
  fail(e: unknown, worker = -1): void {
    const err = e instanceof Error ? e : new Error(String(e));
    const stall = err.message.startsWith(STALL_MESSAGE);
    if (this.watchdogFiredAtMs !== null && stall && worker >= 0) {
      // Stopped by the watchdog, the worker says where its actors were.
      this.actorLines[worker] = err.message.slice(STALL_MESSAGE.length);
    } else if (this.failure === null || (this.failure.message === ABORTED_MESSAGE && err.message !== ABORTED_MESSAGE)) {
      // A worker that stopped because another one failed reports
      // ABORTED_MESSAGE: keep the original failure, whichever reaches us
      // first. A stall a lone worker found is a RunError, as the watchdog's.
      this.failure = stall ? new RunError(err.message) : err;
    }
    this.shared.abort();
    this.waiter?.();
  }

  /** Every WATCH_INTERVAL_MS: report progress, and stop the run if the stall watch finds it stuck. */
  watch(opts: RunOptions): ReturnType<typeof setInterval> {
    const noProgressSeconds = opts.stallSeconds ?? NO_PROGRESS_SECONDS;
    const watch = new StallWatch(noProgressSeconds * 1000);
    return setInterval(() => {
      const now = Date.now();
      const workers = readWorkers(this.shared);
      const waitingForMain = (this.announced.get(this.epoch) ?? 0) === this.layout.threads;
      const verdict = watch.sample({ atMs: now, parks: workers.parks, progress: workers.progress, waitingForMain });
      if (verdict !== 'running' && this.failure === null) {
        this.failure = new RunError(verdict === 'stalled' ? STALL_MESSAGE : `a worker made no progress for ${noProgressSeconds} s (an NF that never returns?)`);
        this.watchdogFiredAtMs = now;
        this.shared.abort(2);
        this.waiter?.();
      }
      if (this.watchdogFiredAtMs !== null && now - this.watchdogFiredAtMs > GIVE_UP_MS) this.giveUp?.();
      if (opts.onProgress) {
        let minClock = Infinity;
        for (let c = 0; c < this.layout.plan.cores; c++) minClock = Math.min(minClock, this.shared.loadClock(c));
        opts.onProgress(Math.min(1, Math.max(0, minClock / this.s.durationCycles)));
      }
    }, WATCH_INTERVAL_MS);
  }

  /**
   * Release the control points one by one: wait for every worker's
   * telemetry, ask the controller, send its actions. Returns at the end of
   * the run or at the first failure.
   */
  async releaseEpochs(opts: RunOptions): Promise<void> {
    const { epochEnds } = this.layout;
    const loop = new ControlLoop(this.s, this.actions, opts);
    if (epochEnds.length > 1) opts.onSeries?.meta(this.series.meta());
    for (let e = 0; e < epochEnds.length; e++) {
      this.epoch = e;
      while ((this.telemetry.get(e)?.length ?? 0) < this.layout.threads && this.failure === null) {
        await new Promise<void>((resolve) => { this.waiter = resolve; });
        this.waiter = null;
      }
      if (this.failure !== null) return;
      const cores = this.telemetry.get(e)!.flat().sort((a, b) => a.core - b.core);
      const point = this.series.point(e, cores, this.periods.get(e)!);
      this.periods.delete(e);
      if (e === epochEnds.length - 1) {
        if (epochEnds.length > 1) opts.onSeries?.point(point);
        return;
      }
      this.telemetry.delete(e);
      let ops: EngineOp[];
      try {
        ops = await loop.decide(e, e === 0 ? 0 : epochEnds[e - 1]!, epochEnds[e]!, cores, point, this.layout.plan);
      } catch (err) {
        this.fail(new RunError(`controller failed at control point ${e}: ${(err as Error).message}`));
        return;
      }
      this.series.applied(ops);
      opts.onSeries?.point(point);
      for (const ch of this.channels) ch.port1.postMessage({ type: 'actions', epoch: e, ops } satisfies ActionsMessage);
      Atomics.store(this.shared.control, EPOCH, e + 1);
      Atomics.notify(this.shared.control, EPOCH);
      opts.onProgress?.(epochEnds[e]! / this.s.durationCycles);
    }
  }

  /**
   * Every worker's result, once all returned; throws the run's failure if it
   * has one. After the watchdog fired it waits GIVE_UP_MS at most: a worker
   * stuck in an NF never returns.
   */
  async settle(tasks: Promise<HostResult>[]): Promise<HostResult[]> {
    const settled = await new Promise<PromiseSettledResult<HostResult>[] | null>((resolve) => {
      this.giveUp = () => resolve(null);
      void Promise.allSettled(tasks).then(resolve);
    });
    // Every rejection already reached fail (each task's catch runs before allSettled resolves).
    if (this.failure !== null) {
      if (this.watchdogFiredAtMs !== null) this.failure.message += this.actorLines.filter((l) => l !== undefined).join('');
      throw this.failure;
    }
    return settled!.map((r) => (r as PromiseFulfilledResult<HostResult>).value);
  }

  /** What each task's queue still held at the last control point (its telemetry). */
  backlogAtEnd(): Float64Array {
    const out = new Float64Array(this.layout.plan.tasks.length);
    for (const list of this.telemetry.get(this.layout.epochEnds.length - 1) ?? []) for (const c of list) for (const b of c.backlogs) out[b.id] = b.backlog;
    return out;
  }

  close(): void {
    for (const ch of this.channels) ch.port1.close();
  }
}

function countInFlight(shared: SharedState, plan: Plan): number {
  let n = 0;
  const st = shared.pool.state;
  for (const nic of plan.nics) {
    for (let h = nic.poolBase; h < nic.poolBase + nic.poolCount; h++) if (Atomics.load(st, h) !== 0) n++;
  }
  return n;
}
