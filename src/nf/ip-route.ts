/**
 * The forwarding step shared by the routing NFs: parse Ethernet (+ VLAN) and
 * IPv4, optionally check and decrement the TTL, look the destination up in a
 * route table, optionally rewrite the MACs, and emit on the route's port.
 *
 *   l3fwd      exact (hash) or LPM table, MAC rewrite if configured, no TTL
 *   ipforward  LPM table, TTL + checksum, no MAC rewrite
 *   router     LPM table, TTL + checksum, both MACs rewritten
 *
 * The differences are fixed per instance at create(), so the per-packet
 * branches on them are loop-invariant and predicted; one loop serves all
 * three rather than three copies of it.
 *
 * Drops: what the parser rejects at L2/L3 is counted under the parser's
 * reason names (parseResultName); an IPv6 packet counts as
 * `unsupported_ethertype` (these NFs support EtherType 0x0800 only). L4
 * problems (truncated_l4, bad_l4_header_len) do not stop forwarding: a router
 * does not look at L4. A frame cut short anywhere is caught at L3, because
 * the IPv4 total length then exceeds the bytes present (truncated_ip).
 * TTL expiry drops without an ICMP Time Exceeded (no control plane here).
 */
import { decrementTtl, ParsedPacket, ParseResult, parsePacket, parseResultName, PARSE_RESULT_COUNT, writeMac } from '../packet/headers.js';
import { LpmDir24, type LpmPrefix } from './lpm-dir24.js';
import type { MemoryModel, NfContext, NfEnv, NfInstance } from './nf.js';
import type { RouteCost } from './route-config.js';

/** A table the forwarding step can look destinations up in (RouteHash, LpmDir24). */
export interface RouteTable {
  /** HOT: port for `ip` (u32), or -1; declares the entries it reads through `mem`. */
  lookup(ip: number, mem: MemoryModel): number;
  /** Table entries the last lookup read. */
  readonly lastReads: number;
}

/** Parser outcomes that stop an L3 NF, in code order. */
const L3_FAILURES: readonly number[] = [
  ParseResult.TruncatedEthernet,
  ParseResult.TruncatedVlan,
  ParseResult.UnsupportedEtherType,
  ParseResult.TruncatedIp,
  ParseResult.BadIpVersion,
  ParseResult.BadIpHeaderLen,
  ParseResult.BadIpTotalLen,
  ParseResult.BadIpChecksum,
];

/** Drop reasons every routing NF declares (the parser's names for L2/L3 failures). */
export const L3_PARSE_DROP_REASONS: readonly string[] = L3_FAILURES.map(parseResultName);

export const TTL_EXPIRED = 'ttl_expired';
/** Cycles to verify an IPv4 header checksum, per header byte: one add per 16-bit word (estimate). */
const VERIFY_CYCLES_PER_HEADER_BYTE = 0.5;
export const ROUTE_COUNTERS = ['hits', 'misses'] as const;

/** Everything an IpRouteNf needs, resolved from a kind's config. */
export interface IpRoutePlan {
  table: RouteTable;
  /** Port for destinations with no route; -1 drops them under `noRouteReason`. */
  defaultPort: number;
  noRouteReason: string;
  decrementTtl: boolean;
  verifyChecksum: boolean;
  /** Per-port destination (next-hop) and source MACs to write, or null to leave that MAC alone. */
  dstMacs: readonly number[] | null;
  srcMacs: readonly number[] | null;
  cost: RouteCost;
}

/** COLD: an LpmDir24 for `prefixes`, its two tables placed in simulated memory. */
export function placedLpm(prefixes: readonly LpmPrefix[], firstLevelBits: number, env: NfEnv): LpmDir24 {
  const lpm = new LpmDir24(prefixes, firstLevelBits);
  lpm.placeAt(env.allocRegion(`${env.moduleName}.lpm-tbl1`, lpm.tbl1Bytes), env.allocRegion(`${env.moduleName}.lpm-groups`, lpm.groupsBytes));
  return lpm;
}

/**
 * HOT: bytes from the frame start through the last header byte parsePacket
 * inspected (what the NF declares it read), clipped to the frame.
 */
export function parsedExtent(pp: ParsedPacket, lenBytes: number): number {
  let end = 14;
  if (pp.payloadOff >= 0) end = pp.payloadOff - pp.l2Off;
  else if (pp.l3Off >= 0) end = pp.l3Off - pp.l2Off + 20;
  return end < lenBytes ? end : lenBytes;
}

