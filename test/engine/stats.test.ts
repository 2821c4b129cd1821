import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/graph/plan.js';
import { ActorStats, snapshotStats } from '../../src/engine/stats.js';

// Only the fields ActorStats reads.
const plan = {
  reasons: ['a', 'b'],
  modules: [{ kind: 'sink' }, { kind: 'acl' }],
  tasks: [{}],
  inputs: [{}],
  ports: [{}],
} as unknown as Plan;

describe('ActorStats', () => {
  it('keeps the per-flow counters and histograms of its role only', () => {
    const nic = new ActorStats(plan, 100, 'nic');
    expect([nic.flowGenerated.length, nic.flowDelivered.length, nic.flowDropped.length]).toEqual([100, 0, 100]);
    expect(nic.latency).toBeNull();
    expect(nic.sinkLatency).toEqual([null, null]);
    const core = new ActorStats(plan, 100, 'core');
    expect([core.flowGenerated.length, core.flowDelivered.length, core.flowDropped.length]).toEqual([0, 100, 100]);
    expect(core.latency).not.toBeNull();
    expect(core.sinkLatency[0]).not.toBeNull();
    expect(core.sinkLatency[1]).toBeNull();
    const idle = new ActorStats(plan, 100, 'none');
    expect([idle.flowGenerated.length, idle.flowDelivered.length, idle.flowDropped.length]).toEqual([0, 0, 0]);
    expect(idle.latency).toBeNull();
  });

  it('snapshots send all-zero arrays and empty histograms as empty', () => {
    const core = new ActorStats(plan, 4, 'core');
    core.flowDelivered[2] = 3;
    core.dropsByReason[1] = 1;
    core.busyCycles = 7;
    const snap = snapshotStats(core);
    expect(Array.from(snap.flowDelivered)).toEqual([0, 0, 3, 0]);
    expect(Array.from(snap.dropsByReason)).toEqual([0, 1]);
    expect(snap.flowDropped.length).toBe(0);
    expect(snap.modulePackets.length).toBe(0);
    expect(snap.latency).toBeNull();
    expect(snap.sinkLatency).toEqual([]);
    expect(snap.busyCycles).toBe(7);
    core.latency!.record(100);
    core.sinkLatency[0]!.record(50);
    const snap2 = snapshotStats(core);
    expect(snap2.latency?.count).toBe(1);
    expect(snap2.sinkLatency[0]?.count).toBe(1);
    expect(snap2.sinkLatency[1]).toBeNull();
  });
});
