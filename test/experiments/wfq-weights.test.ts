/**
 * wfq-weights: the [RTSched] fork pipeline on one emulated WFQ core. Short
 * windows (the pipeline reaches its stride pattern within a few heavy runs):
 * the points run and conserve packets, the L3 split sends flow 0 to task 1,
 * the emulated CPU shares of the two heavy tasks follow w1 : w2, the model
 * columns are `evaluate` for the point's weights, and a second run gives the
 * same document.
 */
import { describe, expect, it } from 'vitest';
import { findExperiment } from '../../src/experiments/catalog.js';
import type { ExperimentParams } from '../../src/experiments/experiment.js';
import { runExperiment, type ExperimentOutput } from '../../src/experiments/run.js';
import {
  cpuShares, CYCLES_PER_COST_UNIT, emulatedForkModel, flowMeasures, HZ, modelOf, SECONDS_PER_TU, wfqWeights,
} from '../../src/experiments/wfq-weights.js';
import { evaluate } from '../../src/sched/rtsched-model.js';
import { FORK } from '../../src/sched/rtsched-pipelines.js';

const WEIGHTS = [[0.333, 0.333, 0.334], [0.1, 0.6, 0.3]];

function params(): ExperimentParams {
  return { ...wfqWeights.defaults(), window: '4ms', warmup: '1ms', weights: WEIGHTS };
}

async function run(threads: number): Promise<ExperimentOutput> {
  return (await runExperiment(wfqWeights, params(), { threads })).output;
}

/**
 * The one-thread run most tests read, computed once on first use: each test
 * awaits it, so any of them runs alone (`vitest -t`) as well as in order.
 */
let firstRun: Promise<ExperimentOutput> | null = null;
const firstOutput = (): Promise<ExperimentOutput> => (firstRun ??= run(1));

