/**
 * [Quadrant]'s autoscaler as a built-in controller: its rules by hand (Δr
 * and its floor, α/β admission with the load cap, the batch rule, failure
 * detection), and end to end: a step in load makes it add exactly the cores
 * the rule needs, a failed NF makes it move the chain's flows and reclaim
 * the core, and no packet is lost or doubled on the way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTROLLER_KINDS } from '../../src/control/builtin/index.js';
import { admissionTarget, DELTA_FLOOR, LOAD_CAP, looksFailed, migrationRate, quadrant, type ChainState } from '../../src/control/builtin/quadrant.js';
import { runScenario } from '../../src/engine/run.js';
import type { ControlAction, Telemetry } from '../../src/engine/telemetry.js';
import { NF_KINDS } from '../../src/nf/catalog.js';
import { quadrantBatch } from '../../src/sched/batch-rule.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { ConfigError } from '../../src/util/config-check.js';
import { tappedSeqIds } from '../engine/helpers.js';

describe('the rules, by hand', () => {
  it('Δr = r·(t − αT)/t·(r_max/r − 1); 0 at or below αT', () => {
    // r = 1 Mpps of r_max = 2 Mpps, t = 100 us against T = 100 us, α = 0.5: 1e6 × 0.5 × 1.
    expect(migrationRate(1e6, 2e6, 100, 100, 0.5)).toBeCloseTo(5e5, 6);
    expect(migrationRate(1e6, 2e6, 50, 100, 0.5)).toBe(0);
    expect(migrationRate(1e6, 2e6, 40, 100, 0.5)).toBe(0);
  });

  it('the rate-adapting term is floored at 0.25 once r ≥ 0.8 r_max', () => {
    // r = 1.7 of 2: r_max/r − 1 = 0.176 < 0.25, so 1.7e6 × 0.5 × 0.25.
    expect(DELTA_FLOOR).toBe(0.25);
    expect(migrationRate(1.7e6, 2e6, 100, 100, 0.5)).toBeCloseTo(1.7e6 * 0.5 * 0.25, 6);
    // Below 0.8 r_max the term is not floored: r = 1.5 of 2 gives 1/3.
    expect(migrationRate(1.5e6, 2e6, 100, 100, 0.5)).toBeCloseTo(1.5e6 * 0.5 * (2 / 1.5 - 1), 6);
  });

  it('admission: the most loaded chain below αT that stays under the 90 % cap', () => {
    const chains: ChainState[] = [
      { name: 'a', latencyUs: 10, rate: 0.5e6, rMax: 1e6, flows: 5 },
      { name: 'b', latencyUs: 10, rate: 0.8e6, rMax: 1e6, flows: 8 },
      { name: 'c', latencyUs: 80, rate: 0.1e6, rMax: 1e6, flows: 1 },
    ];
    expect(LOAD_CAP).toBe(0.9);
    expect(admissionTarget(chains, 0.05e6, 100, 0.5, LOAD_CAP)).toBe('b');
    expect(admissionTarget(chains, 0.15e6, 100, 0.5, LOAD_CAP)).toBe('a');
    expect(admissionTarget(chains, 0.5e6, 100, 0.5, LOAD_CAP)).toBeNull();
    expect(admissionTarget(chains, 0.05e6, 100, 0.5, LOAD_CAP, 'b')).toBe('a');
  });

  it('batch rule: the smallest B within 1 + p of the switch-free rate, ⌈N·C / (p·ΣS)⌉', () => {
    expect(quadrantBatch(1000, 3, 2000, 0.05, 1024)).toBe(120);
    expect(quadrantBatch(1000, 3, 2000, 0.05, 64)).toBe(64);
    expect(quadrantBatch(1e6, 1, 10, 0.5, 1024)).toBe(1);
  });

  it('failure: the delivered counter stood still while packets came', () => {
    expect(looksFailed(0, 12)).toBe(true);
    expect(looksFailed(3, 12)).toBe(false);
    expect(looksFailed(0, 0)).toBe(false);
  });

  it('its fields are checked with paths', () => {
    const s = (controller: Record<string, unknown>) => validateScenario({ ...scenarioRaw(), controller }, { kinds: NF_KINDS, controllerKinds: CONTROLLER_KINDS, baseDir: null });
    expect(() => s({ kind: 'quadrant', slo: '20us', alpha: 0.9, beta: 0.5 })).toThrow(/controller\.beta: got 0\.5, expected a threshold above alpha/);
    expect(() => s({ kind: 'quadrant' })).toThrow(/controller\.slo/);
    expect(() => s({ kind: 'quadrant', slo: '20us', pools: [] })).toThrow(/controller\.pools: .*unknown field/);
    expect(() => s({ kind: 'quadrant', slo: 'soon' })).toThrow(ConfigError);
    expect(quadrant.name).toBe('quadrant');
  });
});

/**
 * Four cores, one chain each (a synthetic NF of 1000 cycles a packet: 2.6
 * Mpps at 2.6 GHz); c0 runs, c1..c3 wait detached (the pool). 64 flows at 2
 * Mpps, stepping to 5 Mpps at 1 ms. SLO 20 us, α = 0.5, β = 0.8.
 */
