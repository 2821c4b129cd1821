/**
 * Config pieces shared by the routing NFs (l3fwd, ipforward, router): output
 * ports, host routes, prefixes, generated routes, per-port MACs and costs.
 * Every reader records problems with their dotted paths and returns a
 * harmless fallback (see util/config-check.ts); nothing here throws for bad
 * user input. Route generation (COLD, in create) is deterministic: a pure
 * function of (count, seed, prefix, ports, inline routes).
 *
 * Config text forms:
 *   routes:   [{ dst: "192.168.1.7", port: 0 }]         host routes (/32)
 *   prefixes: [{ prefix: "10.0.0.0/8", port: 1 }]       (host bits must be 0)
 *   generate: { count: 1000, seed: 7, within: "192.168.0.0/16" }
 *   nextHopMacs / portMacs: ["02:00:00:00:00:01", ...]  one per port
 */
import { parseIpv4, parseIpv4Prefix, parseMac } from '../packet/addr-text.js';
import { asObject, indexPath, joinPath, readArray, readInt, readNumber, readString, rejectUnknownKeys, type Problems } from '../util/config-check.js';
import { Prng } from '../util/prng.js';
import { LPM_MAX_FIRST_LEVEL_BITS, LPM_MIN_FIRST_LEVEL_BITS, prefixMask } from './lpm-dir24.js';
import type { NfCost } from './nf.js';

/** Most output ports a routing NF may have. */
export const MAX_ROUTE_PORTS = 256;
/** Most routes (inline + generated) a routing NF may hold: 2^20 (a 16 MiB exact-match table). */
export const MAX_ROUTE_ENTRIES = 1 << 20;

export interface HostRoute { dst: number; port: number }
export interface PrefixRoute { addr: number; len: number; port: number }

/** Random host routes to draw in create(). `seed` null: use the scenario seed (NfEnv.seed). */
export interface GenerateSpec {
  count: number;
  seed: number | null;
  withinAddr: number;
  withinLen: number;
  /**
   * 'random': random hosts of the prefix; 'first': its first `count` hosts in
   * order — the destinations a traffic generator with `dstNet` and `dstHosts`
   * sends to, so every flow has a route.
   */
  hosts: 'random' | 'first';
}

/** The default generation prefix: where the traffic generator draws destination addresses by default. */
export const DEFAULT_GENERATE_WITHIN = '192.168.0.0/16';

/** COLD: "a.b.c.d/len" to [addr, len] (host bits must be zero), or a reason it is not one. */
export function parsePrefix(text: string): { addr: number; len: number } | string {
  if (text.indexOf('/') < 0) return 'a prefix like "10.0.0.0/8" (address/length)';
  const r = parseIpv4Prefix(text);
  if (r === null) return 'a prefix like "10.0.0.0/8" (dotted quad, then a length 0..32)';
  if (r.hostBits) return `a prefix with no host bits set (did you mean "${maskedText(r.addr, r.len)}"?)`;
  return { addr: r.addr, len: r.len };
}

