// Unit tests for SpscRing, single-threaded: every behaviour in the contract
// at the top of src/ring/spsc-ring.ts, step by step.
import { describe, expect, it } from 'vitest';
import { SpscRing } from '../../src/ring/spsc-ring.js';

const POISON_U32 = 0xdeadbeef;
const POISON_F64 = -7.25e300;

function filled(ring: SpscRing, handles: number[], ts?: number[]): void {
  for (let i = 0; i < handles.length; i++) {
    expect(ring.enqueue(handles[i]!, ts === undefined ? 0 : ts[i]!)).toBe(true);
  }
}

function drain(ring: SpscRing): number[] {
  const out: number[] = [];
  for (let h = ring.dequeue(); h !== -1; h = ring.dequeue()) out.push(h);
  return out;
}

describe('SpscRing sizing and validation', () => {
  it('bytesFor: 128-byte header, then handles, then 64-aligned timestamps; always a multiple of 64', () => {
    expect(SpscRing.bytesFor(1, false)).toBe(192); // 128 + 4 -> 192
    expect(SpscRing.bytesFor(1, true)).toBe(256); // ts at 192, +8 -> 256
    expect(SpscRing.bytesFor(1024, false)).toBe(128 + 4096);
    expect(SpscRing.bytesFor(1024, true)).toBe(128 + 4096 + 8192);
    for (let shift = 0; shift <= 24; shift++) {
      expect(SpscRing.bytesFor(2 ** shift, true) % 64).toBe(0);
      expect(SpscRing.bytesFor(2 ** shift, false) % 64).toBe(0);
    }
  });

  it.each([0, 3, 6, 1000, -1, -4, 1.5, 2 ** 25, 2 ** 31, NaN, Infinity])('capacity %s throws a RangeError naming it', (bad) => {
    expect(() => SpscRing.create(bad)).toThrow(RangeError);
    expect(() => SpscRing.create(bad)).toThrow(String(bad));
    expect(() => SpscRing.bytesFor(bad, false)).toThrow(RangeError);
    expect(() => SpscRing.init(new SharedArrayBuffer(1 << 16), 0, bad, false)).toThrow(RangeError);
  });

  it('accepts the extreme capacities 1 and 2^24', () => {
    expect(SpscRing.create(1).capacity).toBe(1);
    const big = SpscRing.create(2 ** 24);
    expect(big.capacity).toBe(2 ** 24);
    expect(big.mask).toBe(2 ** 24 - 1);
    expect(big.sab.byteLength).toBe(SpscRing.bytesFor(2 ** 24, false));
  });

  it('init rejects a byteOffset that is not a multiple of 64, and a SAB that is too small', () => {
    const sab = new SharedArrayBuffer(4096);
    expect(() => SpscRing.init(sab, 32, 8, false)).toThrow(/byteOffset must be a non-negative multiple of 64, got 32/);
    expect(() => SpscRing.init(sab, -64, 8, false)).toThrow(RangeError);
    expect(() => SpscRing.init(sab, 4096 - 64, 8, false)).toThrow(/needs 192 bytes at byteOffset 4032/);
    expect(() => SpscRing.init(new ArrayBuffer(4096) as unknown as SharedArrayBuffer, 0, 8, false)).toThrow(TypeError);
  });

  it('attach rejects memory that holds no ring, and a corrupt header', () => {
    const sab = new SharedArrayBuffer(4096);
    expect(() => SpscRing.attach(sab, 0)).toThrow(/no SpscRing at byteOffset 0/);
    SpscRing.init(sab, 0, 8, false);
    const header = new Int32Array(sab, 0, 32);
    header[1] = 12; // capacity word
    expect(() => SpscRing.attach(sab, 0)).toThrow(/corrupt header: capacity 12/);
    header[1] = 8;
    header[2] = 0x10; // flags word
    expect(() => SpscRing.attach(sab, 0)).toThrow(/unknown flags 0x10/);
    header[2] = 0;
    header[1] = 1 << 20; // claims more memory than the SAB has
    expect(() => SpscRing.attach(sab, 0)).toThrow(/SharedArrayBuffer has only 4096/);
  });

  it('throws a clear error when dequeueUntil or peekTs is used without timestamps', () => {
    const ring = SpscRing.create(8);
    ring.enqueue(1, 5);
    expect(() => ring.dequeueUntil(new Uint32Array(4), null, 0, 4, 10)).toThrow(/dequeueUntil needs a ring created with \{ timestamps: true \}/);
    expect(() => ring.peekTs()).toThrow(/peekTs needs a ring created with/);
    expect(ring.count()).toBe(1); // the failed calls consumed nothing
  });
});

