import { describe, expect, it } from 'vitest';
import { ACL_RULE_BYTES, ACL_SLOT_BYTES, ACL_TUPLE_BYTES, AclClassifier } from '../../src/nf/acl-classifier.js';
import { ACL_PROTO_ANY, generateAclRules, parseAclRules, type AclRule } from '../../src/nf/acl-rules.js';
import { aclKind, aclRulesOf, type AclConfig } from '../../src/nf/acl.js';
import { FREE_MEMORY } from '../../src/nf/nf.js';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, IPV4_FLAG_MF } from '../../src/packet/header-consts.js';
import { writeEthernet, writeIpv4Header, writeIpv6Header, writeTcpHeader, writeUdpHeader } from '../../src/packet/header-write.js';
import { ParsedPacket, parsePacket, parseResultName } from '../../src/packet/parse.js';
import { parseIpv4 } from '../../src/packet/addr-text.js';
import { ConfigError, Problems } from '../../src/util/config-check.js';
import { Prng } from '../../src/util/prng.js';
import { NfHarness, runNf } from './harness.js';

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ip = (t: string) => parseIpv4(t)!;

/** Ethernet + IPv4 + (TCP | UDP | ICMP | raw 8 bytes) + payload, built with the src/packet writers. */
function frame(proto: number, src: string | number, dst: string | number, sport = 0, dport = 0, opts: { payloadBytes?: number; flags?: number } = {}): Uint8Array {
  const payload = opts.payloadBytes ?? 4;
  const l4 = proto === TCP ? 20 : 8;
  const buf = new Uint8Array(14 + 20 + l4 + payload);
  writeEthernet(buf, 0, 0x020000000002, 0x020000000001, ETHERTYPE_IPV4);
  writeIpv4Header(buf, 14, 0, 20 + l4 + payload, 1, opts.flags ?? 0, 64, proto,
    typeof src === 'number' ? src : ip(src), typeof dst === 'number' ? dst : ip(dst));
  if (proto === TCP) writeTcpHeader(buf, 34, sport, dport, 1, 0, 0x02, 1024);
  else if (proto === UDP) writeUdpHeader(buf, 34, sport, dport, 8 + payload);
  else if (proto === ICMP) buf[34] = 8; // echo request
  return buf;
}

/** The reference: a linear scan in rule order, written without the classifier's helpers. */
function linearMatch(rules: readonly AclRule[], src: number, dst: number, sport: number, dport: number, proto: number): number {
  const covers = (addr: number, len: number, x: number) => len === 0 || (addr >>> (32 - len)) === (x >>> (32 - len));
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i]!;
    if (covers(r.srcAddr, r.srcLen, src) && covers(r.dstAddr, r.dstLen, dst) &&
        sport >= r.srcPortLo && sport <= r.srcPortHi && dport >= r.dstPortLo && dport <= r.dstPortHi &&
        (r.proto === ACL_PROTO_ANY || r.proto === proto)) return i;
  }
  return -1;
}

function checked(raw: unknown): AclConfig {
  const p = new Problems();
  const c = aclKind.checkConfig(raw, 'config', p);
  p.throwIfAny('acl');
  return c;
}

const RULES = [
  { src: '10.0.0.0/8', dstPorts: '23', proto: 'tcp', action: 'deny' },          // 0
  { src: '10.1.0.0/16', dstPorts: '20-25', proto: 'tcp', action: 'allow' },     // 1: shadowed by 0 for port 23
  { dst: '192.168.1.0/24', dstPorts: '5000-6000', proto: 'udp', action: 'deny' }, // 2
  { src: '172.16.0.1', action: 'deny' },                                         // 3: a host, any proto
  { proto: 'icmp', action: 'allow' },                                            // 4
  { proto: 47, action: 'deny' },                                                 // 5
  { src: '10.1.0.0/16', srcPorts: 53, proto: 'any', action: 'deny' },            // 6
  { dst: '192.168.0.0/16', action: 'allow' },                                    // 7
];

