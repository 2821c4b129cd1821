import { describe, expect, it } from 'vitest';
import { bpfKind, buildBpfTable, type BpfConfig } from '../../src/nf/bpf.js';
import { LPM_TRIE_NODE_BYTES, LpmTrie } from '../../src/nf/lpm-trie.js';
import { FREE_MEMORY } from '../../src/nf/nf.js';
import { parseIpv4 } from '../../src/packet/addr-text.js';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../../src/packet/header-consts.js';
import { writeEthernet, writeIpv4Header, writeIpv6Header, writeTcpHeader, writeUdpHeader } from '../../src/packet/header-write.js';
import { ParsedPacket, parsePacket, parseResultName } from '../../src/packet/parse.js';
import { Problems } from '../../src/util/config-check.js';
import { Prng } from '../../src/util/prng.js';
import { NfHarness, runNf } from './harness.js';

const TCP = 6;
const UDP = 17;
const ip = (t: string) => parseIpv4(t)!;

/** Ethernet + IPv4 + TCP or UDP + 4 payload bytes, built with the src/packet writers. */
function frame(proto: number, src: number, dst: number, sport: number, dport: number): Uint8Array {
  const l4 = proto === TCP ? 20 : 8;
  const buf = new Uint8Array(14 + 20 + l4 + 4);
  writeEthernet(buf, 0, 0x020000000002, 0x020000000001, ETHERTYPE_IPV4);
  writeIpv4Header(buf, 14, 0, 20 + l4 + 4, 1, 0, 64, proto, src, dst);
  if (proto === TCP) writeTcpHeader(buf, 34, sport, dport, 1, 0, 0x10, 1024);
  else writeUdpHeader(buf, 34, sport, dport, 12);
  return buf;
}

function checked(raw: unknown): BpfConfig {
  const p = new Problems();
  const c = bpfKind.checkConfig(raw, 'config', p);
  p.throwIfAny('bpf');
  return c;
}

/** Reference LPM: scan every prefix i (address, length; value i), keep the longest covering one (the later on ties). */
function linearLpm(addrs: Uint32Array, lens: Uint8Array, count: number, key: number): number {
  let best = -1;
  let bestLen = -1;
  for (let i = 0; i < count; i++) {
    const len = lens[i]!;
    const covers = len === 0 || (addrs[i]! >>> (32 - len)) === (key >>> (32 - len));
    if (covers && len >= bestLen) { best = i; bestLen = len; }
  }
  return best;
}

