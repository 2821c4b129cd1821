/**
 * urlfilter: [Quadrant] chain 2's UrlFilter — reassembles TCP byte streams
 * per connection and matches Snort-like URL strings with Aho–Corasick; a
 * match blocks the connection: the packet that completed the match and
 * every later packet of the connection, both directions, are dropped as
 * `url_blocked` (until an RST ends the connection).
 *
 * Connection table: tcp-conn-table.ts. Reassembly and its bounded
 * out-of-order policy: tcp-reassembly.ts.
 * Matching and the declared automaton memory: aho-corasick.ts.
 * Other traffic:
 *  - non-TCP (other IP protocols, and non-IP frames such as ARP): gate 0, or
 *    dropped as `non_tcp` with `nonTcp: drop`;
 *  - TCP in IP fragments: dropped as `tcp_fragment` (no IP defragmentation;
 *    passing them would let a fragmented URL through unscanned);
 *  - malformed frames: dropped under the parser's reason names;
 *  - a segment of a new connection when the table is full: passed unscanned
 *    and counted `urlfilter_table_full` (fail-open, like Snort's stream
 *    preprocessor under memcap; a real deployment would size `connections`);
 *  - segments of unknown connections that carry no data and no SYN (pure
 *    ACKs, FIN-ACKs after teardown) and RSTs pass without creating entries.
 * Entries are removed on RST, on the second direction's FIN, and when idle
 * for longer than `idleTimeout` (default 30 s, Snort 2 stream5's): a packet
 * of an idle connection finds it gone and starts it over, and a new
 * connection that finds the table full frees an idle entry if one of the
 * next RECLAIM_SCAN it looks at is (counted `expiredConnections`).
 *
 * Example:
 *   kind: urlfilter
 *   config: { patterns: ["/etc/passwd", "cmd.exe", "|2e 2e 2f|"], connections: 4096 }
 */
import { IP_PROTO_TCP, TCP_FIN, TCP_RST, TCP_SYN } from '../packet/header-consts.js';
import { ParsedPacket, ParseResult, parsePacket } from '../packet/parse.js';
import { read32 } from '../packet/bytes.js';
import { AhoCorasick } from './aho-corasick.js';
import type { NfContext, NfCost, NfEnv, NfInstance, NfKind } from './nf.js';
import { CONN_BLOCKED, CONN_FIN0, CONN_FIN1, TcpConnTable } from './tcp-conn-table.js';
import { SEG_DROP, SEG_MATCH, TcpStreams } from './tcp-reassembly.js';
import { PARSE_DROP_REASONS, parseDropIds } from './parse-drops.js';
import { checkUrlFilterConfig, patternBytes, type UrlFilterConfig } from './urlfilter-config.js';

export type { UrlFilterConfig } from './urlfilter-config.js';

const COUNTERS = [
  'matches', 'blockedConnections', 'reassembled', 'outOfOrder', 'oooHeld', 'gaps', 'retransmitted',
  'scannedBytes', 'activeConnections', 'nonTcp', 'urlfilter_table_full', 'expiredConnections',
] as const;
const C_MATCHES = 0, C_BLOCKED = 1, C_REASSEMBLED = 2, C_OOO = 3, C_HELD = 4, C_GAPS = 5, C_RETX = 6;
const C_SCANNED = 7, C_ACTIVE = 8, C_NON_TCP = 9, C_TABLE_FULL = 10, C_EXPIRED = 11;
/** Entries a new connection looks at for an idle one when the table is full (bounded work per packet). */
const RECLAIM_SCAN = 8;

const DROP_REASONS = [...PARSE_DROP_REASONS, 'non_tcp', 'tcp_fragment', 'url_blocked', 'ooo_overflow'];
const GATE_OUT = 0;
/** Bytes declared read for a frame the parser rejected: the first line, or less. */
const REJECT_READ_BYTES = 64;

