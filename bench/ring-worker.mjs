// Producer side of bench/ring.mjs: runs in its own worker thread (one
// emulated core), pushes sequenced handles into the ring in bursts until the
// consumer raises STOP. Coordination is only through shared memory: the ring
// itself and the control words below (same indices as bench/ring.mjs).
import { workerData } from 'node:worker_threads';
import { SpscRing } from '../dist/ring/spsc-ring.js';

const CTRL_READY = 0;
const CTRL_GO = 1;
const CTRL_STOP = 2;
const CTRL_CONSUMER_PARKED = 3;
const CTRL_PRODUCER_PARKED = 4;
const CTRL_PRODUCED_LO = 5; // handles produced, low 31 bits ...
const CTRL_PRODUCED_HI = 6; // ... and the rest, so counts above 2^31 survive
const CTRL_DONE = 7;
/**
 * Consecutive failed attempts before parking (~0.3-1 ms of polling). It must
 * be well above the futex wake-up latency: with 2^12 the two threads fell
 * into a park/wake ping-pong (one fills the ring while the other wakes up,
 * then parks itself) and burst-32 throughput collapsed to ~3 M handles/s.
 */
const SPIN_LIMIT = 1 << 16;
/** Safety net only: a park never lasts longer than this even if a wake-up were lost. */
const PARK_TIMEOUT_MS = 50;

const { sab, ctrlSab, burst, timestamps } = workerData;
const ring = SpscRing.attach(sab, 0);
const ctrl = new Int32Array(ctrlSab);
const src = new Uint32Array(burst);
const srcTs = timestamps ? new Float64Array(burst) : null;

Atomics.store(ctrl, CTRL_READY, 1);
Atomics.notify(ctrl, CTRL_READY);
while (Atomics.load(ctrl, CTRL_GO) === 0) Atomics.wait(ctrl, CTRL_GO, 0);

let next = 0; // sequence number of the next handle (u32 wrap is fine: consumer compares mod 2^32)
let produced = 0;
let failures = 0;
while (Atomics.load(ctrl, CTRL_STOP) === 0) {
  // Stage the next burst, as a real producer would build its batch.
  for (let i = 0; i < burst; i++) src[i] = (next + i) >>> 0;
  if (srcTs !== null) for (let i = 0; i < burst; i++) srcTs[i] = next + i;
  const n = burst === 1 ? (ring.enqueue(next >>> 0, next) ? 1 : 0) : ring.enqueueBurst(src, srcTs, 0, burst);
  if (n > 0) {
    next += n;
    produced += n;
    failures = 0;
    // Wake the consumer if it parked (it re-checks the ring after raising the
    // flag, so either it sees our entries or we see its flag).
    if (Atomics.load(ctrl, CTRL_CONSUMER_PARKED) !== 0 && Atomics.exchange(ctrl, CTRL_CONSUMER_PARKED, 0) !== 0) {
      Atomics.notify(ctrl, CTRL_CONSUMER_PARKED);
    }
  } else if (++failures >= SPIN_LIMIT) {
    Atomics.store(ctrl, CTRL_PRODUCER_PARKED, 1);
    if (ring.freeSpace() === 0 && Atomics.load(ctrl, CTRL_STOP) === 0) {
      Atomics.wait(ctrl, CTRL_PRODUCER_PARKED, 1, PARK_TIMEOUT_MS);
    }
    Atomics.store(ctrl, CTRL_PRODUCER_PARKED, 0);
    failures = 0;
  }
}
Atomics.store(ctrl, CTRL_PRODUCED_LO, produced % 0x80000000);
Atomics.store(ctrl, CTRL_PRODUCED_HI, Math.floor(produced / 0x80000000));
Atomics.store(ctrl, CTRL_DONE, 1);
Atomics.notify(ctrl, CTRL_DONE);
