// Seeded random property test: random power-of-two capacities, start indices
// (including just below 2^31 and 2^32), burst sizes and interleavings of every
// producer/consumer call, checked against a plain-array model of the FIFO.
//
// - A sequence generator numbers every handle; the verifier expects exactly
//   the next number, so loss, duplication and reordering all fail at the
//   first bad entry (the message says which).
// - Canaries: destination arrays are poisoned before every dequeue; nothing
//   outside [start, start+n) may change, and dstTs must stay untouched when
//   the ring has no timestamps. Source arrays must not change either.
// - Producer and consumer are separate SpscRing objects over one SAB in half
//   the runs, so each side's cached view of the other index goes stale the way
//   it does across threads.
//
// A failure prints the seed; rerun a single case by putting it in SEEDS.
import { describe, expect, it } from 'vitest';
import { SpscRing } from '../../src/ring/spsc-ring.js';
import { mulberry32, randInt } from './prng.js';

const RUNS = 150;
const OPS_PER_RUN = 2000;
const MAX_BURST = 40;
const WINDOW = MAX_BURST + 16; // destination arrays leave room for canaries on both sides
const POISON_U32 = 0xdeadbeef;
const POISON_F64 = -7.25e300;

/** Handle for sequence number i: a bijection on u32, so distinct handles with no simple pattern. */
const handleOf = (i: number): number => Math.imul(i + 1, 0x9e3779b1) >>> 0;

interface Model {
  handles: number[];
  ts: number[];
  head: number; // index of the oldest entry in the arrays above
}
const modelCount = (m: Model): number => m.handles.length - m.head;

function startIndexFor(rand: () => number): number {
  const near = rand();
  if (near < 0.3) return 2 ** 32 - randInt(rand, 0, 4 * MAX_BURST); // crosses 2^32 (int32 -1 -> 0)
  if (near < 0.6) return 2 ** 31 - randInt(rand, 0, 4 * MAX_BURST); // crosses 2^31 (int32 sign flip)
  if (near < 0.8) return 0;
  return Math.floor(rand() * 2 ** 32);
}

/** Called before every operation; lets a test corrupt the ring to prove the checks can fail. */
type Tamper = (ring: SpscRing, op: number) => void;