describe('acl: crafted packets', () => {
  const cases: [string, Uint8Array, 'allow' | 'deny', number][] = [
    ['tcp to telnet from 10/8: rule 0', frame(TCP, '10.1.2.3', '192.168.9.9', 40000, 23), 'deny', 0],
    ['tcp 10.1/16 port 22: rule 1', frame(TCP, '10.1.2.3', '8.8.8.8', 40000, 22), 'allow', 1],
    ['udp to 192.168.1/24 port 5000 (range low end): rule 2', frame(UDP, '11.0.0.1', '192.168.1.200', 1234, 5000), 'deny', 2],
    ['udp port 6000 (range high end): rule 2', frame(UDP, '11.0.0.1', '192.168.1.200', 1234, 6000), 'deny', 2],
    ['udp port 6001 (past the range): rule 7', frame(UDP, '11.0.0.1', '192.168.1.200', 1234, 6001), 'allow', 7],
    ['tcp to port 5000 (wrong proto for 2): rule 7', frame(TCP, '11.0.0.1', '192.168.1.200', 1234, 5000), 'allow', 7],
    ['host 172.16.0.1, udp: rule 3', frame(UDP, '172.16.0.1', '1.1.1.1', 1, 2), 'deny', 3],
    ['172.16.0.2 is not the host: default', frame(UDP, '172.16.0.2', '1.1.1.1', 1, 2), 'allow', -1],
    ['icmp from the denied host: rule 3 first', frame(ICMP, '172.16.0.1', '1.1.1.1'), 'deny', 3],
    ['icmp: rule 4', frame(ICMP, '9.9.9.9', '1.1.1.1'), 'allow', 4],
    ['GRE: rule 5 by number', frame(47, '9.9.9.9', '1.1.1.1'), 'deny', 5],
    ['udp src port 53 from 10.1/16, proto any: rule 6', frame(UDP, '10.1.0.9', '8.8.4.4', 53, 9999), 'deny', 6],
    ['tcp src port 53 from 10.1/16: rule 6', frame(TCP, '10.1.0.9', '8.8.4.4', 53, 9999), 'deny', 6],
    ['nothing matches: default', frame(TCP, '11.0.0.1', '8.8.8.8', 1000, 80), 'allow', -1],
  ];

  it('sends each packet to the gate its first matching rule (or the default) says', () => {
    const r = runNf(aclKind, { rules: RULES }, cases.map((c) => c[1]));
    for (let i = 0; i < cases.length; i++) {
      const [name, , action] = cases[i]!;
      const h = r.handles[i]!;
      if (action === 'allow') expect(r.gates[0], name).toContain(h);
      else expect(r.drops, name).toContainEqual({ h, reason: 'acl_deny' });
    }
    const matched = cases.filter((c) => c[3] >= 0).length;
    const denied = cases.filter((c) => c[2] === 'deny').length;
    expect(Array.from(r.counters)).toEqual([matched, cases.length - matched, denied]);
    // Allowed frames leave unchanged.
    expect(r.frame(r.handles[1]!)).toEqual(Array.from(cases[1]![1]));
  });

  it('agrees with the linear reference on the rule index', () => {
    const rules = checked({ rules: RULES }).rules;
    const cls = new AclClassifier(rules);
    const pp = new ParsedPacket();
    for (const [name, f, , want] of cases) {
      expect(parsePacket(f, 0, f.length, pp, false)).toBe(0);
      expect(cls.classify(pp.srcIp, pp.dstIp, pp.srcPort, pp.dstPort, pp.proto, FREE_MEMORY), name).toBe(want);
      expect(linearMatch(rules, pp.srcIp, pp.dstIp, pp.srcPort, pp.dstPort, pp.proto), name).toBe(want);
    }
  });

  it('with deniedGate sends denied packets to gate 1; defaultAction deny denies the unmatched', () => {
    expect(aclKind.outputGates(checked({ deniedGate: true }))).toBe(2);
    const fs = [frame(TCP, '10.1.2.3', '192.168.9.9', 40000, 23), frame(TCP, '11.0.0.1', '8.8.8.8', 1000, 80), frame(ICMP, '9.9.9.9', '1.1.1.1')];
    const r = runNf(aclKind, { rules: RULES, deniedGate: true, defaultAction: 'deny' }, fs);
    expect(r.gates).toEqual([[r.handles[2]], [r.handles[0], r.handles[1]]]);
    expect(r.drops).toEqual([]);
    expect(Array.from(r.counters)).toEqual([2, 1, 2]);
  });

  it('an empty rule set applies the default to everything (and reads no table)', () => {
    const r = runNf(aclKind, {}, [frame(UDP, '1.2.3.4', '5.6.7.8', 1, 2)]);
    expect(r.gates[0]).toEqual(r.handles);
    expect(r.memReads).toEqual([]);
    expect(Array.from(r.counters)).toEqual([0, 1, 0]);
  });

  it('classifies non-first fragments with ports 0', () => {
    const frag = frame(UDP, '11.0.0.1', '8.8.8.8', 0, 0, { flags: 10 });
    const first = frame(UDP, '11.0.0.1', '8.8.8.8', 7, 7, { flags: IPV4_FLAG_MF });
    const r = runNf(aclKind, { rules: [{ dstPorts: 0, action: 'deny' }] }, [frag, first]);
    expect(r.drops).toEqual([{ h: r.handles[0], reason: 'acl_deny' }]);
    expect(r.gates[0]).toEqual([r.handles[1]]);
  });
});

