/**
 * hashsplit: spreads packets over its output gates by flow hash (the RSS
 * hash the NIC computed), so every packet of a flow takes the same gate.
 * Hybrid execution models use it between a stage and the replicas of the
 * next stage, the way a software RSS would.
 */
import { asObject, readInt, readNumber, rejectUnknownKeys, type Problems } from '../util/config-check.js';
import type { NfContext, NfCost, NfInstance, NfKind } from './nf.js';

export interface HashSplitConfig { gates: number; cyclesPerPacket: number }

class HashSplit implements NfInstance {
  readonly counters = new Float64Array(0);
  readonly cost: NfCost;
  constructor(private readonly gates: number, cyclesPerPacket: number) {
    this.cost = { cyclesPerBatch: 0, cyclesPerPacket, cyclesPerByte: 0 };
  }
  /** HOT */
  process(ctx: NfContext, handles: Uint32Array, count: number): void {
    const hash = ctx.pool.flowHash;
    const n = this.gates;
    for (let i = 0; i < count; i++) {
      const h = handles[i]!;
      ctx.emit((hash[h]! >>> 0) % n, h);
    }
  }
}

export const hashSplitKind: NfKind<HashSplitConfig> = {
  name: 'hashsplit',
  help: 'spreads packets over `gates` outputs by flow hash (same flow, same gate)',
  gateNames: ['out0', 'out1'],
  dropReasons: [],
  counters: [],
  isQueue: false,
  checkConfig(raw: unknown, path: string, p: Problems): HashSplitConfig {
    const o = asObject(p, raw ?? {}, path) ?? {};
    rejectUnknownKeys(p, o, ['gates', 'cyclesPerPacket'], path);
    return {
      gates: readInt(p, o, 'gates', path, { min: 1, max: 1024, default: 2 }),
      // A hash already in the descriptor, a modulo and a store: a handful of instructions (estimate).
      cyclesPerPacket: readNumber(p, o, 'cyclesPerPacket', path, { min: 0, default: 4 }),
    };
  },
  outputGates: (c) => c.gates,
  create: (c) => new HashSplit(c.gates, c.cyclesPerPacket),
};
