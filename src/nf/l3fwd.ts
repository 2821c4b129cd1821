/**
 * l3fwd: [ExecModels] L3FWD — exact match on a hash of the destination IPv4
 * address in a routing table gives the output port (= output gate). With
 * `lookup: lpm` the table is a DIR-24-8-style longest-prefix-match structure
 * instead (lpm-dir24.ts), like DPDK l3fwd's LPM mode.
 *
 * State size: `routeEntries` is the number of routes the table holds (the
 * [ExecModels] state-size study varies it 100 … 100 K). The exact-match
 * table is sized for it whether or not it is full, so its memory footprint
 * (and cache behaviour) scales with it; `generate: {}` fills it with random
 * host routes. No TTL handling (see ipforward/router); the MACs are rewritten
 * only if `nextHopMacs` / `portMacs` are given.
 *
 * Example:
 *   kind: l3fwd
 *   config: { ports: 2, routeEntries: 100000, generate: { seed: 7, within: "10.0.0.0/8" }, defaultPort: 0 }
 */
import { formatIpv4 } from '../packet/addr-text.js';
import { asObject, indexPath, joinPath, readBool, readInt, readString, rejectUnknownKeys, type Problems } from '../util/config-check.js';
import { IpRouteNf, L3_PARSE_DROP_REASONS, ROUTE_COUNTERS, placedLpm, type RouteTable } from './ip-route.js';
import type { LpmPrefix } from './lpm-dir24.js';
import type { NfEnv, NfKind } from './nf.js';
import {
  COST_KEYS, MAX_ROUTE_ENTRIES, generateHostRoutes, readFirstLevelBits, readGenerate, readHostRoutes, readMacList,
  readOptionalPort, readPorts, readPrefixes, readRouteCost,
  type GenerateSpec, type HostRoute, type PrefixRoute, type RouteCost,
} from './route-config.js';
import { RouteHash } from './route-hash.js';

export type L3fwdLookup = 'exact' | 'lpm';

export interface L3fwdConfig {
  lookup: L3fwdLookup;
  ports: number;
  routeEntries: number;
  routes: HostRoute[];
  /** LPM prefixes (lookup lpm only). */
  prefixes: PrefixRoute[];
  generate: GenerateSpec | null;
  /** -1: drop unrouted packets as l3fwd_no_route. */
  defaultPort: number;
  firstLevelBits: number;
  nextHopMacs: number[] | null;
  portMacs: number[] | null;
  verifyChecksum: boolean;
  cost: RouteCost;
}

export const L3FWD_NO_ROUTE = 'l3fwd_no_route';

/**
 * Cost basis: an L3-forward loop over a typed-array hash table runs at
 * ~19 Mpps per core in JS, ~0.15x C (measured on the 2-vCPU development
 * machine, Node 20, when emu was designed), so C does the whole loop in ~27
 * cycles at 3.4 GHz [ExecModels]: ~24 cycles for parsing,
 * hashing, the MAC stores and the hand-over, plus ~4 per slot probed (key
 * compare and branch; the slot's memory is priced by the cache model).
 * Per batch: loop set-up and one burst hand-over (estimate).
 */
const DEFAULT_COST: RouteCost = { cyclesPerBatch: 20, cyclesPerPacket: 24, cyclesPerByte: 0, cyclesPerLookupStep: 4 };

const KEYS = [
  'lookup', 'ports', 'routeEntries', 'routes', 'prefixes', 'generate', 'defaultPort', 'firstLevelBits',
  'nextHopMacs', 'portMacs', 'verifyChecksum', ...COST_KEYS,
];

