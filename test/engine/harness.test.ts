/**
 * The load-testing harness in the engine: flow groups with their own rates
 * and SLOs, churn and elephants, the control actions that move traffic
 * (steer, moveFlow, scaleIn / scaleOut, rateLimit) and set knobs
 * (setPriority), faults of the control channel, actuation delay, and the
 * per-period series. Every case checks conservation and that threads do not
 * change the record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario, type RunOptions } from '../../src/engine/run.js';
import type { ControlAction, Controller, Telemetry } from '../../src/engine/telemetry.js';
import type { ResultRecord } from '../../src/metrics/record.js';
import { ConfigError } from '../../src/util/config-check.js';
import { scenario, tappedSeqIds } from './helpers.js';

/**
 * eth0 (2 RX queues, RSS) -> chain c0 (core 0) or c1 (core 1), each one
 * macswap of 100 cycles a packet -> eth0.tx. Two flow groups: gold (1 Mpps)
 * and bronze (2 Mpps), 32 flows each; far below what a core takes (26 Mpps).
 */
function twoInstances(extra: Record<string, unknown> = {}, traffic: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'harness',
    seed: 3,
    duration: '2ms',
    controlPeriod: '0.25ms',
    machine: { hz: 2.6e9, cores: 2 },
    ports: [{
      name: 'eth0', lineRate: '10Gbps', rxQueues: 2,
      traffic: {
        frameSize: 64,
        groups: [
          { name: 'gold', flows: 32, rate: '1Mpps', slo: { latency: { percentile: 99, bound: '20us' }, loss: 0 } },
          { name: 'bronze', flows: 32, rate: '2Mpps' },
        ],
        ...traffic,
      },
    }],
    modules: [
      { name: 'm0', kind: 'macswap', config: { cyclesPerPacket: 100 } },
      { name: 'm1', kind: 'macswap', config: { cyclesPerPacket: 100 } },
    ],
    edges: [{ from: 'eth0.rx0', to: 'm0' }, { from: 'eth0.rx1', to: 'm1' }, { from: 'm0', to: 'eth0.tx' }, { from: 'm1', to: 'eth0.tx' }],
    tasks: [{ root: 'eth0.rx0', core: 0, chain: 'c0' }, { root: 'eth0.rx1', core: 1, chain: 'c1' }],
    ...extra,
  };
}

/** A controller that plays a script: actions by control point. */
function script(byEpoch: Record<number, ControlAction[]>, seen: Telemetry[] = []): Controller {
  return (t) => {
    seen.push(t);
    return byEpoch[t.epoch] ?? [];
  };
}

/** Runs on 1 and 2 threads (a fresh controller each), checks they agree and that packets are conserved. */
async function runBoth(raw: Record<string, unknown>, controller: () => Controller | undefined, opts: RunOptions = {}): Promise<ResultRecord> {
  const s = scenario(raw);
  const c1 = controller();
  const one = (await runScenario(s, { ...opts, threads: 1, ...(c1 ? { controller: c1 } : {}) })).record;
  const c2 = controller();
  const two = (await runScenario(s, { ...opts, threads: 2, ...(c2 ? { controller: c2 } : {}) })).record;
  expect(JSON.stringify(two)).toBe(JSON.stringify(one));
  const t = one.totals;
  expect(t.generated).toBe(t.delivered + t.dropped + t.inFlight);
  return one;
}

const taskPackets = (r: ResultRecord, epoch: number, task: string) => r.series!.points[epoch]!.tasks.find((t) => t.name === task)!.packets;

