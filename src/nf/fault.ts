/**
 * fault: forwards like `synthetic` with zero cost, and misbehaves on request:
 *  - `throwAfterPackets: N` — throws once it has seen more than N packets. It
 *    lets users (and our tests) check that a failing NF ends the run promptly
 *    with the core, task and NF named, and that no worker thread is left behind.
 *  - `spinAfterPackets: N` — once it has seen more than N packets, every batch
 *    runs `spinCycles` cycles (default 1e12: it never yields), to exercise a
 *    scheduler's timeout.
 */
import { asObject, readInt, readNumber, rejectUnknownKeys, type Problems } from '../util/config-check.js';
import { ZERO_COST, type NfContext, type NfInstance, type NfKind } from './nf.js';

export interface FaultConfig { throwAfterPackets: number; spinAfterPackets: number; spinCycles: number }

class Fault implements NfInstance {
  readonly cost = ZERO_COST;
  readonly counters = new Float64Array(0);
  private seen = 0;
  constructor(private readonly config: FaultConfig) {}
  process(ctx: NfContext, handles: Uint32Array, count: number): void {
    this.seen += count;
    const c = this.config;
    if (c.spinAfterPackets >= 0 && this.seen > c.spinAfterPackets) ctx.chargeCycles(c.spinCycles);
    if (c.throwAfterPackets >= 0 && this.seen > c.throwAfterPackets) {
      // Deliberately breaks the "process never throws" rule: that is its job.
      throw new Error(`fault injected after ${this.config.throwAfterPackets} packets`);
    }
    ctx.emitAll(0, handles, count);
  }
}

export const faultKind: NfKind<FaultConfig> = {
  name: 'fault',
  help: 'fault injection: forwards, then throws after throwAfterPackets packets or spins (never yields) after spinAfterPackets',
  gateNames: ['out'],
  dropReasons: [],
  counters: [],
  isQueue: false,
  checkConfig(raw: unknown, path: string, p: Problems): FaultConfig {
    const o = asObject(p, raw ?? {}, path) ?? {};
    rejectUnknownKeys(p, o, ['throwAfterPackets', 'spinAfterPackets', 'spinCycles'], path);
    const spinning = o['spinAfterPackets'] !== undefined;
    return {
      // Without either option it throws at once, as it always did.
      throwAfterPackets: readInt(p, o, 'throwAfterPackets', path, { min: 0, default: spinning ? -1 : 0 }),
      spinAfterPackets: readInt(p, o, 'spinAfterPackets', path, { min: 0, default: -1 }),
      spinCycles: readNumber(p, o, 'spinCycles', path, { min: 1, default: 1e12 }),
    };
  },
  outputGates: () => 1,
  create: (config) => new Fault(config),
};
