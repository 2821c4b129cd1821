/**
 * emu scenario autoscale, at a short window: the static allocations follow
 * from the chain's costs by arithmetic, every point conserves packets, the
 * autoscaler's points are deterministic, and the autoscaler moves the failed
 * chain's flows where a static allocation keeps losing them.
 */
import { describe, expect, it } from 'vitest';
import { autoscale, chainCapacityPps, loadStats, staticCores } from '../../src/experiments/autoscale.js';
import { runExperiment } from '../../src/experiments/run.js';

describe('autoscale', () => {
  it('static allocations by arithmetic: a chain carries 2.4 GHz / (800 + 2 × 2143 / 32) cycles = 2.57 Mpps; the peak needs 5 cores, the mean 3', () => {
    expect(chainCapacityPps()).toBeCloseTo(2.4e9 / (800 + (2 * 2143) / 32), 3);
    const { peakPps, meanPps } = loadStats();
    expect(peakPps).toBeCloseTo(1.35 * 8e6, 3);
    expect(staticCores(peakPps)).toBe(5);
    expect(staticCores(meanPps)).toBe(3);
  });

  it('runs at a short window: packets conserved at every point; the autoscaler saves cores against the peak allocation and loses far fewer packets to the failed chain', async () => {
    const params = { ...autoscale.defaults(), window: '6ms', slos: [100] };
    const { output } = await runExperiment(autoscale, params, { threads: 1 });
    const again = await runExperiment(autoscale, params, { threads: 2 });
    expect(JSON.stringify(again.output.points.map((p) => p.record))).toBe(JSON.stringify(output.points.map((p) => p.record)));
    expect(output.points.map((p) => p.label)).toEqual(['quadrant SLO 100us', 'static peak (5 cores)', 'static mean (3 cores)']);
    for (const p of output.points) expect(p.record.totals.conserved).toBe(true);
    const [q, peak] = output.points.map((p) => p.record);
    expect(q!.series!.score.coreSeconds).toBeLessThan(peak!.series!.score.coreSeconds);
    expect(q!.totals.dropsByReason['nf_failed'] ?? 0).toBeLessThan((peak!.totals.dropsByReason['nf_failed'] ?? 0) / 4);
    expect(output.summary.tables[0]!.rows).toHaveLength(3);
  }, 60_000);
});
