/**
 * Flow sets: N distinct IPv4 5-tuples drawn from a seeded PRNG, stored as
 * struct-of-arrays so the NIC can stamp headers without per-flow objects.
 *
 * Defaults (private address space, RFC 1918):
 *   source      10.0.0.0/8      host part 1 .. 2^24 - 2
 *   destination 192.168.0.0/16  host part 1 .. 2^16 - 2
 *   ports       1024 .. 65535 (both ends; below 1024 are well-known ports)
 *   protocol    UDP (17); 'tcp' gives 6; 'mixed' draws each flow's protocol
 * For prefixes /0 to /30 the all-zeros (network) and all-ones (broadcast)
 * host parts are never drawn; a /31 (RFC 3021) or /32 uses every address.
 *
 * Draw order per flow (part of the determinism contract — changing it changes
 * every generated stream): srcIp, dstIp, srcPort, dstPort, then proto only
 * for 'mixed'. A tuple equal to an earlier flow's is rejected and the whole
 * flow is redrawn from the same stream, so the set is a pure function of
 * (PRNG state, count, options), and the first k flows of a larger set equal
 * a set of k flows made from the same seed.
 */

import type { Prng } from '../util/prng.js';

export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

export interface FlowSet {
  count: number;
  srcIp: Uint32Array;
  dstIp: Uint32Array;
  srcPort: Uint16Array;
  dstPort: Uint16Array;
  proto: Uint8Array;
}

export interface RandomFlowOptions {
  proto?: 'udp' | 'tcp' | 'mixed';
  /** [base address as uint32, prefix length]; host bits of base must be 0. */
  srcNet?: [number, number];
  dstNet?: [number, number];
  /**
   * When set, flow i goes to the (i mod dstHosts)-th host address of dstNet
   * instead of a random one (its source and ports stay random): destinations
   * a routing table can be filled with, e.g. the first N hosts of a prefix.
   */
  dstHosts?: number;
}

export const DEFAULT_SRC_NET: readonly [number, number] = [0x0a000000, 8]; // 10.0.0.0/8
export const DEFAULT_DST_NET: readonly [number, number] = [0xc0a80000, 16]; // 192.168.0.0/16

const PORT_MIN = 1024;
const PORT_SPAN = 65536 - PORT_MIN;
/** Typed arrays of this many flows stay well under V8's allocation limits. */
export const MAX_FLOWS = 1 << 26;

/** A prefix resolved to what the draw needs: base | (firstHost + nextInt(hostCount)). */
interface NetDraw {
  base: number;
  firstHost: number;
  hostCount: number;
}

/** COLD: validate a [base, prefixLen] pair; push problems, return the draw plan. */
function resolveNet(net: readonly [number, number], path: string, problems: string[]): NetDraw {
  const [base, prefixLen] = net;
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > 32) {
    problems.push(`${path}[1] (prefix length) must be an integer in 0..32, got ${prefixLen}`);
    return { base: 0, firstHost: 0, hostCount: 1 };
  }
  if (!Number.isInteger(base) || base < 0 || base > 0xffffffff) {
    problems.push(`${path}[0] (base address) must be a uint32, got ${base}`);
    return { base: 0, firstHost: 0, hostCount: 1 };
  }
  const size = 2 ** (32 - prefixLen);
  if (base % size !== 0) {
    problems.push(`${path}: ${ipv4ToString(base)}/${prefixLen} has host bits set`);
  }
  // Exclude network and broadcast host parts where they exist (/0 .. /30).
  return size > 2 ? { base, firstHost: 1, hostCount: size - 2 } : { base, firstHost: 0, hostCount: size };
}

/** COLD: a simple, platform-independent hash of a 5-tuple for the dedupe table. */
function tupleHash(src: number, dst: number, sport: number, dport: number, proto: number): number {
  let h = Math.imul(src ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15) ^ dst, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13) ^ ((sport << 16) | dport), 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 16) ^ proto, 0x165667b1);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * COLD: `count` distinct 5-tuples. Throws a RangeError listing every bad
 * option, or when the address/port space cannot hold `count` distinct tuples.
 */
