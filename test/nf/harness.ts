/**
 * Runs one NF on crafted packets outside the engine: allocates frames in a
 * real pool, calls process() once, and reports what left each gate, what was
 * dropped (by reason) and the cycles charged through the context.
 */
import type { AnyNfKind, NfContext, NfEnv } from '../../src/nf/nf.js';
import { PacketPool, PoolPartition } from '../../src/packet/pool.js';
import { Problems } from '../../src/util/config-check.js';

export interface HarnessResult {
  gates: number[][];
  drops: { h: number; reason: string }[];
  chargedCycles: number;
  pool: PacketPool;
  handles: number[];
  counters: Float64Array;
  /** Memory references the NF declared (state, then packet data). */
  memReads: { addr: number; size: number }[];
  memWrites: { addr: number; size: number }[];
  pktReads: { h: number; off: number; size: number }[];
  pktWrites: { h: number; off: number; size: number }[];
}

/**
 * Build the NF from a raw config (as in a scenario file), feed `frames` as one
 * batch, and report everything observable. Use `createNf` + `runBatch` to
 * feed several batches to the same instance (stateful NFs).
 */
export function runNf(kind: AnyNfKind, rawConfig: unknown, frames: Uint8Array[]): HarnessResult {
  const p = new Problems();
  const config = kind.checkConfig(rawConfig, 'config', p);
  p.throwIfAny(`${kind.name} config`);
  const reasons = [...kind.dropReasons];
  let nextRegion = 0x10000;
  const env: NfEnv = {
    moduleName: 'nf', coreId: 3, hz: 2.6e9, seed: 1,
    dropReason: (name) => { const i = reasons.indexOf(name); if (i < 0) throw new Error(`undeclared ${name}`); return i; },
    allocRegion: (_label, sizeBytes) => { const base = nextRegion; nextRegion += Math.ceil(sizeBytes / 4096) * 4096 + 4096; return base; },
    counterIndex: (name) => kind.counters.indexOf(name),
  };
  const nf = kind.create(config, env);
  const pool = PacketPool.create(64);
  const part = new PoolPartition(pool, 0, 64);
  const handles: number[] = [];
  for (const f of frames) {
    const h = part.tryAlloc();
    pool.bytes.set(f, pool.frameOffset(h));
    pool.lenBytes[h] = f.length;
    handles.push(h);
  }
  const gates: number[][] = Array.from({ length: kind.outputGates(config) }, () => []);
  const drops: { h: number; reason: string }[] = [];
  let charged = 0;
  const memReads: { addr: number; size: number }[] = [];
  const memWrites: { addr: number; size: number }[] = [];
  const pktReads: { h: number; off: number; size: number }[] = [];
  const pktWrites: { h: number; off: number; size: number }[] = [];
  const ctx: NfContext = {
    pool, coreId: 3, nowCycles: 0,
    mem: {
      read: (addr, size) => { memReads.push({ addr, size }); return 0; },
      write: (addr, size) => { memWrites.push({ addr, size }); return 0; },
    },
    emit: (g, h) => { gates[g]!.push(h); },
    emitAll: (g, hs, n) => { for (let i = 0; i < n; i++) gates[g]!.push(hs[i]!); },
    drop: (h, r) => { drops.push({ h, reason: reasons[r]! }); },
    chargeCycles: (c) => { charged += c; },
    readPacket: (h, off, size) => { pktReads.push({ h, off, size }); return 0; },
    writePacket: (h, off, size) => { pktWrites.push({ h, off, size }); pool.lastWriterCore[h] = 3; return 0; },
  };
  nf.process(ctx, Uint32Array.from(handles), handles.length);
  return { gates, drops, chargedCycles: charged, pool, handles, counters: nf.counters, memReads, memWrites, pktReads, pktWrites };
}

export function frameBytes(pool: PacketPool, h: number): number[] {
  const off = pool.frameOffset(h);
  return Array.from(pool.bytes.subarray(off, off + pool.lenBytes[h]!));
}
