/**
 * Test helpers for the flow NFs (lb, nat, tunnel): IPv4 TCP/UDP frames for a
 * given 5-tuple, checksum verification with the reference implementation of
 * test/packet/helpers.ts (shares no code with src/packet/checksum.ts), and a
 * direct runner whose context lets a test choose the virtual time and touch
 * the pool before processing (the harness fixes nowCycles at 0).
 */
import { ETHERTYPE_IPV4, IPV4_FLAG_DF, IP_PROTO_TCP, TCP_ACK } from '../../src/packet/header-consts.js';
import { setL4ChecksumIpv4, writeEthernet, writeIpv4Header, writeTcpHeader, writeUdpHeader } from '../../src/packet/header-write.js';
import { PacketPool, PoolPartition, freePacket } from '../../src/packet/pool.js';
import type { AnyNfKind, NfContext, NfEnv, NfInstance } from '../../src/nf/nf.js';
import { Problems } from '../../src/util/config-check.js';
import { hexToBytes, ipv4PseudoAndSegment, verifiesRef } from '../packet/helpers.js';

export { hexToBytes };

export interface Tuple { srcIp: number; dstIp: number; srcPort: number; dstPort: number; proto: number }

/** Ethernet + IPv4 (no options) + TCP (ACK, or `tcpFlags`) or UDP + `payloadBytes` of 0x5a, checksums valid. */
export function l4Frame(t: Tuple, opts: { tcpFlags?: number; payloadBytes?: number } = {}): Uint8Array {
  const payload = opts.payloadBytes ?? 6;
  const l4Header = t.proto === IP_PROTO_TCP ? 20 : 8;
  const f = new Uint8Array(14 + 20 + l4Header + payload);
  writeEthernet(f, 0, 0x020000000002, 0x020000000001, ETHERTYPE_IPV4);
  writeIpv4Header(f, 14, 0, 20 + l4Header + payload, 0x4242, IPV4_FLAG_DF, 64, t.proto, t.srcIp, t.dstIp);
  if (t.proto === IP_PROTO_TCP) writeTcpHeader(f, 34, t.srcPort, t.dstPort, 1, 2, opts.tcpFlags ?? TCP_ACK, 65535);
  else writeUdpHeader(f, 34, t.srcPort, t.dstPort, 8 + payload);
  f.fill(0x5a, 34 + l4Header);
  setL4ChecksumIpv4(f, 14, 34, l4Header + payload, t.proto);
  return f;
}

const u16 = (b: ArrayLike<number>, o: number) => (b[o]! << 8) | b[o + 1]!;
const u32 = (b: ArrayLike<number>, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

/** The 5-tuple of an untagged IPv4 TCP/UDP frame (any IHL). */
export function tupleOf(frame: ArrayLike<number>): Tuple {
  const l4 = 14 + ((frame[14]! & 0x0f) << 2);
  return { srcIp: u32(frame, 26), dstIp: u32(frame, 30), srcPort: u16(frame, l4), dstPort: u16(frame, l4 + 2), proto: frame[23]! };
}

/** True if the IPv4 header checksum and the TCP/UDP checksum of an untagged frame both verify (reference code). */
export function checksumsValid(frame: ArrayLike<number>): boolean {
  const buf = Uint8Array.from(frame);
  const ihl = (buf[14]! & 0x0f) << 2;
  if (!verifiesRef(buf.slice(14, 14 + ihl))) return false;
  const total = u16(buf, 16);
  const proto = buf[23]!;
  const l4 = 14 + ihl;
  const csumAt = l4 + (proto === IP_PROTO_TCP ? 16 : 6);
  if (proto !== IP_PROTO_TCP && u16(buf, csumAt) === 0) return true; // UDP without checksum
  // A UDP checksum computed as 0 is sent as 0xffff; the sum still folds to all ones, so one test covers both.
  return verifiesRef(ipv4PseudoAndSegment(buf, 14, l4, total - ihl, proto));
}

export const hex = (bytes: ArrayLike<number>) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** Dotted quad to u32 (test shorthand). */
export const ip = (s: string) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);

export interface DirectResult {
  out: number[];
  drops: { h: number; reason: string }[];
  frames: Map<number, number[]>;
  handles: number[];
}

/**
 * One NF instance driven with a hand-made context: `batch(frames, nowCycles, prep)`
 * lets a test set the virtual time and adjust each handle (e.g. use up headroom) first.
 */
export class DirectRunner {
  readonly pool = PacketPool.create(1024);
  readonly instance: NfInstance;
  private readonly part = new PoolPartition(this.pool, 0, 1024);
  private readonly reasons: string[];

  constructor(readonly kind: AnyNfKind, raw: unknown, hz = 1e9) {
    const p = new Problems();
    const config = kind.checkConfig(raw, 'config', p);
    p.throwIfAny(kind.name);
    this.reasons = [...kind.dropReasons];
    let next = 0x100000;
    const env: NfEnv = {
      moduleName: 'nf', coreId: 0, hz, seed: 7,
      dropReason: (n) => this.reasons.indexOf(n),
      allocRegion: (_l, size) => { const b = next; next += size + 4096; return b; },
      counterIndex: (n) => kind.counters.indexOf(n),
    };
    this.instance = kind.create(config, env);
  }

  counter(name: string): number {
    return this.instance.counters[this.kind.counters.indexOf(name)]!;
  }

  batch(frames: Uint8Array[], nowCycles: number, prep?: (pool: PacketPool, h: number) => void): DirectResult {
    const pool = this.pool;
    const handles: number[] = [];
    for (const f of frames) {
      const h = this.part.tryAlloc();
      if (prep) prep(pool, h);
      pool.bytes.set(f, pool.frameOffset(h));
      pool.lenBytes[h] = f.length;
      handles.push(h);
    }
    const out: number[] = [];
    const drops: { h: number; reason: string }[] = [];
    const none = () => 0;
    const ctx: NfContext = {
      pool, coreId: 0, nowCycles,
      mem: { read: none, write: none },
      emit: (_g, h) => { out.push(h); },
      emitAll: (_g, hs, n) => { for (let i = 0; i < n; i++) out.push(hs[i]!); },
      drop: (h, r) => { drops.push({ h, reason: this.reasons[r]! }); },
      chargeCycles: () => {},
      readPacket: none,
      writePacket: none,
    };
    this.instance.process(ctx, Uint32Array.from(handles), handles.length);
    const snapshot = new Map<number, number[]>();
    for (const h of handles) {
      const off = pool.frameOffset(h);
      snapshot.set(h, Array.from(pool.bytes.subarray(off, off + pool.lenBytes[h]!)));
      freePacket(pool, h);
    }
    return { out, drops, frames: snapshot, handles };
  }
}
