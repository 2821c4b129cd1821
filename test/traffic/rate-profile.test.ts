import { describe, expect, it } from 'vitest';
import { RateProfile, parseTraceCsv, profileBreakpoints } from '../../src/traffic/rate-profile.js';

/** Arrivals of a constant process with gap `gap` mapped through `p`, counted in [t1, t2). */
function countIn(p: RateProfile, gap: number, t1: number, t2: number, horizon: number): number {
  p.rewind();
  let n = 0;
  for (let i = 0; ; i++) {
    const t = p.timeAt(i * gap);
    if (t >= horizon) break;
    if (t >= t1 && t < t2) n++;
  }
  return n;
}

describe('RateProfile', () => {
  it('Λ and its inverse round-trip on every shape', () => {
    const specs = [
      { shape: 'step' as const, steps: [{ atCycles: 1000, factor: 2 }, { atCycles: 3000, factor: 0.5 }] },
      { shape: 'ramp' as const, from: 0.2, to: 1.5, startCycles: 500, endCycles: 2500 },
      { shape: 'sine' as const, mean: 1, amplitude: 0.5, periodCycles: 1000, phase: 0 },
      { shape: 'onoff' as const, onCycles: 100, offCycles: 400, factor: 1 },
      { shape: 'flash' as const, atCycles: 1000, peak: 5, riseCycles: 50, decayCycles: 500 },
    ];
    for (const spec of specs) {
      const p = RateProfile.fromSpec(spec, 5000);
      for (let t = 0; t <= 5000; t += 7.3) {
        const u = p.integral(t);
        const back = p.timeAt(u);
        // Where m = 0 the inverse returns the earliest time with the same Λ.
        expect(p.integral(back)).toBeCloseTo(u, 6);
        if (p.factorAt(t) > 0.01) expect(back).toBeCloseTo(t, 6);
      }
    }
  });

  it('hand-checked integrals and arrival counts per interval (step: 1 until 1000, 2 until 3000, then 0.5)', () => {
    const p = RateProfile.fromSpec({ shape: 'step', steps: [{ atCycles: 1000, factor: 2 }, { atCycles: 3000, factor: 0.5 }] }, 5000);
    expect(p.integral(1000)).toBe(1000);
    expect(p.integral(3000)).toBe(5000);
    expect(p.integral(5000)).toBe(6000);
    expect(p.peakFactor).toBe(2);
    // Base gap 10 cycles: 100 arrivals in [0,1000), 400 in [1000,3000), 100 in [3000,5000).
    expect(countIn(p, 10, 0, 1000, 5000)).toBe(100);
    expect(countIn(p, 10, 1000, 3000, 5000)).toBe(400);
    expect(countIn(p, 10, 3000, 5000, 5000)).toBe(100);
  });

  it('ramp 0 -> 2 over [0, 1000): Λ(t) = t²/1000; arrivals follow the square root', () => {
    const p = RateProfile.fromSpec({ shape: 'ramp', from: 0, to: 2, startCycles: 0, endCycles: 1000 }, 2000);
    expect(p.integral(500)).toBeCloseTo(250, 9);
    expect(p.timeAt(250)).toBeCloseTo(500, 9);
    expect(countIn(p, 10, 0, 500, 2000)).toBe(25); // u = 0..240
    expect(countIn(p, 10, 500, 1000, 2000)).toBe(75);
    expect(countIn(p, 10, 1000, 2000, 2000)).toBe(200);
  });

  it('on/off: no arrivals during off', () => {
    const p = RateProfile.fromSpec({ shape: 'onoff', onCycles: 100, offCycles: 400, factor: 1 }, 5000);
    expect(p.integral(5000)).toBe(1000);
    p.rewind();
    for (let i = 1; i < 100; i++) {
      const t = p.timeAt(i * 10 + 5);
      expect(t % 500).toBeLessThan(100);
    }
    // Λ(5000) = 1000: u = 0, 10, ..., 1000 (the last lands at 4600, the end of the last on period).
    expect(countIn(p, 10, 0, 5000, 5000)).toBe(101);
  });

  it('sine: Λ over whole periods equals mean · time; the linearised m is within 3e-4 · amplitude', () => {
    const p = RateProfile.fromSpec({ shape: 'sine', mean: 1, amplitude: 0.5, periodCycles: 1000, phase: 0.3 }, 10_000);
    expect(p.integral(10_000)).toBeCloseTo(10_000, 4);
    for (let t = 0; t < 1000; t += 3.7) expect(Math.abs(p.factorAt(t) - (1 + 0.5 * Math.sin((2 * Math.PI * t) / 1000 + 0.3)))).toBeLessThan(1.6e-4);
  });

  it('flash: linear rise to the peak, linear decay back to 1', () => {
    const b = profileBreakpoints({ shape: 'flash', atCycles: 1000, peak: 5, riseCycles: 50, decayCycles: 500 }, 5000);
    expect(b).toEqual({ t: [0, 1000, 1050, 1550], m: [1, 1, 5, 1] });
    const p = new RateProfile(b.t, b.m);
    expect(p.integral(2000)).toBe(2000 + 4 * 50 / 2 + 4 * 500 / 2);
  });

  it('a last factor of 0: arrivals past the end are at Infinity', () => {
    const p = new RateProfile([0, 100], [1, 0]);
    // Λ(t) = t - t²/200 on [0, 100], so Λ⁻¹(25) = 100 - √5000 and Λ(100) = 50.
    expect(p.timeAt(25)).toBeCloseTo(100 - Math.sqrt(5000), 9);
    expect(p.timeAt(50)).toBeCloseTo(100, 9);
    expect(p.timeAt(51)).toBe(Infinity);
  });
});

describe('parseTraceCsv', () => {
  const parseTime = (f: string): number | null => {
    const m = /^([0-9.]+)(ms)?$/.exec(f);
    return m ? Number(m[1]) * (m[2] ? 1e-3 : 1) * 1e9 : null;
  };
  it('reads a header, units and seconds; skips blank lines and comments', () => {
    const r = parseTraceCsv('time,factor\n0,1\n\n# peak\n1ms,2\n0.002,0.5\n', parseTime);
    expect(r).toEqual({ points: [{ atCycles: 0, factor: 1 }, { atCycles: 1e6, factor: 2 }, { atCycles: 2e6, factor: 0.5 }] });
  });
  it('names the line and what was expected', () => {
    expect(parseTraceCsv('time,factor\n0,1\n1ms,x\n', parseTime)).toEqual({
      problem: { line: 3, text: '1ms,x', expected: 'a factor >= 0 (a multiple of the rate) in the second field' },
    });
    expect(parseTraceCsv('0,1\nsoon,2\n', parseTime)).toMatchObject({ problem: { line: 2 } });
    expect(parseTraceCsv('0,1\n2ms,1\n1ms,1\n', parseTime)).toMatchObject({ problem: { line: 3, expected: "a time not before the previous line's" } });
    expect(parseTraceCsv('0,1,2\n', parseTime)).toMatchObject({ problem: { line: 1 } });
  });
});