/** Rules with every prefix length and port shape, and packets drawn mostly inside some rule's prefixes. */
function randomRules(rng: Prng, n: number): AclRule[] {
  const rules: AclRule[] = [];
  const mask = (len: number) => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);
  const ports = (): [number, number] => {
    const k = rng.nextInt(4);
    if (k === 0) return [0, 0xffff];
    const a = rng.nextInt(0x10000);
    if (k === 1) return [a, a];
    const b = Math.min(0xffff, a + rng.nextInt(k === 2 ? 64 : 20000));
    return [a, b];
  };
  for (let i = 0; i < n; i++) {
    // Few lengths for most rules (realistic), any length 0..32 for a fifth (many tuples).
    const lenOf = () => (rng.nextInt(5) === 0 ? rng.nextInt(33) : [0, 8, 16, 24, 32][rng.nextInt(5)]!);
    const sl = lenOf();
    const dl = lenOf();
    const sp = ports();
    let dp = ports();
    // No catch-alls: one would end every lookup at its index and leave nothing unmatched.
    if (sl === 0 && dl === 0) dp = [dp[0], dp[0]];
    const protos = [TCP, UDP, ICMP, ACL_PROTO_ANY, rng.nextInt(256)];
    rules.push({
      srcAddr: (rng.nextU32() & mask(sl)) >>> 0, srcLen: sl, dstAddr: (rng.nextU32() & mask(dl)) >>> 0, dstLen: dl,
      srcPortLo: sp[0], srcPortHi: sp[1], dstPortLo: dp[0], dstPortHi: dp[1],
      proto: protos[rng.nextInt(protos.length)]!, action: rng.nextInt(2) === 0 ? 'allow' : 'deny',
    });
  }
  return rules;
}

