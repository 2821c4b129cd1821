/**
 * The rtsched built-in controller: with source: model its weights are the
 * analytic runner's (runRtSched) period for period, for every reproducible
 * run of the reference matrix (§11), both called directly and closed over an
 * emulated core; with source: measured it maps telemetry into the model's
 * units; its fields are checked with their paths.
 */
import { describe, expect, it } from 'vitest';
import { rtsched, measure, measuredLambda, type RtSchedParams } from '../../src/control/builtin/rtsched.js';
import type { Telemetry } from '../../src/engine/telemetry.js';
import { forkScenario } from '../../src/experiments/rtsched-scenarios.js';
import { loadScenario, run } from '../../src/index.js';
import type { Scenario } from '../../src/scenario/types.js';
import { runRtSched } from '../../src/sched/rtsched-controller.js';
import { FORK, FORK_INITIAL_WEIGHTS, RT_REFERENCE_RUNS } from '../../src/sched/rtsched-pipelines.js';
import { ConfigError, Problems } from '../../src/util/config-check.js';

const taskNames = (n: number) => Array.from({ length: n }, (_, t) => `task${t}`);

function paramsOf(raw: Record<string, unknown>, n: number): RtSchedParams {
  const p = new Problems();
  const out = rtsched.checkParams(raw, 'controller', p, { hz: 1e9, taskNames: taskNames(n) });
  p.throwIfAny('test');
  return out;
}

/** Only what create() reads: the clock and the tasks' initial weights. */
const fakeScenario = (weights: readonly number[]): Scenario => ({ hz: 1e9, tasks: weights.map((weight, t) => ({ name: `task${t}`, weight })) }) as unknown as Scenario;

describe('rtsched controller, source: model', () => {
  it.each(RT_REFERENCE_RUNS.map((r) => [r.label, r] as const))('%s: weights equal runRtSched period for period', (_label, r) => {
    const rows = runRtSched(r.pipeline, r.initialWeights, r);
    const params = paramsOf({ pipeline: r.pipeline.name, source: 'model', behaviour: r.behaviour, alpha: r.alpha, nuMaxStep: r.nuMaxStep, ns: r.lineSearchPoints }, r.pipeline.tasks.length);
    const controller = rtsched.create(fakeScenario(r.initialWeights), params);
    for (let k = 1; k <= r.periods; k++) {
      const actions = controller({} as Telemetry) as Array<{ type: string; task: string; weight: number }>;
      expect(actions.map((a) => a.task)).toEqual(taskNames(r.pipeline.tasks.length));
      expect(actions.every((a) => a.type === 'setWeight')).toBe(true);
      actions.forEach((a, t) => expect(Math.abs(a.weight - rows[k]!.weights[t]!), `period ${k} task ${t}`).toBeLessThanOrEqual(1e-9));
    }
  });

  it('closed over the emulated fork core, the series holds runRtSched\'s weights, row k in period k', async () => {
    const rows = runRtSched(FORK, FORK_INITIAL_WEIGHTS, { alpha: 1, nuMaxStep: 0.05, lineSearchPoints: 100, periods: 10 });
    const scenario = forkScenario(FORK_INITIAL_WEIGHTS, { window: '11ms', warmup: '0ms', seed: 1 }, {
      controlPeriod: '1ms', controller: { kind: 'rtsched', pipeline: 'fork', source: 'model', alpha: 1, nuMaxStep: 0.05, ns: 100 },
    });
    const { record } = await run(scenario, { threads: 1 });
    const points = record.series!.points;
    expect(points).toHaveLength(11);
    points.forEach((pt, k) => pt.tasks.forEach((t, i) => expect(Math.abs(t.weight - rows[k]!.weights[i]!)).toBeLessThanOrEqual(1e-9)));
    // The weights really moved (period 10 is not the initial vector).
    expect(Math.abs(points[10]!.tasks[1]!.weight - FORK_INITIAL_WEIGHTS[1]!)).toBeGreaterThan(0.1);
    expect(record.totals.conserved).toBe(true);
  }, 30_000);
});

