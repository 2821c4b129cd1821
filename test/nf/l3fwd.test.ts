import { describe, expect, it } from 'vitest';
import { l3fwdKind } from '../../src/nf/l3fwd.js';
import { generateHostRoutes } from '../../src/nf/route-config.js';
import { ROUTE_SLOT_BYTES } from '../../src/nf/route-hash.js';
import { ConfigError, Problems } from '../../src/util/config-check.js';
import { NfHarness, runNf } from './harness.js';
import { ipFromNum, ipNum, ipv4ChecksumValid, ipv4Frame, macBytes, malformedCases, truncations, withIpByte } from './route-frames.js';

const ROUTES = [
  { dst: '192.168.1.7', port: 0 },
  { dst: '192.168.1.8', port: 1 },
  { dst: '10.0.0.1', port: 2 },
];

function problemsOf(raw: unknown): { path: string; expected: string }[] {
  const p = new Problems();
  l3fwdKind.checkConfig(raw, 'config', p);
  return p.list.map((x) => ({ path: x.path, expected: x.expected }));
}

describe('l3fwd (exact match)', () => {
  it('sends each packet out of its route\'s port and counts hits', () => {
    const nf = new NfHarness(l3fwdKind, { ports: 3, routes: ROUTES });
    const r = nf.batch([ipv4Frame({ dst: '10.0.0.1' }), ipv4Frame({ dst: '192.168.1.7' }), ipv4Frame({ dst: '192.168.1.8' }), ipv4Frame({ dst: '192.168.1.7', vlanTci: 5 })]);
    expect(r.gates).toEqual([[r.handles[1], r.handles[3]], [r.handles[2]], [r.handles[0]]]);
    expect(r.drops).toEqual([]);
    expect(Array.from(r.counters)).toEqual([4, 0]);
  });

  it('drops unrouted packets as l3fwd_no_route, or sends them to defaultPort', () => {
    const frames = [ipv4Frame({ dst: '192.168.1.9' }), ipv4Frame({ dst: '192.168.1.8' })];
    const dropped = runNf(l3fwdKind, { ports: 2, routes: ROUTES.slice(0, 2) }, frames);
    expect(dropped.drops).toEqual([{ h: dropped.handles[0], reason: 'l3fwd_no_route' }]);
    expect(dropped.gates).toEqual([[], [dropped.handles[1]]]);
    expect(Array.from(dropped.counters)).toEqual([1, 1]);
    const defaulted = runNf(l3fwdKind, { ports: 2, routes: ROUTES.slice(0, 2), defaultPort: 1 }, frames);
    expect(defaulted.drops).toEqual([]);
    expect(defaulted.gates).toEqual([[], [defaulted.handles[0], defaulted.handles[1]]]);
    expect(Array.from(defaulted.counters)).toEqual([1, 1]);
  });

  it('leaves the frame untouched without MAC config; rewrites exactly the MACs with it', () => {
    const f = ipv4Frame({ dst: '192.168.1.8', payloadBytes: 30 });
    const plain = runNf(l3fwdKind, { ports: 2, routes: ROUTES.slice(0, 2) }, [f]);
    expect(plain.frame(plain.handles[0]!)).toEqual(Array.from(f));
    expect(plain.pktWrites).toEqual([]);

    const cfg = {
      ports: 2, routes: ROUTES.slice(0, 2),
      nextHopMacs: ['0a:00:00:00:00:00', '0a:bb:cc:dd:ee:ff'],
      portMacs: ['02:11:11:11:11:00', '02:11:11:11:11:01'],
    };
    const r = runNf(l3fwdKind, cfg, [f]);
    const out = r.frame(r.handles[0]!);
    expect(out).toEqual([...macBytes('0a:bb:cc:dd:ee:ff'), ...macBytes('02:11:11:11:11:01'), ...Array.from(f.slice(12))]);
    expect(r.pktWrites).toEqual([{ h: r.handles[0], off: 0, size: 12 }]);
    expect(ipv4ChecksumValid(out)).toBe(true);

    const onlyDst = runNf(l3fwdKind, { ports: 2, routes: ROUTES.slice(0, 2), nextHopMacs: cfg.nextHopMacs }, [f]);
    expect(onlyDst.frame(onlyDst.handles[0]!)).toEqual([...macBytes('0a:bb:cc:dd:ee:ff'), ...Array.from(f.slice(6))]);
    expect(onlyDst.pktWrites).toEqual([{ h: onlyDst.handles[0], off: 0, size: 6 }]);
  });

  it('declares one header read per packet and one 8-byte slot read per probe, inside its table', () => {
    const nf = new NfHarness(l3fwdKind, { ports: 3, routes: ROUTES });
    const r = nf.batch([ipv4Frame({ dst: '10.0.0.1' }), ipv4Frame({ dst: '172.16.0.1' })]);
    expect(r.pktReads).toEqual([{ h: r.handles[0], off: 0, size: 42 }, { h: r.handles[1], off: 0, size: 42 }]);
    const region = nf.regions.find((x) => x.label.endsWith('.routes'))!;
    expect(r.memReads.length).toBeGreaterThanOrEqual(2);
    for (const m of r.memReads) {
      expect(m.size).toBe(ROUTE_SLOT_BYTES);
      expect(m.addr).toBeGreaterThanOrEqual(region.base);
      expect(m.addr + m.size).toBeLessThanOrEqual(region.base + region.sizeBytes);
      expect((m.addr - region.base) % ROUTE_SLOT_BYTES).toBe(0);
    }
    // Cost: the declared defaults, plus cyclesPerLookupStep per slot probed.
    expect(nf.instance.cost).toEqual({ cyclesPerBatch: 20, cyclesPerPacket: 24, cyclesPerByte: 0, cyclesPerLookupStep: 4 });
    expect(r.chargedCycles).toBe(4 * r.memReads.length);
  });

  for (const entries of [100, 100_000]) {
    it(`holds ${entries} generated routes: every one hits with its port, and the footprint scales`, () => {
      const within = entries > 30_000 ? '10.0.0.0/8' : '192.168.0.0/16';
      const cfg = { ports: 4, routeEntries: entries, generate: { seed: 42, within } };
      const nf = new NfHarness(l3fwdKind, cfg);
      const region = nf.regions.find((x) => x.label.endsWith('.routes'))!;
      expect(region.sizeBytes).toBeGreaterThanOrEqual(entries * 2 * ROUTE_SLOT_BYTES);
      expect(region.sizeBytes).toBeLessThanOrEqual(Math.max(16, entries * 4) * ROUTE_SLOT_BYTES);
      const want = generateHostRoutes({ count: entries, seed: 42, withinAddr: ipNum(within.split('/')[0]!), withinLen: Number(within.split('/')[1]) }, 42, 4, new Set());
      expect(new Set(want.dst).size).toBe(entries);
      // Sample up to 1000 routes spread over the table, in batches of 32.
      const step = Math.max(1, Math.floor(entries / 1000));
      let hits = 0;
      for (let i0 = 0; i0 < entries; i0 += 32 * step) {
        const idx: number[] = [];
        for (let i = i0; i < Math.min(entries, i0 + 32 * step); i += step) idx.push(i);
        const r = nf.batch(idx.map((i) => ipv4Frame({ dst: ipFromNum(want.dst[i]!) })));
        expect(r.drops).toEqual([]);
        idx.forEach((i, k) => expect(r.gates[want.port[i]!]).toContain(r.handles[k]));
        hits += idx.length;
      }
      expect(nf.instance.counters[0]).toBe(hits);
      // An address outside the generated set misses.
      const miss = nf.batch([ipv4Frame({ dst: '203.0.113.1' })]);
      expect(miss.drops[0]!.reason).toBe('l3fwd_no_route');
    });
  }

  it('generation is deterministic: same seed same table, default seed is the scenario seed', () => {
    const a = generateHostRoutes({ count: 500, seed: 7, withinAddr: ipNum('192.168.0.0'), withinLen: 16 }, 7, 3, new Set());
    const b = generateHostRoutes({ count: 500, seed: 7, withinAddr: ipNum('192.168.0.0'), withinLen: 16 }, 7, 3, new Set());
    const c = generateHostRoutes({ count: 500, seed: 8, withinAddr: ipNum('192.168.0.0'), withinLen: 16 }, 8, 3, new Set());
    expect(Array.from(a.dst)).toEqual(Array.from(b.dst));
    expect(Array.from(a.port)).toEqual(Array.from(b.port));
    expect(Array.from(a.dst)).not.toEqual(Array.from(c.dst));
    for (const ip of a.dst) {
      expect(ip >>> 16).toBe(0xc0a8);
      expect(ip & 0xffff).not.toBe(0);
      expect(ip & 0xffff).not.toBe(0xffff);
    }
    // Without generate.seed the harness's env seed (2 here) is used.
    const nf = new NfHarness(l3fwdKind, { routeEntries: 64, generate: {} }, { seed: 2 });
    const fromEnv = generateHostRoutes({ count: 64, seed: null, withinAddr: ipNum('192.168.0.0'), withinLen: 16 }, 2, 1, new Set());
    const r = nf.batch(Array.from(fromEnv.dst.slice(0, 32), (ip) => ipv4Frame({ dst: ipFromNum(ip) })));
    expect(r.gates[0]!.length).toBe(32);
  });

  it('generated routes never replace inline ones', () => {
    // A /30 has 2 usable hosts: one inline route, one generated.
    const r = runNf(l3fwdKind, { ports: 2, routes: [{ dst: '10.0.0.1', port: 1 }], routeEntries: 2, generate: { within: '10.0.0.0/30', seed: 3 } },
      [ipv4Frame({ dst: '10.0.0.1' }), ipv4Frame({ dst: '10.0.0.2' })]);
    expect(r.drops).toEqual([]);
    expect(r.gates[1]).toContain(r.handles[0]);
  });
});

