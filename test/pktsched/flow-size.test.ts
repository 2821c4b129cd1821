import { describe, expect, it } from 'vitest';
import {
  DATA_MINING_ALBERT,
  DATA_MINING_BYTES,
  DATA_MINING_LOWER_BOUND,
  DATA_MINING_PACKETS,
  DATA_MINING_PACKETS_TRUNCATED,
  DATA_MINING_UPPER_BOUND,
  FLOW_SIZE_TABLES,
  FlowSizeDistribution,
  WEB_SEARCH_BYTES,
} from '../../src/pktsched/index.js';
import { Prng } from '../../src/util/prng.js';

describe('flow-size tables', () => {
  it('have the means computed by hand from the tables', () => {
    // 0.5*1 + 0.1*1.5 + 0.1*2.5 + 0.1*5 + 0.1*137 + 0.05*1187 + 0.04*34387 + 0.01*366667 = 5116.6
    expect(new FlowSizeDistribution(DATA_MINING_PACKETS).mean()).toBeCloseTo(5116.6, 6);
    // Same up to 2107, then 0.05 * 2107.
    expect(new FlowSizeDistribution(DATA_MINING_PACKETS_TRUNCATED).mean()).toBeCloseTo(179.8, 6);
    expect(new FlowSizeDistribution(DATA_MINING_LOWER_BOUND).mean()).toBeCloseTo(2_116_598.7, 4);
    expect(new FlowSizeDistribution(DATA_MINING_UPPER_BOUND).mean()).toBeCloseTo(23_199_798.6, 4);
    expect(new FlowSizeDistribution(DATA_MINING_ALBERT).mean()).toBeCloseTo(9467.1, 6);
  });

  it('give the documented CDF points', () => {
    const dm = new FlowSizeDistribution(DATA_MINING_PACKETS);
    expect(dm.cdfAt(1)).toBe(0.5);
    expect(dm.cdfAt(68)).toBeCloseTo(0.8 + (61 / 260) * 0.1, 12); // 82.35 % of flows < 100 KB
    expect(dm.cdfAt(2107)).toBe(0.95);
    expect(new FlowSizeDistribution(DATA_MINING_BYTES).cdfAt(1100)).toBe(0.5);
    expect(new FlowSizeDistribution(WEB_SEARCH_BYTES).cdfAt(80_000)).toBe(0.53);
    const lb = new FlowSizeDistribution(DATA_MINING_LOWER_BOUND);
    expect([lb.cdfAt(0.5), lb.cdfAt(1), lb.cdfAt(399_999), lb.cdfAt(400_000)]).toEqual([0, 0.1, 0.9, 0.95]);
  });

  it('quantile inverts the CDF, point masses included', () => {
    const dm = new FlowSizeDistribution(DATA_MINING_PACKETS);
    expect(dm.quantile(0)).toBe(1);
    expect(dm.quantile(0.49)).toBe(1);
    expect(dm.quantile(0.55)).toBeCloseTo(1.5, 12);
    expect(dm.quantile(0.85)).toBeCloseTo(137, 9);
    const lb = new FlowSizeDistribution(DATA_MINING_LOWER_BOUND);
    expect([lb.quantile(0), lb.quantile(0.1), lb.quantile(0.97), lb.quantile(0.999)]).toEqual([1, 180, 3.16e6, 1e8]);
  });

  it('samples deterministically by seed, with the right mean and masses', () => {
    const d = new FlowSizeDistribution(DATA_MINING_PACKETS_TRUNCATED);
    const n = 200_000;
    const p = new Prng(42);
    let sum = 0;
    let ones = 0;
    for (let i = 0; i < n; i++) {
      const x = d.sample(p);
      sum += x;
      if (x === 1) ones++;
    }
    // sd of one sample ~ 525 packets, so the mean's sd ~ 1.2.
    expect(Math.abs(sum / n - 179.8)).toBeLessThan(6);
    expect(Math.abs(ones / n - 0.5)).toBeLessThan(0.01);
    const a = new Prng(9);
    const b = new Prng(9);
    for (let i = 0; i < 100; i++) expect(d.sample(a)).toBe(d.sample(b));
  });

  it('every listed table is valid and names its source; a bad table throws listing every problem', () => {
    for (const t of FLOW_SIZE_TABLES) {
      expect(() => new FlowSizeDistribution(t)).not.toThrow();
      expect(t.source.length).toBeGreaterThan(10);
    }
    expect(() => new FlowSizeDistribution({ ...DATA_MINING_BYTES, values: [3, 2, 1], cdf: [0.5, 0.4, 0.9] })).toThrow(/values\[1\].*cdf\[1\].*last cdf point/);
  });
});
