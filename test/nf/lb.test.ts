import { describe, expect, it } from 'vitest';
import { lbKind, parseBackend } from '../../src/nf/lb.js';
import { IP_PROTO_TCP, IP_PROTO_UDP } from '../../src/packet/header-consts.js';
import { Problems } from '../../src/util/config-check.js';
import { FRAMES } from '../packet/frames.js';
import { makeRng } from '../packet/helpers.js';
import { checksumsValid, hex, hexToBytes, ip, l4Frame, tupleOf, type Tuple } from './flow-frames.js';
import { NfHarness } from './harness.js';

const counter = (h: NfHarness, name: string) => h.instance.counters[lbKind.counters.indexOf(name)]!;
const regionBytes = (h: NfHarness) => h.regions.reduce((s, r) => s + r.sizeBytes, 0);

/** n distinct flows: 10.x.y.z:port -> 192.168.0.1:80, TCP and UDP alternating. */
function flows(n: number, base = 0): Tuple[] {
  return Array.from({ length: n }, (_, i) => {
    const k = base + i;
    return { srcIp: 0x0a000000 + (k >>> 4), dstIp: ip('192.168.0.1'), srcPort: 1024 + (k & 15), dstPort: 80, proto: k & 1 ? IP_PROTO_UDP : IP_PROTO_TCP };
  });
}

/** Sends frames in batches of at most 1024; returns the (dstIp, dstPort) each flow left with. */
function sendAll(h: NfHarness, fs: Tuple[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < fs.length; i += 1024) {
    const chunk = fs.slice(i, i + 1024);
    const r = h.batch(chunk.map((t) => l4Frame(t)));
    expect(r.gates[0]!.length).toBe(chunk.length);
    for (const hd of r.handles) {
      const t = tupleOf(r.frame(hd));
      out.push(`${t.dstIp}:${t.dstPort}`);
    }
  }
  return out;
}

describe('lb: header rewrite', () => {
  it('rewrites dst IP and port of a UDP frame to the backend, exact bytes, checksums patched', () => {
    const h = new NfHarness(lbKind, { backends: ['10.9.8.7:8080'] });
    const r = h.batch([hexToBytes(FRAMES.ipv4Udp)]);
    expect(r.gates[0]).toEqual(r.handles);
    // Expected bytes computed with an independent Python implementation.
    expect(hex(r.frame(r.handles[0]!))).toBe('02000000000202000000000108004500001e12344000401155e2c0a800010a09080704d21f90000aa0556869');
    expect(checksumsValid(r.frame(r.handles[0]!))).toBe(true);
    expect(counter(h, 'newFlows')).toBe(1);
  });

  it('rewrites a TCP frame with IP options (IHL 6) and TCP options, exact bytes', () => {
    const h = new NfHarness(lbKind, { backends: ['10.9.8.7:8080'] });
    const r = h.batch([hexToBytes(FRAMES.ipv4OptsTcp)]);
    const out = r.frame(r.handles[0]!);
    expect(hex(out)).toBe(
      '02000000000202000000000108004610003c12344000070642670a0000010a090807010101009c401f9001020304000000008002ffffd0670000020405b4010104020101010161626364',
    );
    expect(checksumsValid(out)).toBe(true);
  });

  it('keeps checksums valid for many random flows and leaves UDP checksum 0 at 0', () => {
    const rng = makeRng(11);
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) {
      frames.push(l4Frame({ srcIp: rng(), dstIp: rng(), srcPort: rng() & 0xffff, dstPort: rng() & 0xffff, proto: i & 1 ? IP_PROTO_UDP : IP_PROTO_TCP }, { payloadBytes: rng() % 40 }));
    }
    const h = new NfHarness(lbKind, {});
    const r = h.batch(frames);
    for (const hd of r.gates[0]!) expect(checksumsValid(r.frame(hd))).toBe(true);
    const noCsum = l4Frame({ srcIp: 1, dstIp: 2, srcPort: 3, dstPort: 4, proto: IP_PROTO_UDP });
    noCsum[40] = 0;
    noCsum[41] = 0;
    const r2 = h.batch([noCsum]);
    const out = r2.frame(r2.handles[0]!);
    expect(out[40]).toBe(0);
    expect(out[41]).toBe(0);
    expect(checksumsValid(out)).toBe(true);
  });

  it('declares its header read, its header write and the table accesses', () => {
    const h = new NfHarness(lbKind, {});
    const r = h.batch([hexToBytes(FRAMES.ipv4Udp)]);
    expect(r.pktReads).toEqual([{ h: r.handles[0], off: 0, size: 42 }]);
    // From the IP checksum (24) to the end of the UDP checksum (42).
    expect(r.pktWrites).toEqual([{ h: r.handles[0], off: 24, size: 18 }]);
    const inRegion = (a: { addr: number; size: number }) =>
      h.regions.some((g) => a.addr >= g.base && a.addr + a.size <= g.base + g.sizeBytes);
    expect(r.memReads.length).toBeGreaterThan(0);
    expect(r.memWrites.length).toBeGreaterThan(0);
    for (const a of [...r.memReads, ...r.memWrites]) expect(inRegion(a)).toBe(true);
    // A hit: the bucket word and the entry, no writes.
    const r2 = h.batch([hexToBytes(FRAMES.ipv4Udp)]);
    expect(r2.memReads.map((a) => a.size)).toEqual([4, 32]);
    expect(r2.memWrites).toEqual([]);
    expect(counter(h, 'hits')).toBe(1);
  });
});