function maskedText(addr: number, len: number): string {
  const a = (addr & prefixMask(len)) >>> 0;
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/${len}`;
}

/** Host addresses a prefix offers to generation: all but network and broadcast for /0../30 (as the traffic generator). */
export function generatableHosts(len: number): number {
  const size = 2 ** (32 - len);
  return size > 2 ? size - 2 : size;
}

export function readPorts(p: Problems, o: Record<string, unknown>, path: string): number {
  return readInt(p, o, 'ports', path, { min: 1, max: MAX_ROUTE_PORTS, default: 1 });
}

/** Optional port index field (`defaultPort`): -1 when absent. */
export function readOptionalPort(p: Problems, o: Record<string, unknown>, key: string, path: string, ports: number): number {
  if (o[key] === undefined) return -1;
  return readInt(p, o, key, path, { min: 0, max: ports - 1 });
}

export function readFirstLevelBits(p: Problems, o: Record<string, unknown>, path: string): number {
  // 16 keeps an instance's first level at 256 KiB; 24 is classic DIR-24-8 (64 MiB).
  return readInt(p, o, 'firstLevelBits', path, { min: LPM_MIN_FIRST_LEVEL_BITS, max: LPM_MAX_FIRST_LEVEL_BITS, default: 16 });
}

/** `routes`: host routes; duplicates of an earlier dst are problems. */
export function readHostRoutes(p: Problems, o: Record<string, unknown>, path: string, ports: number): HostRoute[] {
  const where = joinPath(path, 'routes');
  const list = readArray(p, o, 'routes', path, { default: [] });
  const out: HostRoute[] = [];
  const seen = new Map<number, number>();
  for (let i = 0; i < list.length; i++) {
    const rp = indexPath(where, i);
    const r = asObject(p, list[i], rp);
    if (r === undefined) continue;
    rejectUnknownKeys(p, r, ['dst', 'port'], rp);
    const port = readInt(p, r, 'port', rp, { min: 0, max: ports - 1 });
    const dstText = r.dst;
    const dst = typeof dstText === 'string' ? parseIpv4(dstText) : null;
    if (dst === null) {
      p.add(joinPath(rp, 'dst'), dstText, 'an IPv4 address like "192.168.1.7"');
      continue;
    }
    const earlier = seen.get(dst);
    if (earlier !== undefined) {
      p.add(joinPath(rp, 'dst'), dstText, `an address not already routed (same as ${indexPath(where, earlier)})`);
      continue;
    }
    seen.set(dst, i);
    out.push({ dst, port });
  }
  return out;
}

/** `prefixes`: LPM routes; an exact duplicate of an earlier prefix is a problem. */
export function readPrefixes(p: Problems, o: Record<string, unknown>, path: string, ports: number): PrefixRoute[] {
  const where = joinPath(path, 'prefixes');
  const list = readArray(p, o, 'prefixes', path, { default: [] });
  const out: PrefixRoute[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < list.length; i++) {
    const rp = indexPath(where, i);
    const r = asObject(p, list[i], rp);
    if (r === undefined) continue;
    rejectUnknownKeys(p, r, ['prefix', 'port'], rp);
    const port = readInt(p, r, 'port', rp, { min: 0, max: ports - 1 });
    const text = r.prefix;
    const parsed = typeof text === 'string' ? parsePrefix(text) : 'a prefix like "10.0.0.0/8"';
    if (typeof parsed === 'string') {
      p.add(joinPath(rp, 'prefix'), text, parsed);
      continue;
    }
    const key = `${parsed.addr}/${parsed.len}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      p.add(joinPath(rp, 'prefix'), text, `a prefix not already listed (same as ${indexPath(where, earlier)})`);
      continue;
    }
    seen.set(key, i);
    out.push({ addr: parsed.addr, len: parsed.len, port });
  }
  return out;
}

/**
 * `generate`: random host routes. `count` defaults to `fillTo - inline` (fill
 * the table to its configured size); it must fit in fillTo with the inline
 * routes, and in the prefix's host addresses. Absent: null.
 */
export function readGenerate(p: Problems, o: Record<string, unknown>, path: string, inline: number, fillTo: number): GenerateSpec | null {
  if (o.generate === undefined) return null;
  const gp = joinPath(path, 'generate');
  const g = asObject(p, o.generate, gp);
  if (g === undefined) return null;
  rejectUnknownKeys(p, g, ['count', 'seed', 'within', 'hosts'], gp);
  const hostsMode = readString(p, g, 'hosts', gp, { oneOf: ['random', 'first'], default: 'random' }) as GenerateSpec['hosts'];
  const withinText = g.within ?? DEFAULT_GENERATE_WITHIN;
  const within = typeof withinText === 'string' ? parsePrefix(withinText) : 'a prefix like "192.168.0.0/16"';
  let withinAddr = 0;
  let withinLen = 16;
  if (typeof within === 'string') p.add(joinPath(gp, 'within'), withinText, within);
  else ({ addr: withinAddr, len: withinLen } = within);
  const defaulted = g.count === undefined;
  const count = readInt(p, g, 'count', gp, { min: 0, max: MAX_ROUTE_ENTRIES, default: Math.max(0, fillTo - inline) });
  const seed = g.seed === undefined ? null : readInt(p, g, 'seed', gp, { min: 0, max: 0xffffffff });
  const how = defaulted ? `, the default being routeEntries${inline > 0 ? ' - inline routes' : ''}` : '';
  if (count + inline > fillTo) {
    p.add(joinPath(gp, 'count'), count, `at most routeEntries - inline routes = ${fillTo} - ${inline}; raise routeEntries`);
  } else if (typeof within !== 'string' && count + inline > generatableHosts(withinLen)) {
    const hosts = generatableHosts(withinLen);
    const less = inline > 0 ? ` less ${inline} inline routes` : '';
    p.add(joinPath(gp, 'count'), count, `at most ${hosts - inline} (the ${hosts} host addresses of ${String(withinText)}${less})${how}; widen generate.within`);
  }
  return { count, seed, withinAddr, withinLen, hosts: hostsMode };
}

