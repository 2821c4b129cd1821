/**
 * lb: stateful L4 load balancer, the LB of [ExecModels]. The flow id is a
 * hash of the IPv4 5-tuple; the flow is looked up in a FlowTable (chained, in
 * typed arrays, exactly `flowTableEntries` entries); the first packet of a
 * new flow inserts an entry mapping it to a backend; every packet then has its
 * destination IP and port rewritten to that backend, with the IPv4 and TCP/UDP
 * checksums patched incrementally (RFC 1624), and leaves on gate 0.
 *
 * - Backend choice: by hash (the high bits of the flow hash, multiply-shift
 *   onto the backend list), not round robin: a flow evicted and seen again
 *   returns to the same backend, and instances on different cores agree
 *   without sharing a counter.
 * - Table full (`whenFull`): `evict` (default) removes the oldest flow
 *   (first inserted; entries are never refreshed) and inserts the new one,
 *   counting `evictions`; `default-backend` inserts nothing, counts
 *   `tableFull` and sends the packet to the first backend.
 * - Entries live until evicted: TCP FIN/RST does not remove them (the
 *   [ExecModels] LB keeps flows; a connection-tracking LB would).
 * - Dropped, counted: frames parsePacket rejects (its reason names), IPv6
 *   (`not_ipv4`), protocols other than TCP/UDP (`unsupported_l4_proto`) and
 *   IP fragments (`ip_fragment`: later fragments carry no ports, so they could
 *   not follow their flow). The IPv4 header checksum is not verified (cost).
 */
import { ParsedPacket } from '../packet/parse.js';
import { IP_PROTO_TCP, IP_PROTO_UDP, TCP_CHECKSUM_OFF, UDP_CHECKSUM_OFF } from '../packet/checksum.js';
import { L4_DST_PORT_OFF } from '../packet/header-consts.js';
import { setIpv4Dst, setL4Port } from '../packet/header-write.js';
import { parseIpv4, parseIpv4Prefix } from '../packet/addr-text.js';
import {
  asObject, indexPath, readArray, readInt, readNumber, readString, rejectUnknownKeys, type Problems,
} from '../util/config-check.js';
import { flowHashSeed, hashFiveTuple, hashToRange, packPorts } from './flow-hash.js';
import { FlowTable, MAX_FLOW_TABLE_ENTRIES } from './flow-table.js';
import type { NfContext, NfCost, NfEnv, NfInstance, NfKind } from './nf.js';
import { PARSE_DROP_REASONS, parseDropIds, parseIpv4OrDrop } from './parse-drops.js';

export interface LbBackend { ip: number; port: number }

export interface LbConfig {
  flowTableEntries: number;
  backends: LbBackend[];
  whenFull: 'evict' | 'default-backend';
  cyclesPerBatch: number;
  cyclesPerPacket: number;
  cyclesPerByte: number;
  cyclesPerExtraProbe: number;
  cyclesPerEntryChange: number;
}

const KEYS = [
  'flowTableEntries', 'backends', 'backendPool', 'whenFull',
  'cyclesPerBatch', 'cyclesPerPacket', 'cyclesPerByte', 'cyclesPerExtraProbe', 'cyclesPerEntryChange',
] as const;
const WHEN_FULL = ['evict', 'default-backend'] as const;
const MAX_BACKENDS = 1 << 20;
/** 8 synthetic backends 172.16.0.1..8, port 80 (172.16/12 is private, away from the generator's default nets). */
const DEFAULT_BACKENDS: readonly string[] = Array.from({ length: 8 }, (_, i) => `172.16.0.${i + 1}:80`);
const BACKEND_RE = /^([0-9.]+):([0-9]{1,5})$/;

const C_NEW_FLOWS = 0;
const C_HITS = 1;
const C_EVICTIONS = 2;
const C_TABLE_FULL = 3;
const COUNTERS = ['newFlows', 'hits', 'evictions', 'tableFull'];

/** COLD: "a.b.c.d:port" to a backend, or null. */
export function parseBackend(text: string): LbBackend | null {
  const m = BACKEND_RE.exec(text);
  if (m === null) return null;
  const ip = parseIpv4(m[1]!);
  const port = Number(m[2]);
  if (ip === null || port < 1 || port > 65535) return null;
  return { ip, port };
}