function randomPacket(rng: Prng, rules: readonly AclRule[]): [number, number, number, number, number] {
  // `>>> 32` is `>>> 0` in JS: a /32 has no host bits to draw.
  const inside = (addr: number, len: number) => (len === 0 ? rng.nextU32() : len === 32 ? addr : (addr | (rng.nextU32() >>> len)) >>> 0);
  const r = rules[rng.nextInt(rules.length)]!;
  const near = rng.nextInt(4) !== 0;
  const port = (lo: number, hi: number) => (near ? lo + rng.nextInt(hi - lo + 1) : rng.nextInt(0x10000));
  const proto = near && r.proto !== ACL_PROTO_ANY ? r.proto : [TCP, UDP, ICMP][rng.nextInt(3)]!;
  return [
    near ? inside(r.srcAddr, r.srcLen) : rng.nextU32(), near || rng.nextInt(2) === 0 ? inside(r.dstAddr, r.dstLen) : rng.nextU32(),
    port(r.srcPortLo, r.srcPortHi), port(r.dstPortLo, r.dstPortHi), proto,
  ];
}

describe('acl: tuple space search against the linear reference', () => {
  it('agrees on 3000 random rules and 20000 random packets', () => {
    const rng = new Prng(42);
    const rules = randomRules(rng, 3000);
    const cls = new AclClassifier(rules);
    expect(cls.tupleCount).toBeGreaterThan(25);
    let matched = 0;
    for (let i = 0; i < 20000; i++) {
      const [s, d, sp, dp, pr] = randomPacket(rng, rules);
      const want = linearMatch(rules, s, d, sp, dp, pr);
      const got = cls.classify(s, d, sp, dp, pr, FREE_MEMORY);
      if (got !== want) expect({ i, s, d, sp, dp, pr, got }).toEqual({ i, s, d, sp, dp, pr, got: want });
      if (want >= 0) matched++;
    }
    // The draw must exercise both outcomes.
    expect(matched).toBeGreaterThan(5000);
    expect(matched).toBeLessThan(20000);
  });

  it('agrees through the NF on a generated 1500-rule set, frame by frame', () => {
    const config = checked({ generate: { count: 1500, seed: 7, denyFraction: 0.3 }, deniedGate: true });
    const rules = aclRulesOf(config, 1);
    expect(rules.length).toBe(1500);
    expect(rules).toEqual(aclRulesOf(config, 99)); // the explicit seed wins over the scenario seed
    const nf = new NfHarness(aclKind, { generate: { count: 1500, seed: 7, denyFraction: 0.3 }, deniedGate: true });
    const cls = (nf.instance as unknown as { classifier: AclClassifier }).classifier;
    expect(cls.tupleCount).toBeLessThanOrEqual(25);
    const rng = new Prng(5);
    const pkts = Array.from({ length: 4000 }, () => randomPacket(rng, rules));
    const r = nf.batch(pkts.map(([s, d, sp, dp, pr]) => frame(pr, s, d, sp, dp)));
    let denied = 0;
    let matched = 0;
    for (let i = 0; i < pkts.length; i++) {
      const [s, d, sp, dp, pr] = pkts[i]!;
      // ICMP and other protocols carry no ports: the NF sees 0.
      const hasPorts = pr === TCP || pr === UDP;
      const want = linearMatch(rules, s, d, hasPorts ? sp : 0, hasPorts ? dp : 0, pr);
      const deny = want >= 0 && rules[want]!.action === 'deny';
      if (want >= 0) matched++;
      if (deny) denied++;
      expect(r.gates[deny ? 1 : 0]).toContain(r.handles[i]);
    }
    expect(Array.from(r.counters)).toEqual([matched, pkts.length - matched, denied]);
    expect(denied).toBeGreaterThan(100);
    expect(pkts.length - denied).toBeGreaterThan(100);
  });

  it('generates deterministically: same seed, same rules; another seed, other rules', () => {
    const spec = { count: 200, seed: 3, denyFraction: 0.5, srcNet: { addr: ip('10.0.0.0'), len: 8 }, dstNet: { addr: ip('192.168.0.0'), len: 16 } };
    const a = generateAclRules(spec);
    expect(generateAclRules(spec)).toEqual(a);
    expect(generateAclRules({ ...spec, seed: 4 })).not.toEqual(a);
    for (const r of a) {
      if (r.srcLen >= 8) expect(r.srcAddr >>> 24).toBe(10);
      if (r.dstLen >= 16) expect(r.dstAddr >>> 16).toBe(0xc0a8);
    }
    const denies = a.filter((r) => r.action === 'deny').length;
    expect(denies).toBeGreaterThan(60);
    expect(denies).toBeLessThan(140);
    expect(generateAclRules({ ...spec, denyFraction: 0 }).every((r) => r.action === 'allow')).toBe(true);
  });
});

