/**
 * acl: 5-tuple access control list ([ExecModels] ACL; the "ACL (1500 rules)"
 * of [Quadrant] chains 2 and 3). Each IPv4 packet is classified against the
 * rules in order — the first rule whose source/destination prefixes, port
 * ranges and protocol all match decides — and is allowed (gate 0) or denied
 * (dropped as `acl_deny`, or sent to gate 1 `denied` with `deniedGate: true`).
 * No match: `defaultAction`. Classification is tuple space search
 * (acl-classifier.ts, which states the structure and its complexity); rule
 * forms are in acl-rules.ts and docs/nf/acl.md.
 *
 * Config:
 *   rules: [{ src, dst, srcPorts, dstPorts, proto, action }]   inline, first
 *   generate: { count, seed, denyFraction, srcNet, dstNet }     appended after
 *   defaultAction: allow | deny (allow)    deniedGate: bool (false)
 *   cyclesPerBatch / cyclesPerPacket / cyclesPerTuple / cyclesPerSlot / cyclesPerRule
 * A rule file is parsed by the scenario layer with parseAclRules (nf/ reads
 * no files) and handed over as inline rules.
 *
 * Packets without ports (ICMP, other protocols, non-first fragments) are
 * classified with ports 0. Frames the parser rejects are dropped under the
 * parser's reason name; IPv6 (parsed fine, but this ACL is IPv4-only) is
 * dropped as `unsupported_ethertype`.
 */
import { ParseResult, ParsedPacket, parseResultName } from '../packet/parse.js';
import { PARSE_DROP_REASONS, parseDropIds, parseIpv4OrDrop } from './parse-drops.js';
import { asObject, readArray, readBool, readInt, readNumber, readString, rejectUnknownKeys, type Problems } from '../util/config-check.js';
import { ACL_MAX_RULES, AclClassifier } from './acl-classifier.js';
import { ACL_ACTIONS, generateAclRules, parseAclPrefix, readAclRuleList, type AclAction, type AclGenerateSpec, type AclRule } from './acl-rules.js';
import type { NfContext, NfCost, NfEnv, NfInstance, NfKind } from './nf.js';

export interface AclConfig {
  rules: AclRule[];
  /** Synthetic rules appended after `rules`; `seed` null = the scenario seed. */
  generate: (Omit<AclGenerateSpec, 'seed'> & { seed: number | null }) | null;
  defaultAction: AclAction;
  deniedGate: boolean;
  cyclesPerBatch: number;
  cyclesPerPacket: number;
  cyclesPerTuple: number;
  cyclesPerSlot: number;
  cyclesPerRule: number;
}

export const ACL_GATE_ALLOWED = 0;
export const ACL_GATE_DENIED = 1;

// Cost defaults: estimates of the instructions involved, not measurements.
/** parsePacket over Ethernet + IPv4 + TCP/UDP (~40 branches and loads) plus the emit. */
const DEFAULT_CYCLES_PER_PACKET = 60;
/** Per tuple probed: two masks, the 32-bit mix (~8 ops), index and loop compare. */
const DEFAULT_CYCLES_PER_TUPLE = 12;
/** Per slot read: empty test and two key compares. */
const DEFAULT_CYCLES_PER_SLOT = 4;
/** Per rule read: priority compare, protocol compare, four range compares. */
const DEFAULT_CYCLES_PER_RULE = 6;
/** Where the traffic generator draws addresses by default (src/traffic/flows.ts), so generated rules hit traffic. */
const DEFAULT_GEN_SRC_NET = '10.0.0.0/8';
const DEFAULT_GEN_DST_NET = '192.168.0.0/16';

const KEYS = ['rules', 'generate', 'defaultAction', 'deniedGate', 'cyclesPerBatch', 'cyclesPerPacket', 'cyclesPerTuple', 'cyclesPerSlot', 'cyclesPerRule'];
const GENERATE_KEYS = ['count', 'seed', 'denyFraction', 'srcNet', 'dstNet'];
const C_MATCHED = 0;
const C_DEFAULTED = 1;
const C_DENIED = 2;
const COUNTERS = ['matched', 'defaulted', 'denied'] as const;

class Acl implements NfInstance {
  readonly counters = new Float64Array(COUNTERS.length);
  readonly cost: NfCost;
  private readonly parsed = new ParsedPacket();
  /** Drop-reason id per ParseResult code. */
  private readonly parseDropId: Int32Array;
  private readonly notIpv4Id: number;
  private readonly denyId: number;
  private readonly defaultDeny: boolean;
  private readonly cyclesPerTuple: number;
  private readonly cyclesPerSlot: number;
  private readonly cyclesPerRule: number;

  constructor(config: AclConfig, env: NfEnv, readonly classifier: AclClassifier) {
    this.cost = { cyclesPerBatch: config.cyclesPerBatch, cyclesPerPacket: config.cyclesPerPacket, cyclesPerByte: 0 };
    this.parseDropId = parseDropIds(env);
    this.notIpv4Id = env.dropReason(parseResultName(ParseResult.UnsupportedEtherType));
    this.denyId = config.deniedGate ? -1 : env.dropReason('acl_deny');
    this.defaultDeny = config.defaultAction === 'deny';
    this.cyclesPerTuple = config.cyclesPerTuple;
    this.cyclesPerSlot = config.cyclesPerSlot;
    this.cyclesPerRule = config.cyclesPerRule;
    const m = env.moduleName;
    classifier.setBases(
      env.allocRegion(`${m}.acl-tuples`, classifier.tuplesBytes),
      env.allocRegion(`${m}.acl-slots`, classifier.slotsBytes),
      env.allocRegion(`${m}.acl-rules`, classifier.rulesBytes),
    );
  }

