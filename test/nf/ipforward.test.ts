import { describe, expect, it } from 'vitest';
import { ipforwardKind } from '../../src/nf/ipforward.js';
import { Problems } from '../../src/util/config-check.js';
import { makeRng } from '../packet/helpers.js';
import { NfHarness, runNf } from './harness.js';
import { ipFromNum, ipv4ChecksumValid, ipv4Frame, l3OffOf, malformedCases, truncations } from './route-frames.js';

const PREFIXES = [
  { prefix: '10.0.0.0/8', port: 1 },
  { prefix: '10.1.0.0/16', port: 2 },
  { prefix: '10.1.2.0/24', port: 3 },
  { prefix: '10.1.2.128/25', port: 0 },
];
const CFG = { ports: 4, prefixes: PREFIXES };

describe('ipforward', () => {
  it('sends each packet to the port of its longest matching prefix', () => {
    const dsts = ['10.200.0.1', '10.1.200.1', '10.1.2.1', '10.1.2.200', '10.1.2.127'];
    const r = runNf(ipforwardKind, CFG, dsts.map((dst) => ipv4Frame({ dst })));
    expect(r.gates).toEqual([[r.handles[3]], [r.handles[0]], [r.handles[1]], [r.handles[2], r.handles[4]]]);
    expect(Array.from(r.counters)).toEqual([5, 0]);
  });

  it('decrements the TTL, keeps the checksum valid, and changes no other byte', () => {
    for (const opts of [{ dst: '10.1.2.1' }, { dst: '10.1.2.1', vlanTci: 9, optionBytes: 12 }, { dst: '10.1.2.1', ttl: 2 }, { dst: '10.1.2.1', ttl: 255 }]) {
      const f = ipv4Frame(opts);
      const r = runNf(ipforwardKind, CFG, [f]);
      expect(r.gates[3]).toEqual([r.handles[0]]);
      const out = r.frame(r.handles[0]!);
      const l3 = l3OffOf(f);
      expect(out[l3 + 8]).toBe(f[l3 + 8]! - 1);
      expect(ipv4ChecksumValid(out)).toBe(true);
      for (let i = 0; i < f.length; i++) if (i !== l3 + 8 && i !== l3 + 10 && i !== l3 + 11) expect(out[i], `byte ${i}`).toBe(f[i]);
      expect(r.pktWrites).toEqual([{ h: r.handles[0], off: l3 + 8, size: 4 }]);
    }
  });

  it('keeps checksums valid over many random headers (incremental update = full recomputation)', () => {
    const rng = makeRng(12345);
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 32; i++) {
      frames.push(ipv4Frame({
        dst: `10.${rng() % 256}.${rng() % 256}.${rng() % 256}`, src: ipFromNum(rng() >>> 0), ttl: 2 + (rng() % 254),
        optionBytes: 4 * (rng() % 4), payloadBytes: rng() % 64,
      }));
    }
    for (let round = 0; round < 8; round++) {
      const r = runNf(ipforwardKind, CFG, frames);
      expect(r.drops).toEqual([]);
      r.handles.forEach((h, i) => {
        const out = r.frame(h);
        expect(ipv4ChecksumValid(out)).toBe(true);
        expect(out[22]).toBe(frames[i]![22]! - 1);
      });
      // Feed the outputs back in: TTLs walk down, checksums must stay valid.
      for (let i = 0; i < frames.length; i++) frames[i] = Uint8Array.from(r.frame(r.handles[i]!));
    }
  });

  it('drops TTL 1 and TTL 0 as ttl_expired, without a lookup or a write', () => {
    const nf = new NfHarness(ipforwardKind, CFG);
    const r = nf.batch([ipv4Frame({ dst: '10.1.2.1', ttl: 1 }), ipv4Frame({ dst: '10.1.2.1', ttl: 0 }), ipv4Frame({ dst: '10.1.2.1', ttl: 2 })]);
    expect(r.drops).toEqual([{ h: r.handles[0], reason: 'ttl_expired' }, { h: r.handles[1], reason: 'ttl_expired' }]);
    expect(r.gates[3]).toEqual([r.handles[2]]);
    expect(r.frame(r.handles[0]!)).toEqual(Array.from(ipv4Frame({ dst: '10.1.2.1', ttl: 1 })));
    expect(r.pktWrites.map((w) => w.h)).toEqual([r.handles[2]]);
    expect(Array.from(r.counters)).toEqual([1, 0]);
  });

  it('drops unrouted packets as no_route, or sends them to defaultPort', () => {
    const f = ipv4Frame({ dst: '192.0.2.1' });
    const dropped = runNf(ipforwardKind, CFG, [f]);
    expect(dropped.drops).toEqual([{ h: dropped.handles[0], reason: 'no_route' }]);
    expect(dropped.frame(dropped.handles[0]!)).toEqual(Array.from(f));
    const defaulted = runNf(ipforwardKind, { ...CFG, defaultPort: 2 }, [f]);
    expect(defaulted.gates[2]).toEqual([defaulted.handles[0]]);
    expect(Array.from(defaulted.counters)).toEqual([0, 1]);
  });

  it('declares the LPM entries it reads inside its tables and charges per entry', () => {
    const nf = new NfHarness(ipforwardKind, CFG);
    const r = nf.batch([ipv4Frame({ dst: '10.200.0.1' }), ipv4Frame({ dst: '10.1.2.200' })]);
    const [t1, groups] = nf.regions;
    expect(t1!.sizeBytes).toBe(65536 * 4);
    // 10.200/16: first level only; 10.1.2.200 (under the /25 split): first level + two groups.
    expect(r.memReads.length).toBe(4);
    const inside = (a: number, reg: { base: number; sizeBytes: number }) => a >= reg.base && a + 4 <= reg.base + reg.sizeBytes;
    expect(r.memReads.filter((m) => inside(m.addr, t1!)).length).toBe(2);
    expect(r.memReads.filter((m) => inside(m.addr, groups!)).length).toBe(2);
    expect(r.chargedCycles).toBe(4 * 4);
    expect(nf.instance.cost).toEqual({ cyclesPerBatch: 20, cyclesPerPacket: 26, cyclesPerByte: 0, cyclesPerLookupStep: 4 });
  });

  it('verifyChecksum drops a header whose checksum is wrong and charges for the check', () => {
    const bad = ipv4Frame({ dst: '10.1.2.1' });
    bad[25] ^= 0xff;
    const off = runNf(ipforwardKind, CFG, [bad]);
    expect(off.gates[3]).toEqual([off.handles[0]]);
    const on = runNf(ipforwardKind, { ...CFG, verifyChecksum: true }, [bad, ipv4Frame({ dst: '10.1.2.1' })]);
    expect(on.drops).toEqual([{ h: on.handles[0], reason: 'bad_ip_checksum' }]);
    expect(on.gates[3]).toEqual([on.handles[1]]);
    // The good packet reads 3 LPM entries; both 20-byte headers are verified.
    expect(on.chargedCycles).toBe(3 * 4 + 2 * 20 * 0.5);
  });

  for (const c of malformedCases()) {
    it(`drops ${c.name} as ${c.reason}`, () => {
      const r = runNf(ipforwardKind, { ...CFG, defaultPort: 0 }, [c.frame]);
      expect(r.drops).toEqual([{ h: r.handles[0], reason: c.reason }]);
    });
  }

  it('drops every truncation with the parser\'s reason, never throwing', () => {
    for (const full of [ipv4Frame({ dst: '10.1.2.1' }), ipv4Frame({ dst: '10.1.2.1', vlanTci: 1, optionBytes: 4 })]) {
      const cases = truncations(full);
      const r = runNf(ipforwardKind, { ...CFG, defaultPort: 0 }, cases.map((c) => c.frame));
      expect(r.drops).toEqual(cases.map((c, i) => ({ h: r.handles[i], reason: c.reason })));
      expect(r.pktWrites).toEqual([]);
    }
  });

  it('reports config problems with their paths; the empty config is valid', () => {
    const p = new Problems();
    const c = ipforwardKind.checkConfig({}, 'config', p);
    expect(p.list).toEqual([]);
    expect(ipforwardKind.outputGates(c)).toBe(1);
    ipforwardKind.checkConfig({
      ports: 2, prefixes: [{ prefix: '10.0.0.0/8', port: 2 }, { prefix: 'x' }], defaultPort: -1, firstLevelBits: 4, routes: [], cyclesPerLookupStep: 'x',
    }, 'modules[2].config', p);
    expect(p.list.map((x) => x.path).sort()).toEqual([
      'modules[2].config.cyclesPerLookupStep', 'modules[2].config.defaultPort', 'modules[2].config.firstLevelBits',
      'modules[2].config.prefixes[0].port', 'modules[2].config.prefixes[1].port', 'modules[2].config.prefixes[1].prefix', 'modules[2].config.routes',
    ]);
  });
});
