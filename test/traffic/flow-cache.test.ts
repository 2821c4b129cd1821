import { beforeEach, describe, expect, it } from 'vitest';
import { Prng } from '../../src/util/prng.js';
import { makeRandomFlows } from '../../src/traffic/flows.js';
import { cachedFlowSet, clearFlowCache, derivedFromFlows, MAX_CACHED_FLOWS } from '../../src/traffic/flow-cache.js';
import { FrameWriter } from '../../src/traffic/frame-writer.js';
import { PacketPool } from '../../src/packet/pool.js';

const make = (n: number, seed: number) => () => makeRandomFlows(n, new Prng(seed), { proto: 'mixed' });

describe('flow cache', () => {
  beforeEach(() => clearFlowCache());

  it('makes a set once per key and returns the same one after', () => {
    let made = 0;
    const mk = () => { made++; return make(100, 1)(); };
    const a = cachedFlowSet('k1', mk);
    const b = cachedFlowSet('k1', mk);
    expect(b).toBe(a);
    expect(made).toBe(1);
    const c = cachedFlowSet('k2', make(100, 2));
    expect(c).not.toBe(a);
  });

  it('gives what a fresh draw gives', () => {
    const cached = cachedFlowSet('k', make(500, 7));
    const again = cachedFlowSet('k', make(500, 7));
    const fresh = make(500, 7)();
    expect(Array.from(again.srcIp)).toEqual(Array.from(fresh.srcIp));
    expect(Array.from(again.dstPort)).toEqual(Array.from(fresh.dstPort));
    expect(Array.from(again.proto)).toEqual(Array.from(fresh.proto));
    expect(again).toBe(cached);
  });

  it('keeps at most MAX_CACHED_FLOWS flows, dropping the least recently used set', () => {
    const half = MAX_CACHED_FLOWS / 2;
    const big = (tag: number) => () => ({ count: half, srcIp: new Uint32Array(0), dstIp: new Uint32Array(0), srcPort: new Uint16Array(0), dstPort: new Uint16Array(0), proto: new Uint8Array(tag) });
    const a = cachedFlowSet('a', big(1));
    const b = cachedFlowSet('b', big(2));
    expect(cachedFlowSet('a', big(9))).toBe(a); // a is now the most recent
    cachedFlowSet('c', big(3)); // evicts b
    expect(cachedFlowSet('a', big(9))).toBe(a);
    expect(cachedFlowSet('b', big(9))).not.toBe(b);
    // A set bigger than the budget is made every time, never kept.
    const huge = () => ({ ...big(4)(), count: MAX_CACHED_FLOWS + 1 });
    expect(cachedFlowSet('h', huge)).not.toBe(cachedFlowSet('h', huge));
  });

  it('derives a table once per set and key', () => {
    const fs = cachedFlowSet('k', make(10, 3));
    let made = 0;
    const t1 = derivedFromFlows(fs, 'x', () => { made++; return { v: 1 }; });
    const t2 = derivedFromFlows(fs, 'x', () => { made++; return { v: 2 }; });
    const t3 = derivedFromFlows(fs, 'y', () => { made++; return { v: 3 }; });
    expect(t2).toBe(t1);
    expect(t3.v).toBe(3);
    expect(made).toBe(2);
  });

  it('frame writers sharing templates write the same bytes as the first one', () => {
    const fs = make(64, 5)();
    const poolA = PacketPool.create(8);
    const poolB = PacketPool.create(8);
    const wa = new FrameWriter(fs, poolA);
    const wb = new FrameWriter(fs, poolB);
    for (let f = 0; f < 8; f++) {
      wa.write(f, f * 7, 64 + f * 10, 1000 + f);
      wb.write(f, f * 7, 64 + f * 10, 1000 + f);
      const a = poolA.bytes.subarray(poolA.frameOffset(f), poolA.frameOffset(f) + poolA.lenBytes[f]!);
      const b = poolB.bytes.subarray(poolB.frameOffset(f), poolB.frameOffset(f) + poolB.lenBytes[f]!);
      expect(Array.from(b)).toEqual(Array.from(a));
    }
  });
});
