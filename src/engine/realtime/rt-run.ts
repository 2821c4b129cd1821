/**
 * Real-time mode: the scenario's plan (same NFs, tasks, placements — RTC and
 * PL alike) on real worker threads, in wall-clock time, with every port bound
 * to a real interface through io/. COLD orchestration on the main thread;
 * the data path is in rt-core.ts.
 *
 * One worker per core that has tasks. Each worker opens its own ports (a
 * socket belongs to the thread that drives it) and allocates RX frames from
 * its own pool partition; frames cross cores only through the SAB rings of
 * queue modules, as in virtual time.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildPlan, type Plan } from '../../graph/plan.js';
import { PacketPool } from '../../packet/pool.js';
import { SpscRing } from '../../ring/spsc-ring.js';
import type { Scenario } from '../../scenario/types.js';
import {
  CONTROL_WORDS, CTL_FAILED, CTL_READY, CTL_STATE, C_BATCHES, C_FIXED, C_RX, C_SINK, C_TX, RT_RUNNING, RT_STOPPING,
  counterStride, type RtPortIo, type RtPortStats, type RtWorkerData, type RtWorkerResult,
} from './rt-types.js';

/** RX frames each polling core may hold at once (queued in rings, in batches, in the TX path). */
const RX_PARTITION_FRAMES = 4096;
/** Ring capacity of queue channels in real time. */
const RT_RING_CAPACITY = 1024;

export class RealtimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RealtimeError';
  }
}

/** The run could not start: a port did not open (unknown interface, busy queue, no privilege) or io: is incomplete. */
export class RealtimeStartError extends RealtimeError {
  constructor(message: string) {
    super(message);
    this.name = 'RealtimeStartError';
  }
}

export interface RealtimeTotals {
  rxFrames: number;
  txFrames: number;
  sinkFrames: number;
  batches: number;
  /** Drop counts by reason name (only reasons that occurred). */
  drops: Record<string, number>;
}

export interface RealtimeSnapshot extends RealtimeTotals {
  elapsedSec: number;
}

export interface RealtimeResult extends RealtimeTotals {
  elapsedSec: number;
  /** TX frames per second over the run. */
  txPps: number;
  cores: { core: number; rxFrames: number; txFrames: number }[];
  ports: RtPortStats[];
  skipped: RtWorkerResult['skipped'];
}

function workerEntry(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'rt-worker-entry.cjs'), join(here, '..', '..', '..', 'dist', 'engine', 'realtime', 'rt-worker-entry.cjs')];
  const found = candidates.find((c) => existsSync(c));
  if (found === undefined) throw new RealtimeError('the real-time worker entry (dist/engine/realtime/rt-worker-entry.cjs) is missing: run `npm run build` first');
  return found;
}

/** COLD: `io` from the scenario (or given), one binding per port, checked. */
export function resolveIo(s: Scenario, io?: RtPortIo[]): RtPortIo[] {
  const bindings = io ?? (s.io ?? []).map((x) => ({
    port: x.port, interface: x.interface, backend: x.backend, netns: x.netns, xdpMode: x.xdpMode, dpdkDriver: x.dpdkDriver,
  }));
  const missing = s.ports.filter((p) => !bindings.some((b) => b.port === p.name)).map((p) => p.name);
  if (missing.length > 0) {
    throw new RealtimeStartError(`a real-time run needs an interface for every port: add io: { ${missing.map((m) => `${m}: { interface: IFNAME }`).join(', ')} } to the scenario`);
  }
  for (const b of bindings) {
    const port = s.ports.find((p) => p.name === b.port)!;
    if (b.backend === 'dpdk' && b.dpdkDriver === 'af_packet' && port.rxQueues > 1) {
      // Each net_af_packet device would see every frame: no way to split them by queue.
      throw new RealtimeStartError(`port ${b.port} (${b.interface}): backend dpdk with dpdkDriver af_packet serves one RX queue, the port has ${port.rxQueues}; use dpdkDriver af_xdp or backend afpacket`);
    }
  }
  return bindings;
}

export class RealtimeRun {
  private readonly started = performance.now();
  private stoppedAt = 0;
  private constructor(
    readonly plan: Plan,
    private readonly workers: Worker[],
    private readonly results: Promise<RtWorkerResult>[],
    private readonly control: Int32Array,
    private readonly counters: Float64Array,
  ) {}

