/**
 * The CPU scheduling strategies on their own: pick orders, shares, slices and
 * wake-up preemption, driven the way the core drives them.
 */
import { describe, expect, it } from 'vitest';
import {
  cfsSliceSeconds, createScheduler, defaultPolicyParams, niceWeight, type EntityParams, type PolicyName,
} from '../../src/sched/policy.js';

const HZ = 1e9;
const ent = (over: Partial<EntityParams> = {}): EntityParams => ({ weight: 1, priority: 0, nice: 0, ...over });

/** Run `steps` picks with every entity always runnable, each run costing cost(e) cycles. */
function schedule(policy: PolicyName, params: EntityParams[], steps: number, cost: (e: number) => number = () => 1000): number[] {
  const s = createScheduler(policy, params, defaultPolicyParams(HZ));
  const runnable = new Uint8Array(params.length).fill(1);
  params.forEach((_, e) => s.wake(e, 0));
  const order: number[] = [];
  let cur = -1;
  for (let i = 0; i < steps; i++) {
    const e = s.pick(runnable, cur);
    if (e !== cur) s.switchedIn(e);
    s.charge(e, cost(e));
    if (s.sliceLeft(e) <= 0) s.sliceExpired(e);
    order.push(e);
    cur = e;
  }
  return order;
}

describe('stride scheduling (wfq)', () => {
  it('tickets 4:2:1 with equal-cost runs: every prefix within one quantum of the 4:2:1 shares', () => {
    const order = schedule('wfq', [ent({ weight: 4 }), ent({ weight: 2 }), ent({ weight: 1 })], 140);
    const counts = [0, 0, 0];
    const share = [4 / 7, 2 / 7, 1 / 7];
    order.forEach((e, k) => {
      counts[e]!++;
      for (let i = 0; i < 3; i++) expect(Math.abs(counts[i]! - (k + 1) * share[i]!)).toBeLessThanOrEqual(1);
    });
    // The classic stride order for one period of 7 (ties by index).
    expect(order.slice(0, 7)).toEqual([0, 1, 2, 0, 0, 1, 0]);
    expect(counts).toEqual([80, 40, 20]);
  });

  it('shares follow cycles, not runs: weights 5:2 with unequal run costs give 5:2 of the cycles', () => {
    const cost = (e: number) => (e === 0 ? 700 : 1900);
    const order = schedule('wfq', [ent({ weight: 5 }), ent({ weight: 2 })], 20000, cost);
    const cycles = [0, 0];
    for (const e of order) cycles[e]! += cost(e);
    expect(cycles[0]! / cycles[1]!).toBeCloseTo(2.5, 2);
  });

  it('a sleeper does not bank credit: it rejoins at the current pass', () => {
    const s = createScheduler('wfq', [ent(), ent()], defaultPolicyParams(HZ));
    const runnable = Uint8Array.of(1, 0);
    s.wake(0, 0);
    for (let i = 0; i < 100; i++) { expect(s.pick(runnable, 0)).toBe(0); s.charge(0, 1000); }
    // Entity 1 wakes after entity 0 ran alone for 100 runs: it must not now run 100 times in a row.
    runnable[1] = 1;
    s.wake(1, 0);
    const next: number[] = [];
    for (let i = 0; i < 6; i++) { const e = s.pick(runnable, -1); s.charge(e, 1000); next.push(e); }
    expect(next.filter((e) => e === 1).length).toBe(3);
  });

  it('setWeight changes the shares from the next pick on', () => {
    const s = createScheduler('wfq', [ent(), ent()], defaultPolicyParams(HZ));
    const runnable = Uint8Array.of(1, 1);
    s.wake(0, 0); s.wake(1, 0);
    s.setWeight(0, 3);
    const counts = [0, 0];
    for (let i = 0; i < 400; i++) { const e = s.pick(runnable, -1); s.charge(e, 10); counts[e]!++; }
    expect(counts).toEqual([300, 100]);
  });
});

describe('round robin, cooperative FIFO and strict priority', () => {
  it('coop never runs an NF out of chain order: each pick is the next runnable one after the last, cyclically', () => {
    const s = createScheduler('coop', [ent(), ent(), ent(), ent()], defaultPolicyParams(HZ));
    let seed = 12345;
    const rnd = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 2 ** 32; };
    let last = -1;
    for (let i = 0; i < 2000; i++) {
      const runnable = Uint8Array.from({ length: 4 }, () => (rnd() < 0.5 ? 1 : 0));
      const e = s.pick(runnable, last);
      if (!runnable.some((r) => r === 1)) { expect(e).toBe(-1); continue; }
      let expected = -1;
      for (let k = 1; k <= 4; k++) { const c = (last + k + 4) % 4; if (runnable[c]) { expected = c; break; } }
      expect(e).toBe(expected);
      last = e;
    }
  });

  it('strict priority runs the highest priority with work, round robin among equals', () => {
    const order = schedule('prio', [ent({ priority: 1 }), ent({ priority: 5 }), ent({ priority: 5 })], 6);
    expect(order).toEqual([1, 2, 1, 2, 1, 2]);
  });
});

