/**
 * synthetic: forwards every packet unchanged out of gate 0 and costs exactly
 * what its config says (cycles per batch + per packet + per byte). It exists to
 * check the engine's time arithmetic against closed-form expectations and to
 * stand in for NFs whose cost is known but whose logic does not matter.
 */
import { asObject, readNumber, rejectUnknownKeys, type Problems } from '../util/config-check.js';
import type { NfContext, NfCost, NfInstance, NfKind } from './nf.js';

export interface SyntheticConfig extends NfCost {}

const KEYS = ['cyclesPerBatch', 'cyclesPerPacket', 'cyclesPerByte'] as const;

class Synthetic implements NfInstance {
  readonly counters = new Float64Array(0);
  constructor(readonly cost: NfCost) {}
  /** HOT: one hand-over of the whole batch. */
  process(ctx: NfContext, handles: Uint32Array, count: number): void {
    ctx.emitAll(0, handles, count);
  }
}

export const syntheticKind: NfKind<SyntheticConfig> = {
  name: 'synthetic',
  help: 'forwards unchanged; costs cyclesPerBatch + cyclesPerPacket*n + cyclesPerByte*bytes',
  gateNames: ['out'],
  dropReasons: [],
  counters: [],
  isQueue: false,
  checkConfig(raw: unknown, path: string, p: Problems): SyntheticConfig {
    const o = asObject(p, raw ?? {}, path) ?? {};
    rejectUnknownKeys(p, o, KEYS, path);
    return {
      cyclesPerBatch: readNumber(p, o, 'cyclesPerBatch', path, { min: 0, default: 0 }),
      cyclesPerPacket: readNumber(p, o, 'cyclesPerPacket', path, { min: 0, default: 0 }),
      cyclesPerByte: readNumber(p, o, 'cyclesPerByte', path, { min: 0, default: 0 }),
    };
  },
  outputGates: () => 1,
  create: (config) => new Synthetic({ ...config }),
};
