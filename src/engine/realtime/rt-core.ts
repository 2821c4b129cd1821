/**
 * A real-time core: the same plan, NFs and placements as the virtual-time
 * engine, on a real worker thread in wall-clock time. Its tasks poll real
 * ports (io/) or the SAB rings of queue modules, push each batch to
 * completion through their modules, and end at rings, TX ports, sinks or
 * drops. Times are monotonic nanoseconds since the run's epoch (the main
 * thread's performance.timeOrigin), read once per round, never per packet;
 * pool.ingressCycles holds them.
 *
 * No hardware model: ctx.mem, readPacket and writePacket price nothing and
 * NF costs are not charged — the wall clock is the cost.
 *
 * One RtCore per worker thread; everything here is owned by that thread. The
 * rings follow spsc-ring.ts's contract (this core is the only producer or
 * consumer of each ring it holds); the pool follows pool.ts's (handles move
 * with ring publication; freePacket after the last access).
 */
import { MAX_BATCH } from '../../packet/batch.js';
import type { Plan, Target } from '../../graph/plan.js';
import { openIoPort } from '../../io/backends.js';
import { IO_BURST, type IoPort } from '../../io/io-port.js';
import { FREE_MEMORY, type MemoryModel, type NfContext, type NfInstance } from '../../nf/nf.js';
import { PacketPool, PoolPartition, freePacket } from '../../packet/pool.js';
import { SpscRing } from '../../ring/spsc-ring.js';
import { createNfInstance } from '../nf-factory.js';
import {
  CTL_FAILED, CTL_NAP, CTL_READY, CTL_STATE, C_BATCHES, C_FIXED, C_RX, C_SINK, C_TX, RT_RUNNING, RT_STOPPING,
  counterStride, type RtPortStats, type RtWorkerData, type RtWorkerResult,
} from './rt-types.js';

/** Largest batch a gate buffer holds (as the virtual-time engine). */
/** Empty polling rounds before the core naps (2 vCPUs may host more busy threads). */
const IDLE_ROUNDS_BEFORE_NAP = 1024;
const NAP_MS = 0.05;
/** Rounds a full back-pressure ring or TX ring is retried before the packets are dropped. */
const FULL_RETRIES = 64;

class RtModule {
  readonly gateBufs: Uint32Array[];
  readonly gateCounts: Int32Array;
  constructor(readonly name: string, readonly nf: NfInstance | null, readonly gates: readonly Target[]) {
    this.gateBufs = gates.map(() => new Uint32Array(MAX_BATCH));
    this.gateCounts = new Int32Array(gates.length);
  }
}

interface RtTask {
  name: string;
  batch: number;
  entry: Target;
  /** RX: the port and its index; queue: the rings to drain. */
  rx: IoPort | null;
  portIndex: number;
  rings: SpscRing[];
  rr: number;
}

interface TxOut {
  port: IoPort;
  buf: Uint32Array;
  count: number;
}

export class RtCore implements NfContext {
  readonly pool: PacketPool;
  readonly coreId: number;
  readonly mem: MemoryModel = FREE_MEMORY;
  nowCycles = 0;

  private readonly plan: Plan;
  private readonly part: PoolPartition;
  private readonly control: Int32Array;
  private readonly counters: Float64Array;
  private readonly base: number;
  private readonly modules = new Map<number, RtModule>();
  private readonly tasks: RtTask[] = [];
  private readonly ports: IoPort[] = [];
  private readonly portNames: string[] = [];
  private readonly txOut: (TxOut | undefined)[];
  private readonly outRings: (SpscRing | undefined)[];
  private readonly channelBp: boolean[];
  private readonly batchBuf = new Uint32Array(MAX_BATCH);
  private readonly queueFullId: number;
  private readonly deadendId: number;
  private readonly gateOverflowId: number;
  private readonly txFullId: number;
  private cur: RtModule | null = null;
  private curTask: RtTask | null = null;
  /** This thread's time origin minus the run's epoch (ms): makes timestamps comparable across cores. */
  private clockOffsetMs = 0;
  private readonly skipped: RtWorkerResult['skipped'] = [];

