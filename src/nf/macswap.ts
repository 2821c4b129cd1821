/**
 * macswap: the classic DPDK "macswap" forwarding mode — exchange the Ethernet
 * source and destination addresses and send the frame back out of gate 0.
 * Frames shorter than an Ethernet header are dropped as `truncated_ethernet`.
 */
import { asObject, readNumber, rejectUnknownKeys, type Problems } from '../util/config-check.js';
import type { NfContext, NfCost, NfInstance, NfKind } from './nf.js';

export interface MacSwapConfig { cyclesPerPacket: number }

const ETH_HEADER_BYTES = 14;

class MacSwap implements NfInstance {
  readonly counters = new Float64Array(0);
  readonly cost: NfCost;
  constructor(config: MacSwapConfig, private readonly truncatedId: number) {
    this.cost = { cyclesPerBatch: 0, cyclesPerPacket: config.cyclesPerPacket, cyclesPerByte: 0 };
  }
  /** HOT */
  process(ctx: NfContext, handles: Uint32Array, count: number): void {
    const pool = ctx.pool;
    const bytes = pool.bytes;
    for (let i = 0; i < count; i++) {
      const h = handles[i]!;
      if (pool.lenBytes[h]! < ETH_HEADER_BYTES) {
        ctx.drop(h, this.truncatedId);
        continue;
      }
      ctx.readPacket(h, 0, 12);
      ctx.writePacket(h, 0, 12);
      const off = pool.frameOffset(h);
      for (let b = 0; b < 6; b++) {
        const t = bytes[off + b]!;
        bytes[off + b] = bytes[off + 6 + b]!;
        bytes[off + 6 + b] = t;
      }
      ctx.emit(0, h);
    }
  }
}

export const macSwapKind: NfKind<MacSwapConfig> = {
  name: 'macswap',
  help: 'swaps Ethernet source and destination MAC addresses (DPDK testpmd macswap)',
  gateNames: ['out'],
  dropReasons: ['truncated_ethernet'],
  counters: [],
  isQueue: false,
  checkConfig(raw: unknown, path: string, p: Problems): MacSwapConfig {
    const o = asObject(p, raw ?? {}, path) ?? {};
    rejectUnknownKeys(p, o, ['cyclesPerPacket'], path);
    return { cyclesPerPacket: readNumber(p, o, 'cyclesPerPacket', path, { min: 0, default: 0 }) };
  },
  outputGates: () => 1,
  create: (config, env) => new MacSwap(config, env.dropReason('truncated_ethernet')),
};
