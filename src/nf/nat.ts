/**
 * nat: source NAT with a pool of L4 ports, the NAT of [Quadrant] chain 3.
 *
 * Outbound (every packet, or every packet not addressed to the NAT when
 * `bidirectional`): the inside 5-tuple is looked up in a FlowTable; a new
 * connection takes the next free port of `portRange` and keeps it for the
 * connection's life; the source IP and port are rewritten to
 * `publicIp`:port with incremental IPv4 and TCP/UDP checksum updates.
 * Inbound (only with `bidirectional: true`): a packet to publicIp:port with
 * port in the range is translated back (destination := the inside address
 * and port) if that port is mapped and the packet comes from the
 * connection's remote endpoint and protocol; otherwise dropped as
 * `nat_no_mapping` (address-and-port-dependent filtering, RFC 4787).
 *
 * State (all typed arrays, every access declared through ctx.mem):
 *   nat.flows.*  FlowTable, capacity = pool size: inside 5-tuple -> port index
 *   nat.ports    pool size x 4 B: port index -> flow entry id (-1 when free)
 *   nat.free     pool size x 4 B: FIFO ring of free port indices; released
 *                ports go to the back, so a port is reused as late as possible
 * One pool serves TCP and UDP together (a real NAT may keep one per protocol).
 *
 * Connection end: a TCP packet with FIN or RST is translated and then its
 * mapping is released at once (simpler than tracking both FINs and
 * TIME_WAIT; a straggling ACK opens a new mapping outbound, or is dropped
 * inbound). With `idleTimeoutNs` > 0, a mapping not used for that long (in
 * virtual time, ctx.nowCycles) expires: the table's age list is kept in
 * least-recently-used order, up to 64 of the oldest expired mappings are
 * released at the start of each batch, and an expired mapping met by a
 * lookup, or needed because the pool is empty, is released on the spot.
 *
 * Dropped, counted: parsePacket failures (its reason names), IPv6
 * (`not_ipv4`), non-TCP/UDP (`unsupported_l4_proto`: ICMP query NAT is not
 * implemented), IP fragments (`ip_fragment`), an empty pool
 * (`nat_pool_exhausted`).
 */
import { ParsedPacket } from '../packet/parse.js';
import { IP_PROTO_TCP, IP_PROTO_UDP, TCP_CHECKSUM_OFF, UDP_CHECKSUM_OFF } from '../packet/checksum.js';
import { L4_DST_PORT_OFF, L4_SRC_PORT_OFF, TCP_FIN, TCP_RST } from '../packet/header-consts.js';
import { setIpv4Dst, setIpv4Src, setL4Port } from '../packet/header-write.js';
import { parseIpv4 } from '../packet/addr-text.js';
import { asObject, joinPath, readBool, readNumber, readString, rejectUnknownKeys, type Problems } from '../util/config-check.js';
import { nsToCycles } from '../util/units.js';
import { flowHashSeed, hashFiveTuple, packPorts } from './flow-hash.js';
import { FlowTable } from './flow-table.js';
import type { NfContext, NfCost, NfEnv, NfInstance, NfKind } from './nf.js';
import { PARSE_DROP_REASONS, parseDropIds, parseIpv4OrDrop } from './parse-drops.js';

export interface NatConfig {
  publicIp: number;
  /** First and last port of the pool (inclusive). */
  portLo: number;
  portHi: number;
  bidirectional: boolean;
  /** 0: mappings never expire. */
  idleTimeoutNs: number;
  cyclesPerBatch: number;
  cyclesPerPacket: number;
  cyclesPerByte: number;
  cyclesPerExtraProbe: number;
  cyclesPerEntryChange: number;
}

const KEYS = [
  'publicIp', 'portRange', 'bidirectional', 'idleTimeoutNs',
  'cyclesPerBatch', 'cyclesPerPacket', 'cyclesPerByte', 'cyclesPerExtraProbe', 'cyclesPerEntryChange',
] as const;
const PORT_RANGE_RE = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/;
/** Bounds the expiry work done at the start of one batch; the rest waits for later batches or a lookup. */
const MAX_EXPIRIES_PER_BATCH = 64;
const BYTES_PER_INDEX = 4;

const C_NEW = 0;
const C_HITS = 1;
const C_REVERSE_HITS = 2;
const C_CLOSED = 3;
const C_EXPIRED = 4;
const COUNTERS = ['newConnections', 'hits', 'reverseHits', 'closed', 'expired'];