  /** HOT */
  process(ctx: NfContext, handles: Uint32Array, count: number): void {
    const pp = this.parsed;
    const cls = this.classifier;
    const denies = cls.denies;
    const counters = this.counters;
    let tuples = 0;
    let slots = 0;
    let rules = 0;
    for (let i = 0; i < count; i++) {
      const h = handles[i]!;
      if (!parseIpv4OrDrop(ctx, h, pp, this.parseDropId, this.notIpv4Id, true)) continue;
      const rule = cls.classify(pp.srcIp, pp.dstIp, pp.srcPort, pp.dstPort, pp.proto, ctx.mem);
      tuples += cls.lastTuples;
      slots += cls.lastSlots;
      rules += cls.lastRules;
      let deny: boolean;
      if (rule < 0) {
        counters[C_DEFAULTED]!++;
        deny = this.defaultDeny;
      } else {
        counters[C_MATCHED]!++;
        deny = denies[rule] === 1;
      }
      if (!deny) {
        ctx.emit(ACL_GATE_ALLOWED, h);
        continue;
      }
      counters[C_DENIED]!++;
      if (this.denyId < 0) ctx.emit(ACL_GATE_DENIED, h);
      else ctx.drop(h, this.denyId);
    }
    const cycles = tuples * this.cyclesPerTuple + slots * this.cyclesPerSlot + rules * this.cyclesPerRule;
    if (cycles > 0) ctx.chargeCycles(cycles);
  }
}

function readNet(p: Problems, o: Record<string, unknown>, key: string, path: string, fallback: string): { addr: number; len: number } {
  const text = readString(p, o, key, path, { default: fallback });
  const net = parseAclPrefix(text);
  if (net === null) p.add(`${path}.${key}`, text, 'an IPv4 prefix like "10.0.0.0/8" (host bits zero)');
  return net ?? { addr: 0, len: 0 };
}

/** COLD: the `generate` block, or null when absent. */
function readGenerate(p: Problems, raw: unknown, path: string): AclConfig['generate'] {
  if (raw === undefined) return null;
  const o = asObject(p, raw, path);
  if (o === undefined) return null;
  rejectUnknownKeys(p, o, GENERATE_KEYS, path);
  return {
    count: readInt(p, o, 'count', path, { min: 0, max: ACL_MAX_RULES }),
    seed: o['seed'] === undefined ? null : readInt(p, o, 'seed', path, { min: 0, max: 0xffffffff }),
    denyFraction: readNumber(p, o, 'denyFraction', path, { min: 0, max: 1, default: 0.5 }),
    srcNet: readNet(p, o, 'srcNet', path, DEFAULT_GEN_SRC_NET),
    dstNet: readNet(p, o, 'dstNet', path, DEFAULT_GEN_DST_NET),
  };
}

/** COLD: inline rules then generated ones, in priority order. */
export function aclRulesOf(config: AclConfig, scenarioSeed: number): AclRule[] {
  const g = config.generate;
  if (g === null) return config.rules;
  return config.rules.concat(generateAclRules({ ...g, seed: g.seed ?? scenarioSeed }));
}

export const aclKind: NfKind<AclConfig> = {
  name: 'acl',
  help: '5-tuple ACL, first match wins (tuple space search); denied: dropped, or gate 1 with deniedGate',
  // Gate 1 `denied` exists only with deniedGate: true (see outputGates).
  gateNames: ['allowed'],
  dropReasons: [...PARSE_DROP_REASONS, 'acl_deny'],
  counters: COUNTERS,
  isQueue: false,
  checkConfig(raw: unknown, path: string, p: Problems): AclConfig {
    const o = asObject(p, raw ?? {}, path) ?? {};
    rejectUnknownKeys(p, o, KEYS, path);
    const rules = readAclRuleList(p, readArray(p, o, 'rules', path, { default: [] }), `${path}.rules`);
    const generate = readGenerate(p, o['generate'], `${path}.generate`);
    if (rules.length + (generate?.count ?? 0) > ACL_MAX_RULES) {
      p.add(`${path}.rules`, rules.length, `at most ${ACL_MAX_RULES} rules with generate.count`);
    }
    return {
      rules,
      generate,
      defaultAction: readString(p, o, 'defaultAction', path, { oneOf: ACL_ACTIONS, default: 'allow' }) as AclAction,
      deniedGate: readBool(p, o, 'deniedGate', path, { default: false }),
      // No per-batch work beyond the loop.
      cyclesPerBatch: readNumber(p, o, 'cyclesPerBatch', path, { min: 0, default: 0 }),
      cyclesPerPacket: readNumber(p, o, 'cyclesPerPacket', path, { min: 0, default: DEFAULT_CYCLES_PER_PACKET }),
      cyclesPerTuple: readNumber(p, o, 'cyclesPerTuple', path, { min: 0, default: DEFAULT_CYCLES_PER_TUPLE }),
      cyclesPerSlot: readNumber(p, o, 'cyclesPerSlot', path, { min: 0, default: DEFAULT_CYCLES_PER_SLOT }),
      cyclesPerRule: readNumber(p, o, 'cyclesPerRule', path, { min: 0, default: DEFAULT_CYCLES_PER_RULE }),
    };
  },
  outputGates: (c) => (c.deniedGate ? 2 : 1),
  create: (c, env) => new Acl(c, env, new AclClassifier(aclRulesOf(c, env.seed))),
};
