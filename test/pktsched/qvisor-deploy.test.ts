import { describe, expect, it } from 'vitest';
import { deploy, type Deployment } from '../../src/pktsched/qvisor/deploy.js';
import { createQvisor, type QvisorPreprocessor, type TenantSpec } from '../../src/pktsched/qvisor/pre-processor.js';
import { ConfigError } from '../../src/util/config-check.js';

const lin = (id: string): TenantSpec => ({ id, normaliser: { kind: 'linear', lo: 0, hi: 10 } });
const qv = (ids: string[], policy: string, levels = 10) => createQvisor(ids.map(lin), policy, { levels });
const perTenant = (d: Deployment) => Array.from(d.queueFirst, (first, t) => [first, d.queueCount[t], d.rankOrigin[t]]);

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('deployment on a PIFO', () => {
  it('hands over the final rank unchanged, one queue for everyone', () => {
    const q = qv(['A', 'B', 'C'], 'A >> B > C');
    const d = deploy(q, { kind: 'pifo', queues: 1, maxRank: 1000 });
    expect(perTenant(d)).toEqual([[0, 1, 0], [0, 1, 0], [0, 1, 0]]);
    expect(d.schedulerRank(2, q.finalRank(2, 3))).toBe(18); // tier 1 base 10 + group offset 5 + level 3
    expect(d.degraded).toEqual([]);
  });

  it('refuses a rank range the layout does not fit in', () => {
    const e = configErrorOf(() => deploy(qv(['A', 'B'], 'A >> B'), { kind: 'pifo', queues: 1, maxRank: 18 }));
    expect(e.problems[0]).toMatchObject({ path: 'target.maxRank', value: 18 });
    expect(e.message).toContain('at least 19');
  });
});

describe('deployment target checks', () => {
  it('lists every bad target field in one error', () => {
    const e = configErrorOf(() => deploy(qv(['A'], 'A'), { kind: 'pifo', queues: 2, maxRank: -1 }));
    expect(e.problems.map((p) => [p.path, p.expected])).toEqual([
      ['target.queues', '1 for a PIFO'],
      ['target.maxRank', 'an integer >= 0'],
    ]);
  });
});

describe('deployment on SP-PIFO with dedicated queue blocks', () => {
  it("the paper's 5-queue example: { T1: 3, 'T2+T3': 2 }", () => {
    const q = qv(['T1', 'T2', 'T3'], 'T1 >> T2 + T3');
    const d = deploy(q, { kind: 'sppifo', queues: 5, maxRank: 100 }, { queues: { T1: 3, 'T2 + T3': 2 } });
    expect(perTenant(d)).toEqual([[0, 3, 0], [3, 2, 10], [3, 2, 10]]);
    expect(d.schedulerRank(1, q.finalRank(1, 4))).toBe(4); // tier-local: final 14 − base 10
    expect(d.blocks.map((b) => b.maxRank)).toEqual([9, 9]);
  });

  it('default allocation: one queue per tier, then the rest equally by largest remainder, higher tiers win ties', () => {
    const q = qv(['A', 'B'], 'A >> B');
    expect(deploy(q, { kind: 'sppifo', queues: 5, maxRank: 100 }).blocks.map((b) => [b.firstQueue, b.queueCount])).toEqual([[0, 3], [3, 2]]);
    expect(deploy(q, { kind: 'sppifo', queues: 8, maxRank: 100 }).blocks.map((b) => b.queueCount)).toEqual([4, 4]);
  });

  it('weights: 8 queues at 1:3 → spare 6 split 1.5:4.5 → 2 and 5, the tie for the last queue to the higher tier', () => {
    const q = qv(['A', 'B'], 'A >> B');
    expect(deploy(q, { kind: 'sppifo', queues: 8, maxRank: 100 }, { weights: [1, 3] }).blocks.map((b) => b.queueCount)).toEqual([3, 5]);
  });

  it('a tier-local rank range: each block sees ranks from 0', () => {
    const q = qv(['A', 'B', 'C'], 'A >> B > C');
    const d = deploy(q, { kind: 'sppifo', queues: 4, maxRank: 14 });
    expect(d.blocks.map((b) => [b.rankOrigin, b.maxRank])).toEqual([[0, 9], [10, 14]]);
    expect(() => deploy(q, { kind: 'sppifo', queues: 4, maxRank: 13 })).toThrow(/target.maxRank \(block 1\): got 13, expected at least 14/);
  });

  it('fewer queues than tiers is an error that says how many are needed', () => {
    const e = configErrorOf(() => deploy(qv(['A', 'B', 'C'], 'A >> B >> C'), { kind: 'sppifo', queues: 2, maxRank: 100 }));
    expect(e.problems[0]!.expected).toBe('at least 3: the policy needs at least 3 priority queues to isolate 3 tiers (or set allowPartial)');
  });

  it('allowPartial merges the lowest tiers onto the last queue and reports it', () => {
    const q = qv(['A', 'B', 'C'], 'A >> B >> C');
    const d = deploy(q, { kind: 'sppifo', queues: 2, maxRank: 100 }, { allowPartial: true });
    expect(perTenant(d)).toEqual([[0, 1, 0], [1, 1, 10], [1, 1, 10]]);
    expect(d.blocks[1]!.maxRank).toBe(19);
    expect(d.degraded).toEqual(["only 2 queues for 3 tiers: tiers 'B', 'C' share the last queue, so '>>' between them is best effort"]);
  });

  it('explicit allocation errors: unknown tier, missing tier, wrong sum', () => {
    const q = qv(['A', 'B'], 'A >> B');
    const t = { kind: 'sppifo', queues: 4, maxRank: 100 } as const;
    expect(configErrorOf(() => deploy(q, t, { queues: { A: 2, C: 2 } })).problems.map((p) => p.path)).toEqual(['queues["C"]', 'queues["B"]']);
    expect(configErrorOf(() => deploy(q, t, { queues: { A: 2, B: 1 } })).problems[0]!.expected).toBe('counts summing to target.queues (4), got 3');
    expect(configErrorOf(() => deploy(q, t, { queues: { A: 0, B: 4 } })).problems[0]!.path).toBe('queues["A"]');
  });
});

