/**
 * Writes the bytes of generated frames: Ethernet + IPv4 + UDP/TCP for a flow
 * of a FlowSet, from per-flow header templates (copied by 32-bit words, then
 * lengths, id and checksums patched), payload zeroed.
 *
 * The NIC model decides *which* frame arrives when (flow, size, sequence
 * number, arrival time) and leaves the bytes to this writer, which the core
 * that admits the frame runs: frames dropped at the RX ring are never
 * written, and the writing cost lands on the cores that consume the traffic
 * rather than on the one thread that hosts the NIC.
 */
import { write16, write32 } from '../packet/bytes.js';
import { foldSum, sum16 } from '../packet/checksum.js';
import { ETHERTYPE_IPV4, IPV4_FLAG_DF, TCP_ACK } from '../packet/header-consts.js';
import { setL4ChecksumIpv4, writeEthernet, writeIpv4Header, writeTcpHeader, writeUdpHeader } from '../packet/header-write.js';
import type { PacketPool } from '../packet/pool.js';
import { PROTO_TCP, type FlowSet } from './flows.js';
import { derivedFromFlows } from './flow-cache.js';

/** Bytes of a header template: Ethernet 14 + IPv4 20 + TCP 20 (UDP 8), rounded up to whole words. */
export const TEMPLATE_BYTES = 56;
const TEMPLATE_WORDS = TEMPLATE_BYTES / 4;
const FCS_BYTES = 4;

/** Locally administered MACs of the traffic generator (src) and the device under test (dst). */
export const GENERATOR_MAC = 0x02_00_00_00_00_01;
export const DUT_MAC = 0x02_00_00_00_00_02;

/** COLD: header templates of every flow, and the sum of each IPv4 header without its per-frame fields. */
function makeTemplates(flows: FlowSet): { tmpl: Uint8Array; ipSum: Uint32Array } {
  const n = flows.count;
  const t = new Uint8Array(n * TEMPLATE_BYTES);
  const ipSum = new Uint32Array(n);
  for (let f = 0; f < n; f++) {
    const off = f * TEMPLATE_BYTES;
    writeEthernet(t, off, DUT_MAC, GENERATOR_MAC, ETHERTYPE_IPV4);
    writeIpv4Header(t, off + 14, 0, 0, 0, IPV4_FLAG_DF, 64, flows.proto[f]!, flows.srcIp[f]!, flows.dstIp[f]!);
    // Sum of the header with total length, id and checksum 0: each frame adds its own.
    t[off + 24] = 0;
    t[off + 25] = 0;
    ipSum[f] = sum16(t, off + 14, 20, 0);
    if (flows.proto[f] === PROTO_TCP) writeTcpHeader(t, off + 34, flows.srcPort[f]!, flows.dstPort[f]!, 0, 0, TCP_ACK, 65535);
    else writeUdpHeader(t, off + 34, flows.srcPort[f]!, flows.dstPort[f]!, 0);
  }
  return { tmpl: t, ipSum };
}

export class FrameWriter {
  private readonly tmpl: Uint8Array;
  private readonly tmplWords: Uint32Array;
  private readonly ipSum: Uint32Array;
  private readonly proto: Uint8Array;
  private readonly words: Uint32Array;

  /**
   * COLD: templates for every flow of `flows` (made once per flow set and
   * shared, read-only, by later writers: see flow-cache.ts); frames are
   * written into `pool`.
   */
  constructor(flows: FlowSet, private readonly pool: PacketPool) {
    const t = derivedFromFlows(flows, 'frame templates', () => makeTemplates(flows));
    this.tmpl = t.tmpl;
    this.tmplWords = new Uint32Array(this.tmpl.buffer);
    this.ipSum = t.ipSum;
    this.proto = flows.proto;
    const bytes = pool.bytes;
    this.words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  }

  /**
   * HOT: write the bytes of a frame the NIC described in metadata only
   * (flowId, lenBytes, seqNo; dataOff still the NEEDS_BYTES marker), with
   * `flowBase` the global id of this writer's first flow.
   */
  writeDescribed(h: number, flowBase: number, headroomBytes: number): void {
    const pool = this.pool;
    pool.dataOff[h] = headroomBytes;
    this.write(h, pool.flowId[h]! - flowBase, pool.lenBytes[h]! + FCS_BYTES, pool.seqNo[h]!);
  }

  /**
   * HOT: write the frame of flow `f` (index in the FlowSet), `frameBytes`
   * long including FCS, IP id / TCP sequence from `seq`, into buffer h at its
   * data offset (which must be 4-byte aligned, as the headroom is). Sets
   * lenBytes.
   */
  write(h: number, f: number, frameBytes: number, seq: number): void {
    const pool = this.pool;
    const bytes = pool.bytes;
    const off = pool.frameOffset(h);
    const len = frameBytes - FCS_BYTES;
    const w = this.words;
    const dst = off >>> 2;
    const src = (f * TEMPLATE_BYTES) >>> 2;
    const tw = this.tmplWords;
    for (let k = 0; k < TEMPLATE_WORDS; k++) w[dst + k] = tw[src + k]!;
    // The whole frame is written, payload included (zeros): buffers are
    // reused, and nothing of a previous frame may leak into this one. A loop
    // beats fill() for the few bytes of small frames.
    const end = off + len;
    if (len - TEMPLATE_BYTES <= 64) for (let i = off + TEMPLATE_BYTES; i < end; i++) bytes[i] = 0;
    else bytes.fill(0, off + TEMPLATE_BYTES, end);
    const ip = off + 14;
    const l4 = ip + 20;
    const totalLen = len - 14;
    const id = seq & 0xffff;
    write16(bytes, ip + 2, totalLen);
    write16(bytes, ip + 4, id);
    write16(bytes, ip + 10, ~foldSum(this.ipSum[f]! + totalLen + id) & 0xffff);
    if (this.proto[f] === PROTO_TCP) {
      write32(bytes, l4 + 4, seq >>> 0);
      setL4ChecksumIpv4(bytes, ip, l4, len - 34, PROTO_TCP);
    } else {
      // UDP checksum 0 = "not computed", legal over IPv4 (RFC 768); saves a
      // pass over the payload per frame.
      write16(bytes, l4 + 4, len - 34);
    }
    pool.lenBytes[h] = len;
  }
}
