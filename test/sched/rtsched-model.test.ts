/**
 * The [RTSched] model (simulate step) against hand computations and the
 * facts of the paper's evaluation pipelines (§10). Section numbers are the
 * model's: docs/rtsched-model.md lists them.
 */
import { describe, expect, it } from 'vitest';
import {
  checkPipeline,
  evaluate,
  normalisePerWorker,
  rescalePipeline,
  solveRates,
  taskDelays,
  taskTheta,
  type RtPipeline,
} from '../../src/sched/rtsched-model.js';
import {
  FORK,
  FORK_INITIAL_WEIGHTS,
  MGW,
  MGW_EQINIT_WEIGHTS,
  MGW_UPSTREAM_WEIGHTS,
  TAILDROP,
  TAILDROP_INITIAL_WEIGHTS,
} from '../../src/sched/rtsched-pipelines.js';
import { ConfigError } from '../../src/util/config-check.js';
import { Prng } from '../../src/util/prng.js';
import { vertices } from './brute-force.js';

/** Random weights for one worker of `n` tasks, each >= `min`, summing to 1. */
function randomSimplex(rng: Prng, n: number, min = 1e-4): number[] {
  const raw = Array.from({ length: n }, () => min + rng.nextFloat());
  const s = raw.reduce((a, b) => a + b, 0);
  return raw.map((x) => x / s);
}

describe('fork at its initial weights (hand-computed, §10.1)', () => {
  // w = [0.333, 0.333, 0.334], T = 1, B = Q = 1.
  // Capacity rows: Task0 2e-5 (r0 + r1) <= 0.333 (slack), Task1 2 r0 <= 0.333,
  // Task2 1 r1 <= 0.334; rho = 10 is slack. Unique optimum r = [0.1665, 0.334].
  const ev = evaluate(FORK, FORK_INITIAL_WEIGHTS);

  it('rates are w * T / tau of each flow\'s bottleneck task', () => {
    expect(ev.ratesPktsPerTu[0]).toBeCloseTo(0.333 / 2, 12);
    expect(ev.ratesPktsPerTu[1]).toBeCloseTo(0.334 / 1, 12);
  });

  it('theta is the per-task cost: 2e-5, 2, 1', () => {
    expect(ev.thetaCyclesPerPkt[0]).toBeCloseTo(2e-5, 15);
    expect(ev.thetaCyclesPerPkt[1]).toBe(2);
    expect(ev.thetaCyclesPerPkt[2]).toBe(1);
  });

  it('delay estimate d_{t,f} = max(A, Q theta / (T w)) + B theta / T, summed per flow', () => {
    // Task0: A = max(2, 1) = 2 beats Bq = 2e-5 / 0.333 -> 2 + 2e-5          = 2.00002
    // Task1: A = max(2e-5, 1) = 1 loses to Bq = 2 / 0.333 -> 6.006006 + 2   = 8.006006006
    // Task2: A = max(2e-5, 2) = 2 loses to Bq = 1 / 0.334 -> 2.994012 + 1   = 3.994011976
    const d0 = 2 + 2e-5;
    const d1 = 2 / 0.333 + 2;
    const d2 = 1 / 0.334 + 1;
    expect(ev.taskDelaysTu[0]).toBeCloseTo(d0, 12);
    expect(ev.taskDelaysTu[1]).toBeCloseTo(d1, 12);
    expect(ev.taskDelaysTu[2]).toBeCloseTo(d2, 12);
    // d_0 = 10.006026006 > D_0 = 7; d_1 = 5.994031976 <= D_1 = 6.
    expect(ev.delaysTu[0]).toBeCloseTo(d0 + d1, 12);
    expect(ev.delaysTu[1]).toBeCloseTo(d0 + d2, 12);
    expect(ev.delaysTu[0]).toBeCloseTo(10.006026006, 9);
    expect(ev.delaysTu[1]).toBeCloseTo(5.994031976, 9);
  });

  it('simplified delay sd_f keeps only the queueing terms', () => {
    // sd_0 = 2e-5/0.333 + 2/0.333 = 6.006066066; sd_1 = 2e-5/0.333 + 1/0.334 = 2.994072036.
    expect(ev.simplifiedDelaysTu[0]).toBeCloseTo(2e-5 / 0.333 + 2 / 0.333, 12);
    expect(ev.simplifiedDelaysTu[1]).toBeCloseTo(2e-5 / 0.333 + 1 / 0.334, 12);
  });

  it('lambda: only Task1 is saturated with demand (§6 model rule)', () => {
    // Task0 uses 1e-5 of 0.333: not saturated. Task1 uses all of 0.333 and
    // 0.99 * 0.1665 <= min(0.3334, 10). Task2 uses all of 0.334 but
    // 0.99 * 0.334 = 0.3307 > min(0.2, 10): no demand (code-compatible would say 1, §9.2).
    expect(ev.lambda).toEqual([0, 1, 0]);
  });

  it('SLO flags: flow 0 misses both SLOs, flow 1 meets both', () => {
    expect(ev.flags.rateOk).toEqual([false, true]);
    expect(ev.flags.delayOk).toEqual([false, true]);
    expect(ev.flags).toMatchObject({ allRateOk: false, allDelayOk: false, allSloOk: false, anyLambda: true });
  });
});