describe('wfq-weights experiment', () => {

  it('is in the catalog and takes --weights', () => {
    expect(findExperiment('wfq-weights')).toBe(wfqWeights);
    expect(wfqWeights.parameters.map((p) => p.name)).toContain('weights');
    expect(wfqWeights.defaults()['weights']).toEqual([[0.333, 0.333, 0.334], [0.333, 0.445, 0.222], [0.333, 0.556, 0.111], [0.1, 0.6, 0.3], [0.0004, 0.6668, 0.3328]]);
  });

  it('runs one point per weight vector; every point conserves packets and drops only at the full queues', async () => {
    const first = await firstOutput();
    expect(first.points.map((p) => p.coords)).toEqual(WEIGHTS.map(([w0, w1, w2]) => ({ w0, w1, w2 })));
    for (const p of first.points) {
      const t = p.record.totals;
      expect(t.conserved).toBe(true);
      expect(t.generated).toBe(t.delivered + t.dropped + t.inFlight);
      // Overloaded by design: 20 packets per unit offered, well under 1 served.
      expect(t.dropped).toBeGreaterThan(0.9 * t.generated);
      expect(Object.keys(t.dropsByReason)).toEqual(['queue_full']);
      expect(p.record.ports[0]!.rxRingDrops).toBe(0);
    }
  }, 60_000);

  it('flow 0 goes to task 1 and sink0, flow 1 to task 2 and sink1 (a real route lookup)', async () => {
    const first = await firstOutput();
    for (const p of first.points) {
      const r = p.record;
      const flows = r.flows.list!;
      expect(flows[0]!.key).toContain('-> 10.1.0.1:');
      expect(flows[1]!.key).toContain('-> 10.1.0.2:');
      const mod = (n: string) => r.modules.find((m) => m.name === n)!;
      const task = (n: string) => r.tasks.find((t) => t.name === n)!;
      expect(mod('m2').counters['misses']).toBe(0);
      // Flow 1 is delivered at about twice flow 0's rate at the first point, so equal counts could not come from a swap.
      expect(flows[0]!.delivered).toBe(mod('sink0').packets);
      expect(flows[0]!.delivered).toBe(task('task1').packets);
      expect(flows[1]!.delivered).toBe(mod('sink1').packets);
      expect(flows[1]!.delivered).toBe(task('task2').packets);
      // A queue's tail drops are its drain task's input drops, all of one flow.
      expect(flows[0]!.dropped).toBe(task('task1').inputDrops);
      expect(flows[1]!.dropped).toBe(task('task2').inputDrops);
    }
    const r0 = first.points[0]!.record.flows.list!;
    expect(r0[1]!.delivered).toBeGreaterThan(1.8 * r0[0]!.delivered);
  });

  it('module costs are the spec\'s times CYCLES_PER_COST_UNIT', async () => {
    const first = await firstOutput();
    const r = first.points[0]!.record;
    const perPkt = (n: string) => r.modules.find((m) => m.name === n)!.cyclesPerPacket!;
    expect(perPkt('m1') + perPkt('m2')).toBeCloseTo(2e-5 * CYCLES_PER_COST_UNIT, 9);
    expect(perPkt('m3')).toBe(2 * CYCLES_PER_COST_UNIT);
    expect(perPkt('m4')).toBe(1 * CYCLES_PER_COST_UNIT);
  });

  it('the heavy tasks split the core w1 : w2 (both saturated), task 0 takes almost nothing', async () => {
    const first = await firstOutput();
    for (const p of first.points) {
      const [w1, w2] = [p.coords['w1'] as number, p.coords['w2'] as number];
      const s = cpuShares(p.record);
      expect(s[0]).toBeLessThan(0.001);
      // Work-conserving: the core is busy all the time with the two of them.
      expect(s[1]! + s[2]!).toBeGreaterThan(0.99);
      expect(Math.abs(s[1]! / s[2]! - w1 / w2) / (w1 / w2)).toBeLessThan(0.03);
    }
  });

  it('model columns are evaluate() of the rescaled fork pipeline at the point\'s weights', async () => {
    const first = await firstOutput();
    const rates = first.summary.tables[0]!;
    const delays = first.summary.tables[1]!;
    expect(rates.columns[5]).toMatch(/model r_f/);
    expect(delays.columns[7]).toMatch(/model d_f \(units\)/);
    WEIGHTS.forEach((w, k) => {
      const m = evaluate(emulatedForkModel(), w);
      expect(modelOf(w)).toEqual(m);
      // The model is unit-invariant: the same numbers as the spec-unit fork pipeline.
      const spec = evaluate(FORK, w);
      for (let f = 0; f < 2; f++) {
        const row = 2 * k + f;
        expect(rates.rows[row]![0]).toBe(w.join(':'));
        expect(Number(rates.rows[row]![5])).toBeCloseTo(m.ratesPktsPerTu[f]! * SECONDS_PER_TU, 3);
        expect(Number(rates.rows[row]![5])).toBeCloseTo(spec.ratesPktsPerTu[f]!, 3);
        expect(delays.rows[row]![7]).toBeCloseTo(m.delaysTu[f]! / SECONDS_PER_TU, 2);
        expect(delays.rows[row]![7]).toBeCloseTo(spec.delaysTu[f]!, 2);
        expect(rates.rows[row]![8]).toBe(m.flags.rateOk[f] ? 'ok' : 'MISS');
        expect(delays.rows[row]![10]).toBe(m.flags.delayOk[f] ? 'ok' : 'MISS');
      }
    });
    // §10.1 at the initial weights (docs/rtsched-model.md): r = [0.1665, 0.334], d = [10.006026, 5.994032].
    expect(rates.rows[0]![5]).toBe('0.1665');
    expect(delays.rows[1]![7]).toBeCloseTo(5.994, 2);
    expect(HZ * SECONDS_PER_TU).toBe(CYCLES_PER_COST_UNIT);
  });

  it('emulated columns come from the sinks\' latency over the window', async () => {
    const first = await firstOutput();
    const r = first.points[0]!.record;
    const m = flowMeasures(r);
    const rates = first.summary.tables[0]!;
    expect(rates.rows[0]![3]).toBeCloseTo(m[0]!.deliveredPps / 1e3, 3);
    // Work conservation: the emulated rate is above the model's here (w0 = 1/3 of the core unused by task 0).
    expect(m[0]!.deliveredPps).toBeGreaterThan(1.3 * modelOf(WEIGHTS[0]!).ratesPktsPerTu[0]!);
    for (const x of m) expect(x.p99Ns).not.toBeNull();
  });

  it('is deterministic: a second run (on two host threads) gives the same document', async () => {
    const first = await firstOutput();
    const again = await run(2);
    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
  }, 60_000);
});
