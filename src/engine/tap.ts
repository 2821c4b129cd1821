/**
 * Taps: record the packets that pass a gate, leave through a TX port or enter
 * from an RX queue, with their virtual timestamps, so a run can be inspected
 * with tshark and two runs diffed. Each worker collects the records of its
 * own cores (copying the bytes at the moment they pass); at the end of the run
 * the main thread merges them in (time, core, order) order and writes one
 * classic pcap per tap. Recording copies bytes: it is off the hot path only
 * when no tap is configured.
 */
import type { PacketPool } from '../packet/pool.js';
import type { Plan } from '../graph/plan.js';
import { PcapWriter } from '../traffic/pcap.js';

/** Records kept per tap per worker; beyond this they are counted, not stored. */
export const MAX_TAP_RECORDS = 1 << 20;

export interface TapSink {
  /** Tap id on TX port `port`, or -1. */
  txTap(port: number): number;
  record(tap: number, core: number, pool: PacketPool, h: number, tsCycles: number): void;
}

export interface TapRecords {
  tap: number;
  tsCycles: Float64Array;
  core: Int32Array;
  order: Int32Array;
  capLen: Uint32Array;
  dataOffset: Uint32Array;
  data: Uint8Array;
  truncated: number;
}

class Buffer1 {
  ts: number[] = [];
  core: number[] = [];
  len: number[] = [];
  off: number[] = [];
  data = new Uint8Array(1 << 16);
  used = 0;
  truncated = 0;
}

export class TapCollector implements TapSink {
  private readonly bufs: (Buffer1 | null)[];
  private readonly txTaps: Int32Array;

  constructor(plan: Plan) {
    this.bufs = plan.taps.map(() => new Buffer1());
    this.txTaps = new Int32Array(plan.ports.length).fill(-1);
    for (const t of plan.taps) if (t.site.type === 'tx') this.txTaps[t.site.port] = t.id;
  }

  txTap(port: number): number {
    return this.txTaps[port]!;
  }

  record(tap: number, core: number, pool: PacketPool, h: number, tsCycles: number): void {
    const b = this.bufs[tap]!;
    if (b.ts.length >= MAX_TAP_RECORDS) {
      b.truncated++;
      return;
    }
    const len = pool.lenBytes[h]!;
    if (b.used + len > b.data.length) {
      let size = b.data.length * 2;
      while (size < b.used + len) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(b.data.subarray(0, b.used));
      b.data = grown;
    }
    const off = pool.frameOffset(h);
    b.data.set(pool.bytes.subarray(off, off + len), b.used);
    b.ts.push(tsCycles);
    b.core.push(core);
    b.len.push(len);
    b.off.push(b.used);
    b.used += len;
  }

  /** Transferable records (one entry per tap). */
  drain(): TapRecords[] {
    return this.bufs.map((b, tap) => {
      const n = b!.ts.length;
      return {
        tap,
        tsCycles: Float64Array.from(b!.ts),
        core: Int32Array.from(b!.core),
        order: Int32Array.from({ length: n }, (_, i) => i),
        capLen: Uint32Array.from(b!.len),
        dataOffset: Uint32Array.from(b!.off),
        data: b!.data.slice(0, b!.used),
        truncated: b!.truncated,
      };
    });
  }
}

/** Main thread: merge every worker's records of each tap and write the pcap files. Returns records written per tap. */
export function writeTaps(plan: Plan, perWorker: TapRecords[][], hz: number): { file: string; records: number; truncated: number }[] {
  return plan.taps.map((tp) => {
    const parts = perWorker.map((w) => w[tp.id]!).filter((r) => r !== undefined);
    const idx: [number, number][] = [];
    parts.forEach((r, pi) => { for (let i = 0; i < r.tsCycles.length; i++) idx.push([pi, i]); });
    idx.sort((x, y) => {
      const a = parts[x[0]]!; const b = parts[y[0]]!;
      return (a.tsCycles[x[1]]! - b.tsCycles[y[1]]!) || (a.core[x[1]]! - b.core[y[1]]!) || (a.order[x[1]]! - b.order[y[1]]!);
    });
    try {
      const w = PcapWriter.open(tp.file);
      for (const [pi, i] of idx) {
        const r = parts[pi]!;
        const len = r.capLen[i]!;
        w.write(Math.round((r.tsCycles[i]! * 1e9) / hz), r.data, r.dataOffset[i]!, len, len);
      }
      w.close();
    } catch (e) {
      // The folder was checked before the run; this is a disk that filled or
      // a folder removed while it ran. Say which tap.
      throw new Error(`taps[${tp.id}] (${tp.file}): writing its pcap failed: ${(e as Error).message}`);
    }
    return { file: tp.file, records: idx.length, truncated: parts.reduce((s, r) => s + r.truncated, 0) };
  });
}
