/**
 * Runs one NF on crafted packets outside the engine: allocates frames in a
 * real pool, calls process() once per batch, and reports what left each
 * gate, what was dropped (by reason), the cycles charged through the context
 * and the memory references the NF declared.
 *
 *   const nf = new NfHarness(aclKind, { rules: [...] });
 *   const r = nf.batch([frame1, frame2]);       // one process() call
 *   r.gates[0]            // handles emitted on gate 0, in order
 *   r.frame(r.gates[0][0]) // bytes of that frame after processing
 *   r.drops               // [{ h, reason }]
 */
import type { AnyNfKind, NfContext, NfEnv, NfInstance } from '../../src/nf/nf.js';
import { PacketPool, PoolPartition, SLOT_BYTES, freePacket } from '../../src/packet/pool.js';
import { Problems } from '../../src/util/config-check.js';

export interface HarnessResult {
  gates: number[][];
  drops: { h: number; reason: string }[];
  chargedCycles: number;
  pool: PacketPool;
  /** Handles of the input frames, in input order. */
  handles: number[];
  counters: Float64Array;
  /** Memory references the NF declared during this batch (state, then packet data). */
  memReads: { addr: number; size: number }[];
  memWrites: { addr: number; size: number }[];
  pktReads: { h: number; off: number; size: number }[];
  pktWrites: { h: number; off: number; size: number }[];
  /** The bytes of frame h now. */
  frame(h: number): number[];
}

export class NfHarness {
  readonly config: unknown;
  readonly instance: NfInstance;
  readonly pool = PacketPool.create(4096);
  readonly regions: { label: string; base: number; sizeBytes: number }[] = [];
  private readonly part: PoolPartition;
  private readonly reasons: string[];
  private readonly gateCount: number;

  constructor(readonly kind: AnyNfKind, rawConfig: unknown, opts: { coreId?: number; seed?: number } = {}) {
    const p = new Problems();
    this.config = kind.checkConfig(rawConfig, 'config', p);
    p.throwIfAny(`${kind.name} config`);
    this.reasons = [...kind.dropReasons];
    let nextRegion = 0x10000;
    const env: NfEnv = {
      moduleName: 'nf', coreId: opts.coreId ?? 3, hz: 2.6e9, seed: opts.seed ?? 1,
      dropReason: (name) => {
        const i = this.reasons.indexOf(name);
        if (i < 0) throw new Error(`undeclared drop reason ${name}`);
        return i;
      },
      allocRegion: (label, sizeBytes) => {
        const base = nextRegion;
        nextRegion += Math.ceil(sizeBytes / 4096) * 4096 + 4096;
        this.regions.push({ label, base, sizeBytes });
        return base;
      },
      counterIndex: (name) => {
        const i = kind.counters.indexOf(name);
        if (i < 0) throw new Error(`undeclared counter ${name}`);
        return i;
      },
    };
    this.instance = kind.create(this.config, env);
    this.gateCount = kind.outputGates(this.config);
    this.part = new PoolPartition(this.pool, 0, 4096);
  }

  /**
   * Feed `frames` as one batch (one process() call) at virtual time `nowCycles`. Frames leaving the NF are freed after the call.
   * `slotFill`, if given, writes each frame's whole slot (headroom and the bytes after the frame) before the frame is
   * copied in: the fuzz tests fill it with different garbage to show that an NF reads nothing outside its frame.
   */
  batch(frames: Uint8Array[], nowCycles = 0, slotFill?: (slot: Uint8Array) => void): HarnessResult {
    const pool = this.pool;
    const handles: number[] = [];
    for (const f of frames) {
      const h = this.part.tryAlloc();
      if (h < 0) throw new Error('harness pool exhausted');
      if (slotFill !== undefined) slotFill(pool.bytes.subarray(h * SLOT_BYTES, (h + 1) * SLOT_BYTES));
      pool.bytes.set(f, pool.frameOffset(h));
      pool.lenBytes[h] = f.length;
      handles.push(h);
    }
    const gates: number[][] = Array.from({ length: this.gateCount }, () => []);
    const drops: { h: number; reason: string }[] = [];
    let charged = 0;
    const memReads: { addr: number; size: number }[] = [];
    const memWrites: { addr: number; size: number }[] = [];
    const pktReads: { h: number; off: number; size: number }[] = [];
    const pktWrites: { h: number; off: number; size: number }[] = [];
    const seen = new Set<number>();
    const once = (h: number) => {
      if (seen.has(h)) throw new Error(`packet ${h} left the NF twice`);
      seen.add(h);
    };
    const reasons = this.reasons;
    const ctx: NfContext = {
      pool, coreId: 3, nowCycles,
      mem: {
        read: (addr, size) => { memReads.push({ addr, size }); return 0; },
        write: (addr, size) => { memWrites.push({ addr, size }); return 0; },
      },
      emit: (g, h) => { once(h); gates[g]!.push(h); },
      emitAll: (g, hs, n) => { for (let i = 0; i < n; i++) { once(hs[i]!); gates[g]!.push(hs[i]!); } },
      drop: (h, r) => { once(h); drops.push({ h, reason: reasons[r]! }); },
      chargeCycles: (c) => { charged += c; },
      readPacket: (h, off, size) => { pktReads.push({ h, off, size }); return 0; },
      writePacket: (h, off, size) => { pktWrites.push({ h, off, size }); pool.lastWriterCore[h] = 3; return 0; },
    };
    this.instance.process(ctx, Uint32Array.from(handles), handles.length);
    const snapshot = new Map<number, number[]>();
    for (const h of handles) {
      const off = pool.frameOffset(h);
      snapshot.set(h, Array.from(pool.bytes.subarray(off, off + pool.lenBytes[h]!)));
      freePacket(pool, h);
    }
    return {
      gates, drops, chargedCycles: charged, pool, handles, counters: this.instance.counters,
      memReads, memWrites, pktReads, pktWrites,
      frame: (h) => snapshot.get(h)!,
    };
  }
}

/** One batch through a fresh instance. */
export function runNf(kind: AnyNfKind, rawConfig: unknown, frames: Uint8Array[]): HarnessResult {
  return new NfHarness(kind, rawConfig).batch(frames);
}

export function frameBytes(r: HarnessResult, h: number): number[] {
  return r.frame(h);
}
