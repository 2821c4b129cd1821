/**
 * Per-direction TCP stream reassembly in front of a streaming matcher
 * (urlfilter). One half-stream per connection direction, indexed
 * hs = 2 * entry + dir (entry ids from tcp-conn-table.ts).
 *
 * Bytes are fed to the Aho–Corasick automaton in sequence order; its state
 * (a row offset) is kept per half-stream, so a pattern split across
 * segments is found without copying in-order bytes anywhere. The bounded
 * per-half-stream window (`windowBytes`) holds only bytes that arrived AHEAD
 * of the next expected sequence number `next`:
 *  - in order (seq == next): scanned from the packet; then held bytes that
 *    became contiguous are scanned from the window ("drained").
 *  - old / overlapping (seq < next): only the bytes beyond `next` are
 *    scanned (the first copy of a byte wins); a segment with nothing new is
 *    counted `retransmitted`.
 *  - ahead (seq > next), counted `outOfOrder`: held if it ends within
 *    next + windowBytes and starts inside or right at the end of the single
 *    held range (or nothing is held yet). The packet itself is forwarded; if
 *    its bytes complete a match when the gap fills, the packet that fills
 *    the gap is the one dropped and the connection blocked, so the receiver
 *    never gets the matched bytes in order.
 *  - ahead and not holdable: policy `drop` drops it (the sender retransmits
 *    it later, in order: a strict normaliser); policy `skip` declares a gap:
 *    held bytes at or before the segment are scanned first, then the stream
 *    jumps to the segment with the matcher reset to the root (a pattern
 *    spanning a gap is missed, as in IDSes that give up on lost data).
 * Sequence numbers compare modulo 2^32 through `| 0` differences. A stream
 * starts at the SYN (data at seq + 1) or, mid-stream, at the first segment
 * seen.
 *
 * Simulated memory: the 32-byte half-stream state is read and written once
 * per segment; window bytes are declared when copied in or scanned out.
 * All methods except the constructor are HOT: no allocation, no throwing.
 */
import { TCP_SYN } from '../packet/header-consts.js';
import type { AhoCorasick } from './aho-corasick.js';
import type { MemoryModel } from './nf.js';

const HALF_BYTES = 32;

/** segment() outcomes. */
export const SEG_PASS = 0;
export const SEG_MATCH = 1;
export const SEG_DROP = 2;

export class TcpStreams {
  readonly windowBytes: number;
  readonly nextSeq: Uint32Array;
  private readonly seqKnown: Uint8Array;
  private readonly acRow: Int32Array;
  private readonly heldSeq: Uint32Array;
  readonly heldLen: Uint32Array;
  private readonly window: Uint8Array;
  private halfAddr = 0;
  private windowAddr = 0;

  /** Cumulative statistics (the NF copies them into its counters). */
  reassembled = 0;
  outOfOrder = 0;
  held = 0;
  gaps = 0;
  retransmitted = 0;
  scannedBytes = 0;
  matches = 0;
  /** Payload bytes of the last segment() read from the packet: [touchedFrom, touchedTo) (empty if from >= to). */
  touchedFrom = 0;
  touchedTo = 0;
  private segMatches = 0;

  /**
   * COLD: state for `connections` connections (two half-streams each).
   * `stopAtMatch`: stop scanning a segment at its first match (block mode).
   * `dropOverflow`: the `drop` policy for segments the window cannot hold.
   */
  constructor(connections: number, windowBytes: number, private readonly ac: AhoCorasick,
    private readonly stopAtMatch: boolean, private readonly dropOverflow: boolean) {
    this.windowBytes = windowBytes;
    this.nextSeq = new Uint32Array(2 * connections);
    this.seqKnown = new Uint8Array(2 * connections);
    this.acRow = new Int32Array(2 * connections);
    this.heldSeq = new Uint32Array(2 * connections);
    this.heldLen = new Uint32Array(2 * connections);
    this.window = new Uint8Array(2 * connections * windowBytes);
  }

  get stateBytes(): number {
    return this.nextSeq.length * HALF_BYTES;
  }

  get windowRegionBytes(): number {
    return this.window.length;
  }

  /** COLD: simulated base addresses of the half-stream states and the windows. */
  place(halfAddr: number, windowAddr: number): void {
    this.halfAddr = halfAddr;
    this.windowAddr = windowAddr;
  }

  /** HOT: forget both directions of entry e (a new connection in that entry). */
  reset(e: number, mem: MemoryModel): void {
    for (let hs = 2 * e; hs < 2 * e + 2; hs++) {
      this.seqKnown[hs] = 0;
      this.heldLen[hs] = 0;
      this.acRow[hs] = 0;
    }
    mem.write(this.halfAddr + 2 * e * HALF_BYTES, 2 * HALF_BYTES);
  }