describe('lpm-trie', () => {
  it('finds the longest match in a small hand-made table', () => {
    const t = new LpmTrie(4);
    t.insert(ip('10.0.0.0'), 8, 1);
    t.insert(ip('10.1.2.0'), 24, 3);
    t.insert(ip('11.1.0.0'), 16, 2);
    t.insert(ip('10.1.2.3'), 32, 4);
    expect(t.lookup(ip('10.1.2.3'), FREE_MEMORY)).toBe(4);
    expect(t.lookup(ip('10.1.2.4'), FREE_MEMORY)).toBe(3);
    expect(t.lookup(ip('10.200.0.1'), FREE_MEMORY)).toBe(1);
    expect(t.lookup(ip('11.1.9.9'), FREE_MEMORY)).toBe(2);
    expect(t.lookup(ip('11.2.0.0'), FREE_MEMORY)).toBe(-1);
    expect(t.lookup(ip('12.0.0.0'), FREE_MEMORY)).toBe(-1);
    t.insert(0, 0, 9);
    expect(t.lookup(ip('12.0.0.0'), FREE_MEMORY)).toBe(9);
    t.insert(ip('10.0.0.0'), 8, 5); // a duplicate replaces the value
    expect(t.lookup(ip('10.200.0.1'), FREE_MEMORY)).toBe(5);
    // 10/8 and 11.1/16 diverge at bit 7: one intermediate node joins them.
    expect(t.nodeCount).toBe(6);
  });

  it('agrees with a linear scan on 3000 random prefixes of every length and 20000 keys', () => {
    const rng = new Prng(17);
    const n = 3000;
    const addrs = new Uint32Array(n);
    const lens = new Uint8Array(n);
    const t = new LpmTrie(100); // deliberately too small: the trie grows
    for (let i = 0; i < n; i++) {
      // Lengths 0..32, skewed to short ones so prefixes nest and duplicates happen.
      const len = Math.min(rng.nextInt(33), rng.nextInt(33));
      addrs[i] = len === 0 ? 0 : (rng.nextU32() & ((0xffffffff << (32 - len)) >>> 0)) >>> 0;
      lens[i] = len;
      t.insert(addrs[i]!, len, i);
    }
    let hits = 0;
    let misses = 0;
    for (let k = 0; k < 20000; k++) {
      // Half the keys inside a stored prefix, half anywhere.
      const j = rng.nextInt(n);
      const len = lens[j]!;
      const key = rng.nextInt(2) === 0 && len > 0 ? (addrs[j]! | (len === 32 ? 0 : rng.nextU32() >>> len)) >>> 0 : rng.nextU32();
      const want = linearLpm(addrs, lens, n, key);
      const got = t.lookup(key, FREE_MEMORY);
      if (got !== want) expect({ key, got }).toEqual({ key, got: want });
      if (want >= 0) hits++; else misses++;
    }
    expect(hits).toBeGreaterThan(1000);
    expect(misses + hits).toBe(20000);
  });

  it('keeps random 1024-prefix tables shallow', () => {
    const t = buildBpfTable(checked({}), 1);
    expect(t.nodeCount).toBeGreaterThanOrEqual(1024 - 5);
    expect(t.nodeCount).toBeLessThan(2048);
    const rng = new Prng(3);
    let reads = 0;
    for (let i = 0; i < 10000; i++) { t.lookup(rng.nextU32(), FREE_MEMORY); reads += t.lastReads; }
    expect(reads / 10000).toBeLessThan(20);
  });
});

