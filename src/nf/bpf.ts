/**
 * bpf: the synthetic "BPF-like NF" of [Quadrant]: parse the headers, then do
 * `lookups` (200) longest-prefix matches on the 5-tuple against an LPM map of
 * `prefixes` (1024) random prefixes, and forward on gate 0. Chained 1-6
 * times it studies chain length at a known, realistic per-packet cost.
 *
 * The map is a path-compressed binary trie (lpm-trie.ts), the shape of
 * Linux's BPF_MAP_TYPE_LPM_TRIE; every node a lookup visits is declared to
 * the memory model. Lookup j uses key j mod 3: 0 the source address, 1 the
 * destination address, 2 (srcPort << 16 | dstPort) xor (proto << 24). The
 * keys repeat, as in a program that looks up the same fields many times; a
 * cache model sees the repeated walks hit.
 *
 * Table: a pure function of `seed` (default: the scenario seed), `prefixes`
 * and the length range: prefix i has length min + nextInt(max - min + 1)
 * and address nextU32() (draw order: length, address), value i; a later
 * duplicate replaces an earlier one.
 *
 * Frames the parser rejects are dropped under the parser's reason names;
 * IPv6 (this NF keys on IPv4 addresses) as `unsupported_ethertype`.
 */
import { ParseResult, ParsedPacket, parseResultName } from '../packet/parse.js';
import { PARSE_DROP_REASONS, parseDropIds, parseIpv4OrDrop } from './parse-drops.js';
import { asObject, readInt, readNumber, rejectUnknownKeys, type Problems } from '../util/config-check.js';
import { Prng } from '../util/prng.js';
import { LpmTrie } from './lpm-trie.js';
import type { NfContext, NfCost, NfEnv, NfInstance, NfKind } from './nf.js';

export interface BpfConfig {
  lookups: number;
  prefixes: number;
  /** null: the scenario seed. */
  seed: number | null;
  minPrefixLen: number;
  maxPrefixLen: number;
  cyclesPerBatch: number;
  cyclesPerPacket: number;
  cyclesPerLookup: number;
  cyclesPerNode: number;
}

// Cost defaults: estimates of the instructions involved, not measurements.
/** Header parse (Ethernet + IPv4 + L4, ~40 branches and loads), key set-up and the emit. */
const DEFAULT_CYCLES_PER_PACKET = 60;
/** Per lookup: a BPF helper call (bpf_map_lookup_elem: call, map dispatch, key copy, return). */
const DEFAULT_CYCLES_PER_LOOKUP = 20;
/** Per trie node visited: a masked compare, a value test, a bit extract and a child load. */
const DEFAULT_CYCLES_PER_NODE = 6;
/** Most prefixes or lookups accepted: far beyond the study, small enough to build fast. */
const MAX_PREFIXES = 1 << 20;
const MAX_LOOKUPS = 1 << 16;

const KEYS = ['lookups', 'prefixes', 'seed', 'minPrefixLen', 'maxPrefixLen', 'cyclesPerBatch', 'cyclesPerPacket', 'cyclesPerLookup', 'cyclesPerNode'];
const C_LOOKUPS = 0;
const C_HITS = 1;
const COUNTERS = ['lookups', 'hits'] as const;

/** COLD: the LPM table of a config, a pure function of (seed, prefixes, length range). */
export function buildBpfTable(config: BpfConfig, seed: number): LpmTrie {
  const rng = new Prng(seed >>> 0);
  const trie = new LpmTrie(config.prefixes);
  const span = config.maxPrefixLen - config.minPrefixLen + 1;
  for (let i = 0; i < config.prefixes; i++) {
    const len = config.minPrefixLen + rng.nextInt(span);
    trie.insert(rng.nextU32(), len, i);
  }
  return trie;
}

class Bpf implements NfInstance {
  readonly counters = new Float64Array(COUNTERS.length);
  readonly cost: NfCost;
  private readonly parsed = new ParsedPacket();
  private readonly parseDropId: Int32Array;
  private readonly notIpv4Id: number;
  private readonly lookups: number;
  private readonly cyclesPerLookup: number;
  private readonly cyclesPerNode: number;

