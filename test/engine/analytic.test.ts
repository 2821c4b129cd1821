/**
 * Closed-form checks that fail if the engine charges virtual time wrongly.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/engine/run.js';
import { lineRatePps } from '../../src/util/units.js';
import { chainOnOneCore, scenario } from './helpers.js';

describe('engine time arithmetic', () => {
  for (const n of [1, 2, 3, 4]) {
    it(`a chain of ${n} synthetic NFs (1000 cycles/batch + 50 cycles/packet, batch 32) forwards 2.6e9/(n*81.25) pps on one 2.6 GHz core`, async () => {
      const { record } = await runScenario(chainOnOneCore(n), { threads: 1 });
      const expected = 2.6e9 / (n * 81.25);
      // Saturated: every batch is full, so the rate is exactly the closed form.
      expect(record.tasks[0]!.meanBatch).toBeGreaterThan(31.9);
      expect(Math.abs(record.throughput.deliveredPps - expected) / expected).toBeLessThan(0.01);
      // Each module was charged its declared cost, once per batch.
      for (const m of record.modules) {
        expect(m.cycles).toBe(m.batches * 1000 + m.packets * 50);
      }
      expect(record.totals.conserved).toBe(true);
      // The excess is tail-dropped at the RX ring, counted.
      expect(record.totals.dropsByReason['nic_rx_ring_full']).toBeGreaterThan(0);
    });
  }

  it('a two-core pipeline forwards at the slower stage\'s rate', async () => {
    const s = scenario({
      name: 'two-stage',
      duration: '2ms',
      warmup: '0.5ms',
      machine: { hz: 2.6e9, cores: 2 },
      ports: [{ name: 'eth0', lineRate: '10Gbps', traffic: { flows: 8, frameSize: 64, rate: 'line' } }],
      modules: [
        { name: 'fast', kind: 'synthetic', config: { cyclesPerBatch: 500, cyclesPerPacket: 20 } },
        { name: 'q', kind: 'queue', config: { size: 512, whenFull: 'backpressure' } },
        { name: 'slow', kind: 'synthetic', config: { cyclesPerBatch: 1000, cyclesPerPacket: 150 } },
      ],
      edges: [
        { from: 'eth0.rx0', to: 'fast' }, { from: 'fast', to: 'q' }, { from: 'q', to: 'slow' }, { from: 'slow', to: 'eth0.tx' },
      ],
      tasks: [{ root: 'eth0.rx0', core: 0 }, { root: 'q', core: 1 }],
    });
    const { record } = await runScenario(s, { threads: 2 });
    const slowRate = 2.6e9 / (150 + 1000 / 32);
    expect(Math.abs(record.throughput.deliveredPps - slowRate) / slowRate).toBeLessThan(0.01);
    // The fast stage is throttled by back-pressure, not by drops in the queue.
    expect(record.tasks[0]!.stallCycles).toBeGreaterThan(0);
    expect(record.totals.dropsByReason['queue_full']).toBeUndefined();
    expect(record.totals.conserved).toBe(true);
  });

  it('a 10 Gb/s NIC delivers at most 14.88 Mpps of 64-byte frames and tail-drops the excess, counted', async () => {
    const s = scenario({
      name: 'line-rate',
      duration: '2ms',
      warmup: '0.5ms',
      machine: { hz: 2.6e9, cores: 1 },
      ports: [{ name: 'eth0', lineRate: '10Gbps', traffic: { flows: 4, frameSize: 64, rate: '20Mpps' } }],
      modules: [{ name: 'fwd', kind: 'macswap' }],
      edges: [{ from: 'eth0.rx0', to: 'fwd' }, { from: 'fwd', to: 'eth0.tx' }],
      tasks: [{ root: 'eth0.rx0', core: 0 }],
    });
    const { record } = await runScenario(s, { threads: 1 });
    const line = lineRatePps(10e9, 64);
    expect(line).toBeCloseTo(14_880_952.38, 1);
    expect(record.throughput.deliveredPps).toBeLessThanOrEqual(line * 1.001);
    expect(record.throughput.deliveredPps).toBeGreaterThan(line * 0.99);
    expect(record.throughput.offeredPps).toBeGreaterThan(19.9e6);
    // 2 ms of 20 Mpps offered, 14.88 Mpps carried: ~10 240 frames dropped at the sender.
    const lineDrops = record.totals.dropsByReason['nic_line_rate'] ?? 0;
    expect(lineDrops / (20e6 * 0.002)).toBeGreaterThan(0.24);
    expect(lineDrops / (20e6 * 0.002)).toBeLessThan(0.27);
    expect(record.ports[0]!.lineRateDrops).toBe(lineDrops);
    expect(record.totals.conserved).toBe(true);
  });
});
