import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/util/prng.js';
import {
  DEFAULT_DST_NET,
  DEFAULT_SRC_NET,
  PROTO_TCP,
  PROTO_UDP,
  flowKeyString,
  ipv4ToString,
  makeRandomFlows,
  parseIpv4,
  type FlowSet,
} from '../../src/traffic/flows.js';

function keys(fs: FlowSet): string[] {
  return Array.from({ length: fs.count }, (_, i) => flowKeyString(fs, i));
}

describe('makeRandomFlows', () => {
  it('makes unique UDP tuples in the documented default ranges', () => {
    expect(DEFAULT_SRC_NET).toEqual([parseIpv4('10.0.0.0'), 8]);
    expect(DEFAULT_DST_NET).toEqual([parseIpv4('192.168.0.0'), 16]);
    const fs = makeRandomFlows(5000, new Prng(1));
    expect(fs.count).toBe(5000);
    expect(new Set(keys(fs)).size).toBe(5000);
    let bad = 0;
    for (let i = 0; i < fs.count; i++) {
      const s = fs.srcIp[i]!;
      const d = fs.dstIp[i]!;
      const sHost = s & 0x00ffffff;
      const dHost = d & 0x0000ffff;
      if (s >>> 24 !== 10 || sHost === 0 || sHost === 0x00ffffff) bad++;
      if (d >>> 16 !== 0xc0a8 || dHost === 0 || dHost === 0xffff) bad++;
      if (fs.srcPort[i]! < 1024 || fs.dstPort[i]! < 1024) bad++;
      if (fs.proto[i] !== PROTO_UDP) bad++;
    }
    expect(bad).toBe(0);
  });

  it('is deterministic, and a smaller set is a prefix of a larger one', () => {
    const a = makeRandomFlows(1000, new Prng(7));
    const b = makeRandomFlows(1000, new Prng(7));
    expect(b).toEqual(a);
    const c = makeRandomFlows(1000, new Prng(8));
    expect(c.srcIp).not.toEqual(a.srcIp);
    const small = makeRandomFlows(10, new Prng(7));
    expect(keys(small)).toEqual(keys(a).slice(0, 10));
  });

  it('draws srcIp, dstIp, srcPort, dstPort (and proto for mixed) in that order', () => {
    const fs = makeRandomFlows(3, new Prng(3), { proto: 'mixed' });
    const p = new Prng(3);
    for (let i = 0; i < 3; i++) {
      expect(fs.srcIp[i]).toBe(0x0a000000 + 1 + p.nextInt(2 ** 24 - 2));
      expect(fs.dstIp[i]).toBe(0xc0a80000 + 1 + p.nextInt(2 ** 16 - 2));
      expect(fs.srcPort[i]).toBe(1024 + p.nextInt(64512));
      expect(fs.dstPort[i]).toBe(1024 + p.nextInt(64512));
      expect(fs.proto[i]).toBe(p.nextInt(2) === 0 ? PROTO_UDP : PROTO_TCP);
    }
  });

  it('supports tcp and mixed protocols', () => {
    const tcp = makeRandomFlows(200, new Prng(2), { proto: 'tcp' });
    expect(tcp.proto.every((p) => p === PROTO_TCP)).toBe(true);
    const mixed = makeRandomFlows(2000, new Prng(2), { proto: 'mixed' });
    const nTcp = mixed.proto.filter((p) => p === PROTO_TCP).length;
    expect(mixed.proto.every((p) => p === PROTO_TCP || p === PROTO_UDP)).toBe(true);
    expect(Math.abs(nTcp / 2000 - 0.5)).toBeLessThan(0.05);
  });

  it('honours custom prefixes, including /31 and /32', () => {
    const fs = makeRandomFlows(500, new Prng(4), { srcNet: [parseIpv4('172.16.5.0'), 31], dstNet: [parseIpv4('8.8.8.8'), 32] });
    const srcs = new Set(Array.from(fs.srcIp));
    expect([...srcs].sort()).toEqual([parseIpv4('172.16.5.0'), parseIpv4('172.16.5.1')]);
    expect(fs.dstIp.every((d) => d === parseIpv4('8.8.8.8'))).toBe(true);
    const wide = makeRandomFlows(500, new Prng(4), { srcNet: [0, 0], dstNet: [parseIpv4('10.1.2.0'), 30] });
    // /30: only hosts .1 and .2 (network .0 and broadcast .3 are excluded).
    expect(new Set(Array.from(wide.dstIp).map(ipv4ToString))).toEqual(new Set(['10.1.2.1', '10.1.2.2']));
    expect(wide.srcIp.every((s) => s !== 0 && s !== 0xffffffff)).toBe(true);
  });

  it('rejects duplicate tuples and redraws the whole flow', () => {
    // A scripted generator: flow 1 first repeats flow 0's tuple.
    const script = [5, 6, 100, 200, /* dup: */ 5, 6, 100, 200, /* fresh: */ 5, 6, 100, 201];
    let next = 0;
    const scripted = { nextInt: () => script[next++]! } as unknown as Prng;
    const fs = makeRandomFlows(2, scripted, { srcNet: [parseIpv4('10.0.0.0'), 24], dstNet: [parseIpv4('10.0.1.0'), 24] });
    expect(next).toBe(12);
    expect(keys(fs)).toEqual(['udp 10.0.0.6:1124 -> 10.0.1.7:1224', 'udp 10.0.0.6:1124 -> 10.0.1.7:1225']);
  });

  it('allows zero flows', () => {
    const fs = makeRandomFlows(0, new Prng(1));
    expect(fs.count).toBe(0);
    expect(fs.srcIp.length).toBe(0);
  });

  it('reports every bad option in one RangeError', () => {
    const err = (() => {
      try {
        makeRandomFlows(-1, new Prng(1), {
          proto: 'sctp' as 'udp',
          srcNet: [parseIpv4('10.0.0.1'), 8],
          dstNet: [0, 33],
        });
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a throw');
    })();
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toMatch(/count must be an integer/);
    expect(err.message).toMatch(/opts\.proto must be 'udp', 'tcp' or 'mixed', got "sctp"/);
    expect(err.message).toMatch(/opts\.srcNet: 10\.0\.0\.1\/8 has host bits set/);
    expect(err.message).toMatch(/opts\.dstNet\[1\] \(prefix length\) must be an integer in 0\.\.32, got 33/);
    expect(() => makeRandomFlows(1.5, new Prng(1))).toThrow(/count/);
    expect(() => makeRandomFlows(10, new Prng(1), { srcNet: [-5, 8] })).toThrow(/srcNet\[0\]/);
  });
});

describe('address helpers', () => {
  it('round-trips dotted quads and rejects junk', () => {
    for (const t of ['0.0.0.0', '10.1.2.3', '192.168.255.254', '255.255.255.255']) {
      expect(ipv4ToString(parseIpv4(t))).toBe(t);
    }
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    for (const bad of ['256.1.1.1', '1.2.3', '1.2.3.4.5', 'a.b.c.d', ' 1.2.3.4']) {
      expect(() => parseIpv4(bad)).toThrow(RangeError);
    }
  });

  it('formats flow keys for reports', () => {
    const fs = makeRandomFlows(1, new Prng(1), { proto: 'tcp' });
    expect(flowKeyString(fs, 0)).toMatch(/^tcp 10\.\d+\.\d+\.\d+:\d+ -> 192\.168\.\d+\.\d+:\d+$/);
  });
});