class Nat implements NfInstance {
  readonly counters = new Float64Array(COUNTERS.length);
  readonly cost: NfCost;
  private readonly table: FlowTable;
  private readonly parsed = new ParsedPacket();
  private readonly parseDrop: Int32Array;
  private readonly notIpv4Id: number;
  private readonly unsupportedL4Id: number;
  private readonly fragmentId: number;
  private readonly exhaustedId: number;
  private readonly noMappingId: number;
  private readonly seed: number;
  private readonly publicIp: number;
  private readonly portLo: number;
  private readonly portHi: number;
  private readonly bidirectional: boolean;
  private readonly idleCycles: number;
  private readonly cyclesPerExtraProbe: number;
  private readonly cyclesPerEntryChange: number;
  private readonly poolSize: number;
  private readonly portEntry: Int32Array;
  private readonly portsAddr: number;
  private readonly freeRing: Uint32Array;
  private readonly freeAddr: number;
  private freeHead = 0;
  private freeCount: number;

  constructor(config: NatConfig, env: NfEnv) {
    this.cost = { cyclesPerBatch: config.cyclesPerBatch, cyclesPerPacket: config.cyclesPerPacket, cyclesPerByte: config.cyclesPerByte };
    this.poolSize = config.portHi - config.portLo + 1;
    this.table = new FlowTable(this.poolSize, env, 'nat.flows');
    this.portEntry = new Int32Array(this.poolSize).fill(-1);
    this.portsAddr = env.allocRegion('nat.ports', this.poolSize * BYTES_PER_INDEX);
    this.freeRing = new Uint32Array(this.poolSize);
    for (let i = 0; i < this.poolSize; i++) this.freeRing[i] = i;
    this.freeAddr = env.allocRegion('nat.free', this.poolSize * BYTES_PER_INDEX);
    this.freeCount = this.poolSize;
    this.parseDrop = parseDropIds(env);
    this.notIpv4Id = env.dropReason('not_ipv4');
    this.unsupportedL4Id = env.dropReason('unsupported_l4_proto');
    this.fragmentId = env.dropReason('ip_fragment');
    this.exhaustedId = env.dropReason('nat_pool_exhausted');
    this.noMappingId = env.dropReason('nat_no_mapping');
    this.seed = flowHashSeed(env.seed);
    this.publicIp = config.publicIp >>> 0;
    this.portLo = config.portLo;
    this.portHi = config.portHi;
    this.bidirectional = config.bidirectional;
    this.idleCycles = Math.round(nsToCycles(config.idleTimeoutNs, env.hz));
    this.cyclesPerExtraProbe = config.cyclesPerExtraProbe;
    this.cyclesPerEntryChange = config.cyclesPerEntryChange;
  }

  /** Free ports left (for tests and telemetry). */
  get freePorts(): number {
    return this.freeCount;
  }

  /** HOT */
  process(ctx: NfContext, handles: Uint32Array, count: number): void {
    if (this.idleCycles > 0) this.expireIdle(ctx, MAX_EXPIRIES_PER_BATCH);
    const pool = ctx.pool;
    const p = this.parsed;
    for (let i = 0; i < count; i++) {
      const h = handles[i]!;
      if (!parseIpv4OrDrop(ctx, h, p, this.parseDrop, this.notIpv4Id, false)) continue;
      const off = pool.frameOffset(h);
      const proto = p.proto;
      if (proto !== IP_PROTO_TCP && proto !== IP_PROTO_UDP) { ctx.drop(h, this.unsupportedL4Id); continue; }
      if (p.fragment) { ctx.drop(h, this.fragmentId); continue; }
      const inbound = this.bidirectional && p.dstIp === this.publicIp && p.dstPort >= this.portLo && p.dstPort <= this.portHi;
      const id = inbound ? this.inbound(ctx, p) : this.outbound(ctx, p);
      if (id < 0) {
        ctx.drop(h, -id - 1);
        continue;
      }
      // One declared write from the IP checksum to the end of the L4 checksum (addresses and ports lie between).
      const from = p.l3Off + 10 - off;
      const to = p.l4Off + (proto === IP_PROTO_TCP ? TCP_CHECKSUM_OFF : UDP_CHECKSUM_OFF) + 2 - off;
      ctx.writePacket(h, from, to - from);
      if (proto === IP_PROTO_TCP && (p.tcpFlags & (TCP_FIN | TCP_RST)) !== 0) {
        this.release(ctx, id);
        this.counters[C_CLOSED]++;
      }
      ctx.emit(0, h);
    }
  }

