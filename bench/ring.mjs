// Two-thread throughput of SpscRing (src/ring/spsc-ring.ts): a worker thread
// produces sequenced handles (bench/ring-worker.mjs), this thread consumes and
// checks the sequence, over a ring of capacity 1024. Each case runs for at
// least MIN_SECONDS and MIN_HANDLES after a warm-up; median of REPEATS runs.
//
//   npm run build && node bench/ring.mjs            # all cases
//   node bench/ring.mjs --quick                     # shorter runs (smoke test)
//
// Prints one human line per case, then one JSON line:
//   {"bench":"ring","results":[{"burst":1,"timestamps":false,"handlesPerSec":...}, ...]}
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import { SpscRing } from '../dist/ring/spsc-ring.js';

// Control words shared with ring-worker.mjs (Int32 indices).
const CTRL_READY = 0;
const CTRL_GO = 1;
const CTRL_STOP = 2;
const CTRL_CONSUMER_PARKED = 3;
const CTRL_PRODUCER_PARKED = 4;
const CTRL_PRODUCED_LO = 5;
const CTRL_PRODUCED_HI = 6;
const CTRL_DONE = 7;
const CTRL_WORDS = 8;

const quick = process.argv.includes('--quick');
const MIN_SECONDS = quick ? 0.2 : 1;
const MIN_HANDLES = quick ? 1_000_000 : 10_000_000;
const RING_CAPACITY = 1024;
/** Consecutive empty polls before the consumer parks; see ring-worker.mjs for why it is this large. */
const SPIN_LIMIT = 1 << 16;
const PARK_TIMEOUT_MS = 50;
/** Handles consumed before timing starts, so both threads run optimised code. */
const WARMUP_HANDLES = 1 << 20;
const REPEATS = quick ? 1 : 3;
/** Check the wall clock once per this many handles, not per burst. */
const CLOCK_CHECK_HANDLES = 1 << 16;

const CASES = [
  { burst: 1, timestamps: false },
  { burst: 8, timestamps: false },
  { burst: 32, timestamps: false },
  { burst: 32, timestamps: true },
];

async function runCase({ burst, timestamps }) {
  const ring = SpscRing.create(RING_CAPACITY, { timestamps });
  const ctrlSab = new SharedArrayBuffer(CTRL_WORDS * 4);
  const ctrl = new Int32Array(ctrlSab);
  const worker = new Worker(new URL('./ring-worker.mjs', import.meta.url), {
    workerData: { sab: ring.sab, ctrlSab, burst, timestamps },
  });
  const exited = new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`producer exited with ${code}`))));
  });
  // Wait for the worker to load and attach without blocking the event loop.
  while (Atomics.load(ctrl, CTRL_READY) === 0) await Atomics.waitAsync(ctrl, CTRL_READY, 0, 10_000).value;

  const dst = new Uint32Array(burst);
  const dstTs = timestamps ? new Float64Array(burst) : null;
  let expected = 0; // next sequence number (u32)
  let consumed = 0;
  let nextClockCheck = WARMUP_HANDLES;
  let empties = 0;
  let parks = 0;
  let stopped = false;
  let errors = 0;
  let t0 = -1; // wall clock when timing started (after warm-up), ms
  let t1 = 0;
  let consumedAtT0 = 0;
  let measured = 0;

  Atomics.store(ctrl, CTRL_GO, 1);
  Atomics.notify(ctrl, CTRL_GO);
  for (;;) {
    let n;
    if (burst === 1) {
      const h = ring.dequeue();
      n = h < 0 ? 0 : 1;
      dst[0] = h;
    } else {
      n = ring.dequeueBurst(dst, dstTs, 0, burst);
    }
    if (n > 0) {
      for (let i = 0; i < n; i++) {
        if (dst[i] !== expected) errors++;
        expected = (expected + 1) >>> 0;
      }
      consumed += n;
      empties = 0;
      if (Atomics.load(ctrl, CTRL_PRODUCER_PARKED) !== 0 && Atomics.exchange(ctrl, CTRL_PRODUCER_PARKED, 0) !== 0) {
        Atomics.notify(ctrl, CTRL_PRODUCER_PARKED);
      }
      if (!stopped && consumed >= nextClockCheck) {
        nextClockCheck = consumed + CLOCK_CHECK_HANDLES;
        const now = performance.now();
        if (t0 < 0) {
          // End of warm-up (JIT tiers up in both threads): start timing here.
          t0 = now;
          consumedAtT0 = consumed;
          parks = 0;
        } else if (now - t0 >= MIN_SECONDS * 1000 && consumed - consumedAtT0 >= MIN_HANDLES) {
          // Throughput is measured up to here; the drain below is not timed.
          stopped = true;
          t1 = now;
          measured = consumed - consumedAtT0;
          Atomics.store(ctrl, CTRL_STOP, 1);
          Atomics.notify(ctrl, CTRL_PRODUCER_PARKED);
        }
      }
    } else if (stopped && Atomics.load(ctrl, CTRL_DONE) !== 0 && ring.isEmpty()) {
      break;
    } else if (++empties >= SPIN_LIMIT) {
      // Starved for a long time (producer descheduled): park until the
      // producer sees our flag and wakes us. Raise the flag, then re-check the
      // ring, so a concurrent enqueue is either seen here or sees the flag.
      parks++;
      Atomics.store(ctrl, CTRL_CONSUMER_PARKED, 1);
      if (ring.isEmpty() && Atomics.load(ctrl, CTRL_DONE) === 0) {
        Atomics.wait(ctrl, CTRL_CONSUMER_PARKED, 1, PARK_TIMEOUT_MS);
      }
      Atomics.store(ctrl, CTRL_CONSUMER_PARKED, 0);
      empties = 0;
    }
  }
  await exited;
  const produced = Atomics.load(ctrl, CTRL_PRODUCED_HI) * 0x80000000 + Atomics.load(ctrl, CTRL_PRODUCED_LO);
  if (errors !== 0 || produced !== consumed) {
    throw new Error(`ring bench burst ${burst}: ${errors} out-of-sequence handles, produced ${produced}, consumed ${consumed}`);
  }
  const seconds = (t1 - t0) / 1000;
  return { burst, timestamps, handles: measured, seconds, handlesPerSec: measured / seconds, consumerParks: parks };
}

