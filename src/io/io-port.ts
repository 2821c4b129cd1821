/**
 * IoPort: one open socket of a real I/O backend on one interface queue, moving
 * bursts of frames between the kernel and the packet pool. A strategy object
 * chosen at start-up (afxdp or afpacket behind the same methods); the engine
 * never branches on the backend inside its loop.
 *
 * Ownership: see native/README.md. In short, `receive` allocates pool slots
 * and lends them to the addon for the call; what it returns is the caller's.
 * `transmit` lends frames for the call; those taken are copied and freed
 * here, those not taken stay the caller's (it drops them).
 *
 * Used by one thread only (the worker that opened it).
 */
import { HEADROOM_BYTES, SLOT_BYTES, freePacket, type PacketPool, type PoolPartition } from '../packet/pool.js';
import type { NativeOpenOptions, NativePortHandle, NativePortStats } from './native.js';

export type IoBackendName = 'afxdp' | 'afpacket' | 'dpdk';

/** Frames per native call: a burst of 32, DPDK's usual burst and [ExecModels]' batch size. */
export const IO_BURST = 32;

export class IoPort {
  /** Burst arrays bound to the native port at open: shared with the addon. */
  readonly handles = new Uint32Array(IO_BURST);
  readonly offs = new Uint16Array(IO_BURST);
  readonly lens = new Uint16Array(IO_BURST);
  readonly txHandles = new Uint32Array(IO_BURST);
  readonly txOffs = new Uint16Array(IO_BURST);
  readonly txLens = new Uint16Array(IO_BURST);
  /** Allocated slots at the front of `handles` not yet filled by a receive. */
  private stash = 0;
  private native: NativePortHandle | null = null;
  private closedStats: NativePortStats | null = null;
  /** Opened to transmit only (receives nothing). */
  txOnly = false;

  constructor(
    readonly backend: IoBackendName,
    readonly ifname: string,
    readonly queue: number,
    readonly netns: string,
    readonly pool: PacketPool,
  ) {}

  /** COLD: called once by openIoPort with the addon's port bound to this object's arrays. */
  bind(native: NativePortHandle): void {
    this.native = native;
  }

  /**
   * HOT: receives up to `max` (<= IO_BURST) frames into slots allocated from
   * `part`, writes their metadata (length, port, ingress time) and appends
   * their handles to `out` from `outStart`. Returns the count.
   */
  receive(part: PoolPartition, out: Uint32Array, outStart: number, max: number, portIndex: number, nowNs: number): number {
    const native = this.native;
    if (native === null) return 0;
    const handles = this.handles;
    while (this.stash < max) {
      const h = part.tryAllocAny(true);
      if (h < 0) break;
      handles[this.stash++] = h;
    }
    if (this.stash === 0) return 0;
    const n = native.rx(this.stash < max ? this.stash : max);
    if (n === 0) return 0;
    const pool = this.pool;
    for (let i = 0; i < n; i++) {
      const h = handles[i]!;
      pool.dataOff[h] = this.offs[i]!;
      pool.lenBytes[h] = this.lens[i]!;
      pool.port[h] = portIndex;
      pool.rxQueue[h] = this.queue;
      pool.ingressCycles[h] = nowNs;
      out[outStart + i] = h;
    }
    // Slots past n were not used: keep them at the front for the next call.
    const left = this.stash - n;
    for (let i = 0; i < left; i++) handles[i] = handles[n + i]!;
    this.stash = left;
    return n;
  }

  /**
   * HOT: transmits handles src[start .. start+n) (n <= IO_BURST). Frames
   * taken are freed here; returns how many were taken. The caller owns the
   * rest (src[start+taken ..)) and must drop or retry them.
   */
  transmit(src: Uint32Array, start: number, n: number): number {
    const native = this.native;
    if (native === null || n === 0) return 0;
    const pool = this.pool;
    const handles = this.txHandles;
    for (let i = 0; i < n; i++) {
      const h = src[start + i]!;
      handles[i] = h;
      this.txOffs[i] = pool.dataOff[h]!;
      this.txLens[i] = pool.lenBytes[h]!;
    }
    const taken = native.tx(n);
    for (let i = 0; i < taken; i++) freePacket(pool, handles[i]!);
    return taken;
  }

  /** COLD */
  stats(): NativePortStats {
    return this.native !== null ? this.native.stats() : (this.closedStats ?? emptyStats());
  }

  /** COLD: closes the socket and returns unused stash slots to the pool. */
  close(): void {
    for (let i = 0; i < this.stash; i++) freePacket(this.pool, this.handles[i]!);
    this.stash = 0;
    if (this.native !== null) {
      this.native.close();
      this.closedStats = this.native.stats();
      this.native = null;
    }
  }

  /** COLD: what the addon needs to bind this object's arrays. */
  bindings(): Pick<NativeOpenOptions, 'poolBytes' | 'slotBytes' | 'headroom' | 'handles' | 'offs' | 'lens' | 'txHandles' | 'txOffs' | 'txLens'> {
    return {
      poolBytes: this.pool.bytes, slotBytes: SLOT_BYTES, headroom: HEADROOM_BYTES,
      handles: this.handles, offs: this.offs, lens: this.lens,
      txHandles: this.txHandles, txOffs: this.txOffs, txLens: this.txLens,
    };
  }
}

function emptyStats(): NativePortStats {
  return { rxFrames: 0, rxBytes: 0, txFrames: 0, txBytes: 0, rxOversize: 0, rxTruncated: 0, txBadFrame: 0, txRingFull: 0, kernelDrops: 0, kicks: 0 };
}
