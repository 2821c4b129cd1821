// Real two-thread tests: one side of the ring runs in a worker thread
// (fixtures/ring-peer.mjs, over the compiled dist/ ring), the other side in
// this thread (over src/). Both check a 2,000,000-entry sequence with
// timestamps, in random burst sizes and with every enqueue/dequeue flavour.
// Coordination is only through the ring and an Int32Array of control words;
// parking uses Atomics.wait/notify, never sleeps.
//
// Needs `npx tsc -p tsconfig.build.json` first (`npm test` builds before vitest).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SpscRing } from '../../src/ring/spsc-ring.js';
import { mulberry32 } from './prng.js';

// Control words: same indices as fixtures/ring-peer.mjs.
const CTRL_READY = 0;
const CTRL_CONSUMER_PARKED = 1;
const CTRL_PRODUCER_PARKED = 2;
const CTRL_DONE = 3;
const CTRL_COUNT = 4;
const CTRL_ERRORS = 5;
const CTRL_FIRST_BAD = 6;
const CTRL_CHECKSUM = 7;
const CTRL_WORDS = 8;

const TOTAL = 2_000_000;
const MAX_BURST = 64;
/**
 * Failed attempts before parking. Short on purpose: vitest may run another
 * test file on the second vCPU, and a long spin would then steal the CPU the
 * peer needs (the test checks correctness, not throughput).
 */
const SPIN_LIMIT = 1 << 10;
const STUCK_MS = 20_000;
const PARK_SLICE_MS = 100;

const FIXTURE = new URL('./fixtures/ring-peer.mjs', import.meta.url);
const COMPILED_RING = new URL('../../dist/ring/spsc-ring.js', import.meta.url);

// Same sequence as the fixture: an odd multiplier is a bijection on u32.
const handleOf = (i: number): number => Math.imul(i, 0x9e3779b1) >>> 0;
const tsOf = (i: number): number => i * 0.5 + 1;

/** Node 20 has Atomics.waitAsync (V8 >= 8.7), but lib ES2022 does not declare it. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(view: Int32Array, index: number, value: number, timeoutMs: number): { value: Promise<string> | string };
  }
).waitAsync;

interface Peer {
  worker: Worker;
  ctrl: Int32Array;
  exited: Promise<void>;
}

let live: Worker | null = null;
afterEach(async () => {
  // A failed assertion can leave the worker blocked on the ring; do not leak it.
  if (live !== null) await live.terminate();
  live = null;
});

beforeAll(() => {
  if (!existsSync(fileURLToPath(COMPILED_RING))) {
    throw new Error('dist/ring/spsc-ring.js is missing: run `npx tsc -p tsconfig.build.json` (npm test does) before this test');
  }
});

async function startPeer(ring: SpscRing, role: 'produce' | 'consume', seed: number): Promise<Peer> {
  const ctrl = new Int32Array(new SharedArrayBuffer(CTRL_WORDS * 4));
  const worker = new Worker(FIXTURE, {
    workerData: { sab: ring.sab, byteOffset: ring.byteOffset, ctrlSab: ctrl.buffer, role, total: TOTAL, seed, spinLimit: SPIN_LIMIT },
  });
  live = worker;
  const exited = new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ring-peer exited with code ${code}`))));
  });
  // Wait for READY without blocking this thread's event loop (worker errors stay observable).
  const ready = (async () => {
    while (Atomics.load(ctrl, CTRL_READY) === 0) await waitAsync(ctrl, CTRL_READY, 0, 1000).value;
  })();
  await Promise.race([ready, exited]);
  return { worker, ctrl, exited };
}

function wake(ctrl: Int32Array, word: number): void {
  if (Atomics.load(ctrl, word) !== 0 && Atomics.exchange(ctrl, word, 0) !== 0) Atomics.notify(ctrl, word);
}

/** Eventcount park: raise the flag, re-check, wait only if still starved. Throws instead of hanging. */
function park(ctrl: Int32Array, word: number, starved: () => boolean, since: number, what: string): void {
  Atomics.store(ctrl, word, 1);
  if (starved()) Atomics.wait(ctrl, word, 1, PARK_SLICE_MS);
  Atomics.store(ctrl, word, 0);
  if (starved() && performance.now() - since > STUCK_MS) {
    throw new Error(`${what}: no progress for ${STUCK_MS} ms (peer stuck or dead)`);
  }
}

