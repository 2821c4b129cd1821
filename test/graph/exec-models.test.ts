import { describe, expect, it } from 'vitest';
import { coresUsed, layoutChain, LayoutError, modelLabel, type ChainLayout } from '../../src/graph/exec-models.js';
import { buildPlan } from '../../src/graph/plan.js';
import { runScenario } from '../../src/engine/run.js';
import { scenario } from '../engine/helpers.js';

const chain = [
  { name: 'acl', kind: 'synthetic', config: { cyclesPerBatch: 100, cyclesPerPacket: 40 } },
  { name: 'lb', kind: 'synthetic', config: { cyclesPerBatch: 100, cyclesPerPacket: 60 } },
  { name: 'fwd', kind: 'synthetic', config: { cyclesPerBatch: 100, cyclesPerPacket: 30 } },
];
const base = (model: ChainLayout['model']): ChainLayout => ({
  name: 'layout', machine: { hz: 2.6e9, cores: 8 }, chain, model, duration: '0.5ms',
  port: { lineRate: '40Gbps', traffic: { flows: 24, frameSize: 64, rate: 'line' } },
});

describe('execution models', () => {
  it('RTC: one chain instance per core, each polling its own RX queue, no queues', () => {
    const s = scenario(layoutChain(base({ model: 'rtc', cores: 4 })));
    expect(s.ports[0]!.rxQueues).toBe(4);
    expect(s.tasks.map((t) => [t.root.type, t.core])).toEqual([['rx', 0], ['rx', 1], ['rx', 2], ['rx', 3]]);
    expect(s.modules.filter((m) => m.kind === 'queue')).toEqual([]);
    const plan = buildPlan(s);
    // Every task runs the whole chain on its core.
    for (const t of plan.tasks) expect(t.modules.map((m) => plan.modules[m]!.name.split('-')[0])).toEqual(['acl', 'lb', 'fwd']);
    expect(coresUsed({ model: 'rtc', cores: 4 }, 3)).toBe(4);
  });

  it('PL: independent pipelines, one NF per core, queues between consecutive NFs', () => {
    const s = scenario(layoutChain(base({ model: 'pl', pipelines: 2 })));
    expect(s.ports[0]!.rxQueues).toBe(2);
    const plan = buildPlan(s);
    expect(plan.tasks.length).toBe(6);
    // Pipeline 0 on cores 0,1,2 and pipeline 1 on cores 3,4,5, in chain order.
    const byCore = plan.tasks.map((t) => [t.core, plan.modules[t.modules[0]!]!.name]);
    expect(byCore).toEqual([[0, 'acl-0'], [3, 'acl-1'], [1, 'lb-0'], [4, 'lb-1'], [2, 'fwd-0'], [5, 'fwd-1']]);
    // Two rings per pipeline, each from one core to the next.
    const rings = plan.channels.filter((c) => c.producer < plan.cores).map((c) => [c.producer, c.consumerCore]);
    expect(rings.sort()).toEqual([[0, 1], [1, 2], [3, 4], [4, 5]]);
    expect(modelLabel({ model: 'pl', pipelines: 2 }, 3)).toBe('PL 2x3');
  });

  it('hybrid: stages with their own replica counts, joined by hash splits', () => {
    const s = scenario(layoutChain(base({ model: 'hybrid', stages: [['acl'], ['lb', 'fwd']], replicas: [1, 3] })));
    expect(s.ports[0]!.rxQueues).toBe(1);
    const plan = buildPlan(s);
    expect(plan.tasks.map((t) => t.core)).toEqual([0, 1, 2, 3]);
    // Stage 0 ends in a 3-way split feeding the three replicas of stage 1.
    const split = s.modules.find((m) => m.kind === 'hashsplit')!;
    expect(split.outputGates).toBe(3);
    const rings = plan.channels.filter((c) => c.producer < plan.cores).map((c) => [c.producer, c.consumerCore]);
    expect(rings.sort()).toEqual([[0, 1], [0, 2], [0, 3]]);
  });

  it('rejects a hybrid whose stages do not cover the chain in order', () => {
    expect(() => layoutChain(base({ model: 'hybrid', stages: [['lb'], ['acl', 'fwd']], replicas: [1, 1] }))).toThrow(LayoutError);
  });

  it('the three models run, deliver and conserve packets', async () => {
    for (const m of [{ model: 'rtc', cores: 2 }, { model: 'pl', pipelines: 1 }, { model: 'hybrid', stages: [['acl'], ['lb', 'fwd']], replicas: [1, 2] }] as const) {
      const { record } = await runScenario(scenario(layoutChain(base(m))), { threads: 2 });
      expect(record.totals.conserved).toBe(true);
      expect(record.totals.delivered).toBeGreaterThan(1000);
      expect(record.totals.dropsByReason['deadend']).toBeUndefined();
    }
  });
});