describe('Linux CFS model', () => {
  it('slices from nice as [SCC] states them', () => {
    expect(cfsSliceSeconds(0)).toBeCloseTo(0.1, 12);     // P = 120: (140-120) * 5 ms
    expect(cfsSliceSeconds(19)).toBeCloseTo(0.005, 12);  // P = 139: 1 * 5 ms
    expect(cfsSliceSeconds(-1)).toBeCloseTo(0.42, 12);   // P = 119: 21 * 20 ms
    expect(cfsSliceSeconds(-20)).toBeCloseTo(0.8, 12);   // P = 100: 40 * 20 ms
  });

  it('nice weights: each step is a factor 1.25, nice 0 = 1024', () => {
    expect(niceWeight(0)).toBe(1024);
    expect(niceWeight(-1) / niceWeight(0)).toBeCloseTo(1.25, 12);
    expect(niceWeight(5) / niceWeight(6)).toBeCloseTo(1.25, 12);
  });

  it('the running entity keeps the CPU until its slice is used, then the least vruntime runs', () => {
    // nice 19: 5 ms slices = 5e6 cycles at 1 GHz; runs of 1e6 cycles.
    const order = schedule('cfs', [ent({ nice: 19 }), ent({ nice: 19 })], 20, () => 1e6);
    expect(order).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
  });

  it('CPU time follows the nice weights over a long run', () => {
    const order = schedule('cfs', [ent({ nice: 0 }), ent({ nice: 5 })], 4000, () => 1e6);
    const n0 = order.filter((e) => e === 0).length;
    // Whole slices (100 ms and 75 ms) quantise the split: within 3 % of the weight ratio.
    expect(Math.abs(n0 / (order.length - n0) / (niceWeight(0) / niceWeight(5)) - 1)).toBeLessThan(0.03);
  });

  it('wake-up preemption: a sleeper far behind preempts; a recent sleeper does not; batch CFS never does', () => {
    const pp = defaultPolicyParams(HZ); // granularity 1 ms = 1e6 cycles, sleeper credit 3 ms
    for (const policy of ['cfs', 'cfs-batch'] as const) {
      const s = createScheduler(policy, [ent(), ent(), ent()], pp);
      s.wake(0, 0); s.wake(1, 0);
      s.switchedIn(0);
      s.charge(0, 10e6); // entity 0 ran 10 ms; entity 1 is runnable with vruntime 0, entity 2 sleeps
      s.charge(1, 9.5e6);
      // min vruntime is now 9.5e6; entity 2 wakes with vruntime max(0, 9.5e6 - 3e6) = 6.5e6.
      s.wake(2, 0);
      expect(s.preemptsOnWake(2, 0)).toBe(policy === 'cfs'); // 10e6 - 6.5e6 > 1e6
      expect(s.preemptsOnWake(1, 0)).toBe(false);             // 10e6 - 9.5e6 < 1e6
      // ... but entity 0's vruntime grows while it runs: any wake-up may end up
      // preempting it, so the core must stop the run at every one (CFS only).
      expect(s.mayPreemptOnWake(1, 0)).toBe(policy === 'cfs');
    }
  });
});

describe('Linux RT models', () => {
  it('RT FIFO: equal priorities never preempt, a higher one does; the runner keeps the CPU until it blocks', () => {
    const s = createScheduler('rt-fifo', [ent({ priority: 10 }), ent({ priority: 10 }), ent({ priority: 20 })], defaultPolicyParams(HZ));
    const runnable = Uint8Array.of(1, 1, 0);
    s.wake(0, 0); s.wake(1, 0);
    expect(s.pick(runnable, -1)).toBe(0);
    for (let i = 0; i < 10; i++) { s.charge(0, 1e9); expect(s.pick(runnable, 0)).toBe(0); }
    expect(s.sliceLeft(0)).toBe(Infinity);
    expect(s.preemptsOnWake(1, 0)).toBe(false);
    expect(s.preemptsOnWake(2, 0)).toBe(true);
    runnable[0] = 0; s.block(0);
    expect(s.pick(runnable, 0)).toBe(1);
  });

  it('RT RR: after its slice the runner goes behind an equal priority', () => {
    const pp = { ...defaultPolicyParams(HZ), rrSliceCycles: 3e6 };
    const s = createScheduler('rt-rr', [ent({ priority: 1 }), ent({ priority: 1 })], pp);
    const runnable = Uint8Array.of(1, 1);
    s.wake(0, 0); s.wake(1, 0);
    const order: number[] = [];
    let cur = -1;
    for (let i = 0; i < 9; i++) {
      const e = s.pick(runnable, cur);
      if (e !== cur) s.switchedIn(e);
      s.charge(e, 1e6);
      if (s.sliceLeft(e) <= 0) s.sliceExpired(e);
      order.push(e);
      cur = e;
    }
    expect(order).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0]);
  });
});
