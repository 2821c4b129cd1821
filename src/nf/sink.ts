/**
 * sink: the end of a chain. Every packet it receives counts as delivered (with
 * its latency) and its buffer returns to the pool. The engine does the
 * delivery bookkeeping: a sink has no output gates and `process` is never
 * called for it (the engine core delivers what reaches it: src/engine/datapath.ts),
 * exactly like a port's TX side.
 */
import { asObject, rejectUnknownKeys, type Problems } from '../util/config-check.js';
import { ZERO_COST, type NfInstance, type NfKind } from './nf.js';

export type SinkConfig = Record<string, never>;

export const sinkKind: NfKind<SinkConfig> = {
  name: 'sink',
  help: 'consumes packets: counts them as delivered (with latency) and frees their buffers',
  gateNames: [],
  dropReasons: [],
  counters: [],
  isQueue: false,
  checkConfig(raw: unknown, path: string, p: Problems): SinkConfig {
    const o = asObject(p, raw ?? {}, path) ?? {};
    rejectUnknownKeys(p, o, [], path);
    return {};
  },
  outputGates: () => 0,
  create: (): NfInstance => ({
    cost: ZERO_COST,
    counters: new Float64Array(0),
    process: () => undefined,
  }),
};
