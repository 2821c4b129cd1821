/**
 * The score of a run, checked by hand on a tiny case, and scoreSeries on
 * hand-made points.
 *
 * The case: eth0 offers 2 Mpps (64 flows taking turns) to chain c0 on core
 * 0, a macswap of 1000 cycles a packet at 2.6 GHz (2.6 Mpps). A standby
 * chain c1 on core 1 (detached, so out of the RSS table) waits. At 0.5 ms
 * an nf-slowdown doubles c0's cost: 1.3 Mpps < 2 Mpps, and its queue grows
 * by 0.7 Mpps x 0.25 ms = 175 packets over period 2, so latency passes the
 * SLO (p99 <= 50 us). The controller, at the first violated period (control
 * point 2, 0.75 ms), attaches c1 and moves flows 32..63 to it: c0 then gets
 * 1 Mpps and drains its 175 packets at 0.3 Mpps. Its queue is above 65
 * packets (50 us at 1.3 Mpps) until 0.75 + 110 / 0.3 Mpps = 1.117 ms, so
 * periods 2, 3 and 4 violate the SLO and period 5 (1.25 ms ..) does not.
 *
 *  - recovery from the event: 1.25 - 0.5 = 0.75 ms;
 *  - core-seconds: 1 core over periods 0..2, 2 over periods 3..7:
 *    (3 x 1 + 5 x 2) x 0.25 ms = 3.25 ms;
 *  - within SLO: 5 of 8 periods.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/engine/run.js';
import type { ControlAction, Controller } from '../../src/engine/telemetry.js';
import { scoreSeries } from '../../src/metrics/score.js';
import type { PeriodPoint, SeriesMeta } from '../../src/metrics/series.js';
import { scenario } from './helpers.js';

const raw = {
  name: 'score',
  seed: 1,
  duration: '2ms',
  controlPeriod: '0.25ms',
  machine: { hz: 2.6e9, cores: 2 },
  ports: [{ name: 'eth0', lineRate: '10Gbps', rxQueues: 2, traffic: { flows: 64, frameSize: 64, rate: '2Mpps', slo: { latency: { percentile: 99, bound: '50us' } } } }],
  modules: [
    { name: 'm0', kind: 'macswap', config: { cyclesPerPacket: 1000 } },
    { name: 'm1', kind: 'macswap', config: { cyclesPerPacket: 1000 } },
  ],
  edges: [{ from: 'eth0.rx0', to: 'm0' }, { from: 'eth0.rx1', to: 'm1' }, { from: 'm0', to: 'eth0.tx' }, { from: 'm1', to: 'eth0.tx' }],
  tasks: [{ root: 'eth0.rx0', core: 0, chain: 'c0' }, { root: 'eth0.rx1', core: 1, chain: 'c1', detached: true }],
  events: [{ at: '0.5ms', kind: 'nf-slowdown', module: 'm0', factor: 2 }],
};

/** Adds the standby core once, at the first period whose SLO failed. */
function addCoreOnViolation(): Controller {
  let added = false;
  return (t) => {
    if (added || t.period.sloOk !== false) return [];
    added = true;
    const moves: ControlAction[] = Array.from({ length: 32 }, (_, k) => ({ type: 'moveFlow', flow: 32 + k, to: 'c1' }));
    return [{ type: 'attach', chain: 'c1' }, ...moves];
  };
}