class Lb implements NfInstance {
  readonly counters = new Float64Array(COUNTERS.length);
  readonly cost: NfCost;
  private readonly table: FlowTable;
  private readonly parsed = new ParsedPacket();
  private readonly parseDrop: Int32Array;
  private readonly notIpv4Id: number;
  private readonly unsupportedL4Id: number;
  private readonly fragmentId: number;
  private readonly seed: number;
  private readonly backendIp: Uint32Array;
  private readonly backendPort: Uint16Array;
  private readonly evict: boolean;
  private readonly cyclesPerExtraProbe: number;
  private readonly cyclesPerEntryChange: number;

  constructor(config: LbConfig, env: NfEnv) {
    this.cost = { cyclesPerBatch: config.cyclesPerBatch, cyclesPerPacket: config.cyclesPerPacket, cyclesPerByte: config.cyclesPerByte };
    this.table = new FlowTable(config.flowTableEntries, env, 'lb.flows');
    this.parseDrop = parseDropIds(env);
    this.notIpv4Id = env.dropReason('not_ipv4');
    this.unsupportedL4Id = env.dropReason('unsupported_l4_proto');
    this.fragmentId = env.dropReason('ip_fragment');
    this.seed = flowHashSeed(env.seed);
    const n = config.backends.length;
    this.backendIp = new Uint32Array(n);
    this.backendPort = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      this.backendIp[i] = config.backends[i]!.ip;
      this.backendPort[i] = config.backends[i]!.port;
    }
    this.evict = config.whenFull === 'evict';
    this.cyclesPerExtraProbe = config.cyclesPerExtraProbe;
    this.cyclesPerEntryChange = config.cyclesPerEntryChange;
  }

  /** HOT */
  process(ctx: NfContext, handles: Uint32Array, count: number): void {
    const pool = ctx.pool;
    const buf = pool.bytes;
    const mem = ctx.mem;
    const p = this.parsed;
    const table = this.table;
    const counters = this.counters;
    for (let i = 0; i < count; i++) {
      const h = handles[i]!;
      if (!parseIpv4OrDrop(ctx, h, p, this.parseDrop, this.notIpv4Id, false)) continue;
      const off = pool.frameOffset(h);
      const proto = p.proto;
      if (proto !== IP_PROTO_TCP && proto !== IP_PROTO_UDP) { ctx.drop(h, this.unsupportedL4Id); continue; }
      if (p.fragment) { ctx.drop(h, this.fragmentId); continue; }

      const ports = packPorts(p.srcPort, p.dstPort);
      const hash = hashFiveTuple(this.seed, p.srcIp, p.dstIp, ports, proto);
      const id = table.lookup(mem, hash, p.srcIp, p.dstIp, ports, proto);
      // The declared per-packet cost includes one key comparison.
      if (table.lastProbes > 1) ctx.chargeCycles((table.lastProbes - 1) * this.cyclesPerExtraProbe);
      let backend: number;
      if (id >= 0) {
        counters[C_HITS]++;
        backend = table.value[id]!;
      } else {
        backend = hashToRange(hash, this.backendIp.length);
        if (!table.full) {
          table.insert(mem, hash, p.srcIp, p.dstIp, ports, proto, backend, ctx.nowCycles);
          ctx.chargeCycles(this.cyclesPerEntryChange);
          counters[C_NEW_FLOWS]++;
        } else if (this.evict) {
          table.remove(mem, table.oldest());
          if (table.lastProbes > 0) ctx.chargeCycles(table.lastProbes * this.cyclesPerExtraProbe);
          table.insert(mem, hash, p.srcIp, p.dstIp, ports, proto, backend, ctx.nowCycles);
          ctx.chargeCycles(2 * this.cyclesPerEntryChange);
          counters[C_EVICTIONS]++;
          counters[C_NEW_FLOWS]++;
        } else {
          counters[C_TABLE_FULL]++;
          backend = 0;
        }
      }

      setIpv4Dst(buf, p.l3Off, this.backendIp[backend]!);
      setL4Port(buf, p.l4Off, proto, L4_DST_PORT_OFF, this.backendPort[backend]!);
      // One declared write from the IP checksum to the end of the L4 checksum (dst IP and dst port lie between).
      const from = p.l3Off + 10 - off;
      const to = p.l4Off + (proto === IP_PROTO_TCP ? TCP_CHECKSUM_OFF : UDP_CHECKSUM_OFF) + 2 - off;
      ctx.writePacket(h, from, to - from);
      ctx.emit(0, h);
    }
  }
}

/**
 * `backendPool: { within: "10.64.0.0/10", count: N, port: 80 }`: N backends,
 * the first N host addresses of the prefix, all on one port. A large
 * backend set gives the NF after the LB (e.g. L3FWD) as many destinations as
 * there are backends, for state-size studies.
 */