function runCase(seed: number, tamper?: Tamper): void {
  const rand = mulberry32(seed);
  const capacity = 2 ** randInt(rand, 0, 10);
  const timestamps = rand() < 0.7;
  const startIndex = startIndexFor(rand);
  const producer = SpscRing.createAt(capacity, { timestamps }, startIndex);
  const consumer = rand() < 0.5 ? producer : SpscRing.attach(producer.sab, 0);
  const where = `seed ${seed} (capacity ${capacity}, timestamps ${timestamps}, start ${startIndex})`;

  const model: Model = { handles: [], ts: [], head: 0 };
  let produced = 0; // next sequence number to enqueue
  let verified = 0; // next sequence number the verifier expects
  let lastTs = 0;
  const src = new Uint32Array(WINDOW);
  const srcTs = new Float64Array(WINDOW);
  const dst = new Uint32Array(WINDOW);
  const dstTs = new Float64Array(WINDOW);

  /** Timestamps mostly rise, sometimes repeat, sometimes fall: dequeueUntil must still keep FIFO order. */
  const nextTs = (): number => {
    const r = rand();
    lastTs = r < 0.15 ? lastTs : r < 0.25 ? lastTs - randInt(rand, 1, 5) : lastTs + randInt(rand, 1, 3);
    return lastTs;
  };

  const verify = (handle: number, ts: number | null, op: string): void => {
    if (handle !== handleOf(verified)) {
      // Find which sequence number arrived, to name the failure.
      let got = -1;
      for (let i = Math.max(0, verified - 4 * capacity); i < produced; i++) if (handleOf(i) === handle) got = i;
      const kind = got < 0 ? 'garbage' : got < verified ? 'duplicate' : 'loss or reorder';
      throw new Error(`${where}: ${op} returned seq ${got}, expected ${verified} (${kind})`);
    }
    const expectedTs = model.ts[model.head]!;
    if (ts !== null && !Object.is(ts, expectedTs)) {
      throw new Error(`${where}: ${op} seq ${verified} ts ${ts}, expected ${expectedTs}`);
    }
    verified++;
    model.head++;
  };

  const poison = (): void => {
    dst.fill(POISON_U32);
    dstTs.fill(POISON_F64);
  };
  const checkCanaries = (start: number, n: number, tsWritten: boolean, op: string): void => {
    for (let i = 0; i < WINDOW; i++) {
      const inside = i >= start && i < start + n;
      if (!inside && dst[i] !== POISON_U32) throw new Error(`${where}: ${op} wrote dst[${i}] outside [${start}, ${start + n})`);
      if ((!inside || !tsWritten) && dstTs[i] !== POISON_F64) {
        throw new Error(`${where}: ${op} wrote dstTs[${i}] (window [${start}, ${start + n}), ts written: ${tsWritten})`);
      }
    }
  };

  for (let op = 0; op < OPS_PER_RUN; op++) {
    if (tamper !== undefined) tamper(producer, op);
    const free = capacity - modelCount(model);
    const used = modelCount(model);
    const n = randInt(rand, 0, Math.min(MAX_BURST, 2 * capacity + 1));
    const start = randInt(rand, 0, WINDOW - Math.max(n, 1)); // single enqueue reads src[start] even when n = 0
    const useTs = rand() < 0.8;
    const pick = rand();

    if (pick < 0.45) {
      // ---- producer
      for (let i = 0; i < Math.max(n, 1); i++) {
        src[start + i] = handleOf(produced + i);
        srcTs[start + i] = nextTs();
      }
      const srcBefore = src.slice();
      const srcTsBefore = srcTs.slice();
      const kind = rand();
      let accepted: number;
      let expected: number;
      let name: string;
      let singleTs = 0;
      if (kind < 0.2) {
        name = 'enqueue';
        singleTs = useTs ? srcTs[start]! : -1; // any value: the ts argument is not optional
        accepted = producer.enqueue(src[start]!, singleTs) ? 1 : 0;
        expected = free > 0 ? 1 : 0;
      } else if (kind < 0.6) {
        name = 'enqueueBurst';
        accepted = producer.enqueueBurst(src, useTs ? srcTs : null, start, n);
        expected = Math.min(n, free);
      } else {
        name = 'enqueueBulk';
        accepted = producer.enqueueBulk(src, useTs ? srcTs : null, start, n);
        expected = n <= free ? n : 0;
      }
      if (accepted !== expected) throw new Error(`${where}: ${name}(${n}) with ${free} free returned ${accepted}, expected ${expected}`);
      for (let i = 0; i < accepted; i++) {
        model.handles.push(src[start + i]!);
        // Contract: no timestamps -> nothing stored (model keeps 0, never compared); srcTs null -> 0.
        model.ts.push(!timestamps ? 0 : name === 'enqueue' ? singleTs : useTs ? srcTs[start + i]! : 0);
      }
      for (let i = 0; i < WINDOW; i++) {
        if (src[i] !== srcBefore[i] || !Object.is(srcTs[i], srcTsBefore[i])) throw new Error(`${where}: ${name} modified its source at ${i}`);
      }
      produced += accepted;
    } else if (pick < 0.9) {
      // ---- consumer
      poison();
      const kind = rand();
      const ts = useTs ? dstTs : null;
      let got: number;
      let expected: number;
      let name: string;
      let maxTs = 0;
      if (kind < 0.15) {
        name = 'dequeue';
        const h = consumer.dequeue();
        if (used === 0) {
          if (h !== -1) throw new Error(`${where}: dequeue on empty returned ${h}`);
        } else verify(h, null, name);
        continue;
      } else if (kind < 0.45) {
        name = 'dequeueBurst';
        got = consumer.dequeueBurst(dst, ts, start, n);
        expected = Math.min(n, used);
      } else if (kind < 0.7) {
        name = 'dequeueBulk';
        got = consumer.dequeueBulk(dst, ts, start, n);
        expected = n <= used ? n : 0;
      } else {
        name = 'dequeueUntil';
        if (!timestamps) {
          expect(() => consumer.dequeueUntil(dst, ts, start, n, 0)).toThrow(/timestamps/);
          checkCanaries(start, 0, false, name);
          continue;
        }
        // Pick maxTs around the entries present, sometimes exactly equal to one of them.
        const probe = model.head + randInt(rand, 0, Math.max(0, used));
        maxTs = probe < model.ts.length ? model.ts[probe]! + (rand() < 0.5 ? 0 : -0.5) : lastTs + 1;
        got = consumer.dequeueUntil(dst, ts, start, n, maxTs);
        expected = 0;
        while (expected < Math.min(n, used) && model.ts[model.head + expected]! <= maxTs) expected++;
      }
      if (got !== expected) throw new Error(`${where}: ${name}(${n}) with ${used} queued returned ${got}, expected ${expected} (maxTs ${maxTs})`);
      const tsWritten = timestamps && useTs;
      checkCanaries(start, got, tsWritten, name);
      for (let i = 0; i < got; i++) verify(dst[start + i]!, tsWritten ? dstTs[start + i]! : null, name);
    } else {
      // ---- observers: must agree with the model and change nothing
      const peekH = consumer.peekHandle();
      if (peekH !== (used === 0 ? -1 : model.handles[model.head]!)) throw new Error(`${where}: peekHandle ${peekH}`);
      if (timestamps) {
        const peekT = consumer.peekTs();
        if (!Object.is(peekT, used === 0 ? Infinity : model.ts[model.head]!)) throw new Error(`${where}: peekTs ${peekT}`);
      }
    }

    const count = modelCount(model);
    if (consumer.count() !== count) throw new Error(`${where}: consumer count() ${consumer.count()}, model ${count}`);
    if (producer.freeSpace() !== capacity - count) throw new Error(`${where}: freeSpace() ${producer.freeSpace()}, model ${capacity - count}`);
    if (consumer.isEmpty() !== (count === 0)) throw new Error(`${where}: isEmpty() disagrees with model (${count})`);
    if (producer.producerIndex() !== (startIndex + produced) % 2 ** 32) throw new Error(`${where}: producerIndex() ${producer.producerIndex()}`);
    if (consumer.consumerIndex() !== (startIndex + verified) % 2 ** 32) throw new Error(`${where}: consumerIndex() ${consumer.consumerIndex()}`);
  }

  // Drain: everything produced comes out exactly once, in order.
  poison();
  let n: number;
  while ((n = consumer.dequeueBurst(dst, dstTs, 0, WINDOW)) > 0) {
    for (let i = 0; i < n; i++) verify(dst[i]!, timestamps ? dstTs[i]! : null, 'drain');
  }
  if (verified !== produced) throw new Error(`${where}: drained ${verified} of ${produced}`);
}