/** Optional per-port MAC list (`nextHopMacs`, `portMacs`): one MAC text per port, or null when absent. */
export function readMacList(p: Problems, o: Record<string, unknown>, key: string, path: string, ports: number): number[] | null {
  if (o[key] === undefined) return null;
  const where = joinPath(path, key);
  const list = o[key];
  if (!Array.isArray(list) || list.length !== ports) {
    p.add(where, list, `a list of ${ports} MAC addresses (one per port) like "02:00:00:00:00:01"`);
    return null;
  }
  const out: number[] = [];
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    const mac = typeof v === 'string' ? parseMac(v) : null;
    if (mac === null) p.add(indexPath(where, i), v, 'a MAC address like "02:00:00:00:00:01"');
    out.push(mac ?? 0);
  }
  return out;
}

/** Costs: NfCost plus cyclesPerLookupStep (charged per table entry read). Defaults are the caller's, with their basis. */
export interface RouteCost extends NfCost { cyclesPerLookupStep: number }

export const COST_KEYS = ['cyclesPerBatch', 'cyclesPerPacket', 'cyclesPerByte', 'cyclesPerLookupStep'] as const;

export function readRouteCost(p: Problems, o: Record<string, unknown>, path: string, defaults: RouteCost): RouteCost {
  return {
    cyclesPerBatch: readNumber(p, o, 'cyclesPerBatch', path, { min: 0, default: defaults.cyclesPerBatch }),
    cyclesPerPacket: readNumber(p, o, 'cyclesPerPacket', path, { min: 0, default: defaults.cyclesPerPacket }),
    cyclesPerByte: readNumber(p, o, 'cyclesPerByte', path, { min: 0, default: defaults.cyclesPerByte }),
    cyclesPerLookupStep: readNumber(p, o, 'cyclesPerLookupStep', path, { min: 0, default: defaults.cyclesPerLookupStep }),
  };
}

/**
 * COLD: `spec.count` distinct random host routes inside the prefix, none equal
 * to a `taken` address; ports uniform over `ports`. Draw order per route (the
 * determinism contract): address (redrawn from the same stream while taken),
 * then port (drawn even when ports is 1).
 */
export function generateHostRoutes(spec: GenerateSpec, seed: number, ports: number, taken: ReadonlySet<number>): { dst: Uint32Array; port: Uint32Array } {
  const prng = new Prng(seed >>> 0);
  const size = 2 ** (32 - spec.withinLen);
  const first = size > 2 ? 1 : 0;
  const hosts = generatableHosts(spec.withinLen);
  const dst = new Uint32Array(spec.count);
  const port = new Uint32Array(spec.count);
  const used = new Set<number>(taken);
  let takenInside = 0;
  for (const ip of taken) if (((ip & prefixMask(spec.withinLen)) >>> 0) === spec.withinAddr) takenInside++;
  // The config checker keeps count within the free hosts; without that the loop below would not end.
  if (spec.count > hosts - takenInside) throw new RangeError(`generateHostRoutes: ${spec.count} routes do not fit in ${hosts - takenInside} free host addresses`);
  let next = 0; // 'first': the next host index to try
  for (let i = 0; i < spec.count; i++) {
    let ip: number;
    if (spec.hosts === 'first') {
      do ip = (spec.withinAddr + first + next++) >>> 0;
      while (used.has(ip));
    } else {
      do ip = (spec.withinAddr + first + prng.nextInt(hosts)) >>> 0;
      while (used.has(ip));
    }
    used.add(ip);
    dst[i] = ip;
    port[i] = prng.nextInt(ports);
  }
  return { dst, port };
}
