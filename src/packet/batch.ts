/**
 * The largest batch of packet handles a task takes, a module receives, or a
 * gate collects in one run (the engine's and the real-time core's buffers are
 * sized from it, and a scenario's `batch` may not exceed it). A power of two,
 * like BESS's kMaxBurst: 1024 covers the batch sizes the literature studies
 * (up to 256 in [SCC]'s I/O batching) with room to spare.
 */
export const MAX_BATCH = 1024;