describe('SpscRing seeded random operations against a FIFO model', () => {
  it(`${RUNS} seeds x ${OPS_PER_RUN} ops: no loss, duplication, reordering or stray writes`, () => {
    for (let seed = 1; seed <= RUNS; seed++) runCase(seed);
  });

  // The checks above are only worth something if they can fail: corrupt the
  // ring behind its back in three ways and require each to be reported.
  const oldestSlots = (ring: SpscRing): Uint32Array => new Uint32Array(ring.sab, ring.byteOffset + 128, ring.capacity);
  it.each<[string, RegExp, Tamper]>([
    [
      'a duplicated entry',
      /duplicate/,
      (ring) => {
        // Replace the second-oldest handle with a copy of the oldest.
        if (ring.count() < 2) return;
        const slots = oldestSlots(ring);
        const c = ring.consumerIndex();
        slots[(c + 1) & ring.mask] = slots[c & ring.mask]!;
      },
    ],
    [
      'swapped (reordered) entries',
      /loss or reorder/,
      (ring) => {
        if (ring.count() < 2) return;
        const slots = oldestSlots(ring);
        const c = ring.consumerIndex();
        const a = c & ring.mask;
        const b = (c + 1) & ring.mask;
        [slots[a], slots[b]] = [slots[b]!, slots[a]!];
      },
    ],
    [
      'a lost entry (consumer index skipped ahead)',
      /loss or reorder/,
      (ring, op) => {
        if (op !== 1500 || ring.count() < 1) return;
        const header = new Int32Array(ring.sab, ring.byteOffset, 32);
        Atomics.add(header, 16, 1);
      },
    ],
  ])('detects %s', (_what, classified, tamper) => {
    // Whichever check trips first (peek, count, verifier, ...) is fine, but it
    // must be one of ours, most runs must trip, and the verifier must classify
    // the corruption correctly at least once.
    const messages: string[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      try {
        runCase(seed, tamper);
      } catch (error) {
        messages.push(String(error));
      }
    }
    for (const m of messages) expect(m).toMatch(/^Error: seed \d+ /);
    expect(messages.length).toBeGreaterThanOrEqual(15); // a capacity-1 run never holds 2 entries
    expect(messages.some((m) => classified.test(m))).toBe(true);
  });
});