class UrlFilter implements NfInstance {
  readonly cost: NfCost;
  readonly counters = new Float64Array(COUNTERS.length);
  readonly ac: AhoCorasick;
  readonly table: TcpConnTable;
  readonly streams: TcpStreams;
  private readonly parsed = new ParsedPacket();
  private readonly parseDropIds: Int32Array;
  private readonly nonTcpId: number;
  private readonly fragmentId: number;
  private readonly blockedId: number;
  private readonly overflowId: number;
  private readonly passNonTcp: boolean;
  private readonly block: boolean;
  private readonly cyclesPerScannedByte: number;
  /** idleTimeout in cycles; Infinity = never. */
  private readonly idleCycles: number;

  /** COLD: builds the automaton and the connection table, registers their memory. */
  constructor(config: UrlFilterConfig, env: NfEnv) {
    this.cost = { cyclesPerBatch: config.cyclesPerBatch, cyclesPerPacket: config.cyclesPerPacket, cyclesPerByte: 0 };
    this.cyclesPerScannedByte = config.cyclesPerScannedByte;
    this.ac = AhoCorasick.build(patternBytes(config), config.nocase);
    this.ac.place(env.allocRegion('urlfilter.ac.delta', this.ac.deltaBytes), env.allocRegion('urlfilter.ac.classes', 256));
    this.block = config.action === 'block';
    this.table = new TcpConnTable(config.connections);
    this.table.place(env.allocRegion('urlfilter.conn.slots', this.table.slotBytes), env.allocRegion('urlfilter.conn.entries', this.table.entryBytes));
    this.streams = new TcpStreams(config.connections, config.windowBytes, this.ac, this.block, config.oooOverflow === 'drop');
    this.streams.place(env.allocRegion('urlfilter.streams', this.streams.stateBytes), env.allocRegion('urlfilter.windows', this.streams.windowRegionBytes));
    this.parseDropIds = parseDropIds(env);
    this.nonTcpId = env.dropReason('non_tcp');
    this.fragmentId = env.dropReason('tcp_fragment');
    this.blockedId = env.dropReason('url_blocked');
    this.overflowId = env.dropReason('ooo_overflow');
    this.passNonTcp = config.nonTcp === 'pass';
    this.idleCycles = config.idleTimeout > 0 ? config.idleTimeout * env.hz : Infinity;
  }

