/**
 * IoPort's side of the burst contract (native/README.md), against a fake
 * native port that plays the kernel: receive lends allocated slots and keeps
 * the ones the addon did not fill for the next call; transmit frees exactly
 * the frames the addon took; close returns the stash. No root, no addon.
 */
import { describe, expect, it } from 'vitest';
import { IoPort } from '../../src/io/io-port.js';
import type { NativeOpenOptions, NativePortHandle, NativePortStats } from '../../src/io/native.js';
import { HEADROOM_BYTES, PacketPool, PoolPartition, SLOT_BYTES } from '../../src/packet/pool.js';

class FakeNative implements NativePortHandle {
  readonly wire: Uint8Array[] = [];
  readonly sent: Uint8Array[] = [];
  txRoom = Infinity;
  closed = false;
  constructor(private readonly b: Pick<NativeOpenOptions, 'poolBytes' | 'handles' | 'offs' | 'lens' | 'txHandles' | 'txOffs' | 'txLens'>) {}
  rx(max: number): number {
    let n = 0;
    while (n < max && this.wire.length > 0) {
      const f = this.wire.shift()!;
      const at = this.b.handles[n]! * SLOT_BYTES + HEADROOM_BYTES;
      this.b.poolBytes.set(f, at);
      this.b.offs[n] = HEADROOM_BYTES;
      this.b.lens[n] = f.length;
      n++;
    }
    return n;
  }
  tx(n: number): number {
    const k = Math.min(n, this.txRoom);
    for (let i = 0; i < k; i++) {
      const at = this.b.txHandles[i]! * SLOT_BYTES + this.b.txOffs[i]!;
      this.sent.push(this.b.poolBytes.slice(at, at + this.b.txLens[i]!));
    }
    return k;
  }
  stats(): NativePortStats {
    return { rxFrames: 0, rxBytes: 0, txFrames: this.sent.length, txBytes: 0, rxOversize: 0, rxTruncated: 0, txBadFrame: 0, txRingFull: 0, kernelDrops: 0, kicks: 0 };
  }
  close(): void { this.closed = true; }
}

function setup(): { pool: PacketPool; part: PoolPartition; port: IoPort; fake: FakeNative } {
  const pool = PacketPool.create(64);
  const part = new PoolPartition(pool, 0, 64);
  const port = new IoPort('afpacket', 'fake0', 0, '', pool);
  const fake = new FakeNative(port.bindings());
  port.bind(fake);
  return { pool, part, port, fake };
}

describe('IoPort', () => {
  it('receive fills pool slots with frames and metadata; unfilled slots stay allocated for the next call', () => {
    const { pool, part, port, fake } = setup();
    fake.wire.push(Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5, 6, 7, 8));
    const out = new Uint32Array(32);
    expect(port.receive(part, out, 0, 32, 3, 1234)).toBe(2);
    expect(part.inUse()).toBe(32); // 2 frames + 30 stashed slots
    for (const [i, want] of [[0, [1, 2, 3]], [1, [4, 5, 6, 7, 8]]] as const) {
      const h = out[i]!;
      expect(pool.lenBytes[h]).toBe(want.length);
      expect(pool.port[h]).toBe(3);
      expect(pool.ingressCycles[h]).toBe(1234);
      expect(Array.from(pool.bytes.subarray(pool.frameOffset(h), pool.frameOffset(h) + want.length))).toEqual(want);
    }
    // Nothing on the wire: the stash is topped up to a full burst, nothing returned.
    expect(port.receive(part, out, 2, 32, 3, 0)).toBe(0);
    expect(part.inUse()).toBe(2 + 32);
    expect(port.receive(part, out, 2, 32, 3, 0)).toBe(0);
    expect(part.inUse()).toBe(2 + 32);
    fake.wire.push(Uint8Array.of(9));
    expect(port.receive(part, out, 2, 32, 3, 0)).toBe(1);
    expect(out[2]).not.toBe(out[0]);
    expect(out[2]).not.toBe(out[1]);
    port.close();
    expect(fake.closed).toBe(true);
    expect(part.inUse()).toBe(3); // the stash went back; the three frames are the caller's
  });

  it('transmit frees exactly the frames the native side took, and leaves the rest to the caller', () => {
    const { pool, part, port, fake } = setup();
    const hs = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      const h = part.tryAlloc();
      pool.adjustTail(h, 10 + i);
      pool.bytes[pool.frameOffset(h)] = 0xa0 + i;
      hs[i] = h;
    }
    fake.txRoom = 3;
    expect(port.transmit(hs, 0, 4)).toBe(3);
    expect(fake.sent.map((f) => [f.length, f[0]])).toEqual([[10, 0xa0], [11, 0xa1], [12, 0xa2]]);
    expect(part.inUse()).toBe(1);
    expect(Atomics.load(pool.state, hs[3]!)).toBe(1);
  });
});
