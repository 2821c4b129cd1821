/**
 * A generator's rate profile, end to end: on a chain with spare capacity
 * (one macswap core offered at most 2 Mpps), the frames that leave the chain
 * in each window follow the profile, the generator makes exactly the frames
 * the time change predicts, and the record does not depend on the threads.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runScenario } from '../../src/engine/run.js';
import { recordToJson } from '../../src/metrics/record.js';
import { NF_KINDS } from '../../src/nf/catalog.js';
import { parsePcap } from '../../src/traffic/pcap.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { RateProfile } from '../../src/traffic/rate-profile.js';
import type { Scenario } from '../../src/scenario/types.js';
import { scenario } from './helpers.js';

const HZ = 2.6e9;
const BASE_PPS = 1e6;

function withProfile(profile: unknown, file: string | null, extra: Record<string, unknown> = {}) {
  return scenario({
    name: 'profile', duration: '4ms', seed: 5,
    machine: { hz: HZ, cores: 2 },
    ports: [{ name: 'eth0', lineRate: '10Gbps', traffic: { flows: 4, frameSize: 64, rate: '1Mpps', profile, ...extra } }],
    modules: [{ name: 'fwd', kind: 'macswap' }],
    edges: [{ from: 'eth0.rx0', to: 'fwd' }, { from: 'fwd', to: 'eth0.tx' }],
    tasks: [{ root: 'eth0.rx0', core: 0 }],
    ...(file === null ? {} : { taps: [{ at: 'eth0.tx', file }] }),
  });
}

function tmpFile(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'emu-profile-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, name);
}

function profileOf(s: Scenario) {
  const t = s.ports[0]!.traffic;
  if (t?.kind !== 'generator' || t.profile === undefined) throw new Error('a generator with a profile expected');
  return t.profile;
}

/** Frames the tap saw in [t1, t2) ms. */
function countMs(tsNs: Float64Array, t1: number, t2: number): number {
  let n = 0;
  for (let i = 0; i < tsNs.length; i++) if (tsNs[i]! >= t1 * 1e6 && tsNs[i]! < t2 * 1e6) n++;
  return n;
}

const cases: { name: string; profile: unknown; windows: [number, number][] }[] = [
  { name: 'step', profile: { step: [{ at: '1ms', factor: 2 }, { at: '3ms', factor: 0.5 }] }, windows: [[0.1, 1], [1.1, 3], [3.1, 3.9], [1.5, 2.5]] },
  { name: 'ramp', profile: { ramp: { from: 0.2, to: 1.5, start: '1ms', end: '3ms' } }, windows: [[0.1, 1], [1, 2], [2, 3], [3.1, 3.9]] },
  { name: 'sine', profile: { sine: { mean: 1, amplitude: 0.5, period: '1ms' } }, windows: [[0.2, 0.45], [0.45, 0.7], [1, 2], [2.6, 2.9]] },
];