describe('l3fwd (lpm)', () => {
  it('routes by longest prefix; host routes and generated routes are /32s', () => {
    const cfg = {
      lookup: 'lpm', ports: 3,
      prefixes: [{ prefix: '10.0.0.0/8', port: 1 }, { prefix: '10.1.0.0/16', port: 2 }],
      routes: [{ dst: '10.1.2.3', port: 0 }],
    };
    const nf = new NfHarness(l3fwdKind, cfg);
    const r = nf.batch([ipv4Frame({ dst: '10.9.9.9' }), ipv4Frame({ dst: '10.1.9.9' }), ipv4Frame({ dst: '10.1.2.3' }), ipv4Frame({ dst: '11.0.0.0' })]);
    expect(r.gates).toEqual([[r.handles[2]], [r.handles[0]], [r.handles[1]]]);
    expect(r.drops).toEqual([{ h: r.handles[3], reason: 'l3fwd_no_route' }]);
    expect(nf.regions.map((x) => x.label)).toEqual(['nf.lpm-tbl1', 'nf.lpm-groups']);
    expect(nf.regions[0]!.sizeBytes).toBe(65536 * 4);
    // Entries read: 10.9/16 has no group (1); 10.1/16 has one for 10.1.2.3/32, so 10.1.9.9
    // reads the first level and one group (2) and 10.1.2.3 two groups (3); the miss reads 1.
    expect(r.memReads.length).toBe(1 + 2 + 3 + 1);
    expect(r.chargedCycles).toBe(4 * 7);
  });

  it('accepts firstLevelBits 24 (classic DIR-24-8)', () => {
    const nf = new NfHarness(l3fwdKind, { lookup: 'lpm', firstLevelBits: 24, prefixes: [{ prefix: '0.0.0.0/0', port: 0 }] });
    expect(nf.regions[0]!.sizeBytes).toBe(2 ** 24 * 4);
    expect(nf.batch([ipv4Frame({ dst: '1.2.3.4' })]).gates[0]!.length).toBe(1);
  });
});