  /**
   * COLD: starts one worker per busy core, waits until every one opened its
   * ports and built its NFs, then lets them run.
   * @throws RealtimeError naming the core and cause if any core failed to start.
   */
  static async start(s: Scenario, io?: RtPortIo[]): Promise<RealtimeRun> {
    const bindings = resolveIo(s, io);
    const plan = buildPlan(s);
    const busy = [...new Set(plan.tasks.map((t) => t.core))].sort((a, b) => a - b);
    const rxCores = busy.filter((c) => plan.tasks.some((t) => t.core === c && plan.inputs[t.input]!.kind === 'rx'));
    const pool = PacketPool.create(Math.max(1, rxCores.length) * RX_PARTITION_FRAMES);
    const ringSabs = plan.channels.map((ch) => (ch.producer < plan.cores ? SpscRing.create(RT_RING_CAPACITY).sab : null));
    const controlSab = new SharedArrayBuffer(CONTROL_WORDS * 4);
    const stride = counterStride(plan);
    const countersSab = new SharedArrayBuffer(plan.cores * stride * 8);
    const entry = workerEntry();
    // Fanout group ids (u16, 0 = none here) are shared by every process in a
    // network namespace: 32 per process, from the pid (two emu processes
    // collide only if their pids are equal modulo 2000).
    const fanoutBase = 1 + (process.pid % 2000) * 32;
    const workers: Worker[] = [];
    const results: Promise<RtWorkerResult>[] = [];
    for (const core of busy) {
      const k = rxCores.indexOf(core);
      const data: RtWorkerData = {
        coreId: core, plan, hz: s.hz, seed: s.seed, io: bindings, pool: pool.shared(),
        poolBase: k < 0 ? 0 : k * RX_PARTITION_FRAMES, poolCount: RX_PARTITION_FRAMES,
        ringSabs, controlSab, countersSab, fanoutBase, epochMs: performance.timeOrigin,
      };
      const w = new Worker(entry, { workerData: data });
      workers.push(w);
      results.push(new Promise<RtWorkerResult>((resolve) => {
        let settled = false;
        w.once('message', (r: RtWorkerResult) => { settled = true; resolve(r); });
        w.once('error', (e: Error) => {
          if (settled) return;
          settled = true;
          Atomics.add(new Int32Array(controlSab), CTL_FAILED, 1);
          resolve({ coreId: core, ok: false, error: `core ${core}: ${e.message}`, counters: [], ports: [], skipped: [] });
        });
        w.once('exit', (code) => {
          if (settled) return;
          settled = true;
          Atomics.add(new Int32Array(controlSab), CTL_FAILED, 1);
          resolve({ coreId: core, ok: false, error: `core ${core}: worker exited with code ${code}`, counters: [], ports: [], skipped: [] });
        });
      }));
    }
    const control = new Int32Array(controlSab);
    const run = new RealtimeRun(plan, workers, results, control, new Float64Array(countersSab));
    // Wait for every core to be ready or failed (polling: the main thread must not block).
    while (Atomics.load(control, CTL_READY) + Atomics.load(control, CTL_FAILED) < busy.length) {
      await new Promise((r) => setTimeout(r, 2));
    }
    if (Atomics.load(control, CTL_FAILED) > 0) {
      const all = await run.finish();
      const errors = all.filter((r) => !r.ok).map((r) => r.error);
      throw new RealtimeStartError(`real-time run could not start: ${errors.join('; ')}`);
    }
    Atomics.store(control, CTL_STATE, RT_RUNNING);
    Atomics.notify(control, CTL_STATE);
    return run;
  }

  private totals(rows: number[][]): RealtimeTotals {
    const t: RealtimeTotals = { rxFrames: 0, txFrames: 0, sinkFrames: 0, batches: 0, drops: {} };
    for (const c of rows) {
      if (c.length === 0) continue;
      t.rxFrames += c[C_RX]!;
      t.txFrames += c[C_TX]!;
      t.sinkFrames += c[C_SINK]!;
      t.batches += c[C_BATCHES]!;
      for (let r = 0; r < this.plan.reasons.length; r++) {
        const v = c[C_FIXED + r]!;
        if (v > 0) t.drops[this.plan.reasons[r]!] = (t.drops[this.plan.reasons[r]!] ?? 0) + v;
      }
    }
    return t;
  }

  /** True once a core has failed (at start or while running); stop() then throws its error. */
  failed(): boolean {
    return Atomics.load(this.control, CTL_FAILED) > 0;
  }

  /** Live counters (each core's values may be a round late). */
  snapshot(): RealtimeSnapshot {
    const stride = counterStride(this.plan);
    const rows: number[][] = [];
    for (let c = 0; c < this.plan.cores; c++) rows.push(Array.from(this.counters.subarray(c * stride, (c + 1) * stride)));
    return { ...this.totals(rows), elapsedSec: (performance.now() - this.started) / 1000 };
  }

  private async finish(): Promise<RtWorkerResult[]> {
    Atomics.store(this.control, CTL_STATE, RT_STOPPING);
    Atomics.notify(this.control, CTL_STATE);
    const all = await Promise.all(this.results);
    await Promise.all(this.workers.map((w) => w.terminate()));
    return all;
  }

  /**
   * COLD: stops every core, closes the ports, returns the counts.
   * @throws RealtimeError if a core failed while running.
   */
  async stop(): Promise<RealtimeResult> {
    this.stoppedAt = performance.now();
    const all = await this.finish();
    const failed = all.filter((r) => !r.ok);
    if (failed.length > 0) throw new RealtimeError(`real-time run failed: ${failed.map((r) => r.error).join('; ')}`);
    const elapsedSec = (this.stoppedAt - this.started) / 1000;
    const t = this.totals(all.map((r) => r.counters));
    return {
      ...t, elapsedSec, txPps: elapsedSec > 0 ? t.txFrames / elapsedSec : 0,
      cores: all.map((r) => ({ core: r.coreId, rxFrames: r.counters[C_RX] ?? 0, txFrames: r.counters[C_TX] ?? 0 })),
      ports: all.flatMap((r) => r.ports),
      skipped: all.flatMap((r) => r.skipped),
    };
  }
}

/** COLD: runs for `durationSec` (default: the scenario's duration), calling onTick every tickSec. */
export async function runRealtime(
  s: Scenario,
  opts: { io?: RtPortIo[]; durationSec?: number; tickSec?: number; onTick?: (snap: RealtimeSnapshot) => void } = {},
): Promise<RealtimeResult> {
  const run = await RealtimeRun.start(s, opts.io);
  const durationSec = opts.durationSec ?? s.durationCycles / s.hz;
  const tickSec = opts.tickSec ?? 1;
  const t0 = performance.now();
  let nextTick = tickSec;
  while (true) {
    const el = (performance.now() - t0) / 1000;
    if (el >= durationSec || run.failed()) break;
    await new Promise((r) => setTimeout(r, Math.max(1, Math.min(100, (durationSec - el) * 1000))));
    const now = (performance.now() - t0) / 1000;
    if (opts.onTick && now >= nextTick) {
      opts.onTick(run.snapshot());
      nextTick += tickSec;
    }
  }
  return run.stop();
}