function scenarioRaw(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const n = 4;
  return {
    name: 'quadrant', seed: 1, duration: '4ms', controlPeriod: '0.25ms',
    machine: { hz: 2.6e9, cores: n },
    ports: [{ name: 'eth0', lineRate: '100Gbps', rxQueues: n, traffic: { flows: 64, frameSize: 64, rate: '2Mpps', profile: { step: [{ at: '1ms', factor: 2.5 }] }, slo: { latency: { percentile: 99, bound: '40us' } } } }],
    modules: Array.from({ length: n }, (_, i) => ({ name: `m${i}`, kind: 'synthetic', config: { cyclesPerPacket: 1000 } })),
    edges: Array.from({ length: n }, (_, i) => [{ from: `eth0.rx${i}`, to: `m${i}` }, { from: `m${i}`, to: 'eth0.tx' }]).flat(),
    tasks: Array.from({ length: n }, (_, i) => ({ root: `eth0.rx${i}`, core: i, chain: `c${i}`, detached: i > 0 })),
    controller: { kind: 'quadrant', slo: '20us', alpha: 0.5, beta: 0.8 },
    ...extra,
  };
}

function load(raw: Record<string, unknown>) {
  return validateScenario(raw, { kinds: NF_KINDS, controllerKinds: CONTROLLER_KINDS, baseDir: null });
}

/** The built-in controller of `s`, wrapped to keep what it saw and answered. */
function watched(s: ReturnType<typeof load>, seen: { t: Telemetry; actions: ControlAction[] }[]) {
  const inner = quadrant.create(s, s.controller!.builtin!.params as never);
  return async (t: Telemetry) => {
    const actions = await inner(t);
    seen.push({ t, actions });
    return actions;
  };
}

