/**
 * Runs one NF on crafted packets outside the engine: allocates frames in a
 * real pool, calls process() once, and reports what left each gate, what was
 * dropped (by reason) and the cycles charged through the context.
 */
import type { AnyNfKind, NfContext, NfEnv } from '../../src/nf/nf.js';
import { FREE_MEMORY } from '../../src/nf/nf.js';
import { PacketPool, PoolPartition } from '../../src/packet/pool.js';
import { Problems } from '../../src/util/config-check.js';

export interface HarnessResult {
  gates: number[][];
  drops: { h: number; reason: string }[];
  chargedCycles: number;
  pool: PacketPool;
  handles: number[];
  counters: Float64Array;
}

export function runNf(kind: AnyNfKind, rawConfig: unknown, frames: Uint8Array[]): HarnessResult {
  const p = new Problems();
  const config = kind.checkConfig(rawConfig, 'config', p);
  p.throwIfAny(`${kind.name} config`);
  const reasons = [...kind.dropReasons];
  const env: NfEnv = {
    moduleName: 'nf', coreId: 3, hz: 2.6e9, seed: 1,
    dropReason: (name) => { const i = reasons.indexOf(name); if (i < 0) throw new Error(`undeclared ${name}`); return i; },
    allocRegion: () => 0x1000,
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
  const ctx: NfContext = {
    pool, coreId: 3, nowCycles: 0, mem: FREE_MEMORY,
    emit: (g, h) => { gates[g]!.push(h); },
    emitAll: (g, hs, n) => { for (let i = 0; i < n; i++) gates[g]!.push(hs[i]!); },
    drop: (h, r) => { drops.push({ h, reason: reasons[r]! }); },
    chargeCycles: (c) => { charged += c; },
  };
  nf.process(ctx, Uint32Array.from(handles), handles.length);
  return { gates, drops, chargedCycles: charged, pool, handles, counters: nf.counters };
}

export function frameBytes(pool: PacketPool, h: number): number[] {
  const off = pool.frameOffset(h);
  return Array.from(pool.bytes.subarray(off, off + pool.lenBytes[h]!));
}
