/**
 * One stall, one message: a run in which no actor can advance fails with
 * STALL_MESSAGE and every actor's describe() line, on one thread (the host
 * sees it at once) and on several (the main thread's stall watch, about a
 * second), never after the 30 s no-progress watchdog.
 *
 * The planner refuses every input known to stall (a cycle of back-pressure
 * queues across cores), so the integration tests take a layout it accepts
 * and turn one of the cycle's queues to back-pressure afterwards: a genuine
 * deadlock once both queues fill.
 */
import { describe, expect, it } from 'vitest';
import { STALL_MESSAGE } from '../../src/engine/host.js';
import { layOut, runLayout, runScenario, RunError, type RunOptions } from '../../src/engine/run.js';
import { StallWatch, STALL_WINDOW_MS, type WatchSample } from '../../src/engine/stall-watch.js';
import type { Scenario } from '../../src/scenario/types.js';
import { scenario } from './helpers.js';

describe('StallWatch', () => {
  /** Samples every 250 ms, as run.ts takes them. */
  function feed(watch: StallWatch, samples: Omit<WatchSample, 'atMs'>[]) {
    return samples.map((x, i) => watch.sample({ atMs: i * 250, ...x }));
  }
  const still = (parks: number[]) => ({ parks, progress: 7, waitingForMain: false });

  it('declares a stall once progress held still for the window and every worker parked twice since', () => {
    // Workers park about every 100 ms while stuck; samples 250 ms apart.
    const verdicts = feed(new StallWatch(), [0, 1, 2, 3, 4, 5].map((i) => still([10 + 2 * i, 20 + 3 * i])));
    // The fifth sample is the first a full window (1000 ms) after the first.
    expect(STALL_WINDOW_MS).toBe(1000);
    expect(verdicts).toEqual(['running', 'running', 'running', 'running', 'stalled', 'stalled']);
  });

  it('waits while a worker counts fewer than two parks (busy in an NF, or not run by the host)', () => {
    const watch = new StallWatch(30_000);
    // Worker 1 parked once and then stayed in its last pass: no stall, however long.
    const verdicts = feed(watch, Array.from({ length: 40 }, (_, i) => still([10 + 2 * i, i === 0 ? 5 : 6])));
    expect(verdicts).not.toContain('stalled');
    expect(verdicts).not.toContain('no-progress');
  });

  it('fails a run whose progress held still past the no-progress limit when the workers do not all park', () => {
    const watch = new StallWatch(2000);
    const verdicts = feed(watch, Array.from({ length: 10 }, (_, i) => still([10 + 2 * i, 5])));
    // 2000 ms is 8 ticks; the ninth sample (2250 ms) is past it.
    expect(verdicts.indexOf('no-progress')).toBe(9);
    expect(verdicts).not.toContain('stalled');
  });

  it('starts over when progress moves', () => {
    const progress = [1, 1, 1, 1, 2, 2, 2, 2, 2];
    const verdicts = feed(new StallWatch(), progress.map((p, i) => ({ parks: [3 * i, 3 * i], progress: p, waitingForMain: false })));
    // The window restarts at the fifth sample (1000 ms) and is full at the ninth (2000 ms).
    expect(verdicts).toEqual(['running', 'running', 'running', 'running', 'running', 'running', 'running', 'running', 'stalled']);
  });

  it('never fires while the workers wait for the main thread (control point, controller)', () => {
    const watch = new StallWatch(2000);
    const verdicts = feed(watch, Array.from({ length: 40 }, (_, i) => ({ parks: [5 * i, 5 * i], progress: 7, waitingForMain: true })));
    expect(verdicts.every((v) => v === 'running')).toBe(true);
    // Released, they are judged again from the last sample in which they waited (9750 ms).
    expect(watch.sample({ atMs: 40 * 250, parks: [200, 200], progress: 7, waitingForMain: false })).toBe('running');
    expect(watch.sample({ atMs: 40 * 250 + STALL_WINDOW_MS, parks: [210, 210], progress: 7, waitingForMain: false })).toBe('stalled');
  });
});

/**
 * Core 0 feeds core 1 through q1 and drains q2, which core 1 feeds: with
 * both whenFull: backpressure, core 0 waits for room in q1 and core 1 for
 * room in q2 (test/engine/liveness.test.ts has the planner's refusal).
 */
