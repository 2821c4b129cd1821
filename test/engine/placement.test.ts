/**
 * Which worker thread steps which emulated core: busy cores are shared out
 * evenly, however many idle cores the machine preset has, and a run never
 * starts more workers than it has busy cores.
 */
import { describe, expect, it } from 'vitest';
import { parallelUnits, placeCores } from '../../src/engine/placement.js';
import { runScenario } from '../../src/engine/run.js';
import { buildPlan, PlanError, shardNics, SHARDED_POOL_BUDGET } from '../../src/graph/plan.js';
import { layoutChain, type ChainLayout } from '../../src/graph/exec-models.js';
import { referenceChain, SRC_NET, DST_NET, EXEC_MODELS_MACHINE } from '../../src/experiments/chains.js';
import { NF_KINDS } from '../../src/nf/catalog.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { recordToJson } from '../../src/metrics/record.js';

function chainScenario(model: ChainLayout['model'], duration = '50us', warmup?: string) {
  return validateScenario(layoutChain({
    name: 'placement',
    machine: EXEC_MODELS_MACHINE,
    port: { lineRate: '100Gbps', traffic: { flows: 90, frameSize: 64, rate: '10Mpps', srcNet: SRC_NET, dstNet: DST_NET } },
    chain: referenceChain({ stateEntries: 1024, backends: 64, aclRules: 20, seed: 1 }),
    model,
    queue: { size: 1024, whenFull: 'backpressure' },
    duration,
    ...(warmup === undefined ? {} : { warmup }),
  }), { kinds: NF_KINDS, baseDir: null });
}

/** Busy cores (those running a task) per worker. */
function busyPerWorker(model: ChainLayout['model'], threads: number): number[] {
  const plan = buildPlan(chainScenario(model));
  const busy = new Set(plan.tasks.map((t) => t.core));
  const place = placeCores(plan, threads);
  expect(place).toHaveLength(plan.cores);
  const per = new Array<number>(threads).fill(0);
  place.forEach((w, c) => {
    expect(w).toBeGreaterThanOrEqual(0);
    expect(w).toBeLessThan(threads);
    if (busy.has(c)) per[w]!++;
  });
  return per;
}