describe('acl: memory references and cost', () => {
  const TWO_TUPLES = [
    { src: '10.0.0.0/8', dstPorts: 23, proto: 'tcp', action: 'deny' }, // tuple (8, 0)
    { dst: '192.168.0.0/16', action: 'allow' },                       // tuple (0, 16)
  ];
  const costs = { cyclesPerTuple: 100, cyclesPerSlot: 10, cyclesPerRule: 1, cyclesPerPacket: 7, cyclesPerBatch: 3 };

  it('declares the cost config and charges tuples, slots and rules for a known input', () => {
    const nf = new NfHarness(aclKind, { rules: TWO_TUPLES, ...costs });
    expect(nf.instance.cost).toEqual({ cyclesPerBatch: 3, cyclesPerPacket: 7, cyclesPerByte: 0 });
    // Port 80: tuple A probed (1 slot, rule 0 fails), tuple B probed (1 slot, rule 1 matches): 2*100 + 2*10 + 2*1.
    // Port 23: tuple A matches rule 0; tuple B's best rule (1) cannot beat it, so it is not probed: 100 + 10 + 1.
    const r = nf.batch([frame(TCP, '10.1.1.1', '192.168.1.1', 999, 80), frame(TCP, '10.1.1.1', '192.168.1.1', 999, 23)]);
    expect(r.chargedCycles).toBe(333);
    const region = (label: string) => nf.regions.find((g) => g.label.endsWith(label))!;
    const inRegion = (label: string) => r.memReads.filter((m) => m.addr >= region(label).base && m.addr < region(label).base + region(label).sizeBytes);
    // Tuple records: 2 for the first packet, 2 for the second (the second one read to learn it can stop).
    expect(inRegion('acl-tuples').length).toBe(4);
    expect(inRegion('acl-slots').length).toBe(3);
    expect(inRegion('acl-rules').length).toBe(3);
  });

  it('charges exactly what it declared, on random traffic through 1000 rules', () => {
    const nf = new NfHarness(aclKind, { generate: { count: 1000, seed: 11 }, ...costs });
    const cls = (nf.instance as unknown as { classifier: AclClassifier }).classifier;
    const rng = new Prng(8);
    const fs = Array.from({ length: 300 }, () => frame(UDP, ip('10.0.0.0') | rng.nextInt(1 << 24), ip('192.168.0.0') | rng.nextInt(1 << 16), 1024 + rng.nextInt(60000), rng.nextInt(0x10000)));
    const r = nf.batch(fs);
    const [tBase, sBase, rBase] = [cls.tuplesBase, cls.slotsBase, cls.rulesBase];
    let slots = 0;
    let rules = 0;
    for (const m of r.memReads) {
      const g = nf.regions.find((x) => m.addr >= x.base && m.addr + m.size <= x.base + x.sizeBytes);
      expect(g, `read at ${m.addr} outside every region`).toBeDefined();
      if (m.addr >= sBase && m.addr < sBase + cls.slotsBytes) { slots++; expect((m.addr - sBase) % ACL_SLOT_BYTES).toBe(0); }
      if (m.addr >= rBase && m.addr < rBase + cls.rulesBytes) { rules++; expect((m.addr - rBase) % ACL_RULE_BYTES).toBe(0); }
      if (m.addr >= tBase && m.addr < tBase + cls.tuplesBytes) expect((m.addr - tBase) % ACL_TUPLE_BYTES).toBe(0);
    }
    expect(slots).toBeGreaterThan(300);
    const tupleProbes = (r.chargedCycles - slots * 10 - rules) / 100;
    expect(Number.isInteger(tupleProbes)).toBe(true);
    expect(tupleProbes).toBeGreaterThanOrEqual(300);
    // Every packet declares its headers: Ethernet + IPv4 + UDP.
    expect(r.pktReads).toEqual(r.handles.map((h) => ({ h, off: 0, size: 42 })));
  });
});