describe('infeasibility facts of §10', () => {
  it('fork: no weight vector meets every SLO (rate needs w1 >= 0.6668, delays need w1 >= 2/3 and w2 >= 1/3)', () => {
    let checked = 0;
    for (let a = 1; a < 100; a++) {
      for (let b = 1; a + b < 100; b++) {
        const w = [a / 100, b / 100, (100 - a - b) / 100];
        expect(evaluate(FORK, w).flags.allSloOk, `w = ${w}`).toBe(false);
        checked++;
      }
    }
    expect(checked).toBe(4851);
  });

  it('fork: flow 0 delay is about 4 + 2 / w1 and flow 1 delay about 3 + max(2, 1 / w2)', () => {
    const rng = new Prng(7);
    for (let i = 0; i < 200; i++) {
      const w = randomSimplex(rng, 3);
      const ev = evaluate(FORK, w);
      // The Task0 term is 2 + 2e-5 unless 2e-5 / w0 exceeds 2, which needs w0 < 1e-5.
      expect(ev.delaysTu[0]).toBeCloseTo(2 + 2e-5 + 2 / w[1]! + 2, 9);
      expect(ev.delaysTu[1]).toBeCloseTo(2 + 2e-5 + Math.max(2, 1 / w[2]!) + 1, 9);
    }
  });

  it('taildrop: d >= 42 whatever the weights, so the delay SLO (D = 30) is unattainable', () => {
    const rng = new Prng(42);
    const extremes = [[1e-5, 1e-5, 1 - 2e-5], [0.2, 0.2, 0.6], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5 - 1e-5, 1e-5]];
    const all = [...extremes, ...Array.from({ length: 500 }, () => randomSimplex(rng, 3, 1e-5))];
    for (const w of all) {
      const ev = evaluate(TAILDROP, w);
      expect(ev.delaysTu[0]!, `w = ${w}`).toBeGreaterThanOrEqual(42 - 1e-9);
      expect(ev.flags.delayOk[0]).toBe(false);
    }
  });

  it('taildrop: r = min(w0, w1, w2 / 10), so the rate SLO 0.06 needs w2 >= 0.6', () => {
    const rng = new Prng(43);
    for (let i = 0; i < 500; i++) {
      const w = randomSimplex(rng, 3, 1e-5);
      const ev = evaluate(TAILDROP, w);
      const r = Math.min(w[0]!, w[1]!, w[2]! / 10);
      expect(ev.ratesPktsPerTu[0]).toBeCloseTo(r, 12);
      expect(ev.flags.rateOk[0]).toBe(r >= 0.06 - 1e-9);
      if (ev.flags.rateOk[0]) expect(w[2]!).toBeGreaterThanOrEqual(0.6 - 1e-8);
    }
    expect(evaluate(TAILDROP, [0.2, 0.2, 0.6]).flags.rateOk[0]).toBe(true);
    expect(evaluate(TAILDROP, [0.2, 0.2001, 0.5999]).flags.rateOk[0]).toBe(false);
  });

  it('taildrop at its initial weights: task 2 is the bottleneck, with lambda 1', () => {
    // r = 0.353 / 10 = 0.0353 < 0.06; Task2 saturated and 0.99 * 0.0353 <= 0.06.
    const ev = evaluate(TAILDROP, TAILDROP_INITIAL_WEIGHTS);
    expect(ev.ratesPktsPerTu[0]).toBeCloseTo(0.0353, 12);
    expect(ev.lambda).toEqual([0, 0, 1]);
    // d = (max(10, 1/0.313) + 1) + (max(10, 1/0.334) + 1) + (max(1, 10/0.353) + 10)
    expect(ev.delaysTu[0]).toBeCloseTo(11 + 11 + 10 / 0.353 + 10, 12);
  });
});