  /** COLD: builds NFs, attaches rings and opens this core's ports. @throws on any failure. */
  constructor(readonly d: RtWorkerData) {
    const plan = d.plan;
    this.plan = plan;
    this.coreId = d.coreId;
    this.pool = PacketPool.attach(d.pool);
    this.part = new PoolPartition(this.pool, d.poolBase, d.poolCount);
    this.control = new Int32Array(d.controlSab);
    this.counters = new Float64Array(d.countersSab);
    this.base = d.coreId * counterStride(plan);
    this.queueFullId = plan.reasons.indexOf('queue_full');
    this.deadendId = plan.reasons.indexOf('deadend');
    this.gateOverflowId = plan.reasons.indexOf('gate_overflow');
    // A TX ring that stays full is the real-time form of the sender's buffer overflowing.
    this.txFullId = plan.reasons.indexOf('nic_line_rate');

    let region = 0x4000_0000 + d.coreId * 0x1000_0000;
    for (const mp of plan.modules) {
      if (mp.core !== d.coreId) continue;
      if (mp.kind === 'queue') continue;
      const nf = mp.kind === 'sink' ? null : createNfInstance(mp, plan, {
        coreId: d.coreId, hz: d.hz, seed: d.seed,
        allocRegion: (_label, sizeBytes) => { const b = region; region += Math.ceil(sizeBytes / 4096) * 4096; return b; },
      });
      this.modules.set(mp.id, new RtModule(mp.name, nf, mp.gates));
    }

    this.outRings = plan.channels.map((ch) => (ch.producer === d.coreId && d.ringSabs[ch.id] ? SpscRing.attach(d.ringSabs[ch.id]!) : undefined));
    this.channelBp = plan.channels.map((ch) => ch.mode === 'backpressure');
    this.txOut = new Array(plan.ports.length);

    try {
      this.openPorts(plan, d);
    } catch (e) {
      // Close what did open: an AF_XDP socket left open keeps its queue busy.
      this.close();
      throw e;
    }
    this.clockOffsetMs = performance.timeOrigin - d.epochMs;
  }

  /** COLD: the RX sockets of this core's tasks and the TX sockets of the ports it sends on. */
  private openPorts(plan: Plan, d: RtWorkerData): void {
    for (const tp of plan.tasks) {
      if (tp.core !== d.coreId) continue;
      const ip = plan.inputs[tp.input]!;
      const task: RtTask = { name: tp.name, batch: Math.min(tp.batch, MAX_BATCH), entry: tp.entry, rx: null, portIndex: -1, rings: [], rr: 0 };
      if (ip.kind === 'rx') {
        task.rx = this.openPort(ip.ref, ip.rxQueue, false);
        task.portIndex = ip.ref;
      } else {
        for (const chId of ip.channels) {
          const sab = d.ringSabs[chId];
          if (sab) task.rings.push(SpscRing.attach(sab));
        }
      }
      this.tasks.push(task);
    }
    // TX ports: reuse this core's RX port on the same interface where it has
    // one, else a TX-only socket.
    for (const m of plan.modules) {
      if (m.core !== d.coreId) continue;
      for (const g of m.gates) if (g.t === 'tx') this.txPort(g.port);
    }
    for (const tp of plan.tasks) if (tp.core === d.coreId && tp.entry.t === 'tx') this.txPort(tp.entry.port);
  }

  private ioOf(portIndex: number): RtWorkerData['io'][number] {
    const name = this.plan.ports[portIndex]!.name;
    const io = this.d.io.find((x) => x.port === name);
    if (io === undefined) throw new Error(`port ${name} has no io binding`);
    return io;
  }

  private openPort(portIndex: number, queue: number, txOnly: boolean): IoPort {
    const io = this.ioOf(portIndex);
    const queues = this.plan.ports[portIndex]!.rxChannels.length;
    // AF_XDP (and DPDK's af_xdp driver): one socket per queue. AF_PACKET has
    // no queues: several RX sockets share the frames through a fanout group;
    // a TX-only socket receives nothing, so TX-only ports are AF_PACKET
    // whatever the port's backend.
    let backend = io.backend;
    if (txOnly && backend !== 'afpacket') backend = 'afpacket';
    const { port, skipped } = openIoPort({
      backend, ifname: io.interface, pool: this.pool, queue, xdpMode: io.xdpMode, txOnly, dpdkDriver: io.dpdkDriver,
      ...(io.netns ? { netns: io.netns } : {}),
      ...(queues > 1 && !txOnly ? { fanoutGroup: this.d.fanoutBase + portIndex } : {}),
    });
    for (const s of skipped) this.skipped.push({ port: io.port, backend: s.backend, reason: s.reason });
    this.ports.push(port);
    this.portNames.push(io.port);
    return port;
  }

