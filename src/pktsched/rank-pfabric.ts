/**
 * pFabric rank [pFabric]: the flow's remaining size in bytes when the sender
 * emits the packet, counting this packet's payload:
 *   rank = max(0, flowSizeBytes - (tcpSeq - isn))        (mod 2^32 for seq)
 * i.e. flow size minus the byte offset of the packet's first payload byte,
 * read from the TCP header of the real frame. A retransmission carries the
 * rank of its own sequence number. Per-flow state: the flow size (known a
 * priori, as pFabric assumes) and the initial sequence number; the switch
 * itself is stateless.
 * Non-TCP frames, unparsable frames and unknown flows get NaN, which every
 * scheduler refuses as bad-rank.
 * Within one flow later packets have smaller ranks; a plain PIFO therefore
 * serves a flow's buffered packets out of order (pFabric's own switch
 * dequeues the earliest packet of the winning flow; not modelled here).
 */

import { IP_PROTO_TCP } from '../packet/header-consts.js';
import { read32 } from '../packet/bytes.js';
import { ParseResult, ParsedPacket, parsePacket } from '../packet/parse.js';

export class PfabricRank {
  readonly maxFlows: number;
  private readonly sizeBytes: Float64Array;
  private readonly isn: Float64Array;
  private readonly parsed = new ParsedPacket();

  /** COLD: flows are dense ids in [0, maxFlows). */
  constructor(maxFlows: number) {
    if (!Number.isInteger(maxFlows) || maxFlows < 1) throw new RangeError(`PfabricRank: maxFlows must be a positive integer, got ${maxFlows}`);
    this.maxFlows = maxFlows;
    this.sizeBytes = new Float64Array(maxFlows).fill(NaN);
    this.isn = new Float64Array(maxFlows);
  }

  /** COLD-ish: declare flow `flowId` of `sizeBytes` payload bytes starting at TCP sequence `isn`. */
  setFlow(flowId: number, sizeBytes: number, isn: number): void {
    this.sizeBytes[flowId] = sizeBytes;
    this.isn[flowId] = isn >>> 0;
  }

  /** HOT: rank of the frame at buf[off, off + lenBytes) of flow `flowId`. */
  rankOf(buf: Uint8Array, off: number, lenBytes: number, flowId: number): number {
    const p = this.parsed;
    if (parsePacket(buf, off, lenBytes, p, false) !== ParseResult.Ok || p.proto !== IP_PROTO_TCP || p.fragOffsetBytes !== 0) return NaN;
    if (flowId >= this.maxFlows) return NaN;
    const size = this.sizeBytes[flowId]!;
    if (size !== size) return NaN; // flow never declared
    const sentBytes = (read32(buf, p.l4Off + 4) - this.isn[flowId]!) >>> 0;
    const left = size - sentBytes;
    return left > 0 ? left : 0;
  }
}
