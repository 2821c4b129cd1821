/**
 * ACL rules: the rule type, its two text forms (config objects and rule-file
 * lines), and a deterministic generator of synthetic rule sets. All COLD.
 * Readers record every problem with its dotted path (and line, for rule
 * files) and never throw for bad user input.
 *
 * Fields (every field but the action may be left out and then matches
 * anything):
 *   src, dst          IPv4 prefix "10.0.0.0/8", host "10.1.2.3" (a /32), or
 *                     "any"; host bits below the length must be zero
 *   srcPorts,dstPorts inclusive range "1024-65535", one port "80" or 80, or
 *                     "any" (0-65535)
 *   proto             "tcp" | "udp" | "icmp" | "any" | a number 0..255
 *   action            "allow" | "deny" (required)
 *
 * Rule file (parseAclRules): one rule per line, the action first, then
 * key=value fields in any order, separated by blanks; `#` starts a comment,
 * blank lines are skipped:
 *
 *   # block telnet from the lab, allow the rest of 10/8 to the web servers
 *   deny  proto=tcp src=10.9.0.0/16 dstPorts=23
 *   allow src=10.0.0.0/8 dst=192.168.1.0/24 dstPorts=80-443 proto=tcp
 *
 * Priority is order: the first rule (inline rules, then file rules, then
 * generated ones, as the NF concatenates them) that matches decides.
 */
import { ipv4PrefixMask, parseIpv4 } from '../packet/addr-text.js';
import { IP_PROTO_ICMP, IP_PROTO_TCP, IP_PROTO_UDP } from '../packet/checksum.js';
import { ConfigError, Problems, asObject, indexPath, joinPath, rejectUnknownKeys } from '../util/config-check.js';
import { Prng } from '../util/prng.js';

/** `AclRule.proto` value that matches every protocol. */
export const ACL_PROTO_ANY = 256;
export type AclAction = 'allow' | 'deny';
export const ACL_ACTIONS: readonly AclAction[] = ['allow', 'deny'];

/** One rule, resolved to numbers. Port ranges are inclusive; addresses are u32 with zero host bits. */
export interface AclRule {
  srcAddr: number;
  srcLen: number;
  dstAddr: number;
  dstLen: number;
  srcPortLo: number;
  srcPortHi: number;
  dstPortLo: number;
  dstPortHi: number;
  /** IP protocol number 0..255, or ACL_PROTO_ANY. */
  proto: number;
  action: AclAction;
}

export const ACL_RULE_KEYS = ['src', 'dst', 'srcPorts', 'dstPorts', 'proto', 'action'] as const;
const PREFIX_HELP = 'an IPv4 prefix like "10.0.0.0/8" (host bits zero), an address, or "any"';
const PORTS_HELP = 'a port 0..65535, a range like "1024-65535", or "any"';
const PROTO_HELP = 'tcp, udp, icmp, any, or a protocol number 0..255';
const PROTO_NAMES: Readonly<Record<string, number>> = { tcp: IP_PROTO_TCP, udp: IP_PROTO_UDP, icmp: IP_PROTO_ICMP, any: ACL_PROTO_ANY, '*': ACL_PROTO_ANY };

/** COLD: the network mask of a prefix length as a u32 (0 for /0). */
export const aclPrefixMask = ipv4PrefixMask;

/** COLD: "a.b.c.d/len", "a.b.c.d" or "any" to {addr, len}, or null. */
export function parseAclPrefix(text: string): { addr: number; len: number } | null {
  if (text === 'any' || text === '*') return { addr: 0, len: 0 };
  const slash = text.indexOf('/');
  const addr = parseIpv4(slash < 0 ? text : text.slice(0, slash));
  if (addr === null) return null;
  if (slash < 0) return { addr, len: 32 };
  const lenText = text.slice(slash + 1);
  if (!/^(0|[1-9]\d?)$/.test(lenText)) return null;
  const len = Number(lenText);
  if (len > 32 || (addr & ~aclPrefixMask(len)) !== 0) return null;
  return { addr, len };
}

/** COLD: a port number or range (number or text) to [lo, hi], or null. */
export function parseAclPorts(v: unknown): [number, number] | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= 0xffff ? [v, v] : null;
  if (typeof v !== 'string') return null;
  if (v === 'any' || v === '*') return [0, 0xffff];
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(v);
  if (m === null) return null;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return lo <= hi && hi <= 0xffff ? [lo, hi] : null;
}

