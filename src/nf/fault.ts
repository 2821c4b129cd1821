/**
 * fault: forwards like `synthetic` with zero cost until it has seen
 * `throwAfterPackets` packets, then throws. A fault-injection aid: it lets
 * users (and our tests) check that a failing NF ends the run promptly with the
 * core, task and NF named, and that no worker thread is left behind.
 */
import { asObject, readInt, rejectUnknownKeys, type Problems } from '../util/config-check.js';
import { ZERO_COST, type NfContext, type NfInstance, type NfKind } from './nf.js';

export interface FaultConfig { throwAfterPackets: number }

class Fault implements NfInstance {
  readonly cost = ZERO_COST;
  readonly counters = new Float64Array(0);
  private seen = 0;
  constructor(private readonly config: FaultConfig) {}
  process(ctx: NfContext, handles: Uint32Array, count: number): void {
    this.seen += count;
    if (this.seen > this.config.throwAfterPackets) {
      // Deliberately breaks the "process never throws" rule: that is its job.
      throw new Error(`fault injected after ${this.config.throwAfterPackets} packets`);
    }
    ctx.emitAll(0, handles, count);
  }
}

export const faultKind: NfKind<FaultConfig> = {
  name: 'fault',
  help: 'fault injection: forwards, then throws after throwAfterPackets packets',
  gateNames: ['out'],
  dropReasons: [],
  counters: [],
  isQueue: false,
  checkConfig(raw: unknown, path: string, p: Problems): FaultConfig {
    const o = asObject(p, raw ?? {}, path) ?? {};
    rejectUnknownKeys(p, o, ['throwAfterPackets'], path);
    return { throwAfterPackets: readInt(p, o, 'throwAfterPackets', path, { min: 0, default: 0 }) };
  },
  outputGates: () => 1,
  create: (config) => new Fault(config),
};