describe('l3fwd malformed input', () => {
  const cfg = { ports: 1, routes: [{ dst: '192.168.1.7', port: 0 }], defaultPort: 0 };
  for (const c of malformedCases()) {
    it(`drops ${c.name} as ${c.reason}`, () => {
      const r = runNf(l3fwdKind, cfg, [c.frame]);
      expect(r.drops).toEqual([{ h: r.handles[0], reason: c.reason }]);
      expect(r.gates[0]).toEqual([]);
    });
  }

  it('drops every truncation of a frame (plain and VLAN-tagged) with the parser\'s reason, never throwing', () => {
    for (const full of [ipv4Frame({ dst: '192.168.1.7' }), ipv4Frame({ dst: '192.168.1.7', vlanTci: 7, optionBytes: 8 })]) {
      const cases = truncations(full);
      const r = runNf(l3fwdKind, cfg, cases.map((c) => c.frame));
      expect(r.drops).toEqual(cases.map((c, i) => ({ h: r.handles[i], reason: c.reason })));
      expect(Array.from(r.counters)).toEqual([0, 0]);
      const whole = runNf(l3fwdKind, cfg, [full]);
      expect(whole.gates[0]).toEqual([whole.handles[0]]);
    }
  });

  it('forwards a packet whose L4 header is short (routers do not look at L4) and Ethernet-padded frames', () => {
    // IP total length 24: only 4 bytes of the UDP header.
    const shortUdp = withIpByte(ipv4Frame({ dst: '192.168.1.7', payloadBytes: 0 }).slice(0, 14 + 24), 3, 24);
    const r = runNf(l3fwdKind, cfg, [shortUdp, ipv4Frame({ dst: '192.168.1.7', payloadBytes: 0, padBytes: 20 })]);
    expect(r.gates[0]).toEqual(r.handles);
  });
});