describe('lb: flow table', () => {
  it('sends every packet of a flow to the same backend over many batches, and spreads flows', () => {
    const h = new NfHarness(lbKind, {});
    const fs = flows(200);
    const first = sendAll(h, fs);
    expect(counter(h, 'newFlows')).toBe(200);
    const rng = makeRng(5);
    for (let b = 0; b < 20; b++) {
      const pick = Array.from({ length: 32 }, () => rng() % fs.length);
      const r = h.batch(pick.map((i) => l4Frame(fs[i]!)));
      r.handles.forEach((hd, j) => {
        const t = tupleOf(r.frame(hd));
        expect(`${t.dstIp}:${t.dstPort}`).toBe(first[pick[j]!]);
      });
    }
    expect(counter(h, 'newFlows')).toBe(200);
    expect(counter(h, 'hits')).toBe(20 * 32);
    expect(counter(h, 'evictions')).toBe(0);
    // Hash choice over 8 default backends: 200 flows use most of them.
    expect(new Set(first).size).toBeGreaterThanOrEqual(6);
    for (const dst of first) expect(dst.endsWith(':80')).toBe(true);
  });

  for (const size of [100, 100_000]) {
    it(`holds exactly ${size} flows (flowTableEntries ${size}) without evicting`, () => {
      const h = new NfHarness(lbKind, { flowTableEntries: size });
      const fs = flows(size);
      const first = sendAll(h, fs);
      expect(counter(h, 'newFlows')).toBe(size);
      expect(counter(h, 'evictions')).toBe(0);
      const again = sendAll(h, fs);
      expect(again).toEqual(first);
      expect(counter(h, 'hits')).toBe(size);
      expect(counter(h, 'newFlows')).toBe(size);
    }, 60_000);
  }

  it('allocates simulated memory that scales with flowTableEntries', () => {
    const small = regionBytes(new NfHarness(lbKind, { flowTableEntries: 100 }));
    const mid = regionBytes(new NfHarness(lbKind, { flowTableEntries: 10_000 }));
    const big = regionBytes(new NfHarness(lbKind, { flowTableEntries: 100_000 }));
    expect(small).toBeLessThan(10_000);
    expect(mid).toBeGreaterThan(50 * small);
    expect(big).toBeGreaterThan(9 * mid);
    // 32 B entry + 8 B age links + at most 8 B of buckets per entry.
    expect(big).toBeGreaterThanOrEqual(100_000 * 40);
    expect(big).toBeLessThanOrEqual(100_000 * 48);
  });

  it('whenFull evict: the oldest flow is replaced; a flow keeps its backend when it comes back', () => {
    const h = new NfHarness(lbKind, { flowTableEntries: 4 });
    const fs = flows(6);
    const first = sendAll(h, fs.slice(0, 4));
    expect(counter(h, 'evictions')).toBe(0);
    const fifth = sendAll(h, [fs[4]!]);
    expect(counter(h, 'evictions')).toBe(1);
    expect(counter(h, 'newFlows')).toBe(5);
    // Flows 1..3 are still there (hits); flow 0 was the oldest and is new again, evicting flow 1.
    sendAll(h, fs.slice(2, 4));
    expect(counter(h, 'hits')).toBe(2);
    const back = sendAll(h, [fs[0]!]);
    expect(back[0]).toBe(first[0]);
    expect(counter(h, 'evictions')).toBe(2);
    sendAll(h, [fs[1]!]);
    expect(counter(h, 'evictions')).toBe(3);
    expect(counter(h, 'newFlows')).toBe(7);
    expect(fifth.length).toBe(1);
  });

  it('whenFull default-backend: counts tableFull, sends the new flow to the first backend, inserts nothing', () => {
    const h = new NfHarness(lbKind, { flowTableEntries: 2, whenFull: 'default-backend', backends: ['10.0.0.1:1', '10.0.0.2:2', '10.0.0.3:3'] });
    const fs = flows(3);
    sendAll(h, fs.slice(0, 2));
    const r = sendAll(h, [fs[2]!, fs[2]!]);
    expect(r).toEqual([`${ip('10.0.0.1')}:1`, `${ip('10.0.0.1')}:1`]);
    expect(counter(h, 'tableFull')).toBe(2);
    expect(counter(h, 'newFlows')).toBe(2);
    expect(counter(h, 'evictions')).toBe(0);
    sendAll(h, fs.slice(0, 2));
    expect(counter(h, 'hits')).toBe(2);
  });

  it('charges the declared cost of an insert and of extra chain probes through chargeCycles', () => {
    const h = new NfHarness(lbKind, { cyclesPerEntryChange: 1000, cyclesPerExtraProbe: 0 });
    expect(h.batch([hexToBytes(FRAMES.ipv4Udp)]).chargedCycles).toBe(1000);
    expect(h.batch([hexToBytes(FRAMES.ipv4Udp)]).chargedCycles).toBe(0);
    expect(h.instance.cost).toEqual({ cyclesPerBatch: 50, cyclesPerPacket: 95, cyclesPerByte: 0 });
  });
});