  /**
   * HOT: one segment of entry e in direction `dir` with TCP flags `tcpFlags`,
   * sequence number `seq` and payload buf[p, p+n). Returns SEG_PASS,
   * SEG_MATCH (a pattern ended in bytes scanned for this segment) or SEG_DROP
   * (not holdable under the `drop` policy). See the file comment.
   */
  segment(e: number, dir: number, tcpFlags: number, seq: number, buf: Uint8Array, p: number, n: number, mem: MemoryModel): number {
    const hs = 2 * e + dir;
    const stateAddr = this.halfAddr + hs * HALF_BYTES;
    mem.read(stateAddr, HALF_BYTES);
    this.touchedFrom = n;
    this.touchedTo = 0;
    this.segMatches = 0;
    const dataSeq = (tcpFlags & TCP_SYN) !== 0 ? (seq + 1) >>> 0 : seq;
    if (this.seqKnown[hs] === 0) {
      this.seqKnown[hs] = 1;
      this.nextSeq[hs] = dataSeq;
    }
    let r = SEG_PASS;
    if (n > 0) r = this.data(hs, dataSeq, buf, p, n, mem);
    mem.write(stateAddr, HALF_BYTES);
    this.matches += this.segMatches;
    return r;
  }

  private data(hs: number, dataSeq: number, buf: Uint8Array, p: number, n: number, mem: MemoryModel): number {
    if (((dataSeq - this.nextSeq[hs]!) | 0) <= 0) return this.inOrder(hs, dataSeq, buf, p, n, mem);
    this.outOfOrder++;
    if (this.tryHold(hs, dataSeq, buf, p, n, mem)) {
      this.held++;
      return SEG_PASS;
    }
    if (this.dropOverflow) return SEG_DROP;
    this.gaps++;
    if (this.heldLen[hs]! > 0 && ((dataSeq - this.heldSeq[hs]!) | 0) >= 0) {
      // The segment starts inside or after the held range: scan that first, after the gap before it.
      this.acRow[hs] = 0;
      this.nextSeq[hs] = this.heldSeq[hs]!;
      this.drain(hs, mem);
      if (this.stopAtMatch && this.segMatches > 0) return SEG_MATCH;
    }
    if (((dataSeq - this.nextSeq[hs]!) | 0) > 0) {
      this.acRow[hs] = 0;
      this.nextSeq[hs] = dataSeq;
    }
    return this.inOrder(hs, dataSeq, buf, p, n, mem);
  }

  /** dataSeq <= nextSeq: scan what is new, then drain held bytes that became contiguous. */
  private inOrder(hs: number, dataSeq: number, buf: Uint8Array, p: number, n: number, mem: MemoryModel): number {
    const skip = (this.nextSeq[hs]! - dataSeq) | 0;
    if (skip >= n) {
      this.retransmitted++;
      return this.segMatches > 0 ? SEG_MATCH : SEG_PASS;
    }
    const ac = this.ac;
    this.acRow[hs] = ac.scan(buf, p + skip, n - skip, this.acRow[hs]!, this.stopAtMatch, mem);
    this.scannedBytes += ac.consumed;
    this.segMatches += ac.matchCount;
    if (skip < this.touchedFrom) this.touchedFrom = skip;
    if (skip + ac.consumed > this.touchedTo) this.touchedTo = skip + ac.consumed;
    if (this.stopAtMatch && this.segMatches > 0) return SEG_MATCH;
    this.nextSeq[hs] = (dataSeq + n) >>> 0;
    this.reassembled++;
    if (this.heldLen[hs]! > 0 && ((this.heldSeq[hs]! - this.nextSeq[hs]!) | 0) <= 0) this.drain(hs, mem);
    return this.segMatches > 0 ? SEG_MATCH : SEG_PASS;
  }

  /** The held range starts at or before nextSeq: scan its part beyond nextSeq and release it. */
  private drain(hs: number, mem: MemoryModel): void {
    const start = this.heldSeq[hs]!;
    const len = this.heldLen[hs]!;
    this.heldLen[hs] = 0;
    const from = (this.nextSeq[hs]! - start) | 0;
    if (from >= len) return;
    const w = hs * this.windowBytes + from;
    mem.read(this.windowAddr + w, len - from);
    const ac = this.ac;
    this.acRow[hs] = ac.scan(this.window, w, len - from, this.acRow[hs]!, this.stopAtMatch, mem);
    this.scannedBytes += ac.consumed;
    this.segMatches += ac.matchCount;
    this.nextSeq[hs] = (start + len) >>> 0;
    this.reassembled++;
  }

  /** dataSeq > nextSeq: copy the segment into the window if the policy allows; true if held. */
  private tryHold(hs: number, dataSeq: number, buf: Uint8Array, p: number, n: number, mem: MemoryModel): boolean {
    const endRel = ((dataSeq - this.nextSeq[hs]!) >>> 0) + n;
    if (endRel > this.windowBytes) return false;
    const held = this.heldLen[hs]!;
    let rel = 0;
    if (held === 0) this.heldSeq[hs] = dataSeq;
    else {
      rel = (dataSeq - this.heldSeq[hs]!) | 0;
      if (rel < 0 || rel > held) return false;
    }
    const end = rel + n;
    if (end > held) {
      // Bytes already held win: copy only the part beyond the held range.
      const from = held - rel;
      const w = hs * this.windowBytes + held;
      const win = this.window;
      for (let i = from; i < n; i++) win[w + i - from] = buf[p + i]!;
      mem.write(this.windowAddr + w, n - from);
      if (from < this.touchedFrom) this.touchedFrom = from;
      this.touchedTo = n;
      this.heldLen[hs] = end;
    }
    return true;
  }
}