export class IpRouteNf implements NfInstance {
  readonly cost: RouteCost;
  readonly counters = new Float64Array(ROUTE_COUNTERS.length);
  private readonly parsed = new ParsedPacket();
  /** Drop-reason id per ParseResult code (L2/L3 failures only). */
  private readonly parseDropIds = new Int32Array(PARSE_RESULT_COUNT);
  private readonly notIpv4Id: number;
  private readonly noRouteId: number;
  private readonly ttlExpiredId: number;
  private readonly hitsIdx: number;
  private readonly missesIdx: number;
  private readonly table: RouteTable;
  private readonly defaultPort: number;
  private readonly decTtl: boolean;
  private readonly verify: boolean;
  private readonly dstMacs: Float64Array | null;
  private readonly srcMacs: Float64Array | null;
  private readonly cyclesPerLookupStep: number;

  /** COLD */
  constructor(plan: IpRoutePlan, env: NfEnv) {
    this.cost = { ...plan.cost };
    for (const code of L3_FAILURES) this.parseDropIds[code] = env.dropReason(parseResultName(code));
    this.notIpv4Id = env.dropReason(parseResultName(ParseResult.UnsupportedEtherType));
    this.noRouteId = plan.defaultPort < 0 ? env.dropReason(plan.noRouteReason) : -1;
    this.ttlExpiredId = plan.decrementTtl ? env.dropReason(TTL_EXPIRED) : -1;
    this.hitsIdx = env.counterIndex('hits');
    this.missesIdx = env.counterIndex('misses');
    this.table = plan.table;
    this.defaultPort = plan.defaultPort;
    this.decTtl = plan.decrementTtl;
    this.verify = plan.verifyChecksum;
    this.dstMacs = plan.dstMacs === null ? null : Float64Array.from(plan.dstMacs);
    this.srcMacs = plan.srcMacs === null ? null : Float64Array.from(plan.srcMacs);
    this.cyclesPerLookupStep = plan.cost.cyclesPerLookupStep;
  }

  /** HOT */
  process(ctx: NfContext, handles: Uint32Array, count: number): void {
    const pool = ctx.pool;
    const bytes = pool.bytes;
    const pp = this.parsed;
    const table = this.table;
    const mem = ctx.mem;
    const counters = this.counters;
    const dstMacs = this.dstMacs;
    const srcMacs = this.srcMacs;
    let steps = 0;
    let verifyBytes = 0;
    for (let i = 0; i < count; i++) {
      const h = handles[i]!;
      const off = pool.frameOffset(h);
      const len = pool.lenBytes[h]!;
      const r = parsePacket(bytes, off, len, pp, this.verify);
      const extent = parsedExtent(pp, len);
      if (extent > 0) ctx.readPacket(h, 0, extent);
      if (this.verify && pp.ipHeaderLen > 0) verifyBytes += pp.ipHeaderLen;
      if (r !== ParseResult.Ok && r !== ParseResult.TruncatedL4 && r !== ParseResult.BadL4HeaderLen) {
        ctx.drop(h, this.parseDropIds[r]!);
        continue;
      }
      if (pp.ipVersion !== 4) {
        ctx.drop(h, this.notIpv4Id);
        continue;
      }
      // RFC 1812 §5.3.1: a packet arriving with TTL <= 1 must not be forwarded.
      if (this.decTtl && pp.ttl <= 1) {
        ctx.drop(h, this.ttlExpiredId);
        continue;
      }
      let port = table.lookup(pp.dstIp, mem);
      steps += table.lastReads;
      if (port >= 0) {
        counters[this.hitsIdx] += 1;
      } else {
        counters[this.missesIdx] += 1;
        if (this.defaultPort < 0) {
          ctx.drop(h, this.noRouteId);
          continue;
        }
        port = this.defaultPort;
      }
      if (this.decTtl) {
        decrementTtl(bytes, pp.l3Off);
        ctx.writePacket(h, pp.l3Off - off + 8, 4);
      }
      if (dstMacs !== null || srcMacs !== null) {
        if (dstMacs !== null) writeMac(bytes, off, dstMacs[port]!);
        if (srcMacs !== null) writeMac(bytes, off + 6, srcMacs[port]!);
        ctx.writePacket(h, dstMacs !== null ? 0 : 6, dstMacs !== null && srcMacs !== null ? 12 : 6);
      }
      ctx.emit(port, h);
    }
    const cycles = steps * this.cyclesPerLookupStep + verifyBytes * VERIFY_CYCLES_PER_HEADER_BYTE;
    if (cycles > 0) ctx.chargeCycles(cycles);
  }
}
