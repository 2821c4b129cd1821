import { describe, expect, it } from 'vitest';
import { routerKind } from '../../src/nf/router.js';
import { Problems } from '../../src/util/config-check.js';
import { refChecksum } from '../packet/helpers.js';
import { NfHarness, runNf } from './harness.js';
import { ipText, ipv4ChecksumValid, ipv4Frame, macBytes, malformedCases, truncations } from './route-frames.js';

const CFG = {
  ports: 3,
  prefixes: [{ prefix: '0.0.0.0/0', port: 0 }, { prefix: '172.16.0.0/12', port: 1 }, { prefix: '172.16.5.0/24', port: 2 }],
  portMacs: ['02:00:00:00:aa:00', '02:00:00:00:aa:01', '02:00:00:00:aa:02'],
  nextHopMacs: ['0e:00:00:00:00:00', '0e:00:00:00:00:01', '0e:00:00:00:00:02'],
};

/** The frame a router should emit, built independently: new MACs, TTL - 1, checksum from scratch. */
function expectedFrame(dst: string, ttl: number, nextHop: string, own: string): number[] {
  const total = 20 + 8 + 18;
  const ip = [0x45, 0, 0, total, 0x12, 0x34, 0x40, 0, ttl - 1, 17, 0, 0, ...ipText('10.9.8.7'), ...ipText(dst)];
  const csum = refChecksum(ip);
  ip[10] = csum >> 8;
  ip[11] = csum & 0xff;
  const rest = Array.from(ipv4Frame({ dst, ttl }).slice(34));
  return [...macBytes(nextHop), ...macBytes(own), 0x08, 0x00, ...ip, ...rest];
}

describe('router', () => {
  it('routes by LPM to one gate per interface and rewrites MACs, TTL and checksum to the exact expected bytes', () => {
    const dsts = ['8.8.8.8', '172.20.1.1', '172.16.5.77'];
    const r = runNf(routerKind, CFG, dsts.map((dst) => ipv4Frame({ dst, ttl: 64 })));
    expect(r.gates).toEqual([[r.handles[0]], [r.handles[1]], [r.handles[2]]]);
    dsts.forEach((dst, i) => {
      const out = r.frame(r.handles[i]!);
      expect(out).toEqual(expectedFrame(dst, 64, CFG.nextHopMacs[i]!, CFG.portMacs[i]!));
      expect(ipv4ChecksumValid(out)).toBe(true);
    });
    expect(r.pktWrites.filter((w) => w.h === r.handles[0])).toEqual([{ h: r.handles[0], off: 22, size: 4 }, { h: r.handles[0], off: 0, size: 12 }]);
    expect(Array.from(r.counters)).toEqual([3, 0]);
  });

  it('keeps the VLAN tag and IP options in place', () => {
    const f = ipv4Frame({ dst: '172.16.5.1', vlanTci: 0x0123, optionBytes: 8, ttl: 9 });
    const r = runNf(routerKind, CFG, [f]);
    const out = r.frame(r.handles[0]!);
    expect(r.gates[2]).toEqual([r.handles[0]]);
    expect(out.slice(0, 12)).toEqual([...macBytes('0e:00:00:00:00:02'), ...macBytes('02:00:00:00:aa:02')]);
    expect(out.slice(12, 18)).toEqual(Array.from(f.slice(12, 18)));
    expect(out[18 + 8]).toBe(8);
    expect(ipv4ChecksumValid(out)).toBe(true);
    expect(out.slice(18 + 12)).toEqual(Array.from(f.slice(18 + 12)));
  });

  it('uses locally administered default MACs when none are configured', () => {
    const r = runNf(routerKind, { ports: 2, prefixes: [{ prefix: '10.0.0.0/8', port: 1 }] }, [ipv4Frame({ dst: '10.0.0.5' })]);
    expect(r.frame(r.handles[0]!).slice(0, 12)).toEqual([...macBytes('02:00:00:00:01:01'), ...macBytes('02:00:00:00:00:01')]);
  });

  it('drops TTL <= 1 as ttl_expired and unrouted packets as no_route, leaving them unmodified', () => {
    const noDefault = { ...CFG, prefixes: CFG.prefixes.slice(1) };
    const frames = [ipv4Frame({ dst: '172.16.5.1', ttl: 1 }), ipv4Frame({ dst: '8.8.8.8' }), ipv4Frame({ dst: '172.16.5.1', ttl: 2 })];
    const r = runNf(routerKind, noDefault, frames);
    expect(r.drops).toEqual([{ h: r.handles[0], reason: 'ttl_expired' }, { h: r.handles[1], reason: 'no_route' }]);
    expect(r.frame(r.handles[0]!)).toEqual(Array.from(frames[0]!));
    expect(r.frame(r.handles[1]!)).toEqual(Array.from(frames[1]!));
    expect(r.gates[2]).toEqual([r.handles[2]]);
    expect(r.frame(r.handles[2]!)[22]).toBe(1);
    expect(Array.from(r.counters)).toEqual([1, 1]);
  });

  it('charges its declared cost plus one step per LPM entry read', () => {
    const nf = new NfHarness(routerKind, CFG);
    const r = nf.batch([ipv4Frame({ dst: '8.8.8.8' }), ipv4Frame({ dst: '172.16.5.1' })]);
    // 8.8/16: first level; 172.16.5/24 sits in a group under 172.16/16.
    expect(r.memReads.length).toBe(3);
    expect(r.chargedCycles).toBe(12);
    expect(nf.instance.cost).toEqual({ cyclesPerBatch: 20, cyclesPerPacket: 30, cyclesPerByte: 0, cyclesPerLookupStep: 4 });
  });

  for (const c of malformedCases()) {
    it(`drops ${c.name} as ${c.reason}`, () => {
      const r = runNf(routerKind, CFG, [c.frame]);
      expect(r.drops).toEqual([{ h: r.handles[0], reason: c.reason }]);
      expect(r.frame(r.handles[0]!)).toEqual(Array.from(c.frame));
    });
  }

  it('drops every truncation with the parser\'s reason, never throwing', () => {
    const full = ipv4Frame({ dst: '172.16.5.1', vlanTci: 3 });
    const cases = truncations(full);
    const r = runNf(routerKind, CFG, cases.map((c) => c.frame));
    expect(r.drops).toEqual(cases.map((c, i) => ({ h: r.handles[i], reason: c.reason })));
    expect(r.pktWrites).toEqual([]);
  });

  it('reports config problems with their paths; the empty config is valid with one interface', () => {
    const p = new Problems();
    const c = routerKind.checkConfig({}, 'config', p);
    expect(p.list).toEqual([]);
    expect(routerKind.outputGates(c)).toBe(1);
    expect(routerKind.gateNames.length).toBe(1);
    routerKind.checkConfig({ ports: 2, portMacs: ['02:00:00:00:00:01'], nextHopMacs: ['02:00:00:00:00:01', '02:00:00:00:00:0g'], prefixes: 'all' }, 'config', p);
    expect(p.list.map((x) => x.path).sort()).toEqual(['config.nextHopMacs[1]', 'config.portMacs', 'config.prefixes']);
  });
});