  /** HOT: translates an outbound packet; returns its entry id, or -(dropReasonId + 1). */
  private outbound(ctx: NfContext, p: ParsedPacket): number {
    const table = this.table;
    const mem = ctx.mem;
    const ports = packPorts(p.srcPort, p.dstPort);
    const hash = hashFiveTuple(this.seed, p.srcIp, p.dstIp, ports, p.proto);
    let id = table.lookup(mem, hash, p.srcIp, p.dstIp, ports, p.proto);
    // The declared per-packet cost includes one key comparison.
    if (table.lastProbes > 1) ctx.chargeCycles((table.lastProbes - 1) * this.cyclesPerExtraProbe);
    if (id >= 0 && this.idleCycles > 0 && ctx.nowCycles - table.stampCycles[id]! >= this.idleCycles) {
      this.release(ctx, id);
      this.counters[C_EXPIRED]++;
      id = -1;
    }
    if (id >= 0) {
      this.counters[C_HITS]++;
      if (this.idleCycles > 0) table.touch(mem, id, ctx.nowCycles);
    } else {
      if (this.freeCount === 0 && this.idleCycles > 0) this.expireIdle(ctx, 1);
      if (this.freeCount === 0) return -(this.exhaustedId + 1);
      const portIdx = this.freeRing[this.freeHead]!;
      mem.read(this.freeAddr + this.freeHead * BYTES_PER_INDEX, BYTES_PER_INDEX);
      this.freeHead = this.freeHead + 1 === this.poolSize ? 0 : this.freeHead + 1;
      this.freeCount--;
      // Capacity equals the pool size and every entry holds a port, so a free port means a free entry.
      id = table.insert(mem, hash, p.srcIp, p.dstIp, ports, p.proto, portIdx, ctx.nowCycles);
      this.portEntry[portIdx] = id;
      mem.write(this.portsAddr + portIdx * BYTES_PER_INDEX, BYTES_PER_INDEX);
      ctx.chargeCycles(this.cyclesPerEntryChange);
      this.counters[C_NEW]++;
    }
    const buf = ctx.pool.bytes;
    setIpv4Src(buf, p.l3Off, this.publicIp);
    setL4Port(buf, p.l4Off, p.proto, L4_SRC_PORT_OFF, this.portLo + table.value[id]!);
    return id;
  }

  /** HOT: translates an inbound packet to publicIp:port back; returns its entry id, or -(dropReasonId + 1). */
  private inbound(ctx: NfContext, p: ParsedPacket): number {
    const table = this.table;
    const mem = ctx.mem;
    const portIdx = p.dstPort - this.portLo;
    mem.read(this.portsAddr + portIdx * BYTES_PER_INDEX, BYTES_PER_INDEX);
    const id = this.portEntry[portIdx]!;
    if (id < 0) return -(this.noMappingId + 1);
    table.readEntry(mem, id);
    if (table.keyDstIp[id] !== p.srcIp || table.dstPortOf(id) !== p.srcPort || table.keyProto[id] !== p.proto) {
      return -(this.noMappingId + 1);
    }
    if (this.idleCycles > 0) {
      if (ctx.nowCycles - table.stampCycles[id]! >= this.idleCycles) {
        this.release(ctx, id);
        this.counters[C_EXPIRED]++;
        return -(this.noMappingId + 1);
      }
      table.touch(mem, id, ctx.nowCycles);
    }
    const buf = ctx.pool.bytes;
    setIpv4Dst(buf, p.l3Off, table.keySrcIp[id]!);
    setL4Port(buf, p.l4Off, p.proto, L4_DST_PORT_OFF, table.srcPortOf(id));
    this.counters[C_REVERSE_HITS]++;
    return id;
  }

  /** HOT: frees entry id and its port (the port goes to the back of the free ring). */
  private release(ctx: NfContext, id: number): void {
    const mem = ctx.mem;
    const portIdx = this.table.value[id]!;
    this.portEntry[portIdx] = -1;
    mem.write(this.portsAddr + portIdx * BYTES_PER_INDEX, BYTES_PER_INDEX);
    let tail = this.freeHead + this.freeCount;
    if (tail >= this.poolSize) tail -= this.poolSize;
    this.freeRing[tail] = portIdx;
    mem.write(this.freeAddr + tail * BYTES_PER_INDEX, BYTES_PER_INDEX);
    this.freeCount++;
    this.table.remove(mem, id);
    ctx.chargeCycles(this.cyclesPerEntryChange + this.table.lastProbes * this.cyclesPerExtraProbe);
  }