describe('l3fwd config', () => {
  it('defaults: exact lookup, one port, 1024 entries, no default port', () => {
    const p = new Problems();
    const c = l3fwdKind.checkConfig({}, 'config', p);
    expect(p.list).toEqual([]);
    expect(c).toMatchObject({ lookup: 'exact', ports: 1, routeEntries: 1024, defaultPort: -1, generate: null, firstLevelBits: 16 });
    expect(l3fwdKind.outputGates(c)).toBe(1);
    expect(l3fwdKind.outputGates(l3fwdKind.checkConfig({ ports: 4 }, 'config', p))).toBe(4);
  });

  it('reports every problem with its dotted path', () => {
    const paths = problemsOf({
      lookup: 'exakt',
      ports: 2,
      routes: [{ dst: '192.168.1.300', port: 0 }, { dst: '1.2.3.4', port: 2 }, { dst: '1.2.3.4', port: 0 }, { dst: '1.2.3.5', port: 0, via: 1 }, 'x'],
      defaultPort: 5,
      nextHopMacs: ['02:00:00:00:00:01'],
      portMacs: ['02:00:00:00:00:01', 'zz'],
      cyclesPerPacket: -1,
      verifyChecksum: 'yes',
      bogus: 1,
    }).map((x) => x.path);
    expect(paths.sort()).toEqual([
      'config.bogus', 'config.cyclesPerPacket', 'config.defaultPort', 'config.lookup', 'config.nextHopMacs', 'config.portMacs[1]',
      'config.routes[0].dst', 'config.routes[1].port', 'config.routes[2].dst', 'config.routes[3].via', 'config.routes[4]', 'config.verifyChecksum',
    ].sort());
  });

  it('rejects LPM-only fields with exact lookup, and bad prefixes with lpm', () => {
    expect(problemsOf({ prefixes: [], firstLevelBits: 24 }).map((x) => x.path)).toEqual(['config.prefixes', 'config.firstLevelBits']);
    const lpm = problemsOf({
      lookup: 'lpm', firstLevelBits: 25,
      prefixes: [{ prefix: '10.0.0.1/8', port: 0 }, { prefix: '10.0.0.0/33', port: 0 }, { prefix: '10.0.0.0', port: 0 }, { prefix: '10.0.0.0/8', port: 0 }, { prefix: '10.0.0.0/8', port: 0 }, { prefix: '1.1.1.1/32', port: 0 }],
      routes: [{ dst: '1.1.1.1', port: 0 }],
    });
    expect(lpm.map((x) => x.path).sort()).toEqual([
      'config.firstLevelBits', 'config.prefixes[0].prefix', 'config.prefixes[1].prefix', 'config.prefixes[2].prefix', 'config.prefixes[4].prefix', 'config.routes[0].dst',
    ]);
    expect(lpm.find((x) => x.path === 'config.prefixes[0].prefix')!.expected).toMatch(/10\.0\.0\.0\/8/);
  });

  it('checks route counts against routeEntries and the generation prefix', () => {
    expect(problemsOf({ routeEntries: 1, routes: ROUTES.slice(0, 2).map((r) => ({ ...r, port: 0 })) }).map((x) => x.path)).toEqual(['config.routeEntries']);
    expect(problemsOf({ routeEntries: 10, generate: { count: 11 } }).map((x) => x.path)).toEqual(['config.generate.count']);
    const tooMany = problemsOf({ routeEntries: 100_000, generate: {} });
    expect(tooMany.map((x) => x.path)).toEqual(['config.generate.count']);
    expect(tooMany[0]!.expected).toMatch(/65534 host addresses of 192\.168\.0\.0\/16.*default.*routeEntries.*widen generate\.within/);
    expect(problemsOf({ routeEntries: 100_000, generate: { within: '10.0.0.0/8' } })).toEqual([]);
    expect(problemsOf({ routeEntries: 2_000_000 }).map((x) => x.path)).toEqual(['config.routeEntries']);
    expect(problemsOf({ generate: { within: '10.0.0.1/8', seed: -1, count: 'many', extra: 1 } }).map((x) => x.path).sort())
      .toEqual(['config.generate.count', 'config.generate.extra', 'config.generate.seed', 'config.generate.within']);
  });

  it('the harness (like the engine) gets one ConfigError listing them all', () => {
    expect(() => new NfHarness(l3fwdKind, { ports: 0, defaultPort: 'a' })).toThrow(ConfigError);
  });
});

describe('l3fwd generate.hosts: first', () => {
  it('routes the first N hosts of the prefix, the destinations of traffic with dstNet and dstHosts', async () => {
    const { generateHostRoutes } = await import('../../src/nf/route-config.js');
    const r = generateHostRoutes({ count: 5, seed: 1, withinAddr: 0x0a400000, withinLen: 10, hosts: 'first' }, 1, 1, new Set());
    expect(Array.from(r.dst)).toEqual([0x0a400001, 0x0a400002, 0x0a400003, 0x0a400004, 0x0a400005]);
  });
});