describe('acl: malformed input', () => {
  it('drops every truncation of a valid frame with the parser reason, never throwing', () => {
    const nf = new NfHarness(aclKind, { rules: RULES });
    const full = frame(TCP, '10.1.2.3', '8.8.8.8', 40000, 80, { payloadBytes: 10 });
    const pp = new ParsedPacket();
    const cuts = Array.from({ length: full.length }, (_, n) => full.slice(0, n));
    const r = nf.batch(cuts);
    expect(r.gates[0]).toEqual([]);
    expect(r.drops.map((d) => d.reason)).toEqual(cuts.map((c) => parseResultName(parsePacket(c, 0, c.length, pp, false))));
    expect(new Set(r.drops.map((d) => d.reason))).toEqual(new Set(['truncated_ethernet', 'truncated_ip']));
    expect(Array.from(r.counters)).toEqual([0, 0, 0]);
    for (const x of r.pktReads) expect(x.size).toBeLessThanOrEqual(x.off + cuts[r.handles.indexOf(x.h)]!.length);
  });

  it('drops non-IPv4 and malformed headers under the parser reasons', () => {
    const arp = new Uint8Array(60);
    writeEthernet(arp, 0, 0xffffffffffff, 0x020000000001, ETHERTYPE_ARP);
    const v6 = new Uint8Array(14 + 40 + 8);
    writeEthernet(v6, 0, 2, 1, ETHERTYPE_IPV6);
    writeIpv6Header(v6, 14, 0, 0, 8, UDP, 64, new Uint8Array(16), 0, new Uint8Array(16), 0);
    writeUdpHeader(v6, 54, 1, 2, 8);
    const badVersion = frame(UDP, '1.1.1.1', '2.2.2.2', 1, 2);
    badVersion[14] = 0x65;
    const badIhl = frame(UDP, '1.1.1.1', '2.2.2.2', 1, 2);
    badIhl[14] = 0x44;
    const shortTotal = frame(TCP, '1.1.1.1', '2.2.2.2', 1, 2);
    shortTotal[16] = 0;
    shortTotal[17] = 30; // IP total length leaves 10 bytes for a 20-byte TCP header
    const badTotal = frame(UDP, '1.1.1.1', '2.2.2.2', 1, 2);
    badTotal[17] = 10;
    const badTcpOff = frame(TCP, '1.1.1.1', '2.2.2.2', 1, 2);
    badTcpOff[34 + 12] = 0x40;
    const r = runNf(aclKind, { rules: RULES }, [arp, v6, badVersion, badIhl, shortTotal, badTotal, badTcpOff]);
    expect(r.drops.map((d) => d.reason)).toEqual([
      'unsupported_ethertype', 'unsupported_ethertype', 'bad_ip_version', 'bad_ip_header_len', 'truncated_l4', 'bad_ip_total_len', 'bad_l4_header_len',
    ]);
    for (const reason of r.drops.map((d) => d.reason)) expect(aclKind.dropReasons).toContain(reason);
  });
});

