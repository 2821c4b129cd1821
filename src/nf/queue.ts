/**
 * queue: the boundary between tasks (as in BESS, a pipeline split is "put a
 * Queue here and drain it from another core"). Packets pushed into it travel
 * through a SharedArrayBuffer ring to the core that runs the queue's drain
 * task. The engine implements it; this entry carries its config and help.
 *
 * whenFull:
 *   drop          tail drop in virtual time: a packet arriving when `size`
 *                 packets already wait is dropped (`queue_full`). Capacity is
 *                 shared by all producers.
 *   backpressure  the producer core stalls (in virtual time) until the
 *                 consumer frees a slot, like a DPDK stage that retries
 *                 rte_ring_enqueue. Capacity is per producer (one SPSC ring
 *                 each, as with per-lcore rings).
 */
import { asObject, readInt, readString, rejectUnknownKeys, type Problems } from '../util/config-check.js';
import { ZERO_COST, type NfKind } from './nf.js';

export interface QueueConfig { size: number; whenFull: 'drop' | 'backpressure' }

export const queueKind: NfKind<QueueConfig> = {
  name: 'queue',
  help: 'task boundary: a ring to the core that drains it; whenFull: drop | backpressure',
  gateNames: ['out'],
  dropReasons: ['queue_full'],
  counters: [],
  isQueue: true,
  checkConfig(raw: unknown, path: string, p: Problems): QueueConfig {
    const o = asObject(p, raw ?? {}, path) ?? {};
    rejectUnknownKeys(p, o, ['size', 'whenFull'], path);
    return {
      size: readInt(p, o, 'size', path, { min: 1, max: 1 << 20, default: 1024 }),
      whenFull: readString(p, o, 'whenFull', path, { default: 'drop', oneOf: ['drop', 'backpressure'] }) as QueueConfig['whenFull'],
    };
  },
  outputGates: () => 1,
  create: () => {
    // The engine never instantiates a queue as an NF; reaching here is a bug.
    return { cost: ZERO_COST, counters: new Float64Array(0), process: () => undefined };
  },
};
