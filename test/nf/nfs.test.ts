import { describe, expect, it } from 'vitest';
import { NF_KINDS, findNfKind } from '../../src/nf/catalog.js';
import { macSwapKind } from '../../src/nf/macswap.js';
import { syntheticKind } from '../../src/nf/synthetic.js';
import { faultKind } from '../../src/nf/fault.js';
import { Problems } from '../../src/util/config-check.js';
import { frameBytes, runNf } from './harness.js';

const frame = (len: number) => Uint8Array.from({ length: len }, (_, i) => i & 0xff);

describe('NF catalog', () => {
  it('every kind has a name, help, gates consistent with its default config, and unique names', () => {
    const names = new Set<string>();
    for (const k of NF_KINDS) {
      expect(k.name).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(names.has(k.name)).toBe(false);
      names.add(k.name);
      expect(k.help.length).toBeGreaterThan(10);
      const p = new Problems();
      const cfg = k.checkConfig({}, 'config', p);
      expect(p.list).toEqual([]);
      expect(k.outputGates(cfg)).toBe(k.gateNames.length);
      for (const r of k.dropReasons) expect(r).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(findNfKind(k.name)).toBe(k);
    }
  });

  it('config checkers report every problem with its path', () => {
    const p = new Problems();
    syntheticKind.checkConfig({ cyclesPerBatch: -1, cyclesPerPacket: 'x', bogus: 1 }, 'modules[0].config', p);
    const paths = p.list.map((x) => x.path).sort();
    expect(paths).toEqual(['modules[0].config.bogus', 'modules[0].config.cyclesPerBatch', 'modules[0].config.cyclesPerPacket']);
  });
});

describe('macswap', () => {
  it('swaps source and destination MACs and forwards on gate 0', () => {
    const f = frame(64);
    const r = runNf(macSwapKind, {}, [f]);
    expect(r.gates[0]).toEqual([r.handles[0]]);
    const out = frameBytes(r, r.handles[0]!);
    expect(out.slice(0, 6)).toEqual(Array.from(f.subarray(6, 12)));
    expect(out.slice(6, 12)).toEqual(Array.from(f.subarray(0, 6)));
    expect(out.slice(12)).toEqual(Array.from(f.subarray(12)));
    expect(r.pool.lastWriterCore[r.handles[0]!]).toBe(3);
  });

  it('drops a frame shorter than an Ethernet header as truncated_ethernet, without throwing', () => {
    const r = runNf(macSwapKind, {}, [frame(13), frame(60), frame(0)]);
    expect(r.gates[0]).toEqual([r.handles[1]]);
    expect(r.drops).toEqual([{ h: r.handles[0], reason: 'truncated_ethernet' }, { h: r.handles[2], reason: 'truncated_ethernet' }]);
  });
});

describe('synthetic', () => {
  it('forwards the whole batch unchanged and declares exactly its configured cost', () => {
    const r = runNf(syntheticKind, { cyclesPerBatch: 1000, cyclesPerPacket: 50, cyclesPerByte: 0.5 }, [frame(64), frame(100)]);
    expect(r.gates[0]).toEqual(r.handles);
    expect(frameBytes(r, r.handles[1]!)).toEqual(Array.from(frame(100)));
    expect(r.chargedCycles).toBe(0);
    const inst = syntheticKind.create({ cyclesPerBatch: 1000, cyclesPerPacket: 50, cyclesPerByte: 0.5 }, {} as never);
    expect(inst.cost).toEqual({ cyclesPerBatch: 1000, cyclesPerPacket: 50, cyclesPerByte: 0.5 });
  });
});

describe('fault', () => {
  it('forwards until the threshold, then throws', () => {
    expect(runNf(faultKind, { throwAfterPackets: 2 }, [frame(64), frame(64)]).gates[0]!.length).toBe(2);
    expect(() => runNf(faultKind, { throwAfterPackets: 2 }, [frame(64), frame(64), frame(64)])).toThrow(/fault injected after 2 packets/);
  });
});
