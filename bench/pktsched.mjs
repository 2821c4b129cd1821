// Single-thread throughput of the packet schedulers (src/pktsched/): how many
// enqueue + dequeue pairs per second each sustains with 1 000 and 20 000
// packets buffered. Ranks are iid uniform integers 0..99 (the microbenchmark
// rank model of the [SP-PIFO] and [AIFO] evaluations), precomputed from a
// seeded Prng so the timed loop only calls the scheduler. No inversion meter.
//
//   npm run build && node bench/pktsched.mjs     # 3 runs per case, each >= 0.5 s
//   node bench/pktsched.mjs --quick              # 1 run per case, >= 0.1 s (smoke test)
//
// Each pair offers one packet, then dequeues one, so occupancy stays at the
// target. Capacities leave room for the target + 1, so FIFO, strict priority,
// PIFO and SP-PIFO never drop. AIFO gets C = 2N and k = 0.5 so its headroom
// rule admits everything (the window is still sampled on every arrival).
// PACKS (k = 0.1) refuses a few high ranks; a refused packet is offered again
// with the next rank, counted in refusedPerPair, and the pair is counted once.
//
// Prints one human line per case, then one JSON line:
//   {"bench":"pktsched","loadavg1":...,"results":[{"scheduler":"pifo","queued":1000,"pairsPerSec":...}, ...]}
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  AifoScheduler,
  FifoScheduler,
  PacksScheduler,
  PifoScheduler,
  SpPifoScheduler,
  StrictPriorityScheduler,
} from '../dist/pktsched/index.js';
import { Prng } from '../dist/util/prng.js';

const quick = process.argv.includes('--quick');
const MIN_SECONDS = quick ? 0.1 : 0.5;
const REPEATS = quick ? 1 : 3;
/** Pairs between wall-clock checks. */
const CHUNK = 4096;
const RANK_COUNT = 1 << 16;
const RANK_MASK = RANK_COUNT - 1;
const QUEUED = [1000, 20000];

const SCHEDULERS = {
  fifo: (n) => new FifoScheduler({ capacity: n + 1 }),
  'strict-priority': (n) => new StrictPriorityScheduler({ queues: 8, perQueueCapacity: n + 1 }),
  pifo: (n) => new PifoScheduler({ capacity: n + 1 }),
  'sp-pifo': (n) => new SpPifoScheduler({ queues: 8, perQueueCapacity: n + 1 }),
  aifo: (n) => new AifoScheduler({ capacity: 2 * n, windowSize: 20, sampleEvery: 1, burstAllowance: 0.5 }),
  packs: (n) => new PacksScheduler({ queues: 8, perQueueCapacity: n + 1, windowSize: 20, sampleEvery: 1, burstAllowance: 0.1 }),
};

const ranks = new Float64Array(RANK_COUNT);
{
  const prng = new Prng(1);
  for (let i = 0; i < RANK_COUNT; i++) ranks[i] = prng.nextInt(100);
}

function runOnce(name, n) {
  const s = SCHEDULERS[name](n);
  let ri = 0;
  for (let h = 0; h < n; h++) {
    while (s.enqueue(h, ranks[ri++ & RANK_MASK], 0) === h);
  }
  if (s.length !== n) throw new Error(`${name}: prefill reached ${s.length} of ${n}`);
  let spare = n; // the handle outside the scheduler
  let pairs = 0;
  let refused = 0;
  const warmEnd = performance.now() + MIN_SECONDS * 200; // 20 % of the run, in ms
  let t0 = -1;
  let pairsAtT0 = 0;
  for (;;) {
    for (let i = 0; i < CHUNK; i++) {
      while (s.enqueue(spare, ranks[ri++ & RANK_MASK], 0) === spare) refused++;
      spare = s.dequeue();
    }
    pairs += CHUNK;
    const now = performance.now();
    if (t0 < 0) {
      if (now >= warmEnd) {
        t0 = now;
        pairsAtT0 = pairs;
        refused = 0;
      }
    } else if (now - t0 >= MIN_SECONDS * 1000) {
      const measured = pairs - pairsAtT0;
      if (s.length !== n) throw new Error(`${name}: occupancy drifted to ${s.length}`);
      return { pairsPerSec: (measured * 1000) / (now - t0), refusedPerPair: refused / measured };
    }
  }
}

const loadavg1 = os.loadavg()[0];
if (loadavg1 > os.cpus().length * 0.5) console.error(`warning: load average ${loadavg1.toFixed(2)} on ${os.cpus().length} CPUs; results will be noisy`);

const results = [];
for (const name of Object.keys(SCHEDULERS)) {
  for (const n of QUEUED) {
    const runs = [];
    let refusedPerPair = 0;
    for (let r = 0; r < REPEATS; r++) {
      const o = runOnce(name, n);
      runs.push(o.pairsPerSec);
      refusedPerPair = o.refusedPerPair;
    }
    runs.sort((a, b) => a - b);
    const median = runs[runs.length >> 1];
    const m = (x) => (x / 1e6).toFixed(2);
    console.log(
      `${name.padEnd(16)} queued ${String(n).padStart(5)}: ${m(median).padStart(6)} M pairs/s (min ${m(runs[0])}, max ${m(runs[runs.length - 1])}` +
        `${refusedPerPair > 0 ? `, ${refusedPerPair.toFixed(3)} refused per pair` : ''})`,
    );
    results.push({
      scheduler: name,
      queued: n,
      pairsPerSec: Math.round(median),
      minPairsPerSec: Math.round(runs[0]),
      maxPairsPerSec: Math.round(runs[runs.length - 1]),
      refusedPerPair: Number(refusedPerPair.toFixed(4)),
    });
  }
}
console.log(JSON.stringify({ bench: 'pktsched', quick, repeats: REPEATS, loadavg1: Number(loadavg1.toFixed(2)), node: process.version, results }));