  /** HOT: releases up to `max` least-recently-used mappings idle for at least the timeout. */
  private expireIdle(ctx: NfContext, max: number): void {
    const table = this.table;
    for (let n = 0; n < max; n++) {
      const id = table.oldest();
      if (id < 0) return;
      table.readEntry(ctx.mem, id);
      if (ctx.nowCycles - table.stampCycles[id]! < this.idleCycles) return;
      this.release(ctx, id);
      this.counters[C_EXPIRED]++;
    }
  }
}

/** COLD: "lo-hi" or "port" to [lo, hi], or null. Ports 1..65535 (0 is reserved). */
export function parsePortRange(text: string): [number, number] | null {
  const m = PORT_RANGE_RE.exec(text);
  if (m === null) return null;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo < 1 || hi > 65535 || lo > hi) return null;
  return [lo, hi];
}

const DEFAULT_PUBLIC_IP = '203.0.113.1'; // TEST-NET-3 (RFC 5737)
const DEFAULT_PORT_RANGE = '1024-65535';

export const natKind: NfKind<NatConfig> = {
  name: 'nat',
  help: 'source NAT: one port of portRange per new connection, rewrites src IP/port to publicIp (and back if bidirectional)',
  gateNames: ['out'],
  dropReasons: [...PARSE_DROP_REASONS, 'not_ipv4', 'unsupported_l4_proto', 'ip_fragment', 'nat_pool_exhausted', 'nat_no_mapping'],
  counters: COUNTERS,
  isQueue: false,
  checkConfig(raw: unknown, path: string, p: Problems): NatConfig {
    const o = asObject(p, raw ?? {}, path) ?? {};
    rejectUnknownKeys(p, o, KEYS, path);
    const ipText = readString(p, o, 'publicIp', path, { default: DEFAULT_PUBLIC_IP });
    let publicIp = parseIpv4(ipText);
    if (publicIp === null) {
      p.add(joinPath(path, 'publicIp'), o['publicIp'], 'an IPv4 address like 203.0.113.1');
      publicIp = parseIpv4(DEFAULT_PUBLIC_IP)!;
    }
    const rangeText = readString(p, o, 'portRange', path, { default: DEFAULT_PORT_RANGE });
    let range = parsePortRange(rangeText);
    if (range === null) {
      if (typeof o['portRange'] === 'string') p.add(joinPath(path, 'portRange'), o['portRange'], 'a port range "lo-hi" with 1 <= lo <= hi <= 65535');
      range = parsePortRange(DEFAULT_PORT_RANGE)!;
    }
    return {
      publicIp,
      portLo: range[0],
      portHi: range[1],
      bidirectional: readBool(p, o, 'bidirectional', path, { default: false }),
      idleTimeoutNs: readNumber(p, o, 'idleTimeoutNs', path, { min: 0, default: 0 }),
      // Loop set-up and counter updates once per batch (estimate).
      cyclesPerBatch: readNumber(p, o, 'cyclesPerBatch', path, { min: 0, default: 50 }),
      // Estimate from the instructions involved, at ~1 instruction per cycle: parse Ethernet/IPv4/L4 (~30),
      // hash the 5-tuple (~25), compare one key (~10), rewrite src IP and port with two incremental
      // checksum updates (~30). State and packet memory are priced separately.
      cyclesPerPacket: readNumber(p, o, 'cyclesPerPacket', path, { min: 0, default: 95 }),
      // Header-only NF: no per-byte work.
      cyclesPerByte: readNumber(p, o, 'cyclesPerByte', path, { min: 0, default: 0 }),
      // One more chain entry compared: a 13-byte key compare and a pointer chase (estimate).
      cyclesPerExtraProbe: readNumber(p, o, 'cyclesPerExtraProbe', path, { min: 0, default: 10 }),
      // Open or close one mapping: table insert/remove (~40) plus the free-port ring and port map (~10) (estimate).
      cyclesPerEntryChange: readNumber(p, o, 'cyclesPerEntryChange', path, { min: 0, default: 50 }),
    };
  },
  outputGates: () => 1,
  create: (config, env) => new Nat(config, env),
};