describe('end to end', () => {
  it('a step from 2 to 5 Mpps: at the first control point after it, it sheds the flows Δr and the 90 % cap call for into the chains that take them, and then sheds more while c0 drains', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-quadrant-'));
    try {
      const tap = join(dir, 'out.pcap');
      const s = load(scenarioRaw({ taps: [{ at: 'eth0.tx', file: tap }] }));
      const seen: { t: Telemetry; actions: ControlAction[] }[] = [];
      const one = (await runScenario(s, { threads: 1, controller: watched(s, seen) })).record;
      const two = (await runScenario(s, { threads: 2, controller: watched(s, []) })).record;
      expect(JSON.stringify(two)).toBe(JSON.stringify(one));
      const tot = one.totals;
      expect(tot.generated).toBe(tot.delivered + tot.dropped + tot.inFlight);
      const seq = tappedSeqIds(tap);
      expect(seq.distinct).toBe(seq.frames);
      expect(seq.frames).toBe(tot.delivered);

      // Before the step: one core, within the SLO, no migration.
      const pts = one.series!.points;
      expect(pts.slice(0, 4).map((p) => p.coresInUse)).toEqual([1, 1, 1, 1]);
      // The first control point after the step: recompute its decision from what it was told.
      const k = seen.findIndex((x) => x.actions.some((a) => a.type === 'scaleOut'));
      const { t, actions } = seen[k]!;
      const task = t.cores[0]!.tasks[0]!;
      const prev = seen[k - 1]!.t.cores[0]!.tasks[0]!;
      const period = t.period.endSeconds - t.period.startSeconds;
      const r = (task.packets - prev.packets) / period;
      const rMax = 2.6e9 / ((task.busyCycles - prev.busyCycles) / (task.packets - prev.packets));
      const latencyUs = (2 * task.batchCyclesP99! / 2.6e9) * 1e6;
      // Each flow carries the group's offered rate over its 64 flows; c0 holds all of them.
      const perFlow = t.period.groups[0]!.offeredPps / 64;
      const byDelta = latencyUs > 0.8 * 20 ? Math.ceil(migrationRate(r, rMax, latencyUs, 20, 0.5) / perFlow) : 0;
      const byLoad = Math.ceil((64 * perFlow - LOAD_CAP * rMax) / perFlow);
      const shed = Math.min(63, Math.max(byDelta, byLoad));
      expect(byLoad).toBeGreaterThan(0);
      // Each chain from the pool takes what keeps it under the cap, in pool order.
      const room = Math.floor((LOAD_CAP * rMax) / perFlow);
      const outs = Array.from({ length: Math.ceil(shed / room) }, (_, i) => ({ type: 'scaleOut', chain: `c${i + 1}` }));
      expect(actions.filter((a) => a.type === 'scaleOut')).toEqual(outs);
      expect(actions.filter((a) => a.type === 'moveFlow')).toHaveLength(shed);
      // 5 Mpps over chains of 2.6 Mpps each held under 90 % needs ⌈5 / 2.34⌉ = 3 cores. The rule takes one more: while c0
      // drains the backlog the step left, its batches stay full, its latency estimate (2 × p99 batch time = 24.6 us) stays
      // above βT = 16 us, and Δr keeps shedding its flows until the pool's next chain is needed.
      expect(pts[4]!.coresInUse).toBe(1);
      expect(pts[5]!.coresInUse).toBe(3);
      expect(pts[pts.length - 1]!.coresInUse).toBe(4);
      expect(Math.max(...pts.map((p) => p.coresInUse))).toBe(4);
      expect(pts[pts.length - 1]!.sloOk).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failed NF: its chain stops delivering, its flows move, its core is reclaimed', async () => {
    // 2 Mpps throughout, which c0 alone carries; its NF m0 fails at 1 ms.
    const s = load(scenarioRaw({
      ports: [{ name: 'eth0', lineRate: '100Gbps', rxQueues: 4, traffic: { flows: 64, frameSize: 64, rate: '2Mpps' } }],
      events: [{ at: '1ms', kind: 'nf-fail', module: 'm0' }],
    }));
    const one = (await runScenario(s, { threads: 1, controller: quadrant.create(s, s.controller!.builtin!.params as never) })).record;
    const pts = one.series!.points;
    const failedAt = pts.findIndex((p) => p.actions.some((a) => a['type'] === 'scaleOut'));
    // Detected at the first control point after the failure (1.25 ms: period 4), all 64 flows moved to c1.
    expect(failedAt).toBe(4);
    expect(pts[4]!.actions.filter((a) => a['type'] === 'moveFlow')).toHaveLength(64);
    expect(pts[4]!.actions.some((a) => a['type'] === 'scaleIn' && a['chain'] === 'c0')).toBe(true);
    // After the drain, c0 is detached: one core in use again, and c1 delivers everything.
    expect(pts[pts.length - 1]!.coresInUse).toBe(1);
    expect(pts[pts.length - 1]!.drops).toEqual({});
    expect(one.totals.dropsByReason['nf_failed']).toBeGreaterThan(0);
    expect(one.totals.conserved).toBe(true);
  });

  it('a pool of one: the next chain is cold and comes in use only after its cold start', async () => {
    const s = load(scenarioRaw({ controller: { kind: 'quadrant', slo: '20us', alpha: 0.5, beta: 0.8, pool: ['c1'], coldStart: '0.6ms' } }));
    const pts = (await runScenario(s, { threads: 1, controller: quadrant.create(s, s.controller!.builtin!.params as never) })).record.series!.points;
    const outs = pts.flatMap((p) => p.actions.filter((a) => a['type'] === 'scaleOut').map((a) => ({ at: p.endSeconds * 1e3, chain: a['chain'] })));
    // c1 (the pool) at the first control point after the step (1.25 ms); c2 is started then, ready 0.6 ms later, used at the first control point after.
    expect(outs[0]).toEqual({ at: 1.25, chain: 'c1' });
    const c2 = outs.find((o) => o.chain === 'c2')!;
    expect(c2.at).toBeGreaterThanOrEqual(1.25 + 0.6);
    expect(c2.at).toBeLessThan(1.25 + 0.6 + 0.25 + 1e-9);
  });

  it('batchOverhead sets each chain\'s batch by the rule from its measured cycles a packet', async () => {
    // Two tasks of one core under coop with a 2000-cycle switch: ⌈2 × 2000 / (0.1 × 1000)⌉ = 40 (each NF 500 cycles a packet).
    const raw = scenarioRaw({
      modules: [{ name: 'a', kind: 'synthetic', config: { cyclesPerPacket: 500 } }, { name: 'q', kind: 'queue', config: { size: 512, whenFull: 'drop' } }, { name: 'b', kind: 'synthetic', config: { cyclesPerPacket: 500 } }],
      edges: [{ from: 'eth0.rx0', to: 'a' }, { from: 'a', to: 'q' }, { from: 'q', to: 'b' }, { from: 'b', to: 'eth0.tx' }],
      ports: [{ name: 'eth0', lineRate: '100Gbps', traffic: { flows: 8, frameSize: 64, rate: '1Mpps' } }],
      tasks: [{ name: 'c0.a', root: 'eth0.rx0', core: 0, chain: 'c0', process: 'pa' }, { name: 'c0.b', root: 'q', core: 0, chain: 'c0', process: 'pb' }],
      schedulers: [{ cores: 0, policy: 'coop', switchCycles: 2000 }],
      controller: { kind: 'quadrant', slo: '200us', batchOverhead: 0.1 },
    });
    const s = load(raw);
    const pts = (await runScenario(s, { threads: 1, controller: quadrant.create(s, s.controller!.builtin!.params as never) })).record.series!.points;
    const batches = pts[pts.length - 1]!.tasks.map((t) => t.batch);
    expect(batches).toEqual([40, 40]);
    expect(pts.some((p) => p.actions.some((a) => a['type'] === 'setBatch'))).toBe(true);
  });

  it('with churn, new flows are admitted to the chain the rule picks, as a switch assigns them', async () => {
    // 2 Mpps fits c0 throughout; flows live 0.5 ms, so new ones keep starting: they go where admission says (c0, the only chain in use).
    const s = load(scenarioRaw({
      ports: [{ name: 'eth0', lineRate: '100Gbps', rxQueues: 4, traffic: { flows: 64, frameSize: 64, rate: '2Mpps', churn: { lifetime: '0.5ms', distribution: 'fixed' } } }],
    }));
    const r = (await runScenario(s, { threads: 1, controller: quadrant.create(s, s.controller!.builtin!.params as never) })).record;
    const pts = r.series!.points;
    // Told once, at the first control point; not again while the choice holds.
    expect(pts.flatMap((p) => p.actions.filter((a) => a['type'] === 'admit'))).toEqual([{ type: 'admit', group: 'eth0', to: 'c0' }]);
    // Without admission the new flows would follow RSS over the port's queues (only c0's is in the table, so there too); every packet reaches c0.
    expect(r.tasks.find((t) => t.name === 'eth0.rx0@0')!.packets).toBe(r.totals.generated - r.totals.inFlight);
    expect(r.totals.dropped).toBe(0);
  });
});