describe('SpscRing across two threads', () => {
  it('worker produces 2M sequenced, timestamped handles; this thread consumes and verifies each', async () => {
    // Start just below 2^32 so the indices also wrap while both threads run.
    const ring = SpscRing.createAt(256, { timestamps: true }, 0x1_0000_0000 - 1_000_000);
    const peer = await startPeer(ring, 'produce', 0xc0ffee);
    const rand = mulberry32(12345);
    const dst = new Uint32Array(MAX_BURST);
    const dstTs = new Float64Array(MAX_BURST);
    let seen = 0;
    let errors = 0;
    let firstBad = -1;
    let fails = 0;
    let lastProgress = 0;
    const empty = (): boolean => ring.isEmpty();
    while (seen < TOTAL) {
      const want = 1 + Math.floor(rand() * MAX_BURST);
      const pick = rand();
      let n: number;
      if (pick < 0.1) {
        const ts = ring.peekTs();
        if (ts === Infinity) n = 0;
        else {
          const peeked = ring.peekHandle();
          const h = ring.dequeue();
          n = 1;
          dst[0] = h === peeked ? h : ~h >>> 0;
          dstTs[0] = ts;
        }
      } else if (pick < 0.3) n = ring.dequeueBulk(dst, dstTs, 0, want);
      else if (pick < 0.5) n = ring.dequeueUntil(dst, dstTs, 0, want, tsOf(seen + Math.floor(rand() * 2 * MAX_BURST)));
      else n = ring.dequeueBurst(dst, dstTs, 0, want);
      if (n > 0) {
        for (let k = 0; k < n; k++) {
          const i = seen + k;
          if (dst[k] !== handleOf(i) || dstTs[k] !== tsOf(i)) {
            errors++;
            if (firstBad < 0) firstBad = i;
          }
        }
        seen += n;
        fails = 0;
        wake(peer.ctrl, CTRL_PRODUCER_PARKED);
      } else if (++fails >= SPIN_LIMIT) {
        if (fails === SPIN_LIMIT) lastProgress = performance.now();
        park(peer.ctrl, CTRL_CONSUMER_PARKED, empty, lastProgress, 'consumer (test thread)');
      }
    }
    await peer.exited;
    expect({ errors, firstBad }).toEqual({ errors: 0, firstBad: -1 });
    expect(seen).toBe(TOTAL);
    expect(Atomics.load(peer.ctrl, CTRL_COUNT)).toBe(TOTAL);
    expect(Atomics.load(peer.ctrl, CTRL_DONE)).toBe(1);
    expect(ring.isEmpty()).toBe(true);
    expect(ring.consumerIndex()).toBe((0x1_0000_0000 - 1_000_000 + TOTAL) >>> 0);
  });

  it('this thread produces 2M sequenced, timestamped handles; worker consumes and reports a checksum', async () => {
    const ring = SpscRing.createAt(256, { timestamps: true }, 0x8000_0000 - 1_000_000); // crosses 2^31
    const peer = await startPeer(ring, 'consume', 0xbeef);
    const rand = mulberry32(67890);
    const src = new Uint32Array(MAX_BURST);
    const srcTs = new Float64Array(MAX_BURST);
    let next = 0;
    let fails = 0;
    let lastProgress = 0;
    const full = (): boolean => ring.freeSpace() === 0;
    while (next < TOTAL) {
      const want = Math.min(1 + Math.floor(rand() * MAX_BURST), TOTAL - next);
      for (let k = 0; k < want; k++) {
        src[k] = handleOf(next + k);
        srcTs[k] = tsOf(next + k);
      }
      const pick = rand();
      let n: number;
      if (pick < 0.1) n = ring.enqueue(src[0]!, srcTs[0]!) ? 1 : 0;
      else if (pick < 0.4) n = ring.enqueueBulk(src, srcTs, 0, want);
      else n = ring.enqueueBurst(src, srcTs, 0, want);
      if (n > 0) {
        next += n;
        fails = 0;
        wake(peer.ctrl, CTRL_CONSUMER_PARKED);
      } else if (++fails >= SPIN_LIMIT) {
        if (fails === SPIN_LIMIT) lastProgress = performance.now();
        park(peer.ctrl, CTRL_PRODUCER_PARKED, full, lastProgress, 'producer (test thread)');
      }
    }
    await peer.exited;

    // Same order-sensitive FNV-style checksum as the fixture, over the expected sequence.
    let checksum = 0x811c9dc5;
    for (let i = 0; i < TOTAL; i++) {
      checksum = Math.imul(checksum ^ handleOf(i), 0x01000193);
      checksum = Math.imul(checksum ^ (tsOf(i) * 2), 0x01000193);
    }
    expect({
      count: Atomics.load(peer.ctrl, CTRL_COUNT),
      errors: Atomics.load(peer.ctrl, CTRL_ERRORS),
      firstBad: Atomics.load(peer.ctrl, CTRL_FIRST_BAD),
      checksum: Atomics.load(peer.ctrl, CTRL_CHECKSUM),
    }).toEqual({ count: TOTAL, errors: 0, firstBad: -1, checksum });
    expect(ring.freeSpace()).toBe(256);
  });
});