  constructor(config: BpfConfig, env: NfEnv, readonly trie: LpmTrie) {
    this.cost = { cyclesPerBatch: config.cyclesPerBatch, cyclesPerPacket: config.cyclesPerPacket, cyclesPerByte: 0 };
    this.parseDropId = parseDropIds(env);
    this.notIpv4Id = env.dropReason(parseResultName(ParseResult.UnsupportedEtherType));
    this.lookups = config.lookups;
    this.cyclesPerLookup = config.cyclesPerLookup;
    this.cyclesPerNode = config.cyclesPerNode;
    trie.baseAddr = env.allocRegion(`${env.moduleName}.lpm-trie`, trie.sizeBytes);
  }

  /** HOT */
  process(ctx: NfContext, handles: Uint32Array, count: number): void {
    const pp = this.parsed;
    const trie = this.trie;
    const mem = ctx.mem;
    const n = this.lookups;
    let lookups = 0;
    let hits = 0;
    let nodes = 0;
    for (let i = 0; i < count; i++) {
      const h = handles[i]!;
      if (!parseIpv4OrDrop(ctx, h, pp, this.parseDropId, this.notIpv4Id, true)) continue;
      const k0 = pp.srcIp;
      const k1 = pp.dstIp;
      const k2 = (((pp.srcPort << 16) | pp.dstPort) ^ (pp.proto << 24)) >>> 0;
      for (let j = 0; j < n; j++) {
        const sel = j % 3;
        const v = trie.lookup(sel === 0 ? k0 : sel === 1 ? k1 : k2, mem);
        nodes += trie.lastReads;
        if (v >= 0) hits++;
      }
      lookups += n;
      ctx.emit(0, h);
    }
    this.counters[C_LOOKUPS]! += lookups;
    this.counters[C_HITS]! += hits;
    const cycles = lookups * this.cyclesPerLookup + nodes * this.cyclesPerNode;
    if (cycles > 0) ctx.chargeCycles(cycles);
  }
}

export const bpfKind: NfKind<BpfConfig> = {
  name: 'bpf',
  help: 'synthetic BPF-like NF: parse, then `lookups` LPM lookups on the 5-tuple in a trie of `prefixes` random prefixes',
  gateNames: ['out'],
  dropReasons: PARSE_DROP_REASONS,
  counters: COUNTERS,
  isQueue: false,
  checkConfig(raw: unknown, path: string, p: Problems): BpfConfig {
    const o = asObject(p, raw ?? {}, path) ?? {};
    rejectUnknownKeys(p, o, KEYS, path);
    const minPrefixLen = readInt(p, o, 'minPrefixLen', path, { min: 0, max: 32, default: 8 });
    const maxPrefixLen = readInt(p, o, 'maxPrefixLen', path, { min: 0, max: 32, default: 32 });
    if (maxPrefixLen < minPrefixLen) p.add(`${path}.maxPrefixLen`, maxPrefixLen, `an integer >= minPrefixLen (${minPrefixLen})`);
    return {
      lookups: readInt(p, o, 'lookups', path, { min: 0, max: MAX_LOOKUPS, default: 200 }),
      prefixes: readInt(p, o, 'prefixes', path, { min: 0, max: MAX_PREFIXES, default: 1024 }),
      seed: o['seed'] === undefined ? null : readInt(p, o, 'seed', path, { min: 0, max: 0xffffffff }),
      minPrefixLen,
      maxPrefixLen: Math.max(minPrefixLen, maxPrefixLen),
      // No per-batch work beyond the loop.
      cyclesPerBatch: readNumber(p, o, 'cyclesPerBatch', path, { min: 0, default: 0 }),
      cyclesPerPacket: readNumber(p, o, 'cyclesPerPacket', path, { min: 0, default: DEFAULT_CYCLES_PER_PACKET }),
      cyclesPerLookup: readNumber(p, o, 'cyclesPerLookup', path, { min: 0, default: DEFAULT_CYCLES_PER_LOOKUP }),
      cyclesPerNode: readNumber(p, o, 'cyclesPerNode', path, { min: 0, default: DEFAULT_CYCLES_PER_NODE }),
    };
  },
  outputGates: () => 1,
  create: (c, env) => new Bpf(c, env, buildBpfTable(c, c.seed ?? env.seed)),
};