/** COLD: a protocol name or number (number or decimal text) to 0..255 or ACL_PROTO_ANY, or null. */
export function parseAclProto(v: unknown): number | null {
  if (typeof v === 'string') {
    const named = PROTO_NAMES[v.toLowerCase()];
    if (named !== undefined) return named;
    if (!/^\d{1,3}$/.test(v)) return null;
    v = Number(v);
  }
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255 ? v : null;
}

function add(p: Problems, path: string, value: unknown, expected: string, line: number | undefined): void {
  if (line === undefined) p.add(path, value, expected);
  else p.addAll([{ path, value, expected, line }]);
}

/**
 * COLD: one rule from its fields (a config object, or a rule-file line split
 * into key=value). Records problems under `path`; returns null if any.
 */
export function readAclRuleFields(p: Problems, o: Record<string, unknown>, path: string, line?: number): AclRule | null {
  const before = p.count;
  const prefix = (key: 'src' | 'dst') => {
    const v = o[key] ?? 'any';
    const r = typeof v === 'string' ? parseAclPrefix(v) : null;
    if (r === null) add(p, joinPath(path, key), v, PREFIX_HELP, line);
    return r ?? { addr: 0, len: 0 };
  };
  const ports = (key: 'srcPorts' | 'dstPorts') => {
    const v = o[key] ?? 'any';
    const r = parseAclPorts(v);
    if (r === null) add(p, joinPath(path, key), v, PORTS_HELP, line);
    return r ?? [0, 0xffff];
  };
  const src = prefix('src');
  const dst = prefix('dst');
  const sp = ports('srcPorts');
  const dp = ports('dstPorts');
  const protoRaw = o['proto'] ?? 'any';
  const proto = parseAclProto(protoRaw);
  if (proto === null) add(p, joinPath(path, 'proto'), protoRaw, PROTO_HELP, line);
  const action = o['action'];
  if (action !== 'allow' && action !== 'deny') add(p, joinPath(path, 'action'), action, 'allow or deny', line);
  if (p.count !== before) return null;
  return {
    srcAddr: src.addr, srcLen: src.len, dstAddr: dst.addr, dstLen: dst.len,
    srcPortLo: sp[0], srcPortHi: sp[1], dstPortLo: dp[0], dstPortHi: dp[1],
    proto: proto!, action: action as AclAction,
  };
}

/** COLD: a config list of rule objects; every problem recorded under `path[i].field`. */
export function readAclRuleList(p: Problems, list: readonly unknown[], path: string): AclRule[] {
  const out: AclRule[] = [];
  for (let i = 0; i < list.length; i++) {
    const where = indexPath(path, i);
    const o = asObject(p, list[i], where);
    if (o === undefined) continue;
    rejectUnknownKeys(p, o, ACL_RULE_KEYS, where);
    const r = readAclRuleFields(p, o, where);
    if (r !== null) out.push(r);
  }
  return out;
}

/**
 * COLD: the rules of a rule file (format in the file comment). With `p`,
 * problems are recorded there (path `path.field`, with the 1-based line) and
 * the good rules returned; without, one ConfigError lists every problem.
 */
export function parseAclRules(text: string, p?: Problems, path = 'rulesFile'): AclRule[] {
  const problems = p ?? new Problems();
  const out: AclRule[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const hash = lines[n]!.indexOf('#');
    const body = (hash < 0 ? lines[n]! : lines[n]!.slice(0, hash)).trim();
    if (body === '') continue;
    const tokens = body.split(/\s+/);
    const fields: Record<string, unknown> = { action: tokens[0] };
    let ok = true;
    for (let t = 1; t < tokens.length; t++) {
      const eq = tokens[t]!.indexOf('=');
      const key = eq < 0 ? tokens[t]! : tokens[t]!.slice(0, eq);
      if (eq < 0 || key === 'action' || !(ACL_RULE_KEYS as readonly string[]).includes(key) || key in fields) {
        add(problems, path, tokens[t], `key=value with a key used once among: ${ACL_RULE_KEYS.slice(0, 5).join(', ')}`, n + 1);
        ok = false;
        continue;
      }
      fields[key] = tokens[t]!.slice(eq + 1);
    }
    const r = readAclRuleFields(problems, fields, path, n + 1);
    if (ok && r !== null) out.push(r);
  }
  if (p === undefined && !problems.ok) throw new ConfigError('ACL rules', problems.list);
  return out;
}