function readBackendPool(p: Problems, o: Record<string, unknown>, path: string): { base: number; count: number; port: number } | null {
  if (o['backendPool'] === undefined) return null;
  const pp = `${path}.backendPool`;
  const g = asObject(p, o['backendPool'], pp);
  if (g === undefined) return null;
  rejectUnknownKeys(p, g, ['within', 'count', 'port'], pp);
  const within = readString(p, g, 'within', pp, {});
  const prefix = parseIpv4Prefix(within);
  const ok = prefix !== null && !prefix.hostBits && prefix.len <= 30;
  const base = ok ? prefix.addr : 0;
  const hosts = ok ? 2 ** (32 - prefix.len) - 2 : 0;
  if (!ok) p.add(`${pp}.within`, within, 'an IPv4 prefix of length 0..30 with no host bits set, like "10.64.0.0/10"');
  const count = readInt(p, g, 'count', pp, { min: 1, max: Math.max(1, Math.min(MAX_BACKENDS, hosts)) });
  const port = readInt(p, g, 'port', pp, { min: 1, max: 65535, default: 80 });
  return { base, count, port };
}

export const lbKind: NfKind<LbConfig> = {
  name: 'lb',
  help: 'stateful L4 load balancer: 5-tuple flow table, new flows to a backend by hash, rewrites dst IP/port',
  gateNames: ['out'],
  dropReasons: [...PARSE_DROP_REASONS, 'not_ipv4', 'unsupported_l4_proto', 'ip_fragment'],
  counters: COUNTERS,
  isQueue: false,
  checkConfig(raw: unknown, path: string, p: Problems): LbConfig {
    const o = asObject(p, raw ?? {}, path) ?? {};
    rejectUnknownKeys(p, o, KEYS, path);
    const backends: LbBackend[] = [];
    const backendsPath = `${path}.backends`;
    const pool = readBackendPool(p, o, path);
    if (pool !== null && o['backends'] !== undefined) p.add(backendsPath, o['backends'], 'nothing: give either backends or backendPool');
    const rawBackends = pool !== null ? [] : readArray(p, o, 'backends', path, { default: [...DEFAULT_BACKENDS], minLength: 1 });
    if (pool !== null) for (let i = 0; i < pool.count; i++) backends.push({ ip: (pool.base + 1 + i) >>> 0, port: pool.port });
    if (rawBackends.length > MAX_BACKENDS) p.add(backendsPath, `${rawBackends.length} items`, `at most ${MAX_BACKENDS} backends`);
    for (let i = 0; i < rawBackends.length && i < MAX_BACKENDS; i++) {
      const text = rawBackends[i];
      const b = typeof text === 'string' ? parseBackend(text) : null;
      if (b === null) p.add(indexPath(backendsPath, i), text, 'a backend "a.b.c.d:port" (IPv4 dotted quad, port 1..65535)');
      else backends.push(b);
    }
    if (backends.length === 0) backends.push(parseBackend(DEFAULT_BACKENDS[0]!)!);
    return {
      flowTableEntries: readInt(p, o, 'flowTableEntries', path, { min: 1, max: MAX_FLOW_TABLE_ENTRIES, default: 65536 }),
      backends,
      whenFull: readString(p, o, 'whenFull', path, { oneOf: WHEN_FULL, default: 'evict' }) as LbConfig['whenFull'],
      // Loop set-up and counter updates once per batch (estimate).
      cyclesPerBatch: readNumber(p, o, 'cyclesPerBatch', path, { min: 0, default: 50 }),
      // Estimate from the instructions involved, at ~1 instruction per cycle: parse Ethernet/IPv4/L4 (~30),
      // hash the 5-tuple (4 MurmurHash3 rounds + finaliser, ~25), compare one key (~10), rewrite dst IP and
      // port with two incremental checksum updates (~30). Table and packet memory are priced separately.
      cyclesPerPacket: readNumber(p, o, 'cyclesPerPacket', path, { min: 0, default: 95 }),
      // Header-only NF: no per-byte work.
      cyclesPerByte: readNumber(p, o, 'cyclesPerByte', path, { min: 0, default: 0 }),
      // One more chain entry compared: a 13-byte key compare and a pointer chase (estimate).
      cyclesPerExtraProbe: readNumber(p, o, 'cyclesPerExtraProbe', path, { min: 0, default: 10 }),
      // Insert or remove one entry: free-list pop/push, chain and age-list links, key copy (estimate).
      cyclesPerEntryChange: readNumber(p, o, 'cyclesPerEntryChange', path, { min: 0, default: 40 }),
    };
  },
  outputGates: () => 1,
  create: (config, env) => new Lb(config, env),
};