export function makeRandomFlows(count: number, prng: Prng, opts: RandomFlowOptions = {}): FlowSet {
  const problems: string[] = [];
  if (!Number.isInteger(count) || count < 0 || count > MAX_FLOWS) {
    problems.push(`count must be an integer in 0..${MAX_FLOWS}, got ${count}`);
  }
  const protoOpt = opts.proto ?? 'udp';
  if (protoOpt !== 'udp' && protoOpt !== 'tcp' && protoOpt !== 'mixed') {
    problems.push(`opts.proto must be 'udp', 'tcp' or 'mixed', got ${JSON.stringify(protoOpt)}`);
  }
  const src = resolveNet(opts.srcNet ?? DEFAULT_SRC_NET, 'opts.srcNet', problems);
  const dst = resolveNet(opts.dstNet ?? DEFAULT_DST_NET, 'opts.dstNet', problems);
  const dstHosts = opts.dstHosts;
  if (dstHosts !== undefined && (!Number.isInteger(dstHosts) || dstHosts < 1 || dstHosts > dst.hostCount)) {
    problems.push(`opts.dstHosts must be an integer in 1..${dst.hostCount} (the host addresses of opts.dstNet), got ${dstHosts}`);
  }
  if (problems.length === 0) {
    const space = src.hostCount * dst.hostCount * PORT_SPAN * PORT_SPAN * (protoOpt === 'mixed' ? 2 : 1);
    // Rejection sampling needs head-room; half the space keeps the expected
    // redraws per flow below 2.
    if (count > space / 2) {
      problems.push(`count ${count} is more than half of the ${space} distinct 5-tuples these options allow`);
    }
  }
  if (problems.length > 0) {
    throw new RangeError(`makeRandomFlows: ${problems.join('; ')}`);
  }

  const fs = emptyFlowSet(count);
  const fixedProto = protoOpt === 'tcp' ? PROTO_TCP : PROTO_UDP;
  // Open-addressing set of flow indices (load factor <= 1/2); linear probing.
  let cap = 16;
  while (cap < count * 2) cap *= 2;
  const mask = cap - 1;
  const slots = new Int32Array(cap).fill(-1);

  for (let i = 0; i < count; i++) {
    for (;;) {
      const s = (src.base + src.firstHost + prng.nextInt(src.hostCount)) >>> 0;
      const drawn = prng.nextInt(dst.hostCount);
      // The draw is made either way, so dstHosts changes only the destinations.
      const d = (dst.base + dst.firstHost + (dstHosts === undefined ? drawn : i % dstHosts)) >>> 0;
      const sp = PORT_MIN + prng.nextInt(PORT_SPAN);
      const dp = PORT_MIN + prng.nextInt(PORT_SPAN);
      const pr = protoOpt === 'mixed' ? (prng.nextInt(2) === 0 ? PROTO_UDP : PROTO_TCP) : fixedProto;
      let slot = tupleHash(s, d, sp, dp, pr) & mask;
      let duplicate = false;
      for (;;) {
        const j = slots[slot]!;
        if (j < 0) break;
        if (fs.srcIp[j] === s && fs.dstIp[j] === d && fs.srcPort[j] === sp && fs.dstPort[j] === dp && fs.proto[j] === pr) {
          duplicate = true;
          break;
        }
        slot = (slot + 1) & mask;
      }
      if (duplicate) continue;
      slots[slot] = i;
      fs.srcIp[i] = s;
      fs.dstIp[i] = d;
      fs.srcPort[i] = sp;
      fs.dstPort[i] = dp;
      fs.proto[i] = pr;
      break;
    }
  }
  return fs;
}

/** COLD: a flow set of `count` zeroed flows. */
function emptyFlowSet(count: number): FlowSet {
  return {
    count,
    srcIp: new Uint32Array(count),
    dstIp: new Uint32Array(count),
    srcPort: new Uint16Array(count),
    dstPort: new Uint16Array(count),
    proto: new Uint8Array(count),
  };
}

/** COLD: several flow sets one after another (the flow groups of a port). */
export function concatFlows(sets: readonly FlowSet[]): FlowSet {
  const out = emptyFlowSet(sets.reduce((n, f) => n + f.count, 0));
  let at = 0;
  for (const f of sets) {
    out.srcIp.set(f.srcIp, at);
    out.dstIp.set(f.dstIp, at);
    out.srcPort.set(f.srcPort, at);
    out.dstPort.set(f.dstPort, at);
    out.proto.set(f.proto, at);
    at += f.count;
  }
  return out;
}

/** COLD: dotted-quad text of a uint32 address. */
export function ipv4ToString(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** COLD: parse dotted-quad text to a uint32; throws a RangeError naming the text. */
export function parseIpv4(text: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m !== null) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    const c = Number(m[3]);
    const d = Number(m[4]);
    if (a < 256 && b < 256 && c < 256 && d < 256) return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
  }
  throw new RangeError(`not an IPv4 address: ${JSON.stringify(text)}`);
}

/** COLD: "udp 10.1.2.3:40000 -> 192.168.7.9:5001" for reports. */
export function flowKeyString(fs: FlowSet, i: number): string {
  const p = fs.proto[i]!;
  const name = p === PROTO_UDP ? 'udp' : p === PROTO_TCP ? 'tcp' : `proto${p}`;
  return `${name} ${ipv4ToString(fs.srcIp[i]!)}:${fs.srcPort[i]} -> ${ipv4ToString(fs.dstIp[i]!)}:${fs.dstPort[i]}`;
}