describe('MGW (§10.3)', () => {
  it('derives the per-task cost table of §10.3 from the module costs and paths', () => {
    // [flow][task] in task creation order: ingress, w1:t0, w2:t0, w1:t3, w1:t2, w1:t5.
    const table: Array<Array<number | null>> = [
      [1.19191953313487, 0.508744625805023, 1.26740906156735, 1.57282130582724, null, null],
      [0.702502298853316, 3.37417198853669, 0.692732236328136, null, null, null],
      [0.843177287235331, 0.508744625805023, 1.26740906156735, null, null, 1.92156355172678],
      [0.447416469425532, 0.606569506048539, 0.692732236328136, null, 3.02268831191594, null],
      [0.843177287235331, 0.508744625805023, 1.26740906156735, null, null, 1.92156355172678],
      [0.447416469425532, 0.606569506048539, 0.692732236328136, null, 3.02268831191594, null],
    ];
    MGW.flows.forEach((f, fi) => {
      table[fi]!.forEach((tau, t) => {
        const tf = f.taskflows.find((x) => x.task === t);
        if (tau === null) expect(tf, `${f.name} task ${t}`).toBeUndefined();
        else expect(tf!.cyclesPerPkt, `${f.name} task ${t}`).toBeCloseTo(tau, 13);
      });
    });
    expect(MGW.workers.map((w) => w.tasks)).toEqual([[0], [1, 3, 4, 5], [2]]);
    expect(MGW.tasks[4]!.key).toBe('w1:t2:bearer_dl_1');
  });

  it('model initial weights: flow 0 gets its full rate, 2 and 4 split the rest, the downlink starves', () => {
    // Worker 1 = [1/7, 1/7, 1/7, 4/7] at T = 60: w1:t0 has 60/7 = 8.5714 cycles per time unit.
    // Every flow crosses w1:t0; uplink packets cost 0.50874 there, less than any downlink packet
    // (0.60657 bulk, 3.37417 QoS), and the uplink demand 19 * 0.50874 = 9.67 exceeds 8.5714,
    // so the throughput optimum gives w1:t0 entirely to the uplink: 8.5714 / 0.50874 = 16.848 packets,
    // with 0 for flows 1, 3, 5. Max-min among those optima: flow 0 capped at rho = 3, flows 2 and 4
    // share the remaining 13.848 equally (6.924 each). Other tasks are slack: w1:t5 needs
    // 1.92156 * 13.848 = 26.6 of 34.3, ingress 3 * 1.19192 + 13.848 * 0.84318 = 15.3 of 60.
    const w = normalisePerWorker(MGW, MGW_UPSTREAM_WEIGHTS);
    expect(w).toEqual([1, 1 / 7, 1, 1 / 7, 1 / 7, 4 / 7]);
    const ev = evaluate(MGW, w);
    const uplink = 60 / 7 / 0.508744625805023;
    expect(ev.ratesPktsPerTu[0]).toBeCloseTo(3, 9);
    expect(ev.ratesPktsPerTu[2]).toBeCloseTo((uplink - 3) / 2, 9);
    expect(ev.ratesPktsPerTu[4]).toBeCloseTo((uplink - 3) / 2, 9);
    expect([ev.ratesPktsPerTu[1], ev.ratesPktsPerTu[3], ev.ratesPktsPerTu[5]]).toEqual([0, 0, 0]);
    // w1:t2 carries only flows 3 and 5, both at 0: theta undefined, their delays NaN and not OK (§5, §7).
    expect(ev.thetaCyclesPerPkt[4]).toBeNaN();
    expect(ev.delaysTu[3]).toBeNaN();
    expect(ev.flags.delayOk[3]).toBe(false);
    // The bottleneck w1:t0 is saturated and has demand: lambda 1 there only.
    expect(ev.lambda).toEqual([0, 1, 0, 0, 0, 0]);
  });

  it('identical pairs 2/4 and 3/5 get equal shares (mgw-eqinit)', () => {
    const ev = evaluate(MGW, MGW_EQINIT_WEIGHTS);
    expect(ev.ratesPktsPerTu[2]).toBeCloseTo(ev.ratesPktsPerTu[4]!, 12);
    expect(ev.ratesPktsPerTu[3]).toBeCloseTo(ev.ratesPktsPerTu[5]!, 12);
    expect(ev.ratesPktsPerTu[3]).toBeGreaterThan(0);
    // w1:t2 (cap 15) carries flows 3 and 5 at 3.02269 each: 15 / 3.02269 / 2 = 2.4812 each.
    expect(ev.ratesPktsPerTu[3]).toBeCloseTo(15 / 3.02268831191594 / 2, 9);
  });
});

