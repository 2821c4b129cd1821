/**
 * router: the [SCC] IP router — longest-prefix match of the destination IPv4
 * address (lpm-dir24.ts) picks the output interface (= output gate); TTL
 * decrement with incremental checksum update (TTL <= 1 is dropped as
 * `ttl_expired`); Ethernet re-encapsulation with a fixed next-hop MAC per
 * interface (no ARP): destination MAC := the interface's next hop, source
 * MAC := the interface's own MAC.
 *
 * MAC defaults (locally administered, so the empty config is runnable):
 * interface i has MAC 02:00:00:00:00:ii and next hop 02:00:00:00:01:ii,
 * ii being i in hex (ports <= 256, so one byte holds it).
 *
 * Example:
 *   kind: router
 *   config:
 *     ports: 2
 *     prefixes: [{ prefix: "10.0.0.0/8", port: 1 }, { prefix: "0.0.0.0/0", port: 0 }]
 *     portMacs: ["02:00:00:00:00:00", "02:00:00:00:00:01"]
 *     nextHopMacs: ["02:aa:00:00:00:00", "02:bb:00:00:00:00"]
 */
import { asObject, readBool, rejectUnknownKeys, type Problems } from '../util/config-check.js';
import { IpRouteNf, L3_PARSE_DROP_REASONS, ROUTE_COUNTERS, TTL_EXPIRED, placedLpm } from './ip-route.js';
import { NO_ROUTE } from './ipforward.js';
import type { NfKind } from './nf.js';
import {
  COST_KEYS, readFirstLevelBits, readMacList, readOptionalPort, readPorts, readPrefixes, readRouteCost,
  type PrefixRoute, type RouteCost,
} from './route-config.js';

export interface RouterConfig {
  ports: number;
  prefixes: PrefixRoute[];
  /** -1: drop unrouted packets as no_route. */
  defaultPort: number;
  firstLevelBits: number;
  verifyChecksum: boolean;
  /** Per interface: its own MAC (new source) and its next hop's MAC (new destination). */
  portMacs: number[];
  nextHopMacs: number[];
  cost: RouteCost;
}

/** Default MAC of interface i: 02:00:00:00:00:ii. */
export const defaultPortMac = (i: number): number => 0x020000000000 + i;
/** Default next-hop MAC of interface i: 02:00:00:00:01:ii. */
export const defaultNextHopMac = (i: number): number => 0x020000000100 + i;

/**
 * Cost basis: ipforward's ~26 cycles/packet plus ~4 for the two 6-byte MAC
 * stores from a per-interface table; ~4 cycles per LPM entry read. Estimates
 * scaled from the L3-forward loop measured in JS (see l3fwd).
 */
const DEFAULT_COST: RouteCost = { cyclesPerBatch: 20, cyclesPerPacket: 30, cyclesPerByte: 0, cyclesPerLookupStep: 4 };

const KEYS = ['ports', 'prefixes', 'defaultPort', 'firstLevelBits', 'verifyChecksum', 'portMacs', 'nextHopMacs', ...COST_KEYS];

export const routerKind: NfKind<RouterConfig> = {
  name: 'router',
  help: 'IPv4 router: LPM -> interface, TTL + checksum, Ethernet re-encapsulation with fixed next-hop MACs',
  gateNames: ['port0'],
  dropReasons: [...L3_PARSE_DROP_REASONS, TTL_EXPIRED, NO_ROUTE],
  counters: ROUTE_COUNTERS,
  isQueue: false,
  checkConfig(raw: unknown, path: string, p: Problems): RouterConfig {
    const o = asObject(p, raw ?? {}, path) ?? {};
    rejectUnknownKeys(p, o, KEYS, path);
    const ports = readPorts(p, o, path);
    const all = (f: (i: number) => number) => Array.from({ length: ports }, (_, i) => f(i));
    return {
      ports,
      prefixes: readPrefixes(p, o, path, ports),
      defaultPort: readOptionalPort(p, o, 'defaultPort', path, ports),
      firstLevelBits: readFirstLevelBits(p, o, path),
      verifyChecksum: readBool(p, o, 'verifyChecksum', path, { default: false }),
      portMacs: readMacList(p, o, 'portMacs', path, ports) ?? all(defaultPortMac),
      nextHopMacs: readMacList(p, o, 'nextHopMacs', path, ports) ?? all(defaultNextHopMac),
      cost: readRouteCost(p, o, path, DEFAULT_COST),
    };
  },
  outputGates: (c) => c.ports,
  create: (c, env) => new IpRouteNf({
    table: placedLpm(c.prefixes.map((pr) => ({ addr: pr.addr, len: pr.len, nextHop: pr.port })), c.firstLevelBits, env),
    defaultPort: c.defaultPort,
    noRouteReason: NO_ROUTE,
    decrementTtl: true,
    verifyChecksum: c.verifyChecksum,
    dstMacs: c.nextHopMacs,
    srcMacs: c.portMacs,
    cost: c.cost,
  }, env),
};