  private txPort(portIndex: number): void {
    if (this.txOut[portIndex] !== undefined) return;
    const rxTask = this.tasks.find((t) => t.portIndex === portIndex && t.rx !== null);
    const port = rxTask ? rxTask.rx! : this.openPort(portIndex, 0, true);
    this.txOut[portIndex] = { port, buf: new Uint32Array(IO_BURST), count: 0 };
  }

  // ---- NfContext (HOT) ----
  emit(gate: number, h: number): void {
    const m = this.cur!;
    const c = m.gateCounts[gate]!;
    if (c >= MAX_BATCH) { this.drop(h, this.gateOverflowId); return; }
    m.gateBufs[gate]![c] = h;
    m.gateCounts[gate] = c + 1;
  }
  emitAll(gate: number, handles: Uint32Array, count: number): void {
    for (let i = 0; i < count; i++) this.emit(gate, handles[i]!);
  }
  drop(h: number, reasonId: number): void {
    this.counters[this.base + C_FIXED + reasonId]! += 1;
    freePacket(this.pool, h);
  }
  chargeCycles(_cycles: number): void { /* wall clock: nothing to charge */ }
  readPacket(_h: number, _offsetBytes: number, _sizeBytes: number): number { return 0; }
  writePacket(_h: number, _offsetBytes: number, _sizeBytes: number): number { return 0; }

  /** HOT: pushes handles[0..count) into `t`. */
  private deliver(t: Target, handles: Uint32Array, count: number): void {
    switch (t.t) {
      case 'module': {
        const m = this.modules.get(t.m)!;
        if (m.nf === null) { this.sink(handles, count); return; }
        this.cur = m;
        m.nf.process(this, handles, count);
        this.cur = null;
        for (let g = 0; g < m.gates.length; g++) {
          const c = m.gateCounts[g]!;
          if (c === 0) continue;
          m.gateCounts[g] = 0;
          this.deliver(m.gates[g]!, m.gateBufs[g]!, c);
        }
        return;
      }
      case 'sink':
        this.sink(handles, count);
        return;
      case 'tx':
        this.toTx(t.port, handles, count);
        return;
      case 'channel':
        this.toRing(t.ch, handles, count);
        return;
      default:
        for (let i = 0; i < count; i++) this.drop(handles[i]!, this.deadendId);
    }
  }

  private sink(handles: Uint32Array, count: number): void {
    for (let i = 0; i < count; i++) freePacket(this.pool, handles[i]!);
    this.counters[this.base + C_SINK]! += count;
  }

  private toTx(portIndex: number, handles: Uint32Array, count: number): void {
    const out = this.txOut[portIndex]!;
    for (let i = 0; i < count; i++) {
      out.buf[out.count++] = handles[i]!;
      if (out.count === IO_BURST) this.flushTx(out);
    }
  }

  /** HOT: sends the staged burst, retrying a full TX ring a few rounds, then dropping what is left. */
  private flushTx(out: TxOut): void {
    let start = 0;
    let tries = 0;
    while (start < out.count) {
      const taken = out.port.transmit(out.buf, start, out.count - start);
      start += taken;
      this.counters[this.base + C_TX]! += taken;
      if (taken === 0 && ++tries > FULL_RETRIES) break;
    }
    for (let i = start; i < out.count; i++) this.drop(out.buf[i]!, this.txFullId);
    out.count = 0;
  }