/** Leximin comparison of ascending-sorted vectors: true if a >= b. */
function leximinAtLeast(a: readonly number[], b: readonly number[], tol: number): boolean {
  const sa = [...a].sort((x, y) => x - y);
  const sb = [...b].sort((x, y) => x - y);
  for (let i = 0; i < sa.length; i++) {
    if (Math.abs(sa[i]! - sb[i]!) > tol) return sa[i]! > sb[i]!;
  }
  return true;
}

/** A one-worker pipeline with seeded random tasks, flows and costs (small integers: ties are common). */
function randomPipeline(rng: Prng): { p: RtPipeline; weights: number[] } {
  const nT = 1 + rng.nextInt(3);
  const nF = 2 + rng.nextInt(2);
  const flows = Array.from({ length: nF }, (_, f) => {
    const tasks = Array.from({ length: nT }, (_, t) => t).filter(() => rng.nextInt(2) === 0);
    if (tasks.length === 0) tasks.push(rng.nextInt(nT));
    return {
      name: `f${f}`,
      offeredPktsPerTu: 1 + rng.nextInt(4),
      rateSloPktsPerTu: 0,
      delaySloTu: 100,
      taskflows: tasks.map((task) => ({ task, cyclesPerPkt: 1 + rng.nextInt(3) })),
    };
  });
  if (rng.nextInt(2) === 0) flows.push({ ...flows[0]!, name: 'twin' });
  const p: RtPipeline = {
    name: 'random',
    batchPkts: 1,
    queuePkts: 1,
    workers: [{ name: 'w0', speedCyclesPerTu: 2 + rng.nextInt(6), tasks: Array.from({ length: nT }, (_, t) => t) }],
    tasks: Array.from({ length: nT }, (_, t) => ({ key: `t${t}`, worker: 0 })),
    flows,
  };
  return { p, weights: randomSimplex(rng, nT, 0.05) };
}