const mhz = (x) => (x / 1e6).toFixed(1);
// Two spinning threads need two idle CPUs; on a busy host the numbers mean
// little (a descheduled peer turns every hand-over into a park/wake), so say
// so. Sampled over 250 ms rather than the load average, which would still
// count a bench that finished a few seconds ago.
async function idleFraction(sampleMs) {
  const sum = () => os.cpus().reduce((acc, c) => {
    const t = c.times;
    acc.idle += t.idle;
    acc.total += t.user + t.nice + t.sys + t.idle + t.irq;
    return acc;
  }, { idle: 0, total: 0 });
  const a = sum();
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  const b = sum();
  return b.total > a.total ? (b.idle - a.idle) / (b.total - a.total) : 1;
}
const idleBefore = await idleFraction(250);
if (idleBefore < 0.9) {
  console.error(`warning: CPUs only ${(idleBefore * 100).toFixed(0)}% idle before the run; results will be noisy`);
}

const results = [];
for (const c of CASES) {
  // Several runs, median reported: on a 2-vCPU VM one run can lose a large
  // slice to the hypervisor or to another process.
  const runs = [];
  for (let rep = 0; rep < REPEATS; rep++) runs.push(await runCase(c));
  runs.sort((a, b) => a.handlesPerSec - b.handlesPerSec);
  const r = runs[runs.length >> 1];
  results.push({ ...r, minHandlesPerSec: runs[0].handlesPerSec, maxHandlesPerSec: runs[runs.length - 1].handlesPerSec });
  console.log(
    `ring burst=${String(r.burst).padStart(2)} ts=${r.timestamps ? 'yes' : 'no '} ` +
      `${mhz(r.handlesPerSec).padStart(6)} M handles/s median of ${REPEATS} ` +
      `(min ${mhz(runs[0].handlesPerSec)}, max ${mhz(runs[runs.length - 1].handlesPerSec)}; ` +
      `median run ${mhz(r.handles)} M in ${r.seconds.toFixed(2)} s, consumer parked ${r.consumerParks}x)`,
  );
}
console.log(
  JSON.stringify({
    bench: 'ring',
    node: process.version,
    cpus: os.cpus().length,
    ringCapacity: RING_CAPACITY,
    idleBefore: Number(idleBefore.toFixed(2)),
    results: results.map((r) => ({
      burst: r.burst,
      timestamps: r.timestamps,
      handlesPerSec: Math.round(r.handlesPerSec),
      minHandlesPerSec: Math.round(r.minHandlesPerSec),
      maxHandlesPerSec: Math.round(r.maxHandlesPerSec),
      handles: r.handles,
      seconds: Number(r.seconds.toFixed(3)),
    })),
  }),
);