describe('bpf NF', () => {
  const flows = [
    frame(UDP, ip('10.0.0.1'), ip('192.168.0.1'), 1234, 80),
    frame(TCP, ip('10.9.9.9'), ip('192.168.7.7'), 40000, 443),
    frame(UDP, ip('172.16.1.1'), ip('8.8.8.8'), 53, 53),
  ];

  it('forwards unchanged on gate 0 and does exactly `lookups` lookups per packet', () => {
    const r = runNf(bpfKind, {}, flows);
    expect(r.gates[0]).toEqual(r.handles);
    expect(r.drops).toEqual([]);
    r.handles.forEach((h, i) => expect(r.frame(h)).toEqual(Array.from(flows[i]!)));
    expect(r.counters[0]).toBe(600);
    const r7 = runNf(bpfKind, { lookups: 7 }, flows);
    expect(r7.counters[0]).toBe(21);
    expect(runNf(bpfKind, { lookups: 0 }, flows).memReads).toEqual([]);
  });

  it('counts hits against the reference table', () => {
    const config = checked({ lookups: 3, prefixes: 500, seed: 9, minPrefixLen: 0, maxPrefixLen: 12 });
    const r = runNf(bpfKind, config, flows);
    const table = buildBpfTable(config, 9);
    const pp = new ParsedPacket();
    let hits = 0;
    for (const f of flows) {
      parsePacket(f, 0, f.length, pp, false);
      const keys = [pp.srcIp, pp.dstIp, (((pp.srcPort << 16) | pp.dstPort) ^ (pp.proto << 24)) >>> 0];
      for (const k of keys) if (table.lookup(k, FREE_MEMORY) >= 0) hits++;
    }
    expect(hits).toBeGreaterThan(0); // short prefixes: most keys are covered
    expect(Array.from(r.counters)).toEqual([9, hits]);
  });

  it('is deterministic for a seed, and another seed gives another table', () => {
    const a = runNf(bpfKind, { seed: 4, lookups: 20 }, flows);
    const b = runNf(bpfKind, { seed: 4, lookups: 20 }, flows);
    const c = runNf(bpfKind, { seed: 5, lookups: 20 }, flows);
    expect(b.memReads).toEqual(a.memReads);
    expect(b.chargedCycles).toBe(a.chargedCycles);
    expect(Array.from(b.counters)).toEqual(Array.from(a.counters));
    expect(c.memReads).not.toEqual(a.memReads);
    // Without a seed, the scenario seed decides.
    const s1 = new NfHarness(bpfKind, { lookups: 20 }, { seed: 4 }).batch(flows);
    expect(s1.memReads).toEqual(a.memReads);
  });

  it('declares one node read per node visited, inside its region, and charges lookups and nodes', () => {
    const nf = new NfHarness(bpfKind, { lookups: 50, cyclesPerLookup: 100, cyclesPerNode: 1, cyclesPerPacket: 9, cyclesPerBatch: 2 });
    expect(nf.instance.cost).toEqual({ cyclesPerBatch: 2, cyclesPerPacket: 9, cyclesPerByte: 0 });
    const r = nf.batch(flows);
    const region = nf.regions.find((g) => g.label.endsWith('lpm-trie'))!;
    expect(r.memReads.length).toBeGreaterThanOrEqual(150);
    for (const m of r.memReads) {
      expect(m.size).toBe(LPM_TRIE_NODE_BYTES);
      expect(m.addr).toBeGreaterThanOrEqual(region.base);
      expect(m.addr + m.size).toBeLessThanOrEqual(region.base + region.sizeBytes);
      expect((m.addr - region.base) % LPM_TRIE_NODE_BYTES).toBe(0);
    }
    expect(r.chargedCycles).toBe(150 * 100 + r.memReads.length);
    expect(r.pktReads).toEqual([
      { h: r.handles[0], off: 0, size: 42 },
      { h: r.handles[1], off: 0, size: 54 },
      { h: r.handles[2], off: 0, size: 42 },
    ]);
  });

  it('drops every truncation of a valid frame and non-IPv4 frames under parser reasons, never throwing', () => {
    const full = flows[1]!;
    const cuts = Array.from({ length: full.length }, (_, n) => full.slice(0, n));
    const arp = new Uint8Array(60);
    writeEthernet(arp, 0, 0xffffffffffff, 1, ETHERTYPE_ARP);
    const v6 = new Uint8Array(14 + 40 + 8);
    writeEthernet(v6, 0, 2, 1, ETHERTYPE_IPV6);
    writeIpv6Header(v6, 14, 0, 0, 8, UDP, 64, new Uint8Array(16), 0, new Uint8Array(16), 0);
    writeUdpHeader(v6, 54, 1, 2, 8);
    const r = runNf(bpfKind, {}, [...cuts, arp, v6]);
    const pp = new ParsedPacket();
    expect(r.gates[0]).toEqual([]);
    expect(r.drops.map((d) => d.reason)).toEqual([
      ...cuts.map((x) => parseResultName(parsePacket(x, 0, x.length, pp, false))),
      'unsupported_ethertype', 'unsupported_ethertype',
    ]);
    expect(Array.from(r.counters)).toEqual([0, 0]);
    expect(r.memReads).toEqual([]);
  });

  it('accepts {} and lists every config problem with its path', () => {
    const p0 = new Problems();
    expect(bpfKind.outputGates(bpfKind.checkConfig({}, 'config', p0))).toBe(bpfKind.gateNames.length);
    expect(p0.list).toEqual([]);
    expect(checked({})).toMatchObject({ lookups: 200, prefixes: 1024, seed: null, minPrefixLen: 8, maxPrefixLen: 32 });
    const p = new Problems();
    bpfKind.checkConfig({ lookups: -1, prefixes: 'x', seed: 1.5, minPrefixLen: 20, maxPrefixLen: 10, cyclesPerNode: -2, bogus: 1 }, 'm.config', p);
    expect(p.list.map((x) => x.path).sort()).toEqual(
      ['m.config.bogus', 'm.config.cyclesPerNode', 'm.config.lookups', 'm.config.maxPrefixLen', 'm.config.prefixes', 'm.config.seed'],
    );
  });
});