describe('rate LP with the max-min tie-break (§4.2-4.3) against brute force', () => {
  it('is throughput-optimal and leximin-maximal among optimal vertices on seeded random instances', () => {
    const rng = new Prng(4242);
    let ties = 0;
    for (let trial = 0; trial < 150; trial++) {
      const { p, weights } = randomPipeline(rng);
      const nF = p.flows.length;
      const rows: Array<{ coefs: number[]; rhs: number }> = p.tasks.map((_, t) => ({
        coefs: p.flows.map((f) => f.taskflows.find((x) => x.task === t)?.cyclesPerPkt ?? 0),
        rhs: weights[t]! * p.workers[0]!.speedCyclesPerTu,
      }));
      p.flows.forEach((f, fi) => rows.push({ coefs: p.flows.map((_, k) => (k === fi ? 1 : 0)), rhs: f.offeredPktsPerTu }));
      const verts = vertices(nF, rows);
      const total = (x: readonly number[]): number => x.reduce((s, v) => s + v, 0);
      const zStar = Math.max(...verts.map(total));
      const optimalVerts = verts.filter((v) => total(v) >= zStar - 1e-9);
      if (optimalVerts.some((v) => optimalVerts.some((u) => u.some((x, i) => Math.abs(x - v[i]!) > 1e-9)))) ties++;

      const r = solveRates(p, weights);
      expect(total(r)).toBeCloseTo(zStar, 8);
      for (const row of rows) expect(row.coefs.reduce((s, a, k) => s + a * r[k]!, 0)).toBeLessThanOrEqual(row.rhs + 1e-8);
      for (const v of optimalVerts) expect(leximinAtLeast(r, v, 1e-7), `r = ${r}, vertex = ${v}`).toBe(true);
      // Also against midpoints of optimal vertices (points inside the optimal face).
      for (let i = 0; i + 1 < optimalVerts.length; i++) {
        const mid = optimalVerts[i]!.map((x, k) => (x + optimalVerts[i + 1]![k]!) / 2);
        expect(leximinAtLeast(r, mid, 1e-7)).toBe(true);
      }
      // A flow and its identical twin always get the same rate.
      const twin = p.flows.findIndex((f) => f.name === 'twin');
      if (twin >= 0) expect(r[twin]).toBeCloseTo(r[0]!, 9);
    }
    // The instances must actually exercise the tie-break.
    expect(ties).toBeGreaterThan(20);
  });
});

describe('theta and the neighbour term (§5)', () => {
  const p: RtPipeline = {
    name: 'idle',
    batchPkts: 2,
    queuePkts: 3,
    workers: [{ name: 'w0', speedCyclesPerTu: 4, tasks: [0, 1, 2] }],
    tasks: [{ key: 'a', worker: 0 }, { key: 'b', worker: 0 }, { key: 'c', worker: 0 }],
    flows: [
      { name: 'x', offeredPktsPerTu: 0, rateSloPktsPerTu: 0, delaySloTu: 1, taskflows: [{ task: 0, cyclesPerPkt: 5 }] },
      { name: 'y', offeredPktsPerTu: 0, rateSloPktsPerTu: 0, delaySloTu: 1, taskflows: [{ task: 0, cyclesPerPkt: 7 }] },
      { name: 'z', offeredPktsPerTu: 0, rateSloPktsPerTu: 0, delaySloTu: 1, taskflows: [{ task: 1, cyclesPerPkt: 3 }] },
      { name: 'u', offeredPktsPerTu: 1, rateSloPktsPerTu: 0, delaySloTu: 1, taskflows: [{ task: 2, cyclesPerPkt: 1 }] },
    ],
  };

  it('is NaN for a multi-flow task with no traffic, and the single flow\'s cost for a one-flow task at rate 0', () => {
    const theta = taskTheta(p, [0, 0, 0, 1]);
    expect(theta[0]).toBeNaN();
    expect(theta[1]).toBe(3);
    expect(theta[2]).toBe(1);
    expect(taskTheta(p, [1, 3, 0, 1])[0]).toBeCloseTo((5 + 21) / 4, 15);
  });

  it('skips NaN neighbours in A and uses B, Q and T as the formula says', () => {
    const w = [0.25, 0.25, 0.5];
    const d = taskDelays(p, w, [NaN, 3, 1]);
    // Task b: A = max(B*1/T) over c (a is NaN, skipped) = 2/4; Bq = 3*3/(4*0.25) = 9; + B*3/T = 1.5.
    expect(d[1]).toBeCloseTo(9 + 1.5, 15);
    // Task c: A = B*3/T = 1.5 (from b) and Bq = 3*1/(4*0.5) = 1.5 tie; + B*1/T = 0.5.
    expect(d[2]).toBeCloseTo(1.5 + 0.5, 15);
    expect(d[0]).toBeNaN();
  });

  it('A counts only the other tasks: a task never waits behind its own batch', () => {
    // B = 4, Q = 1, T = 1, theta = [1, 0.1], w = [0.5, 0.5].
    // Task a: A = 4 * 0.1 = 0.4 (its own 4 * 1 = 4 is excluded), Bq = 1 / 0.5 = 2 -> 2 + 4 = 6.
    // Task b: A = 4 * 1 = 4, Bq = 0.1 / 0.5 = 0.2 -> 4 + 0.4 = 4.4.
    const two: RtPipeline = { ...p, batchPkts: 4, queuePkts: 1, workers: [{ name: 'w0', speedCyclesPerTu: 1, tasks: [0, 1] }], tasks: p.tasks.slice(0, 2), flows: [] };
    const d = taskDelays(two, [0.5, 0.5], [1, 0.1]);
    expect(d[0]).toBeCloseTo(6, 15);
    expect(d[1]).toBeCloseTo(4.4, 15);
  });
});