describe('score, by hand', () => {
  it('a step overload met by one more core: recovery, core-seconds and share within SLO follow by arithmetic', async () => {
    const s = scenario(raw);
    const one = (await runScenario(s, { threads: 1, controller: addCoreOnViolation() })).record;
    const two = (await runScenario(s, { threads: 2, controller: addCoreOnViolation() })).record;
    expect(JSON.stringify(two)).toBe(JSON.stringify(one));
    expect(one.totals.dropped).toBe(0);
    const series = one.series!;
    expect(series.points.map((p) => p.sloOk)).toEqual([true, true, false, false, false, true, true, true]);
    expect(series.points.map((p) => p.coresInUse)).toEqual([1, 1, 1, 2, 2, 2, 2, 2]);
    expect(series.points[2]!.actions).toHaveLength(33);
    const score = series.score;
    expect(score.recovery).toEqual([{ atSeconds: 0.5e-3, kind: 'nf-slowdown', target: 'm0', seconds: expect.closeTo(0.75e-3, 12) }]);
    expect(score.coreSeconds).toBeCloseTo(3.25e-3, 12);
    expect(score.withinSlo).toBe(5 / 8);
    expect(score.actionsPerSecond).toBeCloseTo(33 / 2e-3, 6);
    // The queue reached ~175 packets: ~135 us of waiting, plus up to a 32-packet batch at 2000 cycles (25 us) before a packet leaves, against 50 us.
    expect(score.worstLatencyRatio!).toBeGreaterThan(135 / 50);
    expect(score.worstLatencyRatio!).toBeLessThan(160 / 50);
    // Without the controller the overload never ends: not recovered.
    const none = (await runScenario(s, { threads: 1 })).record.series!.score;
    expect(none.recovery[0]!.seconds).toBeNull();
    expect(none.coreSeconds).toBeCloseTo(8 * 0.25e-3, 12);
  });
});

describe('scoreSeries on hand-made points', () => {
  const meta: SeriesMeta = {
    scenario: 't', periodSeconds: 1, durationSeconds: 6, cores: [0, 1],
    groups: [{ name: 'g', port: 'p', slo: { latency: { percentile: 99, boundUs: 10 }, maxLoss: 0.01, minRatePps: null } }],
  };
  const point = (e: number, ok: boolean, cores: number, batch: number, latencyUs: number): PeriodPoint => ({
    epoch: e, startSeconds: e, endSeconds: e + 1, offeredPps: 1, deliveredPps: 1, drops: {}, latency: null,
    groups: [{ group: 'g', offeredPps: 1, deliveredPps: 1, drops: {}, latency: null, slo: { ok, latencyUs, loss: ok ? 0 : 0.05 } }],
    coresInUse: cores, tasks: [{ name: 't', core: 0, batch, weight: 1, priority: 0, attached: true, backlog: 0, packets: 1 }],
    actions: e === 1 ? [{ type: 'setBatch' }, { type: 'setBatch' }] : [], events: [], control: e === 4 ? 'miss' : 'ok', sloOk: ok,
  });
  const pts = [point(0, true, 1, 32, 5), point(1, false, 1, 64, 30), point(2, false, 2, 32, 20), point(3, true, 2, 64, 5), point(4, true, 1, 64, 5), point(5, false, 1, 32, 12)];
  const score = scoreSeries(meta, pts, [
    { atSeconds: 0.5, kind: 'nf-fail', target: 'x', detail: {} },
    { atSeconds: 3.5, kind: 'nf-recover', target: 'x', detail: {} },
  ], 0);

  it('share within SLO, worst latency ratio and loss, per group and overall', () => {
    expect(score.withinSlo).toBe(3 / 6);
    expect(score.perGroup).toEqual([{ group: 'g', withinSlo: 0.5, worstLatencyRatio: 3, worstLoss: 0.05, worstAtSeconds: 2 }]);
    expect(score.worstLatencyRatio).toBe(3);
  });

  it('recovery: to the end of the last violated period before the next event; null if still violated', () => {
    expect(score.recovery).toEqual([
      { atSeconds: 0.5, kind: 'nf-fail', target: 'x', seconds: 2.5 },
      { atSeconds: 3.5, kind: 'nf-recover', target: 'x', seconds: null },
    ]);
  });

  it('core-seconds, actions per second, oscillation and misses', () => {
    expect(score.coreSeconds).toBe(1 + 1 + 2 + 2 + 1 + 1);
    expect(score.actionsPerSecond).toBe(2 / 6);
    // batch 32, 64, 32, 64, 64, 32: up, down, up, down = 3 reversals; cores 1,1,2,2,1,1: up, down = 1.
    expect(score.oscillation).toEqual([{ knob: 'cores in use', reversals: 1 }, { knob: 't batch', reversals: 3 }]);
    expect(score.misses).toBe(1);
    expect(score.lost).toBe(0);
  });
});