  /** HOT */
  process(ctx: NfContext, handles: Uint32Array, count: number): void {
    const pool = ctx.pool;
    const bytes = pool.bytes;
    const parsed = this.parsed;
    const table = this.table;
    const streams = this.streams;
    const mem = ctx.mem;
    const c = this.counters;
    const now = ctx.nowCycles;
    const idle = this.idleCycles;
    const scannedBefore = streams.scannedBytes;
    for (let i = 0; i < count; i++) {
      const h = handles[i]!;
      const off = pool.frameOffset(h);
      const len = pool.lenBytes[h]!;
      const code = parsePacket(bytes, off, len, parsed, false);
      if (code === ParseResult.UnsupportedEtherType || (code === ParseResult.Ok && parsed.proto !== IP_PROTO_TCP)) {
        ctx.readPacket(h, 0, (parsed.l4Off >= 0 ? parsed.l4Off : parsed.l3Off) - off);
        c[C_NON_TCP]++;
        if (this.passNonTcp) ctx.emit(GATE_OUT, h);
        else ctx.drop(h, this.nonTcpId);
        continue;
      }
      if (code !== ParseResult.Ok) {
        if (len > 0) ctx.readPacket(h, 0, len < REJECT_READ_BYTES ? len : REJECT_READ_BYTES);
        ctx.drop(h, this.parseDropIds[code]!);
        continue;
      }
      ctx.readPacket(h, 0, parsed.payloadOff - off);
      if (parsed.fragment) {
        ctx.drop(h, this.fragmentId);
        continue;
      }
      if (parsed.ipVersion === 4) table.setKeyV4(parsed.srcIp, parsed.dstIp, parsed.srcPort, parsed.dstPort);
      else table.setKeyV6(bytes, parsed.srcIp6Off, parsed.dstIp6Off, parsed.srcPort, parsed.dstPort);
      const tcpFlags = parsed.tcpFlags;
      const n = parsed.payloadLen;
      let e = table.lookup(mem);
      if (e >= 0 && now - table.lastSeen[e]! > idle) {
        // Idle past the timeout: forgotten; this packet starts it over.
        table.remove(e, mem);
        c[C_EXPIRED]++;
        e = table.lookup(mem);
      }
      if (e < 0) {
        // Nothing to track: an RST, or a segment with neither data nor SYN.
        if ((tcpFlags & TCP_RST) !== 0 || (n === 0 && (tcpFlags & TCP_SYN) === 0)) {
          ctx.emit(GATE_OUT, h);
          continue;
        }
        e = table.insert(mem);
        if (e < 0 && idle !== Infinity && table.reclaim(now, idle, RECLAIM_SCAN, mem)) {
          c[C_EXPIRED]++;
          table.lookup(mem); // the removal moved slots: find this key's empty slot again
          e = table.insert(mem);
        }
        if (e < 0) {
          c[C_TABLE_FULL]++;
          ctx.emit(GATE_OUT, h);
          continue;
        }
        streams.reset(e, mem);
      }
      table.touch(e, now, mem);
      const dir = table.dir;
      if ((table.flags[e]! & CONN_BLOCKED) !== 0) {
        if ((tcpFlags & TCP_RST) !== 0) table.remove(e, mem);
        ctx.drop(h, this.blockedId);
        continue;
      }
      // One declaration epoch per packet: each automaton line it touches is declared once.
      this.ac.beginEpoch();
      const r = streams.segment(e, dir, tcpFlags, read32(bytes, parsed.l4Off + 4), bytes, parsed.payloadOff, n, mem);
      if (streams.touchedTo > streams.touchedFrom) {
        ctx.readPacket(h, parsed.payloadOff - off + streams.touchedFrom, streams.touchedTo - streams.touchedFrom);
      }
      if (r === SEG_DROP) {
        ctx.drop(h, this.overflowId);
        continue;
      }
      if (r === SEG_MATCH && this.block) {
        table.setFlags(e, table.flags[e]! | CONN_BLOCKED, mem);
        c[C_BLOCKED]++;
        if ((tcpFlags & TCP_RST) !== 0) table.remove(e, mem);
        ctx.drop(h, this.blockedId);
        continue;
      }
      if ((tcpFlags & TCP_RST) !== 0) table.remove(e, mem);
      else if ((tcpFlags & TCP_FIN) !== 0) {
        const f = table.flags[e]! | (dir === 0 ? CONN_FIN0 : CONN_FIN1);
        if ((f & (CONN_FIN0 | CONN_FIN1)) === (CONN_FIN0 | CONN_FIN1)) table.remove(e, mem);
        else table.setFlags(e, f, mem);
      }
      ctx.emit(GATE_OUT, h);
    }
    const scanned = streams.scannedBytes - scannedBefore;
    if (scanned > 0) ctx.chargeCycles(scanned * this.cyclesPerScannedByte);
    c[C_MATCHES] = streams.matches;
    c[C_REASSEMBLED] = streams.reassembled;
    c[C_OOO] = streams.outOfOrder;
    c[C_HELD] = streams.held;
    c[C_GAPS] = streams.gaps;
    c[C_RETX] = streams.retransmitted;
    c[C_SCANNED] = streams.scannedBytes;
    c[C_ACTIVE] = table.size;
  }
}

export const urlfilterKind: NfKind<UrlFilterConfig> = {
  name: 'urlfilter',
  help: 'TCP reassembly + Aho-Corasick URL-string matching; a match blocks the connection',
  gateNames: ['out'],
  dropReasons: DROP_REASONS,
  counters: COUNTERS,
  isQueue: false,
  checkConfig: checkUrlFilterConfig,
  outputGates: () => 1,
  create: (config, env) => new UrlFilter(config, env),
};