const cycle: Scenario = scenario({
  name: 'bp-cycle',
  duration: '2ms',
  controlPeriod: '1ms',
  machine: { hz: 2.6e9, cores: 2 },
  ports: [{ name: 'eth0', lineRate: '10Gbps', traffic: { flows: 16, frameSize: 64, rate: 'line' } }],
  modules: [
    { name: 'a', kind: 'synthetic', config: { cyclesPerPacket: 30 } },
    { name: 'q1', kind: 'queue', config: { size: 16, whenFull: 'backpressure' } },
    { name: 'b', kind: 'synthetic', config: { cyclesPerPacket: 400 } },
    { name: 'q2', kind: 'queue', config: { size: 16, whenFull: 'drop' } },
    { name: 'c', kind: 'macswap', config: { cyclesPerPacket: 1000 } },
  ],
  edges: [
    { from: 'eth0.rx0', to: 'a' }, { from: 'a', to: 'q1' }, { from: 'q1', to: 'b' },
    { from: 'b', to: 'q2' }, { from: 'q2', to: 'c' }, { from: 'c', to: 'eth0.tx' },
  ],
  tasks: [{ root: 'eth0.rx0', core: 0 }, { root: 'q1', core: 1 }, { root: 'q2', core: 0 }],
});

/** Run `cycle` with q2 turned to back-pressure after planning (what the planner refuses). */
async function runDeadlocked(opts: RunOptions): Promise<unknown> {
  const layout = layOut(cycle, opts);
  const q2 = layout.plan.inputs.find((i) => i.kind === 'queue' && cycle.modules[i.ref]!.name === 'q2')!;
  q2.mode = 'backpressure';
  for (const id of q2.channels) {
    const ch = layout.plan.channels[id]!;
    ch.mode = 'backpressure';
    ch.ringCapacity = 16; // as the planner sizes a back-pressure ring: the queue's size, a power of two
  }
  return runLayout(cycle, layout, opts).then(() => 'finished', (e: unknown) => e);
}

describe('a run in which no actor can advance', () => {
  // The no-progress watchdog is set far beyond the test's timeout: only the
  // stall detection can end these runs.
  const patient = { stallSeconds: 3600 };

  for (const [what, opts] of [
    ['one thread (the host sees it)', { threads: 1 }],
    ['two threads (the main thread\'s stall watch)', { workerOfCore: [0, 1] }],
  ] as const) {
    it(`fails with the stall message and where every actor is, on ${what}`, async () => {
      const outcome = await runDeadlocked({ ...opts, ...patient });
      expect(outcome).toBeInstanceOf(RunError);
      const lines = (outcome as Error).message.split('\n');
      expect(lines[0]).toBe(STALL_MESSAGE);
      // One indented describe() line per actor: the NIC and both cores, each once.
      expect(lines.slice(1).every((l) => l.startsWith('  '))).toBe(true);
      expect(lines.slice(1).map((l) => l.trim().split(':')[0]).sort()).toEqual(['core 0', 'core 1', 'nic 2']);
      // Both cores wait to flush into a full queue.
      expect(lines.find((l) => l.trim().startsWith('core 0'))).toContain('flushing true');
      expect(lines.find((l) => l.trim().startsWith('core 1'))).toContain('flushing true');
    }, 60_000);
  }

  it('the same input with q2 dropping runs to the end on two threads (the detection fires on the deadlock only)', async () => {
    const out = await runScenario(cycle, { workerOfCore: [0, 1], ...patient });
    expect(out.record.totals.conserved).toBe(true);
    expect(out.record.totals.dropsByReason['queue_full']).toBeGreaterThan(0);
  }, 60_000);
});

describe('waiting for the main thread is not a stall', () => {
  it('a controller slower than both watchdogs leaves the run and its record unchanged', async () => {
    const plain = await runScenario(cycle, { workerOfCore: [0, 1] });
    let calls = 0;
    const slow = await runScenario(cycle, {
      workerOfCore: [0, 1],
      // No worker moves while the controller thinks (2 s): neither the stall
      // watch nor a 1 s no-progress limit may count that against them.
      stallSeconds: 1,
      controller: async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 2 * STALL_WINDOW_MS));
        return [];
      },
    });
    expect(calls).toBe(1);
    // Identical but for each period's control outcome ('ok' with a controller, 'none' without).
    const unlessControl = (r: unknown) => JSON.stringify(r, (k, v: unknown) => (k === 'control' ? undefined : v));
    expect(unlessControl(slow.record)).toBe(unlessControl(plain.record));
    expect(slow.record.series!.points.map((p) => p.control)).toContain('ok');
  }, 60_000);
});
