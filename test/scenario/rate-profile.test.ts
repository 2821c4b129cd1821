/**
 * traffic.profile: what validation refuses (with dotted paths), the peak
 * against the rate bound, and the offered-frames estimate following the
 * profile's integral.
 */
import { describe, expect, it } from 'vitest';
import { NF_KINDS } from '../../src/nf/catalog.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { offeredFrames } from '../../src/scenario/work.js';
import { problemsOf } from './problems.js';

function withProfile(profile: unknown, traffic: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'p', duration: '4ms', machine: { hz: 2e9, cores: 1 },
    ports: [{ name: 'eth0', lineRate: '10Gbps', traffic: { rate: '1Mpps', profile, ...traffic } }],
    modules: [{ name: 'fwd', kind: 'macswap' }],
    edges: [{ from: 'eth0.rx0', to: 'fwd' }, { from: 'fwd', to: 'eth0.tx' }],
    tasks: [{ root: 'eth0.rx0', core: 0 }],
  };
}

const P = 'ports[0].traffic.profile';

describe('traffic.profile validation', () => {
  it('accepts every shape; without a profile the resolved traffic has no profile field', () => {
    for (const profile of [
      { step: [{ at: '1ms', factor: 2 }, { at: '3ms', factor: 0 }] },
      { ramp: { from: 0.2, to: 1.5, start: '0ms', end: '2ms' } },
      { sine: { mean: 1, amplitude: 0.5, period: '1ms', phase: 0 } },
      { onoff: { on: '100us', off: '400us', factor: 1 } },
      { flash: { at: '1ms', peak: 5, rise: '50us', decay: '500us' } },
    ]) expect(problemsOf(withProfile(profile)), JSON.stringify(profile)).toEqual([]);
    const s = validateScenario({ ...withProfile(undefined) }, { kinds: NF_KINDS, baseDir: null });
    expect('profile' in (s.ports[0]!.traffic as object)).toBe(false);
  });

  it('refuses bad profiles with dotted paths', () => {
    expect(problemsOf(withProfile({ step: [{ at: '2ms', factor: 2 }, { at: '1ms', factor: -1 }] }))).toEqual([
      `${P}.step[1].factor: a number >= 0`,
      `${P}.step[1].at: a time after the previous step's (steps sorted by time)`,
    ]);
    expect(problemsOf(withProfile({ step: [] }))).toEqual([`${P}.step: a list of { at: time, factor: >= 0 } sorted by time (at least one)`]);
    expect(problemsOf(withProfile({ step: [{ at: '5ms', factor: 1 }] }))).toEqual([`${P}.step[0].at: a time within the run (duration is 4ms)`]);
    expect(problemsOf(withProfile({ ramp: { from: 1, to: 2, start: '2ms', end: '1ms' } }))).toEqual([`${P}.ramp.end: a time after start`]);
    expect(problemsOf(withProfile({ sine: { mean: 1, amplitude: 2, period: '0ms' } }))).toEqual([
      `${P}.sine.period: a duration like 10ms, 250us, 2s or 5000cycles (a bare number is seconds), > 0`,
      `${P}.sine.amplitude: an amplitude of at most the mean (1): the factor must stay >= 0`,
    ]);
    expect(problemsOf(withProfile({ onoff: { on: '1us' } }))[0]).toMatch(/^ports\[0\]\.traffic\.profile\.onoff\.off: a duration/);
    expect(problemsOf(withProfile({ wave: {} }))).toEqual([
      `${P}.wave: unknown field; expected one of: step, ramp, sine, onoff, flash, trace`,
    ]);
    expect(problemsOf(withProfile({ step: [{ at: '1ms', factor: 1 }], ramp: {} }))).toEqual([
      `${P}: exactly one of step, ramp, sine, onoff, flash, trace`,
    ]);
    expect(problemsOf(withProfile({ trace: 'no-such.csv' }))[0]).toMatch(/^ports\[0\]\.traffic\.profile\.trace: a readable CSV file \(file not found: .*no-such\.csv\)$/);
    // 4 ms at 1e9 points per ... a 1 ns period would need 512 million points.
    expect(problemsOf(withProfile({ sine: { amplitude: 0.1, period: '1ns' } }))[0]).toMatch(/profile\.sine: a profile of at most 1000000 points/);
  });

  it("the profile's peak counts against the rate bound (10 × 14.88 Mpps on 10 Gbps)", () => {
    expect(problemsOf(withProfile({ flash: { at: '1ms', peak: 100, rise: '1us', decay: '1us' } }, { rate: '1Mpps' }))).toEqual([]);
    expect(problemsOf(withProfile({ flash: { at: '1ms', peak: 200, rise: '1us', decay: '1us' } }, { rate: '1Mpps' }))[0]).toMatch(
      /^ports\[0\]\.traffic\.rate: a rate of at most 148\.8\d*Mpps or 100Gbps at the profile's peak \(200 times the rate\)/,
    );
    expect(problemsOf(withProfile({ step: [{ at: '1ms', factor: 11 }] }, { rate: 'line' }))[0]).toMatch(/at the profile's peak \(11 times the rate\)/);
  });

  it('the offered-frames estimate integrates the profile from start to the end', () => {
    const s = validateScenario(withProfile({ step: [{ at: '1ms', factor: 2 }, { at: '3ms', factor: 0.5 }] }, { start: '0.5ms' }), { kinds: NF_KINDS, baseDir: null });
    // 1 Mpps × (0.5 ms × 1 + 2 ms × 2 + 1 ms × 0.5) = 5000 frames.
    expect(offeredFrames(s.ports, s.hz, s.durationCycles).total).toBeCloseTo(5000, 6);
  });
});