describe('placing emulated cores on worker threads', () => {
  it('shares the busy cores of a 48-core preset evenly, not by core id', () => {
    // 18 RTC cores of 48: cut by id, all 18 would sit on worker 0 of 2.
    expect(busyPerWorker({ model: 'rtc', cores: 18 }, 2)).toEqual([9, 9]);
    expect(busyPerWorker({ model: 'rtc', cores: 18 }, 3)).toEqual([6, 6, 6]);
    expect(busyPerWorker({ model: 'rtc', cores: 2 }, 2)).toEqual([1, 1]);
    expect(busyPerWorker({ model: 'pl', pipelines: 6 }, 2)).toEqual([9, 9]);
  });

  it('keeps blocks contiguous: a worker never gets a core id below the previous worker\'s', () => {
    const plan = buildPlan(chainScenario({ model: 'hybrid', stages: [['acl'], ['lb', 'l3fwd']], replicas: [12, 6] }));
    const place = placeCores(plan, 2);
    for (let c = 1; c < place.length; c++) expect(place[c]!).toBeGreaterThanOrEqual(place[c - 1]!);
    expect(new Set(place).size).toBe(2);
  });

  it('starts no more workers than busy cores, and the result does not depend on it', async () => {
    const s = chainScenario({ model: 'rtc', cores: 2 });
    expect(parallelUnits(buildPlan(s))).toBe(2);
    const one = await runScenario(s, { threads: 1 });
    const many = await runScenario(s, { threads: 8 });
    expect(many.threads).toBe(2);
    expect(recordToJson(many.record)).toBe(recordToJson(one.record));
    expect(one.record.totals.delivered).toBeGreaterThan(0);
  });

  it('gives each port one NIC actor when one per worker would need too big a packet pool, with the same results', async () => {
    const hybrid = chainScenario({ model: 'hybrid', stages: [['acl'], ['lb', 'l3fwd']], replicas: [12, 6] }, '30us', '10us');
    const base = buildPlan(hybrid);
    // One worker per ACL core: 12 NIC shards, each sized for every queue of the chain.
    const perWorker = shardNics(base, hybrid, (c) => c);
    expect(perWorker.nics).toHaveLength(1);
    expect(perWorker.poolCapacity).toBeLessThanOrEqual(SHARDED_POOL_BUDGET);
    expect(perWorker.nics[0]!.queues).toHaveLength(12);
    // Within the budget the shards stay (two workers, RTC: one NIC actor each).
    const rtc = chainScenario({ model: 'rtc', cores: 18 });
    expect(shardNics(buildPlan(rtc), rtc, (c) => (c < 9 ? 0 : 1)).nics).toHaveLength(2);
    // Before: 12 workers made a 6 GiB pool, past the longest byte array V8 makes ("Invalid typed array length").
    const two = await runScenario(hybrid, { threads: 2 });
    const twelve = await runScenario(hybrid, { threads: 12 });
    expect(twelve.threads).toBe(12);
    expect(recordToJson(twelve.record)).toBe(recordToJson(two.record));
    expect(two.record.totals.delivered).toBeGreaterThan(0);
  });

  it('a plan whose packet pool would pass the largest byte array is a PlanError naming the cause', () => {
    const s = validateScenario(layoutChain({
      name: 'huge-queues',
      machine: EXEC_MODELS_MACHINE,
      port: { lineRate: '100Gbps', traffic: { flows: 90, frameSize: 64, rate: '1Mpps', srcNet: SRC_NET, dstNet: DST_NET } },
      chain: referenceChain({ stateEntries: 1024, backends: 8, aclRules: 20, seed: 1 }),
      model: { model: 'pl', pipelines: 1 },
      queue: { size: 1 << 20, whenFull: 'backpressure' },
      duration: '10us',
    }), { kinds: NF_KINDS, baseDir: null });
    expect(() => buildPlan(s)).toThrow(PlanError);
    expect(() => buildPlan(s)).toThrow(/packet pool would need \d+ buffers, more than the 2097152/);
  });

  it('keeps cores that feed each other (a loop of rings) on one thread, and counts the loop once', async () => {
    const { findExperiment } = await import('../../src/experiments/catalog.js');
    const exp = findExperiment('linux-sched')!;
    // Routers on core 0, their software switch on core 1: each feeds the other.
    const params = { seed: 1, window: '1ms', warmup: '0.1ms', lengths: [3], batches: [1], policies: ['cfs'], placement: 'multi', rate: '100kpps' };
    const s = validateScenario(exp.points(params)[0]!.scenario, { kinds: NF_KINDS, baseDir: null });
    const plan = buildPlan(s);
    expect(new Set(plan.tasks.map((t) => t.core))).toEqual(new Set([0, 1]));
    expect(parallelUnits(plan)).toBe(1);
    const place = placeCores(plan, 2);
    expect(place[0]).toBe(place[1]);
    const run = await runScenario(s, { threads: 2 });
    expect(run.threads).toBe(1);
    // A pipeline has no loop: each of its cores is a unit of its own.
    expect(parallelUnits(buildPlan(chainScenario({ model: 'pl', pipelines: 2 })))).toBe(6);
  });

  it('workerOfCore pins cores to workers (same results); a wrong one is a clear error', async () => {
    const s = chainScenario({ model: 'rtc', cores: 2 });
    const cores = buildPlan(s).cores;
    const pinned = Array.from({ length: cores }, (_, c) => (c === 1 ? 1 : 0));
    const one = await runScenario(s, { threads: 1 });
    const two = await runScenario(s, { workerOfCore: pinned });
    expect(two.threads).toBe(2);
    expect(recordToJson(two.record)).toBe(recordToJson(one.record));
    await expect(runScenario(s, { workerOfCore: [0, 1] })).rejects.toThrow(new RegExp(`workerOfCore must give a worker \\(an integer 0\\.\\.${cores - 1}\\) for each of the ${cores} cores, got \\[0, 1\\]`));
    await expect(runScenario(s, { workerOfCore: pinned.map((w) => w - 1) })).rejects.toThrow(/workerOfCore must give a worker/);
  });
});