/**
 * Test-only SP-PIFO over the deployment's blocks ([SP-PIFO]: scan a
 * block from its lowest-priority queue, first bound <= rank, push-up,
 * push-down on the block's queue 0), with global strict-priority dequeue.
 * Returns the dequeue order as tenant:raw labels.
 */
function runSpPifo(q: QvisorPreprocessor, d: Deployment, nQueues: number, arrivals: [number, number][]): { order: string[]; queues: string[][]; i1Violations: number } {
  const bounds = new Float64Array(nQueues);
  const queues: { t: number; label: string }[][] = Array.from({ length: nQueues }, () => []);
  for (const [t, raw] of arrivals) {
    const r = d.schedulerRank(t, q.finalRank(t, raw));
    const first = d.queueFirst[t]!;
    let i = first + d.queueCount[t]! - 1;
    while (i > first && bounds[i]! > r) i--;
    if (r < bounds[i]!) {
      const cost = bounds[i]! - r;
      for (let j = first + 1; j < first + d.queueCount[t]!; j++) bounds[j] = bounds[j]! - cost;
    }
    bounds[i] = r;
    queues[i]!.push({ t, label: `${q.tenantIds[t]}${raw}` });
  }
  const snapshot = queues.map((qq) => qq.map((p) => p.label));
  const order: string[] = [];
  let i1Violations = 0;
  for (;;) {
    const k = queues.findIndex((qq) => qq.length > 0);
    if (k < 0) break;
    const p = queues[k]!.shift()!;
    // I1: no packet of a higher tier may still be buffered.
    if (queues.some((qq) => qq.some((o) => q.tierOf[o.t]! < q.tierOf[p.t]!))) i1Violations++;
    order.push(p.label);
  }
  return { order, queues: snapshot, i1Violations };
}

describe('I1 on SP-PIFO: dedicated blocks keep >>, a shared SP-PIFO breaks it (the sequence in docs/qvisor.md)', () => {
  // A >> B, L = 10, shift-min{0, 9}: A finals 0–9, B finals 10–19.
  const tenants: TenantSpec[] = ['A', 'B'].map((id) => ({ id, normaliser: { kind: 'shift-min', lo: 0, hi: 9 } }));
  const q = createQvisor(tenants, 'A >> B', { levels: 10 });
  // B15, A5, B12, A3 as final ranks.
  const arrivals: [number, number][] = [[1, 5], [0, 5], [1, 2], [0, 3]];

  it('shared: queue 0 ends up holding A5, B12, A3, so B12 leaves before A3', () => {
    const d = deploy(q, { kind: 'sppifo', queues: 2, maxRank: 19 }, { sharing: 'shared' });
    expect(d.degraded.length).toBe(1);
    const run = runSpPifo(q, d, 2, arrivals);
    expect(run.queues).toEqual([['A5', 'B2', 'A3'], ['B5']]);
    expect(run.order).toEqual(['A5', 'B2', 'A3', 'B5']);
    expect(run.i1Violations).toBe(1);
  });

  it('dedicated: every A leaves before any B, no violation', () => {
    const d = deploy(q, { kind: 'sppifo', queues: 2, maxRank: 19 });
    expect(d.degraded).toEqual([]);
    const run = runSpPifo(q, d, 2, arrivals);
    expect(run.order).toEqual(['A5', 'A3', 'B5', 'B2']);
    expect(run.i1Violations).toBe(0);
  });
});
