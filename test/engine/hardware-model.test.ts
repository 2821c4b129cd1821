/**
 * The hardware model inside the engine: mechanisms, not outcomes. A larger
 * working set costs an NF more cycles per packet; a pipeline pays dirty
 * coherence transfers for the lines the previous core wrote, run to
 * completion does not; without a preset, memory is free.
 */
import { describe, expect, it } from 'vitest';
import { layoutChain, type ExecModel } from '../../src/graph/exec-models.js';
import { runScenario } from '../../src/engine/run.js';
import type { ResultRecord } from '../../src/metrics/record.js';
import { scenario } from './helpers.js';

function run(chain: { name: string; kind: string; config?: unknown }[], model: ExecModel, machine: Record<string, unknown>, flows = 64) {
  return runScenario(scenario(layoutChain({
    name: 'hw', machine, chain, model, duration: '0.3ms', warmup: '0.05ms',
    port: { lineRate: '100Gbps', traffic: { flows, frameSize: 64, rate: '8Mpps', dstNet: '10.64.0.0/10', dstHosts: flows } },
  })), { threads: 2 });
}
const perPacket = (r: ResultRecord, kind: string, field?: string) => {
  const ms = r.modules.filter((m) => m.kind === kind);
  const packets = ms.reduce((a, m) => a + m.packets, 0);
  const v = ms.reduce((a, m) => a + (field === undefined ? m.cycles : m.memory![field]!), 0);
  return v / packets;
};

describe('hardware model in the engine', () => {
  it('a routing table larger than the caches makes L3FWD cost more per packet', async () => {
    const l3 = (n: number) => [{ name: 'l3fwd', kind: 'l3fwd', config: { routeEntries: n, generate: { count: n, within: '10.64.0.0/10', hosts: 'first' } } }];
    const small = (await run(l3(256), { model: 'rtc', cores: 1 }, { preset: 'xeon-8168-2s' }, 256)).record;
    const large = (await run(l3(200_000), { model: 'rtc', cores: 1 }, { preset: 'xeon-8168-2s' }, 200_000)).record;
    // 256 routes fit in L1/L2; 200 000 (a 4 MiB table) mostly come from the LLC and DRAM.
    expect(perPacket(large, 'l3fwd')).toBeGreaterThan(perPacket(small, 'l3fwd') + 50);
    expect(perPacket(large, 'l3fwd', 'dramLocal') + perPacket(large, 'l3fwd', 'LLC')).toBeGreaterThan(50);
    // The small table's DRAM cycles are its cold misses only, spread over the run.
    expect(perPacket(small, 'l3fwd', 'dramLocal')).toBeLessThan(15);
    expect(small.modules[0]!.counters['misses']).toBe(0);
    expect(large.modules[0]!.counters['misses']).toBe(0);
  });

  it('a pipeline pays dirty coherence transfers for lines the previous core wrote; run to completion does not', async () => {
    const chain = [{ name: 'a', kind: 'macswap' }, { name: 'b', kind: 'macswap' }];
    const rtc = (await run(chain, { model: 'rtc', cores: 1 }, { preset: 'xeon-8168-2s' })).record;
    const pl = (await run(chain, { model: 'pl', pipelines: 1 }, { preset: 'xeon-8168-2s' })).record;
    const dirty = (r: ResultRecord, name: string) => {
      const m = r.modules.find((x) => x.name === name)!;
      return m.memory!['coherenceDirty']! / m.packets;
    };
    expect(dirty(rtc, 'b-0')).toBe(0);
    // The second stage reads the Ethernet header the first stage rewrote: one
    // dirty line per packet at the preset's 70 cycles ([ExecModels] §1.1).
    expect(dirty(pl, 'b-0')).toBeCloseTo(70, 0);
    expect(perPacket(pl, 'macswap')).toBeGreaterThan(perPacket(rtc, 'macswap'));
  });

  it('without a machine preset memory is free: NFs cost their declared compute', async () => {
    const chain = [{ name: 'a', kind: 'macswap', config: { cyclesPerPacket: 40 } }];
    const { record } = await run(chain, { model: 'rtc', cores: 1 }, { hz: '3.4GHz', cores: 1 });
    expect(record.modules[0]!.memory).toBeUndefined();
    expect(perPacket(record, 'macswap')).toBe(40);
  });
});