describe('flow groups', () => {
  it('each group offers its own rate, and the series reports it per period', async () => {
    const r = await runBoth(twoInstances(), () => undefined);
    const s = r.series!;
    expect(s.meta.groups.map((g) => g.name)).toEqual(['gold', 'bronze']);
    expect(s.points).toHaveLength(8);
    for (const p of s.points) {
      const gold = p.groups.find((g) => g.group === 'gold')!;
      const bronze = p.groups.find((g) => g.group === 'bronze')!;
      // 1 Mpps x 0.25 ms = 250 frames a period, 2 Mpps: 500 (constant arrivals: exact to a frame).
      expect(Math.abs(gold.offeredPps * 0.25e-3 - 250)).toBeLessThanOrEqual(1);
      expect(Math.abs(bronze.offeredPps * 0.25e-3 - 500)).toBeLessThanOrEqual(1);
      expect(gold.slo!.ok).toBe(true);
      expect(bronze.slo).toBeNull();
      expect(p.coresInUse).toBe(2);
    }
    expect(r.totals.generated).toBe(6000);
    expect(s.score.withinSlo).toBe(1);
    expect(s.score.coreSeconds).toBeCloseTo(2 * 2e-3, 12);
  });

  it('a group without a name, or two groups with one name, are refused with the path', () => {
    const raw = twoInstances();
    const bad = structuredClone(raw) as { ports: { traffic: { groups: Record<string, unknown>[] } }[] };
    bad.ports[0]!.traffic.groups[1]!['name'] = 'gold';
    expect(() => scenario(bad as never)).toThrow(/ports\[0\]\.traffic\.groups\[1\]\.name/);
    const slo = structuredClone(raw) as { ports: { traffic: { groups: Record<string, unknown>[] } }[] };
    slo.ports[0]!.traffic.groups[0]!['slo'] = { latency: { percentile: 120, bound: '1us' } };
    expect(() => scenario(slo as never)).toThrow(ConfigError);
  });

  it('elephants: 25 % of the flows carry exactly 75 % of the frames', async () => {
    const raw = twoInstances({}, {});
    (raw['ports'] as { traffic: unknown }[])[0]!.traffic = { frameSize: 64, flows: 40, rate: '4Mpps', elephants: { flows: '25%', traffic: '75%' } };
    const r = await runBoth(raw, () => undefined);
    const list = r.flows.list!;
    const elephants = list.slice(0, 10).reduce((n, f) => n + f.generated, 0);
    const mice = list.slice(10).reduce((n, f) => n + f.generated, 0);
    expect(elephants + mice).toBe(8000);
    expect(elephants).toBe(6000);
  });

  it('churn: flows end after their lifetime and new ones take their place', async () => {
    const raw = twoInstances();
    (raw['ports'] as { traffic: unknown }[])[0]!.traffic = { frameSize: 64, flows: 16, rate: '4Mpps', churn: { lifetime: '0.5ms', distribution: 'fixed' } };
    const r = await runBoth(raw, () => undefined);
    const used = r.flows.list!.filter((f) => f.generated > 0).length;
    // 16 flows renewed every 0.5 ms over 2 ms: each slot holds 4 or 5 flows in turn (its first flow is part-way through its life).
    expect(used).toBeGreaterThanOrEqual(16 * 4);
    expect(used).toBeLessThanOrEqual(16 * 5);
    expect(r.totals.generated).toBe(8000);
  });
});