describe('acl: config', () => {
  it('accepts {} (catalog default) with one gate per gate name', () => {
    const p = new Problems();
    const c = aclKind.checkConfig({}, 'config', p);
    expect(p.list).toEqual([]);
    expect(aclKind.outputGates(c)).toBe(aclKind.gateNames.length);
  });

  it('lists every problem with its path', () => {
    const p = new Problems();
    aclKind.checkConfig({
      rules: [
        { src: '10.0.0.1/8', dst: 'x', srcPorts: '9-3', dstPorts: 70000, proto: 'tcpx', action: 'drop', extra: 1 },
        'deny all',
        { action: 'allow' },
      ],
      generate: { count: -1, seed: 'a', denyFraction: 2, srcNet: '10/8', what: 1 },
      defaultAction: 'block',
      deniedGate: 'yes',
      cyclesPerRule: -1,
      bogus: true,
    }, 'modules[2].config', p);
    const paths = p.list.map((x) => x.path).sort();
    const base = 'modules[2].config';
    expect(paths).toEqual([
      `${base}.bogus`, `${base}.cyclesPerRule`, `${base}.defaultAction`, `${base}.deniedGate`,
      `${base}.generate.count`, `${base}.generate.denyFraction`, `${base}.generate.seed`, `${base}.generate.srcNet`, `${base}.generate.what`,
      `${base}.rules[0].action`, `${base}.rules[0].dst`, `${base}.rules[0].dstPorts`, `${base}.rules[0].extra`,
      `${base}.rules[0].proto`, `${base}.rules[0].src`, `${base}.rules[0].srcPorts`, `${base}.rules[1]`,
    ].sort());
  });

  it('parses a rule file, with comments, any order of fields and every form', () => {
    const text = [
      '# ACL for the lab',
      '',
      'deny  proto=tcp src=10.9.0.0/16 dstPorts=23   # telnet',
      '  allow src=10.0.0.0/8 dst=192.168.1.0/24 dstPorts=80-443 proto=6',
      'deny proto=any srcPorts=any dst=1.2.3.4',
      'allow',
    ].join('\r\n');
    expect(parseAclRules(text)).toEqual([
      { srcAddr: ip('10.9.0.0'), srcLen: 16, dstAddr: 0, dstLen: 0, srcPortLo: 0, srcPortHi: 0xffff, dstPortLo: 23, dstPortHi: 23, proto: TCP, action: 'deny' },
      { srcAddr: ip('10.0.0.0'), srcLen: 8, dstAddr: ip('192.168.1.0'), dstLen: 24, srcPortLo: 0, srcPortHi: 0xffff, dstPortLo: 80, dstPortHi: 443, proto: TCP, action: 'allow' },
      { srcAddr: 0, srcLen: 0, dstAddr: ip('1.2.3.4'), dstLen: 32, srcPortLo: 0, srcPortHi: 0xffff, dstPortLo: 0, dstPortHi: 0xffff, proto: ACL_PROTO_ANY, action: 'deny' },
      { srcAddr: 0, srcLen: 0, dstAddr: 0, dstLen: 0, srcPortLo: 0, srcPortHi: 0xffff, dstPortLo: 0, dstPortHi: 0xffff, proto: ACL_PROTO_ANY, action: 'allow' },
    ]);
    // The same rule written inline gives the same AclRule.
    expect(checked({ rules: [{ src: '10.9.0.0/16', dstPorts: '23', proto: 'tcp', action: 'deny' }] }).rules).toEqual([parseAclRules(text)[0]]);
  });

  it('reports every bad rule-file line with its line number, in one error', () => {
    const text = 'deny proto=tcp\nblock src=1.2.3.4\nallow src=1.2.3.4/33 dstPorts=80\nallow foo=1 src\ndeny src=1.1.1.1 src=2.2.2.2\n';
    let err: unknown;
    try { parseAclRules(text); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    const lines = (err as ConfigError).problems.map((x) => [x.line, x.path]);
    expect(lines).toEqual([[2, 'rulesFile.action'], [3, 'rulesFile.src'], [4, 'rulesFile'], [4, 'rulesFile'], [5, 'rulesFile']]);
    const p = new Problems();
    expect(parseAclRules(text, p, 'modules[0].rulesFile').length).toBe(1);
    expect(p.count).toBe(5);
  });
});
