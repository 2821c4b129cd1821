/**
 * rtsched-loop: the [RTSched] controller closed over emulated WFQ cores. A
 * short run (5 control periods) per point: deterministic across thread
 * counts and repeats, packets conserved, the model-source loop holds the
 * analytic runner's weights, the measured loop moves the weights from what
 * it measures, and the MGW scenario sends each flow along its spec path.
 */
import { describe, expect, it } from 'vitest';
import { findExperiment } from '../../src/experiments/catalog.js';
import type { ExperimentParams } from '../../src/experiments/experiment.js';
import { LOOP_CASES, loopRows, rtschedLoop, runnerRows, holdsFrom } from '../../src/experiments/rtsched-loop.js';
import { mgwScenario, MGW_PARTS } from '../../src/experiments/rtsched-scenarios.js';
import { runExperiment, type ExperimentOutput } from '../../src/experiments/run.js';
import { MGW_SPEC, MGW_UPSTREAM_WEIGHTS } from '../../src/sched/rtsched-pipelines.js';

const PERIODS = 5;
const params = (): ExperimentParams => ({ ...rtschedLoop.defaults(), window: `${PERIODS}ms` });

async function run(threads: number): Promise<ExperimentOutput> {
  return (await runExperiment(rtschedLoop, params(), { threads })).output;
}

let firstRun: Promise<ExperimentOutput> | null = null;
const firstOutput = (): Promise<ExperimentOutput> => (firstRun ??= run(1));

describe('rtsched-loop experiment', () => {
  it('is in the catalog; one measured and one model point per pipeline', async () => {
    expect(findExperiment('rtsched-loop')).toBe(rtschedLoop);
    const out = await firstOutput();
    expect(out.points.map((p) => p.label)).toEqual([
      'fork measured model', 'fork model model', 'taildrop measured model', 'taildrop model model', 'mgw measured model', 'mgw model model',
    ]);
  }, 60_000);

  it('every point conserves packets and has one series point per control period', async () => {
    for (const p of (await firstOutput()).points) {
      const t = p.record.totals;
      expect(t.conserved).toBe(true);
      expect(t.generated).toBe(t.delivered + t.dropped + t.inFlight);
      expect(t.delivered).toBeGreaterThan(0);
      expect(p.record.series!.points).toHaveLength(PERIODS);
    }
  });

  it('source: model holds the analytic runner\'s weights period for period; source: measured moves away from them', async () => {
    const out = await firstOutput();
    for (const c of LOOP_CASES) {
      const runner = runnerRows(c, 'model', PERIODS - 1);
      const model = loopRows(c, out.points.find((p) => p.label === `${c.name} model model`)!.record.series!.points);
      model.forEach((row, k) => row.weights.forEach((w, t) => expect(Math.abs(w - runner[k]!.weights[t]!), `${c.name} period ${k} task ${t}`).toBeLessThanOrEqual(1e-9)));
    }
    // Fork: the measured loop sees the work-conserving rates (flow 0 above its target), so it stops moving task 1 up where the model goes on.
    const fork = LOOP_CASES.find((c) => c.name === 'fork')!;
    const measured = loopRows(fork, out.points.find((p) => p.label === 'fork measured model')!.record.series!.points);
    const runner = runnerRows(fork, 'model', PERIODS - 1);
    expect(Math.abs(measured[PERIODS - 1]!.weights[0]! - runner[PERIODS - 1]!.weights[0]!)).toBeGreaterThan(0.01);
  });

  it('stride is work-conserving: fork\'s measured rates exceed the LP\'s, which reserves task 0\'s unused share', async () => {
    const fork = LOOP_CASES.find((c) => c.name === 'fork')!;
    const rows = loopRows(fork, (await firstOutput()).points.find((p) => p.label === 'fork measured model')!.record.series!.points);
    for (const row of rows) {
      const share = row.weights[1]! + row.weights[2]!;
      // Tasks 1 and 2 share the whole core in the ratio w1 : w2; the model gives them w1 and w2 of it.
      expect(row.measured.rates[0]! + row.measured.rates[1]!).toBeGreaterThan(1.2 * (row.model.ratesPktsPerTu[0]! + row.model.ratesPktsPerTu[1]!));
      expect(share).toBeLessThan(0.8);
    }
  });

  it('gives the same document with 1 and 2 threads, three times', async () => {
    const docs = [JSON.stringify(await firstOutput()), JSON.stringify(await run(2)), JSON.stringify(await run(1))];
    expect(docs[1]).toBe(docs[0]);
    expect(docs[2]).toBe(docs[0]);
  }, 120_000);

  it('rejects an unknown controller behaviour', () => {
    expect(() => rtschedLoop.points({ ...params(), policies: ['paper'] })).toThrow(/--policies names controller behaviours \(model, code\), got paper/);
  });

  it('holdsFrom: the first index from which a flag stays true', () => {
    expect(holdsFrom([false, true, false, true, true])).toBe(3);
    expect(holdsFrom([true, true])).toBe(0);
    expect(holdsFrom([true, false])).toBe(null);
  });
});

describe('the MGW scenario', () => {
  const s = mgwScenario(MGW_UPSTREAM_WEIGHTS, params(), { controlPeriod: '1ms', controller: { kind: 'rtsched', pipeline: 'mgw' } }) as {
    modules: Array<{ name: string; kind: string; config?: { routes?: Array<{ dst: string; port: number }> } }>;
    edges: Array<{ from: string; to: string }>;
    tasks: Array<{ name: string; core: number; weight: number }>;
  };

  it('sends every flow along its spec path, module by module (queues and entry routers aside)', () => {
    const mod = new Map(s.modules.map((m) => [m.name, m] as const));
    MGW_SPEC.flows.forEach((f, fi) => {
      const dst = `10.1.${fi}.1`;
      const visited: string[] = [];
      let at = s.edges.find((e) => e.from === 'eth0.rx0')!.to;
      for (let hops = 0; at !== 'sink' && hops < 100; hops++) {
        const m = mod.get(at)!;
        let out = at;
        if (m.kind === 'l3fwd') out = `${at}:${m.config!.routes!.find((r) => r.dst === dst)!.port}`;
        if (m.kind !== 'queue' && !at.startsWith('d_')) visited.push(at);
        at = s.edges.find((e) => e.from === out)!.to;
      }
      const want = f.path.map((id) => MGW_SPEC.modules.find((m) => m.id === id)!.name.toLowerCase());
      expect(visited, f.name).toEqual(want);
    });
  });

  it('puts each part on its task\'s worker and shares the task\'s weight among its parts', () => {
    for (const part of MGW_PARTS) {
      const t = s.tasks.find((x) => x.name === part.name)!;
      expect(t.core).toBe(MGW_SPEC.tasks[part.task]!.worker);
      const parts = MGW_PARTS.filter((p) => p.task === part.task).length;
      expect(t.weight).toBeCloseTo(MGW_UPSTREAM_WEIGHTS[part.task]! / parts, 12);
    }
  });
});