/** COLD: the route table for a config: a RouteHash or an LpmDir24, placed in simulated memory. */
function buildTable(c: L3fwdConfig, env: NfEnv): RouteTable {
  const taken = new Set<number>();
  for (const r of c.routes) taken.add(r.dst);
  for (const pr of c.prefixes) if (pr.len === 32) taken.add(pr.addr);
  const gen = c.generate === null
    ? { dst: new Uint32Array(0), port: new Uint32Array(0) }
    : generateHostRoutes(c.generate, c.generate.seed ?? env.seed, c.ports, taken);
  if (c.lookup === 'exact') {
    const table = new RouteHash(c.routeEntries);
    for (const r of c.routes) table.insert(r.dst, r.port);
    for (let i = 0; i < gen.dst.length; i++) table.insert(gen.dst[i]!, gen.port[i]!);
    table.baseAddr = env.allocRegion(`${env.moduleName}.routes`, table.sizeBytes);
    return table;
  }
  const prefixes: LpmPrefix[] = c.prefixes.map((pr) => ({ addr: pr.addr, len: pr.len, nextHop: pr.port }));
  for (const r of c.routes) prefixes.push({ addr: r.dst, len: 32, nextHop: r.port });
  for (let i = 0; i < gen.dst.length; i++) prefixes.push({ addr: gen.dst[i]!, len: 32, nextHop: gen.port[i]! });
  return placedLpm(prefixes, c.firstLevelBits, env);
}

export const l3fwdKind: NfKind<L3fwdConfig> = {
  name: 'l3fwd',
  help: 'L3 forwarding: destination IPv4 -> output port by exact-match hash table or LPM (DIR-24-8)',
  gateNames: ['port0'],
  dropReasons: [...L3_PARSE_DROP_REASONS, L3FWD_NO_ROUTE],
  counters: ROUTE_COUNTERS,
  isQueue: false,
  checkConfig(raw: unknown, path: string, p: Problems): L3fwdConfig {
    const o = asObject(p, raw ?? {}, path) ?? {};
    rejectUnknownKeys(p, o, KEYS, path);
    const lookup = readString(p, o, 'lookup', path, { oneOf: ['exact', 'lpm'], default: 'exact' }) as L3fwdLookup;
    const ports = readPorts(p, o, path);
    const routeEntries = readInt(p, o, 'routeEntries', path, { min: 1, max: MAX_ROUTE_ENTRIES, default: 1024 });
    const routes = readHostRoutes(p, o, path, ports);
    let prefixes: PrefixRoute[] = [];
    if (lookup === 'exact') {
      if (o.prefixes !== undefined) p.add(joinPath(path, 'prefixes'), o.prefixes, 'no prefixes with lookup: exact (it matches host routes: use routes, or set lookup: lpm)');
      if (o.firstLevelBits !== undefined) p.add(joinPath(path, 'firstLevelBits'), o.firstLevelBits, 'no firstLevelBits with lookup: exact (it sizes the LPM table; set lookup: lpm)');
    } else {
      prefixes = readPrefixes(p, o, path, ports);
      const hosts = new Set<number>();
      for (const pr of prefixes) if (pr.len === 32) hosts.add(pr.addr);
      routes.forEach((r, i) => {
        if (hosts.has(r.dst)) p.add(joinPath(indexPath(joinPath(path, 'routes'), i), 'dst'), formatIpv4(r.dst), 'an address not also listed as a /32 in prefixes');
      });
    }
    const inline = routes.length + prefixes.length;
    if (inline > routeEntries) p.add(joinPath(path, 'routeEntries'), routeEntries, `at least the ${inline} inline routes and prefixes`);
    return {
      lookup,
      ports,
      routeEntries,
      routes,
      prefixes,
      generate: readGenerate(p, o, path, inline, routeEntries),
      defaultPort: readOptionalPort(p, o, 'defaultPort', path, ports),
      firstLevelBits: readFirstLevelBits(p, o, path),
      nextHopMacs: readMacList(p, o, 'nextHopMacs', path, ports),
      portMacs: readMacList(p, o, 'portMacs', path, ports),
      verifyChecksum: readBool(p, o, 'verifyChecksum', path, { default: false }),
      cost: readRouteCost(p, o, path, DEFAULT_COST),
    };
  },
  outputGates: (c) => c.ports,
  create: (c, env) => new IpRouteNf({
    table: buildTable(c, env),
    defaultPort: c.defaultPort,
    noRouteReason: L3FWD_NO_ROUTE,
    decrementTtl: false,
    verifyChecksum: c.verifyChecksum,
    dstMacs: c.nextHopMacs,
    srcMacs: c.portMacs,
    cost: c.cost,
  }, env),
};