describe('rtsched controller, source: measured', () => {
  const params = paramsOf({ pipeline: 'fork' }, 3);
  /** A fork telemetry: 1000 units of 10 µs (10 ms at 1 GHz), given counters and group readings. */
  const telemetry = (packets: number[], busyCycles: number[], delivered: number[], p99Us: (number | null)[]): Telemetry => ({
    epoch: 0, atCycles: 10_000_000, events: [], staleBy: 0,
    cores: [{ core: 0, clockCycles: 10_000_000, busyCycles: 0, delivered: 0, dropped: 0, backlogs: [],
      tasks: packets.map((n, t) => ({ id: t, name: `task${t}`, packets: n, batches: n, busyCycles: busyCycles[t]!, waitCycles: 0, switchCycles: 0, contextSwitches: 0, preemptions: 0, syscalls: 0, timeouts: 0, detached: false, batch: 1 })) }],
    period: { groups: ['flow0', 'flow1'].map((group, f) => ({
      group, offeredPps: 1e6, deliveredPps: delivered[f]!, drops: {},
      latency: p99Us[f] === null ? null : { count: 1, meanUs: 0, p50Us: 0, p90Us: 0, p99Us: p99Us[f]!, p999Us: 0, maxUs: 0 },
      slo: null,
    })) } as unknown as Telemetry['period'],
  });

  it('maps rates, delays, theta and busy share into model units', () => {
    const prev = { packets: [0, 0, 0], busyCycles: [0, 0, 0], atCycles: 0 };
    // task1: 300 packets at 20 000 cycles (cost 2), 6e6 cycles = 60 % of the period.
    const { m } = measure(FORK, params, 1e9, telemetry([1000, 300, 400], [200, 6e6, 4e6], [30_000, 40_000], [50, null]), prev, [NaN, NaN, NaN]);
    const close = (got: number[], want: number[]) => want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 12));
    close(m.ratesPktsPerTu, [0.3, 0.4]);
    close(m.offeredPktsPerTu, [10, 10]);
    expect(m.delaysTu[0]).toBeCloseTo(5, 12);
    expect(Number.isNaN(m.delaysTu[1])).toBe(true);
    close(m.thetaCyclesPerPkt, [2e-5, 2, 1]);
    close(m.busyShare, [2e-5, 0.6, 0.4]);
    // task1 saturated at weight 0.6 and flow 0 (0.3) below R = 0.3334: lambda 1; task2 busy 0.4 of a 0.5 share: 0.
    expect(measuredLambda(FORK, [0.1, 0.6, 0.5], m, 0.01, false)).toEqual([0, 1, 0]);
    // A task that ran nothing keeps its last theta.
    const again = measure(FORK, params, 1e9, telemetry([1000, 300, 400], [200, 6e6, 4e6], [0, 0], [null, null]), { packets: [1000, 300, 400], busyCycles: [200, 6e6, 4e6], atCycles: 0 }, [1, 2, 3]);
    expect(again.m.thetaCyclesPerPkt).toEqual([1, 2, 3]);
  });
});

describe('rtsched controller fields', () => {
  const problems = (controller: Record<string, unknown>): string[] => {
    const s = forkScenario(FORK_INITIAL_WEIGHTS, { window: '2ms', warmup: '0ms', seed: 1 }, { controlPeriod: '1ms', controller: { kind: 'rtsched', ...controller } });
    try {
      loadScenario(s as never);
    } catch (e) {
      return (e as ConfigError).problems.map((p) => `${p.path}: ${p.expected}`);
    }
    return [];
  };

  it('accepts the defaults and rejects bad values with their paths', () => {
    expect(problems({ pipeline: 'fork' })).toEqual([]);
    expect(problems({ pipeline: 'forks' })[0]).toMatch(/^controller.pipeline: one of: fork, taildrop, mgw/);
    expect(problems({ pipeline: 'fork', alpha: -1 })).toEqual(['controller.alpha: a number >= 0']);
    expect(problems({ pipeline: 'fork', source: 'guess' })[0]).toMatch(/^controller.source: one of/);
    expect(problems({ pipeline: 'fork', behaviour: 'paper' })[0]).toMatch(/^controller.behaviour: one of/);
    expect(problems({ pipeline: 'fork', ns: 0 })).toEqual(['controller.ns: an integer between 1 and 10000']);
    expect(problems({ pipeline: 'fork', unit: 'soon' })[0]).toMatch(/^controller.unit: a duration/);
    expect(problems({ pipeline: 'fork', tasks: ['task0', 'task1', 'nope'] })[0]).toMatch(/^controller.tasks: names of the scenario's tasks/);
    expect(problems({ pipeline: 'fork', groups: ['a'] })[0]).toMatch(/^controller.groups: a list of 2 names/);
    expect(problems({ pipeline: 'fork', nuMaxStepp: 1 })[0]).toMatch(/^controller.nuMaxStepp: unknown field/);
    // mgw has 6 tasks: the fork scenario's 3 are not enough.
    expect(problems({ pipeline: 'mgw' })[0]).toMatch(/^controller.tasks: names of the scenario's tasks/);
  });
});