describe('lb: what it drops', () => {
  it('drops IPv6, ICMP, ARP and fragments under their reasons, forwarding nothing of them', () => {
    const h = new NfHarness(lbKind, {});
    const r = h.batch([FRAMES.ipv6Udp, FRAMES.ipv4Icmp, FRAMES.arp, FRAMES.ipv4FragFirst, FRAMES.ipv4FragLater, FRAMES.vlan3].map(hexToBytes));
    expect(r.gates[0]).toEqual([]);
    expect(r.drops.map((d) => d.reason)).toEqual(['not_ipv4', 'unsupported_l4_proto', 'unsupported_ethertype', 'ip_fragment', 'ip_fragment', 'unsupported_ethertype']);
    expect(counter(h, 'newFlows')).toBe(0);
  });

  it('forwards VLAN-tagged IPv4 (the parser walks the tags) and rewrites the right bytes', () => {
    const h = new NfHarness(lbKind, { backends: ['10.9.8.7:8080'] });
    const r = h.batch([hexToBytes(FRAMES.vlan1)]);
    const out = r.frame(r.handles[0]!);
    // Strip the tag and compare with the untagged expectation.
    const untagged = [...out.slice(0, 12), ...out.slice(16)];
    expect(hex(untagged)).toBe('02000000000202000000000108004500001e12344000401155e2c0a800010a09080704d21f90000aa0556869');
  });

  it('drops every truncation of a valid frame with a parser reason, and random bytes, without throwing', () => {
    const h = new NfHarness(lbKind, {});
    for (const name of ['ipv4Udp', 'ipv4OptsTcp', 'vlan2'] as const) {
      const full = hexToBytes(FRAMES[name]);
      const cuts = Array.from({ length: full.length }, (_, n) => full.slice(0, n));
      const r = h.batch(cuts);
      expect(r.gates[0]).toEqual([]);
      expect(r.drops.length).toBe(full.length);
      for (const d of r.drops) expect(lbKind.dropReasons).toContain(d.reason);
      expect(new Set(r.drops.map((d) => d.reason)).has('truncated_ethernet')).toBe(true);
    }
    expect(counter(h, 'newFlows')).toBe(0);
    const rng = makeRng(3);
    const junk = Array.from({ length: 500 }, () => Uint8Array.from({ length: rng() % 120 }, () => rng() & 0xff));
    // Make some of it look like IPv4 so deeper layers get exercised too.
    junk.forEach((f, i) => { if (i & 1 && f.length > 14) { f[12] = 0x08; f[13] = 0x00; f[14] = 0x45; } });
    const r = h.batch(junk);
    expect(r.gates[0]!.length + r.drops.length).toBe(500);
  });
});

describe('lb: config', () => {
  it('lists every problem with its path', () => {
    const p = new Problems();
    lbKind.checkConfig({ flowTableEntries: 0, backends: ['1.2.3.4', 'x:80', 5, '10.0.0.1:0', '10.0.0.1:80'], whenFull: 'evcit', cyclesPerPacket: -1, bogus: 1 }, 'modules[2].config', p);
    expect(p.list.map((x) => x.path).sort()).toEqual([
      'modules[2].config.backends[0]',
      'modules[2].config.backends[1]',
      'modules[2].config.backends[2]',
      'modules[2].config.backends[3]',
      'modules[2].config.bogus',
      'modules[2].config.cyclesPerPacket',
      'modules[2].config.flowTableEntries',
      'modules[2].config.whenFull',
    ]);
    expect(p.list.find((x) => x.path.endsWith('whenFull'))!.expected).toMatch(/did you mean "evict"/);
  });

  it('rejects an empty backend list and a non-list, and accepts the defaults', () => {
    for (const backends of [[], 'a']) {
      const p = new Problems();
      lbKind.checkConfig({ backends }, 'c', p);
      expect(p.list.map((x) => x.path)).toEqual(['c.backends']);
    }
    const p = new Problems();
    const c = lbKind.checkConfig({}, 'c', p);
    expect(p.list).toEqual([]);
    expect(c.flowTableEntries).toBe(65536);
    expect(c.backends.length).toBe(8);
    expect(c.whenFull).toBe('evict');
    expect(lbKind.outputGates(c)).toBe(lbKind.gateNames.length);
    expect(parseBackend('10.0.0.1:65535')).toEqual({ ip: ip('10.0.0.1'), port: 65535 });
    expect(parseBackend('10.0.0.256:80')).toBeNull();
  });
});