describe('checkPipeline', () => {
  it('lists every problem with its path in one error', () => {
    const bad: RtPipeline = {
      ...FORK,
      batchPkts: 0,
      workers: [{ ...FORK.workers[0]!, speedCyclesPerTu: -1 }],
      flows: [{ ...FORK.flows[0]!, taskflows: [{ task: 9, cyclesPerPkt: 1 }, { task: 1, cyclesPerPkt: -2 }] }],
    };
    let err: unknown;
    try {
      checkPipeline(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const paths = (err as ConfigError).problems.map((pr) => pr.path);
    expect(paths).toEqual(['batchPkts', 'workers[0].speedCyclesPerTu', 'flows[0].taskflows[0].task', 'flows[0].taskflows[1].cyclesPerPkt']);
  });

  it('rejects weights of the wrong length or sign', () => {
    expect(() => evaluate(FORK, [0.5, 0.5])).toThrow(/3 entries/);
    expect(() => evaluate(FORK, [0.5, -0.5, 1])).toThrow(/weights\[1\]/);
  });
});

describe('rescalePipeline (model units -> cycles and seconds)', () => {
  it('scales rates by hz/cycles and delays by cycles/hz, leaving lambda and flags alone', () => {
    // Fork with 1000 cycles per cost unit on a 2 GHz core: Task1 costs 2000 cycles, so
    // r0 = 0.333 * 2e9 / 2000 = 333 000 packets per second; d_0 = 10.006026 * 1000 / 2e9 s = 5.003 us.
    const cycles = 1000;
    const hz = 2e9;
    const base = evaluate(FORK, FORK_INITIAL_WEIGHTS);
    const ev = evaluate(rescalePipeline(FORK, cycles, hz), FORK_INITIAL_WEIGHTS);
    expect(ev.ratesPktsPerTu[0]).toBeCloseTo(333_000, 6);
    expect(ev.delaysTu[0]).toBeCloseTo(5.003013003e-6, 15);
    ev.ratesPktsPerTu.forEach((r, i) => expect(r / (base.ratesPktsPerTu[i]! * hz / cycles)).toBeCloseTo(1, 12));
    ev.delaysTu.forEach((d, i) => expect(d / (base.delaysTu[i]! * cycles / hz)).toBeCloseTo(1, 12));
    ev.thetaCyclesPerPkt.forEach((t, i) => expect(t).toBeCloseTo(base.thetaCyclesPerPkt[i]! * cycles, 9));
    expect(ev.lambda).toEqual(base.lambda);
    expect(ev.flags).toEqual(base.flags);
  });
});
