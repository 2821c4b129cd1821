/**
 * ipforward: [Quadrant] chain 1 IPForward — longest-prefix match of the
 * destination IPv4 address (DIR-24-8 style, lpm-dir24.ts) gives the output
 * port; the TTL is decremented with an incremental checksum update (RFC 1624)
 * and a packet arriving with TTL <= 1 is dropped as `ttl_expired`. The
 * Ethernet header is left as it is (see router for re-encapsulation).
 *
 * Example:
 *   kind: ipforward
 *   config: { ports: 2, prefixes: [{ prefix: "10.0.0.0/8", port: 1 }], defaultPort: 0 }
 */
import { asObject, readBool, rejectUnknownKeys, type Problems } from '../util/config-check.js';
import { IpRouteNf, L3_PARSE_DROP_REASONS, ROUTE_COUNTERS, TTL_EXPIRED, placedLpm } from './ip-route.js';
import type { NfKind } from './nf.js';
import {
  COST_KEYS, readFirstLevelBits, readOptionalPort, readPorts, readPrefixes, readRouteCost,
  type PrefixRoute, type RouteCost,
} from './route-config.js';

export interface IpForwardConfig {
  ports: number;
  prefixes: PrefixRoute[];
  /** -1: drop unrouted packets as no_route. */
  defaultPort: number;
  firstLevelBits: number;
  verifyChecksum: boolean;
  cost: RouteCost;
}

export const NO_ROUTE = 'no_route';

/**
 * Cost basis: as l3fwd (~24 cycles/packet for parse and hand-over, from an
 * L3-forward loop measured in JS and scaled to C: see l3fwd) plus ~6 for the
 * TTL test, its decrement and the RFC 1624 checksum patch (a handful of ALU
 * operations), minus the hash;
 * ~4 cycles per LPM table entry read (index arithmetic and the "extended"
 * test; the entry's memory is priced by the cache model). Estimates.
 */
const DEFAULT_COST: RouteCost = { cyclesPerBatch: 20, cyclesPerPacket: 26, cyclesPerByte: 0, cyclesPerLookupStep: 4 };

const KEYS = ['ports', 'prefixes', 'defaultPort', 'firstLevelBits', 'verifyChecksum', ...COST_KEYS];

export const ipforwardKind: NfKind<IpForwardConfig> = {
  name: 'ipforward',
  help: 'IPv4 forwarding: LPM (DIR-24-8) -> output port, TTL decrement with incremental checksum',
  gateNames: ['port0'],
  dropReasons: [...L3_PARSE_DROP_REASONS, TTL_EXPIRED, NO_ROUTE],
  counters: ROUTE_COUNTERS,
  isQueue: false,
  checkConfig(raw: unknown, path: string, p: Problems): IpForwardConfig {
    const o = asObject(p, raw ?? {}, path) ?? {};
    rejectUnknownKeys(p, o, KEYS, path);
    const ports = readPorts(p, o, path);
    return {
      ports,
      prefixes: readPrefixes(p, o, path, ports),
      defaultPort: readOptionalPort(p, o, 'defaultPort', path, ports),
      firstLevelBits: readFirstLevelBits(p, o, path),
      verifyChecksum: readBool(p, o, 'verifyChecksum', path, { default: false }),
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
    dstMacs: null,
    srcMacs: null,
    cost: c.cost,
  }, env),
};