  private toRing(ch: number, handles: Uint32Array, count: number): void {
    const ring = this.outRings[ch]!;
    let done = ring.enqueueBurst(handles, null, 0, count);
    if (done < count && this.channelBp[ch]) {
      // Back-pressure: wait for the consumer, but never past a stop request.
      let tries = 0;
      while (done < count && Atomics.load(this.control, CTL_STATE) !== RT_STOPPING) {
        const n = ring.enqueueBurst(handles, null, done, count - done);
        done += n;
        if (n === 0 && (++tries & 63) === 0) Atomics.wait(this.control, CTL_NAP, 0, NAP_MS);
      }
    }
    for (let i = done; i < count; i++) this.drop(handles[i]!, this.queueFullId);
  }

  /** HOT: one round over this core's tasks; returns packets taken. */
  private round(): number {
    let total = 0;
    // Monotonic ns since the run's epoch (the main thread's time origin), the same scale on every core.
    const now = (this.clockOffsetMs + performance.now()) * 1e6;
    this.nowCycles = now;
    for (let k = 0; k < this.tasks.length; k++) {
      const t = this.tasks[k]!;
      let n = 0;
      if (t.rx !== null) {
        while (n < t.batch) {
          const want = t.batch - n < IO_BURST ? t.batch - n : IO_BURST;
          const got = t.rx.receive(this.part, this.batchBuf, n, want, t.portIndex, now);
          n += got;
          if (got < want) break;
        }
        this.counters[this.base + C_RX]! += n;
      } else {
        for (let r = 0; r < t.rings.length && n < t.batch; r++) {
          const ring = t.rings[(t.rr + r) % t.rings.length]!;
          n += ring.dequeueBurst(this.batchBuf, null, n, t.batch - n);
        }
        t.rr++;
      }
      if (n === 0) continue;
      this.counters[this.base + C_BATCHES]! += 1;
      this.curTask = t;
      this.deliver(t.entry, this.batchBuf, n);
      this.curTask = null;
      total += n;
    }
    for (let p = 0; p < this.txOut.length; p++) {
      const out = this.txOut[p];
      if (out !== undefined && out.count > 0) this.flushTx(out);
    }
    return total;
  }

  /** Runs until the main thread says stop. */
  run(): void {
    const ctl = this.control;
    while (Atomics.load(ctl, CTL_STATE) < RT_RUNNING) Atomics.wait(ctl, CTL_STATE, 0, 50);
    let idle = 0;
    while (Atomics.load(ctl, CTL_STATE) === RT_RUNNING) {
      if (this.round() > 0) { idle = 0; continue; }
      if (++idle >= IDLE_ROUNDS_BEFORE_NAP) Atomics.wait(ctl, CTL_STATE, RT_RUNNING, NAP_MS);
    }
    // Drain: one more round so frames already taken from rings are not stranded.
    this.round();
  }

  /** COLD: where the core was when something threw: "core 1, task q@1, module rt". */
  location(): string {
    return `core ${this.coreId}${this.curTask ? `, task ${this.curTask.name}` : ''}${this.cur ? `, module ${this.cur.name}` : ''}`;
  }

  /** COLD */
  result(): RtWorkerResult {
    const stride = counterStride(this.plan);
    const ports: RtPortStats[] = this.ports.map((p, i) => {
      const s = p.stats();
      return {
        port: this.portNames[i]!,
        interface: p.ifname, queue: p.queue, backend: p.backend, txOnly: p.txOnly,
        rxFrames: s.rxFrames, txFrames: s.txFrames, txRingFull: s.txRingFull, kernelDrops: s.kernelDrops,
        rxOversize: s.rxOversize, txBadFrame: s.txBadFrame, kicks: s.kicks,
      };
    });
    return {
      coreId: this.coreId, ok: true, error: '',
      counters: Array.from(this.counters.subarray(this.base, this.base + stride)),
      ports, skipped: this.skipped,
    };
  }

  close(): void {
    for (const p of this.ports) p.close();
  }

  static markFailedWhileRunning(controlSab: SharedArrayBuffer): void {
    const ctl = new Int32Array(controlSab);
    Atomics.add(ctl, CTL_FAILED, 1);
  }

  static markReady(controlSab: SharedArrayBuffer, ok: boolean): void {
    const ctl = new Int32Array(controlSab);
    Atomics.add(ctl, ok ? CTL_READY : CTL_FAILED, 1);
    Atomics.notify(ctl, ok ? CTL_READY : CTL_FAILED);
  }
}