describe('SpscRing layout', () => {
  it('keeps the producer index in int32[0] and the consumer index in int32[16] (separate cache lines)', () => {
    const ring = SpscRing.create(8, { timestamps: true });
    const header = new Int32Array(ring.sab, 0, 32);
    expect([header[1], header[2], header[3]]).toEqual([8, 1, 0x53505231]);
    filled(ring, [10, 11, 12]);
    ring.dequeue();
    expect(header[0]).toBe(3);
    expect(header[16]).toBe(1);
    // Every other header word is untouched by traffic.
    for (let w = 0; w < 32; w++) if (w > 3 && w !== 16) expect(header[w]).toBe(0);
  });

  it('stores handles right after the header and timestamps on the next 64-byte boundary', () => {
    const ring = SpscRing.create(4, { timestamps: true });
    ring.enqueue(0xabcd, 2.5);
    ring.enqueue(0x1234, -1);
    expect(Array.from(new Uint32Array(ring.sab, 128, 2))).toEqual([0xabcd, 0x1234]);
    expect(Array.from(new Float64Array(ring.sab, 192, 2))).toEqual([2.5, -1]);
  });

  it('rings packed back to back in one SAB at multiple-of-64 offsets are independent', () => {
    const bytesA = SpscRing.bytesFor(4, true);
    const bytesB = SpscRing.bytesFor(2, false);
    const bytesC = SpscRing.bytesFor(1, true);
    const sab = new SharedArrayBuffer(bytesA + bytesB + bytesC); // exactly enough
    const a = SpscRing.init(sab, 0, 4, true);
    const b = SpscRing.init(sab, bytesA, 2, false);
    const c = SpscRing.init(sab, bytesA + bytesB, 1, true);
    filled(a, [1, 2, 3, 4], [1, 2, 3, 4]);
    filled(b, [100, 200]);
    filled(c, [7], [7.5]);
    expect(a.enqueue(5, 5)).toBe(false);
    expect(b.enqueue(300, 0)).toBe(false);
    expect(c.enqueue(8, 8)).toBe(false);
    expect(drain(a)).toEqual([1, 2, 3, 4]);
    expect(drain(b)).toEqual([100, 200]);
    expect(c.peekTs()).toBe(7.5);
    expect(drain(c)).toEqual([7]);
    const aAgain = SpscRing.attach(sab, 0);
    const bAgain = SpscRing.attach(sab, bytesA);
    expect([aAgain.capacity, aAgain.hasTimestamps, bAgain.capacity, bAgain.hasTimestamps]).toEqual([4, true, 2, false]);
  });

  it('init zeroes a reused region: the new ring is empty whatever was there', () => {
    const sab = new SharedArrayBuffer(SpscRing.bytesFor(8, true));
    const old = SpscRing.init(sab, 0, 8, true);
    filled(old, [1, 2, 3], [1, 2, 3]);
    const fresh = SpscRing.init(sab, 0, 8, true);
    expect(fresh.count()).toBe(0);
    expect(fresh.dequeue()).toBe(-1);
    expect(Array.from(new Uint32Array(sab, 128, 8))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('SpscRing empty and full', () => {
  it('an empty ring reports empty everywhere and touches no destination', () => {
    const ring = SpscRing.create(8, { timestamps: true });
    const dst = new Uint32Array(4).fill(POISON_U32);
    const dstTs = new Float64Array(4).fill(POISON_F64);
    expect(ring.count()).toBe(0);
    expect(ring.isEmpty()).toBe(true);
    expect(ring.freeSpace()).toBe(8);
    expect(ring.dequeue()).toBe(-1);
    expect(ring.peekHandle()).toBe(-1);
    expect(ring.peekTs()).toBe(Infinity);
    expect(ring.dequeueBurst(dst, dstTs, 0, 4)).toBe(0);
    expect(ring.dequeueBulk(dst, dstTs, 0, 1)).toBe(0);
    expect(ring.dequeueUntil(dst, dstTs, 0, 4, Infinity)).toBe(0);
    expect(Array.from(dst)).toEqual([POISON_U32, POISON_U32, POISON_U32, POISON_U32]);
    expect(Array.from(dstTs)).toEqual([POISON_F64, POISON_F64, POISON_F64, POISON_F64]);
    expect(ring.consumerIndex()).toBe(0);
  });

  it('holds exactly capacity entries (no wasted slot), then refuses more', () => {
    for (const capacity of [1, 2, 8, 64]) {
      const ring = SpscRing.create(capacity);
      for (let i = 0; i < capacity; i++) expect(ring.enqueue(i + 1, 0)).toBe(true);
      expect(ring.enqueue(999, 0)).toBe(false);
      expect(ring.enqueueBurst(new Uint32Array([7]), null, 0, 1)).toBe(0);
      expect(ring.enqueueBulk(new Uint32Array([7]), null, 0, 1)).toBe(0);
      expect(ring.freeSpace()).toBe(0);
      expect(ring.count()).toBe(capacity);
      expect(ring.isEmpty()).toBe(false);
      expect(ring.producerIndex()).toBe(capacity);
      expect(drain(ring)).toEqual(Array.from({ length: capacity }, (_, i) => i + 1));
      expect(ring.freeSpace()).toBe(capacity);
    }
  });

  it('frees slots as the consumer dequeues (producer sees them after its cached view says full)', () => {
    const ring = SpscRing.create(4);
    filled(ring, [1, 2, 3, 4]);
    expect(ring.enqueue(5, 0)).toBe(false); // producer cache now says full
    expect(ring.dequeue()).toBe(1);
    expect(ring.enqueue(5, 0)).toBe(true); // re-read the consumer index
    expect(ring.enqueue(6, 0)).toBe(false);
    expect(drain(ring)).toEqual([2, 3, 4, 5]);
  });

  it('treats handles as u32: 0xFFFFFFFF round-trips and is distinct from the empty marker -1', () => {
    const ring = SpscRing.create(4);
    ring.enqueue(0xffffffff, 0);
    ring.enqueue(0, 0);
    ring.enqueue(-2, 0); // stored modulo 2^32, like any Uint32Array write
    expect(ring.peekHandle()).toBe(0xffffffff);
    expect(drain(ring)).toEqual([0xffffffff, 0, 0xfffffffe]);
  });
});

describe('SpscRing burst versus bulk', () => {
  const src = new Uint32Array([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);

  it('enqueueBulk is all-or-nothing; enqueueBurst takes what fits', () => {
    const ring = SpscRing.create(8);
    expect(ring.enqueueBulk(src, null, 0, 5)).toBe(5);
    expect(ring.enqueueBulk(src, null, 5, 4)).toBe(0); // 3 free, 4 asked: nothing written
    expect(ring.count()).toBe(5);
    expect(ring.producerIndex()).toBe(5);
    expect(ring.enqueueBulk(src, null, 5, 3)).toBe(3); // exactly fits
    expect(ring.enqueueBulk(src, null, 8, 1)).toBe(0);
    expect(drain(ring)).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);

    expect(ring.enqueueBurst(src, null, 0, 5)).toBe(5);
    expect(ring.enqueueBurst(src, null, 5, 5)).toBe(3); // partial: 3 of 5
    expect(ring.enqueueBurst(src, null, 8, 2)).toBe(0);
    expect(drain(ring)).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
  });

  it('dequeueBulk is all-or-nothing; dequeueBurst takes what is there', () => {
    const ring = SpscRing.create(8);
    ring.enqueueBurst(src, null, 0, 6);
    const dst = new Uint32Array(8).fill(POISON_U32);
    expect(ring.dequeueBulk(dst, null, 0, 7)).toBe(0);
    expect(Array.from(dst)).toEqual(new Array(8).fill(POISON_U32));
    expect(ring.count()).toBe(6);
    expect(ring.dequeueBulk(dst, null, 1, 2)).toBe(2);
    expect(Array.from(dst.slice(0, 4))).toEqual([POISON_U32, 10, 11, POISON_U32]);
    expect(ring.dequeueBurst(dst, null, 2, 6)).toBe(4); // 4 of 6 asked
    expect(Array.from(dst)).toEqual([POISON_U32, 10, 12, 13, 14, 15, POISON_U32, POISON_U32]);
    expect(ring.dequeueBurst(dst, null, 0, 6)).toBe(0);
  });

  it('zero and negative counts do nothing and return 0', () => {
    const ring = SpscRing.create(4, { timestamps: true });
    const dst = new Uint32Array(4);
    expect(ring.enqueueBurst(src, null, 0, 0)).toBe(0);
    expect(ring.enqueueBurst(src, null, 0, -3)).toBe(0);
    expect(ring.enqueueBulk(src, null, 0, 0)).toBe(0);
    expect(ring.enqueueBulk(src, null, 0, -1)).toBe(0);
    expect(ring.producerIndex()).toBe(0);
    ring.enqueueBurst(src, null, 0, 3);
    expect(ring.dequeueBurst(dst, null, 0, 0)).toBe(0);
    expect(ring.dequeueBurst(dst, null, 0, -2)).toBe(0);
    expect(ring.dequeueBulk(dst, null, 0, 0)).toBe(0);
    expect(ring.dequeueUntil(dst, null, 0, 0, Infinity)).toBe(0);
    expect(ring.dequeueUntil(dst, null, 0, -1, Infinity)).toBe(0);
    expect(ring.count()).toBe(3);
  });

  it('copies across the end of the slot array in the right order', () => {
    const ring = SpscRing.create(8, { timestamps: true });
    const ts = new Float64Array([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5]);
    ring.enqueueBurst(src, ts, 0, 6);
    const dst = new Uint32Array(8);
    const dstTs = new Float64Array(8);
    ring.dequeueBurst(dst, dstTs, 0, 6); // both indices at slot 6 now
    expect(ring.enqueueBulk(src, ts, 2, 7)).toBe(7); // slots 6,7,0,1,2,3,4
    expect(ring.dequeueBulk(dst, dstTs, 1, 7)).toBe(7);
    expect(Array.from(dst.slice(1))).toEqual([12, 13, 14, 15, 16, 17, 18]);
    expect(Array.from(dstTs.slice(1))).toEqual([2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5]);
  });
});

describe('SpscRing peek', () => {
  it('peekHandle and peekTs show the oldest entry without consuming it', () => {
    const ring = SpscRing.create(4, { timestamps: true });
    filled(ring, [7, 8], [70, 80]);
    expect(ring.peekHandle()).toBe(7);
    expect(ring.peekTs()).toBe(70);
    expect(ring.peekHandle()).toBe(7);
    expect(ring.count()).toBe(2);
    expect(ring.dequeue()).toBe(7);
    expect([ring.peekHandle(), ring.peekTs()]).toEqual([8, 80]);
    expect(ring.dequeue()).toBe(8);
    expect([ring.peekHandle(), ring.peekTs()]).toEqual([-1, Infinity]);
  });
});

describe('SpscRing timestamps', () => {
  it('round-trip exactly, including -0, fractions, huge and negative values', () => {
    const values = [0, -0, 0.1, 1 / 3, 2 ** 53, -12.75, Number.MAX_VALUE, Number.MIN_VALUE, 1e-300];
    const ring = SpscRing.create(16, { timestamps: true });
    const src = new Uint32Array(values.map((_, i) => i));
    expect(ring.enqueueBurst(src, new Float64Array(values), 0, values.length)).toBe(values.length);
    const dst = new Uint32Array(16);
    const dstTs = new Float64Array(16);
    expect(ring.dequeueBurst(dst, dstTs, 0, 16)).toBe(values.length);
    for (let i = 0; i < values.length; i++) expect(Object.is(dstTs[i], values[i])).toBe(true);
  });

  it('a timestamped ring fed with srcTs = null stores 0; dstTs = null reads handles only', () => {
    const ring = SpscRing.create(8, { timestamps: true });
    ring.enqueue(1, 99); // put a non-zero ts in slot 0 first
    ring.dequeue();
    ring.enqueueBurst(new Uint32Array([5, 6]), null, 0, 2);
    expect(ring.peekTs()).toBe(0);
    const dst = new Uint32Array(2);
    expect(ring.dequeueBurst(dst, null, 0, 2)).toBe(2);
    expect(Array.from(dst)).toEqual([5, 6]);
  });

  it('a ring without timestamps ignores srcTs and leaves dstTs untouched', () => {
    const ring = SpscRing.create(8);
    expect(ring.hasTimestamps).toBe(false);
    ring.enqueueBulk(new Uint32Array([3, 4]), new Float64Array([30, 40]), 0, 2);
    ring.enqueue(5, 50);
    const dst = new Uint32Array(3);
    const dstTs = new Float64Array(3).fill(POISON_F64);
    expect(ring.dequeueBulk(dst, dstTs, 0, 3)).toBe(3);
    expect(Array.from(dst)).toEqual([3, 4, 5]);
    expect(Array.from(dstTs)).toEqual([POISON_F64, POISON_F64, POISON_F64]);
  });
});

describe('SpscRing dequeueUntil', () => {
  function ringWith(ts: number[]): SpscRing {
    const ring = SpscRing.create(16, { timestamps: true });
    filled(ring, ts.map((_, i) => 100 + i), ts);
    return ring;
  }

  it('includes entries whose ts equals maxTs and stops at the first later one, even if earlier ones follow', () => {
    const ring = ringWith([10, 20, 20, 30, 5]);
    const dst = new Uint32Array(8).fill(POISON_U32);
    const dstTs = new Float64Array(8).fill(POISON_F64);
    expect(ring.dequeueUntil(dst, dstTs, 0, 8, 19.999)).toBe(1);
    expect(ring.dequeueUntil(dst, dstTs, 1, 8, 20)).toBe(2); // equal is included
    expect(Array.from(dst.slice(0, 4))).toEqual([100, 101, 102, POISON_U32]);
    expect(Array.from(dstTs.slice(0, 4))).toEqual([10, 20, 20, POISON_F64]);
    expect(ring.dequeueUntil(dst, dstTs, 3, 8, 29)).toBe(0); // 30 blocks; the 5 behind it waits (FIFO)
    expect(ring.peekTs()).toBe(30);
    expect(ring.dequeueUntil(dst, dstTs, 3, 8, 30)).toBe(2); // 30 then 5
    expect(Array.from(dstTs.slice(3, 6))).toEqual([30, 5, POISON_F64]);
    expect(ring.isEmpty()).toBe(true);
  });

  it('respects max, and works with dstTs = null', () => {
    const ring = ringWith([1, 2, 3, 4]);
    const dst = new Uint32Array(4);
    expect(ring.dequeueUntil(dst, null, 0, 2, Infinity)).toBe(2);
    expect(Array.from(dst.slice(0, 2))).toEqual([100, 101]);
    expect(ring.dequeueUntil(dst, null, 0, 4, 3)).toBe(1);
    expect(dst[0]).toBe(102);
    expect(ring.count()).toBe(1);
  });

  it('treats a NaN timestamp as later than any maxTs, and -Infinity maxTs as "nothing yet"', () => {
    const ring = ringWith([1, NaN, 2]);
    const dst = new Uint32Array(4);
    expect(ring.dequeueUntil(dst, null, 0, 4, -Infinity)).toBe(0);
    expect(ring.dequeueUntil(dst, null, 0, 4, Infinity)).toBe(1);
    expect(ring.dequeueUntil(dst, null, 0, 4, Infinity)).toBe(0);
    expect(ring.count()).toBe(2);
  });
});

describe('SpscRing attach', () => {
  it('an attached view sees the same entries and indices, and both views stay coherent', () => {
    const producer = SpscRing.create(8, { timestamps: true });
    filled(producer, [1, 2, 3], [10, 20, 30]);
    const consumer = SpscRing.attach(producer.sab);
    expect([consumer.capacity, consumer.mask, consumer.hasTimestamps, consumer.byteOffset]).toEqual([8, 7, true, 0]);
    expect(consumer.count()).toBe(3);
    expect(consumer.producerIndex()).toBe(3);
    expect([consumer.peekHandle(), consumer.peekTs()]).toEqual([1, 10]);
    expect(consumer.dequeue()).toBe(1);
    expect(producer.consumerIndex()).toBe(1);
    // The producer's cached consumer index is stale (0); it must re-read when full.
    filled(producer, [4, 5, 6, 7, 8], [40, 50, 60, 70, 80]);
    expect(producer.enqueue(9, 90)).toBe(true); // only possible after seeing consumerIndex = 1
    expect(producer.enqueue(10, 100)).toBe(false);
    const dst = new Uint32Array(8);
    const dstTs = new Float64Array(8);
    expect(consumer.dequeueBurst(dst, dstTs, 0, 8)).toBe(8);
    expect(Array.from(dst)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(dstTs)).toEqual([20, 30, 40, 50, 60, 70, 80, 90]);
  });
});

describe('SpscRing index wrap-around', () => {
  it.each([
    ['2^31', 2 ** 31 - 3],
    ['2^32', 2 ** 32 - 3],
  ])('crosses %s with correct order, counts and u32 diagnostics', (_name, startIndex) => {
    const ring = SpscRing.createAt(4, { timestamps: true }, startIndex);
    expect(ring.producerIndex()).toBe(startIndex);
    expect(ring.consumerIndex()).toBe(startIndex);
    const dst = new Uint32Array(4);
    const dstTs = new Float64Array(4);
    for (let round = 0; round < 4; round++) {
      const base = round * 4;
      for (let i = 0; i < 4; i++) expect(ring.enqueue(base + i, base + i + 0.5)).toBe(true);
      expect(ring.enqueue(99, 0)).toBe(false);
      expect(ring.count()).toBe(4);
      expect(ring.freeSpace()).toBe(0);
      expect(ring.producerIndex()).toBe((startIndex + base + 4) % 2 ** 32);
      expect(ring.dequeueUntil(dst, dstTs, 0, 4, base + 1.5)).toBe(2);
      expect(ring.dequeueBulk(dst, dstTs, 2, 2)).toBe(2);
      expect(Array.from(dst)).toEqual([base, base + 1, base + 2, base + 3]);
      expect(Array.from(dstTs)).toEqual([base + 0.5, base + 1.5, base + 2.5, base + 3.5]);
      expect(ring.isEmpty()).toBe(true);
      expect(ring.count()).toBe(0);
    }
    expect(ring.consumerIndex()).toBe((startIndex + 16) % 2 ** 32);
  });

  it('createAt takes the start index modulo 2^32', () => {
    expect(SpscRing.createAt(2, undefined, 2 ** 32 + 5).producerIndex()).toBe(5);
    expect(SpscRing.createAt(2, undefined, -1).consumerIndex()).toBe(2 ** 32 - 1);
  });
});