describe('rate profiles in the engine', () => {
  for (const c of cases) {
    it(`${c.name}: delivered frames per window = base rate × ∫ factor, within 1 %`, async () => {
      const file = tmpFile('tx.pcap');
      const s = withProfile(c.profile, file);
      const { record } = await runScenario(s, { threads: 1 });
      expect(record.totals.conserved).toBe(true);
      expect(record.totals.dropped).toBe(0); // spare capacity: what is offered is delivered
      const ts = parsePcap(readFileSync(file), file).tsNs;
      const profile = RateProfile.fromSpec(profileOf(s), s.durationCycles);
      for (const [t1, t2] of c.windows) {
        const expected = (BASE_PPS * (profile.integral(t2 * 1e-3 * HZ) - profile.integral(t1 * 1e-3 * HZ))) / HZ;
        const got = countMs(ts, t1, t2);
        expect(Math.abs(got - expected) / expected, `${c.name} [${t1}, ${t2}) ms: ${got} frames, expected ${expected}`).toBeLessThan(0.01);
      }
    });
  }

  it('constant arrivals: exactly ⌊Λ(T)/gap⌋ + 1 frames generated', async () => {
    // A base rate whose frames do not land exactly on the end of the run (an
    // arrival at T itself is not generated), so the formula has no tie.
    const pps = 1.234567e6;
    for (const profile of [
      { ramp: { from: 0.2, to: 1.5, start: '0ms', end: '2ms' } },
      { onoff: { on: '100us', off: '400us' } },
      { flash: { at: '1ms', peak: 5, rise: '50us', decay: '500us' } },
    ]) {
      const s = withProfile(profile, null, { rate: '1.234567Mpps' });
      const lam = RateProfile.fromSpec(profileOf(s), s.durationCycles).integral(s.durationCycles);
      const { record } = await runScenario(s, { threads: 1 });
      const gap = HZ / pps;
      expect(Math.abs(lam / gap - Math.round(lam / gap))).toBeGreaterThan(0.01);
      expect(record.ports[0]!.generated, JSON.stringify(profile)).toBe(Math.floor(lam / gap) + 1);
    }
  });

  it('Poisson arrivals follow the profile: the total is within 5 sigma of base × Λ(T)', async () => {
    const s = withProfile({ step: [{ at: '2ms', factor: 3 }] }, null, { arrivals: 'poisson' });
    const { record } = await runScenario(s, { threads: 1 });
    const expected = BASE_PPS * (2e-3 + 3 * 2e-3);
    expect(Math.abs(record.ports[0]!.generated - expected)).toBeLessThan(5 * Math.sqrt(expected));
  });

  it('the same seed gives identical records on 1 and 2 threads (Poisson, sine)', async () => {
    const s = withProfile({ sine: { mean: 1, amplitude: 0.8, period: '0.7ms', phase: 1 } }, null, { arrivals: 'poisson' });
    const one = recordToJson((await runScenario(s, { threads: 1 })).record);
    const two = recordToJson((await runScenario(s, { threads: 2 })).record);
    expect(two).toBe(one);
  });

  it('a trace CSV: read relative to the scenario folder; a bad line is refused with the file and its line number', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-trace-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'rate.csv'), 'time,factor\n0,1\n1ms,2\n0.003,0.5\n');
    const raw = (csv: string) => ({
      name: 'trace', duration: '4ms', machine: { hz: HZ, cores: 1 },
      ports: [{ name: 'eth0', lineRate: '10Gbps', traffic: { rate: '1Mpps', profile: { trace: csv } } }],
      modules: [{ name: 'fwd', kind: 'macswap' }],
      edges: [{ from: 'eth0.rx0', to: 'fwd' }, { from: 'fwd', to: 'eth0.tx' }],
      tasks: [{ root: 'eth0.rx0', core: 0 }],
    });
    const s = validateScenario(raw('rate.csv'), { kinds: NF_KINDS, baseDir: dir });
    const { record } = await runScenario(s, { threads: 1 });
    // Linear between the points, the last held: ∫ m over 0-1 ms (1 -> 2), 1-3 ms (2 -> 0.5), 3-4 ms (0.5).
    const lam = 1e-3 * ((1 + 2) / 2 + ((2 + 0.5) / 2) * 2 + 0.5);
    expect(Math.abs(record.ports[0]!.generated - BASE_PPS * lam)).toBeLessThanOrEqual(1);
    writeFileSync(join(dir, 'bad.csv'), 'time,factor\n0,1\n1ms,-2\n');
    expect(() => validateScenario(raw('bad.csv'), { kinds: NF_KINDS, baseDir: dir })).toThrow(/bad\.csv line 3 \("1ms,-2"\): expected a factor >= 0/);
  });

  it('per control period (the series): delivered rate = base × mean factor over the period, within 1 %, for step, ramp, sine and a trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-trace-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'rate.csv'), 'time,factor\n0,1\n1ms,2\n0.003,0.5\n');
    const profiles = [...cases.map((c) => c.profile), { trace: join(dir, 'rate.csv') }];
    for (const profile of profiles) {
      const s = withProfile(profile, null, {});
      s.controlPeriodCycles = 0.25e-3 * HZ;
      const { record } = await runScenario(s, { threads: 1 });
      expect(record.totals.dropped).toBe(0);
      const p = RateProfile.fromSpec(profileOf(s), s.durationCycles);
      // From the second period on (the first delivery leaves a few hundred ns after its arrival).
      for (const pt of record.series!.points.slice(1)) {
        const expected = (BASE_PPS * (p.integral(pt.endSeconds * HZ) - p.integral(pt.startSeconds * HZ))) / HZ / (pt.endSeconds - pt.startSeconds);
        expect(Math.abs(pt.deliveredPps - expected) / expected, `${JSON.stringify(profile)} period ${pt.epoch}: ${pt.deliveredPps} pps, expected ${expected}`).toBeLessThan(0.01);
      }
    }
  });
});
