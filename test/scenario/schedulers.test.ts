/**
 * The `schedulers:` section and the scheduling fields of tasks: defaults,
 * units, and one clear problem per mistake.
 */
import { describe, expect, it } from 'vitest';
import { problemsOf as problems } from './problems.js';
import { NF_KINDS } from '../../src/nf/catalog.js';
import { validateScenario } from '../../src/scenario/validate.js';

const base = (extra: Record<string, unknown>) => ({
  name: 'sched',
  duration: '1ms',
  machine: { hz: '2GHz', cores: 2 },
  ports: [{ name: 'eth0', lineRate: '10Gbps', traffic: { flows: 4, frameSize: 64, rate: '1Mpps' } }],
  modules: [{ name: 'a', kind: 'macswap' }],
  edges: [{ from: 'eth0.rx0', to: 'a' }, { from: 'a', to: 'eth0.tx' }],
  tasks: [{ root: 'eth0.rx0', core: 0 }],
  ...extra,
});


describe('schedulers', () => {
  it('resolves defaults and units', () => {
    const s = validateScenario(base({ schedulers: [{ cores: [0, 1], policy: 'rt-rr', rrSlice: '2ms' }, ] }), { kinds: NF_KINDS, baseDir: null });
    expect(s.schedulers).toEqual([{
      cores: [0, 1], policy: 'rt-rr', switchCycles: null, syscallCycles: null, timeoutCycles: 0, isolation: false,
      rrSliceCycles: 4e6, wakeupGranularityCycles: 2e6, cfsSlice: 'nice', batchRuleOverhead: 0,
    }]);
    const c = validateScenario(base({ schedulers: [{ cores: 1, policy: 'cfs', cfsSlice: '3ms' }] }), { kinds: NF_KINDS, baseDir: null });
    expect(c.schedulers[0]!.cores).toEqual([1]);
    expect(c.schedulers[0]!.cfsSlice).toBe(6e6);
    expect(s.tasks[0]).toMatchObject({ weight: 1, priority: 0, nice: 0, process: '', chain: 'eth0.rx0@0', detached: false, copy: false, syscalls: 'none' });
  });

  it('names each mistake with what was expected', () => {
    expect(problems(base({
      schedulers: [
        { cores: 0, policy: 'fifo' },
        { cores: [0, 5], policy: 'cfs' },
        { cores: 1, policy: 'wfq', timeout: '1ms', cfsSlice: 'linux' },
      ],
      tasks: [{ root: 'eth0.rx0', core: 0, weight: 0, nice: 30, syscalls: 'always' }],
    }))).toEqual([
      'tasks[0].weight: a number > 0',
      'tasks[0].nice: an integer between -20 and 19',
      'tasks[0].syscalls: one of: none, per-packet, per-batch',
      'schedulers[0].policy: one of: rr, coop, wfq, prio, cfs, cfs-batch, rt-fifo, rt-rr',
      'schedulers[1].cores: cores not already given a scheduler (core 0 is in schedulers[0])',
      'schedulers[2].timeout: no timeout for policy wfq (it applies to coop)',
      'schedulers[2].cfsSlice: no cfsSlice for policy wfq (it applies to cfs, cfs-batch)',
    ]);
    expect(problems(base({ schedulers: [{ cores: 9, policy: 'cfs', cfsSlice: 'short' }] }))).toEqual([
      'schedulers[0].cores: a core number 0..1 or a list of them',
      "schedulers[0].cfsSlice: nice ([SCC]'s slices from nice values, docs/scheduling.md), linux (the kernel's 6 ms period shared by weight) or a duration like 3ms",
    ]);
  });
});