describe('actions that move traffic', () => {
  it('steer sends a group to one instance from the next period on; what was queued stays', async () => {
    const r = await runBoth(twoInstances(), () => script({ 1: [{ type: 'steer', group: 'gold', to: 'c1' }, { type: 'steer', group: 'bronze', to: 'c1' }], 4: [{ type: 'steer', group: 'gold' }, { type: 'steer', group: 'bronze' }] }));
    expect(r.totals.dropped).toBe(0);
    // Periods 2..4 (0.5 .. 1.25 ms): everything on c1; back to RSS after the control point of period 4.
    for (const e of [3, 4]) expect(taskPackets(r, e, 'eth0.rx0@0')).toBe(0);
    expect(taskPackets(r, 6, 'eth0.rx0@0')).toBeGreaterThan(0);
    expect(taskPackets(r, 0, 'eth0.rx0@0')).toBeGreaterThan(0);
    expect(r.series!.points[1]!.actions).toHaveLength(2);
  });

  it('scaleIn drains the chain, then detaches it; scaleOut brings it back', async () => {
    const r = await runBoth(twoInstances(), () => script({ 1: [{ type: 'scaleIn', chain: 'c0' }], 5: [{ type: 'scaleOut', chain: 'c0' }] }));
    expect(r.totals.dropped).toBe(0);
    const pts = r.series!.points;
    // Detached automatically at the first control point where its queue was empty.
    const detachedAt = pts.findIndex((p) => p.actions.some((a) => a['type'] === 'detach'));
    expect(detachedAt).toBeGreaterThan(1);
    expect(detachedAt).toBeLessThan(5);
    expect(pts[detachedAt + 1]!.coresInUse).toBe(1);
    expect(taskPackets(r, 4, 'eth0.rx0@0')).toBe(0);
    expect(pts[6]!.coresInUse).toBe(2);
    expect(taskPackets(r, 7, 'eth0.rx0@0')).toBeGreaterThan(0);
    // Core-seconds: 2 cores but for the periods c0 spent detached.
    const off = pts.filter((p) => p.coresInUse === 1).length;
    expect(r.series!.score.coreSeconds).toBeCloseTo((2 * 8 - off) * 0.25e-3, 12);
  });

  it('moveFlow pins one flow; a bad flow id or chain is refused with the control point', async () => {
    const seen: Telemetry[] = [];
    const r = await runBoth(twoInstances(), () => script({ 0: [{ type: 'moveFlow', flow: 0, to: 'c0' }, { type: 'moveFlow', flow: 1, to: 'c0' }] }, seen));
    expect(r.flows.list![0]!.delivered).toBe(r.flows.list![0]!.generated);
    await expect(runScenario(scenario(twoInstances()), { controller: script({ 0: [{ type: 'moveFlow', flow: 99999, to: 'c0' }] }) })).rejects.toThrow(/control point 0: action 0 .*flow must be a flow id/);
    await expect(runScenario(scenario(twoInstances()), { controller: script({ 0: [{ type: 'steer', group: 'gold', to: 'nope' }] }) })).rejects.toThrow(/to must name a chain that reads one RX queue of port eth0 \(c0, c1\)/);
  });

  it('admit pins each new flow of a group to an instance as churn starts it; running flows stay where they are', async () => {
    const raw = twoInstances();
    (raw['ports'] as { traffic: unknown }[])[0]!.traffic = { frameSize: 64, flows: 16, rate: '2Mpps', churn: { lifetime: '0.25ms', distribution: 'fixed' } };
    const r = await runBoth(raw, () => script({ 1: [{ type: 'admit', group: 'eth0', to: 'c1' }] }));
    expect(r.totals.dropped).toBe(0);
    // Admitted from 0.5 ms: every slot starts a new flow within one lifetime (0.25 ms), so from 0.75 ms on c0 gets nothing.
    expect(taskPackets(r, 1, 'eth0.rx0@0')).toBeGreaterThan(0);
    for (const e of [4, 5, 6, 7]) expect(taskPackets(r, e, 'eth0.rx0@0')).toBe(0);
  });

  it('telemetry reports the p99 of each task\'s batch cycles in the period', async () => {
    const seen: Telemetry[] = [];
    // One core, 3000 cycles a packet, overloaded: every batch is a full 32 packets, 96 000 cycles.
    const raw = { ...twoInstances(), machine: { hz: 2.6e9, cores: 1 }, modules: [{ name: 'm0', kind: 'synthetic', config: { cyclesPerPacket: 3000 } }, { name: 'm1', kind: 'synthetic', config: { cyclesPerPacket: 3000 } }],
      tasks: [{ root: 'eth0.rx0', core: 0, chain: 'c0' }, { root: 'eth0.rx1', core: 0, chain: 'c1' }] };
    await runScenario(scenario(raw), { threads: 1, controller: script({}, seen) });
    const p99 = seen[3]!.cores[0]!.tasks.map((t) => t.batchCyclesP99!);
    for (const v of p99) expect(Math.abs(v - 96_000) / 96_000).toBeLessThan(0.01);
  });

  it('rateLimit polices a group at the ingress: 2 Mpps limited to 1 Mpps drops about half, counted as rate_limited', async () => {
    const r = await runBoth(twoInstances(), () => script({ 3: [{ type: 'rateLimit', group: 'bronze', pps: 1e6, burst: 8 }], 6: [{ type: 'rateLimit', group: 'bronze', pps: null }] }));
    // Limited over periods 4..6 (1 .. 1.75 ms): 0.75 ms x (2 - 1) Mpps = 750 frames, give or take the burst.
    const policed = r.totals.dropsByReason['rate_limited']!;
    expect(policed).toBeGreaterThanOrEqual(750 - 8);
    expect(policed).toBeLessThanOrEqual(750 + 1);
    const p5 = r.series!.points[5]!.groups.find((g) => g.group === 'bronze')!;
    expect(p5.drops['rate_limited']).toBeGreaterThan(240);
    expect(r.series!.points[7]!.groups.find((g) => g.group === 'bronze')!.drops).toEqual({});
  });

  it('through steering, scaling, a pinned flow, detaching, an NF failure and a core outage, each frame leaves once (distinct sequence numbers)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-harness-test-'));
    try {
      const tap = join(dir, 'out.pcap');
      const raw = {
        ...twoInstances({ events: [{ at: '0.3ms', kind: 'nf-fail', module: 'm1' }, { at: '0.45ms', kind: 'nf-recover', module: 'm1' }, { at: '1.3ms', kind: 'core-offline', core: 1 }, { at: '1.45ms', kind: 'core-online', core: 1 }] }),
        taps: [{ at: 'eth0.tx', file: tap }],
      };
      const r = await runBoth(raw, () => script({
        0: [{ type: 'steer', group: 'gold', split: { c0: 1, c1: 3 } }],
        2: [{ type: 'scaleIn', chain: 'c1' }, { type: 'moveFlow', flow: 40, to: 'c0' }],
        4: [{ type: 'scaleOut', chain: 'c1' }, { type: 'detach', chain: 'c0' }],
        5: [{ type: 'attach', chain: 'c0' }],
      }));
      const seq = tappedSeqIds(tap);
      expect(seq.frames).toBe(r.totals.delivered);
      expect(seq.distinct).toBe(seq.frames);
      expect(r.totals.delivered).toBeGreaterThan(5000);
      expect(r.totals.dropsByReason['nf_failed']).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the control channel', () => {
  it('telemetry-loss: the controller is not asked at that control point, and the point says so', async () => {
    const raw = twoInstances({ events: [{ at: '0.6ms', kind: 'telemetry-loss' }] });
    let seen: Telemetry[] = [];
    const r = await runBoth(raw, () => script({}, (seen = [])));
    expect(seen.map((t) => t.epoch)).toEqual([0, 1, 3, 4, 5, 6]);
    expect(r.series!.points[2]!.control).toBe('lost');
    expect(r.series!.score.lost).toBe(1);
  });

  it('telemetry-delay: the controller sees telemetry N control points old (staleBy)', async () => {
    const raw = twoInstances({ events: [{ at: '0.6ms', kind: 'telemetry-delay', periods: 2, for: '0.5ms' }] });
    let seen: Telemetry[] = [];
    await runBoth(raw, () => script({}, (seen = [])));
    const late = seen.filter((t) => t.staleBy > 0);
    expect(late.map((t) => [t.epoch, t.staleBy, t.period.epoch])).toEqual([[2, 2, 0], [3, 2, 1]]);
  });

  it('onMiss: no-action turns a throwing controller into recorded misses; the run completes', async () => {
    const raw = twoInstances({ controller: { onMiss: 'no-action' } });
    const flaky: () => Controller = () => (t) => {
      if (t.epoch === 2) throw new Error('lost my mind');
      if (t.epoch === 3) return [{ type: 'setBatch', task: 'nope', batch: 2 } as ControlAction];
      return [];
    };
    const r = await runBoth(raw, flaky);
    const pts = r.series!.points;
    expect(pts[2]!.control).toBe('miss');
    expect(pts[2]!.missReason).toMatch(/lost my mind/);
    expect(pts[3]!.missReason).toMatch(/task must name a task/);
    expect(r.series!.score.misses).toBe(2);
    // Without it, the same controller fails the run at control point 2.
    await expect(runScenario(scenario(twoInstances()), { controller: flaky() })).rejects.toThrow(/control point 2: lost my mind/);
  });

  it('actuationDelay: an answer takes effect K control points later', async () => {
    const raw = twoInstances({ controller: { actuationDelay: 2 } });
    const r = await runBoth(raw, () => script({ 1: [{ type: 'setBatch', task: 'eth0.rx0@0', batch: 7 }] }));
    // A point shows the knobs of its period; actions taken at its end show from the next one.
    const batch = (rec: ResultRecord, e: number) => rec.series!.points[e]!.tasks.find((t) => t.name === 'eth0.rx0@0')!.batch;
    expect([1, 2, 3, 4].map((e) => batch(r, e))).toEqual([32, 32, 32, 7]);
    expect(r.series!.points[3]!.actions).toEqual([{ type: 'setBatch', task: 'eth0.rx0@0', batch: 7 }]);
    const now = await runBoth(twoInstances(), () => script({ 1: [{ type: 'setBatch', task: 'eth0.rx0@0', batch: 7 }] }));
    expect([1, 2, 3, 4].map((e) => batch(now, e))).toEqual([32, 7, 7, 7]);
  });

  it('setPriority reorders a strict-priority core', async () => {
    // One core, two chains under prio, each offered more than the core can do (~1.5 Mpps a queue, 3000 cycles a packet: 0.87 Mpps): the higher priority takes it all.
    const raw = {
      ...twoInstances(),
      machine: { hz: 2.6e9, cores: 1 },
      modules: [
        { name: 'm0', kind: 'synthetic', config: { cyclesPerPacket: 3000 } },
        { name: 'm1', kind: 'synthetic', config: { cyclesPerPacket: 3000 } },
      ],
      tasks: [{ root: 'eth0.rx0', core: 0, chain: 'c0', priority: 1 }, { root: 'eth0.rx1', core: 0, chain: 'c1' }],
      schedulers: [{ cores: [0], policy: 'prio' }],
    };
    const r = await runBoth(raw, () => script({ 3: [{ type: 'setPriority', task: 'eth0.rx1@0', priority: 5 }] }));
    const share = (e: number) => taskPackets(r, e, 'eth0.rx1@0') / (taskPackets(r, e, 'eth0.rx0@0') + taskPackets(r, e, 'eth0.rx1@0'));
    expect(share(2)).toBeLessThan(0.05);
    expect(share(6)).toBeGreaterThan(0.95);
  });
});
