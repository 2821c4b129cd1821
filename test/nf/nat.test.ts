import { describe, expect, it } from 'vitest';
import { natKind, parsePortRange } from '../../src/nf/nat.js';
import { IP_PROTO_TCP, IP_PROTO_UDP, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../src/packet/header-consts.js';
import { Problems } from '../../src/util/config-check.js';
import { FRAMES } from '../packet/frames.js';
import { makeRng } from '../packet/helpers.js';
import { DirectRunner, checksumsValid, hex, hexToBytes, ip, l4Frame, tupleOf, type Tuple } from './flow-frames.js';
import { NfHarness } from './harness.js';

const PUBLIC = '198.51.100.7';
const counter = (h: NfHarness, name: string) => h.instance.counters[natKind.counters.indexOf(name)]!;
const regionBytes = (h: NfHarness) => h.regions.reduce((s, r) => s + r.sizeBytes, 0);

/** Inside client i (10.0.0.x:5000+i) to server 192.0.2.1:443. */
const conn = (i: number, proto = IP_PROTO_TCP): Tuple => ({ srcIp: ip('10.0.0.1') + (i >>> 8), dstIp: ip('192.0.2.1'), srcPort: 5000 + (i & 0xff), dstPort: 443, proto });
/** The server's reply to the public side of connection `t` mapped to `port`. */
const reply = (t: Tuple, port: number): Tuple => ({ srcIp: t.dstIp, dstIp: ip(PUBLIC), srcPort: t.dstPort, dstPort: port, proto: t.proto });

/** One frame through the NF; returns the output tuple, or the drop reason. */
function one(h: NfHarness, t: Tuple, tcpFlags = TCP_ACK): Tuple | string {
  const r = h.batch([l4Frame(t, { tcpFlags })]);
  if (r.drops.length > 0) return r.drops[0]!.reason;
  const f = r.frame(r.handles[0]!);
  expect(checksumsValid(f)).toBe(true);
  return tupleOf(f);
}

describe('nat: outbound translation', () => {
  it('rewrites src IP and port of a UDP frame, exact bytes, checksums patched', () => {
    const h = new NfHarness(natKind, { publicIp: PUBLIC, portRange: '40000-40009' });
    const r = h.batch([hexToBytes(FRAMES.ipv4Udp)]);
    expect(r.gates[0]).toEqual(r.handles);
    // Expected bytes computed with an independent Python implementation.
    expect(hex(r.frame(r.handles[0]!))).toBe('02000000000202000000000108004500001e1234400040113db6c6336407c0a800029c400050000a0ffb6869');
    expect(counter(h, 'newConnections')).toBe(1);
    expect(r.pktReads).toEqual([{ h: r.handles[0], off: 0, size: 42 }]);
    expect(r.pktWrites).toEqual([{ h: r.handles[0], off: 24, size: 18 }]);
  });

  it('rewrites a TCP frame with IP and TCP options, exact bytes', () => {
    const h = new NfHarness(natKind, { publicIp: PUBLIC, portRange: '40000-40009' });
    const r = h.batch([hexToBytes(FRAMES.ipv4OptsTcp)]);
    const out = r.frame(r.handles[0]!);
    expect(hex(out)).toBe(
      '02000000000202000000000108004610003c1234400007062a3bc63364070a000002010101009c4001bb01020304000000008002ffffd6100000020405b4010104020101010161626364',
    );
    expect(checksumsValid(out)).toBe(true);
  });

  it('gives each connection its own port and keeps it over many batches', () => {
    const h = new NfHarness(natKind, { publicIp: PUBLIC, portRange: '20000-29999' });
    const n = 300;
    const ports: number[] = [];
    for (let i = 0; i < n; i += 100) {
      const r = h.batch(Array.from({ length: 100 }, (_, j) => l4Frame(conn(i + j, (i + j) & 1 ? IP_PROTO_UDP : IP_PROTO_TCP))));
      for (const hd of r.handles) {
        const t = tupleOf(r.frame(hd));
        expect(t.srcIp).toBe(ip(PUBLIC));
        expect(checksumsValid(r.frame(hd))).toBe(true);
        ports.push(t.srcPort);
      }
    }
    // Ports are handed out from the low end of the range, one per connection.
    expect(ports).toEqual(Array.from({ length: n }, (_, i) => 20000 + i));
    const rng = makeRng(9);
    for (let b = 0; b < 30; b++) {
      const pick = Array.from({ length: 32 }, () => rng() % n);
      const r = h.batch(pick.map((i) => l4Frame(conn(i, i & 1 ? IP_PROTO_UDP : IP_PROTO_TCP))));
      r.handles.forEach((hd, j) => expect(tupleOf(r.frame(hd)).srcPort).toBe(ports[pick[j]!]));
    }
    expect(counter(h, 'newConnections')).toBe(n);
    expect(counter(h, 'hits')).toBe(30 * 32);
  });

  it('allocates simulated memory that scales with the port range', () => {
    const small = regionBytes(new NfHarness(natKind, { portRange: '1000-1099' }));
    const big = regionBytes(new NfHarness(natKind, { portRange: '1000-60999' }));
    expect(big).toBeGreaterThan(400 * small);
  });
});

describe('nat: pool', () => {
  it('drops new connections as nat_pool_exhausted when every port is taken; FIN and RST give ports back', () => {
    const h = new NfHarness(natKind, { publicIp: PUBLIC, portRange: '7000-7003' });
    for (let i = 0; i < 4; i++) expect((one(h, conn(i), TCP_SYN) as Tuple).srcPort).toBe(7000 + i);
    expect(one(h, conn(4), TCP_SYN)).toBe('nat_pool_exhausted');
    // Existing connections still translate.
    expect((one(h, conn(2)) as Tuple).srcPort).toBe(7002);
    // FIN ends connection 1: this packet is still translated, then its port is free.
    expect((one(h, conn(1), TCP_FIN | TCP_ACK) as Tuple).srcPort).toBe(7001);
    expect(counter(h, 'closed')).toBe(1);
    expect((one(h, conn(4), TCP_SYN) as Tuple).srcPort).toBe(7001);
    expect(one(h, conn(5), TCP_SYN)).toBe('nat_pool_exhausted');
    // RST ends connection 3.
    expect((one(h, conn(3), TCP_RST) as Tuple).srcPort).toBe(7003);
    expect((one(h, conn(5), TCP_SYN) as Tuple).srcPort).toBe(7003);
    expect(counter(h, 'closed')).toBe(2);
    expect(counter(h, 'newConnections')).toBe(6);
    // A packet of the closed connection 1 opens a new mapping (none free now).
    expect(one(h, conn(1))).toBe('nat_pool_exhausted');
  });

  it('reuses released ports last (FIFO free ring)', () => {
    const h = new NfHarness(natKind, { publicIp: PUBLIC, portRange: '7000-7003' });
    expect((one(h, conn(0), TCP_SYN) as Tuple).srcPort).toBe(7000);
    one(h, conn(0), TCP_RST);
    expect((one(h, conn(1), TCP_SYN) as Tuple).srcPort).toBe(7001);
    expect((one(h, conn(2), TCP_SYN) as Tuple).srcPort).toBe(7002);
    expect((one(h, conn(3), TCP_SYN) as Tuple).srcPort).toBe(7003);
    expect((one(h, conn(4), TCP_SYN) as Tuple).srcPort).toBe(7000);
  });

  it('charges an entry change for each mapping opened and closed', () => {
    const h = new NfHarness(natKind, { cyclesPerEntryChange: 100, cyclesPerExtraProbe: 0 });
    expect(h.batch([l4Frame(conn(0), { tcpFlags: TCP_SYN })]).chargedCycles).toBe(100);
    expect(h.batch([l4Frame(conn(0))]).chargedCycles).toBe(0);
    expect(h.batch([l4Frame(conn(0), { tcpFlags: TCP_FIN })]).chargedCycles).toBe(100);
  });
});

describe('nat: inbound (bidirectional)', () => {
  it('translates a reply back to the inside address and port, exact bytes', () => {
    const h = new NfHarness(natKind, { publicIp: PUBLIC, portRange: '40000-40009', bidirectional: true });
    h.batch([hexToBytes(FRAMES.ipv4Udp)]);
    // 192.168.0.2:80 -> 198.51.100.7:40000, the reply to the mapping above.
    const r = h.batch([hexToBytes('02000000000202000000000108004500001e1234400040113db6c0a80002c633640700509c40000a0ffb6869')]);
    expect(r.gates[0]).toEqual(r.handles);
    expect(hex(r.frame(r.handles[0]!))).toBe('02000000000202000000000108004500001e123440004011a747c0a80002c0a80001005004d2000a10fb6869');
    expect(counter(h, 'reverseHits')).toBe(1);
  });

  it('drops replies to unmapped ports or from another endpoint as nat_no_mapping; FIN inbound releases', () => {
    const h = new NfHarness(natKind, { publicIp: PUBLIC, portRange: '7000-7009', bidirectional: true });
    const c = conn(0);
    expect((one(h, c, TCP_SYN) as Tuple).srcPort).toBe(7000);
    const back = one(h, reply(c, 7000), TCP_SYN | TCP_ACK) as Tuple;
    expect(back).toEqual({ srcIp: c.dstIp, dstIp: c.srcIp, srcPort: c.dstPort, dstPort: c.srcPort, proto: c.proto });
    expect(one(h, reply(c, 7001))).toBe('nat_no_mapping');
    expect(one(h, { ...reply(c, 7000), srcPort: 444 })).toBe('nat_no_mapping');
    expect(one(h, { ...reply(c, 7000), srcIp: ip('192.0.2.9') })).toBe('nat_no_mapping');
    expect(one(h, { ...reply(c, 7000), proto: IP_PROTO_UDP })).toBe('nat_no_mapping');
    // A packet to the public IP outside the port range is an outbound packet like any other.
    expect((one(h, { ...reply(c, 80) }) as Tuple).srcIp).toBe(ip(PUBLIC));
    expect((one(h, reply(c, 7000), TCP_FIN | TCP_ACK) as Tuple).dstPort).toBe(c.srcPort);
    expect(one(h, reply(c, 7000))).toBe('nat_no_mapping');
    expect(counter(h, 'closed')).toBe(1);
  });

  it('without bidirectional, a packet to publicIp:port is translated outbound like any other', () => {
    const h = new NfHarness(natKind, { publicIp: PUBLIC, portRange: '7000-7009' });
    const c = conn(0);
    one(h, c);
    const t = one(h, reply(c, 7000)) as Tuple;
    expect(t.srcIp).toBe(ip(PUBLIC));
    expect(t.srcPort).toBe(7001);
    expect(t.dstPort).toBe(7000);
    expect(counter(h, 'reverseHits')).toBe(0);
  });
});

describe('nat: idle timeout (virtual time)', () => {
  // hz 1e9: 1 cycle = 1 ns.
  it('expires idle mappings at the start of a batch and frees their ports', () => {
    const d = new DirectRunner(natKind, { publicIp: PUBLIC, portRange: '7000-7001', idleTimeoutNs: 1000 }, 1e9);
    const port = (r: ReturnType<DirectRunner['batch']>) => tupleOf(r.frames.get(r.out[0]!)!).srcPort;
    expect(port(d.batch([l4Frame(conn(0))], 0))).toBe(7000);
    expect(port(d.batch([l4Frame(conn(1))], 500))).toBe(7001);
    expect(d.batch([l4Frame(conn(2))], 900).drops.map((x) => x.reason)).toEqual(['nat_pool_exhausted']);
    // Connection 0 used at 950 (refreshes it); connection 1 is then idle since 500.
    expect(port(d.batch([l4Frame(conn(0))], 950))).toBe(7000);
    expect(d.counter('expired')).toBe(0);
    // At 1500 connection 1 has been idle 1000 ns: expired; connection 0 (idle 550) stays.
    expect(port(d.batch([l4Frame(conn(2))], 1500))).toBe(7001);
    expect(d.counter('expired')).toBe(1);
    expect(port(d.batch([l4Frame(conn(0))], 1600))).toBe(7000);
    // Everything idle: both expire, and the next connection gets a port.
    const r = d.batch([l4Frame(conn(3)), l4Frame(conn(4))], 1e6);
    expect(r.drops).toEqual([]);
    expect(d.counter('expired')).toBe(3);
  });

  it('an expired mapping met by a reply is dropped and released', () => {
    const d = new DirectRunner(natKind, { publicIp: PUBLIC, portRange: '7000-7100', idleTimeoutNs: 100, bidirectional: true }, 2e9);
    const c = conn(0);
    expect(d.batch([l4Frame(c)], 0).out.length).toBe(1);
    expect(d.batch([l4Frame(reply(c, 7000))], 199).out.length).toBe(1); // 199 cycles = 99.5 ns
    expect(d.batch([l4Frame(reply(c, 7000))], 398).out.length).toBe(1);
    // The batch-start sweep expires it before the packet is looked at.
    expect(d.batch([l4Frame(reply(c, 7000))], 598).drops.map((x) => x.reason)).toEqual(['nat_no_mapping']);
    expect(d.counter('expired')).toBe(1);
  });
});

describe('nat: what it drops', () => {
  it('drops IPv6, ICMP, ARP, fragments and every truncation, without throwing', () => {
    const h = new NfHarness(natKind, {});
    const r = h.batch([FRAMES.ipv6Udp, FRAMES.ipv4Icmp, FRAMES.arp, FRAMES.ipv4FragFirst, FRAMES.ipv4FragLater].map(hexToBytes));
    expect(r.drops.map((d) => d.reason)).toEqual(['not_ipv4', 'unsupported_l4_proto', 'unsupported_ethertype', 'ip_fragment', 'ip_fragment']);
    for (const name of ['ipv4Udp', 'ipv4OptsTcp', 'vlan1'] as const) {
      const full = hexToBytes(FRAMES[name]);
      const rr = h.batch(Array.from({ length: full.length }, (_, n) => full.slice(0, n)));
      expect(rr.gates[0]).toEqual([]);
      for (const d of rr.drops) expect(natKind.dropReasons).toContain(d.reason);
      expect(rr.drops.length).toBe(full.length);
    }
    expect(counter(h, 'newConnections')).toBe(0);
    const rng = makeRng(4);
    const junk = Array.from({ length: 400 }, () => Uint8Array.from({ length: rng() % 100 }, () => rng() & 0xff));
    junk.forEach((f, i) => { if (i & 1 && f.length > 24) { f[12] = 0x08; f[13] = 0x00; f[14] = 0x45; f[23] = i & 2 ? 6 : 17; } });
    const rr = new NfHarness(natKind, { bidirectional: true }).batch(junk);
    expect(rr.gates[0]!.length + rr.drops.length).toBe(400);
  });
});

describe('nat: config', () => {
  it('lists every problem with its path', () => {
    const p = new Problems();
    natKind.checkConfig({ publicIp: '1.2.3', portRange: '100-50', bidirectional: 'yes', idleTimeoutNs: -1, cyclesPerBatch: 'x', porRange: 1 }, 'm.config', p);
    expect(p.list.map((x) => x.path).sort()).toEqual([
      'm.config.bidirectional', 'm.config.cyclesPerBatch', 'm.config.idleTimeoutNs', 'm.config.porRange', 'm.config.portRange', 'm.config.publicIp',
    ]);
    const q = new Problems();
    natKind.checkConfig({ publicIp: 7, portRange: 80 }, 'c', q);
    expect(q.list.map((x) => x.path)).toEqual(['c.publicIp', 'c.portRange']);
    expect(natKind.checkConfig('nope', 'c', new Problems()).portLo).toBe(1024);
  });

  it('has working defaults and parses port ranges strictly', () => {
    const p = new Problems();
    const c = natKind.checkConfig({}, 'c', p);
    expect(p.list).toEqual([]);
    expect([c.portLo, c.portHi, c.bidirectional, c.idleTimeoutNs]).toEqual([1024, 65535, false, 0]);
    expect(parsePortRange('5000')).toEqual([5000, 5000]);
    expect(parsePortRange('0-10')).toBeNull();
    expect(parsePortRange('1-65536')).toBeNull();
    expect(parsePortRange(' 1-2')).toBeNull();
  });
});