/** What generateAclRules draws: `count` rules under two networks, `denyFraction` of them deny. */
export interface AclGenerateSpec {
  count: number;
  seed: number;
  denyFraction: number;
  srcNet: { addr: number; len: number };
  dstNet: { addr: number; len: number };
}

/** Ports drawn for exact dst-port rules: common services first, then random high ports. */
const SERVICE_PORTS = [22, 23, 25, 53, 80, 123, 443, 3306, 5001, 8080];
const HIGH_PORT_MIN = 1024;

/**
 * COLD: a synthetic rule set, a pure function of the spec. Loosely shaped
 * like firewall rule sets (ClassBench, Taylor & Turner 2007, describes real
 * ones; this is not ClassBench): prefix lengths come from a short list —
 * "any", then 8-bit steps below the network's length, and /32 — so the
 * number of (src length, dst length) tuples stays small (at most 25, 12 for
 * the default networks), as in real sets. Sources are "any" in 30% of the
 * rules, destinations in 10% (real ACLs mostly name what they protect).
 * Addresses are drawn inside srcNet / dstNet (by default where the traffic
 * generator draws, so rules do hit traffic). Source ports are mostly any;
 * destination ports any, a service port, a random high port or a range;
 * protocol tcp/udp/any. A rule whose prefixes are both at least as wide as
 * srcNet / dstNet gets a single destination port, so no catch-all appears
 * early and shadows the rest (real sets end with their catch-all; here that
 * is `defaultAction`). Draw order per rule (the determinism contract): src
 * length, src host, dst length, dst host, src ports, dst ports, proto, action.
 */
export function generateAclRules(spec: AclGenerateSpec): AclRule[] {
  const rng = new Prng(spec.seed >>> 0);
  const lens = (net: { len: number }) => {
    const l: number[] = [];
    for (let x = net.len + 8; x < 32; x += 8) l.push(x);
    l.push(32);
    return l;
  };
  const srcLens = lens(spec.srcNet);
  const dstLens = lens(spec.dstNet);
  // One draw picks the length: "any" with probability anyTenths / 10, else a listed length.
  const prefix = (net: { addr: number; len: number }, choices: number[], anyTenths: number) => {
    const k = rng.nextInt(choices.length * 10);
    const len = k < choices.length * anyTenths ? 0 : choices[k % choices.length]!;
    const host = rng.nextU32();
    const addr = len === 0 ? 0 : ((net.addr | (host & ~aclPrefixMask(net.len))) & aclPrefixMask(len)) >>> 0;
    return { addr, len };
  };
  const range = (): [number, number] => {
    const lo = HIGH_PORT_MIN + rng.nextInt(0x10000 - HIGH_PORT_MIN);
    return [lo, Math.min(0xffff, lo + rng.nextInt(4096))];
  };
  const out: AclRule[] = [];
  for (let i = 0; i < spec.count; i++) {
    const src = prefix(spec.srcNet, srcLens, 3);
    const dst = prefix(spec.dstNet, dstLens, 1);
    const sKind = rng.nextInt(10);
    const sp: [number, number] = sKind < 8 ? [0, 0xffff] : sKind === 8 ? [HIGH_PORT_MIN, 0xffff] : range();
    // A rule as wide as the traffic on both addresses names one destination
    // port: like a real ACL, no early catch-all shadows the rules after it.
    const wide = src.len <= spec.srcNet.len && dst.len <= spec.dstNet.len;
    const dDraw = rng.nextInt(10);
    const dKind = wide ? 3 + (dDraw & 3) : dDraw;
    let dp: [number, number];
    if (dKind < 3) dp = [0, 0xffff];
    else if (dKind < 5) { const s = SERVICE_PORTS[rng.nextInt(SERVICE_PORTS.length)]!; dp = [s, s]; }
    else if (dKind < 7) { const s = HIGH_PORT_MIN + rng.nextInt(0x10000 - HIGH_PORT_MIN); dp = [s, s]; }
    else dp = range();
    const pKind = rng.nextInt(5);
    const proto = pKind < 2 ? IP_PROTO_TCP : pKind < 4 ? IP_PROTO_UDP : ACL_PROTO_ANY;
    const action: AclAction = rng.nextFloat() < spec.denyFraction ? 'deny' : 'allow';
    out.push({
      srcAddr: src.addr, srcLen: src.len, dstAddr: dst.addr, dstLen: dst.len,
      srcPortLo: sp[0], srcPortHi: sp[1], dstPortLo: dp[0], dstPortHi: dp[1], proto, action,
    });
  }
  return out;
}
