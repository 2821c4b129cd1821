/**
 * Programmable packet schedulers (a pure library: no engine, no Node APIs).
 * See docs/pktsched.md for what each scheduler does and the metric
 * definitions. The QVISOR pre-processor (src/pktsched/qvisor/) builds on
 * these exports.
 */

export {
  DROP_REASON_COUNT,
  DROP_REASON_NAMES,
  DropReason,
  EMPTY,
  ENQUEUE_ACCEPTED,
  NO_DROP,
  SchedStats,
  type PacketScheduler,
} from './scheduler.js';
export { InversionMeter } from './inversion-meter.js';
export { MAX_QUEUES, QueueBank } from './queue-bank.js';
export { RankWindow } from './rank-window.js';
export { FifoScheduler, type FifoOptions } from './fifo.js';
export { StrictPriorityScheduler, type StrictPriorityOptions } from './strict-priority.js';
export { PifoScheduler, type PifoOptions, type PifoOverflow } from './pifo.js';
export { SpPifoScheduler, type SpPifoOptions } from './sp-pifo.js';
export { AifoScheduler, type AifoOptions } from './aifo.js';
export { PacksScheduler, type PacksOptions } from './packs.js';
export { PfabricRank } from './rank-pfabric.js';
export { EdfSlackRank } from './rank-edf.js';
export { StfqRank } from './rank-stfq.js';
export { FlowPriorityRank, fifoArrivalRank } from './rank-basic.js';
export {
  DATA_MINING_ALBERT,
  DATA_MINING_BYTES,
  DATA_MINING_LOWER_BOUND,
  DATA_MINING_PACKETS,
  DATA_MINING_PACKETS_TRUNCATED,
  DATA_MINING_PAYLOAD_BYTES,
  DATA_MINING_UPPER_BOUND,
  FLOW_SIZE_TABLES,
  FlowSizeDistribution,
  WEB_SEARCH_BYTES,
  type FlowSizeShape,
  type FlowSizeTable,
} from './flow-size.js';
