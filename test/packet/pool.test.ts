import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  HEADROOM_BYTES,
  MAX_FRAME_BYTES,
  MAX_POOL_CAPACITY,
  NO_FLOW,
  PacketPool,
  PoolPartition,
  SLOT_BYTES,
  freePacket,
} from '../../src/packet/pool.js';

function metaViews(pool: PacketPool) {
  return {
    ingressCycles: pool.ingressCycles,
    seqNo: pool.seqNo,
    flowId: pool.flowId,
    flowHash: pool.flowHash,
    state: pool.state,
    dataOff: pool.dataOff,
    lenBytes: pool.lenBytes,
    port: pool.port,
    rxQueue: pool.rxQueue,
    lastWriterCore: pool.lastWriterCore,
  };
}

describe('PacketPool', () => {
  it('has the documented geometry', () => {
    expect(SLOT_BYTES).toBe(2048);
    expect(HEADROOM_BYTES).toBe(128);
    expect(MAX_FRAME_BYTES).toBe(1920);
    const pool = PacketPool.create(8);
    expect(pool.capacity).toBe(8);
    expect(pool.bytes.length).toBe(8 * SLOT_BYTES);
    for (const view of Object.values(metaViews(pool))) expect(view.length).toBe(8);
  });

  it('starts every slot free with reset metadata', () => {
    const pool = PacketPool.create(4);
    for (let h = 0; h < 4; h++) {
      expect(pool.state[h]).toBe(0);
      expect(pool.dataOff[h]).toBe(HEADROOM_BYTES);
      expect(pool.lenBytes[h]).toBe(0);
      expect(pool.flowId[h]).toBe(NO_FLOW);
      expect(pool.lastWriterCore[h]).toBe(-1);
      expect(pool.frameOffset(h)).toBe(h * SLOT_BYTES + HEADROOM_BYTES);
    }
  });

  it('attach gives new views on the same memory', () => {
    const a = PacketPool.create(16);
    const b = PacketPool.attach(a.shared());
    expect(b).not.toBe(a);
    expect(b.bytes).not.toBe(a.bytes);
    expect(b.capacity).toBe(16);

    a.bytes[5 * SLOT_BYTES + 200] = 0xab;
    a.ingressCycles[5] = 123456789.5;
    a.seqNo[15] = 2 ** 52;
    a.flowId[3] = 0xdeadbeef;
    a.flowHash[4] = 0x12345678;
    a.dataOff[6] = 64;
    a.lenBytes[6] = 1500;
    a.port[7] = 3;
    a.rxQueue[8] = 9;
    a.lastWriterCore[9] = 11;
    Atomics.store(a.state, 10, 1);

    expect(b.bytes[5 * SLOT_BYTES + 200]).toBe(0xab);
    expect(b.ingressCycles[5]).toBe(123456789.5);
    expect(b.seqNo[15]).toBe(2 ** 52);
    expect(b.flowId[3]).toBe(0xdeadbeef);
    expect(b.flowHash[4]).toBe(0x12345678);
    expect(b.frameOffset(6)).toBe(6 * SLOT_BYTES + 64);
    expect(b.lenBytes[6]).toBe(1500);
    expect(b.port[7]).toBe(3);
    expect(b.rxQueue[8]).toBe(9);
    expect(b.lastWriterCore[9]).toBe(11);
    expect(Atomics.load(b.state, 10)).toBe(1);

    // And the other way round.
    b.lenBytes[0] = 77;
    expect(a.lenBytes[0]).toBe(77);
  });

  it('shares memory with a real worker thread through shared()', async () => {
    const pool = PacketPool.create(4);
    // Plain JS worker: it only needs the SharedArrayBuffers, not the TS module.
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const bytes = new Uint8Array(workerData.dataSab);
       bytes[2 * ${SLOT_BYTES} + ${HEADROOM_BYTES}] = 0x5a;
       parentPort.postMessage(workerData.capacity);`,
      { eval: true, workerData: pool.shared() },
    );
    const capacitySeen = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(capacitySeen).toBe(4);
    expect(pool.bytes[pool.frameOffset(2)]).toBe(0x5a);
  });

  it('lays metadata views out aligned, Float64 first, without overlap', () => {
    const pool = PacketPool.create(13); // odd capacity so packing mistakes would misalign
    const views = Object.values(metaViews(pool));
    const metaSab = pool.shared().metaSab;
    for (const view of views) {
      expect(view.buffer).toBe(metaSab);
      expect(view.byteOffset % 64).toBe(0);
      expect(view.byteOffset % view.BYTES_PER_ELEMENT).toBe(0);
      expect(view.byteOffset + view.byteLength).toBeLessThanOrEqual(metaSab.byteLength);
    }
    const sorted = [...views].sort((x, y) => x.byteOffset - y.byteOffset);
    expect(sorted[0]!.BYTES_PER_ELEMENT).toBe(8);
    expect(sorted[1]!.BYTES_PER_ELEMENT).toBe(8);
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i]!.byteOffset).toBeGreaterThanOrEqual(sorted[i - 1]!.byteOffset + sorted[i - 1]!.byteLength);
    }
  });

  it('rejects bad capacities with a RangeError naming the value', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, MAX_POOL_CAPACITY + 1, Infinity]) {
      expect(() => PacketPool.create(bad)).toThrow(RangeError);
      expect(() => PacketPool.create(bad)).toThrow(String(bad));
    }
    expect(PacketPool.create(1).capacity).toBe(1);
  });

  it('attach rejects buffers that do not match the capacity', () => {
    const shared = PacketPool.create(4).shared();
    expect(() => PacketPool.attach({ ...shared, capacity: 8 })).toThrow(/dataSab/);
    expect(() => PacketPool.attach({ ...shared, metaSab: new SharedArrayBuffer(8) })).toThrow(/metaSab/);
    expect(() => PacketPool.attach({ ...shared, capacity: 0 })).toThrow(RangeError);
  });

  it('adjustHead prepends and strips within the slot', () => {
    const pool = PacketPool.create(2);
    const h = 1;
    pool.lenBytes[h] = 100;
    expect(pool.adjustHead(h, -HEADROOM_BYTES)).toBe(true); // all the headroom
    expect(pool.dataOff[h]).toBe(0);
    expect(pool.lenBytes[h]).toBe(100 + HEADROOM_BYTES);
    expect(pool.frameOffset(h)).toBe(SLOT_BYTES);

    expect(pool.adjustHead(h, -1)).toBe(false); // would start before the slot
    expect(pool.dataOff[h]).toBe(0);
    expect(pool.lenBytes[h]).toBe(228);

    expect(pool.adjustHead(h, 228)).toBe(true); // strip everything
    expect(pool.dataOff[h]).toBe(228);
    expect(pool.lenBytes[h]).toBe(0);
    expect(pool.adjustHead(h, 1)).toBe(false); // length would go negative
    expect(pool.adjustHead(h, 0.5)).toBe(false);
    expect(pool.adjustHead(h, Number.NaN)).toBe(false);
    expect(pool.dataOff[h]).toBe(228);
    expect(pool.lenBytes[h]).toBe(0);
  });

  it('adjustTail grows to the end of the slot and no further', () => {
    const pool = PacketPool.create(1);
    expect(pool.adjustTail(0, MAX_FRAME_BYTES)).toBe(true);
    expect(pool.lenBytes[0]).toBe(MAX_FRAME_BYTES);
    expect(pool.adjustTail(0, 1)).toBe(false);
    expect(pool.lenBytes[0]).toBe(MAX_FRAME_BYTES);
    expect(pool.adjustTail(0, -MAX_FRAME_BYTES)).toBe(true);
    expect(pool.lenBytes[0]).toBe(0);
    expect(pool.adjustTail(0, -1)).toBe(false);
    expect(pool.adjustTail(0, 2.5)).toBe(false);
    expect(pool.lenBytes[0]).toBe(0);
    // The limit is the slot's end, wherever the frame starts.
    pool.dataOff[0] = 2000;
    expect(pool.adjustTail(0, 48)).toBe(true);
    expect(pool.adjustTail(0, 1)).toBe(false);
  });

  it('reset restores just-allocated metadata', () => {
    const pool = PacketPool.create(2);
    pool.dataOff[1] = 7;
    pool.lenBytes[1] = 9;
    pool.flowId[1] = 4;
    pool.flowHash[1] = 5;
    pool.lastWriterCore[1] = 3;
    pool.port[1] = 2;
    pool.rxQueue[1] = 1;
    pool.ingressCycles[1] = 10;
    pool.seqNo[1] = 11;
    pool.state[1] = 1;
    pool.reset(1);
    expect([pool.dataOff[1], pool.lenBytes[1], pool.flowId[1], pool.flowHash[1], pool.lastWriterCore[1]]).toEqual([
      HEADROOM_BYTES,
      0,
      NO_FLOW,
      0,
      -1,
    ]);
    expect([pool.port[1], pool.rxQueue[1], pool.ingressCycles[1], pool.seqNo[1]]).toEqual([0, 0, 0, 0]);
    expect(pool.state[1]).toBe(1); // reset leaves state to the allocator
  });
});

describe('PoolPartition', () => {
  it('allocates in strict cyclic order and wraps', () => {
    const pool = PacketPool.create(16);
    const part = new PoolPartition(pool, 4, 4);
    const got: number[] = [];
    for (let i = 0; i < 4; i++) got.push(part.tryAlloc());
    expect(got).toEqual([4, 5, 6, 7]);
    expect(part.allocated).toBe(4);
    expect(part.inUse()).toBe(4);
    for (const h of got) expect(Atomics.load(pool.state, h)).toBe(1);
    // Handles outside the partition are untouched.
    expect(pool.state[3]).toBe(0);
    expect(pool.state[8]).toBe(0);

    for (const h of got) freePacket(pool, h);
    expect(part.inUse()).toBe(0);
    const again: number[] = [];
    for (let i = 0; i < 6; i++) {
      const h = part.tryAlloc();
      again.push(h);
      freePacket(pool, h);
    }
    expect(again).toEqual([4, 5, 6, 7, 4, 5]);
    expect(part.allocated).toBe(10);
  });

  it('returns -1 without advancing while the next handle is in use', () => {
    const pool = PacketPool.create(8);
    const part = new PoolPartition(pool, 0, 4);
    expect([part.tryAlloc(), part.tryAlloc(), part.tryAlloc(), part.tryAlloc()]).toEqual([0, 1, 2, 3]);
    expect(part.tryAlloc()).toBe(-1);
    expect(part.allocated).toBe(4);

    // Freeing a later handle does not help: the next in order is still 0.
    freePacket(pool, 2);
    expect(part.tryAlloc()).toBe(-1);
    expect(part.tryAlloc()).toBe(-1);
    expect(part.allocated).toBe(4);

    freePacket(pool, 0);
    expect(part.tryAlloc()).toBe(0); // exactly the handle it was waiting for
    expect(part.tryAlloc()).toBe(-1); // 1 is still in use; 2 must wait its turn
    freePacket(pool, 1);
    expect(part.tryAlloc()).toBe(1);
    expect(part.tryAlloc()).toBe(2);
    expect(part.tryAlloc()).toBe(-1); // 3 in use
    expect(part.allocated).toBe(7);
    expect(part.inUse()).toBe(4);
  });

  it('resets metadata of a re-allocated handle', () => {
    const pool = PacketPool.create(2);
    const part = new PoolPartition(pool, 0, 2);
    const h = part.tryAlloc();
    pool.lenBytes[h] = 1000;
    pool.dataOff[h] = 10;
    pool.flowId[h] = 1;
    pool.lastWriterCore[h] = 5;
    freePacket(pool, h);
    freePacket(pool, part.tryAlloc());
    expect(part.tryAlloc()).toBe(h);
    expect(pool.lenBytes[h]).toBe(0);
    expect(pool.dataOff[h]).toBe(HEADROOM_BYTES);
    expect(pool.flowId[h]).toBe(NO_FLOW);
    expect(pool.lastWriterCore[h]).toBe(-1);
  });

  it('handle sequence depends only on the allocation count', () => {
    // Two partitions with different free timings give the same handle for the k-th allocation.
    const seqFor = (holdBack: number): number[] => {
      const pool = PacketPool.create(8);
      const part = new PoolPartition(pool, 0, 8);
      const held: number[] = [];
      const seq: number[] = [];
      for (let k = 0; k < 40; k++) {
        let h = part.tryAlloc();
        while (h < 0) {
          freePacket(pool, held.shift()!);
          h = part.tryAlloc();
        }
        seq.push(h);
        held.push(h);
        while (held.length > holdBack) freePacket(pool, held.shift()!);
      }
      return seq;
    };
    const a = seqFor(1);
    expect(seqFor(7)).toEqual(a);
    expect(seqFor(3)).toEqual(a);
    expect(a.slice(0, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 0, 1]);
  });

  it('rejects bad counts and ranges', () => {
    const pool = PacketPool.create(16);
    expect(() => new PoolPartition(pool, 0, 3)).toThrow(/power of two.*3/);
    expect(() => new PoolPartition(pool, 0, 0)).toThrow(RangeError);
    expect(() => new PoolPartition(pool, 0, 32)).toThrow(RangeError);
    expect(() => new PoolPartition(pool, 12, 8)).toThrow(/baseHandle/);
    expect(() => new PoolPartition(pool, -1, 4)).toThrow(/baseHandle/);
    expect(new PoolPartition(pool, 8, 8).tryAlloc()).toBe(8);
  });
});
